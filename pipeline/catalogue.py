"""The catalogue: one YAML per documented source, with ROOTS's governance fields and how to read it.

Fields follow the BigScience catalogue (uid, type, name, description, homepage, languages, custodian,
licence, PII likelihood, source category, media) plus `procurement` (where the data came from, e.g. a
Debian package and version) and `read` (reader kind, path or glob, field names). A path is relative to
the YAML file's folder and may contain `{lang}`, replaced by the language being built. Every entry is
validated at start-up: an unknown key, a bad choice or a missing input file fails naming file and field.
"""
from __future__ import annotations

import glob
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from pipeline.base import Frozen, is_uri, within
from pipeline.cleaning import CleaningStep
from pipeline.errors import UserError
from pipeline.yamlio import load_model

DETECT = "detect"


class Custodian(Frozen):
    name: str
    """Who holds the data (person or organisation)."""
    type: Literal[
        "private_individual", "commercial", "library_archive", "university_research",
        "nonprofit", "government", "community", "other",
    ]
    location: str | None = None
    """Country or region of the custodian."""
    contact: str | None = None
    """A public contact point (web page or mailing list), never a private address."""


class Licence(Frozen):
    text: str
    """The licence as stated by the source (SPDX expression where one exists)."""
    class_: Literal[
        "public_domain", "open", "research_only", "non_commercial", "do_not_distribute", "all_rights_reserved",
    ] = Field(alias="class")
    url: str | None = None


class Pii(Frozen):
    likelihood: Literal["yes", "author_names_only", "no", "unclear"]
    categories: list[str] = []
    """Kinds of personal data expected (e.g. names, emails)."""


class Category(Frozen):
    kind: Literal["collection", "website", "code"]
    domain: str
    """E.g. technical documentation, news, books, fiction."""


class Media(Frozen):
    format: Literal["plain_text", "html", "pdf", "xml", "wiki", "markdown", "code", "jsonl", "parquet", "warc"]
    instances: str | None = None
    """Rough number of documents, e.g. '10k-100k'."""
    size: str | None = None
    """Rough size, e.g. '10-100 MB'."""


class Procurement(Frozen):
    how: str
    """How the data is obtained, in words."""
    debian_packages: list[str] = []
    """Debian packages the bundled extractor downloads (with `apt-get download`); `{lang}`-free names."""
    version: str | None = None
    """Package or release version the entry was written for; the extractor records the one it got."""
    extractor: Literal["docbook_html", "libreoffice_help", "fortunes", "python_stdlib"] | None = None
    """Name of the bundled extractor in pipeline/bundled.py that prepares `read.path` (bundled sources only)."""


class Read(Frozen):
    kind: Literal["jsonl", "parquet", "textdir", "hf_dataset", "warc"]
    path: str
    """File, folder or glob, relative to this YAML's folder; `{lang}` is replaced by the language built."""
    text_field: str = "text"
    id_field: str | None = None
    """Field holding a native id; without it a document's id is source uid + file + record number."""
    url_field: str | None = None
    meta_fields: list[str] = []
    """Fields copied into the document's `meta`."""
    suffixes: list[str] = [".txt"]
    """textdir only: file endings that count as documents."""
    hf_builder: str | None = None
    """hf_dataset only: datasets builder (json, parquet, text, csv); guessed from the file ending if unset."""
    extractor: Literal["trafilatura", "lxml"] = "trafilatura"
    """warc only: how an HTML page becomes text. `trafilatura` keeps the main text (menus, footers, related
    links and cookie notices removed), as Common Crawl pipelines do; `lxml` keeps every text block, for
    documentation sites whose pages are all content (trafilatura finds no main text on some of them)."""


class CatalogueEntry(Frozen):
    uid: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    type: Literal["primary_source", "processed_dataset", "language_organisation"]
    name: str
    description: str
    homepage: str | None = None
    languages: list[str] = Field(min_length=1)
    """Language codes (ISO 639-1 where one exists, else 639-3; 'code' for the programming-language slice). A
    file several languages read (no `{lang}` in `read.path`) is multilingual: a build of several languages
    routes its documents by language ID. `[detect]`: any language, routing decides."""
    locations: list[str] = []
    custodian: Custodian
    licence: Licence
    pii: Pii
    category: Category
    media: Media
    procurement: Procurement
    read: Read
    priority: int = 0
    """Dedup keeps, of copies of one document, the one from the source with the highest priority (when the
    run config's `dedup.keep` lists `source`, as it does by default): e.g. an edited collection over a crawl."""
    cleaning: list[CleaningStep] = []
    """Per-source cleaning steps (pipeline/cleaning.py), applied by the `clean` stage in this order."""

    @field_validator("languages")
    @classmethod
    def _lower(cls, v: list[str]) -> list[str]:
        return [x.strip() for x in v]


class Source(BaseModel):
    """A catalogue entry resolved for one language: its files exist (local paths or URIs, as strings)."""

    entry: CatalogueEntry
    yaml_path: Path
    files: list[str]

    @property
    def uid(self) -> str:
        return self.entry.uid


def load_catalogue(folder: Path) -> list[tuple[Path, CatalogueEntry]]:
    """Validate every `*.yaml` under `folder` (or a single file); uids must be unique."""
    folder = Path(folder)
    if folder.is_file():
        paths = [folder]
    elif folder.is_dir():
        paths = sorted(p for p in folder.rglob("*.y*ml") if p.suffix in (".yaml", ".yml"))
    else:
        raise UserError(f"catalogue {folder}: no such file or folder")
    if not paths:
        raise UserError(f"catalogue {folder}: no *.yaml entries found")
    entries = [(p, load_model(p, CatalogueEntry)) for p in paths]
    seen: dict[str, Path] = {}
    for p, e in entries:
        if e.uid in seen:
            raise UserError(f"{p}: field 'uid': '{e.uid}' is already used by {seen[e.uid]}")
        seen[e.uid] = p
    return entries


def resolve_files(yaml_path: Path, entry: CatalogueEntry, lang: str, roots: list[Path]) -> list[str]:
    """The input files of an entry for `lang`: each real file once (symbolic links resolved, so a link loop or
    two links to one file cannot read it twice), and only inside `roots` (else a clear error, before any work).
    A URI (s3://, gs://, hf://, https://...) is listed through fsspec; it is remote, so no root applies."""
    pattern = entry.read.path.replace("{lang}", lang)
    if is_uri(pattern):
        return resolve_uris(yaml_path, entry, pattern)
    base = yaml_path.parent
    full = pattern if Path(pattern).is_absolute() else str(base / pattern)
    folders = entry.read.kind in ("textdir", "hf_dataset")
    if folders and Path(full).is_dir():
        matches = [Path(full)]
    else:
        matches = sorted(Path(m) for m in glob.glob(full, recursive=True))
        matches = [m for m in matches if m.is_file() or (folders and m.is_dir())]
    if not matches:
        hint = " (run `make data` to prepare the bundled sources)" if entry.procurement.extractor else ""
        raise UserError(f"{yaml_path}: field 'read.path': no input matches {full}{hint}")
    real: dict[Path, Path] = {}
    for m in matches:
        if not within(m, roots):
            raise UserError(f"{yaml_path}: field 'read.path': {m} is {m.resolve()}, outside the folders a catalogue "
                            f"may read ({', '.join(str(r) for r in roots)}): move the data there, or add its folder to "
                            "`data_roots` in the run config")
        real.setdefault(m.resolve(), m)
    return sorted(str(m) for m in real.values())


def resolve_uris(yaml_path: Path, entry: CatalogueEntry, pattern: str) -> list[str]:
    from pipeline import storage

    folders = entry.read.kind in ("textdir", "hf_dataset")
    try:
        if folders and storage.isdir(pattern):
            return [pattern.rstrip("/")]
        found = storage.glob(pattern) if any(c in pattern for c in "*?[") else [pattern]
        files = [f for f in found if (folders and storage.isdir(f)) or storage.isfile(f)]
    except (OSError, ValueError, ImportError) as e:  # unreachable, no credentials, unknown protocol
        raise UserError(f"{yaml_path}: field 'read.path': cannot list {pattern}: {type(e).__name__}: {e}") from None
    if not files:
        raise UserError(f"{yaml_path}: field 'read.path': no input matches {pattern}")
    return sorted(files)


def catalogue_roots(catalogue: Path, data_roots: list[Path] = ()) -> list[Path]:
    """Where catalogue paths may read: the folder that holds the catalogue folder (the project, for the
    bundled catalogue), plus the run config's `data_roots`."""
    folder = Path(catalogue) if Path(catalogue).is_dir() else Path(catalogue).parent
    return [folder.resolve().parent, *(Path(r).resolve() for r in data_roots)]


def catalogue_languages(catalogue: Path) -> list[str]:
    """The languages the catalogue's sources declare (`LANGS=all`)."""
    return sorted({lang for _, e in load_catalogue(catalogue) for lang in e.languages if lang != DETECT})


def sources_for(catalogue: Path, lang: str, data_roots: list[Path] = ()) -> list[Source]:
    """Catalogue entries that cover `lang`, with their input files checked. Fails if none cover it."""
    entries = load_catalogue(catalogue)
    chosen = [(p, e) for p, e in entries if lang in e.languages or DETECT in e.languages]
    if not chosen:
        have = catalogue_languages(catalogue)
        raise UserError(f"catalogue {catalogue}: no source covers language '{lang}'; covered: {', '.join(have)}")
    roots = catalogue_roots(catalogue, data_roots)
    return [Source(entry=e, yaml_path=p, files=resolve_files(p, e, lang, roots)) for p, e in chosen]


def adhoc_source(path: Path, lang: str, text_field: str, id_field: str | None) -> Source:
    """A catalogue entry made on the fly for `python -m pipeline run <stage> --input FILE`."""
    path = Path(path).resolve()
    if not path.is_file():
        raise UserError(f"--input {path}: file not found")
    name = path.name.lower()
    if name.endswith(".parquet"):
        kind = "parquet"
    elif any(name.endswith(s) for s in (".jsonl", ".jsonl.gz", ".jsonl.zst", ".json", ".json.gz", ".json.zst")):
        kind = "jsonl"
    else:
        raise UserError(f"--input {path}: expected .jsonl(.gz/.zst) or .parquet")
    entry = CatalogueEntry.model_validate({
        "uid": "input", "type": "processed_dataset", "name": path.name, "description": f"ad-hoc input {path}",
        "languages": [lang],
        "custodian": {"name": "unknown", "type": "other"},
        "licence": {"text": "unknown", "class": "all_rights_reserved"},
        "pii": {"likelihood": "unclear"}, "category": {"kind": "collection", "domain": "unknown"},
        "media": {"format": kind}, "procurement": {"how": "given on the command line"},
        "read": {"kind": kind, "path": str(path), "text_field": text_field, "id_field": id_field},
    })
    return Source(entry=entry, yaml_path=path.parent / "input.yaml", files=[str(path)])

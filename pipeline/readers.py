"""Readers turn one input file of a catalogue source into Documents, or ingest Rejections.

Kinds: JSONL (plain, .gz, .zst), Parquet, a folder of text files, a local Hugging Face `datasets`
dataset (saved with save_to_disk, or files loaded with load_dataset offline), and WARC (warcio) for web
sources. Bad records never crash a run: invalid UTF-8, a malformed JSON line, a missing or non-string
text field and a document over `max_doc_bytes` each become a Rejection of stage `ingest` with the rule
and the measured value, and keep the record (decoded with replacement characters where it must be).

Ids are stable across runs: `<source uid>/<native id>` when the source has an id field, else
`<source uid>/<file relative to the source>/<record number>`.
"""
from __future__ import annotations

import gzip
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import xxhash

from pipeline.base import within
from pipeline.catalogue import CatalogueEntry, Source
from pipeline.errors import UserError
from pipeline.record import Document, Rejection

Item = Document | Rejection
SURROGATE = re.compile("[\ud800-\udfff]")


def id_key(native_id: object) -> int:
    """64-bit hash of a native id, to find ids used twice without keeping the ids."""
    return xxhash.xxh3_64_intdigest(str(native_id).encode("utf-8", "surrogatepass"))


class RecordMaker:
    """Builds Documents (or ingest Rejections) from raw records of one file. A native id used twice (in this
    file, or in `skip`: ids an earlier file of the source holds) makes the later record `ingest:duplicate_id`,
    stored under its position (`<uid>/<file>/<record no.>`) so every stored id stays unique. `ids` collects
    the keys of the native ids this file claimed, for the check across files."""

    def __init__(self, entry: CatalogueEntry, file: Path, rel: str, lang: str, max_doc_bytes: int,
                 skip: frozenset[int] = frozenset(), ids: list[int] | None = None):
        self.entry, self.file, self.rel, self.lang = entry, file, rel, lang
        self.max_doc_bytes = max_doc_bytes
        self.read = entry.read
        self.skip, self.ids, self.seen = skip, ids if ids is not None else [], set()

    def duplicate(self, native_id: object) -> str | None:
        """Why this native id cannot be used (None: it is claimed now)."""
        if native_id in (None, ""):
            return None
        key = id_key(native_id)
        if key in self.skip:
            return f"id {native_id!r} is already used by another file of source {self.entry.uid}"
        if key in self.seen:
            return f"id {native_id!r} is already used by an earlier record of this file"
        self.seen.add(key)
        self.ids.append(key)
        return None

    def unreadable(self, n_read: int, e: Exception) -> Rejection:
        """The rest of a file that could not be read (truncated, corrupt): one recorded rejection."""
        doc = Document(id=f"{self.entry.uid}/{self.rel}#unreadable", text="", lang=self.lang, source=self.entry.uid,
                       url_or_path=self.rel, license=self.entry.licence.text)
        return Rejection(doc, "ingest", "unreadable_file", float(n_read), None,
                         f"{self.file}: {type(e).__name__}: {e} (after {n_read} records, which were read)")

    def _doc(self, native_id: object, n: int, text: str, url: str | None, meta: dict) -> Document:
        suffix = str(native_id) if native_id not in (None, "") else f"{self.rel}/{n}"
        return Document(
            id=f"{self.entry.uid}/{suffix}",
            text=text,
            lang=self.lang,
            source=self.entry.uid,
            url_or_path=url or f"{self.rel}#{n}",
            license=self.entry.licence.text,
            meta=meta,
        )

    def reject(self, n: int, raw: str, rule: str, value: float | None, threshold: float | None, detail: str,
               native_id: object = None) -> Rejection:
        doc = self._doc(native_id, n, raw, None, {})
        return Rejection(doc, "ingest", rule, value, threshold, detail)

    def from_mapping(self, rec: object, n: int, raw_for_errors: str = "") -> Item:
        r = self.read
        if not isinstance(rec, dict):
            return self.reject(n, raw_for_errors, "malformed_record", None, None, f"expected an object, got {type(rec).__name__}")
        dup = self.duplicate(rec.get(r.id_field)) if r.id_field else None
        if dup:
            return self.reject(n, raw_for_errors or json.dumps(rec, ensure_ascii=False, default=str), "duplicate_id", None,
                               None, dup)
        text = rec.get(r.text_field)
        if not isinstance(text, str):
            what = "missing" if text is None else f"not a string ({type(text).__name__})"
            return self.reject(n, raw_for_errors or json.dumps(rec, ensure_ascii=False, default=str),
                               "missing_text_field", None, None, f"field '{r.text_field}' {what}",
                               rec.get(r.id_field) if r.id_field else None)
        meta = {k: rec[k] for k in r.meta_fields if k in rec}
        url = rec.get(r.url_field) if r.url_field else None
        native = rec.get(r.id_field) if r.id_field else None
        return self.from_text(text, n, native, url if isinstance(url, str) else None, meta, checked=True)

    def from_text(self, text: str, n: int, native_id: object = None, url: str | None = None, meta: dict | None = None,
                  checked: bool = False) -> Item:
        dup = None if checked else self.duplicate(native_id)
        if dup:
            return Rejection(self._doc(None, n, text, url, meta or {}), "ingest", "duplicate_id", None, None, dup)
        try:
            size = len(text.encode("utf-8"))
        except UnicodeEncodeError:  # a lone surrogate (JSON allows "\ud800") is no character: U+FFFD, as UTF-8 has it
            text = SURROGATE.sub("\ufffd", text)
            size = len(text.encode("utf-8"))
        doc = self._doc(native_id, n, text, url, meta or {})
        if size > self.max_doc_bytes:
            return Rejection(doc, "ingest", "max_bytes", float(size), float(self.max_doc_bytes), "document too large")
        return doc

    def from_bytes(self, data: bytes, n: int, native_id: object = None, url: str | None = None) -> Item:
        dup = self.duplicate(native_id)
        if dup:
            return Rejection(self._doc(None, n, data.decode("utf-8", "replace"), url, {}), "ingest", "duplicate_id",
                             None, None, dup)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            doc = self._doc(native_id, n, data.decode("utf-8", "replace"), url, {})
            return Rejection(doc, "ingest", "invalid_utf8", float(e.start), None, f"invalid UTF-8 at byte {e.start}")
        return self.from_text(text, n, native_id, url, checked=True)


def open_binary(path: Path) -> io.BufferedIOBase:
    if path.suffix == ".gz":
        return gzip.open(path, "rb")
    if path.suffix == ".zst":
        import zstandard

        return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(open(path, "rb")))  # noqa: SIM115
    return open(path, "rb")  # noqa: SIM115


def read_jsonl(mk: RecordMaker) -> Iterator[Item]:
    with open_binary(mk.file) as fh:
        for n, line in enumerate(fh, start=1):
            if n == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]  # a UTF-8 byte order mark is not part of the first record
            if not line.strip():
                continue  # blank separator lines are not records
            try:
                s = line.decode("utf-8")
            except UnicodeDecodeError as e:
                yield mk.reject(n, line.decode("utf-8", "replace"), "invalid_utf8", float(e.start), None,
                                f"invalid UTF-8 at byte {e.start} of line {n}")
                continue
            if len(line) > mk.max_doc_bytes * 6 + 1024:  # JSON escapes grow text at most 6x: too big to parse
                yield mk.reject(n, s, "max_bytes", float(len(line)), float(mk.max_doc_bytes), f"line {n} too large")
                continue
            try:
                rec = json.loads(s)
            except json.JSONDecodeError as e:
                yield mk.reject(n, s, "malformed_json", None, None, f"line {n}: {e.msg} at column {e.colno}")
                continue
            yield mk.from_mapping(rec, n, s)


def read_parquet(mk: RecordMaker) -> Iterator[Item]:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(mk.file)
    names = set(pf.schema_arrow.names)
    r = mk.read
    cols = [c for c in [r.text_field, r.id_field, r.url_field, *r.meta_fields] if c and c in names]
    n = 0
    for batch in pf.iter_batches(batch_size=1024, columns=cols or None):
        for rec in batch.to_pylist():
            n += 1
            yield mk.from_mapping(rec, n)


def read_textdir(mk: RecordMaker) -> Iterator[Item]:
    """One document per text file; a file that is a link out of the folder, or to a file already read, is a
    recorded rejection (`outside_source`, `duplicate_file`), never read."""
    root = mk.file
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in mk.read.suffixes)
    seen: dict[Path, str] = {}
    for n, p in enumerate(files, start=1):
        rel = p.relative_to(root).as_posix() if root.is_dir() else p.name
        native = f"{mk.rel}/{rel}" if root.is_dir() else None
        real = p.resolve()
        if root.is_dir() and not within(real, [root]):
            yield mk.reject(n, "", "outside_source", None, None, f"{rel} links to {real}, outside {root}", native)
        elif real in seen:
            yield mk.reject(n, "", "duplicate_file", None, None, f"{rel} is the same file as {seen[real]}", native)
        else:
            seen[real] = rel
            yield mk.from_bytes(p.read_bytes(), n, native_id=native, url=str(p))


def read_hf_dataset(mk: RecordMaker) -> Iterator[Item]:
    import datasets

    path = mk.file
    if path.is_dir() and ((path / "dataset_info.json").exists() or (path / "state.json").exists()):
        ds = datasets.load_from_disk(str(path))
    else:
        builder = mk.read.hf_builder or {".jsonl": "json", ".json": "json", ".parquet": "parquet", ".txt": "text",
                                         ".csv": "csv", ".gz": "json"}.get(path.suffix)
        if builder is None:
            raise UserError(f"{mk.entry.uid}: cannot guess the datasets builder for {path}; set read.hf_builder")
        ds = datasets.load_dataset(builder, data_files=str(path), split="train")
    if isinstance(ds, datasets.DatasetDict):
        ds = ds[next(iter(ds))]
    for n, rec in enumerate(ds, start=1):
        yield mk.from_mapping(rec, n)


def read_warc(mk: RecordMaker) -> Iterator[Item]:
    from warcio.archiveiterator import ArchiveIterator

    from pipeline.htmltext import html_to_text

    with open(mk.file, "rb") as fh:
        n = 0
        for record in ArchiveIterator(fh):
            if record.rec_type != "response":
                continue
            n += 1
            url = record.rec_headers.get_header("WARC-Target-URI")
            rid = record.rec_headers.get_header("WARC-Record-ID")
            ctype = (record.http_headers.get_header("Content-Type") if record.http_headers else "") or ""
            body = record.content_stream().read()
            if len(body) > mk.max_doc_bytes * 4:
                yield mk.reject(n, "", "max_bytes", float(len(body)), float(mk.max_doc_bytes), "WARC payload too large")
                continue
            if "html" in ctype:
                text = html_to_text(body)
                yield mk.from_text(text, n, native_id=rid, url=url)
            elif ctype.startswith("text/"):
                yield mk.from_bytes(body, n, native_id=rid, url=url)
            else:
                yield mk.reject(n, "", "unsupported_content_type", None, None, f"content type {ctype!r}")


READERS = {
    "jsonl": read_jsonl,
    "parquet": read_parquet,
    "textdir": read_textdir,
    "hf_dataset": read_hf_dataset,
    "warc": read_warc,
}


def source_root(entry: CatalogueEntry, yaml_dir: Path, lang: str) -> Path:
    """The folder file ids are relative to: the read path up to its first wildcard, or its parent."""
    pattern = entry.read.path.replace("{lang}", lang)
    parts = Path(pattern).parts
    fixed = list(parts[: next((i for i, p in enumerate(parts) if any(c in p for c in "*?[")), len(parts))])
    root = (yaml_dir / Path(*fixed)) if fixed else yaml_dir
    return root.parent if len(fixed) == len(parts) else root


def read_file(entry: CatalogueEntry, base: Path, file: Path, lang: str, max_doc_bytes: int,
              skip: frozenset[int] = frozenset(), ids: list[int] | None = None) -> Iterator[Item]:
    """Stream the documents and ingest rejections of one input file; ids are relative to `base`. A file that
    breaks part-way (truncated .gz, corrupt .zst or Parquet, vanished) ends with an `unreadable_file`
    rejection after the records that could be read: a run goes on past a bad file."""
    try:
        rel = file.relative_to(base).as_posix()
    except ValueError:
        rel = file.name
    mk = RecordMaker(entry, file, rel, lang, max_doc_bytes, skip, ids)
    n = 0
    try:
        for item in READERS[entry.read.kind](mk):
            n += 1
            yield item
    except UserError:
        raise
    except Exception as e:  # any failure of the file or its decoder: recorded, not a crash of the worker
        yield mk.unreadable(n, e)


def source_items(source: Source, file: Path, lang: str, max_doc_bytes: int, skip: frozenset[int] = frozenset(),
                 ids: list[int] | None = None) -> Iterator[Item]:
    """`read_file` for one file of a resolved source, ids relative to the source's folder."""
    root = source_root(source.entry, source.yaml_path.parent, lang)
    return read_file(source.entry, root, file, lang, max_doc_bytes, skip, ids)


def source_documents(sources: list[Source], lang: str, max_doc_bytes: int) -> Iterator[Document]:
    """Every readable document of the sources' files, in order (ingest rejections left out)."""
    for s in sources:
        for f in s.files:
            yield from (d for d in source_items(s, f, lang, max_doc_bytes) if isinstance(d, Document))

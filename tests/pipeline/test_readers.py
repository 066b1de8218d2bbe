import gzip
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard
from conftest import FRENCH, entry

from pipeline.catalogue import CatalogueEntry
from pipeline.readers import read_file
from pipeline.record import Document, Rejection


def read(tmp_path: Path, path: str, kind: str = "jsonl", max_doc_bytes: int = 1_000_000, **read_opts):
    e = CatalogueEntry.model_validate(entry("src", path, kind=kind, **read_opts))
    return list(read_file(e, tmp_path, tmp_path / path, "fr", max_doc_bytes))


def by_id(items):
    return {(x.doc.id if isinstance(x, Rejection) else x.id): x for x in items}


@pytest.mark.parametrize("suffix,opener", [
    ("", lambda p: open(p, "wb")),
    (".gz", lambda p: gzip.open(p, "wb")),
    (".zst", lambda p: zstandard.ZstdCompressor().stream_writer(open(p, "wb"))),
])
def test_jsonl_compressions_and_bad_records(tmp_path, suffix, opener):
    lines = [json.dumps({"id": "a", "text": FRENCH[0], "url": "http://x/a"}).encode(),
             b"",  # a blank line is a separator, not a record
             b'{"id": "b", "text": "caf\xe9"}',
             b'{"id": "c", "text": ',
             b'{"id": "d", "title": "no text"}',
             json.dumps({"id": "e", "text": "é" * 600_000}).encode()]
    with opener(tmp_path / f"f.jsonl{suffix}") as fh:
        fh.write(b"\n".join(lines) + b"\n")
    items = read(tmp_path, f"f.jsonl{suffix}", id_field="id", url_field="url")
    assert len(items) == 5
    a = items[0]
    assert isinstance(a, Document) and a.id == "src/a" and a.text == FRENCH[0] and a.url_or_path == "http://x/a"
    rules = [(x.rule, x.stage) for x in items[1:]]
    assert rules == [("invalid_utf8", "ingest"), ("malformed_json", "ingest"), ("missing_text_field", "ingest"),
                     ("max_bytes", "ingest")]
    assert "caf\ufffd" in items[1].doc.text  # kept with a replacement character, never silently skipped
    assert items[4].value == 1_200_000 and items[4].threshold == 1_000_000 and items[4].doc.id == "src/e"


def test_jsonl_without_id_field_gets_a_position_id(tmp_path):
    (tmp_path / "f.jsonl").write_text(json.dumps({"text": "un"}) + "\n" + json.dumps({"text": "deux"}) + "\n")
    ids = [d.id for d in read(tmp_path, "f.jsonl")]
    assert ids == ["src/f.jsonl/1", "src/f.jsonl/2"]
    assert ids == [d.id for d in read(tmp_path, "f.jsonl")]  # stable across runs


def test_parquet(tmp_path):
    pq.write_table(pa.table({"doc_id": ["p1", "p2", "p3"], "content": [FRENCH[1], None, FRENCH[2]]}), tmp_path / "f.parquet")
    items = read(tmp_path, "f.parquet", kind="parquet", text_field="content", id_field="doc_id")
    assert [type(x).__name__ for x in items] == ["Document", "Rejection", "Document"]
    assert items[1].rule == "missing_text_field" and items[2].id == "src/p3"


def test_textdir_rejects_invalid_utf8_file(tmp_path):
    d = tmp_path / "texts"
    (d / "sub").mkdir(parents=True)
    (d / "a.txt").write_text(FRENCH[0], encoding="utf-8")
    (d / "sub" / "b.txt").write_bytes("Très".encode("latin-1"))
    (d / "c.md").write_text("skipped by suffix")
    items = by_id(read(tmp_path, "texts", kind="textdir"))
    assert set(items) == {"src/texts/a.txt", "src/texts/sub/b.txt"}
    assert items["src/texts/sub/b.txt"].rule == "invalid_utf8"


def test_hf_dataset_load_dataset_and_load_from_disk(tmp_path):
    import datasets

    (tmp_path / "f.jsonl").write_text("\n".join(json.dumps({"id": i, "text": t}) for i, t in enumerate(FRENCH)))
    items = read(tmp_path, "f.jsonl", kind="hf_dataset", id_field="id")
    assert [d.text for d in items] == FRENCH and items[0].id == "src/0"
    datasets.Dataset.from_dict({"text": FRENCH[:2]}).save_to_disk(str(tmp_path / "saved"))
    items = read(tmp_path, "saved", kind="hf_dataset")
    assert [d.text for d in items] == FRENCH[:2]


BOILERPLATE = ["Accueil", "Forums", "Se connecter", "Nous utilisons des cookies pour mesurer l'audience. Accepter",
               "Articles similaires : Installer Debian sur un Raspberry Pi", "Mentions légales", "© 2024 Exemple SARL"]


def web_page(title: str, paragraphs: list[str]) -> bytes:
    """A page as the web has them: menu, cookie banner, sidebar and footer around one article."""
    nav = "".join(f"<li><a href='/{i}'>{x}</a></li>" for i, x in enumerate(BOILERPLATE[:3]))
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<html><head><title>{title} | Exemple</title><script>var tracker = 1;</script></head><body>"
            f"<header><nav><ul>{nav}</ul></nav></header><div class='cookie-banner'><p>{BOILERPLATE[3]}</p></div>"
            f"<main><article><h1>{title}</h1>{body}</article></main>"
            f"<aside><h3>À lire aussi</h3><ul><li><a href='/rpi'>{BOILERPLATE[4]}</a></li></ul></aside>"
            f"<footer><a href='/legal'>{BOILERPLATE[5]}</a><p>{BOILERPLATE[6]}</p></footer></body></html>").encode()


def write_warc(path: Path, pages: list[tuple[str, str, bytes]]) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        w = WARCWriter(fh, gzip=True)
        for url, ctype, body in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.0")
            w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers))


def test_warc_main_text_without_boilerplate(tmp_path):
    article = [" ".join(FRENCH[i:i + 3]) for i in range(0, len(FRENCH), 3)]
    write_warc(tmp_path / "f.warc.gz", [
        ("http://a.example/article", "text/html; charset=utf-8", web_page("Installer un paquet", article)),
        ("http://b.example/t.txt", "text/plain", FRENCH[1].encode()),
        ("http://c.example/i.png", "image/png", b"\x89PNG"),
        ("http://d.example/vide", "text/html", b"<html><body><script>x()</script></body></html>")])
    items = read(tmp_path, "f.warc.gz", kind="warc")
    page = items[0]
    assert page.url_or_path == "http://a.example/article" and page.meta["extractor"].startswith("trafilatura ")
    assert all(p in page.text for p in article)  # the article, whole
    assert not [b for b in BOILERPLATE if b in page.text]  # menu, banner, sidebar, footer gone
    assert items[1].text == FRENCH[1]
    assert isinstance(items[2], Rejection) and items[2].rule == "unsupported_content_type"
    assert isinstance(items[3], Rejection) and items[3].rule == "no_text" and "trafilatura" in items[3].detail
    every_block = read(tmp_path, "f.warc.gz", kind="warc", extractor="lxml")[0]  # the option keeps every block
    assert every_block.meta["extractor"].startswith("lxml ") and all(p in every_block.text for p in article)
    assert BOILERPLATE[3] in every_block.text and BOILERPLATE[4] in every_block.text  # banner, sidebar

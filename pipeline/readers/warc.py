"""WARC (warcio): one document per HTML or text response record, its URL and record id kept.

HTML becomes text with the source's `read.extractor`: trafilatura (main text only; boilerplate removed) or
the lxml walker of pipeline/htmltext.py (every text block). The extractor and its version go into each
document's `meta` (`extractor`), so a build says how its text was made. A page the extractor finds no
text in is rejected as `ingest:no_text` (its HTML kept in the rejected set), never skipped.
"""
from __future__ import annotations

import functools
import importlib.metadata
from collections.abc import Callable, Iterator

from pipeline.readers.records import Item, RecordMaker
from pipeline.storage import open_input


@functools.cache
def extractor(name: str) -> tuple[str, Callable[[bytes, str | None], str]]:
    """(name and version, html bytes + url -> text)."""
    if name == "lxml":
        from pipeline.htmltext import html_to_text

        return f"lxml {importlib.metadata.version('lxml')} (pipeline/htmltext.py)", lambda html, url: html_to_text(html)
    import trafilatura

    def extract(html: bytes, url: str | None) -> str:
        return trafilatura.extract(html, url=url, include_comments=False, include_tables=True, deduplicate=False,
                                   favor_recall=True) or ""

    return f"trafilatura {importlib.metadata.version('trafilatura')}", extract


def read_warc(mk: RecordMaker) -> Iterator[Item]:
    from warcio.archiveiterator import ArchiveIterator

    name, extract = extractor(mk.read.extractor)
    with open_input(mk.file) as fh:
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
                text = extract(body, url)
                if text.strip():
                    yield mk.from_text(text, n, native_id=rid, url=url, meta={"extractor": name})
                else:
                    yield mk.reject(n, body.decode("utf-8", "replace"), "no_text", 0.0, None,
                                    f"{name} found no text in this page", native_id=rid)
            elif ctype.startswith("text/"):
                yield mk.from_bytes(body, n, native_id=rid, url=url)
            else:
                yield mk.reject(n, "", "unsupported_content_type", None, None, f"content type {ctype!r}")

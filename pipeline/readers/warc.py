"""WARC (warcio): one document per HTML or text response record, its URL and record id kept."""
from __future__ import annotations

from collections.abc import Iterator

from pipeline.readers.records import Item, RecordMaker
from pipeline.storage import open_input


def read_warc(mk: RecordMaker) -> Iterator[Item]:
    from warcio.archiveiterator import ArchiveIterator

    from pipeline.htmltext import html_to_text

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
                text = html_to_text(body)
                yield mk.from_text(text, n, native_id=rid, url=url)
            elif ctype.startswith("text/"):
                yield mk.from_bytes(body, n, native_id=rid, url=url)
            else:
                yield mk.reject(n, "", "unsupported_content_type", None, None, f"content type {ctype!r}")

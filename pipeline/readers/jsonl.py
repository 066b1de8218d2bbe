"""JSONL (plain, .gz, .zst): one record per line; a plain file can be read in byte ranges (`Part`)."""
from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator

from pipeline.readers.records import Item, RecordMaker
from pipeline.storage import open_input


def open_binary(loc: str, raw: io.BufferedIOBase) -> io.BufferedIOBase:
    """The decompressed stream of a (compressed) JSONL file."""
    if loc.endswith(".gz"):
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if loc.endswith(".zst"):
        import zstandard

        return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(raw))
    return raw


def lines(mk: RecordMaker) -> Iterator[tuple[int, bytes]]:
    """(line number, line) of the file, or of the lines that begin in the unit's byte range."""
    with open_input(mk.file) as raw:
        if mk.part is None:
            with open_binary(mk.file, raw) as fh:
                yield from enumerate(fh, start=1)
            return
        pos = mk.part.start
        if pos:
            raw.seek(pos - 1)
            pos += len(raw.readline()) - 1  # the rest of the line that began before the range
        for n, line in enumerate(iter(raw.readline, b""), start=mk.part.first):
            if pos >= mk.part.end:
                return
            pos += len(line)
            yield n, line


def read_jsonl(mk: RecordMaker) -> Iterator[Item]:
    for n, line in lines(mk):
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


def count_lines(loc: str, start: int, end: int) -> int:
    """Newlines in bytes [start - 1, end - 1) of a plain file: how many lines begin in [start, end) after the first."""
    with open_input(loc) as raw:
        raw.seek(max(start - 1, 0))
        left, n = end - max(start - 1, 0) - (1 if end else 0), 0
        while left > 0:
            chunk = raw.read(min(left, 8 * 2**20))
            if not chunk:
                break
            n += chunk.count(b"\n")
            left -= len(chunk)
        return n

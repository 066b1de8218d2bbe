"""A folder of text files: one document per file (`read.suffixes`)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pipeline.base import is_uri, within
from pipeline.readers.records import Item, RecordMaker
from pipeline.storage import find, isfile, name, read_bytes, relative


def read_textdir(mk: RecordMaker) -> Iterator[Item]:
    """One document per text file; a local file that is a link out of the folder, or to a file already read, is
    a recorded rejection (`outside_source`, `duplicate_file`), never read."""
    root = mk.file
    single = isfile(root)
    files = [root] if single else [f for f in find(root) if any(f.endswith(s) for s in mk.read.suffixes)]
    seen: dict[str, str] = {}
    for n, f in enumerate(files, start=1):
        rel = name(f) if single else relative(f, root)
        native = None if single else f"{mk.rel}/{rel}"
        real = f if is_uri(f) else str(Path(f).resolve())
        if not single and not is_uri(f) and not within(real, [root]):
            yield mk.reject(n, "", "outside_source", None, None, f"{rel} links to {real}, outside {root}", native)
        elif real in seen:
            yield mk.reject(n, "", "duplicate_file", None, None, f"{rel} is the same file as {seen[real]}", native)
        else:
            seen[real] = rel
            yield mk.from_bytes(read_bytes(f), n, native_id=native, url=f)

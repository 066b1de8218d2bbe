"""Readers turn one input file (or a part of one) of a catalogue source into Documents, or ingest Rejections.

Kinds, one module each, registered in `READERS`: JSONL (plain, .gz, .zst), Parquet, a folder of text files,
a Hugging Face `datasets` dataset, and WARC. Files are local paths or URIs (pipeline/storage.py). Bad
records never crash a run: invalid UTF-8, a malformed JSON line, a missing or non-string text field, a
document over `max_doc_bytes` and a native id used twice each become a Rejection of stage `ingest` with the
rule and the measured value, and keep the record (decoded with replacement characters where it must be);
a file that breaks part-way ends with one `unreadable_file` rejection after the records that could be read.
"""
from __future__ import annotations

from collections.abc import Iterator

from pipeline.base import is_uri
from pipeline.catalogue import CatalogueEntry, Source
from pipeline.errors import UserError
from pipeline.readers.hf import read_hf_dataset
from pipeline.readers.jsonl import count_lines, read_jsonl
from pipeline.readers.parquet import parquet_parts, read_parquet
from pipeline.readers.records import Item, Part, RecordMaker
from pipeline.readers.textdir import read_textdir
from pipeline.readers.warc import read_warc
from pipeline.record import Document
from pipeline.storage import relative

READERS = {"jsonl": read_jsonl, "parquet": read_parquet, "textdir": read_textdir, "hf_dataset": read_hf_dataset,
           "warc": read_warc}


def plan_parts(entry: CatalogueEntry, file: str, size: int, unit_bytes: int) -> list[Part] | None:
    """How to split one big input file into units of about `unit_bytes`: byte ranges of plain JSONL (whose
    line numbers `number_lines` fills in), row groups of Parquet; None when it is read whole."""
    if size <= unit_bytes:
        return None
    if entry.read.kind == "jsonl" and file.endswith(".jsonl"):
        k = -(-size // unit_bytes)
        cuts = [i * size // k for i in range(k + 1)]
        return [Part(a, b, 0) for a, b in zip(cuts, cuts[1:])]
    if entry.read.kind == "parquet":
        return parquet_parts(file, unit_bytes)
    return None


def number_lines(file: str, parts: list[Part], map_fn) -> list[Part]:
    """The parts of a plain JSONL file with the number of their first line (one parallel pass counting newlines)."""
    counts = map_fn(count_lines, [(file, p.start, p.end) for p in parts[:-1]])
    firsts = [1] + [2 + sum(counts[:k]) for k in range(1, len(parts))]
    return [Part(p.start, p.end, f) for p, f in zip(parts, firsts)]


def source_root(entry: CatalogueEntry, yaml_dir: str, lang: str) -> str:
    """The folder file ids are relative to: the read path up to its first wildcard, or its parent."""
    pattern = entry.read.path.replace("{lang}", lang)
    if not is_uri(pattern) and not pattern.startswith("/"):
        pattern = f"{yaml_dir}/{pattern}"
    parts = pattern.split("/")
    k = next((i for i, p in enumerate(parts) if any(c in p for c in "*?[")), len(parts))
    return "/".join(parts[:k] if k < len(parts) else parts[:-1])


def read_file(entry: CatalogueEntry, base: str, file: str, lang: str, max_doc_bytes: int,
              skip: frozenset[int] = frozenset(), ids: list[int] | None = None, part: Part | None = None) -> Iterator[Item]:
    """Stream the documents and ingest rejections of one input file (or part); ids are relative to `base`."""
    file, base = str(file), str(base)  # a local path or a URI
    mk = RecordMaker(entry, file, relative(file, base), lang, max_doc_bytes, skip, ids, part)
    n = 0
    try:
        for item in READERS[entry.read.kind](mk):
            n += 1
            yield item
    except UserError:
        raise
    except Exception as e:  # any failure of the file or its decoder: recorded, not a crash of the worker
        yield mk.unreadable(n, e)


def source_items(source: Source, file: str, lang: str, max_doc_bytes: int, skip: frozenset[int] = frozenset(),
                 ids: list[int] | None = None, part: Part | None = None) -> Iterator[Item]:
    """`read_file` for one file of a resolved source, ids relative to the source's folder."""
    root = source_root(source.entry, str(source.yaml_path.parent), lang)
    return read_file(source.entry, root, file, lang, max_doc_bytes, skip, ids, part)


def source_documents(sources: list[Source], lang: str, max_doc_bytes: int) -> Iterator[Document]:
    """Every readable document of the sources' files, in order (ingest rejections left out)."""
    for s in sources:
        for f in s.files:
            yield from (d for d in source_items(s, f, lang, max_doc_bytes) if isinstance(d, Document))


__all__ = ["READERS", "Item", "Part", "RecordMaker", "read_file", "source_items", "source_documents", "source_root"]

"""Parquet: one record per row; a file can be read in row groups (`Part`)."""
from __future__ import annotations

from collections.abc import Iterator

from pipeline.readers.records import Item, Part, RecordMaker
from pipeline.storage import open_input


def parquet_parts(loc: str, unit_bytes: int) -> list[Part] | None:
    """Consecutive row groups of about `unit_bytes` (compressed) each; None for a single row group."""
    import pyarrow.parquet as pq

    with open_input(loc) as raw:
        meta = pq.ParquetFile(raw).metadata
    if meta.num_row_groups < 2:
        return None
    parts, start, first, size, rows = [], 0, 1, 0, 0
    for g in range(meta.num_row_groups):
        rg = meta.row_group(g)
        size += sum(rg.column(c).total_compressed_size for c in range(rg.num_columns))
        rows += meta.row_group(g).num_rows
        if size >= unit_bytes or g == meta.num_row_groups - 1:
            parts.append(Part(start, g + 1, first))
            start, first, size, rows = g + 1, first + rows, 0, 0
    return parts if len(parts) > 1 else None


def read_parquet(mk: RecordMaker) -> Iterator[Item]:
    import pyarrow.parquet as pq

    with open_input(mk.file) as raw:
        pf = pq.ParquetFile(raw)
        names = set(pf.schema_arrow.names)
        r = mk.read
        cols = [c for c in [r.text_field, r.id_field, r.url_field, *r.meta_fields] if c and c in names]
        groups = range(mk.part.start, mk.part.end) if mk.part else range(pf.num_row_groups)
        n = mk.part.first - 1 if mk.part else 0
        for batch in pf.iter_batches(batch_size=1024, row_groups=list(groups), columns=cols or None):
            for rec in batch.to_pylist():
                n += 1
                yield mk.from_mapping(rec, n)

"""Arrow schemas, atomic Parquet writes, compaction into sized shards, and the run manifest.

Kept documents: `id, text, lang, source, url_or_path, license, meta` (JSON string, so every shard has the
same schema whatever a source puts there) plus one typed column per measured value. Rejected documents
add `stage, rule, value, threshold, detail`. Every file is written under a temporary name and renamed,
so a reader never sees half a shard. `manifest.json` lists shards with rows, bytes and sha256.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import storage
from pipeline.record import Document, Rejection

SCHEMA_VERSION = 5  # part of every work key: work written under another schema is redone (v1: `pii` as JSON
#                    text; v2: no `dup_keep_reason`; v3: no `lang_pred_cld2`, `lang_score_cld2`, `lang_confirmed`;
#                    v4: no `lang_foreign`)
BASE = [("id", pa.string()), ("text", pa.string()), ("lang", pa.string()), ("source", pa.string()),
        ("url_or_path", pa.string()), ("license", pa.string()), ("meta", pa.string())]
VERDICT = [("stage", pa.string()), ("rule", pa.string()), ("value", pa.float64()),
           ("threshold", pa.float64()), ("detail", pa.string())]


def kept_schema(columns: dict[str, pa.DataType]) -> pa.Schema:
    return pa.schema(BASE + list(columns.items()))


def rejected_schema(columns: dict[str, pa.DataType]) -> pa.Schema:
    return pa.schema(BASE + VERDICT + list(columns.items()))


def _row(doc: Document, columns: dict[str, pa.DataType]) -> dict:
    row = {"id": doc.id, "text": doc.text, "lang": doc.lang, "source": doc.source, "url_or_path": doc.url_or_path,
           "license": doc.license, "meta": json.dumps(doc.meta, ensure_ascii=False, default=str)}
    for c in columns:
        row[c] = doc.scores.get(c)
    return row


def docs_table(docs: Iterable[Document], columns: dict[str, pa.DataType]) -> pa.Table:
    return pa.Table.from_pylist([_row(d, columns) for d in docs], schema=kept_schema(columns))


def rejections_table(rejs: Iterable[Rejection], columns: dict[str, pa.DataType]) -> pa.Table:
    rows = []
    for r in rejs:
        row = _row(r.doc, columns)
        row.update(stage=r.stage, rule=r.rule, value=r.value, threshold=r.threshold, detail=r.detail)
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=rejected_schema(columns))


def write_atomic(table: pa.Table, path: Path) -> None:
    if storage.remote(path):
        return storage.write_table(table, path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def write_text_atomic(text: str, path: Path) -> Path:
    storage.write_bytes(path, text.encode("utf-8"))
    return path


def write_json_atomic(obj: object, path: Path) -> None:
    write_text_atomic(json.dumps(obj, indent=2, ensure_ascii=False, default=str), path)


def swap_dir(new: Path, target: Path) -> None:
    """Put the finished folder `new` in place of `target` (renames only; the old one is removed after)."""
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def conform(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """The batch with exactly the schema's columns, in order; a column it lacks is all null."""
    if batch.schema == schema:
        return batch
    names = set(batch.schema.names)
    cols = [batch.column(f.name).cast(f.type) if f.name in names else pa.nulls(batch.num_rows, f.type) for f in schema]
    return pa.RecordBatch.from_arrays(cols, schema=schema)


def compact(batches: Iterable[pa.RecordBatch], schema: pa.Schema, out_dir: Path, shard_bytes: int,
            prefix: str = "") -> list[dict]:
    """Write record batches in order into `part-<prefix>NNNNN.parquet` shards of about `shard_bytes` on disk.

    Locally, writes into a fresh temporary folder that replaces `out_dir` at the end; on an object store, writes
    the shards in place (`prefix` keeps them apart from an older build's: the manifest says which count).
    Returns the shard list.
    """
    remote = storage.remote(out_dir)
    tmp_dir = out_dir if remote else out_dir.with_name(f".{out_dir.name}.tmp-{os.getpid()}")
    if not remote:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        tmp_dir.mkdir(parents=True)
    shards: list[dict] = []
    writer = sink = None

    def close() -> None:
        nonlocal writer, sink
        if writer is not None:
            writer.close()
            sink.close()
            writer = sink = None

    for batch in batches:
        if batch.num_rows == 0:
            continue
        if writer is None:
            name = f"part-{prefix}{len(shards):05d}.parquet"
            sink = (tmp_dir / name).open("wb")
            writer = pq.ParquetWriter(sink, schema, compression="zstd")
            shards.append({"path": name, "rows": 0})
        writer.write_batch(conform(batch, schema))
        shards[-1]["rows"] += batch.num_rows
        if sink.tell() >= shard_bytes:
            close()
    close()
    if not shards:  # an empty set still gets one (empty) shard so readers find the schema
        write_atomic(schema.empty_table(), tmp_dir / f"part-{prefix}00000.parquet")
        shards.append({"path": f"part-{prefix}00000.parquet", "rows": 0})
    for s in shards:
        p = tmp_dir / s["path"]
        s["bytes"] = p.stat().st_size
        s["sha256"] = sha256_file(p)
        s["path"] = f"{out_dir.name}/{s['path']}"
    if not remote:
        swap_dir(tmp_dir, out_dir)
    return shards

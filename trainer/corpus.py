"""Reading the curated corpora that `make corpus` wrote: `<corpus>/<lang>/manifest.json` and its data shards.

Also the deterministic per-document draw (`unit_draw`) that the tokenizer sample, the validation split and
the mixture all use: a hash of (purpose, seed, document id) mapped to [0, 1), so a document's fate does
not depend on file order, worker count or which other documents exist.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import xxhash

from pipeline.errors import UserError

COLUMNS = ["id", "text", "lang", "source"]


def corpus_shards(corpus: Path, lang: str) -> list[Path]:
    """The language's kept-document shards, as its manifest lists them."""
    manifest = Path(corpus) / lang / "manifest.json"
    if not manifest.is_file():
        raise UserError(f"no curated corpus for '{lang}': {manifest} not found; run `make corpus LANG={lang}` first")
    data = json.loads(manifest.read_text(encoding="utf-8"))["data"]
    paths = [Path(corpus) / lang / d["path"] for d in data]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise UserError(f"{manifest} lists shards that are missing: {missing[:3]}; rerun `make corpus LANG={lang}`")
    return paths


def corpus_fingerprint(corpus: Path, langs: list[str]) -> dict[str, list[str]]:
    """sha256 of every shard per language, from the manifests (what a tokenizer or bins were built from)."""
    out = {}
    for lang in langs:
        manifest = json.loads((Path(corpus) / lang / "manifest.json").read_text(encoding="utf-8"))
        out[lang] = [d["sha256"] for d in manifest["data"]]
    return out


def unit_draw(ids: list[str] | pa.Array, purpose: str, seed: int) -> np.ndarray:
    """A uniform number in [0, 1) per document id, fixed by (purpose, seed, id)."""
    prefix = f"{purpose}:{seed}:".encode()
    h = np.fromiter((xxhash.xxh3_64_intdigest(prefix + i.encode("utf-8")) for i in
                     (ids.to_pylist() if isinstance(ids, pa.Array | pa.ChunkedArray) else ids)),
                    dtype=np.uint64, count=len(ids))
    return (h >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def iter_tables(path: Path, columns: list[str] = COLUMNS, batch_rows: int = 4096) -> Iterator[pa.Table]:
    for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_rows, columns=columns):
        yield pa.Table.from_batches([batch])


def text_bytes(table: pa.Table) -> np.ndarray:
    return pc.binary_length(pc.cast(table["text"], pa.binary())).to_numpy(zero_copy_only=False).astype(np.int64)

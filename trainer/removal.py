"""Removal on request from packed token bins: rewrite the shards that hold removed documents.

`python -m pipeline remove` removes documents from a curated corpus (pipeline/audit/remove.py) and then
calls `scrub_bins` with their ids for every bins folder: affected shards are rewritten with new checksums,
the bins manifest's counts and shares are updated, the documents leave `unsampled.parquet`, and the
encoded intermediates are deleted (they hold the removed tokens; a re-pack re-encodes).
"""
from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.shards import sha256_file, write_atomic, write_json_atomic
from trainer.bins import ShardReader, ShardWriter

Gone = dict[tuple[str, str], dict[str, int]]
"""What leaves, per (language, source): documents and tokens per split, natural tokens once per document."""


def _rewrite_shard(stem: Path, sh: dict, split: str, removed: set[str], gone: Gone) -> int:
    """Rewrite one shard without the removed documents; returns how many copies left it (0: untouched)."""
    r = ShardReader(stem)
    docs = r.docs
    hit = np.fromiter((i in removed for i in docs["id"].to_pylist()), dtype=bool, count=r.n_docs)
    if not hit.any():
        return 0
    tmp = stem.with_name(f".{stem.name}.removing")
    w = ShardWriter(tmp, r.dtype, r.vocab_size)
    for i, row in enumerate(docs.to_pylist()):
        if hit[i]:
            g = gone[(row["lang"], row["source"])]
            g[f"tokens_{split}"] += row["n_tokens"]
            if row["copy"] == 0:
                g[f"docs_{split}"] += 1
                g["tokens_natural"] += row["n_tokens"]
            continue
        w.add(r.doc(i), row["id"], row["lang"], row["source"], copy=row["copy"])
    info = w.close()
    for ext in (".bin", ".docs.parquet", ".meta.json", ".idx"):  # the .idx last, as the writer does
        (tmp.with_suffix(ext)).replace(stem.with_suffix(ext))
    sh.update(docs=info["docs"], tokens=info["tokens"], checksum_xxh3_128=info["checksum_xxh3_128"],
              bin_bytes=info["bin_bytes"], sha256={e: sha256_file(stem.with_suffix(e)) for e in (".bin", ".idx")})
    return int(hit.sum())


def _scrub_unsampled(path: Path, removed: set[str], gone: Gone) -> None:
    if not path.is_file():
        return
    t = pq.read_table(path)
    hit = np.fromiter((i in removed for i in t["id"].to_pylist()), dtype=bool, count=t.num_rows)
    if hit.any():
        for row in t.filter(pa.array(hit)).to_pylist():
            g = gone[(row["lang"], row["source"])]
            g["docs_unsampled"] += 1
            g["tokens_natural"] += row["n_tokens"]
        write_atomic(t.filter(pa.array(~hit)), path)


def _update_counts(manifest: dict, gone: Gone) -> None:
    for (lang, src), g in gone.items():
        n_docs = g["docs_train"] + g["docs_val"] + g["docs_unsampled"]
        s = manifest["languages"].get(lang)
        if s is not None:
            for k, v in g.items():
                s[k] -= v
            s["docs_in"] -= n_docs
            s["docs_removed"] = s.get("docs_removed", 0) + n_docs
        b = manifest["sources"].get(f"{lang}/{src}")
        if b is not None:
            for k in ("tokens_natural", "tokens_train", "tokens_val"):
                b[k] -= g[k]
            b["docs_in"] -= n_docs
    manifest["tokens_train"] = sum(sh["tokens"] for sh in manifest["shards"]["train"])
    manifest["tokens_val"] = sum(sh["tokens"] for sh in manifest["shards"]["val"])
    for s in manifest["languages"].values():
        s["share_realised"] = round(s["tokens_train"] / max(manifest["tokens_train"], 1), 6)


def scrub_bins(bins: Path, removed: set[str]) -> dict:
    """Rewrite the bin shards that hold removed documents; update the bins' manifest and unsampled list."""
    manifest_path = bins / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    gone: Gone = defaultdict(lambda: defaultdict(int))
    dropped_docs = dropped_tokens = 0
    for split, shards in manifest["shards"].items():
        for sh in shards:
            before = sh["tokens"]
            n = _rewrite_shard(bins / sh["stem"], sh, split, removed, gone)
            dropped_docs += n
            dropped_tokens += before - sh["tokens"] if n else 0
    _scrub_unsampled(bins / "unsampled.parquet", removed, gone)
    _update_counts(manifest, gone)
    write_json_atomic(manifest, manifest_path)
    shutil.rmtree(bins / "_work", ignore_errors=True)  # encoded intermediates hold the removed tokens
    return {"bins": str(bins), "bin_documents_removed": dropped_docs, "tokens_removed": dropped_tokens}

"""Bucketing + clustering time and memory on synthetic signatures: `python -m pipeline.evals.dedup_bench --n N`.

Writes N random MinHash signatures (with 5% planted copies of other rows, so clusters exist) into ten
signature files as the signature step would, then times the bucket shuffle, the edge reduce and the
connected components, all as in a real run (single process: the map is a loop here). Prints one JSON
line; run it as a child process so its peak RSS is its own.
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from pipeline.dedup.config import DedupConfig
from pipeline.dedup.minhash import band_keys
from pipeline.dedup.steps import connected_components, step_buckets, step_edges
from pipeline.executors import LocalExecutor
from pipeline.shards import write_atomic

local_map = LocalExecutor().map


def peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM): ru_maxrss would include the parent's, inherited across fork."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    args = ap.parse_args(argv)
    cfg = DedupConfig()
    rng = np.random.default_rng(0)
    perms = cfg.num_bands * cfg.rows_per_band
    work = Path(tempfile.mkdtemp(prefix="dedup-bench-"))
    try:
        files, per = [], args.n // 10
        for f in range(10):
            sig = rng.integers(0, 2**61 - 1, size=(per, perms), dtype=np.uint64)
            dup = rng.random(per) < 0.05
            sig[dup] = sig[rng.integers(0, per, dup.sum())]
            idx = np.arange(f * per, (f + 1) * per, dtype=np.int64)
            table = pa.table({"idx": idx, "n_chars": np.full(per, 1000, dtype=np.int64),
                              "exact": pa.array([i.tobytes() + b"\0" * 8 for i in idx], pa.binary(16)),
                              "url": pa.array(np.zeros(per, dtype=np.uint64)),
                              "bands": pa.FixedSizeListArray.from_arrays(pa.array(band_keys(sig, cfg).ravel()), cfg.num_bands)})
            out = work / "sig" / f"{f:05d}.parquet"
            write_atomic(table, out)
            files.append(out)
        t0 = time.perf_counter()
        local_map(step_buckets, [(f, work / "buckets", cfg) for f in files])
        t1 = time.perf_counter()
        edges = local_map(step_edges, [(work / "buckets" / f"p{p:04d}", work / "edges" / f"{p:04d}.parquet")
                                       for p in range(cfg.partitions)])
        t2 = time.perf_counter()
        labels, rounds = connected_components(edges, per * 10, local_map)
        t3 = time.perf_counter()
        clusters = int((np.bincount(labels) > 1).sum())
        print(json.dumps({"signatures": per * 10, "bucket_s": round(t1 - t0, 2), "edges_s": round(t2 - t1, 2),
                          "components_s": round(t3 - t2, 2), "total_s": round(t3 - t0, 2), "cc_rounds": rounds,
                          "clusters": clusters, "peak_rss_mb": peak_rss_mb(),
                          "disk_mb": round(sum(p.stat().st_size for p in work.rglob("*.parquet")) / 2**20, 1)}))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

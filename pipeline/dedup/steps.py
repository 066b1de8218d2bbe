"""The dedup steps, each a function of files on disk that the executor maps in parallel (see __init__.py)."""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa

from pipeline.dedup.config import DedupConfig
from pipeline.dedup.minhash import band_keys, content, exact_key, exact_words, permutations, signatures, url_key
from pipeline.dedup.stars import step_decisions, step_gather, step_split_edges, step_stars, to_roots
from pipeline.shards import write_atomic, write_json_atomic
from pipeline.storage import parquet_file, read_table

MapFn = Callable[[Callable, list], list]  # (fn, [args tuple]) -> [fn(*args)]: a loop, or Ray tasks


def step_signatures(part, offset, out, cfg, split, priority: dict[str, int] | None = None) -> Path:
    """Per document: the exact key, the signature and band keys, and what the keep rule ranks by (source
    priority, perplexity, content characters)."""
    if out.exists():
        return out
    perms = permutations(cfg)
    names = parquet_file(part).schema_arrow.names
    t = read_table(part, columns=["id", "text", *(c for c in ("url_or_path", "source", "perplexity") if c in names)])
    texts = t["text"].to_pylist()
    urls = t["url_or_path"].to_pylist() if "url_or_path" in names else [None] * len(texts)
    sources = t["source"].to_pylist() if "source" in names else [None] * len(texts)
    ppl = t["perplexity"].cast(pa.float64()).fill_null(np.nan).to_numpy(zero_copy_only=False) if "perplexity" in names \
        else np.full(len(texts), np.nan)
    n = len(texts)
    sig = np.zeros((n, cfg.num_bands * cfg.rows_per_band), dtype=np.uint64)
    for s in range(0, n, 1000):
        sig[s : s + 1000] = signatures(texts[s : s + 1000], cfg, split, perms)
    table = pa.table({
        "idx": pa.array(np.arange(offset, offset + n, dtype=np.int64)),
        "n_chars": pa.array([len(content(x)) for x in texts], type=pa.int64()),
        "priority": pa.array([(priority or {}).get(s, 0) for s in sources], type=pa.int64()),
        "ppl": pa.array(ppl, type=pa.float64()),
        "exact": pa.array([exact_key(x) for x in texts], type=pa.binary(16)),
        "url": pa.array([url_key(u) for u in urls], type=pa.uint64()),
        "bands": pa.FixedSizeListArray.from_arrays(pa.array(band_keys(sig, cfg).ravel()), cfg.num_bands),
        "sig": pa.FixedSizeListArray.from_arrays(pa.array(sig.ravel()), sig.shape[1]),
    })
    write_atomic(table, out)
    return out


def step_buckets(sig_path, out_dir, cfg) -> list[Path]:
    t = read_table(sig_path, columns=["idx", "exact", "bands", "url"])
    idx = t["idx"].to_numpy()
    cols, band_ids, docs = [], [], []
    if cfg.near:
        bands = t["bands"].combine_chunks().flatten().to_numpy().reshape(len(idx), cfg.num_bands)
        cols += [bands[:, b] for b in range(cfg.num_bands)]
        band_ids += list(range(cfg.num_bands))
        docs += [idx] * cfg.num_bands
    if cfg.exact or cfg.near:  # the exact key is always a band: identical texts must meet
        cols.append(exact_words(t["exact"])[:, 0].copy())
        band_ids.append(-1)
        docs.append(idx)
    if cfg.url:  # web documents at the same host + path meet in band -2
        url = t["url"].to_numpy()
        cols.append(url[url != 0])
        band_ids.append(-2)
        docs.append(idx[url != 0])
    keys = np.concatenate(cols) if cols else np.zeros(0, np.uint64)
    band = np.concatenate([np.full(len(d), b, dtype=np.int16) for b, d in zip(band_ids, docs)]) if docs else np.zeros(0, np.int16)
    doc = np.concatenate(docs) if docs else np.zeros(0, np.int64)
    part = (keys % np.uint64(cfg.partitions)).astype(np.int64)
    outs = []
    name = sig_path.stem
    for p in range(cfg.partitions):
        m = part == p
        out = out_dir / f"p{p:04d}" / f"{name}.parquet"
        write_atomic(pa.table({"band": band[m], "key": keys[m], "idx": doc[m]}), out)
        outs.append(out)
    return outs


def step_edges(part_dir, out) -> Path:
    files = sorted(part_dir.glob("*.parquet")) if part_dir.exists() else []
    t = pa.concat_tables([read_table(f) for f in files]) if files else None
    if t is None or t.num_rows == 0:
        write_atomic(pa.table({"src": pa.array([], pa.int64()), "dst": pa.array([], pa.int64()),
                               "exact": pa.array([], pa.bool_())}), out)
        return out
    band, key, idx = t["band"].to_numpy(), t["key"].to_numpy(), t["idx"].to_numpy()
    order = np.lexsort((idx, key, band))
    band, key, idx = band[order], key[order], idx[order]
    same = (band[1:] == band[:-1]) & (key[1:] == key[:-1])
    start = np.concatenate([[True], ~same])
    group_first = idx[np.maximum.accumulate(np.where(start, np.arange(len(idx)), 0))]
    m = ~start
    src, dst, exact = group_first[m], idx[m], band[m] < 0  # exact-text and URL edges need no Jaccard check
    write_atomic(pa.table({"src": src, "dst": dst, "exact": exact}), out)
    return out


def step_propose(edge_path, labels) -> tuple[np.ndarray, np.ndarray]:
    """Each node of one edge file with the smallest label among its neighbours' and its own (one value per
    node: the driver never holds every edge)."""
    e = read_table(edge_path, columns=["src", "dst"])
    src, dst = e["src"].to_numpy(), e["dst"].to_numpy()
    m = np.minimum(labels[src], labels[dst])
    nodes, mins = np.concatenate([src, dst]), np.concatenate([m, m])
    order = np.argsort(nodes, kind="stable")
    nodes, mins = nodes[order], mins[order]
    first = np.concatenate([[True], nodes[1:] != nodes[:-1]]) if len(nodes) else np.zeros(0, bool)
    return nodes[first], np.minimum.reduceat(mins, np.nonzero(first)[0]) if len(nodes) else mins


def connected_components(edge_files: list[str], n: int, map_fn: MapFn, put: Callable = lambda x: x) -> tuple[np.ndarray, int]:
    """Each document's component label (its smallest member), int32 below 2^31 documents (4 bytes each)."""
    labels = np.arange(n, dtype=np.int32 if n < 2**31 else np.int64)
    rounds = 0
    while True:
        rounds += 1
        ref = put(labels)
        new = labels.copy()
        for nodes, mins in map_fn(step_propose, [(f, ref) for f in edge_files]):
            np.minimum.at(new, nodes, mins)
        new = to_roots(new)
        if np.array_equal(new, labels):
            return labels, rounds
        labels = new


def run_dedup(parts: list[Path], work: Path, cfg: DedupConfig, split: str, map_fn: MapFn,
              put: Callable = lambda x: x, priority: dict[str, int] | None = None) -> list[Path]:
    """One decision file per part of `parts` (same rows, same order): idx, keep, dup_of (idx) and dup_of_id,
    cluster (the kept idx) and cluster_id, cluster_size, rule (exact/near/url/None), value (Jaccard to the kept
    document: true with `verify`, else the signature estimate), reason (why a keeper with copies was kept).
    `<work>/decisions/done.json` says the rounds of connected components and each step's wall seconds. The
    driver holds the label vector and, while clusters form, a few arrays of its length (4 bytes per document
    each below 2^31 documents); nothing per document besides."""
    files = [work / "decisions" / f"{i:05d}.parquet" for i in range(len(parts))]
    if (work / "decisions" / "done.json").exists():
        return files
    rows = [parquet_file(p).metadata.num_rows for p in parts]
    offsets = np.cumsum([0] + rows[:-1]).astype(np.int64)
    n = int(sum(rows))
    clock: dict[str, float] = {}

    def timed(name: str, fn: Callable, items: list) -> list:
        t0 = time.perf_counter()
        out = map_fn(fn, items)
        clock[name] = round(clock.get(name, 0.0) + time.perf_counter() - t0, 2)
        return out
    sig_files = timed("signatures", step_signatures, [(p, int(o), work / "sig" / f"{i:05d}.parquet", cfg, split, priority)
                                                       for i, (p, o) in enumerate(zip(parts, offsets))])
    for f in (work / "buckets").glob("p*/.*.tmp-*") if (work / "buckets").exists() else []:
        f.unlink()
    timed("buckets", step_buckets, [(s, work / "buckets", cfg) for s in sig_files])
    edge_files = timed("edges", step_edges, [(work / "buckets" / f"p{p:04d}", work / "edges" / f"{p:04d}.parquet")
                                             for p in range(cfg.partitions)])
    t0 = time.perf_counter()
    labels, rounds = connected_components(edge_files, n, map_fn, put)
    multi = labels != np.arange(n, dtype=labels.dtype)  # not its component's root, or a root with members:
    multi[labels[multi]] = True
    groups = max(1, min(cfg.partitions, int(multi.sum()) // cfg.stars_docs + 1))
    cluster_of = np.where(multi, labels, labels.dtype.type(-1))
    del labels, multi
    ref = put(cluster_of)
    clock["components"] = round(time.perf_counter() - t0, 2)
    timed("gather", step_gather, [(i, p, s, int(o), ref, groups, work / "gather", cfg)
                                  for i, (p, s, o) in enumerate(zip(parts, sig_files, offsets))])
    timed("gather", step_split_edges, [(e, ref, groups, work / "cluster_edges") for e in edge_files])
    del cluster_of, ref
    timed("stars", step_stars, [(k, work / "gather", work / "cluster_edges", work / "stars", offsets, cfg, split)
                                for k in range(groups)])
    timed("decisions", step_decisions, [(i, p, int(o), work / "stars", f)
                                        for i, (p, o, f) in enumerate(zip(parts, offsets, files))])
    write_json_atomic({"cc_rounds": rounds, "parts": len(parts), "steps_s": clock}, work / "decisions" / "done.json")
    return files


def read_decisions(files: list[Path]) -> pa.Table:
    """The decision files of a (small) run as one table, for evaluations and tests."""
    return pa.concat_tables([read_table(f) for f in files])

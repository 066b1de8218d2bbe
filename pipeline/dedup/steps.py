"""The dedup steps, each a function of files on disk that the executor maps in parallel (see __init__.py)."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa

from pipeline.dedup.config import DedupConfig
from pipeline.dedup.minhash import band_keys, content, exact_key, permutations, shingles, signatures, url_key
from pipeline.shards import write_atomic
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
        ex = np.frombuffer(b"".join(t["exact"].to_pylist()), dtype=np.uint64).reshape(-1, 2)[:, 0] if len(idx) else np.zeros(0, np.uint64)
        cols.append(ex)
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


def shingle_sets(texts: dict[int, str], cfg: DedupConfig, split: str) -> dict[int, set]:
    return {i: set(shingles(t, cfg.ngram, split).tolist()) for i, t in texts.items()}


def step_verify(edge_path, out, parts, offsets, cfg, split) -> Path:
    e = read_table(edge_path)
    src, dst, exact = e["src"].to_numpy(), e["dst"].to_numpy(), e["exact"].to_numpy()
    near = ~exact
    need = np.unique(np.concatenate([src[near], dst[near]]))
    texts: dict[int, str] = {}
    which = np.searchsorted(offsets, need, side="right") - 1
    for p in np.unique(which):
        rows = need[which == p] - offsets[p]
        col = read_table(parts[p], columns=["text"])["text"].take(pa.array(rows))
        texts.update(zip(need[which == p].tolist(), col.to_pylist()))
    sets = shingle_sets(texts, cfg, split)
    keep = exact.copy()
    jac = np.ones(len(src))
    for i in np.nonzero(near)[0]:
        a, b = sets[int(src[i])], sets[int(dst[i])]
        jac[i] = len(a & b) / len(a | b) if a or b else 1.0
        keep[i] = jac[i] >= cfg.jaccard_min
    write_atomic(pa.table({"src": src[keep], "dst": dst[keep], "exact": exact[keep], "jaccard": jac[keep]}), out)
    return out


def step_propose(edge_path, labels) -> tuple[np.ndarray, np.ndarray]:
    e = read_table(edge_path, columns=["src", "dst"])
    src, dst = e["src"].to_numpy(), e["dst"].to_numpy()
    m = np.minimum(labels[src], labels[dst])
    return np.concatenate([src, dst]), np.concatenate([m, m])


def connected_components(edge_files: list[str], n: int, map_fn: MapFn, put: Callable = lambda x: x) -> tuple[np.ndarray, int]:
    labels = np.arange(n, dtype=np.int64)
    rounds = 0
    while True:
        rounds += 1
        ref = put(labels)
        new = labels.copy()
        for nodes, mins in map_fn(step_propose, [(f, ref) for f in edge_files]):
            np.minimum.at(new, nodes, mins)
        while True:  # pointer jumping: follow labels to their roots
            jumped = new[new]
            if np.array_equal(jumped, new):
                break
            new = jumped
        if np.array_equal(new, labels):
            return labels, rounds
        labels = new


def run_dedup(parts: list[Path], work: Path, cfg: DedupConfig, split: str, map_fn: MapFn,
              put: Callable = lambda x: x, priority: dict[str, int] | None = None) -> pa.Table:
    """Decisions for every document of `parts` (in order): idx, keep, dup_of (idx), cluster (kept idx),
    cluster_size, rule (exact/near/None), value (Jaccard to the kept document, signature estimate)."""
    done = work / "decisions.parquet"
    if done.exists():
        return read_table(done)
    rows = [parquet_file(p).metadata.num_rows for p in parts]
    offsets = np.cumsum([0] + rows[:-1]).astype(np.int64)
    n = int(sum(rows))
    sig_files = map_fn(step_signatures, [(p, int(o), work / "sig" / f"{i:05d}.parquet", cfg, split, priority)
                                         for i, (p, o) in enumerate(zip(parts, offsets))])
    for f in (work / "buckets").glob("p*/.*.tmp-*") if (work / "buckets").exists() else []:
        f.unlink()
    map_fn(step_buckets, [(s, work / "buckets", cfg) for s in sig_files])
    edge_files = map_fn(step_edges, [(work / "buckets" / f"p{p:04d}", work / "edges" / f"{p:04d}.parquet")
                                     for p in range(cfg.partitions)])
    if cfg.verify and cfg.near:
        edge_files = map_fn(step_verify, [(e, work / "verified" / e.name, list(parts), offsets, cfg, split)
                                          for e in edge_files])
    labels, rounds = connected_components(edge_files, n, map_fn, put)
    sig = pa.concat_tables([read_table(f, columns=["idx", "n_chars", "priority", "ppl", "exact", "url", "sig"])
                            for f in sig_files]) if n else None
    return decide(labels, sig, cfg, done, rounds)


def keep_ranks(sig: pa.Table, order: np.ndarray, cfg: DedupConfig) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Per keep criterion: (name, rank where lower is better, the measured value), in document order."""
    raw = {"source": sig["priority"].to_numpy()[order].astype(np.float64),
           "perplexity": sig["ppl"].to_numpy(zero_copy_only=False)[order],
           "length": sig["n_chars"].to_numpy()[order].astype(np.float64)}
    rank = {"source": -raw["source"], "perplexity": np.nan_to_num(raw["perplexity"], nan=np.inf), "length": -raw["length"]}
    return [(c, rank[c], raw[c]) for c in cfg.keep]


def keep_reasons(ranks: list, keepers: np.ndarray, runners_up: np.ndarray) -> list[str]:
    """Why each keeper won over the next-best document of its cluster: the first criterion that differs."""
    words = {"source": "source priority {:.0f} > {:.0f}", "perplexity": "perplexity {:.1f} < {:.1f}",
             "length": "longer: {:.0f} > {:.0f} characters"}
    out = []
    for k, r in zip(keepers.tolist(), runners_up.tolist()):
        said = next((words[name].format(raw[k], raw[r]).replace("nan", "none") for name, rank, raw in ranks
                     if rank[k] != rank[r]), None)
        out.append(said or "earliest of equals")
    return out


def decide(labels: np.ndarray, sig: pa.Table | None, cfg: DedupConfig, out: Path, rounds: int) -> pa.Table:
    n = len(labels)
    keep = np.ones(n, dtype=bool)
    dup_of = np.full(n, -1, dtype=np.int64)
    cluster = np.arange(n, dtype=np.int64)
    size = np.ones(n, dtype=np.int64)
    rule = np.array([None] * n, dtype=object)
    reason = np.array([None] * n, dtype=object)
    value = np.full(n, np.nan)
    if n:
        order_idx = np.argsort(sig["idx"].to_numpy())
        ranks = keep_ranks(sig, order_idx, cfg)
        exact = np.array(sig["exact"].to_pylist(), dtype=object)[order_idx]
        url = sig["url"].to_numpy()[order_idx]
        sigs = sig["sig"].combine_chunks().flatten().to_numpy().reshape(n, -1)[order_idx]
        counts = np.bincount(labels, minlength=n)
        multi = np.nonzero(counts[labels] > 1)[0]
        if len(multi):
            lab = labels[multi]
            # keeper per cluster: the best by the keep criteria in order, ties to the earliest document
            o = np.lexsort((multi, *(r[multi] for _, r, _ in reversed(ranks)), lab))
            first = np.concatenate([[True], lab[o][1:] != lab[o][:-1]])
            keeper_of = dict(zip(lab[o][first].tolist(), multi[o][first].tolist()))
            at = np.nonzero(first)[0]
            reason[multi[o][at]] = keep_reasons(ranks, multi[o][at], multi[o][at + 1])
            keepers = np.array([keeper_of[x] for x in lab.tolist()])
            cluster[multi] = keepers
            size[multi] = counts[lab]
            drop = multi[multi != keepers]
            kd = keepers[multi != keepers]
            keep[drop] = False
            dup_of[drop] = kd
            value[drop] = (sigs[drop] == sigs[kd]).mean(axis=1)
            same_url = (url[drop] == url[kd]) & (url[drop] != 0) if cfg.url else np.zeros(len(drop), dtype=bool)
            rule[drop] = np.where(exact[drop] == exact[kd], "exact", np.where(same_url, "url", "near"))
    table = pa.table({"idx": np.arange(n, dtype=np.int64), "keep": keep, "dup_of": dup_of, "cluster": cluster,
                      "cluster_size": size, "rule": pa.array(rule.tolist(), pa.string()), "value": value,
                      "reason": pa.array(reason.tolist(), pa.string())})
    table = table.replace_schema_metadata({"cc_rounds": str(rounds)})
    write_atomic(table, out)
    return table

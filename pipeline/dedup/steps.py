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
    cluster_files = write_clusters(labels, work / "clusters", cfg)
    star_files = map_fn(step_stars, [(f, work / "stars" / f.name, list(parts), list(sig_files), offsets, cfg, split)
                                     for f in cluster_files])
    return decide(n, star_files, done, rounds)


def write_clusters(labels: np.ndarray, out_dir: Path, cfg: DedupConfig) -> list[Path]:
    """The members of every cluster with more than one document, hash-partitioned by cluster (one partition
    per 100,000 members, at most `partitions`), so that each cluster is decided by one task."""
    counts = np.bincount(labels, minlength=len(labels))
    multi = np.nonzero(counts[labels] > 1)[0]
    n_parts = max(1, min(cfg.partitions, len(multi) // 100_000 + 1))
    part = labels[multi] % n_parts
    outs = []
    for p in range(n_parts):
        m = part == p
        out = out_dir / f"{p:04d}.parquet"
        if not out.exists():
            write_atomic(pa.table({"idx": multi[m], "label": labels[multi][m]}), out)
        outs.append(out)
    return outs


def _rows(files: list[Path], offsets: np.ndarray, idx: np.ndarray, columns: list[str]) -> pa.Table:
    """Rows `idx` (global document numbers, sorted) of the per-part files, in that order."""
    which = np.searchsorted(offsets, idx, side="right") - 1
    tables = [read_table(files[p], columns=columns).take(pa.array(idx[which == p] - offsets[p]))
              for p in np.unique(which)]
    return pa.concat_tables(tables) if tables else pa.table({c: [] for c in columns})


def step_stars(cluster_path, out, parts, sig_files, offsets, cfg, split) -> Path:
    """Decide the clusters of one partition: each member's keeper, its similarity to it, the rule, and why the
    keeper was chosen (see `stars`)."""
    if out.exists():
        return out
    m = read_table(cluster_path)
    idx, label = m["idx"].to_numpy(), m["label"].to_numpy()
    o = np.lexsort((idx, label))
    idx, label = idx[o], label[o]
    by_idx = np.argsort(idx)
    sig = _rows(sig_files, offsets, idx[by_idx], ["n_chars", "priority", "ppl", "exact", "url", "sig"])
    back = np.empty_like(by_idx)
    back[by_idx] = np.arange(len(idx))
    sig = sig.take(pa.array(back))  # back in (cluster, idx) order
    texts = _rows(parts, offsets, idx[by_idx], ["text"])["text"].take(pa.array(back)).to_pylist() \
        if cfg.verify and cfg.near else None
    measures = {"priority": sig["priority"].to_numpy().astype(np.float64),
                "ppl": sig["ppl"].to_numpy(zero_copy_only=False).astype(np.float64),
                "n_chars": sig["n_chars"].to_numpy().astype(np.float64),
                "exact": np.array(sig["exact"].to_pylist(), dtype=object), "url": sig["url"].to_numpy(),
                "sig": sig["sig"].combine_chunks().flatten().to_numpy().reshape(len(idx), -1) if len(idx) else
                np.zeros((0, 1), np.uint64)}
    keeper = np.empty(len(idx), np.int64)
    value = np.ones(len(idx))
    rule = np.array([None] * len(idx), dtype=object)
    reason = np.array([None] * len(idx), dtype=object)
    starts = np.concatenate([[0], np.nonzero(label[1:] != label[:-1])[0] + 1, [len(idx)]]) if len(idx) else [0]
    for a, b in zip(starts[:-1], starts[1:]):
        sl = slice(int(a), int(b))
        k, v, r, why = stars({c: x[sl] for c, x in measures.items()}, texts[sl] if texts is not None else None,
                             cfg, split)
        keeper[sl], value[sl], rule[sl], reason[sl] = idx[sl][k], v, r, why
    write_atomic(pa.table({"idx": idx, "keeper": keeper, "value": value, "rule": pa.array(rule.tolist(), pa.string()),
                           "reason": pa.array(reason.tolist(), pa.string())}), out)
    return out


CENTRAL_SAMPLE = 256  # a member's centrality is measured against at most this many members of its cluster


def centrality(sig: np.ndarray) -> np.ndarray:
    """Each member's mean estimated Jaccard similarity to the other members (at most CENTRAL_SAMPLE of them)."""
    ref = sig[:CENTRAL_SAMPLE]
    k = len(ref)
    total = np.concatenate([(sig[s:s + 1024, None, :] == ref[None, :, :]).mean(axis=2).sum(axis=1)
                            for s in range(0, len(sig), 1024)]) if len(sig) else np.zeros(0)
    self_in_ref = np.arange(len(sig)) < k
    return (total - self_in_ref) / np.maximum(1, np.where(self_in_ref, k - 1, k))


def keep_ranks(m: dict, cfg: DedupConfig) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Per keep criterion for the members of one cluster: (name, rank where lower is better, the value)."""
    ppl = m["ppl"]
    central = centrality(m["sig"]) if "central" in cfg.keep else np.zeros(len(ppl))
    raw = {"source": m["priority"], "perplexity": ppl, "central": central, "length": m["n_chars"]}
    rank = {"source": -m["priority"], "perplexity": np.nan_to_num(ppl, nan=np.inf),
            "central": -np.round(central, 9), "length": -m["n_chars"]}
    return [(c, rank[c], raw[c]) for c in cfg.keep]


def keep_reason(ranks: list, k: int, r: int) -> str:
    """Why member k won over member r: the first criterion that differs."""
    words = {"source": "source priority {:.0f} > {:.0f}", "perplexity": "perplexity {:.1f} < {:.1f}",
             "central": "more like the other copies: {:.2f} > {:.2f}",
             "length": "longer: {:.0f} > {:.0f} characters"}
    said = next((words[name].format(raw[k], raw[r]).replace("nan", "none") for name, rank, raw in ranks
                 if rank[k] != rank[r]), None)
    return said or "earliest of equals"


def stars(m: dict, texts: list[str] | None, cfg: DedupConfig, split: str
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One cluster (members in document order): the best member by the keep criteria keeps every member that
    truly duplicates it (Jaccard >= jaccard_min, or the same exact key, or with `url` the same URL); the best
    of the rest keeps those that duplicate it, and so on. A chain A~B~C does not drop C against an A it does
    not resemble. Returns, per member, the position of its keeper, the Jaccard to it (true with `verify`, else
    the signature estimate), the rule (None for keepers) and, for keepers with copies, why it was chosen."""
    n = len(m["n_chars"])
    ranks = keep_ranks(m, cfg)
    order = np.lexsort((np.arange(n), *(r for _, r, _ in reversed(ranks))))
    sets: dict[int, set] = {}  # shingle sets of the members still undecided (a decided one's set is let go)

    def shingle_set(i: int) -> set:
        return sets[i] if i in sets else set(shingles(texts[i], cfg.ngram, split).tolist())
    keeper = np.full(n, -1, np.int64)
    value = np.ones(n)
    rule = np.array([None] * n, dtype=object)
    reason = np.array([None] * n, dtype=object)
    left = order
    while len(left):
        k, rest = int(left[0]), left[1:]
        keeper[k] = k
        exact = m["exact"][rest] == m["exact"][k]
        if texts is not None:  # exact copies need no shingles (a cluster of 50,000 boilerplate pages)
            a = shingle_set(k)
            jac = np.ones(len(rest))
            for x, j in enumerate(rest.tolist()):
                if not exact[x]:
                    b = shingle_set(j)
                    jac[x] = len(a & b) / len(a | b) if a or b else 1.0
                    if jac[x] < cfg.jaccard_min:
                        sets[j] = b  # still undecided: kept for the next keeper
            sets.pop(k, None)
        else:
            jac = (m["sig"][rest] == m["sig"][k]).mean(axis=1)
        same_url = (m["url"][rest] == m["url"][k]) & (m["url"][k] != 0) if cfg.url else np.zeros(len(rest), bool)
        dup = exact | same_url | (jac >= cfg.jaccard_min)
        d = rest[dup]
        keeper[d], value[d] = k, jac[dup]
        rule[d] = np.where(exact[dup], "exact", np.where(same_url[dup], "url", "near"))
        if len(d):  # against the best copy that is not its equal on every criterion (exact copies are)
            reason[k] = keep_reason(ranks, k, next((int(j) for j in d if any(r[j] != r[k] for _, r, _ in ranks)),
                                                   int(d[0])))
        left = rest[~dup]
    return keeper, value, rule, reason


def decide(n: int, star_files: list[Path], out: Path, rounds: int) -> pa.Table:
    """Every document's decision: kept alone, kept for its copies, or dropped as a duplicate of its keeper."""
    keep = np.ones(n, dtype=bool)
    dup_of = np.full(n, -1, dtype=np.int64)
    cluster = np.arange(n, dtype=np.int64)
    size = np.ones(n, dtype=np.int64)
    rule = np.array([None] * n, dtype=object)
    reason = np.array([None] * n, dtype=object)
    value = np.full(n, np.nan)
    for f in star_files:
        t = read_table(f)
        idx, kp = t["idx"].to_numpy(), t["keeper"].to_numpy()
        cluster[idx] = kp
        drop = idx != kp
        keep[idx[drop]] = False
        dup_of[idx[drop]] = kp[drop]
        value[idx[drop]] = t["value"].to_numpy()[drop]
        rule[idx] = np.array(t["rule"].to_pylist(), dtype=object)
        reason[idx] = np.array(t["reason"].to_pylist(), dtype=object)
    counts = np.bincount(cluster, minlength=n)
    size = counts[cluster]
    table = pa.table({"idx": np.arange(n, dtype=np.int64), "keep": keep, "dup_of": dup_of, "cluster": cluster,
                      "cluster_size": size, "rule": pa.array(rule.tolist(), pa.string()), "value": value,
                      "reason": pa.array(reason.tolist(), pa.string())})
    table = table.replace_schema_metadata({"cc_rounds": str(rounds)})
    write_atomic(table, out)
    return table

"""Global deduplication of one language's kept documents: exact and MinHash-LSH near duplicates.

Every step is a map over files, so the DAG runs it as parallel Ray tasks (locally: a plain loop), and
every intermediate result is a Parquet file on disk (the corpus never has to fit in memory):

 1. signatures   per kept part: an exact key (xxh3-128 of the text with whitespace, digits, punctuation
                 and symbols removed, as ROOTS did with md5) and a MinHash signature of the word 5-gram
                 shingles (lowercased words, punctuation and digits removed; character 5-grams for
                 unsegmented scripts), words hashed and signatures computed with numpy, no Python loop
                 per shingle (multiply-add hashing mod 2^64 with odd multipliers).
 2. buckets      per signature file: one key per LSH band (bands x rows, 14 x 8 by default: threshold
                 ~0.72) plus the exact key (and, with `url: true`, the web URL's host + path: ROOTS's
                 URL dedup), hash-partitioned into P partition files (the shuffle).
 3. edges        per partition: documents sharing a (band, key) are linked to the group's first member.
 4. verify       per edge file (optional): near-duplicate edges whose true Jaccard similarity of shingle
                 sets is under `jaccard_min` are dropped (false positives of LSH).
 5. components   parallel connected components: each round maps over edge files proposing the smaller
                 label to both ends (hash-to-min), then pointer jumping; rounds until nothing changes.
 6. decisions    one document per cluster is kept by a stated rule (`longest`: most content characters,
                 i.e. not counting whitespace, digits and punctuation; ties to the earliest), the others are rejected as `dedup:exact` (same exact key as the kept one)
                 or `dedup:near`, with the id they duplicate and the signature-estimated Jaccard.

Memory: per document, 16 bytes of exact key + 8 x bands of band keys + 8 x perms of signature on disk;
in memory only the label vector (8 bytes per document) and one partition at a time.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import xxhash

from pipeline.filters.text import _SPECIAL_LUT, split_words, stripped
from pipeline.config import DedupConfig
from pipeline.shards import write_atomic

MERSENNE = np.uint64((1 << 61) - 1)  # bound of the drawn permutation parameters
MapFn = Callable[[Callable, list], list]  # (fn, [args tuple]) -> [fn(*args)]: a loop, or Ray tasks


def content(text: str) -> np.ndarray:
    """The text's code points without whitespace, digits, punctuation and symbols."""
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return cps[~_SPECIAL_LUT[cps]]


def exact_key(text: str) -> bytes:
    return xxhash.xxh3_128_digest(content(text).tobytes())


def url_key(url: str | None) -> int:
    """xxh3-64 of a web URL's lowercased host + path (ROOTS's URL dedup); 0 for anything else."""
    from urllib.parse import urlsplit

    if not url or not url.startswith(("http://", "https://")):
        return 0
    parts = urlsplit(url)
    return xxhash.xxh3_64_intdigest(f"{parts.netloc.lower()}{parts.path.rstrip('/') or '/'}") or 1


def permutations(cfg: DedupConfig) -> tuple[np.ndarray, np.ndarray]:
    """Per permutation an odd multiplier a and an offset b, drawn from the seed (same seed, same sets)."""
    gen = np.random.RandomState(cfg.seed)
    n = cfg.num_bands * cfg.rows_per_band
    a = gen.randint(1, MERSENNE, dtype=np.uint64, size=(1, n)) | np.uint64(1)
    return a, gen.randint(0, MERSENNE, dtype=np.uint64, size=(1, n))


_B = np.uint64(1_000_003)                       # odd base of the per-word polynomial hash (mod 2^64)
_B_INV = np.uint64(pow(1_000_003, -1, 2**64))  # its inverse mod 2^64, to shift prefix sums back
_MIX = np.uint64(0x9E3779B97F4A7C15)


_POWERS: dict[int, np.ndarray] = {}


def _powers(base: np.uint64, n: int) -> np.ndarray:
    """base^0 .. base^(n-1) mod 2^64, from a table that grows by doubling (computed once per worker)."""
    table = _POWERS.get(int(base))
    if table is None or len(table) < n:
        size = max(n, 2 * len(table) if table is not None else 4096)
        table = np.empty(size, dtype=np.uint64)
        table[0] = 1
        with np.errstate(over="ignore"):
            np.cumprod(np.full(size - 1, base, dtype=np.uint64), out=table[1:])
        _POWERS[int(base)] = table
    return table[:n]


def word_hashes(text: str) -> np.ndarray:
    """64-bit hashes of the words of the lowercased text, a word being a run of characters that are not
    whitespace, digits, punctuation or symbols. Vectorised: polynomial hashes from prefix sums."""
    cps = np.frombuffer(text.lower().encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    mask = ~_SPECIAL_LUT[cps]
    if not mask.any():
        return np.zeros(0, dtype=np.uint64)
    edges = np.diff(np.concatenate(([0], mask.view(np.int8), [0])))
    starts, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
    n = len(cps)
    with np.errstate(over="ignore"):
        prefix = np.concatenate((np.zeros(1, dtype=np.uint64),
                                 np.cumsum(cps.astype(np.uint64) * _powers(_B, n), dtype=np.uint64)))
        h = (prefix[ends] - prefix[starts]) * _powers(_B_INV, n)[starts]
        h = (h ^ (h >> np.uint64(29))) * _MIX
        return h ^ (ends - starts).astype(np.uint64)


def shingles(text: str, n: int, split: str) -> np.ndarray:
    """64-bit hashes of the word n-grams of the text (fewer than n words: one shingle). Words as in
    `word_hashes`; for unsegmented scripts (split: chars) every character of those scripts is a word."""
    if split == "chars":
        words = stripped(split_words(text.lower(), split))
        ids = np.fromiter((xxhash.xxh3_64_intdigest(w) for w in words), dtype=np.uint64, count=len(words))
    else:
        ids = word_hashes(text)
    if not len(ids):
        return np.zeros(1, dtype=np.uint64)
    m = max(len(ids) - n + 1, 1)
    h = np.zeros(m, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(min(n, len(ids))):
            h = h * np.uint64(0x100000001B3) + ids[j : j + m]
    return h


def signatures(texts: list[str], cfg: DedupConfig, split: str, perms) -> np.ndarray:
    """MinHash signatures (len(texts) x perms): per permutation, the minimum over the shingles of
    a*h + b mod 2^64 with a odd (Dietzfelbinger's multiply-add-shift family: a bijection on 64 bits,
    universal on its high bits, which decide the minimum). No division, unlike datatrove's mod 2^61-1,
    which is ~2.5x slower here for the same recall/precision (pipeline/dedup_eval.py). Each document's
    permutations x shingles matrix is built in place: it stays in cache."""
    a, b = perms[0][0], perms[1][0][:, None]
    out = np.empty((len(texts), len(a)), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i, text in enumerate(texts):
            x = np.multiply.outer(a, shingles(text, cfg.ngram, split))
            x += b
            out[i] = x.min(axis=1)
    return out


def band_keys(sig: np.ndarray, cfg: DedupConfig) -> np.ndarray:
    """One 64-bit key per band: (docs x bands)."""
    bands = sig.reshape(len(sig), cfg.num_bands, cfg.rows_per_band)
    key = np.zeros((len(sig), cfg.num_bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for r in range(cfg.rows_per_band):
            key = key * np.uint64(0x9E3779B97F4A7C15) + bands[:, :, r]
    return key


# ---- step functions (each runs on one file; the DAG maps them) ------------------------------------


def step_signatures(part, offset, out, cfg, split) -> str:
    if out.exists():
        return str(out)
    perms = permutations(cfg)
    names = pq.ParquetFile(part).schema_arrow.names
    t = pq.read_table(part, columns=["id", "text"] + (["url_or_path"] if "url_or_path" in names else []))
    texts = t["text"].to_pylist()
    urls = t["url_or_path"].to_pylist() if "url_or_path" in names else [None] * len(texts)
    n = len(texts)
    sig = np.zeros((n, cfg.num_bands * cfg.rows_per_band), dtype=np.uint64)
    for s in range(0, n, 1000):
        sig[s : s + 1000] = signatures(texts[s : s + 1000], cfg, split, perms)
    table = pa.table({
        "idx": pa.array(np.arange(offset, offset + n, dtype=np.int64)),
        "n_chars": pa.array([len(content(x)) for x in texts], type=pa.int64()),
        "exact": pa.array([exact_key(x) for x in texts], type=pa.binary(16)),
        "url": pa.array([url_key(u) for u in urls], type=pa.uint64()),
        "bands": pa.FixedSizeListArray.from_arrays(pa.array(band_keys(sig, cfg).ravel()), cfg.num_bands),
        "sig": pa.FixedSizeListArray.from_arrays(pa.array(sig.ravel()), sig.shape[1]),
    })
    write_atomic(table, out)
    return str(out)


def step_buckets(sig_path, out_dir, cfg) -> list[str]:
    t = pq.read_table(sig_path, columns=["idx", "exact", "bands", "url"])
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
    name = Path(sig_path).stem
    for p in range(cfg.partitions):
        m = part == p
        out = Path(out_dir) / f"p{p:04d}" / f"{name}.parquet"
        write_atomic(pa.table({"band": band[m], "key": keys[m], "idx": doc[m]}), out)
        outs.append(str(out))
    return outs


def step_edges(part_dir, out) -> str:
    files = sorted(Path(part_dir).glob("*.parquet"))
    t = pa.concat_tables([pq.read_table(f) for f in files]) if files else None
    if t is None or t.num_rows == 0:
        write_atomic(pa.table({"src": pa.array([], pa.int64()), "dst": pa.array([], pa.int64()),
                               "exact": pa.array([], pa.bool_())}), out)
        return str(out)
    band, key, idx = t["band"].to_numpy(), t["key"].to_numpy(), t["idx"].to_numpy()
    order = np.lexsort((idx, key, band))
    band, key, idx = band[order], key[order], idx[order]
    same = (band[1:] == band[:-1]) & (key[1:] == key[:-1])
    start = np.concatenate([[True], ~same])
    group_first = idx[np.maximum.accumulate(np.where(start, np.arange(len(idx)), 0))]
    m = ~start
    src, dst, exact = group_first[m], idx[m], band[m] < 0  # exact-text and URL edges need no Jaccard check
    write_atomic(pa.table({"src": src, "dst": dst, "exact": exact}), out)
    return str(out)


def shingle_sets(texts: dict[int, str], cfg: DedupConfig, split: str) -> dict[int, set]:
    return {i: set(shingles(t, cfg.ngram, split).tolist()) for i, t in texts.items()}


def step_verify(edge_path, out, parts, offsets, cfg, split) -> str:
    e = pq.read_table(edge_path)
    src, dst, exact = e["src"].to_numpy(), e["dst"].to_numpy(), e["exact"].to_numpy()
    near = ~exact
    need = np.unique(np.concatenate([src[near], dst[near]]))
    texts: dict[int, str] = {}
    which = np.searchsorted(offsets, need, side="right") - 1
    for p in np.unique(which):
        rows = need[which == p] - offsets[p]
        col = pq.read_table(parts[p], columns=["text"])["text"].take(pa.array(rows))
        texts.update(zip(need[which == p].tolist(), col.to_pylist()))
    sets = shingle_sets(texts, cfg, split)
    keep = exact.copy()
    jac = np.ones(len(src))
    for i in np.nonzero(near)[0]:
        a, b = sets[int(src[i])], sets[int(dst[i])]
        jac[i] = len(a & b) / len(a | b) if a or b else 1.0
        keep[i] = jac[i] >= cfg.jaccard_min
    write_atomic(pa.table({"src": src[keep], "dst": dst[keep], "exact": exact[keep], "jaccard": jac[keep]}), out)
    return str(out)


def step_propose(edge_path, labels) -> tuple[np.ndarray, np.ndarray]:
    e = pq.read_table(edge_path, columns=["src", "dst"])
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
              put: Callable = lambda x: x) -> pa.Table:
    """Decisions for every document of `parts` (in order): idx, keep, dup_of (idx), cluster (kept idx),
    cluster_size, rule (exact/near/None), value (Jaccard to the kept document, signature estimate)."""
    done = work / "decisions.parquet"
    if done.exists():
        return pq.read_table(done)
    rows = [pq.ParquetFile(p).metadata.num_rows for p in parts]
    offsets = np.cumsum([0] + rows[:-1]).astype(np.int64)
    n = int(sum(rows))
    sig_files = map_fn(step_signatures, [(p, int(o), work / "sig" / f"{i:05d}.parquet", cfg, split)
                                         for i, (p, o) in enumerate(zip(parts, offsets))])
    for f in Path(work / "buckets").glob("p*/.*.tmp-*"):
        f.unlink()
    map_fn(step_buckets, [(s, work / "buckets", cfg) for s in sig_files])
    edge_files = map_fn(step_edges, [(work / "buckets" / f"p{p:04d}", work / "edges" / f"{p:04d}.parquet")
                                     for p in range(cfg.partitions)])
    if cfg.verify and cfg.near:
        edge_files = map_fn(step_verify, [(e, work / "verified" / Path(e).name, [str(p) for p in parts], offsets, cfg, split)
                                          for e in edge_files])
    labels, rounds = connected_components(edge_files, n, map_fn, put)
    sig = pq.read_table(work / "sig", columns=["idx", "n_chars", "exact", "url", "sig"]) if n else None
    return decide(labels, sig, cfg, done, rounds)


def decide(labels: np.ndarray, sig: pa.Table | None, cfg: DedupConfig, out: Path, rounds: int) -> pa.Table:
    n = len(labels)
    keep = np.ones(n, dtype=bool)
    dup_of = np.full(n, -1, dtype=np.int64)
    cluster = np.arange(n, dtype=np.int64)
    size = np.ones(n, dtype=np.int64)
    rule = np.array([None] * n, dtype=object)
    value = np.full(n, np.nan)
    if n:
        order_idx = np.argsort(sig["idx"].to_numpy())
        n_chars = sig["n_chars"].to_numpy()[order_idx]
        exact = np.array(sig["exact"].to_pylist(), dtype=object)[order_idx]
        url = sig["url"].to_numpy()[order_idx]
        sigs = sig["sig"].combine_chunks().flatten().to_numpy().reshape(n, -1)[order_idx]
        counts = np.bincount(labels, minlength=n)
        multi = np.nonzero(counts[labels] > 1)[0]
        if len(multi):
            lab = labels[multi]
            # keeper per cluster: longest, ties to the earliest document
            o = np.lexsort((multi, -n_chars[multi], lab))
            first = np.concatenate([[True], lab[o][1:] != lab[o][:-1]])
            keeper_of = dict(zip(lab[o][first].tolist(), multi[o][first].tolist()))
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
                      "cluster_size": size, "rule": pa.array(rule.tolist(), pa.string()), "value": value})
    table = table.replace_schema_metadata({"cc_rounds": str(rounds)})
    write_atomic(table, out)
    return table


def local_map(fn: Callable, items: list) -> list:
    """The executor-free map: `fn(*args)` for each argument tuple, in this process."""
    return [fn(*x) for x in items]


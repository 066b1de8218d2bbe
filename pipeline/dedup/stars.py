"""Deciding the clusters (steps 6-8 of pipeline/dedup/__init__.py): gather, stars, per-part decisions.

Every map step reads what it needs once: `step_gather` reads one part (its text) and its signature file and
sends each clustered member's row to its cluster partition; `step_stars` decides one cluster partition from
its own gathered rows and edges; `step_decisions` writes one part's decision rows. The driver holds no
per-document Python objects."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.dedup.config import DedupConfig
from pipeline.dedup.minhash import exact_words, shingle_set
from pipeline.shards import write_atomic
from pipeline.storage import read_table

CENTRAL_SAMPLE = 256  # a member's centrality is measured against at most this many members of its cluster
MEASURES = ["n_chars", "priority", "ppl", "exact", "url", "sig"]


def group_dir(root: Path, k: int) -> Path:
    return root / f"k{k:04d}"


def step_gather(i: int, part, sig_file, offset: int, cluster_of, groups: int, root: Path, cfg: DedupConfig) -> int:
    """The clustered members of part `i` (cluster_of[idx] >= 0), with what the keep rule ranks by, their id and
    (to verify) their text, written to `<root>/k<group>/<i>.parquet` by cluster (label mod `groups`)."""
    if (root / f".done-{i:05d}").exists():
        return i
    sig = read_table(sig_file, columns=["idx", *MEASURES])
    labels = np.asarray(cluster_of[offset: offset + sig.num_rows])
    rows = np.nonzero(labels >= 0)[0]
    t = sig.take(pa.array(rows)).append_column("label", pa.array(labels[rows].astype(np.int64)))
    cols = ["id", "text"] if cfg.verify and cfg.near else ["id"]
    src = read_table(part, columns=cols).take(pa.array(rows))
    for c in cols:
        t = t.append_column(c, src[c])
    group = labels[rows] % groups
    for k in range(groups):
        write_atomic(t.filter(pa.array(group == k)), group_dir(root, k) / f"{i:05d}.parquet")
    write_atomic(pa.table({"i": [i]}), root / f".done-{i:05d}")
    return i


def step_split_edges(edge_file, cluster_of, groups: int, root: Path) -> Path:
    """The edges of one edge file sent to their cluster's partition (label mod `groups`)."""
    e = read_table(edge_file, columns=["src", "dst", "exact"])
    group = np.asarray(cluster_of)[e["src"].to_numpy()] % groups
    for k in range(groups):
        write_atomic(e.filter(pa.array(group == k)), group_dir(root, k) / edge_file.name)
    return root


def to_roots(labels: np.ndarray) -> np.ndarray:
    """Pointer jumping: every label followed to its root (a label that points at itself)."""
    while True:
        jumped = labels[labels]
        if np.array_equal(jumped, labels):
            return labels
        labels = jumped


def components(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Connected components of n nodes (label = smallest member), vectorised hash-to-min with pointer jumping."""
    labels = np.arange(n)
    while True:
        m = np.minimum(labels[src], labels[dst])
        new = labels.copy()
        np.minimum.at(new, src, m)
        np.minimum.at(new, dst, m)
        new = to_roots(new)
        if np.array_equal(new, labels):
            return labels
        labels = new


def step_stars(k: int, gather: Path, edges: Path, out: Path, offsets: np.ndarray, cfg: DedupConfig, split: str) -> Path:
    """Decide the clusters of partition k: near edges checked by true Jaccard (with `verify`), each cluster split
    into the components of the edges that hold, and each component decided as `stars`. Writes, per part, each
    member's keeper (number and id), the similarity to it, the rule, why the keeper won, and the star's size."""
    done = out / f".done-k{k:04d}"
    if done.exists():
        return out
    files = sorted(group_dir(gather, k).glob("*.parquet"))
    t = pa.concat_tables([read_table(f) for f in files]) if files else None
    if t is None or t.num_rows == 0:
        write_atomic(pa.table({"k": [k]}), done)
        return out
    t = t.sort_by([("label", "ascending"), ("idx", "ascending")])
    idx, label = t["idx"].to_numpy(), t["label"].to_numpy()
    efiles = sorted(group_dir(edges, k).glob("*.parquet"))
    e = pa.concat_tables([read_table(f) for f in efiles])
    by_idx = np.argsort(idx)
    pos = lambda x: by_idx[np.searchsorted(idx[by_idx], x)]  # noqa: E731 - member position of document numbers
    src, dst, exact_edge = pos(e["src"].to_numpy()), pos(e["dst"].to_numpy()), e["exact"].to_numpy()
    eo = np.argsort(label[src], kind="stable")
    src, dst, exact_edge = src[eo], dst[eo], exact_edge[eo]
    texts = t["text"].to_pylist() if cfg.verify and cfg.near else None
    m = {"priority": t["priority"].to_numpy().astype(np.float64), "n_chars": t["n_chars"].to_numpy().astype(np.float64),
         "ppl": t["ppl"].to_numpy(zero_copy_only=False).astype(np.float64), "exact": exact_words(t["exact"]),
         "url": t["url"].to_numpy(), "sig": t["sig"].combine_chunks().flatten().to_numpy().reshape(len(idx), -1)}
    n = len(idx)
    keeper, value, size = np.arange(n), np.ones(n), np.ones(n, np.int64)
    rule, reason = np.array([None] * n, dtype=object), np.array([None] * n, dtype=object)
    starts = np.concatenate([[0], np.nonzero(label[1:] != label[:-1])[0] + 1, [n]])
    estarts = np.searchsorted(label[src], label[starts[:-1]])
    eends = np.searchsorted(label[src], label[starts[:-1]], side="right")
    for a, b, ea, eb in zip(starts[:-1].tolist(), starts[1:].tolist(), estarts.tolist(), eends.tolist()):
        decide_cluster(a, b, src[ea:eb] - a, dst[ea:eb] - a, exact_edge[ea:eb], m, texts, cfg, split,
                       (keeper, value, rule, reason, size))
    keeper_id = t["id"].take(pa.array(keeper))
    which = np.searchsorted(offsets, idx, side="right") - 1
    decided = pa.table({"idx": idx, "keeper": idx[keeper], "keeper_id": keeper_id, "value": value,
                        "rule": pa.array(rule.tolist(), pa.string()), "reason": pa.array(reason.tolist(), pa.string()),
                        "size": size})
    for p in np.unique(which).tolist():
        write_atomic(decided.filter(pa.array(which == p)), out / f"{p:05d}" / f"k{k:04d}.parquet")
    write_atomic(pa.table({"k": [k]}), done)
    return out


def decide_cluster(a: int, b: int, src, dst, exact_edge, m: dict, texts, cfg: DedupConfig, split: str, into) -> None:
    """One cluster, members a..b-1 (edges in local positions): verify its near edges, then stars per component."""
    keeper, value, rule, reason, size = into
    sets: dict[int, set] = {}  # shingle sets by local position, handed on to stars and let go as members are decided
    hold = exact_edge.copy()
    if texts is not None:
        def cached(i: int) -> set:
            if i not in sets:
                sets[i] = shingle_set(texts[a + i], cfg.ngram, split)
            return sets[i]
        near = np.nonzero(~exact_edge)[0]
        pairs, first = np.unique(np.stack([src[near], dst[near]], axis=1), axis=0, return_index=True)
        for (u, v), j in zip(pairs.tolist(), near[first].tolist()):  # a pair found in several bands: checked once
            x, y = cached(u), cached(v)
            hold[j] = (len(x & y) / len(x | y) if x or y else 1.0) >= cfg.jaccard_min
    else:
        hold[:] = True
    comp = components(b - a, src[hold], dst[hold])
    for c in np.unique(comp).tolist():
        local = np.nonzero(comp == c)[0]
        if len(local) < 2:
            sets.pop(int(local[0]), None)
            continue
        sub = {name: x[a + local] for name, x in m.items()}
        sub_texts = [texts[a + i] for i in local.tolist()] if texts is not None else None
        own = {x: sets.pop(i) for x, i in enumerate(local.tolist()) if i in sets}
        k, v, r, why = stars(sub, sub_texts, cfg, split, own)
        g = a + local
        keeper[g], value[g], rule[g], reason[g] = g[k], v, r, why
        size[g] = np.bincount(k, minlength=len(local))[k]


def step_decisions(i: int, part, offset: int, stars_dir: Path, out: Path) -> Path:
    """Every document of part `i`, in row order: kept alone, kept for its copies, or dropped as a duplicate of
    its keeper (number and id)."""
    if out.exists():
        return out
    ids = read_table(part, columns=["id"])["id"].combine_chunks()
    n = len(ids)
    files = sorted((stars_dir / f"{i:05d}").glob("*.parquet"))
    t = pa.concat_tables([read_table(f) for f in files]) if files else None
    keep, dup_of, cluster = np.ones(n, bool), np.full(n, -1, np.int64), np.arange(offset, offset + n, dtype=np.int64)
    size, value = np.ones(n, np.int64), np.full(n, np.nan)
    rule, reason = np.array([None] * n, dtype=object), np.array([None] * n, dtype=object)
    cluster_id, dup_id = ids, pa.nulls(n, pa.string())
    if t is not None and t.num_rows:
        row = t["idx"].to_numpy() - offset
        kp = t["keeper"].to_numpy()
        drop = kp != row + offset
        keep[row[drop]], dup_of[row[drop]], value[row[drop]] = False, kp[drop], t["value"].to_numpy()[drop]
        cluster[row], size[row] = kp, t["size"].to_numpy()
        rule[row], reason[row] = t["rule"].to_pylist(), t["reason"].to_pylist()
        where = np.full(n, -1)
        where[row] = np.arange(len(row))
        mine = pa.array(np.where(where >= 0, where, 0))
        theirs = t["keeper_id"].combine_chunks()
        cluster_id = _pick(where, theirs, ids, mine)
        dup_id = _pick(np.where(keep, -1, where), theirs, dup_id, mine)
    table = pa.table({"idx": np.arange(offset, offset + n, dtype=np.int64), "keep": keep, "dup_of": dup_of,
                      "dup_of_id": dup_id, "cluster": cluster, "cluster_id": cluster_id, "cluster_size": size,
                      "rule": pa.array(rule.tolist(), pa.string()), "value": value,
                      "reason": pa.array(reason.tolist(), pa.string())})
    write_atomic(table, out)
    return out


def _pick(where: np.ndarray, theirs: pa.Array, mine: pa.Array, take: pa.Array) -> pa.Array:
    """Per row: theirs[where] where where >= 0, else mine (Arrow arrays, no Python strings)."""
    return pc.if_else(pa.array(where >= 0), theirs.take(take), mine)


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


def stars(m: dict, texts: list[str] | None, cfg: DedupConfig, split: str, sets: dict[int, set] | None = None
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One cluster (members in document order): the best member by the keep criteria keeps every member that
    truly duplicates it (Jaccard >= jaccard_min, or the same exact key, or with `url` the same URL); the best
    of the rest keeps those that duplicate it, and so on. A chain A~B~C does not drop C against an A it does
    not resemble. Returns, per member, the position of its keeper, the Jaccard to it (true with `verify`, else
    the signature estimate), the rule (None for keepers) and, for keepers with copies, why it was chosen.
    `sets`: shingle sets the caller already made, by member position."""
    n = len(m["n_chars"])
    ranks = keep_ranks(m, cfg)
    order = np.lexsort((np.arange(n), *(r for _, r, _ in reversed(ranks))))
    sets = {} if sets is None else sets  # the members still undecided keep theirs (a decided one's set is let go)

    def member_set(i: int) -> set:
        return sets.pop(i) if i in sets else shingle_set(texts[i], cfg.ngram, split)
    keeper = np.full(n, -1, np.int64)
    value = np.ones(n)
    rule = np.array([None] * n, dtype=object)
    reason = np.array([None] * n, dtype=object)
    left = order
    while len(left):
        k, rest = int(left[0]), left[1:]
        keeper[k] = k
        exact = (m["exact"][rest] == m["exact"][k]).all(axis=1)
        if texts is not None:  # exact copies need no shingles (a cluster of 50,000 boilerplate pages)
            a = member_set(k)
            jac = np.ones(len(rest))
            for x, j in enumerate(rest.tolist()):
                if not exact[x]:
                    b = member_set(j)
                    jac[x] = len(a & b) / len(a | b) if a or b else 1.0
                    if jac[x] < cfg.jaccard_min:
                        sets[j] = b  # still undecided: kept for the next keeper
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

"""Measure near-dedup quality on real text with known near-duplicate structure.

The evaluation set: real bundled documents (Debian manuals, long enough to have ~100+ shingles) plus
controlled edits of some of them: a sentence replaced, a paragraph appended, 5% of words deleted,
a few typos, and exact copies with different spacing and punctuation. The truth is the true Jaccard
similarity of the word 5-gram shingle sets of every pair (all pairs sharing at least one shingle are
computed exactly; the others have Jaccard 0). Against it:
  recall    share of pairs with Jaccard >= 0.8 of which at most one is kept;
  precision share of dropped documents that truly duplicate the one kept in their place: same exact key
            for `exact` drops, true Jaccard >= the configured jaccard_min for `near` drops.
"""
from __future__ import annotations

import random
import re
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.dedup.config import DedupConfig
from pipeline.dedup.minhash import exact_key, shingle_set
from pipeline.dedup.steps import read_decisions, run_dedup
from pipeline.executors import LocalExecutor
from pipeline.record import Document


def edit_variants(docs: list[Document], n_edited: int, seed: int = 0) -> list[tuple[Document, str, str]]:
    """(variant, kind, original id) for `n_edited` documents, each given one controlled edit."""
    rng = random.Random(seed)
    sentences = [s for d in docs for s in re.split(r"(?<=[.!?])\s+", d.text) if len(s) > 40]
    out = []
    for i, d in enumerate(rng.sample(docs, min(n_edited, len(docs)))):
        kind = ["sentence_changed", "paragraph_appended", "words_deleted", "typos", "respaced"][i % 5]
        text = d.text
        if kind == "sentence_changed":
            parts = re.split(r"(?<=[.!?])\s+", text)
            parts[rng.randrange(len(parts))] = rng.choice(sentences)
            text = " ".join(parts)
        elif kind == "paragraph_appended":
            text = text + "\n\n" + " ".join(rng.sample(sentences, 2))
        elif kind == "words_deleted":
            words = text.split(" ")
            text = " ".join(w for w in words if rng.random() > 0.05)
        elif kind == "typos":
            chars = list(text)
            for _ in range(max(1, len(chars) // 400)):
                j = rng.randrange(len(chars))
                chars[j] = rng.choice("abcdefghijklmnopqrstuvwxyz")
            text = "".join(chars)
        else:
            text = re.sub(r" ", "  ", text).replace(",", " ,").replace(".", " .")
        out.append((Document(f"{d.id}#{kind}", text, d.lang, "edited", d.url_or_path, d.license), kind, d.id))
    return out


def true_pairs(texts: list[str], ngram: int, split: str) -> dict[tuple[int, int], float]:
    """Exact Jaccard of every pair of documents sharing at least one shingle."""
    sets = [shingle_set(t, ngram, split) for t in texts]
    index: dict[int, list[int]] = defaultdict(list)
    for i, s in enumerate(sets):
        for h in s:
            index[h].append(i)
    candidates = set()
    for members in index.values():
        if 1 < len(members) <= 200:  # a shingle shared by hundreds of documents is boilerplate, not identity
            for a in range(len(members)):
                for b in range(a + 1, len(members)):
                    candidates.add((members[a], members[b]))
    return {(a, b): len(sets[a] & sets[b]) / len(sets[a] | sets[b]) for a, b in candidates}


def evaluate(docs: list[Document], work: Path, cfg: DedupConfig, split: str = "whitespace", n_edited: int = 300) -> dict:
    variants = edit_variants(docs, n_edited)
    all_docs = docs + [v for v, _, _ in variants]
    work.mkdir(parents=True, exist_ok=True)
    part = work / "part.parquet"
    pq.write_table(pa.table({"id": [d.id for d in all_docs], "text": [d.text for d in all_docs]}), part)
    t0 = time.perf_counter()
    decisions = read_decisions(run_dedup([part], work / "dedup", cfg, split, LocalExecutor().map))
    seconds = time.perf_counter() - t0
    t1 = time.perf_counter()
    truth = true_pairs([d.text for d in all_docs], cfg.ngram, split)
    brute_seconds = time.perf_counter() - t1
    keep = decisions["keep"].to_numpy(zero_copy_only=False)
    dup_of = decisions["dup_of"].to_numpy()
    high = [(a, b) for (a, b), j in truth.items() if j >= 0.8]
    found = sum(not (keep[a] and keep[b]) for a, b in high)  # a pair is found when one of the two is dropped
    rules = decisions["rule"].to_pylist()
    predicted = [(int(i), int(dup_of[i])) for i in np.nonzero(~keep)[0]]
    near_pred = [(a, b) for a, b in predicted if rules[a] == "near"]
    correct = sum(truth.get((min(a, b), max(a, b)), 0.0) >= cfg.jaccard_min for a, b in near_pred)
    exact_ok = sum(exact_key(all_docs[a].text) == exact_key(all_docs[b].text) for a, b in predicted if rules[a] == "exact")
    by_kind = {}
    pos = {d.id: i for i, d in enumerate(all_docs)}
    for v, kind, orig in variants:
        a, b = pos[orig], pos[v.id]
        j = truth.get((min(a, b), max(a, b)), 0.0)
        k = by_kind.setdefault(kind, {"pairs": 0, "jaccard_ge_0.8": 0, "one_dropped": 0})
        k["pairs"] += 1
        k["jaccard_ge_0.8"] += j >= 0.8
        k["one_dropped"] += bool(not (keep[a] and keep[b]))
    return {"documents": len(all_docs), "real_documents": len(docs), "edited_variants": len(variants),
            "pairs_with_shared_shingles": len(truth), "pairs_jaccard_ge_0.8": len(high),
            "recall_at_0.8": round(found / len(high), 4) if high else None,
            "dropped": len(predicted), "dropped_exact": len(predicted) - len(near_pred), "dropped_near": len(near_pred),
            "precision": round((correct + exact_ok) / len(predicted), 4) if predicted else None,
            "precision_near": round(correct / len(near_pred), 4) if near_pred else None,
            "by_edit": by_kind, "dedup_seconds": round(seconds, 2), "brute_force_seconds": round(brute_seconds, 2),
            "params": cfg.model_dump()}

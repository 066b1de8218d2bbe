"""The values a run measured, read back from `data/` and `rejected/`, and thresholds re-applied to them.

Every stage stores what it measured per document, so a threshold can be moved without re-scoring: the
documents that *reached* a stage in the last run (kept ones, and rejected ones whose rejecting stage comes at
or after it) are checked again with new thresholds, in the stage's own order, and the first failing rule
counts, exactly as the stage does. This is what the HTML report's histograms, `make tune` and
`calibrate` read. What cannot be known without a re-run is said, not guessed: documents an earlier stage
dropped were never measured by the later ones.

Tunable knobs: `langid.min_score` (after the fixed wrong-language rule; `langid.other_max` for a language
the model has no label for), each ROOTS quality filter's
`min`/`max` (datatrove filters decide by reason, not by a threshold, so their last decision is kept), and
`perplexity.max`.
"""
from __future__ import annotations

import heapq
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import xxhash

from pipeline.language import LanguageConfig
from pipeline.stages import BY_NAME, ORDER, STAGES
from pipeline.stages.base import Knob
from pipeline.storage import parquet_file, read_table


def knobs(language: LanguageConfig) -> list[Knob]:
    """Every threshold of the language, stage by stage in run order (each stage says what its are)."""
    return [k for stage in STAGES for k in stage.knobs(language)]


def shard_files(out_dir: Path, name: str) -> list[Path]:
    """The shards of `data` or `rejected` the build's manifest names (without one: the folder's files)."""
    manifest = out_dir / "manifest.json"
    if manifest.exists():
        return [out_dir / s["path"] for s in json.loads(manifest.read_text(encoding="utf-8"))[name]]
    folder = out_dir / name
    return sorted(folder.glob("*.parquet")) if folder.is_dir() else []


def load_values(out_dir: Path, columns: list[str], text: bool = False) -> pa.Table:
    """id, source, stage (null = kept), rule and the given value columns of every document of the last run
    (a missing data/ or rejected/ folder counts as empty); a local folder or a URI output alike."""
    names = ["id", "source", *(["text"] if text else []), "stage", "rule"]
    tables = [pa.schema([(n, pa.string()) for n in names] + [(c, pa.float64()) for c in columns]).empty_table()]
    for name in ("data", "rejected"):
        files = shard_files(out_dir, name)
        if not files:
            continue
        have = parquet_file(files[0]).schema_arrow.names
        want = ["id", "source", *(["text"] if text else []), *(c for c in columns if c in have)]
        if name == "rejected":
            want += ["stage", "rule"]
        t = pa.concat_tables([read_table(f, columns=want) for f in files])
        if name == "data":
            t = t.append_column("stage", pa.nulls(t.num_rows, pa.string())).append_column("rule", pa.nulls(t.num_rows, pa.string()))
        for c in columns:
            if c not in t.schema.names:
                t = t.append_column(c, pa.nulls(t.num_rows, pa.float64()))
        tables.append(t.select([*names, *columns]))
    return pa.concat_tables(tables, promote_options="permissive")


def random_sample(out_dir: Path, per_source: int, seed: int = 0) -> dict[str, dict[str, list[dict]]]:
    """source -> {"kept": rows, "rejected": rows}: `per_source` documents of each, drawn at random but fixed by
    `seed` and the ids (the smallest hashes of seed + id), whatever the shard order. Reads the ids first and
    the text of the drawn rows only, shard by shard."""
    out: dict[str, dict[str, list[dict]]] = {}
    for name, kind in (("data", "kept"), ("rejected", "rejected")):
        best: dict[str, list[tuple[int, int, int]]] = {}  # source -> [(hash, file no., row)], smallest kept
        files = shard_files(out_dir, name)
        for f_no, f in enumerate(files):
            t = read_table(f, columns=["id", "source"])
            for row, (doc_id, src) in enumerate(zip(t["id"].to_pylist(), t["source"].to_pylist())):
                key = xxhash.xxh3_64_intdigest(f"{seed}:{doc_id}")
                heap = best.setdefault(src, [])
                if len(heap) < per_source:
                    heapq.heappush(heap, (-key, f_no, row))
                elif -heap[0][0] > key:
                    heapq.heapreplace(heap, (-key, f_no, row))
        chosen = sorted((-k, f_no, row, src) for src, heap in best.items() for k, f_no, row in heap)
        cols = ["id", "source", "text"] + (["stage", "rule", "value", "threshold"] if name == "rejected" else [])
        rows: dict[tuple[int, int], dict] = {}
        for f_no in sorted({c[1] for c in chosen}):
            want = [row for _, fn, row, _ in chosen if fn == f_no]
            for row, rec in zip(want, read_table(files[f_no], columns=cols).take(pa.array(want, pa.int64())).to_pylist()):
                rows[(f_no, row)] = rec
        for _, f_no, row, src in chosen:
            out.setdefault(src, {}).setdefault(kind, []).append(rows[(f_no, row)])
    return out


def reached(table: pa.Table, stage: str) -> np.ndarray:
    """Documents that entered `stage` in the last run: kept ones, and those dropped by it or a later stage."""
    st = table["stage"].to_pylist()
    return np.array([s is None or ORDER.get(s, -1) >= ORDER[stage] for s in st], dtype=bool)


def column(table: pa.Table, name: str) -> np.ndarray:
    return table[name].cast(pa.float64()).to_numpy(zero_copy_only=False)


def fixed_rule(table: pa.Table, stage: str, language: LanguageConfig) -> np.ndarray:
    """Documents `stage` dropped by a rule no threshold decides (LID's wrong language, datatrove's reasons)."""
    threshold_rules = {r for k in knobs(language) if k.stage == stage for r in k.rules if r}
    return np.array([st == stage and r not in threshold_rules
                     for st, r in zip(table["stage"].to_pylist(), table["rule"].to_pylist())], dtype=bool)


def simulate_stage(table: pa.Table, stage: str, ks: list[Knob], language: LanguageConfig) -> dict:
    """Re-apply the stage's thresholds to the documents that reached it: per document the first failing
    rule (None = kept), and counts per rule. Rules no threshold decides (LID's wrong language, perplexity's
    empty text, datatrove's reasons) keep the last run's decision, before the thresholds or after them as
    the stage says (`Stage.fixed_rules_first`)."""
    mask = reached(table, stage)
    sub = table.filter(pa.array(mask))
    n = sub.num_rows
    rules = np.array([None] * n, dtype=object)
    old_rule = np.array(sub["rule"].to_pylist(), dtype=object)
    stage_knobs = [k for k in ks if k.stage == stage]
    fixed = fixed_rule(sub, stage, language)
    first = BY_NAME[stage].fixed_rules_first
    if first:
        rules[fixed] = old_rule[fixed]
    for k in stage_knobs:  # in the stage's own order: knobs() lists them as the stage checks them
        v = column(sub, k.column)
        lo = np.zeros(n, bool) if k.min is None else (v < k.min)
        if k.exempt is not None and k.exempt in sub.column_names:
            lo &= ~np.array(sub[k.exempt].fill_null(False).to_pylist(), dtype=bool)
        hi = np.zeros(n, bool) if k.max is None else (v > k.max)
        free = np.array([r is None for r in rules], dtype=bool)
        rules[free & lo] = k.rules[0]
        rules[free & hi & ~lo] = k.rules[1]
    if not first:
        free = np.array([r is None for r in rules], dtype=bool)
        rules[free & fixed] = old_rule[free & fixed]
    unmeasured = 0
    if stage_knobs:
        vals = np.stack([column(sub, k.column) for k in stage_knobs])
        unmeasured = int(np.isnan(vals).any(axis=0).sum())
    counts: dict[str, int] = {}
    for r in rules:
        if r is not None:
            counts[r] = counts.get(r, 0) + 1
    return {"stage": stage, "docs_in": n, "dropped": counts, "docs_out": n - sum(counts.values()),
            "rules": rules, "mask": mask, "unmeasured": unmeasured}


LOG_SPAN = 50  # a positive range whose end is this many times its start is binned on a log scale


def histogram(values: np.ndarray, bins: int = 40, log: bool | None = None) -> dict:
    """Counts over `bins` bins from the 0.5th to the 99.5th percentile (outliers in the end bins): equal
    bins, or equal on a log scale (`log`; by default when the values are positive and span >= LOG_SPAN x)."""
    v = values[~np.isnan(values)]
    if not len(v):
        return {"edges": [], "counts": [], "n": 0, "log": False}
    lo, hi = np.percentile(v, [0.5, 99.5])
    if hi <= lo:
        lo, hi = float(v.min()), float(v.max()) + (1e-9 if v.max() == v.min() else 0)
    if log is None:
        log = bool(lo > 0 and hi / lo >= LOG_SPAN)
    edges = np.geomspace(lo, hi, bins + 1) if log else np.linspace(lo, hi, bins + 1)
    counts, edges = np.histogram(np.clip(v, lo, hi), bins=edges)
    return {"edges": [float(e) for e in edges], "counts": [int(c) for c in counts], "n": int(len(v)),
            "min": float(v.min()), "max": float(v.max()), "log": log}


def share_beyond(values: np.ndarray, k: Knob) -> float:
    """Share of the measured documents that this threshold alone drops."""
    v = values[~np.isnan(values)]
    if not len(v):
        return 0.0
    drop = np.zeros(len(v), bool)
    if k.min is not None:
        drop |= v < k.min
    if k.max is not None:
        drop |= v > k.max
    return float(drop.mean())


def as_counts(res: dict) -> dict:
    return {k: v for k, v in res.items() if k not in ("rules", "mask")}

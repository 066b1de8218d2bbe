"""Dedup: global exact + MinHash-LSH near dedup across all sources of the language (pipeline/dedup/).

The one corpus-wide stage: it runs after every unit is done, over the kept parts of all of them. The
engine computes a decision per document on disk; this stage turns the decisions into rows: the dropped
documents as `dedup:exact|near|url` rejections naming the document they duplicate (`dup_of`), the kept
ones streamed with their cluster id (the kept document's id) and cluster size.
"""
from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa

from pipeline import storage
from pipeline.base import utf8_len
from pipeline.dedup.config import DedupConfig
from pipeline.dedup.steps import run_dedup
from pipeline.reports import StageStats
from pipeline.shards import write_atomic
from pipeline.stages.base import Panel, Stage
from pipeline.storage import read_table


class Dedup(Stage):
    name = "dedup"
    help = ("global exact + MinHash-LSH near dedup across the language's sources (parallel, on disk); keeps the best "
            "copy (source priority, the copy most like the others, perplexity, length)")
    Params = DedupConfig
    corpus_wide = True
    kept_columns = {"dup_cluster_id": pa.string(), "dup_cluster_size": pa.int64(), "dup_keep_reason": pa.string()}
    rejected_columns = {"dup_of": pa.string()}

    def __init__(self, ctx):
        super().__init__(ctx)
        self.cfg = ctx.config.dedup
        self.split = ctx.language.words.split if ctx.config.document_stages else "whitespace"

    def run(self, parts: list[Path], work: Path, executor, stats: StageStats, kschema: pa.Schema,
            rschema: pa.Schema) -> tuple[Iterator[pa.RecordBatch], list[Path]]:
        """Decide over the kept `parts` (in order), write the rejected rows, and return the kept batches (a
        generator that also counts the kept documents' cluster sizes into `stats`) and the rejected files."""
        t0 = time.process_time()
        priority = {uid: e.priority for uid, e in self.ctx.sources.items()}
        decisions = run_dedup(parts, work, self.cfg, self.split, executor.map, executor.put, priority)
        stats.seconds += time.process_time() - t0
        keep = decisions["keep"].to_numpy(zero_copy_only=False)
        stats.extra = {"cc_rounds": int((decisions.schema.metadata or {}).get(b"cc_rounds", b"0")),
                       "params": self.cfg.model_dump(), "clusters_with_duplicates": int(
                           (decisions["cluster_size"].to_numpy() > 1).sum() - (~keep).sum())}
        ids = pa.concat_arrays([read_table(p, columns=["id"])["id"].combine_chunks() for p in parts]) \
            if parts else pa.array([], pa.string())
        rejected = self._rejected(parts, decisions, ids, work / "rejected", stats, rschema)
        return self._kept(parts, decisions, ids, stats, kschema), rejected

    def _rejected(self, parts, decisions, ids, out_dir: Path, stats: StageStats, rschema) -> list[Path]:
        """Count every document and write the dropped ones' rows, before the kept ones stream (so the counts
        are complete up front)."""
        keep, dup_of = decisions["keep"].to_numpy(zero_copy_only=False), decisions["dup_of"].to_numpy()
        rules, values = decisions["rule"].to_pylist(), decisions["value"].to_numpy()
        storage.rmtree(out_dir)
        files, offset = [], 0
        for i, part in enumerate(parts):
            t = read_table(part)
            start, offset = offset, offset + t.num_rows
            texts, sources = t["text"].to_pylist(), t["source"].to_pylist()
            drop = np.nonzero(~keep[start:offset])[0]  # row numbers within this part
            row_rule = {int(j): rules[j + start] for j in drop}
            threshold = {j: self.cfg.jaccard_min if r == "near" else None for j, r in row_rule.items()}
            detail = {j: f"duplicate of {ids[int(dup_of[j + start])].as_py()}" for j in row_rule}
            for j in range(t.num_rows):
                size = utf8_len(texts[j])
                if j not in row_rule:
                    stats.add(sources[j], size, None)
                    continue
                stats.add(sources[j], size, row_rule[j], {"id": t["id"][j].as_py(), "source": sources[j],
                          "value": float(values[j + start]), "threshold": threshold[j], "detail": detail[j],
                          "text": texts[j][:400]})
            if len(drop):
                rows = [int(j) for j in drop]
                r = t.take(pa.array(drop)) \
                     .append_column("stage", pa.array([self.name] * len(rows))) \
                     .append_column("rule", pa.array([row_rule[j] for j in rows], pa.string())) \
                     .append_column("value", pa.array(values[drop + start])) \
                     .append_column("threshold", pa.array([threshold[j] for j in rows], pa.float64())) \
                     .append_column("detail", pa.array([detail[j] for j in rows])) \
                     .append_column("dup_of", ids.take(pa.array(dup_of[drop + start])))
                f = out_dir / f"rejected-{i:05d}.parquet"
                write_atomic(r.select(rschema.names).cast(rschema), f)
                files.append(f)
        return files

    def _kept(self, parts, decisions, ids, stats: StageStats, kschema) -> Iterator[pa.RecordBatch]:
        keep = decisions["keep"].to_numpy(zero_copy_only=False)
        cluster_ids = ids.take(pa.array(decisions["cluster"].to_numpy()))
        sizes: Counter = Counter()
        offset = 0
        for part in parts:
            t = read_table(part)
            sl = slice(offset, offset + t.num_rows)
            offset += t.num_rows
            t = t.append_column("dup_cluster_id", cluster_ids[sl]) \
                 .append_column("dup_cluster_size", decisions["cluster_size"][sl]) \
                 .append_column("dup_keep_reason", decisions["reason"][sl]).filter(pa.array(keep[sl]))
            sizes.update(t["dup_cluster_size"].to_pylist())
            yield from t.cast(kschema).to_batches(max_chunksize=4096)
        stats.extra["cluster_sizes"] = {str(k): v for k, v in sorted(sizes.items())}

    @classmethod
    def panels(cls, report: dict) -> list[Panel]:
        sizes = report.get("cluster_sizes", {})
        return [Panel("dedup-clusters", "Cluster sizes of the kept documents",
                      [(f"size {k}", v) for k, v in sorted(sizes.items(), key=lambda kv: int(kv[0]))])]

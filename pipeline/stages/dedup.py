"""Dedup: global exact + MinHash-LSH near dedup across all sources of the language (pipeline/dedup/).

The one corpus-wide stage: it runs after every unit is done, over the kept parts of all of them. The
engine computes a decision per document on disk; this stage turns the decisions into rows: the dropped
documents as `dedup:exact|near|url` rejections naming the document they duplicate (`dup_of`), the kept
ones streamed with their cluster id (the kept document's id) and cluster size.
"""
from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline import storage
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
        generator that also counts the kept documents' cluster sizes into `stats`) and the rejected files.
        One part and its decisions in memory at a time."""
        t0 = time.process_time()
        priority = {uid: e.priority for uid, e in self.ctx.sources.items()}
        decisions = run_dedup(parts, work, self.cfg, self.split, executor.map, executor.put, priority)
        stats.seconds += time.process_time() - t0
        done = json.loads((work / "decisions" / "done.json").read_text())
        stats.extra = {"cc_rounds": done["cc_rounds"], "steps_s": done["steps_s"], "params": self.cfg.model_dump(),
                       "clusters_with_duplicates": 0}
        rejected = self._rejected(parts, decisions, work / "rejected", stats, rschema)
        return self._kept(parts, decisions, stats, kschema), rejected

    def _rejected(self, parts, decisions, out_dir: Path, stats: StageStats, rschema) -> list[Path]:
        """Count every document and write the dropped ones' rows, before the kept ones stream (so the counts
        are complete up front). A part is read in batches: memory holds one batch and the part's dropped rows."""
        storage.rmtree(out_dir)
        files = []
        for i, (part, dfile) in enumerate(zip(parts, decisions)):
            dropped = []
            for t, d in _batches(part, dfile):
                keep = d["keep"].to_numpy(zero_copy_only=False)
                stats.extra["clusters_with_duplicates"] += int((keep & (d["cluster_size"].to_numpy() > 1)).sum())
                self._count(t, d, stats)
                drop = pa.array(np.nonzero(~keep)[0])
                if len(drop):
                    dropped.append(self._dropped_rows(t.take(drop), d.take(drop), stats))
            if dropped:
                f = out_dir / f"rejected-{i:05d}.parquet"
                write_atomic(pa.concat_tables(dropped).select(rschema.names).cast(rschema), f)
                files.append(f)
        return files

    @staticmethod
    def _count(t: pa.Table, d: pa.Table, stats: StageStats) -> None:
        """Documents and bytes in, out and dropped per source and rule."""
        g = pa.table({"source": t["source"], "rule": d["rule"].fill_null(""), "bytes": pc.binary_length(t["text"])}) \
            .group_by(["source", "rule"]).aggregate([("bytes", "count"), ("bytes", "sum")])
        for source, rule, docs, nbytes in zip(*(g[c].to_pylist() for c in ("source", "rule", "bytes_count", "bytes_sum"))):
            stats.add_many(source, docs, nbytes, rule or None)

    def _dropped_rows(self, r: pa.Table, d: pa.Table, stats: StageStats) -> pa.Table:
        """The dropped documents' rows with stage, rule, value, threshold, detail and the id they duplicate;
        the first few per rule become the report's examples."""
        near = pc.equal(d["rule"], "near")
        detail = pc.binary_join_element_wise("duplicate of ", d["dup_of_id"], "")
        r = r.append_column("stage", pa.array([self.name] * r.num_rows)) \
             .append_column("rule", d["rule"]).append_column("value", d["value"]) \
             .append_column("threshold", pc.if_else(near, self.cfg.jaccard_min, pa.scalar(None, pa.float64()))) \
             .append_column("detail", detail).append_column("dup_of", d["dup_of_id"])
        for rule in pc.unique(r["rule"]).to_pylist():
            for row in r.filter(pc.equal(r["rule"], rule)).slice(0, stats.max_examples).to_pylist():
                stats.example(rule, {k: row[k] for k in ("id", "source", "value", "threshold", "detail")}
                              | {"text": row["text"][:400]})
        return r

    def _kept(self, parts, decisions, stats: StageStats, kschema) -> Iterator[pa.RecordBatch]:
        sizes: Counter = Counter()
        for part, dfile in zip(parts, decisions):
            for t, d in _batches(part, dfile, ["keep", "cluster_id", "cluster_size", "reason"]):
                t = t.append_column("dup_cluster_id", d["cluster_id"]) \
                     .append_column("dup_cluster_size", d["cluster_size"]) \
                     .append_column("dup_keep_reason", d["reason"]).filter(d["keep"])
                values, counts = np.unique(t["dup_cluster_size"].to_numpy(), return_counts=True)
                sizes.update(dict(zip(values.tolist(), counts.tolist())))
                yield from t.cast(kschema).to_batches()
        stats.extra["cluster_sizes"] = {str(k): v for k, v in sorted(sizes.items())}

    @classmethod
    def panels(cls, report: dict) -> list[Panel]:
        sizes = report.get("cluster_sizes", {})
        return [Panel("dedup-clusters", "Cluster sizes of the kept documents",
                      [(f"size {k}", v) for k, v in sorted(sizes.items(), key=lambda kv: int(kv[0]))])]


def _batches(part: Path, dfile: Path, columns: list[str] | None = None, size: int = 4096) -> Iterator[tuple[pa.Table, pa.Table]]:
    """A part's rows in batches, each with the same rows of its decision file."""
    d = read_table(dfile, columns=columns)
    offset = 0
    for batch in storage.parquet_file(part).iter_batches(batch_size=size):
        yield pa.Table.from_batches([batch]), d.slice(offset, batch.num_rows)
        offset += batch.num_rows

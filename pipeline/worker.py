"""One unit of work (one input file of one source) through ingest and every per-document stage.

`UnitWorker` is a plain class: it builds the stages once in `__init__` (so models load once per
worker) and `process(unit)` streams the file in batches, runs the stages, writes kept and rejected
documents to part files and, last of all, `stats.json`. A unit folder with `stats.json` is complete;
one without it was interrupted and is redone from scratch, so a rerun never loses or duplicates a
document. The DAG module runs these workers as Ray actors; tests call them directly.
"""
from __future__ import annotations

import json
import resource
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from pipeline.catalogue import Source
from pipeline.config import RunConfig
from pipeline.record import Document, Rejection
from pipeline.errors import UserError
from pipeline.readers import source_items
from pipeline.audit.remove import load_removals, match
from pipeline.reports import REMOVED, StageStats
from pipeline.shards import docs_table, rejections_table, write_atomic, write_json_atomic
from pipeline.stages import StageContext, build_stages, stage_columns

ProgressFn = Callable[[int, int], None]  # (documents, bytes) just processed


@dataclass(frozen=True)
class Unit:
    key: str
    source: Source
    file: Path
    dir: Path

    @property
    def done(self) -> bool:
        return (self.dir / "stats.json").exists()


@dataclass(frozen=True)
class UnitResult:
    key: str
    ok: bool
    error: str = ""
    docs: int = 0


def batched(items: Iterator, n: int) -> Iterator[list]:
    batch = []
    for x in items:
        batch.append(x)
        if len(batch) >= n:
            yield batch
            batch = []
    if batch:
        yield batch


class UnitWorker:
    def __init__(self, config: RunConfig, lang: str, sources: list[Source]):
        self.config, self.lang = config, lang
        self.stages = build_stages(StageContext(config, lang, {s.uid: s.entry for s in sources}))
        self.columns = stage_columns(self.stages)
        # Documents any stage drops are redacted by the PII stage before they reach a report or rejected set.
        self.scrubber = next((s for s in self.stages if hasattr(s, "scrub")), None)
        self.scrub_seconds = 0.0  # CPU time of that redaction, added to the PII stage's seconds
        self.removals = load_removals(config.removals, lang)

    def _removed(self, docs: list[Document]) -> list[bool]:
        """Which documents an opt-out request (removals/<lang>.jsonl) names."""
        if not self.removals:
            return [False] * len(docs)
        table = pa.table({"id": [d.id for d in docs], "source": [d.source for d in docs],
                          "text": [d.text for d in docs], "url_or_path": [d.url_or_path for d in docs]})
        return match(table, self.removals).tolist()

    def _scrub(self, rejected: list[Rejection]) -> list[int]:
        """Redact rejected documents in place (if a PII stage runs); returns their sizes before redaction."""
        sizes = [len(r.doc.text.encode("utf-8", "surrogatepass")) for r in rejected]
        if self.scrubber is not None and rejected:
            t0 = time.process_time()
            self.scrubber.scrub(rejected)
            self.scrub_seconds += time.process_time() - t0
        return sizes

    def process(self, unit: Unit, progress: ProgressFn | None = None) -> UnitResult:
        try:
            return self._process(unit, progress)
        except UserError as e:
            return UnitResult(unit.key, ok=False, error=str(e))

    def _process(self, unit: Unit, progress: ProgressFn | None) -> UnitResult:
        cfg = self.config
        shutil.rmtree(unit.dir, ignore_errors=True)  # a partial earlier attempt is redone whole
        unit.dir.mkdir(parents=True)
        stats = [StageStats("ingest", max_examples=cfg.report_examples)]
        stats += [StageStats(s.name, max_examples=cfg.report_examples) for s in self.stages]
        kept_buf: list[Document] = []
        rej_buf: list[Rejection] = []
        parts = 0
        total = 0

        def flush() -> None:
            nonlocal parts, kept_buf, rej_buf
            write_atomic(docs_table(kept_buf, self.columns), unit.dir / f"kept-{parts:05d}.parquet")
            write_atomic(rejections_table(rej_buf, self.columns), unit.dir / f"rejected-{parts:05d}.parquet")
            parts += 1
            kept_buf, rej_buf = [], []

        def documents() -> Iterator:
            return source_items(unit.source, unit.file, self.lang, cfg.ingest.max_doc_bytes)

        for stage in self.stages:
            if getattr(stage, "wants_prepass", lambda _uid: False)(unit.source.uid):
                stage.prepass(unit.source.uid, (d for d in documents() if isinstance(d, Document)))
        items = documents()
        t_read = time.process_time()
        for batch in batched(items, cfg.batch_docs):
            t = time.process_time()
            docs = [x for x in batch if isinstance(x, Document)]
            rejected = [x for x in batch if isinstance(x, Rejection)]
            ingest_in = [x.doc if isinstance(x, Rejection) else x for x in batch]
            ingest_sizes = [len(d.text.encode("utf-8", "surrogatepass")) for d in ingest_in]
            removed = {id(d): size for d, size, hit in zip(ingest_in, ingest_sizes, self._removed(ingest_in)) if hit}
            if removed:  # opt-outs leave here: counted at ingest, never written to a part or a report
                docs = [d for d in docs if id(d) not in removed]
                rejected = [r for r in rejected if id(r.doc) not in removed]
            gone = [Rejection(d, "ingest", REMOVED, None, None) for d in ingest_in if id(d) in removed]
            stats[0].record(ingest_in, docs, rejected + gone, t - t_read, bytes_in=ingest_sizes,
                            bytes_dropped=self._scrub(rejected) + [removed[id(r.doc)] for r in gone])
            rej_buf.extend(rejected)
            in_bytes = sum(len(d.text.encode("utf-8", "surrogatepass")) for d in docs)
            for stage, st in zip(self.stages, stats[1:]):
                sizes = [len(d.text.encode("utf-8", "surrogatepass")) for d in docs]
                t0 = time.process_time()
                kept, dropped = stage(docs)
                seconds = time.process_time() - t0
                dropped_sizes = self._scrub(dropped) if stage is not self.scrubber else None
                st.record(docs, kept, dropped, seconds, bytes_in=sizes, bytes_dropped=dropped_sizes)
                rej_buf.extend(dropped)
                docs = kept
            for stage, st in zip(self.stages, stats[1:]):
                st.collect(stage)
                if stage is self.scrubber:
                    st.seconds += self.scrub_seconds
                    self.scrub_seconds = 0.0
            kept_buf.extend(docs)
            total += len(batch)
            if progress:
                progress(len(batch), in_bytes)
            if len(kept_buf) + len(rej_buf) >= cfg.part_docs:
                flush()
            t_read = time.process_time()
        flush()
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        write_json_atomic({"unit": unit.key, "file": str(unit.file), "parts": parts, "peak_rss_mb": round(peak_mb, 1),
                           "stages": [s.to_dict() for s in stats]}, unit.dir / "stats.json")
        return UnitResult(unit.key, ok=True, docs=total)


def load_unit_stats(unit: Unit) -> dict:
    return json.loads((unit.dir / "stats.json").read_text(encoding="utf-8"))

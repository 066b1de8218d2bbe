"""One unit of work (one input file of one source) through every per-document stage, ingest first.

`UnitWorker` is a plain class: it builds the stages once in `__init__` (so models load once per
worker) and `process(unit)` streams the file in batches through `StageChain`, writes kept and rejected
documents to part files and, last of all, `stats.json`. A unit folder with `stats.json` is complete;
one without it was interrupted and is redone from scratch, so a rerun never loses or duplicates a
document. Executors run these workers (pipeline/executors/); tests call them directly.
"""
from __future__ import annotations

import errno
import json
import resource
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline import storage
from pipeline.base import utf8_len
from pipeline.catalogue import Source
from pipeline.errors import UserError
from pipeline.faults import failpoint
from pipeline.readers import Part
from pipeline.record import Document, Rejection
from pipeline.reports import StageStats
from pipeline.shards import docs_table, rejections_table, write_atomic, write_json_atomic
from pipeline.snapshot import local_snapshot
from pipeline.stages import StageContext, build_stages, stage_columns
from pipeline.stages.base import Stage
from pipeline.stages.ingest import Ingest

ProgressFn = Callable[[int, int], None]  # (documents, bytes) just processed


@dataclass(frozen=True)
class Unit:
    key: str
    source: Source
    file: str
    dir: Path
    skip: frozenset[int] = frozenset()
    """Keys of native ids an earlier file of the same source holds: those records are duplicates here."""
    size: int = 0
    """Input bytes (on disk) of the unit, for the executor choice and the progress bar's ETA."""
    part: Part | None = None
    """The part of the file this unit reads (a byte range of plain JSONL, row groups of Parquet); None: all."""

    @property
    def done(self) -> bool:
        return (self.dir / "stats.json").exists()


@dataclass(frozen=True)
class UnitResult:
    key: str
    ok: bool
    error: str = ""
    docs: int = 0
    size: int = 0
    """The unit's input bytes (for the progress bar)."""


def batched(items: Iterable, n: int) -> Iterator[list]:
    batch = []
    for x in items:
        batch.append(x)
        if len(batch) >= n:
            yield batch
            batch = []
    if batch:
        yield batch


class StageChain:
    """The stages in order over one batch: each stage's drops are offered to the later stages' `scrub`
    (the PII stage redacts what earlier stages dropped) and counted, with their sizes before redaction."""

    def __init__(self, stages: list[Stage], stats: list[StageStats] | None = None):
        self.stages, self.stats = stages, stats

    def __call__(self, items: list, read_seconds: float = 0.0) -> tuple[list[Document], list[Rejection]]:
        """Kept documents and the rejections to store (documents removed on request are counted only)."""
        stored: list[Rejection] = []
        for i, stage in enumerate(self.stages):
            docs_in = [x.doc if isinstance(x, Rejection) else x for x in items]
            sizes = [utf8_len(d.text) for d in docs_in]
            t0 = time.process_time()
            out = stage(items)
            seconds = time.process_time() - t0 + (read_seconds if i == 0 else 0.0)
            dropped = [utf8_len(r.doc.text) for r in out.rejected]
            keep = [r for r in out.rejected if r.stored]
            for j, later in enumerate(self.stages[i + 1:], start=i + 1):
                t1 = time.process_time()
                tally = later.scrub(keep) if keep else None
                if tally is not None and self.stats:
                    self.stats[j].add_tally(tally, time.process_time() - t1)
            if self.stats:
                self.stats[i].record(docs_in, out.kept, out.rejected, seconds, bytes_in=sizes, bytes_dropped=dropped)
                self.stats[i].add_tally(out.tally)
            stored.extend(keep)
            items = out.kept
        return items, stored


class UnitWorker:
    def __init__(self, config, lang: str, sources: list[Source], snapshot: Path | None = None,
                 removals: list | None = None):
        self.config, self.lang = config, lang
        local = local_snapshot(snapshot) if snapshot is not None else None  # models load from local files
        ctx = StageContext(config, lang, {s.uid: s.entry for s in sources}, removals, local)
        self.ingest = Ingest(ctx)
        self.stages = [self.ingest, *build_stages(ctx)]
        self.columns = stage_columns(self.stages)

    def process(self, unit: Unit, progress: ProgressFn | None = None) -> UnitResult:
        """Run one unit; any failure is returned (and its traceback kept in the unit's error.txt), never raised,
        so the other units go on and the run reports every failed one in one message."""
        try:
            return self._process(unit, progress)
        except UserError as e:
            return UnitResult(unit.key, ok=False, error=str(e), size=unit.size)
        except OSError as e:
            if e.errno in (errno.ENOSPC, errno.EDQUOT):
                return UnitResult(unit.key, ok=False, error=f"disk full writing {e.filename or unit.dir}", size=unit.size)
            return self._failed(unit, e)
        except Exception as e:
            return self._failed(unit, e)

    def _failed(self, unit: Unit, e: Exception) -> UnitResult:
        try:
            storage.write_bytes(unit.dir / "error.txt", traceback.format_exc().encode("utf-8"))
        except OSError:
            pass
        return UnitResult(unit.key, ok=False, error=f"{type(e).__name__}: {e} (traceback in {unit.dir / 'error.txt'})",
                          size=unit.size)

    def _prepass(self, source: Source, file: str, skip: frozenset[int] = frozenset()) -> None:
        for stage in self.stages[1:]:
            if stage.wants_prepass(source.uid):
                stage.prepass(source.uid, (d for d in self.ingest.read(source, file, skip) if isinstance(d, Document)))

    def kept_documents(self, source: Source, file: str) -> Iterator[Document]:
        """The documents of one input file that pass every stage (nothing counted, nothing written)."""
        self._prepass(source, file)
        chain = StageChain(self.stages)
        for batch in batched(self.ingest.read(source, file), self.config.batch_docs):
            yield from chain(batch)[0]

    def _process(self, unit: Unit, progress: ProgressFn | None) -> UnitResult:
        stats = [StageStats(s.name, max_examples=self.config.report_examples) for s in self.stages]
        chain = StageChain(self.stages, stats)
        out = UnitOutput(unit.dir, self.columns, self.config.part_docs)
        self._prepass(unit.source, unit.file, unit.skip)
        ids: list[int] = []
        total = 0
        t_read = time.process_time()
        for batch in batched(self.ingest.read(unit.source, unit.file, unit.skip, ids, unit.part), self.config.batch_docs):
            read_seconds = time.process_time() - t_read
            out.add(*chain(batch, read_seconds))
            total += len(batch)
            if progress:
                progress(len(batch), sum(utf8_len(d.text) for d in batch if isinstance(d, Document)))
            t_read = time.process_time()
        out.close(unit, stats, ids)
        return UnitResult(unit.key, ok=True, docs=total, size=unit.size)


class UnitOutput:
    """What a unit writes into its folder: kept and rejected parts every `part_docs` documents (bounding memory),
    then the claimed native ids and, last of all, `stats.json`, which marks the unit done."""

    def __init__(self, folder: Path, columns: dict, part_docs: int):
        self.folder, self.columns, self.part_docs = folder, columns, part_docs
        self.kept: list[Document] = []
        self.rejected: list[Rejection] = []
        self.parts = 0
        storage.rmtree(folder)  # a partial earlier attempt is redone whole
        folder.mkdir(parents=True, exist_ok=True)

    def add(self, kept: list[Document], rejected: list[Rejection]) -> None:
        self.kept.extend(kept)
        self.rejected.extend(rejected)
        if len(self.kept) + len(self.rejected) >= self.part_docs:
            self.flush()

    def flush(self) -> None:
        write_atomic(docs_table(self.kept, self.columns), self.folder / f"kept-{self.parts:05d}.parquet")
        write_atomic(rejections_table(self.rejected, self.columns), self.folder / f"rejected-{self.parts:05d}.parquet")
        self.parts += 1
        self.kept, self.rejected = [], []

    def close(self, unit: Unit, stats: list[StageStats], ids: list[int]) -> None:
        self.flush()
        if unit.source.entry.read.id_field:  # for the check of native ids across the source's files
            storage.save_array(self.folder / "native_ids.npy", np.array(ids, dtype=np.uint64))
        failpoint("unit:before_stats")
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        write_json_atomic({"unit": unit.key, "file": str(unit.file), "parts": self.parts, "peak_rss_mb": round(peak_mb, 1),
                           "stages": [s.to_dict() for s in stats]}, self.folder / "stats.json")


def load_unit_stats(unit: Unit) -> dict:
    return json.loads((unit.dir / "stats.json").read_text(encoding="utf-8"))

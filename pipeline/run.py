"""Plan a run for one language, execute its units on an executor, run the corpus-wide stage, publish.

Layout under <output>/<lang>/:
  data/part-*.parquet       kept documents, with every measured value
  rejected/part-*.parquet   dropped documents with stage, rule, value, threshold
  reports/<stage>.json      per stage: docs/bytes in, out, dropped per rule, per source, examples
  reports/run.json          the run: documents in / kept / rejected / removed, seconds, units resumed
  manifest.json             every shard with rows, bytes and sha256 (pipeline/manifest.py)
  _work/<config hash>/      per-unit intermediate parts; a rerun resumes from here

`Run` only orchestrates: the worker runs the stages (pipeline/worker.py), the reports module merges
their statistics, the dedup stage owns its rows, the manifest checks its own counts. Documents (report.html,
the data card) are written by the callables given as `writers`, which the CLI composes from pipeline/audit/.
"""
from __future__ import annotations

import functools
import hashlib
import re
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.base import stable_hash
from pipeline.catalogue import Source, sources_for
from pipeline.errors import UserError
from pipeline.executors import make_executor
from pipeline.manifest import Manifest, RemovalNote, Shard, SourceInfo
from pipeline.progress import Progress
from pipeline.removals import REMOVED, load_removals
from pipeline.reports import StageStats, check_conservation, merge_units, write_stage_reports
from pipeline.shards import compact, kept_schema, rejected_schema, write_json_atomic
from pipeline.stages import StageContext, build_stages, corpus_stages, stage_columns
from pipeline.stages.ingest import Ingest
from pipeline.worker import Unit, UnitWorker, load_unit_stats

Writer = Callable[[Path, "Run"], None]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[-80:]


def file_signature(path: Path) -> str:
    """Size and mtime of a file or of every file in a folder: a changed input gets a new unit key."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return stable_hash([(str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files], 12)


def language_fingerprint(ctx: StageContext) -> str | None:
    """Hash of the language YAML and every file it names (word lists, models), if a stage uses it."""
    if not {"langid", "quality", "pii"} & set(ctx.config.stages):
        return None
    files = [ctx.language_file]
    lang = ctx.language
    files += [Path(ctx.config.languages) / p for p in [lang.stopwords, *(getattr(f, "list", None) for f in lang.filters)] if p]
    return stable_hash([(str(f), hashlib.sha256(f.read_bytes()).hexdigest()) for f in files if f.is_file()])


class Run:
    def __init__(self, config, lang: str, sources: list[Source] | None = None, writers: Sequence[Writer] = ()):
        self.config, self.lang, self.writers = config, lang, list(writers)
        self.sources = sources if sources is not None else sources_for(config.catalogue, lang)
        self.ctx = StageContext(config, lang, {s.uid: s.entry for s in self.sources})
        # Building the stages here validates the language YAML, word lists and models before any work.
        stages = [Ingest(self.ctx), *build_stages(self.ctx)]
        self.wide = corpus_stages(self.ctx)
        self.columns = stage_columns(stages)
        self.stage_names = [s.name for s in stages + self.wide]
        self.language_file = self.ctx.language_file
        self.out = Path(config.output) / lang
        self.removals = load_removals(config.removals, lang)
        self.config_hash = stable_hash({"lang": lang, "stages": config.stage_params(),
                                        "removals": [r.model_dump() for r in self.removals],
                                        "language": language_fingerprint(self.ctx),
                                        "sources": [s.entry.model_dump(mode="json") for s in self.sources]})
        self.work = self.out / "_work" / self.config_hash
        keys = [f"{s.uid}--{_slug(f.name)}-{hashlib.sha1(str(f).encode()).hexdigest()[:8]}-{file_signature(f)}"
                for s in self.sources for f in s.files]
        self.units = [Unit(k, s, f, self.work / "units" / k)
                      for k, (s, f) in zip(keys, [(s, f) for s in self.sources for f in s.files])]

    def pending(self) -> list[Unit]:
        return [u for u in self.units if not u.done]

    def execute(self, progress: bool = True) -> dict:
        t0 = time.time()
        todo = self.pending()
        executor = make_executor(self.config.executor, self.config.workers)
        if todo:
            bar = Progress(len(todo), progress)
            try:
                results = executor.run_units(functools.partial(UnitWorker, self.config, self.lang, self.sources),
                                             todo, bar)
            finally:
                bar.close()
            failed = [r for r in results if not r.ok]
            if failed:
                raise UserError("\n".join(f"{r.key}: {r.error}" for r in failed))
        manifest, peak = self.finalise(executor)
        summary = {"lang": self.lang, "config_hash": self.config_hash, "documents_in": manifest.documents_in,
                   "documents_kept": manifest.documents_kept, "documents_rejected": manifest.documents_rejected,
                   "documents_removed": manifest.documents_removed, "worker_peak_rss_mb": peak,
                   "output": str(self.out), "seconds": round(time.time() - t0, 2), "units": len(self.units),
                   "units_resumed": len(self.units) - len(todo)}
        write_json_atomic(summary, self.out / "reports" / "run.json")
        for write in self.writers:  # after run.json: a page shows the run's wall time
            write(self.out, self)
        return summary

    def finalise(self, executor) -> tuple[Manifest, float]:
        """Merge the units' statistics, run the corpus-wide stage, write shards, reports and the manifest."""
        unit_stats = [load_unit_stats(u) for u in self.units]
        merged = merge_units(unit_stats, self.config.report_examples)
        peak = max((us["peak_rss_mb"] for us in unit_stats), default=0.0)
        kept_parts = sorted(p for u in self.units for p in u.dir.glob("kept-*.parquet"))
        rej_parts = sorted(p for u in self.units for p in u.dir.glob("rejected-*.parquet"))
        kschema, rschema = kept_schema(self.columns), rejected_schema(self.columns)
        kept_batches = (b for p in kept_parts for b in pq.ParquetFile(p).iter_batches(batch_size=4096))
        for stage in self.wide:
            for name, t in stage.kept_columns.items():
                kschema = kschema.append(pa.field(name, t))
            for name, t in stage.rejected_columns.items():
                rschema = rschema.append(pa.field(name, t))
            stats = StageStats(stage.name, max_examples=self.config.report_examples)
            kept_batches, more = stage.run(kept_parts, self.work / stage.name, executor, stats, kschema, rschema)
            rej_parts += more
            merged.append(stats)
        rej_batches = (b for p in rej_parts for b in pq.ParquetFile(p).iter_batches(batch_size=4096))
        data = compact(kept_batches, kschema, self.out / "data", self.config.shard_bytes)
        rejected = compact(rej_batches, rschema, self.out / "rejected", self.config.shard_bytes)
        check_conservation(merged)
        write_stage_reports(merged, self.out / "reports", {"lang": self.lang, "config_hash": self.config_hash,
                                                          "worker_peak_rss_mb": peak})
        first, last = merged[0].totals, merged[-1].totals
        manifest = Manifest.checked(
            lang=self.lang, config_hash=self.config_hash, stages=self.stage_names,
            language_file=str(self.language_file),
            sources={s.uid: SourceInfo(licence=s.entry.licence.text, licence_class=s.entry.licence.class_,
                                       files=[str(f) for f in s.files]) for s in self.sources},
            documents_in=first["docs_in"], documents_kept=last["docs_out"],
            documents_rejected=sum(r["rows"] for r in rejected),
            documents_removed=first["dropped"].get(REMOVED, {}).get("docs", 0),  # opt-outs, dropped at ingest
            removals=[RemovalNote(at=r.at, reason=r.reason) for r in self.removals],
            data=[Shard(**d) for d in data], rejected=[Shard(**r) for r in rejected])
        manifest.write(self.out / "manifest.json")
        for other in (self.out / "_work").iterdir():  # intermediate results of other configs are stale
            if other.name != self.config_hash:
                shutil.rmtree(other, ignore_errors=True)
        return manifest, peak

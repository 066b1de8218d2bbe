"""Plan a run for one language, execute its units (locally or on Ray), and finalise the outputs.

Layout under <output>/<lang>/:
  data/part-*.parquet       kept documents, with every measured value
  rejected/part-*.parquet   dropped documents with stage, rule, value, threshold
  reports/<stage>.json      per stage: docs/bytes in, out, dropped per rule, per source, examples
  reports/run.json          the run: config, sources, seconds, peak memory
  manifest.json             every shard with rows, bytes and sha256
  _work/<config hash>/      per-unit intermediate parts; a rerun resumes from here
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from pathlib import Path

from pipeline.catalogue import Source, sources_for
from pipeline.config import RunConfig, stable_hash
from pipeline.errors import UserError
from pipeline.reports import StageStats, check_conservation
from pipeline.shards import compact, kept_schema, rejected_schema, write_json_atomic
from pipeline.stages import StageContext, build_stages, stage_columns
from pipeline.worker import Unit, UnitResult, UnitWorker, load_unit_stats


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[-80:]


def file_signature(path: Path) -> str:
    """Size and mtime of a file or of every file in a folder: a changed input gets a new unit key."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return stable_hash([(str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files], 12)


def language_fingerprint(ctx: StageContext) -> str | None:
    """Hash of the language YAML and every file it names (word lists, models), if a stage uses it."""
    if not {"langid", "quality"} & set(ctx.config.stages):
        return None
    files = [ctx.language_file]
    lang = ctx.language
    files += [Path(ctx.config.languages) / p for p in [lang.stopwords, *(getattr(f, "list", None) for f in lang.filters)] if p]
    return stable_hash([(str(f), hashlib.sha256(f.read_bytes()).hexdigest()) for f in files if f.is_file()])


class Run:
    def __init__(self, config: RunConfig, lang: str, sources: list[Source] | None = None):
        self.config, self.lang = config, lang
        self.sources = sources if sources is not None else sources_for(config.catalogue, lang)
        ctx = StageContext(config, lang, {s.uid: s.entry for s in self.sources})
        # Building the stages here validates the language YAML, word lists and models before any work.
        self.columns = stage_columns(build_stages(ctx))
        self.language_file = ctx.language_file
        self.out = Path(config.output) / lang
        self.config_hash = stable_hash({"lang": lang, "stages": config.stage_params(),
                                        "language": language_fingerprint(ctx),
                                        "sources": [s.entry.model_dump(mode="json") for s in self.sources]})
        self.work = self.out / "_work" / self.config_hash
        self.units = [
            Unit(key=f"{s.uid}--{_slug(f.name)}-{hashlib.sha1(str(f).encode()).hexdigest()[:8]}-{file_signature(f)}",
                 source=s, file=f, dir=self.work / "units")
            for s in self.sources for f in s.files
        ]
        self.units = [Unit(u.key, u.source, u.file, u.dir / u.key) for u in self.units]

    def pending(self) -> list[Unit]:
        return [u for u in self.units if not u.done]

    def execute(self, progress: bool = True) -> dict:
        t0 = time.time()
        todo = self.pending()
        resumed = len(self.units) - len(todo)
        if todo:
            if self.config.executor == "ray":
                from pipeline.dag import run_units_on_ray

                results = run_units_on_ray(self.config, self.lang, self.sources, todo, progress)
            else:
                results = run_units_locally(self.config, self.lang, self.sources, todo, progress)
            failed = [r for r in results if not r.ok]
            if failed:
                raise UserError("\n".join(f"{r.key}: {r.error}" for r in failed))
        summary = self.finalise()
        summary.update(seconds=round(time.time() - t0, 2), units=len(self.units), units_resumed=resumed)
        write_json_atomic(summary, self.out / "reports" / "run.json")
        return summary

    def finalise(self) -> dict:
        unit_stats = [load_unit_stats(u) for u in self.units]
        n_examples = self.config.report_examples
        merged: list[StageStats] = []
        for us in unit_stats:
            for i, sd in enumerate(us["stages"]):
                st = StageStats.from_dict(sd, n_examples)
                if i == len(merged):
                    merged.append(StageStats(st.stage, max_examples=n_examples))
                merged[i].merge(st)
        check_conservation(merged)
        peak = max((us["peak_rss_mb"] for us in unit_stats), default=0.0)
        reports = self.out / "reports"
        for old in reports.glob("*.json") if reports.exists() else []:
            old.unlink()
        for st in merged:
            write_json_atomic({**st.to_dict(), "lang": self.lang, "config_hash": self.config_hash,
                               "worker_peak_rss_mb": peak}, reports / f"{st.stage}.json")
        kept_parts = sorted(p for u in self.units for p in u.dir.glob("kept-*.parquet"))
        rej_parts = sorted(p for u in self.units for p in u.dir.glob("rejected-*.parquet"))
        data = compact(kept_parts, kept_schema(self.columns), self.out / "data", self.config.shard_bytes)
        rejected = compact(rej_parts, rejected_schema(self.columns), self.out / "rejected", self.config.shard_bytes)
        first, last = merged[0].totals, merged[-1].totals
        manifest = {
            "lang": self.lang, "config_hash": self.config_hash,
            "stages": ["ingest", *self.config.stages], "language_file": str(self.language_file),
            "sources": {s.uid: {"licence": s.entry.licence.text, "licence_class": s.entry.licence.class_,
                                "files": [str(f) for f in s.files]} for s in self.sources},
            "documents_in": first["docs_in"], "documents_kept": last["docs_out"],
            "documents_rejected": sum(r["rows"] for r in rejected),
            "data": data, "rejected": rejected,
        }
        assert manifest["documents_kept"] == sum(d["rows"] for d in data)
        assert manifest["documents_in"] == manifest["documents_kept"] + manifest["documents_rejected"]
        write_json_atomic(manifest, self.out / "manifest.json")
        for other in (self.out / "_work").iterdir():  # intermediate results of other configs are stale
            if other.name != self.config_hash:
                shutil.rmtree(other, ignore_errors=True)
        return {"lang": self.lang, "config_hash": self.config_hash, "documents_in": first["docs_in"],
                "documents_kept": last["docs_out"], "documents_rejected": manifest["documents_rejected"],
                "worker_peak_rss_mb": peak, "output": str(self.out)}


class Progress:
    """A tqdm bar over units, with documents/s and MB/s in the postfix."""

    def __init__(self, total_units: int, enabled: bool):
        from tqdm import tqdm

        self.bar = tqdm(total=total_units, unit="file", disable=not enabled, dynamic_ncols=True)
        self.docs = 0
        self.bytes = 0
        self.t0 = time.time()

    def add(self, docs: int, nbytes: int) -> None:
        self.docs += docs
        self.bytes += nbytes
        dt = max(time.time() - self.t0, 1e-9)
        self.bar.set_postfix_str(f"{self.docs:,} docs, {self.docs / dt:,.0f} docs/s, {self.bytes / dt / 1e6:.1f} MB/s")

    def unit_done(self) -> None:
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def run_units_locally(config: RunConfig, lang: str, sources: list[Source], units: list[Unit],
                      progress: bool) -> list[UnitResult]:
    worker = UnitWorker(config, lang, sources)
    bar = Progress(len(units), progress)
    results = []
    try:
        for u in units:
            results.append(worker.process(u, bar.add))
            bar.unit_done()
    finally:
        bar.close()
    return results


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)

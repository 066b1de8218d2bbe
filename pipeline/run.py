"""Plan a run for one language, execute its units on an executor, run the corpus-wide stage, publish.

A published build (`<output>/<lang>/`, a link to its version folder: pipeline/layout.py):
  data/part-*.parquet       kept documents, with every measured value
  rejected/part-*.parquet   dropped documents with stage, rule, value, threshold
  reports/<stage>.json      per stage: docs/bytes in, out, dropped per rule, per source, examples
  reports/run.json          the run: documents in / kept / rejected / removed, seconds, units resumed
  manifest.json             every shard with rows, bytes and sha256 (pipeline/manifest.py)
Intermediate results live in `<output>/.<lang>/work/<config hash>/`: the run snapshot (pipeline/snapshot.py)
and one folder per unit of work (an input file); a rerun resumes from them.

`Run` only orchestrates: the worker runs the stages (pipeline/worker.py), the reports module merges
their statistics, the dedup stage owns its rows, the manifest checks its own counts. Documents (report.html,
the data card) are written by the callables given as `writers`, which the CLI composes from pipeline/audit/.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa

from pipeline import storage
from pipeline.base import default_workers, stable_hash
from pipeline.catalogue import Source, sources_for
from pipeline.errors import UserError
from pipeline.executors import make_executor
from pipeline.faults import failpoint
from pipeline.layout import OutputLayout, disk_errors
from pipeline.manifest import Manifest, RemovalNote, Shard, SourceInfo
from pipeline.progress import Progress
from pipeline.readers import number_lines, plan_parts
from pipeline.removals import REMOVED, load_removals
from pipeline.reports import StageStats, check_conservation, merge_units, write_stage_reports
from pipeline.shards import SCHEMA_VERSION, compact, kept_schema, rejected_schema, write_json_atomic
from pipeline.snapshot import local_snapshot, take_snapshot
from pipeline.stages import BY_NAME, StageContext, build_stages, corpus_stages, stage_columns
from pipeline.stages.ingest import Ingest
from pipeline.worker import Unit, UnitWorker, load_unit_stats

Writer = Callable[[Path, "Run"], None]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[-80:]


def claimed_before(keys: list[np.ndarray]) -> list[list[int]]:
    """Per unit (in order), the native id keys that an earlier unit also holds: numpy arrays sorted once (8 bytes
    per document and its unit number), no Python set of every id."""
    if not keys:
        return []
    key = np.concatenate(keys)
    unit = np.repeat(np.arange(len(keys), dtype=np.int32), [len(k) for k in keys])
    order = np.lexsort((unit, key))
    key, unit = key[order], unit[order]
    first = np.concatenate([[True], key[1:] != key[:-1]]) if len(key) else np.zeros(0, bool)
    first_unit = unit[np.maximum.accumulate(np.where(first, np.arange(len(key)), 0))]
    again = unit > first_unit
    u, k = unit[again], key[again]
    o = np.argsort(u, kind="stable")
    bounds = np.searchsorted(u[o], np.arange(len(keys) + 1))
    return [np.unique(k[o][a:b]).tolist() for a, b in zip(bounds[:-1], bounds[1:])]


def run_units(executor, make_worker: Callable, units: Sequence, progress: bool, label: str) -> None:
    """Run `units` (each with a `size`) on `executor` behind a progress bar; if any failed, stop with one line
    per failed unit (the others are done: a rerun retries only these)."""
    if not units:
        return
    bar = Progress(sum(u.size for u in units), progress, label)
    try:
        results = executor.run_units(make_worker, units, bar)
    finally:
        bar.close()
    failed = [r for r in results if not r.ok]
    if failed:
        raise UserError(f"{len(failed)} of {len(units)} unit(s) failed; the other units are done and a rerun "
                        "retries only these:\n" + "\n".join(f"  {r.key}: {r.error}" for r in failed))


class Run:
    def __init__(self, config, lang: str, sources: list[Source] | None = None, writers: Sequence[Writer] = ()):
        config = config.absolute()  # workers anywhere get the same paths
        self.layout = OutputLayout(config.output, lang)  # refuses a `lang` that is not a language code
        self.config, self.lang, self.writers = config, lang, list(writers)
        self.sources = sources if sources is not None else sources_for(config.catalogue, lang, config.data_roots)
        entries = {s.uid: s.entry for s in self.sources}
        self.removals = load_removals(config.removals, lang)
        disk = StageContext(config, lang, entries, self.removals)
        self.language_file = disk.language_file
        self.snapshot = take_snapshot(disk, [Ingest, *(BY_NAME[n] for n in config.stages)])
        self.config_hash = stable_hash({"lang": lang, "schema": SCHEMA_VERSION, "stages": config.stage_params(),
                                        "snapshot": self.snapshot.digest,
                                        "removals": [r.model_dump() for r in self.removals],
                                        "sources": [s.entry.model_dump(mode="json") for s in self.sources]})
        self.work = self.layout.work / self.config_hash
        with disk_errors(self.work):
            self.snapshot_loc = self.snapshot.write(self.work / "snapshot")  # where workers find it (a URI, maybe)
            self.ctx = StageContext(config, lang, entries, self.removals, local_snapshot(self.snapshot_loc))
        # Building the stages validates the language file, word lists and models (the snapshot's) before any work.
        stages = [Ingest(self.ctx), *build_stages(self.ctx)]
        self.stages = stages
        self.wide = corpus_stages(self.ctx)
        self.columns = stage_columns(stages)
        self.stage_names = [s.name for s in stages + self.wide]
        self.units = self.plan()

    def plan(self) -> list[Unit]:
        """One unit per input file, or per part of a big one (`unit_bytes`; not for a source a stage must see
        whole, e.g. to count repeated lines); a unit whose records repeat ids of an earlier unit of its source
        (found by an earlier execution) carries those ids as its `skip` set (work/duplicates.json)."""
        dup_file = self.work / "duplicates.json"
        skips = json.loads(dup_file.read_text()) if dup_file.is_file() else {}
        whole = {s.uid for s in self.sources if any(st.wants_prepass(s.uid) for st in self.stages)}
        units, self.file_keys = [], {}
        for s in self.sources:
            for f in s.files:
                signature, size = storage.signature(f)
                key = f"{s.uid}--{_slug(storage.name(f))}-{hashlib.sha1(f.encode()).hexdigest()[:8]}-{signature}"
                parts = None if s.uid in whole else plan_parts(s.entry, f, size, self.config.unit_bytes)
                for i, part in enumerate(parts or [None]):
                    pkey = key if part is None else f"{key}-p{i:04d}"
                    skip = frozenset(int(x) for x in skips.get(pkey, []))
                    ukey = f"{pkey}-skip{stable_hash(sorted(skip), 8)}" if skip else pkey
                    psize = size if part is None else size // len(parts) if s.entry.read.kind == "parquet" else \
                        part.end - part.start
                    units.append(Unit(ukey, s, f, self.work / "units" / ukey, skip, psize, part))
                    self.file_keys[ukey] = pkey
        return units

    def _number_lines(self, executor) -> None:
        """Fill in the first line number of the pending byte-range units of plain JSONL (one counting pass)."""
        files = {u.file for u in self.pending() if u.part is not None and u.part.first == 0}
        for f in files:
            mine = [u for u in self.units if u.file == f]
            numbered = number_lines(f, [u.part for u in mine], executor.map)
            by_key = {u.key: dataclasses.replace(u, part=p) for u, p in zip(mine, numbered)}
            self.units = [by_key.get(u.key, u) for u in self.units]

    def pending(self) -> list[Unit]:
        return [u for u in self.units if not u.done]

    def execute(self, progress: bool = True, say: Callable[[str], None] = lambda line: None) -> dict:
        """Run what is not done yet, publish the build; `say` gets a few console lines (the executor and why)."""
        t0 = time.time()
        with self.layout.lock("a run"), disk_errors(self.layout.home):
            self.layout.clean_leftovers()
            input_bytes = sum(u.size for u in self.units)
            kind, why = self.config.choose_executor(input_bytes, self.config.workers or default_workers())
            say(f"{self.lang}: executor {kind} ({why}); {len(self.units)} unit(s), {len(self.pending())} to do")
            executor = make_executor(kind, self.config.workers)
            self._number_lines(executor)
            todo = self.pending()
            self._run_units(executor, todo, progress)
            redo = self._skip_duplicate_ids()
            self._run_units(executor, redo, progress)
            return self.publish_build(executor, t0, say, {"units_resumed": len(self.units) - len(todo) - len(redo),
                                                          "executor": kind, "input_bytes": input_bytes})

    def publish_build(self, executor, t0: float, say: Callable[[str], None], facts: dict) -> dict:
        """Once every unit is done: the corpus-wide stage, shards, reports and manifest in a new version, the
        writers' documents, then the switch; returns the run summary (with `facts`: units resumed, executor...)."""
        failpoint("run:units_done")
        version = self.layout.new_version()
        t1 = time.time()
        wide = ", ".join(s.name for s in self.wide)
        say(f"{self.lang}: units done in {t1 - t0:.1f} s; {wide + ' and ' if wide else ''}shards ...")
        manifest, peak, cpu = self.finalise(executor, version)
        say(f"{self.lang}: {wide + ' and ' if wide else ''}shards done in {time.time() - t1:.1f} s")
        summary = {"lang": self.lang, "config_hash": self.config_hash, "documents_in": manifest.documents_in,
                   "documents_kept": manifest.documents_kept, "documents_rejected": manifest.documents_rejected,
                   "documents_removed": manifest.documents_removed, "worker_peak_rss_mb": peak,
                   "output": str(self.layout.link), "seconds": round(time.time() - t0, 2), "units": len(self.units),
                   **facts, "stage_cpu_seconds": round(cpu, 2)}
        write_json_atomic(summary, version / "reports" / "run.json")
        for write in self.writers:  # after run.json: a page shows the run's wall time
            write(version, self)
        self.layout.publish(version)
        self._drop_stale_work()
        return summary

    def _run_units(self, executor, units: list[Unit], progress: bool) -> None:
        make = functools.partial(UnitWorker, self.config, self.lang, self.sources, self.snapshot_loc, self.removals)
        run_units(executor, make, units, progress, f"{self.lang}: units")

    def _skip_duplicate_ids(self) -> list[Unit]:
        """Native ids used by several files of a source: a later file's records with an id an earlier file holds
        become `ingest:duplicate_id`. Finds them from the ids each unit claimed, reruns those units with the
        ids to skip, and returns the rerun units."""
        skips: dict[str, list[int]] = {}
        for uid in {u.source.uid for u in self.units if u.source.entry.read.id_field}:
            mine = [u for u in self.units if u.source.uid == uid]
            for u, again in zip(mine, claimed_before([storage.load_array(u.dir / "native_ids.npy") for u in mine])):
                if set(again) - u.skip:
                    skips[u.key] = sorted(u.skip | set(again))
        if not skips:
            return []
        dup_file = self.work / "duplicates.json"
        old = json.loads(dup_file.read_text()) if dup_file.is_file() else {}
        write_json_atomic({**old, **{self.file_keys[k]: [str(x) for x in v] for k, v in skips.items()}}, dup_file)
        for u in self.units:
            if u.key in skips:
                storage.rmtree(u.dir)
        self.units = self.plan()
        return self.pending()

    def finalise(self, executor, out: Path) -> tuple[Manifest, float, float]:
        """Merge the units' statistics, run the corpus-wide stage, write shards, reports and the manifest into `out`."""
        unit_stats = [load_unit_stats(u) for u in self.units]
        merged = merge_units(unit_stats, self.config.report_examples)
        peak = max((us["peak_rss_mb"] for us in unit_stats), default=0.0)
        kept_parts = sorted(p for u in self.units for p in u.dir.glob("kept-*.parquet"))
        rej_parts = sorted(p for u in self.units for p in u.dir.glob("rejected-*.parquet"))
        kschema, rschema = kept_schema(self.columns), rejected_schema(self.columns)
        kept_batches = (b for p in kept_parts for b in storage.parquet_file(p).iter_batches(batch_size=4096))
        for stage in self.wide:
            for name, t in stage.kept_columns.items():
                kschema = kschema.append(pa.field(name, t))
            for name, t in stage.rejected_columns.items():
                rschema = rschema.append(pa.field(name, t))
            stats = StageStats(stage.name, max_examples=self.config.report_examples)
            kept_batches, more = stage.run(kept_parts, self.work / stage.name, executor, stats, kschema, rschema)
            rej_parts += more
            merged.append(stats)
        rej_batches = (b for p in rej_parts for b in storage.parquet_file(p).iter_batches(batch_size=4096))
        prefix = self.layout.shard_prefix(out)
        data = compact(kept_batches, kschema, out / "data", self.config.shard_bytes, prefix)
        failpoint("finalise:data_written")
        rejected = compact(rej_batches, rschema, out / "rejected", self.config.shard_bytes, prefix)
        check_conservation(merged)
        write_stage_reports(merged, out / "reports", {"lang": self.lang, "config_hash": self.config_hash,
                                                     "worker_peak_rss_mb": peak})
        first, last = merged[0].totals, merged[-1].totals
        manifest = Manifest.checked(
            lang=self.lang, config_hash=self.config_hash, stages=self.stage_names,
            language_file=str(self.language_file), profile=self.config.profile,
            sources={s.uid: SourceInfo(licence=s.entry.licence.text, licence_class=s.entry.licence.class_,
                                       files=[str(f) for f in s.files]) for s in self.sources},
            documents_in=first["docs_in"], documents_kept=last["docs_out"],
            documents_rejected=sum(r["rows"] for r in rejected),
            documents_removed=first["dropped"].get(REMOVED, {}).get("docs", 0),  # opt-outs, dropped at ingest
            removals=[RemovalNote(at=r.at, reason=r.reason) for r in self.removals],
            data=[Shard(**d) for d in data], rejected=[Shard(**r) for r in rejected])
        manifest.write(out / "manifest.json")
        return manifest, peak, sum(s.seconds for s in merged)

    def _drop_stale_work(self) -> None:
        """Intermediate results of other configurations, and unit folders this plan no longer has, are stale."""
        for other in self.layout.work.iterdir():
            if other.name != self.config_hash:
                storage.rmtree(other)
        keep = {u.dir.name for u in self.units}
        for d in (self.work / "units").iterdir() if (self.work / "units").is_dir() else []:
            if d.name not in keep:
                storage.rmtree(d)

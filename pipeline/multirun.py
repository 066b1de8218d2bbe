"""`corpus --langs fr,en,zh` (or `all`): every language of one build from one pass over the inputs.

Each language is a `Run` as in a single-language build (its snapshot, stages, work folder, dedup, shards,
report and publish). What changes is how the inputs are read: a file only one language reads (a `{lang}`
path, or a source that declares one language) is that language's unit, as before; a file several built
languages read (a multilingual source: several languages and no `{lang}` in its path, or `languages:
[detect]`) is read once by a shared unit (pipeline/routing.py), which routes every document to one language.
The run's own build, `<output>/_run/`, holds what no built language took (`langid:not_built`, and what a
shared file lost before routing), the routing matrix (source x language, documents and bytes), the run
summary, and a report and data card over all languages. Counts are checked: per shared file, documents read
= documents routed to the languages + the run's own; per language, as in any build.
"""
from __future__ import annotations

import contextlib
import functools
import json
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline import storage
from pipeline.base import default_workers, stable_hash
from pipeline.catalogue import Source
from pipeline.errors import UserError
from pipeline.executors import make_executor
from pipeline.layout import OutputLayout, disk_errors
from pipeline.readers import Part, number_lines
from pipeline.reports import ConservationError, merge_units, write_stage_reports
from pipeline.routing import SharedUnit
from pipeline.run import Run, run_units
from pipeline.shards import compact, rejected_schema, write_json_atomic
from pipeline.stages import BY_NAME, ORDER, StageContext
from pipeline.stages.ingest import Ingest
from pipeline.worker import Unit, UnitResult, UnitWorker, load_unit_stats

RUN = "_run"


@dataclass(frozen=True)
class MultiUnit:
    key: str
    source: Source
    file: str
    part: Part | None
    skip: frozenset[int]
    size: int
    units: dict[str, Unit]
    """Each language's unit (its folder) for this file."""
    run_dir: Path | None = None
    """A shared unit's run-level folder (None: the file belongs to one language)."""

    @property
    def done(self) -> bool:
        return all(u.done for u in self.units.values()) and (self.run_dir is None or (self.run_dir / "stats.json").exists())


def shared_columns(config) -> dict:
    """The columns of the run's own rejected documents: what the stages before and at langid measure."""
    return {name: t for s in config.stages if ORDER[s] <= ORDER["langid"] for name, t in BY_NAME[s].columns.items()}


class MultiWorker:
    """A worker for every language of the run: a language's own units go to its UnitWorker (built when first
    needed), shared units to a SharedUnit over the UnitWorkers of their languages."""

    def __init__(self, config, specs: dict[str, tuple]):
        self.config, self.specs = config, specs  # language -> (sources, snapshot location, removals)
        self.workers: dict[str, UnitWorker] = {}
        self.shared: dict[tuple, SharedUnit] = {}

    def worker(self, lang: str) -> UnitWorker:
        if lang not in self.workers:
            self.workers[lang] = UnitWorker(self.config, lang, *self.specs[lang])
        return self.workers[lang]

    def _shared(self, langs: tuple[str, ...]) -> SharedUnit:
        if langs not in self.shared:
            workers = {lang: self.worker(lang) for lang in langs}
            ctx = workers[langs[0]].ingest.ctx
            removals = [r for lang in langs for r in (self.specs[lang][2] or [])]  # every language's opt-outs
            ingest = Ingest(StageContext(self.config, "und", ctx.sources, removals, ctx.snapshot))
            names = [n for n in self.config.document_stages if ORDER[n] < ORDER["langid"]]
            self.shared[langs] = SharedUnit(workers, ingest, names, shared_columns(self.config))
        return self.shared[langs]

    def process(self, mu: MultiUnit, progress=None) -> UnitResult:
        if mu.run_dir is None:
            ((lang, unit),) = mu.units.items()
            return self.worker(lang).process(unit, progress)
        try:
            total = self._shared(tuple(mu.units)).process(mu, self.config, progress)
            return UnitResult(mu.key, ok=True, docs=total, size=mu.size)
        except UserError as e:
            return UnitResult(mu.key, ok=False, error=str(e), size=mu.size)
        except Exception as e:
            with contextlib.suppress(OSError):
                storage.write_bytes(mu.run_dir / "error.txt", traceback.format_exc().encode())
            return UnitResult(mu.key, ok=False, error=f"{type(e).__name__}: {e} (traceback in {mu.run_dir / 'error.txt'})",
                              size=mu.size)


class MultiRun:
    def __init__(self, config, langs: list[str], writers: Sequence[Callable] = (), run_writers: Sequence[Callable] = ()):
        config = config.absolute()
        if "langid" not in config.stages:
            raise UserError("a build of several languages routes documents by language ID: list `langid` in `stages`")
        self.config, self.langs, self.run_writers = config, list(langs), list(run_writers)
        self.runs = {lang: Run(config, lang, writers=writers) for lang in self.langs}
        self.layout = OutputLayout(config.output, RUN, check=False)
        self.key = stable_hash({lang: r.config_hash for lang, r in self.runs.items()})
        self.work = self.layout.work / self.key
        self.units = self.plan()

    def plan(self) -> list[MultiUnit]:
        """One unit per file (or part): shared when several built languages read it."""
        groups: dict[str, dict[str, Unit]] = {}
        for lang, r in self.runs.items():
            for u in r.units:
                groups.setdefault(u.key, {})[lang] = u
        out = []
        for key, units in sorted(groups.items()):
            u = next(iter(units.values()))
            shared = len(units) > 1
            out.append(MultiUnit(key, u.source, u.file, u.part, u.skip, u.size, units,
                                 self.work / "units" / key if shared else None))
        return out

    def pending(self) -> list[MultiUnit]:
        return [mu for mu in self.units if not mu.done]

    def execute(self, progress: bool = True, say: Callable[[str], None] = lambda line: None) -> dict:
        t0 = time.time()
        with contextlib.ExitStack() as stack:
            for r in [*(self.runs[lang] for lang in sorted(self.runs)), self]:
                stack.enter_context(r.layout.lock(f"a run of {', '.join(self.langs)}"))
                stack.enter_context(disk_errors(r.layout.home))
                r.layout.clean_leftovers()
            input_bytes = sum(mu.size for mu in self.units)
            kind, why = self.config.choose_executor(input_bytes, self.config.workers or default_workers())
            say(f"{', '.join(self.langs)}: executor {kind} ({why}); {len(self.units)} unit(s), "
                f"{sum(mu.run_dir is not None for mu in self.units)} shared, {len(self.pending())} to do")
            executor = make_executor(kind, self.config.workers)
            self._number_lines(executor)
            todo = self.pending()
            self._run_units(executor, todo, progress)
            facts = {"executor": kind, "input_bytes": input_bytes, "multi_language_run": self.langs}
            summaries = {lang: r.publish_build(executor, t0, say, {**facts, "input_bytes": sum(u.size for u in r.units)})
                         for lang, r in self.runs.items()}
            run = self.publish_run(summaries, t0, {**facts, "units": len(self.units),
                                                   "units_resumed": len(self.units) - len(todo)})
        return {"run": run, "languages": summaries}

    def _number_lines(self, executor) -> None:
        for f in {mu.file for mu in self.pending() if mu.part is not None and mu.part.first == 0}:
            mine = [mu for mu in self.units if mu.file == f]
            numbered = dict(zip([mu.key for mu in mine], number_lines(f, [mu.part for mu in mine], executor.map)))
            self.units = [replace(mu, part=numbered[mu.key], units={lang: replace(u, part=numbered[mu.key])
                                                                    for lang, u in mu.units.items()})
                          if mu.key in numbered else mu for mu in self.units]

    def _run_units(self, executor, units: list[MultiUnit], progress: bool) -> None:
        specs = {lang: (r.sources, r.snapshot_loc, r.removals) for lang, r in self.runs.items()}
        run_units(executor, functools.partial(MultiWorker, self.config, specs), units, progress, "units")

    def publish_run(self, summaries: dict, t0: float, facts: dict) -> dict:
        """The run's own build: what no language took, the routing matrix, counts checked, documents."""
        shared = [mu for mu in self.units if mu.run_dir is not None]
        unit_stats = [load_stats(mu.run_dir / "stats.json") for mu in shared]
        check_routing(shared, unit_stats)
        version = self.layout.new_version()
        stats = merge_units(unit_stats, self.config.report_examples) if unit_stats else []
        parts = sorted(p for mu in shared for p in mu.run_dir.glob("rejected-*.parquet"))
        batches = (b for p in parts for b in storage.parquet_file(p).iter_batches(batch_size=4096))
        rejected = compact(batches, rejected_schema(shared_columns(self.config)), version / "rejected",
                           self.config.shard_bytes, self.layout.shard_prefix(version))
        write_stage_reports(stats, version / "reports", {"lang": RUN, "config_hash": self.key})
        summary = {"languages": self.langs, "config_hash": self.key, "seconds": round(time.time() - t0, 2), **facts,
                   "shared_files": len(shared), "documents_read_by_shared_units": stats[0].totals["docs_in"] if stats else 0,
                   "documents_kept": sum(s["documents_kept"] for s in summaries.values()),
                   "documents_rejected": sum(s["documents_rejected"] for s in summaries.values()) + sum(r["rows"] for r in rejected),
                   "run_level_rejected": sum(r["rows"] for r in rejected), "output": str(self.layout.link),
                   "routing": routing_matrix(self.runs, summaries, stats), "rejected": rejected}
        write_json_atomic(summary, version / "manifest.json")
        for write in self.run_writers:
            write(version, self, summary)
        self.layout.publish(version)
        for other in self.layout.work.iterdir() if self.layout.work.exists() else []:
            if other.name != self.key:
                storage.rmtree(other)
        return summary


def load_stats(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def check_routing(shared: list[MultiUnit], unit_stats: list[dict]) -> None:
    """Per shared file: documents routed (the run-level langid's output) = what the languages took in."""
    for mu, run in zip(shared, unit_stats):
        routed = run["stages"][-1]["docs_out"]
        taken = sum(load_unit_stats(u)["stages"][0]["docs_in"] for u in mu.units.values())
        if routed != taken:
            raise ConservationError(f"{mu.key}: {routed} documents routed, the languages took {taken}")


def routing_matrix(runs: dict, summaries: dict, run_stats: list) -> dict:
    """source -> {language or `not_built:<label>`: documents}: where every document read went."""
    matrix: dict[str, dict[str, int]] = {}
    for lang, r in runs.items():
        ingest = json.loads((r.layout.link / "reports" / "ingest.json").read_text(encoding="utf-8"))
        for source, c in ingest["per_source"].items():
            matrix.setdefault(source, {})[lang] = c["docs_in"]
    for st in run_stats:
        for source, c in st.per_source.items():
            for rule, d in c["dropped"].items():
                key = f"{st.stage}:{rule}"
                matrix.setdefault(source, {})[key] = matrix.get(source, {}).get(key, 0) + d["docs"]
    return matrix

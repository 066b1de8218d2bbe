"""The Ray DAG: the only module that imports ray.

Each worker is a Ray actor wrapping `UnitWorker` (stages built once per actor, so models load once per
worker); an `ActorPool` feeds it units, i.e. input files. Workers report progress to a small actor that
the driver polls for the progress bar. `ray.init()` starts a local instance with every core by default;
with `RAY_ADDRESS` set the same command runs on that cluster (the code travels as the job's working
directory; input and output paths must then be on storage every node sees).
"""
from __future__ import annotations

import os
from pathlib import Path

import ray
from ray.util import ActorPool

from pipeline.catalogue import Source
from pipeline.config import RunConfig
from pipeline.run import Progress, default_workers
from pipeline.worker import Unit, UnitResult, UnitWorker

ROOT = Path(__file__).resolve().parents[2]


@ray.remote(num_cpus=0)
class ProgressActor:
    def __init__(self) -> None:
        self.docs = 0
        self.bytes = 0

    def add(self, docs: int, nbytes: int) -> None:
        self.docs += docs
        self.bytes += nbytes

    def get(self) -> tuple[int, int]:
        return self.docs, self.bytes


@ray.remote(num_cpus=1)
class RayUnitWorker:
    def __init__(self, config: RunConfig, lang: str, sources: list[Source], progress: ray.actor.ActorHandle):
        self.worker = UnitWorker(config, lang, sources)
        self.progress = progress

    def process(self, unit: Unit) -> UnitResult:
        return self.worker.process(unit, lambda d, b: self.progress.add.remote(d, b))


def init_ray(workers: int | None) -> None:
    if ray.is_initialized():
        return
    address = os.environ.get("RAY_ADDRESS")
    if address:
        ray.init(address=address, runtime_env={"working_dir": str(ROOT), "excludes": ["data/", "out/", ".venv/", ".git/"]},
                 log_to_driver=True)
    else:
        ray.init(num_cpus=workers or default_workers(), include_dashboard=False, log_to_driver=True,
                 configure_logging=True, logging_level="warning")


def run_units_on_ray(config: RunConfig, lang: str, sources: list[Source], units: list[Unit],
                     progress: bool) -> list[UnitResult]:
    init_ray(config.workers)
    n = min(config.workers or int(ray.cluster_resources().get("CPU", 1)), len(units))
    tracker = ProgressActor.remote()
    pool = ActorPool([RayUnitWorker.remote(config, lang, sources, tracker) for _ in range(max(n, 1))])
    for u in units:
        pool.submit(lambda actor, unit: actor.process.remote(unit), u)
    bar = Progress(len(units), progress)
    results: list[UnitResult] = []
    seen = (0, 0)
    try:
        while pool.has_next():
            try:
                results.append(pool.get_next_unordered(timeout=0.5))
                bar.unit_done()
            except TimeoutError:
                pass
            docs, nbytes = ray.get(tracker.get.remote())
            if (docs, nbytes) != seen:
                bar.add(docs - seen[0], nbytes - seen[1])
                seen = (docs, nbytes)
    finally:
        bar.close()
    return results


def ray_map(fn, items: list) -> list:
    """`fn(*args)` for every argument tuple as parallel Ray tasks (one CPU each), results in order."""
    init_ray(None)
    task = ray.remote(num_cpus=1)(fn)
    return ray.get([task.remote(*args) for args in items])


def ray_put(value):
    """Put a large value (the dedup label vector) in the object store once for every task of a round."""
    init_ray(None)
    return ray.put(value)

"""The Ray executor: the only module that imports ray.

Each worker is a Ray actor wrapping a `UnitWorker` (stages built once per actor, so models load once per
worker); an `ActorPool` feeds it units. Workers report progress to a small actor that the driver polls
for the progress bar. Map steps (dedup, token packing) run as Ray tasks of one CPU each. `ray.init()`
starts a local instance with every core by default; with `RAY_ADDRESS` set the same command runs on that
cluster (the code travels as the job's working directory; input and output paths must then be on storage
every node sees).
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

import ray
from ray.util import ActorPool

from pipeline.base import default_workers
from pipeline.progress import Progress
from pipeline.worker import UnitResult

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


# A worker process that dies (killed, out of memory) is restarted and its unit retried, twice at most: a unit
# is idempotent (its folder is redone from scratch). Past that, the unit is reported as failed.
@ray.remote(num_cpus=1, max_restarts=2, max_task_retries=2)
class RayUnitWorker:
    def __init__(self, make_worker: Callable, progress: str):
        # the progress actor by name: a restarted worker finds it again (arguments kept small, by value)
        self.worker = make_worker()
        self.progress = ray.get_actor(progress)

    def process(self, unit):
        return self.worker.process(unit, lambda d, b: self.progress.add.remote(d, b))


# The code travels to the cluster as the job's working directory; what is not code stays here (the run's
# files reach workers through the run snapshot and the paths, made absolute, of storage every node sees).
# Ray leaves out what .gitignore names; the compiled text kernels (*.so, built by `make native`) are named there
# but must travel, so Ray is told to skip .gitignore and gets its patterns, less that one, as excludes.
SHIPPED_BUILDS = "*.so"
IGNORE_GITIGNORE = "RAY_RUNTIME_ENV_IGNORE_GITIGNORE"  # Ray's switch (ray._private.ray_constants)


EXCLUDES = ["data/", "out/", ".venv/", ".git/", "tools/", "models/", "*.egg-info/", ".pytest_cache/", "__pycache__/"]


def excludes() -> list[str]:
    """EXCLUDES and whatever else .gitignore names (where there is one), less the compiled kernels."""
    gitignore = ROOT / ".gitignore"
    ignored = [x.strip() for x in gitignore.read_text(encoding="utf-8").splitlines()] if gitignore.is_file() else []
    extra = [x for x in ignored if x and not x.startswith("#") and x != SHIPPED_BUILDS and x not in EXCLUDES]
    return EXCLUDES + extra


def init_ray(workers: int | None) -> None:
    """Connect once: to RAY_ADDRESS's cluster, else to a private local instance (never to one that a
    `ray start` left running on this host). Ray's own log lines stay out of the console (errors still show)."""
    if ray.is_initialized():
        return
    quiet = {"log_to_driver": False, "configure_logging": True, "logging_level": "error"}
    address = os.environ.get("RAY_ADDRESS")
    if address:
        before = os.environ.get(IGNORE_GITIGNORE)
        os.environ[IGNORE_GITIGNORE] = "1"  # read by ray.init while it packs the working directory
        try:
            ray.init(address=address, runtime_env={"working_dir": str(ROOT), "excludes": excludes()}, **quiet)
        finally:
            if before is None:
                del os.environ[IGNORE_GITIGNORE]
            else:
                os.environ[IGNORE_GITIGNORE] = before
    else:
        ray.init(address="local", num_cpus=workers or default_workers(), include_dashboard=False, **quiet)


class RayExecutor:
    name = "ray"

    def __init__(self, workers: int | None = None):
        self.workers = workers

    def run_units(self, make_worker: Callable, units: list, progress: Progress) -> list:
        init_ray(self.workers)
        n = min(self.workers or int(ray.cluster_resources().get("CPU", 1)), len(units))
        name = f"progress-{uuid.uuid4().hex}"
        tracker = ProgressActor.options(name=name).remote()
        pool = ActorPool([RayUnitWorker.remote(make_worker, name) for _ in range(max(n, 1))])
        for u in units:
            pool.submit(lambda actor, unit: actor.process.remote(unit), u)
        results = []
        seen = (0, 0)
        while pool.has_next():
            try:
                results.append(pool.get_next_unordered(timeout=0.5))
                progress.unit_done(results[-1].size)
            except TimeoutError:
                pass
            except ray.exceptions.RayError as e:  # the worker died more often than it may restart
                results.append(UnitResult("(a unit)", ok=False, error=f"worker lost: {type(e).__name__}: {str(e)[:300]}"))
            docs, nbytes = ray.get(tracker.get.remote())
            if (docs, nbytes) != seen:
                progress.add(docs - seen[0], nbytes - seen[1])
                seen = (docs, nbytes)
        return results

    def map(self, fn: Callable, items: list[tuple]) -> list:
        """`fn(*args)` for every argument tuple as parallel Ray tasks (one CPU each), results in order."""
        init_ray(self.workers)
        task = ray.remote(num_cpus=1)(fn)
        return ray.get([task.remote(*args) for args in items])

    def put(self, value: object) -> object:
        """Put a large value (the dedup label vector) in the object store once for every task of a round."""
        init_ray(self.workers)
        return ray.put(value)

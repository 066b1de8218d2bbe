"""Executors: how a run's units of work and its map steps are run. A run chooses one, once, as an object.

`LocalExecutor` runs everything in this process (tests, debugging, small runs). `RayExecutor`
(pipeline/executors/ray_executor.py, the only module that imports ray) runs units on a pool of Ray actors
and map steps as Ray tasks, on a local Ray instance or on the cluster RAY_ADDRESS names. An executor has
three operations: `run_units` (a worker per process, fed units), `map` (a function over argument tuples,
results in order) and `put` (share a large value with every task of a map).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from pipeline.progress import Progress


class Executor(Protocol):
    name: str

    def run_units(self, make_worker: Callable, units: list, progress: Progress) -> list: ...

    def map(self, fn: Callable, items: list[tuple]) -> list: ...

    def put(self, value: object) -> object: ...


class LocalExecutor:
    name = "local"

    def run_units(self, make_worker: Callable, units: list, progress: Progress) -> list:
        worker = make_worker()
        results = []
        for u in units:
            results.append(worker.process(u, progress.add))
            progress.unit_done(results[-1].size)
        return results

    def map(self, fn: Callable, items: list[tuple]) -> list:
        return [fn(*args) for args in items]

    def put(self, value: object) -> object:
        return value


def make_executor(kind: str, workers: int | None = None) -> Executor:
    if kind == "ray":
        from pipeline.executors.ray_executor import RayExecutor

        return RayExecutor(workers)
    return LocalExecutor()

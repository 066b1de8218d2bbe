"""Per-document stages. Each is a plain callable class: heavy set-up in `__init__(config, lang)`, then
`__call__(docs) -> (kept, rejected)` on a batch. No stage imports ray: the DAG module runs them.

A stage declares `columns`, the measured values it adds to `Document.scores`; they become typed
columns of the output shards so thresholds can be re-applied later without re-scoring.
"""
from __future__ import annotations

from typing import Protocol

import pyarrow as pa

from pipeline.config import RunConfig
from pipeline.document import Document, Rejection


class Stage(Protocol):
    name: str
    columns: dict[str, pa.DataType]

    def __call__(self, docs: list[Document]) -> tuple[list[Document], list[Rejection]]: ...


def build_stages(config: RunConfig, lang: str) -> list[Stage]:
    from pipeline.stages.normalise import Normalise

    registry = {"normalise": Normalise}
    return [registry[name](config, lang) for name in config.stages]


def stage_columns(config: RunConfig, lang: str) -> dict[str, pa.DataType]:
    cols: dict[str, pa.DataType] = {}
    for stage in build_stages(config, lang):
        cols.update(stage.columns)
    return cols

"""Per-document stages. Each is a plain callable class: heavy set-up in `__init__(ctx)`, then
`__call__(docs) -> (kept, rejected)` on a batch. No stage imports ray: the DAG module runs them.

A stage declares `columns`, the measured values it adds to `Document.scores`; they become typed
columns of the output shards so thresholds can be re-applied later without re-scoring. A stage may
keep `counters` (e.g. lines removed), `source_counters` ({source: counters}) and `samples` ({label:
[excerpt]}) that the worker moves into its report after every batch, and may define
`prepass(source_uid, docs)` to see a whole input file before processing it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Protocol

import pyarrow as pa

from pipeline.catalogue import CatalogueEntry
from pipeline.config import RunConfig
from pipeline.record import Document, Rejection
from pipeline.language import LanguageConfig, language_file, load_language


class Stage(Protocol):
    name: str
    columns: dict[str, pa.DataType]

    def __call__(self, docs: list[Document]) -> tuple[list[Document], list[Rejection]]: ...


@dataclass
class StageContext:
    config: RunConfig
    lang: str
    sources: dict[str, CatalogueEntry] = field(default_factory=dict)

    @cached_property
    def language(self) -> LanguageConfig:
        return load_language(Path(self.config.languages), self.lang)

    @property
    def language_file(self) -> Path:
        return language_file(Path(self.config.languages), self.lang)


def stage_classes() -> dict[str, type]:
    from pipeline.stages.clean import Clean
    from pipeline.stages.langid import LangID
    from pipeline.stages.normalise import Normalise
    from pipeline.stages.perplexity import Perplexity
    from pipeline.stages.pii import Pii
    from pipeline.stages.quality import Quality

    return {"clean": Clean, "normalise": Normalise, "langid": LangID, "quality": Quality, "pii": Pii,
            "perplexity": Perplexity}


def build_stages(ctx: StageContext) -> list[Stage]:
    classes = stage_classes()
    return [classes[name](ctx) for name in ctx.config.document_stages]


def stage_columns(stages: list[Stage]) -> dict[str, pa.DataType]:
    cols: dict[str, pa.DataType] = {}
    for stage in stages:
        cols.update(stage.columns)
    return cols

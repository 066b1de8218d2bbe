"""The stage registry: `STAGES`, in the order they run. Names, help text, the run config's sections, the
report's and the tuner's order all derive from it. Adding a stage = a file in this folder with a `Stage`
subclass (pipeline/stages/base.py) + one line below."""
from __future__ import annotations

import pyarrow as pa

from pipeline.stages.base import Stage, StageContext
from pipeline.stages.clean import Clean
from pipeline.stages.dedup import Dedup
from pipeline.stages.ingest import Ingest
from pipeline.stages.langid import LangID
from pipeline.stages.normalise import Normalise
from pipeline.stages.perplexity import Perplexity
from pipeline.stages.pii import Pii
from pipeline.stages.quality import Quality

STAGES: tuple[type[Stage], ...] = (Ingest, Clean, Normalise, LangID, Quality, Pii, Perplexity, Dedup)

BY_NAME = {s.name: s for s in STAGES}
STAGE_NAMES = tuple(s.name for s in STAGES if s.optional)
"""The stages a run config may list in `stages:` (ingest always runs first)."""
ORDER = {s.name: i for i, s in enumerate(STAGES)}


def build_stages(ctx: StageContext) -> list[Stage]:
    """The configured per-document stages (after ingest), each built once (models load here)."""
    return [BY_NAME[name](ctx) for name in ctx.config.stages if not BY_NAME[name].corpus_wide]


def corpus_stages(ctx: StageContext) -> list[Stage]:
    """The configured corpus-wide stages (dedup), which run after every unit."""
    return [BY_NAME[name](ctx) for name in ctx.config.stages if BY_NAME[name].corpus_wide]


def stage_columns(stages: list[Stage]) -> dict[str, pa.DataType]:
    cols: dict[str, pa.DataType] = {}
    for stage in stages:
        cols.update(stage.columns)
    return cols

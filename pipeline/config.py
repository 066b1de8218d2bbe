"""Run configuration (configs/*.yaml): where to read and write, which stages run, and their parameters.

Parsed into pydantic models before any work starts; an unknown key, a bad choice or an unknown stage
name fails with the file, the field and the valid names. A stage with run-level parameters (ingest,
normalise, dedup) brings its own model (`Stage.Params`, in its file), which becomes the section of the
same name here: the registry in pipeline/stages/__init__.py is the only list of stages.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, create_model, field_validator

from pipeline.base import Location, Strict, is_uri, location
from pipeline.profiles import Profile
from pipeline.stages import BY_NAME, STAGE_NAMES, STAGES
from pipeline.yamlio import load_model


class RunSettings(Strict):
    catalogue: Path = Path("catalogue")
    """Folder (or single file) of catalogue entries; relative to the working directory."""
    output: Location = Path("out")
    """Runs write to <output>/<lang>/: a local folder, or a URI (s3://bucket/prefix, gs://..., any fsspec one)."""
    languages: Path = Path("languages")
    """Folder of per-language YAMLs (thresholds, LID labels, word lists)."""
    profile: Profile = "shipped"
    """shipped: the language files' values; roots: ROOTS's own thresholds and filters for a faithful
    reproduction (languages/profiles/roots.yaml, pipeline/profiles.py)."""
    stages: list[str] = list(STAGE_NAMES)
    """Stages after ingest, in order (ingest always runs first and is not listed)."""
    shard_bytes: int = Field(128 * 2**20, gt=0)
    """Target size of one output Parquet shard on disk (bytes)."""
    unit_bytes: int = Field(256 * 2**20, gt=0)
    """A plain JSONL or Parquet file bigger than this (bytes) is split into units of about this size (byte
    ranges, row groups), so one big file keeps every worker busy; ids do not depend on the split."""
    batch_docs: int = Field(1000, gt=0)
    """Documents handed to a stage at once."""
    part_docs: int = Field(50_000, gt=0)
    """A worker writes an intermediate part file every this many documents (bounds worker memory)."""
    executor: Literal["auto", "ray", "local"] = "auto"
    """ray: Ray actors (a local instance, or the cluster RAY_ADDRESS names); local: one process, no Ray;
    auto: ray when RAY_ADDRESS is set or the input is big enough (`auto_ray_bytes`) to repay starting Ray."""
    auto_ray_bytes: int = Field(256 * 2**20, ge=0)
    """With `executor: auto` and no RAY_ADDRESS: input size (bytes) from which Ray is started."""
    workers: int | None = Field(None, gt=0)
    """Number of parallel workers; default: every CPU Ray sees."""
    report_examples: int = Field(5, ge=0)
    """Example documents kept per drop rule in each stage report."""
    report_html: bool = True
    """Write report.html and README.md (the data card) beside the shards at the end of every run."""
    data_roots: list[Path] = []
    """Folders catalogue `read.path`s may read besides the one that holds the catalogue folder (symbolic links
    resolved): a path anywhere else is refused before any work."""
    removals: Path | None = Path("removals")
    """Folder of opt-out requests (`<lang>.jsonl`, written by `python -m pipeline remove`) that every run applies
    to its shards; null = none."""

    @field_validator("stages")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        unknown = [s for s in v if s not in STAGE_NAMES]
        if unknown:
            raise ValueError(f"unknown stage(s) {unknown}; valid: {', '.join(STAGE_NAMES)}")
        if len(set(v)) != len(v):
            raise ValueError("a stage is listed twice")
        first_wide = next((i for i, s in enumerate(v) if BY_NAME[s].corpus_wide), len(v))
        if any(not BY_NAME[s].corpus_wide for s in v[first_wide:]):
            raise ValueError(f"{v[first_wide]} compares whole documents across the corpus: it must be the last stage")
        return v

    @property
    def document_stages(self) -> list[str]:
        """The per-document stages (run inside workers), in order."""
        return [s for s in self.stages if not BY_NAME[s].corpus_wide]

    def stage_params(self) -> dict:
        """What the stages compute with (not where files live): the part of the config that the hash covers."""
        return self.model_dump(mode="json", exclude={"catalogue", "output", "languages", "executor", "workers",
                                                     "removals", "report_html", "data_roots", "auto_ray_bytes",
                                                     "unit_bytes"})

    def absolute(self):
        """The same config with its folders made absolute here, on the driver: workers (on a cluster, too) get
        paths that do not depend on their working directory."""
        def resolve(p):
            return p if p is None or is_uri(str(p)) else location(p).resolve()

        return self.model_copy(update={"catalogue": resolve(self.catalogue), "output": resolve(self.output),
                                       "languages": resolve(self.languages), "removals": resolve(self.removals),
                                       "data_roots": [resolve(p) for p in self.data_roots]})

    def choose_executor(self, input_bytes: int, cores: int) -> tuple[str, str]:
        """(executor, why) for a run over `input_bytes` of input."""
        if os.environ.get("RAY_ADDRESS"):
            return "ray", f"RAY_ADDRESS={os.environ['RAY_ADDRESS']}: running on that cluster"
        if self.executor != "auto":
            return self.executor, "as the config says"
        mb = input_bytes / 2**20
        if input_bytes >= self.auto_ray_bytes and cores > 1:
            return "ray", f"{mb:,.0f} MB of input over {cores} cores"
        return "local", (f"{mb:,.1f} MB of input: starting Ray (5-15 s) would cost more than it saves"
                         if cores > 1 else "one core")


RunConfig = create_model(
    "RunConfig", __base__=RunSettings, __doc__="The run config: RunSettings + one section per stage with parameters.",
    **{s.name: (s.Params, s.Params()) for s in STAGES if s.Params is not None})


def load_config(path: Path | None) -> RunConfig:
    return load_model(Path(path), RunConfig) if path else RunConfig()

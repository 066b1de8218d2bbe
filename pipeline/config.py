"""Run configuration (configs/*.yaml): where to read and write, and each stage's parameters.

Parsed into pydantic models before any work starts; an unknown key, a bad choice or an unknown stage
name fails with the file, the field and the valid names. `config_hash` names what a run computed, so a
changed threshold never reuses stale intermediate results.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pipeline.yamlio import load_model


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IngestConfig(Strict):
    max_doc_bytes: int = Field(10_000_000, gt=0)
    """Documents larger than this (UTF-8 bytes) are rejected at ingest as `ingest:max_bytes`."""


class NormaliseConfig(Strict):
    unicode_form: Literal["NFC", "NFKC", "none"] = "NFC"
    """Unicode normalisation form applied to every text (NFC keeps compatibility characters)."""
    strip_control: bool = True
    """Remove C0/C1 control characters other than newline and tab, and zero-width/bidi format marks."""
    min_chars: int = Field(1, ge=0)
    """Documents shorter than this after normalisation (characters) are dropped as `normalise:min_chars`."""


class DedupConfig(Strict):
    exact: bool = True
    """Drop exact duplicates (same text once whitespace, digits, punctuation and symbols are removed)."""
    near: bool = True
    """Drop near duplicates found by MinHash LSH."""
    url: bool = False
    """Also drop web documents whose URL has the same host + path as a kept one (ROOTS's URL dedup)."""
    num_bands: int = Field(14, gt=0)
    rows_per_band: int = Field(8, gt=0)
    """bands x rows permutations; 14 x 8 (datatrove/FineWeb) catches pairs with Jaccard above ~0.72."""
    ngram: int = Field(5, gt=0)
    """Shingle size in words (characters for unsegmented scripts)."""
    seed: int = 1
    """Seed of the hash permutations: the same seed gives the same duplicate sets."""
    verify: bool = True
    """Check every near-duplicate candidate pair by its true Jaccard similarity (drops LSH false positives)."""
    jaccard_min: float = Field(0.7, ge=0, le=1)
    """With verify: a candidate pair is a duplicate only at or above this Jaccard similarity."""
    partitions: int = Field(16, gt=0)
    """Hash partitions of the band buckets (parallel reduce tasks)."""
    keep: Literal["longest"] = "longest"
    """Which document of a cluster is kept: the longest (most characters that are not whitespace, digits
    or punctuation, so a re-spaced copy does not win; ties: the earliest)."""


STAGE_NAMES = ("clean", "normalise", "langid", "quality", "pii", "perplexity", "dedup")
GLOBAL_STAGES = ("dedup",)


class RunConfig(Strict):
    catalogue: Path = Path("catalogue")
    """Folder (or single file) of catalogue entries; relative to the working directory."""
    output: Path = Path("out")
    """Runs write to <output>/<lang>/."""
    languages: Path = Path("languages")
    """Folder of per-language YAMLs (thresholds, LID labels, word lists)."""
    stages: list[str] = list(STAGE_NAMES)
    """Per-document stages, in order. Ingest always runs first and is not listed."""
    shard_bytes: int = Field(128 * 2**20, gt=0)
    """Target size of one output Parquet shard on disk (bytes)."""
    batch_docs: int = Field(1000, gt=0)
    """Documents handed to a stage at once."""
    part_docs: int = Field(50_000, gt=0)
    """A worker writes an intermediate part file every this many documents (bounds worker memory)."""
    executor: Literal["ray", "local"] = "ray"
    """ray: Ray actors (local cluster, or RAY_ADDRESS); local: one process, no Ray (tests, debugging)."""
    workers: int | None = Field(None, gt=0)
    """Number of parallel workers; default: every CPU Ray sees."""
    report_examples: int = Field(5, ge=0)
    """Example documents kept per drop rule in each stage report."""
    report_html: bool = True
    """Write report.html and DATACARD.md beside the shards at the end of every run."""
    removals: Path | None = Path("removals")
    """Folder of opt-out requests (`<lang>.jsonl`, written by `python -m pipeline remove`) that every run applies
    to its shards; null = none."""
    ingest: IngestConfig = IngestConfig()
    normalise: NormaliseConfig = NormaliseConfig()
    dedup: DedupConfig = DedupConfig()

    @field_validator("stages")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        unknown = [s for s in v if s not in STAGE_NAMES]
        if unknown:
            raise ValueError(f"unknown stage(s) {unknown}; valid: {', '.join(STAGE_NAMES)}")
        if len(set(v)) != len(v):
            raise ValueError("a stage is listed twice")
        if "dedup" in v and v[-1] != "dedup":
            raise ValueError("dedup compares whole documents across the corpus: it must be the last stage")
        return v

    @property
    def document_stages(self) -> list[str]:
        """The per-document stages (run inside workers), in order."""
        return [s for s in self.stages if s not in GLOBAL_STAGES]

    def stage_params(self) -> dict:
        """What the stages compute with (not where files live): the part of the config that the hash covers."""
        return self.model_dump(mode="json", exclude={"catalogue", "output", "languages", "executor", "workers", "removals", "report_html"})


def load_config(path: Path | None) -> RunConfig:
    return load_model(Path(path), RunConfig) if path else RunConfig()


def stable_hash(obj: object, n: int = 16) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:n]

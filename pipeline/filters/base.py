"""Base classes of the filter specs: each is a pydantic model (its YAML entry) that measures one number.

`measure(view)` computes the value; `check(value)` compares it with `min`/`max` (null = off) and returns
the verdict: None to keep, or (rule, threshold) to drop, the rule being `<name>:min` or `<name>:max`.
Splitting measure from check lets a threshold be re-applied to stored values without re-scoring.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, model_validator

from pipeline.filters.text import TextView


@dataclass(frozen=True)
class FilterContext:
    """What a filter may need from its language: where word lists live and how words are split."""

    languages_dir: Path
    split: str = "whitespace"
    augmentation_group_sizes: list[int] = field(default_factory=list)
    augmentation_join: str = ""
    stopwords: str | None = None
    """The language's stop-word list (relative to languages_dir), for filters that want one."""
    datatrove_language: str | None = None


class Filter(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    min: float | None = None
    """Drop documents whose value is below this (null = no minimum)."""
    max: float | None = None
    """Drop documents whose value is above this (null = no maximum)."""

    bounds: ClassVar[tuple[float, float | None]] = (0.0, None)
    """The range a threshold can have: a count is at least 0, a ratio lies in 0-1."""

    @model_validator(mode="after")
    def _ordered(self):
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"{self.name}: min {self.min} > max {self.max}")
        lo, hi = self.bounds
        for which, v in (("min", self.min), ("max", self.max)):
            if v is not None and (v < lo or (hi is not None and v > hi)):
                raise ValueError(f"{self.name}: {which} {v} is outside {lo}-{hi if hi is not None else 'any'}")
        return self

    @property
    def column(self) -> str:
        """The output column holding the measured value."""
        return self.name

    def setup(self, ctx: FilterContext) -> None:
        """Load resources (word lists, models) once per worker."""

    def measure(self, view: TextView) -> float:
        raise NotImplementedError

    def check(self, value: float) -> tuple[str, float] | None:
        if self.min is not None and value < self.min:
            return f"{self.name}:min", self.min
        if self.max is not None and value > self.max:
            return f"{self.name}:max", self.max
        return None

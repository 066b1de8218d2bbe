"""The `dedup:` section of the run config."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from pipeline.base import Strict


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
    stars_docs: int = Field(50_000, gt=0)
    """Clustered documents per cluster partition (one task decides one: its memory holds their texts and
    signatures); at most `partitions` of them."""
    keep: list[Literal["source", "perplexity", "central", "length"]] = ["source", "central", "perplexity", "length"]
    """Which document of a cluster is kept, by these criteria in order (each breaks the ties of the one
    before; the last tie goes to the earliest document): `source` = the catalogue entry's `priority`
    (higher wins); `central` = the copy most like the other copies of its cluster (mean signature
    similarity: what only one copy has -- its site's menu, inserted junk, a changed sentence -- makes it
    less central; needs no model; in a pair both are equal); `perplexity` = the lower perplexity the
    perplexity stage measured (a copy wrapped in menus or stuffed with junk words scores higher; documents
    without a value come last); `length` = more content characters (not whitespace, digits or
    punctuation, so a re-spaced copy does not win). The kept document's `dup_keep_reason` says which
    criterion chose it. `longest` (the former value) = [length]. `make dedup-eval` measures the choice."""

    @field_validator("keep", mode="before")
    @classmethod
    def _longest(cls, v):
        return ["length"] if v == "longest" else v

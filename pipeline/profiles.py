"""Threshold profiles: `profile: roots` in the run config builds every language with ROOTS's own values.

The language files hold the project's values: ROOTS's, except where a measurement moved them (each such value
says why in a comment), plus filters ROOTS did not have. `languages/profiles/roots.yaml` holds ROOTS's OSCAR
filtering parameters: a `default` entry and one per language ROOTS tuned. Under the profile a language keeps
its file's detector, word split, edits, word lists and PII settings, and takes from the table:
  - the LID minimum of lid.176 languages, with no second-detector confirmation (ROOTS had none);
  - the bounds (and n) of ROOTS's six filters, where the file has the filter;
and leaves out every filter ROOTS did not have (list structure, datatrove's). Languages ROOTS did not build
with lid.176 (CLD2 or `other_max` detectors) keep their file's LID; the code slice is left as it is.
What it cannot restore: the flagged lists as ROOTS had them (ours leave out zh/ja single characters and the
ordinary words of prep/wordlists.py), and LID for languages lid.176 has no label for.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

from pydantic import Field, RootModel

from pipeline.base import Strict
from pipeline.yamlio import load_model

Profile = Literal["shipped", "roots"]
PROFILES = get_args(Profile)
ROOTS_FILE = Path("profiles") / "roots.yaml"  # relative to the languages folder


class RootsValues(Strict):
    word_count: tuple[float, float]
    """[min, max] words."""
    character_repetition: tuple[int, float]
    """[n, max]."""
    word_repetition: tuple[int, float]
    """[n, max]."""
    special_characters: float = Field(ge=0, le=1)
    stopwords: float = Field(ge=0, le=1)
    """min."""
    flagged_words: float = Field(ge=0, le=1)
    lid_min: float = Field(ge=0, le=1)
    """lid.176's minimum score."""


class RootsTable(RootModel[dict[str, RootsValues]]):
    pass


def roots_values(languages_dir: Path, code: str) -> RootsValues:
    table = load_model(Path(languages_dir) / ROOTS_FILE, RootsTable).root
    return table.get(code) or table["default"]


def apply_profile(cfg, languages_dir: Path, profile: Profile):
    """The language config as the profile builds it (`shipped`: the file as it is)."""
    if profile == "shipped" or (cfg.lid is not None and cfg.lid.model == "extension"):
        return cfg  # the code slice is curated by source: ROOTS ran no OSCAR filters on it
    v = roots_values(languages_dir, cfg.code)
    bounds = {"word_count": {"min": v.word_count[0], "max": v.word_count[1]},
              "character_repetition": {"n": v.character_repetition[0], "max": v.character_repetition[1]},
              "word_repetition": {"n": v.word_repetition[0], "max": v.word_repetition[1]},
              "special_characters": {"max": v.special_characters}, "stopwords": {"min": v.stopwords},
              "flagged_words": {"max": v.flagged_words, "match": "words"}}
    filters = [f.model_copy(update=bounds[f.name]) for f in cfg.filters if f.name in bounds]
    lid = cfg.lid
    if lid is not None and lid.model == "lid176" and lid.other_max is None:
        lid = lid.model_copy(update={"min_score": v.lid_min, "confirm": None})
    return cfg.model_copy(update={"filters": filters, "lid": lid})

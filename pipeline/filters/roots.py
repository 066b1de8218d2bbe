"""The ROOTS OSCAR quality filters (definitions in filters/text.py); thresholds come from YAML."""
from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, PrivateAttr

from pipeline.base import within
from pipeline.errors import UserError
from pipeline.filters.base import Filter, FilterContext
from pipeline.filters.text import (
    TextView,
    character_repetition_ratio,
    phrase_pattern,
    phrase_ratio,
    special_characters_ratio,
    word_count,
    word_list_ratio,
    word_repetition_ratio,
)


class WordCount(Filter):
    """Number of words (whitespace words stripped of special characters; characters for unsegmented scripts)."""

    name: Literal["word_count"]

    def measure(self, view: TextView) -> float:
        return word_count(view)


class CharacterRepetition(Filter):
    """Share of character n-gram occurrences taken by the most frequent repeated n-grams (ROOTS)."""

    name: Literal["character_repetition"]
    bounds: ClassVar = (0.0, 1.0)
    n: int = Field(10, ge=1)
    """n-gram length in characters (ROOTS: 10; 3 for zh)."""

    def measure(self, view: TextView) -> float:
        return character_repetition_ratio(view.text, self.n)


class WordRepetition(Filter):
    """Share of word n-gram occurrences whose n-gram occurs more than once."""

    name: Literal["word_repetition"]
    bounds: ClassVar = (0.0, 1.0)
    n: int = Field(5, ge=1)
    """n-gram length in words (ROOTS: 5; 7 for ur)."""

    def measure(self, view: TextView) -> float:
        return word_repetition_ratio(view, self.n)


class SpecialCharacters(Filter):
    """Share of characters that are punctuation, digits, whitespace, symbols or emoji."""

    name: Literal["special_characters"]
    bounds: ClassVar = (0.0, 1.0)

    def measure(self, view: TextView) -> float:
        return special_characters_ratio(view.text)


def read_wordlist(path: Path, languages_dir: Path | None = None) -> frozenset[str]:
    """The words of a list (lowercased); with `languages_dir`, a list outside that folder is refused."""
    if languages_dir is not None and not within(path, [languages_dir]):
        raise UserError(f"word list {path} is outside the languages folder {languages_dir}: word lists live in "
                        "languages/ (e.g. languages/wordlists/...)")
    if not path.is_file():
        raise UserError(f"word list {path} not found")
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip().lower() for w in lines if w.strip() and not w.startswith("# "))


class _WordListFilter(Filter):
    bounds: ClassVar = (0.0, 1.0)
    list: str
    """Word list file, relative to the languages folder (one word per line; lines starting '# ' are comments)."""
    _words: frozenset[str] = PrivateAttr(default=frozenset())
    _sizes: list[int] = PrivateAttr(default_factory=list)
    _join: str = PrivateAttr(default="")

    def setup(self, ctx: FilterContext) -> None:
        self._words = read_wordlist(ctx.languages_dir / self.list, ctx.languages_dir)
        self._sizes, self._join = list(ctx.augmentation_group_sizes), ctx.augmentation_join

    def measure(self, view: TextView) -> float:
        return word_list_ratio(view, self._words, self._sizes, self._join)


class Stopwords(_WordListFilter):
    """Share of words that are stop words (closed-class words); low means not running text."""

    name: Literal["stopwords"]


class FlaggedWords(_WordListFilter):
    """Share of words on the language's flagged-word list (LDNOOBW)."""

    name: Literal["flagged_words"]
    match: Literal["words", "text"] = "words"
    """`words` (ROOTS): a word, or an augmentation n-gram, equal to an entry. `text`: the share of words inside an
    entry found in the running text, for a language split into characters whose entries are several characters
    long (ja: without augmentation nothing matched); entries in a script with spaces match whole words only."""
    _pattern: re.Pattern | None = PrivateAttr(default=None)

    def setup(self, ctx: FilterContext) -> None:
        super().setup(ctx)
        self._pattern = phrase_pattern(self._words) if self.match == "text" else None

    def measure(self, view: TextView) -> float:
        return phrase_ratio(view, self._pattern) if self._pattern is not None else super().measure(view)

"""datatrove's Gopher, C4 and FineWeb filters as named filters in a language YAML, to mix recipes.

Each wraps the datatrove class of the same name; `params` are its constructor's keyword arguments,
checked against its signature when the YAML loads (an unknown one fails, listing the valid ones). The
language's word tokeniser is datatrove's for `datatrove_language` (e.g. fra_Latn), and Gopher's stop
words default to the language's own stop-word list rather than datatrove's English one. A datatrove
filter answers pass/fail with a reason, not a number: the value stored is 1.0 (pass) or 0.0 (fail)
and the drop rule is `<name>:<datatrove's reason>`.
"""
from __future__ import annotations

import importlib
import inspect
from typing import ClassVar, Literal

from pydantic import PrivateAttr, model_validator

from pipeline.filters.base import Filter, FilterContext
from pipeline.filters.roots import read_wordlist
from pipeline.filters.text import TextView

StrParams = dict[str, float | int | bool | str | list[str] | None]


class DatatroveFilter(Filter):
    dt_class: ClassVar[str] = ""
    params: StrParams = {}
    """Keyword arguments of the datatrove filter class (see its docstring)."""
    _impl: object = PrivateAttr(default=None)
    _doc_cls: type = PrivateAttr(default=None)

    @classmethod
    def _cls(cls):
        return getattr(importlib.import_module("datatrove.pipeline.filters"), cls.dt_class)

    @model_validator(mode="after")
    def _known_params(self):
        sig = inspect.signature(self._cls().__init__)
        valid = [p for p in sig.parameters if p not in ("self", "exclusion_writer", "language")]
        unknown = [k for k in self.params if k not in valid]
        if unknown:
            raise ValueError(f"{self.name}: unknown params {unknown}; valid: {', '.join(valid)}")
        return self

    @property
    def column(self) -> str:
        return f"{self.name}_pass"

    def setup(self, ctx: FilterContext) -> None:
        from datatrove.data import Document

        kwargs = dict(self.params)
        if ctx.datatrove_language:
            kwargs["language"] = ctx.datatrove_language
        if self.dt_class == "GopherQualityFilter" and "stop_words" not in kwargs and ctx.stopwords:
            kwargs["stop_words"] = sorted(read_wordlist(ctx.languages_dir / ctx.stopwords, ctx.languages_dir))
        self._impl = self._cls()(**kwargs)
        self._doc_cls = Document
        self._impl.filter(Document(text="warm up the word tokeniser.", id="0"))  # fail here, not in a worker batch

    def evaluate(self, view: TextView) -> tuple[float, str | None]:
        out = self._impl.filter(self._doc_cls(text=view.text, id=""))
        ok, reason = (out, None) if isinstance(out, bool) else (out[0], out[1] if len(out) > 1 else None)
        return (1.0, None) if ok else (0.0, reason or "failed")

    def measure(self, view: TextView) -> float:
        return self.evaluate(view)[0]


class GopherQuality(DatatroveFilter):
    name: Literal["gopher_quality"]
    dt_class: ClassVar[str] = "GopherQualityFilter"


class GopherRepetition(DatatroveFilter):
    name: Literal["gopher_repetition"]
    dt_class: ClassVar[str] = "GopherRepetitionFilter"


class C4Quality(DatatroveFilter):
    name: Literal["c4_quality"]
    dt_class: ClassVar[str] = "C4QualityFilter"


class FineWebQuality(DatatroveFilter):
    name: Literal["fineweb_quality"]
    dt_class: ClassVar[str] = "FineWebQualityFilter"

"""Quality: the language's document edits, then every filter of its YAML measured on the edited text.

Each filter's value is stored in its own column; the document is dropped by the first filter (in YAML
order) whose check fails, with rule `<filter>:min|max` (or datatrove's reason), value and threshold.
"""
from __future__ import annotations

import pyarrow as pa

from pipeline.base import say
from pipeline.filters.base import Filter
from pipeline.filters.datatrove_filters import DatatroveFilter
from pipeline.filters.text import TextView, edit_document
from pipeline.language import LanguageConfig
from pipeline.record import Document, Rejection
from pipeline.stages.base import Knob, Output, Stage


class Quality(Stage):
    name = "quality"
    help = "ROOTS document edits + quality filters (and datatrove's) with thresholds from languages/<lang>.yaml"
    fixed_rules_first = False  # datatrove's reasons are re-applied after the ROOTS thresholds

    def __init__(self, ctx):
        super().__init__(ctx)
        lang = ctx.language
        self.edits = lang.edits
        self.split = lang.words.split
        self.filters = list(lang.filters)
        self.columns = {f.column: pa.float64() for f in self.filters}

    def edit(self, text: str) -> str:
        e = self.edits
        return edit_document(text, e.uniform_whitespace, e.remove_words_with, e.max_word_length)

    def verdict(self, view: TextView, scores: dict) -> tuple[str, float | None, float | None] | None:
        """Measure every filter into `scores`; return (rule, value, threshold) of the first failure."""
        first = None
        for f in self.filters:
            if isinstance(f, DatatroveFilter):
                value, reason = f.evaluate(view)
                fail = (f"{f.name}:{reason}", value, None) if reason else None
            else:
                value = f.measure(view)
                check = f.check(value)
                fail = (check[0], value, check[1]) if check else None
            scores[f.column] = value
            if fail and first is None:
                first = fail
        return first

    def __call__(self, docs: list[Document]) -> Output:
        kept, rejected = [], []
        for doc in docs:
            doc.text = self.edit(doc.text)
            fail = self.verdict(TextView(doc.text, self.split), doc.scores)
            if fail:
                rule, value, threshold = fail
                rejected.append(Rejection(doc, self.name, rule, value, threshold))
            else:
                kept.append(doc)
        return Output(kept, rejected)

    @classmethod
    def knobs(cls, language: LanguageConfig) -> list[Knob]:
        """Every ROOTS filter's min/max (a datatrove filter decides by reason, not by a threshold)."""
        return [Knob(cls.name, f.name, f.column, f.min, f.max, (f"{f.name}:min", f"{f.name}:max"),
                     ("filters", f.name), ("min", "max"))
                for f in language.filters if type(f).check is Filter.check]

    @classmethod
    def describe(cls, language, params, entries) -> str:
        if language is None:
            return ""
        parts = [f"{f.name} ({', '.join(f'{k} {say(v)}' for k, v in (('min', f.min), ('max', f.max)) if v is not None) or 'measured only'})"
                 for f in language.filters]
        e = language.edits
        return (f"edits: uniform whitespace {say(e.uniform_whitespace)}, remove words with {say(e.remove_words_with)}, "
                f"max word length {say(e.max_word_length)}; filters in order: " + "; ".join(parts))

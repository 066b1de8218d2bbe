"""Normalise: make every text comparable before anything measures it.

Unicode normalisation (NFC by default), CRLF/CR -> LF, removal of C0/C1 control characters (except
newline and tab) and of invisible marks that carry no text (U+200B zero-width space, U+2060, U+FEFF,
bidi overrides; ZWJ/ZWNJ are kept because Indic and Arabic scripts need them), trailing spaces per line
and leading/trailing blank lines. Records the size after normalisation; documents left shorter than
`min_chars` are dropped (`normalise:min_chars`).
"""
from __future__ import annotations

import re
import unicodedata
from typing import Literal

import pyarrow as pa
from pydantic import Field

from pipeline.base import Strict
from pipeline.record import Document, Rejection
from pipeline.stages.base import Output, Stage

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u2060\ufeff\u202a-\u202e\u2066-\u2069]")
_TRAILING = re.compile(r"[ \t]+$", re.M)
_SURROGATE = re.compile("[\ud800-\udfff]")


class NormaliseConfig(Strict):
    unicode_form: Literal["NFC", "NFKC", "none"] = "NFC"
    """Unicode normalisation form applied to every text (NFC keeps compatibility characters)."""
    strip_control: bool = True
    """Remove C0/C1 control characters other than newline and tab, and zero-width/bidi format marks."""
    min_chars: int = Field(1, ge=0)
    """Documents shorter than this after normalisation (characters) are dropped as `normalise:min_chars`."""


class Normalise(Stage):
    name = "normalise"
    help = "Unicode NFC, newlines, control characters; drop empty documents"
    Params = NormaliseConfig
    columns = {"n_chars": pa.int64(), "n_bytes": pa.int64(), "n_lines": pa.int64()}

    def __init__(self, ctx):
        super().__init__(ctx)
        self.cfg = ctx.config.normalise

    def normalise(self, text: str) -> str:
        text = _SURROGATE.sub("\ufffd", text)  # lone surrogates cannot be written as UTF-8
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if self.cfg.unicode_form != "none":
            text = unicodedata.normalize(self.cfg.unicode_form, text)
        if self.cfg.strip_control:
            text = _CONTROL.sub("", text)
        return _TRAILING.sub("", text).strip("\n ")

    def __call__(self, docs: list[Document]) -> Output:
        kept, rejected = [], []
        for doc in docs:
            doc.text = self.normalise(doc.text)
            n = len(doc.text)
            doc.scores.update(n_chars=n, n_bytes=len(doc.text.encode("utf-8")), n_lines=doc.text.count("\n") + 1 if n else 0)
            content = n if not doc.text.isspace() else 0  # only spaces of any kind (NBSP, U+3000...): nothing
            if content < self.cfg.min_chars:
                rejected.append(Rejection(doc, self.name, "min_chars", float(content), float(self.cfg.min_chars),
                                          "" if content == n else "only whitespace"))
            else:
                kept.append(doc)
        return Output(kept, rejected)

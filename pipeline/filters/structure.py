"""Measures of list structure: text that is a run of separated items rather than sentences.

ROOTS's measures do not see two kinds of web junk made of a language's own ordinary words: a keyword
list or tag cloud (`linux, debian, kernel, install, ...`) and a navigation menu or breadcrumb trail
(`Home | News | Downloads` or `Home » Docs » Install`). Their words, stop words included, are those of
prose, so the stop-word ratio, repetition and special-character share stay in prose's range. What differs
is how often a separator comes between words:

  list_separators  list commas and semicolons (, ; and their Arabic and CJK forms) per word. Running
                   prose has one every 7-25 words (median 0.04-0.1 per word on the bundled manuals, p99
                   0.14); a keyword list has one per item (0.3-1.0).
  menu_separators  separator characters with a space or tab on each side, as between the items of a menu
                   line (`a | b`, `a » b`, `a • b`, `a / b`, `a > b`), per word. Prose and technical text
                   have almost none (a shell pipe, a path choice): p99.9 0.057 per word on the bundled
                   manuals; a menu has one every 2-6 words (0.08-0.6).

Words are the language's (`words.split`): whitespace words, or characters for unsegmented scripts, so
the per-word rates of zh and ja are per character and their thresholds lower.
"""
from __future__ import annotations

import re
from typing import Literal

import pipeline.filters.text as _text
from pipeline.filters.base import Filter
from pipeline.filters.text import TextView

LIST_CHARACTERS = ",;\u060c\u061b\u3001\uff0c\uff1b\ufe50\ufe51"  # , ; ، ؛ 、 ， ； ﹐ ﹑
MENU_CHARACTERS = "|¦•·∙»›>/→▸►"
# a space or tab on each side; the space before is consumed, the one after is not (`a | | b` counts two)
MENU_SEPARATORS = re.compile(f"[ \\t][{re.escape(MENU_CHARACTERS)}](?=[ \\t])")


def _per_word(count: int, view: TextView) -> float:
    words = len(view.words_raw)
    return count / words if words else 0.0


class ListSeparators(Filter):
    """List commas and semicolons per word; high means a keyword list or tag cloud."""

    name: Literal["list_separators"]

    def measure(self, view: TextView) -> float:
        return _per_word(sum(map(view.text.count, LIST_CHARACTERS)), view)


class MenuSeparators(Filter):
    """Separators standing between items of a line (| » • / >) per word; high means a menu or breadcrumb."""

    name: Literal["menu_separators"]

    def measure(self, view: TextView) -> float:
        native = _text.native  # the C kernel, or the pattern where it is not built
        count = native.count_between(view.text, MENU_CHARACTERS) if native is not None else len(MENU_SEPARATORS.findall(view.text))
        return _per_word(count, view)

"""A direct, slow reading of the ROOTS OSCAR filter definitions (and of the two list-structure measures
of filters/structure.py), to check the fast implementation.

Written from the published definitions (see ../shared/REFERENCE.md and filters/text.py's docstring),
one plain loop per step, no shared state and no shortcuts: if filters/text.py ever optimises a measure
into something different, the comparison tests fail.
"""
from __future__ import annotations

import math

from pipeline.filters.text import SPECIAL, UNICODE_SPACES


def ref_strip(word: str) -> str:
    start, end = 0, len(word)
    while start < end and word[start] in SPECIAL:
        start += 1
    while end > start and word[end - 1] in SPECIAL:
        end -= 1
    return word[start:end]


def ref_split(text: str) -> list[str]:
    words, current = [], ""
    for ch in text:
        if ch in " \n\t":
            if current:
                words.append(current)
            current = ""
        else:
            current += ch
    if current:
        words.append(current)
    return words


def is_unsegmented(ch: str) -> bool:
    """Han, kana, Thai, Lao, Khmer, Myanmar, Tibetan: one word per character in `chars` mode."""
    o = ord(ch)
    return (0x3040 <= o <= 0x30FF or 0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF
            or 0x0E00 <= o <= 0x0EFF or 0x1000 <= o <= 0x109F or 0x1780 <= o <= 0x17FF or 0x0F00 <= o <= 0x0FFF)


def ref_split_chars(text: str) -> list[str]:
    words, current = [], ""
    for ch in text:
        if ch.isspace() or is_unsegmented(ch):
            if current:
                words.append(current)
            current = ""
            if is_unsegmented(ch):
                words.append(ch)
        else:
            current += ch
    if current:
        words.append(current)
    return words


def ref_words(text: str, lower: bool, split: str = "whitespace") -> list[str]:
    if lower:
        text = text.lower()
    parts = ref_split_chars(text) if split == "chars" else ref_split(text)
    return [w for w in (ref_strip(w) for w in parts) if w]


def ref_edit(text: str, substrings: list[str] | None, max_len: int | None) -> str:
    text = text.strip()
    text = "".join(" " if ch in UNICODE_SPACES else ch for ch in text)
    if not substrings and not max_len:
        return text

    def keep(word: str) -> bool:
        if substrings and any(s in ref_strip(word) for s in substrings):
            return False
        if max_len and len(word) > max_len:
            core = ref_strip(word)
            return 0 < len(core) <= max_len
        return True

    out_lines = []
    for line in text.split("\n"):
        cells = []
        for cell in line.split("\t"):
            kept = [w for w in cell.split(" ") if w and keep(w)]
            if kept:
                cells.append(" ".join(kept))
        if cells:
            out_lines.append("\t".join(cells))
    return "\n".join(out_lines)


def ref_char_repetition(text: str, n: int) -> float:
    counts: dict[str, int] = {}
    for i in range(len(text) - n + 1):
        counts[text[i : i + n]] = counts.get(text[i : i + n], 0) + 1
    if not counts:
        return 0.0
    freqs = sorted(counts.values(), reverse=True)
    k = min(int(math.sqrt(len(freqs))), len([f for f in freqs if f > 1]))
    return sum(freqs[:k]) / sum(freqs)


def ref_word_repetition(words: list[str], n: int) -> float:
    counts: dict[str, int] = {}
    for i in range(len(words) - n + 1):
        g = " ".join(words[i : i + n])
        counts[g] = counts.get(g, 0) + 1
    if not counts:
        return 0.0
    return sum(f for f in counts.values() if f > 1) / sum(counts.values())


def ref_special(text: str) -> float:
    return 0.0 if not text else len([c for c in text if c in SPECIAL]) / len(text)


def ref_list_ratio(words: list[str], wordlist: frozenset[str], sizes: list[int], join: str) -> float:
    if not words:
        return 0.0
    aug = [join.join(words[i : i + n]) for n in sizes for i in range(len(words) - n + 1)]
    return min(len([w for w in words + aug if w in wordlist]) / len(words), 1.0)


def ref_measures(text: str, lang_cfg, stop: frozenset[str] | None, flagged: frozenset[str] | None) -> dict[str, float]:
    """Every filter value of a language config on an already-edited whitespace-split text."""
    split = lang_cfg.words.split
    lower = ref_words(text, lower=True, split=split)
    sizes, join = lang_cfg.words.augmentation_group_sizes, lang_cfg.words.augmentation_join
    values = {}
    for f in lang_cfg.filters:
        if f.name == "word_count":
            values[f.name] = float(len(ref_words(text, lower=False, split=split)))
        elif f.name == "character_repetition":
            values[f.name] = ref_char_repetition(text, f.n)
        elif f.name == "word_repetition":
            values[f.name] = ref_word_repetition(lower, f.n)
        elif f.name == "special_characters":
            values[f.name] = ref_special(text)
        elif f.name == "stopwords":
            values[f.name] = ref_list_ratio(lower, stop, sizes, join)
        elif f.name == "flagged_words":
            values[f.name] = ref_list_ratio(lower, flagged, sizes, join)
        elif f.name in ("list_separators", "menu_separators"):
            values[f.name] = ref_separators(text, f.name, len(ref_words(text, lower=False, split=split)))
    return values


def ref_separators(text: str, name: str, words: int) -> float:
    """list: each of , ; ، ؛ 、 ， ； ﹐ ﹑ counts; menu: each of | ¦ • · ∙ » › > / → ▸ ► with a space or tab
    on each side counts; the count per word."""
    count = 0
    for i, ch in enumerate(text):
        if name == "list_separators":
            count += ch in ",;،؛、，；﹐﹑"
        else:
            count += ch in "|¦•·∙»›>/→▸►" and 0 < i < len(text) - 1 and text[i - 1] in " \t" and text[i + 1] in " \t"
    return count / words if words else 0.0


def ref_keep(values: dict[str, float], lang_cfg) -> bool:
    for f in lang_cfg.filters:
        v = values[f.name]
        if (f.min is not None and v < f.min) or (f.max is not None and v > f.max):
            return False
    return True

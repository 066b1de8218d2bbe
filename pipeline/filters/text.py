"""The ROOTS OSCAR measures, one number per document, and the document edits that precede them.

Definitions follow BigScience's filtering code (data-preparation, 01b_oscar_cleaning_and_filtering),
re-implemented so that every list of words is computed once per document and shared by the filters:

  words       split on spaces, newlines and tabs; each word stripped of special characters at both
              ends; empty words dropped (`words_raw`, for the count) and the same on lowercased text
              (`words`, for every ratio). Unsegmented scripts split into single characters instead.
  word_count  len(words_raw).
  char rep    all character n-grams; k = min(floor(sqrt(#distinct)), #distinct with freq > 1);
              ratio = sum of the k highest frequencies / sum of all frequencies.
  word rep    word n-grams of `words`; share of n-gram occurrences whose n-gram occurs more than once.
  special     share of the document's characters that are special characters.
  stopwords   (matches in words + augmentation) / len(words), capped at 1; flagged words likewise.
              Augmentation (vi, zh) adds joined word bigrams/trigrams so multi-syllable entries match.

Special characters: ASCII punctuation, digits and whitespace, ~150 symbols from ROOTS's list, every
Unicode space separator, and every single-code-point emoji (the `emoji` package's data).
Document edits (ROOTS order): strip, unify Unicode spaces to ' ' (newlines and tabs are kept), remove
words containing a URL-ish substring, remove words longer than a cutoff unless stripping special
characters brings them under it. Separators are re-joined as ROOTS does (runs of spaces collapse).
"""
from __future__ import annotations

import functools
import math
import re
import string
import sys
import unicodedata
from collections import Counter

import emoji
import numpy as np

# Symbols ROOTS counted as special besides ASCII punctuation, digits and whitespace (its parameters file).
ROOTS_OTHER_SPECIAL = (
    "’“”–ー一▬…✦�£•€«»°·═×士＾˘⇓↓↑←→（）§″′´¿−±∈¢ø‚„½¼¾¹²³―⁃，ˌ¸‹›ʺˈʻ¦‐⠀‰‑≤≥‖"
    "◆●■►▼▲▴∆▻¡★☆✱ːº。¯˜¥ɪ≈†上ン：∼⁄・♡✓⊕․．⋅÷１‟；،、¨ाাी्े◦˚゜ʼ≖ʼ¤ッツシ℃√！【】‿∞➤～πه۩☛₨➩☻๑٪♥ıॽ《‘©﴿٬？▷Г♫∟™ª₪®「—❖」﴾》"
    "\u00ad\u200b\ufeff\ufffc"
)
UNICODE_SPACES = frozenset(chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Zs") | {"\ufffc", "\u0085"}
SPECIAL = frozenset(string.punctuation + string.digits + string.whitespace + ROOTS_OTHER_SPECIAL) | UNICODE_SPACES | frozenset(
    e for e in emoji.EMOJI_DATA if len(e) == 1)

_SPECIAL_LUT = np.zeros(sys.maxunicode + 1, dtype=np.bool_)  # code point -> is special (1.1 MB)
_SPECIAL_LUT[[ord(c) for c in SPECIAL]] = True
_UNICODE_SPACE_RE = re.compile("[" + "".join(re.escape(c) for c in sorted(UNICODE_SPACES - {" "})) + "]")
# Characters whose lowercase differs from them in being special (e.g. Cyrillic Г is listed, г is not):
# only in a text holding one of them can stripping-then-lowercasing differ from lowercasing-then-stripping.
_CASE_SENSITIVE = "".join(c for c in map(chr, range(sys.maxunicode + 1))
                          if c.lower() != c and ((c in SPECIAL) != all(x in SPECIAL for x in c.lower())
                                                  or any(x in SPECIAL for x in c.lower()) != (c in SPECIAL)))
_CASE_SENSITIVE_RE = re.compile("[" + re.escape(_CASE_SENSITIVE) + "]") if _CASE_SENSITIVE else None
_WS_SPLIT = re.compile(r"[ \n\t]+")
# One "word" per character for scripts written without spaces (Han, kana, Thai, Lao, Khmer, Myanmar, Tibetan);
# runs of anything else that is not whitespace stay whole.
_UNSEGMENTED = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u0f00-\u0fff"
_CHAR_SPLIT = re.compile(f"[{_UNSEGMENTED}]|[^\\s{_UNSEGMENTED}]+")
_SEGMENTED_WORD = f"[^\\W{_UNSEGMENTED}]"  # a letter or digit of a script written with spaces
_UNSEGMENTED_LUT = np.zeros(sys.maxunicode + 1, dtype=np.bool_)  # code point -> in an unsegmented script
for _lo, _hi in re.findall("(.)-(.)", _UNSEGMENTED):
    _UNSEGMENTED_LUT[ord(_lo) : ord(_hi) + 1] = True

try:  # the C kernels (make native): same results as the Python code below, which runs where the module is missing
    import pipeline.filters._textnative as native
except ImportError:
    native = None
else:
    native.configure(_SPECIAL_LUT, _UNSEGMENTED_LUT)


_ASCII_SPECIAL = "".join(c for c in map(chr, range(128)) if c in SPECIAL)


def strip_special(word: str) -> str:
    if word[0] not in SPECIAL and word[-1] not in SPECIAL:
        return word
    word = word.strip(_ASCII_SPECIAL)  # most ends are ASCII punctuation: str.strip, then the rest by hand
    if not word or (word[0] not in SPECIAL and word[-1] not in SPECIAL):
        return word
    i, j = 0, len(word)
    while i < j and word[i] in SPECIAL:
        i += 1
    while j > i and word[j - 1] in SPECIAL:
        j -= 1
    return word[i:j]


def split_words(text: str, split: str) -> list[str]:
    """Whitespace (space, newline, tab) or single characters for unsegmented scripts; empties dropped."""
    if split == "chars":
        return _CHAR_SPLIT.findall(text)
    return [w for w in _WS_SPLIT.split(text) if w]


def stripped(words: list[str]) -> list[str]:
    S = SPECIAL
    out = [w if (w[0] not in S and w[-1] not in S) else strip_special(w) for w in words]
    return [w for w in out if w]


def words_of(text: str, split: str) -> list[str]:
    """The words of `text` stripped of special characters at both ends, empties dropped (in C where it is built)."""
    return native.words(text, split == "chars") if native is not None else stripped(split_words(text, split))


def augment(words: list[str], sizes: list[int], join: str) -> list[str]:
    return [join.join(words[i : i + n]) for n in sizes for i in range(len(words) - n + 1)]


class TextView:
    """The word lists of one document, computed on first use and shared by every measure."""

    __slots__ = ("text", "split", "_words_raw", "_words")

    def __init__(self, text: str, split: str = "whitespace"):
        self.text, self.split = text, split
        self._words_raw: list[str] | None = None
        self._words: list[str] | None = None

    @property
    def words_raw(self) -> list[str]:
        if self._words_raw is None:
            self._words_raw = words_of(self.text, self.split)
        return self._words_raw

    @property
    def words(self) -> list[str]:
        if self._words is None:
            if _CASE_SENSITIVE_RE is None or not _CASE_SENSITIVE_RE.search(self.text):
                raw = self.words_raw  # lowering each word is the same as stripping the lowercased text
                self._words = native.lowered(raw) if native is not None else [w.lower() for w in raw]
            else:
                self._words = words_of(self.text.lower(), self.split)
        return self._words


def word_count(view: TextView) -> float:
    return float(len(view.words_raw))


_MUL = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit multiplier for the rolling hash


def _gram_counts(ids: np.ndarray, n: int) -> np.ndarray:
    """Occurrence counts of the distinct n-grams of an integer sequence, via a 64-bit polynomial hash
    computed with numpy (n vector passes, no Python loop per position). Distinct n-grams of one document
    collide with probability ~ m^2 / 2^64: never in practice."""
    m = len(ids) - n + 1
    h = np.zeros(m, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(n):
            h = h * _MUL + ids[j : j + m]
    return np.unique(h, return_counts=True)[1]


def character_repetition_ratio(text: str, n: int) -> float:
    if native is not None:
        return native.char_repetition(text, n)
    if len(text) < n:
        return 0.0
    ids = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
    freqs = _gram_counts(ids, n)
    repeated = freqs[freqs > 1]
    k = min(math.isqrt(len(freqs)), len(repeated))  # the k highest frequencies are all repeated ones
    top = repeated if k == len(repeated) else np.partition(repeated, len(repeated) - k)[len(repeated) - k:]
    return float(top.sum()) / float(freqs.sum())


def word_repetition_ratio(view: TextView, n: int) -> float:
    words = view.words
    if native is not None:
        return native.word_repetition(words, n)
    if len(words) < n:
        return 0.0
    grams = Counter(zip(*(words[i:] for i in range(n))))
    total = len(words) - n + 1
    return sum(f for f in grams.values() if f > 1) / total


def special_characters_ratio(text: str) -> float:
    if native is not None:
        return native.special_ratio(text)
    if not text:
        return 0.0
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return int(np.count_nonzero(_SPECIAL_LUT[cps])) / len(text)


def word_list_ratio(view: TextView, wordlist: frozenset[str], sizes: list[int], join: str) -> float:
    words = view.words
    if not words:
        return 0.0
    count = native.count_in if native is not None else (lambda ws, wl: sum(map(wl.__contains__, ws)))
    hits = count(words, wordlist)
    if sizes:
        hits += count(augment(words, sizes, join), wordlist)
    return min(hits / len(words), 1.0)


def phrase_pattern(entries) -> re.Pattern:
    """A pattern finding `entries` inside running text, longest first: an entry written in an unsegmented script
    matches anywhere (its words are its characters); any other entry only as whole words (`sm` not in `smb`)."""
    def one(e: str) -> str:
        return re.escape(e) if re.search(f"[{_UNSEGMENTED}]", e) else rf"(?<!{_SEGMENTED_WORD}){re.escape(e)}(?!{_SEGMENTED_WORD})"
    return re.compile("|".join(one(e) for e in sorted(entries, key=lambda e: (-len(e), e))) or "(?!)")


def phrase_ratio(view: TextView, pattern: re.Pattern) -> float:
    """Share of the document's words inside a match of `pattern` in its lowercased text, capped at 1."""
    words = view.words
    if not words:
        return 0.0
    hits = sum(len(split_words(m.group(), view.split)) for m in pattern.finditer(view.text.lower()))
    return min(hits / len(words), 1.0)


# ---- document edits -------------------------------------------------------------------------------


def uniform_whitespace(text: str) -> str:
    return _UNICODE_SPACE_RE.sub(" ", text) if _UNICODE_SPACE_RE.search(text) else text


_SEPARATOR_RUN = re.compile("[ \t\n]{2,}")


def _one_separator(m: re.Match) -> str:
    run = m.group()
    return "\n" if "\n" in run else "\t" if "\t" in run else " "


def collapse_separators(text: str) -> str:
    """What ROOTS's split on newline, tab and space and re-join does to separators (its empty lines, cells and words
    are dropped): a run of separators between two words becomes the strongest separator in it (newline, else tab,
    else space), and runs at either end go. One pass over the text."""
    return _SEPARATOR_RUN.sub(_one_separator, text).strip(" \t\n")


_SEPARATOR = re.compile("[ \t\n]")


def _blank_words(text: str, keep, candidate: re.Pattern) -> str:
    """Blank the words (maximal runs without space, tab or newline) that `keep` rejects, looking only at the
    words where `candidate` matches; separators stay (collapse_separators re-joins them). Linear in the text:
    each word is bounded by searching from the match to the nearest separator on either side."""
    out, last, seen = [], 0, 0  # text before `last` is written; words before `seen` are decided
    for m in candidate.finditer(text):
        p = m.start()
        if p < seen:
            continue  # in the word just decided
        start = max(text.rfind(c, seen, p) for c in " \t\n") + 1 or seen
        sep = _SEPARATOR.search(text, p)
        seen = sep.start() if sep else len(text)
        if not keep(text[start:seen]):
            out.append(text[last:start])
            last = seen
    if not last:
        return text
    out.append(text[last:])
    return "".join(out)


@functools.lru_cache(maxsize=8)
def _long_word(max_len: int) -> re.Pattern:
    """A word longer than `max_len`, found only where a word starts (elsewhere the look-behind fails at once)."""
    return re.compile(f"(?<![^ \\t\\n])[^ \\t\\n]{{{max_len + 1},}}")


def edit_document(text: str, uniform: bool, substrings: list[str] | None, max_len: int | None) -> str:
    """ROOTS's document edits: strip, unify spaces, remove URL-ish words, remove over-long words.
    When a word edit is on, separators are re-joined the ROOTS way (collapse_separators)."""
    text = text.strip()
    if uniform:
        text = uniform_whitespace(text)
    if native is not None and (substrings or max_len):  # (substrings hold no separator: EditsConfig checks)
        return native.edit_words(text, tuple(substrings or ()), max_len or 0)
    if substrings:
        subs = list(substrings)

        def keep_url(w: str) -> bool:
            s = strip_special(w)
            return not any(sub in s for sub in subs)

        text = _blank_words(text, keep_url, re.compile("|".join(re.escape(x) for x in subs)))
    if max_len:
        def keep_short(w: str) -> bool:
            return len(w) <= max_len or 0 < len(strip_special(w)) <= max_len

        text = _blank_words(text, keep_short, _long_word(max_len))
    if substrings or max_len:
        text = collapse_separators(text)
    return text

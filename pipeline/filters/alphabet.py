"""Letters a language's alphabet lacks: the share of a text's letters outside it (the langid stage's
`foreign_letters` rule, `lid.alphabet` in the language YAML).

A detector that does not know a language gives its text the nearest one it knows: CLD2 calls Fon paragraphs
Igbo and Bambara ones Akan or Lingala. Their letters say otherwise: Fon writes ɖ, Bambara ɲ and ŋ, which Igbo,
Akan and Lingala do not. The alphabets are CLDR's exemplar characters (main and auxiliary: `make alphabets`,
pipeline/prep/alphabets.py). Two allowances keep a language's own text in:
- tone marks are folded away before comparing: on vowels acute, grave, circumflex, tilde, macron, diaeresis and
  caron, on syllabic nasals acute, grave and macron. Many orthographies write tone only sometimes and CLDR lists
  few of the marked vowels (the Tsonga UDHR writes à è ò, CLDR's Tsonga has none). Marks that make another
  letter stay: the caron of š, the dot below of ẹ ọ ṣ, the dot above of ṅ, the cedilla of ç, the tilde of ñ;
- ASCII letters always belong (English names, code and loanwords are everywhere in web text).
"""
from __future__ import annotations

import unicodedata
from pathlib import Path

from pipeline.base import within
from pipeline.errors import UserError

# marks folded away on a vowel: grave, acute, circumflex, tilde, macron, diaeresis, caron; on a syllabic nasal
# (ḿ ǹ ŋ́) grave, acute and macron only (ñ is a letter)
VOWEL_MARKS = frozenset("\u0300\u0301\u0302\u0303\u0304\u0308\u030c")
NASAL_MARKS = frozenset("\u0300\u0301\u0304")
VOWELS = frozenset("aeiouyɛɔəɪʊɨʉAEIOUYƐƆƏƖƱƗɄ")
NASALS = frozenset("mnŋMNŊ")


def fold(text: str) -> str:
    """`text` in NFC with tone marks on vowels and syllabic nasals removed (a stack of them: all)."""
    out: list[str] = []
    base = ""
    for ch in unicodedata.normalize("NFD", text):
        if (base in VOWELS and ch in VOWEL_MARKS) or (base in NASALS and ch in NASAL_MARKS):
            continue
        if not unicodedata.combining(ch):
            base = ch
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def read_alphabet(path: Path, languages_dir: Path | None = None) -> frozenset[str]:
    """The letters of an alphabet file (`#` lines are comments; every other character that is a letter counts),
    lower-cased and folded; with `languages_dir`, a file outside that folder is refused."""
    if languages_dir is not None and not within(path, [languages_dir]):
        raise UserError(f"alphabet {path} is outside the languages folder {languages_dir}: alphabets live in "
                        "languages/ (e.g. languages/alphabets/...)")
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise UserError(f"alphabet file {path}: {e.strerror or e}") from None
    letters = frozenset(c for line in lines if not line.startswith("#") for c in fold(line.lower())
                        if unicodedata.category(c).startswith("L"))
    if not letters:
        raise UserError(f"alphabet file {path}: no letters in it")
    return letters


def foreign_share(text: str, alphabet: frozenset[str]) -> float:
    """The share of `text`'s letters that are neither ASCII nor in `alphabet` (0.0 for a text without letters)."""
    if text.isascii():
        return 0.0
    letters = foreign = 0
    for c in fold(text.lower()):
        if c.isascii():
            letters += c.isalpha()
        elif unicodedata.category(c).startswith("L"):
            letters += 1
            foreign += c not in alphabet
    return foreign / letters if letters else 0.0

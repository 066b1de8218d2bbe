"""The C text kernels (pipeline/filters/_textnative.c) against the Python definitions they replace, on real
bundled text in 14 languages and on random strings built from the characters where the two could part:
separators, special characters at word ends, unsegmented scripts, surrogates, case-changing letters."""
import random

import pytest
from conftest import ROOT, require_bundled_data

from pipeline.catalogue import sources_for
from pipeline.filters import text as T
from pipeline.filters.base import FilterContext
from pipeline.filters.roots import FlaggedWords
from pipeline.filters.structure import MenuSeparators
from pipeline.readers import source_documents

SUBS = ["http", "www", ".com", "href", "//"]
MENU = MenuSeparators(name="menu_separators")
STOP = FlaggedWords(name="flagged_words", list="wordlists/stopwords/en.txt")
STOP.setup(FilterContext(ROOT / "languages"))
ALPHABET = list("ab cd\t\n\r.,:;!?/-'\"()[]#|»>") + [
    "the", "The", "and", "http", "www.", ".com", "//", "\u00a0", "\u3000", "\u4e2d", "\u6587", "\u0e01", "Σ", "π", "İ", "Г",
    "é", "\u0928\u093e", "😀", "\ud800", "\x85", "\u200b", "x" * 30, "!" * 27, "ab" * 13 + "!!"]


def python_and_native(fn):
    """fn() evaluated with the Python definitions, then with the C kernels."""
    native = T.native
    try:
        T.native = None
        expected = fn()
    finally:
        T.native = native
    return expected, fn()


def measures(text: str) -> dict:
    out = {}
    for split in ("whitespace", "chars"):
        view = T.TextView(text, split)
        out[split] = (view.words_raw, view.words, T.word_repetition_ratio(view, 3), T.word_repetition_ratio(view, 5))
    view = T.TextView(text)
    out["text"] = [T.character_repetition_ratio(text, n) for n in (1, 3, 10)] + [T.special_characters_ratio(text),
                                                                                 MENU.measure(view), STOP.measure(view)]
    out["edits"] = [T.edit_document(text, uniform, subs, max_len)
                    for uniform in (True, False) for subs, max_len in ((SUBS, 25), (None, 25), (["http"], None), (SUBS, 3))]
    return out


def test_the_kernels_are_built():
    assert T.native is not None, "pipeline/filters/_textnative.so is missing: run `make native` (part of `make setup`)"


def test_lowering_every_code_point_is_str_lower():
    chars = [chr(c) for c in range(0x110000)]
    assert T.native.lowered(chars) == [c.lower() for c in chars]
    assert T.native.lowered(["ABC", "abc", "Straße", "İ", "ΣΑΣ"]) == ["abc", "abc", "straße", "i̇", "σας"]


def test_random_strings_measure_the_same():
    rng = random.Random(7)
    texts = ["", " ", "\t\n ", "a", "πΣ a", "ΟΔΟΣ. Σ", "İstanbul İ", "\ud800x y", "!!! ... ???", "a  \t b\n\n c ",
             " http://x.com/a www y"]
    texts += ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 120))) for _ in range(3000)]
    for text in texts:
        expected, got = python_and_native(lambda t=text: measures(t))
        assert got == expected, repr(text)


@pytest.mark.parametrize("lang", ["fr", "en", "es", "pt", "ca", "eu", "ar", "zh", "vi", "id", "hi", "ru", "ja", "de"])
def test_real_documents_measure_the_same(lang):
    require_bundled_data()
    docs = list(source_documents(sources_for(ROOT / "catalogue", lang), lang, 10**7))
    random.Random(0).shuffle(docs)
    for doc in docs[:150]:
        expected, got = python_and_native(lambda t=doc.text: measures(t))
        assert got == expected, doc.id

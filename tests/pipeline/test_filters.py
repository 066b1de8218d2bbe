"""One table per filter: text -> measured value -> verdict, including non-Latin scripts."""
from pathlib import Path

import pytest
from conftest import ROOT

from pipeline.filters.base import FilterContext
from pipeline.filters.roots import (
    CharacterRepetition,
    FlaggedWords,
    SpecialCharacters,
    Stopwords,
    WordCount,
    WordRepetition,
    read_wordlist,
)
from pipeline.filters.structure import ListSeparators, MenuSeparators
from pipeline.filters.text import TextView, edit_document

LANGS = ROOT / "languages"


@pytest.mark.parametrize("text,split,expected", [
    ("Le chat, dort. 123 !!!", "whitespace", 3),           # digits and punctuation are not words
    ("  «Bonjour»\n\tmonde  ", "whitespace", 2),            # guillemets stripped, newline/tab split
    ("مرحبا بالعالم ، كيف", "whitespace", 3),                # Arabic comma is special
    ("नमस्ते दुनिया।", "whitespace", 2),                       # danda is not in the list: stays attached
    ("我爱北京。天安门", "chars", 7),                            # one word per Han character
    ("Debian 系统很好", "chars", 5),                            # Latin runs stay whole among Han
    ("", "whitespace", 0),
])
def test_word_count(text, split, expected):
    f = WordCount(name="word_count", min=3)
    value = f.measure(TextView(text, split))
    assert value == expected
    assert f.check(value) == (None if expected >= 3 else ("word_count:min", 3))


@pytest.mark.parametrize("text,n,expected", [
    ("a" * 12, 10, 1.0),
    ("abcdefghijk", 10, 0.0),                 # nothing repeats
    ("我爱你我爱你", 3, 0.5),                    # [2,1,1]: k = min(1, 1) -> 2/4
    ("short", 10, 0.0),                        # shorter than n
    ("ab" * 30, 10, 26 / 51),                  # 2 distinct 10-grams (26 + 25 times); k = isqrt(2) = 1
])
def test_character_repetition(text, n, expected):
    value = CharacterRepetition(name="character_repetition", n=n).measure(TextView(text))
    assert value == pytest.approx(expected)


@pytest.mark.parametrize("text,n,expected,verdict", [
    ("a b a b", 2, 2 / 3, ("word_repetition:max", 0.5)),
    ("one two three four five six", 2, 0.0, None),
    ("Один два. один ДВА", 2, 2 / 3, ("word_repetition:max", 0.5)),   # lowercased, punctuation stripped
    ("one two", 5, 0.0, None),
])
def test_word_repetition(text, n, expected, verdict):
    f = WordRepetition(name="word_repetition", n=n, max=0.5)
    value = f.measure(TextView(text))
    assert value == pytest.approx(expected) and f.check(value) == verdict


@pytest.mark.parametrize("text,expected", [
    ("ab, 12", 4 / 6),
    ("abc", 0.0),
    ("你好，世界！", 2 / 6),                 # fullwidth comma and exclamation are listed
    ("😀😀ab", 0.5),                       # emoji are special
    ("\u00a0x", 0.5),                      # no-break space is a Unicode space
])
def test_special_characters(text, expected):
    f = SpecialCharacters(name="special_characters", max=0.4)
    value = f.measure(TextView(text))
    assert value == pytest.approx(expected)
    assert (f.check(value) is None) == (expected <= 0.4)


def _ctx(tmp_path: Path, words: list[str], sizes=(), join="") -> FilterContext:
    (tmp_path / "list.txt").write_text("# test list\n" + "\n".join(words) + "\n", encoding="utf-8")
    return FilterContext(languages_dir=tmp_path, augmentation_group_sizes=list(sizes), augmentation_join=join)


@pytest.mark.parametrize("text,words,sizes,join,expected", [
    ("Le chat et le chien", ["le", "et"], (), "", 3 / 5),
    ("我们 好", ["我们"], (2,), "", 1 / 2),           # whitespace split: "我们" is itself a word
    ("một hai ba", ["hai ba"], (2,), " ", 1 / 3),      # vi syllable bigram matches
    ("The the THE", ["the"], (), "", 1.0),
    ("", ["x"], (), "", 0.0),
])
def test_stopword_ratio(tmp_path, text, words, sizes, join, expected):
    f = Stopwords(name="stopwords", list="list.txt", min=0.2)
    f.setup(_ctx(tmp_path, words, sizes, join))
    value = f.measure(TextView(text))
    assert value == pytest.approx(expected)


def test_stopword_ratio_with_character_split_and_bigrams(tmp_path):
    f = Stopwords(name="stopwords", list="list.txt", min=0.5)
    f.setup(_ctx(tmp_path, ["我们", "的"], (2,), ""))
    value = f.measure(TextView("我们的书", "chars"))  # chars 我 们 的 书; bigram 我们; 的 -> 2/4
    assert value == 0.5 and f.check(value) is None


def test_flagged_ratio_uses_the_real_ldnoobw_list():
    words = sorted(read_wordlist(LANGS / "wordlists/flagged/en.txt"))
    single = next(w for w in words if w.isalpha())  # list words with digits lose them when stripped
    f = FlaggedWords(name="flagged_words", list="wordlists/flagged/en.txt", max=0.01)
    f.setup(FilterContext(languages_dir=LANGS))
    text = f"the weather is mild today and {single} was said once"
    value = f.measure(TextView(text))
    assert value == pytest.approx(1 / 10) and f.check(value) == ("flagged_words:max", 0.01)


def test_min_greater_than_max_is_rejected():
    with pytest.raises(ValueError, match="min 5.0 > max 2.0"):
        WordCount(name="word_count", min=5, max=2)


@pytest.mark.parametrize("text,subs,max_len,expected", [
    ("voir http://x.org et www.debian.org ici", ["http", "www"], None, "voir et ici"),
    ("a  b\n\n\tc \t\td", ["zz"], None, "a b\nc\td"),                      # separators collapse as in ROOTS
    ("ok " + "x" * 30 + " fin", None, 25, "ok fin"),
    ("ok " + "(" + "x" * 24 + ")" + " fin", None, 25, "ok (" + "x" * 24 + ") fin"),  # under 25 once stripped
    ("a\u2003b\u00a0c", None, None, "a b c"),                                # Unicode spaces unified
    ("line one\n\nline two", None, None, "line one\n\nline two"),            # no word edit: untouched
])
def test_document_edits(text, subs, max_len, expected):
    assert edit_document(text, True, subs, max_len) == expected


def _roots_edit(text: str, subs: list[str] | None, max_len: int | None) -> str:
    """ROOTS's own way, word by word: split lines on newline, cells on tab, words on space; blank the rejected
    words; re-join dropping empty words, cells and lines."""
    from pipeline.filters.text import strip_special, uniform_whitespace

    def keep(w: str) -> bool:
        if subs and any(s in strip_special(w) for s in subs):
            return False
        return not max_len or len(w) <= max_len or 0 < len(strip_special(w)) <= max_len

    lines = [["".join(" ".join(w for w in cell.split(" ") if w and keep(w))) for cell in line.split("\t")]
             for line in uniform_whitespace(text.strip()).split("\n")]
    return "\n".join(j for j in ("\t".join(c for c in cells if c) for cells in lines) if j)


def test_document_edits_equal_roots_word_by_word_on_random_texts():
    """The edits look only at the words a URL-ish substring or an over-long run falls in: the same result as
    ROOTS's split, blank and re-join on 20,000 random texts of separators, URLs, long words and specials."""
    import random

    rng = random.Random(0)
    pieces = ["http://x.org/a", "www", "a", "bb", ".com", "//", " ", "  ", "\t", "\n", "\n\n", "x" * 30, "(http)",
              "«www»", "é", "\u00a0", "hrefy", ".", "c" * 29 + ".", "((" + "d" * 25 + "))", "\t \n"]
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 15)))
        for subs, max_len in ((["http", "www", ".com", "//"], 25), (None, 25), (["http"], None), ([".com"], 5)):
            assert edit_document(text, True, subs, max_len) == _roots_edit(text, subs, max_len), (text, subs, max_len)


@pytest.mark.parametrize("name,text,split,expected", [
    # a keyword list: one separator per item
    ("list_separators", "debian, linux, kernel, install, apt, server", "whitespace", 5 / 6),
    ("list_separators", "Le paquet, une fois installé, se configure seul.", "whitespace", 2 / 8),
    ("list_separators", "الحزمة، التي ثبتت؛ تعمل", "whitespace", 2 / 4),       # Arabic comma and semicolon
    ("list_separators", "系统、内核，安装", "chars", 2 / 6),                       # per character in zh
    # a menu line; a separator at a line's start or glued to a word is not one
    ("menu_separators", "Home | News | Downloads » Install", "whitespace", 3 / 4),  # 4 words: | and » are not
    ("menu_separators", "• first item\n• second item", "whitespace", 0.0),
    ("menu_separators", "read and/or write ls|grep", "whitespace", 0.0),
    ("menu_separators", "ls -l | grep deb", "whitespace", 1 / 4),
    ("menu_separators", "首页 | 新闻 | 下载", "chars", 2 / 6),
    ("list_separators", "", "whitespace", 0.0),
])
def test_list_structure(name, text, split, expected):
    f = (ListSeparators if name == "list_separators" else MenuSeparators)(name=name, max=0.3)
    value = f.measure(TextView(text, split))
    assert value == pytest.approx(expected)
    assert f.check(value) == (None if expected <= 0.3 else (f"{name}:max", 0.3))

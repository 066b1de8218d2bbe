import pytest

from pipeline.config import RunConfig
from pipeline.record import Document
from pipeline.stages import StageContext
from pipeline.stages.normalise import Normalise


def doc(text: str) -> Document:
    return Document("s/1", text, "fr", "s", "p", "CC0-1.0")


@pytest.mark.parametrize("text,expected", [
    ("Cafe\u0301 noir", "Café noir"),                         # NFD -> NFC
    ("ligne 1\r\nligne 2\rligne 3", "ligne 1\nligne 2\nligne 3"),
    ("a\x00b\x07c\x9fd", "abcd"),                              # C0/C1 controls
    ("\ufeffzero\u200bwidth\u2060", "zerowidth"),              # BOM, ZWSP, word joiner
    ("क्\u200dष", "क्\u200dष"),                                 # ZWJ kept: Devanagari needs it
    ("مرحبا\u200cبالعالم", "مرحبا\u200cبالعالم"),                # ZWNJ kept
    ("\n\n  texte  \t\n\n", "texte"),
    ("tab\tkept  ", "tab\tkept"),
    ("中文\u3000全角空格", "中文\u3000全角空格"),                   # NFC keeps the ideographic space
    ("bad \ud800 surrogate", "bad \ufffd surrogate"),
])
def test_normalise_text(text, expected):
    [out], rejected, _ = Normalise(StageContext(RunConfig(), "fr"))([doc(text)])
    assert out.text == expected and not rejected
    assert out.scores["n_chars"] == len(expected) and out.scores["n_bytes"] == len(expected.encode())


def test_nfkc_option_folds_compatibility_characters():
    stage = Normalise(StageContext(RunConfig(normalise={"unicode_form": "NFKC"}), "zh"))
    [out], _, _ = stage([doc("ｆｕｌｌ\u3000ｗｉｄｔｈ ﬁ")])
    assert out.text == "full width fi"


@pytest.mark.parametrize("text,min_chars,dropped", [("", 1, True), (" \n\t\u200b", 1, True), ("abc", 4, True), ("abcd", 4, False)])
def test_min_chars_verdict_carries_value_and_threshold(text, min_chars, dropped):
    kept, rejected, _ = Normalise(StageContext(RunConfig(normalise={"min_chars": min_chars}), "fr"))([doc(text)])
    assert bool(rejected) == dropped and len(kept) + len(rejected) == 1
    if dropped:
        r = rejected[0]
        assert (r.stage, r.rule, r.threshold) == ("normalise", "min_chars", float(min_chars))
        assert r.value == float(len(r.doc.text))

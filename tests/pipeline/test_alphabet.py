"""The langid stage's `foreign_letters` rule: a language's letters (CLDR's, languages/alphabets/) against a text's,
on real UDHR paragraphs that CLD2 gives to the wrong language."""
from __future__ import annotations

import shutil

import pytest
from conftest import ROOT, UDHR, langid_stage, require_bundled_data

from pipeline.errors import UserError
from pipeline.evals.lid_eval import udhr_set
from pipeline.filters.alphabet import fold, foreign_share, read_alphabet
from pipeline.language import load_language
from pipeline.prep.alphabets import LANGS, letters
from pipeline.record import Document
from pipeline.stages.langid import decide

LANGUAGES = ROOT / "languages"


def test_tone_marks_on_vowels_and_nasals_fold_and_letter_making_marks_stay():
    assert fold("ɛ́ ɔ̀ à é ô ǎ ǹ ḿ") == "ɛ ɔ a e o a n m"
    assert fold("š ṣ ẹ́ ọ ṅ ç ñ") == "š ṣ ẹ ọ ṅ ç ñ"  # caron on a consonant, dot below, dot above, cedilla, ñ
    assert fold("ẹ̀") == "ẹ" and fold("Ɛ́") == "Ɛ"


def test_a_cldr_exemplar_set_gives_its_letters():
    assert letters("[a b {ch} d ɛ{ɛ́}{ɛ̂} ŋ ɲ]") == ["a", "b", "c", "d", "h", "ŋ", "ɛ", "ɲ"]
    assert letters("[aáâǎ b eéêě]") == ["a", "b", "e"]


def test_the_shipped_alphabets_are_the_languages_letters():
    ig = read_alphabet(LANGUAGES / "alphabets" / "ig.txt")
    assert {"ị", "ọ", "ụ", "ṅ"} <= ig and not {"ɖ", "ɛ", "ɔ", "ɲ"} & ig
    assert {"ɛ", "ɔ", "ɲ", "ŋ"} <= read_alphabet(LANGUAGES / "alphabets" / "bm.txt")
    assert read_alphabet(LANGUAGES / "alphabets" / "tw.txt") == read_alphabet(LANGUAGES / "alphabets" / "ak.txt")
    for lang in LANGS:  # every generated file is named by its language's YAML
        assert load_language(LANGUAGES, lang).lid.alphabet == f"alphabets/{lang}.txt", lang


def test_foreign_share_counts_non_ascii_letters_outside_the_alphabet():
    ig = read_alphabet(LANGUAGES / "alphabets" / "ig.txt")
    assert foreign_share("Ndị mmadụ niile", ig) == 0.0
    assert foreign_share("ɖɖ aa", ig) == 0.5  # two of four letters; the space is no letter
    assert foreign_share("123 !!", ig) == 0.0 and foreign_share("Ω", ig) == 1.0


@pytest.mark.parametrize("lang, other, letter", [("ig", "fon", "ɖ"), ("ak", "bm", "ɲ"), ("ts", "bm", "ɛ")])
def test_text_cld2_gives_to_a_language_is_dropped_when_the_language_does_not_write_its_letters(lang, other, letter):
    """CLD2 calls Fon UDHR paragraphs Igbo and Bambara ones Akan or Tsonga; their letters (Fon ɖ, Bambara ɲ ɛ) are
    not Igbo's, Akan's or Tsonga's. Every paragraph of the language's own UDHR is kept (Tsonga's tone marks too)."""
    require_bundled_data(UDHR)
    rows = udhr_set(UDHR, [lang, other])
    docs = [Document(r["id"], r["text"], r["lang"], "udhr", "", "") for r in rows]
    kept, rejected, _ = langid_stage(lang)(docs)
    assert sum(d.lang == lang for d in kept) == sum(r["lang"] == lang for r in rows)
    assert all(d.scores["lang_foreign"] <= 0.01 for d in kept)
    by_letters = [r for r in rejected if r.rule == "foreign_letters"]
    assert by_letters and all(r.doc.lang == other and r.value > 0.01 == r.threshold for r in by_letters)
    assert any(letter in fold(r.doc.text.lower()) for r in by_letters)
    # the detector alone would keep them: the letters are what drops them
    cfg = load_language(LANGUAGES, lang).lid
    assert all(decide(cfg, lang, r.doc.scores["lang_pred"], r.doc.scores["lang_score"]) is None for r in by_letters)


def test_an_alphabet_outside_the_languages_folder_is_refused(tmp_path):
    langs = tmp_path / "languages"
    shutil.copytree(LANGUAGES, langs)
    yaml = langs / "ig.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8").replace("alphabets/ig.txt", "../../../etc/passwd"), encoding="utf-8")
    with pytest.raises(UserError, match="outside the languages folder"):
        load_language(langs, "ig")
    (langs / "alphabets" / "yo.txt").write_text("# only a comment\n", encoding="utf-8")
    with pytest.raises(UserError, match="no letters"):
        load_language(langs, "yo")


def test_the_alphabet_is_part_of_the_run_snapshot():
    """An edited alphabet changes the snapshot's digest, so no result computed with the old one is reused."""
    from pipeline.config import RunConfig
    from pipeline.snapshot import take_snapshot
    from pipeline.stages import BY_NAME, StageContext

    ctx = StageContext(RunConfig(languages=LANGUAGES, stages=["langid"]), "ig")
    snap = take_snapshot(ctx, [BY_NAME["langid"]])
    assert snap.files["languages/alphabets/ig.txt"] == (LANGUAGES / "alphabets" / "ig.txt").read_bytes()


def test_npm_pack_reuses_the_tarball_it_has_and_says_so_when_npm_is_missing(tmp_path, monkeypatch):
    from pipeline.npm import npm_pack

    (tmp_path / "cldr-misc-full-48.2.0.tgz").write_bytes(b"tarball")
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))  # no npm: only the tarball already there can be used
    assert npm_pack("cldr-misc-full@48.2.0", tmp_path) == tmp_path / "cldr-misc-full-48.2.0.tgz"
    with pytest.raises(UserError, match="npm pack cldr-misc-full@49.0.0 failed"):
        npm_pack("cldr-misc-full@49.0.0", tmp_path)

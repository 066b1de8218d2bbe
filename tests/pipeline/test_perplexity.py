"""KenLM perplexity: tiny models trained inside the tests from real text, the ROOTS formula, cross-fitting."""
import json
import random
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import ROOT
from test_quality_chain import bundled_docs

from pipeline.config import RunConfig
from pipeline.errors import UserError
from pipeline.filters.ccnet import Model, PerplexityScorer, fold_of, model_files, normalise_line, normalised_lines
from pipeline.lm import train_language, train_model
from pipeline.record import Document
from pipeline.run import Run
from pipeline.stages import StageContext
from pipeline.stages.perplexity import Perplexity, bucket

LANGS = ROOT / "languages"


@pytest.fixture(scope="module")
def french_lines() -> list[str]:
    docs = [d for d in bundled_docs("fr", 3000) if d.source == "debian-handbook"]
    lines = [ln for d in docs[:120] for ln in normalised_lines(d.text) if len(ln.split()) >= 8]
    assert len(lines) >= 300
    return lines


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory, french_lines) -> Path:
    folder = tmp_path_factory.mktemp("lm") / "fr"
    meta = train_model(french_lines[:-60], folder, vocab_size=800, order=5)
    assert meta["corpus_lines"] == len(french_lines) - 60 and meta["vocab_size"] <= 800
    assert len(meta["corpus_sha256"]) == 64
    return folder


@pytest.mark.parametrize("raw,expected", [
    ("  Il a 42 ans, né en 1981.  ", "Il a 00 ans, né en 0000."),
    ("«Bonjour» — dit-il… ", '"Bonjour"  -  dit-il...'),   # cc_net maps the em dash to " - "
    ("中文，标点。", "中文,标点."),
    ("tab\there\x07bell", "tabherebell"),          # non-printing characters (tab included) removed
    ("Été ÀÇÉ", "Été ÀÇÉ"),                        # case and accents kept
])
def test_ccnet_normalisation(raw, expected):
    assert normalise_line(raw) == expected


def test_one_pass_normalisation_is_ccnets_three_passes(french_lines):
    """normalise_line does cc_net's three substitutions in one regex pass: the same strings as doing them in turn,
    on real lines and on random strings of the characters where the passes could interact (fullwidth digits are in
    the punctuation table, controls, Unicode digits and spaces)."""
    import re

    from pipeline.filters.ccnet import UNICODE_PUNCT

    def three_passes(line: str) -> str:
        line = line.strip()
        if not line:
            return line
        line = re.sub(r"\d", "0", line)
        line = re.sub("[" + "".join(UNICODE_PUNCT) + "]", lambda m: UNICODE_PUNCT[m.group()], line)
        return re.sub("[" + "".join(map(chr, [*range(0, 32), *range(127, 160)])) + "]", "", line)

    rng = random.Random(3)
    pool = [*UNICODE_PUNCT, *map(chr, range(0, 40)), *map(chr, range(120, 170)), *"ab ١٢३१１２\u2028\xa0", "\U0001d7ce"]
    strings = ["".join(rng.choice(pool) for _ in range(rng.randint(0, 30))) for _ in range(20000)]
    for line in french_lines + strings:
        assert normalise_line(line) == three_passes(line), repr(line)


def test_formula_matches_kenlm_score(tiny_model, french_lines):
    model = Model(model_files(tiny_model))
    held = french_lines[-60:]
    # one line: ROOTS's formula is KenLM's own perplexity of the piece sequence
    line = held[0]
    pieces = " ".join(model.sp.encode(line, out_type=str))
    total, length = model.log10_and_length(line)
    assert total == pytest.approx(model.lm.score(pieces, bos=True, eos=True), abs=1e-9)
    assert 10 ** (-total / length) == pytest.approx(model.lm.perplexity(pieces), rel=1e-6)
    # several lines: the document pools log-probabilities and lengths over its lines
    doc = "\n\n".join(held[:5])
    expected_log = sum(model.lm.score(" ".join(model.sp.encode(ln, out_type=str))) for ln in held[:5])
    expected_len = sum(len(model.sp.encode(ln, out_type=str)) + 1 for ln in held[:5])
    scorer = PerplexityScorer(tiny_model)
    assert scorer.perplexity(doc) == pytest.approx(10 ** (-expected_log / expected_len), rel=1e-6)


def test_prose_scores_lower_than_shuffled_words_and_noise(tiny_model, french_lines):
    scorer = PerplexityScorer(tiny_model)
    rng = random.Random(3)
    wins_shuffled = wins_noise = 0
    held = french_lines[-60:]
    for line in held:
        words = line.split()
        shuffled = " ".join(rng.sample(words, len(words)))
        noise = "".join(rng.choice("abcdefghijklmnopqrstuvwxyzéèà ") for _ in range(len(line)))
        p, ps, pn = scorer.perplexity(line), scorer.perplexity(shuffled), scorer.perplexity(noise)
        wins_shuffled += p < ps
        wins_noise += p < pn
    assert wins_shuffled >= 0.9 * len(held) and wins_noise == len(held)


def test_missing_model_names_the_make_target(tmp_path):
    with pytest.raises(UserError, match=r"run `make lm LANG=fr` to train one"):
        PerplexityScorer(tmp_path / "nothing", "fr")
    langs = tmp_path / "languages"
    langs.mkdir()
    (langs / "fr.yaml").write_text("code: fr\nname: French\nperplexity: {model: ../models/fr}\n")
    with pytest.raises(UserError, match="make lm LANG=fr"):
        Perplexity(StageContext(RunConfig(languages=langs), "fr"))


def test_published_model_by_url_loads_from_the_cache(tmp_path, tiny_model, monkeypatch):
    monkeypatch.setenv("ROOTS_PIPELINE_CACHE", str(tmp_path / "cache"))
    langs = tmp_path / "languages"
    langs.mkdir()
    url = "https://example.org/cc_net/lm/fr"
    (langs / "fr.yaml").write_text(f"code: fr\nname: French\nperplexity: {{model: '{url}'}}\n")
    ctx = StageContext(RunConfig(languages=langs), "fr")
    with pytest.raises(UserError, match="not in the local cache: put its sentencepiece model"):
        Perplexity(ctx)
    from pipeline.language import perplexity_model_dir

    cached = perplexity_model_dir(langs, "fr", ctx.language.perplexity)
    cached.mkdir(parents=True)
    for f in ("sp.model", "lm.binary"):  # cc_net's file names work as well: fr.sp.model, fr.arpa.bin
        (cached / ("fr." + f.replace("lm.binary", "arpa.bin"))).write_bytes((tiny_model / f).read_bytes())
    stage = Perplexity(StageContext(RunConfig(languages=langs), "fr"))
    kept, _, _ = stage([Document("a", "Le paquet est installé.", "fr", "s", "p", "x")])
    assert kept[0].scores["perplexity"] > 0 and kept[0].scores["ppl_bucket"] is None


def test_stage_records_bucket_and_drops_above_max(tmp_path, tiny_model, french_lines):
    langs = tmp_path / "languages"
    langs.mkdir()
    (langs / "fr.yaml").write_text(f"code: fr\nname: French\nperplexity: {{model: {tiny_model}, max: 2000, "
                                   f"buckets: [100, 300]}}\n")
    stage = Perplexity(StageContext(RunConfig(languages=langs), "fr"))
    noise = "".join(random.Random(1).choice("qwxzkj ") for _ in range(400))
    docs = [Document(f"d{i}", t, "fr", "s", "p", "x") for i, t in enumerate(french_lines[-3:] + [noise])]
    kept, rejected, _ = stage(docs)
    assert [d.id for d in kept] == ["d0", "d1", "d2"] and [r.doc.id for r in rejected] == ["d3"]
    r = rejected[0]
    assert (r.stage, r.rule, r.threshold) == ("perplexity", "max", 2000) and r.value > 2000
    for d in kept:
        assert d.scores["ppl_bucket"] == bucket(d.scores["perplexity"], [100, 300])
    assert bucket(50, [100, 300]) == "head" and bucket(200, [100, 300]) == "middle" and bucket(301, [100, 300]) == "tail"


def test_cross_fitted_models_score_each_reference_doc_with_the_model_that_did_not_see_it(tmp_path):
    langs = tmp_path / "languages"
    shutil.copytree(LANGS / "wordlists", langs / "wordlists")  # word lists live inside the languages folder
    src = (LANGS / "eu.yaml").read_text().replace("../models/eu", str(tmp_path / "models" / "eu"))
    (langs / "eu.yaml").write_text(src)
    cfg = RunConfig(catalogue=ROOT / "catalogue", languages=langs, output=tmp_path / "out", executor="local",
                    stages=["clean", "normalise", "langid", "quality", "perplexity"])
    meta = train_language(cfg, "eu")
    folder = tmp_path / "models" / "eu"
    assert meta["folds"] == 2 and sorted(p.name for p in folder.iterdir()) == ["fold-0", "fold-1", "metadata.json"]
    assert sum(m["train_docs"] for m in meta["models"]) == meta["reference_docs"] > 500
    p = meta["reference_percentiles"]
    assert p["p10"] < p["p30"] < p["p60"] < p["p90"]
    # a document's own fold model never saw it: its score matches that model, not the other one
    scorer = PerplexityScorer(folder, "eu")
    doc = next(d for d in bundled_docs("eu", 3000) if len(d.text) > 500)
    k = fold_of(doc.id, 2)
    own = scorer.models[k].log10_and_length(doc.text)
    assert scorer.perplexity(doc.text, doc.id) == pytest.approx(10 ** (-own[0] / own[1]))
    # and a full run stores perplexity and buckets from the reference percentiles
    Run(cfg, "eu").execute(progress=False)
    t = pq.read_table(tmp_path / "out" / "eu" / "data", columns=["perplexity", "ppl_bucket"]).to_pylist()
    assert t and all(r["perplexity"] > 0 and r["ppl_bucket"] in ("head", "middle", "tail") for r in t)
    report = json.loads((tmp_path / "out" / "eu" / "reports" / "perplexity.json").read_text())
    assert report["docs_in"] == report["docs_out"] == len(t)


def test_calibrate_reads_stored_values(tmp_path):
    from pipeline.audit.calibrate import calibrate

    out = tmp_path / "fr"
    (out / "data").mkdir(parents=True)
    import pyarrow as pa

    pq.write_table(pa.table({"id": [f"d{i}" for i in range(100)], "source": ["s"] * 100,
                             "text": [f"texte {i}" for i in range(100)], "perplexity": [float(i + 1) for i in range(100)]}),
                   out / "data" / "part-00000.parquet")
    text = calibrate(out, [90.0])
    assert "100 documents" in text and "dropped" in text
    row = next(ln for ln in text.splitlines() if ln.strip().startswith("p90"))
    assert row.split()[2] == "10"  # values 91..100 are above p90 = 90.1
    with pytest.raises(UserError, match="no perplexity values"):
        calibrate(tmp_path / "none", [90.0])


def test_without_a_model_a_language_is_scored_only_if_a_threshold_needs_it(tmp_path):
    """Too little text to train a model: no threshold -> built without perplexity values; a threshold -> an error."""
    langs = tmp_path / "languages"
    langs.mkdir()
    (langs / "fr.yaml").write_text(f"code: fr\nname: French\nperplexity: {{model: {tmp_path / 'none'}}}\n")
    src = tmp_path / "src"
    src.mkdir()
    (src / "fr.jsonl").write_text(json.dumps({"text": "Le paquet est installé avec apt."}) + "\n")
    from conftest import entry, write_entry

    write_entry(tmp_path / "cat", entry("s", "../src/fr.jsonl"))
    cfg = RunConfig(catalogue=tmp_path / "cat", output=tmp_path / "out", languages=langs, executor="local",
                    stages=["normalise", "perplexity"])
    with pytest.raises(UserError, match="make lm LANG=fr"):
        Run(cfg, "fr")  # no model, and nobody tried to train one
    from pipeline.lm import NotEnoughText, missing_model

    assert missing_model(cfg, "fr")
    with pytest.raises(NotEnoughText):
        train_language(cfg, "fr")  # one document: says so in the model's place
    assert not missing_model(cfg, "fr")
    Run(cfg, "fr").execute(progress=False)
    [row] = pq.read_table(tmp_path / "out" / "fr" / "data").to_pylist()
    assert row["perplexity"] is None
    (langs / "fr.yaml").write_text(f"code: fr\nname: French\nperplexity: {{model: {tmp_path / 'none'}, max: 500}}\n")
    with pytest.raises(UserError, match="make lm LANG=fr"):
        Run(cfg, "fr")

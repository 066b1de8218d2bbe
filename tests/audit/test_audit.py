"""Auditing: the HTML report, the threshold tuner (API and a real headless browser), data cards, removals."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import ROOT, entry, write_entry

from pipeline.audit.remove import apply_to_build, record_request
from pipeline.audit.report import run_writers as writers
from pipeline.audit.tune import Tuner, serve
from pipeline.catalogue import sources_for
from pipeline.config import RunConfig
from pipeline.errors import UserError
from pipeline.language import load_language
from pipeline.readers import source_documents
from pipeline.removals import load_removals
from pipeline.run import Run

EMAIL = "claire.martin@exemple.fr"


def build(root: Path, stages=("normalise", "langid", "quality", "pii", "dedup")) -> RunConfig:
    """A run over 300 real French manual sections, 40 English ones (LID drops them), an exact duplicate of
    a French section, and a section with a planted e-mail address; its own copy of languages/."""
    languages = root / "languages"
    if not languages.exists():
        shutil.copytree(ROOT / "languages", languages)
        fr = [d for d in source_documents(sources_for(ROOT / "catalogue", "fr"), "fr", 10**7)][:300]
        en = [d for d in source_documents(sources_for(ROOT / "catalogue", "en"), "en", 10**7) if len(d.text) > 300][:40]
        long_fr = next(d for d in fr if len(d.text) > 1500)
        rows = [{"id": f"fr{i}", "text": d.text} for i, d in enumerate(fr)]
        rows += [{"id": f"en{i}", "text": d.text} for i, d in enumerate(en)]
        rows += [{"id": "copy", "text": long_fr.text}, {"id": "mail", "text": long_fr.text[:1200] + f"\nÉcrire à {EMAIL}."}]
        src = root / "src" / "fr.jsonl"
        src.parent.mkdir(parents=True)
        src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        write_entry(root / "catalogue", entry("manuals", "../src/{lang}.jsonl", id_field="id"))
    cfg = RunConfig(catalogue=root / "catalogue", output=root / "out", executor="local", languages=languages,
                    stages=list(stages), removals=root / "removals", report_examples=3)
    Run(cfg, "fr", writers=writers(cfg)).execute(progress=False)
    return cfg


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> RunConfig:
    return build(tmp_path_factory.mktemp("audit"))


def test_report_shows_every_stage_rule_threshold_and_no_raw_pii(built):
    out = built.output / "fr"
    page = (out / "report.html").read_text(encoding="utf-8")
    manifest = json.loads((out / "manifest.json").read_text())
    for stage in manifest["stages"]:
        assert f'id="stage-{stage}"' in page
        rep = json.loads((out / "reports" / f"{stage}.json").read_text())
        for rule in rep["dropped"]:
            assert re.search(rf">{re.escape(rule)}<", page), (stage, rule)
    lang = load_language(built.languages, "fr")
    for f in lang.filters:
        assert f'id="hist-quality.{f.name}"' in page
    assert 'id="hist-langid.min_score"' in page and "% discarded" in page
    assert "kept, closest to the" in page and "id='language-mix'" in page and "id='dedup-clusters'" in page
    assert "id='pii-counts'" in page and EMAIL not in page
    # self-contained: no script, no external resource
    assert "<script" not in page and not re.search(r"""(src|href)=["']https?:""", page)
    run = json.loads((out / "reports" / "run.json").read_text())
    from pipeline.audit.report import fmt

    assert f"{fmt(run['seconds'])} s wall" in page  # the page is written after run.json
    assert EMAIL not in json.dumps([pq.read_table(out / "data").to_pylist(), pq.read_table(out / "rejected").to_pylist()],
                                   default=str, ensure_ascii=False)


def test_report_is_readable_by_a_native_speaker(built):
    """Every excerpt says its language and lets the browser set its direction; a seeded random sample of kept and
    of rejected documents per source (not only threshold cases); long excerpts open to the whole text; axes."""
    from pipeline.audit.report import EXCERPT, SAMPLE, build_report

    out = built.output / "fr"
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count("<pre") == page.count('<pre lang="fr" dir="auto">') > 0
    kept_ids = set(pq.read_table(out / "data", columns=["id"])["id"].to_pylist())
    rejected = {r["id"]: r for r in pq.read_table(out / "rejected", columns=["id", "stage", "rule"]).to_pylist()}
    kept_part = page.split("id='sample-kept-manuals'")[1].split("</details>\n")[0]
    drawn = re.findall(r'<span class="muted">(manuals/[^ <]+)', kept_part)
    assert len(drawn) == SAMPLE and set(drawn) <= kept_ids
    assert drawn != sorted(kept_ids)[:SAMPLE]  # drawn, not the first ones
    rej_part = page.split("id='sample-rejected-manuals'")[1].split("</details>\n")[0]
    drawn_rej = re.findall(r'<span class="muted">(manuals/[^ <]+)', rej_part)
    assert len(drawn_rej) == SAMPLE and all(f"{rejected[i]['stage']}:{rejected[i]['rule']}" in rej_part for i in drawn_rej)
    assert build_report(out, load_language(built.languages, "fr")).count(drawn[0]) >= 1  # the same draw again
    assert "show all" in page and any(len(t) > EXCERPT for t in pq.read_table(out / "data", columns=["text"])["text"].to_pylist())
    wc = page.split('id="hist-quality.word_count"')[1].split("</div>")[0]
    assert "word_count (log scale)" in wc and wc.count('text-anchor="middle">') >= 3  # tick labels under the axis
    assert ">documents</text>" in wc


def test_report_histogram_share_matches_the_stage_decisions(built):
    """The share a histogram prints equals the share of documents whose stored value is beyond the threshold."""
    out = built.output / "fr"
    page = (out / "report.html").read_text(encoding="utf-8")
    card = page.split('id="hist-quality.word_count"')[1].split("</div>")[0]
    shown = float(re.search(r"([\d.]+) % discarded", card).group(1))
    rows = pq.read_table(out / "data").to_pylist() + [r for r in pq.read_table(out / "rejected").to_pylist()
                                                      if r["stage"] not in ("ingest", "clean", "normalise", "langid")]
    wc_min = next(f.min for f in load_language(built.languages, "fr").filters if f.name == "word_count")
    expected = 100 * sum(r["word_count"] < wc_min for r in rows) / len(rows)
    assert shown == pytest.approx(expected, abs=0.05)


def test_tuner_counts_equal_a_real_rerun_and_save_keeps_comments(tmp_path):
    cfg = build(tmp_path)
    tuner = Tuner(cfg.output / "fr", cfg.languages, "fr")
    base = tuner.simulate({})
    for stage in ("langid", "quality"):
        rep = json.loads((cfg.output / "fr" / "reports" / f"{stage}.json").read_text())
        assert base["stages"][stage]["dropped"] == {k: v["docs"] for k, v in rep["dropped"].items()}
    new = {"quality.word_count": {"min": 60}, "quality.stopwords": {"min": 0.3},
           "quality.special_characters": {"max": 0.25}, "quality.word_repetition": {"max": None}}
    sim = tuner.simulate(new)["stages"]["quality"]
    assert sim["dropped"] != base["stages"]["quality"]["dropped"] and sim["newly_dropped"] > 0
    assert sim["examples_dropped"] and all(e["rule"] for e in sim["examples_dropped"])
    before = (cfg.languages / "fr.yaml").read_text(encoding="utf-8")
    saved = tuner.save(new)
    after = (cfg.languages / "fr.yaml").read_text(encoding="utf-8")
    comments = [line.strip() for line in before.splitlines() if line.strip().startswith("#")]
    assert comments and all(c in after for c in comments)
    assert "# trained by `make lm LANG=fr`" in after and "- {name: word_count, min: 60, max: 100000}" in after
    assert {c["threshold"] for c in saved["changed"]} == {"quality.word_count.min", "quality.stopwords.min",
                                                         "quality.special_characters.max", "quality.word_repetition.max"}
    Run(cfg, "fr", writers=writers(cfg)).execute(progress=False)  # the real re-run with the saved thresholds
    rep = json.loads((cfg.output / "fr" / "reports" / "quality.json").read_text())
    assert rep["docs_in"] == sim["docs_in"]
    assert {k: v["docs"] for k, v in rep["dropped"].items()} == sim["dropped"]


def test_tuner_rejects_unknown_thresholds_and_bad_values(built):
    tuner = Tuner(built.output / "fr", built.languages, "fr")
    with pytest.raises(UserError, match="unknown threshold"):
        tuner.simulate({"quality.words": {"min": 3}})
    with pytest.raises(UserError, match="not a number"):
        tuner.simulate({"quality.word_count": {"min": "ten"}})
    with pytest.raises(UserError, match="min 50.0 > max 10.0"):
        tuner.simulate({"quality.word_count": {"min": 50, "max": 10}})


def test_tuner_page_in_a_headless_browser(tmp_path):
    """Debian's chromium, driven by playwright: move a threshold, read the counts, save."""
    from playwright.sync_api import sync_playwright

    cfg = build(tmp_path, stages=("normalise", "langid", "quality"))
    tuner = Tuner(cfg.output / "fr", cfg.languages, "fr")
    server = serve(tuner, port=0)
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                        args=["--no-sandbox"], headless=True)
            page = browser.new_page()
            page.goto(url)
            page.wait_for_selector("body[data-ready='1']")
            base = sum(tuner.simulate({})["stages"]["quality"]["dropped"].values())
            assert int(page.inner_text("#count-quality")) == base
            assert page.locator("#knob-quality-word_count svg rect").count() > 10
            page.fill("input[data-key='quality.word_count'][data-bound='min']", "60")
            expected = tuner.simulate({"quality.word_count": {"min": 60}})["stages"]["quality"]
            page.wait_for_function(f"document.querySelector('#count-quality').textContent == "
                                   f"'{sum(expected['dropped'].values())}'")
            assert int(page.inner_text("#newly-dropped-quality")) == expected["newly_dropped"] > 0
            assert "newly dropped" in page.inner_text("#examples")
            page.click("#save")
            page.wait_for_function("document.querySelector('#status').textContent.startsWith('saved')")
            browser.close()
    finally:
        server.shutdown()
    assert "- {name: word_count, min: 60, max: 100000}" in (cfg.languages / "fr.yaml").read_text(encoding="utf-8")
    assert next(f.min for f in load_language(cfg.languages, "fr").filters if f.name == "word_count") == 60


def test_datacards(built, tmp_path):
    card = (built.output / "fr" / "README.md").read_text(encoding="utf-8")
    manifest = json.loads((built.output / "fr" / "manifest.json").read_text())
    assert "| manuals: manuals | tests (other) | CC0-1.0 (public_domain) | no |" in card
    for stage in manifest["stages"]:
        assert f"| {stage} |" in card
    assert "min 13" in card and "## Known limitations" in card and "python -m pipeline remove --lang fr" in card
    assert f"**{manifest['documents_kept']:,} kept**" in card
    from pipeline.audit.datacard import multi_card

    multi = multi_card(built.output, ["fr"], built.catalogue)
    assert "| fr |" in multi and "| manuals |" in multi
    body = card.split("\n---\n", 1)[1]
    assert not re.search(r"\b(None|True|False)\b|\['", body), "a Python repr in the card"


def test_a_build_is_a_hub_dataset(built, tmp_path):
    """The build folder as pushed to the Hub: its README.md's metadata parses, `load_dataset` reads the kept
    documents (not the manifest or the reports) and, as a second config, the rejected set."""
    import datasets
    from huggingface_hub import DatasetCard

    out = built.output / "fr"
    data = DatasetCard.load(out / "README.md").data
    assert data.license == ["cc0-1.0"] and data.language == ["fr"] and data.pretty_name.startswith("French")
    assert data.size_categories == ["n<1K"] and data.task_categories == ["text-generation"]
    assert [c["config_name"] for c in data.configs] == ["default", "rejected"]
    manifest = json.loads((out / "manifest.json").read_text())
    kept = datasets.load_dataset(str(out), split="train", cache_dir=str(tmp_path / "hf"))
    rejected = datasets.load_dataset(str(out), "rejected", split="train", cache_dir=str(tmp_path / "hf"))
    assert kept.num_rows == manifest["documents_kept"] and rejected.num_rows == manifest["documents_rejected"]
    assert set(kept.column_names) >= {"id", "text", "lang", "source", "meta"} and "rule" in rejected.column_names
    assert sorted(kept["id"]) == sorted(pq.read_table(out / "data", columns=["id"])["id"].to_pylist())


def test_removal_leaves_no_trace_in_data_bins_or_reports_and_survives_a_rebuild(tmp_path):
    from trainer.bins import ShardReader, shard_stems
    from trainer.config import TrainRunConfig
    from trainer.pack import pack
    from trainer.removal import scrub_bins
    from trainer.tokenizer import train_tokenizer

    cfg = build(tmp_path)
    out = cfg.output / "fr"
    kept = pq.read_table(out / "data").to_pylist()
    rejected = pq.read_table(out / "rejected").to_pylist()
    dup = next(r for r in rejected if r["rule"] == "exact")  # `copy` or its original: one of them is kept
    target = dup["dup_of"]
    pattern_victim = next(r for r in kept if r["id"] != target and "apt-get" in r["text"])
    victims = {target} | {r["id"] for r in kept + rejected if "apt-get" in r["text"]}
    tcfg = TrainRunConfig.model_validate({"languages": ["fr"], "corpus": cfg.output, "output": tmp_path / "train",
                                          "tokenizer": {"vocab_size": 800}, "pack": {"executor": "local", "val_fraction": 0.2}})
    train_tokenizer(tcfg, threads=1)
    before = pack(tcfg)
    bins = tmp_path / "train" / "bins"

    req = record_request(cfg.removals, "fr", [target], [], "apt-get", None, "opt-out test")
    res = apply_to_build(out, [req], cfg)
    scrub_bins(bins, res["ids"])
    assert res["documents_removed"] == len(victims) and pattern_victim["id"] in victims

    def trace_free(where: Path) -> None:
        for f in where.rglob("*"):
            if f.is_file():
                raw = f.read_bytes()
                body = json.dumps(pq.read_table(f).to_pylist(), default=str) if f.suffix == ".parquet" else \
                    raw.decode("utf-8", "ignore")
                for v in victims:  # the id as a whole word (manuals/fr2 must not hit manuals/fr22)
                    assert not re.search(re.escape(v) + r"(?![\w])", body), (f, v)

    trace_free(out)
    trace_free(bins)
    assert not (cfg.output / ".fr" / "work").exists()  # intermediate parts are deleted with the documents
    m = json.loads((out / "manifest.json").read_text())
    assert m["documents_in"] == m["documents_kept"] + m["documents_rejected"] + m["documents_removed"]
    assert m["documents_removed"] == len(victims)
    bm = json.loads((bins / "manifest.json").read_text())
    assert bm["tokens_train"] < before["tokens_train"]
    assert bm["tokens_train"] == sum(ShardReader(s, verify=True).n_tokens for s in shard_stems(bins, "train"))
    s = bm["languages"]["fr"]
    assert s["docs_in"] == s["docs_train"] + s["docs_val"] + s["docs_unsampled"] == before["languages"]["fr"]["docs_in"] - \
        s["docs_removed"] and s["docs_removed"] > 0
    assert s["tokens_train"] == bm["tokens_train"] and bm["sources"]["fr/manuals"]["tokens_train"] == bm["tokens_train"]
    assert s["tokens_natural"] == sum(d["n_tokens"] for st in shard_stems(bins, "train") for d in
                                      ShardReader(st).docs.to_pylist() if d["copy"] == 0) + s["tokens_val"] + \
        sum(pq.read_table(bins / "unsampled.parquet")["n_tokens"].to_pylist())
    record = (cfg.removals / "fr.jsonl").read_text()
    assert target not in record and load_removals(cfg.removals, "fr")[0].text_pattern == "apt-get"

    summary = Run(cfg, "fr", writers=writers(cfg)).execute(progress=False)  # a rebuild applies the record again
    assert summary["documents_removed"] == len(victims)
    trace_free(out)


def test_removal_requests_are_checked(tmp_path):
    with pytest.raises(UserError, match="say what to remove"):
        record_request(tmp_path, "fr", [], [], None, None, "")
    with pytest.raises(UserError, match="not a valid RE2"):
        record_request(tmp_path, "fr", [], [], "(unclosed", None, "")
    with pytest.raises(UserError, match="matches every document"):
        record_request(tmp_path, "fr", [], [], ".*", None, "")
    (tmp_path / "fr.jsonl").write_text('{"at": "x", "sauce": []}\n')
    with pytest.raises(UserError, match="fr.jsonl:1"):
        load_removals(tmp_path, "fr")


def test_tuner_save_changes_only_the_thresholds_it_was_given(tmp_path):
    """`perplexity: max: null` (and every other line) stays as written; only the moved threshold's line changes."""
    cfg = build(tmp_path, stages=("normalise", "langid", "quality"))
    before = (cfg.languages / "fr.yaml").read_text(encoding="utf-8").splitlines()
    Tuner(cfg.output / "fr", cfg.languages, "fr").save({"quality.word_count": {"min": 20}})
    after = (cfg.languages / "fr.yaml").read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert len(before) == len(after) and changed == [("  - {name: word_count, min: 13, max: 100000}",
                                                      "  - {name: word_count, min: 20, max: 100000}")]
    assert any(line.startswith("  max: null") for line in after)


def test_data_card_names_the_detector_each_language_uses():
    from pipeline.audit.datacard import LIMITATIONS, stage_params

    said = {code: stage_params("langid", load_language(ROOT / "languages", code), {}, {}) for code in ("fr", "yo", "bm", "code")}
    assert "fastText lid.176" in said["fr"] and "labels `fr`, min score 0.8" in said["fr"]
    assert said["yo"].startswith("CLD2") and "fastText" not in said["yo"]
    assert "other_max" in said["bm"] and "unmeasured" in said["bm"]
    assert said["code"].startswith("the programming language of the file extension")
    assert not any("cannot pass" in x or "lid.176 on whole documents" in x for x in LIMITATIONS)


def test_removal_rebuilds_the_card_with_the_run_config_and_a_broken_catalogue_changes_nothing(tmp_path):
    cfg = build(tmp_path, stages=("normalise", "dedup"))
    out = cfg.output / "fr"
    assert "| dedup | exact on, near on" in (out / "README.md").read_text(encoding="utf-8")
    manifest = (out / "manifest.json").read_text()
    broken = tmp_path / "broken-catalogue"
    broken.mkdir()
    (broken / "x.yaml").write_text("uid: [not, a, string]\n")
    req = record_request(cfg.removals, "fr", ["manuals/fr3"], [], None, None, "")
    with pytest.raises(UserError, match="x.yaml"):
        apply_to_build(out, [req], cfg.model_copy(update={"catalogue": broken}))
    assert (out / "manifest.json").read_text() == manifest  # nothing was touched
    res = apply_to_build(out, [req], cfg)
    card = (out / "README.md").read_text(encoding="utf-8")
    assert res["documents_removed"] == 1 and "| dedup | exact on, near on" in card and "| normalise | unicode_form NFC" in card


def test_remove_cleans_the_bins_of_the_training_config_it_is_given(tmp_path, monkeypatch):
    from pipeline.cli import build_parser, default_bins

    bins = tmp_path / "train" / "bins"
    bins.mkdir(parents=True)
    (bins / "manifest.json").write_text("{}")
    custom = tmp_path / "my-train.yaml"
    custom.write_text(f"languages: [fr]\noutput: {tmp_path / 'train'}\n")
    assert default_bins(custom) == [bins] and default_bins(ROOT / "configs" / "train.yaml") != [bins]
    monkeypatch.setenv("TRAIN_CONFIG", str(custom))
    assert build_parser().parse_args(["remove", "--lang", "fr", "--id", "x"]).train_config == custom


def test_tuner_refuses_what_another_page_or_a_bad_request_would_send(tmp_path):
    """No token, a foreign Origin or Host, a bad Content-Length or a negative ratio: refused, nothing saved."""
    import http.client

    cfg = build(tmp_path, stages=("normalise", "langid", "quality"))
    yaml_before = (cfg.languages / "fr.yaml").read_text(encoding="utf-8")
    server = serve(Tuner(cfg.output / "fr", cfg.languages, "fr"), port=0)
    port = server.server_address[1]
    body = json.dumps({"thresholds": {"quality.word_count": {"min": 1}}}).encode()

    def post(path="/api/save", data=body, **headers):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        h = {"Host": f"127.0.0.1:{port}", "X-Tuner-Token": server.token, "Content-Type": "application/json",
             "Content-Length": str(len(data))}
        h.update({k.replace("_", "-"): v for k, v in headers.items() if v is not None})
        for k in [k for k, v in headers.items() if v is None]:
            h.pop(k.replace("_", "-"))
        c.request("POST", path, body=data, headers=h)
        r = c.getresponse()
        return r.status, json.loads(r.read() or b"{}")

    try:
        assert post(X_Tuner_Token=None)[0] == 403
        assert post(X_Tuner_Token="guess")[0] == 403
        assert post(Origin="http://evil.example")[0] == 403
        assert post(Host="evil.example:80")[0] == 403  # DNS rebinding
        assert post(Content_Length="-1")[0] == 400
        assert post(Content_Length=str(10**9))[0] == 400
        status, err = post(data=json.dumps({"thresholds": {"quality.stopwords": {"min": -0.5}}}).encode())
        assert status == 400 and "outside 0.0-1.0" in err["error"]
        assert (cfg.languages / "fr.yaml").read_text(encoding="utf-8") == yaml_before
        page = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        page.request("GET", "/")
        assert server.token in page.getresponse().read().decode()  # the page carries the token for its own calls
        assert post(Origin=f"http://127.0.0.1:{port}")[0] == 200  # the page itself may save
        assert "- {name: word_count, min: 1, max: 100000}" in (cfg.languages / "fr.yaml").read_text(encoding="utf-8")
    finally:
        server.shutdown()


def test_calibrate_filters_proposes_reference_percentiles_and_writes_them_with_their_method(built, tmp_path):
    """Each bound becomes the 1st/99th percentile of what the stage measured on the reference documents (read
    back from data/ and rejected/ independently here), and --write puts the values and how they were chosen
    into the language file, which still loads."""
    import numpy as np

    from pipeline.audit.calibrate import calibrate_filters

    out = built.output / "fr"
    rows = pq.read_table(out / "data").to_pylist() + [r for r in pq.read_table(out / "rejected").to_pylist()
                                                      if r["stage"] not in ("ingest", "clean", "normalise", "langid")]
    expected = float(f"{np.percentile([r['special_characters'] for r in rows], 99):.3g}")
    languages = tmp_path / "languages"
    shutil.copytree(built.languages, languages)
    fr = languages / "fr.yaml"  # a full-line comment above an entry that gets a comment of its own must stay
    fr.write_text(fr.read_text(encoding="utf-8").replace("  - {name: special_characters",
                                                         "  # a note the writer keeps\n  - {name: special_characters"))
    text = calibrate_filters(out, languages, "fr", ["manuals"], q=1.0, write=True)
    line = next(x for x in text.splitlines() if x.startswith("quality.special_characters.max"))
    assert float(line.split()[2]) == expected
    assert "quality.word_count.max" in text and "quality.word_count.min" in text and "size guard" in text
    saved = load_language(languages, "fr")
    assert next(f.max for f in saved.filters if f.name == "special_characters") == expected
    assert "max: p99 of" in fr.read_text(encoding="utf-8")
    assert "  # a note the writer keeps\n  - {name: special_characters" in fr.read_text(encoding="utf-8")
    with pytest.raises(UserError, match="not in the run"):
        calibrate_filters(out, languages, "fr", ["wikipedia"])


def test_calibrate_loosen_only_never_tightens_a_bound(built, tmp_path):
    """--loosen-only: a proposal that would drop more than the current bound is reported and left out, so every
    saved bound keeps at least what the file kept before; the others are the same percentiles as without it."""
    from pipeline.audit.calibrate import calibrate_filters

    out = built.output / "fr"
    languages = tmp_path / "languages"
    shutil.copytree(built.languages, languages)
    before = {f.name: (f.min, f.max) for f in load_language(languages, "fr").filters}
    plain = calibrate_filters(out, languages, "fr", ["manuals"], q=1.0)
    text = calibrate_filters(out, languages, "fr", ["manuals"], q=1.0, write=True, loosen_only=True)
    after = {f.name: (f.min, f.max) for f in load_language(languages, "fr").filters}
    for name, (lo, hi) in before.items():
        assert lo is None or after[name][0] <= lo, name
        assert hi is None or after[name][1] >= hi, name
    tighter = [x.split()[0] for x in text.splitlines() if "tighter: stays" in x]
    changed = [f"quality.{n}.{b}" for n in before for i, b in enumerate(("min", "max")) if before[n][i] != after[n][i]]
    assert tighter and changed  # the bundled fr run has both kinds
    for key in changed:  # a loosened bound is the plain proposal
        proposed = next(x for x in plain.splitlines() if x.startswith(key)).split()[2]
        assert float(proposed) == after[key.split(".")[1]][key.endswith("max")]


def test_simulation_of_a_stage_no_document_reached_counts_nothing_instead_of_failing():
    """A run whose documents all left before quality (bundled ko text is mostly untranslated English) made the
    tuner's and calibrate's simulation fail on empty arrays; it now reports an empty stage."""
    import pyarrow as pa

    from pipeline.audit.measured import knobs, simulate_stage

    language = load_language(ROOT / "languages", "fr")
    table = pa.table({"id": ["a", "b"], "source": ["s", "s"], "text": ["x", "y"], "stage": ["langid", "langid"],
                      "rule": ["wrong_language", "wrong_language"],
                      **{k.column: pa.array([0.5, 0.7]) for k in knobs(language)}})
    res = simulate_stage(table, "quality", knobs(language), language)
    assert res["docs_in"] == 0 and res["dropped"] == {} and res["docs_out"] == 0

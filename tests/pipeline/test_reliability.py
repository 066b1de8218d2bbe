"""What a run never does: reuse a result computed from other inputs, read outside its folders, read a file
twice, store an id twice, crash on odd text, or break on an empty corpus."""
import gzip
import json
import os
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from conftest import FRENCH, ROOT, entry, write_entry

from pipeline.audit.report import run_writers
from pipeline.catalogue import sources_for
from pipeline.config import RunConfig
from pipeline.errors import UserError
from pipeline.lm import train_model
from pipeline.run import Run
from pipeline.stages.normalise import Normalise


def rows(out: Path, lang: str = "fr") -> list[dict]:
    return pq.read_table(out / lang / "data").to_pylist() + pq.read_table(out / lang / "rejected").to_pylist()


def corpus(tmp_path: Path, records: list, name: str = "fr.jsonl", uid: str = "src", **read) -> Path:
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    (src / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    write_entry(tmp_path / "catalogue", entry(uid, "../src/*.jsonl", **read))
    return tmp_path / "catalogue"


def own_languages(tmp_path: Path) -> Path:
    langs = tmp_path / "languages"
    if not langs.exists():
        shutil.copytree(ROOT / "languages", langs)
    return langs


def texts(n: int, salt: str = "") -> list[dict]:
    return [{"id": f"d{i}{salt}", "text": f"{FRENCH[i % 4]} {FRENCH[(i + 1) % 4]} Chapitre {i}{salt}."} for i in range(n)]


def test_a_retrained_perplexity_model_is_never_served_from_old_scores(tmp_path):
    cat = corpus(tmp_path, texts(30))
    langs = own_languages(tmp_path)
    model = tmp_path / "models" / "fr"
    lines = [f"{FRENCH[i % 4]} {FRENCH[(i * 3) % 4]}" for i in range(200)]
    train_model(lines, model, vocab_size=300)
    cfg = RunConfig(catalogue=cat, output=tmp_path / "out", executor="local", languages=langs,
                    stages=["normalise", "perplexity"])
    (langs / "fr.yaml").write_text((langs / "fr.yaml").read_text().replace("../models/fr", str(model)))
    first = Run(cfg, "fr").execute(progress=False)
    before = {r["id"]: r["perplexity"] for r in rows(cfg.output)}
    train_model(["Un texte tout autre, sans rapport avec le premier modèle."] * 50 + lines[:20], model, vocab_size=120)
    second = Run(cfg, "fr").execute(progress=False)
    after = {r["id"]: r["perplexity"] for r in rows(cfg.output)}
    assert second["config_hash"] != first["config_hash"] and second["units_resumed"] == 0
    assert before.keys() == after.keys() and all(before[k] != after[k] for k in before)


def test_a_changed_language_threshold_counts_even_when_no_langid_quality_or_pii_stage_runs(tmp_path):
    cat = corpus(tmp_path, texts(20))
    langs = own_languages(tmp_path)
    cfg = RunConfig(catalogue=cat, output=tmp_path / "out", executor="local", languages=langs, stages=["normalise"])
    first = Run(cfg, "fr").execute(progress=False)
    (langs / "fr.yaml").write_text((langs / "fr.yaml").read_text().replace("  max: null", "  max: 99"))
    second = Run(cfg, "fr").execute(progress=False)
    assert second["config_hash"] != first["config_hash"] and second["units_resumed"] == 0


def test_a_language_file_edited_during_a_run_changes_nothing_until_the_next_run(tmp_path, monkeypatch):
    src = tmp_path / "src"
    src.mkdir()
    for f in range(3):  # three units, so the edit lands between them
        recs = texts(15, f"-{f}") + [{"id": f"short{i}", "text": f"Bonjour le monde numéro {i}."} for i in range(3)]
        (src / f"p{f}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    write_entry(tmp_path / "catalogue", entry("src", "../src/p*.jsonl"))
    langs = own_languages(tmp_path)
    yaml_file = langs / "fr.yaml"
    cfg = RunConfig(catalogue=tmp_path / "catalogue", output=tmp_path / "out", executor="local", languages=langs,
                    stages=["normalise", "quality"])
    real = Normalise.__call__

    def edit_then_normalise(self, docs):
        yaml_file.write_text(yaml_file.read_text().replace("min: 13, max: 100000", "min: 40, max: 100000"))
        return real(self, docs)

    monkeypatch.setattr(Normalise, "__call__", edit_then_normalise)
    Run(cfg, "fr").execute(progress=False)
    monkeypatch.setattr(Normalise, "__call__", real)
    got = rows(cfg.output)
    assert {r["threshold"] for r in got if r.get("rule") == "word_count:min"} == {13.0}  # every unit: the start's
    assert sum(r.get("rule") == "word_count:min" for r in got) == 9 and sum(13 <= r["word_count"] < 40 for r in got) == 45
    Run(cfg, "fr").execute(progress=False)
    assert {r["threshold"] for r in rows(cfg.output) if r.get("rule") == "word_count:min"} == {40.0}


def test_catalogue_and_word_list_paths_cannot_leave_their_folders(tmp_path):
    for path in ("../../../../../../../etc/passwd", "/etc/passwd"):
        cat = tmp_path / f"cat{len(path)}"
        write_entry(cat, entry("evil", path, kind="textdir"))
        with pytest.raises(UserError, match="outside the folders a catalogue may read"):
            sources_for(cat, "fr")
    langs = own_languages(tmp_path)
    (langs / "fr.yaml").write_text((langs / "fr.yaml").read_text().replace(
        "list: wordlists/stopwords/fr.txt", "list: ../../../../../../../etc/passwd"))
    cat = corpus(tmp_path, texts(3))
    with pytest.raises(UserError, match="outside the languages folder"):
        Run(RunConfig(catalogue=cat, output=tmp_path / "out", executor="local", languages=langs, stages=["quality"]), "fr")
    allowed = RunConfig(data_roots=[tmp_path])  # an explicitly allowed root is read
    write_entry(tmp_path / "far" / "cat", entry("far", str(tmp_path / "src" / "*.jsonl")))
    assert sources_for(tmp_path / "far" / "cat", "fr", allowed.data_roots)[0].files


def test_a_language_code_that_is_a_path_is_refused_everywhere(tmp_path):
    from pipeline.cli import main
    from pipeline.removals import removals_file

    for bad in ("../../x", "fr/../../x", "/tmp/x", ""):
        with pytest.raises(UserError, match="not a language code"):
            removals_file(tmp_path, bad)
    before = sorted((ROOT / "removals").iterdir())
    assert main(["remove", "--lang", "../../x", "--id", "a", "--config", str(ROOT / "configs/default.yaml")]) == 2
    assert sorted((ROOT / "removals").iterdir()) == before and not (ROOT / "removals" / "../../x.jsonl").resolve().exists()


def test_a_symlink_loop_reads_each_real_file_once(tmp_path):
    src = tmp_path / "src" / "a"
    src.mkdir(parents=True)
    (src / "fr.jsonl").write_text("".join(json.dumps(r) + "\n" for r in texts(5)), encoding="utf-8")
    os.symlink(tmp_path / "src", src / "loop")  # src/a/loop -> src: src/a/loop/a/loop/... forever
    os.symlink(src / "fr.jsonl", tmp_path / "src" / "same.jsonl")
    write_entry(tmp_path / "catalogue", entry("src", "../src/**/*.jsonl"))
    [source] = sources_for(tmp_path / "catalogue", "fr")
    assert len(source.files) == 1
    cfg = RunConfig(catalogue=tmp_path / "catalogue", output=tmp_path / "out", executor="local", stages=["normalise"])
    assert Run(cfg, "fr").execute(progress=False)["documents_in"] == 5


def test_duplicate_native_ids_are_rejected_within_and_across_files_and_every_stored_id_is_unique(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    a = [{"id": "x", "text": FRENCH[0]}, {"id": "y", "text": FRENCH[1]}, {"id": "x", "text": FRENCH[2]}]
    b = [{"id": "y", "text": FRENCH[3]}, {"id": "z", "text": FRENCH[0] + " Autre."}]
    (src / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in a), encoding="utf-8")
    (src / "b.jsonl").write_text("".join(json.dumps(r) + "\n" for r in b), encoding="utf-8")
    write_entry(tmp_path / "catalogue", entry("s", "../src/*.jsonl", id_field="id"))
    cfg = RunConfig(catalogue=tmp_path / "catalogue", output=tmp_path / "out", executor="local", stages=["normalise"])
    summary = Run(cfg, "fr").execute(progress=False)
    got = rows(cfg.output)
    ids = [r["id"] for r in got]
    assert len(ids) == len(set(ids)) == summary["documents_in"] == 5
    dups = sorted((r["id"], r["detail"]) for r in got if r.get("rule") == "duplicate_id")
    assert dups == [("s/a.jsonl/3", "id 'x' is already used by an earlier record of this file"),
                    ("s/b.jsonl/1", "id 'y' is already used by another file of source s")]
    assert {r["id"] for r in got if r.get("rule") is None} == {"s/x", "s/y", "s/z"}
    again = Run(cfg, "fr").execute(progress=False)  # the rerun resumes, with the same decisions
    assert again["units_resumed"] == 2 and sorted(r["id"] for r in rows(cfg.output)) == sorted(ids)


def test_an_empty_corpus_and_a_removal_of_everything_give_valid_outputs_that_say_so(tmp_path):
    from pipeline.audit.remove import apply_to_build, record_request

    cat = corpus(tmp_path, [])
    cfg = RunConfig(catalogue=cat, output=tmp_path / "out", executor="local", stages=["normalise", "langid", "quality"],
                    removals=tmp_path / "removals")
    summary = Run(cfg, "fr", writers=run_writers(cfg)).execute(progress=False)
    assert summary["documents_in"] == 0 and rows(cfg.output) == []
    assert "This build is empty" in (cfg.output / "fr" / "report.html").read_text()
    corpus(tmp_path, texts(6))
    Run(cfg, "fr", writers=run_writers(cfg)).execute(progress=False)
    req = record_request(cfg.removals, "fr", [], ["src"], None, None, "everything")
    res = apply_to_build(cfg.output / "fr", [req], cfg)
    manifest = json.loads((cfg.output / "fr" / "manifest.json").read_text())
    assert res["documents_removed"] == 6 and manifest["documents_kept"] == manifest["documents_rejected"] == 0
    assert "every one was rejected or removed on request" in (cfg.output / "fr" / "README.md").read_text()


def test_odd_text_never_crashes_a_stage(tmp_path):
    raw = tmp_path / "src"
    raw.mkdir()
    records = [{"id": "surrogate", "text": "Bonjour \ud800 le monde, voici un texte."},
               {"id": "nbsp", "text": "\u00a0\u00a0 \u3000\u2003"}, {"id": "ok", "text": FRENCH[0]}]
    body = "".join(json.dumps(r) + "\n" for r in records).encode("utf-8")
    (raw / "fr.jsonl").write_bytes(b"\xef\xbb\xbf" + body)  # a UTF-8 byte order mark first
    write_entry(tmp_path / "catalogue", entry("s", "../src/fr.jsonl", id_field="id"))
    lid_only = RunConfig(catalogue=tmp_path / "catalogue", output=tmp_path / "o1", executor="local", stages=["langid"])
    Run(lid_only, "fr").execute(progress=False)
    got = {r["id"]: r for r in rows(lid_only.output)}
    assert got["s/surrogate"]["lang_pred"] == "fr" and "\ufffd" in got["s/surrogate"]["text"]  # no normalise: no crash
    cfg = RunConfig(catalogue=tmp_path / "catalogue", output=tmp_path / "o2", executor="local",
                    stages=["normalise", "langid"])
    Run(cfg, "fr").execute(progress=False)
    got = {r["id"]: r for r in rows(cfg.output)}
    assert (got["s/nbsp"]["stage"], got["s/nbsp"]["rule"], got["s/nbsp"]["value"]) == ("normalise", "min_chars", 0.0)
    assert got["s/ok"].get("stage") is None and "malformed_json" not in {r.get("rule") for r in got.values()}


def test_a_truncated_file_keeps_its_readable_records_and_the_other_files(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    good = "".join(json.dumps(r) + "\n" for r in texts(10)).encode()
    (src / "a.jsonl.gz").write_bytes(gzip.compress(good)[:-30])
    (src / "b.jsonl").write_bytes(good.replace(b'"d', b'"e'))
    write_entry(tmp_path / "catalogue", entry("s", "../src/*.jsonl*", id_field="id"))
    cfg = RunConfig(catalogue=tmp_path / "catalogue", output=tmp_path / "out", executor="local", stages=["normalise"])
    summary = Run(cfg, "fr").execute(progress=False)
    got = rows(cfg.output)
    bad = [r for r in got if r.get("rule") == "unreadable_file"]
    assert len(bad) == 1 and "a.jsonl.gz" in bad[0]["detail"] and "EOFError" in bad[0]["detail"]
    assert sum(r["id"].startswith("s/e") for r in got) == 10 and summary["documents_kept"] >= 10
    report = json.loads((cfg.output / "fr" / "reports" / "ingest.json").read_text())
    assert report["dropped"]["unreadable_file"]["docs"] == 1 and "a.jsonl.gz" in report["examples"]["unreadable_file"][0]["detail"]


def test_leftovers_of_a_killed_run_are_cleaned_by_the_next(tmp_path):
    cat = corpus(tmp_path, texts(4))
    cfg = RunConfig(catalogue=cat, output=tmp_path / "out", executor="local", stages=["normalise"])
    run = Run(cfg, "fr")
    run.execute(progress=False)
    dead = 2**22 + 12345  # no such process
    litter = [run.layout.versions / "v-killed", run.work / "units" / f".kept-00000.parquet.tmp-{dead}",
              cfg.output / f".fr.link.tmp-{dead}"]
    litter[0].mkdir()
    litter[1].write_bytes(b"half a file")
    os.symlink("nowhere", litter[2])
    alive = run.work / f".snapshot.tmp-{os.getppid()}"  # a temp file of a process that still runs: kept
    alive.write_bytes(b"")
    Run(cfg, "fr").execute(progress=False)
    assert not any(p.exists() or p.is_symlink() for p in litter) and alive.exists()
    assert [p.name for p in run.layout.versions.iterdir()] == [(cfg.output / "fr").resolve().name]


def test_a_crash_in_a_stage_is_a_failed_unit_reported_in_one_message_and_the_others_finish(tmp_path, monkeypatch):
    src = tmp_path / "src"
    src.mkdir()
    for f in range(2):
        (src / f"p{f}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in texts(5, f"-{f}")), encoding="utf-8")
    write_entry(tmp_path / "catalogue", entry("src", "../src/*.jsonl", id_field="id"))
    cfg = RunConfig(catalogue=tmp_path / "catalogue", output=tmp_path / "out", executor="local", stages=["normalise"])
    real = Normalise.__call__

    def broken(self, docs):
        if any("-1" in d.text for d in docs):
            raise RuntimeError("a bug in a stage")
        return real(self, docs)

    monkeypatch.setattr(Normalise, "__call__", broken)
    run = Run(cfg, "fr")
    with pytest.raises(UserError, match=r"(?s)1 of 2 unit\(s\) failed.*RuntimeError: a bug in a stage"):
        run.execute(progress=False)
    assert [u.done for u in run.units] == [True, False] and (run.units[1].dir / "error.txt").is_file()
    monkeypatch.setattr(Normalise, "__call__", real)
    assert Run(cfg, "fr").execute(progress=False)["units_resumed"] == 1


def test_the_run_config_names_its_allowed_roots_in_yaml(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"data_roots": [str(tmp_path)]}))
    from pipeline.config import load_config

    assert load_config(path).data_roots == [tmp_path]

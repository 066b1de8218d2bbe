"""End-to-end runs on the messy catalogue: conservation of counts, rejected reasons, resume, Ray."""
import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import ROOT

from pipeline.config import RunConfig
from pipeline.run import Run
from pipeline.stages.normalise import Normalise


def read_set(folder: Path):
    return pq.read_table(folder).to_pylist()


def test_every_document_is_kept_or_rejected_once_and_counts_add_up(config):
    summary = Run(config, "fr").execute(progress=False)
    out = Path(config.output) / "fr"
    kept, rejected = read_set(out / "data"), read_set(out / "rejected")
    ids = [r["id"] for r in kept] + [r["id"] for r in rejected]
    assert len(ids) == len(set(ids)) == 48 + 6  # 48 JSONL records, 6 .txt files
    assert summary["documents_in"] == 54 and summary["documents_kept"] == len(kept) == 46

    reasons = {r["id"]: (r["stage"], r["rule"]) for r in rejected}
    assert reasons == {
        "jsonsrc/fr.jsonl.gz/41": ("ingest", "invalid_utf8"),
        "jsonsrc/fr.jsonl.gz/42": ("ingest", "malformed_json"),
        "jsonsrc/notext": ("ingest", "missing_text_field"),  # native id kept when the record has one
        "jsonsrc/numtext": ("ingest", "missing_text_field"),
        "jsonsrc/fr.jsonl.gz/45": ("ingest", "malformed_record"),
        "jsonsrc/empty": ("normalise", "min_chars"),
        "jsonsrc/huge": ("ingest", "max_bytes"),
        "textsrc/texts/latin1.txt": ("ingest", "invalid_utf8"),
    }
    huge = next(r for r in rejected if r["id"] == "jsonsrc/huge")
    assert huge["value"] == 3_000_000 and huge["threshold"] == 1_000_000 and len(huge["text"]) == 3_000_000
    ctrl = next(r for r in kept if r["id"] == "jsonsrc/ctrl")
    assert ctrl["text"] == "Bonjour le monde" and ctrl["n_chars"] == 16 and json.loads(ctrl["meta"]) == {}

    reports = {p.stem: json.loads(p.read_text()) for p in (out / "reports").glob("*.json")}
    ing, norm = reports["ingest"], reports["normalise"]
    for rep in (ing, norm):
        assert rep["docs_in"] == rep["docs_out"] + sum(d["docs"] for d in rep["dropped"].values())
        for src in rep["per_source"].values():
            assert src["docs_in"] == src["docs_out"] + sum(d["docs"] for d in src["dropped"].values())
    assert ing["docs_in"] == 54 and ing["docs_out"] == norm["docs_in"] == 47 and norm["docs_out"] == 46
    assert ing["dropped"]["missing_text_field"]["docs"] == 2
    # 10 Latin-1 bytes, stored with 3 U+FFFD (3 bytes each) in place of the undecodable ones
    assert ing["per_source"]["textsrc"]["dropped"] == {"invalid_utf8": {"docs": 1, "bytes": 16}}
    assert norm["examples"]["min_chars"][0]["id"] == "jsonsrc/empty"

    manifest = json.loads((out / "manifest.json").read_text())
    assert sum(s["rows"] for s in manifest["data"]) == 46
    assert sum(s["rows"] for s in manifest["rejected"]) == 8
    for s in manifest["data"] + manifest["rejected"]:
        assert (out / s["path"]).stat().st_size == s["bytes"] and len(s["sha256"]) == 64


def test_a_50_mb_document_is_rejected_not_crashed(tmp_path):
    from conftest import entry, write_entry

    src = tmp_path / "src"
    src.mkdir()
    big = "Le même paragraphe revient encore. " * (50 * 2**20 // 35)
    (src / "fr.jsonl").write_text(json.dumps({"id": "big", "text": big}) + "\n" + json.dumps({"id": "ok", "text": "Bonjour."}) + "\n")
    write_entry(tmp_path / "cat", entry("s", "../src/{lang}.jsonl", id_field="id"))
    cfg = RunConfig(catalogue=tmp_path / "cat", output=tmp_path / "out", executor="local", stages=["normalise"])
    summary = Run(cfg, "fr").execute(progress=False)  # default max_doc_bytes: 10 MB
    rej = pq.read_table(tmp_path / "out" / "fr" / "rejected", columns=["id", "rule", "value", "threshold"]).to_pylist()
    assert summary["documents_kept"] == 1 and rej == [{"id": "s/big", "rule": "max_bytes", "value": float(len(big.encode())),
                                                       "threshold": 10_000_000.0}]


def test_small_shard_size_gives_several_shards_with_same_rows(config):
    Run(config.model_copy(update={"shard_bytes": 1}), "fr").execute(progress=False)
    out = Path(config.output) / "fr"
    shards = sorted((out / "data").glob("part-*.parquet"))
    assert len(shards) > 1 and sum(pq.ParquetFile(s).metadata.num_rows for s in shards) == 46


class Crash(BaseException):
    """A kill: not an error a worker reports (those end as failed units), the process just stops."""


def test_resume_after_interruption_redoes_only_unfinished_units(config, monkeypatch):
    reference = RunConfig(**{**config.model_dump(), "output": Path(config.output).parent / "ref"})
    Run(reference, "fr").execute(progress=False)
    expected = sorted(r["id"] for r in read_set(Path(reference.output) / "fr" / "data"))

    calls = {"n": 0}
    real = Normalise.__call__

    def flaky(self, docs):
        calls["n"] += 1
        if calls["n"] == 3:  # die in the middle of the JSONL unit, after a part file was written
            raise Crash("simulated kill")
        return real(self, docs)

    monkeypatch.setattr(Normalise, "__call__", flaky)
    run = Run(config, "fr")
    with pytest.raises(Crash):
        run.execute(progress=False)
    assert [u.done for u in run.units] == [False, False]
    assert list(run.units[0].dir.glob("kept-*.parquet"))  # a partial unit was left behind

    monkeypatch.setattr(Normalise, "__call__", real)
    second = Run(config, "fr")
    second_pending = [u.key for u in second.pending()]
    summary = second.execute(progress=False)
    got = sorted(r["id"] for r in read_set(Path(config.output) / "fr" / "data"))
    assert got == expected and len(got) == len(set(got))
    assert summary["units_resumed"] == 0 and len(second_pending) == 2

    third = Run(config, "fr").execute(progress=False)  # everything done: nothing is recomputed
    assert third["units_resumed"] == 2
    assert sorted(r["id"] for r in read_set(Path(config.output) / "fr" / "data")) == expected


def test_changed_threshold_is_not_served_from_stale_results(config):
    Run(config, "fr").execute(progress=False)
    stricter = config.model_copy(update={"normalise": config.normalise.model_copy(update={"min_chars": 60})})
    run = Run(stricter, "fr")
    s = run.execute(progress=False)
    assert s["units_resumed"] == 0
    rejected = read_set(Path(config.output) / "fr" / "rejected")
    assert any(r["rule"] == "min_chars" and r["threshold"] == 60 for r in rejected)
    assert len(list(run.layout.work.iterdir())) == 1  # the stale config's parts are gone


@pytest.mark.ray
def test_ray_executor_gives_the_same_result_as_local(config):
    local = Run(config, "fr").execute(progress=False)
    local_ids = sorted(r["id"] for r in read_set(Path(config.output) / "fr" / "data"))
    ray_cfg = config.model_copy(update={"executor": "ray", "workers": 2, "output": Path(config.output).parent / "ray"})
    remote = Run(ray_cfg, "fr").execute(progress=False)
    assert sorted(r["id"] for r in read_set(Path(ray_cfg.output) / "fr" / "data")) == local_ids
    assert remote["documents_in"] == local["documents_in"] and remote["documents_kept"] == local["documents_kept"]


def cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, capture_output=True, text=True)


def test_cli_help_lists_the_stages():
    r = cli("--help")
    assert r.returncode == 0 and "normalise" in r.stdout and "ingest" in r.stdout


def test_cli_runs_one_stage_on_a_jsonl_file(tmp_path):
    f = tmp_path / "x.jsonl"
    f.write_text('{"text": "Bonjour\\r\\n"}\n{"text": ""}\nnot json\n', encoding="utf-8")
    r = cli("run", "normalise", "--lang", "fr", "--input", str(f), "--out", str(tmp_path / "o"), "--executor", "local")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["documents_kept"] == 1
    rej = read_set(tmp_path / "o" / "fr" / "rejected")
    assert sorted((x["stage"], x["rule"]) for x in rej) == [("ingest", "malformed_json"), ("normalise", "min_chars")]


def test_cli_user_error_is_one_line_without_traceback(tmp_path):
    bad = tmp_path / "c.yaml"
    bad.write_text("stages: [normalise, dedupe]\n")
    r = cli("corpus", "--lang", "fr", "--config", str(bad))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"{bad}" in r.stderr and "field 'stages'" in r.stderr and "valid: clean, normalise, langid, quality" in r.stderr


def test_ids_claimed_by_an_earlier_unit_match_a_running_set():
    """The driver finds ids a later file repeats with sorted arrays, not a Python set of every id: the same
    keys, per unit, as the set rule (units in order, repeats inside one unit are not its business)."""
    import random

    import numpy as np

    from pipeline.run import claimed_before

    rng = random.Random(0)
    for _ in range(500):
        keys = [np.array([rng.randint(0, 30) for _ in range(rng.randint(0, 12))], dtype=np.uint64)
                for _ in range(rng.randint(0, 6))]
        seen: set[int] = set()
        expected = []
        for k in keys:
            expected.append(sorted(seen.intersection(k.tolist())))
            seen.update(k.tolist())
        assert claimed_before(keys) == expected


def test_a_change_in_the_pipeline_code_changes_the_snapshot(tmp_path):
    """A decision rule lives in code as well as in files (the language-ID veto): the snapshot's versions carry a
    digest of the pipeline's Python and C files, so a build made by other code is never resumed; evaluations do not count."""
    import shutil

    from pipeline.snapshot import code_digest, versions

    src = ROOT / "pipeline"
    copy = tmp_path / "pipeline"
    shutil.copytree(src, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert versions()["pipeline"] == code_digest() == code_digest(copy)
    (copy / "evals" / "lid_eval.py").write_text("# an evaluation\n")
    assert code_digest.__wrapped__(copy) == code_digest()
    c_file = copy / "filters" / "_ftnative.c"  # the C kernels decide values too
    c_file.write_text(c_file.read_text() + "\n/* changed */\n")
    assert code_digest.__wrapped__(copy) != code_digest()
    shutil.copy(src / "filters" / "_ftnative.c", c_file)
    assert code_digest.__wrapped__(copy) == code_digest()
    (copy / "stages" / "langid.py").write_text((copy / "stages" / "langid.py").read_text() + "\n# changed\n")
    assert code_digest.__wrapped__(copy) != code_digest()


def _write_then_read(snapshot, folder, barrier, out):
    from pipeline.snapshot import COMPLETE

    barrier.wait()
    try:
        snapshot.write(folder)
        whole = (folder / COMPLETE).read_text() == snapshot.digest and all(
            (folder / name).read_bytes() == data for name, data in snapshot.files.items())
    except OSError as e:  # `Directory not empty` when the other process published between our delete and our rename
        whole = repr(e)
    out.put(whole)


def test_two_runs_starting_at_once_write_their_snapshot_once_and_neither_loses_it(tmp_path):
    """Two runs of one config starting together (the `two runs at once` fault) write the same snapshot folder before
    either takes the run lock: neither may delete the copy the other has published, nor fail on it."""
    import multiprocessing
    import random

    from pipeline.snapshot import Snapshot

    rng = random.Random(0)
    snapshot = Snapshot({f"lists/f{i}.txt": rng.randbytes(100_000) for i in range(40)}, "d1g3st")
    ctx = multiprocessing.get_context("fork")
    results = []
    for k in range(8):
        barrier, out = ctx.Barrier(2), ctx.Queue()
        procs = [ctx.Process(target=_write_then_read, args=(snapshot, tmp_path / f"w{k}" / "snapshot", barrier, out))
                 for _ in range(2)]
        for p in procs:
            p.start()
        results += [out.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(timeout=60)
    assert results == [True] * 16, results

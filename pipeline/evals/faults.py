"""`make faults`: inject faults into real runs (separate processes) and check that nothing is lost,
duplicated or stale. Prints a table and writes <out>/faults.json.

A small corpus of several input files (plain, .gz, .zst JSONL) is built; each scenario breaks one run
(kill -9 of the driver at a failpoint, a Ray worker killed, corrupt input files, a full disk, two runs at
once), then reruns the same command and checks the published build: every input id exactly once in data/
or rejected/, the manifest's counts adding up, every shard's sha256 right, and the build made with the
current configuration (its config hash). tests/pipeline/test_faults.py runs the same scenarios.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import yaml
import zstandard

from pipeline.errors import cli_main
from pipeline.shards import write_json_atomic

ROOT = Path(__file__).resolve().parents[2]
SENTENCES = [
    "Le paquet est installé avec apt, qui vérifie les dépendances avant de télécharger les fichiers.",
    "Chaque traduction du manuel est relue par l'équipe de localisation avant la publication.",
    "La configuration du réseau se fait dans le fichier interfaces ou avec le gestionnaire de réseau.",
    "Les journaux du système sont conservés par journald et peuvent être lus avec journalctl.",
    "Un serveur de courrier reçoit les messages et les distribue dans les boîtes des utilisateurs.",
    "Le noyau charge les pilotes nécessaires au démarrage, puis le système lance les services.",
]
KILL_POINTS = ["unit:before_stats", "run:units_done", "finalise:data_written", "publish:before_switch",
               "publish:after_switch"]


def make_corpus(root: Path, files: int = 4, per_file: int = 60) -> tuple[Path, set[str]]:
    """A catalogue with one source of `files` JSONL files (plain, .gz, .zst), French paragraphs with some
    exact duplicates across files; returns the catalogue folder and every document id."""
    src = root / "src"
    src.mkdir(parents=True, exist_ok=True)
    ids = set()
    for f in range(files):
        lines = []
        for i in range(per_file):
            k = f * per_file + i
            text = " ".join(SENTENCES[(k + j) % len(SENTENCES)] for j in range(3 + k % 4)) + f" Section {k % 97}."
            lines.append(json.dumps({"id": f"f{f}-{i}", "text": text}, ensure_ascii=False))
            ids.add(f"web/f{f}-{i}")
        data = ("\n".join(lines) + "\n").encode()
        suffix = ["", ".gz", ".zst"][f % 3]
        path = src / f"part-{f}.jsonl{suffix}"
        path.write_bytes(gzip.compress(data) if suffix == ".gz" else zstandard.ZstdCompressor().compress(data)
                         if suffix == ".zst" else data)
    cat = root / "catalogue"
    cat.mkdir(exist_ok=True)
    (cat / "web.yaml").write_text(yaml.safe_dump({
        "uid": "web", "type": "primary_source", "name": "web", "description": "fault-injection corpus",
        "languages": ["fr"], "custodian": {"name": "tests", "type": "other"},
        "licence": {"text": "CC0-1.0", "class": "public_domain"}, "pii": {"likelihood": "no"},
        "category": {"kind": "collection", "domain": "tests"}, "media": {"format": "jsonl"},
        "procurement": {"how": "generated"}, "read": {"kind": "jsonl", "path": "../src/part-*.jsonl*", "id_field": "id"}}))
    return cat, ids


def write_config(root: Path, executor: str = "local", output: Path | None = None, min_chars: int = 1) -> Path:
    cfg = {"catalogue": str(root / "catalogue"), "output": str(output or root / "out"), "languages": str(ROOT / "languages"),
           "stages": ["normalise", "langid", "quality", "dedup"], "executor": executor, "workers": 2,
           "part_docs": 50, "batch_docs": 20, "removals": None, "normalise": {"min_chars": min_chars}}
    path = root / "config.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def corpus(config: Path, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    """`python -m pipeline corpus --lang fr` in a new process."""
    return subprocess.run([sys.executable, "-m", "pipeline", "corpus", "--lang", "fr", "--config", str(config),
                           "--no-progress"], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONUTF8": "1", **(env or {})})


@dataclass
class Check:
    ok: bool
    lost: int
    duplicated: int
    problems: list[str]


def check_build(out: Path, expected: set[str]) -> Check:
    """The published build holds every expected id once (an unreadable rest of a file counts as its own id),
    its counts add up and its shards are the ones its manifest names."""
    problems = []
    build = out / "fr"
    manifest = json.loads((build / "manifest.json").read_text())
    ids = []
    for part in ("data", "rejected"):
        for s in manifest[part]:
            p = build / s["path"]
            if hashlib.sha256(p.read_bytes()).hexdigest() != s["sha256"]:
                problems.append(f"{s['path']}: sha256 differs from the manifest")
            ids += pq.read_table(p, columns=["id"])["id"].to_pylist()
    for part in ("data", "rejected"):
        listed = {Path(s["path"]).name for s in manifest[part]}
        extra = {p.name for p in (build / part).glob("*.parquet")} - listed
        if extra:
            problems.append(f"{part}/ holds shards the manifest does not list: {sorted(extra)}")
    got = set(ids)
    lost = len({i for i in expected if i not in got})
    duplicated = len(ids) - len(got)
    if manifest["documents_in"] != manifest["documents_kept"] + manifest["documents_rejected"] + manifest["documents_removed"]:
        problems.append("manifest counts do not add up")
    if manifest["documents_kept"] + manifest["documents_rejected"] != len(ids):
        problems.append(f"manifest says {manifest['documents_kept'] + manifest['documents_rejected']} stored, shards hold {len(ids)}")
    return Check(not problems and not lost and not duplicated, lost, duplicated, problems)


def current_hash(config: Path) -> str:
    """The config hash the next run would use (to check that a build is not stale)."""
    from pipeline.config import load_config
    from pipeline.run import Run

    return Run(load_config(config), "fr").config_hash


def scenario_kill(root: Path, point: str) -> dict:
    """A complete build with one threshold, then a run with another killed at `point`: what is published in
    between must be one of the two builds, whole; the rerun publishes the new one."""
    cat, expected = make_corpus(root)
    config = write_config(root)
    old = corpus(config)
    old_hash = current_hash(config)
    write_config(root, min_chars=300)  # the next build differs: more documents rejected by normalise
    first = corpus(config, {"ROOTS_FAILPOINT": f"{point}@{root / 'killed'}"})
    killed = first.returncode == -9
    between = check_build(root / "out", expected)
    shown = json.loads((root / "out" / "fr" / "manifest.json").read_text())["config_hash"]
    whole = old.returncode == 0 and between.ok and shown in (old_hash, current_hash(config))
    second = corpus(config)
    note = ("" if killed else f"the failpoint did not fire (exit {first.returncode}); ") + \
        (f"between: the {'old' if shown == old_hash else 'new'} build, whole" if whole else
         f"between: a broken build {between.problems}")
    return _result(f"kill -9 at {point}", root, expected, config, second, note=note, must=killed and whole)


def scenario_corrupt(root: Path) -> dict:
    from pipeline.readers import read_file

    cat, _ = make_corpus(root)
    src = root / "src"
    gz, zst = src / "part-1.jsonl.gz", src / "part-2.jsonl.zst"
    gz.write_bytes(gz.read_bytes()[: len(gz.read_bytes()) // 2])  # truncated
    raw = bytearray(zst.read_bytes())
    raw[len(raw) // 2: len(raw) // 2 + 40] = os.urandom(40)  # corrupt in the middle
    zst.write_bytes(bytes(raw))
    config = write_config(root)
    from pipeline.catalogue import load_catalogue

    entry = load_catalogue(cat)[0][1]
    expected = {d.doc.id if hasattr(d, "doc") else d.id for f in sorted(src.iterdir())
                for d in read_file(entry, src, f, "fr", 10**7)}  # what can be read, and each file's unreadable rest
    run = corpus(config)
    report = json.loads((root / "out" / "fr" / "reports" / "ingest.json").read_text()) if run.returncode == 0 else {}
    named = [e["detail"] for e in report.get("examples", {}).get("unreadable_file", [])]
    reported = {Path(d.split(": ")[0]).resolve() for d in named} == {gz.resolve(), zst.resolve()}
    return _result("2 corrupt input files of 4 (.gz truncated, .zst damaged)", root, expected, config, run,
                   must=reported, note="each file and its error in the ingest report" if reported else
                   f"the ingest report does not name both files: {named}")


def scenario_concurrent(root: Path) -> dict:
    cat, expected = make_corpus(root)
    config = write_config(root)
    env = {**os.environ, "PYTHONUTF8": "1"}
    cmd = [sys.executable, "-m", "pipeline", "corpus", "--lang", "fr", "--config", str(config), "--no-progress"]
    procs = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    codes = sorted(p.returncode for p in procs)
    refused = any("is being written by" in err for _, err in outs)
    again = corpus(config)
    return _result("two runs at once on one output", root, expected, config, again,
                   note=f"exit codes {codes}; the second one {'stopped with a clear message' if refused else 'also ran'}",
                   must=codes == [0, 0] or (codes == [0, 2] and refused))


def scenario_ray_worker(root: Path) -> dict:
    cat, expected = make_corpus(root)
    config = write_config(root, executor="ray")
    run = corpus(config, {"ROOTS_FAILPOINT": f"unit:before_stats@{root / 'killed'}"})
    fired = (root / "killed").exists()
    return _result("a Ray worker killed (-9) in a unit", root, expected, config, run, must=fired,
                   note="" if fired else "the failpoint did not fire")


def scenario_disk_full(root: Path) -> dict:
    cat, expected = make_corpus(root)
    small = root / "small"
    small.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(small)], capture_output=True).returncode:
        return {"fault": "disk full", "skipped": "cannot mount a tmpfs here (needs root)"}
    try:
        config = write_config(root, output=small / "out")
        full = corpus(config)
        clear = full.returncode == 2 and "disk full" in full.stderr and "Traceback" not in full.stderr
        subprocess.run(["mount", "-o", "remount,size=64m", str(small)], check=True)
        again = corpus(config)
        return _result("disk full (a 600 KB tmpfs), then space freed", small, expected, config, again, must=clear,
                       note=full.stderr.strip().splitlines()[-1][:160] if full.stderr.strip() else f"exit {full.returncode}")
    finally:
        subprocess.run(["umount", "-l", str(small)], capture_output=True)


def _result(fault: str, root: Path, expected: set[str], config: Path, final: subprocess.CompletedProcess,
            note: str = "", must: bool = True) -> dict:
    if final.returncode != 0:
        return {"fault": fault, "survived": False, "lost": None, "duplicated": None,
                "note": f"rerun failed: {final.stderr.strip()[-300:]}"}
    out = Path(yaml.safe_load(config.read_text())["output"])
    c = check_build(out, expected)
    fresh = json.loads((out / "fr" / "manifest.json").read_text())["config_hash"] == current_hash(config)
    problems = c.problems + ([] if fresh else ["the build was made with another configuration"])
    return {"fault": fault, "survived": must and c.ok and fresh, "lost": c.lost, "duplicated": c.duplicated,
            "documents": len(expected), "note": "; ".join(filter(None, [note, *problems]))}


SCENARIOS = {**{f"kill:{p}": (lambda root, p=p: scenario_kill(root, p)) for p in KILL_POINTS},
             "corrupt": scenario_corrupt, "concurrent": scenario_concurrent, "ray_worker": scenario_ray_worker,
             "disk_full": scenario_disk_full}


def table(rows: list[dict]) -> str:
    lines = [f"{'fault':<58} {'survived':>8} {'lost':>5} {'dup':>4}  note"]
    for r in rows:
        if "skipped" in r:
            lines.append(f"{r['fault']:<58} {'skipped':>8} {'':>5} {'':>4}  {r['skipped']}")
            continue
        lines.append(f"{r['fault'][:58]:<58} {str(r['survived']):>8} {str(r['lost']):>5} {str(r['duplicated']):>4}  {r['note']}")
    return "\n".join(lines)


@cli_main
def main(argv: list[str] | None = None) -> int:
    import tempfile

    ap = argparse.ArgumentParser(prog="python -m pipeline.evals.faults", description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path("out/bench"))
    ap.add_argument("--only", help="comma-separated scenario names: " + ", ".join(SCENARIOS))
    args = ap.parse_args(argv)
    names = args.only.split(",") if args.only else list(SCENARIOS)
    rows = []
    for name in names:
        with tempfile.TemporaryDirectory(prefix=f"faults-{name.replace(':', '-')}-") as tmp:
            t0 = time.time()
            rows.append({**SCENARIOS[name](Path(tmp)), "seconds": round(time.time() - t0, 1)})
            print(table(rows[-1:]).splitlines()[-1], flush=True)
    print(table(rows))
    write_json_atomic({"scenarios": rows}, args.out / "faults.json")
    print(f"-> {args.out / 'faults.json'}")
    return 0 if all(r.get("survived", True) for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

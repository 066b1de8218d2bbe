"""`make bench-scale`: a whole run at corpus scale (100k, 1M, 3M documents), its memory, CPU and disk.

The corpus is built from real bundled English sentences (not copies of documents): each document draws
~2.2 KB of sentences at random, so documents are new combinations; 3 % are exact copies of an earlier
document and 5 % near copies (a few words replaced or dropped), so dedup has real clusters to decide.
Each measured run is a child process (its peak RSS is its own) that samples, every 0.2 s, the RSS of
itself (the driver; on the local executor also the worker) and of every process below it (Ray's
workers: their peak RSS and CPU seconds; Ray's own services apart), and every 2 s the bytes under the
run's output folder (work folder and build). Rows: `[normalise, dedup]` at each size on the
local executor and on Ray, and datatrove's MinHash pipeline on the smallest corpus; `every_stage`: every
default stage on the local executor over a corpus of --full-docs documents (220,000: 505 MB), with MB/s and
GB per core-hour by the process's CPU time, carried to 100M documents with its costliest stage named.
Writes <out>/scale.json.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

from pipeline.catalogue import sources_for
from pipeline.config import RunConfig
from pipeline.errors import cli_main
from pipeline.evals import bench_catalogue
from pipeline.readers import source_documents
from pipeline.shards import write_json_atomic

ROOT = Path(__file__).resolve().parents[2]
EXACT, NEAR = 0.03, 0.05
DOC_CHARS = 2200


def sentences(lang: str = "en") -> list[str]:
    docs = source_documents(sources_for(ROOT / "catalogue", lang), lang, 10**7)
    found = {s.strip() for d in docs for s in re.split(r"(?<=[.!?])\s+|\n+", d.text)}
    return sorted(s for s in found if 20 <= len(s) <= 400)


def build_corpus(path: Path, n: int, seed: int = 0) -> dict:
    """A JSONL file of `n` documents (see the module docstring); returns what was planted."""
    sents = sentences()
    lens = np.array([len(s) + 1 for s in sents])
    rng = np.random.default_rng(seed)
    kind = rng.random(n)
    planted = {"documents": n, "exact_copies": 0, "near_copies": 0}
    recent: list[str] = []  # copies are of one of the last 10,000 originals (the file stays streamable)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for i in range(n):
            if recent and kind[i] < EXACT:
                text = recent[int(rng.integers(len(recent)))]
                planted["exact_copies"] += 1
            elif recent and kind[i] < EXACT + NEAR:
                words = recent[int(rng.integers(len(recent)))].split(" ")
                for j in rng.choice(len(words), size=max(1, len(words) // 40), replace=False):
                    words[j] = sents[int(rng.integers(len(sents)))].split(" ")[0] if rng.random() < 0.5 else ""
                text = " ".join(w for w in words if w)
                planted["near_copies"] += 1
            else:
                pick = rng.integers(len(sents), size=40)
                k = int(np.searchsorted(np.cumsum(lens[pick]), DOC_CHARS * rng.uniform(0.5, 1.5))) + 1
                text = " ".join(sents[j] for j in pick[:k])
                recent.append(text)
                if len(recent) > 10_000:
                    recent.pop(int(rng.integers(len(recent))))
            fh.write(json.dumps({"id": f"d{i}", "text": text}, ensure_ascii=False) + "\n")
    tmp.replace(path)
    planted["bytes"] = path.stat().st_size
    return planted


def catalogue_for(corpus: Path) -> Path:
    return bench_catalogue(corpus.parent / "catalogue", "scale", "en", f"../{corpus.name}",
                           "documents of random real bundled English sentences, with planted copies")


class Sampler(threading.Thread):
    """Peak RSS of this process and of all processes below it, and peak bytes under `folder`."""

    def __init__(self, folder: Path):
        super().__init__(daemon=True)
        self.folder, self.stop = folder, threading.Event()
        self.driver = self.workers = self.services = self.disk = 0
        self.cpu: dict[int, float] = {}  # CPU seconds last seen per Ray worker process

    def run(self) -> None:
        import psutil

        me = psutil.Process()
        ticks = 0
        while not self.stop.wait(0.2):
            self.driver = max(self.driver, me.memory_info().rss)
            workers, services = 0, 0
            for c in me.children(recursive=True):
                try:
                    rss = c.memory_info().rss
                    if c.name().startswith("ray::"):
                        workers = max(workers, rss)
                        t = c.cpu_times()
                        self.cpu[c.pid] = t.user + t.system
                    else:
                        services += rss
                except psutil.Error:
                    pass
            self.workers, self.services = max(self.workers, workers), max(self.services, services)
            ticks += 1
            if ticks % 10 == 0:
                self.disk = max(self.disk, du(self.folder))


def du(folder: Path) -> int:
    total = 0
    for root, _, files in os.walk(folder):
        for f in files:
            try:
                total += os.stat(os.path.join(root, f)).st_size
            except OSError:
                pass
    return total


def one_run(cat: Path, out: Path, executor: str, stages: list[str], languages: Path | None = None) -> dict:
    """Run the `corpus` command once in this process and measure it (called in a child process)."""
    from pipeline.run import Run

    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    cfg = RunConfig(catalogue=cat, output=out, executor=executor, stages=stages, report_html=False, removals=None,
                    workers=2 if executor == "ray" else None, **({"languages": languages} if languages else {}))
    sampler = Sampler(out)
    sampler.start()
    t0, c0 = time.perf_counter(), time.process_time()
    s = Run(cfg, "en").execute(progress=False)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    sampler.stop.set()
    sampler.join()
    sampler.disk = max(sampler.disk, du(out))
    reports = out / "en" / "reports"
    per_stage = {}
    for st in ["ingest", *stages]:
        r = json.loads((reports / f"{st}.json").read_text())
        per_stage[st] = {"cpu_s": round(r["seconds"], 2), "docs_out": r["docs_out"],
                         **({"steps_s": r["steps_s"]} if "steps_s" in r else {})}
    return {"executor": executor, "stages": stages, "docs": s["documents_in"], "kept": s["documents_kept"],
            "input_bytes": s["input_bytes"], "wall_s": round(wall, 1), "driver_cpu_s": round(cpu, 1),
            "stage_cpu_s": s["stage_cpu_seconds"], "per_stage": per_stage,
            "driver_peak_rss_mb": round(sampler.driver / 2**20),
            "worker_peak_rss_mb": round(sampler.workers / 2**20) if executor == "ray" else None,
            "ray_services_peak_rss_mb": round(sampler.services / 2**20) if executor == "ray" else None,
            "ray_workers_cpu_s": round(sum(sampler.cpu.values()), 1) if executor == "ray" else None,
            "disk_peak_mb": round(sampler.disk / 2**20), "output_disk_mb": round(du(out / "en") / 2**20)}


def child(argv: list[str]) -> dict:
    """Run this module with `argv` in a child process (its peak RSS is its own); its last output line."""
    p = subprocess.run([sys.executable, "-m", "pipeline.evals.scale_bench", *argv], capture_output=True, text=True,
                       check=False)
    if p.returncode != 0:
        return {"argv": argv[1:], "error": (p.stderr or p.stdout).strip().splitlines()[-1:]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def datatrove_minhash(corpus: Path, n: int, work: Path) -> dict:
    """datatrove's four MinHash steps (same 14 x 8 bands, 5-grams) on the first `n` documents, one process,
    CPU seconds per step (called in a child process)."""
    from datatrove.data import Document as DTDoc
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup import minhash as dt

    shutil.rmtree(work, ignore_errors=True)
    with open(corpus, encoding="utf-8") as fh:
        docs = [DTDoc(text=r["text"], id=r["id"]) for r in (json.loads(x) for x, _ in zip(fh, range(n)))]
    cfg, kept, seconds = dt.MinhashConfig(), [0], {}

    def count(data, rank: int = 0, world_size: int = 1):
        kept[0] += sum(1 for _ in data)
        return iter(())
    steps = [("signatures", [docs, dt.MinhashDedupSignature(output_folder=str(work / "sigs"), config=cfg)], 1),
             ("buckets", [dt.MinhashDedupBuckets(input_folder=str(work / "sigs"), output_folder=str(work / "buckets"),
                                              config=cfg)], cfg.num_buckets),
             ("cluster", [dt.MinhashDedupCluster(input_folder=str(work / "buckets"), output_folder=str(work / "ids"),
                                              config=cfg)], 1),
             ("filter", [docs, dt.MinhashDedupFilter(input_folder=str(work / "ids")), count], 1)]
    for name, pipeline, tasks in steps:
        c0 = time.process_time()
        LocalPipelineExecutor(pipeline=pipeline, tasks=tasks, workers=1, logging_dir=str(work / "logs" / name)).run()
        seconds[name] = round(time.process_time() - c0, 1)
    cpu = sum(seconds.values())
    shutil.rmtree(work, ignore_errors=True)
    return {"docs": len(docs), "kept": kept[0], "cpu_s": round(cpu, 1), "steps_cpu_s": seconds,
            "docs_per_cpu_s": round(len(docs) / cpu, 1)}


def extrapolate(rows: list[dict], target: int = 100_000_000) -> dict:
    """Per executor, from its two largest [normalise, dedup] runs: driver bytes per added document, CPU per
    document (local: the process's; Ray: its workers' and the driver's) and disk per document, carried to
    `target` documents."""
    out = {}
    for executor in ("local", "ray"):
        runs = sorted((r for r in rows if r.get("executor") == executor and r.get("stages") == ["normalise", "dedup"]
                       and "error" not in r), key=lambda r: r["docs"])
        if len(runs) < 2:
            continue
        a, b = runs[-2], runs[-1]
        growth = (b["driver_peak_rss_mb"] - a["driver_peak_rss_mb"]) * 2**20 / (b["docs"] - a["docs"])
        cpu = (b["driver_cpu_s"] + (b["ray_workers_cpu_s"] or 0)) / b["docs"]
        steps = b["per_stage"]["dedup"].get("steps_s", {})
        slowest = max(steps.items(), key=lambda kv: kv[1], default=("?", 0))
        out[executor] = {
            "documents": target, "from_runs": [a["docs"], b["docs"]],
            "driver_bytes_per_added_document": round(growth, 1),
            "driver_rss_gb": round((b["driver_peak_rss_mb"] * 2**20 + growth * (target - b["docs"])) / 2**30, 1),
            "cpu_hours": round(cpu * target / 3600, 1), "disk_gb": round(b["disk_peak_mb"] * 2**20 / b["docs"] * target / 2**30),
            "slowest_dedup_step": {"step": slowest[0], "share_of_dedup_wall": round(slowest[1] / max(1e-9, sum(steps.values())), 2)}}
    return out


def every_stage(work: Path, n: int, languages: Path = ROOT / "languages") -> dict:
    """Every default stage on the local executor over `n` documents: MB/s and GB per core-hour by the process's CPU.
    The English perplexity model (in `languages`' models/ folder) is trained first when missing, as `make lm` would."""
    from pipeline.lm import missing_model, train_language

    cfg = RunConfig(languages=languages)
    if missing_model(cfg, "en"):
        print("training the English perplexity model (make lm LANG=en) ...", flush=True)
        train_language(cfg, "en")
    corpus = work / str(n) / "corpus.jsonl"
    if not corpus.is_file():
        print(f"building {corpus} ...", flush=True)
        build_corpus(corpus, n)
    row = {"n": n, **child(["--child", str(catalogue_for(corpus)), str(work / "run"), "local", ",".join(cfg.stages),
                            str(languages)])}
    if "error" not in row:
        rate = row["input_bytes"] / 1e6 / row["driver_cpu_s"]
        row.update(mb_per_s_per_core=round(rate, 2), gb_per_core_hour=round(rate * 3.6, 2))
    return row


def carried(row: dict, target: int = 100_000_000) -> dict:
    """The every-stage run carried to `target` documents of the same kind, and the stage that costs most."""
    if "error" in row:
        return {"error": row["error"]}
    stages = {k: v["cpu_s"] for k, v in row["per_stage"].items()}
    top = max(stages, key=stages.get)
    return {"documents": target, "cpu_hours": round(row["driver_cpu_s"] / row["docs"] * target / 3600, 1),
            "bottleneck": {"stage": top, "share_of_cpu": round(stages[top] / row["driver_cpu_s"], 2)}}


@cli_main
def main(argv: list[str] | None = None) -> int:
    if argv is None and sys.argv[1:2] in (["--child"], ["--datatrove"]):
        return child_main(sys.argv[1:])
    ap = argparse.ArgumentParser(prog="python -m pipeline.evals.scale_bench", description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path("out/bench"))
    ap.add_argument("--sizes", default="100000,1000000,3000000", help="documents per corpus (local executor)")
    ap.add_argument("--ray-sizes", default="100000,1000000", help="sizes also run on Ray")
    ap.add_argument("--datatrove-docs", type=int, default=20000, help="datatrove's MinHash on this prefix (0 = skip)")
    ap.add_argument("--full", action=argparse.BooleanOptionalAction, default=True,
                    help="every default stage on a corpus of --full-docs documents")
    ap.add_argument("--full-docs", type=int, default=220_000, help="~2.3 KB each: 220,000 is 505 MB")
    args = ap.parse_args(argv)
    work = args.out / "scale-bench"
    sizes = [int(x) for x in args.sizes.split(",")]
    ray_sizes = {int(x) for x in args.ray_sizes.split(",") if x}
    result: dict = {"rows": [], "planted": {}}
    for n in sizes:
        corpus = work / str(n) / "corpus.jsonl"
        if not corpus.is_file():
            print(f"building {corpus} ...", flush=True)
            result["planted"][n] = build_corpus(corpus, n)
        cat = catalogue_for(corpus)
        runs = [("local", ["normalise", "dedup"])] + [("ray", ["normalise", "dedup"])] * (n in ray_sizes)
        for executor, stages in runs:
            row = {"n": n, **child(["--child", str(cat), str(work / "run"), executor, ",".join(stages)])}
            print(json.dumps(row), flush=True)
            result["rows"].append(row)
        if args.datatrove_docs and n == sizes[0]:
            dt = child(["--datatrove", str(corpus), str(work / "datatrove"), str(args.datatrove_docs)])
            result["datatrove_minhash"] = dt
            print(json.dumps({"datatrove_minhash": dt}), flush=True)
        write_json_atomic(result, args.out / "scale.json")
    if args.full:
        result["every_stage"] = every_stage(work, args.full_docs)
        print(json.dumps({"every_stage": result["every_stage"]}), flush=True)
    result["extrapolation"] = extrapolate(result["rows"])
    if args.full:
        result["extrapolation"]["every_stage"] = carried(result["every_stage"])
    write_json_atomic(result, args.out / "scale.json")
    print(json.dumps(result["extrapolation"]), f"-> {args.out / 'scale.json'}")
    shutil.rmtree(work / "run", ignore_errors=True)
    return 0


def child_main(argv: list[str]) -> int:
    if argv[0] == "--child":
        cat, out, executor, stages = argv[1:5]
        languages = Path(argv[5]) if len(argv) > 5 else None
        print(json.dumps(one_run(Path(cat), Path(out), executor, stages.split(","), languages)))
    else:
        corpus, work, n = argv[1:4]
        print(json.dumps(datatrove_minhash(Path(corpus), int(n), Path(work))))
    return 0


if __name__ == "__main__":
    sys.exit(main())

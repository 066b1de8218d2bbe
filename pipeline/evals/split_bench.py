"""`make bench` (split rows): one big input file on one worker and on two, read whole or in parts.

Builds a single JSONL file of about `--gb` GB from real bundled documents (several languages, each document
once per round with its own id), then runs the same command three times on the Ray executor:
  whole, 1 worker     the file is one unit (the old way: one core, however big the cluster)
  split, 1 worker     the file in ~`--unit-mb` MB byte ranges, one worker
  split, 2 workers    the same units on two workers
Reports wall time (falls with workers only when the file is split), and documents per CPU-second of the
stages (split units should match whole-file units: the work per document is the same). Writes
<out>/split.json.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

from pipeline.base import default_workers
from pipeline.catalogue import sources_for
from pipeline.config import RunConfig
from pipeline.errors import cli_main
from pipeline.evals import bench_catalogue
from pipeline.readers import source_documents
from pipeline.run import Run
from pipeline.shards import write_json_atomic

ROOT = Path(__file__).resolve().parents[2]
LANGS = ("fr", "en", "es", "de", "pt")


def build_file(path: Path, gb: float) -> int:
    """A JSONL file of about `gb` GB of real documents (rounds over the bundled sources, new ids each round)."""
    docs = [d for lang in LANGS for d in source_documents(sources_for(ROOT / "catalogue", lang), lang, 10**6)]
    target, size, n = gb * 1e9, 0, 0
    with open(path, "w", encoding="utf-8") as fh:
        while size < target:
            for d in docs:
                line = json.dumps({"id": f"r{n}", "text": d.text}, ensure_ascii=False) + "\n"
                fh.write(line)
                size += len(line.encode())
                n += 1
                if size >= target:
                    break
    return n


def run_once(catalogue: Path, out: Path, workers: int, unit_mb: int | None) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    cfg = RunConfig(catalogue=catalogue, output=out, executor="ray", workers=workers, stages=["normalise", "langid"],
                    unit_bytes=(unit_mb or 10**6) * 2**20, report_html=False, removals=None)
    t0 = time.perf_counter()
    s = Run(cfg, "xx").execute(progress=False)
    wall = time.perf_counter() - t0
    import ray

    ray.shutdown()  # the next run starts its own instance with its own number of workers
    return {"workers": workers, "units": s["units"], "wall_s": round(wall, 1), "docs": s["documents_in"],
            "stage_cpu_s": s["stage_cpu_seconds"], "docs_per_cpu_s": round(s["documents_in"] / s["stage_cpu_seconds"], 1),
            "mb_per_cpu_s": round(s["input_bytes"] / s["stage_cpu_seconds"] / 1e6, 2)}


@cli_main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.evals.split_bench", description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path("out/bench"))
    ap.add_argument("--gb", type=float, default=1.0)
    ap.add_argument("--unit-mb", type=int, default=64)
    args = ap.parse_args(argv)
    work = args.out / "split-bench"
    (work / "src").mkdir(parents=True, exist_ok=True)
    big = work / "src" / "big.jsonl"
    if not big.is_file() or big.stat().st_size < args.gb * 0.95e9:
        print(f"building {big} ({args.gb} GB) ...", flush=True)
        build_file(big, args.gb)
    cat = bench_catalogue(work / "catalogue", "big", "xx", "../src/big.jsonl", "one big file of bundled documents")
    rows = {}
    for name, workers, unit_mb in (("whole_1_worker", 1, None), ("split_1_worker", 1, args.unit_mb),
                                   ("split_2_workers", min(2, default_workers()), args.unit_mb)):
        rows[name] = run_once(cat, work / "out", workers, unit_mb)
        print(name, rows[name], flush=True)
    result = {"file_bytes": big.stat().st_size, "stages": ["normalise", "langid"], "runs": rows,
              "speedup_2_workers": round(rows["split_1_worker"]["wall_s"] / rows["split_2_workers"]["wall_s"], 2),
              "split_vs_whole_rate": round(rows["split_1_worker"]["docs_per_cpu_s"] / rows["whole_1_worker"]["docs_per_cpu_s"], 3)}
    write_json_atomic(result, args.out / "split.json")
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}), f"-> {args.out / 'split.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`make bench`: throughput and memory of every stage on the bundled data, written to <out>/*.json.

Each stage runs alone in this one process (so docs/s is per core) over the same documents: ingest
reads the languages' sources from disk; every later stage takes the previous stage's output. Memory
is the peak of Python allocations inside the stage (tracemalloc) and the process's peak RSS. A last
measurement runs the whole `corpus` command for the first language on the configured executor.
"""
from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import time
import tracemalloc
from pathlib import Path

from pipeline.catalogue import sources_for
from pipeline.config import load_config
from pipeline.document import Document, Rejection
from pipeline.readers import read_file, source_root
from pipeline.runner import Run, default_workers
from pipeline.shards import write_json_atomic
from pipeline.stages import build_stages


def _nbytes(docs: list[Document]) -> int:
    return sum(len(d.text.encode("utf-8", "surrogatepass")) for d in docs)


def measure(name: str, fn, n_in: int, bytes_in: int) -> tuple[dict, object]:
    tracemalloc.start()
    t0, c0 = time.perf_counter(), time.process_time()
    result = fn()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "stage": name, "docs": n_in, "bytes": bytes_in, "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
        "docs_per_s_per_core": round(n_in / cpu, 1) if cpu else None,
        "mb_per_s_per_core": round(bytes_in / cpu / 1e6, 2) if cpu else None,
        "mean_doc_bytes": round(bytes_in / n_in) if n_in else 0,
        "peak_python_alloc_mb": round(peak / 2**20, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }, result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.bench", description=__doc__)
    ap.add_argument("--out", type=Path, default=Path("out/bench"))
    ap.add_argument("--lang", default="fr", help="language of the whole-run measurement")
    ap.add_argument("--langs", default="fr,en,zh,ar,hi,ru", help="languages whose documents the stages are timed on")
    ap.add_argument("--config", type=Path, default=Path("configs/default.yaml"))
    args = ap.parse_args(argv)
    cfg = load_config(args.config)
    langs = [x for x in args.langs.split(",") if x]
    env = {"python": sys.version.split()[0], "machine": platform.machine(), "cores": default_workers(), "langs": langs}

    def ingest() -> list[Document]:
        docs = []
        for lang in langs:
            for s in sources_for(cfg.catalogue, lang):
                root = source_root(s.entry, s.yaml_path.parent, lang)
                for f in s.files:
                    docs.extend(x for x in read_file(s.entry, root, f, lang, cfg.ingest.max_doc_bytes)
                                if not isinstance(x, Rejection))
        return docs

    files_bytes = sum(f.stat().st_size for lang in langs for s in sources_for(cfg.catalogue, lang) for f in s.files)
    row, docs = measure("ingest", ingest, 0, 0)
    row.update(docs=len(docs), bytes=_nbytes(docs), compressed_input_bytes=files_bytes)
    row.update(docs_per_s_per_core=round(len(docs) / row["cpu_s"], 1), mb_per_s_per_core=round(row["bytes"] / row["cpu_s"] / 1e6, 2),
               mean_doc_bytes=round(row["bytes"] / len(docs)))
    results = [row]
    for stage in build_stages(cfg, langs[0]):
        n, b = len(docs), _nbytes(docs)
        row, (docs, _rejected) = measure(stage.name, lambda st=stage, d=docs: st(d), n, b)
        results.append(row)
    run_cfg = cfg.model_copy(update={"output": args.out / "run"})
    t0 = time.perf_counter()
    summary = Run(run_cfg, args.lang).execute(progress=False)
    wall = time.perf_counter() - t0
    results.append({"stage": "corpus", "lang": args.lang, "executor": cfg.executor, "wall_s": round(wall, 2),
                    "docs": summary["documents_in"], "docs_per_s": round(summary["documents_in"] / wall, 1),
                    "worker_peak_rss_mb": summary["worker_peak_rss_mb"],
                    "note": "wall time includes starting Ray (5-15 s here) and writing shards"})
    for r in results:
        write_json_atomic({**r, "env": env}, args.out / f"{r['stage']}.json")
        print(json.dumps(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())

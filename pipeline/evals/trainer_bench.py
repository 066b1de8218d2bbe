"""`make bench` (training side): tokenize+pack speed per core on ~2 KB documents, and trainer tokens/s.

pack_2kb: real bundled documents of several languages joined to ~2 KB (pipeline/bench.py's `join_to_size`),
written as one curated Parquet shard and run through `encode_shard` (the code each pack task runs:
sentencepiece encode, end-of-document id, .bin/.idx/.docs.parquet with its checksum), in this process, so
docs/s is per core (CPU time). The tokenizer is a 32k unigram model trained here on the same text.
train_cpu: optimiser steps of the GPT in configs/train.yaml on random ids of that vocabulary (tokens/s
counts block_size x batch_size tokens per step; the first steps are a warm-up and not counted).
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.base import default_workers
from pipeline.config import load_config
from pipeline.evals.bench import _lang_docs, join_to_size
from pipeline.shards import write_json_atomic
from trainer.config import load_train_config


def pack_bench(langs: list[str], tmp: Path, vocab: int) -> dict:
    from trainer.config import TokenizerConfig
    from trainer.pack import encode_shard
    from trainer.tokenizer import spm_train

    cfg = load_config(Path("configs/default.yaml"))
    docs = [d for lang in langs for d in join_to_size(_lang_docs(cfg, lang))]
    table = pa.table({"id": [d.id for d in docs], "text": [d.text for d in docs], "lang": [d.lang for d in docs],
                      "source": [d.source for d in docs]})
    pq.write_table(table, tmp / "docs.parquet")
    t0 = time.perf_counter()
    spm_train([d.text for d in docs], tmp / "tok", TokenizerConfig(vocab_size=vocab), default_workers())
    train_s = time.perf_counter() - t0
    best = None
    for i in range(3):  # best of 3: this machine's timings are noisy
        info = encode_shard(str(tmp / "tok.model"), str(tmp / "docs.parquet"), "mix", str(tmp / f"enc{i}"), 2000)
        best = info if best is None or info["cpu_s"] < best["cpu_s"] else best
    n_bytes = sum(len(d.text.encode()) for d in docs)
    return {"stage": "pack_2kb", "langs": langs, "docs": len(docs), "bytes": n_bytes, "tokens": best["tokens"],
            "cpu_s": round(best["cpu_s"], 3), "docs_per_s_per_core": round(len(docs) / best["cpu_s"], 1),
            "mb_per_s_per_core": round(n_bytes / best["cpu_s"] / 1e6, 2),
            "tokens_per_s_per_core": round(best["tokens"] / best["cpu_s"], 1),
            "bytes_per_token": round(n_bytes / best["tokens"], 2), "mean_doc_bytes": round(n_bytes / len(docs)),
            "tokenizer_vocab": vocab, "tokenizer_train_s_wall": round(train_s, 2), "target_docs_per_s_per_core": 2500}


def train_bench(config: Path, vocab: int, steps: int = 20, warmup: int = 3) -> dict:
    import torch

    from trainer.model import GPT

    cfg = load_train_config(config)
    mc, tc = cfg.model, cfg.train
    torch.manual_seed(0)
    threads = tc.threads or default_workers()
    torch.set_num_threads(threads)
    model = GPT(mc, vocab)
    opt = model.optimizer(tc.learning_rate, tc.weight_decay)
    x = torch.randint(0, vocab, (tc.batch_size, mc.block_size + 1))
    elapsed = 0.0
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        _, loss = model(x[:, :-1], x[:, 1:])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if i >= warmup:
            elapsed += time.perf_counter() - t0
    tokens = steps * tc.batch_size * mc.block_size
    return {"stage": "train_cpu", "device": "cpu", "threads": threads, "params": model.n_params(), "vocab": vocab,
            "batch_size": tc.batch_size, "block_size": mc.block_size, "steps": steps,
            "s_per_step": round(elapsed / steps, 4), "tokens_per_s": round(tokens / elapsed, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.evals.trainer_bench", description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path("out/bench"))
    ap.add_argument("--langs", default="fr,en,zh,ar,hi,ru")
    ap.add_argument("--config", type=Path, default=Path("configs/train.yaml"))
    args = ap.parse_args(argv)
    env = {"python": sys.version.split()[0], "machine": platform.machine(), "cores": default_workers()}
    vocab = load_train_config(args.config).tokenizer.vocab_size
    with tempfile.TemporaryDirectory() as tmp:
        rows = [pack_bench([x for x in args.langs.split(",") if x], Path(tmp), vocab), train_bench(args.config, vocab)]
    for r in rows:
        write_json_atomic({**r, "env": env}, args.out / f"{r['stage']}.json")
        print(json.dumps(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())

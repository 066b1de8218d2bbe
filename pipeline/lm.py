"""`make lm LANG=xx`: train the language's perplexity model locally, as cc_net/ROOTS did on Wikipedia.

Reference text = the language's catalogue sources (or `perplexity.reference_sources`) after the
clean, normalise, langid and quality stages, i.e. the cleanest text we have. It is cc_net-normalised
line by line, a sentencepiece unigram model is trained on it, the text is encoded to pieces, and
KenLM's `lmplz` (built by `make setup` from the kenlm source distribution) estimates an n-gram model
with `--discount_fallback` (needed for small corpora), which `build_binary` turns into `lm.binary`.
With `folds: 2` (default) this is done once per fold, each model on the other fold's documents, so
every reference document can be scored by a model that never saw it (filters/ccnet.py); the
reference documents' perplexities so scored give the percentiles used for `ppl_bucket`.
`metadata.json` records per model the corpus hash and size, vocabulary size, order and timings.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from pipeline import storage
from pipeline.base import is_url, stable_hash
from pipeline.catalogue import sources_for
from pipeline.config import load_config
from pipeline.errors import UserError, cli_main
from pipeline.filters.ccnet import PerplexityScorer, fold_folders, fold_of, model_files, normalised_lines
from pipeline.language import load_language, perplexity_model_dir
from pipeline.record import Document
from pipeline.shards import swap_dir, write_json_atomic
from pipeline.worker import UnitWorker, batched

ROOT = Path(__file__).resolve().parent.parent
PERCENTILES = (10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99)


NO_MODEL = "no_model.json"


class NotEnoughText(UserError):
    """The language's sources hold too few clean documents to train a perplexity model."""


def kenlm_tool(name: str) -> str:
    for folder in [os.environ.get("KENLM_BIN"), str(ROOT / "tools" / "kenlm" / "bin")]:
        if folder and (Path(folder) / name).is_file():
            return str(Path(folder) / name)
    found = shutil.which(name)
    if not found:
        raise UserError(f"KenLM's `{name}` not found (looked in $KENLM_BIN, tools/kenlm/bin and PATH): "
                        "run `make setup`, which builds it from the kenlm source distribution")
    return found


def train_model(lines: list[str], folder: Path, vocab_size: int, order: int = 5, threads: int = 2) -> dict:
    """Train sp.model + lm.binary from already-normalised lines into `folder` (replaced atomically)."""
    import sentencepiece as spm

    if not lines:
        raise UserError("no reference text to train a perplexity model on")
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix=".lm-", dir=folder.parent) as tmp:
        tmp = Path(tmp)
        corpus = tmp / "corpus.txt"
        corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
        digest = hashlib.sha256(corpus.read_bytes()).hexdigest()
        spm.SentencePieceTrainer.train(
            input=str(corpus), model_prefix=str(tmp / "sp"), vocab_size=vocab_size, model_type="unigram",
            character_coverage=0.9995, hard_vocab_limit=False, num_threads=threads, minloglevel=2,
            input_sentence_size=2_000_000, shuffle_input_sentence=True)
        t_sp = time.time()
        sp = spm.SentencePieceProcessor(model_file=str(tmp / "sp.model"))
        pieces = tmp / "pieces.txt"
        with open(pieces, "w", encoding="utf-8") as fh:
            for batch in batched(iter(lines), 10_000):
                fh.writelines(" ".join(p) + "\n" for p in sp.encode(batch, out_type=str))
        arpa = tmp / "lm.arpa"
        with open(pieces, "rb") as fin, open(arpa, "wb") as fout:
            r = subprocess.run([kenlm_tool("lmplz"), "-o", str(order), "--discount_fallback", "-S", "20%",
                                "-T", str(tmp)], stdin=fin, stdout=fout, stderr=subprocess.PIPE)
        if r.returncode != 0:
            raise UserError(f"lmplz failed: {r.stderr.decode(errors='replace')[-2000:]}")
        r = subprocess.run([kenlm_tool("build_binary"), str(arpa), str(tmp / "lm.binary")], capture_output=True)
        if r.returncode != 0:
            raise UserError(f"build_binary failed: {r.stderr.decode(errors='replace')[-2000:]}")
        t_lm = time.time()
        meta = {"order": order, "vocab_size": sp.get_piece_size(), "vocab_size_requested": vocab_size,
                "corpus_sha256": digest, "corpus_lines": len(lines), "corpus_bytes": corpus.stat().st_size,
                "sentencepiece_seconds": round(t_sp - t0, 2), "kenlm_seconds": round(t_lm - t_sp, 2),
                "lm_binary_bytes": (tmp / "lm.binary").stat().st_size}
        out = tmp / "model"
        out.mkdir()
        for name in ("sp.model", "sp.vocab", "lm.binary"):
            os.replace(tmp / name, out / name)
        (out / "metadata.json").write_text(json.dumps(meta, indent=2))
        swap_dir(out, folder)
    return meta


def reference_documents(config, lang: str, source_uids: list[str]) -> list[Document]:
    """The language's documents that pass every stage before perplexity (opt-outs applied, PII redacted)."""
    sources = sources_for(config.catalogue, lang)
    if source_uids:
        unknown = sorted(set(source_uids) - {s.uid for s in sources})
        if unknown:
            raise UserError(f"perplexity.reference_sources: {unknown} are not sources of '{lang}'")
        sources = [s for s in sources if s.uid in source_uids]
    names = [n for n in config.document_stages if n != "perplexity"]
    worker = UnitWorker(config.model_copy(update={"stages": names}), lang, sources)
    return [d for s in sources for f in s.files for d in worker.kept_documents(s, f)]


def train_language(config, lang: str) -> dict:
    lang_cfg = load_language(Path(config.languages), lang)
    pcfg = lang_cfg.perplexity
    if pcfg is None:
        raise UserError(f"language '{lang}' has `perplexity: null`: nothing to train")
    if is_url(pcfg.model):
        raise UserError(f"language '{lang}' uses a published perplexity model ({pcfg.model}): nothing to train")
    folder = perplexity_model_dir(Path(config.languages), lang, pcfg)
    t0 = time.time()
    docs = reference_documents(config, lang, pcfg.reference_sources)
    if len(docs) < 2 * pcfg.folds:
        # said once, in the model's place: a run without a perplexity threshold then goes on without the values
        write_json_atomic({"reference_documents": len(docs), "inputs": inputs_signature(config, lang)}, folder / NO_MODEL)
        raise NotEnoughText(f"only {len(docs)} reference documents for '{lang}': too few to train a perplexity model")
    staging = folder.with_name(folder.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    models = []
    for k in range(pcfg.folds):
        train = [d for d in docs if pcfg.folds == 1 or fold_of(d.id, pcfg.folds) != k]
        target = staging / f"fold-{k}" if pcfg.folds > 1 else staging
        models.append({"fold": k, "train_docs": len(train),
                       **train_model([ln for d in train for ln in normalised_lines(d.text)], target,
                                     pcfg.vocab_size, pcfg.order)})
    scorer = PerplexityScorer(staging, lang)
    ppl = np.array([p for p in (scorer.perplexity(d.text, d.id) for d in docs) if p is not None])
    meta = {"lang": lang, "folds": pcfg.folds, "order": pcfg.order, "sources": sorted({d.source for d in docs}),
            "reference_docs": len(docs), "models": models, "total_seconds": round(time.time() - t0, 2),
            "reference_percentiles": {f"p{q}": float(np.percentile(ppl, q)) for q in PERCENTILES}}
    (staging / "metadata.json").write_text(json.dumps(meta, indent=2))
    swap_dir(staging, folder)
    return meta


def inputs_signature(cfg, lang: str) -> str:
    """What the language's reference text is read from (file names, sizes, dates)."""
    return stable_hash([storage.signature(f)[0] for s in sources_for(cfg.catalogue, lang, cfg.data_roots) for f in s.files])


def missing_model(cfg, lang: str) -> bool:
    """Whether the run would score perplexity with a locally trained model that does not exist yet (and that
    training could make: `no_model.json` says the same inputs held too little text)."""
    pcfg = load_language(Path(cfg.languages), lang).perplexity
    if "perplexity" not in cfg.stages or pcfg is None or is_url(pcfg.model):
        return False
    folder = perplexity_model_dir(Path(cfg.languages), lang, pcfg)
    if (folder / "metadata.json").exists() and model_files(fold_folders(folder)[0]) is not None:
        return False
    marker = folder / NO_MODEL
    return not (marker.is_file() and json.loads(marker.read_text())["inputs"] == inputs_signature(cfg, lang))


def print_training(meta: dict) -> None:
    print(json.dumps({k: v for k, v in meta.items() if k not in ("reference_percentiles", "models")}, indent=2))
    for m in meta["models"]:
        print(f"  fold {m['fold']}: {m['train_docs']} docs, {m['corpus_bytes']:,} bytes, vocab {m['vocab_size']}, "
              f"sentencepiece {m['sentencepiece_seconds']} s, lmplz+build_binary {m['kenlm_seconds']} s")
    print("reference perplexity percentiles:", json.dumps({k: round(v, 1) for k, v in meta["reference_percentiles"].items()}))


@cli_main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.lm", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("action", choices=["train", "ensure"], help="train: (re)train; ensure: train only if missing")
    ap.add_argument("--lang", required=True)
    ap.add_argument("--config", type=Path, default=Path("configs/default.yaml"))
    ap.add_argument("--catalogue", type=Path)
    args = ap.parse_args(argv)
    cfg = load_config(args.config)
    if args.catalogue:
        cfg = cfg.model_copy(update={"catalogue": args.catalogue})
    if args.action == "ensure":
        if not missing_model(cfg, args.lang):
            return 0
        print(f"no perplexity model for '{args.lang}' yet: training it (make lm LANG={args.lang})", flush=True)
    print_training(train_language(cfg, args.lang))
    return 0


if __name__ == "__main__":
    sys.exit(main())

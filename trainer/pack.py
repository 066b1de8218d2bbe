"""`make pack`: encode every curated document, mix the languages, and write train/validation token bins.

1. Encode (parallel: one Ray task per curated Parquet shard, or a loop with `executor: local`): each
   document becomes its tokens + the end-of-document id, written to an intermediate shard under
   `bins/_work/<key>/<lang>-<shard sha256>` (key = tokenizer hash + bin format version, so a rerun skips
   finished shards and a changed tokenizer, corpus or bin format never reuses stale tokens).
2. Split: validation gets `val_fraction` of each language's tokens as the mixture weighs them (so it has
   the training mix), documents taken in the order of a hash of their id (stable across runs, whatever the
   file order). Validation documents are written once, never repeated, and never trained on.
3. Mix: with natural token counts n_l per language and requested shares s_l, the training set gets
   T = min(Σ n_l, min_l max_repeat · n_l / s_l) tokens, i.e. language l is repeated f_l = s_l T / n_l times:
   floor(f_l) copies of every document, plus one more copy of the documents taken in the order of a hash
   of their id until the fraction's tokens, frac(f_l) · n_l, are reached (f_l < 1 subsamples). Choosing by
   tokens, not by a coin per document, meets the share even when a few documents are huge (code).
   Copy c of every document is written in pass c, so repeats are spread out. Documents a subsampled
   language leaves out are listed in `unsampled.parquet` with the rule, their draw and the last draw
   taken, so every curated document is accounted for.
4. Write `bins/train-NNNNN.{bin,idx,docs.parquet}` and `bins/val-NNNNN.*` (trainer/bins.py) and
   `bins/manifest.json`: tokens and documents per language and source, requested vs realised shares, the
   tokenizer hash, every shard with its checksum. The folder is built aside and swapped in atomically.
"""
from __future__ import annotations

import json
import math
import shutil
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pyarrow as pa

from pipeline.base import stable_hash
from pipeline.errors import UserError
from pipeline.executors import make_executor
from pipeline.reports import ConservationError
from pipeline.shards import sha256_file, swap_dir, write_atomic, write_json_atomic
from trainer.bins import FORMAT, ShardReader, ShardWriter
from trainer.config import ROOTS_SHARES, MixtureConfig, TrainRunConfig
from trainer.corpus import corpus_shards, iter_tables, unit_draw
from trainer.tokenizer import EOS, Tokenizer


def encode_shard(tokenizer_path: str, shard: str, lang: str, stem: str, batch_docs: int) -> dict:
    """Tokens of every document of one curated shard (+ end of document) into an intermediate shard."""
    import time as _t

    c0 = _t.process_time()
    tok = Tokenizer(Path(tokenizer_path))
    writer = ShardWriter(Path(stem), tok.dtype, tok.vocab_size)
    n_bytes = 0
    for t in iter_tables(Path(shard), batch_rows=batch_docs):
        texts = t["text"].to_pylist()
        n_bytes += sum(len(x.encode("utf-8")) for x in texts)
        for doc_id, source, ids in zip(t["id"].to_pylist(), t["source"].to_pylist(), tok.encode(texts)):
            ids.append(EOS)
            writer.add(np.asarray(ids, dtype=tok.dtype), doc_id, lang, source)
    info = writer.close()
    return {**info, "bytes": n_bytes, "cpu_s": _t.process_time() - c0}


def requested_shares(mix: MixtureConfig, tokens: dict[str, int]) -> dict[str, float]:
    langs = [lang for lang, n in tokens.items() if n > 0]
    if mix.weights == "natural":
        w = {lang: float(tokens[lang]) for lang in langs}
    elif mix.weights == "roots":
        missing = [lang for lang in langs if lang not in ROOTS_SHARES]
        if missing:
            raise UserError(f"mixture 'roots' has no share for {missing}; give explicit weights in the train config")
        w = {lang: ROOTS_SHARES[lang] for lang in langs}
    elif mix.weights == "temperature":
        w = {lang: float(tokens[lang]) ** mix.alpha for lang in langs}
    else:
        unknown = sorted(set(mix.weights) - set(tokens))
        if unknown:
            raise UserError(f"mixture weights name languages that are not packed: {unknown}")
        w = {lang: float(mix.weights.get(lang, 0.0)) for lang in langs}
    total = sum(w.values())
    if total <= 0:
        raise UserError("the mixture gives every packed language a weight of 0")
    return {lang: w.get(lang, 0.0) / total for lang in tokens}


def repeat_factors(tokens: dict[str, int], shares: dict[str, float], max_repeat: float) -> dict[str, float]:
    """f_l: how many times language l's training tokens are used, so that the shares are met with the
    total kept at the natural total unless a small language would need more than `max_repeat` copies."""
    natural = sum(tokens.values())
    bound = min((max_repeat * n / shares[lang] for lang, n in tokens.items() if shares[lang] > 0), default=natural)
    total = min(natural, bound)
    return {lang: (shares[lang] * total / n if n else 0.0) for lang, n in tokens.items()}


def copies(draw: np.ndarray, tokens: np.ndarray, factor: float) -> tuple[np.ndarray, float]:
    """Copies per document for repeat factor `factor`: floor(factor) each, plus one for the documents
    first in draw order whose tokens add up to frac(factor) of the total. Returns the copies and the last
    draw taken (documents with a larger draw got no extra copy)."""
    whole = math.floor(factor)
    k = np.full(len(draw), whole, dtype=np.int64)
    want = (factor - whole) * float(tokens.sum())
    order = np.argsort(draw, kind="stable")
    cum = np.cumsum(tokens[order])
    n_extra = int(np.searchsorted(cum, want, side="right"))
    if n_extra < len(order) and want - (cum[n_extra - 1] if n_extra else 0) > cum[n_extra] - want:
        n_extra += 1  # take the next document when that lands closer to the target
    k[order[:n_extra]] += 1
    return k, float(draw[order[n_extra - 1]]) if n_extra else -1.0


def pack(cfg: TrainRunConfig) -> dict:
    """encode -> split -> copies -> write -> manifest; the bins folder is built aside and swapped in."""
    t0 = time.time()
    tok = Tokenizer(Path(cfg.output) / "tokenizer" / "tokenizer.model")
    out = Path(cfg.output) / "bins"
    inputs = corpus_inputs(cfg)
    work = out / "_work" / stable_hash({"tokenizer": tok.sha256, "bins": FORMAT["version"]})  # a format change re-encodes
    stems, encoded, n_cached, t_enc = encode(cfg, tok, inputs, work)
    readers = [(lang, ShardReader(stem)) for lang, stem in stems]
    is_val = split(cfg, readers)
    n_copies, factors, shares, train_tokens, cutoff = mix(cfg, readers, is_val)
    stats, by_source, unsampled = count(cfg, readers, is_val, n_copies, cutoff)
    tmp = out.with_name(f".{out.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    shards = write(tmp, readers, n_copies, is_val, tok, cfg.pack.shard_tokens, stats, unsampled)
    manifest = {
        "tokenizer": {"path": "tokenizer/tokenizer.model", "sha256": tok.sha256, "vocab_size": tok.vocab_size,
                      "dtype": tok.dtype.name, "end_of_document": EOS},
        "mixture": {"weights": cfg.mixture.weights, "alpha": cfg.mixture.alpha, "max_repeat": cfg.mixture.max_repeat,
                    "seed": cfg.mixture.seed},
        "val_fraction": cfg.pack.val_fraction,
        "languages": language_rows(stats, shares, train_tokens, factors, shards),
        "sources": {f"{lang}/{src}": v for (lang, src), v in sorted(by_source.items())},
        "corpus_shards": [{"lang": lang, "path": str(p), "sha256": sha} for lang, p, sha in inputs],
        "shards": shards,
        "tokens_train": sum(sh["tokens"] for sh in shards["train"]),
        "tokens_val": sum(sh["tokens"] for sh in shards["val"]),
        "encode": encode_stats(encoded, n_cached, t_enc),
        "seconds": round(time.time() - t0, 2),
    }
    write_json_atomic(manifest, tmp / "manifest.json")
    publish(tmp, out, work)
    return manifest


def corpus_inputs(cfg: TrainRunConfig) -> list[tuple[str, Path, str]]:
    """(language, curated shard, its sha256) for every configured language."""
    inputs = []
    for lang in cfg.languages:
        shards = corpus_shards(cfg.corpus, lang)  # fails clearly when the corpus is missing
        manifest = json.loads((Path(cfg.corpus) / lang / "manifest.json").read_text(encoding="utf-8"))
        for shard, d in zip(shards, manifest["data"]):
            inputs.append((lang, shard, d["sha256"]))
    return inputs


def encode(cfg: TrainRunConfig, tok: Tokenizer, inputs: list, work: Path) -> tuple[list, list, int, float]:
    """Encode the curated shards not yet encoded under `work` (in parallel); returns (language, stem) of every
    shard in stem order, what the encoders reported, how many were already there, and the wall time."""
    items, cached = [], []
    for lang, shard, sha in inputs:
        stem = work / f"{lang}-{sha[:16]}"
        (cached if stem.with_suffix(".idx").is_file() else items).append(
            (str(tok.path), str(shard), lang, str(stem), cfg.pack.batch_docs))
    t_enc = time.time()
    encoded = make_executor(cfg.pack.executor).map(encode_shard, items) if items else []
    stems = [(lang, Path(stem)) for (_, _, lang, stem, _) in sorted(items + cached, key=lambda x: x[3])]
    return stems, encoded, len(cached), time.time() - t_enc


def _by_language(cfg: TrainRunConfig, readers: list) -> dict[str, list[int]]:
    return {lang: [i for i, (l2, _) in enumerate(readers) if l2 == lang] for lang in cfg.languages}


def split(cfg: TrainRunConfig, readers: list) -> list[np.ndarray]:
    """Validation documents per shard: `val_fraction` of each language's tokens *in the mixture*, so the
    validation set has the training mix (a natural-mix one would be mostly the biggest language, e.g. code)."""
    tokens_of = [r.docs["n_tokens"].to_numpy() for _, r in readers]
    all_tokens = {lang: sum(int(tokens_of[i].sum()) for i in mine) for lang, mine in _by_language(cfg, readers).items()}
    mix0 = repeat_factors(all_tokens, requested_shares(cfg.mixture, all_tokens), cfg.mixture.max_repeat)
    draws = [unit_draw(r.docs["id"], "val", cfg.mixture.seed) for _, r in readers]
    is_val = [np.zeros(r.n_docs, bool) for _, r in readers]
    for lang, mine in _by_language(cfg, readers).items():
        if not mine or not all_tokens[lang]:
            continue
        frac = min(cfg.pack.val_fraction * mix0[lang], 0.5)  # never more than half a language
        k, _ = copies(np.concatenate([draws[i] for i in mine]), np.concatenate([tokens_of[i] for i in mine]), frac)
        start = 0
        for i in mine:
            is_val[i] = k[start:start + readers[i][1].n_docs] > 0
            start += readers[i][1].n_docs
    return is_val


def mix(cfg: TrainRunConfig, readers: list, is_val: list[np.ndarray]):
    """Copies per training document, decided per language over all its shards (validation documents get
    none); returns the copies, repeat factors, requested shares, natural training tokens and the last draw
    that got an extra copy, per language."""
    tokens_of = [r.docs["n_tokens"].to_numpy() for _, r in readers]
    train_tokens = {lang: sum(int(tokens_of[i][~is_val[i]].sum()) for i in mine)
                    for lang, mine in _by_language(cfg, readers).items()}
    shares = requested_shares(cfg.mixture, train_tokens)
    factors = repeat_factors(train_tokens, shares, cfg.mixture.max_repeat)
    draws = [unit_draw(r.docs["id"], "mixture", cfg.mixture.seed) for _, r in readers]
    n_copies = [np.zeros(r.n_docs, np.int64) for _, r in readers]
    cutoff = {}
    for lang, mine in _by_language(cfg, readers).items():
        if not mine:
            continue
        train = [~is_val[i] for i in mine]
        k, cutoff[lang] = copies(np.concatenate([draws[i][t] for i, t in zip(mine, train)]),
                                 np.concatenate([tokens_of[i][t] for i, t in zip(mine, train)]), factors[lang])
        start = 0
        for i, t in zip(mine, train):
            n_copies[i][t] = k[start:start + int(t.sum())]
            start += int(t.sum())
    return n_copies, factors, shares, train_tokens, cutoff


def count(cfg: TrainRunConfig, readers: list, is_val: list, n_copies: list, cutoff: dict):
    """Documents and tokens per language and per source, and the documents the mixture left out (rule
    `mixture:subsample`); checks that every curated document is in train, validation or the left-out list."""
    stats = {lang: {"docs_in": 0, "docs_val": 0, "docs_train": 0, "docs_unsampled": 0, "tokens_natural": 0,
                    "tokens_val": 0, "tokens_train": 0} for lang in cfg.languages}
    by_source: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: {"docs_in": 0, "tokens_natural": 0,
                                                                            "tokens_train": 0, "tokens_val": 0})
    unsampled = []
    for (lang, r), val, k in zip(readers, is_val, n_copies):
        n_tok, s = r.docs["n_tokens"].to_numpy(), stats[lang]
        s["docs_in"] += r.n_docs
        s["docs_val"] += int(val.sum())
        s["docs_train"] += int(((k > 0) & ~val).sum())
        s["tokens_natural"] += int(n_tok.sum())
        s["tokens_val"] += int(n_tok[val].sum())
        s["tokens_train"] += int((n_tok * k).sum())
        left_out = np.nonzero((k == 0) & ~val)[0]
        s["docs_unsampled"] += len(left_out)
        if len(left_out):
            draw = unit_draw(r.docs["id"], "mixture", cfg.mixture.seed)
            unsampled.append(r.docs.select(["id", "lang", "source", "n_tokens"]).take(pa.array(left_out))
                             .append_column("rule", pa.array(["mixture:subsample"] * len(left_out)))
                             .append_column("value", pa.array(draw[left_out]))
                             .append_column("threshold", pa.array([cutoff[lang]] * len(left_out), pa.float64())))
        for src, n, kk, v in zip(r.docs["source"].to_pylist(), n_tok.tolist(), k.tolist(), val.tolist()):
            b = by_source[(lang, src)]
            b["docs_in"] += 1
            b["tokens_natural"] += n
            b["tokens_train"] += n * kk
            b["tokens_val"] += n if v else 0
    for lang, s in stats.items():
        if s["docs_in"] != s["docs_val"] + s["docs_train"] + s["docs_unsampled"]:
            raise ConservationError(f"pack: {lang}: {s['docs_in']} documents in != val {s['docs_val']} + "
                                    f"train {s['docs_train']} + unsampled {s['docs_unsampled']}")
    return stats, by_source, unsampled


UNSAMPLED_SCHEMA = pa.schema([("id", pa.string()), ("lang", pa.string()), ("source", pa.string()),
                              ("n_tokens", pa.int64()), ("rule", pa.string()), ("value", pa.float64()),
                              ("threshold", pa.float64())])


def write(folder: Path, readers: list, n_copies: list, is_val: list, tok: Tokenizer, shard_tokens: int,
          stats: dict, unsampled: list) -> dict:
    """The train and val shards (with sha256) and unsampled.parquet; checks the training tokens written."""
    shards = {"train": _write_split(folder, "train", readers, n_copies, tok, shard_tokens),
              "val": _write_split(folder, "val", readers, [v.astype(np.int64) for v in is_val], tok, shard_tokens)}
    for lst in shards.values():
        for sh in lst:
            sh["sha256"] = {ext: sha256_file(folder / f"{sh['stem']}{ext}") for ext in (".bin", ".idx")}
    written = sum(sh["tokens"] for sh in shards["train"])
    if written != sum(s["tokens_train"] for s in stats.values()):
        raise ConservationError(f"pack: {written} training tokens written, {sum(s['tokens_train'] for s in stats.values())} counted")
    write_atomic(pa.concat_tables(unsampled).cast(UNSAMPLED_SCHEMA) if unsampled else UNSAMPLED_SCHEMA.empty_table(),
                 folder / "unsampled.parquet")
    return shards


def language_rows(stats: dict, shares: dict, train_tokens: dict, factors: dict, shards: dict) -> dict:
    total_train = max(sum(sh["tokens"] for sh in shards["train"]), 1)
    return {lang: {**s, "share_requested": round(shares[lang], 6),
                   "share_natural": round(train_tokens[lang] / max(sum(train_tokens.values()), 1), 6),
                   "share_realised": round(s["tokens_train"] / total_train, 6),
                   "repeat_factor": round(factors[lang], 4)} for lang, s in stats.items()}


def encode_stats(encoded: list[dict], n_cached: int, wall: float) -> dict:
    docs, cpu, nbytes = (sum(e[k] for e in encoded) for k in ("docs", "cpu_s", "bytes"))
    return {"shards_encoded": len(encoded), "shards_resumed": n_cached, "docs": docs, "bytes": nbytes,
            "cpu_s": round(cpu, 3), "wall_s": round(wall, 3),
            "docs_per_s_per_core": round(docs / cpu, 1) if cpu else None,
            "mb_per_s_per_core": round(nbytes / cpu / 1e6, 2) if cpu else None}


def publish(tmp: Path, out: Path, work: Path) -> None:
    """Swap the finished folder in; the encoded intermediates of this tokenizer survive (a rerun resumes)."""
    keep_work = out / "_work"
    if keep_work.exists():
        shutil.move(str(keep_work), str(tmp / "_work"))
    for other in (tmp / "_work").iterdir() if (tmp / "_work").exists() else []:
        if other.name != work.name:
            shutil.rmtree(other, ignore_errors=True)
    swap_dir(tmp, out)


def _write_split(folder: Path, split: str, readers: list, n_copies: list[np.ndarray], tok: Tokenizer,
                 shard_tokens: int) -> list[dict]:
    """Write copy 0 of every selected document, then copy 1, ...: repeats end up spread over the bins."""
    shards: list[dict] = []
    writer = None
    passes = max((int(k.max()) for k in n_copies if len(k)), default=0)
    names = [(r.docs["id"].to_pylist(), r.docs["source"].to_pylist()) for _, r in readers]  # once, not per pass
    for c in range(passes):
        for (lang, r), k, (ids, sources) in zip(readers, n_copies, names):
            rows = np.nonzero(k > c)[0]
            for i in rows.tolist():
                if writer is None:
                    writer = ShardWriter(folder / f"{split}-{len(shards):05d}", tok.dtype, tok.vocab_size)
                writer.add(r.doc(i), ids[i], lang, sources[i], copy=c)
                if writer.n_tokens >= shard_tokens:
                    shards.append(writer.close())
                    writer = None
    if writer is not None:
        shards.append(writer.close())
    return shards

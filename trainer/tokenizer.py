"""`make tokenizer`: train one sentencepiece model on a temperature-sampled mix of the curated languages.

Sampling: language l has B_l bytes of curated text; it gets p_l ∝ B_l ** alpha of the `sample_bytes`
budget (alpha 0.3 lifts small languages, as XLM-R and BLOOM did), capped at what it has. Within a language
the documents are taken in the order of a hash of their id, so the sample is fixed by the seed and does
not depend on file order. The documents are fed line by line (sentencepiece trains on sentences).

The model is lossless by construction: identity normalisation, no dummy prefix, whitespace kept as it is
(runs of spaces, tabs and newlines included) and byte fallback, so `decode(encode(text)) == text` for any
text and `<unk>` is never produced. Special ids: 0 `<pad>`, 1 `<unk>`, 2 `<s>`, 3 `</s>` (end of document).

Writes `<output>/tokenizer/`, swapped in atomically: `tokenizer.model` (sentencepiece), the same model as a
Hugging Face tokenizer (`tokenizer.json`, `tokenizer_config.json`, `special_tokens_map.json`: see
trainer/hf_tokenizer.py) and `tokenizer_meta.json` (sha256 of the model, settings, what was sampled per
language, the corpora's shard hashes, seconds).
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from pipeline.errors import UserError
from pipeline.shards import sha256_file, swap_dir, write_json_atomic
from trainer.config import TokenizerConfig, TrainRunConfig
from trainer.corpus import corpus_fingerprint, corpus_shards, iter_tables, text_bytes, unit_draw
from trainer.hf_tokenizer import write_hf

PAD, UNK, BOS, EOS = 0, 1, 2, 3


def temperature_shares(sizes: dict[str, float], alpha: float) -> dict[str, float]:
    """p_l ∝ size_l ** alpha over the languages with any data."""
    w = {k: float(v) ** alpha for k, v in sizes.items() if v > 0}
    total = sum(w.values())
    return {k: w.get(k, 0.0) / total if total else 0.0 for k in sizes}


def sample_budget(sizes: dict[str, int], alpha: float, budget: int) -> dict[str, int]:
    """Bytes to draw per language: temperature shares of the budget, capped at what each language has;
    what a capped language cannot use is shared again among the others (same shares), so the budget is
    spent whenever there is enough text."""
    take = {k: 0 for k in sizes}
    open_ = {k for k, v in sizes.items() if v > 0}
    left = min(budget, sum(sizes.values()))
    while left > 0 and open_:
        shares = temperature_shares({k: sizes[k] for k in open_}, alpha)
        capped = False
        for k in sorted(open_):
            want = int(shares[k] * left)
            if take[k] + want >= sizes[k]:
                left -= sizes[k] - take[k]
                take[k] = sizes[k]
                open_.discard(k)
                capped = True
        if not capped:
            for k in open_:
                take[k] += int(shares[k] * left)
            break
    return take


def _ids_and_sizes(paths: list[Path]) -> tuple[list[str], np.ndarray]:
    """Every document id of one language and its UTF-8 size (one pass over the shards)."""
    ids, sizes = [], []
    for p in paths:
        for t in iter_tables(p, ["id", "text"]):
            ids += t["id"].to_pylist()
            sizes.append(text_bytes(t))
    return ids, np.concatenate(sizes) if sizes else np.zeros(0, np.int64)


def _language_sample(paths: list[Path], ids: list[str], sizes: np.ndarray, n_bytes: int, seed: int) -> list[str]:
    """Documents of one language in hash order until `n_bytes` UTF-8 bytes are reached."""
    if not ids:
        return []
    order = np.argsort(unit_draw(ids, "tokenizer", seed), kind="stable")
    cum = np.cumsum(sizes[order])
    chosen = set(np.asarray(ids, dtype=object)[order[: int(np.searchsorted(cum, n_bytes)) + 1]].tolist())
    texts = []
    for p in paths:
        for t in iter_tables(p, ["id", "text"]):
            texts += [x for i, x in zip(t["id"].to_pylist(), t["text"].to_pylist()) if i in chosen]
    return texts


def _lines(texts: list[str], max_bytes: int):
    for text in texts:
        for line in text.split("\n"):
            if line.strip():
                b = line.encode("utf-8")
                yield line if len(b) <= max_bytes else b[:max_bytes].decode("utf-8", "ignore")


def spm_train(texts: list[str], prefix: Path, tc: TokenizerConfig, threads: int | None = None) -> None:
    """sentencepiece on the documents' lines, with the lossless settings of the module docstring."""
    import sentencepiece as spm

    spm.SentencePieceTrainer.train(
        sentence_iterator=_lines(texts, tc.max_sentence_bytes), model_prefix=str(prefix),
        model_type=tc.model_type, vocab_size=tc.vocab_size, hard_vocab_limit=False,
        character_coverage=tc.character_coverage, byte_fallback=True,
        normalization_rule_name="identity", add_dummy_prefix=False, remove_extra_whitespaces=False,
        split_digits=True, allow_whitespace_only_pieces=True, max_sentencepiece_length=16,
        max_sentence_length=tc.max_sentence_bytes, input_sentence_size=5_000_000,
        shuffle_input_sentence=True, seed_sentencepiece_size=1_000_000,
        pad_id=PAD, unk_id=UNK, bos_id=BOS, eos_id=EOS, num_threads=threads or os.cpu_count() or 1,
        minloglevel=2)


def train_tokenizer(cfg: TrainRunConfig, threads: int | None = None) -> dict:
    import sentencepiece as spm

    tc = cfg.tokenizer
    t0 = time.time()
    shards = {lang: corpus_shards(cfg.corpus, lang) for lang in cfg.languages}
    measured = {lang: _ids_and_sizes(paths) for lang, paths in shards.items()}
    sizes = {lang: int(doc_sizes.sum()) for lang, (_, doc_sizes) in measured.items()}
    if not sum(sizes.values()):
        raise UserError(f"the corpora of {cfg.languages} hold no text to train a tokenizer on")
    budget = sample_budget(sizes, tc.alpha, tc.sample_bytes)
    texts: list[str] = []
    sampled = {}
    for lang in cfg.languages:
        docs = _language_sample(shards[lang], *measured[lang], budget[lang], tc.seed) if budget[lang] else []
        texts += docs
        sampled[lang] = {"bytes_available": sizes[lang], "share_target": round(temperature_shares(sizes, tc.alpha)[lang], 4),
                         "bytes_sampled": sum(len(d.encode("utf-8")) for d in docs), "docs_sampled": len(docs)}
    total = sum(s["bytes_sampled"] for s in sampled.values()) or 1
    for s in sampled.values():
        s["share_sampled"] = round(s["bytes_sampled"] / total, 4)
    folder = Path(cfg.output) / "tokenizer"
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tokenizer-", dir=folder.parent))
    spm.set_random_generator_seed(tc.seed)  # the sentence shuffle and sampling are then fixed by the seed
    try:
        spm_train(texts, tmp / "tokenizer", tc, threads)
        (tmp / "tokenizer.vocab").unlink(missing_ok=True)
        tok = Tokenizer(tmp / "tokenizer.model")
        meta = {"sha256": sha256_file(tmp / "tokenizer.model"), "vocab_size": tok.vocab_size,
                "vocab_size_requested": tc.vocab_size, "model_type": tc.model_type, "dtype": tok.dtype.name,
                "special": {"pad": PAD, "unk": UNK, "bos": BOS, "eos": EOS}, "end_of_document": EOS,
                "alpha": tc.alpha, "seed": tc.seed, "sample": sampled,
                "corpora": corpus_fingerprint(cfg.corpus, cfg.languages),
                "seconds": round(time.time() - t0, 2)}
        write_hf(tmp / "tokenizer.model", tmp)
        write_json_atomic(meta, tmp / "tokenizer_meta.json")
        swap_dir(tmp, folder)
    finally:
        if tmp.exists():
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
    return meta


def token_dtype(vocab_size: int) -> np.dtype:
    """uint16 when every id fits (vocab ≤ 65,536), else int32 (Megatron's dtype codes have no uint32): the bin's
    dtype follows the vocabulary, so no id can overflow it."""
    return np.dtype(np.uint16) if vocab_size <= 1 << 16 else np.dtype(np.int32)


class Tokenizer:
    """A trained model: `encode(texts)` -> id arrays (no special tokens), `decode(ids)` -> text."""

    def __init__(self, path: Path):
        import sentencepiece as spm

        path = Path(path)
        if not path.is_file():
            raise UserError(f"tokenizer model {path} not found: run `make tokenizer` first")
        self.path = path
        self.sp = spm.SentencePieceProcessor(model_file=str(path))
        self.vocab_size = self.sp.get_piece_size()
        self.dtype = token_dtype(self.vocab_size)
        self.eos = self.sp.eos_id()
        self.bos = self.sp.bos_id()
        self.sha256 = hashlib.sha256(path.read_bytes()).hexdigest()

    def encode(self, texts: list[str], threads: int = 1) -> list[list[int]]:
        return self.sp.encode(texts, out_type=int, num_threads=threads)

    def decode(self, ids) -> str:
        return self.sp.decode([int(i) for i in ids])

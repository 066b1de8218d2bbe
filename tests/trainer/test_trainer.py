"""Tokenizer, packing and the small GPT, on corpora the pipeline curates from real bundled text (fr en zh ar hi)."""
from __future__ import annotations

import itertools
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from conftest import ROOT, entry, write_entry

from pipeline.catalogue import sources_for
from pipeline.config import RunConfig
from pipeline.errors import UserError
from pipeline.readers import source_documents
from pipeline.run import Run
from trainer.bins import HEADER, MAGIC, CorruptBin, ShardReader, ShardWriter, read_header, shard_stems
from trainer.config import TrainRunConfig
from trainer.pack import copies, pack, repeat_factors, requested_shares
from trainer.tokenizer import EOS, Tokenizer, sample_budget, token_dtype, train_tokenizer

LANGS = ["fr", "en", "zh", "ar", "hi"]
PER_LANG = 120


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """`make corpus`'s output (normalise only, local executor) for 120 real documents per language."""
    root = tmp_path_factory.mktemp("curated")
    cat = root / "catalogue"
    for lang in LANGS:
        docs = []
        for d in source_documents(sources_for(ROOT / "catalogue", lang), lang, 10**7):
            if len(d.text) > 200 and (lang != "hi" or sum("\u0900" <= c <= "\u097f" for c in d.text) > 100):
                docs.append(d)
            if len(docs) == PER_LANG:
                break
        assert len(docs) == PER_LANG, lang
        src = root / "src" / f"{lang}.jsonl"
        src.parent.mkdir(parents=True, exist_ok=True)
        src.write_text("".join(json.dumps({"id": d.id.replace("/", "_"), "text": d.text}, ensure_ascii=False) + "\n"
                               for d in docs), encoding="utf-8")
        write_entry(cat, entry(f"real-{lang}", f"../src/{lang}.jsonl", languages=(lang,), id_field="id"))
    for lang in LANGS:
        cfg = RunConfig(catalogue=cat, output=root / "out", executor="local", stages=["normalise"],
                        languages=ROOT / "languages")
        Run(cfg, lang).execute(progress=False)
    return root / "out"


def train_config(corpus: Path, output: Path, **over) -> TrainRunConfig:
    data = {"languages": LANGS, "corpus": corpus, "output": output,
            "tokenizer": {"vocab_size": 3000, "sample_bytes": 3_000_000},
            "mixture": {"weights": "natural"}, "pack": {"val_fraction": 0.1, "executor": "local", "shard_tokens": 60_000},
            "model": {"n_layer": 2, "n_head": 2, "n_embd": 64, "block_size": 64},
            "train": {"batch_size": 8, "max_iters": 150, "eval_interval": 50, "eval_iters": 4, "checkpoint_interval": 10,
                      "warmup_iters": 5, "threads": 1, "sample_tokens": 20}}
    for k, v in over.items():
        data[k] = {**data[k], **v} if isinstance(v, dict) else v
    return TrainRunConfig.model_validate(data)


@pytest.fixture(scope="module")
def packed(corpus: Path, tmp_path_factory) -> TrainRunConfig:
    cfg = train_config(corpus, tmp_path_factory.mktemp("train"))
    train_tokenizer(cfg, threads=2)
    pack(cfg)
    return cfg


def corpus_texts(corpus: Path) -> dict[str, str]:
    return {r["id"]: r["text"] for lang in LANGS for r in pq.read_table(corpus / lang / "data").to_pylist()}


def test_every_document_decodes_back_to_its_text(packed):
    tok = Tokenizer(packed.output / "tokenizer" / "tokenizer.model")
    texts = corpus_texts(packed.corpus)
    seen = {}
    for split in ("train", "val"):
        for stem in shard_stems(packed.output / "bins", split):
            r = ShardReader(stem, verify=True)
            ids = r.docs["id"].to_pylist()
            for i in range(r.n_docs):
                tokens = r.doc(i)
                assert tokens[-1] == EOS and EOS not in tokens[:-1]
                assert tok.decode(tokens[:-1]) == texts[ids[i]], ids[i]
                seen[ids[i]] = split
    assert set(seen) == set(texts)  # natural mixture: every curated document is packed, once per split
    langs = {i.split("/")[0].removeprefix("real-") for i in seen}
    assert langs == set(LANGS)
    zh = next(t for i, t in texts.items() if i.startswith("real-zh"))
    assert all(p != 1 for p in tok.encode([zh])[0])  # no <unk>: byte fallback covers every character


def test_hugging_face_tokenizer_gives_the_same_ids(packed):
    """tokenizer.json loads in `tokenizers` and encodes held-out real text (not in the tokenizer's sample) to
    sentencepiece's ids, and decodes them back to the text."""
    from tokenizers import Tokenizer as HFTokenizer

    folder = packed.output / "tokenizer"
    sp, hf = Tokenizer(folder / "tokenizer.model"), HFTokenizer.from_file(str(folder / "tokenizer.json"))
    assert hf.get_vocab_size() == sp.vocab_size and hf.token_to_id("</s>") == EOS
    assert json.loads((folder / "special_tokens_map.json").read_text())["eos_token"] == "</s>"
    held_out = [d.text for lang in LANGS
                for d in itertools.islice(source_documents(sources_for(ROOT / "catalogue", lang), lang, 10**7), 400, 460)]
    assert len(held_out) == 60 * len(LANGS)
    for text, ids in zip(held_out, sp.encode(held_out)):
        assert hf.encode(text, add_special_tokens=False).ids == list(ids)
        assert hf.decode(list(ids), skip_special_tokens=False) == text


def test_every_token_traces_back_to_its_document(packed):
    texts = corpus_texts(packed.corpus)
    tok = Tokenizer(packed.output / "tokenizer" / "tokenizer.model")
    r = ShardReader(shard_stems(packed.output / "bins", "train")[0])
    rng = np.random.default_rng(0)
    for pos in rng.integers(0, r.n_tokens, size=25).tolist():
        d = r.doc_at(pos)
        assert d["token_start"] <= pos < d["token_start"] + d["n_tokens"]
        tokens = np.asarray(r.tokens[d["token_start"]:d["token_start"] + d["n_tokens"] - 1])
        assert tok.decode(tokens) == texts[d["id"]]


def test_manifest_counts_add_up_and_name_the_tokenizer(packed):
    m = json.loads((packed.output / "bins" / "manifest.json").read_text())
    tok_meta = json.loads((packed.output / "tokenizer" / "tokenizer_meta.json").read_text())
    assert m["tokenizer"]["sha256"] == tok_meta["sha256"] and m["tokenizer"]["dtype"] == "uint16"
    for lang in LANGS:
        s = m["languages"][lang]
        assert s["docs_in"] == PER_LANG == s["docs_train"] + s["docs_val"] + s["docs_unsampled"]
        assert s["docs_unsampled"] == 0 and s["tokens_train"] + s["tokens_val"] == s["tokens_natural"]
        assert s["share_realised"] == pytest.approx(s["share_requested"], abs=1e-6)
    assert m["tokens_train"] == sum(sh["tokens"] for sh in m["shards"]["train"])
    assert len(m["shards"]["train"]) > 1  # 60k-token shards
    per_source = sum(v["tokens_natural"] for v in m["sources"].values())
    assert per_source == m["tokens_train"] + m["tokens_val"]
    # the tokenizer sample followed the temperature shares: small languages got more than their byte share
    sample = tok_meta["sample"]
    assert set(sample) == set(LANGS) and all(s["docs_sampled"] > 0 for s in sample.values())


def test_mixture_weights_are_realised_and_left_out_documents_are_listed(packed, tmp_path):
    out = tmp_path / "mix"
    shutil.copytree(packed.output / "tokenizer", out / "tokenizer")
    cfg = packed.model_copy(update={"output": out, "mixture": packed.mixture.model_copy(
        update={"weights": {"fr": 0.5, "en": 0.1, "zh": 0.2, "ar": 0.1, "hi": 0.1}, "max_repeat": 3})})
    m = pack(cfg)
    unsampled = pq.read_table(out / "bins" / "unsampled.parquet").to_pylist()
    for lang, s in m["languages"].items():
        assert s["docs_in"] == s["docs_train"] + s["docs_val"] + s["docs_unsampled"]
        assert s["share_realised"] == pytest.approx(s["share_requested"], abs=0.02), lang
        left = [u for u in unsampled if u["lang"] == lang]
        assert len(left) == s["docs_unsampled"]
        assert all(u["rule"] == "mixture:subsample" and u["value"] >= u["threshold"] for u in left)
    assert m["languages"]["fr"]["repeat_factor"] > 1 and m["languages"]["fr"]["repeat_factor"] <= 3
    assert m["languages"]["en"]["docs_unsampled"] > 0
    train_docs = [d for st in shard_stems(out / "bins", "train") for d in ShardReader(st).docs.to_pylist()]
    assert max(d["copy"] for d in train_docs if d["lang"] == "fr") >= 1


def test_mixture_arithmetic():
    tokens = {"a": 1000, "b": 100}
    shares = requested_shares(TrainRunConfig(mixture={"weights": {"a": 1, "b": 1}}).mixture, tokens)
    assert shares == {"a": 0.5, "b": 0.5}
    f = repeat_factors(tokens, shares, max_repeat=4)
    assert f["b"] == pytest.approx(4.0) and f["a"] == pytest.approx(0.4)  # capped by b's 4 repeats
    k, last = copies(np.array([0.9, 0.1, 0.5, 0.7]), np.array([10, 10, 10, 10]), 2.5)
    assert k.tolist() == [2, 3, 3, 2] and last == 0.5  # half the tokens get a third copy, in draw order
    k, last = copies(np.array([0.2, 0.1, 0.3]), np.array([1000, 10, 10]), 0.1)
    assert k.tolist() == [0, 1, 0] and last == 0.1  # 10 % of 1,020 tokens: adding the 1,000-token one would overshoot
    k, _ = copies(np.array([0.2, 0.1, 0.3]), np.array([1000, 10, 10]), 0.6)
    assert k.tolist() == [1, 1, 0]  # 612 tokens wanted: 1,010 is closer than 10
    with pytest.raises(UserError, match="roots"):
        requested_shares(TrainRunConfig(mixture={"weights": "roots"}).mixture, {"xx": 5})
    b = sample_budget({"big": 1_000_000, "small": 10_000}, alpha=0.3, budget=500_000)
    assert b["small"] == 10_000 and b["big"] == 490_000  # small is capped; its leftover goes to big


def test_pack_resumes_from_encoded_shards(packed):
    before = json.loads((packed.output / "bins" / "manifest.json").read_text())
    m = pack(packed)
    assert m["encode"]["shards_encoded"] == 0 and m["encode"]["shards_resumed"] == len(LANGS)
    assert [s["checksum_xxh3_128"] for s in m["shards"]["train"]] == \
           [s["checksum_xxh3_128"] for s in before["shards"]["train"]]


def test_index_header_and_corruption_are_detected(packed, tmp_path):
    stem = shard_stems(packed.output / "bins", "val")[0]
    h = read_header(stem.with_suffix(".idx"))
    r = ShardReader(stem, verify=True)
    assert h["dtype"] == np.uint16 and h["n_docs"] == r.n_docs == len(r.docs)
    assert h["n_tokens"] == stem.with_suffix(".bin").stat().st_size // 2 == h["offsets"][-1]
    assert stem.with_suffix(".idx").read_bytes()[:9] == MAGIC
    copy = tmp_path / stem.name
    for ext in (".bin", ".idx", ".docs.parquet", ".meta.json"):
        shutil.copy(stem.with_suffix(ext), copy.with_suffix(ext))
    data = bytearray(copy.with_suffix(".bin").read_bytes())
    data[len(data) // 2] ^= 0x01  # one flipped bit
    copy.with_suffix(".bin").write_bytes(bytes(data))
    ShardReader(copy)  # sizes still agree: only the checksum can tell
    with pytest.raises(CorruptBin, match="checksum"):
        ShardReader(copy, verify=True)
    copy.with_suffix(".bin").write_bytes(bytes(data[:-2]))
    with pytest.raises(CorruptBin, match="the index says"):
        ShardReader(copy)
    idx = bytearray(stem.with_suffix(".idx").read_bytes())
    idx[:8] = b"NOTANIDX"
    copy.with_suffix(".idx").write_bytes(bytes(idx))
    with pytest.raises(CorruptBin, match="magic"):
        ShardReader(copy)
    assert HEADER.size == 34  # Megatron's: magic 9, version 8, dtype 1, sequences 8, documents 8


def test_megatron_reads_the_bins_as_they_are(packed, tmp_path):
    """Megatron-Core's own reader (what Megatron-LM, NeMo and GPT-NeoX's loaders share) gives every document back."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Transformer Engine and Apex are not installed"
        from megatron.core.datasets.indexed_dataset import IndexedDataset

    for split in ("train", "val"):
        for stem in shard_stems(packed.output / "bins", split):
            ours, theirs = ShardReader(stem), IndexedDataset(str(stem))
            assert len(theirs) == ours.n_docs > 0 and theirs.index.dtype == ours.dtype
            assert theirs.document_indices.tolist() == list(range(ours.n_docs + 1))
            assert all(np.array_equal(theirs[i], ours.doc(i)) and theirs[i][-1] == EOS for i in range(ours.n_docs))
    w = ShardWriter(tmp_path / "wide", np.int32, 100_000)  # a vocabulary past uint16
    w.add(np.array([99_999, 65_536, 1], dtype=np.int32), "d", "xx", "s")
    w.close()
    wide = IndexedDataset(str(tmp_path / "wide"))  # kept: its arrays are views of the dataset's mmap
    assert wide[0].tolist() == [99_999, 65_536, 1]


def test_token_dtype_follows_the_vocabulary(tmp_path):
    assert token_dtype(65_536) == np.uint16 and token_dtype(65_537) == np.int32  # Megatron's codes have no uint32
    with pytest.raises(ValueError, match="does not fit"):
        ShardWriter(tmp_path / "x", np.uint16, 70_000)
    w = ShardWriter(tmp_path / "y", np.int32, 70_000)
    with pytest.raises(ValueError, match="outside the vocabulary"):
        w.add(np.array([5, 70_000], dtype=np.int32), "d", "xx", "s")
    w.add(np.array([65_536, 69_999, 3], dtype=np.int32), "d", "xx", "s")
    w.close()
    r = ShardReader(tmp_path / "y", verify=True)
    assert r.dtype == np.int32 and r.doc(0).tolist() == [65_536, 69_999, 3]


def test_training_lowers_the_loss_below_the_unigram_baseline(packed, capsys):
    from trainer.train import train

    s = train(packed, fresh=True)
    lines = re.findall(r"step +(\d+)/150  loss ([\d.]+)  lr ([\d.e+-]+)  ([\d,]+) tokens/s  ETA (\S+)", capsys.readouterr().out)
    assert [int(x[0]) for x in lines] == list(range(10, 151, 10))  # one line per log_interval
    assert float(lines[0][2]) > float(lines[-1][2]) and lines[-1][4] == "0m00s"  # cosine decay; nothing left
    log = [json.loads(x) for x in (packed.output / "model" / "log.jsonl").read_text().splitlines()]
    first = log[0]
    assert first["iter"] == 0 and s["finished"] and s["iter"] == 150
    # the output bias starts at the unigram distribution: the first loss is the baseline, the rest is context
    assert first["val_loss"] == pytest.approx(s["unigram_val_loss"], abs=0.15)
    assert s["val_loss"] < s["unigram_val_loss"] - 0.5 and s["train_loss"] < first["train_loss"] - 0.5
    assert (packed.output / "model" / "samples.txt").is_file() and s["tokens_per_s"] > 0


def test_resuming_continues_the_same_run(packed, tmp_path):
    import torch

    from trainer.train import train

    runs = {}
    for name, stops in (("straight", [None]), ("interrupted", [73, None])):
        out = tmp_path / name
        for part in ("tokenizer", "bins"):
            shutil.copytree(packed.output / part, out / part)
        cfg = packed.model_copy(update={"output": out})
        for stop in stops:
            s = train(cfg, stop_after=stop)
        runs[name] = (s, torch.load(out / "model" / "ckpt.pt", weights_only=True))
    (a, ca), (b, cb) = runs["straight"], runs["interrupted"]
    assert b["resumed_from"] == 73 and a["resumed_from"] == 0 and ca["iter"] == cb["iter"] == 150
    assert a["val_loss"] == b["val_loss"]
    for k in ca["model"]:
        assert torch.equal(ca["model"][k], cb["model"][k]), k
    other = cfg.model_copy(update={"train": cfg.train.model_copy(update={"learning_rate": 0.01})})
    with pytest.raises(UserError, match="another model"):
        train(other)


def test_missing_corpus_and_bad_config_are_clear_errors(tmp_path):
    with pytest.raises(UserError, match="make corpus LANG=xx"):
        train_tokenizer(TrainRunConfig(languages=["xx"], corpus=tmp_path, output=tmp_path / "t"))
    from pipeline.yamlio import load_model

    bad = tmp_path / "train.yaml"
    bad.write_text("languages: [fr]\nmodel: {n_layers: 2}\n")
    with pytest.raises(UserError, match="model.n_layers': unknown key"):
        load_model(bad, TrainRunConfig)
    assert TrainRunConfig.model_validate(__import__("yaml").safe_load((ROOT / "configs" / "train.yaml").read_text()))


@pytest.mark.ray
def test_pack_on_ray_writes_the_same_bins(packed, tmp_path):
    out = tmp_path / "ray"
    shutil.copytree(packed.output / "tokenizer", out / "tokenizer")
    m = pack(packed.model_copy(update={"output": out, "pack": packed.pack.model_copy(update={"executor": "ray"})}))
    ref = json.loads((packed.output / "bins" / "manifest.json").read_text())
    assert m["encode"]["shards_encoded"] == len(LANGS)
    assert [s["checksum_xxh3_128"] for s in m["shards"]["train"]] == [s["checksum_xxh3_128"] for s in ref["shards"]["train"]]

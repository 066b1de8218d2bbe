"""`_ftnative.c` predicts what the fastText library predicts: the same labels, the same probabilities (as floats,
not approximately), in the same order, with lid.176 on real bundled documents and with small models trained
here with each option the reader accepts (hierarchical softmax and softmax, word n-grams, character n-gram
ranges, quantised inputs with and without norms, pruned dictionaries, quantised outputs, a subquantiser
narrower than the others). Where it cannot read a model, the library predicts."""
from __future__ import annotations

import gzip
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

import pipeline.filters.ftmodel as ftmodel
from pipeline.filters.langid import FastTextLID, bundled_lid176, load_fasttext

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "data" / "sources"
ODD = ["", " ", "\t\t", "</s>", "a </s> never read", "__label__fr", "x __label__de y", "é" * 40, "\x00a\x00b",
       "a\rb\x0bc\x0cd", "<b>bold</b>", "中文没有空格的很长的一段文字" * 30, "👍🏽 emoji", "x" * 5000]


def documents(per_file: int) -> list[tuple[str, str]]:
    out = []
    for f in sorted(SOURCES.glob("*/*.jsonl.gz")):
        with gzip.open(f, "rt", encoding="utf-8") as fh:
            for i, line in enumerate(fh):
                if i >= per_file:
                    break
                out.append((f.name.split(".")[0], json.loads(line)["text"]))
    return out


def random_texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    pieces = list("abcé ß中ا\t\r\x00\x0b") + ["</s>", "__label__en", "__label__", "  ", "Σ", "<", ">"]
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 40))) for _ in range(n)]


def assert_same(path: Path, texts: list[str]) -> None:
    lib, ours = load_fasttext(str(path)), ftmodel.load(path)
    assert ours is not None
    assert ours.get_labels() == list(lib.get_labels())
    for k in (1, 2, -1):
        lib_labels, lib_probs = lib.predict(texts, k=k)
        our_labels, our_probs = ours.predict(texts, k=k)
        for text, ll, lp, ol, op in zip(texts, lib_labels, lib_probs, our_labels, our_probs):
            assert (list(ll), [float(p) for p in lp]) == (ol, op), (text[:60], k)


def test_lid176_on_real_documents_and_odd_texts():
    texts = [t.lower().replace("\n", " ") for _, t in documents(40)]
    assert len(texts) > 2000 and len({lang for lang, _ in documents(1)}) >= 20
    assert_same(bundled_lid176(), texts + ODD + random_texts(500, 1))


@pytest.fixture(scope="module")
def training(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ft")
    docs = [(lang, t.lower().replace("\n", " ")[:2000]) for lang, t in documents(25)]
    few, many = tmp / "few.txt", tmp / "many.txt"  # quantising the output needs >= 256 labels
    few.write_text("".join(f"__label__{lang} {t}\n" for lang, t in docs), encoding="utf-8")
    many.write_text("".join(f"__label__{lang}{i % 13} {t}\n" for i, (lang, t) in enumerate(docs)), encoding="utf-8")
    texts = [t for _, t in docs][::2] + ODD + random_texts(200, 2)
    return tmp, few, many, texts


MODELS = [  # (loss, word n-grams, minn, maxn, quantise: None or (qnorm, qout, cutoff, dsub))
    ("hs", 1, 2, 4, None), ("hs", 1, 2, 4, (True, False, 2000, 3)), ("hs", 1, 2, 4, (False, False, 0, 2)),
    ("hs", 2, 0, 0, None), ("hs", 3, 1, 3, (True, False, 0, 2)), ("softmax", 1, 2, 4, None),
    ("softmax", 2, 0, 0, (True, False, 1500, 3)), ("softmax", 2, 3, 6, None),
    ("hs", 2, 2, 4, (True, True, 3000, 3)), ("softmax", 2, 2, 4, (True, True, 3000, 5)),
]


TRAIN = """
import sys, fasttext
data, path, loss, ngrams, minn, maxn = sys.argv[1:7]
model = fasttext.train_supervised(data, loss=loss, wordNgrams=int(ngrams), minn=int(minn), maxn=int(maxn), dim=10,
                                  epoch=3, bucket=50000, lr=0.1, thread=1, verbose=0, seed=7)
if len(sys.argv) > 7:
    model.quantize(input=data, qnorm=sys.argv[7] == "1", qout=sys.argv[8] == "1", cutoff=int(sys.argv[9]),
                   retrain=False, dsub=int(sys.argv[10]))
model.save_model(path)
"""


def train(data: Path, path: Path, loss, ngrams, minn, maxn, quant) -> None:
    """In a fresh interpreter: training several models in one process (pytest's, or a child forked from it), the
    fastText library stopped on "Encountered NaN" now and then; in a fresh one it has not."""
    extra = [str(int(q)) for q in quant] if quant else []
    subprocess.run([sys.executable, "-c", TRAIN, str(data), str(path), loss, str(ngrams), str(minn), str(maxn), *extra],
                   check=True)


@pytest.mark.parametrize("loss,ngrams,minn,maxn,quant", MODELS)
def test_trained_models(training, loss, ngrams, minn, maxn, quant):
    tmp, few, many, texts = training
    path = tmp / f"{loss}-{ngrams}-{minn}-{maxn}-{quant}.{'ftz' if quant else 'bin'}"
    train(many if quant and quant[1] else few, path, loss, ngrams, minn, maxn, quant)
    assert_same(path, texts)


def test_what_it_does_not_read_goes_to_the_library(training, monkeypatch):
    tmp, few, _, texts = training
    path = tmp / "ova.bin"
    train(few, path, "ova", 1, 0, 0, None)
    model = load_fasttext(str(path))
    assert ftmodel.load(path) is None
    lid = FastTextLID(path)
    assert not isinstance(lid.model, ftmodel.NativeFastText)
    labels, probs = model.predict(texts[:5], k=1)
    assert lid.predict(texts[:5]) == [(lab[0].removeprefix("__label__"), float(p[0])) for lab, p in zip(labels, probs)]
    monkeypatch.setattr(ftmodel, "native", None)  # not built: the library
    assert ftmodel.load(bundled_lid176()) is None


def test_the_langid_stage_predicts_with_it():
    assert isinstance(FastTextLID(bundled_lid176()).model, ftmodel.NativeFastText)

"""fastText supervised models (.bin, quantised .ftz) read into the arrays `_ftnative.c` predicts with.

`load(path)` -> a `NativeFastText` whose `predict(texts, k)` gives fastText 0.9.2's labels and probabilities,
the same floats (tests/pipeline/test_ftnative.py compares them on real documents with lid.176 and with small
models trained with each option this reads), or None when the C module is not built or the model uses what it
does not implement (unsupervised models, one-vs-all or negative-sampling losses): the caller then uses the
fastText library. The file layout is fastText's `saveModel`: magic and version, the arguments, the dictionary
(with the prune map of a quantised model), the input matrix (dense or product-quantised), the output matrix.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

try:  # built by `make native`
    import pipeline.filters._ftnative as native
except ImportError:  # pragma: no cover - exercised where the module is not built
    native = None

MAGIC, VERSION = 793712314, 12
SUPERVISED, LOSS_HS, LOSS_SOFTMAX = 3, 1, 3
KSUB = 256


class Unsupported(Exception):
    """A model this reader does not predict with (the fastText library does)."""


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def take(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def array(self, dtype, count: int) -> np.ndarray:
        out = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.at)
        self.at += out.nbytes
        return out

    def word(self) -> bytes:
        end = self.data.index(b"\0", self.at)
        word, self.at = self.data[self.at:end], end + 1
        return word


def _quantizer(r: _Reader) -> tuple[np.ndarray, int, int, int]:
    dim, nsubq, dsub, lastdsub = r.take("iiii")
    return r.array(np.float32, dim * KSUB), nsubq, dsub, lastdsub


def _decode(codes: np.ndarray, pq, rows: int, dim: int) -> np.ndarray:
    """Each row's centroid values, in fastText's get_centroids layout (the last subquantiser may be narrower)."""
    centroids, nsubq, dsub, lastdsub = pq
    codes = codes.reshape(rows, nsubq)
    out = np.empty((rows, dim), dtype=np.float32)
    for m in range(nsubq):
        d = lastdsub if m == nsubq - 1 else dsub
        table = centroids[m * KSUB * dsub: m * KSUB * dsub + KSUB * d].reshape(KSUB, d)
        out[:, m * dsub: m * dsub + d] = table[codes[:, m]]
    return out


def _matrix(r: _Reader, quantised: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """(rows of centroid or dense values, each row's norm or None)."""
    if not quantised:
        m, n = r.take("qq")
        return r.array(np.float32, m * n).reshape(m, n), None
    qnorm, m, n, size = r.take("?qqi")
    codes = r.array(np.uint8, size)
    values = _decode(codes, _quantizer(r), m, n)
    if not qnorm:
        return values, np.ones(m, dtype=np.float32)
    norm_codes = r.array(np.uint8, m)
    norm_centroids = _quantizer(r)[0]
    return values, norm_centroids[norm_codes]


def _tree(counts: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """fastText's HierarchicalSoftmaxLoss::buildTree (Huffman over the label counts): left and right children."""
    osz = len(counts)
    count = list(counts) + [10 ** 15] * (osz - 1)
    left, right = [-1] * (2 * osz - 1), [-1] * (2 * osz - 1)
    leaf, node = osz - 1, osz
    for i in range(osz, 2 * osz - 1):
        mini = [0, 0]
        for j in range(2):
            if leaf >= 0 and count[leaf] < count[node]:
                mini[j], leaf = leaf, leaf - 1
            else:
                mini[j], node = node, node + 1
        left[i], right[i] = mini
        count[i] = count[mini[0]] + count[mini[1]]
    return np.array(left, dtype=np.int32), np.array(right, dtype=np.int32)


@dataclass
class NativeFastText:
    handle: object
    labels: list[str]

    def predict(self, texts: list[str], k: int = 1) -> tuple[list[list[str]], list[list[float]]]:
        """Like fastText's predict on a list (texts without newlines; a newline here counts as a space)."""
        rows = native.predict(self.handle, texts, k)
        return [[self.labels[i] for i, _ in r] for r in rows], [[p for _, p in r] for r in rows]

    def get_labels(self) -> list[str]:
        return list(self.labels)


def read(path: Path) -> NativeFastText:
    r = _Reader(Path(path).read_bytes())
    if r.take("ii") != (MAGIC, VERSION):
        raise Unsupported("not a fastText version-12 model file")
    dim, _ws, _epoch, _min_count, _neg, word_ngrams, loss, model, bucket, minn, maxn, _lr_rate = r.take("12i")
    r.take("d")
    if model != SUPERVISED or loss not in (LOSS_HS, LOSS_SOFTMAX):
        raise Unsupported(f"model {model} with loss {loss}")
    size, nwords, nlabels, _ntokens, pruned = r.take("iiiqq")
    words, types, counts = [], [], []
    for _ in range(size):
        words.append(r.word())
        count, kind = r.take("qb")
        types.append(kind)
        if kind == 1:
            counts.append(count)
    prune = r.array(np.int32, 2 * max(pruned, 0)).reshape(-1, 2)
    quantised = r.take("?")
    inputs, norms = _matrix(r, quantised)
    if norms is not None:
        inputs = inputs * norms[:, None]  # fastText adds alpha * c[n]: the same float products, made once
    qout = r.take("?")
    outputs, out_norms = _matrix(r, quantised and qout)
    offsets = np.zeros(size + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(w) for w in words])
    left, right = _tree(counts) if loss == LOSS_HS else (np.full(2 * nlabels - 1, -1, np.int32),) * 2
    ints = (dim, nwords, size, minn, maxn, bucket, word_ngrams, loss, nlabels)
    handle = native.model(ints, pruned, b"".join(words), offsets.tobytes(), bytes(t & 0xFF for t in types),
                          np.ascontiguousarray(prune[:, 0]).tobytes(), np.ascontiguousarray(prune[:, 1]).tobytes(),
                          np.ascontiguousarray(inputs, dtype=np.float32).tobytes(),
                          np.ascontiguousarray(outputs, dtype=np.float32).tobytes(),
                          None if out_norms is None else out_norms.astype(np.float32).tobytes(),
                          left.tobytes(), right.tobytes())
    labels = [w.decode("utf-8", "replace") for w, t in zip(words, types) if t == 1]
    return NativeFastText(handle, labels)


def load(path: Path) -> NativeFastText | None:
    if native is None:
        return None
    try:
        return read(path)
    except Unsupported:
        return None

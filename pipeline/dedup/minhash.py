"""MinHash over word shingles, exact keys and LSH band keys, vectorised with numpy (see pipeline/dedup/__init__.py).

Words are Unicode words: runs of letters and combining marks (categories L and M), broken by whitespace,
digits, punctuation, symbols and control characters (categories Z, N, P, S, C). ROOTS's special-character
list, which the special_characters filter still uses, holds Devanagari and Bengali vowel signs and the
virama (ा ी े ् া), so words split on it were cut mid-word in Hindi, Marathi and Bengali."""
from __future__ import annotations

import functools
import sys
import unicodedata

import numpy as np
import pyarrow as pa
import xxhash

from pipeline.dedup.config import DedupConfig
from pipeline.filters.text import words_of

MERSENNE = np.uint64((1 << 61) - 1)  # bound of the drawn permutation parameters


@functools.cache
def word_breaks() -> np.ndarray:
    """code point -> breaks a word (Unicode categories Z, N, P, S, C); built once per process (~0.4 s)."""
    cats = np.frombuffer("".join(unicodedata.category(chr(c))[0] for c in range(sys.maxunicode + 1)).encode("ascii"),
                         dtype=np.uint8)
    return np.isin(cats, np.frombuffer(b"ZNPSC", dtype=np.uint8))


def content(text: str) -> np.ndarray:
    """The text's code points without whitespace, digits, punctuation, symbols and control characters."""
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return cps[~word_breaks()[cps]]


def exact_key(text: str) -> bytes:
    return xxhash.xxh3_128_digest(content(text).tobytes())


def exact_words(col) -> np.ndarray:
    """A binary(16) column of exact keys as an (n, 2) uint64 array (no Python bytes per document)."""
    a = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if len(a) == 0:
        return np.zeros((0, 2), np.uint64)
    words = np.frombuffer(a.buffers()[1], dtype=np.uint64)
    return words[2 * a.offset: 2 * (a.offset + len(a))].reshape(-1, 2)


def url_key(url: str | None) -> int:
    """xxh3-64 of a web URL's lowercased host + path (ROOTS's URL dedup); 0 for anything else."""
    from urllib.parse import urlsplit

    if not url or not url.startswith(("http://", "https://")):
        return 0
    parts = urlsplit(url)
    return xxhash.xxh3_64_intdigest(f"{parts.netloc.lower()}{parts.path.rstrip('/') or '/'}") or 1


def permutations(cfg: DedupConfig) -> tuple[np.ndarray, np.ndarray]:
    """Per permutation an odd multiplier a and an offset b, drawn from the seed (same seed, same sets)."""
    gen = np.random.RandomState(cfg.seed)
    n = cfg.num_bands * cfg.rows_per_band
    a = gen.randint(1, MERSENNE, dtype=np.uint64, size=(1, n)) | np.uint64(1)
    return a, gen.randint(0, MERSENNE, dtype=np.uint64, size=(1, n))


_B = np.uint64(1_000_003)                       # odd base of the per-word polynomial hash (mod 2^64)
_B_INV = np.uint64(pow(1_000_003, -1, 2**64))  # its inverse mod 2^64, to shift prefix sums back
_MIX = np.uint64(0x9E3779B97F4A7C15)


_POWERS: dict[int, np.ndarray] = {}


def _powers(base: np.uint64, n: int) -> np.ndarray:
    """base^0 .. base^(n-1) mod 2^64, from a table that grows by doubling (computed once per worker)."""
    table = _POWERS.get(int(base))
    if table is None or len(table) < n:
        size = max(n, 2 * len(table) if table is not None else 4096)
        table = np.empty(size, dtype=np.uint64)
        table[0] = 1
        with np.errstate(over="ignore"):
            np.cumprod(np.full(size - 1, base, dtype=np.uint64), out=table[1:])
        _POWERS[int(base)] = table
    return table[:n]


def word_hashes(text: str) -> np.ndarray:
    """64-bit hashes of the Unicode words of the lowercased text (letters and combining marks, see above).
    Vectorised: polynomial hashes from prefix sums."""
    return _word_hashes(np.frombuffer(text.lower().encode("utf-32-le", "surrogatepass"), dtype=np.uint32))[0]


def _word_hashes(cps: np.ndarray, breaks: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The hashes of the words of code points `cps` and where each word starts; positions `breaks` end words
    whatever they hold. A word's hash does not depend on where it is, so texts joined at breaks hash as each
    alone."""
    mask = ~word_breaks()[cps]
    if breaks is not None:
        mask[breaks] = False
    if not mask.any():
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    edges = np.diff(np.concatenate(([0], mask.view(np.int8), [0])))
    starts, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
    n = len(cps)
    with np.errstate(over="ignore"):
        prefix = np.concatenate((np.zeros(1, dtype=np.uint64),
                                 np.cumsum(cps.astype(np.uint64) * _powers(_B, n), dtype=np.uint64)))
        h = (prefix[ends] - prefix[starts]) * _powers(_B_INV, n)[starts]
        h = (h ^ (h >> np.uint64(29))) * _MIX
        return h ^ (ends - starts).astype(np.uint64), starts


_FOLD = np.uint64(0x100000001B3)


def shingles(text: str, n: int, split: str) -> np.ndarray:
    """64-bit hashes of the word n-grams of the text (fewer than n words: one shingle). Words as in
    `word_hashes`; for unsegmented scripts (split: chars) every character of those scripts is a word."""
    if split == "chars":
        words = words_of(text.lower(), split)
        ids = np.fromiter((xxhash.xxh3_64_intdigest(w) for w in words), dtype=np.uint64, count=len(words))
    else:
        ids = word_hashes(text)
    if not len(ids):
        return np.zeros(1, dtype=np.uint64)
    m = max(len(ids) - n + 1, 1)
    h = np.zeros(m, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(min(n, len(ids))):
            h = h * _FOLD + ids[j : j + m]
    return h


def shingle_set(text: str, n: int, split: str) -> set[int]:
    """The set of `shingles` (what the true Jaccard similarity of two documents compares)."""
    return set(shingles(text, n, split).tolist())


def batch_shingles(texts: list[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """`shingles(text, n, "whitespace")` of every text, concatenated, and the offsets where each text's begin
    and the last ends (len(texts) + 1), computed for all texts at once: a few numpy passes per batch, not
    per document."""
    low = [t.lower() for t in texts]
    text_start = np.cumsum([0] + [len(t) + 1 for t in low[:-1]])
    cps = np.frombuffer("\x00".join(low).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    ids, starts = _word_hashes(cps, text_start[1:] - 1)  # the joins break words whatever word_breaks says
    words = np.bincount(np.searchsorted(text_start, starts, side="right") - 1, minlength=len(texts))
    first_word = np.concatenate(([0], np.cumsum(words)))[:-1]
    m = np.maximum(words - n + 1, 1)  # shingles per text (a text of fewer than n words, or none, has one)
    offsets = np.concatenate(([0], np.cumsum(m)))
    out = np.zeros(offsets[-1], dtype=np.uint64)
    fold = np.zeros(len(ids), dtype=np.uint64)  # after round k: fold[j] = hash of the k words from word j
    with np.errstate(over="ignore"):
        for k in range(1, n + 1):
            r = max(len(ids) - k + 1, 0)
            fold[:r] = fold[:r] * _FOLD + ids[k - 1:]
            short = np.nonzero(words == k)[0]
            out[offsets[short]] = fold[first_word[short]]
    full = np.nonzero(words >= n)[0]
    text = np.repeat(full, m[full])
    j = np.arange(len(text)) - np.repeat(np.cumsum(m[full]) - m[full], m[full])  # shingle number within its text
    out[offsets[text] + j] = fold[first_word[text] + j]
    return out, offsets


SHINGLE_BLOCK = 6000  # shingles per permutation matrix (112 x 6000 x 8 B): the fastest size measured here


def signatures(texts: list[str], cfg: DedupConfig, split: str, perms) -> np.ndarray:
    """MinHash signatures (len(texts) x perms): per permutation, the minimum over the shingles of
    a*h + b mod 2^64 with a odd (Dietzfelbinger's multiply-add-shift family: a bijection on 64 bits,
    universal on its high bits, which decide the minimum). No division, unlike datatrove's mod 2^61-1,
    which is ~2.5x slower here for the same recall/precision (pipeline/dedup_eval.py). Shingles are made
    for the whole batch at once, and the permutations x shingles matrix of consecutive documents
    (~SHINGLE_BLOCK shingles) is reduced per document with one minimum.reduceat."""
    a, b = perms[0][0], perms[1][0][:, None]
    if split == "chars":
        per = [shingles(t, cfg.ngram, split) for t in texts]
        sh = np.concatenate(per) if per else np.zeros(0, np.uint64)
        offsets = np.concatenate(([0], np.cumsum([len(x) for x in per])))
    else:
        sh, offsets = batch_shingles(texts, cfg.ngram)
    out = np.empty((len(texts), len(a)), dtype=np.uint64)
    s = 0
    with np.errstate(over="ignore"):
        while s < len(texts):
            e = min(len(texts), max(s + 1, int(np.searchsorted(offsets, offsets[s] + SHINGLE_BLOCK, side="right")) - 1))
            x = np.multiply.outer(a, sh[offsets[s]:offsets[e]])
            x += b
            out[s:e] = np.minimum.reduceat(x, offsets[s:e] - offsets[s], axis=1).T
            s = e
    return out


def band_keys(sig: np.ndarray, cfg: DedupConfig) -> np.ndarray:
    """One 64-bit key per band: (docs x bands)."""
    bands = sig.reshape(len(sig), cfg.num_bands, cfg.rows_per_band)
    key = np.zeros((len(sig), cfg.num_bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for r in range(cfg.rows_per_band):
            key = key * np.uint64(0x9E3779B97F4A7C15) + bands[:, :, r]
    return key

"""Token bins: `.bin` of raw token ids, `.idx` that describes it, `.docs.parquet` that names every document.

In the spirit of Megatron's mmap indexed dataset: the `.bin` is the documents' tokens back to back (each
ending with the end-of-document id), in uint16 when the vocabulary has at most 65,536 ids, else uint32.
The `.idx` is a fixed little-endian header followed by the document boundaries:

    magic     8 bytes  b"ROOTSIDX"
    version   u32      1
    dtype     u8       Megatron's codes: 8 = uint16; 9 = uint32 (ours: Megatron has none); 3 bytes padding
    n_docs    u64
    n_tokens  u64
    vocab     u64      ids in the bin are < vocab
    checksum  16 bytes xxh3-128 of the .bin's bytes
    offsets   u64 x (n_docs + 1)   document i is tokens [offsets[i], offsets[i+1])

`.docs.parquet` has one row per document in bin order: id, lang, source, copy (0 for the first copy of a
repeated document), token_start, n_tokens. So any token position leads back to its document id
(`ShardReader.doc_at`). Opening a shard checks the header, the file size and the offsets; `verify()` also
re-hashes the bin, so a flipped byte is found. Files are written under temporary names and renamed.
"""
from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import xxhash

from pipeline.errors import UserError

MAGIC = b"ROOTSIDX"
VERSION = 1
HEADER = struct.Struct("<8sIB3xQQQ16s")
DTYPE_CODES = {np.dtype(np.uint16): 8, np.dtype(np.uint32): 9}
CODE_DTYPES = {v: k for k, v in DTYPE_CODES.items()}
DOCS_SCHEMA = pa.schema([("id", pa.string()), ("lang", pa.string()), ("source", pa.string()),
                         ("copy", pa.int32()), ("token_start", pa.int64()), ("n_tokens", pa.int64())])


class CorruptBin(UserError):
    """A bin or its index does not match what the index says."""


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


class ShardWriter:
    """Appends documents to `<stem>.bin` and writes `.idx` + `.docs.parquet` on `close()`."""

    def __init__(self, stem: Path, dtype: np.dtype, vocab_size: int):
        if np.dtype(dtype) not in DTYPE_CODES:
            raise ValueError(f"unsupported token dtype {dtype}")
        self.stem, self.dtype, self.vocab = Path(stem), np.dtype(dtype), vocab_size
        if vocab_size > np.iinfo(self.dtype).max + 1:
            raise ValueError(f"vocabulary of {vocab_size} ids does not fit {self.dtype}")
        self.stem.parent.mkdir(parents=True, exist_ok=True)
        self.fh = open(_tmp(self.stem.with_suffix(".bin")), "wb")  # noqa: SIM115
        self.hasher = xxhash.xxh3_128()
        self.offsets = [0]
        self.rows: dict[str, list] = {f.name: [] for f in DOCS_SCHEMA}

    @property
    def n_tokens(self) -> int:
        return self.offsets[-1]

    def add(self, tokens: np.ndarray, doc_id: str, lang: str, source: str, copy: int = 0) -> None:
        """One document's tokens, end-of-document id included."""
        if len(tokens) and int(tokens.max()) >= self.vocab:
            raise ValueError(f"token id {int(tokens.max())} outside the vocabulary of {self.vocab} ({doc_id})")
        data = np.ascontiguousarray(tokens, dtype=self.dtype).tobytes()
        self.fh.write(data)
        self.hasher.update(data)
        for k, v in zip(DOCS_SCHEMA.names, (doc_id, lang, source, copy, self.offsets[-1], len(tokens))):
            self.rows[k].append(v)
        self.offsets.append(self.offsets[-1] + len(tokens))

    def close(self) -> dict:
        self.fh.close()
        n_docs = len(self.offsets) - 1
        header = HEADER.pack(MAGIC, VERSION, DTYPE_CODES[self.dtype], n_docs, self.n_tokens, self.vocab,
                             self.hasher.digest())
        idx, docs, bin_ = (self.stem.with_suffix(s) for s in (".idx", ".docs.parquet", ".bin"))
        with open(_tmp(idx), "wb") as fh:
            fh.write(header)
            fh.write(np.asarray(self.offsets, dtype="<u8").tobytes())
        pq.write_table(pa.table(self.rows, schema=DOCS_SCHEMA), _tmp(docs), compression="zstd")
        for p in (bin_, docs, idx):  # the .idx last: a shard with an .idx is complete
            os.replace(_tmp(p), p)
        return {"stem": self.stem.name, "docs": n_docs, "tokens": self.n_tokens, "checksum_xxh3_128": self.hasher.hexdigest(),
                "bin_bytes": bin_.stat().st_size}


def read_header(idx: Path) -> dict:
    raw = Path(idx).read_bytes()
    if len(raw) < HEADER.size:
        raise CorruptBin(f"{idx}: shorter than the {HEADER.size}-byte header")
    magic, version, code, n_docs, n_tokens, vocab, checksum = HEADER.unpack_from(raw)
    if magic != MAGIC:
        raise CorruptBin(f"{idx}: not a token index (magic {magic!r}, expected {MAGIC!r})")
    if version != VERSION:
        raise CorruptBin(f"{idx}: index version {version}; this code reads version {VERSION}")
    if code not in CODE_DTYPES:
        raise CorruptBin(f"{idx}: unknown dtype code {code}")
    if len(raw) != HEADER.size + 8 * (n_docs + 1):
        raise CorruptBin(f"{idx}: {len(raw)} bytes, expected {HEADER.size + 8 * (n_docs + 1)} for {n_docs} documents")
    offsets = np.frombuffer(raw, dtype="<u8", offset=HEADER.size).astype(np.int64)
    return {"version": version, "dtype": CODE_DTYPES[code], "n_docs": n_docs, "n_tokens": n_tokens,
            "vocab_size": vocab, "checksum": checksum, "offsets": offsets}


class ShardReader:
    """A memory-mapped shard: `tokens` (numpy memmap), `doc(i)`, `doc_at(position)` -> row of .docs.parquet."""

    def __init__(self, stem: Path, verify: bool = False):
        self.stem = Path(stem)
        h = read_header(self.stem.with_suffix(".idx"))
        self.dtype, self.n_docs, self.n_tokens = h["dtype"], h["n_docs"], h["n_tokens"]
        self.vocab_size, self.checksum, self.offsets = h["vocab_size"], h["checksum"], h["offsets"]
        bin_ = self.stem.with_suffix(".bin")
        expected = self.n_tokens * self.dtype.itemsize
        if not bin_.is_file() or bin_.stat().st_size != expected:
            size = bin_.stat().st_size if bin_.is_file() else "missing"
            raise CorruptBin(f"{bin_}: {size} bytes, the index says {expected}")
        if self.offsets[0] != 0 or self.offsets[-1] != self.n_tokens or np.any(np.diff(self.offsets) <= 0):
            raise CorruptBin(f"{self.stem}.idx: document offsets are not increasing from 0 to {self.n_tokens}")
        self.tokens = np.memmap(bin_, dtype=self.dtype, mode="r", shape=(self.n_tokens,)) if self.n_tokens else \
            np.zeros(0, self.dtype)
        self._docs: pa.Table | None = None
        if verify:
            self.verify()

    def verify(self) -> None:
        """Re-hash the bin (streamed) and check the ids against the vocabulary."""
        hasher = xxhash.xxh3_128()
        with open(self.stem.with_suffix(".bin"), "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 24), b""):
                hasher.update(chunk)
        if hasher.digest() != self.checksum:
            raise CorruptBin(f"{self.stem}.bin: checksum {hasher.hexdigest()} does not match the index's "
                             f"{self.checksum.hex()}: the bin is corrupted")
        if self.n_tokens and int(self.tokens.max()) >= self.vocab_size:
            raise CorruptBin(f"{self.stem}.bin: holds an id >= the vocabulary size {self.vocab_size}")

    def doc(self, i: int) -> np.ndarray:
        return np.asarray(self.tokens[self.offsets[i]:self.offsets[i + 1]])

    @property
    def docs(self) -> pa.Table:
        if self._docs is None:
            self._docs = pq.read_table(self.stem.with_suffix(".docs.parquet"))
            if self._docs.num_rows != self.n_docs:
                raise CorruptBin(f"{self.stem}.docs.parquet: {self._docs.num_rows} rows, the index says {self.n_docs}")
        return self._docs

    def doc_index(self, position: int) -> int:
        if not 0 <= position < self.n_tokens:
            raise IndexError(f"token {position} outside 0..{self.n_tokens - 1}")
        return int(np.searchsorted(self.offsets, position, side="right") - 1)

    def doc_at(self, position: int) -> dict:
        """The document (id, lang, source, copy, token_start, n_tokens) that token `position` belongs to."""
        return {k: v[0] for k, v in self.docs.slice(self.doc_index(position), 1).to_pydict().items()}


def shard_stems(folder: Path, split: str) -> list[Path]:
    return sorted(p.with_suffix("") for p in Path(folder).glob(f"{split}-*.idx"))

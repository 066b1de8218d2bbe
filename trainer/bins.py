"""Token bins that Megatron-LM, Megatron-DeepSpeed, GPT-NeoX and NeMo read as they are.

`<stem>.bin` holds the documents' tokens back to back (each ending with the end-of-document id), in uint16
when the vocabulary has at most 65,536 ids, else int32 (Megatron has no uint32). `<stem>.idx` is Megatron's
mmap indexed-dataset index (MMIDIDX, version 1), with one sequence per document:

    magic      9 bytes   b"MMIDIDX\x00\x00"
    version    u64       1
    dtype      u8        Megatron's code: 8 = uint16, 4 = int32
    sequences  u64       n (documents)
    documents  u64       n + 1
    lengths    i32 x n   tokens of each document
    pointers   i64 x n   byte offset of each document in the .bin
    doc_index  i64 x (n + 1)   0, 1, ..., n (sequence i is document i)

What Megatron's index has no room for is in two sidecars: `<stem>.meta.json` (the format and version, the
vocabulary size, token and document counts, the xxh3-128 checksum of the .bin) and `<stem>.docs.parquet`
(one row per document in bin order: id, lang, source, copy (0 for the first copy of a repeated document),
token_start, n_tokens), so any token position leads back to its document id (`ShardReader.doc_at`).
Opening a shard checks the index, the sidecar and the file size; `verify()` also re-hashes the bin, so a
flipped byte is found. Files are written under temporary names and renamed, the .idx last.
"""
from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import xxhash

from pipeline.errors import UserError

MAGIC = b"MMIDIDX\x00\x00"
VERSION = 1
HEADER = struct.Struct("<9sQBQQ")
DTYPE_CODES = {np.dtype(np.uint16): 8, np.dtype(np.int32): 4}
CODE_DTYPES = {v: k for k, v in DTYPE_CODES.items()}
FORMAT = {"format": "roots-pipeline token bins (Megatron mmap indexed dataset + sidecars)", "version": 2}
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
        offsets = np.asarray(self.offsets, dtype=np.int64)
        idx, docs, meta, bin_ = (self.stem.with_suffix(s) for s in (".idx", ".docs.parquet", ".meta.json", ".bin"))
        with open(_tmp(idx), "wb") as fh:
            fh.write(HEADER.pack(MAGIC, VERSION, DTYPE_CODES[self.dtype], n_docs, n_docs + 1))
            fh.write(np.diff(offsets).astype("<i4").tobytes())  # lengths
            fh.write((offsets[:-1] * self.dtype.itemsize).astype("<i8").tobytes())  # byte pointers
            fh.write(np.arange(n_docs + 1, dtype="<i8").tobytes())  # one sequence per document
        pq.write_table(pa.table(self.rows, schema=DOCS_SCHEMA), _tmp(docs), compression="zstd")
        _tmp(meta).write_text(json.dumps({**FORMAT, "dtype": self.dtype.name, "n_docs": n_docs, "n_tokens": self.n_tokens,
                                          "vocab_size": self.vocab, "checksum_xxh3_128": self.hasher.hexdigest()}))
        for p in (bin_, docs, meta, idx):  # the .idx last: a shard with an .idx is complete
            os.replace(_tmp(p), p)
        return {"stem": self.stem.name, "docs": n_docs, "tokens": self.n_tokens, "checksum_xxh3_128": self.hasher.hexdigest(),
                "bin_bytes": bin_.stat().st_size}


def read_header(idx: Path) -> dict:
    """The Megatron index and its sidecar (`.meta.json`), checked against each other."""
    raw = Path(idx).read_bytes()
    if len(raw) < HEADER.size:
        raise CorruptBin(f"{idx}: shorter than the {HEADER.size}-byte header")
    magic, version, code, n_seq, n_doc_idx = HEADER.unpack_from(raw)
    if magic != MAGIC:
        hint = " (bins of this project before format 2: run `make pack` again)" if magic.startswith(b"ROOTSIDX") else ""
        raise CorruptBin(f"{idx}: not a Megatron token index (magic {magic!r}, expected {MAGIC!r}){hint}")
    if version != VERSION:
        raise CorruptBin(f"{idx}: index version {version}; this code reads version {VERSION}")
    if code not in CODE_DTYPES:
        raise CorruptBin(f"{idx}: unknown dtype code {code}")
    if n_doc_idx != n_seq + 1 or len(raw) != HEADER.size + 4 * n_seq + 8 * n_seq + 8 * n_doc_idx:
        raise CorruptBin(f"{idx}: {len(raw)} bytes, not the index of {n_seq} documents")
    dtype = CODE_DTYPES[code]
    lengths = np.frombuffer(raw, dtype="<i4", count=n_seq, offset=HEADER.size).astype(np.int64)
    pointers = np.frombuffer(raw, dtype="<i8", count=n_seq, offset=HEADER.size + 4 * n_seq)
    doc_index = np.frombuffer(raw, dtype="<i8", count=n_doc_idx, offset=HEADER.size + 12 * n_seq)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    if not np.array_equal(pointers, offsets[:-1] * dtype.itemsize) or not np.array_equal(doc_index, np.arange(n_doc_idx)):
        raise CorruptBin(f"{idx}: pointers or document index do not follow the lengths (one sequence per document)")
    meta_path = Path(idx).with_suffix(".meta.json")
    if not meta_path.is_file():
        raise CorruptBin(f"{meta_path}: missing (vocabulary size and checksum of the bin)")
    meta = json.loads(meta_path.read_text())
    if (meta["n_docs"], meta["n_tokens"], meta["dtype"]) != (n_seq, int(offsets[-1]), dtype.name):
        raise CorruptBin(f"{meta_path}: says {meta['n_docs']} documents, {meta['n_tokens']} tokens of {meta['dtype']}; "
                         f"the index {n_seq}, {int(offsets[-1])}, {dtype.name}")
    return {"version": version, "dtype": dtype, "n_docs": n_seq, "n_tokens": int(offsets[-1]),
            "vocab_size": meta["vocab_size"], "checksum": bytes.fromhex(meta["checksum_xxh3_128"]), "offsets": offsets}


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
        if np.any(np.diff(self.offsets) <= 0):
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

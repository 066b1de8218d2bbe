"""Opt-out requests (`removals/<lang>.jsonl`) and matching documents against them.

A request names documents by id (stored only as a sha256, so the record does not repeat what it
removes), by source, or by an RE2 pattern over the text or the URL. Every run applies every recorded
request at ingest (`ingest:removed_on_request`: counted, never stored), which is what makes a removal
reproducible; `python -m pipeline remove` (pipeline/audit/remove.py) records requests and applies them
to an existing build.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import ValidationError

from pipeline.base import Strict, check_lang
from pipeline.errors import UserError

REMOVED = "removed_on_request"
"""Ingest's rule for documents an opt-out request names: counted, never stored nor shown as an example."""


class RemovalRequest(Strict):
    at: str
    """When the request was recorded (UTC, ISO 8601)."""
    reason: str = ""
    id_sha256: list[str] = []
    """sha256 of each document id to remove (hex)."""
    sources: list[str] = []
    """Remove every document of these catalogue sources."""
    text_pattern: str | None = None
    """RE2 regular expression: remove documents whose text matches."""
    url_pattern: str | None = None
    """RE2 regular expression: remove documents whose url_or_path matches."""


def id_hash(doc_id: str) -> str:
    return hashlib.sha256(doc_id.encode("utf-8")).hexdigest()


def removals_file(folder: Path, lang: str) -> Path:
    return Path(folder) / f"{check_lang(lang)}.jsonl"


def load_removals(folder: Path | None, lang: str) -> list[RemovalRequest]:
    if folder is None:
        return []
    path = removals_file(folder, lang)
    if not path.is_file():
        return []
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(RemovalRequest.model_validate_json(line))
        except ValidationError as e:
            raise UserError(f"{path}:{n}: not a valid removal request: {e.errors()[0]['msg']}") from None
    for r in out:
        for p in (r.text_pattern, r.url_pattern):
            if p is not None:
                check_pattern(p, str(path))
    return out


def check_pattern(p: str, where: str) -> None:
    try:
        pc.match_substring_regex(pa.array([""]), p)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
        raise UserError(f"{where}: pattern {p!r} is not a valid RE2 expression: {e}") from None


def match(batch: pa.Table | pa.RecordBatch, requests: list[RemovalRequest]) -> np.ndarray:
    """Which rows of `batch` (id, source, text, url_or_path) any request removes."""
    n = batch.num_rows
    hit = np.zeros(n, dtype=bool)
    if not requests or not n:
        return hit
    hashes = {h for r in requests for h in r.id_sha256}
    if hashes:
        hit |= np.fromiter((id_hash(i) in hashes for i in batch.column("id").to_pylist()), dtype=bool, count=n)
    sources = [s for r in requests for s in r.sources]
    if sources:
        hit |= pc.is_in(batch.column("source"), pa.array(sources)).to_numpy(zero_copy_only=False)
    for r in requests:
        for col, pat in (("text", r.text_pattern), ("url_or_path", r.url_pattern)):
            if pat is not None:
                m = pc.match_substring_regex(batch.column(col), pat)
                hit |= pc.fill_null(m, False).to_numpy(zero_copy_only=False)
    return hit

"""Turning raw records of one input file into Documents, or ingest Rejections that say why not.

Ids are stable across runs: `<source uid>/<native id>` when the source has an id field, else
`<source uid>/<file relative to the source>/<record number>` (the number counts records, or lines for
JSONL, from the start of the file, whatever part of the file a unit reads).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

import xxhash

from pipeline.catalogue import CatalogueEntry
from pipeline.record import Document, Rejection

Item = Document | Rejection
SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Part:
    """A piece of one input file that a unit reads: bytes [start, end) of plain JSONL (the lines that begin
    there), or Parquet row groups [start, end); `first` = the number of its first record in the file."""

    start: int
    end: int
    first: int


def id_key(native_id: object) -> int:
    """64-bit hash of a native id, to find ids used twice without keeping the ids."""
    return xxhash.xxh3_64_intdigest(str(native_id).encode("utf-8", "surrogatepass"))


class RecordMaker:
    """Builds Documents (or ingest Rejections) from raw records of one file. A native id used twice (in this
    file, or in `skip`: ids an earlier file of the source holds) makes the later record `ingest:duplicate_id`,
    stored under its position (`<uid>/<file>/<record no.>`) so every stored id stays unique. `ids` collects
    the keys of the native ids this file claimed, for the check across files."""

    def __init__(self, entry: CatalogueEntry, file: str, rel: str, lang: str, max_doc_bytes: int,
                 skip: frozenset[int] = frozenset(), ids: list[int] | None = None, part: Part | None = None):
        self.entry, self.file, self.rel, self.lang, self.part = entry, file, rel, lang, part
        self.max_doc_bytes = max_doc_bytes
        self.read = entry.read
        self.skip, self.ids, self.seen = skip, ids if ids is not None else [], set()

    def duplicate(self, native_id: object) -> str | None:
        """Why this native id cannot be used (None: it is claimed now)."""
        if native_id in (None, ""):
            return None
        key = id_key(native_id)
        if key in self.skip:
            return f"id {native_id!r} is already used by another file of source {self.entry.uid}"
        if key in self.seen:
            return f"id {native_id!r} is already used by an earlier record of this file"
        self.seen.add(key)
        self.ids.append(key)
        return None

    def unreadable(self, n_read: int, e: Exception) -> Rejection:
        """The rest of a file that could not be read (truncated, corrupt): one recorded rejection."""
        doc = Document(id=f"{self.entry.uid}/{self.rel}#unreadable", text="", lang=self.lang, source=self.entry.uid,
                       url_or_path=self.rel, license=self.entry.licence.text)
        return Rejection(doc, "ingest", "unreadable_file", float(n_read), None,
                         f"{self.file}: {type(e).__name__}: {e} (after {n_read} records, which were read)")

    def _doc(self, native_id: object, n: int, text: str, url: str | None, meta: dict) -> Document:
        suffix = str(native_id) if native_id not in (None, "") else f"{self.rel}/{n}"
        return Document(
            id=f"{self.entry.uid}/{suffix}",
            text=text,
            lang=self.lang,
            source=self.entry.uid,
            url_or_path=url or f"{self.rel}#{n}",
            license=self.entry.licence.text,
            meta=meta,
        )

    def reject(self, n: int, raw: str, rule: str, value: float | None, threshold: float | None, detail: str,
               native_id: object = None) -> Rejection:
        doc = self._doc(native_id, n, raw, None, {})
        return Rejection(doc, "ingest", rule, value, threshold, detail)

    def from_mapping(self, rec: object, n: int, raw_for_errors: str = "") -> Item:
        r = self.read
        if not isinstance(rec, dict):
            return self.reject(n, raw_for_errors, "malformed_record", None, None, f"expected an object, got {type(rec).__name__}")
        dup = self.duplicate(rec.get(r.id_field)) if r.id_field else None
        if dup:
            return self.reject(n, raw_for_errors or json.dumps(rec, ensure_ascii=False, default=str), "duplicate_id", None,
                               None, dup)
        text = rec.get(r.text_field)
        if not isinstance(text, str):
            what = "missing" if text is None else f"not a string ({type(text).__name__})"
            return self.reject(n, raw_for_errors or json.dumps(rec, ensure_ascii=False, default=str),
                               "missing_text_field", None, None, f"field '{r.text_field}' {what}",
                               rec.get(r.id_field) if r.id_field else None)
        meta = {k: rec[k] for k in r.meta_fields if k in rec}
        url = rec.get(r.url_field) if r.url_field else None
        native = rec.get(r.id_field) if r.id_field else None
        return self.from_text(text, n, native, url if isinstance(url, str) else None, meta, checked=True)

    def from_text(self, text: str, n: int, native_id: object = None, url: str | None = None, meta: dict | None = None,
                  checked: bool = False) -> Item:
        dup = None if checked else self.duplicate(native_id)
        if dup:
            return Rejection(self._doc(None, n, text, url, meta or {}), "ingest", "duplicate_id", None, None, dup)
        try:
            size = len(text.encode("utf-8"))
        except UnicodeEncodeError:  # a lone surrogate (JSON allows "\ud800") is no character: U+FFFD, as UTF-8 has it
            text = SURROGATE.sub("\ufffd", text)
            size = len(text.encode("utf-8"))
        doc = self._doc(native_id, n, text, url, meta or {})
        if size > self.max_doc_bytes:
            return Rejection(doc, "ingest", "max_bytes", float(size), float(self.max_doc_bytes), "document too large")
        return doc

    def from_bytes(self, data: bytes, n: int, native_id: object = None, url: str | None = None) -> Item:
        dup = self.duplicate(native_id)
        if dup:
            return Rejection(self._doc(None, n, data.decode("utf-8", "replace"), url, {}), "ingest", "duplicate_id",
                             None, None, dup)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            doc = self._doc(native_id, n, data.decode("utf-8", "replace"), url, {})
            return Rejection(doc, "ingest", "invalid_utf8", float(e.start), None, f"invalid UTF-8 at byte {e.start}")
        return self.from_text(text, n, native_id, url, checked=True)

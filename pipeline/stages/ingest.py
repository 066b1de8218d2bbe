"""Ingest: read one input file into documents (pipeline/readers.py) and apply the opt-out requests.

A record a reader cannot turn into a document (invalid UTF-8, malformed JSON, no text field, too big)
arrives as a `Rejection` and leaves here with its rule; a document an opt-out request names
(`removals/<lang>.jsonl`) leaves as `ingest:removed_on_request`, counted but never stored.
"""
from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
from pydantic import Field

from pipeline.base import Strict
from pipeline.catalogue import Source
from pipeline.readers import Item, Part, source_items
from pipeline.record import Document, Rejection
from pipeline.removals import REMOVED, load_removals, match
from pipeline.stages.base import Output, Stage


class IngestConfig(Strict):
    max_doc_bytes: int = Field(10_000_000, gt=0)
    """Documents larger than this (UTF-8 bytes) are rejected at ingest as `ingest:max_bytes`."""


class Ingest(Stage):
    name = "ingest"
    help = "read a source (JSONL/.gz/.zst, Parquet, text folder, HF dataset, WARC); reject unreadable records"
    Params = IngestConfig
    optional = False

    def __init__(self, ctx):
        super().__init__(ctx)
        self.max_doc_bytes = ctx.config.ingest.max_doc_bytes
        self.removals = ctx.removals if ctx.removals is not None else load_removals(ctx.config.removals, ctx.lang)

    def read(self, source: Source, file: str, skip: frozenset[int] = frozenset(), ids: list[int] | None = None,
             part: Part | None = None) -> Iterator[Item]:
        """The documents and unreadable records of one input file (or `part` of it), in order (pipeline/readers;
        `skip`: keys of native ids an earlier file of the source holds; `ids` collects the keys this claims)."""
        return source_items(source, file, self.ctx.lang, self.max_doc_bytes, skip, ids, part)

    def __call__(self, items: list[Item]) -> Output:
        """Takes what a reader produced (documents and rejected records) rather than documents only."""
        docs = [x for x in items if isinstance(x, Document)]
        rejected = [x for x in items if isinstance(x, Rejection)]
        if not self.removals:
            return Output(docs, rejected)
        all_docs = [x.doc if isinstance(x, Rejection) else x for x in items]
        table = pa.table({"id": [d.id for d in all_docs], "source": [d.source for d in all_docs],
                          "text": [d.text for d in all_docs], "url_or_path": [d.url_or_path for d in all_docs]})
        removed = {id(d) for d, hit in zip(all_docs, match(table, self.removals)) if hit}
        if not removed:
            return Output(docs, rejected)
        gone = [Rejection(d, self.name, REMOVED, None, None, stored=False) for d in all_docs if id(d) in removed]
        return Output([d for d in docs if id(d) not in removed],
                      [r for r in rejected if id(r.doc) not in removed] + gone)

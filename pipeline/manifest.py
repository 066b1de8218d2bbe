"""`manifest.json`: what a build holds. Every shard with its rows, bytes and sha256, the sources with their
licences, and the document counts, which the model itself checks: every document read is kept, rejected
or removed on request, and the shards hold exactly the kept and rejected ones."""
from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError, model_validator

from pipeline.base import Strict
from pipeline.reports import ConservationError
from pipeline.shards import write_json_atomic


class Shard(Strict):
    path: str
    """Relative to the language's output folder, e.g. data/part-00000.parquet."""
    rows: int
    bytes: int
    sha256: str


class SourceInfo(Strict):
    licence: str
    licence_class: str
    files: list[str]


class RemovalNote(Strict):
    at: str
    reason: str | None = None
    documents: int | None = None


class Manifest(Strict):
    lang: str
    config_hash: str
    stages: list[str]
    language_file: str
    profile: str = "shipped"
    """The thresholds' profile (pipeline/profiles.py): shipped = the language file's values."""
    sources: dict[str, SourceInfo]
    documents_in: int
    documents_kept: int
    documents_rejected: int
    documents_removed: int = 0
    removals: list[RemovalNote] = []
    data: list[Shard]
    rejected: list[Shard]

    @model_validator(mode="after")
    def _adds_up(self):
        if self.documents_kept != sum(s.rows for s in self.data) or \
                self.documents_rejected != sum(s.rows for s in self.rejected) or \
                self.documents_in != self.documents_kept + self.documents_rejected + self.documents_removed:
            raise ValueError(f"shards do not add up: {self.documents_in} in, {self.documents_kept} kept "
                             f"({sum(s.rows for s in self.data)} in data/), {self.documents_rejected} rejected "
                             f"({sum(s.rows for s in self.rejected)} in rejected/), {self.documents_removed} "
                             "removed on request")
        return self

    @classmethod
    def checked(cls, **fields) -> Manifest:
        """The manifest, or a ConservationError (always a bug) when its counts do not add up."""
        try:
            return cls(**fields)
        except ValidationError as e:
            raise ConservationError(e.errors()[0]["msg"]) from None

    @classmethod
    def load(cls, path: Path) -> Manifest:
        return cls.checked(**json.loads(Path(path).read_text(encoding="utf-8")))

    def write(self, path: Path) -> None:
        write_json_atomic(self.model_dump(mode="json", exclude_none=True), path)

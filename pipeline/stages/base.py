"""What a stage is: a plain class with heavy set-up in `__init__(ctx)` and `__call__(docs)` on a batch.

A stage returns `Output(kept, rejected, tally)`: the documents it keeps, a `Rejection` (stage, rule,
measured value, threshold) for every document it drops, and a `Tally` of what it changed without
dropping (counters, per source, and a few excerpts for review). Nothing is read out of the stage's own
attributes afterwards: statistics travel in the return value.

Everything else that is known about a stage lives on its class, so the rest of the project derives it
instead of keeping lists of stage names: `name` and `help` (the CLI), `Params` (its section of the run
config, if it has one), `columns` (the values it measures, stored per document), `knobs(language)` (its
thresholds: the stored column, the rule each bound writes, where the value lives in the language YAML),
`describe(...)` (its parameters in words, for the data card and the report) and `panels(report)` (its
own counts worth a chart). Optional hooks have no-op defaults here: `prepass` (see a whole input file
first), `scrub` (redact documents that other stages dropped). A stage never imports ray.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, NamedTuple

import pyarrow as pa
from pydantic import BaseModel

from pipeline.base import say
from pipeline.catalogue import CatalogueEntry
from pipeline.language import LanguageConfig, language_file, load_language
from pipeline.record import Document, Rejection

if TYPE_CHECKING:
    from pipeline.config import RunConfig


@dataclass
class StageContext:
    """What a stage is built from: the run config, the language being built, the catalogue entries, the
    opt-out requests, and the run snapshot (pipeline/snapshot.py) holding the language file and every file
    the stages read. Without a snapshot (tools, tests) files are read from the config's languages folder."""

    config: RunConfig
    lang: str
    sources: dict[str, CatalogueEntry] = field(default_factory=dict)
    removals: list | None = None
    """The opt-out requests; None = read them from the config's `removals` folder."""
    snapshot: Path | None = None

    @property
    def languages_dir(self) -> Path:
        return self.snapshot / "languages" if self.snapshot else Path(self.config.languages)

    @cached_property
    def language(self) -> LanguageConfig:
        return load_language(self.languages_dir, self.lang, self.config.profile)

    @property
    def language_file(self) -> Path:
        return language_file(self.languages_dir, self.lang)

    def resource(self, name: str) -> Path | None:
        """A file or folder a stage named in `resources`, in the snapshot (None without a snapshot)."""
        return self.snapshot / name if self.snapshot else None

    def params(self, stage: str) -> BaseModel:
        """The stage's section of the run config (e.g. `normalise:`)."""
        return getattr(self.config, stage)


@dataclass
class Tally:
    """What a stage did to a batch besides dropping: counters (e.g. lines removed, PII found), the same per
    source, and excerpts per label for a person to review."""

    counters: Counter = field(default_factory=Counter)
    source_counters: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    samples: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))

    def count(self, key: str, n: int, source: str) -> None:
        self.counters[key] += n
        self.source_counters[source][key] += n


class Output(NamedTuple):
    kept: list[Document]
    rejected: list[Rejection]
    tally: Tally | None = None


@dataclass(frozen=True)
class Knob:
    """One threshold of a stage: the stored `column` it is checked on, its current `min`/`max`, the rule a
    document dropped by each bound gets, and where the value lives in the language YAML (`yaml`: the path
    to the mapping, a `filters` entry named by its `name`; `keys`: the mapping's keys for min and max)."""

    stage: str
    name: str
    column: str
    min: float | None
    max: float | None
    rules: tuple[str | None, str | None]
    yaml: tuple[str, ...]
    keys: tuple[str | None, str | None]
    exempt: str | None = None
    """A boolean column: documents where it is true pass the `min` bound (LID's second detector agreed)."""

    @property
    def key(self) -> str:
        return f"{self.stage}.{self.name}"

    def with_bounds(self, lo: float | None, hi: float | None) -> Knob:
        return Knob(self.stage, self.name, self.column, lo, hi, self.rules, self.yaml, self.keys, self.exempt)


@dataclass(frozen=True)
class Panel:
    """Counts a stage wants charted in the report and listed in the data card (e.g. PII found per type)."""

    id: str
    title: str
    items: list[tuple[str, int]]


class Stage:
    name: ClassVar[str]
    help: ClassVar[str]
    Params: ClassVar[type[BaseModel] | None] = None
    """The model of the stage's section of the run config (`<name>:`), if it has parameters there."""
    optional: ClassVar[bool] = True
    """False for ingest, which always runs first and is not listed in `stages:`."""
    corpus_wide: ClassVar[bool] = False
    """True for a stage that compares documents across the corpus (dedup): it runs after the others."""
    fixed_rules_first: ClassVar[bool] = True
    """Re-applying thresholds to stored values (the tuner): rules no threshold decides (wrong language,
    empty text) are checked before the thresholds, as the stage does; False: after them (quality, whose
    datatrove filters decide by reason)."""
    samples_title: ClassVar[str] = "excerpts"
    columns: dict[str, pa.DataType] = {}

    def __init__(self, ctx: StageContext):
        self.ctx = ctx

    def __call__(self, docs: list[Document]) -> Output:
        raise NotImplementedError

    def wants_prepass(self, source_uid: str) -> bool:
        """Whether `prepass` must see the whole input file of this source before its batches."""
        return False

    def prepass(self, source_uid: str, docs) -> None:
        """See every document of one input file before processing it (e.g. to count repeated lines)."""

    def scrub(self, rejections: list[Rejection]) -> Tally | None:
        """Redact documents another stage dropped, in place, before they are stored or shown (PII)."""
        return None

    @classmethod
    def resources(cls, ctx: StageContext) -> dict[str, Path | bytes]:
        """The files (or folders, or bytes) this stage reads besides the language YAML, by their name in the
        run snapshot: they are copied into it on the driver and read back from there by `ctx.resource`."""
        return {}

    @classmethod
    def knobs(cls, language: LanguageConfig) -> list[Knob]:
        return []

    @classmethod
    def describe(cls, language: LanguageConfig | None, params: dict | None, entries: dict) -> str:
        """The stage's parameters in words (data card, report). Default: its run-config section."""
        return ", ".join(f"{k} {say(v)}" for k, v in (params or {}).items())

    @classmethod
    def panels(cls, report: dict) -> list[Panel]:
        return []


def top_items(counts: dict[str, int], limit: int | None = None) -> list[tuple[str, int]]:
    """Counts as (label, n) pairs, largest first."""
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return items[:limit] if limit else items

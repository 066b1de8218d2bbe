"""Stage statistics: what came in, what went out, what each rule dropped, per source, with examples.

Workers fill one `StageStats` per stage per unit of work; the driver merges them (`merge_units`) and
writes `reports/<stage>.json` (`write_stage_reports`). `check_conservation` enforces the project's
invariant: for every stage and every source, docs_in == docs_out + sum of dropped docs, and each stage's
output is the next one's input.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.base import utf8_len
from pipeline.record import Document, Rejection
from pipeline.shards import write_json_atomic

EXAMPLE_CHARS = 400


def _bytes(doc: Document) -> int:
    return utf8_len(doc.text)


def _counter() -> dict:
    return {"docs_in": 0, "bytes_in": 0, "docs_out": 0, "bytes_out": 0, "dropped": {}}


@dataclass
class StageStats:
    stage: str
    totals: dict = field(default_factory=_counter)
    per_source: dict = field(default_factory=lambda: defaultdict(_counter))
    examples: dict = field(default_factory=lambda: defaultdict(list))
    seconds: float = 0.0
    max_examples: int = 5
    counters: dict = field(default_factory=dict)
    """Edits a stage made without dropping documents (e.g. lines removed), added up over workers."""
    source_counters: dict = field(default_factory=lambda: defaultdict(dict))
    """The same counters per source."""
    samples: dict = field(default_factory=lambda: defaultdict(list))
    """Excerpts of documents a stage edited, per label (e.g. redacted documents per PII type), for review."""
    extra: dict = field(default_factory=dict)
    """Stage-specific facts for the report (e.g. dedup's parameters and rounds)."""

    def add_many(self, source: str, docs: int, nbytes: int, rule: str | None) -> None:
        """Count `docs` documents of `source` (`nbytes` together) that a global stage kept or dropped by `rule`."""
        for c in (self.totals, self.per_source[source]):
            c["docs_in"] += docs
            c["bytes_in"] += nbytes
            if rule is None:
                c["docs_out"] += docs
                c["bytes_out"] += nbytes
            else:
                d = c["dropped"].setdefault(rule, {"docs": 0, "bytes": 0})
                d["docs"] += docs
                d["bytes"] += nbytes

    def example(self, rule: str, example: dict) -> None:
        if len(self.examples[rule]) < self.max_examples:
            self.examples[rule].append(example)

    def count(self, counters: dict, source: str | None = None) -> None:
        target = self.counters if source is None else self.source_counters[source]
        for k, v in counters.items():
            target[k] = target.get(k, 0) + v

    def add_tally(self, tally, seconds: float = 0.0) -> None:
        """Add what a stage tallied for one batch (pipeline/stages/base.py: Tally) and the time it took."""
        self.seconds += seconds
        if tally is None:
            return
        self.count(tally.counters)
        for source, c in tally.source_counters.items():
            self.count(c, source)
        self.add_samples(tally.samples)

    def add_samples(self, samples: dict) -> None:
        for label, items in samples.items():
            room = self.max_examples - len(self.samples[label])
            self.samples[label].extend(items[:max(room, 0)])

    def record(self, docs_in: list[Document], kept: list[Document], rejected: list[Rejection],
               seconds: float, bytes_in: list[int] | None = None, bytes_dropped: list[int] | None = None) -> None:
        """Count one batch. `bytes_in` are the input sizes when the stage edits text in place, `bytes_dropped`
        the rejected documents' sizes when their text was redacted after the stage dropped them."""
        self.seconds += seconds
        sizes = bytes_in if bytes_in is not None else [_bytes(d) for d in docs_in]
        for doc, size in zip(docs_in, sizes):
            for c in (self.totals, self.per_source[doc.source]):
                c["docs_in"] += 1
                c["bytes_in"] += size
        for doc in kept:
            size = _bytes(doc)
            for c in (self.totals, self.per_source[doc.source]):
                c["docs_out"] += 1
                c["bytes_out"] += size
        for i, rej in enumerate(rejected):
            size = bytes_dropped[i] if bytes_dropped is not None else _bytes(rej.doc)
            for c in (self.totals, self.per_source[rej.doc.source]):
                d = c["dropped"].setdefault(rej.rule, {"docs": 0, "bytes": 0})
                d["docs"] += 1
                d["bytes"] += size
            if not rej.stored:  # removed on request: counted, never shown
                continue
            ex = self.examples[rej.rule]
            if len(ex) < self.max_examples:
                ex.append({"id": rej.doc.id, "source": rej.doc.source, "value": rej.value,
                           "threshold": rej.threshold, "detail": rej.detail, "text": rej.doc.text[:EXAMPLE_CHARS]})

    def merge(self, other: StageStats) -> None:
        self.seconds += other.seconds
        self.count(other.counters)
        for source, c in other.source_counters.items():
            self.count(c, source)
        self.add_samples(other.samples)
        for mine, theirs in [(self.totals, other.totals)] + [
            (self.per_source[s], c) for s, c in other.per_source.items()
        ]:
            for k in ("docs_in", "bytes_in", "docs_out", "bytes_out"):
                mine[k] += theirs[k]
            for rule, d in theirs["dropped"].items():
                m = mine["dropped"].setdefault(rule, {"docs": 0, "bytes": 0})
                m["docs"] += d["docs"]
                m["bytes"] += d["bytes"]
        for rule, ex in other.examples.items():
            room = self.max_examples - len(self.examples[rule])
            self.examples[rule].extend(ex[:max(room, 0)])

    def to_dict(self) -> dict:
        return {"stage": self.stage, **self.totals, "seconds": round(self.seconds, 3), "counters": dict(sorted(self.counters.items())),
                "source_counters": {s: dict(sorted(c.items())) for s, c in sorted(self.source_counters.items())},
                "samples": {k: v for k, v in sorted(self.samples.items())},
                "per_source": {s: c for s, c in sorted(self.per_source.items())},
                "examples": {r: e for r, e in sorted(self.examples.items())}}

    @classmethod
    def from_dict(cls, d: dict, max_examples: int = 5) -> StageStats:
        st = cls(d["stage"], max_examples=max_examples)
        st.totals = {k: d[k] for k in ("docs_in", "bytes_in", "docs_out", "bytes_out", "dropped")}
        st.per_source.update(d["per_source"])
        st.examples.update(d["examples"])
        st.seconds = d["seconds"]
        st.counters = dict(d.get("counters", {}))
        st.source_counters.update(d.get("source_counters", {}))
        st.samples.update(d.get("samples", {}))
        return st


def dropped_docs(counter: dict) -> int:
    return sum(d["docs"] for d in counter["dropped"].values())


class ConservationError(AssertionError):
    """Counts do not add up: a document was lost or duplicated somewhere. Always a bug."""


def check_conservation(stats: list[StageStats]) -> None:
    prev = None
    for st in stats:
        for scope, c in [("all sources", st.totals), *((f"source {s}", c) for s, c in st.per_source.items())]:
            if c["docs_in"] != c["docs_out"] + dropped_docs(c):
                raise ConservationError(f"stage {st.stage}, {scope}: docs_in {c['docs_in']} != docs_out "
                                        f"{c['docs_out']} + dropped {dropped_docs(c)}")
        if prev is not None and prev.totals["docs_out"] != st.totals["docs_in"]:
            raise ConservationError(f"stage {prev.stage} put out {prev.totals['docs_out']} documents but "
                                    f"stage {st.stage} took in {st.totals['docs_in']}")
        prev = st


def merge_units(unit_stats: list[dict], max_examples: int) -> list[StageStats]:
    """One StageStats per stage, over every unit's `stats.json` (stages in the same order in each)."""
    merged: list[StageStats] = []
    for us in unit_stats:
        for i, sd in enumerate(us["stages"]):
            st = StageStats.from_dict(sd, max_examples)
            if i == len(merged):
                merged.append(StageStats(st.stage, max_examples=max_examples))
            merged[i].merge(st)
    return merged


def write_stage_reports(stats: list[StageStats], folder: Path, common: dict) -> None:
    """`<folder>/<stage>.json` for every stage (older reports removed), with `common` facts in each."""
    for old in folder.glob("*.json") if folder.exists() else []:
        old.unlink()
    for st in stats:
        write_json_atomic({**st.to_dict(), **common, **st.extra}, folder / f"{st.stage}.json")

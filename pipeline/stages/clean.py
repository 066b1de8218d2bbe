"""Clean: the per-source cleaning steps of each document's catalogue entry (pipeline/cleaning.py)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import xxhash

from pipeline.base import say, utf8_len
from pipeline.cleaning import DropSmallDocs, NewlinesToSpaces, RemoveFrequentLines, RemoveLinesWith
from pipeline.record import Document, Rejection
from pipeline.stages.base import Output, Stage, Tally


def _line_key(line: str) -> int:
    return xxhash.xxh3_64_intdigest(line.strip().encode("utf-8", "surrogatepass"))


class Clean(Stage):
    name = "clean"
    help = "per-source ROOTS cleaning steps from the catalogue entry (code-marker lines, template lines, small docs)"

    def __init__(self, ctx):
        super().__init__(ctx)
        self.steps = {uid: list(entry.cleaning) for uid, entry in ctx.sources.items()}
        self._frequent: dict[tuple[str, RemoveFrequentLines], set[int]] = {}

    def wants_prepass(self, source_uid: str) -> bool:
        return any(isinstance(s, RemoveFrequentLines) for s in self.steps.get(source_uid, []))

    def prepass(self, source_uid: str, docs: Iterable[Document]) -> None:
        """Count the lines of one input file for its remove_frequent_lines steps (8-byte hashes, not text)."""
        steps = [s for s in self.steps.get(source_uid, []) if isinstance(s, RemoveFrequentLines)]
        counts: Counter = Counter()
        min_chars = min(s.min_chars for s in steps)
        for doc in docs:
            counts.update(_line_key(ln) for ln in doc.text.split("\n") if len(ln.strip()) >= min_chars)
        for s in steps:
            self._frequent[(source_uid, s)] = {k for k, c in counts.items() if c >= s.min_count}

    def _apply(self, doc: Document, steps: list, tally: Tally) -> Rejection | None:
        for step in steps:
            if isinstance(step, DropSmallDocs):
                size = utf8_len(doc.text)
                if size < step.min_bytes:
                    return Rejection(doc, self.name, "min_bytes", float(size), float(step.min_bytes))
                continue
            if isinstance(step, NewlinesToSpaces):
                doc.text = doc.text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
                continue
            lines = doc.text.split("\n")
            if isinstance(step, RemoveLinesWith):
                kept = [ln for ln in lines if not any(s in ln for s in step.substrings)]
            else:
                frequent = self._frequent.get((doc.source, step), set())
                kept = [ln for ln in lines if len(ln.strip()) < step.min_chars or _line_key(ln) not in frequent]
            if len(kept) != len(lines):
                tally.counters[f"{step.step}:lines_removed"] += len(lines) - len(kept)
                tally.counters[f"{step.step}:docs_modified"] += 1
                doc.text = "\n".join(kept)
            if not doc.text.strip():
                return Rejection(doc, self.name, "empty_after_edits", 0.0, None, f"emptied by {step.step}")
        return None

    def __call__(self, docs: list[Document]) -> Output:
        kept, rejected, tally = [], [], Tally()
        for doc in docs:
            steps = self.steps.get(doc.source)
            verdict = self._apply(doc, steps, tally) if steps else None
            (rejected.append(verdict) if verdict else kept.append(doc))
        return Output(kept, rejected, tally)

    @classmethod
    def describe(cls, language, params, entries) -> str:
        steps = {uid: [s.model_dump(exclude_none=True) for s in e.cleaning] for uid, e in entries.items()}
        return "; ".join(f"{uid}: " + ", then ".join(say(s) for s in st) for uid, st in steps.items() if st) \
            or "no per-source steps"

"""PII: redact personal data in every document with the language's recognisers (pipeline/pii.py).

Kept documents get the redacted text and two columns: `pii` (JSON counts per type, e.g. {"EMAIL": 2})
and `pii_count`. With the `drop` action a document holding that type is rejected as `pii:<TYPE>`
(its rejected copy is redacted too). `scrub(rejections)` redacts documents that earlier stages dropped,
so rejected sets and report examples never hold raw PII either. The stage keeps for the report: counts
per type (`counters`), per source (`source_counters`) and a few redacted excerpts per type (`samples`);
never an original value.
"""
from __future__ import annotations

import json
from collections import defaultdict

import pyarrow as pa

from pipeline.record import Document, Rejection
from pipeline.pii import Redactor, run_salt

SAMPLE_CHARS = 300


class Pii:
    name = "pii"
    columns = {"pii": pa.string(), "pii_count": pa.int32()}

    def __init__(self, ctx):
        cfg = ctx.language.pii
        self.redactor = None
        if cfg is not None:
            uses_hash = cfg.action == "hash" or any(rc.action == "hash" for _, rc in cfg.recognisers)
            salt = run_salt(ctx.config.output) if uses_hash else b""
            self.redactor = Redactor(cfg, ctx.lang, salt)
        self.max_samples = ctx.config.report_examples
        self.counters: dict[str, int] = {}
        self.source_counters: dict[str, dict[str, int]] = defaultdict(dict)
        self.samples: dict[str, list] = defaultdict(list)

    def _apply(self, docs: list[Document], prefix: str = "") -> list[list[str]]:
        """Redact `docs` in place, record counts; returns each document's drop tags."""
        if self.redactor is None:
            return [[] for _ in docs]
        drops = []
        for doc, (text, counts, drop) in zip(docs, self.redactor.redact([d.text for d in docs])):
            doc.scores.update(pii=json.dumps(counts, sort_keys=True), pii_count=sum(counts.values()))
            drops.append(drop)
            if not counts:
                continue
            doc.text = text
            self._count(prefix + "documents_redacted", 1, doc.source)
            for tag, n in counts.items():
                self._count(prefix + tag, n, doc.source)
                if not prefix and len(self.samples[tag]) < self.max_samples:
                    self.samples[tag].append({"id": doc.id, "source": doc.source, "counts": counts,
                                              "text": _excerpt(text, f"PI:{tag}")})
        return drops

    def _count(self, key: str, n: int, source: str) -> None:
        self.counters[key] = self.counters.get(key, 0) + n
        sc = self.source_counters[source]
        sc[key] = sc.get(key, 0) + n

    def __call__(self, docs: list[Document]) -> tuple[list[Document], list[Rejection]]:
        kept, rejected = [], []
        for doc, drop in zip(docs, self._apply(docs)):
            if drop:
                n = json.loads(doc.scores["pii"])
                rejected.append(Rejection(doc, self.name, drop[0], float(sum(n[t] for t in drop)), None,
                                          f"action drop for {', '.join(drop)}"))
            else:
                kept.append(doc)
        return kept, rejected

    def scrub(self, rejections: list[Rejection]) -> None:
        """Redact documents another stage dropped (counted as `rejected:<TYPE>`), whatever their action."""
        self._apply([r.doc for r in rejections], prefix="rejected:")


def _excerpt(text: str, marker: str) -> str:
    """A window of the redacted text around the first `marker` (or its start, for mask/hash actions)."""
    i = text.find(marker)
    i = 0 if i < 0 else i
    start = max(0, i - SAMPLE_CHARS // 2)
    return ("…" if start else "") + text[start:start + SAMPLE_CHARS] + ("…" if start + SAMPLE_CHARS < len(text) else "")

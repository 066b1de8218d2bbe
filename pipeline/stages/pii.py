"""PII: redact personal data in every document with the language's recognisers (pipeline/pii/).

Kept documents get the redacted text and two columns: `pii` (a struct with the count of every type, e.g.
{"EMAIL": 2, "IP_ADDRESS": 0, ...}) and `pii_count`. With the `drop` action a document holding that type is rejected as `pii:<TYPE>`
(its rejected copy is redacted too). `scrub(rejections)` redacts documents that earlier stages dropped,
so rejected sets and report examples never hold raw PII either. The stage tallies for the report: counts
per type, per source, and a few redacted excerpts per type; never an original value.
"""
from __future__ import annotations

import pyarrow as pa

from pipeline.base import say
from pipeline.pii.entities import ENTITIES
from pipeline.pii.redactor import Redactor, run_salt
from pipeline.record import Document, Rejection
from pipeline.stages.base import Output, Panel, Stage, Tally, top_items

TAGS = tuple(e.tag for e in ENTITIES)
SAMPLE_CHARS = 300
REJECTED = "rejected:"


class Pii(Stage):
    name = "pii"
    help = ("presidio-analyzer pattern recognisers per language (e-mail, IP, phone, card, IBAN, crypto, KEY, USER); "
            "PI:<TYPE>")
    columns = {"pii": pa.struct([(tag, pa.int32()) for tag in TAGS]), "pii_count": pa.int32()}
    samples_title = "redacted excerpts"

    def __init__(self, ctx):
        super().__init__(ctx)
        cfg = ctx.language.pii
        self.redactor = None
        if cfg is not None:
            salt = b""
            if cfg.uses_hash():
                kept = ctx.resource("pii/salt")
                salt = kept.read_bytes() if kept else run_salt(ctx.config.output)
            self.redactor = Redactor(cfg, ctx.lang, salt)
        self.max_samples = ctx.config.report_examples

    def _apply(self, docs: list[Document], tally: Tally, prefix: str = "") -> list[list[str]]:
        """Redact `docs` in place, count into `tally`; returns each document's drop tags."""
        if self.redactor is None:
            return [[] for _ in docs]
        drops = []
        for doc, (text, counts, drop) in zip(docs, self.redactor.redact([d.text for d in docs])):
            doc.scores.update(pii={tag: counts.get(tag, 0) for tag in TAGS}, pii_count=sum(counts.values()))
            drops.append(drop)
            if not counts:
                continue
            doc.text = text
            tally.count(prefix + "documents_redacted", 1, doc.source)
            for tag, n in counts.items():
                tally.count(prefix + tag, n, doc.source)
                if not prefix and len(tally.samples[tag]) < self.max_samples:
                    tally.samples[tag].append({"id": doc.id, "source": doc.source, "counts": counts,
                                               "text": _excerpt(text, f"PI:{tag}")})
        return drops

    def __call__(self, docs: list[Document]) -> Output:
        kept, rejected, tally = [], [], Tally()
        for doc, drop in zip(docs, self._apply(docs, tally)):
            if drop:
                n = doc.scores["pii"]
                rejected.append(Rejection(doc, self.name, drop[0], float(sum(n[t] for t in drop)), None,
                                          f"action drop for {', '.join(drop)}"))
            else:
                kept.append(doc)
        return Output(kept, rejected, tally)

    def scrub(self, rejections: list[Rejection]) -> Tally:
        """Redact documents another stage dropped (counted as `rejected:<TYPE>`), whatever their action."""
        tally = Tally()
        self._apply([r.doc for r in rejections], tally, prefix=REJECTED)
        return tally

    @classmethod
    def resources(cls, ctx) -> dict:
        cfg = ctx.language.pii
        return {"pii/salt": run_salt(ctx.config.output)} if cfg is not None and cfg.uses_hash() else {}

    @classmethod
    def describe(cls, language, params, entries) -> str:
        pii = language.pii if language else None
        if pii is None:
            return "no PII redaction (`pii: null`)"
        return f"action `{pii.action}`, phone regions {say(list(pii.phone_regions))}"

    @classmethod
    def panels(cls, report: dict) -> list[Panel]:
        c = report.get("counters", {})
        kept = {k: v for k, v in c.items() if not k.startswith(REJECTED)}
        dropped = {k.removeprefix(REJECTED): v for k, v in c.items() if k.startswith(REJECTED)}
        return [Panel("pii-counts", "PII found in kept documents, by type", top_items(kept)),
                Panel("pii-rejected", "PII found in rejected documents, by type", top_items(dropped))]


def _excerpt(text: str, marker: str) -> str:
    """A window of the redacted text around the first `marker` (or its start, for mask/hash actions)."""
    i = text.find(marker)
    i = 0 if i < 0 else i
    start = max(0, i - SAMPLE_CHARS // 2)
    return ("…" if start else "") + text[start:start + SAMPLE_CHARS] + ("…" if start + SAMPLE_CHARS < len(text) else "")

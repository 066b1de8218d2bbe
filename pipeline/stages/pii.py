"""PII: redact personal data in every document with the language's recognisers (pipeline/pii/).

Kept documents get the redacted text and two columns: `pii` (a struct with the count of every type, e.g.
{"EMAIL": 2, "IP_ADDRESS": 0, ...}) and `pii_count`. With the `drop` action a document holding that type is rejected as `pii:<TYPE>`
(its rejected copy is redacted too). `scrub(rejections)` redacts documents that earlier stages dropped,
so rejected sets and report examples never hold raw PII either. The stage tallies for the report: counts
per type, per source, and a few redacted excerpts per type; never an original value.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

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
        """Redact `docs` in place (the text, `url_or_path` and every value in `meta`), count into `tally`;
        returns each document's drop tags."""
        if self.redactor is None:
            return [[] for _ in docs]
        fields = [list(stored_fields(d)) for d in docs]
        # a meta value is read after its key (`fax: 33198765432`), which is the context a bare number needs
        heads = [[f"{path[-1]}: " if path[0] == "meta" and isinstance(path[-1], str) else "" for path, _ in f] for f in fields]
        flat = self.redactor.redact([h + value for f, hs in zip(fields, heads) for (_, value), h in zip(f, hs)])
        flat = [(new.removeprefix(h) if new.startswith(h) else new, c, d)
                for (new, c, d), h in zip(flat, [h for hs in heads for h in hs])]
        drops, at = [], 0
        for doc, f in zip(docs, fields):
            results, at = flat[at:at + len(f)], at + len(f)
            counts = dict(sum((Counter(c) for _, c, _ in results), Counter()))
            drop = sorted({t for _, _, d in results for t in d})
            doc.scores.update(pii={tag: counts.get(tag, 0) for tag in TAGS}, pii_count=sum(counts.values()))
            drops.append(drop)
            if not counts:
                continue
            for (path, _), (new, c, _) in zip(f, results):
                if c:
                    put_field(doc, path, new)
            text = doc.text
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


def stored_fields(doc: Document) -> Iterator[tuple[tuple, str]]:
    """(path, value) of every stored string of a document: its text, url_or_path, and each value in `meta`
    (nested lists and mappings walked; numbers as their text, since a phone number can be one)."""
    yield ("text",), doc.text
    if doc.url_or_path:
        yield ("url_or_path",), doc.url_or_path

    def walk(value: object, path: tuple) -> Iterator[tuple[tuple, str]]:
        if isinstance(value, str):
            yield path, value
        elif isinstance(value, int | float) and not isinstance(value, bool):
            yield path, str(value)
        elif isinstance(value, dict):
            for k, v in value.items():
                yield from walk(v, (*path, k))
        elif isinstance(value, list):  # meta comes from JSON or Arrow: lists, never tuples
            for i, v in enumerate(value):
                yield from walk(v, (*path, i))

    yield from walk(doc.meta, ("meta",))


def put_field(doc: Document, path: tuple, value: str) -> None:
    """Set the stored string at `path` (from `stored_fields`) to its redacted form."""
    if path[0] != "meta":
        setattr(doc, path[0], value)
        return
    box = doc.meta
    for key in path[1:-1]:
        box = box[key]
    box[path[-1]] = value


def _excerpt(text: str, marker: str) -> str:
    """A window of the redacted text around the first `marker` (or its start, for mask/hash actions)."""
    i = text.find(marker)
    i = 0 if i < 0 else i
    start = max(0, i - SAMPLE_CHARS // 2)
    return ("…" if start else "") + text[start:start + SAMPLE_CHARS] + ("…" if start + SAMPLE_CHARS < len(text) else "")

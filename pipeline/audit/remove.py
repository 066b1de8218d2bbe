"""Opt-out removals: `python -m pipeline remove --lang xx --id ID | --source UID | --text-pattern RE | --url-pattern RE`.

A request is appended to `removals/<lang>.jsonl` (the run config's `removals` folder), with document ids
stored only as sha256 hashes, so the record does not itself repeat what it removes. Every run applies all
recorded requests when it writes its shards (kept and rejected sets alike), so a rebuild from scratch
removes the same documents: that is what makes a removal reproducible. The command also applies the new
request to what is already built, without a re-run:

- `data/` and `rejected/` shards are rewritten without the documents (atomic swap), the manifest counts
  them as `documents_removed` (documents_in = kept + rejected + removed still holds);
- report examples and PII samples naming them are dropped, `reports/removals.json` counts the removals per
  source, and `report.html` and the card (`README.md`) are rebuilt;
- token bins (`--bins`, default `<train output>/bins` when it exists) lose their tokens through
  trainer/removal.py, which the CLI calls with the ids removed here;
- the run's `_work/` folder (intermediate parts, which hold the text) is deleted; the next run recomputes.
"""
from __future__ import annotations

import json
import shutil
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.catalogue import load_catalogue
from pipeline.errors import UserError
from pipeline.language import load_language
from pipeline.layout import OutputLayout, disk_errors
from pipeline.manifest import Manifest, RemovalNote, Shard
from pipeline.removals import RemovalRequest, check_pattern, id_hash, match, removals_file
from pipeline.shards import compact, write_json_atomic


class RemovalCounter:
    """Counts what the requests removed while shards stream through `filter`."""

    def __init__(self, requests: list[RemovalRequest]):
        self.requests = requests
        self.ids: set[str] = set()
        self.per_source: dict[str, dict[str, int]] = defaultdict(lambda: {"kept": 0, "rejected": 0})

    def filter(self, batches, kind: str):
        for b in batches:
            hit = match(b, self.requests)
            if hit.any():
                idx = np.nonzero(hit)[0]
                for doc_id, src in zip(b.column("id").take(pa.array(idx)).to_pylist(),
                                       b.column("source").take(pa.array(idx)).to_pylist()):
                    self.ids.add(doc_id)
                    self.per_source[src][kind] += 1
                b = b.filter(pa.array(~hit))
            if kind == "rejected" and self.ids and "dup_of" in b.schema.names:
                b = self._unlink(b)
            yield b

    def _unlink(self, b):
        """Duplicates of a removed document stay rejected, but no longer name it (dup_of, detail)."""
        refs = np.fromiter((x in self.ids for x in b.column("dup_of").to_pylist()), dtype=bool, count=b.num_rows)
        if not refs.any():
            return b
        names = b.schema.names
        dup_of = pc.if_else(pa.array(refs), pa.nulls(b.num_rows, pa.string()), b.column("dup_of"))
        detail = pc.if_else(pa.array(refs), pa.array(["duplicate of a removed document"] * b.num_rows),
                            b.column("detail"))
        cols = [dup_of if n == "dup_of" else detail if n == "detail" else b.column(n) for n in names]
        return type(b).from_arrays(cols, schema=b.schema)

    @property
    def total(self) -> int:
        return sum(v["kept"] + v["rejected"] for v in self.per_source.values())

    def report(self) -> dict:
        return {"requests": [{"at": r.at, "reason": r.reason, "ids": len(r.id_sha256), "sources": r.sources,
                              "text_pattern": r.text_pattern, "url_pattern": r.url_pattern} for r in self.requests],
                "documents_removed": self.total, "per_source": dict(self.per_source)}


def scrub_reports(reports_dir: Path, removed: set[str]) -> None:
    """Drop report examples and PII samples that name a removed document."""
    for p in Path(reports_dir).glob("*.json"):
        rep = json.loads(p.read_text(encoding="utf-8"))
        changed = False
        for key in ("examples", "samples"):
            for rule, items in list(rep.get(key, {}).items()):
                keep = [x for x in items if x.get("id") not in removed]
                for x in keep:
                    if any(i in (x.get("detail") or "") for i in removed):
                        x["detail"] = "duplicate of a removed document"
                        changed = True
                if len(keep) != len(items):
                    rep[key][rule] = keep
                    changed = True
        if changed:
            write_json_atomic(rep, p)


def apply_to_build(out_dir: Path, requests: list[RemovalRequest], config) -> dict:
    """Remove what the requests match from a finished build, without re-running: a new version of the build
    (shards, manifest, reports, report.html, data card) replaces the old one in one step (pipeline/layout.py).
    Returns the counts and the removed `ids` (for the token bins: trainer/removal.py). The language file and
    the catalogue are read first, so a broken one fails before anything changes."""
    from pipeline.audit.report import write_outputs_docs

    layout = OutputLayout(Path(out_dir).parent, Path(out_dir).name)
    if layout.remote:
        raise UserError(f"{out_dir}: removal from a build on object storage is not supported yet: the request is "
                        "recorded and the next `make corpus` applies it")
    with layout.lock("a removal"), disk_errors(layout.home):
        current = layout.current()
        if current is None or not (current / "manifest.json").is_file():
            raise UserError(f"{Path(out_dir) / 'manifest.json'} not found: nothing built for this language yet (the "
                            "request is recorded and the next `make corpus` applies it)")
        manifest = Manifest.load(current / "manifest.json")
        language = load_language(Path(config.languages), manifest.lang, manifest.profile)
        entries = {e.uid: e for _, e in load_catalogue(Path(config.catalogue))}
        new = layout.new_version()
        for item in current.iterdir():  # everything but the shards, which are rewritten
            if item.name not in ("data", "rejected"):
                (shutil.copytree if item.is_dir() else shutil.copy2)(item, new / item.name)
        counter = RemovalCounter(requests)
        shards = {}
        for kind, key in (("kept", "data"), ("rejected", "rejected")):
            files = sorted((current / key).glob("*.parquet"))
            batches = (b for f in files for b in pq.ParquetFile(f).iter_batches(batch_size=4096))
            shards[key] = compact(counter.filter(batches, kind), pq.read_schema(files[0]), new / key, config.shard_bytes)
        manifest = Manifest.checked(**{
            **manifest.model_dump(), "data": [Shard(**d) for d in shards["data"]],
            "rejected": [Shard(**d) for d in shards["rejected"]],
            "documents_kept": sum(d["rows"] for d in shards["data"]),
            "documents_rejected": sum(d["rows"] for d in shards["rejected"]),
            "documents_removed": manifest.documents_removed + counter.total,
            "removals": manifest.removals + [RemovalNote(at=r.at, documents=counter.total) for r in requests]})
        manifest.write(new / "manifest.json")
        write_removals_report(new / "reports" / "removals.json", counter, manifest.documents_removed)
        scrub_reports(new / "reports", counter.ids)
        write_outputs_docs(new, language, entries, config.model_dump(mode="json"))
        layout.publish(new)
        shutil.rmtree(layout.work, ignore_errors=True)  # intermediate parts hold the removed documents' text
    return {"documents_removed": counter.total, "kept": manifest.documents_kept,
            "rejected": manifest.documents_rejected, "ids": counter.ids}


def write_removals_report(path: Path, counter: RemovalCounter, total_removed: int) -> None:
    """`reports/removals.json`: every request so far and what they removed per source."""
    previous = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {"requests": [], "per_source": {}}
    rep = counter.report()
    for src, v in previous.get("per_source", {}).items():
        for k in ("kept", "rejected"):
            rep["per_source"].setdefault(src, {"kept": 0, "rejected": 0})[k] += v[k]
    rep["requests"] = previous.get("requests", []) + rep["requests"]
    rep["documents_removed"] = total_removed
    write_json_atomic(rep, path)


# Short documents and URLs unlike each other: a pattern that matches all of them matches about any document
# (`.*`, `(?s).+`, `.`, `\S`, `\w`...).
PROBES = ["a", "Z", "0", "é", "日本語", "مرحبا", "Привет", "x" * 5000, "PI:EMAIL", "https://example.org/a?b=c",
          "Le paquet est installé.\nDeuxième ligne.", "debian-handbook/fr/123", "data/sources/x.jsonl#1"]


def matches_anything(pattern: str) -> bool:
    """Whether an RE2 pattern matches every probe, i.e. would remove a whole corpus."""
    return bool(pc.match_substring_regex(pa.array(PROBES), pattern).to_numpy(zero_copy_only=False).all())


def record_request(folder: Path, lang: str, ids: list[str], sources: list[str], text_pattern: str | None,
                   url_pattern: str | None, reason: str) -> RemovalRequest:
    if not (ids or sources or text_pattern or url_pattern):
        raise UserError("say what to remove: --id, --source, --text-pattern or --url-pattern")
    for p in (text_pattern, url_pattern):
        if p is not None:
            check_pattern(p, "remove")
            if matches_anything(p):
                raise UserError(f"pattern {p!r} matches every document; name what to remove")
    req = RemovalRequest(at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), reason=reason,
                         id_sha256=sorted({id_hash(i) for i in ids}), sources=sources,
                         text_pattern=text_pattern, url_pattern=url_pattern)
    path = removals_file(folder, lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(req.model_dump_json() + "\n")
    return req

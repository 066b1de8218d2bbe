"""Opt-out removals: `python -m pipeline remove --lang xx --id ID | --source UID | --text-pattern RE | --url-pattern RE`.

A request is appended to `removals/<lang>.jsonl` (the run config's `removals` folder), with document ids
stored only as sha256 hashes, so the record does not itself repeat what it removes. Every run applies all
recorded requests when it writes its shards (kept and rejected sets alike), so a rebuild from scratch
removes the same documents: that is what makes a removal reproducible. The command also applies the new
request to what is already built, without a re-run:

- `data/` and `rejected/` shards are rewritten without the documents (atomic swap), the manifest counts
  them as `documents_removed` (documents_in = kept + rejected + removed still holds);
- report examples and PII samples naming them are dropped, `reports/removals.json` counts the removals per
  source, and `report.html` and `DATACARD.md` are rebuilt;
- every token-bin folder given (`--bins`, default `<train output>/bins` when it exists) loses their tokens:
  the affected shards are rewritten with new checksums, the manifest's counts are updated, their rows leave
  `unsampled.parquet`, and the encoded intermediates of the language are deleted (a re-pack re-encodes);
- the run's `_work/` folder (intermediate parts, which hold the text) is deleted; the next run recomputes.
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, ValidationError

from pipeline.errors import UserError


class RemovalRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    at: str
    """When the request was recorded (UTC, ISO 8601)."""
    reason: str = ""
    id_sha256: list[str] = []
    """sha256 of each document id to remove (hex)."""
    sources: list[str] = []
    """Remove every document of these catalogue sources."""
    text_pattern: str | None = None
    """RE2 regular expression: remove documents whose text matches."""
    url_pattern: str | None = None
    """RE2 regular expression: remove documents whose url_or_path matches."""


def id_hash(doc_id: str) -> str:
    return hashlib.sha256(doc_id.encode("utf-8")).hexdigest()


def removals_file(folder: Path, lang: str) -> Path:
    return Path(folder) / f"{lang}.jsonl"


def load_removals(folder: Path | None, lang: str) -> list[RemovalRequest]:
    if folder is None:
        return []
    path = removals_file(folder, lang)
    if not path.is_file():
        return []
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(RemovalRequest.model_validate_json(line))
        except ValidationError as e:
            raise UserError(f"{path}:{n}: not a valid removal request: {e.errors()[0]['msg']}") from None
    for r in out:
        for p in (r.text_pattern, r.url_pattern):
            if p is not None:
                _check_pattern(p, str(path))
    return out


def _check_pattern(p: str, where: str) -> None:
    try:
        pc.match_substring_regex(pa.array([""]), p)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
        raise UserError(f"{where}: pattern {p!r} is not a valid RE2 expression: {e}") from None


def match(batch: pa.Table | pa.RecordBatch, requests: list[RemovalRequest]) -> np.ndarray:
    """Which rows of `batch` (id, source, text, url_or_path) any request removes."""
    n = batch.num_rows
    hit = np.zeros(n, dtype=bool)
    if not requests or not n:
        return hit
    hashes = {h for r in requests for h in r.id_sha256}
    if hashes:
        hit |= np.fromiter((id_hash(i) in hashes for i in batch.column("id").to_pylist()), dtype=bool, count=n)
    sources = [s for r in requests for s in r.sources]
    if sources:
        hit |= pc.is_in(batch.column("source"), pa.array(sources)).to_numpy(zero_copy_only=False)
    for r in requests:
        for col, pat in (("text", r.text_pattern), ("url_or_path", r.url_pattern)):
            if pat is not None:
                m = pc.match_substring_regex(batch.column(col), pat)
                hit |= pc.fill_null(m, False).to_numpy(zero_copy_only=False)
    return hit


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
    from pipeline.shards import write_json_atomic

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


def scrub_bins(bins: Path, removed: set[str]) -> dict:
    """Rewrite the bin shards that hold removed documents; update the bins' manifest and unsampled list."""
    from pipeline.shards import sha256_file, write_atomic, write_json_atomic
    from trainer.bins import ShardReader, ShardWriter

    manifest_path = bins / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    dropped_docs, dropped_tokens = 0, 0
    # what leaves, per (language, source): documents and tokens per split, natural tokens once per document
    gone: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for split, shards in manifest["shards"].items():
        for sh in shards:
            stem = bins / sh["stem"]
            r = ShardReader(stem)
            docs = r.docs
            hit = np.fromiter((i in removed for i in docs["id"].to_pylist()), dtype=bool, count=r.n_docs)
            if not hit.any():
                continue
            tmp = stem.with_name(f".{stem.name}.removing")
            w = ShardWriter(tmp, r.dtype, r.vocab_size)
            for i, row in enumerate(docs.to_pylist()):
                if hit[i]:
                    g = gone[(row["lang"], row["source"])]
                    g[f"tokens_{split}"] += row["n_tokens"]
                    if row["copy"] == 0:
                        g[f"docs_{split}"] += 1
                        g["tokens_natural"] += row["n_tokens"]
                    continue
                w.add(r.doc(i), row["id"], row["lang"], row["source"], copy=row["copy"])
            info = w.close()
            for ext in (".bin", ".docs.parquet", ".idx"):  # the .idx last, as the writer does
                (tmp.with_suffix(ext)).replace(stem.with_suffix(ext))
            dropped_docs += int(hit.sum())
            dropped_tokens += sh["tokens"] - info["tokens"]
            sh.update(docs=info["docs"], tokens=info["tokens"], checksum_xxh3_128=info["checksum_xxh3_128"],
                      bin_bytes=info["bin_bytes"], sha256={e: sha256_file(stem.with_suffix(e)) for e in (".bin", ".idx")})
    unsampled = bins / "unsampled.parquet"
    if unsampled.is_file():
        t = pq.read_table(unsampled)
        hit = np.fromiter((i in removed for i in t["id"].to_pylist()), dtype=bool, count=t.num_rows)
        if hit.any():
            for row in t.filter(pa.array(hit)).to_pylist():
                g = gone[(row["lang"], row["source"])]
                g["docs_unsampled"] += 1
                g["tokens_natural"] += row["n_tokens"]
            write_atomic(t.filter(pa.array(~hit)), unsampled)
    for (lang, src), g in gone.items():
        n_docs = g["docs_train"] + g["docs_val"] + g["docs_unsampled"]
        s = manifest["languages"].get(lang)
        if s is not None:
            for k, v in g.items():
                s[k] -= v
            s["docs_in"] -= n_docs
            s["docs_removed"] = s.get("docs_removed", 0) + n_docs
        b = manifest["sources"].get(f"{lang}/{src}")
        if b is not None:
            for k in ("tokens_natural", "tokens_train", "tokens_val"):
                b[k] -= g[k]
            b["docs_in"] -= n_docs
    manifest["tokens_train"] = sum(sh["tokens"] for sh in manifest["shards"]["train"])
    manifest["tokens_val"] = sum(sh["tokens"] for sh in manifest["shards"]["val"])
    for s in manifest["languages"].values():
        s["share_realised"] = round(s["tokens_train"] / max(manifest["tokens_train"], 1), 6)
    write_json_atomic(manifest, manifest_path)
    shutil.rmtree(bins / "_work", ignore_errors=True)  # encoded intermediates hold the removed tokens
    return {"bins": str(bins), "bin_documents_removed": dropped_docs, "tokens_removed": dropped_tokens}


def apply_to_build(out_dir: Path, requests: list[RemovalRequest], config, bins: list[Path]) -> dict:
    """Remove what the requests match from a finished build (shards, reports, bins), without re-running."""
    from pipeline.catalogue import load_catalogue
    from pipeline.language import load_language
    from pipeline.shards import compact, write_json_atomic

    out_dir = Path(out_dir)
    manifest_path = out_dir / "manifest.json"
    if not manifest_path.is_file():
        raise UserError(f"{manifest_path} not found: nothing built for this language yet (the request is recorded "
                        "and the next `make corpus` applies it)")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    counter = RemovalCounter(requests)
    result = {}
    for kind, key in (("kept", "data"), ("rejected", "rejected")):
        folder = out_dir / key
        files = sorted(folder.glob("*.parquet"))
        schema = pq.read_schema(files[0])
        batches = (b for f in files for b in pq.ParquetFile(f).iter_batches(batch_size=4096))
        manifest[key] = compact(counter.filter(batches, kind), schema, folder, config.shard_bytes)
        result[key] = sum(s["rows"] for s in manifest[key])
    removed_now = counter.total
    manifest["documents_kept"] = result["data"]
    manifest["documents_rejected"] = result["rejected"]
    manifest["documents_removed"] = manifest.get("documents_removed", 0) + removed_now
    manifest.setdefault("removals", []).extend({"at": r.at, "documents": removed_now} for r in requests)
    if manifest["documents_in"] != manifest["documents_kept"] + manifest["documents_rejected"] + manifest["documents_removed"]:
        raise UserError(f"{manifest_path}: counts no longer add up after the removal")
    write_json_atomic(manifest, manifest_path)
    rep_path = out_dir / "reports" / "removals.json"
    previous = json.loads(rep_path.read_text(encoding="utf-8")) if rep_path.is_file() else {"requests": [], "per_source": {}}
    rep = counter.report()
    for src, v in previous.get("per_source", {}).items():
        for k in ("kept", "rejected"):
            rep["per_source"].setdefault(src, {"kept": 0, "rejected": 0})[k] += v[k]
    rep["requests"] = previous.get("requests", []) + rep["requests"]
    rep["documents_removed"] = manifest["documents_removed"]
    write_json_atomic(rep, rep_path)
    scrub_reports(out_dir / "reports", counter.ids)
    shutil.rmtree(out_dir / "_work", ignore_errors=True)
    bin_results = [scrub_bins(b, counter.ids) for b in bins if (b / "manifest.json").is_file()]
    language = load_language(Path(config.languages), manifest["lang"])
    try:
        entries = {e.uid: e for _, e in load_catalogue(Path(config.catalogue))}
    except UserError:
        entries = {}
    from pipeline.audit.report import write_outputs_docs

    write_outputs_docs(out_dir, language, entries)
    return {"documents_removed": removed_now, "kept": result["data"], "rejected": result["rejected"], "bins": bin_results}


def record_request(folder: Path, lang: str, ids: list[str], sources: list[str], text_pattern: str | None,
                   url_pattern: str | None, reason: str) -> RemovalRequest:
    if not (ids or sources or text_pattern or url_pattern):
        raise UserError("say what to remove: --id, --source, --text-pattern or --url-pattern")
    for p in (text_pattern, url_pattern):
        if p is not None:
            _check_pattern(p, "remove")
            if re.fullmatch(r"\.?\*?", p):
                raise UserError(f"pattern {p!r} matches every document; name what to remove")
    req = RemovalRequest(at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), reason=reason,
                         id_sha256=sorted({id_hash(i) for i in ids}), sources=sources,
                         text_pattern=text_pattern, url_pattern=url_pattern)
    path = removals_file(folder, lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(req.model_dump_json() + "\n")
    return req

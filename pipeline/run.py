"""Plan a run for one language, execute its units (locally or on Ray), and finalise the outputs.

Layout under <output>/<lang>/:
  data/part-*.parquet       kept documents, with every measured value
  rejected/part-*.parquet   dropped documents with stage, rule, value, threshold
  reports/<stage>.json      per stage: docs/bytes in, out, dropped per rule, per source, examples
  reports/run.json          the run: config, sources, seconds, peak memory
  manifest.json             every shard with rows, bytes and sha256
  _work/<config hash>/      per-unit intermediate parts; a rerun resumes from here
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.catalogue import Source, sources_for
from pipeline.config import RunConfig, stable_hash
from pipeline.errors import UserError
from pipeline.audit.remove import load_removals
from pipeline.audit.report import write_outputs_docs
from pipeline.reports import REMOVED, ConservationError, StageStats, check_conservation
from pipeline.shards import compact, kept_schema, rejected_schema, write_atomic, write_json_atomic
from pipeline.stages import StageContext, build_stages, stage_columns
from pipeline.worker import Unit, UnitResult, UnitWorker, load_unit_stats


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[-80:]


def file_signature(path: Path) -> str:
    """Size and mtime of a file or of every file in a folder: a changed input gets a new unit key."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return stable_hash([(str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files], 12)


def language_fingerprint(ctx: StageContext) -> str | None:
    """Hash of the language YAML and every file it names (word lists, models), if a stage uses it."""
    if not {"langid", "quality", "pii"} & set(ctx.config.stages):
        return None
    files = [ctx.language_file]
    lang = ctx.language
    files += [Path(ctx.config.languages) / p for p in [lang.stopwords, *(getattr(f, "list", None) for f in lang.filters)] if p]
    return stable_hash([(str(f), hashlib.sha256(f.read_bytes()).hexdigest()) for f in files if f.is_file()])


class Run:
    def __init__(self, config: RunConfig, lang: str, sources: list[Source] | None = None):
        self.config, self.lang = config, lang
        self.sources = sources if sources is not None else sources_for(config.catalogue, lang)
        ctx = StageContext(config, lang, {s.uid: s.entry for s in self.sources})
        # Building the stages here validates the language YAML, word lists and models before any work.
        self.columns = stage_columns(build_stages(ctx))
        self.language_file = ctx.language_file
        self.language = ctx.language if self.config.document_stages or self.config.report_html else None
        self.out = Path(config.output) / lang
        self.removals = load_removals(config.removals, lang)
        self.config_hash = stable_hash({"lang": lang, "stages": config.stage_params(),
                                        "removals": [r.model_dump() for r in self.removals],
                                        "language": language_fingerprint(ctx),
                                        "sources": [s.entry.model_dump(mode="json") for s in self.sources]})
        self.work = self.out / "_work" / self.config_hash
        self.units = [
            Unit(key=f"{s.uid}--{_slug(f.name)}-{hashlib.sha1(str(f).encode()).hexdigest()[:8]}-{file_signature(f)}",
                 source=s, file=f, dir=self.work / "units")
            for s in self.sources for f in s.files
        ]
        self.units = [Unit(u.key, u.source, u.file, u.dir / u.key) for u in self.units]

    def pending(self) -> list[Unit]:
        return [u for u in self.units if not u.done]

    def execute(self, progress: bool = True) -> dict:
        t0 = time.time()
        todo = self.pending()
        resumed = len(self.units) - len(todo)
        if todo:
            if self.config.executor == "ray":
                from pipeline.executors.ray_executor import run_units_on_ray

                results = run_units_on_ray(self.config, self.lang, self.sources, todo, progress)
            else:
                results = run_units_locally(self.config, self.lang, self.sources, todo, progress)
            failed = [r for r in results if not r.ok]
            if failed:
                raise UserError("\n".join(f"{r.key}: {r.error}" for r in failed))
        summary = self.finalise()
        summary.update(seconds=round(time.time() - t0, 2), units=len(self.units), units_resumed=resumed)
        write_json_atomic(summary, self.out / "reports" / "run.json")
        if self.config.report_html:  # after run.json: the page shows the run's wall time
            write_outputs_docs(self.out, self.language, {s.uid: s.entry for s in self.sources},
                               self.config.model_dump(mode="json"))
        return summary

    def finalise(self) -> dict:
        unit_stats = [load_unit_stats(u) for u in self.units]
        n_examples = self.config.report_examples
        merged: list[StageStats] = []
        for us in unit_stats:
            for i, sd in enumerate(us["stages"]):
                st = StageStats.from_dict(sd, n_examples)
                if i == len(merged):
                    merged.append(StageStats(st.stage, max_examples=n_examples))
                merged[i].merge(st)
        peak = max((us["peak_rss_mb"] for us in unit_stats), default=0.0)
        kept_parts = sorted(p for u in self.units for p in u.dir.glob("kept-*.parquet"))
        rej_parts = sorted(p for u in self.units for p in u.dir.glob("rejected-*.parquet"))
        kschema, rschema = kept_schema(self.columns), rejected_schema(self.columns)
        kept_batches = (b for p in kept_parts for b in pq.ParquetFile(p).iter_batches(batch_size=4096))
        if "dedup" in self.config.stages:
            kschema = kschema.append(pa.field("dup_cluster_id", pa.string())).append(pa.field("dup_cluster_size", pa.int64()))
            rschema = rschema.append(pa.field("dup_of", pa.string()))
            dedup_stats = StageStats("dedup", max_examples=n_examples)
            kept_batches, dedup_rejected = self.dedup(kept_parts, kschema, rschema, dedup_stats)
            rej_parts = rej_parts + dedup_rejected
            merged.append(dedup_stats)
        rej_batches = (b for p in rej_parts for b in pq.ParquetFile(p).iter_batches(batch_size=4096))
        data = compact(kept_batches, kschema, self.out / "data", self.config.shard_bytes)
        rejected = compact(rej_batches, rschema, self.out / "rejected", self.config.shard_bytes)
        check_conservation(merged)
        reports = self.out / "reports"
        for old in reports.glob("*.json") if reports.exists() else []:
            old.unlink()
        for st in merged:
            write_json_atomic({**st.to_dict(), "lang": self.lang, "config_hash": self.config_hash,
                               "worker_peak_rss_mb": peak, **st.extra}, reports / f"{st.stage}.json")
        first, last = merged[0].totals, merged[-1].totals
        removed = first["dropped"].get(REMOVED, {}).get("docs", 0)  # opt-outs, dropped by the workers at ingest
        manifest = {
            "lang": self.lang, "config_hash": self.config_hash,
            "stages": ["ingest", *self.config.stages], "language_file": str(self.language_file),
            "sources": {s.uid: {"licence": s.entry.licence.text, "licence_class": s.entry.licence.class_,
                                "files": [str(f) for f in s.files]} for s in self.sources},
            "documents_in": first["docs_in"], "documents_kept": last["docs_out"],
            "documents_rejected": sum(r["rows"] for r in rejected), "documents_removed": removed,
            "removals": [{"at": r.at, "reason": r.reason} for r in self.removals],
            "data": data, "rejected": rejected,
        }
        if manifest["documents_kept"] != sum(d["rows"] for d in data) or manifest["documents_in"] != \
                manifest["documents_kept"] + manifest["documents_rejected"] + manifest["documents_removed"]:
            raise ConservationError(f"shards do not add up: {manifest['documents_in']} in, "
                                    f"{manifest['documents_kept']} kept, {manifest['documents_rejected']} rejected, "
                                    f"{manifest['documents_removed']} removed on request")
        write_json_atomic(manifest, self.out / "manifest.json")
        for other in (self.out / "_work").iterdir():  # intermediate results of other configs are stale
            if other.name != self.config_hash:
                shutil.rmtree(other, ignore_errors=True)
        return {"lang": self.lang, "config_hash": self.config_hash, "documents_in": first["docs_in"],
                "documents_kept": manifest["documents_kept"], "documents_rejected": manifest["documents_rejected"],
                "documents_removed": manifest["documents_removed"],
                "worker_peak_rss_mb": peak, "output": str(self.out)}

    def dedup(self, kept_parts: list[Path], kschema: pa.Schema, rschema: pa.Schema, stats: StageStats):
        """Run global dedup, then stream the kept parts through its decisions. Returns the kept batches
        (a generator, with dup_cluster_id/size) and the part files of the documents it rejected."""
        from pipeline.dedup import local_map, run_dedup

        if self.config.executor == "ray":
            from pipeline.executors.ray_executor import ray_map, ray_put

            map_fn, put = ray_map, ray_put
        else:
            map_fn, put = local_map, (lambda x: x)
        cfg = self.config.dedup
        split = self.language.words.split if self.config.document_stages else "whitespace"
        t0 = time.process_time()
        decisions = run_dedup(kept_parts, self.work / "dedup", cfg, split, map_fn, put)
        stats.seconds += time.process_time() - t0
        stats.extra = {"cc_rounds": int((decisions.schema.metadata or {}).get(b"cc_rounds", b"0")),
                       "params": cfg.model_dump(), "clusters_with_duplicates": int(
                           (decisions["cluster_size"].to_numpy() > 1).sum() - (~decisions["keep"].to_numpy()).sum())}
        ids = pa.concat_arrays([pq.read_table(p, columns=["id"])["id"].combine_chunks() for p in kept_parts]) \
            if kept_parts else pa.array([], pa.string())
        keep = decisions["keep"].to_numpy(zero_copy_only=False)
        cluster_ids = ids.take(pa.array(decisions["cluster"].to_numpy()))
        dup_of_idx = decisions["dup_of"].to_numpy()
        out_dir = self.work / "dedup" / "rejected"
        shutil.rmtree(out_dir, ignore_errors=True)
        rejected_files: list[Path] = []
        # Rejected rows are written before the kept ones stream, so the counts are complete up front.
        rules_all, values_all = decisions["rule"].to_pylist(), decisions["value"].to_numpy()
        offset = 0
        for i, part in enumerate(kept_parts):
            t = pq.read_table(part)
            sl = slice(offset, offset + t.num_rows)
            offset += t.num_rows
            texts, sources = t["text"].to_pylist(), t["source"].to_pylist()
            drop = np.nonzero(~keep[sl])[0]  # row numbers within this part
            dropped = {int(j): j + sl.start for j in drop}  # row -> global index
            rule = {j: rules_all[k] for j, k in dropped.items()}
            threshold = {j: cfg.jaccard_min if rule[j] == "near" else None for j in dropped}
            detail = {j: f"duplicate of {ids[int(dup_of_idx[k])].as_py()}" for j, k in dropped.items()}
            for j in range(t.num_rows):
                size = len(texts[j].encode("utf-8", "surrogatepass"))
                if j not in dropped:
                    stats.add(sources[j], size, None)
                else:
                    stats.add(sources[j], size, rule[j], {"id": t["id"][j].as_py(), "source": sources[j],
                              "value": float(values_all[dropped[j]]), "threshold": threshold[j],
                              "detail": detail[j], "text": texts[j][:400]})
            if len(drop):
                rows = [int(j) for j in drop]
                gidx = drop + sl.start
                r = t.take(pa.array(drop)) \
                     .append_column("stage", pa.array(["dedup"] * len(rows))) \
                     .append_column("rule", pa.array([rule[j] for j in rows], pa.string())) \
                     .append_column("value", pa.array(values_all[gidx])) \
                     .append_column("threshold", pa.array([threshold[j] for j in rows], pa.float64())) \
                     .append_column("detail", pa.array([detail[j] for j in rows])) \
                     .append_column("dup_of", ids.take(pa.array(dup_of_idx[gidx])))
                f = out_dir / f"rejected-{i:05d}.parquet"
                write_atomic(r.select(rschema.names).cast(rschema), f)
                rejected_files.append(f)

        def kept_batches():
            offset = 0
            for part in kept_parts:
                t = pq.read_table(part)
                sl = slice(offset, offset + t.num_rows)
                offset += t.num_rows
                t = t.append_column("dup_cluster_id", cluster_ids[sl]) \
                     .append_column("dup_cluster_size", decisions["cluster_size"][sl])
                yield from t.filter(pa.array(keep[sl])).cast(kschema).to_batches(max_chunksize=4096)

        return kept_batches(), rejected_files


class Progress:
    """A tqdm bar over units, with documents/s and MB/s in the postfix."""

    def __init__(self, total_units: int, enabled: bool):
        from tqdm import tqdm

        self.bar = tqdm(total=total_units, unit="file", disable=not enabled, dynamic_ncols=True)
        self.docs = 0
        self.bytes = 0
        self.t0 = time.time()

    def add(self, docs: int, nbytes: int) -> None:
        self.docs += docs
        self.bytes += nbytes
        dt = max(time.time() - self.t0, 1e-9)
        self.bar.set_postfix_str(f"{self.docs:,} docs, {self.docs / dt:,.0f} docs/s, {self.bytes / dt / 1e6:.1f} MB/s")

    def unit_done(self) -> None:
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def run_units_locally(config: RunConfig, lang: str, sources: list[Source], units: list[Unit],
                      progress: bool) -> list[UnitResult]:
    worker = UnitWorker(config, lang, sources)
    bar = Progress(len(units), progress)
    results = []
    try:
        for u in units:
            results.append(worker.process(u, bar.add))
            bar.unit_done()
    finally:
        bar.close()
    return results


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)

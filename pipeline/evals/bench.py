"""`make bench`: throughput and memory of every stage on the bundled data, written to <out>/*.json.

Each stage runs alone in this one process (so docs/s is per core, CPU time) over the same documents:
ingest reads the languages' sources from disk; every later stage takes the previous stage's output.
Memory is the process's peak RSS after the stage (tracemalloc is not used: it slows Python several
times over and would distort the speeds).

`langid+quality` and `perplexity` are also timed on ~2 KB documents (consecutive real sections of one source joined
until they reach 2 KB), beside the fastText library's predict alone on them with the stage's model
(`fasttext_predict_2kb`; the langid+quality row's `share_of_fasttext_rate`), the stage's own predict
(`ftnative_predict_2kb`: `_ftnative.c`, the same results) and datatrove's equivalent chain (LanguageFilter with the same lid.176
model, GopherRepetitionFilter, GopherQualityFilter with the language's stop words) on the same
documents, as a ratio. `dedup_*` rows: MinHash signatures per core vs datatrove's signature code and rensa's,
bucketing + clustering of 100k and 1M synthetic signatures, near-dedup precision/recall on real text
with controlled edits (pipeline/dedup_eval.py). `pii_2kb`: the PII redactor on the same ~2 KB documents
beside `pii_naive_presidio_2kb` (presidio with every recogniser on every whole document). `lm_train_50mb`
times sentencepiece + lmplz + build_binary on 50 MB of bundled text. A last measurement runs the
whole `corpus` command on the configured executor.
"""
from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import sys
import time
from pathlib import Path

from pipeline.audit.report import run_writers
from pipeline.base import default_workers
from pipeline.catalogue import sources_for
from pipeline.config import load_config
from pipeline.filters.langid import FastTextLID, load_fasttext
from pipeline.readers import source_documents
from pipeline.record import Document
from pipeline.run import Run
from pipeline.shards import write_json_atomic
from pipeline.stages import StageContext, build_stages


def _nbytes(docs: list[Document]) -> int:
    return sum(len(d.text.encode("utf-8", "surrogatepass")) for d in docs)


def measure(name: str, fn, docs_in: list[Document] | None, repeat: int = 1) -> tuple[dict, object]:
    """Time `fn()`; with repeat > 1 the fastest of `repeat` runs counts (short runs are noisy here)."""
    n, b = (len(docs_in), _nbytes(docs_in)) if docs_in is not None else (0, 0)
    wall = cpu = float("inf")
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        wall, cpu = min(wall, time.perf_counter() - t0), min(cpu, time.process_time() - c0)
    if docs_in is None:  # ingest: count what came out
        n, b = len(result), _nbytes(result)
    return {
        "stage": name, "docs": n, "bytes": b, "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
        "docs_per_s_per_core": round(n / cpu, 1) if cpu else None,
        "mb_per_s_per_core": round(b / cpu / 1e6, 2) if cpu else None,
        "mean_doc_bytes": round(b / n) if n else 0,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }, result


def join_to_size(docs: list[Document], low: int = 2048, high: int = 2560) -> list[Document]:
    """Real ~2 KB documents: consecutive documents of one source joined with blank lines until `low`
    bytes, then cut at a paragraph boundary to at most `high` bytes (a lone paragraph is kept whole)."""
    out, buf = [], []
    for d in docs:
        if buf and buf[0].source != d.source:
            buf = []
        buf.append(d)
        if _nbytes(buf) < low:
            continue
        paras, size = [], 0
        for p in "\n\n".join(x.text for x in buf).split("\n\n"):
            if paras and size + len(p.encode()) + 2 > high:
                break
            paras.append(p)
            size += len(p.encode()) + 2
        first = buf[0]
        out.append(Document(first.id, "\n\n".join(paras), first.lang, first.source, first.url_or_path, first.license))
        buf = []
    return out


def datatrove_chain(lang: str, ctx: StageContext):
    """datatrove's LanguageFilter + Gopher filters, with its lid.176 cache seeded from our .ftz."""
    from datatrove.io import cached_assets_path
    from datatrove.pipeline.filters import GopherQualityFilter, GopherRepetitionFilter, LanguageFilter
    from datatrove.utils.lid import FT176LID
    from fsspec.core import strip_protocol

    from pipeline.filters.langid import bundled_lid176
    from pipeline.filters.roots import read_wordlist

    folder = Path(cached_assets_path(library_name="datatrove", namespace="lid", subfolder=FT176LID.MODEL_SUBFOLDER))
    target = folder / strip_protocol(FT176LID.MODEL_URL).replace("/", "_")
    if not target.exists():
        shutil.copy(bundled_lid176(), target)
        Path(f"{target}.completed").touch()
    language = ctx.language
    stop = sorted(read_wordlist(Path(ctx.config.languages) / language.stopwords)) if language.stopwords else None
    return [LanguageFilter(languages=[lang], language_threshold=language.lid.min_score or 0.0),
            GopherRepetitionFilter(language=language.datatrove_language),
            GopherQualityFilter(language=language.datatrove_language, stop_words=stop)]


def run_datatrove(chain, docs: list[Document]) -> int:
    from datatrove.data import Document as DTDoc

    kept = 0
    for d in docs:
        doc = DTDoc(text=d.text, id=d.id)
        ok = True
        for f in chain:
            r = f.filter(doc)
            if not (r if isinstance(r, bool) else r[0]):
                ok = False
                break
        kept += ok
    return kept


def lm_training_time(cfg, megabytes: int) -> dict:
    """Time `train_model` (sentencepiece + lmplz + build_binary) on `megabytes` of normalised bundled text
    (every catalogued natural language, cycled if the bundled data is smaller)."""
    import tempfile

    from pipeline.catalogue import load_catalogue
    from pipeline.filters.ccnet import normalised_lines
    from pipeline.lm import train_model

    langs = sorted({lang for _, e in load_catalogue(cfg.catalogue) for lang in e.languages} - {"code"})
    lines: list[str] = []
    for lang in langs:
        for d in source_documents(sources_for(cfg.catalogue, lang), lang, cfg.ingest.max_doc_bytes):
            lines.extend(normalised_lines(d.text))
    target, size, corpus = megabytes * 10**6, 0, []
    while size < target and lines:
        for ln in lines:
            corpus.append(ln)
            size += len(ln.encode()) + 1
            if size >= target:
                break
    rss0 = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        meta = train_model(corpus, Path(tmp) / "lm", vocab_size=32000, order=5)
    return {"stage": f"lm_train_{megabytes}mb", "corpus_bytes": meta["corpus_bytes"], "corpus_lines": meta["corpus_lines"],
            "languages": len(langs), "vocab_size": meta["vocab_size"], "wall_s": round(time.perf_counter() - t0, 1),
            "sentencepiece_s": meta["sentencepiece_seconds"], "lmplz_build_binary_s": meta["kenlm_seconds"],
            "lm_binary_mb": round(meta["lm_binary_bytes"] / 2**20, 1),
            "children_peak_rss_mb": round(max(rss0, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024, 1)}


def rensa_signatures(texts: list[str], dcfg) -> list:
    from rensa import RMinHash

    out = []
    for t in texts:
        words = t.lower().split()
        m = RMinHash(num_perm=dcfg.num_bands * dcfg.rows_per_band, seed=dcfg.seed)
        m.update([" ".join(words[i:i + dcfg.ngram]) for i in range(max(1, len(words) - dcfg.ngram + 1))])
        out.append(m.digest())
    return out


def dedup_measures(cfg, docs: list[Document], lang: str, out: Path) -> list[dict]:
    """MinHash signatures per core (ours, batched numpy, vs datatrove's own per-document signature code
    on the same documents and parameters), bucketing + clustering of 100k and 1M synthetic signatures
    (child processes, so their peak RSS is their own), and near-dedup quality on real text."""
    import subprocess

    from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupSignature

    from pipeline.dedup.minhash import permutations, signatures
    from pipeline.evals.dedup_eval import evaluate

    dcfg = cfg.dedup
    texts = [d.text for d in docs]
    perms = permutations(dcfg)
    rows = []
    r, _ = measure("dedup_signatures_2kb", lambda: [signatures(texts[i:i + 1000], dcfg, "whitespace", perms)
                                                     for i in range(0, len(texts), 1000)], docs, repeat=3)
    dt = MinhashDedupSignature(output_folder=str(out / "dt-minhash"), language="eng",
                               config=MinhashConfig(n_grams=dcfg.ngram, num_buckets=dcfg.num_bands,
                                                    hashes_per_bucket=dcfg.rows_per_band, seed=dcfg.seed))
    r_dt, _ = measure("datatrove_signatures_2kb", lambda: [dt.get_signature(dt.get_shingles(t)) for t in texts], docs)
    r["speedup_vs_datatrove"] = round(r["docs_per_s_per_core"] / r_dt["docs_per_s_per_core"], 1)
    r_rs, _ = measure("rensa_signatures_2kb", lambda: rensa_signatures(texts, dcfg), docs, repeat=3)
    r_rs["note"] = "rensa's RMinHash (Rust) fed each document's lowercased word 5-grams as strings"
    r["speedup_vs_rensa"] = round(r["docs_per_s_per_core"] / r_rs["docs_per_s_per_core"], 2)
    rows += [r, r_dt, r_rs]
    for n in (100_000, 1_000_000):
        res = subprocess.run([sys.executable, "-m", "pipeline.evals.dedup_bench", "--n", str(n)], capture_output=True, text=True)
        if res.returncode != 0:
            raise SystemExit(f"dedup_bench failed: {res.stderr[-2000:]}")
        rows.append({"stage": f"dedup_cluster_{n // 1000}k", **json.loads(res.stdout.strip().splitlines()[-1]),
                     "note": "bucket shuffle + edge reduce + connected components, one process"})
    sample = [d for lg in ("fr", "en", "es") for d in _lang_docs(cfg, lg)
              if d.source in ("debian-handbook", "debian-reference") and len(d.text) > 600][:3000]
    shutil.rmtree(out / "dedup-eval", ignore_errors=True)
    rows.append({"stage": "dedup_quality", **evaluate(sample, out / "dedup-eval", dcfg, n_edited=500)})
    no_verify = evaluate(sample, out / "dedup-eval-noverify", dcfg.model_copy(update={"verify": False}), n_edited=500)
    rows[-1]["without_verify"] = {k: no_verify[k] for k in ("recall_at_0.8", "precision", "dropped")}
    shutil.rmtree(out / "dedup-eval-noverify", ignore_errors=True)
    return rows


def pii_measures(ctx: StageContext, docs: list[Document], lang: str, naive_docs: int = 300) -> list[dict]:
    """The PII stage on ~2 KB documents (RE2 pre-filter + windows) beside presidio run naively (every
    recogniser on every whole document) on a prefix of the same documents, and the share each redacts."""
    from pipeline.pii.config import PiiConfig
    from pipeline.pii.redactor import Redactor

    cfg = ctx.language.pii or PiiConfig()
    ours, naive = Redactor(cfg, lang), Redactor(cfg, lang, prefilter=False)
    texts = [d.text for d in docs]
    r_ours, out = measure("pii_2kb", lambda: ours.redact(texts), docs, repeat=3)
    r_ours["docs_with_pii"] = sum(bool(c) for _, c, _ in out)
    r_ours["docs_sent_to_presidio"] = sum(bool(t) for t in ours.candidates(texts))
    head = docs[:naive_docs]
    r_naive, out_naive = measure("pii_naive_presidio_2kb", lambda: naive.redact([d.text for d in head]), head)
    r_naive["same_redactions_as_ours"] = sum(a == b for a, b in zip(out_naive, out[:len(head)]))
    r_ours["speedup_vs_naive"] = (round(r_ours["docs_per_s_per_core"] / r_naive["docs_per_s_per_core"], 1)
                                  if r_naive["docs_per_s_per_core"] else None)
    r_ours["lang"] = r_naive["lang"] = lang
    return [r_ours, r_naive]


def _lang_docs(cfg, lang: str) -> list[Document]:
    return list(source_documents(sources_for(cfg.catalogue, lang), lang, cfg.ingest.max_doc_bytes))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.evals.bench", description=__doc__)
    ap.add_argument("--out", type=Path, default=Path("out/bench"))
    ap.add_argument("--lang", default="fr", help="language of the whole-run and 2 KB measurements")
    ap.add_argument("--langs", default="fr,en,zh,ar,hi,ru", help="languages whose documents the stages are timed on")
    ap.add_argument("--config", type=Path, default=Path("configs/default.yaml"))
    ap.add_argument("--datatrove-docs", type=int, default=150, help="documents datatrove's chain is timed on")
    ap.add_argument("--lm-mb", type=int, default=50, help="time LM training on this many MB of text (0 = skip)")
    args = ap.parse_args(argv)
    cfg = load_config(args.config)
    langs = [x for x in args.langs.split(",") if x]
    env = {"python": sys.version.split()[0], "machine": platform.machine(), "cores": default_workers(), "langs": langs}

    def ingest(lang_list: list[str]) -> list[Document]:
        return [d for lang in lang_list for d in _lang_docs(cfg, lang)]

    if "perplexity" in cfg.stages:  # every timed language needs its model: train the missing ones (seconds each)
        from pipeline.lm import main as lm_main

        for lang in langs:
            if lm_main(["ensure", "--lang", lang, "--config", str(args.config)]) != 0:
                raise SystemExit(f"could not train the perplexity model for {lang}")
    results = []
    row, docs = measure("ingest", lambda: ingest(langs), None)
    results.append(row)
    # Every later stage runs per language (stages are built per language), timings summed.
    per_stage: dict[str, dict] = {}
    for lang in langs:
        lang_docs = [d for d in docs if d.lang == lang]
        sources = {s.uid: s.entry for s in sources_for(cfg.catalogue, lang)}
        for stage in build_stages(StageContext(cfg, lang, sources)):
            r, (lang_docs, _rej, _tally) = measure(stage.name, lambda st=stage, d=lang_docs: st(d), lang_docs)
            acc = per_stage.setdefault(stage.name, {"stage": stage.name, "docs": 0, "bytes": 0, "cpu_s": 0.0, "wall_s": 0.0})
            for k in ("docs", "bytes", "cpu_s", "wall_s"):
                acc[k] += r[k]
    for acc in per_stage.values():
        acc.update(docs_per_s_per_core=round(acc["docs"] / acc["cpu_s"], 1) if acc["cpu_s"] else None,
                   mb_per_s_per_core=round(acc["bytes"] / acc["cpu_s"] / 1e6, 2) if acc["cpu_s"] else None,
                   mean_doc_bytes=round(acc["bytes"] / acc["docs"]) if acc["docs"] else 0,
                   cpu_s=round(acc["cpu_s"], 3), wall_s=round(acc["wall_s"], 3),
                   peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1))
        results.append(acc)

    # LID + quality on ~2 KB documents, ours vs datatrove's chain.
    lang = args.lang
    ctx = StageContext(cfg, lang, {s.uid: s.entry for s in sources_for(cfg.catalogue, lang)})
    two_kb = join_to_size([d for d in ingest([lang])])
    ours = [s for s in build_stages(ctx) if s.name in ("langid", "quality")]
    ppl_stage = next((s for s in build_stages(ctx) if s.name == "perplexity"), None)

    def run_ours(d=two_kb):
        kept = [Document(x.id, x.text, x.lang, x.source, x.url_or_path, x.license) for x in d]
        for st in ours:
            kept = st(kept).kept
        return kept

    r_ours, kept = measure("langid+quality_2kb", run_ours, two_kb, repeat=3)
    r_ours["kept"] = len(kept)
    lid = next(s for s in ours if s.name == "langid").model
    if isinstance(lid, FastTextLID):  # lid.176: the fastText library's predict alone, prepared as the stage prepares them
        library = load_fasttext(str(lid.path))
        prepared = [d.text.lower().replace("\n", " ") for d in two_kb]
        r_ft, _ = measure("fasttext_predict_2kb", lambda: library.predict(prepared, k=2), two_kb, repeat=3)
        r_nat, _ = measure("ftnative_predict_2kb", lambda: lid.ranked(two_kb), two_kb, repeat=3)  # what the stage calls
        for r in (r_ft, r_nat):
            r["lang"] = lang
        r_nat["predictor"] = type(lid.model).__name__
        r_nat["speedup_vs_fasttext"] = round(r_nat["docs_per_s_per_core"] / r_ft["docs_per_s_per_core"], 2)
        r_ours["share_of_fasttext_rate"] = round(r_ours["docs_per_s_per_core"] / r_ft["docs_per_s_per_core"], 2)
        results += [r_ft, r_nat]
    chain = datatrove_chain(lang, ctx)
    dt_docs = two_kb[: args.datatrove_docs]  # datatrove is slow (spaCy tokenises in every filter): a prefix
    r_dt, dt_kept = measure("datatrove_lid+gopher_2kb", lambda: run_datatrove(chain, dt_docs), dt_docs)
    r_dt["kept"] = dt_kept
    r_ours["speedup_vs_datatrove"] = (round(r_ours["docs_per_s_per_core"] / r_dt["docs_per_s_per_core"], 1)
                                      if r_dt["docs_per_s_per_core"] else None)
    r_ours["lang"] = r_dt["lang"] = lang
    results += [r_ours, r_dt]
    if ppl_stage is not None:
        r_ppl, _ = measure("perplexity_2kb", lambda: ppl_stage([Document(x.id, x.text, x.lang, x.source, x.url_or_path,
                                                                          x.license) for x in two_kb]), two_kb, repeat=3)
        r_ppl["lang"] = lang
        results.append(r_ppl)
    if "pii" in cfg.stages:
        results += pii_measures(ctx, two_kb, lang)
    if args.lm_mb:
        results.append(lm_training_time(cfg, args.lm_mb))
    if "dedup" in cfg.stages:
        results += dedup_measures(cfg, two_kb, lang, args.out)

    run_cfg = cfg.model_copy(update={"output": args.out / "run"})
    shutil.rmtree(args.out / "run", ignore_errors=True)  # a fresh run, not a resumed one
    t0 = time.perf_counter()
    summary = Run(run_cfg, lang, writers=run_writers(run_cfg)).execute(progress=False)  # as `make corpus` runs it
    wall = time.perf_counter() - t0
    results.append({"stage": "corpus", "lang": lang, "executor": cfg.executor, "wall_s": round(wall, 2),
                    "docs": summary["documents_in"], "docs_per_s": round(summary["documents_in"] / wall, 1),
                    "worker_peak_rss_mb": summary["worker_peak_rss_mb"],
                    "note": "wall time includes starting Ray (5-15 s here) and writing shards"})
    for r in results:
        write_json_atomic({**r, "env": env}, args.out / f"{r['stage']}.json")
        print(json.dumps(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())

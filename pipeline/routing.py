"""One pass, many languages: a multilingual input file read once, its documents routed by language ID.

A shared unit reads the file once; ingest (with every built language's opt-outs), clean and normalise run
once per document; then `Router` asks each built language's own detector (lid.176, CLD2: each model runs once
per batch, whatever the number of languages using it) and sends the document to the language whose labels
contain its detector's top label (the highest score wins when several claim it). The document then goes
through that language's branch: its LangID decision (minimum score...), quality, PII and perplexity, with its
own YAML, and lands in that language's unit folder as if a single-language run had read it. What no built
language claims is `langid:not_built` (with the predicted label and score), and what was rejected before
routing (an unreadable record, an empty text) is the run's own: both go to the run-level unit folder, so every
document is counted once.
"""
from __future__ import annotations

import time

from pipeline.base import utf8_len
from pipeline.record import Document, Rejection
from pipeline.reports import StageStats
from pipeline.stages.langid import LangID, record
from pipeline.worker import StageChain, UnitOutput, batched

NOT_BUILT = "not_built"


class Router:
    def __init__(self, langid: dict[str, LangID]):
        """`langid`: the LangID stage of every language a file may go to, in the run's language order."""
        self.langid = {lang: st for lang, st in langid.items() if st.cfg is not None and st.cfg.other_max is None}
        self.labels = {lang: set(st.cfg.labels or [lang]) for lang, st in self.langid.items()}

    def route(self, docs: list[Document]) -> tuple[dict[str, list[Document]], list[Rejection]]:
        """Documents per language, and the ones no built language claims."""
        ranked: dict[str, list] = {}
        for st in self.langid.values():
            if st.cfg.model not in ranked:
                ranked[st.cfg.model] = st.model.ranked(docs)
        routes: dict[str, list[Document]] = {lang: [] for lang in self.langid}
        unclaimed = []
        for i, doc in enumerate(docs):
            claims = [(ranked[st.cfg.model][i][0][1], lang) for lang, st in self.langid.items()
                      if ranked[st.cfg.model][i][0][0] in self.labels[lang]]
            if claims:
                lang = max(claims, key=lambda c: c[0])[1]  # max() keeps the first of equal scores
                record(doc, ranked[self.langid[lang].cfg.model][i])
                doc.lang = lang
                routes[lang].append(doc)
                continue
            model = "lid176" if "lid176" in ranked else next(iter(ranked))
            record(doc, ranked[model][i])
            label, score = doc.scores["lang_pred"], doc.scores["lang_score"]
            unclaimed.append(Rejection(doc, "langid", NOT_BUILT, score, None,
                                       f"predicted {label} ({model}); no built language claims it"))
        return routes, unclaimed


def passed(stats: StageStats, doc: Document, size_in: int, size_out: int) -> None:
    """Count a document that went through a shared stage (for its language's report)."""
    for c in (stats.totals, stats.per_source[doc.source]):
        c["docs_in"] += 1
        c["bytes_in"] += size_in
        c["docs_out"] += 1
        c["bytes_out"] += size_out


class SharedUnit:
    """Process one multilingual unit: `workers` are the UnitWorkers of the languages the file may go to (their
    stages built from each language's snapshot); `ingest` reads with every one's opt-outs; each language's
    documents fill its unit folder, the rest the run-level one (`mu.run_dir`)."""

    def __init__(self, workers: dict, ingest, shared_names: list[str], columns: dict):
        self.workers, self.ingest, self.columns = workers, ingest, columns
        first = next(iter(workers.values()))
        self.shared = [self.ingest, *(st for st in first.stages[1:] if st.name in shared_names)]  # language-free
        self.k = len(self.shared)  # each language's own stages start here, at langid
        self.router = Router({lang: w.stages[self.k] for lang, w in workers.items()})
        self.scrub = [st for st in first.stages if st.name == "pii"]  # redacts what stays the run's own

    def _shared(self, items: list, run_stats: list[StageStats]) -> tuple[list[Document], list[Rejection], dict]:
        """The shared stages over a batch: kept documents, stored rejections, and each kept document's sizes
        in and out of every shared stage (for its language's report)."""
        trail: dict[int, list[tuple[int, int]]] = {}
        stored = []
        for i, st in enumerate(self.shared):
            docs_in = [x.doc if isinstance(x, Rejection) else x for x in items]
            sizes = {id(d): utf8_len(d.text) for d in docs_in}
            t0 = time.process_time()
            out = st(items)
            run_stats[i].record(docs_in, out.kept, out.rejected, time.process_time() - t0, bytes_in=list(sizes.values()),
                                bytes_dropped=[utf8_len(r.doc.text) for r in out.rejected])
            run_stats[i].add_tally(out.tally)
            for d in out.kept:
                trail.setdefault(id(d), []).append((sizes[id(d)], utf8_len(d.text)))
            stored += [r for r in out.rejected if r.stored]
            items = out.kept
        return items, stored, trail

    def process(self, mu, config, progress=None) -> int:
        n_ex = config.report_examples
        stats = {lang: [StageStats(s.name, max_examples=n_ex) for s in w.stages] for lang, w in self.workers.items()}
        run_stats = [StageStats(s.name, max_examples=n_ex) for s in self.shared] + [StageStats("langid", max_examples=n_ex)]
        outs = {lang: UnitOutput(mu.units[lang].dir, w.columns, config.part_docs) for lang, w in self.workers.items()}
        run_out = UnitOutput(mu.run_dir, self.columns, config.part_docs)
        chains = {lang: StageChain(w.stages[self.k:], stats[lang][self.k:]) for lang, w in self.workers.items()}
        ids: list[int] = []
        total = 0
        for batch in batched(self.ingest.read(mu.source, mu.file, mu.skip, ids, mu.part), config.batch_docs):
            kept, pre, trail = self._shared(batch, run_stats)
            t0 = time.process_time()
            routes, unclaimed = self.router.route(kept)
            run_stats[-1].record(kept, [d for ds in routes.values() for d in ds], unclaimed, time.process_time() - t0)
            for st in self.scrub:
                run_stats[-1].add_tally(st.scrub(pre + unclaimed))
            run_out.add([], pre + unclaimed)
            for lang, docs in routes.items():
                for d in docs:
                    for st, (a, b) in zip(stats[lang][:self.k], trail[id(d)]):
                        passed(st, d, a, b)
                outs[lang].add(*chains[lang](docs))
            total += len(batch)
            if progress:
                progress(len(batch), sum(utf8_len(x.text) for x in batch if isinstance(x, Document)))
        for lang, out in outs.items():
            out.close(mu.units[lang], stats[lang], ids)
        run_out.close(mu, run_stats, ids)
        return total

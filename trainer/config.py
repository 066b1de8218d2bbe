"""Training config (`configs/train.yaml`): which curated languages, the tokenizer, the mixture, the bins and the GPT.

Parsed into pydantic models before any work starts; an unknown key or a bad choice fails naming the file
and the field, like the run config (pipeline/config.py).
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from pipeline.base import Strict
from pipeline.yamlio import load_model

# ROOTS's training mixture (share of tokens, %), from the BLOOM paper; renormalised over the languages built.
ROOTS_SHARES = {"en": 30.2, "zh": 17.6, "fr": 13.0, "code": 13.0, "es": 10.7, "pt": 5.0, "ar": 3.3, "vi": 2.5,
                "ca": 1.1, "id": 1.1, "hi": 0.78, "bn": 0.56, "eu": 0.16, "ur": 0.13}


class TokenizerConfig(Strict):
    model_type: Literal["unigram", "bpe"] = "unigram"
    """sentencepiece algorithm; both with byte fallback, so no text is ever <unk>."""
    vocab_size: int = Field(32_000, ge=300, le=2**20)
    """Pieces including the 4 special ones and the 256 byte pieces (a soft limit on small corpora)."""
    alpha: float = Field(0.3, ge=0, le=1)
    """Temperature sampling of the training text: p_lang ∝ bytes_lang ** alpha (0 = uniform, 1 = natural)."""
    sample_bytes: int = Field(40_000_000, gt=0)
    """UTF-8 bytes of text drawn across languages to train on."""
    character_coverage: float = Field(0.9995, gt=0, le=1)
    """Share of characters covered by pieces; the rarest fall back to bytes."""
    max_sentence_bytes: int = Field(8192, gt=0)
    """Training lines longer than this are cut (sentencepiece skips longer ones)."""
    seed: int = 1


class MixtureConfig(Strict):
    weights: Literal["natural", "roots", "temperature"] | dict[str, float] = "natural"
    """natural: every document once; roots: ROOTS's token shares (renormalised over the languages built);
    temperature: shares ∝ tokens ** alpha; or explicit per-language weights (normalised)."""
    alpha: float = Field(0.3, ge=0, le=1)
    """Exponent for `weights: temperature`."""
    max_repeat: float = Field(4.0, ge=1)
    """No language's documents are repeated more than this many times on average (caps upsampling)."""
    seed: int = 1
    """Seed of the per-document draws (which documents are subsampled or repeated once more)."""

    @field_validator("weights")
    @classmethod
    def _positive(cls, v):
        if isinstance(v, dict) and (not v or any(w < 0 for w in v.values()) or not sum(v.values()) > 0):
            raise ValueError("weights must be non-negative with a positive sum")
        return v


class PackConfig(Strict):
    val_fraction: float = Field(0.01, ge=0, lt=1)
    """Share of each language's mixture tokens held out for validation (documents chosen by a hash of the id,
    so stable across runs; at most half of a language)."""
    shard_tokens: int = Field(100_000_000, gt=0)
    """A bin shard is closed once it holds this many tokens."""
    batch_docs: int = Field(2000, gt=0)
    """Documents encoded at once."""
    executor: Literal["ray", "local"] = "ray"
    """ray: one task per input Parquet shard (local cluster or RAY_ADDRESS); local: in this process."""


class ModelConfig(Strict):
    n_layer: int = Field(4, gt=0)
    n_head: int = Field(4, gt=0)
    n_embd: int = Field(128, gt=0)
    block_size: int = Field(128, gt=1)
    """Context length in tokens."""
    dropout: float = Field(0.0, ge=0, lt=1)


class TrainConfig(Strict):
    batch_size: int = Field(16, gt=0)
    """Contexts per optimiser step."""
    max_iters: int = Field(600, gt=0)
    learning_rate: float = Field(3e-3, gt=0)
    min_lr: float = Field(3e-4, ge=0)
    warmup_iters: int = Field(30, ge=0)
    weight_decay: float = Field(0.1, ge=0)
    grad_clip: float = Field(1.0, ge=0)
    """Clip the gradient norm to this (0 = off)."""
    eval_interval: int = Field(100, gt=0)
    log_interval: int = Field(10, gt=0)
    """Every this many steps a console line: step, loss of the step, learning rate, tokens/s, ETA."""
    eval_iters: int = Field(20, gt=0)
    """Batches averaged for each train/val loss estimate."""
    checkpoint_interval: int = Field(100, gt=0)
    seed: int = 1
    device: Literal["auto", "cpu", "cuda"] = "auto"
    threads: int | None = Field(None, gt=0)
    """torch CPU threads (default: every core)."""
    sample_tokens: int = Field(120, ge=0)
    """Tokens generated at the end of training (0 = none)."""


class TrainRunConfig(Strict):
    languages: list[str] = ["fr"]
    """Languages whose curated corpus (<corpus>/<lang>/data) is tokenized and packed."""
    corpus: Path = Path("out")
    """Output root of `make corpus`."""
    output: Path = Path("out/train")
    """tokenizer/, bins/ and model/ are written here."""
    tokenizer: TokenizerConfig = TokenizerConfig()
    mixture: MixtureConfig = MixtureConfig()
    pack: PackConfig = PackConfig()
    model: ModelConfig = ModelConfig()
    train: TrainConfig = TrainConfig()

    @field_validator("languages")
    @classmethod
    def _nonempty(cls, v):
        if not v or len(set(v)) != len(v):
            raise ValueError("list at least one language, each once")
        return v


def load_train_config(path: Path | None) -> TrainRunConfig:
    return load_model(Path(path), TrainRunConfig) if path else TrainRunConfig()

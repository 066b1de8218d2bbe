"""PII detection and redaction with presidio-analyzer, for every language, with no downloaded model.

presidio's default engine wants a spaCy model per language. We run its own pattern recognisers
(e-mail with TLD check, IPv4/IPv6 checked by `ipaddress`, phone numbers via `phonenumbers`, credit
cards with Luhn, IBAN with mod-97, URLs, Bitcoin addresses) plus ROOTS's KEY and USER patterns as custom
recognisers, behind `WordNlpEngine`: a tokeniser-only engine (regex words, lowercase "lemmas") so that
presidio's own context enhancer works in any language with the context words of the language YAML.

Speed comes from not calling presidio where it cannot find anything. For a batch, one RE2 pass per
entity (pyarrow.compute, in C++, no Python per document) marks the documents that contain a cheap
*trigger* of that entity (an '@', four dotted numbers, seven digits in a row...). Only those documents go
to presidio, only with the triggered recognisers, and only on windows of text around each trigger
(the phone recogniser's cost grows with the text it scans). A trigger is a superset of what the
recogniser can match, so the pre-filter changes speed, not results (tests check this on real text).

ROOTS's false-positive lessons: a dotted quad next to a version context (`v1.2.3.4`, `linux-2.6.32.5`,
`1.2.3.4-1`) is not an IP; digit runs are phones only when `phonenumbers` validates them for a configured
region, cards only with a Luhn checksum, IBANs only with their checksum. The original value of a
redaction is never stored: a document records counts per type (`pii` column), the hash action uses a
salt kept outside the outputs.
"""
from __future__ import annotations

import bisect
import hashlib
import math
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Action = Literal["tag", "mask", "hash", "drop"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RecogniserConfig(Strict):
    enabled: bool = True
    """Run this recogniser for the language."""
    min_score: float | None = Field(None, ge=0, le=1)
    """Keep a detection at or above this presidio score (0-1; validated checksums score 1.0, a context
    word near the value adds 0.35); null = the recogniser's default (DEFAULT_MIN_SCORE)."""
    context: list[str] = []
    """Words in this language that raise the score when they occur in the 5 words before a value
    (substring match, case-insensitive); replaces the recogniser's English defaults when given."""
    action: Action | None = None
    """Overrides the language's `pii.action` for this entity."""
    deny_before: list[str] = []
    """Words that, right before a value, mean it is something else (IP: `Section 6.1.2.2`, `version
    1.2.3.4`); case-insensitive; added to the built-in ones of the recogniser."""
    allow: list[str] = []
    """Exact values never redacted (e.g. crontab's `@daily` for USER); added to the built-in ones."""


class Recognisers(Strict):
    EMAIL: RecogniserConfig = RecogniserConfig()
    IP_ADDRESS: RecogniserConfig = RecogniserConfig()
    PHONE: RecogniserConfig = RecogniserConfig()
    CREDIT_CARD: RecogniserConfig = RecogniserConfig()
    IBAN: RecogniserConfig = RecogniserConfig()
    CRYPTO: RecogniserConfig = RecogniserConfig()
    KEY: RecogniserConfig = RecogniserConfig()
    USER: RecogniserConfig = RecogniserConfig()
    URL: RecogniserConfig = RecogniserConfig(enabled=False)
    """URLs are not personal by themselves (ROOTS kept them): off unless a language turns it on."""


# presidio's scores: a pattern match scores its pattern's weight (e-mail 0.5, IP 0.6, phone 0.4, KEY/USER
# 0.5); a passed checksum or TLD check scores 1.0. Cards, IBANs and crypto addresses therefore need their
# checksum (0.8 > any pattern weight + context); the others count at their plain pattern score.
DEFAULT_MIN_SCORE = {"EMAIL": 0.5, "IP_ADDRESS": 0.6, "PHONE": 0.4, "CREDIT_CARD": 0.8, "IBAN": 0.8,
                     "CRYPTO": 0.8, "KEY": 0.5, "USER": 0.5, "URL": 0.5}


class PiiConfig(Strict):
    action: Action = "tag"
    """tag: `PI:EMAIL` (ROOTS); mask: the value's characters become `*`; hash: `PI:EMAIL:<12 hex of a salted
    sha256>` (the same value gets the same tag within an output folder; salt from $PII_SALT or
    `<output>/.pii_salt`); drop: reject the whole document (`pii:<TYPE>`)."""
    phone_regions: list[str] = ["US", "GB"]
    """phonenumbers regions (ISO 3166) whose national formats count as phone numbers; numbers written
    with +<country code> are found whatever the region."""
    recognisers: Recognisers = Recognisers()
    window_chars: int = Field(60, ge=20)
    """Text kept on each side of a trigger when presidio analyses a window (characters; context words
    count in the 5 words before a value, so this should hold them)."""

    @field_validator("phone_regions", mode="before")
    @classmethod
    def _regions(cls, v):
        import phonenumbers

        if isinstance(v, list) and any(isinstance(x, bool) for x in v):
            raise ValueError("a region code was read as a boolean: quote region codes in YAML (\"NO\", not NO)")
        unknown = [x for x in v if x not in phonenumbers.SUPPORTED_REGIONS] if isinstance(v, list) else []
        if unknown:
            raise ValueError(f"unknown phone region(s) {unknown}: use ISO 3166 codes that phonenumbers knows (e.g. FR, US)")
        return v


# Our tag -> presidio entity type.
PRESIDIO_ENTITY = {"EMAIL": "EMAIL_ADDRESS", "IP_ADDRESS": "IP_ADDRESS", "PHONE": "PHONE_NUMBER",
                   "CREDIT_CARD": "CREDIT_CARD", "IBAN": "IBAN_CODE", "CRYPTO": "CRYPTO", "KEY": "KEY",
                   "USER": "USER", "URL": "URL"}
TAG_OF = {v: k for k, v in PRESIDIO_ENTITY.items()}

DEFAULT_CONTEXT = {
    "EMAIL": ["email", "e-mail", "mail", "contact"],
    "IP_ADDRESS": ["ip", "ipv4", "ipv6", "address", "host", "server"],
    "PHONE": ["phone", "telephone", "tel", "mobile", "cell", "fax", "call"],
    "CREDIT_CARD": ["card", "credit", "visa", "mastercard", "amex", "payment"],
    "IBAN": ["iban", "bank", "account", "transfer"],
    "CRYPTO": ["wallet", "btc", "bitcoin", "crypto"],
    "KEY": ["key", "token", "secret", "password", "api"],
    "USER": ["user", "twitter", "follow"],
    "URL": ["url", "website", "link"],
}

# Built-in look-alikes (ROOTS's lessons): words before a value that make it something else, and values
# that are syntax rather than people.
DENY_BEFORE = {
    "IP_ADDRESS": ["version", "ver.", "release", "rev.", "v", "v.", "section", "sect.", "chapter", "§",
                   "figure", "fig.", "table", "step", "rfc"],
    "PHONE": ["isbn", "issn", "doi", "version"],
}
ALLOW = {
    "USER": ["@reboot", "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly",
             "@include", "@includedir", "@import", "@media", "@charset", "@font-face", "@param", "@return",
             "@see", "@since", "@author", "@deprecated", "@throws", "@example", "@todo", "@override"],
}

# Cheap triggers: every value a recogniser can match contains a match of its trigger. Written in the
# common subset of Python `re` and RE2; `\d` becomes `\p{Nd}` for RE2 (Python's \d is Unicode too).
TRIGGERS = {
    "EMAIL": r"\S@[^\s@]+\.[^\s@]",
    "USER": r"@[^\s@]",
    "IP_ADDRESS": r"\d\.\d{1,3}\.\d{1,3}\.\d|[0-9A-Fa-f]:[0-9A-Fa-f]{0,4}:|::",
    "PHONE": "\\d(?:[ \t\u00a0().\\-/]{0,3}\\d){6}",  # separators, not newlines
    "CREDIT_CARD": "\\d(?:[ \t\u00a0\\-]{0,2}\\d){11}",
    "IBAN": r"[A-Za-z]{2}\d{2}",
    "CRYPTO": r"[13][a-km-zA-HJ-NP-Z1-9]{25}|bc1[a-z0-9]{8}",
    "KEY": r"[A-Za-z0-9_+/=\-]{20}",
    "URL": r"[A-Za-z0-9\-]\.[A-Za-z]{2}",
}


def re2_pattern(py_pattern: str) -> str:
    return py_pattern.replace(r"\d", r"\p{Nd}")


# ROOTS-style custom recognisers (own regexes; the ROOTS ones were tuned on the same lessons).
KEY_PATTERN = r"(?<![\w+/=\-])[A-Za-z0-9][A-Za-z0-9_+/=\-]{18,}[A-Za-z0-9=](?![\w+/=\-])"
USER_PATTERN = r"(?<![\w.@/])@[^\W\d]\w{1,30}(?![\w@]|\.\w|-\w)"  # no dots: `@example.org` is a domain
JOINED_BEFORE = re.compile(r"[\w\-_.]$")   # `linux-2.6.32.5`, `foo_1.2.3.4`, `x1.2.3.4`
VERSION_AFTER = re.compile(r"^(?:[.+~_]\w|-[A-Za-z]|-\d+(?![\d:]|\.\d)|[A-Za-z])")  # `1.2.3.4-1`, `-amd64`, `.5`, `a`
# (but `192.168.0.1-192.168.0.254` is a range of addresses)
IPV4_TOKEN = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?[.,;:)]?")
HEADING = re.compile(r"(?:^|\n)[ \t]*$")           # a section number opening a line: `12.1.1.1. Title`
CARD_GROUPS = {(4, 4, 4, 4), (4, 4, 4, 4, 3), (4, 6, 5), (4, 6, 4), (4, 4, 4, 1)}
WORD = re.compile(r"\w+")
MAX_WINDOW = 2000  # characters presidio sees at once (its duplicate removal is quadratic in the matches)


def _entropy(s: str) -> float:
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in Counter(s).values())


def key_like(token: str) -> bool:
    """A secret-looking token: letters and digits mixed, high character entropy, a long part that mixes
    letters and digits (not `debian-handbook-2023-06-12`, whose parts are words or numbers), and, with
    fewer than 3 digits, both cases and no lowercase run longer than 7 (not `AbstractProxyFactoryBean2`)."""
    digits = sum(c.isdigit() for c in token)
    letters = sum(c.isalpha() for c in token)
    if digits < 1 or letters < 3 or _entropy(token) < 3.5:
        return False
    parts = [p for p in re.split(r"[_+/=\-]", token) if p]
    if not any(not (p.isalpha() or p.isdigit()) and len(p) >= 8 for p in parts):
        return False
    if digits >= 3:
        return True
    longest_lower = max((len(m) for m in re.findall(r"[a-z]+", token)), default=0)
    return any(c.isupper() for c in token) and any(c.islower() for c in token) and longest_lower <= 7


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    tag: str
    score: float


def run_salt(output: Path) -> bytes:
    """The salt of the hash action: $PII_SALT, else `<output>/.pii_salt` (created once, never in reports)."""
    env = os.environ.get("PII_SALT")
    if env:
        return env.encode()
    path = Path(output) / ".pii_salt"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".pii_salt.{os.getpid()}")
        tmp.write_bytes(os.urandom(32).hex().encode())
        try:
            os.link(tmp, path)  # atomic: the first worker to get here wins, the others read its salt
        except FileExistsError:
            pass
        tmp.unlink()
    return path.read_bytes().strip()


def _word_nlp_engine_class():
    from presidio_analyzer.nlp_engine import NlpArtifacts, NoOpNlpEngine

    class WordNlpEngine(NoOpNlpEngine):
        """Tokens = regex words, lemmas = their lowercase: enough for presidio's context enhancer in any
        language, with no model."""

        def process_text(self, text: str, language: str) -> NlpArtifacts:
            words = [(m.group(), m.start()) for m in WORD.finditer(text)]
            return NlpArtifacts(entities=[], tokens=[w for w, _ in words], tokens_indices=[i for _, i in words],
                                lemmas=[w.lower() for w, _ in words], nlp_engine=self, language=language)

    return WordNlpEngine


def _quiet_tldextract() -> None:
    """presidio's e-mail check calls `tldextract.extract`, whose default extractor fetches the public suffix
    list over the network first. Use the snapshot shipped inside the package instead (no network, no log)."""
    import tldextract

    if not getattr(tldextract, "_roots_offline", False):
        offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
        tldextract.extract = offline
        tldextract._roots_offline = True


def build_analyzer(cfg: PiiConfig, lang: str):
    """A presidio AnalyzerEngine for one language with the enabled recognisers and their context words."""
    from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
    from presidio_analyzer.predefined_recognizers import (CreditCardRecognizer, CryptoRecognizer,
                                                          EmailRecognizer, IbanRecognizer, IpRecognizer,
                                                          PhoneRecognizer, UrlRecognizer)

    _quiet_tldextract()

    class KeyRecognizer(PatternRecognizer):
        def validate_result(self, pattern_text: str):
            return None if key_like(pattern_text) else False

    makers = {
        "EMAIL": lambda ctx: EmailRecognizer(supported_language=lang, context=ctx),
        "IP_ADDRESS": lambda ctx: IpRecognizer(supported_language=lang, context=ctx),
        "PHONE": lambda ctx: PhoneRecognizer(supported_language=lang, context=ctx,
                                             supported_regions=list(cfg.phone_regions)),
        "CREDIT_CARD": lambda ctx: CreditCardRecognizer(supported_language=lang, context=ctx),
        "IBAN": lambda ctx: IbanRecognizer(supported_language=lang, context=ctx),
        "CRYPTO": lambda ctx: CryptoRecognizer(supported_language=lang, context=ctx),
        "URL": lambda ctx: UrlRecognizer(supported_language=lang, context=ctx),
        "KEY": lambda ctx: KeyRecognizer(supported_entity="KEY", supported_language=lang, context=ctx,
                                         patterns=[Pattern("key", KEY_PATTERN, 0.5)]),
        "USER": lambda ctx: PatternRecognizer(supported_entity="USER", supported_language=lang, context=ctx,
                                              patterns=[Pattern("user", USER_PATTERN, 0.5)]),
    }
    registry = RecognizerRegistry(supported_languages=[lang])
    for tag, rc in cfg.recognisers:
        if rc.enabled:
            registry.add_recognizer(makers[tag](list(rc.context or DEFAULT_CONTEXT[tag])))
    engine = _word_nlp_engine_class()(models=[{"lang_code": lang, "model_name": "words"}])
    return AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=[lang])


class Redactor:
    """Finds PII in batches of texts and rewrites them. `redact(texts)` -> [(new text, {tag: count}, drop tags)]."""

    def __init__(self, cfg: PiiConfig, lang: str, salt: bytes = b"", prefilter: bool = True):
        self.cfg, self.lang, self.salt, self.prefilter = cfg, lang, salt, prefilter
        self.enabled = {tag: rc for tag, rc in cfg.recognisers if rc.enabled}
        self.min_score = {tag: DEFAULT_MIN_SCORE[tag] if rc.min_score is None else rc.min_score
                          for tag, rc in self.enabled.items()}
        self.analyzer = build_analyzer(cfg, lang) if self.enabled else None
        if self.analyzer is not None:
            from presidio_analyzer.nlp_engine import NlpArtifacts

            self.no_words = NlpArtifacts([], [], [], [], self.analyzer.nlp_engine, lang)
        self.triggers = {tag: re.compile(TRIGGERS[tag]) for tag in self.enabled}
        self.deny_before = {tag: _words_before([*DENY_BEFORE.get(tag, []), *rc.deny_before])
                            for tag, rc in self.enabled.items()}
        self.allow = {tag: {*ALLOW.get(tag, []), *rc.allow} for tag, rc in self.enabled.items()}
        self.re2 = {tag: re2_pattern(TRIGGERS[tag]) for tag in self.enabled}

    # -- finding ---------------------------------------------------------------------------------------
    def candidates(self, texts: list[str]) -> list[list[str]]:
        """For each text, the tags whose trigger occurs in it (one RE2 pass per tag over the whole batch)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(texts, pa.large_string())
        hits: list[list[str]] = [[] for _ in texts]
        for tag, pattern in self.re2.items():
            mask = pc.match_substring_regex(arr, pattern).to_numpy(zero_copy_only=False)
            for i in mask.nonzero()[0]:
                hits[i].append(tag)
        return hits

    def windows(self, text: str, tag: str) -> list[tuple[int, int]]:
        """Merged text windows around every match of `tag`'s trigger, widened to whitespace. Phone triggers
        inside an IPv4 address are skipped (`look_alike` would reject any phone found there)."""
        pad = self.cfg.window_chars
        merged: list[list[int]] = []
        for m in self.triggers[tag].finditer(text):
            if tag == "PHONE" and IPV4_TOKEN.fullmatch(text, *_widen(text, m.start(), m.end(), 16)):
                continue
            s, e = _widen(text, max(0, m.start() - pad), min(len(text), m.end() + pad))
            # Overlapping windows merge up to MAX_WINDOW characters; past that a new (overlapping) window starts,
            # so a huge document dense with triggers costs linear time (a value seen twice is kept once).
            if merged and s <= merged[-1][1] and e - merged[-1][0] <= MAX_WINDOW:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        return [(s, e) for s, e in merged]

    def _analyze(self, text: str, tag: str) -> list:
        """presidio on `text` for one entity. Tokenising for context words costs more than most pattern
        matches, so it runs only when a detection is below its threshold (context can only raise a score)."""
        entities = [PRESIDIO_ENTITY[tag]]
        results = self.analyzer.analyze(text, language=self.lang, entities=entities, nlp_artifacts=self.no_words)
        if any(r.score < self.min_score[tag] for r in results):
            try:
                results = self.analyzer.analyze(text, language=self.lang, entities=entities)
            except ValueError:
                # presidio's context enhancer raises when a match starts after the last word token (e.g. an
                # IPv6 `::` closing the window): such a match has no words around it, so no context to add.
                pass
        return results

    def find(self, text: str, tags: list[str] | None = None) -> list[Span]:
        """Detections in `text` that pass their min_score and the look-alike checks, without overlaps.
        `tags`: the triggered tags (presidio then sees only windows around the triggers); None = presidio
        on the whole text with every enabled recogniser (the naive way, for comparison)."""
        if self.analyzer is None:
            return []
        if tags is None:
            return self._naive(text)
        found = []
        for tag in tags:
            for start, end in self.windows(text, tag):
                for r in self._analyze(text[start:end], tag):
                    s, e = r.start + start, r.end + start
                    if r.score >= self.min_score[tag] and not self.look_alike(tag, text, s, e):
                        found.append(Span(s, e, tag, r.score))
        return _without_overlaps(found)

    def _naive(self, text: str) -> list[Span]:
        """presidio as documented: every enabled recogniser on the whole text, context words always computed."""
        found = []
        for r in self.analyzer.analyze(text, language=self.lang, entities=[PRESIDIO_ENTITY[t] for t in self.enabled]):
            tag = TAG_OF[r.entity_type]
            if r.score >= self.min_score[tag] and not self.look_alike(tag, text, r.start, r.end):
                found.append(Span(r.start, r.end, tag, r.score))
        return _without_overlaps(found)

    def look_alike(self, tag: str, text: str, s: int, e: int) -> bool:
        """A match that is something else: an allowed value, a deny word right before it, a version or
        section number taken for an IP, a measurement taken for a phone, digits not grouped like a card."""
        value = text[s:e]
        deny = self.deny_before[tag]
        if value in self.allow[tag] or (deny is not None and deny.search(text[max(0, s - 30):s])):
            return True
        before, after = text[max(0, s - 2):s], text[e:e + 12]
        if tag == "IP_ADDRESS":
            section = re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{1,2}\.\d{1,2}", value)  # 12.1.1.1, not 10.57.39.210
            return bool(JOINED_BEFORE.search(before) or VERSION_AFTER.match(after)
                        or (section and after[:1] == "." and HEADING.search(text[max(0, s - 80):s])))
        if tag == "PHONE":
            if sum(c.isdigit() for c in value) < 7 or re.match(r"(?:19|20)\d\d[-/]|\d{1,3}(?:[ ,]\d{3}){3,}$", value):
                return True  # short numbers match prices and times; `2024-000123` is a year and a number;
                #              `1 234 567 890` is a quantity in thousands groups
            # part of a longer run of numbers (`325.318/325.318`, `08:58`), across a phrase break, or an IPv4
            return bool(re.search(r"/|[.,;—] ", value) or re.match(r"[/\d]|[.:]\d", after)
                        or re.search(r"\d[/:.]?$", before) or re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", value))
        if tag == "CREDIT_CARD":
            if before.endswith("+"):  # +<country code>...: a phone number that happens to pass Luhn
                return True
            groups = tuple(len(g) for g in re.split(r"[ \-]", value))
            return not (len(groups) == 1 or (groups in CARD_GROUPS and len(set(re.findall(r"[ \-]", value))) == 1))
        return False

    # -- rewriting -------------------------------------------------------------------------------------
    def replacement(self, text: str, span: Span) -> str:
        action = self.action(span.tag)
        if action == "mask":
            return "*" * (span.end - span.start)
        if action == "hash":
            digest = hashlib.sha256(self.salt + text[span.start:span.end].encode("utf-8", "surrogatepass"))
            return f"PI:{span.tag}:{digest.hexdigest()[:12]}"
        return f"PI:{span.tag}"  # tag, and drop (whose document is rejected, redacted all the same)

    def action(self, tag: str) -> Action:
        return self.enabled[tag].action or self.cfg.action

    def rewrite(self, text: str, spans: list[Span]) -> str:
        out, last = [], 0
        for sp in spans:
            out.append(text[last:sp.start])
            out.append(self.replacement(text, sp))
            last = sp.end
        out.append(text[last:])
        return "".join(out)

    def redact(self, texts: list[str]) -> list[tuple[str, dict[str, int], list[str]]]:
        """For each text: the redacted text, counts per tag, and the tags whose action is `drop`."""
        tags_per_text = self.candidates(texts) if self.prefilter else [None] * len(texts)
        out = []
        for text, tags in zip(texts, tags_per_text):
            if tags == [] or self.analyzer is None:
                out.append((text, {}, []))
                continue
            spans = self.find(text, tags)
            if not spans:
                out.append((text, {}, []))
                continue
            counts = dict(Counter(sp.tag for sp in spans))
            drops = sorted(t for t in counts if self.action(t) == "drop")
            out.append((self.rewrite(text, spans), counts, drops))
        return out


def _widen(text: str, s: int, e: int, limit: int = 64) -> tuple[int, int]:
    """Move a window's edges outwards to whitespace (at most `limit` characters) so no value is cut."""
    lo = max(0, s - limit)
    while s > lo and not text[s - 1].isspace():
        s -= 1
    hi = min(len(text), e + limit)
    while e < hi and not text[e].isspace():
        e += 1
    return s, e


def _words_before(words: list[str]) -> re.Pattern | None:
    """A pattern matching the end of a text that ends with one of `words` (then spaces or `:`/`#`)."""
    if not words:
        return None
    alts = "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))
    return re.compile(rf"(?:^|[^\w])(?:{alts})[\s:#\u00a0]*$", re.IGNORECASE)


def _without_overlaps(spans: list[Span]) -> list[Span]:
    """Where detections overlap keep the higher score, then the longer one; return them in text order."""
    starts: list[int] = []  # kept spans, sorted by start (they never overlap each other)
    kept: list[Span] = []
    for sp in sorted(spans, key=lambda x: (-x.score, -(x.end - x.start), x.start)):
        i = bisect.bisect_left(starts, sp.start)
        if (i > 0 and kept[i - 1].end > sp.start) or (i < len(kept) and kept[i].start < sp.end):
            continue
        starts.insert(i, sp.start)
        kept.insert(i, sp)
    return kept

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

What each type triggers on, which recogniser decides and what only looks like it (ROOTS's false-positive
lessons) is the table in pipeline/pii/entities.py. The original value of a redaction is never stored: a
document records counts per type (`pii` column), the hash action uses a salt kept outside the outputs.
"""
from __future__ import annotations

import bisect
import hashlib
import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pipeline.pii.config import Action, PiiConfig, RecogniserConfig
from pipeline.pii.entities import BY_PRESIDIO, Entity
from pipeline.pii.lookalikes import widen
from pipeline.pii.view import reading_view

WORD = re.compile(r"\w+")
MAX_WINDOW = 2000  # characters presidio sees at once (its duplicate removal is quadratic in the matches)


def re2_pattern(py_pattern: str) -> str:
    """A trigger for RE2 (pyarrow.compute): Python's \\d is Unicode, RE2's is ASCII."""
    return py_pattern.replace(r"\d", r"\p{Nd}")


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


def build_analyzer(cfg: PiiConfig, lang: str):
    """A presidio AnalyzerEngine for one language with its enabled recognisers and their context words."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry

    registry = RecognizerRegistry(supported_languages=[lang])
    for e, rc in cfg.enabled():
        registry.add_recognizer(e.recogniser(lang, list(rc.context or e.context), list(cfg.phone_regions)))
    engine = _word_nlp_engine_class()(models=[{"lang_code": lang, "model_name": "words"}])
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=[lang])
    analyzer.context_aware_enhancer = _enhancer()  # set after: presidio warns when given one with a NoOp-based engine
    return analyzer


def _enhancer():
    from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer

    class WordlessFastPath(LemmaContextAwareEnhancer):
        """presidio's default enhancer (LemmaContextAwareEnhancer()), which deep-copies every result list and then
        reads the words around each result. Given no words (the redactor's first pass, `no_words`) and no context,
        the words it reads are [""], where only an empty context word is found, and finding "" raises no score:
        then the results it got are returned as they are, without the copy."""

        def enhance_using_context(self, text, raw_results, nlp_artifacts, recognizers, context=None):
            if nlp_artifacts is not None and not nlp_artifacts.tokens and not context:
                return raw_results
            return super().enhance_using_context(text, raw_results, nlp_artifacts, recognizers, context)

    return WordlessFastPath()


@dataclass(frozen=True)
class TypeRule:
    """One PII type as a language uses it: the table's record plus the language YAML's settings."""

    entity: Entity
    min_score: float
    action: Action
    trigger: re.Pattern
    deny: re.Pattern | None
    allow: frozenset[str]
    context: re.Pattern
    regions: tuple[str, ...] = ()

    @classmethod
    def of(cls, e: Entity, rc: RecogniserConfig, cfg: PiiConfig, lang: str = "en") -> TypeRule:
        words = rc.context or list(e.context)
        end = r"(?![^\W\d_])(?!\.[A-Za-z])" if e.context_whole_words else ""  # not a file name's: `BE04EB2B-secret.gpg`
        return cls(e, e.min_score if rc.min_score is None else rc.min_score, rc.action or cfg.action,
                   re.compile(e.trigger_for(lang) if e.trigger_for else e.trigger), _words_before([*e.deny_before, *rc.deny_before]),
                   frozenset([*e.allow, *rc.allow]),
                   re.compile("|".join(rf"(?<![^\W\d_]){re.escape(w)}{end}" for w in words), re.IGNORECASE),
                   tuple(cfg.phone_regions))

    def look_alike(self, text: str, s: int, e: int) -> bool:
        """A match that is something else: an allowed value, a deny word right before it, a shape or a place
        that needs a context word and has none (a hex digest as a KEY, a number among drawing coordinates), or
        the type's own look-alike rule (a version taken for an IP, a measurement taken for a phone...)."""
        if text[s:e] in self.allow or (self.deny is not None and self.deny.search(text[max(0, s - 30):s])):
            return True
        ent = self.entity
        if ((ent.needs_context is not None and ent.needs_context(text[s:e]))
                or (ent.regional_needs_context is not None and ent.regional_needs_context(text[s:e], self.regions))
                or (ent.place_needs_context is not None and ent.place_needs_context(text, s, e))):
            before = text[max(0, s - ent.context_chars):s].split("\n")
            # one line more when the value is alone on its line (`password:\n    s3cr3t`; not a directive with
            # its arguments after a comment: `# get my password\nAuthLDAPBindPassword exec:/path`)
            alone = not before[-1].strip() and re.match(r"[\s\"'`)\]}.,;]*(?:\n|$)", text[e:e + 80]) is not None
            lines = ent.context_lines + alone
            if not self.context.search(" ".join(before[-lines:])):
                return True
        return ent.look_alike is not None and ent.look_alike(text, s, e)


class Redactor:
    """Finds PII in batches of texts and rewrites them. `redact(texts)` -> [(new text, {tag: count}, drop tags)]."""

    def __init__(self, cfg: PiiConfig, lang: str, salt: bytes = b"", prefilter: bool = True):
        self.cfg, self.lang, self.salt, self.prefilter = cfg, lang, salt, prefilter
        self.rules = {e.tag: TypeRule.of(e, rc, cfg, lang) for e, rc in cfg.enabled()}
        self.analyzer = build_analyzer(cfg, lang) if self.rules else None
        if self.analyzer is not None:
            from presidio_analyzer.nlp_engine import NlpArtifacts

            self.no_words = NlpArtifacts([], [], [], [], self.analyzer.nlp_engine, lang)

    # -- finding ---------------------------------------------------------------------------------------
    def candidates(self, texts: list[str]) -> list[list[str]]:
        """For each text, the tags whose trigger occurs in it (one RE2 pass per tag over the whole batch)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(texts, pa.large_string())
        hits: list[list[str]] = [[] for _ in texts]
        for tag, rule in self.rules.items():
            mask = pc.match_substring_regex(arr, re2_pattern(rule.trigger.pattern)).to_numpy(zero_copy_only=False)
            for i in mask.nonzero()[0]:
                hits[i].append(tag)
        return hits

    def windows(self, text: str, tag: str) -> list[tuple[int, int]]:
        """Merged text windows around every match of `tag`'s trigger, widened to whitespace (triggers the
        type says to skip, e.g. a phone trigger inside an IPv4 address, open no window)."""
        pad = self.cfg.window_chars
        skip = self.rules[tag].entity.skip_trigger
        merged: list[list[int]] = []
        for m in self.rules[tag].trigger.finditer(text):
            if skip is not None and skip(text, m.start(), m.end()):
                continue
            s, e = widen(text, max(0, m.start() - pad), min(len(text), m.end() + pad))
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
        entities = [self.rules[tag].entity.presidio]
        results = self.analyzer.analyze(text, language=self.lang, entities=entities, nlp_artifacts=self.no_words)
        if any(r.score < self.rules[tag].min_score for r in results):
            try:
                results = self.analyzer.analyze(text, language=self.lang, entities=entities)
            except ValueError:
                # presidio's context enhancer raises when a match starts after the last word token (e.g. an
                # IPv6 `::` closing the window): such a match has no words around it, so no context to add.
                pass
        return results

    def _accept(self, tag: str, text: str, s: int, e: int, score: float) -> bool:
        rule = self.rules[tag]
        return score >= rule.min_score and not rule.look_alike(text, s, e)

    def find(self, text: str, tags: list[str] | None = None) -> list[Span]:
        """Detections in `text` that pass their min_score and the look-alike checks, without overlaps, found in
        its reading view (markup, URL fragments and inlined base64 blanked: pipeline/pii/view.py).
        `tags`: the triggered tags (presidio then sees only windows around the triggers); None = presidio
        on the whole text with every enabled recogniser (the naive way, for comparison)."""
        if self.analyzer is None:
            return []
        found = []
        text = reading_view(text)  # same length: a span of the view is the same span of the text
        if tags is None:
            entities = [r.entity.presidio for r in self.rules.values()]
            for r in self.analyzer.analyze(text, language=self.lang, entities=entities):
                tag = BY_PRESIDIO[r.entity_type].tag
                if self._accept(tag, text, r.start, r.end, r.score):
                    found.append(Span(r.start, r.end, tag, r.score))
            return _without_overlaps(found)
        for tag in tags:
            for start, end in self.windows(text, tag):
                for r in self._analyze(text[start:end], tag):
                    s, e = r.start + start, r.end + start
                    if self._accept(tag, text, s, e, r.score):
                        found.append(Span(s, e, tag, r.score))
        return _without_overlaps(found)

    # -- rewriting -------------------------------------------------------------------------------------
    def replacement(self, text: str, span: Span) -> str:
        action = self.rules[span.tag].action
        if action == "mask":
            return "*" * (span.end - span.start)
        if action == "hash":
            digest = hashlib.sha256(self.salt + text[span.start:span.end].encode("utf-8", "surrogatepass"))
            return f"PI:{span.tag}:{digest.hexdigest()[:12]}"
        return f"PI:{span.tag}"  # tag, and drop (whose document is rejected, redacted all the same)

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
            spans = [] if tags == [] or self.analyzer is None else self.find(text, tags)
            if not spans:
                out.append((text, {}, []))
                continue
            counts = dict(Counter(sp.tag for sp in spans))
            drops = sorted(t for t in counts if self.rules[t].action == "drop")
            out.append((self.rewrite(text, spans), counts, drops))
        return out


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

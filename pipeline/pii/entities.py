"""The PII types, one record each: what triggers a look, which presidio recogniser decides, its default
score threshold and context words, and what looks like it but is not (ROOTS's false-positive lessons).

Adding a type is one `Entity(...)` in `ENTITIES`. A *trigger* is a cheap regular expression (in the common
subset of Python `re` and RE2) that every value the recogniser can match contains: documents without a
trigger never reach presidio. presidio's scores: a pattern match scores its pattern's weight (e-mail 0.5,
IP 0.6, phone 0.4, KEY/USER 0.5); a passed checksum or TLD check scores 1.0, so cards, IBANs and crypto
addresses need their checksum (0.8 > any pattern weight + context).
"""
from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

# ROOTS-style custom recognisers (own regexes; the ROOTS ones were tuned on the same lessons).
KEY_PATTERN = r"(?<![\w+/=\-])[A-Za-z0-9][A-Za-z0-9_+/=\-]{18,}[A-Za-z0-9=](?![\w+/=\-])"
USER_PATTERN = r"(?<![\w.@/])@[^\W\d]\w{1,30}(?![\w@]|\.\w|-\w)"  # no dots: `@example.org` is a domain
JOINED_BEFORE = re.compile(r"[\w\-_.]$")   # `linux-2.6.32.5`, `foo_1.2.3.4`, `x1.2.3.4`
VERSION_AFTER = re.compile(r"^(?:[.+~_]\w|-[A-Za-z]|-\d+(?![\d:]|\.\d)|[A-Za-z])")  # `1.2.3.4-1`, `-amd64`, `.5`, `a`
# (but `192.168.0.1-192.168.0.254` is a range of addresses)
IPV4_TOKEN = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?[.,;:)]?")
HEADING = re.compile(r"(?:^|\n)[ \t]*$")           # a section number opening a line: `12.1.1.1. Title`
CARD_GROUPS = {(4, 4, 4, 4), (4, 4, 4, 4, 3), (4, 6, 5), (4, 6, 4), (4, 4, 4, 1)}


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


def ip_look_alike(text: str, s: int, e: int) -> bool:
    """A version or section number taken for an IP (`linux-2.6.32.5`, `1.2.3.4-1`, `12.1.1.1. Title`)."""
    value, before, after = text[s:e], text[max(0, s - 2):s], text[e:e + 12]
    section = re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{1,2}\.\d{1,2}", value)  # 12.1.1.1, not 10.57.39.210
    return bool(JOINED_BEFORE.search(before) or VERSION_AFTER.match(after)
                or (section and after[:1] == "." and HEADING.search(text[max(0, s - 80):s])))


def phone_look_alike(text: str, s: int, e: int) -> bool:
    """A measurement, a price, a time, a year with a number, a quantity, or part of a longer run of numbers."""
    value, before, after = text[s:e], text[max(0, s - 2):s], text[e:e + 12]
    if sum(c.isdigit() for c in value) < 7 or re.match(r"(?:19|20)\d\d[-/]|\d{1,3}(?:[ ,]\d{3}){3,}$", value):
        return True  # short numbers match prices and times; `2024-000123` is a year and a number;
        #              `1 234 567 890` is a quantity in thousands groups
    # part of a longer run of numbers (`325.318/325.318`, `08:58`), across a phrase break, or an IPv4
    return bool(re.search(r"/|[.,;—] ", value) or re.match(r"[/\d]|[.:]\d", after)
                or re.search(r"\d[/:.]?$", before) or re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", value))


def card_look_alike(text: str, s: int, e: int) -> bool:
    """A phone number that passes Luhn (`+54...`), or digits not grouped as cards are."""
    value, before = text[s:e], text[max(0, s - 2):s]
    if before.endswith("+"):
        return True
    groups = tuple(len(g) for g in re.split(r"[ \-]", value))
    return not (len(groups) == 1 or (groups in CARD_GROUPS and len(set(re.findall(r"[ \-]", value))) == 1))


def widen(text: str, s: int, e: int, limit: int = 64) -> tuple[int, int]:
    """Move a span's edges outwards to whitespace (at most `limit` characters) so no value is cut."""
    lo = max(0, s - limit)
    while s > lo and not text[s - 1].isspace():
        s -= 1
    hi = min(len(text), e + limit)
    while e < hi and not text[e].isspace():
        e += 1
    return s, e


def in_ipv4(text: str, start: int, end: int) -> bool:
    """A phone trigger inside an IPv4 address (the phone look-alike rule would reject what it finds there)."""
    return IPV4_TOKEN.fullmatch(text, *widen(text, start, end, 16)) is not None


def _presidio(cls_name: str, **extra) -> Callable:
    """A factory of one of presidio's predefined recognisers (imported when first built)."""

    def make(lang: str, context: list[str], regions: list[str]):
        import presidio_analyzer.predefined_recognizers as rec

        kwargs = {"supported_regions": regions} if extra.get("regions") else {}
        return getattr(rec, cls_name)(supported_language=lang, context=context, **kwargs)

    return make


@functools.cache
def _offline_tld():
    """tldextract with the public suffix list snapshot shipped inside the package: no network, no log."""
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def _email(lang: str, context: list[str], regions: list[str]):
    """presidio's e-mail recogniser, whose TLD check uses the offline suffix list (its own would fetch one)."""
    from presidio_analyzer.predefined_recognizers import EmailRecognizer

    class OfflineEmailRecognizer(EmailRecognizer):
        def validate_result(self, pattern_text: str):
            return _offline_tld()(pattern_text).fqdn != ""

    return OfflineEmailRecognizer(supported_language=lang, context=context)


def _pattern(entity: str, pattern: str, validate: Callable[[str], bool] | None = None) -> Callable:
    """A ROOTS-style regex recogniser (KEY, USER), with an optional check of each match."""

    def make(lang: str, context: list[str], regions: list[str]):
        from presidio_analyzer import Pattern, PatternRecognizer

        class Checked(PatternRecognizer):
            def validate_result(self, pattern_text: str):
                return None if validate is None or validate(pattern_text) else False

        return Checked(supported_entity=entity, supported_language=lang, context=context,
                       patterns=[Pattern(entity.lower(), pattern, 0.5)])

    return make


@dataclass(frozen=True)
class Entity:
    tag: str
    """Our name for the type: redactions read `PI:<tag>`."""
    presidio: str
    """presidio's entity type."""
    trigger: str
    recogniser: Callable
    """(language, context words, phone regions) -> a presidio recogniser."""
    min_score: float
    context: tuple[str, ...]
    """English context words; a language YAML gives its own."""
    deny_before: tuple[str, ...] = ()
    """Words that, right before a value, make it something else (case-insensitive)."""
    allow: tuple[str, ...] = ()
    """Exact values that are syntax, not people."""
    look_alike: Callable[[str, int, int], bool] | None = None
    """(text, start, end) -> True when the match is something else."""
    skip_trigger: Callable[[str, int, int], bool] | None = None
    """(text, start, end) of a trigger match -> True when no window need be analysed around it."""
    enabled: bool = True


ENTITIES: tuple[Entity, ...] = (
    Entity("EMAIL", "EMAIL_ADDRESS", r"\S@[^\s@]+\.[^\s@]", _email, 0.5, ("email", "e-mail", "mail", "contact")),
    Entity("IP_ADDRESS", "IP_ADDRESS", r"\d\.\d{1,3}\.\d{1,3}\.\d|[0-9A-Fa-f]:[0-9A-Fa-f]{0,4}:|::",
           _presidio("IpRecognizer"), 0.6, ("ip", "ipv4", "ipv6", "address", "host", "server"),
           deny_before=("version", "ver.", "release", "rev.", "v", "v.", "section", "sect.", "chapter", "§",
                        "figure", "fig.", "table", "step", "rfc"),
           look_alike=ip_look_alike),
    Entity("PHONE", "PHONE_NUMBER", "\\d(?:[ \t\u00a0().\\-/]{0,3}\\d){6}",  # separators, not newlines
           _presidio("PhoneRecognizer", regions=True), 0.4,
           ("phone", "telephone", "tel", "mobile", "cell", "fax", "call"),
           deny_before=("isbn", "issn", "doi", "version"), look_alike=phone_look_alike, skip_trigger=in_ipv4),
    Entity("CREDIT_CARD", "CREDIT_CARD", "\\d(?:[ \t\u00a0\\-]{0,2}\\d){11}", _presidio("CreditCardRecognizer"), 0.8,
           ("card", "credit", "visa", "mastercard", "amex", "payment"), look_alike=card_look_alike),
    Entity("IBAN", "IBAN_CODE", r"[A-Za-z]{2}\d{2}", _presidio("IbanRecognizer"), 0.8,
           ("iban", "bank", "account", "transfer")),
    Entity("CRYPTO", "CRYPTO", r"[13][a-km-zA-HJ-NP-Z1-9]{25}|bc1[a-z0-9]{8}", _presidio("CryptoRecognizer"), 0.8,
           ("wallet", "btc", "bitcoin", "crypto")),
    Entity("KEY", "KEY", r"[A-Za-z0-9_+/=\-]{20}", _pattern("KEY", KEY_PATTERN, key_like), 0.5,
           ("key", "token", "secret", "password", "api")),
    Entity("USER", "USER", r"@[^\s@]", _pattern("USER", USER_PATTERN), 0.5, ("user", "twitter", "follow"),
           allow=("@reboot", "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly",
                  "@include", "@includedir", "@import", "@media", "@charset", "@font-face", "@param", "@return",
                  "@see", "@since", "@author", "@deprecated", "@throws", "@example", "@todo", "@override")),
    # URLs are not personal by themselves (ROOTS kept them): off unless a language turns it on.
    Entity("URL", "URL", r"[A-Za-z0-9\-]\.[A-Za-z]{2}", _presidio("UrlRecognizer"), 0.5, ("url", "website", "link"),
           enabled=False),
)
BY_PRESIDIO = {e.presidio: e for e in ENTITIES}
Tag = Literal[tuple(e.tag for e in ENTITIES)]  # type: ignore[valid-type]

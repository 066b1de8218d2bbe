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

from pipeline.pii.words import AT_WORDS, DOT_WORDS, SECTION_WORDS, VERSION_WORDS, all_words, any_word

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
    """A secret-looking token: letters and digits mixed, high character entropy, a part of 16+ characters that
    mixes letters and digits (not `debian-handbook-2023-06-12`, whose parts are words or numbers, nor the patch
    name `tdf148395-do-no-rely-on-x`, whose mixed part is a bug number), and, with
    fewer than 3 digits, both cases and no lowercase run longer than 7 (not `AbstractProxyFactoryBean2`)."""
    digits = sum(c.isdigit() for c in token)
    letters = sum(c.isalpha() for c in token)
    if digits < 1 or letters < 3 or _entropy(token) < (3.0 if HEX.fullmatch(token) else 3.5):  # hex: <= 4 bits/char
        return False
    parts = [p for p in re.split(r"[_+/=\-]", token) if p]
    mixed = [p for p in parts if not (p.isalpha() or p.isdigit()) and len(p) >= 16]
    if not mixed:
        return False
    runs = [len(r) for p in mixed for r in re.findall(r"[a-z]+", p)]
    words = sum(len(w) for p in mixed for w in re.findall(r"[A-Z][a-z]{2,}", p))
    caps = any(c.isupper() for p in mixed for c in p)
    mean_run = sum(runs) / len(runs) if runs else 0
    if mean_run >= 4 or (not caps and mean_run >= 3) or words >= 0.6 * sum(len(p) for p in mixed):
        return False  # words in an identifier (`preadvwritev64v2`, `XF86VidModeGetAllModeLines`), not a random
        #               string (short lowercase runs between capitals and digits, few capitalised words)
    if digits >= 3:
        return True
    longest_lower = max((len(m) for m in re.findall(r"[a-z]+", token)), default=0)
    return any(c.isupper() for c in token) and any(c.islower() for c in token) and longest_lower <= 7


# a group of one digit that is not the number's first group nor right after a `+33`/`0033` country code
ONE_DIGIT_GROUP = re.compile(r"(?<![+\d])(?<!^)(?<!^\()(?<![+]\d\d )(?<![+]\d )(?<![+]\d\d\d )"
                             r"(?<!^00\d )(?<!^00\d\d )(?<!^00\d\d\d )"
                             r"(?<=[\s.\-/)(])\d(?!\d)")
DATE_STAMP = re.compile(r"(?<!\d)(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?!\d)")
HEX = re.compile(r"[0-9a-fA-F]{7,}")  # git commits (7-40), md5, sha1, sha256 digests
# the rest of a Debian changelog header after a version's start: `pkg (0.99.1.0-1~deb12u1) unstable; urgency=`
DEBIAN_HEADER = re.compile(r"[\w.~+:\-]*\) [a-z][\w\-]*(?: [a-z][\w\-]*)*; urgency=")
# a version word before the number on its line, with no other number or `;` between (`versión 1.2.3.4`,
# `Project-Id-Version: sed 4.2.2.177`; not `version 2; server 10.1.2.3`)
VERSION_ON_LINE = re.compile(rf"(?:{any_word(all_words(VERSION_WORDS))})(?:(?!\.\s)[^\n;\d]){{0,40}}$", re.IGNORECASE)


def ip_look_alike(text: str, s: int, e: int) -> bool:
    """A version or section number taken for an IP (`linux-2.6.32.5`, `1.2.3.4-1`, `2:1.4.99.1`, `12.1.1.1. Title`, a
    netmask `255.255.255.0`, a
    version word of any language earlier on the line: `versión 1.2.3.4`, `Project-Id-Version: sed 4.2.2.177`)."""
    value, before, after = text[s:e], text[max(0, s - 2):s], text[e:e + 12]
    section = re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{1,2}\.\d{1,2}", value)  # 12.1.1.1, not 10.57.39.210
    small = re.fullmatch(r"\d(?:\.\d){3}", value)  # `2.8.0.3`: a version (or `1.2.3.4`, an example), no one's host
    epoch = re.search(r"(?:^|[\s(])\d{1,2}:$", text[max(0, s - 4):s])  # a Debian epoch: `2:1.4.99.1-1`
    return bool(JOINED_BEFORE.search(before) or VERSION_AFTER.match(after) or value.startswith("0.") or netmask(value)
                or small or epoch
                or (section and after[:1] == "." and HEADING.search(text[max(0, s - 80):s]))
                or VERSION_ON_LINE.search(text, max(0, s - 60), s) or DEBIAN_HEADER.match(text, e, e + 60))


def netmask(value: str) -> bool:
    """`255.255.240.0`: ones then zeros, a network mask, not an address."""
    groups = value.split(".")
    if len(groups) != 4 or not all(g.isdigit() and int(g) <= 255 for g in groups) or not value.startswith("255."):
        return False
    bits = f"{int.from_bytes(bytes(int(g) for g in groups), 'big'):032b}"
    return "01" not in bits


def ipv4_shaped(value: str) -> bool:
    """Four dotted groups of 1-3 digits, none with a leading zero: an address (`078.123.84.49` is a Swiss
    mobile number written with dots; addresses are not written with leading zeros)."""
    return (re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", value) is not None and not re.search(r"(?:^|\.)0\d", value)
            and all(int(g) <= 255 for g in value.split(".")))  # `612.34.43.85` is a Spanish number


def phone_needs_context(value: str) -> bool:
    """A bare run of 7+ digits not starting with 0 or + (`2147483648`, a bug, build or byte count) is a phone
    number only after a context word; `0612345678` and `+33612345678` are numbers as people write them."""
    return re.fullmatch(r"[1-9]\d{6,}", value) is not None


def user_needs_context(value: str) -> bool:
    """`@list`, `@INC`, `@tunnel_hash`: code documentation names members and variables the way handles look;
    a handle with a digit or mixed case and at most one `_` (`@marie12`, `@JaneDoe`) stands alone, a plain
    word, an all-capitals name, a snake_case or lowerCamelCase identifier needs context."""
    mixed = re.search(r"[a-z]", value) and re.search(r"[A-Z]", value)
    camel = re.fullmatch(r"@[a-z]+[A-Z][A-Za-z]*", value)  # `@objectClass`, `@extensibleObject`: code names
    return not (re.search(r"\d", value) or mixed) or value.count("_") > 1 or camel is not None


def key_candidate(token: str) -> bool:
    """What the KEY pattern may report at all: letters, and digits or both cases, with some entropy."""
    return (sum(c.isalpha() for c in token) >= 3 and _entropy(token) >= 3.0 and not identifier_like(token)
            and (any(c.isdigit() for c in token) or (any(c.isupper() for c in token) and any(c.islower() for c in token))))


def identifier_like(value: str) -> bool:
    """Two or more parts between `_ / . = -` that are each a word with at most a few digits inside
    (`http_auth_md5_hex2bin`, `tests/t/lib/ProFTPD/Tests/Logins`, `OPENSSL_SERVERALTIP6AUTH`,
    `SERVER/DB/table=dkim`): a name or a path, not a key, even after `auth` or `secret`."""
    parts = [p for p in re.split(r"[_/.=\-]", value) if p]
    return len(parts) >= 2 and all(re.fullmatch(r"[A-Za-z]{1,24}(?:\d{1,3}[A-Za-z]{0,24})?|\d{1,3}", p)
                                   and len(re.findall(r"[a-z][A-Z]", p)) <= 2 for p in parts)  # `TestSuite`, not
    #                                                                    random `huZfgZRJlzTtdGfg3tGnC`


def key_needs_context(value: str) -> bool:
    """Tokens that are keys only right after a secret word (`token: <hex>`, `password: <word salad>`): those
    not random-looking (`key_like`), and those whose parts between `/ - _ + . =` are all letters only, digits
    only, hex, or shorter than 16 characters, as in digests and commit ids, UUIDs, file paths and package
    names (`debian/patches/revert-eabcfb3f18a6944d9ad89cecd3eb3ca7a2259cf3`). A key that stands alone has a
    long random run mixing letters and digits (`sk_live_4eC39HqLyjWDarjtT1zdp7dc`)."""
    parts = [p for p in re.split(r"[/\-_+.=]", value) if p]
    return not key_like(value) or all(p.isalpha() or p.isdigit() or HEX.fullmatch(p) or len(p) < 16 for p in parts)


def phone_look_alike(text: str, s: int, e: int) -> bool:
    """A measurement, a price, a time, a year with a number, a quantity, or part of a longer run of numbers."""
    value, before, after = text[s:e], text[max(0, s - 2):s], text[e:e + 12]
    if sum(c.isdigit() for c in value) < 7 or re.match(r"(?:19|20)\d\d[-/]|\d{1,3}(?:[ ,]\d{3}){3,}$", value):
        return True  # short numbers match prices and times; `2024-000123` is a year and a number;
        #              `1 234 567 890` is a quantity in thousands groups
    if re.fullmatch(r"\(?\d+(?:\.\d+)+\)?", value) and max(len(g) for g in re.findall(r"\d+", value)) >= 6:
        return True  # dotted groups of 6+ digits are versions (`11.20220922`), not `06.12.34.56.78`
    grouped = re.sub(r"\s*\(0\)\s*", " ", value)  # the trunk `(0)` of `+32 (0)450 ...` is not a group
    if ONE_DIGIT_GROUP.search(grouped) or re.search(r"\t|\d {2,}\d", grouped):
        return True  # a one-digit group after the first (and after a `+33 ` country code) is a version, an OID
        #              or a list of numbers (`96.0.4664.110`, `1.3.6.1.6.3.1`, `trap '' 1 2 3 13 14`); columns
        #              of a table; phone numbers group their digits by 2 to 4 (`+33 1 23 45 67 89` is allowed)
    r = re.fullmatch(r"\(?([1-9]\d{3,4})(?:-|\.\.)([1-9]\d{3,4})\)?", value)
    if r and int(r.group(1)) < int(r.group(2)):
        return True  # a range: `32768-65535`, `49152..65535`
    if re.fullmatch(r"\d{5}-\d{4}", value) and re.search(r"\b[A-Z]{2},?\s+$", text[max(0, s - 16):s]):
        return True  # a US ZIP+4 code after its state: `Boston, MA 02110-1301` (also across a line break)
    if re.search(r"(?<!\d)(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?!\d)", value):
        return True  # an ISO date: `iperf 3.8 2020-06-08`
    if DATE_STAMP.search(value) and re.search(r"[\s().\-/]", value) or DEBIAN_HEADER.match(text, e, e + 60):
        return True  # a version: with a date stamp, `gcc-12 (12-20220428-1)`; `binutils (2.13.90.0.18-1.7) unstable;`
    if re.search(r"[A-Za-z_]$", text[max(0, s - 1):s]) or re.match(r"-[A-Za-z]", after):
        return True  # part of an identifier or a file name: `Wa_1408615072`, `02-687531-fix-ldflags.patch`
    # part of a longer run of numbers (`325.318/325.318`, `08:58`), across a phrase break, or an IPv4
    return bool(re.search(r"/|[.,;—] ", value) or re.match(r"[/\d]|[.:]\d", after)
                or re.search(r"\d[/:.]?$", before) or ipv4_shaped(value))


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
    m = IPV4_TOKEN.fullmatch(text, *widen(text, start, end, 16))
    return m is not None and ipv4_shaped(re.match(r"[\d.]*\d", m.group()).group())


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


# presidio's e-mail pattern, without `/ ? = &` in the local part (RFC-valid, unseen in real addresses): with
# them, `http://host/page?mail=jane@example.org` matched from `host` on and failed the TLD check, so the
# address in a URL was missed. It may not start inside a longer local part.
LOCAL = r"[!#$%'*+\-^_`{|}~\w]"
EMAIL_PATTERN = (rf"(?<![!#$%'*+\-^_`{{|}}~\w.])({LOCAL}|{LOCAL}[!#$%'*+\-^_`{{|}}~.\w]*{LOCAL})"
                 r"[@]\w+(?:-+\w+)*(?:\.\w+(?:-+\w+)*)+\b")


# Addresses spelt to hide them from robots: `jane[at]example.org`, `jane (at) example (dot) org`, and with the
# words alone, `jane at example dot org` / `juan arroba ejemplo punto es` (then every dot is a word and the
# last label a common top-level domain, so `look at this dot product` is prose).
_AT, _DOT = any_word(all_words(AT_WORDS)), any_word(all_words(DOT_WORDS))
BR_AT, BR_DOT = rf"\s*[\[({{<]\s*(?:{_AT}|@)\s*[\])}}>]\s*", rf"\s*[\[({{<]\s*(?:{_DOT}|\.)\s*[\])}}>]\s*"
COMMON_TLD = r"(?:com|org|net|edu|gov|info|io|biz|[a-z]{2})"
EMAIL_TRIGGER = (r"\S@[^\s@]+\.[^\s@]|[\[({<]\s*(?i:" + "|".join(all_words(AT_WORDS)) + r"|@)\s*[\])}>]"
                 r"|\s(?i:" + "|".join(all_words(DOT_WORDS)) + r")\s")


def obfuscated_email(lang: str) -> str:
    """The pattern of an address spelt out in `lang` (its words or English ones, a pair of one language)."""
    plain = "|".join(rf"\s+(?:{any_word(AT_WORDS[k])})\s+[\w\-]+(?:\s+(?:{any_word(DOT_WORDS[k])})\s+[\w\-]+)*"
                     rf"\s+(?:{any_word(DOT_WORDS[k])})\s+{COMMON_TLD}" for k in dict.fromkeys([lang, "en"]) if k in AT_WORDS)
    return (rf"(?<![\w.+\-])\w[\w.+\-]*(?:{BR_AT}[\w\-]+(?:(?:{BR_DOT}|\.)[\w\-]+)+|{plain})(?![\w\-])")


def unobfuscate(value: str) -> str:
    """`jane [at] example (dot) org` -> `jane@example.org`."""
    value = re.sub(rf"{BR_AT}|\s+(?:{_AT})\s+", "@", value, flags=re.IGNORECASE)
    return re.sub(rf"{BR_DOT}|\s+(?:{_DOT})\s+", ".", value, flags=re.IGNORECASE).replace(" ", "")


def _email(lang: str, context: list[str], regions: list[str]):
    """presidio's e-mail recogniser on EMAIL_PATTERN and OBFUSCATED_EMAIL, whose TLD check (of the address
    spelt out) uses the offline suffix list (its own would fetch one)."""
    from presidio_analyzer import Pattern
    from presidio_analyzer.predefined_recognizers import EmailRecognizer

    class OfflineEmailRecognizer(EmailRecognizer):
        def validate_result(self, pattern_text: str):
            address = unobfuscate(pattern_text) if "@" not in pattern_text or "[" in pattern_text or "(" in pattern_text \
                else pattern_text
            return re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address) is not None and _offline_tld()(address).fqdn != ""

    return OfflineEmailRecognizer(patterns=[Pattern("Email (Medium)", EMAIL_PATTERN, 0.5),
                                            Pattern("Email (spelt out)", obfuscated_email(lang), 0.5)],
                                  supported_language=lang, context=context)


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
    needs_context: Callable[[str], bool] | None = None
    """value -> True when a value of that shape counts only after a context word (within `context_chars`
    characters before it, on its line): a hex digest is a KEY after `token:`, not in a changelog."""
    context_chars: int = 40
    context_whole_words: bool = False
    """Context words count only whole (`user` not in `username`, `$user`); else a prefix is enough (compounds:
    German `Telefonnummer` after `telefon`)."""
    enabled: bool = True


ENTITIES: tuple[Entity, ...] = (
    Entity("EMAIL", "EMAIL_ADDRESS", EMAIL_TRIGGER, _email, 0.5, ("email", "e-mail", "mail", "contact")),
    Entity("IP_ADDRESS", "IP_ADDRESS", r"\d\.\d{1,3}\.\d{1,3}\.\d|[0-9A-Fa-f]:[0-9A-Fa-f]{0,4}:|::",
           _presidio("IpRecognizer"), 0.6, ("ip", "ipv4", "ipv6", "address", "host", "server"),
           deny_before=("ver.", "rev.", "v", "v.", "sect.", "§", "fig.", "rfc", *all_words(SECTION_WORDS),
                        *all_words(VERSION_WORDS)),
           look_alike=ip_look_alike),
    Entity("PHONE", "PHONE_NUMBER", "\\d(?:[ \t\u00a0().\\-/]{0,3}\\d){6}",  # separators, not newlines
           _presidio("PhoneRecognizer", regions=True), 0.4,
           ("phone", "telephone", "tel", "mobile", "cell", "fax", "call"),
           deny_before=("isbn", "issn", "doi", "version"), look_alike=phone_look_alike, skip_trigger=in_ipv4,
           needs_context=phone_needs_context),
    Entity("CREDIT_CARD", "CREDIT_CARD", "\\d(?:[ \t\u00a0\\-]{0,2}\\d){11}", _presidio("CreditCardRecognizer"), 0.8,
           ("card", "credit", "visa", "mastercard", "amex", "payment"), look_alike=card_look_alike),
    Entity("IBAN", "IBAN_CODE", r"[A-Za-z]{2}\d{2}", _presidio("IbanRecognizer"), 0.8,
           ("iban", "bank", "account", "transfer")),
    Entity("CRYPTO", "CRYPTO", r"[13][a-km-zA-HJ-NP-Z1-9]{25}|bc1[a-z0-9]{8}", _presidio("CryptoRecognizer"), 0.8,
           ("wallet", "btc", "bitcoin", "crypto")),
    Entity("KEY", "KEY", r"[A-Za-z0-9_+/=\-]{20}", _pattern("KEY", KEY_PATTERN, key_candidate), 0.5,
           ("token", "secret", "password", "passwd", "api_key", "api key", "apikey", "access key", "access_key",
            "private key", "private_key", "credential", "bearer", "auth"),  # not `key` alone: `signing key <id>`
           needs_context=key_needs_context, context_chars=16),
    Entity("USER", "USER", r"@[^\s@]", _pattern("USER", USER_PATTERN), 0.5,
           ("user", "twitter", "follow", "mastodon", "handle", "contact", "contato", "kontakt", "reported by",
            "thanks to"),
           needs_context=user_needs_context, context_whole_words=True,
           allow=("@reboot", "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly",
                  "@include", "@includedir", "@import", "@media", "@charset", "@font-face", "@param", "@return",
                  "@see", "@since", "@author", "@deprecated", "@throws", "@example", "@todo", "@override")),
    # URLs are not personal by themselves (ROOTS kept them): off unless a language turns it on.
    Entity("URL", "URL", r"[A-Za-z0-9\-]\.[A-Za-z]{2}", _presidio("UrlRecognizer"), 0.5, ("url", "website", "link"),
           enabled=False),
)
BY_PRESIDIO = {e.presidio: e for e in ENTITIES}
Tag = Literal[tuple(e.tag for e in ENTITIES)]  # type: ignore[valid-type]

"""The PII types, one record each: what triggers a look, which presidio recogniser decides, its default
score threshold and context words, and what looks like it but is not (the rules: pipeline/pii/lookalikes.py,
versions.py, numbers.py, handles.py).

Adding a type is one `Entity(...)` in `ENTITIES`. A *trigger* is a cheap regular expression (in the common
subset of Python `re` and RE2) that every value the recogniser can match contains: documents without a
trigger never reach presidio. presidio's scores: a pattern match scores its pattern's weight (e-mail 0.5,
IP 0.6, phone 0.4, KEY/USER 0.5); a passed checksum or TLD check scores 1.0, so cards, IBANs and crypto
addresses need their checksum (0.8 > any pattern weight + context).
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pipeline.pii.handles import USER_PATTERN, user_look_alike, user_needs_context
from pipeline.pii.lookalikes import (
    KEY_PATTERN,
    crypto_look_alike,
    data_window,
    email_look_alike,
    in_ipv4,
    key_candidate,
    key_look_alike,
    key_needs_context,
    key_place_needs_context,
)
from pipeline.pii.numbers import card_look_alike, phone_look_alike, phone_needs_context, phone_place_needs_context, phone_unlike_regions
from pipeline.pii.versions import ip_look_alike
from pipeline.pii.words import AT_WORDS, DOT_WORDS, SECTION_WORDS, VERSION_WORDS, all_words, any_word


def _presidio(cls_name: str) -> Callable:
    """A factory of one of presidio's predefined recognisers (imported when first built)."""

    def make(lang: str, context: list[str], regions: list[str]):
        import presidio_analyzer.predefined_recognizers as rec

        return getattr(rec, cls_name)(supported_language=lang, context=context)

    return make


def _phone(lang: str, context: list[str], regions: list[str]):
    """presidio's PhoneRecognizer, remembering phonenumbers' verdicts (pipeline/pii/phones.py)."""
    from pipeline.pii.phones import MemoPhoneRecognizer

    return MemoPhoneRecognizer(supported_language=lang, context=context, supported_regions=regions)


@functools.cache
def _offline_tld():
    """tldextract with the public suffix list snapshot shipped inside the package: no network, no log."""
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


# presidio's e-mail pattern, without `/ ? = &` in the local part (RFC-valid, unseen in real addresses): with
# them, `http://host/page?mail=jane@example.org` matched from `host` on and failed the TLD check, so the
# address in a URL was missed. It may not start inside a longer local part, nor with a quote: `'jane@example.org'`
# in code is quoted, and the quote is not the address's (`o'brien@example.org` keeps its own).
LOCAL = r"[!#$%'*+\-^_`{|}~\w]"
FIRST = r"[!#$%*+\-^_{|}~\w]"  # LOCAL but the quotes: a local part's first character
EMAIL_PATTERN = (rf"(?<![!#$%*+\-^_{{|}}~\w.])({FIRST}|{FIRST}[!#$%'*+\-^_`{{|}}~.\w]*{LOCAL})"
                 r"[@]\w+(?:-+\w+)*(?:\.\w+(?:-+\w+)*)+\b")


# Addresses spelt to hide them from robots: `jane[at]example.org`, `jane (at) example (dot) org`, and with the
# words alone, `jane at example dot org` / `juan arroba ejemplo punto es` (then every dot is a word and the
# last label a common top-level domain, so `look at this dot product` is prose).
_AT, _DOT = any_word(all_words(AT_WORDS)), any_word(all_words(DOT_WORDS))
BR_AT, BR_DOT = rf"\s*[\[({{<]\s*(?:{_AT}|@)\s*[\])}}>]\s*", rf"\s*[\[({{<]\s*(?:{_DOT}|\.)\s*[\])}}>]\s*"
COMMON_TLD = r"(?:com|org|net|edu|gov|info|io|biz|[a-z]{2})"
def _email_trigger(dots) -> str:
    """An address, an `at` or `@` in brackets, or one of `dots` spelt out between spaces."""
    return (r"\S@[^\s@]+\.[^\s@]|[\[({<]\s*(?i:" + "|".join(all_words(AT_WORDS)) + r"|@)\s*[\])}>]"
            r"|\s(?i:" + "|".join(dots) + r")\s")


EMAIL_TRIGGER = _email_trigger(all_words(DOT_WORDS))


def email_trigger(lang: str) -> str:
    """EMAIL_TRIGGER with only the spelt-out dots `obfuscated_email(lang)` can match without brackets: the
    language's and English's (an English text's ` point ` opens no window; its `[at]`, `(dot)` still do)."""
    return _email_trigger(sorted({w for k in dict.fromkeys([lang, "en"]) for w in DOT_WORDS.get(k, ())}))


def obfuscated_email(lang: str) -> str:
    """The pattern of an address spelt out in `lang` (its words or English ones, a pair of one language)."""
    langs = [k for k in dict.fromkeys([lang, "en"]) if k in AT_WORDS]
    plain = "|".join(rf"\s+(?:{any_word(AT_WORDS[k])})\s+[\w\-]+(?:\s+(?:{any_word(DOT_WORDS[k])})\s+[\w\-]+)*"
                     rf"\s+(?:{any_word(DOT_WORDS[k])})\s+{COMMON_TLD}" for k in langs)
    dots = any_word(sorted({w for k in langs for w in DOT_WORDS.get(k, ())}))
    # the local part may spell its dots too: `mesko dot balazs at fsf dot hu` (not only `balazs at fsf dot hu`)
    local = rf"\w[\w.+\-]*(?:(?:{BR_DOT}|\s+(?:{dots})\s+)\w[\w.+\-]*)*"
    return rf"(?<![\w.+\-]){local}(?:{BR_AT}[\w\-]+(?:(?:{BR_DOT}|\.)[\w\-]+)+|{plain})(?![\w\-])"


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
    trigger_for: Callable[[str], str] | None = None
    """language -> the trigger that language's recogniser needs (EMAIL: its own spelt-out dots), else `trigger`."""
    skip_trigger: Callable[[str, int, int], bool] | None = None
    """(text, start, end) of a trigger match -> True when no window need be analysed around it."""
    needs_context: Callable[[str], bool] | None = None
    """value -> True when a value of that shape counts only after a context word (within `context_chars`
    characters before it, on its line): a hex digest is a KEY after `token:`, not in a changelog."""
    regional_needs_context: Callable[[str, tuple[str, ...]], bool] | None = None
    """(value, the language's phone regions) -> True when a value so written counts only after a context word."""
    place_needs_context: Callable[[str, int, int], bool] | None = None
    """(text, start, end) -> True when, where it stands, a value counts only after a context word (a phone-shaped
    number among drawing coordinates: `data_window`, where `fax 1 800 446 6520` still counts; a key-shaped token
    in a URL)."""
    context_chars: int = 40
    context_lines: int = 1
    """Lines the context window may span (2: a handle wrapped onto the line after `Reported by`)."""
    context_whole_words: bool = False
    """Context words count only whole (`user` not in `username`, `$user`); else a prefix is enough (compounds:
    German `Telefonnummer` after `telefon`)."""
    enabled: bool = True


ENTITIES: tuple[Entity, ...] = (
    Entity("EMAIL", "EMAIL_ADDRESS", EMAIL_TRIGGER, _email, 0.5, ("email", "e-mail", "mail", "contact"),
           look_alike=email_look_alike, trigger_for=email_trigger),
    Entity("IP_ADDRESS", "IP_ADDRESS", r"\d\.\d{1,3}\.\d{1,3}\.\d|[0-9A-Fa-f]:[0-9A-Fa-f]{0,4}:|::",
           _presidio("IpRecognizer"), 0.6, ("ip", "ipv4", "ipv6", "address", "host", "server"),
           deny_before=("ver.", "rev.", "v", "v.", "sect.", "§", "fig.", "rfc", *all_words(SECTION_WORDS),
                        *all_words(VERSION_WORDS)),
           look_alike=ip_look_alike),
    Entity("PHONE", "PHONE_NUMBER", "\\d(?:[ \t\u00a0().\\-/]{0,3}\\d){6}",  # separators, not newlines
           _phone, 0.4,
           ("phone", "telephone", "tel", "mobile", "cell", "fax", "call", "voice"),
           deny_before=("isbn", "issn", "doi", "version"), look_alike=phone_look_alike, skip_trigger=in_ipv4,
           needs_context=phone_needs_context, regional_needs_context=phone_unlike_regions,
           place_needs_context=phone_place_needs_context),
    Entity("CREDIT_CARD", "CREDIT_CARD", "\\d(?:[ \t\u00a0\\-]{0,2}\\d){11}", _presidio("CreditCardRecognizer"), 0.8,
           ("card", "credit", "visa", "mastercard", "amex", "payment"), look_alike=card_look_alike,
           place_needs_context=data_window),
    Entity("IBAN", "IBAN_CODE", r"[A-Za-z]{2}\d{2}", _presidio("IbanRecognizer"), 0.8,
           ("iban", "bank", "account", "transfer")),
    Entity("CRYPTO", "CRYPTO", r"[13][a-km-zA-HJ-NP-Z1-9]{25}|bc1[a-z0-9]{8}", _presidio("CryptoRecognizer"), 0.8,
           ("wallet", "btc", "bitcoin", "crypto"), look_alike=crypto_look_alike),
    Entity("KEY", "KEY", r"[A-Za-z0-9_+/=\-]{20}", _pattern("KEY", KEY_PATTERN, key_candidate), 0.5,
           ("token", "tokens", "secret", "secrets", "password", "passwords", "passwd", "api_key", "api key", "apikey",
            "access key", "access_key", "accesskey", "secretkey", "private key", "private_key", "credential",
            "credentials", "bearer", "auth", "authorization"),
           # not `key` alone (`signing key <id>`); whole words: not `tokenizer = `, `AuthName realm`
           needs_context=key_needs_context, place_needs_context=key_place_needs_context, context_chars=16,
           look_alike=key_look_alike, context_whole_words=True),
    Entity("USER", "USER", r"@[^\s@]", _pattern("USER", USER_PATTERN), 0.5,
           ("user", "twitter", "follow", "mastodon", "handle", "contact", "contato", "kontakt", "reported by",
            "thanks to"),
           needs_context=user_needs_context, context_whole_words=True, context_lines=2, look_alike=user_look_alike,
           allow=("@reboot", "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly",
                  "@include", "@includedir", "@import", "@media", "@charset", "@font-face", "@param", "@return",
                  "@see", "@since", "@author", "@deprecated", "@throws", "@example", "@todo", "@override",
                  # placeholders in mail and network documentation (`user@domain, @domain, user`)
                  "@domain", "@host", "@hostname", "@localhost", "@server", "@user", "@group", "@mail",
                  # Texinfo's commands (GNU manuals and their ChangeLogs: `Handle @asis in table`)
                  "@asis", "@code", "@var", "@samp", "@file", "@emph", "@strong", "@itemx", "@xref", "@pxref", "@uref",
                  "@kbd", "@dfn", "@cindex", "@findex", "@vindex", "@deffn", "@defun", "@setfilename", "@settitle",
                  "@smallexample", "@itemize", "@enumerate", "@TeX", "@LaTeX", "@end", "@item", "@table", "@node",
                  "@menu", "@chapter", "@section", "@subsection", "@ref", "@url", "@email", "@bullet", "@noindent",
                  "@display", "@format", "@quotation", "@verbatim", "@footnote", "@dots", "@copyright", "@top",
                  "@center", "@multitable", "@printindex", "@titlepage", "@ifinfo", "@iftex", "@bye",
                  # IRC networks' services, not people (`/msg @ChanServ`, a nick list's `pseudo (@ChanServ)`)
                  "@ChanServ", "@NickServ", "@MemoServ", "@OperServ", "@HostServ", "@BotServ", "@SaslServ")),
    # URLs are not personal by themselves (ROOTS kept them): off unless a language turns it on.
    Entity("URL", "URL", r"[A-Za-z0-9\-]\.[A-Za-z]{2}", _presidio("UrlRecognizer"), 0.5, ("url", "website", "link"),
           enabled=False),
)
BY_PRESIDIO = {e.presidio: e for e in ENTITIES}
Tag = Literal[tuple(e.tag for e in ENTITIES)]  # type: ignore[valid-type]

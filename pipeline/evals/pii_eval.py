"""Labelled PII evaluation: precision and recall per entity type on real text (`make pii-eval`).

Two sets, both built on this machine from text the project can get offline:

* planted: real paragraphs of the bundled manuals in 7 languages (fr es de it pt en zh) that hold no
  digit and no '@' (so they hold none of our PII types), with PII values planted between sentences, half
  of them after a context word of the language: real e-mail addresses (Debian maintainers, from
  /usr/share/doc/*/copyright), IPv4/IPv6 addresses, phone numbers valid for the language's regions in
  international, national, E.164 and dotted formats (phonenumbers' own example numbers with new
  subscriber digits, kept only if still valid), Luhn-valid cards in 4-4-4-4 / 4-6-5 groupings, IBANs with
  correct check digits, Bitcoin addresses with correct checksums, API-key-like tokens and @handles.
  Look-alikes that must NOT be redacted are planted the same way: dates, times, version numbers,
  section numbers, prices, ISBNs, Luhn-invalid card-like numbers, order numbers, coordinates, big numbers.
  Labels are the planted spans, so they are exact.
* copyright: real lines of Debian copyright files that name people with `<address>`; the label is every
  bracketed address (lines with an '@' outside brackets are left out so that every address is labelled).

A detection is right when it overlaps a labelled span of the same type. Also reported: that the RE2
pre-filter + windows find exactly what presidio run on whole documents finds (documents that differ).
"""
from __future__ import annotations

import argparse
import gzip
import ipaddress
import json
import random
import re
import string
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path

from pipeline.pii.config import PiiConfig
from pipeline.pii.redactor import Redactor

LANGS = ("fr", "es", "de", "it", "pt", "en", "zh")
IBAN_BBAN = {"FR": "n23", "DE": "n18", "ES": "n20", "IT": "a1n22", "GB": "a4n14", "NL": "a4n10", "BE": "n12",
             "PT": "n21"}
LOOK_ALIKES = {
    "date": ["2024-03-15", "15/03/2024", "15.03.2024", "03/15/2024", "2023-12-31T23:59:59"],
    "time": ["12:30:45", "08:58", "23:59:59.999"],
    "version": ["version 1.2.3.4", "v2.6.32.5", "1.2.3.4-1", "linux-5.10.0.21", "python3.11.7.2", "4.19.0.1-amd64"],
    "section": ["Section 6.1.2.2", "\n12.1.1.1. ", "§ 3.2.1.4"],
    "price": ["1 234,56 €", "$1,234.56", "12 345 678 €", "€ 99.99", "1.234.567,00 EUR"],
    "isbn": ["ISBN 978-2-07-036822-8", "ISBN 0-306-40615-2", "ISBN 9780306406157"],
    "card_invalid": ["4111 1111 1111 1112", "5500-0000-0000-0005", "1234 5678 9012 3456"],
    "order": ["n° 2024-000123", "order #123456789", "ticket 987654", "bug #1034567"],
    "coords": ["48.8566, 2.3522", "-33.8688, 151.2093"],
    "number": ["1 234 567 890", "3.14159265358979", "0.000000123", "10^12", "65535"],
}
LEADS = {"fr": "Contact :", "es": "Contacto:", "de": "Kontakt:", "it": "Contatto:", "pt": "Contato:", "en": "Contact:",
         "zh": "联系："}


@dataclass
class Doc:
    lang: str
    text: str
    gold: list[tuple[int, int, str]] = field(default_factory=list)   # (start, end, tag)
    alikes: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, kind)


def carriers(data: Path, lang: str, n: int, rng: random.Random) -> list[str]:
    """Paragraphs of the bundled texts with no digit and no '@' (hence no PII of our types), 200-1,800 chars."""
    paras = []
    for f in sorted(data.glob(f"*/{lang}.jsonl.gz")):
        with gzip.open(f, "rt", encoding="utf-8") as fh:
            for line in fh:
                for text in json.loads(line)["text"].split("\n\n"):
                    if 200 <= len(text) <= 1800 and "@" not in text and not any(c.isdigit() for c in text):
                        paras.append(text)
    rng.shuffle(paras)
    return paras[:n]


def copyright_emails(root: Path = Path("/usr/share/doc"), limit: int = 3000) -> tuple[list[str], list[str]]:
    """Real copyright lines naming people with `<address>` (all '@' inside brackets), and the addresses."""
    lines, emails = [], []
    for f in sorted(root.glob("*/copyright")):
        try:
            text = f.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for ln in text.splitlines():
            found = re.findall(r"<([^<>\s@]+@[^<>\s@]+\.[A-Za-z]{2,})>", ln)
            if found and ln.count("@") == len(found) and len(ln) < 300:
                lines.append(ln.strip())
                emails += found
    return sorted(set(lines))[:limit], sorted(set(emails))


def luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def card(rng: random.Random) -> str:
    kind = rng.choice(["visa", "mc", "amex"])
    prefix, length = {"visa": ("4", 16), "mc": (str(rng.randint(51, 55)), 16), "amex": (rng.choice(["34", "37"]), 15)}[kind]
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    num = body + luhn_digit(body)
    sep = rng.choice([" ", "-", ""])
    groups = [num[:4], num[4:10], num[10:]] if length == 15 else [num[i:i + 4] for i in range(0, 16, 4)]
    return sep.join(groups)


def iban(rng: random.Random) -> str:
    country = rng.choice(sorted(IBAN_BBAN))
    bban = ""
    for kind, count in re.findall(r"([an])(\d+)", IBAN_BBAN[country]):
        alphabet = string.ascii_uppercase if kind == "a" else string.digits
        bban += "".join(rng.choice(alphabet) for _ in range(int(count)))
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    value = f"{country}{98 - int(numeric) % 97:02d}{bban}"
    return " ".join(value[i:i + 4] for i in range(0, len(value), 4)) if rng.random() < 0.6 else value


B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def bitcoin(rng: random.Random) -> str:
    payload = bytes([0]) + rng.randbytes(20)
    raw = payload + sha256(sha256(payload).digest()).digest()[:4]
    n, out = int.from_bytes(raw, "big"), ""
    while n:
        n, r = divmod(n, 58)
        out = B58[r] + out
    return "1" * (len(raw) - len(raw.lstrip(b"\0"))) + out


def phone(rng: random.Random, regions: list[str]) -> str:
    import phonenumbers
    from phonenumbers import PhoneNumberFormat as F
    from phonenumbers import PhoneNumberType as T

    for _ in range(50):
        region = rng.choice(regions)
        ex = phonenumbers.example_number_for_type(region, rng.choice([T.MOBILE, T.FIXED_LINE]))
        if ex is None:
            continue
        nat = str(ex.national_number)
        cand = phonenumbers.parse(nat[:-4] + "".join(rng.choice(string.digits) for _ in range(4)), region)
        if not phonenumbers.is_valid_number(cand):
            continue
        style = rng.choice(["intl", "national", "e164", "dots"])
        if style == "intl":
            return phonenumbers.format_number(cand, F.INTERNATIONAL)
        if style == "e164":
            return phonenumbers.format_number(cand, F.E164)
        national = phonenumbers.format_number(cand, F.NATIONAL)
        return national.replace(" ", ".") if style == "dots" and region in ("FR", "BE") else national
    raise RuntimeError(f"no valid phone number for {regions}")


def ipv4(rng: random.Random) -> str:
    return str(ipaddress.IPv4Address(rng.choice([rng.getrandbits(32), (192 << 24) | (168 << 16) | rng.getrandbits(16),
                                                 (10 << 24) | rng.getrandbits(24)])))


def ipv6(rng: random.Random) -> str:
    addr = ipaddress.IPv6Address((0x2001 << 112) | (0xdb8 << 96) | rng.getrandbits(64 if rng.random() < .5 else 16))
    return addr.compressed if rng.random() < 0.7 else addr.exploded


def key(rng: random.Random) -> str:
    body = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(rng.randint(24, 40)))
    return rng.choice(["", "sk_live_", "ghp_", "AKIA", "xoxb-"]) + body


def handle(rng: random.Random) -> str:
    return "@" + rng.choice(["marie", "jdupont", "ana_garcia", "k.schmidt", "luca", "wang_wei", "dev0ps"]).replace(".", "_") \
        + str(rng.randint(1, 99))


def build_planted(data: Path, per_lang: int, seed: int = 7, langs=LANGS, languages: Path = Path("languages")) -> list[Doc]:
    from pipeline.language import load_language

    rng = random.Random(seed)
    _, emails = copyright_emails()
    if not emails:
        raise SystemExit("no e-mail addresses in /usr/share/doc/*/copyright: the planted set needs a Debian-like system")
    docs = []
    for lang in langs:
        cfg = load_language(languages, lang).pii or PiiConfig()
        regions = cfg.phone_regions
        ctx = {tag: rc.context for tag, rc in cfg.recognisers.items()}
        makers = {"EMAIL": lambda: rng.choice(emails), "IP_ADDRESS": lambda: ipv4(rng) if rng.random() < .7 else ipv6(rng),
                  "PHONE": lambda: phone(rng, regions), "CREDIT_CARD": lambda: card(rng), "IBAN": lambda: iban(rng),
                  "CRYPTO": lambda: bitcoin(rng), "KEY": lambda: key(rng), "USER": lambda: handle(rng)}
        weights = {"EMAIL": 3, "IP_ADDRESS": 3, "PHONE": 4, "CREDIT_CARD": 1, "IBAN": 1, "CRYPTO": .5, "KEY": .5, "USER": 1}
        for text in carriers(data, lang, per_lang, rng):
            sentences = re.split(r"(?<=[.!?。])\s+", text)
            inserts: dict[int, list] = defaultdict(list)
            for _ in range(rng.randint(1, 4)):
                tag = rng.choices(list(weights), list(weights.values()))[0]
                lead = rng.choice(ctx[tag]) if ctx.get(tag) and rng.random() < 0.5 else LEADS[lang] if rng.random() < .3 else ""
                inserts[rng.randint(0, len(sentences))].append(("pii", tag, lead, makers[tag]()))
            for _ in range(rng.randint(1, 4)):
                kind = rng.choice(sorted(LOOK_ALIKES))
                inserts[rng.randint(0, len(sentences))].append(("alike", kind, "", rng.choice(LOOK_ALIKES[kind])))
            doc, out = Doc(lang, ""), []
            pos = 0
            for i in range(len(sentences) + 1):
                for what, label, lead, value in inserts.get(i, []):
                    piece = f"{lead} " if lead else ""
                    out.append(piece)
                    pos += len(piece)
                    (doc.gold if what == "pii" else doc.alikes).append((pos, pos + len(value), label))
                    sep = rng.choice([". ", ", ", "; ", " — "])  # values end a phrase, as in real text
                    out.append(value + sep)
                    pos += len(value) + len(sep)
                if i < len(sentences):
                    out.append(sentences[i] + " ")
                    pos += len(sentences[i]) + 1
            doc.text = "".join(out)
            docs.append(doc)
    return docs


def build_copyright(limit: int) -> list[Doc]:
    lines, _ = copyright_emails(limit=limit)
    docs = []
    for ln in lines:
        d = Doc("en", ln)
        for m in re.finditer(r"<([^<>\s@]+@[^<>\s@]+\.[A-Za-z]{2,})>", ln):
            d.gold.append((m.start(1), m.end(1), "EMAIL"))
        docs.append(d)
    return docs


def score(docs: list[Doc], redactors: dict[str, Redactor], examples: int = 20) -> dict:
    """Per-type counts; `examples` false positives are quoted (never for real text: they may be real PII)."""
    tp, fn, fp = Counter(), Counter(), Counter()
    alike_hits, alike_total, differ = Counter(), Counter(), 0
    fp_examples: list[str] = []
    for d in docs:
        r = redactors[d.lang]
        spans = r.find(d.text, r.candidates([d.text])[0])
        if [(x.start, x.end, x.tag) for x in spans] != [(x.start, x.end, x.tag) for x in r.find(d.text, None)]:
            differ += 1
        for s, e, tag in d.gold:
            if any(sp.tag == tag and sp.start < e and s < sp.end for sp in spans):
                tp[tag] += 1
            else:
                fn[tag] += 1
        for sp in spans:
            if not any(sp.tag == tag and sp.start < e and s < sp.end for s, e, tag in d.gold):
                fp[sp.tag] += 1
                if len(fp_examples) < examples:
                    fp_examples.append(f"{sp.tag}: {d.text[max(0, sp.start - 20):sp.start]}[[{d.text[sp.start:sp.end]}]]"
                                       f"{d.text[sp.end:sp.end + 10]}".replace("\n", " "))
        for s, e, kind in d.alikes:
            alike_total[kind] += 1
            if any(sp.start < e and s < sp.end for sp in spans):
                alike_hits[kind] += 1
    tags = sorted(set(tp) | set(fn) | set(fp))
    per_type = {t: {"labelled": tp[t] + fn[t], "found": tp[t], "false_positives": fp[t],
                    "recall": round(tp[t] / (tp[t] + fn[t]), 4) if tp[t] + fn[t] else None,
                    "precision": round(tp[t] / (tp[t] + fp[t]), 4) if tp[t] + fp[t] else None} for t in tags}
    all_tp, all_fp = sum(tp.values()), sum(fp.values())
    return {"documents": len(docs), "per_type": per_type,
            "precision_overall": round(all_tp / (all_tp + all_fp), 4) if all_tp + all_fp else None,
            "recall_overall": round(all_tp / (all_tp + sum(fn.values())), 4) if all_tp + sum(fn.values()) else None,
            "look_alikes_redacted": {k: f"{alike_hits[k]}/{alike_total[k]}" for k in sorted(alike_total)},
            "prefilter_differs_from_whole_document_docs": differ, "false_positive_examples": fp_examples}


def evaluate(data: Path, per_lang: int = 200, copyright_lines: int = 1500, languages: Path = Path("languages"),
             seed: int = 7) -> dict:
    from pipeline.language import load_language

    planted = build_planted(data, per_lang, seed=seed, languages=languages)
    langs = sorted({d.lang for d in planted} | {"en"})
    redactors = {lang: Redactor(load_language(languages, lang).pii or PiiConfig(), lang) for lang in langs}
    by_lang = defaultdict(list)
    for d in planted:
        by_lang[d.lang].append(d)
    return {"seed": seed, "planted": score(planted, redactors),
            "planted_per_language": {lang: {k: v for k, v in score(ds, redactors).items() if k != "false_positive_examples"}
                                     for lang, ds in sorted(by_lang.items())},
            "copyright": score(build_copyright(copyright_lines), redactors, examples=0)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.evals.pii_eval", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("data/sources"))
    ap.add_argument("--per-lang", type=int, default=200, help="planted documents per language")
    ap.add_argument("--seed", type=int, default=7, help="7 = the set the look-alike rules were written against; "
                    "any other seed draws new carriers and values (a held-out check)")
    ap.add_argument("--out", type=Path, default=Path("out/bench/pii_eval.json"))
    args = ap.parse_args(argv)
    result = evaluate(args.data, args.per_lang, seed=args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps({k: (v if k != "planted_per_language" else "...") for k, v in result.items()}, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

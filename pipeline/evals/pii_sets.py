"""Building blocks of the PII evaluations (pii_eval.py, pii_tech_eval.py): carrier paragraphs with no PII,
real-format values (valid checksums and numbering plans), and the scoring of detections against labels."""
from __future__ import annotations

import gzip
import ipaddress
import json
import random
import re
import string
from collections import Counter
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path

from pipeline.pii.redactor import Redactor

IBAN_BBAN = {"FR": "n23", "DE": "n18", "ES": "n20", "IT": "a1n22", "GB": "a4n14", "NL": "a4n10", "BE": "n12",
             "PT": "n21"}


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


def valid_number(rng: random.Random, regions: list[str], tries: int = 50):
    """(a phonenumbers number valid in one of `regions`, the region): phonenumbers' example number of a
    mobile or fixed line with four new subscriber digits, kept only if still valid."""
    import phonenumbers
    from phonenumbers import PhoneNumberType as T

    for _ in range(tries):
        region = rng.choice(regions)
        ex = phonenumbers.example_number_for_type(region, rng.choice([T.MOBILE, T.FIXED_LINE]))
        if ex is None:
            continue
        nat = str(ex.national_number)
        cand = phonenumbers.parse(nat[:-4] + "".join(rng.choice(string.digits) for _ in range(4)), region)
        if phonenumbers.is_valid_number(cand):
            return cand, region
    raise RuntimeError(f"no valid phone number for {regions}")


def assemble(doc: Doc, sentences: list[str], inserts: dict, next_sep) -> Doc:
    """`doc` with the text of `sentences` and, before sentence i, the values of inserts[i] ((what, label,
    lead, value): `pii` values labelled in `doc.gold`, look-alikes in `doc.alikes`), each ending with
    `next_sep()`."""
    out, pos = [], 0
    for i in range(len(sentences) + 1):
        for what, label, lead, value in inserts.get(i, []):
            piece = f"{lead} " if lead else ""
            out.append(piece)
            pos += len(piece)
            (doc.gold if what == "pii" else doc.alikes).append((pos, pos + len(value), label))
            sep = next_sep()
            out.append(value + sep)
            pos += len(value) + len(sep)
        if i < len(sentences):
            out.append(sentences[i] + " ")
            pos += len(sentences[i]) + 1
    doc.text = "".join(out)
    return doc


def phone(rng: random.Random, regions: list[str]) -> str:
    """A valid number of `regions` in international, national, E.164 or (FR, BE) dotted format."""
    import phonenumbers
    from phonenumbers import PhoneNumberFormat as F

    cand, region = valid_number(rng, regions)
    style = rng.choice(["intl", "national", "e164", "dots"])
    if style == "intl":
        return phonenumbers.format_number(cand, F.INTERNATIONAL)
    if style == "e164":
        return phonenumbers.format_number(cand, F.E164)
    national = phonenumbers.format_number(cand, F.NATIONAL)
    return national.replace(" ", ".") if style == "dots" and region in ("FR", "BE") else national


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

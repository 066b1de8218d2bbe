"""PII on technical text (part of `make pii-eval`): what hashes, versions, paths and code do to each type.

Two sets, neither used to write the rules:

* technical, planted: real paragraphs of the
  bundled manuals in 10 languages (fr es de it pt en zh ar vi ru) with, between sentences, values that must
  NOT be redacted -- git commits and short ids, sha256/md5 digests, UUIDs, GPG fingerprints after
  `signing key`, patch and package file names, Debian changelog headers, versions after the language's
  version word (these use the words of pipeline/pii/words.py, so they measure the rule, not its
  vocabulary), `Standards-Version`, dependency bounds, date-stamped versions, hardware workaround ids, US
  ZIP+4 codes, code names (`@addr_len`, `TranslateRxSignalStuff819xUsb`), coordinates and byte counts --
  and values that must be: phone numbers in dotted, parenthesised `(0)` and `00`-prefixed formats of the
  language's regions, e-mail addresses spelt out (`[at]`, `(at)`, `jane at example dot org` in the
  language's words or English), keys after a secret word, IPs. Labels are the planted spans. Seed 11 was
  used while writing the rules (it found the changelog-header, CamelCase and entropy cases); seed 23, the
  default, draws other carriers and values.
* changelogs, real: (a) `installed`: Debian changelogs of this machine's packages
  (/usr/share/doc/*/changelog.Debian.gz) that the bundled packages do not ship, shuffled (seed 1); the first
  200 were read while the rules were written (tuning) and are left out; the rest were read once after, and
  three rules changed then (changelog headers with `~` suffixes, CamelCase names, USER context words), so
  they are no longer unseen. (b) `fresh`: the changelogs of FRESH, server packages not installed here,
  fetched with `apt-get download` into <data>/../pii-eval/ and measured once, after the rule changes of
  that time (since then: Debian epochs, `build-dep to`, one-digit groups, ranges, ISO dates and netmasks).
* manuals, real: pipeline/evals/pii_manuals.py (five sets, each held out for one change of the rules).
  Every address-shaped EMAIL hit is an address (right by construction); every other hit is looked up in
  pii_tech_labels.json, labels a person gave by reading the line (sha256 of package, value and the 40
  characters before, so no value is stored). Hits with no label are listed for review and counted apart.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import random
import re
import string
from collections import Counter
from pathlib import Path

from pipeline.evals.pii_manuals import download, evaluate_manuals, paragraph_hits
from pipeline.evals.pii_sets import Doc, assemble, carriers, ipv4, score, valid_number
from pipeline.pii.words import AT_WORDS, DOT_WORDS, VERSION_WORDS

LANGS = ("fr", "es", "de", "it", "pt", "en", "zh", "ar", "vi", "ru")
FRESH = ("nginx-common", "apache2", "postfix", "bind9", "exim4-base", "redis-server", "squid", "dovecot-core",
         "openvpn", "haproxy", "tor", "rsync", "nftables", "iptables", "isc-dhcp-server", "ntpsec", "chrony",
         "dnsmasq-base", "cups-daemon", "network-manager", "wpasupplicant", "hostapd", "fail2ban", "mutt", "lynx",
         "irssi")
LABELS = Path(__file__).with_name("pii_tech_labels.json")
DOC_ROOT = Path("/usr/share/doc")
DOTTED = {"FR", "BE", "CH", "ES", "IT", "US"}
REGIONS = {"fr": ["FR", "BE", "CH"], "es": ["ES"], "de": ["DE", "AT", "CH"], "it": ["IT"], "pt": ["PT", "BR"],
           "en": ["GB", "US"], "zh": ["CN"], "ar": ["SA", "EG"], "vi": ["VN"], "ru": ["RU"]}
CONTEXT = {"fr": "Tél. :", "es": "Tel.:", "de": "Tel.:", "it": "Tel.", "pt": "Tel.:", "en": "Phone:", "zh": "电话：",
           "ar": "هاتف:", "vi": "ĐT:", "ru": "Тел.:"}


def _hex(rng: random.Random, n: int, upper: bool = False) -> str:
    s = "".join(rng.choice("0123456789abcdef") for _ in range(n))
    return s.upper() if upper else s


def look_alikes(rng: random.Random, lang: str) -> dict[str, str]:
    """One value per kind that must stay as it is."""
    a, b, c, d = (rng.randint(1, 12), rng.randint(0, 30), rng.randint(0, 99), rng.randint(0, 20))
    word = rng.choice(VERSION_WORDS.get(lang, VERSION_WORDS["en"]))
    date = f"20{rng.randint(10, 25)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    uuid = f"{_hex(rng, 8)}-{_hex(rng, 4)}-{_hex(rng, 4)}-{_hex(rng, 4)}-{_hex(rng, 12)}"
    return {
        "git_commit": f"commit {_hex(rng, 40)}", "short_commit": f"({_hex(rng, rng.randint(7, 12))})",
        "sha256": f"sha256sum {_hex(rng, 64)}", "md5": f"{_hex(rng, 32)}  archive.tar.gz", "uuid": f"UUID={uuid}",
        "gpg": f"signing key {_hex(rng, 40, upper=True)}",
        "patch": f"debian/patches/tdf{rng.randint(100000, 199999)}-do-not-rely-on-{rng.choice(['gcc', 'ld', 'make'])}.patch",
        "patch_hex": f"debian/patches/revert-{_hex(rng, 40)}.diff",
        "deb": f"libfoo{rng.randint(1, 9)}_{a}.{b}.{c}-{d}+deb12u1_amd64.deb",
        "changelog": f"binutils ({a}.{b}.{c}.{d}-1.{rng.randint(1, 9)}) unstable; urgency=medium",
        "version_word": f"{word} {a}.{b}.{c}.{d}", "policy": f"Standards-Version: {rng.randint(3, 4)}.{b % 10}.{c % 10}.{d % 10}",
        "dependency": f"(>= {a}.{b}.{c}.{d})", "date_version": f"gcc-12 (12-{date}-1)",
        "workaround": f"Wa_{rng.randint(1400000000, 1699999999)}",
        "zip4": f"Boston, MA {rng.randint(10000, 99999)}-{rng.randint(1000, 9999)}",
        "kernel_doc": f"describe @{rng.choice(['addr_len', 'tunnel_hash', 'list', 'slab', 'INC', 'entry'])} member",
        "identifier": f"{rng.choice(['TranslateRxSignal', 'ChangePasswordUser', 'RandomTestBsi'])}{rng.randint(100, 9999)}xUsb()",
        "coords": rng.choice([f"北纬 {rng.uniform(20, 50):.4f}°，东经 {rng.uniform(80, 130):.4f}°",
                              f"({rng.uniform(20, 30):.4f}, {rng.uniform(40, 50):.4f})"]),
        "bytes": rng.choice([f"{rng.randint(10**6, 10**8)} 字节", f"{rng.randint(10**6, 10**8)} bytes"]),
    }


def phone_new_format(rng: random.Random, lang: str) -> str:
    """A valid number of the language's regions as people write them: dotted where that is the custom (FR BE
    CH ES IT US), `+CC (0)...` where the national number starts with the trunk 0, or `00`-prefixed."""
    import phonenumbers
    from phonenumbers import PhoneNumberFormat as F

    num, region = valid_number(rng, REGIONS[lang], tries=100)
    intl = phonenumbers.format_number(num, F.INTERNATIONAL)
    national = phonenumbers.format_number(num, F.NATIONAL)
    styles = ["00"] + (["paren0"] if national.startswith("0") else []) + \
        (["dots"] if region in DOTTED and re.fullmatch(r"[\d ]+", national) and " " in national else [])
    style = rng.choice(styles)
    if style == "00":
        return "00" + intl[1:]
    if style == "paren0":
        cc, rest = intl.split(" ", 1)
        return f"{cc} (0){rest.removeprefix('0')}"
    return national.replace(" ", ".")


def spelt_email(rng: random.Random, lang: str) -> str:
    user = rng.choice(["jane.doe", "m.rossi", "juan_perez", "wang.wei", "a.mueller", "olga"]) + str(rng.randint(1, 99))
    domain, tld = rng.choice(["example", "mail-box", "univ-test"]), rng.choice(["org", "com", "de", "fr", "es"])
    words = lang if lang in AT_WORDS and rng.random() < 0.5 else "en"
    at, dot = AT_WORDS[words][0], DOT_WORDS[words][0]
    return rng.choice([f"{user}[at]{domain}.{tld}", f"{user} (at) {domain} (dot) {tld}", f"{user} {{at}} {domain}.{tld}",
                       f"{user} at {domain} dot {tld}" if words == "en" else f"{user} {at} {domain} {dot} {tld}"])


def build_technical(data: Path, per_lang: int, seed: int = 11, langs=LANGS) -> list[Doc]:
    rng = random.Random(seed)
    docs = []
    for lang in langs:
        for text in carriers(data, lang, per_lang, rng):
            sentences = re.split(r"(?<=[.!?。])\s+", text)
            inserts: dict[int, list] = {}
            for _ in range(rng.randint(2, 5)):
                kind, value = rng.choice(sorted(look_alikes(rng, lang).items()))
                inserts.setdefault(rng.randint(0, len(sentences)), []).append(("alike", kind, "", value))
            for _ in range(rng.randint(0, 2)):
                tag, lead, value = rng.choice([
                    ("PHONE", CONTEXT[lang] if rng.random() < .5 else "", phone_new_format(rng, lang)),
                    ("EMAIL", "", spelt_email(rng, lang)),
                    ("KEY", rng.choice(["token:", "api_key =", "password:", "Bearer"]),
                     rng.choice([_hex(rng, 40), "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(32))])),
                    ("IP_ADDRESS", rng.choice(["IP", "serveur", "host", "server:"]), ipv4(rng))])
                inserts.setdefault(rng.randint(0, len(sentences)), []).append(("pii", tag, lead, value))
            docs.append(assemble(Doc(lang, ""), sentences, inserts, lambda: "; "))
    return docs


def changelog_files(skip: set[str], tuning: int = 200) -> tuple[list[Path], list[Path]]:
    """(tuning, evaluation) changelogs of this machine, those of `skip` (bundled packages) left out."""
    files = sorted(f for f in DOC_ROOT.glob("*/changelog.Debian.gz") if f.parent.name not in skip)
    random.Random(1).shuffle(files)
    return files[:tuning], files[tuning:]


def installed_changelogs(files: list[Path]) -> list[tuple[str, str]]:
    out = []
    for f in files:
        with gzip.open(f) as fh:
            out.append((f.parent.name, fh.read().decode("utf-8", "replace")))
    return out


def fresh_changelogs(folder: Path, packages=FRESH) -> list[tuple[str, str]]:
    """(package, changelog) of `packages`, downloaded once with `apt-get download` into `folder`."""
    import subprocess

    out = []
    for p, deb in download(folder, packages).items():
        tar = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], check=True, capture_output=True).stdout
        member = subprocess.run(["tar", "-xO", f"./usr/share/doc/{p}/changelog.Debian.gz"], input=tar,
                                capture_output=True)
        if member.returncode == 0 and member.stdout:
            out.append((p, gzip.decompress(member.stdout).decode("utf-8", "replace")))
    return out


def real_changelogs(changelogs: list[tuple[str, str]], redactor, labels: dict) -> dict:
    """Per type: hits, right, wrong, and hits with no label yet (listed for a person to label)."""
    right, wrong, unlabelled = Counter(), Counter(), []
    n_bytes, seen = 0, set()
    for package, text in changelogs:
        digest = hashlib.sha256(text.encode()).hexdigest()
        if digest in seen:  # packages of one source share a changelog
            continue
        seen.add(digest)
        n_bytes += len(text.encode())
        for tag, key, line in paragraph_hits(package, text, redactor):
            label = labels.get(key) if key is not None else {"pii": True}
            if label is None:
                unlabelled.append({"key": key, "tag": tag, "package": package, "line": line})
            elif label["pii"]:
                right[tag] += 1
            else:
                wrong[tag] += 1
    tags = sorted(set(right) | set(wrong))
    return {"files": len(seen), "mb": round(n_bytes / 1e6, 2),
            "per_type": {t: {"hits": right[t] + wrong[t], "right": right[t], "wrong": wrong[t],
                             "precision": round(right[t] / (right[t] + wrong[t]), 4)} for t in tags},
            "unlabelled_hits": len(unlabelled)}, unlabelled


def evaluate_technical(data: Path, redactors: dict, per_lang: int = 100, seed: int = 23,
                       bundled_packages: set[str] | None = None, fresh_dir: Path | None = None) -> dict:
    planted = build_technical(data, per_lang, seed)
    by_lang: dict[str, list[Doc]] = {}
    for d in planted:
        by_lang.setdefault(d.lang, []).append(d)
    out = {"seed": seed, "planted": score(planted, redactors, examples=30),
           "planted_per_language": {lang: {k: v for k, v in score(ds, redactors, examples=0).items()
                                           if k in ("per_type", "look_alikes_redacted")} for lang, ds in by_lang.items()}}
    labels = json.loads(LABELS.read_text()) if LABELS.is_file() else {}
    if DOC_ROOT.is_dir():
        _, evaluation = changelog_files(bundled_packages or set())
        out["changelogs_installed"], out["unlabelled_installed"] = \
            real_changelogs(installed_changelogs(evaluation), redactors["en"], labels)
    if fresh_dir is not None:
        import subprocess

        try:
            fresh = fresh_changelogs(fresh_dir)
        except (OSError, subprocess.CalledProcessError) as e:  # no apt-get, no registry: said, not skipped silently
            out["changelogs_fresh"] = {"unavailable": f"apt-get download failed: {e}"}
        else:
            out["changelogs_fresh"], out["unlabelled_fresh"] = real_changelogs(fresh, redactors["en"], labels)
        out.update(evaluate_manuals(fresh_dir, redactors, labels))
    return out

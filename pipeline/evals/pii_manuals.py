"""PII on real manuals (part of `make pii-eval`): the documentation and man pages of Debian packages fetched
with `apt-get download` into <data>/../pii-eval/, in the sets of pipeline/evals/pii_manual_sets.py (which says
what each was chosen for and which change of the rules was written on it), each measured once before the rules
were changed on it.
  Every address-shaped EMAIL hit is an address (right by construction); every other hit is looked up in
  pii_tech_labels.json, labels a person gave by reading the line (sha256 of package, value and the 40
  characters before, so no value is stored). Hits with no label are listed for review and counted apart.
"""
from __future__ import annotations

import gzip
import hashlib
import random
import re
from collections import Counter
from pathlib import Path

from pipeline.evals.pii_manual_sets import FRESH_DOCS, MANUAL_SETS

# the manuals' languages that have a language file, each read with its own rules (before the tenth set, ca, fa, hr
# and ko were read with English ones); the others (eo, fi, hu, mk, sl, sr, uk) have none: the English rules
DOCS_LANGS = ("de", "fr", "es", "it", "nl", "pl", "pt", "ru", "ja", "zh", "vi", "en", "cs", "da", "el", "id", "nb", "ro",
              "sv", "tr", "ca", "ar", "fa", "hr", "ko")
PROJECT_LANGS = frozenset(f.stem for f in (Path(__file__).parents[2] / "languages").glob("??.yaml"))
DOCS_SAMPLE = 60  # hits per type a person labels (a seeded random sample) where a type has more
REFERENCE_HTML = re.compile(r"\./usr/share/debian-reference/[^/]+\.html$")  # the Debian Reference's chapters
LIBREOFFICE_HELP = re.compile(r"\./usr/share/libreoffice/help/([a-z]{2})(?:-[A-Z]{2})?/text/.+\.html$")  # its pages
DESKTOP_HELP = re.compile(r"\./usr/share/help/([a-z]{2})(?:_[A-Z]{2})?/.+\.(?:page|xml)$")  # GNOME's and MATE's help
EMAIL = re.compile(r"[^@\s<>()\[\]\"',;:]+@[\w\-]+(?:\.[\w\-]+)+")


def download(folder: Path, packages) -> dict[str, Path]:
    """package -> its .deb, fetched once with `apt-get download` into `folder`."""
    import subprocess

    folder.mkdir(parents=True, exist_ok=True)
    missing = [p for p in packages if not list(folder.glob(f"{p}_*.deb"))]
    if missing:
        subprocess.run(["apt-get", "download", "-q", *missing], cwd=folder, check=True, capture_output=True)
    return {p: next(folder.glob(f"{p}_*.deb")) for p in packages}


def deb_files(deb: Path):
    """(path, bytes) of every regular file of a .deb (`./usr/share/...`), in path order."""
    import io
    import subprocess
    import tarfile

    tar = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as tf:
        for m in sorted(tf.getmembers(), key=lambda m: m.name):
            if m.isfile():
                yield m.name, tf.extractfile(m).read()


def fresh_docs(folder: Path, packages=FRESH_DOCS) -> list[tuple[str, str, str]]:
    """(package, language, text) of every UTF-8 file under usr/share/doc and usr/share/man of `packages` (not
    changelog.Debian nor copyright), the Debian Reference's HTML chapters, LibreOffice's help pages and GNOME's and
    MATE's help (`usr/share/help/<lang>/`); the language is the man page or help folder's (`man/de/`, `help/pt-BR/`,
    `help/zh_CN/`; GNOME's `help/C/` is English), else the package's (`debian-faq-zh-cn`,
    `aptitude-doc-fi`), else a locale folder's (`debian-handbook/html/fr-FR/`), else the documentation folder's
    (`installation-guide-amd64/fr/`, `gnucash-docs/gnucash-guide-de/`), else English."""
    out = []
    for p, deb in download(folder, packages).items():
        for n, data in deb_files(deb):
            help_page = LIBREOFFICE_HELP.match(n) or DESKTOP_HELP.match(n)
            if ("changelog.Debian" in n or n.endswith("/copyright")
                    or not (n.startswith(("./usr/share/doc/", "./usr/share/man/")) or REFERENCE_HTML.match(n) or help_page)):
                continue
            try:
                text = (gzip.decompress(data) if n.endswith(".gz") else data).decode("utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            doc_folder = re.match(r"\./usr/share/doc/[^/]+/(?:[\w-]+-)?([a-z]{2})(?:_[A-Z]{2})?/", n)  # `fr/`, `gnucash-guide-de/`
            doc_locale = re.match(r"\./usr/share/doc/[^/]+/html/([a-z]{2})-[A-Z]{2}/", n)  # debian-handbook's `html/fr-FR/`
            doc_name = re.search(r"/[\w-]+\.([a-z]{2})(?:-[a-z]{2})?\.(?:txt|html)(?:\.gz)?$", n)  # debmake-doc.fr.txt.gz
            lang = (re.match(r"\./usr/share/man/([a-z]{2})(?:[_.@][^/]*)?/", n) or help_page
                    or re.search(r"-(?:doc-|faq-|reference-|guide-)([a-z]{2})(?:-[a-z]{2})?$", p) or doc_locale
                    or (doc_folder if doc_folder and doc_folder.group(1) in PROJECT_LANGS else None)
                    or (doc_name if doc_name and doc_name.group(1) in PROJECT_LANGS else None))
            out.append((p, lang.group(1) if lang else "en", text))
    return out


def real_docs(docs: list[tuple[str, str, str]], redactors: dict, labels: dict, sample: int = DOCS_SAMPLE,
              seed: int = 0) -> tuple[dict, list]:
    """Per type: every hit counted; address-shaped e-mails are right; of the other hits a seeded random sample
    of `sample` per type is looked up in the labels (precision of the sample, with its size)."""
    hits: dict[str, list] = {}
    n_bytes = Counter()
    for package, lang, text in docs:
        n_bytes[lang] += len(text.encode())
        for tag, key, line in paragraph_hits(package, text, redactors.get(lang) or redactors["en"]):
            if key is None:
                hits.setdefault("EMAIL_ADDRESS_SHAPED", []).append(None)
            else:
                hits.setdefault(tag, []).append({"key": key, "tag": tag, "package": package, "lang": lang, "line": line})
    rng = random.Random(seed)
    per_type, unlabelled = {}, []
    for tag, found in sorted(hits.items()):
        if tag == "EMAIL_ADDRESS_SHAPED":
            per_type[tag] = {"hits": len(found), "right": len(found), "precision": 1.0}
            continue
        drawn = rng.sample(found, min(sample, len(found)))
        right = sum(bool(labels.get(h["key"], {}).get("pii")) for h in drawn if h["key"] in labels)
        wrong = sum(h["key"] in labels and not labels[h["key"]]["pii"] for h in drawn)
        unlabelled += [h for h in drawn if h["key"] not in labels]
        per_type[tag] = {"hits": len(found), "sampled": len(drawn), "right": right, "wrong": wrong,
                         "precision": round(right / (right + wrong), 4) if right + wrong else None,
                         "by_language": dict(Counter(h["lang"] for h in found))}
    return {"files": len(docs), "mb_per_language": {k: round(v / 1e6, 2) for k, v in sorted(n_bytes.items())},
            "per_type": per_type, "unlabelled_in_sample": len(unlabelled)}, unlabelled


def hit_key(package: str, text: str, s: int, e: int) -> str:
    return hashlib.sha256(f"{package}\0{text[max(0, s - 40):s]}\0{text[s:e]}".encode()).hexdigest()[:20]


def paragraph_hits(package: str, text: str, redactor):
    """(tag, label key, the line around it) per hit in every paragraph of `text`; key and line are None for an
    address-shaped e-mail (right by construction, never looked up)."""
    for para in text.split("\n\n"):
        for sp in redactor.find(para, redactor.candidates([para])[0]):
            if sp.tag == "EMAIL" and EMAIL.fullmatch(para[sp.start:sp.end]):
                yield sp.tag, None, None
            else:
                yield sp.tag, hit_key(package, para, sp.start, sp.end), para[max(0, sp.start - 60):sp.end + 30]


SPEED_SETS = (0, 2, 7, 9)  # manual sets 1, 3, 8 and 10: 13,072 files, 203.9 MB, every language


def throughput(docs: list[tuple[str, str, str]], redactors: dict, batch: int = 1000) -> dict:
    """PII's speed on real technical text (the files of SPEED_SETS), run as the stage runs it: each language's files
    in batches of `batch` (a run's batch_docs) through one `redact` call; CPU seconds of those calls, and a digest of
    every result (redacted text, counts, drops) in file order, so a change that claims the same redactions can show it."""
    import time

    by_lang: dict[str, list[int]] = {}
    for i, (_, lang, _) in enumerate(docs):
        by_lang.setdefault(lang, []).append(i)
    results: list = [None] * len(docs)
    cpu = 0.0
    for lang, idx in sorted(by_lang.items()):
        redactor = redactors.get(lang) or redactors["en"]
        for k in range(0, len(idx), batch):
            part = idx[k:k + batch]
            start = time.process_time()
            out = redactor.redact([docs[i][2] for i in part])
            cpu += time.process_time() - start
            for i, r in zip(part, out):
                results[i] = r
    digest = hashlib.sha256(repr(results).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    mb = sum(len(t.encode("utf-8", "surrogatepass")) for _, _, t in docs) / 1e6
    return {"sets": [i + 1 for i in SPEED_SETS], "files": len(docs), "mb": round(mb, 1), "batch": batch,
            "cpu_s": round(cpu, 1), "mb_per_s_per_core": round(mb / cpu, 2) if cpu else None, "output_digest": digest}


def evaluate_manuals(fresh_dir: Path, redactors: dict, labels: dict) -> dict:
    """Every manual set (docs_fresh, docs_fresh_2, ...): per set the labelled sample's precision per type and its
    unlabelled hits; then PII's speed on the files of SPEED_SETS, as read for their sets."""
    import subprocess

    out: dict = {}
    speed_docs: list | None = []
    for i, packages in enumerate(MANUAL_SETS, 1):
        name = "docs_fresh" if i == 1 else f"docs_fresh_{i}"
        try:
            docs = fresh_docs(fresh_dir, packages)
        except (OSError, subprocess.CalledProcessError) as e:  # no apt-get, no registry: said, not skipped silently
            out[name] = {"unavailable": f"apt-get download failed: {e}"}
            speed_docs = None if i - 1 in SPEED_SETS else speed_docs
        else:
            out[name], out[f"unlabelled_{name}"] = real_docs(docs, redactors, labels)
            if i - 1 in SPEED_SETS and speed_docs is not None:
                speed_docs += docs
    out["throughput"] = (throughput(speed_docs, redactors) if speed_docs is not None
                         else {"unavailable": "a set it reads could not be downloaded"})
    return out

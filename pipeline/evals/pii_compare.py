"""Hit-by-hit comparison of two versions of the PII rules, on every set `make pii-eval` reads (a tool for whoever
changes the rules; precision figures hide hits that trade places).

`collect` lists every hit of this checkout's rules: planted seeds 7 (pii_eval), 11 and 23 (pii_tech_eval) as
(document, span, tag), and of real text (all installed changelogs, tuning ones included, the fresh changelogs and
every manual set) each non-address-shaped hit as (label key, tag, package, line). Run it in a worktree of the old
revision and in this one, in two parts to use two cores, then `diff` says which hits went and which came, with
each one's label where a person gave one:

    python -m pipeline.evals.pii_compare collect --part 1 --out /tmp/new1.json   # planted, changelogs, sets 1-10
    python -m pipeline.evals.pii_compare collect --part 2 --out /tmp/new2.json   # sets 11-
    python -m pipeline.evals.pii_compare diff --old /tmp/old1.json /tmp/old2.json --new /tmp/new1.json /tmp/new2.json
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

SPLIT = 10  # part 1 reads manual sets 1..SPLIT, part 2 the rest (about even halves of CPU time)


def _redactors(languages: Path) -> dict:
    from pipeline.evals.pii_manuals import DOCS_LANGS
    from pipeline.evals.pii_tech_eval import LANGS
    from pipeline.language import load_language
    from pipeline.pii.config import PiiConfig
    from pipeline.pii.redactor import Redactor

    return {lang: Redactor(load_language(languages, lang).pii or PiiConfig(), lang)
            for lang in sorted(set(LANGS) | set(DOCS_LANGS) | {"en"})}


def planted_hits(data: Path, redactors: dict) -> list[list]:
    from pipeline.evals.pii_eval import build_planted
    from pipeline.evals.pii_tech_eval import build_technical

    out = []
    for name, docs in (("planted7", build_planted(data, 200, 7)), ("technical11", build_technical(data, 100, 11)),
                       ("technical23", build_technical(data, 100, 23))):
        for i, d in enumerate(docs):
            r = redactors[d.lang]
            for sp in r.find(d.text, r.candidates([d.text])[0]):
                out.append([name, f"{i}:{sp.start}:{sp.end}", sp.tag, d.lang, d.text[max(0, sp.start - 60):sp.end + 30]])
    return out


def real_hits(source: str, docs, redactors: dict) -> list[list]:
    """`docs`: (package, language, text)."""
    from pipeline.evals.pii_manuals import paragraph_hits

    out = []
    for package, lang, text in docs:
        for tag, key, line in paragraph_hits(package, text, redactors.get(lang) or redactors["en"]):
            if key is not None:
                out.append([source, key, tag, package, line])
    return out


def collect(part: int, data: Path, fresh_dir: Path, languages: Path) -> list[list]:
    from pipeline.evals.pii_eval import bundled_packages
    from pipeline.evals.pii_manual_sets import MANUAL_SETS
    from pipeline.evals.pii_manuals import fresh_docs
    from pipeline.evals.pii_tech_eval import changelog_files, fresh_changelogs, installed_changelogs

    redactors = _redactors(languages)
    out: list[list] = []
    if part == 1:
        out += planted_hits(data, redactors)
        tuning, evaluation = changelog_files(bundled_packages(data))
        out += real_hits("changelogs_installed", [(p, "en", t) for p, t in installed_changelogs(tuning + evaluation)],
                         redactors)
        out += real_hits("changelogs_fresh", [(p, "en", t) for p, t in fresh_changelogs(fresh_dir)], redactors)
    sets = range(1, SPLIT + 1) if part == 1 else range(SPLIT + 1, len(MANUAL_SETS) + 1)
    for i in sets:
        out += real_hits(f"manuals{i}", fresh_docs(fresh_dir, MANUAL_SETS[i - 1]), redactors)
    return out


def diff(old: list[list], new: list[list], labels: dict) -> dict:
    """Hits only in `old` (gone) and only in `new` (added), by (source, key, tag), with their labels."""
    def index(hits):
        return {(h[0], h[1], h[2]): h for h in hits}

    a, b = index(old), index(new)

    def show(h):
        label = labels.get(h[1], {})
        return {"source": h[0], "tag": h[2], "package": h[3], "pii": label.get("pii"), "why": label.get("why"),
                "line": h[4]}
    return {"gone": [show(a[k]) for k in sorted(a.keys() - b.keys())],
            "added": [show(b[k]) for k in sorted(b.keys() - a.keys())]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.evals.pii_compare", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("collect")
    c.add_argument("--part", type=int, choices=(1, 2), required=True)
    c.add_argument("--data", type=Path, default=Path("data/sources"))
    c.add_argument("--languages", type=Path, default=Path("languages"))
    c.add_argument("--out", type=Path, required=True)
    d = sub.add_parser("diff")
    d.add_argument("--old", nargs="+", type=Path, required=True, help="the old revision's part files")
    d.add_argument("--new", nargs="+", type=Path, required=True, help="this revision's part files")
    args = ap.parse_args(argv)
    if args.cmd == "collect":
        hits = collect(args.part, args.data, args.data.parent / "pii-eval", args.languages)
        args.out.write_text(json.dumps(hits, ensure_ascii=False))
        print(f"{len(hits)} hits -> {args.out}")
        return 0
    from pipeline.evals.pii_tech_eval import LABELS

    old = [h for f in args.old for h in json.loads(f.read_text())]
    new = [h for f in args.new for h in json.loads(f.read_text())]
    result = diff(old, new, json.loads(LABELS.read_text()))
    print(json.dumps(result, indent=1, ensure_ascii=False))
    print(f"gone {len(result['gone'])}, added {len(result['added'])}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

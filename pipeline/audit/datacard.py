"""Data cards: `out/<lang>/DATACARD.md` after every run, and `out/DATACARD.md` for a multi-language build.

In the spirit of the Hugging Face dataset cards and ROOTS's per-source cards, written from what the run
recorded (manifest, stage reports, the catalogue entries, the language YAML and the run config), so the
card cannot drift from the data: sources with licence, custodian and PII likelihood; sizes; every
processing step with its parameters and its effect; known limitations; how to request a removal.
`python -m pipeline datacard --langs fr,en` writes the multi-language card.
"""
from __future__ import annotations

import json
from pathlib import Path

from pipeline.base import location
from pipeline.catalogue import load_catalogue
from pipeline.language import LanguageConfig
from pipeline.stages import BY_NAME

LIMITATIONS = [
    "Language ID runs on whole documents: text mixing languages is kept or dropped as a whole. The detector used "
    "for this language, and what it can and cannot tell apart, is named under Processing (langid).",
    "Quality thresholds are ROOTS's per-language values (or its default profile); they were tuned on OSCAR web "
    "text and may not suit other genres. Every measured value is stored, so they can be re-tuned (`make tune`).",
    "Perplexity is scored by a model trained locally on the same sources (cross-fitted folds), not on Wikipedia; "
    "its scale differs from ROOTS's and `perplexity.max` is off unless set.",
    "PII redaction uses patterns (e-mail, IP, phone, card, IBAN, crypto addresses, keys, @handles); person names, "
    "postal addresses and ID numbers are not detected. URLs, ids and metadata are not redacted.",
    "Near-duplicate removal is MinHash LSH within this language's build; duplicates across languages remain.",
]


def empty_note(manifest: dict) -> str:
    """What to say when a build holds no documents (an empty run, or removals that took every document)."""
    if manifest["documents_kept"]:
        return ""
    if not manifest["documents_in"]:
        return "This build is empty: its sources held no documents."
    return (f"This build keeps no documents: of {manifest['documents_in']:,} read, every one was rejected or "
            "removed on request (see below why).")


def stage_params(stage: str, language: LanguageConfig | None, config: dict | None, entries: dict | None) -> str:
    """The stage's parameters in words, as the stage describes them (data card and report)."""
    cls = BY_NAME.get(stage)
    return cls.describe(language, (config or {}).get(stage), entries or {}) if cls else ""


def _effect(rep: dict) -> str:
    dropped = ", ".join(f"{r} {d['docs']:,}" for r, d in sorted(rep.get("dropped", {}).items(), key=lambda kv: -kv[1]["docs"]))
    return f"{rep['docs_in']:,} → {rep['docs_out']:,} docs ({rep['bytes_in'] / 1e6:.2f} → {rep['bytes_out'] / 1e6:.2f} MB)" + \
        (f"; dropped: {dropped}" if dropped else "")


def language_card(out_dir: Path, language: LanguageConfig, entries: dict, config: dict | None = None) -> str:
    """The card of one language's build; `entries` = catalogue entries by uid (a source not among them is
    listed with what the manifest knows)."""
    out_dir = location(out_dir)
    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    lang = manifest["lang"]
    reports = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (out_dir / "reports").glob("*.json")}
    kept_bytes = sum(d["bytes"] for d in manifest["data"])
    last = reports.get(manifest["stages"][-1], {})
    lines = [f"# Data card: {language.name} (`{lang}`)", "",
             "A corpus built by roots-pipeline (a ROOTS-style curation pipeline) from the documented sources below.", "",
             "## Summary", "",
             f"- Documents: {manifest['documents_in']:,} read, **{manifest['documents_kept']:,} kept**, "
             f"{manifest['documents_rejected']:,} rejected (each with the rule, value and threshold that removed it)"
             + (f", {manifest.get('documents_removed', 0):,} removed on request" if manifest.get("documents_removed") else "") + ".",
             f"- Size: {len(manifest['data'])} Parquet shard(s), {kept_bytes / 1e6:.2f} MB compressed "
             f"({last.get('bytes_out', 0) / 1e6:.2f} MB of UTF-8 text).",
             f"- Configuration hash `{manifest['config_hash']}`; language file `{manifest['language_file']}`.", "",
             *([f"**{empty_note(manifest)}**", ""] if empty_note(manifest) else []),
             "## Sources", "",
             "| source | custodian | licence | PII likelihood | documents kept | homepage |", "|---|---|---|---|---|---|"]
    for uid, src in manifest["sources"].items():
        e = entries.get(uid)
        kept = last.get("per_source", {}).get(uid, {}).get("docs_out", 0)
        if e is None:
            lines.append(f"| {uid} | (not in catalogue) | {src['licence']} | | {kept:,} | |")
            continue
        cust = f"{e.custodian.name} ({e.custodian.type})"
        lines.append(f"| {uid}: {e.name} | {cust} | {e.licence.text} ({src['licence_class']}) | {e.pii.likelihood} | "
                     f"{kept:,} | {e.homepage or ''} |")
    lines += ["", "Source descriptions:", ""]
    for uid in manifest["sources"]:
        if uid in entries:
            e = entries[uid]
            lines.append(f"- **{uid}**: {e.description.strip()} Procurement: {e.procurement.how.strip()}")
    lines += ["", "## Processing", "", "| step | parameters | effect |", "|---|---|---|"]
    for stage in manifest["stages"]:
        if stage in reports:
            used = {uid: entries[uid] for uid in manifest["sources"] if uid in entries}
            lines.append(f"| {stage} | {stage_params(stage, language, config, used)} | {_effect(reports[stage])} |")
    for stage in manifest["stages"]:
        for panel in BY_NAME[stage].panels(reports.get(stage, {})) if stage in BY_NAME else []:
            if panel.items:
                lines += ["", f"{panel.title}: " + ", ".join(f"{k} {v:,}" for k, v in panel.items) + "."]
    lines += ["", "## Known limitations", ""] + [f"- {x}" for x in LIMITATIONS]
    lines += ["", "## Removal requests", "",
              "A person or custodian can ask for documents to be removed (opt-out). The maintainers run "
              f"`python -m pipeline remove --lang {lang} --id <document id>` (or `--source`, `--text-pattern`, "
              "`--url-pattern`), which deletes the documents from the shards, the rejected set, the reports and any "
              "token bins, records the request (ids only as hashes) in `removals/<lang>.jsonl` so every later build "
              "applies it, and rewrites this card. Contact the custodian listed for the source, or the maintainers of "
              "this build.", ""]
    removals = manifest.get("removals", [])
    if removals:
        lines += [f"Removals applied to this build: {len(removals)} request(s), "
                  f"{manifest.get('documents_removed', 0):,} document(s).", ""]
    return "\n".join(lines)


def multi_card(out_root: Path, langs: list[str], catalogue: Path, run: dict | None = None, prefix: str = "") -> str:
    """The card of a multi-language build: per language its size and share, the sources and their licences;
    with a multi-language run's summary (`run`), where the documents of each source went."""
    rows, sources, sizes = [], {}, {}
    manifests = {lang: json.loads((out_root / lang / "manifest.json").read_text(encoding="utf-8")) for lang in langs}
    for lang, m in manifests.items():
        sizes[lang] = sum(d["bytes"] for d in m["data"])
        for uid, s in m["sources"].items():
            sources.setdefault(uid, {"licence": s["licence"], "langs": []})["langs"].append(lang)
    total = max(sum(sizes.values()), 1)
    for lang, m in manifests.items():
        rows.append(f"| {lang} | {m['documents_in']:,} | {m['documents_kept']:,} | {sizes[lang] / 1e6:.2f} | "
                    f"{100 * sizes[lang] / total:.1f} % | [card]({prefix}{lang}/DATACARD.md) |")
    entries = {e.uid: e for _, e in load_catalogue(Path(catalogue))}
    lines = ["# Data card: multilingual build", "", f"Languages: {', '.join(langs)}.", "",
             "| language | documents read | kept | MB (Parquet) | share of MB | card |", "|---|---|---|---|---|---|", *rows, "",
             "## Sources", "", "| source | custodian | licence | languages |", "|---|---|---|---|"]
    for uid, s in sorted(sources.items()):
        cust = f"{entries[uid].custodian.name}" if uid in entries else ""
        lines.append(f"| {uid} | {cust} | {s['licence']} | {', '.join(s['langs'])} |")
    if run is not None:
        lines += ["", "## Where the documents went", "", "Documents read per source, by the language that took them "
                  "(or the run-level rule that stopped them before any language: `langid:not_built`, an unreadable "
                  "record, an empty text):", "", "| source | destination | documents |", "|---|---|---|"]
        lines += [f"| {src} | {dest} | {n:,} |" for src, row in sorted(run["routing"].items()) for dest, n in sorted(row.items())]
    lines += ["", "Processing, limitations and removal requests are described per language in each card.", "",
              "## Known limitations", ""] + [f"- {x}" for x in LIMITATIONS] + [""]
    return "\n".join(lines)

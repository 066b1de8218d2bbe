"""Data cards: `out/<lang>/README.md` after every run, and `out/README.md` for a multi-language build.

In the spirit of the Hugging Face dataset cards and ROOTS's per-source cards, written from what the run
recorded (manifest, stage reports, the catalogue entries, the language YAML and the run config), so the
card cannot drift from the data: sources with licence, custodian and PII likelihood; sizes; every
processing step with its parameters and its effect; known limitations; how to request a removal.
`python -m pipeline datacard --langs fr,en` writes the multi-language card.

The card is the build folder's README.md with the Hub's YAML front matter (licence, languages, size
category, task, pretty name, and `configs:` naming the Parquet files: `default` = the kept documents,
`rejected` = the rejected set), so a build folder can be pushed to the Hub as it is and
`datasets.load_dataset("out/fr")` reads the kept documents (not the manifest or the reports).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from pipeline.base import location
from pipeline.catalogue import load_catalogue
from pipeline.language import LanguageConfig
from pipeline.stages import BY_NAME

LIMITATIONS = [
    "Language ID runs on whole documents: text mixing languages is kept or dropped as a whole. The detector used "
    "for this language, and what it can and cannot tell apart, is named under Processing (langid).",
    "Quality thresholds are ROOTS's per-language values (or its default profile), tuned on OSCAR web text, except "
    "where the language file says a measurement moved them; they may not suit other genres. Every measured value "
    "is stored, so they can be re-tuned (`make tune`).",
    "Perplexity is scored by a model trained locally on the same sources (cross-fitted folds), not on Wikipedia; "
    "its scale differs from ROOTS's and `perplexity.max` is off unless set.",
    "PII redaction uses patterns (e-mail, IP, phone, card, IBAN, crypto addresses, keys, @handles); person names, "
    "postal addresses and ID numbers are not detected. URLs, ids and metadata are not redacted.",
    "Near-duplicate removal is MinHash LSH within this language's build; duplicates across languages remain.",
]


CARD = "README.md"
# licence ids the Hub knows (https://huggingface.co/docs/hub/repositories-licenses), from SPDX ids lowercased
HUB_LICENCES = {"apache-2.0", "mit", "cc-by-4.0", "cc-by-3.0", "cc-by-2.0", "cc-by-sa-4.0", "cc-by-sa-3.0",
                "cc-by-nc-4.0", "cc-by-nc-sa-4.0", "cc-by-nd-4.0", "cc0-1.0", "gpl-2.0", "gpl-3.0", "lgpl-2.1",
                "lgpl-3.0", "agpl-3.0", "bsd-2-clause", "bsd-3-clause", "mpl-2.0", "odc-by", "odbl", "pddl",
                "unlicense", "wtfpl", "gfdl", "cdla-permissive-2.0", "cdla-sharing-1.0", "artistic-2.0", "isc",
                "zlib", "ecl-2.0", "epl-2.0", "eupl-1.1", "afl-3.0", "ms-pl", "postgresql", "ofl-1.1", "lppl-1.3c"}
SIZE_CATEGORIES = [(1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
                   (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"), (10**9, "100M<n<1B"),
                   (10**10, "1B<n<10B"), (10**11, "10B<n<100B"), (10**12, "100B<n<1T")]


def hub_licences(texts: list[str]) -> list[str]:
    """The Hub's licence ids of SPDX expressions (`GPL-2.0-or-later OR CC-BY-SA-3.0` -> gpl-2.0, cc-by-sa-3.0);
    `other` for what the Hub has no id for (free text, PSF-2.0, ...)."""
    out: list[str] = []
    for text in texts:
        for token in re.split(r"\s+|[()]", text.strip()):
            if not token or token in ("OR", "AND", "WITH"):
                continue
            hub = re.sub(r"(-or-later|-only|\+)$", "", token).lower()
            hub = hub if hub in HUB_LICENCES else "other"
            if hub not in out:
                out.append(hub)
            if hub == "other":
                break  # free text: one `other`, not its words
    return out or ["unknown"]


def size_category(n: int) -> str:
    return next((name for limit, name in SIZE_CATEGORIES if n < limit), "n>1T")


def front_matter(pretty_name: str, langs: list[str], licences: list[str], n_docs: int,
                 configs: dict[str, str]) -> str:
    """The Hub's card metadata; `configs` = config name -> Parquet glob (relative to the card)."""
    meta = {"pretty_name": pretty_name, "language": langs, "license": hub_licences(licences),
            "size_categories": [size_category(n_docs)], "task_categories": ["text-generation"],
            "task_ids": ["language-modeling"], "tags": ["roots-pipeline"],
            "configs": [{"config_name": name, "data_files": [{"split": "train", "path": glob}],
                         **({"default": True} if i == 0 else {})} for i, (name, glob) in enumerate(configs.items())]}
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n\n"


def build_configs(manifest: dict, prefix: str = "") -> dict[str, str]:
    """`default` (kept documents) and `rejected`, each only when the build has shards of it."""
    return {name: f"{prefix}{folder}/*.parquet" for name, folder in (("default", "data"), ("rejected", "rejected"))
            if manifest.get(folder)}


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


def sources_section(manifest: dict, entries: dict, last: dict) -> list[str]:
    """The card's table of sources (custodian, licence, PII likelihood, documents kept) and their descriptions."""
    lines = ["## Sources", "", "| source | custodian | licence | PII likelihood | documents kept | homepage |",
             "|---|---|---|---|---|---|"]
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
    return lines


def language_card(out_dir: Path, language: LanguageConfig, entries: dict, config: dict | None = None) -> str:
    """The card of one language's build; `entries` = catalogue entries by uid (a source not among them is
    listed with what the manifest knows)."""
    out_dir = location(out_dir)
    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    lang = manifest["lang"]
    reports = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (out_dir / "reports").glob("*.json")}
    kept_bytes = sum(d["bytes"] for d in manifest["data"])
    last = reports.get(manifest["stages"][-1], {})
    licences = [src["licence"] for src in manifest["sources"].values()]
    head = front_matter(f"{language.name} ({lang}), roots-pipeline build", [lang], licences,
                        manifest["documents_kept"], build_configs(manifest))
    lines = [head + f"# Data card: {language.name} (`{lang}`)", "",
             "A corpus built by roots-pipeline (a ROOTS-style curation pipeline) from the documented sources below.", "",
             "## Summary", "",
             f"- Documents: {manifest['documents_in']:,} read, **{manifest['documents_kept']:,} kept**, "
             f"{manifest['documents_rejected']:,} rejected (each with the rule, value and threshold that removed it)"
             + (f", {manifest.get('documents_removed', 0):,} removed on request" if manifest.get("documents_removed") else "") + ".",
             f"- Size: {len(manifest['data'])} Parquet shard(s), {kept_bytes / 1e6:.2f} MB compressed "
             f"({last.get('bytes_out', 0) / 1e6:.2f} MB of UTF-8 text).",
             f"- Configuration hash `{manifest['config_hash']}`; language file `{manifest['language_file']}`"
             + ("; thresholds: **ROOTS's own** (`profile: roots`, languages/profiles/roots.yaml)."
                if manifest.get("profile") == "roots" else "."),
             "- Load it: `datasets.load_dataset(\"<this folder>\")` (kept documents) or `(..., \"rejected\")` (the "
             "rejected set, with `stage`, `rule`, `value`, `threshold`). Columns: `id`, `text`, `lang`, `source`, "
             "`url_or_path`, `license`, `meta` (the source's metadata as JSON text: its keys differ per source), "
             "and one typed column per measured value (`pii` counts every PII type).", "",
             *([f"**{empty_note(manifest)}**", ""] if empty_note(manifest) else []),
             *sources_section(manifest, entries, last)]
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
    with a multi-language run's summary (`run`), where the documents of each source went. Its `configs:` are
    one per language (`<lang>/data/*.parquet`), or, for a run's own folder (`run`), its rejected set."""
    rows, sources, sizes = [], {}, {}
    manifests = {lang: json.loads((out_root / lang / "manifest.json").read_text(encoding="utf-8")) for lang in langs}
    for lang, m in manifests.items():
        sizes[lang] = sum(d["bytes"] for d in m["data"])
        for uid, s in m["sources"].items():
            sources.setdefault(uid, {"licence": s["licence"], "langs": []})["langs"].append(lang)
    total = max(sum(sizes.values()), 1)
    for lang, m in manifests.items():
        rows.append(f"| {lang} | {m['documents_in']:,} | {m['documents_kept']:,} | {sizes[lang] / 1e6:.2f} | "
                    f"{100 * sizes[lang] / total:.1f} % | [card]({prefix}{lang}/{CARD}) |")
    entries = {e.uid: e for _, e in load_catalogue(Path(catalogue))}
    configs = build_configs(run) if run is not None else \
        {lang: f"{lang}/data/*.parquet" for lang, m in manifests.items() if m["data"]}
    head = front_matter(f"Multilingual roots-pipeline build ({', '.join(langs)})", langs,
                        [s["licence"] for s in sources.values()], sum(m["documents_kept"] for m in manifests.values()),
                        configs)
    lines = [head + "# Data card: multilingual build", "", f"Languages: {', '.join(langs)}.", "",
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

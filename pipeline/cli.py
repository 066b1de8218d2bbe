"""Command line: `python -m pipeline --help`. The one place that composes the engine with the audit tools
(pipeline/audit/), the evaluations (pipeline/evals/) and the trainer's bins; the engine imports none of them."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from pipeline.base import check_lang
from pipeline.config import load_config
from pipeline.errors import UserError, cli_main
from pipeline.profiles import PROFILES
from pipeline.stages import STAGE_NAMES, STAGES


def _common(p: argparse.ArgumentParser, several: bool = False) -> None:
    if several:
        which = p.add_mutually_exclusive_group(required=True)
        which.add_argument("--lang", type=check_lang, help="language code to build (e.g. fr), as in the catalogue")
        which.add_argument("--langs", help="several languages in one pass over the inputs: fr,en,zh, or `all` (every "
                           "language of the catalogue)")
    else:
        p.add_argument("--lang", required=True, type=check_lang, help="language code to build (e.g. fr), as in the catalogue")
    p.add_argument("--config", type=Path, default=Path("configs/default.yaml"), help="run config YAML")
    p.add_argument("--out", type=Path, help="output root (default: the config's `output`); writes <out>/<lang>/")
    p.add_argument("--executor", choices=["ray", "local"], help="override the config's executor")
    p.add_argument("--profile", choices=PROFILES, help="override the config's threshold profile "
                   "(roots: ROOTS's own values, for a faithful reproduction)")
    p.add_argument("--workers", type=int, help="number of parallel workers (default: all cores)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _audit_parsers(sub) -> None:
    cal = sub.add_parser("calibrate", help="propose a threshold from the values a run measured")
    cal.add_argument("measure", choices=["perplexity", "filters"],
                     help="perplexity: candidate maxima; filters: every threshold from reference text's tails")
    cal.add_argument("--lang", required=True, type=check_lang)
    cal.add_argument("--out", type=Path, default=Path("out"), help="output root of the run to read")
    cal.add_argument("--percentiles", default="80,90,95,98,99", help="perplexity: candidate maxima, as percentiles")
    cal.add_argument("--reference", help="filters: comma-separated sources taken as clean text (default: all)")
    cal.add_argument("--q", type=float, default=1.0, help="filters: percent of reference text each bound may fail")
    cal.add_argument("--languages", type=Path, default=Path("languages"))
    cal.add_argument("--write", action="store_true", help="filters: save the proposals into languages/<lang>.yaml")
    cal.add_argument("--loosen-only", action="store_true", help="filters: propose only bounds that drop less than now")
    t = sub.add_parser("tune", help="a local web page to move a language's thresholds and save them to its YAML")
    t.add_argument("--lang", required=True, type=check_lang)
    t.add_argument("--out", type=Path, default=Path("out"), help="output root of the run to read")
    t.add_argument("--languages", type=Path, default=Path("languages"))
    t.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0 = any free one)")
    t.add_argument("--no-browser", action="store_true", help="only print the address")
    rep = sub.add_parser("report", help="(re)write out/<lang>/report.html and README.md (the data card) from a finished run")
    rep.add_argument("--lang", required=True, type=check_lang)
    rep.add_argument("--out", type=Path, default=Path("out"))
    rep.add_argument("--config", type=Path, default=Path("configs/default.yaml"))
    dc = sub.add_parser("datacard", help="write the data card of a multi-language build (<out>/README.md)")
    dc.add_argument("--langs", required=True, help="comma-separated languages already built under --out")
    dc.add_argument("--out", type=Path, default=Path("out"))
    dc.add_argument("--catalogue", type=Path, default=Path("catalogue"))
    rm = sub.add_parser("remove", help="remove documents from a built corpus, its reports and token bins (opt-out)")
    rm.add_argument("--lang", required=True, type=check_lang)
    rm.add_argument("--id", action="append", default=[], help="a document id (repeatable)")
    rm.add_argument("--source", action="append", default=[], help="every document of a catalogue source (repeatable)")
    rm.add_argument("--text-pattern", help="RE2 regular expression matched against the text")
    rm.add_argument("--url-pattern", help="RE2 regular expression matched against url_or_path")
    rm.add_argument("--reason", default="", help="why (kept in the request record)")
    rm.add_argument("--out", type=Path, default=Path("out"))
    rm.add_argument("--config", type=Path, default=Path("configs/default.yaml"))
    rm.add_argument("--bins", type=Path, action="append",
                    help="token-bin folder(s) to clean (default: the bins of --train-config, if packed)")
    rm.add_argument("--train-config", type=Path, default=Path(os.environ.get("TRAIN_CONFIG", "configs/train.yaml")),
                    help="training config whose bins are cleaned by default (default: $TRAIN_CONFIG or configs/train.yaml)")


def build_parser() -> argparse.ArgumentParser:
    stages = "\n".join(f"  {s.name:<10} {s.help}" for s in STAGES)
    ap = argparse.ArgumentParser(prog="python -m pipeline", description="ROOTS-style multilingual corpus pipeline.",
                                 epilog=f"stages (in order):\n{stages}", formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    c = sub.add_parser("corpus", help="run every stage for one language (or several, in one pass) on a catalogue")
    _common(c, several=True)
    c.add_argument("--catalogue", type=Path, help="catalogue folder or file (default: the config's `catalogue`)")
    r = sub.add_parser("run", help="run one stage alone on a JSONL or Parquet file (ingest is implicit)")
    r.add_argument("stage", choices=["ingest", *STAGE_NAMES])
    _common(r)
    r.add_argument("--input", type=Path, required=True, help="a .jsonl(.gz/.zst) or .parquet file")
    r.add_argument("--text-field", default="text")
    r.add_argument("--id-field", default=None)
    v = sub.add_parser("validate", help="validate the catalogue and a run config without running anything")
    v.add_argument("--catalogue", type=Path, default=Path("catalogue"))
    v.add_argument("--config", type=Path, default=Path("configs/default.yaml"))
    v.add_argument("--languages", type=Path, default=Path("languages"))
    v.add_argument("--train-config", type=Path, default=Path("configs/train.yaml"), help="training config to check too")
    sub.add_parser("stages", help="list the stages")
    li = sub.add_parser("langid", help="language ID per document of a JSONL file; --eval: accuracy per language")
    li.add_argument("file", type=Path, help="JSONL with `text` (and `id`; `lang` labels for --eval)")
    li.add_argument("--lang", type=check_lang, help="also show this language's decision (its YAML's detector, labels, threshold)")
    li.add_argument("--eval", action="store_true", help="accuracy per labelled language, confusion, docs/s")
    li.add_argument("--languages", type=Path, default=Path("languages"))
    _audit_parsers(sub)
    return ap


def cmd_build(args) -> int:
    from pipeline.audit.report import run_writers as writers
    from pipeline.run import Run

    cfg = load_config(args.config)
    updates = {k: v for k, v in {"output": args.out, "executor": args.executor, "workers": args.workers,
                                 "profile": args.profile,
                                 "catalogue": getattr(args, "catalogue", None)}.items() if v is not None}
    cfg = cfg.model_copy(update=updates)
    if args.command == "corpus":
        langs = corpus_languages(args, cfg)
        for lang in langs:
            ensure_model(cfg, lang)
        if args.langs:
            return build_several(cfg, langs, args)
        run = Run(cfg, args.lang, writers=writers(cfg))
    else:
        from pipeline.catalogue import adhoc_source

        cfg = cfg.model_copy(update={"stages": [] if args.stage == "ingest" else [args.stage]})
        run = Run(cfg, args.lang, [adhoc_source(args.input, args.lang, args.text_field, args.id_field)], writers(cfg))
    summary = run.execute(progress=not args.no_progress and sys.stderr.isatty(), say=say)
    print(json.dumps(summary, indent=2))
    say(summary_line(summary))
    return 0


def ensure_model(cfg, lang: str) -> None:
    """Train the language's perplexity model when it is missing (one command does everything, on a cluster too);
    a language with too little text to train one is built without perplexity values when no threshold needs them."""
    from pipeline.language import load_language
    from pipeline.lm import NotEnoughText, missing_model, print_training, train_language

    if not missing_model(cfg, lang):
        return
    say(f"no perplexity model for '{lang}' yet: training it first (make lm LANG={lang})")
    try:
        print_training(train_language(cfg, lang))
    except NotEnoughText as e:
        if load_language(cfg.languages, lang, cfg.profile).perplexity.max is not None:
            raise
        say(f"{e}: '{lang}' is built without perplexity values (its YAML sets no perplexity.max)")


def corpus_languages(args, cfg) -> list[str]:
    if not args.langs:
        return [args.lang]
    if args.langs == "all":
        from pipeline.catalogue import catalogue_languages

        return catalogue_languages(cfg.catalogue)
    langs = [check_lang(x.strip()) for x in args.langs.split(",") if x.strip()]
    if len(set(langs)) != len(langs) or not langs:
        raise UserError(f"--langs {args.langs!r}: give distinct language codes, comma-separated, or `all`")
    return langs


def build_several(cfg, langs: list[str], args) -> int:
    from pipeline.audit.report import run_writers, write_run_docs
    from pipeline.multirun import MultiRun

    run = MultiRun(cfg, langs, writers=run_writers(cfg), run_writers=[write_run_docs] if cfg.report_html else [])
    result = run.execute(progress=not args.no_progress and sys.stderr.isatty(), say=say)
    print(json.dumps(result, indent=2, default=str))
    for summary in result["languages"].values():
        say(summary_line(summary))
    r = result["run"]
    say(f"{len(langs)} languages: {r['documents_kept']:,} kept, {r['documents_rejected']:,} rejected "
        f"({r['run_level_rejected']:,} before any language took them) in {r['seconds']:.1f} s -> {r['output']}")
    return 0


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def summary_line(s: dict) -> str:
    """One line at the end of a run: documents, size, time, speed."""
    rate = s["documents_in"] / s["stage_cpu_seconds"] if s["stage_cpu_seconds"] else 0
    return (f"{s['lang']}: {s['documents_in']:,} documents in, {s['documents_kept']:,} kept, {s['documents_rejected']:,} "
            f"rejected, {s['documents_removed']:,} removed on request; {s['input_bytes'] / 1e9:.3f} GB of input in "
            f"{s['seconds']:.1f} s wall ({s['executor']}); {rate:,.0f} documents per CPU-second in the stages; "
            f"-> {s['output']}")


def cmd_validate(args) -> int:
    from pipeline.catalogue import load_catalogue
    from pipeline.language import load_language

    entries = load_catalogue(args.catalogue)
    load_config(args.config)
    langs = sorted(p.stem for p in args.languages.glob("*.yaml"))
    for code in langs:
        for profile in PROFILES:  # the ROOTS profile's table applies to every file
            load_language(args.languages, code if code != "default" else "xx", profile)
    checked = ""
    if args.train_config.is_file():
        from trainer.config import load_train_config

        load_train_config(args.train_config)
        checked = f", training config {args.train_config}"
    print(f"ok: {len(entries)} catalogue entries, config {args.config}{checked}, {len(langs)} language files")
    return 0


def cmd_stages(args) -> int:
    for s in STAGES:
        print(f"{s.name:<10} {s.help}")
    return 0


def cmd_langid(args) -> int:
    from pipeline.evals.lid_eval import evaluate, predict_file, read_jsonl, table

    if not args.eval:
        for row in predict_file(args.file, args.languages, args.lang):
            print(json.dumps(row, ensure_ascii=False))
        return 0
    rows = read_jsonl(args.file)
    unlabelled = sum(not isinstance(r.get("lang"), str) for r in rows)
    if unlabelled:
        raise UserError(f"{args.file}: --eval needs a `lang` label on every line ({unlabelled} lack one)")
    print(table(evaluate(rows, args.languages)))
    return 0


def cmd_calibrate(args) -> int:
    from pipeline.audit.calibrate import calibrate, calibrate_filters

    if args.measure == "filters":
        if not 0 < args.q < 50:
            raise UserError(f"--q {args.q}: give a percentage between 0 and 50")
        reference = [r.strip() for r in args.reference.split(",") if r.strip()] if args.reference else None
        print(calibrate_filters(args.out / args.lang, args.languages, args.lang, reference, args.q, write=args.write,
                                loosen_only=args.loosen_only))
        return 0
    print(calibrate(args.out / args.lang, [float(x) for x in args.percentiles.split(",")]))
    return 0


def cmd_tune(args) -> int:
    from pipeline.audit.tune import main as tune_main

    return tune_main(["--lang", args.lang, "--out", str(args.out), "--languages", str(args.languages),
                      "--port", str(args.port), *(["--no-browser"] if args.no_browser else [])])


def cmd_report(args) -> int:
    from pipeline.audit.datacard import CARD
    from pipeline.audit.report import write_outputs_docs
    from pipeline.catalogue import load_catalogue
    from pipeline.language import load_language

    cfg = load_config(args.config)
    out = args.out / args.lang
    if not (out / "manifest.json").is_file():
        raise UserError(f"{out / 'manifest.json'} not found: no finished run for '{args.lang}' under {args.out} "
                        f"(run `make corpus LANG={args.lang}` first)")
    profile = json.loads((out / "manifest.json").read_text(encoding="utf-8")).get("profile", "shipped")  # the build's
    write_outputs_docs(out, load_language(cfg.languages, args.lang, profile), {e.uid: e for _, e in load_catalogue(cfg.catalogue)},
                       cfg.model_dump(mode="json"))
    print(f"wrote {out / 'report.html'} and {out / CARD}")
    return 0


def cmd_datacard(args) -> int:
    from pipeline.audit.datacard import CARD, multi_card
    from pipeline.shards import write_text_atomic

    langs = [check_lang(x) for x in args.langs.split(",") if x]
    missing = [lang for lang in langs if not (args.out / lang / "manifest.json").is_file()]
    if missing:
        raise UserError(f"no finished run for {', '.join(missing)} under {args.out} "
                        f"(run `make corpus LANGS={','.join(langs)}` first)")
    print(write_text_atomic(multi_card(args.out, langs, args.catalogue), args.out / CARD))
    return 0


def cmd_remove(args) -> int:
    from pipeline.audit.remove import apply_to_build, record_request
    from pipeline.removals import load_removals
    from trainer.removal import scrub_bins

    cfg = load_config(args.config)
    if cfg.removals is None:
        raise UserError(f"{args.config}: `removals: null`: set a folder to record removal requests in")
    load_removals(cfg.removals, args.lang)  # an unreadable record fails before a new one is added
    bins = args.bins if args.bins is not None else default_bins(args.train_config)
    req = record_request(cfg.removals, args.lang, args.id, args.source, args.text_pattern, args.url_pattern, args.reason)
    res = apply_to_build(args.out / args.lang, [req], cfg)
    ids = res.pop("ids")
    res["bins"] = [scrub_bins(b, ids) for b in bins if (b / "manifest.json").is_file()]
    print(json.dumps({"recorded": str(cfg.removals / f"{args.lang}.jsonl"), **res}, indent=2))
    return 0


def default_bins(train_config: Path) -> list[Path]:
    """The bins of the training config, when they exist."""
    from trainer.config import load_train_config

    if not train_config.is_file():
        return []
    bins = load_train_config(train_config).output / "bins"
    return [bins] if (bins / "manifest.json").is_file() else []


COMMANDS = {"corpus": cmd_build, "run": cmd_build, "validate": cmd_validate, "stages": cmd_stages,
            "langid": cmd_langid, "calibrate": cmd_calibrate, "tune": cmd_tune, "report": cmd_report,
            "datacard": cmd_datacard, "remove": cmd_remove}


@cli_main
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return COMMANDS[args.command](args)

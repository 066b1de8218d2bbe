"""Command line: `python -m pipeline --help`."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pipeline.config import STAGE_NAMES, load_config
from pipeline.errors import UserError

STAGE_HELP = {
    "ingest": "read a source (JSONL/.gz/.zst, Parquet, text folder, HF dataset, WARC); reject unreadable records",
    "clean": "per-source ROOTS cleaning steps from the catalogue entry (code-marker lines, template lines, small docs)",
    "normalise": "Unicode NFC, newlines, control characters; drop empty documents",
    "langid": "language ID per the language YAML: fastText lid.176, CLD2 (Niger-Congo), or the file extension (code)",
    "quality": "ROOTS document edits + quality filters (and datatrove's) with thresholds from languages/<lang>.yaml",
    "pii": "presidio-analyzer pattern recognisers per language (e-mail, IP, phone, card, IBAN, crypto, KEY, USER); PI:<TYPE>",
    "perplexity": "KenLM 5-gram perplexity over sentencepiece pieces (model from `make lm`); ppl_bucket; drop above max",
    "dedup": "global exact + MinHash-LSH near dedup across the language's sources (parallel, on disk); keeps the longest",
}


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", required=True, help="language code to build (e.g. fr), as in the catalogue")
    p.add_argument("--config", type=Path, default=Path("configs/default.yaml"), help="run config YAML")
    p.add_argument("--out", type=Path, help="output root (default: the config's `output`); writes <out>/<lang>/")
    p.add_argument("--executor", choices=["ray", "local"], help="override the config's executor")
    p.add_argument("--workers", type=int, help="number of parallel workers (default: all cores)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    stages = "\n".join(f"  {name:<10} {STAGE_HELP[name]}" for name in ("ingest", *STAGE_NAMES))
    ap = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="ROOTS-style multilingual corpus pipeline.",
        epilog=f"stages (in order):\n{stages}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = ap.add_subparsers(dest="command", required=True)
    c = sub.add_parser("corpus", help="run every stage for one language on a catalogue")
    _common(c)
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
    cal = sub.add_parser("calibrate", help="propose a threshold from the values a run measured")
    cal.add_argument("measure", choices=["perplexity"])
    cal.add_argument("--lang", required=True)
    cal.add_argument("--out", type=Path, default=Path("out"), help="output root of the run to read")
    cal.add_argument("--percentiles", default="80,90,95,98,99", help="candidate maxima, as percentiles")
    li = sub.add_parser("langid", help="language ID per document of a JSONL file; --eval: accuracy per language")
    li.add_argument("file", type=Path, help="JSONL with `text` (and `id`; `lang` labels for --eval)")
    li.add_argument("--lang", help="also show this language's decision (its YAML's detector, labels, threshold)")
    li.add_argument("--eval", action="store_true", help="accuracy per labelled language, confusion, docs/s")
    li.add_argument("--languages", type=Path, default=Path("languages"))
    t = sub.add_parser("tune", help="a local web page to move a language's thresholds and save them to its YAML")
    t.add_argument("--lang", required=True)
    t.add_argument("--out", type=Path, default=Path("out"), help="output root of the run to read")
    t.add_argument("--languages", type=Path, default=Path("languages"))
    t.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0 = any free one)")
    t.add_argument("--no-browser", action="store_true", help="only print the address")
    rep = sub.add_parser("report", help="(re)write out/<lang>/report.html and DATACARD.md from a finished run")
    rep.add_argument("--lang", required=True)
    rep.add_argument("--out", type=Path, default=Path("out"))
    rep.add_argument("--config", type=Path, default=Path("configs/default.yaml"))
    dc = sub.add_parser("datacard", help="write the data card of a multi-language build (<out>/DATACARD.md)")
    dc.add_argument("--langs", required=True, help="comma-separated languages already built under --out")
    dc.add_argument("--out", type=Path, default=Path("out"))
    dc.add_argument("--catalogue", type=Path, default=Path("catalogue"))
    rm = sub.add_parser("remove", help="remove documents from a built corpus, its reports and token bins (opt-out)")
    rm.add_argument("--lang", required=True)
    rm.add_argument("--id", action="append", default=[], help="a document id (repeatable)")
    rm.add_argument("--source", action="append", default=[], help="every document of a catalogue source (repeatable)")
    rm.add_argument("--text-pattern", help="RE2 regular expression matched against the text")
    rm.add_argument("--url-pattern", help="RE2 regular expression matched against url_or_path")
    rm.add_argument("--reason", default="", help="why (kept in the request record)")
    rm.add_argument("--out", type=Path, default=Path("out"))
    rm.add_argument("--config", type=Path, default=Path("configs/default.yaml"))
    rm.add_argument("--bins", type=Path, action="append", help="token-bin folder(s) to clean (default: the bins of configs/train.yaml, if packed)")
    return ap


def _config(args: argparse.Namespace):
    cfg = load_config(args.config)
    updates = {k: v for k, v in {"output": args.out, "executor": args.executor, "workers": args.workers,
                                 "catalogue": getattr(args, "catalogue", None)}.items() if v is not None}
    return cfg.model_copy(update=updates)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from pipeline.run import Run

    try:
        if args.command == "stages":
            for name in ("ingest", *STAGE_NAMES):
                print(f"{name:<10} {STAGE_HELP[name]}")
            return 0
        if args.command == "validate":
            from pipeline.catalogue import load_catalogue

            from pipeline.language import load_language

            entries = load_catalogue(args.catalogue)
            load_config(args.config)
            langs = sorted(p.stem for p in args.languages.glob("*.yaml"))
            for code in langs:
                load_language(args.languages, code if code != "default" else "xx")
            checked = ""
            if args.train_config.is_file():
                from trainer.config import load_train_config

                load_train_config(args.train_config)
                checked = f", training config {args.train_config}"
            print(f"ok: {len(entries)} catalogue entries, config {args.config}{checked}, {len(langs)} language files")
            return 0
        if args.command == "calibrate":
            from pipeline.audit.calibrate import calibrate

            print(calibrate(args.out / args.lang, [float(x) for x in args.percentiles.split(",")]))
            return 0
        if args.command == "langid":
            from pipeline.evals.lid_eval import evaluate, predict_file, read_jsonl, table

            if args.eval:
                rows = read_jsonl(args.file)
                unlabelled = sum(not isinstance(r.get("lang"), str) for r in rows)
                if unlabelled:
                    raise UserError(f"{args.file}: --eval needs a `lang` label on every line ({unlabelled} lack one)")
                result = evaluate(rows, args.languages)
                print(table(result))
            else:
                for row in predict_file(args.file, args.languages, args.lang):
                    print(json.dumps(row, ensure_ascii=False))
            return 0
        if args.command == "tune":
            from pipeline.audit.tune import main as tune_main

            return tune_main(["--lang", args.lang, "--out", str(args.out), "--languages", str(args.languages),
                              "--port", str(args.port), *(["--no-browser"] if args.no_browser else [])])
        if args.command == "report":
            from pipeline.catalogue import load_catalogue
            from pipeline.language import load_language
            from pipeline.audit.report import write_outputs_docs

            cfg = load_config(args.config)
            write_outputs_docs(args.out / args.lang, load_language(cfg.languages, args.lang),
                               {e.uid: e for _, e in load_catalogue(cfg.catalogue)}, cfg.model_dump(mode="json"))
            print(f"wrote {args.out / args.lang / 'report.html'} and {args.out / args.lang / 'DATACARD.md'}")
            return 0
        if args.command == "datacard":
            from pipeline.audit.datacard import multi_card
            from pipeline.shards import write_text_atomic

            langs = [x for x in args.langs.split(",") if x]
            print(write_text_atomic(multi_card(args.out, langs, args.catalogue), args.out / "DATACARD.md"))
            return 0
        if args.command == "remove":
            from pipeline.audit.remove import apply_to_build, load_removals, record_request

            cfg = load_config(args.config)
            if cfg.removals is None:
                raise UserError(f"{args.config}: `removals: null`: set a folder to record removal requests in")
            load_removals(cfg.removals, args.lang)  # an unreadable record fails before a new one is added
            req = record_request(cfg.removals, args.lang, args.id, args.source, args.text_pattern, args.url_pattern,
                                 args.reason)
            if args.bins is None:  # the bins of the training config, when they exist
                from trainer.config import load_train_config

                train_cfg = load_train_config(Path("configs/train.yaml")) if Path("configs/train.yaml").is_file() else None
                args.bins = [p for p in [train_cfg.output / "bins"] if (p / "manifest.json").is_file()] if train_cfg else []
            bins = args.bins
            res = apply_to_build(args.out / args.lang, [req], cfg, bins)
            print(json.dumps({"recorded": str(cfg.removals / f"{args.lang}.jsonl"), **res}, indent=2))
            return 0
        cfg = _config(args)
        if args.command == "corpus":
            run = Run(cfg, args.lang)
        else:
            from pipeline.adhoc import adhoc_source

            cfg = cfg.model_copy(update={"stages": [] if args.stage == "ingest" else [args.stage]})
            run = Run(cfg, args.lang, [adhoc_source(args.input, args.lang, args.text_field, args.id_field)])
        summary = run.execute(progress=not args.no_progress and sys.stderr.isatty())
        print(json.dumps(summary, indent=2))
        return 0
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

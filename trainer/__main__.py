"""Command line: `python -m trainer --help` (tokenizer, pack, train, trace, corpora)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pipeline.errors import UserError, cli_main
from trainer.config import load_train_config


def cmd_corpora(cfg, args) -> None:
    for lang in cfg.languages:  # `make corpora` reads "<lang> <output root>" lines
        if not (cfg.corpus / lang / "manifest.json").is_file():
            print(lang, cfg.corpus)


def cmd_tokenizer(cfg, args) -> None:
    from trainer.tokenizer import train_tokenizer

    meta = train_tokenizer(cfg)
    print(json.dumps(meta["sample"], indent=2))
    print(f"tokenizer: {meta['vocab_size']} pieces ({meta['model_type']}), {meta['seconds']} s -> "
          f"{cfg.output / 'tokenizer'}")


def cmd_pack(cfg, args) -> None:
    from trainer.pack import pack

    m = pack(cfg)
    for lang, s in m["languages"].items():
        print(f"{lang:>5}: {s['docs_in']:>7,} docs, {s['tokens_train']:>11,} train tokens "
              f"(share {s['share_realised']:.3f}, requested {s['share_requested']:.3f}, x{s['repeat_factor']}), "
              f"{s['tokens_val']:>9,} val tokens")
    print(f"encode: {json.dumps(m['encode'])}")
    print(f"bins: {m['tokens_train']:,} train + {m['tokens_val']:,} val tokens -> {cfg.output / 'bins'}")


def cmd_train(cfg, args) -> None:
    from trainer.train import train

    s = train(cfg, fresh=args.fresh, stop_after=args.stop_after, progress=sys.stderr.isatty())
    print(json.dumps(s, indent=2, ensure_ascii=False))


def cmd_trace(cfg, args) -> None:
    from trainer.bins import ShardReader

    stem = args.bin.with_suffix("") if args.bin.suffix in (".bin", ".idx") else args.bin
    print(json.dumps(ShardReader(stem).doc_at(args.position), ensure_ascii=False))


def cmd_verify(cfg, args) -> None:
    from trainer.bins import ShardReader

    bins = args.bins or cfg.output / "bins"
    stems = sorted(p.with_suffix("") for p in bins.glob("*.idx"))
    if not stems:
        raise UserError(f"no bins in {bins}")
    for stem in stems:
        r = ShardReader(stem, verify=True)
        print(f"ok {stem.name}: {r.n_docs:,} docs, {r.n_tokens:,} tokens, {r.dtype}")


COMMANDS = {"corpora": cmd_corpora, "tokenizer": cmd_tokenizer, "pack": cmd_pack, "train": cmd_train,
            "trace": cmd_trace, "verify": cmd_verify}


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m trainer", description="tokenizer, token bins and a small GPT")
    ap.add_argument("--config", type=Path, default=Path("configs/train.yaml"), help="training config YAML")
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("corpora", help="print the configured languages whose curated corpus is missing (lang, root)")
    sub.add_parser("tokenizer", help="train the sentencepiece tokenizer on a temperature-sampled mix")
    sub.add_parser("pack", help="encode every curated document into train/val token bins")
    t = sub.add_parser("train", help="train (or resume) the small GPT on the bins")
    t.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint and start over")
    t.add_argument("--stop-after", type=int, help="stop after this step (rerun to resume)")
    tr = sub.add_parser("trace", help="which document a token of a bin belongs to")
    tr.add_argument("bin", type=Path, help="a bin shard (.bin, .idx or the stem)")
    tr.add_argument("position", type=int, help="token position in that shard")
    v = sub.add_parser("verify", help="check every bin's header, offsets and checksum")
    v.add_argument("--bins", type=Path, help="bins folder (default: <output>/bins)")
    return ap


@cli_main
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    COMMANDS[args.command](load_train_config(args.config), args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

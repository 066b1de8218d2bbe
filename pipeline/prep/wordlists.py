"""Regenerate the per-language word lists in languages/wordlists/ from their published sources.

  stopwords/<lang>.txt  spaCy's stop-word lists (spacy.lang.<lang>.stop_words, MIT licence), the same
                        closed-class word lists spaCy ships for each language.
  flagged/<lang>.txt    the List of Dirty, Naughty, Obscene and Otherwise Bad Words (LDNOOBW, CC-BY-4.0)
                        as published in the npm package `naughty-words`, the lists ROOTS started from;
                        for zh and ja without the one-character entries (see UNSEGMENTED), and without
                        the entries whose ordinary sense is common in clean text (see ORDINARY).

The generated files are committed, so a run needs neither spaCy's language modules nor npm; each file's
header names its source and version. Run: `make wordlists` (needs npm for the flagged lists).
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
import tarfile
import tempfile
from pathlib import Path

from pipeline.errors import cli_main
from pipeline.npm import npm_pack

OUT = Path(__file__).resolve().parents[2] / "languages" / "wordlists"
NAUGHTY_WORDS = "naughty-words@1.2.0"
# our code -> LDNOOBW file name, where they differ
LDNOOBW_NAMES = {"nb": "no", "tl": "fil"}
# languages whose words are single characters (`words.split: chars`): a one-character entry matches inside
# ordinary words there (性 in 属性, 性能, 安全性; 奶 in 牛奶; 卵 in 鸡蛋/卵子), so it is left out
UNSEGMENTED = {"zh", "ja"}
# entries found in the bundled manuals (debian-handbook, debian-reference: the tuning side, not the
# evaluation guide) in their ordinary sense, which is the common one: left out, so that a technical text
# about mounting a file system is not flagged (montare: 46 times in 30 Italian manual sections)
ORDINARY = {
    "it": {"montare": "to mount", "monta": "mounts", "pesce": "fish", "spagnola": "Spanish"},
    "nl": {"gat": "hole", "beurt": "turn"},
    "sv": {"hård": "hard"},
    "fr": {"jouir": "to enjoy (a right)"},
    "es": {"infierno": "hell"},
    "pt": {"inferno": "hell"},
    "ar": {"شاذ": "anomalous"},
    "fa": {"تجاوز": "to exceed"},
    # zh: entries found in the bundled zh sources (manuals and fortunes: the tuning side) in their ordinary sense
    "zh": {"成人": "adult; 君子成人之美, to help others succeed", "后庭": "rear court (后庭花, Du Mu's poem)",
           "吹箫": "to play the xiao flute", "交配": "in 提交配置, commit the configuration", "老母": "old mother",
           "祖宗": "ancestors", "花柳": "flowers and willows", "放荡": "unrestrained (人怕放荡, a proverb)",
           "玉杵": "jade pestle", "屁股": "bottom (打屁股, to spank)"},
    # ja flagged entries match inside running text (flagged_words match: text): these are ordinary words or
    # parts of them in the manuals
    "ja": {"グロ": "in グローバル global, グロブ glob", "挿入": "to insert", "フック": "hook", "覗き": "to look into",
           "支配": "control", "誘惑": "temptation", "ディック": "in エビシディック EBCDIC", "xx": "placeholder, XX"},
}


def without_single_characters(lang: str, words: list[str]) -> tuple[list[str], list[str]]:
    """(kept, left out): for unsegmented languages the one-character entries are left out."""
    if lang not in UNSEGMENTED:
        return list(words), []
    words = [w.strip().lower() for w in words if w.strip()]
    return [w for w in words if len(w) > 1], sorted({w for w in words if len(w) == 1})


def without_ordinary(lang: str, words: list[str]) -> tuple[list[str], list[str]]:
    """(kept, left out): the language's ORDINARY entries are left out."""
    ordinary = ORDINARY.get(lang, {})
    words = [w.strip().lower() for w in words if w.strip()]
    return [w for w in words if w not in ordinary], sorted({w for w in words if w in ordinary})


def write_list(path: Path, header: list[str], words: list[str]) -> None:
    words = sorted({w.strip().lower() for w in words if w.strip()})
    body = "".join(f"# {h}\n" for h in header) + "".join(f"{w}\n" for w in words)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")


def spacy_stopwords(lang: str) -> list[str] | None:
    try:
        module = importlib.import_module(f"spacy.lang.{lang}.stop_words")
    except ModuleNotFoundError:
        return None
    return list(module.STOP_WORDS)


def stopwords(langs: list[str]) -> list[str]:
    import spacy

    done = []
    for lang in langs:
        words = spacy_stopwords(lang)
        if words is None:
            continue
        write_list(OUT / "stopwords" / f"{lang}.txt",
                   [f"stop words for '{lang}' from spaCy {spacy.__version__} (spacy.lang.{lang}.stop_words), MIT licence",
                    "regenerate with `make wordlists`; one lowercased word per line"], words)
        done.append(lang)
    return done


def flagged(langs: list[str]) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(npm_pack(NAUGHTY_WORDS, Path(tmp))) as tar:
            tar.extractall(tmp, filter="data")
        pkg = Path(tmp) / "package"
        done = []
        for lang in langs:
            src = pkg / f"{LDNOOBW_NAMES.get(lang, lang)}.json"
            if not src.exists():
                continue
            words, left_out = without_single_characters(lang, json.loads(src.read_text(encoding="utf-8")))
            words, ordinary = without_ordinary(lang, words)
            write_list(OUT / "flagged" / f"{lang}.txt",
                       [f"flagged words for '{lang}' from LDNOOBW, npm package {NAUGHTY_WORDS} ({src.name}), CC-BY-4.0",
                        "regenerate with `make wordlists`; one lowercased word or phrase per line",
                        *([f"left out (one character matches inside ordinary words of unsegmented text): {' '.join(left_out)}"]
                          if left_out else []),
                        *([f"left out (ordinary words, common in clean text): "
                           f"{', '.join(f'{w} ({ORDINARY[lang][w]})' for w in ordinary)}"] if ordinary else [])],
                       words)
            done.append(lang)
        return done


@cli_main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.prep.wordlists", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--langs", default="ar bn ca cs da de el en es eu fa fr hi hr id it ja ko nb nl pl pt ro ru sv tr ur vi zh yo")
    ap.add_argument("--skip-flagged", action="store_true", help="only the stop words (no npm needed)")
    args = ap.parse_args(argv)
    langs = args.langs.split()
    print("stopwords:", " ".join(stopwords(langs)))
    if not args.skip_flagged:
        print("flagged:", " ".join(flagged(langs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The code slice's "language ID": which of ROOTS's 13 programming languages a source file is in.

Natural-language LID says nothing useful about source code, so this uses what a file says about itself, as
GitHub's linguist and guesslang do first: the file extension of `url_or_path`; without a known extension,
the shebang line (`#!/usr/bin/env python3`); then a few unambiguous markers (`<?php`, `package main` with
`func`, `fn main(`...). Score 1.0 for an extension, 0.9 for a shebang, 0.6 for a marker, 0 for unknown.
"""
from __future__ import annotations

import re
from pathlib import PurePosixPath

EXTENSIONS = {
    ".py": "python", ".pyw": "python", ".pyi": "python", ".c": "c", ".h": "c", ".cc": "cpp", ".cpp": "cpp",
    ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp", ".hxx": "cpp", ".cs": "csharp", ".go": "go", ".java": "java",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript", ".lua": "lua",
    ".php": "php", ".rb": "ruby", ".rs": "rust", ".scala": "scala", ".sc": "scala", ".ts": "typescript",
    ".tsx": "typescript", ".mts": "typescript",
}
LANGUAGES = sorted(set(EXTENSIONS.values()))
"""ROOTS's 13 programming languages."""
SHEBANG = re.compile(r"^#!\S*?(?:/env\s+)?(?:\S*/)?(python|node|ruby|php|lua)\d*(?:\.\d+)?\b")
SHEBANG_LANG = {"python": "python", "node": "javascript", "ruby": "ruby", "php": "php", "lua": "lua"}
MARKERS = [  # (language, every pattern must match), checked in order
    ("php", [r"<\?php"]),
    ("go", [r"(?m)^package \w+", r"(?m)^func "]),
    ("rust", [r"(?m)^\s*(pub )?fn \w+", r"\blet (mut )?\w+"]),
    ("csharp", [r"(?m)^using System", r"\bnamespace\b"]),
    ("java", [r"(?m)^(public )?(final )?class \w+", r"(?m)^import java\."]),
    ("cpp", [r"(?m)^#include\s*[<\"]", r"(?m)std::|template\s*<|^class \w+"]),
    ("c", [r"(?m)^#include\s*[<\"]", r"(?m)^(int|void|static|char)\b.*\("]),
    ("python", [r"(?m)^(def|class) \w+.*:\s*$", r"(?m)^(import|from) \w+"]),
]


def guess(text: str, path: str = "") -> tuple[str, float]:
    ext = PurePosixPath(path).suffix.lower()
    if ext in EXTENSIONS:
        return EXTENSIONS[ext], 1.0
    m = SHEBANG.match(text[:200])
    if m:
        return SHEBANG_LANG[m.group(1)], 0.9
    head = text[:20_000]
    for lang, patterns in MARKERS:
        if all(re.search(p, head) for p in patterns):
            return lang, 0.6
    return "unknown", 0.0


class CodeLID:
    """`ranked(docs)` -> [[(programming language, score)]] from each document's path and text."""

    def ranked(self, docs) -> list[list[tuple[str, float]]]:
        return [[guess(d.text, d.url_or_path)] for d in docs]

    def predict(self, texts: list[str]) -> list[tuple[str, float]]:
        return [guess(t) for t in texts]

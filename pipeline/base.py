"""The few basics every part of the project shares: the strict config base, UTF-8 sizes, URL tests,
content hashes. One of each, so there is one way to do each thing."""
from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer, PlainValidator

from pipeline.errors import UserError

LANG_CODE = re.compile(r"[a-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})*|code")


class Strict(BaseModel):
    """Base of every config model: an unknown key is an error (the YAML loader names the file and field)."""

    model_config = ConfigDict(extra="forbid")


class Frozen(Strict):
    """A strict model whose instances cannot change (catalogue entries, cleaning steps)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def utf8_len(text: str) -> int:
    """Size of a text in UTF-8 bytes; a lone surrogate counts as the 3 bytes it takes in a rejected record."""
    return len(text.encode("utf-8", "surrogatepass"))


def is_uri(spec: str | None) -> bool:
    """A location with a scheme (s3://, gs://, hf://, https://, memory://...), read and written through fsspec;
    `file://` and plain paths are local."""
    return bool(spec) and "://" in spec and not spec.startswith("file://")


def location(value: object) -> Path:
    """A local `Path`, or for a URI a `UPath` (universal_pathlib: pathlib's API over fsspec), so that code can
    join, test and read a location the same way wherever it is."""
    if isinstance(value, Path) or not is_uri(str(value)):
        return value if isinstance(value, Path) else Path(str(value))
    from upath import UPath

    return value if isinstance(value, UPath) else UPath(str(value))


Location = Annotated[Path, PlainValidator(location), PlainSerializer(str, return_type=str)]
"""A config field that is a local folder or a URI (s3://bucket/out, gs://..., memory://...)."""


def is_url(spec: str | None) -> bool:
    """A web address (http/https), as opposed to a path on a disk."""
    return bool(spec) and spec.startswith(("http://", "https://"))


def check_lang(code: str) -> str:
    """A language code as the catalogue and languages/ use them (ISO 639, optionally a script or region), or
    `code`: anything else (`../../x`) is refused before it names a file."""
    if not isinstance(code, str) or not LANG_CODE.fullmatch(code):
        raise UserError(f"{code!r} is not a language code (ISO 639 letters such as fr, nso, zh_Hant; or `code`)")
    return code


def within(path: Path, roots: list[Path]) -> bool:
    """Whether `path`, symbolic links resolved, lies inside one of `roots`."""
    real = Path(path).resolve()
    return any(real == r or r in real.parents for r in (Path(x).resolve() for x in roots))


def default_workers() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def cache_dir() -> Path:
    """Where published models named by URL must already be (runs never download): $ROOTS_PIPELINE_CACHE,
    else ~/.cache/roots-pipeline."""
    return Path(os.environ.get("ROOTS_PIPELINE_CACHE", Path.home() / ".cache" / "roots-pipeline"))


def say(value: object) -> str:
    """A parameter in words for a person (data card, report): no Python reprs (`None`, `True`, `['fr']`)."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}" if abs(value) >= 10_000 else str(int(value))
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, dict):
        return "; ".join(f"{k} {say(v)}" for k, v in value.items()) or "none"
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(f"`{v}`" if isinstance(v, str) else say(v) for v in value) or "none"
    return str(value)


def stable_hash(obj: object, n: int = 16) -> str:
    """A short hex digest of a JSON-able object, the same on every machine and run."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:n]

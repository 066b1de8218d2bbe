"""Where input files live: a local path, or a URI read through fsspec (s3://, gs://, hf://datasets/...,
https://, or any filesystem fsspec knows). Credentials come from the usual environment (AWS_* for S3,
GOOGLE_APPLICATION_CREDENTIALS for GCS, HF_TOKEN for the Hub); nothing secret is written in a YAML file or
a report. A location is a plain string: a local path, or `<protocol>://...`.
"""
from __future__ import annotations

import io
import os
from pathlib import Path

from pipeline.base import is_uri, stable_hash


def filesystem(loc: str):
    """(fsspec filesystem, path inside it) of a URI."""
    import fsspec

    return fsspec.core.url_to_fs(loc)


def glob(pattern: str) -> list[str]:
    """The files and folders a URI pattern matches (`**` included), as URIs, sorted."""
    fs, path = filesystem(pattern)
    return sorted(fs.unstrip_protocol(p) for p in fs.glob(path))


def isdir(loc: str) -> bool:
    if not is_uri(loc):
        return Path(loc).is_dir()
    fs, path = filesystem(loc)
    return fs.isdir(path)


def isfile(loc: str) -> bool:
    if not is_uri(loc):
        return Path(loc).is_file()
    fs, path = filesystem(loc)
    return fs.isfile(path)


def find(loc: str) -> list[str]:
    """Every file under a folder, as URIs (local folders: paths), sorted."""
    if not is_uri(loc):
        return sorted(str(p) for p in Path(loc).rglob("*") if p.is_file())
    fs, path = filesystem(loc)
    return sorted(fs.unstrip_protocol(p) for p in fs.find(path))


def open_input(loc: str) -> io.BufferedIOBase:
    """A binary, seekable file object to read."""
    if not is_uri(loc):
        return open(loc, "rb")  # noqa: SIM115
    fs, path = filesystem(loc)
    return fs.open(path, "rb", block_size=8 * 2**20)


def read_bytes(loc: str) -> bytes:
    with open_input(loc) as fh:
        return fh.read()


def name(loc: str) -> str:
    return loc.rstrip("/").rsplit("/", 1)[-1]


def signature(loc: str) -> tuple[str, int]:
    """A short hash of what identifies the content (path, size, modification time or ETag, for every file of a
    folder) and the size in bytes: a changed input gets a new unit key."""
    if not is_uri(loc):
        p = Path(loc)
        files = [p] if p.is_file() else sorted(x for x in p.rglob("*") if x.is_file())
        stats = [(str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files]
    else:
        fs, path = filesystem(loc)
        infos = [fs.info(path)] if fs.isfile(path) else [fs.info(p) for p in sorted(fs.find(path))]
        stats = [(i["name"], i.get("size") or 0, str(i.get("ETag") or i.get("LastModified") or i.get("mtime")
                                                     or i.get("last_commit") or "")) for i in infos]
    return stable_hash(stats, 12), sum(s[1] for s in stats)


def relative(loc: str, base: str) -> str:
    """`loc` relative to the folder `base` (the file name when it is not under it)."""
    base = base.rstrip("/") + "/"
    if not is_uri(loc):
        try:
            return Path(loc).relative_to(Path(base)).as_posix()
        except ValueError:
            return name(loc)
    return loc[len(base):] if loc.startswith(base) else name(loc)


def local(loc: str) -> str:
    """A local location as a normalised absolute path string (URIs unchanged)."""
    return loc if is_uri(loc) else os.path.abspath(loc)

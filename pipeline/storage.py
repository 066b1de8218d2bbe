"""Where input files live: a local path, or a URI read through fsspec (s3://, gs://, hf://datasets/...,
https://, or any filesystem fsspec knows). Credentials come from the usual environment (AWS_* for S3,
GOOGLE_APPLICATION_CREDENTIALS for GCS, HF_TOKEN for the Hub); nothing secret is written in a YAML file or
a report. A location is a plain string: a local path, or `<protocol>://...`.
"""
from __future__ import annotations

import io
import os
import shutil
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


# ---- locations the pipeline writes: a local Path or a UPath (pipeline.base.location) -------------------------


def remote(p: Path) -> bool:
    """Whether a location is not on this machine's disk (a UPath with a protocol other than the local one)."""
    return getattr(p, "protocol", "") not in ("", "file", "local")


def rmtree(p: Path) -> None:
    """Delete a folder (or file) and everything under it; nothing if it is not there."""
    if remote(p):
        if p.exists():
            p.fs.rm(p.path, recursive=True)
    elif p.is_dir() and not p.is_symlink():
        shutil.rmtree(p, ignore_errors=True)
    elif p.exists() or p.is_symlink():
        p.unlink()


def write_bytes(p: Path, data: bytes) -> None:
    """Write a file so that a reader sees the old content or the new one, never a part: a local file is written
    under a temporary name and renamed; an object store makes an object visible only once it is complete."""
    if remote(p):
        p.fs.makedirs(p.parent.path, exist_ok=True)
        with p.open("wb") as fh:
            fh.write(data)
        return
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{p.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, p)


def read_table(p: Path, columns: list[str] | None = None):
    import pyarrow.parquet as pq

    if not remote(p):
        return pq.read_table(p, columns=columns)
    with p.open("rb") as fh:
        return pq.read_table(fh, columns=columns)


def parquet_file(p: Path):
    """A pyarrow ParquetFile (its file stays open while the object lives)."""
    import pyarrow.parquet as pq

    return pq.ParquetFile(p.open("rb") if remote(p) else p)


def write_table(table, p: Path) -> None:
    import io

    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    write_bytes(p, buf.getvalue())


def save_array(p: Path, array) -> None:
    import io

    import numpy as np

    buf = io.BytesIO()
    np.save(buf, array)
    write_bytes(p, buf.getvalue())


def load_array(p: Path):
    import io

    import numpy as np

    return np.load(io.BytesIO(p.read_bytes()))

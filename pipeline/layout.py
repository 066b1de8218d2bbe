"""Where a language's build lives, and how a new one is published: all at once, or not at all.

    <output>/<lang>                 a symbolic link to the current version: what people and tools read
    <output>/.<lang>/versions/<v>/  complete builds: data/, rejected/, reports/, manifest.json, report.html...
    <output>/.<lang>/work/<hash>/   intermediate results of one configuration (a rerun resumes from them)
    <output>/.<lang>/lock           held by the run (or removal) writing this language

A run writes its whole build into a new version folder, then replaces the link in one rename: a crash at
any instant leaves the previous complete build or the new one, never a mix (the data of one and the
rejected set of the other, say). Versions other than the current one, and temporary files of killed
runs, are deleted by the next run that holds the lock. A folder from before versions existed is moved
into versions/ the first time (the only moment the link is briefly absent).

On an object store (a URI output) there are no links: `<output>/<lang>/` holds the build itself, its shards
named after the run (`part-<version>-NNNNN.parquet`), and `manifest.json`, written last, is the commit:
readers that follow the manifest see the old build or the new one; the older shards are deleted right after.
The lock of a URI output is a local file (it keeps out runs from this machine only).
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from pipeline import storage
from pipeline.base import cache_dir, check_lang
from pipeline.errors import UserError
from pipeline.faults import failpoint

TEMP_MARKERS = (".tmp-", ".old-", ".removing")


class OutputLayout:
    def __init__(self, output: Path, lang: str, check: bool = True):
        if check:  # the run-level build of a multi-language run (`_run`) is the one other name
            check_lang(lang)
        self.root, self.lang = output, lang
        self.remote = storage.remote(output)
        self.version_id = ""
        self.link = self.root / lang
        self.home = self.root / f".{lang}"
        self.versions = self.home / "versions"
        self.work = self.home / "work"
        self.lock_path = self.home / "lock" if not self.remote else \
            cache_dir() / "locks" / f"{hashlib.sha256(str(self.link).encode()).hexdigest()[:16]}.lock"

    @contextmanager
    def lock(self, what: str):
        """Hold this language's lock; a second run stops at once with a clear message."""
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip() or "another process"
                raise UserError(f"{self.link} is being written by {holder}: wait for it to finish, or use another "
                                "output folder (--out)") from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{what} (pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')})".encode(), 0)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def current(self) -> Path | None:
        """The version folder the link points to (None before the first build)."""
        if self.remote:
            return self.link if (self.link / "manifest.json").exists() else None
        if self.link.is_symlink():
            return self.link.resolve()
        return self.link if self.link.is_dir() else None

    def new_version(self) -> Path:
        name = f"v-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:8]}"
        if self.remote:  # the build is written in place; its shards carry the version in their names
            self.version_id = name
            return self.link
        v = self.versions / name
        v.mkdir(parents=True)
        return v

    def shard_prefix(self, version: Path) -> str:
        """What shard names start with, after `part-` (a URI output's version; nothing locally)."""
        return f"{self.version_id}-" if self.remote else ""

    def publish(self, version: Path) -> None:
        """Point the link at `version` (one rename), then delete the versions no longer pointed at. On an object
        store the manifest, already written, was the switch: the shards it does not name are deleted."""
        if self.remote:
            failpoint("publish:before_switch")
            failpoint("publish:after_switch")
            return self.drop_unlisted_shards()
        if self.link.exists() and not self.link.is_symlink():  # an output from before versions: move it aside
            os.replace(self.link, self.versions / f"legacy-{uuid.uuid4().hex[:8]}")
        tmp = self.root / f".{self.lang}.link.tmp-{os.getpid()}"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(os.path.relpath(version, self.root), tmp)
        failpoint("publish:before_switch")
        os.replace(tmp, self.link)
        failpoint("publish:after_switch")
        self.clean_versions()

    def drop_unlisted_shards(self) -> list[str]:
        """URI outputs: delete the shards of data/ and rejected/ that the manifest does not name."""
        if not (self.link / "manifest.json").exists():
            return []
        m = json.loads((self.link / "manifest.json").read_text())
        listed = {s["path"] for part in ("data", "rejected") for s in m[part]}
        gone = [f"{part}/{p.name}" for part in ("data", "rejected") if (self.link / part).exists()
                for p in (self.link / part).iterdir() if f"{part}/{p.name}" not in listed]
        for rel in gone:
            storage.rmtree(self.link / rel)
        return gone

    def clean_versions(self) -> None:
        keep = self.current()
        for v in self.versions.iterdir() if self.versions.is_dir() else []:
            if keep is None or v.resolve() != keep:
                shutil.rmtree(v, ignore_errors=True)

    def clean_leftovers(self) -> list[str]:
        """Delete what killed runs left: versions nothing points at, temporary files and folders."""
        if self.remote:
            return self.drop_unlisted_shards()
        removed = []
        if self.versions.is_dir():
            keep = self.current()
            removed += [v.name for v in self.versions.iterdir() if keep is None or v.resolve() != keep]
            self.clean_versions()
        stale = list(self.root.glob(f".{self.lang}.link.tmp-*")) if self.root.is_dir() else []
        stale += [p for p in self.work.rglob("*") if any(m in p.name for m in TEMP_MARKERS)] if self.work.is_dir() else []
        for p in [p for p in stale if not _alive(p.name)]:
            removed.append(str(p.relative_to(self.root)))
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
            elif p.is_symlink() or p.exists():
                p.unlink()
        return removed


def _alive(name: str) -> bool:
    """Whether the process whose id a temporary name carries (`.x.tmp-1234`) still runs (it may be writing)."""
    m = re.search(r"(?:tmp|old)-(\d+)", name)
    if not m or int(m.group(1)) == os.getpid():
        return False
    try:
        os.kill(int(m.group(1)), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def disk_errors(where: Path):
    """A full disk (or quota) becomes one clear error naming the folder."""
    try:
        yield
    except OSError as e:
        if e.errno in (errno.ENOSPC, errno.EDQUOT):
            raise UserError(f"disk full while writing under {where}{f' ({e.filename})' if e.filename else ''}: free some "
                            "space there and rerun; finished units are kept and resume") from None
        raise


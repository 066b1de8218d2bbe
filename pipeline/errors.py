"""User-facing errors: raised before (or instead of) work, printed as one clear line, never a traceback."""
from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable


class UserError(Exception):
    """A problem with the user's config, catalogue or input that they can fix; the CLI prints it plainly."""


def cli_main(fn: Callable[..., int]) -> Callable[..., int]:
    """Every command-line entry point: a UserError becomes `error: <message>` on stderr and exit status 2; an
    interruption says that a rerun resumes (130); anything else is one line too, saying it is a bug and how to
    see the traceback (ROOTS_DEBUG=1), exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs) -> int:
        try:
            return fn(*args, **kwargs)
        except UserError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("error: interrupted; finished units are kept and the same command resumes", file=sys.stderr)
            return 130
        except Exception as e:
            if os.environ.get("ROOTS_DEBUG"):
                raise
            print(f"error: unexpected {type(e).__name__}: {str(e)[:500]} (a bug: please report it; ROOTS_DEBUG=1 "
                  "shows the traceback)", file=sys.stderr)
            return 1

    return wrapper

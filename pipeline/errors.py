"""User-facing errors: raised before any work starts, printed as one clear line (no stack trace)."""


class UserError(Exception):
    """A problem with the user's config, catalogue or input that they can fix; the CLI prints it plainly."""

"""The one base class for errors a user can fix.

    raise InputError("input not found: x.csv; pass --input with an existing CSV")

Every CLI prints a `UserError` as one line (`error: ...`) and exits 2; any
other exception is a bug and keeps its traceback. Each stage subclasses it
(ConfigError, InputError, DataError, ...) so callers can catch one stage's
errors, and its message always names the key, file or row and the fix.
"""
from __future__ import annotations


class UserError(Exception):
    """Bad input or configuration; the message says what to change."""

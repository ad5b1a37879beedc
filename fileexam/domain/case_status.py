"""A case's marking status, and the error for a value that does not fit: what the app's window needs before
a file opens, apart from cases.py, which imports the whole template model (~40 ms on every start)."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    NOT_STARTED = "not started"
    IN_PROGRESS = "in progress"
    COMPLETE = "complete"


class BadValue(ValueError):
    """A value that does not fit; the message says what is wrong and what would fit."""

"""Errors in plain words for the app's messages. A user never sees a Python class name or a traceback:
what failed is said in words, the details go to the crash log (fileexam.crash_log), and the message
says where that log is."""

from __future__ import annotations

import errno

from fileexam.domain.case_status import BadValue
from fileexam.store.errors import StoreError
from fileexam.store.file_check import DamagedFile
from fileexam.store.sqlite import sqlite3

_OS_REASONS = {  # by errno name, so a name missing on some platform costs nothing
    "ENOSPC": "the disk is full: free some space and try again",
    "EDQUOT": "your disk quota is used up: free some space and try again",
    "EROFS": "the disk or share is read-only",
    "EACCES": "permission denied: you may not use that file or folder, or it is open in another program",
    "EPERM": "permission denied: you may not use that file or folder, or it is open in another program",
    "ENOENT": "there is no such file or folder",
    "ENOTDIR": "a part of the path is a file, not a folder",
    "EISDIR": "it is a folder, not a file",
    "EEXIST": "it already exists",
    "ENAMETOOLONG": "the name is too long",
    "EBUSY": "the file is in use or locked by another program: close it there and try again",
    "EIO": "the disk could not be read or written: it may be failing, or was removed",
    "EMFILE": "too many files are open: close some programs and try again",
    "ENFILE": "too many files are open: close some programs and try again",
}

_SQLITE_WORDS = [  # (primary result code, SQLite's words, ours)
    (13, "database or disk is full", "the disk is full, so nothing was saved: free some space and try again"),
    (8, "readonly database", "the inspection file is read-only here (the file, its folder or the disk)"),
    (5, "database is locked", "the inspection file is busy in another window or program: try again in a moment"),
    (6, "table is locked", "the inspection file is busy in another window or program: try again in a moment"),
    (14, "unable to open database file", "the inspection file cannot be opened: it may have been moved or "
                                         "deleted, or you may not use its folder"),
    (10, "disk i/o error", "the disk could not be read or written: it may be failing, full, or was removed"),
    (26, "not a database", "the file is not an inspection file, or it is damaged"),
    (11, "malformed", "the inspection file is damaged"),
]


def is_damage(exc: BaseException) -> bool:
    """SQLite found the file damaged (corrupt, or not a database at all)."""
    if isinstance(exc, DamagedFile):
        return True
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in (11, 26):
        return True
    said = str(exc).lower()
    return "malformed" in said or "not a database" in said


def words(exc: BaseException) -> str | None:
    """What went wrong in plain words, for the errors a user can act on; None for one fileexam did not
    expect (log it: see unexpected())."""
    if isinstance(exc, DamagedFile):
        return f"{exc.path.name} is damaged: {exc.detail}"
    if isinstance(exc, (StoreError, BadValue)):
        return str(exc)  # written for users
    if isinstance(exc, OSError):
        name = errno.errorcode.get(exc.errno or 0)
        reason = _OS_REASONS.get(name or "")
        if reason is None:
            reason = (exc.strerror[0].lower() + exc.strerror[1:]) if exc.strerror else "the system refused"
        where = exc.filename2 if exc.filename2 is not None else exc.filename
        return f"{reason} ({where})" if isinstance(where, str) else reason
    if isinstance(exc, sqlite3.Error):
        if isinstance(exc, (sqlite3.ProgrammingError, sqlite3.InterfaceError)):
            return None  # fileexam's own mistake
        code = getattr(exc, "sqlite_errorcode", None)
        said = str(exc).lower()
        for primary, theirs, ours in _SQLITE_WORDS:
            if (code is not None and code & 0xFF == primary) or theirs in said:
                return ours
        return f"SQLite reports: {exc}"  # SQLite's own words, never a class name
    inner = _underlying(exc)
    return words(inner) if inner is not None else None


def _underlying(exc: BaseException) -> BaseException | None:
    """The OSError or SQLite error a library wrapped (as an argument, or with raise ... from)."""
    seen = {id(exc)}
    exc = next((a for a in exc.args if isinstance(a, BaseException)), None) or exc.__cause__
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, (OSError, sqlite3.Error)):
            return exc
        exc = next((a for a in exc.args if isinstance(a, BaseException)), None) or exc.__cause__
    return None


def log(details: str) -> str:
    """Write `details` (a traceback) to the crash log; a sentence saying where they are."""
    from fileexam import crash_log

    try:
        path = crash_log.write(details)
    except OSError as exc:
        return f"The details could not be written to the log ({words(exc)})."
    return f"The details are in the log:\n{path}"


SAFE = "Your saved work is safe: every answer is saved the moment you give it."


def unexpected(what_failed: str, details: str) -> str:
    """The message for an error fileexam did not expect: what failed, that saved work is safe, and
    where the log is. The details (the traceback) go to the log only."""
    return f"{what_failed}: something went wrong that fileexam did not expect.\n\n{SAFE}\n\n{log(details)}"

"""How an answer is stored since m010_compact_answers, and the one place that turns it back into what the
rest of fileexam uses: the question set's id and fingerprint stored once in `set_versions` (the answer holds
its integer id) and the time as integer UTC milliseconds since 1970. A time that is not exactly how
fileexam writes one (canonical_time: UTC, milliseconds) is kept as its text, so every answer reads back
exactly as it was written."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MS = timedelta(milliseconds=1)

# The columns every reader selects, in the order callers used before m010 (answer_row turns them back).
COLUMNS = ("a.case_ref, a.question_id, a.marker, a.value, a.comment, v.set_id, v.fingerprint, a.answered_ms,"
           " a.revision")
FROM = "answers a LEFT JOIN set_versions v ON v.id = a.set_version"  # LEFT: an answer shows even if edited wrong


# fileexam's own form of a time: a text of this shape that datetime reads is the text time_text gives back
_CANONICAL = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}\+00:00")


def stored_time(text):
    """The stored form of an answer's time: integer milliseconds when that gives the text back exactly."""
    if not isinstance(text, str) or len(text) != 29 or not _CANONICAL.fullmatch(text):
        return text
    try:
        return (datetime.fromisoformat(text) - _EPOCH) // _MS
    except (ValueError, OverflowError):
        return text


def time_text(stored):
    """An answer's time as fileexam writes it (ISO 8601, UTC, milliseconds)."""
    if type(stored) is not int:
        return stored
    try:
        return (_EPOCH + stored * _MS).isoformat(timespec="milliseconds")
    except OverflowError:  # only a hand-edited file holds such a number
        return str(stored)


def answer_row(row) -> tuple:
    """A row of COLUMNS as before m010: (case_ref, question_id, marker, value, comment, set_id,
    set_fingerprint, answered_at, revision)."""
    return (*row[:7], time_text(row[7]), row[8])


def set_version(conn, set_id: str, fingerprint: str) -> int:
    """The id of this version of a question set, added the first time an answer refers to it."""
    found = conn.execute("SELECT id FROM set_versions WHERE set_id=? AND fingerprint=?",
                         [set_id, fingerprint]).fetchone()
    if found:
        return found[0]
    return conn.execute("INSERT INTO set_versions (set_id, fingerprint) VALUES (?,?)", [set_id, fingerprint]).lastrowid


_UPSERT = ("INSERT INTO answers (case_ref, question_id, marker, value, comment, set_version, answered_ms, revision)"
           " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (case_ref, question_id, marker) DO UPDATE SET value=excluded.value,"
           " comment=excluded.comment, set_version=excluded.set_version, answered_ms=excluded.answered_ms,"
           " revision=excluded.revision")


def write_answers(conn, rows) -> None:
    """Insert or replace answers given as before m010: (case_ref, question_id, marker, value, comment, set_id,
    set_fingerprint, answered_at, revision). Inside the caller's transaction."""
    versions: dict[tuple, int] = {}

    def version(set_id, fingerprint):
        key = (set_id, fingerprint)
        if key not in versions:
            versions[key] = set_version(conn, set_id, fingerprint)
        return versions[key]
    conn.executemany(_UPSERT, [(r[0], r[1], r[2], r[3], r[4], version(r[5], r[6]), stored_time(r[7]), r[8])
                               for r in rows])

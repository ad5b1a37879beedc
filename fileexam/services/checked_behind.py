"""Open a file to read it while SQLite's full integrity check runs beside: for `fileexam report`, whose
full check of a 100,000-case master (1.7 GB) takes longer than the whole report's work.

Nothing is weakened: the same full check (store/file_check.check_held_file, integrity_check on a read-only
connection of its own) runs on a thread (SQLite leaves Python's lock while it checks), and nothing made
from the file is published until it has passed: the report workbook is renamed from NAME.part only then
(write_report's `ready`), and any error while reading gives way to the check's DamagedFile. A file that
the open would write to (an older schema to upgrade, an old file's application id to set) is checked
first, as before, and opened only then."""

from __future__ import annotations

import threading
from pathlib import Path

from fileexam.store.file_check import check_held_file, check_inspection_file, connect_read_only
from fileexam.store.inspection_file import InspectionFile
from fileexam.store.schema_names import KNOWN, MIGRATION_SET
from fileexam.store.sqlite import sqlite3  # the one driver (SQLCipher's): its errors are its own classes


class CheckBehind:
    """The full check of `path` on a thread of its own; wait() raises what it found (DamagedFile)."""

    def __init__(self, path: Path, key=None):
        self._error: BaseException | None = None
        self._thread = None
        if path is None:  # checked already, before opening
            return
        self._thread = threading.Thread(target=self._run, args=(Path(path), key), name="full-check", daemon=True)
        self._thread.start()

    def _run(self, path: Path, key) -> None:
        try:
            check_held_file(path, "full", key)
        except BaseException as exc:  # handed to the thread that waits
            self._error = exc

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error


def open_checking_behind(path: Path | str, key=None) -> tuple[InspectionFile, CheckBehind]:
    """The file opened read-only with its full check running beside (see the module's note)."""
    path = Path(path)
    found = check_inspection_file(path, "none", key)  # recognised (and keyed) first: 0.1 s
    key = key if found.encrypted else None
    if found.legacy or _schema(path, key) != KNOWN:  # the open may write: the full check comes first
        return InspectionFile.open(path, read_only=True, check="full", key=key), CheckBehind(None)
    check = CheckBehind(path, key)
    try:
        return InspectionFile.open(path, read_only=True, check="none", key=key), check
    except Exception:
        check.wait()  # damage found by the check is the reason to give
        raise


def _schema(path: Path, key) -> list[str]:
    conn = connect_read_only(path, key)
    try:
        return [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations WHERE migration_set=? ORDER BY rowid",
                                           [MIGRATION_SET])]
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()

"""The quick check of the file the app is starting with, begun before the app's own imports.

SQLite's quick_check (45 ms on a 1,200-case file) runs in a thread of its own while Python imports Qt and
builds the window, instead of after them on the start path. It changes nothing about what is checked: the
file is not read for showing until it has passed, and only a pass is taken over, and only while the file
is the same as when the check began (its size and modification time, and its -wal's). A refusal, a
changed file, an encrypted file or a check not asked for "quick" are all checked again by
InspectionFile.open as before, so their messages come from one place."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from fileexam.store.file_check import FileCheck, check_inspection_file

_BEGUN: dict[str, tuple[tuple, threading.Thread, dict]] = {}


def _stamp(path: Path) -> tuple:
    """What would change if the file were written: its size and time, and its -wal's (an empty -wal, as
    the check's own read-only connection may leave, is no -wal)."""
    out = []
    for p in (path, Path(str(path) + "-wal")):
        try:
            st = os.stat(p)
            out.append((st.st_size, st.st_mtime_ns) if st.st_size or p == path else None)
        except OSError:
            out.append(None)
    return tuple(out)


def begin(path: Path | str) -> None:
    """Start the quick check of `path` in the background (nothing happens if it is not a file)."""
    path = Path(path)
    try:
        if not path.is_file():
            return
        held = str(path.resolve())
    except OSError:
        return
    if held in _BEGUN:
        return
    outcome: dict = {}
    stamp = _stamp(path)

    def run() -> None:
        try:
            outcome["found"] = check_inspection_file(path, "quick")
        except BaseException:  # noqa: BLE001 - refused, encrypted, unreadable: InspectionFile.open says why
            outcome["refused"] = True

    thread = threading.Thread(target=run, name="fileexam-early-check", daemon=True)
    _BEGUN[held] = (stamp, thread, outcome)
    thread.start()


def take(path: Path, check: str, key) -> FileCheck | None:
    """The early check's result for `path` when it passed, the file is unchanged since it began and the
    same check was asked for (quick, no key); else None. Waits for the check if it is still running (it
    reads the file's header with open(), which must be over before SQLite holds the file here)."""
    try:
        held = str(path.resolve())
    except OSError:
        return None
    begun = _BEGUN.pop(held, None)
    if begun is None:
        return None
    stamp, thread, outcome = begun
    thread.join()
    if check != "quick" or key is not None or "found" not in outcome or _stamp(path) != stamp:
        return None
    return outcome["found"]


def last_file(ini: Path) -> Path | None:
    """The last inspection the app had open, from its window settings (Qt's ini format: written by
    QSettings, read here before Qt is imported). None when it cannot be read plainly: a guess that is wrong
    only costs a check that is not taken."""
    try:
        text = ini.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    section = ""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[General]" and line.startswith("last_file="):
            return _unescaped(line[len("last_file="):].strip())
    return None


def _unescaped(value: str) -> Path | None:
    """Qt's ini text of a path: "..." around one with a comma, \\ and \" for a backslash and a quote."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    out, chars = [], iter(value)
    for ch in chars:
        if ch == "\\":
            ch = next(chars, "")
            if ch not in ('\\', '"'):  # another escape (\x..., \n): left to Qt
                return None
        out.append(ch)
    return Path("".join(out)) if out else None


def forget() -> None:
    """Checks begun and not taken are dropped (each waited for first: none may be reading a file)."""
    while _BEGUN:
        _, (_, thread, _) = _BEGUN.popitem()
        thread.join()

"""Recognising an inspection file, and checking it, before anything writes to it.

Opening is writing for SQLite (journal mode, migrations, the checkpoint on close), so a file is
first looked at without writing: its 100-byte header read with Python's own open() only while no
SQLite connection to it is open in this process (closing such a handle drops SQLite's POSIX locks),
then a read-only SQLite connection that runs `PRAGMA quick_check` and looks for what every
inspection holds. A file that is not ours, or is damaged, is refused with nothing written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from fileexam.store.errors import StoreError
from fileexam.store.schema_names import MIGRATION_SET
from fileexam.store.sqlite import CipherKey, connect, is_not_a_database, looks_encrypted, sqlite3

APPLICATION_ID = 0x4658414D  # "FXAM" in the SQLite header (offset 68): this file is a fileexam inspection
REQUIRED_META = ("inspection_id", "name", "template_fingerprint")
REQUIRED_TABLES = {"meta", "definitions", "cases", "markings", "answers", "audit"}


class NotAnInspection(StoreError):
    """Another kind of file: it is left exactly as it was."""


class DamagedFile(StoreError):
    """An inspection file that fails SQLite's own check, or whose content cannot be read."""

    def __init__(self, path: Path, detail: str):
        self.path, self.detail = Path(path), detail
        super().__init__(f"{path} is damaged: {detail}. Nothing was changed in it. Bring back a backup with  "
                         f"fileexam restore \"{path}\"  (it lists them, newest first; --from N restores one)")


class NeedsPassphrase(StoreError):
    """Not an SQLite header, but the shape of an encrypted file: its passphrase is needed to tell more.
    Nothing was written to it. `salt` (its first 16 bytes, not secret) is what the key is derived with."""

    def __init__(self, path: Path, salt: bytes):
        self.path, self.salt = Path(path), bytes(salt)
        super().__init__(f"{path} is encrypted (or it is not an inspection file at all): if it is an encrypted "
                         "inspection, give its passphrase")


class WrongPassphrase(StoreError):
    """The passphrase given does not open an encrypted file. Tried on a read-only connection only, so
    nothing was changed. The text never holds the passphrase."""

    def __init__(self, path: Path, hint: str = ""):
        self.path = Path(path)
        super().__init__(f"wrong passphrase for {path}; nothing was changed (passphrases are case-sensitive)"
                         + (f". {hint}" if hint else ""))


@dataclass
class FileCheck:
    """What checking a file found: a legacy inspection, writable, encrypted."""
    legacy: bool = False     # an inspection made before application_id: recognised by its tables
    writable: bool = True    # the file and its folder can be written
    encrypted: bool = False  # an encrypted inspection (opened with its key)


def read_uri(path: Path, immutable: bool = False) -> str:
    return path.resolve().as_uri() + ("?mode=ro&immutable=1" if immutable else "?mode=ro")


def connect_read_only(path: Path, key: CipherKey | None = None, check_same_thread: bool = True) -> sqlite3.Connection:
    """A connection that cannot write (keyed first, for an encrypted file). On a read-only folder a WAL
    file's -shm cannot be made: then the file is read as immutable (nobody can be changing it there).
    check_same_thread=False: for a connection made on one thread and read on another."""
    conn = connect(read_uri(path), key, uri=True, isolation_level=None, timeout=5.0,
                   check_same_thread=check_same_thread)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        conn.close()
        if is_writable(path):
            raise
    except BaseException:  # a damaged file: nothing may stay open on it
        conn.close()
        raise
    conn = connect(read_uri(path, immutable=True), key, uri=True, isolation_level=None,
                   check_same_thread=check_same_thread)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except BaseException:
        conn.close()
        raise
    return conn


def is_writable(path: Path) -> bool:
    return os.access(path, os.W_OK) and os.access(path.resolve().parent, os.W_OK)


def read_header(path: Path) -> bytes:
    """The first 100 bytes. Only call when this process holds no SQLite connection to the file."""
    with path.open("rb") as fh:
        return fh.read(100)


CHECKS = ("full", "quick", "none")


def check_inspection_file(path: Path, check: str = "quick", key: CipherKey | None = None) -> FileCheck:
    """Raise NotAnInspection or DamagedFile (StoreError) unless `path` is a sound inspection file.

    check: "full" runs SQLite's integrity_check (every index against its table: 0.24 s on a 1,200-case
    file here), "quick" its quick_check (0.04 s; it misses an index that no longer matches its table),
    "none" only recognises the file and its content.

    An encrypted file (see sqlite.looks_encrypted) raises NeedsPassphrase without `key`; with a key that
    does not open it, WrongPassphrase (never DamagedFile). The key is only ever tried here, on a read-only
    connection: a read-write one with a wrong key would fold a crash-left -wal into the file. A key given
    for a plain file is not used."""
    path = Path(path)
    try:
        header = read_header(path)
        size = path.stat().st_size
    except OSError as exc:
        raise StoreError(f"{path} cannot be read: {exc.strerror or 'it cannot be opened'}") from None
    encrypted = looks_encrypted(header, size)
    if encrypted:
        if key is None:
            raise NeedsPassphrase(path, header[:16])
    elif len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
        raise NotAnInspection(f"{path} is not an inspection file (it is not an SQLite database)")
    else:
        key = None
        app_id = int.from_bytes(header[68:72], "big")
        if app_id not in (0, APPLICATION_ID):
            raise NotAnInspection(f"{path} is another application's database, not a fileexam inspection file")
    had = {suffix: Path(str(path) + suffix).exists() for suffix in ("-wal", "-shm")}
    found = FileCheck(writable=is_writable(path), encrypted=encrypted)
    ours = passed = False
    conn = None
    try:
        try:
            conn = connect_read_only(path, key)
        except sqlite3.DatabaseError as exc:
            if encrypted and is_not_a_database(exc):
                raise WrongPassphrase(path) from None
            raise
        ours = _recognise(conn, path, found, encrypted)
        if check != "none":
            _integrity(conn, path, full=check == "full")
        _check_content(conn, path)
        passed = True
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise StoreError(f"{path} is busy in another program: try again in a moment") from None
        raise _unreadable(path, ours, exc) from None
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:  # damage can garble SQLite's own message
        raise _unreadable(path, ours, exc) from None
    finally:
        if conn is not None:
            conn.close()
        if not (ours and passed):  # a file refused, ours or not, is left as it was found: no side files
            for suffix, existed in had.items():
                extra = Path(str(path) + suffix)
                if not existed and extra.exists() and (suffix == "-shm" or extra.stat().st_size == 0):
                    try:
                        extra.unlink()
                    except OSError:
                        pass
    return found


def _unreadable(path: Path, ours: bool, exc: BaseException) -> StoreError:
    detail = str(exc) if not isinstance(exc, UnicodeDecodeError) else "its own error message is garbled"
    if ours:
        return DamagedFile(path, f"SQLite cannot read it ({detail})")
    # Not yet recognised: it may be one of ours, damaged, or another program's file
    return DamagedFile(path, f"SQLite cannot read it ({detail}): it is a damaged inspection file, or not an "
                             "inspection file at all")


def _recognise(conn: sqlite3.Connection, path: Path, check: FileCheck, encrypted: bool = False) -> bool:
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    if app_id not in (0, APPLICATION_ID):
        raise NotAnInspection(f"{path} is " + ("an encrypted database of another program" if encrypted else
                                               "another application's database") + ", not a fileexam inspection file")
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if app_id == 0:
        ours = "_sqlite_migrations" in tables and REQUIRED_TABLES <= tables and conn.execute(
            "SELECT 1 FROM _sqlite_migrations WHERE migration_set=? LIMIT 1", [MIGRATION_SET]).fetchone() is not None
        if not ours:
            raise NotAnInspection(f"{path} is an SQLite database but not a fileexam inspection file")
        check.legacy = True
    elif not REQUIRED_TABLES <= tables:
        missing = ", ".join(sorted(REQUIRED_TABLES - tables))
        raise DamagedFile(path, f"its table(s) {missing} are missing")
    return True


def _integrity(conn: sqlite3.Connection, path: Path, full: bool) -> None:
    rows = [r[0] for r in conn.execute("PRAGMA integrity_check(5)" if full else "PRAGMA quick_check(5)")]
    if rows != ["ok"]:
        raise DamagedFile(path, "SQLite's check finds " + "; ".join(r.replace("\n", " ") for r in rows[:3]))


def _check_content(conn: sqlite3.Connection, path: Path) -> None:
    """What every later step relies on: the meta keys, readable case fields."""
    meta = {r[0]: r[1] for r in conn.execute("SELECT key, value FROM meta")}
    missing = [k for k in REQUIRED_META if not meta.get(k)]
    if missing:
        raise DamagedFile(path, "its meta table lacks " + ", ".join(f"'{k}'" for k in missing))
    bad = [r[0] for r in conn.execute(
        "SELECT reference FROM cases WHERE json_valid(fields) = 0 OR json_type(fields) != 'object' LIMIT 6")]
    if bad:
        raise DamagedFile(path, "the fields of case(s) " + ", ".join(str(b) for b in bad[:5])
                          + (" …" if len(bad) > 5 else "") + " cannot be read (not a JSON object)")
    odd = [r[0] for r in conn.execute("SELECT DISTINCT status FROM markings WHERE status NOT IN"
                                      " ('in progress', 'complete') LIMIT 3")]
    if odd:
        raise DamagedFile(path, "its markings hold a status fileexam never writes (" + ", ".join(map(repr, odd)) + ")")
    if conn.execute("SELECT 1 FROM definitions WHERE kind='inspection-template' AND fingerprint=?",
                    [meta["template_fingerprint"]]).fetchone() is None:
        raise DamagedFile(path, "its inspection template (the one named in meta) is missing from its definitions")


# ---- checking a file this process holds open -----------------------------------------------------
def _is_corruption(exc: sqlite3.DatabaseError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in (11, 26):  # SQLITE_CORRUPT, SQLITE_NOTADB
        return True
    said = str(exc).lower()
    return "malformed" in said or "not a database" in said


def integrity_problems(path: Path, full: bool = True, limit: int = 5, key: CipherKey | None = None) -> list[str]:
    """What SQLite's integrity_check (quick_check when not full) finds wrong in `path`: [] when sound.

    Safe beside a connection this process holds to the file (the app's own): it reads only through a
    read-only SQLite connection of its own, never with Python's open() (closing such a handle would
    drop the locks SQLite holds for the other connection), and it removes nothing next to the file.
    Raises StoreError when the check cannot be run (the file has gone, or is busy): that is not damage.
    key: an encrypted file's key (the one it was opened with)."""
    path = Path(path)
    try:
        conn = connect_read_only(path, key)
    except sqlite3.DatabaseError as exc:
        if _is_corruption(exc):
            return [f"SQLite cannot read it ({exc})"]
        raise StoreError(f"{path} cannot be checked now: {exc}") from None
    try:
        pragma = "integrity_check" if full else "quick_check"
        rows = [r[0] for r in conn.execute(f"PRAGMA {pragma}({max(1, int(limit))})")]
    except sqlite3.DatabaseError as exc:
        if _is_corruption(exc):
            return [f"SQLite cannot read it ({exc})"]
        raise StoreError(f"{path} cannot be checked now: {exc}") from None
    finally:
        conn.close()
    return [] if rows == ["ok"] else [str(r).replace("\n", " ") for r in rows]


def check_held_file(path: Path, check: str = "full", key: CipherKey | None = None) -> None:
    """Raise DamagedFile when SQLite's check ("full": integrity_check, "quick": quick_check) finds
    damage in an inspection file this process may already have open (see integrity_problems); the
    same words as check_inspection_file. StoreError when the check cannot be run."""
    if check not in CHECKS:
        raise ValueError(f"check must be one of {CHECKS}")
    if check == "none":
        return
    problems = integrity_problems(Path(path), full=check == "full", key=key)
    if problems:
        if problems[0].startswith("SQLite cannot read it"):
            raise DamagedFile(Path(path), problems[0])
        raise DamagedFile(Path(path), "SQLite's check finds " + "; ".join(problems[:3]))

"""One moment of an inspection file for a long read (a report), and a second connection at that moment.

A report reads the case list, the markings, the decisions and eight million answers in several
statements. Outside a transaction each statement sees the file as it is when it starts, so a merge or a
settled decision committed by another program half-way through would give figures from two states of the
file. Inside one read transaction (WAL: readers never block writers) every statement sees the same state.

The twin: a second read-only connection, for a pass split across two threads (SQLite works without
Python's lock, so the halves run on two cores). It is used only when it is proved to see the same state:
it reads the file's data version before the main connection's transaction starts and again inside its own;
SQLite changes that number whenever another connection has committed in between, so the same number means
nothing was committed between the two starts. Otherwise there is no twin and the caller reads on one
connection, as before: also when the file is not in WAL mode (every inspection file is; a file in a
rollback journal could make the twin's start wait on a writer that waits on the main read), or when the
twin cannot start its read.

While the transaction is open, WAL checkpoints cannot pass the moment it reads: a merge committed meanwhile
grows the -wal file until the report ends, then the next checkpoint takes it in.
"""
from __future__ import annotations

from contextlib import contextmanager

from fileexam.store.file_check import connect_read_only
from fileexam.store.sqlite import sqlite3


def begin_read(conn: sqlite3.Connection) -> None:
    """BEGIN and the first read, which is where SQLite fixes what the transaction sees."""
    conn.execute("BEGIN")
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()


def _data_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA data_version").fetchone()[0]


def _journal(conn: sqlite3.Connection) -> str:
    return str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()


@contextmanager
def snapshot(inspection, twin: bool = False):
    """Hold one read transaction on inspection.conn while the block runs; with twin=True, also set
    inspection.twin to a second connection proved to see the same state (or None). Inside an open
    transaction (a nested call, or a write) it changes nothing: the outer one holds."""
    conn = inspection.conn
    if conn.in_transaction:
        yield
        return
    probe = before = None
    if twin:
        try:  # check_same_thread: made here, read on the worker thread
            probe = connect_read_only(inspection.path, inspection.cipher_key, check_same_thread=False)
            # WAL only (every inspection file): in a rollback journal the main read's lock would make the
            # twin's start wait on a writer that waits on it
            before = _data_version(probe) if _journal(probe) == "wal" else None
        except sqlite3.Error:
            before = None
        if before is None and probe is not None:
            probe.close()
            probe = None
    try:
        begin_read(conn)
        if probe is not None:
            try:
                begin_read(probe)
                same = _data_version(probe) == before  # nothing committed between the two starts: the same state
            except sqlite3.Error:  # the twin is an extra: the report goes on without it
                same = False
            if same:
                inspection.twin = probe
            else:
                probe.close()
                probe = None
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        if conn.in_transaction:
            conn.execute("COMMIT")  # ends the read (and keeps what a block that wrote inside it wrote)
    finally:
        inspection.twin = None
        if probe is not None:
            probe.close()  # a read transaction: closing the connection ends it

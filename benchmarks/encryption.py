"""Encrypted inspection files: SQLCipher and SQLite3 Multiple Ciphers measured against plain sqlite3.

    python benchmarks/encryption.py                  # the backends importable by this Python, plain sqlite3 beside them
    python benchmarks/encryption.py --venv V1 --venv V2   # run in each venv (a child process each), plain sqlite3 in each
    python benchmarks/encryption.py --quick          # 120 cases, 100 writes, 2 kills: a smoke run

Backends, each used only when importable (sqlcipher3 and sqlcipher3-wheels both install the module `sqlcipher3`,
so they need a venv each):
    sqlite3               Python's own module, no encryption: the floor
    sqlcipher3            SQLCipher 4 through a DB-API module like sqlite3 (PyPI `sqlcipher3` or `sqlcipher3-wheels`)
    sqlite3mc-chacha20    SQLite3 Multiple Ciphers through APSW (PyPI `apsw-sqlite3mc`), its default cipher
    sqlite3mc-sqlcipher   the same library writing SQLCipher 4's format
    sqlite3mc-aegis       the same library, AEGIS-256 with Argon2id

Prints one JSON object per line, like benchmarks/run.py: {"name", "value", "unit", "target", "backend"}; findings
that are not numbers (an error message, "ok") have a string value. Nothing here fails a build. Each figure is
checked against the work it claims (row counts after the writes, the backup's rows, the rows a killed writer
acknowledged), and the run stops with an AssertionError when that check fails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MAGIC = b"SQLite format 3\x00"
APPLICATION_ID = 0x4658414D
PASSPHRASE = "corr'ect hörse battery"  # a quote and a non-ASCII letter: the key must be passed intact
QUESTIONS = [f"S{s}Q{q:02d}" for s in range(4) for q in range(20)]  # 80, as in benchmarks/run.py
PLAINTEXT_MARKERS = (b"Comment on the review", b"crown_court", b"CREATE TABLE")
KEY_ENV = "FILEEXAM_BENCH_KEY"


def emit(backend: str, name: str, value, unit: str = "", target: str = "") -> None:
    if isinstance(value, float):
        value = round(value, 3)
    print(json.dumps({"name": f"{backend}: {name}", "value": value, "unit": unit, "target": target,
                      "backend": backend}, ensure_ascii=False), flush=True)


def sha256(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def state(path: Path) -> dict:
    """The bytes of the file and of what SQLite keeps beside it."""
    return {suffix or "main": sha256(Path(str(path) + suffix)) for suffix in ("", "-wal", "-shm")}


def remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def describe(exc: BaseException) -> str:
    code = getattr(exc, "sqlite_errorname", None) or getattr(exc, "extendedresult", None)
    return f"{type(exc).__module__}.{type(exc).__name__}: {exc}" + (f" [{code}]" if code is not None else "")


# ---- backends ---------------------------------------------------------------------------------------
class Backend:
    name = "?"
    encrypted = True
    kdf = ""

    def available(self) -> bool:
        raise NotImplementedError

    def library(self) -> str:
        raise NotImplementedError

    def connect(self, path: Path, key: str | None = None, read_only: bool = False, raw_key: bytes | None = None,
                extra: tuple[str, ...] = ()):
        raise NotImplementedError

    def script(self, conn, sql: str) -> None:
        raise NotImplementedError

    def backup(self, src, dest) -> None:
        raise NotImplementedError

    def derive(self, passphrase: str, salt: bytes) -> bytes | None:
        """The raw key this backend's KDF makes, computed with hashlib (None: not reproducible here)."""
        return None

    def setup(self, conn) -> None:
        conn.execute("PRAGMA journal_mode=WAL").fetchall()
        conn.execute("PRAGMA synchronous=FULL").fetchall()
        conn.execute("PRAGMA foreign_keys=ON").fetchall()


class Plain(Backend):
    name, encrypted = "sqlite3", False

    def available(self) -> bool:
        return True

    def library(self) -> str:
        import sqlite3
        return f"Python sqlite3, SQLite {sqlite3.sqlite_version}"

    @property
    def errors(self):
        import sqlite3
        return (sqlite3.Error,)

    def connect(self, path, key=None, read_only=False, raw_key=None, extra=()):
        import sqlite3
        if read_only:
            return sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True, isolation_level=None,
                                   timeout=5.0)
        return sqlite3.connect(str(path), isolation_level=None, timeout=5.0)

    def script(self, conn, sql):
        conn.executescript(sql)

    def backup(self, src, dest):
        src.backup(dest)


class SQLCipher(Backend):
    """SQLCipher 4 defaults: AES-256-CBC, HMAC-SHA512 per page, PBKDF2-HMAC-SHA512 256,000 iterations."""
    name, kdf = "sqlcipher3", "PBKDF2-HMAC-SHA512 x 256,000"

    def available(self) -> bool:
        try:
            import sqlcipher3.dbapi2  # noqa: F401
            return True
        except ImportError:
            return False

    def library(self) -> str:
        from importlib import metadata

        from sqlcipher3 import dbapi2
        dist = next((d for d in ("sqlcipher3", "sqlcipher3-wheels", "sqlcipher3-binary")
                     if _has_dist(d)), "sqlcipher3?")
        c = dbapi2.connect(":memory:")
        version = c.execute("PRAGMA cipher_version").fetchone()[0]
        c.close()
        return f"{dist} {metadata.version(dist)}, SQLCipher {version}, SQLite {dbapi2.sqlite_version}"

    @property
    def errors(self):
        from sqlcipher3 import dbapi2
        return (dbapi2.Error,)

    def connect(self, path, key=None, read_only=False, raw_key=None, extra=()):
        from sqlcipher3 import dbapi2
        if read_only:
            conn = dbapi2.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True, isolation_level=None,
                                  timeout=5.0)
        else:
            conn = dbapi2.connect(str(path), isolation_level=None, timeout=5.0)
        if raw_key is not None:
            conn.execute(f"PRAGMA key = \"x'{raw_key.hex()}'\"").fetchall()
        elif key is not None:
            conn.execute(f"PRAGMA key = {quote(key)}").fetchall()
        for pragma in extra:  # SQLCipher takes its cipher_* settings after the key
            conn.execute(f"PRAGMA {pragma}").fetchall()
        return conn

    def script(self, conn, sql):
        conn.executescript(sql)

    def backup(self, src, dest):
        src.backup(dest)

    def derive(self, passphrase, salt):
        return hashlib.pbkdf2_hmac("sha512", passphrase.encode(), salt, 256_000, 32)


class MC(Backend):
    """SQLite3 Multiple Ciphers through APSW: not a DB-API module (no isolation_level, no executescript)."""

    def __init__(self, scheme: str, pragmas: tuple[str, ...], kdf: str):
        self.scheme, self.pragmas, self.kdf = scheme, pragmas, kdf
        self.name = f"sqlite3mc-{scheme}"

    def available(self) -> bool:
        try:
            import apsw
            c = apsw.Connection(":memory:")
            c.execute("SELECT sqlite3mc_version()").fetchall()
            return True
        except Exception:
            return False

    def library(self) -> str:
        import apsw
        c = apsw.Connection(":memory:")
        mc = c.execute("SELECT sqlite3mc_version()").fetchall()[0][0]
        return f"apsw-sqlite3mc {apsw.apsw_version()}, {mc}, SQLite {apsw.sqlite_lib_version()}"

    @property
    def errors(self):
        import apsw
        return (apsw.Error,)

    def connect(self, path, key=None, read_only=False, raw_key=None, extra=()):
        import apsw
        flags = apsw.SQLITE_OPEN_READONLY if read_only else apsw.SQLITE_OPEN_READWRITE | apsw.SQLITE_OPEN_CREATE
        conn = apsw.Connection(str(path), flags=flags | apsw.SQLITE_OPEN_URI)
        conn.set_busy_timeout(5000)
        conn.execute(f"PRAGMA cipher = {quote(self.scheme)}").fetchall()
        for pragma in self.pragmas + tuple(extra):
            conn.execute(f"PRAGMA {pragma}").fetchall()
        if raw_key is not None:
            conn.execute(f"PRAGMA key = \"x'{raw_key.hex()}'\"").fetchall()
        elif key is not None:
            conn.pragma("key", key)
        return conn

    def script(self, conn, sql):
        conn.execute(sql)  # APSW runs every statement of a string

    def backup(self, src, dest):
        with dest.backup("main", src, "main") as b:
            b.step(-1)

    def derive(self, passphrase, salt):
        if self.scheme == "chacha20":
            return hashlib.pbkdf2_hmac("sha256", passphrase.encode(), salt, 64_007, 32)
        if self.scheme == "sqlcipher":
            return hashlib.pbkdf2_hmac("sha512", passphrase.encode(), salt, 256_000, 32)
        return None  # Argon2id is not in the standard library


def _has_dist(name: str) -> bool:
    from importlib import metadata
    try:
        metadata.version(name)
        return True
    except metadata.PackageNotFoundError:
        return False


BACKENDS = [
    Plain(),
    SQLCipher(),
    MC("chacha20", (), "PBKDF2-HMAC-SHA256 x 64,007"),
    MC("sqlcipher", ("legacy = 4",), "PBKDF2-HMAC-SHA512 x 256,000"),
    MC("aegis", (), "Argon2id (t=2, m=19 MiB, p=1)"),
]


def by_name(name: str) -> Backend:
    return next(b for b in BACKENDS if b.name == name)


# ---- the inspection file ----------------------------------------------------------------------------
def plain_schema(folder: Path) -> list[str]:
    """fileexam's schema as SQL, made by its own migrations (sqlite-utils) on a plain file."""
    import sqlite3

    from sqlite_utils import Database

    from fileexam.store.migrations import migrations
    path = folder / "schema.db"
    conn = sqlite3.connect(str(path), isolation_level=None)
    migrations.apply(Database(conn))
    sql = [r[0] for r in conn.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid")]
    rows = conn.execute("SELECT * FROM _sqlite_migrations").fetchall()
    conn.close()
    remove(path)
    return sql + [f"INSERT INTO _sqlite_migrations VALUES ({', '.join(_lit(v) for v in r)})" for r in rows]


def _lit(v) -> str:
    return "NULL" if v is None else str(v) if isinstance(v, (int, float)) else quote(str(v))


def sqlite_utils_check(backend: Backend, folder: Path) -> None:
    """Do sqlite-utils' Database(conn) and fileexam's migrations work on this backend's connections?"""
    from sqlite_utils import Database

    from fileexam.store.migrations import migrations
    path = folder / f"compat-{backend.name}.db"
    remove(path)
    conn = backend.connect(path, PASSPHRASE if backend.encrypted else None)
    backend.setup(conn)
    try:
        db = Database(conn)
        migrations.apply(db)
        applied = [m.name for m in migrations.applied(db)]
        db["probe"].insert_all([{"id": 1, "text": "x"}], pk="id")
        assert db["probe"].count == 1 and len(applied) == 6 and "answers" in db.table_names()
        emit(backend.name, "sqlite-utils Database(conn): migrations, insert_all, count", f"ok ({len(applied)} migrations)")
    except Exception as exc:
        emit(backend.name, "sqlite-utils Database(conn): migrations, insert_all, count", "FAILS: " + describe(exc))
        conn.close()
        return
    try:
        db["no_such_table"].drop(ignore=True)  # sqlite-utils catches sqlite3.OperationalError here
        emit(backend.name, "sqlite-utils Table.drop(ignore=True) on a missing table", "ok")
    except Exception as exc:
        emit(backend.name, "sqlite-utils Table.drop(ignore=True) on a missing table", "FAILS: " + describe(exc))
    import sqlite3
    try:
        conn.execute("SELECT * FROM no_such_table")
    except Exception as exc:
        emit(backend.name, "its errors are sqlite3.Error subclasses (fileexam's except clauses)",
             "yes" if isinstance(exc, sqlite3.Error) else f"no: {type(exc).__module__}.{type(exc).__name__}")
    conn.close()


def build(backend: Backend, path: Path, schema: list[str], n_cases: int, key: str | None) -> float:
    remove(path)
    t0 = time.perf_counter()
    conn = backend.connect(path, key)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}").fetchall()
    backend.setup(conn)
    backend.script(conn, "BEGIN;\n" + ";\n".join(schema) + ";\nCOMMIT;")
    rng = random.Random(1)
    stamp = "2026-01-01T00:00:00.000+00:00"
    cases, answers, markings = [], [], []
    for i in range(n_cases):
        ref, inspector = f"C{i:05d}", f"I{i % 14:02d}"
        fields = json.dumps({"area": f"A{i % 14 + 1}", "strand": "crown_court" if i % 3 else "magistrates"})
        cases.append((ref, fields, inspector, "sample.xlsx", stamp))
        for q in QUESTIONS:
            value = rng.choices(["fully", "partially", "not_met", "na"], [6, 2, 1, 1])[0]
            comment = "Comment on the review" if rng.random() < 0.1 else ""
            answers.append((ref, q, inspector, value, comment, q[:2], "fp" + q[:2], stamp, 1))
        markings.append((ref, inspector, "in progress", stamp))
    conn.execute("BEGIN").fetchall()
    conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                     [("inspection_id", "bench"), ("name", "Benchmark"), ("template_fingerprint", "tfp")])
    conn.execute("INSERT INTO definitions (kind, def_id, version, fingerprint, file_name, text, stored_at)"
                 " VALUES ('inspection-template', 'bench', '1', 'tfp', 'bench.yaml', 'kind: inspection-template', ?)",
                 [stamp]).fetchall()
    conn.executemany("INSERT INTO cases (reference, fields, inspector, source, added_at) VALUES (?,?,?,?,?)", cases)
    from fileexam.store.answer_rows import stored_time  # answers stored as m010_compact_answers has them
    versions = sorted({(a[5], a[6]) for a in answers})
    conn.executemany("INSERT INTO set_versions (id, set_id, fingerprint) VALUES (?,?,?)",
                     [(i, *v) for i, v in enumerate(versions, 1)])
    ids = {v: i for i, v in enumerate(versions, 1)}
    conn.executemany("INSERT INTO answers VALUES (?,?,?,?,?,?,?,?)",
                     [(*a[:5], ids[(a[5], a[6])], stored_time(a[7]), a[8]) for a in answers])
    conn.executemany("INSERT INTO markings VALUES (?,?,?,?)", markings)
    conn.execute("COMMIT").fetchall()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    conn.close()
    return time.perf_counter() - t0


def counts(conn) -> tuple[int, int, int]:
    one = lambda sql: conn.execute(sql).fetchall()[0][0]  # noqa: E731
    return one("SELECT count(*) FROM answers"), one("SELECT count(*) FROM audit"), one("SELECT sum(revision) FROM answers")


# ---- one answer write: set_answer's statements, one transaction ---------------------------------------
def write_answer(conn, ref: str, qid: str, marker: str, value: str, action: str = "answer", reason=None) -> None:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000+00:00", time.gmtime())
    conn.execute("BEGIN").fetchall()
    try:
        assert conn.execute("SELECT 1 FROM cases WHERE reference=?", [ref]).fetchall()
        conn.execute("SELECT status FROM markings WHERE case_ref=? AND marker=?", [ref, marker]).fetchall()
        old = conn.execute("SELECT value, comment, revision FROM answers WHERE case_ref=? AND question_id=? AND marker=?",
                           [ref, qid, marker]).fetchall()
        old_value, revision = (old[0][0], old[0][2]) if old else (None, 0)
        conn.execute(
            "INSERT INTO answers (case_ref, question_id, marker, value, comment, set_version, answered_ms,"
            " revision) VALUES (?,?,?,?,?,(SELECT id FROM set_versions WHERE set_id=? AND fingerprint=?),?,?)"
            " ON CONFLICT (case_ref, question_id, marker) DO UPDATE SET value=excluded.value,"
            " comment=excluded.comment, set_version=excluded.set_version, answered_ms=excluded.answered_ms,"
            " revision=excluded.revision",
            [ref, qid, marker, value, "", qid[:2], "fp" + qid[:2], int(time.time() * 1000), revision + 1]).fetchall()
        conn.execute("INSERT INTO audit (at, who, action, case_ref, question_id, marker, old_value, new_value, reason)"
                     " VALUES (?,?,?,?,?,?,?,?,?)",
                     [stamp, marker, action, ref, qid, marker, old_value, value, reason]).fetchall()
        conn.execute("INSERT INTO markings (case_ref, marker, status, updated_at) VALUES (?,?,?,?)"
                     " ON CONFLICT (case_ref, marker) DO UPDATE SET updated_at=excluded.updated_at",
                     [ref, marker, "in progress", stamp]).fetchall()
    except BaseException:
        conn.execute("ROLLBACK").fetchall()
        raise
    conn.execute("COMMIT").fetchall()


def bench_writes(items: list[tuple[Backend, Path, str | None]], n: int) -> None:
    """n answer writes per backend, in alternating blocks so that every backend sees the same disk weather."""
    conns, before, times = {}, {}, {b.name: [] for b, _, _ in items}
    for b, path, key in items:
        conns[b.name] = b.connect(path, key)
        b.setup(conns[b.name])
        before[b.name] = counts(conns[b.name])
    rng = random.Random(2)
    refs = [f"C{i:05d}" for i in range(50)]
    plan = [(r, rng.choice(QUESTIONS), rng.choice(["fully", "partially", "not_met"])) for r in
            (rng.choice(refs) for _ in range(n))]
    block = max(1, n // 4)
    disk = items[0][1].with_name("fsync-probe.bin")
    fsyncs = []
    fd = os.open(disk, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    for start in range(0, n, block):
        for _ in range(block):  # the disk's own floor, in the same weather: one 4 KiB append + fsync
            t0 = time.perf_counter()
            os.write(fd, b"x" * 4096)
            os.fsync(fd)
            fsyncs.append((time.perf_counter() - t0) * 1000)
        for b, _, _ in items:
            conn = conns[b.name]
            for ref, qid, value in plan[start:start + block]:
                marker = f"I{int(ref[1:]) % 14:02d}"
                t0 = time.perf_counter()
                write_answer(conn, ref, qid, marker, value)
                times[b.name].append((time.perf_counter() - t0) * 1000)
    os.close(fd)
    disk.unlink()
    fsyncs.sort()
    emit("disk", f"4 KiB append + fsync p50 ({len(fsyncs)}, interleaved with the writes)", statistics.median(fsyncs), "ms")
    emit("disk", "4 KiB append + fsync p99", fsyncs[max(0, int(len(fsyncs) * 0.99) - 1)], "ms")
    for b, _, _ in items:
        after = counts(conns[b.name])
        conns[b.name].close()
        a0, u0, r0 = before[b.name]
        assert after == (a0, u0 + n, r0 + n), (b.name, before[b.name], after)  # every write was done, once
        t = sorted(times[b.name])
        emit(b.name, f"answer write p50 ({n} writes, WAL, synchronous=FULL)", statistics.median(t), "ms")
        emit(b.name, f"answer write p99 ({n} writes, WAL, synchronous=FULL)", t[max(0, int(len(t) * 0.99) - 1)], "ms",
             "<= 5 ms")
        emit(b.name, "answer write max", t[-1], "ms")
    floor = statistics.median(times["sqlite3"]) if "sqlite3" in times else None
    for b, _, _ in items:
        if floor and b.name != "sqlite3":
            emit(b.name, "answer write p50 / plain sqlite3 p50", statistics.median(times[b.name]) / floor, "x")


def bench_open(b: Backend, path: Path, key: str | None, n_cases: int, runs: int = 7) -> None:
    """connect + key + quick_check + every row of cases, as opening an inspection does."""
    def once(**kw) -> float:
        t0 = time.perf_counter()
        conn = b.connect(path, **kw)
        assert conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]
        rows = conn.execute("SELECT reference, fields, inspector FROM cases ORDER BY rowid").fetchall()
        took = time.perf_counter() - t0
        conn.close()
        assert len(rows) == n_cases
        return took * 1000

    emit(b.name, "open: connect + key + quick_check + read cases", statistics.median(once(key=key) for _ in range(runs)),
         "ms", "<= 200 ms (whole open)")
    if not b.encrypted:
        return
    t0 = time.perf_counter()
    conn = b.connect(path, key)
    conn.execute("SELECT count(*) FROM sqlite_master").fetchall()
    conn.close()
    emit(b.name, f"key derivation + first page ({b.kdf})", (time.perf_counter() - t0) * 1000, "ms")
    salt = path.read_bytes()[:16]
    t0 = time.perf_counter()
    raw = b.derive(key, salt)
    if raw is None:
        emit(b.name, "open with a raw key derived once (hashlib)", "n/a: KDF not in the standard library")
        return
    emit(b.name, "hashlib computing the same KDF once", (time.perf_counter() - t0) * 1000, "ms")
    emit(b.name, "open with that raw key: connect + quick_check + read cases",
         statistics.median(once(raw_key=raw) for _ in range(runs)), "ms")


def no_plaintext(b: Backend, path: Path) -> None:
    found = []
    for suffix in ("", "-wal"):
        p = Path(str(path) + suffix)
        if p.exists():
            data = p.read_bytes()
            found += [f"{m.decode()} in {suffix or 'main'}" for m in PLAINTEXT_MARKERS if m in data]
    emit(b.name, "plaintext found in the file and its -wal", ", ".join(found) if found else "none")
    if b.encrypted:
        assert not found, found


def header(b: Backend, path: Path) -> None:
    """What fileexam sees today, before any key: the first bytes and check_inspection_file's verdict."""
    from fileexam.store.file_check import check_inspection_file
    head = path.read_bytes()[:100]
    emit(b.name, "first 16 bytes are 'SQLite format 3\\0'", "yes" if head.startswith(MAGIC) else f"no ({head[:16].hex()})")
    before = state(path)
    try:
        check_inspection_file(path, "quick")
        verdict = "accepted"
    except Exception as exc:
        verdict = f"{type(exc).__name__}: {exc}"
    emit(b.name, "fileexam's check_inspection_file without a key", verdict)
    assert state(path) == before


def wrong_key(b: Backend, path: Path) -> None:
    before = state(path)
    errors = []
    conn = b.connect(path, "not the passphrase")
    for sql in ("PRAGMA journal_mode=WAL", "SELECT count(*) FROM sqlite_master", "CREATE TABLE x (a)"):
        try:
            conn.execute(sql).fetchall()
            errors.append(f"{sql}: no error")
        except Exception as exc:  # not only the module's own errors: one build raises MemoryError here
            errors.append(f"{sql}: {describe(exc)}")
    conn.close()
    after = state(path)
    emit(b.name, "wrong passphrase: what SQLite says", " | ".join(errors))
    emit(b.name, "wrong passphrase: file and -wal/-shm unchanged (sha256)",
         "yes" if after == before else f"NO: {before} -> {after}")
    import sqlite3
    try:
        c = sqlite3.connect(str(path), isolation_level=None)
        c.execute("PRAGMA journal_mode=WAL")
        said = "no error"
        c.close()
    except sqlite3.Error as exc:
        said = describe(exc)
    emit(b.name, "plain sqlite3 (no key) on it: PRAGMA journal_mode=WAL", said)
    assert state(path) == before, "a wrong key or no key changed the file"


def bench_backup(b: Backend, path: Path, key: str | None, folder: Path, expected: int) -> None:
    import sqlite3
    target = folder / f"backup-{b.name}.fileexam"
    remove(target)
    src = b.connect(path, key)
    b.setup(src)
    write_answer(src, "C00001", "S0Q00", "I01", "partially")  # something in the -wal, not yet checkpointed
    t0 = time.perf_counter()
    dest = b.connect(target, key)
    b.backup(src, dest)
    dest.close()
    emit(b.name, "backup API to a file keyed with the same passphrase", (time.perf_counter() - t0) * 1000, "ms")
    check = b.connect(target, key)
    ok = check.execute("PRAGMA quick_check").fetchall() == [("ok",)]
    n = check.execute("SELECT count(*) FROM answers").fetchall()[0][0]
    check.close()
    assert ok and n == expected, (ok, n)
    emit(b.name, "backup readable with the same passphrase (quick_check, answers)", f"ok, {n} answers")
    if b.encrypted:
        results = []
        for label, conn_fn in (("no key (plain sqlite3)", lambda: sqlite3.connect(str(target))),
                               ("wrong passphrase", lambda: b.connect(target, "wrong"))):
            try:
                c = conn_fn()
                c.execute("SELECT count(*) FROM answers").fetchall()
                results.append(f"{label}: READABLE")
            except Exception as exc:
                results.append(f"{label}: refused ({type(exc).__name__}: {exc})")
        emit(b.name, "backup without the passphrase", " | ".join(results))
        assert not any("READABLE" in r for r in results)
        no_plaintext(b, target)
        # The trap: a backup into a connection given no key
        leak = folder / f"backup-nokey-{b.name}.fileexam"
        remove(leak)
        try:
            dest = b.connect(leak, None)
            b.backup(src, dest)
            dest.close()
            head = leak.read_bytes()[:16]
            said = "ALLOWED, and the copy is PLAINTEXT" if head == MAGIC else "allowed, copy encrypted"
        except Exception as exc:
            said = f"refused: {describe(exc)}"
        emit(b.name, "backup API into a connection given no key", said)
        leak2 = folder / f"vacuum-into-{b.name}.fileexam"
        remove(leak2)
        try:
            src.execute(f"VACUUM INTO {quote(str(leak2))}").fetchall()
            head = leak2.read_bytes()[:16]
            said = "writes a PLAINTEXT copy" if head == MAGIC else "writes an encrypted copy"
            if head != MAGIC:
                try:
                    c = b.connect(leak2, key)
                    said += f" (opens with the same key: {c.execute('SELECT count(*) FROM answers').fetchall()[0][0]} answers)"
                    c.close()
                except Exception as exc:
                    said += f" (same key: {type(exc).__name__}: {exc})"
        except Exception as exc:
            said = f"refused: {describe(exc)}"
        emit(b.name, "VACUUM INTO 'file' from a keyed connection", said)
    src.close()


def bench_rekey(b: Backend, path: Path, key: str, folder: Path, expected: int) -> None:
    copy = folder / f"rekey-{b.name}.fileexam"
    remove(copy)
    shutil.copyfile(path, copy)
    conn = b.connect(copy, key)
    b.setup(conn)
    for i in range(20):
        write_answer(conn, f"C{i:05d}", "S1Q01", f"I{i % 14:02d}", "fully")
    wal = Path(str(copy) + "-wal")
    wal_bytes = wal.stat().st_size if wal.exists() else 0
    new = "a new passphrase 2"
    t0 = time.perf_counter()
    try:
        got = conn.execute(f"PRAGMA rekey = {quote(new)}").fetchall()
        said = f"ok ({got})" if got else "ok"
    except b.errors as exc:
        said = f"FAILS: {describe(exc)}"
    took = (time.perf_counter() - t0) * 1000
    emit(b.name, f"PRAGMA rekey on a WAL file ({wal_bytes} bytes in -wal)", said)
    if said.startswith("FAILS"):
        t0 = time.perf_counter()
        try:
            conn.execute("PRAGMA journal_mode=DELETE").fetchall()
            conn.execute(f"PRAGMA rekey = {quote(new)}").fetchall()
            conn.execute("PRAGMA journal_mode=WAL").fetchall()
            said = "ok"
        except b.errors as exc:
            said = f"FAILS: {describe(exc)}"
        took = (time.perf_counter() - t0) * 1000
        emit(b.name, "PRAGMA rekey after journal_mode=DELETE (then back to WAL)", said)
    emit(b.name, "rekey time", took, "ms")
    conn.close()
    results = []
    for label, k in (("new passphrase", new), ("old passphrase", key)):
        try:
            c = b.connect(copy, k)
            n = c.execute("SELECT count(*) FROM answers").fetchall()[0][0]
            ok = c.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            audit = c.execute("SELECT count(*) FROM audit").fetchall()[0][0]
            c.close()
            results.append(f"{label}: opens ({n} answers, {audit} audit rows, integrity {'ok' if ok else 'BAD'})")
        except b.errors as exc:
            results.append(f"{label}: refused ({type(exc).__name__}: {exc})")
    emit(b.name, "after rekey", " | ".join(results))


WRITER = "writer"


def writer_main(backend: str, path: str) -> None:
    """A child that writes answers until it is killed, printing each sequence number once its COMMIT returned."""
    b = by_name(backend)
    conn = b.connect(Path(path), os.environ.get(KEY_ENV) or None)
    b.setup(conn)
    seq = 0
    rng = random.Random(os.getpid())
    while True:
        seq += 1
        i = rng.randrange(50)
        write_answer(conn, f"C{i:05d}", rng.choice(QUESTIONS), f"I{i % 14:02d}", rng.choice(["fully", "not_met"]),
                     action="kill test", reason=str(seq))
        sys.stdout.write(f"{seq}\n")
        sys.stdout.flush()


def bench_kill(b: Backend, path: Path, key: str | None, folder: Path, runs: int) -> None:
    copy = folder / f"kill-{b.name}.fileexam"
    remove(copy)
    shutil.copyfile(path, copy)
    env = dict(os.environ, **{KEY_ENV: key or ""})
    lost, extra, problems, wal_checked = 0, 0, [], []
    acked_total = 0
    for run in range(runs):
        proc = subprocess.Popen([sys.executable, __file__, "--" + WRITER, b.name, str(copy)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env)
        acked: list[int] = []
        reader = threading.Thread(target=lambda: acked.extend(int(line) for line in proc.stdout), daemon=True)
        reader.start()
        deadline = time.monotonic() + 20
        while len(acked) < 5 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        time.sleep(random.Random(run).uniform(0.05, 0.6))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        reader.join(5)
        assert acked, proc.stderr.read()[-2000:]
        last = acked[-1]
        acked_total += len(acked)
        if len(wal_checked) < (2 if b.encrypted else 1) and Path(str(copy) + "-wal").exists():
            # a wrong key on a file with a live -wal left by a crash: read-only after one kill, read-write after
            # another (the plain file: a read-only open, for comparison)
            how = ("read-only", "read-write")[len(wal_checked)]
            wal_checked.append(how)
            before = state(copy)
            c = b.connect(copy, "not the passphrase" if b.encrypted else None, read_only=how == "read-only")
            try:
                c.execute("SELECT count(*) FROM answers").fetchall()
                if b.encrypted:
                    problems.append("wrong key read a crashed file")
            except b.errors:
                pass
            c.close()
            after = state(copy)
            changed = [k for k in before if before[k] != after[k]]
            what = "wrong passphrase" if b.encrypted else "no passphrase needed"
            emit(b.name, f"{what}, {how} connection, on a file left with a -wal by SIGKILL: unchanged",
                 "yes" if not changed else "NO, changed: " + ", ".join(
                     f"{k} {'removed' if after[k] is None else 'rewritten'}" for k in changed))
        c = b.connect(copy, key)
        integrity = c.execute("PRAGMA integrity_check").fetchall()
        done = [int(r[0]) for r in c.execute("SELECT reason FROM audit WHERE action='kill test' AND id > "
                                             "(SELECT coalesce(max(id), 0) FROM audit WHERE action='kill test run')")]
        c.execute("INSERT INTO audit (at, who, action) VALUES ('x', 'bench', 'kill test run')").fetchall()
        c.close()
        if integrity != [("ok",)]:
            problems.append(f"run {run}: {integrity[:3]}")
        top = max(done) if done else 0
        lost += max(0, last - top)             # acknowledged but not in the file: must be 0
        extra += max(0, top - last)            # committed but killed before it printed: 0 or 1
    emit(b.name, f"SIGKILL during writes, {runs} runs: integrity_check after reopening with the key",
         "ok" if not problems else "; ".join(problems))
    emit(b.name, f"SIGKILL: acknowledged writes lost (of {acked_total})", lost, "writes", "0")
    emit(b.name, "SIGKILL: writes committed but not yet acknowledged when killed", extra, "writes")
    assert not problems and lost == 0


def bench_secure_delete_vacuum(b: Backend, path: Path, key: str | None, folder: Path, expected: int) -> None:
    small = folder / f"sd-{b.name}.db"
    found = {}
    for setting in (0, 1):
        remove(small)
        c = b.connect(small, key)
        b.setup(c)
        default = c.execute("PRAGMA secure_delete").fetchall()[0][0]
        c.execute(f"PRAGMA secure_delete = {setting}").fetchall()
        c.execute("CREATE TABLE t (a TEXT)").fetchall()
        c.execute("INSERT INTO t VALUES ('keep me'), (?)", ["SECRET-DELETED-TEXT " * 20]).fetchall()
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        c.execute("DELETE FROM t WHERE a != 'keep me'").fetchall()
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        c.close()
        found[setting] = b"SECRET-DELETED-TEXT" in small.read_bytes()
    emit(b.name, "secure_delete default", default)
    emit(b.name, "deleted text still in the file: secure_delete=0 / =1", f"{found[0]} / {found[1]}")
    copy = folder / f"vacuum-{b.name}.fileexam"
    remove(copy)
    shutil.copyfile(path, copy)
    c = b.connect(copy, key)
    b.setup(c)
    t0 = time.perf_counter()
    try:
        c.execute("VACUUM").fetchall()
        said = "ok"
    except b.errors as exc:
        said = f"FAILS: {describe(exc)}"
    took = (time.perf_counter() - t0) * 1000
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    c.close()
    c = b.connect(copy, key)
    n = c.execute("SELECT count(*) FROM answers").fetchall()[0][0]
    c.close()
    head = copy.read_bytes()[:16]
    emit(b.name, "VACUUM (WAL) on the inspection", f"{said}; reopens with the key, {n} answers; header "
         f"{'plaintext' if head == MAGIC else 'still encrypted'}")
    emit(b.name, "VACUUM time", took, "ms")
    assert n == expected
    if b.encrypted:
        assert head != MAGIC


def bench_plaintext_header(b: Backend, folder: Path) -> None:
    """The option of a plaintext header (SQLite's magic and the application_id left readable)."""
    path = folder / f"phs-{b.name}.fileexam"
    remove(path)
    size = 80  # the header up to and including application_id (offset 68) is 72 bytes: 80 is the next multiple of 16
    pragma = "cipher_plaintext_header_size" if isinstance(b, SQLCipher) else "plaintext_header_size"
    try:
        c = b.connect(path, PASSPHRASE, extra=(f"{pragma} = {size}",))
        c.execute("PRAGMA page_size").fetchall()
        c.execute(f"PRAGMA application_id = {APPLICATION_ID}").fetchall()
        c.execute("PRAGMA journal_mode=WAL").fetchall()
        c.execute("CREATE TABLE t (a); INSERT INTO t VALUES (1)" if isinstance(b, MC) else "CREATE TABLE t (a)").fetchall()
        if isinstance(b, SQLCipher):
            salt = c.execute("PRAGMA cipher_salt").fetchall()[0][0]
        else:
            salt = c.execute("SELECT sqlite3mc_codec_data('cipher_salt')").fetchall()[0][0]
        c.close()
    except Exception as exc:
        emit(b.name, f"plaintext header ({size} bytes)", f"cannot be made: {describe(exc)}")
        return
    head = path.read_bytes()[:100]
    readable = head.startswith(MAGIC) and int.from_bytes(head[68:72], "big") == APPLICATION_ID
    results = []
    for label, extra in (("key only", (f"{pragma} = {size}",)),
                         ("key + the salt kept outside the file",
                          (f"{pragma} = {size}", f"cipher_salt = \"x'{salt}'\"" if isinstance(b, SQLCipher)
                           else f"cipher_salt = {quote(salt)}"))):
        try:
            c = b.connect(path, PASSPHRASE, extra=extra)
            c.execute("SELECT count(*) FROM t").fetchall()
            c.close()
            results.append(f"{label}: opens")
        except Exception as exc:
            results.append(f"{label}: {type(exc).__name__}: {exc}")
    emit(b.name, f"plaintext header ({size} bytes): magic and application_id readable", "yes" if readable else "no")
    emit(b.name, "plaintext header: reopening", " | ".join(results))
    from fileexam.store.file_check import check_inspection_file
    try:
        check_inspection_file(path, "quick")
        verdict = "accepted"
    except Exception as exc:
        verdict = f"{type(exc).__name__}: {exc}"
    emit(b.name, "plaintext header: fileexam's check_inspection_file says", verdict)


# ---- running ------------------------------------------------------------------------------------------
def run_here(args) -> None:
    chosen = [b for b in BACKENDS if b.available() and (not args.only or b.name in args.only or b.name == "sqlite3")]
    n_cases = 120 if args.quick else args.cases
    writes = 100 if args.quick else args.writes
    kills = 2 if args.quick else args.kills
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        folder = Path(tmp)
        schema = plain_schema(folder)
        items = []
        for b in chosen:
            emit(b.name, "library", b.library())
            key = PASSPHRASE if b.encrypted else None
            path = folder / f"{b.name}.fileexam"
            took = build(b, path, schema, n_cases, key)
            emit(b.name, f"setup: {n_cases} cases x 80 answers written", took, "s")
            emit(b.name, "file size after checkpoint", path.stat().st_size / 1e6, "MB")
            items.append((b, path, key))
        plain_size = next((p.stat().st_size for b, p, _ in items if b.name == "sqlite3"), None)
        for b, path, key in items:
            if plain_size and b.encrypted:
                emit(b.name, "file size / plain sqlite3", path.stat().st_size / plain_size, "x")
        expected = n_cases * 80
        for b, path, key in items:
            bench_open(b, path, key, n_cases)
        bench_writes(items, writes)
        for b, path, key in items:
            no_plaintext(b, path)
            if b.encrypted:
                header(b, path)
                wrong_key(b, path)
            sqlite_utils_check(b, folder)
            bench_backup(b, path, key, folder, expected)
            if b.encrypted:
                bench_rekey(b, path, key, folder, expected)
                bench_plaintext_header(b, folder)
            bench_secure_delete_vacuum(b, path, key, folder, expected)
            bench_kill(b, path, key, folder, kills)


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--" + WRITER:
        writer_main(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--venv", action="append", default=[], help="run in this venv (repeatable)")
    parser.add_argument("--quick", action="store_true", help="120 cases, 100 writes, 2 kills")
    parser.add_argument("--cases", type=int, default=1200)
    parser.add_argument("--writes", type=int, default=400)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--only", action="append", help="backend name (repeatable); plain sqlite3 always runs")
    parser.add_argument("--tmp", default=None, help="folder for the files (default: the system's temp folder)")
    args = parser.parse_args()
    if not args.venv:
        run_here(args)
        return
    passed = ["--cases", str(args.cases), "--writes", str(args.writes), "--kills", str(args.kills)]
    passed += (["--quick"] if args.quick else []) + (["--tmp", args.tmp] if args.tmp else [])
    passed += [a for name in (args.only or []) for a in ("--only", name)]
    for venv in args.venv:
        python = Path(venv) / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        subprocess.run([str(python), __file__, *passed], check=True)


if __name__ == "__main__":
    main()

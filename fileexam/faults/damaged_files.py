"""The damaged-open run's inputs: damaged copies of a real inspection file (pages truncated, flipped, zeroed,
swapped; content another tool edited), sound ones beside a live, torn or junk -wal, and other programs' files."""

from __future__ import annotations

import random
from pathlib import Path

from fileexam.faults.inspections import _new_inspection

# The n-th answer in key order: the answers have no rowid since m010_compact_answers (WITHOUT ROWID).
_NTH_ANSWER = ("WHERE (case_ref, question_id, marker) ="
               " (SELECT case_ref, question_id, marker FROM answers ORDER BY 1, 2, 3 LIMIT 1 OFFSET {})")
DAMAGE_KINDS = ["truncated", "byte-flip", "header-flip", "btree-header-flip", "zero-page", "swap-pages", "copy-page",
                "scramble-pages", "junk-appended", "content-damage"]
CONTENT_DAMAGE = [  # sound to SQLite, wrong to fileexam: another tool (or a person with DB Browser) edited the file
    "DELETE FROM meta WHERE key='template_fingerprint'", "DELETE FROM meta WHERE key='name'",
    "UPDATE meta SET value='' WHERE key='inspection_id'", "UPDATE meta SET value=NULL WHERE key='name'",
    "UPDATE cases SET fields='[]' WHERE rowid=1", "UPDATE cases SET fields='not json' WHERE rowid=2",
    "UPDATE cases SET fields='{\"area\": 7}' WHERE rowid=3", "UPDATE cases SET inspector=NULL WHERE rowid=4",
    "UPDATE answers SET value='maybe' " + _NTH_ANSWER.format(0),
    "UPDATE answers SET value=NULL " + _NTH_ANSWER.format(1),
    "UPDATE answers SET value=x'ff00' " + _NTH_ANSWER.format(2),
    "UPDATE answers SET question_id='ZZ99' " + _NTH_ANSWER.format(3),
    "UPDATE answers SET answered_ms='yesterday', revision='many' " + _NTH_ANSWER.format(4),
    "UPDATE answers SET case_ref='NOT-A-CASE' " + _NTH_ANSWER.format(5),
    "UPDATE answers SET set_version=9999 " + _NTH_ANSWER.format(6),
    "UPDATE markings SET status='done' WHERE rowid=1",
    "UPDATE markings SET status=NULL WHERE rowid=2", "UPDATE definitions SET text='{{{' WHERE kind='question-set'",
    "UPDATE definitions SET text=substr(text, 1, 200) WHERE kind='inspection-template'",
    "DELETE FROM definitions WHERE kind='question-set'", "DROP INDEX answers_by_marking",
    "DROP TABLE merges", "DROP TABLE audit", "UPDATE _sqlite_migrations SET name='m999_future' WHERE rowid=1",
    "DELETE FROM _sqlite_migrations WHERE rowid > 3", "PRAGMA application_id=0",
    "PRAGMA user_version=99", "INSERT INTO markings (case_ref, marker, status, updated_at) VALUES ('X', 'Y', "
    "'complete', 'now')"]
GOOD_KINDS = ["good", "good-live-wal", "torn-wal", "junk-wal"]
FOREIGN_KINDS = ["foreign-rollback", "foreign-wal", "foreign-lookalike", "foreign-hot-journal", "foreign-app-id",
                 "foreign-damaged", "text", "empty", "workbook-renamed", "random-bytes", "sqlite-header-only"]
OPEN_KINDS = DAMAGE_KINDS + GOOD_KINDS + FOREIGN_KINDS
SIDES = ("-wal", "-shm", "-journal")


def _real_inspection(path: Path, cases: int, seed: int) -> Path:
    """An inspection with a few hundred answers over `cases` cases, some complete; closed (one file, no WAL)."""
    from fileexam.services.demo import demo_answers
    from fileexam.store.inspection_file import InspectionFile

    rng = random.Random(seed)
    _new_inspection(path, "Damaged open")
    with InspectionFile.open(path) as f:
        for i, c in enumerate(f.cases()[:cases]):
            for qid, value in demo_answers(f.template, c, rng).items():
                f.set_answer(c.reference, qid, "crash", value, comment="checked" if rng.random() < 0.2 else None)
            if i % 3 == 0:
                f.mark_complete(c.reference, "crash")
    return path


def _live_wal(real: Path, out: Path, rng: random.Random, shm: bool) -> None:
    """A copy of `real` taken while a connection holds un-checkpointed answers in its WAL (a laptop that lost power)."""
    import shutil

    from fileexam.store.inspection_file import InspectionFile

    src = out.with_name(out.name + ".src.fileexam")
    shutil.copyfile(real, src)
    f = InspectionFile.open(src)
    try:
        f.conn.execute("PRAGMA wal_autocheckpoint=0")
        for c in rng.sample([c for c in f.cases()[20:]], 3):
            f.set_answer(c.reference, "DI01", "wal", rng.choice(["fully", "partially"]))
        shutil.copyfile(src, out)
        shutil.copyfile(str(src) + "-wal", str(out) + "-wal")
        if shm:
            shutil.copyfile(str(src) + "-shm", str(out) + "-shm")
    finally:
        f.close()
        src.unlink(missing_ok=True)


def _foreign_sqlite(out: Path, rng: random.Random, kind: str) -> str:
    import shutil
    from fileexam.store.sqlite import sqlite3

    journal = "wal" if kind == "foreign-wal" or (kind == "foreign-damaged" and rng.random() < 0.7) else "delete"
    con = sqlite3.connect(out, isolation_level=None)
    con.execute(f"PRAGMA journal_mode={journal}")
    what = [journal]
    if kind == "foreign-app-id":
        con.execute(f"PRAGMA application_id={rng.choice([1, 0x4658414E, 0x7FFFFFFF, -1])}")
    if kind == "foreign-lookalike":  # our table names, without our migrations (or with someone else's)
        for t in ("meta", "definitions", "cases", "markings", "answers", "audit"):
            con.execute(f"CREATE TABLE {t} (key TEXT, value TEXT)")
        con.executemany("INSERT INTO meta VALUES (?,?)", [("inspection_id", "x"), ("name", "n"),
                                                          ("template_fingerprint", "f")])
        if rng.random() < 0.5:
            con.execute("CREATE TABLE _sqlite_migrations (migration_set TEXT, name TEXT, applied_at TEXT)")
            con.execute("INSERT INTO _sqlite_migrations VALUES ('other-app', 'm001', 'now')")
            what.append("other migrations")
    else:
        if rng.random() < 0.5:
            con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
            con.executemany("INSERT INTO meta VALUES (?,?)", [("name", "Someone's notes"), ("version", "3")])
            what.append("meta")
        con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        con.executemany("INSERT INTO notes (body) VALUES (?)", [(f"note {i} " * 20,) for i in range(rng.randint(1, 300))])
    if kind == "foreign-damaged":  # another program's file, itself damaged: still never to be written
        con.close()
        buf = bytearray(out.read_bytes())
        page = int.from_bytes(buf[16:18], "big") or 65536
        op = rng.choice(["schema-zeroed", "truncated", "page-flipped"])
        if op == "schema-zeroed":
            buf[100:page] = bytes(page - 100)
        elif op == "truncated":
            del buf[rng.randrange(100, len(buf)):]
        else:
            for _ in range(rng.randint(1, 20)):
                buf[rng.randrange(100, len(buf))] ^= rng.randint(1, 255)
        out.write_bytes(bytes(buf))
        return f"{journal}, {op}"
    if kind == "foreign-hot-journal":  # a writer died mid-transaction: its rollback journal is hot
        con.execute("PRAGMA cache_size=2")  # the change spills into the file before commit: the journal is hot
        con.execute("BEGIN")
        con.execute("CREATE TABLE pending (x)")
        con.executemany("INSERT INTO pending VALUES (?)", [("p" * 200,) for _ in range(3000)])
        con.execute("UPDATE notes SET body = 'changed'")
        shutil.copyfile(out, out.with_suffix(".tmp"))
        journal_file = Path(str(out) + "-journal")
        shutil.copyfile(journal_file, str(out) + ".tmp-journal")
        con.execute("ROLLBACK")
        con.close()
        out.with_suffix(".tmp").replace(out)
        Path(str(out) + ".tmp-journal").replace(journal_file)
        return "rollback with a hot journal"
    if kind == "foreign-wal" and rng.random() < 0.6:  # its -wal still holds data
        con.execute("PRAGMA wal_autocheckpoint=0")
        con.execute("CREATE TABLE later (x)")
        con.executemany("INSERT INTO later VALUES (?)", [(i,) for i in range(500)])
        shutil.copyfile(out, out.with_suffix(".tmp"))
        shutil.copyfile(str(out) + "-wal", str(out) + ".tmp-wal")
        con.close()
        out.with_suffix(".tmp").replace(out)
        Path(str(out) + ".tmp-wal").replace(Path(str(out) + "-wal"))
        return "wal with a live -wal" + (", meta" if "meta" in what else "")
    con.close()
    return ", ".join(what)


def _make_open_input(kind: str, real: Path, out: Path, rng: random.Random, workbook: Path) -> str:
    import shutil

    data = real.read_bytes()
    page = int.from_bytes(data[16:18], "big") or 65536
    pages = len(data) // page
    buf = bytearray(data)

    def some_page():
        return rng.randrange(1, pages)  # page 1 (the header and schema) is damaged by its own kinds

    if kind == "truncated":
        cut = rng.choice([rng.randrange(len(data)), page * rng.randrange(1, pages), rng.randrange(100, 4096)])
        out.write_bytes(data[:cut])
        return f"cut at byte {cut} of {len(data)}"
    if kind == "byte-flip":
        where = sorted(rng.randrange(100, len(buf)) for _ in range(rng.randint(1, 64)))
        for i in where:
            buf[i] ^= rng.randint(1, 255)
        what = f"{len(where)} bytes flipped, first at {where[:4]}"
    elif kind == "header-flip":
        where = [rng.choice([rng.randrange(100), rng.randrange(16, 28), rng.randrange(28, 100)])
                 for _ in range(rng.randint(1, 3))]
        for i in where:
            buf[i] ^= rng.randint(1, 255)
        what = f"header bytes {where} flipped"
    elif kind == "btree-header-flip":
        p = some_page()
        i = p * page + rng.randrange(12)
        buf[i] ^= rng.randint(1, 255)
        what = f"b-tree header of page {p + 1} byte {i - p * page}"
    elif kind == "zero-page":
        p = some_page()
        buf[p * page:(p + 1) * page] = bytes(page)
        what = f"page {p + 1} zeroed"
    elif kind == "swap-pages":
        a, b = some_page(), some_page()
        buf[a * page:(a + 1) * page], buf[b * page:(b + 1) * page] = data[b * page:(b + 1) * page], data[a * page:(a + 1) * page]
        what = f"pages {a + 1} and {b + 1} swapped"
    elif kind == "copy-page":
        a, b = some_page(), some_page()
        buf[b * page:(b + 1) * page] = data[a * page:(a + 1) * page]
        what = f"page {a + 1} copied over {b + 1}"
    elif kind == "scramble-pages":
        start = rng.randrange(0, pages - 2)
        run = list(range(start, min(pages, start + rng.randint(2, 12))))
        order = run[:]
        rng.shuffle(order)
        for dst, src in zip(run, order):
            buf[dst * page:(dst + 1) * page] = data[src * page:(src + 1) * page]
        what = f"pages {run[0] + 1}-{run[-1] + 1} shuffled"
    elif kind == "content-damage":
        from fileexam.store.sqlite import sqlite3
        out.write_bytes(data)
        edits = rng.sample(CONTENT_DAMAGE, rng.randint(1, 3))
        con = sqlite3.connect(out, isolation_level=None)
        done = []
        try:
            con.execute("PRAGMA foreign_keys=OFF")
            for sql in edits:
                try:
                    con.execute(sql)
                    done.append(sql)
                except sqlite3.IntegrityError:  # the schema itself forbids it (a NOT NULL column)
                    pass
        finally:
            con.close()
        return "; ".join(done) or "nothing the schema allows"
    elif kind == "junk-appended":
        buf += rng.randbytes(rng.choice([17, page, page * rng.randint(2, 8)]))
        what = "junk after the last page"
    elif kind == "good":
        what = "an untouched copy"
    elif kind in ("good-live-wal", "torn-wal", "junk-wal"):
        if kind == "junk-wal":
            out.write_bytes(data)
            Path(str(out) + "-wal").write_bytes(rng.randbytes(rng.choice([10, 32, 4000, 70000])))
            return "a sound file beside a -wal of random bytes"
        shm = rng.random() < 0.5
        _live_wal(real, out, rng, shm)
        if kind == "torn-wal":
            wal = Path(str(out) + "-wal")
            size = wal.stat().st_size
            cut = rng.randrange(32, size)
            with wal.open("r+b") as fh:
                fh.truncate(cut)
            return f"live -wal cut at {cut} of {size}" + (" (with -shm)" if shm else "")
        return "a live -wal" + (" and -shm" if shm else "")
    elif kind.startswith("foreign"):
        return _foreign_sqlite(out, rng, kind)
    elif kind == "text":
        out.write_text("Area inspection 2026\nreference,marker\n01AB1234567,A. Khan\n" * rng.randint(1, 50))
        return "text"
    elif kind == "empty":
        out.write_bytes(b"")
        return "empty"
    elif kind == "workbook-renamed":
        shutil.copyfile(workbook, out)
        return "an exchange workbook renamed .fileexam"
    elif kind == "random-bytes":
        out.write_bytes(rng.randbytes(rng.choice([50, 100, 4096, 100_000])))
        return "random bytes"
    else:  # sqlite-header-only: the header of an inspection file without its application id, then zeros
        header = bytearray(data[:100])
        header[68:72] = bytes(4)
        if rng.random() < 0.5:
            header[18:20] = b"\x01\x01"  # rollback journal, not WAL
        out.write_bytes(bytes(header) + bytes(rng.choice([0, page - 100, page * 3])))
        return "an SQLite header (" + ("WAL" if header[18] == 2 else "rollback") + ") and zeros"
    out.write_bytes(bytes(buf))
    return what

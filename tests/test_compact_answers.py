"""m010_compact_answers (issue 15, the master file's size): files of the m009 schema upgraded in one
transaction, every answer read back exactly as it was written, the times' exact round trip."""

from __future__ import annotations

import random
import shutil
from datetime import datetime, timedelta, timezone

import pytest

from conftest import ROOT
from fileexam.formats.exchange_workbook import canonical_time
from fileexam.services import report
from fileexam.store import answer_rows
from fileexam.store.answer_rows import COLUMNS, FROM, answer_row, stored_time, time_text
from fileexam.store.file_check import DamagedFile
from fileexam.store.inspection_file import InspectionFile
from fileexam.store.schema_names import KNOWN
from fileexam.store.sqlite import connect, derive

FIXTURES = ROOT / "tests" / "fixtures"
PASSPHRASE = "m009 fixture passphrase"  # tests/fixtures/make_m009_files.py


def old_file(tmp_path, kind: str):
    path = tmp_path / f"old-{kind}.fileexam"
    shutil.copy(FIXTURES / f"m009-{kind}.fileexam", path)
    key = derive(PASSPHRASE, path.read_bytes()[:16]) if kind == "encrypted" else None
    return path, key


def raw_rows(path, key, sql="SELECT * FROM answers"):
    conn = connect(path, key)
    try:
        return sorted(conn.execute(sql).fetchall())
    finally:
        conn.close()


def applied(path, key):
    return [r[0] for r in raw_rows(path, key, "SELECT name, rowid FROM _sqlite_migrations")]


@pytest.mark.parametrize("kind", ["plain", "encrypted"])
def test_m009_file__upgraded__every_answer_reads_back_identical(tmp_path, kind):
    path, key = old_file(tmp_path, kind)
    before = raw_rows(path, key)
    assert len(before) == 8 and applied(path, key)[-1] == "m009_standardisation_gold"
    with InspectionFile.open(path, key=key) as f:
        assert sorted(m for m in applied(path, key)) == sorted(KNOWN)
        # value, comment, set, fingerprint, time, revision: all as they were
        after = sorted(answer_row(r) for r in f.conn.execute(f"SELECT {COLUMNS} FROM {FROM}"))
        assert after == before
        for ref, qid, marker, value, comment, set_id, fingerprint, at, revision in before:
            a = f.answers(ref, marker)[qid]
            assert (a.value, a.comment, a.answered_at, a.revision) == (value, comment, at, revision)
            assert f.marking_rows(ref)[marker][qid] == (value, comment, at, revision, set_id, fingerprint)
        exported = {(r[0], r[1], r[2]): r for r in f.all_answers()}
        assert {k: (r[3], r[4], r[5], r[6], r[7]) for k, r in exported.items()} == \
            {(r[0], r[1], r[2]): (r[3], r[4], r[5], r[7], r[8]) for r in before}
        # stored compactly: a set version once, fileexam's times as integers, the two others as written
        assert f.conn.execute("SELECT count(*) FROM set_versions").fetchone()[0] == 3
        kinds = dict(f.conn.execute("SELECT typeof(answered_ms), count(*) FROM answers GROUP BY 1").fetchall())
        assert kinds == {"integer": 6, "text": 2}
        sql = f.conn.execute("SELECT sql FROM sqlite_master WHERE name='answers'").fetchone()[0]
        assert "WITHOUT ROWID" in sql
        indexes = {r[0] for r in f.conn.execute("SELECT name FROM sqlite_master WHERE tbl_name='answers'"
                                                " AND type='index'")}
        assert indexes == {"answers_by_marking"}  # answers_by_question made by m010, dropped by m011
        assert f.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert f.conn.execute("PRAGMA freelist_count").fetchone()[0] == 0  # the old table's pages given back
        assert f.conn.execute("PRAGMA foreign_key_check").fetchall() == []
        # and written as before after the upgrade
        f.set_answer("U3", "PC02", "AK", "fully")
        a = f.answers("U3", "AK")["PC02"]
        assert (a.value, a.revision) == ("fully", 4) and stored_time(a.answered_at) != a.answered_at
    # the copy made before the upgrade: the old schema and the same answers
    copy = path.with_name(f"{path.stem}.before-upgrade-m009_standardisation_gold{path.suffix}")
    assert raw_rows(copy, key) == before and applied(copy, key)[-1] == "m009_standardisation_gold"


def test_m009_file__conversion_fails__nothing_changed(tmp_path, monkeypatch):
    path, key = old_file(tmp_path, "plain")
    before = raw_rows(path, key)

    def broken(text):
        raise ValueError("a conversion that fails half-way")
    monkeypatch.setattr(answer_rows, "stored_time", broken)
    with pytest.raises(DamagedFile):
        InspectionFile.open(path)
    assert raw_rows(path, key) == before  # the old table, every row: the migration was one transaction
    assert applied(path, key)[-1] == "m009_standardisation_gold"
    assert "set_versions" not in {r[0] for r in raw_rows(path, key, "SELECT name FROM sqlite_master")}
    monkeypatch.undo()
    with InspectionFile.open(path) as f:  # and upgraded when opened again
        assert sorted(answer_row(r) for r in f.conn.execute(f"SELECT {COLUMNS} FROM {FROM}")) == before


def test_times_as_fileexam_writes_them__round_trip_exactly_through_milliseconds():
    rng = random.Random(15)
    base = datetime(2000, 1, 1, tzinfo=timezone.utc)
    offsets = [timezone.utc, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))]
    times = [base + timedelta(microseconds=rng.randrange(100 * 365 * 86400 * 10 ** 6)) for _ in range(20_000)]
    times += [datetime(1, 1, 1, tzinfo=timezone.utc), datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc),
              datetime(1970, 1, 1, tzinfo=timezone.utc), datetime(1969, 12, 31, 23, 59, 59, 999000, tzinfo=timezone.utc)]
    for t in times:
        text = canonical_time(t.astimezone(rng.choice(offsets)))
        ms = stored_time(text)
        assert type(ms) is int and time_text(ms) == text
    for text in ["2026-01-01", "2026-03-01T10:00:00.123+02:00", "2026-03-01T10:00:00.123456+00:00",
                 "2026-03-01T10:00:00+00:00", "yesterday", "", None]:
        assert stored_time(text) == text and time_text(stored_time(text)) == text  # kept as written


def test_the_indexes_kept_are_the_ones_the_queries_use(tmp_path):
    """answers_by_marking covers the aggregation, the report's typed and trigger answers read in the same pass
    (since m011 there is no index by question); every other read of the answers goes by the primary key (the
    table itself since m010) or by marker."""
    path, key = old_file(tmp_path, "plain")
    with InspectionFile.open(path) as f:
        def plan(sql, *params):
            return " | ".join(r[3] for r in f.conn.execute("EXPLAIN QUERY PLAN " + sql, params))
        book = report._Codebook(f.template)
        assert book.raw  # the area template's typed questions
        assert plan(report._pass_sql(book), *book.raw) == "SCAN answers USING COVERING INDEX answers_by_marking"
        assert "COVERING INDEX answers_by_marking (marker=? AND case_ref=?)" in plan(
            "SELECT question_id, value FROM answers WHERE marker=? AND case_ref=?", "AK", "U1")
        assert "COVERING INDEX answers_by_marking" in plan(  # moderation's marker profiles
            "SELECT marker, question_id, value, case_ref FROM answers WHERE value IS NOT NULL")
        assert "answers_by_question" not in {r[0] for r in f.conn.execute("SELECT name FROM sqlite_master")}
        assert "PRIMARY KEY (case_ref=?)" in plan(f"SELECT {COLUMNS} FROM {FROM} WHERE a.case_ref=?", "U1")
        assert "PRIMARY KEY (case_ref=? AND question_id=? AND marker=?)" in plan(
            "SELECT value, comment, revision FROM answers WHERE case_ref=? AND question_id=? AND marker=?", "U1", "PC01",
            "AK")


def m010_file(tmp_path, kind: str, answers_per_case: int = 0, drop_index: bool = False):
    """A file as fileexam left it between m010 and m011 (with answers_by_question): an m009 fixture upgraded
    that far, with `answers_per_case` more answers on each case written as that fileexam would."""
    from sqlite_utils import Database

    from fileexam.store.migrations import migrations
    path, key = old_file(tmp_path, kind)
    conn = connect(path, key, isolation_level=None)
    try:
        migrations.apply(Database(conn), stop_before="m011_drop_answers_by_question")
        refs = [r[0] for r in conn.execute("SELECT reference FROM cases")]
        conn.execute("BEGIN")
        answer_rows.write_answers(conn, [(ref, f"X{q:03d}", f"M{m}", "fully", "", "pre-charge", "sha256:0123456789abcdef",
                                          "2026-11-27T20:35:53.001+00:00", 1)
                                         for ref in refs for q in range(answers_per_case // 20) for m in range(20)])
        conn.execute("COMMIT")
        if drop_index:
            conn.execute("DROP INDEX answers_by_question")
        conn.execute("VACUUM")  # compact as m010's upgrade left it: what m011 frees is the index alone
    finally:
        conn.close()
    assert applied(path, key)[-1] == "m010_compact_answers"
    return path, key


@pytest.mark.parametrize("kind", ["plain", "encrypted"])
def test_m010_file__index_by_question_dropped__file_vacuumed__answers_unchanged(tmp_path, kind):
    path, key = m010_file(tmp_path, kind, answers_per_case=2000)
    before = raw_rows(path, key)
    assert len(before) == 8 + 4 * 2000
    index_columns = raw_rows(path, key, "SELECT count(*) FROM pragma_index_info('answers_by_question')")
    assert index_columns == [(3,)]  # there, on (question, value, case)
    size = path.stat().st_size
    with InspectionFile.open(path, key=key) as f:
        assert applied(path, key) == KNOWN
        assert "answers_by_question" not in {r[0] for r in f.conn.execute("SELECT name FROM sqlite_master")}
        assert f.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert f.conn.execute("PRAGMA freelist_count").fetchone()[0] == 0  # the index's pages given back
        f.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert path.stat().st_size < size * 0.85, (path.stat().st_size, size)
        assert f.answers("U1", "AK")["PC01"].value == "no" and f.count_answers() == len(before)
        f.set_answer("U3", "PC02", "AK", "fully")  # and written as before
        assert f.answers("U3", "AK")["PC02"].revision == 4
    assert raw_rows(path, key, "SELECT * FROM answers WHERE case_ref != 'U3' OR question_id != 'PC02'") == \
        [r for r in before if r[:2] != ("U3", "PC02")]
    # the copy made before the upgrade: the m010 schema, its index and the same answers
    copy = path.with_name(f"{path.stem}.before-upgrade-m010_compact_answers{path.suffix}")
    assert raw_rows(copy, key) == before and applied(copy, key)[-1] == "m010_compact_answers"
    assert raw_rows(copy, key, "SELECT name FROM sqlite_master WHERE name='answers_by_question'") == \
        [("answers_by_question",)]


def test_m010_file__without_the_index_already__upgraded(tmp_path):
    path, key = m010_file(tmp_path, "plain", drop_index=True)
    with InspectionFile.open(path) as f:
        assert applied(path, key) == KNOWN
        assert f.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert f.answers("U1", "AK")["PC01"].value == "no"


def test_every_time_text_reads_back_exactly_whatever_its_shape():
    """A time is stored as milliseconds only when that gives back the very text written: over dates that
    do and do not exist, years 1 to 9999, and texts one character off fileexam's form (other digits, signs,
    zones), each text reads back as written."""
    import random

    rng = random.Random(20261127)
    for _ in range(50_000):
        y, mo, d = rng.choice([1, 9, 999, 1969, 1970, 2026, 9999]), rng.randint(0, 13), rng.randint(0, 32)
        text = (f"{y:04d}-{mo:02d}-{d:02d}T{rng.randint(0, 25):02d}:{rng.randint(0, 61):02d}:"
                f"{rng.randint(0, 61):02d}.{rng.randint(0, 999):03d}+00:00")
        if rng.random() < 0.3:
            i = rng.randrange(len(text))
            text = text[:i] + rng.choice("0123456789 +-:T.Z\u0663\uff11") + text[i + 1:]
        stored = stored_time(text)
        assert time_text(stored) == text, (text, stored)

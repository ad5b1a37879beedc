"""m010_compact_answers (issue 15, the master file's size): files of the m009 schema upgraded in one
transaction, every answer read back exactly as it was written, the times' exact round trip."""

from __future__ import annotations

import random
import shutil
from datetime import datetime, timedelta, timezone

import pytest

from conftest import ROOT
from fileexam.formats.exchange_workbook import canonical_time
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
        assert indexes == {"answers_by_question", "answers_by_marking"}
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
    """answers_by_marking covers the aggregation, answers_by_question the report's typed answers; every other
    read of the answers goes by the primary key (the table itself since m010)."""
    path, key = old_file(tmp_path, "plain")
    with InspectionFile.open(path) as f:
        def plan(sql, *params):
            return " | ".join(r[3] for r in f.conn.execute("EXPLAIN QUERY PLAN " + sql, params))
        assert "COVERING INDEX answers_by_marking" in plan(
            "SELECT marker, case_ref, group_concat(question_id, ','), group_concat(value, '') FROM answers"
            " GROUP BY marker, case_ref")
        assert "COVERING INDEX answers_by_question" in plan(
            "SELECT case_ref, marker, question_id, value FROM answers WHERE question_id IN (?, ?)", "PC01", "PC02")
        assert "PRIMARY KEY (case_ref=?)" in plan(f"SELECT {COLUMNS} FROM {FROM} WHERE a.case_ref=?", "U1")
        assert "PRIMARY KEY (case_ref=? AND question_id=? AND marker=?)" in plan(
            "SELECT value, comment, revision FROM answers WHERE case_ref=? AND question_id=? AND marker=?", "U1", "PC01",
            "AK")

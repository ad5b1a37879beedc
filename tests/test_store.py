"""The inspection file: durable answers, validation, status, audit, migrations — on real SQLite files."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from sqlite_utils import Database

from conftest import AREA_TEMPLATE, ROOT
from fileexam.domain.cases import BadValue, Status
from fileexam.store.errors import StoreError
from fileexam.store.inspection_file import InspectionFile
from fileexam.store.migrations import migrations
from fileexam.store.schema_names import KNOWN
from fileexam.store.sqlite import sqlite3  # the driver fileexam uses: its error classes, its locks


def first_case(f, **want):
    for c in f.cases():
        if all(c.fields.get(k) == v for k, v in want.items()):
            return c
    raise AssertionError(f"no case with {want}")


def test_create__stores_template_and_sets__opens_without_yaml(tmp_path):
    for name in ("area-inspection.yaml", "pre-charge.yaml", "post-charge.yaml", "disclosure.yaml",
                 "victims-witnesses.yaml"):
        (tmp_path / name).write_text((ROOT / "question_sets" / name).read_text())
    with InspectionFile.create(tmp_path / "i.fileexam", tmp_path / "area-inspection.yaml", "X", "TL") as f:
        fingerprint = f.template.fingerprint
    for p in tmp_path.glob("*.yaml"):
        p.unlink()  # the file must not need them again
    with InspectionFile.open(tmp_path / "i.fileexam") as f:
        assert f.template.fingerprint == fingerprint
        assert len(list(f.template.questions)) == 44
        db = f.db
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_create__existing_file__refused_and_untouched(tmp_path):
    target = tmp_path / "i.fileexam"
    target.write_bytes(b"precious")
    with pytest.raises(StoreError):
        InspectionFile.create(target, AREA_TEMPLATE, "X", "TL")
    assert target.read_bytes() == b"precious"


def test_open__not_an_inspection_file__clear_error(tmp_path):
    bad = tmp_path / "notes.fileexam"
    bad.write_text("hello")
    with pytest.raises(StoreError, match="not an inspection file"):
        InspectionFile.open(bad)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(StoreError, match="not a fileexam inspection file"):
        InspectionFile.open(other)


def test_answer__record_change_clear__audit_has_every_change(area_file):
    case = first_case(area_file, charging_decision_by="area").reference
    area_file.set_answer(case, "PC01", "AK", "yes")
    area_file.set_answer(case, "PC01", "AK", "N")  # by its keyboard key
    area_file.set_answer(case, "PC01", "AK", "no", comment="No realistic prospect: ID evidence weak")
    area_file.set_answer(case, "PC01", "AK", None, comment="")
    assert area_file.answers(case, "AK") == {}
    rows = [(r["action"], r["old_value"], r["new_value"], r["who"]) for r in area_file.audit(case)]
    assert rows == [("answer", None, "yes", "AK"), ("answer", "yes", "no", "AK"),
                    ("comment", "", "No realistic prospect: ID evidence weak", "AK"),
                    ("clear", "no", None, "AK"), ("comment", "No realistic prospect: ID evidence weak", "", "AK")]


def test_answer__same_value_twice__no_new_revision_no_audit(area_file):
    case = area_file.cases()[0].reference
    a1 = area_file.set_answer(case, "DI01", "AK", "fully")
    a2 = area_file.set_answer(case, "DI01", "AK", "fully")
    assert a1.revision == a2.revision == 1
    assert len(area_file.audit(case)) == 1


@pytest.mark.parametrize("qid, value, message", [
    ("PC01", "maybe", "not on its scale"),
    ("PO11", "-3", "outside 0 to 730"),
    ("PO11", "2.5", "not a whole number"),
    ("PO11", "lots", "not a number"),
    ("VW11", '["restraining", "banishment"]', "not among its choices"),
    ("ZZ99", "yes", "not a question"),
])
def test_answer__invalid_value__refused_and_nothing_written(area_file, qid, value, message):
    case = area_file.cases()[0].reference
    with pytest.raises(BadValue, match=message):
        area_file.set_answer(case, qid, "AK", value)
    assert area_file.answers(case, "AK") == {} and area_file.audit(case) == []


def test_answer__unknown_case__refused(area_file):
    with pytest.raises(StoreError, match="no case"):
        area_file.set_answer("NOPE", "PC01", "AK", "yes")


def test_answer__control_characters_in_comment__kept_out(area_file):
    case = area_file.cases()[0].reference
    a = area_file.set_answer(case, "DI01", "AK", "fully", comment="line one\r\nline\x07 two\x00\rend")
    assert a.comment == "line one\nline two\nend"
    assert area_file.answers(case, "AK")["DI01"].comment == a.comment


def test_audit_log__cannot_be_changed_or_deleted(area_file):
    case = area_file.cases()[0].reference
    area_file.set_answer(case, "DI01", "AK", "fully")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        area_file.db.execute("UPDATE audit SET who='someone else'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        area_file.db.execute("DELETE FROM audit")


def test_status__not_started_in_progress_complete_reopen(area_file):
    c = first_case(area_file, strand="magistrates", charging_decision_by="police")
    assert area_file.status(c.reference, "AK") is Status.NOT_STARTED
    area_file.set_answer(c.reference, "DI01", "AK", "fully")
    assert area_file.status(c.reference, "AK") is Status.IN_PROGRESS
    result = area_file.mark_complete(c.reference, "AK")
    assert not result.ok and "DI02" in result.missing
    assert area_file.status(c.reference, "AK") is Status.IN_PROGRESS


def answer_everything(f, ref, marker):
    from fileexam.services.demo import demo_answers
    import random

    t = f.template
    case = f.case(ref)
    for qid, value in demo_answers(t, case, random.Random(1), quality=1.0).items():
        f.set_answer(ref, qid, marker, value)


def test_complete__lists_missing_exactly__then_completes_and_locks(area_file):
    c = first_case(area_file, strand="crown_court", charging_decision_by="area")
    t = area_file.template
    applies = t.which_apply(c.fields, {})
    expected_missing = [q.id for q in t.questions if applies[q.id] and q.required]
    assert area_file.check_complete(c.reference, "AK").missing == expected_missing
    answer_everything(area_file, c.reference, "AK")
    result = area_file.mark_complete(c.reference, "AK")
    assert result.ok and area_file.status(c.reference, "AK") is Status.COMPLETE
    with pytest.raises(StoreError, match="reopen"):
        area_file.set_answer(c.reference, "PC01", "AK", "no")
    with pytest.raises(BadValue, match="reason"):
        area_file.reopen(c.reference, "AK", "  ")
    area_file.reopen(c.reference, "AK", "Second look at the charging advice")
    assert area_file.status(c.reference, "AK") is Status.IN_PROGRESS
    assert area_file.audit(c.reference)[-1]["reason"] == "Second look at the charging advice"


def test_complete__answer_that_no_longer_applies__kept_and_flagged(area_file):
    c = first_case(area_file, strand="crown_court", charging_decision_by="area")
    answer_everything(area_file, c.reference, "AK")
    area_file.set_answer(c.reference, "PO08", "AK", "fully")  # a PTPH question: Crown Court only
    area_file.set_field(c.reference, "strand", "Magistrates' courts", "AK", reason="wrong strand in sample")
    result = area_file.mark_complete(c.reference, "AK")
    assert "PO08" in result.no_longer_apply and result.ok
    assert area_file.answers(c.reference, "AK")["PO08"].value == "fully"  # never silently deleted
    field_audit = [r for r in area_file.audit(c.reference) if r["action"] == "field"]
    assert field_audit[0]["old_value"] == "crown_court" and field_audit[0]["new_value"] == "magistrates"


def test_set_field__bad_value__refused_with_suggestion(area_file):
    c = area_file.cases()[0]
    with pytest.raises(BadValue, match="did you mean 'Crown Court'"):
        area_file.set_field(c.reference, "strand", "Crwn Court", "AK")


DURABILITY_SCRIPT = textwrap.dedent("""
    import os, signal, sys
    from fileexam.store.inspection_file import InspectionFile
    f = InspectionFile.open(sys.argv[1])
    f.set_answer(sys.argv[2], "DI01", "AK", "partially", comment="written then killed")
    os.kill(os.getpid(), signal.SIGKILL)  # no close, no clean exit: the write must already be on disk
""")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_durability__killed_right_after_write_returns__answer_is_there(area_file, tmp_path):
    ref = area_file.cases()[0].reference
    path = area_file.path
    area_file.close()
    proc = subprocess.run([sys.executable, "-c", DURABILITY_SCRIPT, str(path), ref], capture_output=True)
    assert proc.returncode == -9, proc.stderr
    with InspectionFile.open(path) as f:
        a = f.answers(ref, "AK")["DI01"]
        assert (a.value, a.comment) == ("partially", "written then killed")
        assert f.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_migrations__file_with_first_schema__upgraded_in_place_with_backup(tmp_path):
    import shutil
    path = tmp_path / "old.fileexam"
    # A file of the m009 schema (made by fileexam before m010 rebuilt the answers), wound back to the first
    # schema, as an early fileexam would have left it.
    shutil.copy(ROOT / "tests" / "fixtures" / "m009-plain.fileexam", path)
    db = Database(str(path))
    for idx in ("answers_by_question", "answers_by_marker", "audit_by_case", "cases_by_inspector",
                "answers_by_marking"):
        db.execute(f"DROP INDEX {idx}")
    for table in ("merges", "double_marking", "moderation_decisions", "moderation_signoffs", "calibration_cases",
                  "sample_designs", "sample_strata", "case_strata", "sample_reserves", "sample_exclusions",
                  "moderation_queries", "feedback_receipts", "gold_cases"):
        db.execute(f"DROP TABLE {table}")
    db.execute("DELETE FROM _sqlite_migrations WHERE name != 'm001_initial'")
    db.conn.commit()
    db.conn.close()

    with InspectionFile.open(path) as f:
        assert [m.name for m in migrations.applied(f.db)] == KNOWN
        # answers_by_question: made by m002 and m010, dropped by m011 (sqlite_autoindex_...: the primary key)
        assert {i.name for i in f.db["answers"].indexes if not i.name.startswith("sqlite_")} == {"answers_by_marking"}
        assert f.answers("U1", "AK")["PC01"].value == "no"
    backup = tmp_path / "old.before-upgrade-m001_initial.fileexam"
    assert backup.exists()
    assert sqlite3.connect(backup).execute("SELECT count(*) FROM answers").fetchone()[0] == 8


def test_migrations__names_known_without_sqlite_utils_match_the_real_list():
    assert [m.name for m in migrations._migrations] == KNOWN


def test_open__file_from_newer_fileexam__refused_unchanged(tmp_path):
    path = tmp_path / "new.fileexam"
    InspectionFile.create(path, AREA_TEMPLATE, "New", "TL").close()
    db = Database(str(path))
    db["_sqlite_migrations"].insert({"migration_set": "fileexam", "name": "m999_future", "applied_at": "x"})
    db.conn.commit()
    db.conn.close()
    with pytest.raises(StoreError, match="newer fileexam"):
        InspectionFile.open(path)


def test_cases__fields_kept_as_json(area_file):
    raw = area_file.db.execute("SELECT fields FROM cases LIMIT 1").fetchone()[0]
    assert json.loads(raw) == area_file.cases()[0].fields

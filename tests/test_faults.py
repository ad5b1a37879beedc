"""Short versions of the fault runs (python -m fileexam.faults runs the long ones)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from fileexam.domain.cases import BadValue
from fileexam.faults import crash_merge, crash_scoring
from fileexam.store.inspection_file import InspectionFile
from fileexam.store.sqlite import sqlite3  # the driver fileexam uses: its error classes, its locks

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def test_crash_during_scoring__every_acknowledged_answer_survives(tmp_path):
    result = crash_scoring(kills=4, seed=3, folder=tmp_path)
    assert result["writes_acknowledged"] > 0
    assert result["answers_lost"] == 0 and result["files_failing_integrity_check"] == 0


def test_crash_during_merge__all_of_a_workbook_or_none(tmp_path):
    result = crash_merge(kills=6, seed=2, folder=tmp_path)
    assert result["half_merged"] == 0
    assert result["merged_whole"] + result["merged_not_at_all"] == 6


def test_same_file_open_twice__both_write_safely_no_lost_update(area_file):
    other = InspectionFile.open(area_file.path)
    try:
        refs = [c.reference for c in area_file.cases()[:10]]
        for i, ref in enumerate(refs):  # interleaved writes from two connections (two windows or processes)
            (area_file if i % 2 else other).set_answer(ref, "DI01", "AK", "fully")
            (other if i % 2 else area_file).set_answer(ref, "DI02", "AK", "partially")
        for f in (area_file, other):
            for ref in refs:
                held = f.answers(ref, "AK")
                assert (held["DI01"].value, held["DI02"].value) == ("fully", "partially")
    finally:
        other.close()


def test_disk_full__write_refused_whole__nothing_half_written(area_file, monkeypatch):
    ref = area_file.cases()[0].reference
    area_file.set_answer(ref, "DI01", "AK", "fully")
    before = area_file.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    real = area_file.conn

    class FullDisk:
        """The connection as it behaves when the disk fills: the audit insert fails mid-transaction."""
        def __getattr__(self, name):
            return getattr(real, name)

        def execute(self, sql, *args):
            if sql.startswith("INSERT INTO audit"):
                raise sqlite3.OperationalError("database or disk is full")
            return real.execute(sql, *args)

    monkeypatch.setattr(area_file, "conn", FullDisk())
    with pytest.raises(sqlite3.OperationalError, match="disk is full"):
        area_file.set_answer(ref, "DI01", "AK", "not_met")
    monkeypatch.undo()
    assert area_file.answers(ref, "AK")["DI01"].value == "fully"  # the answer change rolled back with it
    assert area_file.conn.execute("SELECT count(*) FROM audit").fetchone()[0] == before
    assert not area_file.conn.in_transaction


def test_app__write_failure_shown_plainly_and_the_screen_shows_what_is_saved(qtbot, window, monkeypatch):
    w = window
    ref = w.session.reference
    w.form.focus_question("DI01")

    def fail(*a, **k):
        raise sqlite3.OperationalError("disk I/O error")
    monkeypatch.setattr(w.inspection, "set_answer", fail)
    qtbot.keyClick(w.form.widgets["DI01"], "F")
    assert w.last_message[0] == "Not saved" and "Everything saved before this is safe" in w.last_message[1]
    assert not w.form.widgets["DI01"].buttons["fully"].isChecked()
    monkeypatch.undo()
    qtbot.keyClick(w.form.widgets["DI01"], "F")  # the app carries on once the disk is back
    assert w.inspection.answers(ref, "A. Khan")["DI01"].value == "fully"


def test_invalid_answer_refused_before_any_write(area_file):
    with pytest.raises(BadValue):
        area_file.set_answer(area_file.cases()[0].reference, "DI01", "AK", "maybe")
    assert area_file.count_answers() == 0


def test_file_deleted_under_the_app__writes_refused__copy_saves_everything(qtbot, window, tmp_path):
    w = window
    path = w.inspection.path
    ref = w.session.reference
    w.form.focus_question("DI01")
    qtbot.keyClick(w.form.widgets["DI01"], "F")
    for suffix in ("", "-wal", "-shm"):  # the USB stick is pulled
        Path(str(path) + suffix).unlink(missing_ok=True)
    w.form.focus_question("DI02")
    qtbot.keyClick(w.form.widgets["DI02"], "P")
    assert w.last_message[0] == "Not saved" and "Save a copy" in w.last_message[1]
    w.save_copy(str(tmp_path / "rescued.fileexam"))
    assert w.inspection.path.name == "rescued.fileexam"
    assert w.inspection.answers(ref, "A. Khan")["DI01"].value == "fully"


def test_fuzz__short_run__no_traceback_no_half_change(tmp_path):
    from fileexam.faults import fuzz
    result = fuzz(inputs=30, seed=4, folder=tmp_path)
    assert result["tracebacks"] == 0, result["first_traceback"]
    assert result["half_changed_files"] == 0


def _summary(result: dict) -> str:
    """What a failing short run says: its figures, the failures grouped, an example of each."""
    import json
    shown = {k: v for k, v in result.items() if k not in ("by_kind", "examples")}
    examples = {k: [{f: str(v)[:400] for f, v in e.items()} for e in v[:2]] for k, v in result["examples"].items()}
    return json.dumps(shown, indent=1) + "\n" + json.dumps(examples, indent=1)


def test_fault_harness__a_native_abort_is_counted_not_fatal():
    import os

    from fileexam.faults import _isolated
    assert _isolated(lambda: {"ok": 1})["ok"] == 1
    crashed = _isolated(os.abort)
    assert "SIGABRT" in crashed["crash"] and not crashed["hung"]
    assert _isolated(lambda: __import__("time").sleep(30), timeout=0.5)["hung"]


def test_fault_harness__exception_names_are_recognised_in_messages():
    from fileexam.faults import _exception_names
    pattern = _exception_names()
    for leaked in ("unexpected error (KeyError: 'hint')", "UnicodeEncodeError: 'utf-8' codec", "BadZipFile",
                   "sqlite3.OperationalError: no such table", "Traceback (most recent call last)"):
        assert pattern.search(leaked), leaked
    for plain in ("error[exchange-hash]: the data no longer matches", "Error in row 3", "it is damaged or not a workbook",
                  "KeyErrors"):
        assert not pattern.search(plain), plain


def test_hostile_merge__short_run__no_traceback_no_half_changed_master_no_genuine_export_refused(tmp_path):
    from fileexam.faults import HOSTILE_KINDS, failures, hostile_merge
    result = hostile_merge(inputs=40, seed=1, folder=tmp_path)
    assert result["inputs_tried"] == 40 and result["harness_errors"] == []
    assert set(result["by_kind"]) == set(HOSTILE_KINDS)  # every kind of damage and forgery at least once
    assert result["outcomes"].get("merged", 0) > 0 and result["outcomes"].get("refused", 0) > 0
    assert result["slowest_merge_seconds"] < 10
    assert failures(result) == 0, _summary(result)


def test_damaged_open__short_run__damage_refused__nothing_written__good_files_open(tmp_path):
    from fileexam.faults import OPEN_KINDS, damaged_open, failures
    result = damaged_open(inputs=30, seed=1, folder=tmp_path)
    assert result["inputs_tried"] == 30 and result["harness_errors"] == []
    assert set(result["by_kind"]) == set(OPEN_KINDS)
    assert result["damaged"] > 0 and result["answers_in_the_real_file"] >= 300
    assert failures(result) == 0, _summary(result)

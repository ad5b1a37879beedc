"""Rotating backups and restore: a consistent copy of a live file, the last N kept, a restore that can be undone."""

from __future__ import annotations

from fileexam import settings
from fileexam.cli import main
from fileexam.store.backups import list_backups, make_backup, restore
from fileexam.store.inspection_file import InspectionFile


def test_backup__consistent_copy_of_a_live_file_and_rotation(area_file, tmp_path):
    root = tmp_path / "backups"
    ref = area_file.cases()[0].reference
    area_file.set_answer(ref, "DI01", "AK", "fully")
    first = make_backup(area_file.conn, area_file.path, root)
    with InspectionFile.open(first) as copy:
        assert copy.answers(ref, "AK")["DI01"].value == "fully"
        assert copy.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    for _ in range(12):
        make_backup(area_file.conn, area_file.path, root, keep=5)
    assert len(list_backups(area_file.path, root)) == 5


def test_restore__brings_back_the_earlier_state_and_keeps_the_current_one(area_file, tmp_path):
    root = tmp_path / "backups"
    ref = area_file.cases()[0].reference
    area_file.set_answer(ref, "DI01", "AK", "fully")
    backup = make_backup(area_file.conn, area_file.path, root)
    area_file.set_answer(ref, "DI01", "AK", None)  # lost afterwards
    path = area_file.path
    area_file.close()
    safety = restore(path, backup, root)
    with InspectionFile.open(path) as f:
        assert f.answers(ref, "AK")["DI01"].value == "fully"
    with InspectionFile.open(safety) as before:
        assert "DI01" not in before.answers(ref, "AK")


def test_cli_restore__list_and_from_number(area_file, capsys):
    path = area_file.path
    ref = area_file.cases()[0].reference
    area_file.set_answer(ref, "DI01", "AK", "partially")
    make_backup(area_file.conn, path, settings.data_dir() / "backups")
    area_file.set_answer(ref, "DI01", "AK", "not_met")
    area_file.close()
    assert main(["restore", str(path)]) == 0
    assert "  1  " in capsys.readouterr().out
    assert main(["restore", str(path), "--from", "1"]) == 0
    with InspectionFile.open(path) as f:
        assert f.answers(ref, "AK")["DI01"].value == "partially"
    assert main(["restore", str(path), "--from", "9"]) == 1


def test_app__backs_up_on_open(qtbot, area_file):
    from fileexam.qt.app import qsettings
    from fileexam.qt.main_window import MainWindow

    path = area_file.path
    area_file.close()
    w = MainWindow(qsettings(), "AK")
    qtbot.addWidget(w)
    w.open_inspection(path)
    # made by the background job, before its full check, off the start path (issue 15)
    qtbot.waitUntil(lambda: len(list_backups(path, settings.data_dir() / "backups")) == 1, timeout=20000)
    qtbot.waitUntil(lambda: "no damage found" in w.ui.statusbar.currentMessage(), timeout=20000)

"""Help → About: the version, the question sets' versions, the user's folders with a button that opens
each; and the words said at start when a folder cannot be written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from fileexam import __version__
from fileexam.qt import about_dialog
from fileexam.qt.about_dialog import AboutDialog
from fileexam.resources import unwritable_message
from conftest import AREA_TEMPLATE
from tests.qt import fitting


def shipped_versions() -> list[str]:
    """"Title version" of the shipped template and each of its sets, read from the files themselves."""
    template = yaml.safe_load(AREA_TEMPLATE.read_text(encoding="utf-8"))
    sets = [yaml.safe_load((AREA_TEMPLATE.parent / name).read_text(encoding="utf-8"))
            for name in template["question_sets"]]
    designs = [yaml.safe_load(path.read_text(encoding="utf-8"))
               for path in sorted((AREA_TEMPLATE.parent / "designs").glob("*.yaml"))]
    return ([f"{template['title']} (inspection template) {template['version']}"]
            + [f"{s['title']} {s['version']}" for s in sets]
            + [f"{d['title']} (sample design) {d['version']}" for d in designs])


def test_about__version_question_sets_and_folders(qtbot, own_home, monkeypatch):
    opened = []
    monkeypatch.setattr(about_dialog.QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    d = AboutDialog()
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    assert f"fileexam {__version__}" in d.findChild(QLabel, "aboutVersion").text()
    sets = d.sets.text()
    expected = shipped_versions()
    assert len(expected) >= 5 and all(line in sets for line in expected), (expected, sets)
    assert {name: w.text() for name, w in d.paths.items()} == {
        "Settings": str(own_home / "config"), "Data": str(own_home / "data"),
        "Backups": str(own_home / "data" / "backups"), "Logs": str(own_home / "data" / "logs")}
    qtbot.mouseClick(d.open_buttons["Backups"], Qt.MouseButton.LeftButton)
    assert [Path(u.toLocalFile()) for u in opened] == [own_home / "data" / "backups"]
    assert fitting.problems(d) == []


def test_about__the_open_inspections_question_sets(qtbot, area_file):
    d = AboutDialog(area_file)
    qtbot.addWidget(d)
    assert "This inspection (Area inspection 2026) uses" in d.sets.text()


def test_about__from_the_help_menu(make_window):
    w = make_window()
    w.ui.actionAbout.trigger()
    assert isinstance(w.about_dialog, AboutDialog) and w.about_dialog.isVisible()
    assert "This inspection" in w.about_dialog.sets.text()


def test_about__says_a_folder_cannot_be_written(qtbot, own_home):
    (own_home / "data").write_text("not a folder")
    d = AboutDialog()
    qtbot.addWidget(d)
    assert "Cannot be written" in d.findChild(QLabel, "aboutUnwritableBackups").text()


def test_start__says_plainly_which_folders_cannot_be_written(own_home, monkeypatch, capsys):
    from fileexam.qt import app

    assert unwritable_message() is None
    own_home = own_home / "elsewhere"
    own_home.mkdir()
    monkeypatch.setenv("FILEEXAM_HOME", str(own_home))
    (own_home / "config").write_text("not a folder")
    text = unwritable_message()
    assert text.startswith("fileexam cannot write to these folders:")
    assert f"Settings: {own_home / 'config'}" in text and "window's layout will not be kept" in text
    assert "Your answers are still saved" in text
    monkeypatch.setenv("FILEEXAM_SMOKE", "1")  # unattended: said on stderr, no box to wait on
    assert app.warn_unwritable_folders() == text
    assert "fileexam cannot write" in capsys.readouterr().err
    assert app.qsettings() is not None  # no settings folder: the window's layout is not kept, no crash


def _answer_box_when_shown(qtbot, seen: list) -> None:
    """Reads the modal box the app shows (inside its own event loop), then closes it with Enter."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    def poll(tries=250):  # 5 s, then the test's assertion says no box came
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            return QTimer.singleShot(20, lambda: poll(tries - 1)) if tries else None
        seen.append((box.windowTitle(), box.text()))
        qtbot.keyClick(box, Qt.Key.Key_Return)
    QTimer.singleShot(0, poll)


def _read_only(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o555)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root writes into read-only folders; the next test covers the same path as root")
def test_start__a_read_only_settings_folder_is_said_in_a_box(qtbot, own_home, monkeypatch):
    from fileexam.qt import app

    monkeypatch.delenv("FILEEXAM_SMOKE", raising=False)
    _read_only(own_home / "config")
    try:
        seen = []
        _answer_box_when_shown(qtbot, seen)
        text = app.warn_unwritable_folders()
        assert seen == [("fileexam: folders it cannot write", text)]
        assert f"Settings: {own_home / 'config'}" in text and "Data:" not in text
    finally:
        (own_home / "config").chmod(0o755)


def test_start__an_unusable_data_folder_is_said_in_a_box_then_the_app_opens(qtbot, own_home, monkeypatch):
    from fileexam.qt import app

    monkeypatch.delenv("FILEEXAM_SMOKE", raising=False)
    (own_home / "data").write_text("a file where the data folder should be")
    seen = []
    _answer_box_when_shown(qtbot, seen)
    text = app.warn_unwritable_folders()
    assert seen == [("fileexam: folders it cannot write", text)]
    for name in ("Data", "Backups", "Logs"):
        assert f"{name}: {own_home / 'data'}" in text
    assert "Settings:" not in text and "the demo inspection cannot be made" in text
    # the About box says the same against each folder
    d = AboutDialog()
    qtbot.addWidget(d)
    assert {name for name in d.paths if d.findChild(QLabel, f"aboutUnwritable{name}")} == {"Data", "Backups", "Logs"}
    # and its Open button says plainly that the folder cannot be opened (no error, nothing opened)
    opened, seen = [], []
    monkeypatch.setattr(about_dialog.QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    _answer_box_when_shown(qtbot, seen)
    qtbot.mouseClick(d.open_buttons["Logs"], Qt.MouseButton.LeftButton)
    assert seen and f"{own_home / 'data' / 'logs'} cannot be opened" in seen[0][1] and opened == []


def test_about__third_party_notices_of_the_built_app(qtbot, own_home, monkeypatch, tmp_path):
    import shutil
    import sys

    from conftest import ROOT

    app = tmp_path / "Program Files" / "fileexam"  # laid out as scripts/build_app.py lays it out
    shutil.copytree(ROOT / "question_sets", app / "question_sets")
    (app / "THIRD-PARTY-NOTICES.txt").write_text("Qt 6: LGPL-3.0-only\n", encoding="utf-8")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(app / "fileexam.exe"))
    opened = []
    monkeypatch.setattr(about_dialog.QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    d = AboutDialog()
    qtbot.addWidget(d)
    assert d.notices_button.isEnabled()
    qtbot.mouseClick(d.notices_button, Qt.MouseButton.LeftButton)
    assert [Path(u.toLocalFile()) for u in opened] == [app / "THIRD-PARTY-NOTICES.txt"]


def test_about__no_notices_in_a_checkout_and_it_says_why(qtbot, own_home):
    d = AboutDialog()
    qtbot.addWidget(d)
    assert not d.notices_button.isEnabled()
    assert any("Made when the app is built" in label.text() for label in d.findChildren(QLabel))

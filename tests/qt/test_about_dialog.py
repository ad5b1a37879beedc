"""Help → About: the version, the question sets' versions, the user's folders with a button that opens
each; and the words said at start when a folder cannot be written."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from fileexam import __version__
from fileexam.qt import about_dialog
from fileexam.qt.about_dialog import AboutDialog, unwritable_message
from tests.qt import fitting


def test_about__version_question_sets_and_folders(qtbot, own_home, monkeypatch):
    opened = []
    monkeypatch.setattr(about_dialog.QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    d = AboutDialog()
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    assert f"fileexam {__version__}" in d.findChild(QLabel, "aboutVersion").text()
    sets = d.sets.text()
    assert "CPS Area inspection (inspection template) 1.2" in sets and "Disclosure of unused material 1.0" in sets
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

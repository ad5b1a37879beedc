"""Damaged, foreign and read-only inspection files in the app, and errors in plain words.

Real widgets, real SQLite files in tmp_path. Message boxes are found among the visible top-level widgets
and their buttons clicked, as a user would.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog

from fileexam import settings
from fileexam.store import backups, file_check
from fileexam.store.inspection_file import _OPEN
from tests.qt.conftest import USER

# What a user must never see: a traceback or a Python exception's name (KeyError, sqlite3.DatabaseError ...).
PYTHON_LEAK = re.compile(r"Traceback|\b[A-Z]\w*(Error|Exception)\b|unexpected error")


# ---- helpers --------------------------------------------------------------------
def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def new_window(qtbot, runner=None):
    from fileexam.qt.app import qsettings
    from fileexam.qt.main_window import MainWindow
    from fileexam.qt.tasks import InlineRunner

    w = MainWindow(qsettings(), USER, runner or InlineRunner())
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    return w


def open_boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def message_box(qtbot, containing: str = "") -> QMessageBox:
    """The visible message box (the newest one holding `containing`), waited for."""
    def found():
        boxes = [b for b in open_boxes() if containing in b.text() + b.informativeText()]
        return boxes[-1] if boxes else None
    qtbot.waitUntil(lambda: found() is not None, timeout=3000)
    return found()


def close_boxes() -> None:
    for b in open_boxes():
        b.done(0)


def button(box: QMessageBox, text: str):
    matches = [b for b in box.buttons() if b.text().replace("&", "").startswith(text)]
    assert matches, f"no button '{text}' in {[b.text() for b in box.buttons()]}"
    return matches[0]


def click(qtbot, box: QMessageBox, text: str) -> None:
    qtbot.mouseClick(button(box, text), Qt.MouseButton.LeftButton)


def whole_text(box: QMessageBox) -> str:
    return f"{box.windowTitle()}\n{box.text()}\n{box.informativeText()}"


def page_size(data: bytes) -> int:
    size = int.from_bytes(data[16:18], "big")
    return 65536 if size == 1 else size


def scramble_a_middle_btree_page(path: Path) -> None:
    """Damage SQLite's quick check finds: a b-tree page's header scrambled; the file header stays valid."""
    data = path.read_bytes()
    size = page_size(data)
    btree = [n for n in range(1, len(data) // size) if data[n * size] in (2, 5, 10, 13)]
    start = btree[len(btree) // 2] * size
    out = bytearray(data)
    for i in range(start + 1, start + 49):
        out[i] ^= 0xA5
    path.write_bytes(bytes(out))


def break_an_index(path: Path) -> None:
    """Damage only SQLite's full integrity check finds (quick_check passes): an index that no longer
    matches its table."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA writable_schema=ON")
        conn.execute("UPDATE sqlite_master SET sql='CREATE INDEX cases_by_inspector ON cases (reference)' "
                     "WHERE name='cases_by_inspector'")
    finally:
        conn.close()


def sqlite_check(path: Path, pragma: str = "integrity_check") -> str:
    conn = sqlite3.connect(path)
    try:
        return "\n".join(r[0] for r in conn.execute(f"PRAGMA {pragma}"))
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        conn.close()


def nothing_new_beside(path: Path, before: list[Path]) -> bool:
    """No file appeared next to `path` but SQLite's own -shm and an empty -wal (the read-only check of a
    WAL file makes them; no content is written)."""
    new = set(path.parent.iterdir()) - set(before)
    wal = Path(str(path) + "-wal")
    return new <= {wal, Path(str(path) + "-shm")} and (not wal.exists() or wal.stat().st_size == 0)


def backup_root() -> Path:
    return settings.data_dir() / "backups"


def good_backup_of(path: Path) -> Path:
    conn = sqlite3.connect(path)
    try:
        return backups.make_backup(conn, path, backup_root())
    finally:
        conn.close()


def answers_in(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM answers").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def closed_path(area_file) -> Path:
    path = area_file.path
    area_file.close()
    return path


@pytest.fixture(autouse=True)
def no_boxes_left():
    yield
    close_boxes()


# ---- 1. damaged, foreign, unreadable: a plain message, the latest good backup offered, nothing written ----
def test_damaged_file__plain_message_offers_latest_good_backup__restore_asks_first_then_opens(qtbot, closed_path):
    path = closed_path
    good = good_backup_of(path)
    scramble_a_middle_btree_page(path)
    assert sqlite_check(path, "quick_check") != "ok"
    newer_bad = good_backup_of(path)  # made after the damage: the newest, but no use
    digest, beside = sha256(path), sorted(path.parent.iterdir())
    w = new_window(qtbot)

    assert not w.open_inspection(path)
    box = message_box(qtbot, "is damaged")
    said = whole_text(box)
    assert not PYTHON_LEAK.search(said), said
    assert f"{path.name} is damaged" in box.text()
    assert "nothing was changed" in said.lower()
    assert "backup is number 2" in said and newer_bad.stem not in said  # the good one, not the newer damaged one
    assert w.inspection is None and w.start_page.isVisible()
    assert sha256(path) == digest and nothing_new_beside(path, beside)

    click(qtbot, box, "Restore backup 2")  # asks first
    confirm = message_box(qtbot, "in place of")
    assert sha256(path) == digest
    click(qtbot, confirm, "Cancel")
    assert sha256(path) == digest and w.inspection is None

    w.show_damaged(path, "test")  # offered again; this time restored
    click(qtbot, message_box(qtbot, "is damaged"), "Restore backup 2")
    click(qtbot, message_box(qtbot, "in place of"), "Restore backup 2")
    assert sqlite_check(path) == "ok" and sha256(path) != digest
    assert w.inspection is not None and w.inspection.path == path and w.ui.splitter.isVisible()
    assert w.read_only_reason is None
    title, text = w.last_message
    assert title == "Backup restored" and "backup 2" in text and not PYTHON_LEAK.search(text)
    kept = Path(text.split("kept as\n")[1].strip())  # the file as it was, kept aside
    assert kept.is_file() and kept.parent == backups.folder_for(backup_root(), path)
    assert good.is_file()


@pytest.mark.parametrize("kind", ["sqlite-of-another-program", "text", "empty"])
def test_file_that_is_not_an_inspection__plain_message__untouched(qtbot, tmp_path, kind):
    path = tmp_path / "other.fileexam"
    if kind == "sqlite-of-another-program":
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE meta (key TEXT, value TEXT)")
        conn.commit()
        conn.close()
    else:
        path.write_bytes(b"name,email\nAnn,ann@example.org\n" if kind == "text" else b"")
    digest = sha256(path)
    w = new_window(qtbot)
    assert not w.open_inspection(path)
    box = message_box(qtbot, "inspection file")
    assert box.windowTitle() == "Not an inspection file"
    assert re.search(r"not an? (fileexam )?inspection file", box.text())
    assert not PYTHON_LEAK.search(whole_text(box))
    assert "Nothing was changed" in box.text()
    assert w.inspection is None and w.start_page.isVisible()
    assert sha256(path) == digest and list(tmp_path.iterdir()) == [path]


def test_stored_template_unreadable__plain_message_names_it__file_untouched_and_closed(qtbot, closed_path):
    path = closed_path
    good_backup_of(path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE definitions SET text = 'id: [broken' WHERE kind='inspection-template'")
    conn.close()
    digest = sha256(path)
    w = new_window(qtbot)
    assert not w.open_inspection(path)
    box = message_box(qtbot, "is damaged")
    assert "stored template" in whole_text(box) and not PYTHON_LEAK.search(whole_text(box))
    assert button(box, "Restore backup 1")
    assert str(path.resolve()) not in _OPEN  # not left open behind the message
    assert w.inspection is None and sha256(path) == digest


def test_unexpected_error_while_opening__app_carries_on__plain_words_and_a_log(qtbot, closed_path, monkeypatch):
    from fileexam.store.inspection_file import InspectionFile

    def odd(*a, **k):
        raise KeyError("template_fingerprint")
    monkeypatch.setattr(InspectionFile, "open", odd)
    w = new_window(qtbot)
    assert not w.open_inspection(closed_path)
    said = whole_text(message_box(qtbot, "could not be opened"))
    assert not PYTHON_LEAK.search(said) and "template_fingerprint" not in said
    log = settings.data_dir() / "logs" / "fileexam-errors.log"
    assert str(log) in said and "KeyError: 'template_fingerprint'" in log.read_text()
    assert w.start_page.isVisible()


@pytest.mark.parametrize("how", ["last-file-used", "fileexam-FILE"])
@pytest.mark.parametrize("state", ["damaged", "missing"])
def test_app_starts_on_the_start_page__when_the_file_is_damaged_or_missing(qtbot, closed_path, how, state):
    from fileexam.qt.app import build_window, qsettings

    path = closed_path
    good_backup_of(path)
    if state == "damaged":
        scramble_a_middle_btree_page(path)
        digest = sha256(path)
    else:
        path = path.with_name("gone.fileexam")
    settings.set_user(USER)
    if how == "last-file-used":
        q = qsettings()
        q.setValue("last_file", str(path))
        q.sync()
    w = build_window(str(path) if how == "fileexam-FILE" else None)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    assert w.inspection is None and w.start_page.isVisible() and not w.ui.splitter.isVisible()
    if state == "damaged":
        box = message_box(qtbot, "is damaged")  # shown over the window, once it is there
        assert box.parent() is w and button(box, "Restore backup 1")
        assert not PYTHON_LEAK.search(whole_text(box))
        assert sha256(path) == digest
    elif how == "fileexam-FILE":
        assert "no such inspection file" in message_box(qtbot, "gone.fileexam").text()


# ---- 2. the full check after opening, in the background -----------------------------------------
class HeldRunner:
    """Keeps the jobs it is given, to run when the test says."""

    def __init__(self):
        self.jobs = []

    def run(self, fn, on_done, on_failed, on_progress=None):
        self.jobs.append((fn, on_done, on_failed))

    def finish(self):
        from fileexam.qt.tasks import InlineRunner
        jobs, self.jobs = self.jobs, []
        for fn, done, failed in jobs:
            InlineRunner().run(fn, done, failed)


def test_full_check__runs_through_the_task_runner_without_a_progress_dialog(qtbot, closed_path):
    ten = [good_backup_of(closed_path) for _ in range(10)]
    runner = HeldRunner()
    w = new_window(qtbot, runner)
    assert w.open_inspection(closed_path)
    assert len(runner.jobs) == 1  # the full check, waiting on the runner: the window is already usable
    assert not [d for d in w.findChildren(QProgressDialog) if d.isVisible()]
    assert not open_boxes() and w.ui.splitter.isVisible()
    # the backup on opening is made by that job too, off the start path (issue 15): not yet
    assert backups.list_backups(closed_path, backup_root()) == ten[::-1]
    w.answer("DI01", "fully", False)  # work goes on meanwhile: the backup is a consistent copy of what it finds
    runner.finish()
    made = backups.list_backups(closed_path, backup_root())
    assert made[1:] == ten[::-1][:9] and made[0] not in ten  # sound: beside the last ten, then the oldest goes
    with closing(sqlite3.connect(made[0])) as b:
        assert b.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert b.execute("SELECT value FROM answers WHERE question_id = 'DI01' AND marker = ?",
                         [w.user]).fetchall() == [("fully",)]
    assert w.read_only_reason is None and not open_boxes()


def test_backup_on_opening__of_a_file_the_full_check_finds_damaged__deleted_no_good_one_pushed_out(
        qtbot, closed_path):
    ten = [good_backup_of(closed_path) for _ in range(10)]
    break_an_index(closed_path)
    runner = HeldRunner()
    w = new_window(qtbot, runner)
    assert w.open_inspection(closed_path)
    runner.finish()  # the backup on opening, made by the job, then the full check: damage, so it goes
    assert backups.list_backups(closed_path, backup_root()) == ten[::-1]
    assert w.read_only_reason is not None and message_box(qtbot, "is damaged")


def test_full_check__on_a_worker_thread_beside_the_apps_connection(qtbot, closed_path, monkeypatch):
    from fileexam.qt.tasks import TaskRunner

    held_open = []  # the file's header read with Python's open() while the app holds it: drops SQLite's locks
    real = file_check.read_header
    monkeypatch.setattr(file_check, "read_header",
                        lambda p: (held_open.append(str(Path(p).resolve()) in _OPEN), real(p))[1])
    w = new_window(qtbot, TaskRunner())
    assert w.open_inspection(closed_path)
    qtbot.waitUntil(lambda: len(backups.list_backups(closed_path, backup_root())) == 1, timeout=10000)
    assert held_open and not any(held_open)
    assert w.read_only_reason is None


def test_damage_only_the_full_check_finds__warned_window_read_only_no_backup__restore_offered(qtbot, closed_path):
    path = closed_path
    good = good_backup_of(path)
    break_an_index(path)
    assert sqlite_check(path, "quick_check") == "ok" and sqlite_check(path) != "ok"
    w = new_window(qtbot)
    assert w.open_inspection(path)  # the quick check passes: it opens, then the full check finds the damage
    box = message_box(qtbot, "is damaged")
    said = whole_text(box)
    assert "cases_by_inspector" in said and "read-only" in said and not PYTHON_LEAK.search(said)
    assert button(box, "Restore backup 1")
    assert backups.list_backups(path, backup_root()) == [good]  # no backup made of the damaged file
    w.backup_now()  # nor later, by the 30-minute timer
    assert backups.list_backups(path, backup_root()) == [good]
    assert "read-only" in w.windowTitle() and w.read_only_label.isVisible()
    assert not w.ui.actionMarkComplete.isEnabled() and not w.ui.actionImportSample.isEnabled()
    assert not w.ui.actionMerge.isEnabled() and not w.ui.actionModeration.isEnabled()
    assert w.ui.actionExport.isEnabled() and w.ui.actionReport.isEnabled()  # reading goes on
    close_boxes()

    w.form.focus_question("DI01")  # answering is refused, plainly
    qtbot.keyClick(w.form.widgets["DI01"], "F")
    assert w.last_message[0] == "Not saved" and "is damaged" in w.last_message[1]
    assert not w.form.widgets["DI01"].buttons["fully"].isChecked()
    close_boxes()
    w.mark_complete()
    w.save_field("notes" if "notes" in w.inspection.template.fields_by_id else
                 next(f.id for f in w.inspection.template.case_fields if f.editable), "x")
    with pytest.raises(Exception, match="read-only"):
        w.inspection.set_answer(w.session.reference, "DI01", USER, "fully")  # the file refuses, too
    close_boxes()
    assert answers_in(path) == 0

    click(qtbot, w.show_damaged(path, "again", open_now=True, found=w.damage[2]), "Restore backup 1")
    click(qtbot, message_box(qtbot, "in place of"), "Restore backup 1")
    assert w.inspection is not None and w.read_only_reason is None and "read-only" not in w.windowTitle()
    assert sqlite_check(path) == "ok"
    close_boxes()
    w.form.focus_question("DI01")
    qtbot.keyClick(w.form.widgets["DI01"], "F")
    assert w.inspection.answers(w.session.reference, USER)["DI01"].value == "fully"


# ---- 3. read-only files ----------------------------------------------------------------------
@pytest.fixture
def not_writable(monkeypatch):
    """The file or its folder cannot be written (the tests run as root, which ignores permission bits:
    the check is made to say so). The app then gets a truly read-only SQLite connection."""
    monkeypatch.setattr(file_check, "is_writable", lambda path: False)


def test_read_only_file__title_and_status_bar_say_so__edits_refused_plainly(qtbot, closed_path, not_writable):
    w = new_window(qtbot)
    assert w.open_inspection(closed_path)
    assert w.inspection.read_only
    assert "read-only" in w.windowTitle()
    assert w.read_only_label.isVisible() and "Read-only" in w.read_only_label.text()
    assert not open_boxes()  # opening it is not an error
    ref = w.session.reference
    w.form.focus_question("DI01")
    qtbot.keyClick(w.form.widgets["DI01"], "F")
    title, text = w.last_message
    assert title == "Not saved" and "read-only" in text and "Save a copy" in text
    assert not PYTHON_LEAK.search(text)
    assert not w.form.widgets["DI01"].buttons["fully"].isChecked()
    close_boxes()
    for action in (w.ui.actionMarkComplete, w.ui.actionUndo, w.ui.actionImportSample, w.ui.actionMerge):
        assert not action.isEnabled()
    w.last_message = None
    w.mark_complete()  # reached another way (a test, a stale shortcut): refused in words, not an error
    assert w.last_message[0] == "Not saved"
    close_boxes()
    w.import_sample(str(closed_path))
    assert w.last_message[0] == "Not saved"
    close_boxes()
    assert w.ui.actionExport.isEnabled() and w.ui.actionReport.isEnabled()  # reading goes on
    assert answers_in(closed_path) == 0 and w.inspection.answers(ref, USER) == {}


# ---- 4. never a Python class name -------------------------------------------------------------
LOG = "logs/fileexam-errors.log"


def test_unexpected_error__excepthook_shows_plain_words_and_where_the_log_is(qtbot, monkeypatch):
    from fileexam.qt import app as app_module

    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[2]))
    try:
        {}["answers_by_marker"]
    except KeyError as exc:
        app_module._excepthook(type(exc), exc, exc.__traceback__)
    assert shown and not PYTHON_LEAK.search(shown[0]) and "answers_by_marker" not in shown[0]
    assert "saved answers are safe" in shown[0] and str(settings.data_dir() / LOG) in shown[0]
    assert "KeyError: 'answers_by_marker'" in (settings.data_dir() / LOG).read_text()


def test_background_job_fails_unexpectedly__plain_words_and_the_log(qtbot, window, tmp_path, monkeypatch):
    import fileexam.services.export as export

    def odd(*a, **k):
        raise AttributeError("'NoneType' object has no attribute 'rows'")
    monkeypatch.setattr(export, "export_workbook", odd)
    window.export_my_work(str(tmp_path / "work.xlsx"))
    title, text = window.last_message
    assert title == "Export failed" and not PYTHON_LEAK.search(text) and "NoneType" not in text
    assert "saved work is safe" in text and str(settings.data_dir() / LOG) in text
    assert "AttributeError" in (settings.data_dir() / LOG).read_text()


def test_background_job_fails_on_the_disk__said_in_plain_words(qtbot, window, tmp_path, monkeypatch):
    import fileexam.services.export as export

    def full(*a, **k):
        raise OSError(28, "No space left on device", str(tmp_path / "work.xlsx"))
    monkeypatch.setattr(export, "export_workbook", full)
    window.export_my_work(str(tmp_path / "work.xlsx"))
    title, text = window.last_message
    assert title == "Export failed" and "disk is full" in text
    assert not PYTHON_LEAK.search(text) and "Errno" not in text


def test_merge_dialog__failure_in_plain_words_with_the_log(qtbot, area_file, monkeypatch):
    import fileexam.services.merge as merge
    from fileexam.qt.merge_dialog import MergeDialog
    from fileexam.qt.tasks import InlineRunner
    from conftest import ROOT
    examples = sorted((ROOT / "exports/examples").glob("work-*.xlsx"))

    def odd(*a, **k):
        raise KeyError("data_sha256")
    monkeypatch.setattr(merge, "merge_workbooks", odd)
    dialog = MergeDialog(area_file.path, "TL", InlineRunner())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.add_paths([str(p) for p in examples])
    qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)
    text = dialog.coverage.text()
    assert "merge stopped" in text and not PYTHON_LEAK.search(text) and "data_sha256" not in text
    assert str(settings.data_dir() / LOG) in text and "KeyError" in (settings.data_dir() / LOG).read_text()
    assert dialog.merge_button.isEnabled()

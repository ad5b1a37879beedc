"""The app's encrypted workbooks: Export my work with a password (asked twice, masked), and the Merge
dialog asking the password of an encrypted workbook (masked, a wrong one said, another try)."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit

from conftest import ROOT
from fileexam.formats.exchange_workbook import read_exchange
from fileexam.formats.xlsx_writing import encrypt_workbook
from fileexam.qt.merge_dialog import MergeDialog
from fileexam.qt.password_dialog import NewPasswordDialog, WorkbookPasswordDialog
from fileexam.qt.tasks import InlineRunner

PASSWORD = "correct horse battery"
EXAMPLES = sorted((ROOT / "exports/examples").glob("work-*.xlsx"))


def on_next_modal(act, limit: int = 500):
    """Run act(dialog) on the next modal dialog, from inside its exec(); the dialog is closed afterwards
    whatever happens (a failed check must not leave the test waiting on it). Returns what was seen."""
    seen = []

    def poll(left=limit):
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            if left:
                QTimer.singleShot(10, lambda: poll(left - 1))
            return
        seen.append(dialog)
        try:
            act(dialog)
        except BaseException as exc:  # noqa: BLE001 - reported by the test, after the dialog is closed
            seen.append(exc)
        finally:
            if dialog.isVisible():
                dialog.reject()

    QTimer.singleShot(0, poll)
    return seen


def masked_fields(dialog) -> list[QLineEdit]:
    fields = dialog.findChildren(QLineEdit)
    assert fields and all(f.echoMode() == QLineEdit.EchoMode.Password for f in fields)
    return fields


def type_into(qtbot, field: QLineEdit, text: str) -> None:
    field.clear()
    qtbot.keyClicks(field, text)


def encrypted_copies(tmp_path, password=PASSWORD):
    out = []
    for p in EXAMPLES:
        target = tmp_path / ("sealed-" + p.name)
        target.write_bytes(encrypt_workbook(p.read_bytes(), password))
        out.append(target)
    return out


def check(seen):
    errors = [x for x in seen if isinstance(x, BaseException)]
    if errors:
        raise errors[0]
    assert seen, "no dialog was shown"


# ---- Export my work ----------------------------------------------------------------------------------
def save_as(monkeypatch, out, encrypted: bool):
    def fake(parent, caption, folder, filters, selected=""):
        plain, sealed = filters.split(";;")
        assert "Encrypt with a password" in sealed
        return str(out), (sealed if encrypted else plain)

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake)


def test_export_my_work__encrypt_with_a_password__asked_twice_masked(qtbot, window, tmp_path, monkeypatch):
    out = tmp_path / "mine.xlsx"
    save_as(monkeypatch, out, encrypted=True)

    def answer(dialog):
        assert isinstance(dialog, NewPasswordDialog)
        first, second = masked_fields(dialog)
        type_into(qtbot, first, "too short")
        type_into(qtbot, second, "too short")
        dialog.ok_button.click()
        assert dialog.isVisible() and "shorter than 10" in dialog.message.text()
        type_into(qtbot, first, PASSWORD)
        type_into(qtbot, second, PASSWORD + "!")
        dialog.ok_button.click()
        assert dialog.isVisible() and "differ" in dialog.message.text()
        type_into(qtbot, second, PASSWORD)
        dialog.ok_button.click()
        assert not dialog.isVisible()

    seen = on_next_modal(answer)
    window.ui.actionExport.trigger()
    check(seen)
    assert out.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    assert "give its password" in read_exchange(out).problems[0].format()
    data = read_exchange(out, password=PASSWORD)
    assert data.problems == [] and data.encrypted
    assert "encrypted" in window.last_message[1] and PASSWORD not in window.last_message[1]
    assert window.settings.value("export/encrypt", type=bool) is True  # the choice is kept ...
    keys = window.settings.allKeys()
    assert not any(PASSWORD in str(window.settings.value(k)) for k in keys)  # ... the password never


def test_export_my_work__password_dialog_cancelled__nothing_written(qtbot, window, tmp_path, monkeypatch):
    out = tmp_path / "mine.xlsx"
    save_as(monkeypatch, out, encrypted=True)
    seen = on_next_modal(lambda dialog: dialog.reject())
    window.ui.actionExport.trigger()
    check(seen)
    assert not out.exists()


def test_export_my_work__plain_choice__plain_workbook_no_question(qtbot, window, tmp_path, monkeypatch):
    out = tmp_path / "mine.xlsx"
    save_as(monkeypatch, out, encrypted=False)
    window.ui.actionExport.trigger()
    assert read_exchange(out).problems == [] and not read_exchange(out).encrypted


# ---- Merge ----------------------------------------------------------------------------------------------
def drop(dialog, paths):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    dialog.files.dropEvent(QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                      Qt.KeyboardModifier.NoModifier))


def test_merge_dialog__encrypted_workbooks__password_asked_once_wrong_one_said_retry(qtbot, area_file, tmp_path):
    sealed = encrypted_copies(tmp_path)
    dialog = MergeDialog(area_file.path, "TL", InlineRunner())
    qtbot.addWidget(dialog)
    dialog.show()

    def answer(box):
        assert isinstance(box, WorkbookPasswordDialog)
        [field] = masked_fields(box)
        type_into(qtbot, field, "not the password")
        box.ok_button.click()
        assert box.isVisible()
        assert "Wrong password" in box.message.text() and sealed[0].name in box.message.text()
        assert field.text() == ""  # cleared for the next try
        type_into(qtbot, field, PASSWORD)
        box.ok_button.click()
        assert not box.isVisible()

    seen = on_next_modal(answer)
    drop(dialog, sealed)  # three encrypted workbooks, one password: asked once
    qtbot.waitUntil(lambda: dialog.files.count() == 3)
    check(seen)
    assert len([x for x in seen if not isinstance(x, BaseException)]) == 1
    assert all("(encrypted)" in dialog.files.item(i).text() for i in range(3))
    with qtbot.waitSignal(dialog.merged):
        qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)
    outcomes = [dialog.results.item(i, 2).text() for i in range(dialog.results.rowCount())]
    assert outcomes == ["merged"] * 3
    assert all(dialog.results.item(i, 8).text().startswith("encrypted") for i in range(3))
    assert "36 of 56 sampled cases back complete" in dialog.coverage.text()
    log = area_file.merges()
    assert all("encrypted" in m["detail"] for m in log) and not any(PASSWORD in (m["detail"] or "") for m in log)
    dialog.close()
    assert dialog._passwords == {}  # nothing held once closed


def test_merge_dialog__password_not_given__workbook_left_out_and_said(qtbot, area_file, tmp_path):
    sealed = encrypted_copies(tmp_path)[:1]
    dialog = MergeDialog(area_file.path, "TL", InlineRunner())
    qtbot.addWidget(dialog)
    dialog.show()
    seen = on_next_modal(lambda box: box.reject())
    drop(dialog, sealed + [EXAMPLES[1]])
    qtbot.waitUntil(lambda: dialog.notice.isVisible())
    check(seen)
    assert dialog.files.count() == 1  # the plain workbook only
    assert sealed[0].name in dialog.notice.text() and "no password given" in dialog.notice.text()

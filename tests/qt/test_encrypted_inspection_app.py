"""The app and encrypted inspection files: a masked passphrase dialog on opening (a wrong passphrase said
plainly, asked again, nothing written), the key handed to the worker threads, the backups and the
background check; a new encrypted inspection from File → New; the passphrase kept nowhere."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QLineEdit

from conftest import AREA_TEMPLATE, ROOT
from fileexam import settings
from fileexam.qt.passphrase_dialog import NewPassphraseDialog, PassphraseDialog
from fileexam.store import inspection_file
from fileexam.store.backups import list_backups
from fileexam.store.file_check import check_inspection_file
from fileexam.store.inspection_file import InspectionFile
from fileexam.store.sqlite import derive, new_key

PASSPHRASE = "corr'ect hörse battery"
USER = "A. Khan"


class NoHeldKeys(dict):
    """_HELD_KEYS that keeps nothing: a worker's connection opens only if the window hands it the key."""

    def __setitem__(self, key, value):
        pass


@pytest.fixture
def encrypted_path(tmp_path, monkeypatch):
    from fileexam.services.sample import import_sample
    monkeypatch.setattr(inspection_file, "_HELD_KEYS", NoHeldKeys())
    path = tmp_path / "sealed.fileexam"
    with InspectionFile.create(path, AREA_TEMPLATE, "Sealed inspection", "TL", key=new_key(PASSPHRASE)) as f:
        assert import_sample(f, ROOT / "exports/examples/area-sample.xlsx", "TL").imported
    return path


def on_next_modal(act, limit: int = 500):
    """Run act(dialog) on the next modal dialog, from inside its exec(); closed afterwards whatever happens."""
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
        except BaseException as exc:  # noqa: BLE001 - reported by the test once the dialog is closed
            seen.append(exc)
        finally:
            if dialog.isVisible():
                dialog.reject()

    QTimer.singleShot(0, poll)
    return seen


def check(seen):
    errors = [x for x in seen if isinstance(x, BaseException)]
    if errors:
        raise errors[0]
    assert seen, "no dialog was shown"


def type_into(qtbot, field: QLineEdit, text: str) -> None:
    """Typed key by key where the offscreen platform can (ASCII); a non-ASCII letter is inserted as typed."""
    field.clear()
    for ch in text:
        if ch.isascii():
            qtbot.keyClicks(field, ch)
        else:
            field.insert(ch)


def digest(path: Path) -> dict:
    return {s: hashlib.sha256(Path(str(path) + s).read_bytes()).hexdigest()
            for s in ("", "-wal") if Path(str(path) + s).exists()}


@pytest.fixture
def new_window(qtbot):
    from fileexam.qt.app import qsettings
    from fileexam.qt.main_window import MainWindow
    from fileexam.qt.tasks import InlineRunner

    def make():
        w = MainWindow(qsettings(), USER, InlineRunner())
        qtbot.addWidget(w)
        w.resize(1400, 900)
        w.show()
        qtbot.waitExposed(w)
        return w
    return make


def test_open__passphrase_dialog_masked__wrong_said_and_asked_again__file_unchanged__then_opens(
        qtbot, new_window, encrypted_path, own_home, tmp_path):
    w = new_window()
    before = digest(encrypted_path)

    def answer(dialog):
        assert isinstance(dialog, PassphraseDialog)
        assert dialog.field.echoMode() == QLineEdit.EchoMode.Password
        assert "sealed.fileexam" in dialog.findChildren(type(dialog.message))[0].text()
        type_into(qtbot, dialog.field, "not the passphrase")
        dialog.ok_button.click()
        assert dialog.isVisible() and "Wrong passphrase" in dialog.message.text()
        assert "Nothing was changed" in dialog.message.text() and dialog.field.text() == ""
        assert digest(encrypted_path) == before  # tried on a read-only connection only
        type_into(qtbot, dialog.field, PASSPHRASE)
        dialog.ok_button.click()
        assert not dialog.isVisible()

    seen = on_next_modal(answer)
    assert w.open_inspection(encrypted_path)
    check(seen)
    assert w.inspection is not None and w.inspection.encrypted and w.inspection_name == "Sealed inspection"
    # the backup made on opening: encrypted with the same key and salt, checked with it
    made = list_backups(encrypted_path, settings.data_dir() / "backups")
    assert len(made) == 1 and made[0].read_bytes()[:16] == encrypted_path.read_bytes()[:16]
    assert check_inspection_file(made[0], "full", w.inspection.cipher_key).encrypted
    # the full check in the background ran with the key
    assert "no damage found" in w.ui.statusbar.currentMessage() or w.damage is None
    assert w.read_only_reason is None
    # the worker threads' own connections get the key (the held-key fallback is off in this test)
    out = tmp_path / "mine.xlsx"
    w.export_my_work(str(out))
    assert out.exists(), getattr(w, "last_message", None)
    w.import_sample(str(ROOT / "exports/examples/area-sample.xlsx"))
    assert w.last_message[0] == "Sample imported" and "were already here" in w.last_message[1]
    # the passphrase is kept nowhere: not in the settings, the recent list, a log, a backup
    w.save_window()
    w.close()
    needles = [PASSPHRASE.encode(e) for e in ("utf-8", "utf-16-le")]
    for p in [*own_home.rglob("*"), *tmp_path.rglob("*")]:
        if p.is_file():
            assert not any(n in p.read_bytes() for n in needles), p


def test_open__cancelled__nothing_opened_nothing_written(qtbot, new_window, encrypted_path):
    w = new_window()
    before = digest(encrypted_path)
    seen = on_next_modal(lambda dialog: dialog.reject())
    assert not w.open_inspection(encrypted_path)
    check(seen)
    assert w.inspection is None and digest(encrypted_path) == before
    assert not list_backups(encrypted_path, settings.data_dir() / "backups")


def test_new__encrypt_with_a_passphrase__asked_twice_masked__opened_without_asking_again(
        qtbot, new_window, tmp_path, monkeypatch):
    w = new_window()
    target = tmp_path / "new-sealed.fileexam"
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(AREA_TEMPLATE), ""))

    def save(parent, caption, folder, filters, selected=""):
        plain, sealed = filters.split(";;")
        assert "Encrypt with a passphrase" in sealed
        return str(target), sealed
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("New sealed", True))

    def answer(dialog):
        assert isinstance(dialog, NewPassphraseDialog)
        first, second = dialog.first, dialog.second
        assert first.echoMode() == second.echoMode() == QLineEdit.EchoMode.Password
        type_into(qtbot, first, "too short")
        type_into(qtbot, second, "too short")
        dialog.ok_button.click()
        assert dialog.isVisible() and "shorter than 10" in dialog.message.text()
        type_into(qtbot, first, PASSPHRASE)
        type_into(qtbot, second, PASSPHRASE + "!")
        dialog.ok_button.click()
        assert dialog.isVisible() and "differ" in dialog.message.text()
        type_into(qtbot, second, PASSPHRASE)
        dialog.ok_button.click()
        assert not dialog.isVisible()

    seen = on_next_modal(answer)
    w.choose_and_create()
    check(seen)
    assert QApplication.activeModalWidget() is None  # no passphrase dialog: the new file's key was handed on
    assert w.inspection is not None and w.inspection.encrypted and w.inspection.name == "New sealed"
    data = target.read_bytes()
    assert b"SQLite format 3" not in data and b"New sealed" not in data
    key = derive(PASSPHRASE, data[:16])
    assert check_inspection_file(list_backups(target, settings.data_dir() / "backups")[0], "full", key).encrypted


def test_damaged_encrypted_file__the_backup_checked_with_the_key__restored__reopened_without_asking_again(
        qtbot, new_window, encrypted_path):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    from fileexam.store.backups import make_backup
    key = derive(PASSPHRASE, encrypted_path.read_bytes()[:16])
    with InspectionFile.open(encrypted_path, key=key) as f:
        ref = f.cases()[0].reference
        f.set_answer(ref, "DI01", "AK", "fully")
        make_backup(f.conn, f.path, settings.data_dir() / "backups", key=key)
        f.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(encrypted_path.read_bytes())
    data[len(data) // 2] ^= 0x10  # one bit in a middle page: its HMAC fails when the check reads it
    encrypted_path.write_bytes(bytes(data))
    w = new_window()
    seen = on_next_modal(lambda d: (type_into(qtbot, d.field, PASSPHRASE), d.ok_button.click()))
    assert not w.open_inspection(encrypted_path)
    check(seen)

    def box_with(text):
        found = [b for b in QApplication.topLevelWidgets() if isinstance(b, QMessageBox) and b.isVisible()
                 and text in b.text() + b.informativeText()]
        return found[-1] if found else None
    qtbot.waitUntil(lambda: box_with("is damaged") is not None, timeout=3000)
    said = box_with("is damaged").informativeText()
    assert "backup is number 1" in said, said  # checked with the key typed in the dialog
    button = next(b for b in box_with("is damaged").buttons() if "Restore backup 1" in b.text())
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: box_with("in place of") is not None, timeout=3000)
    confirm = next(b for b in box_with("in place of").buttons() if b.text() == "Restore backup 1")
    qtbot.mouseClick(confirm, Qt.MouseButton.LeftButton)
    assert QApplication.activeModalWidget() is None or not isinstance(QApplication.activeModalWidget(),
                                                                         PassphraseDialog)
    assert w.inspection is not None and w.inspection.encrypted, getattr(w, "last_message", None)
    assert w.inspection.answers(ref, "AK")["DI01"].value == "fully"
    assert w.last_message[0] == "Backup restored"

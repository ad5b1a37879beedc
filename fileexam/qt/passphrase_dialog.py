"""Encrypted inspection files in the app: the passphrase asked when a file needs one, and a new one for a
new encrypted file.

Every field is masked. The passphrase lives in the dialog only until the key is derived from it
(store/sqlite.py); the key, never the passphrase, is what the window holds: on the open InspectionFile
(cipher_key), and the last one it unlocked (to check that file's backups, and to reopen it after a
restore without asking again), in memory only. Nothing is written to settings, the recent list, a log,
the crash log or the audit trail. A wrong passphrase is tried on a read-only connection only (so nothing
in the file changes), said plainly, and asked again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from fileexam.qt.password_dialog import TwiceMaskedDialog
from fileexam.store.file_check import NeedsPassphrase, WrongPassphrase
from fileexam.store.inspection_file import InspectionFile
from fileexam.store.sqlite import MIN_PASSPHRASE, CipherKey, derive, passphrase_problem

WARNING_STYLE = "QLabel { color: #8a1c1c; }"


def _masked(name: str) -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(name)
    return field


def _html(text: str) -> str:
    import html

    return html.escape(text)


class PassphraseDialog(QDialog):
    """The passphrase of one encrypted inspection file, masked. `check(passphrase)` says whether it opens the
    file; a wrong one is said plainly, the field cleared, and the dialog stays open for another try."""

    def __init__(self, path: Path, check: Callable[[str], bool], parent: QWidget | None = None):
        super().__init__(parent)
        self.path, self.check = Path(path), check
        self.setWindowTitle("Encrypted inspection")
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        intro = QLabel(f"<b>{_html(self.path.name)}</b> is encrypted, or it is not an inspection file at all. "
                       "If it is an encrypted inspection, type its passphrase:")
        intro.setTextFormat(Qt.TextFormat.RichText)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.field = _masked("Passphrase")
        layout.addWidget(self.field)
        self.message = QLabel("")
        self.message.setAccessibleName("Passphrase problem")
        self.message.setStyleSheet(WARNING_STYLE)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Open")
        buttons.accepted.connect(self._try_accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.tries = 0
        self.field.setFocus()

    def _try_accept(self) -> None:
        passphrase = self.field.text()
        if not passphrase:
            self._say("Type the passphrase, or Cancel to leave the file closed.")
            return
        self.tries += 1
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # the key derivation takes about 0.4 s
        try:
            opened = self.check(passphrase)
        finally:
            QGuiApplication.restoreOverrideCursor()
        if opened:
            self.field.clear()
            self.accept()
            return
        self._say(f"Wrong passphrase: it does not open {self.path.name}. Nothing was changed in the file. "
                  "Try again (passphrases are case-sensitive).")
        self.field.clear()
        self.field.setFocus()

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.adjustSize()  # the wrapped message needs its lines


class NewPassphraseDialog(TwiceMaskedDialog):
    """Encrypt a new inspection file: the passphrase typed twice, masked; OK only when the two match and are
    long enough. The key is derived here (sqlite.new_key), the passphrase dropped."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, "Encrypt with a passphrase",
                         f"The inspection file will be encrypted: fileexam asks for this passphrase each time it "
                         f"opens it, and its backups are encrypted too. Use at least {MIN_PASSPHRASE} characters "
                         "(three random words are easy to remember). fileexam does not keep it: if it is lost, so "
                         "is the inspection.", "passphrase", passphrase_problem)
        self.key: CipherKey | None = None

    def _try_accept(self) -> None:
        from fileexam.store.sqlite import new_key

        if not self._checked():
            return
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.key = new_key(self.first.text())
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.first.clear()
        self.second.clear()
        self.accept()

    @classmethod
    def ask(cls, parent: QWidget | None = None) -> CipherKey | None:
        """The new file's key, or None when cancelled."""
        dialog = cls(parent)
        try:
            return dialog.key if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.first.clear()
            dialog.second.clear()
            dialog.deleteLater()


def remembered_key(window, path: Path | str) -> CipherKey | None:
    """The key `window` last unlocked `path` with (or the open file's own), if any."""
    resolved = str(Path(path).resolve())
    inspection = getattr(window, "inspection", None)
    if inspection is not None and getattr(inspection, "cipher_key", None) is not None \
            and str(inspection.path.resolve()) == resolved:
        return inspection.cipher_key
    unlocked = getattr(window, "unlocked_key", None)
    return unlocked[1] if unlocked and unlocked[0] == resolved else None


def open_inspection_file(window: QWidget, path: Path | str, **kwargs) -> InspectionFile | None:
    """InspectionFile.open(path, **kwargs), asking for the passphrase when the file needs one (a masked
    dialog, asked again after a wrong one). None when the dialog was cancelled: then nothing was opened and
    nothing written. Any other refusal (damaged, not an inspection) is raised as InspectionFile.open raises it."""
    path = Path(path)
    key = remembered_key(window, path)
    try:
        return InspectionFile.open(path, key=key, **kwargs)
    except NeedsPassphrase as need:
        salt = need.salt
    except WrongPassphrase:  # the remembered key no longer opens it (its passphrase was changed): ask
        with path.open("rb") as fh:
            salt = fh.read(16)
    outcome: dict = {}

    def check(passphrase: str) -> bool:
        key = derive(passphrase, salt)
        try:
            outcome["file"] = InspectionFile.open(path, key=key, **kwargs)
        except WrongPassphrase:
            return False
        except BaseException as exc:  # noqa: BLE001 - raised again once the dialog has closed
            outcome["error"] = exc
        window.unlocked_key = (str(path.resolve()), key)  # memory only: its backups are checked with it
        return True

    dialog = PassphraseDialog(path, check, window)
    try:
        dialog.exec()
    finally:
        dialog.field.clear()
        dialog.deleteLater()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("file")


def unlock_key(window: QWidget, path: Path | str) -> tuple[bool, CipherKey | None]:
    """The key of another inspection file that is only to be read (a baseline): (True, None) when it needs
    none (or is no inspection file: whoever reads it says so plainly), (True, key) once its passphrase is
    given, (False, None) when the dialog was cancelled."""
    from fileexam.store.file_check import check_inspection_file

    path = Path(path)
    key = remembered_key(window, path)
    try:
        check_inspection_file(path, "none", key)
        return True, key
    except NeedsPassphrase as need:
        salt = need.salt
    except WrongPassphrase:
        with path.open("rb") as fh:
            salt = fh.read(16)
    except Exception:  # noqa: BLE001 - damaged, foreign, unreadable: the report's reading says which
        return True, None
    found: dict = {}

    def check(passphrase: str) -> bool:
        key = derive(passphrase, salt)
        try:
            check_inspection_file(path, "none", key)
        except WrongPassphrase:
            return False
        except Exception:  # noqa: BLE001 - the passphrase was right; the reading says what else is wrong
            pass
        found["key"] = key
        return True

    dialog = PassphraseDialog(path, check, window)
    try:
        dialog.exec()
    finally:
        dialog.field.clear()
        dialog.deleteLater()
    return ("key" in found), found.get("key")

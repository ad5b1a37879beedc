"""Password dialogs for encrypted workbooks: a new password asked twice, and the password of one workbook.

Every field is masked (QLineEdit's Password echo mode). A password lives in the dialog only until it is
read; it is never kept in settings, logged or shown.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from fileexam.passwords import MIN_LENGTH, new_password_problem

WARNING_STYLE = "QLabel { color: #8a1c1c; }"


def _masked(name: str) -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(name)
    return field


class TwiceMaskedDialog(QDialog):
    """A new secret typed twice, masked: the layout and the checks shared by a workbook's new password and
    an inspection file's new passphrase. `problem_of(text)` says why a secret cannot be used (None: it can);
    `_checked()` says it on the dialog and is True when the two fields match and may be used."""

    def __init__(self, parent: QWidget | None, title: str, intro: str, word: str,
                 problem_of: Callable[[str], str | None]):
        super().__init__(parent)
        self._word = word
        self._problem_of = problem_of
        self.setWindowTitle(title)
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        label = QLabel(intro)
        label.setWordWrap(True)
        layout.addWidget(label)
        form = QFormLayout()
        self.first = _masked(word.capitalize())
        self.second = _masked(f"{word.capitalize()} again")
        form.addRow(f"&{word.capitalize()}:", self.first)
        form.addRow("&Again:", self.second)
        layout.addLayout(form)
        self.message = QLabel("")
        self.message.setAccessibleName(f"{word.capitalize()} problem")
        self.message.setStyleSheet(WARNING_STYLE)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Encrypt")
        buttons.accepted.connect(self._try_accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.first.setFocus()

    def _checked(self) -> bool:
        first, second = self.first.text(), self.second.text()
        problem = self._problem_of(first)
        if problem:
            self._say(problem[0].upper() + problem[1:] + ".")
            self.first.setFocus()
            return False
        if first != second:
            self._say(f"The two {self._word}s differ: type the same {self._word} again.")
            self.second.clear()
            self.second.setFocus()
            return False
        return True

    def _try_accept(self) -> None:
        if self._checked():
            self.accept()

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.adjustSize()  # the wrapped message needs its lines


class NewPasswordDialog(TwiceMaskedDialog):
    """Encrypt with a password: typed twice, masked; OK only when the two match and are long enough."""

    def __init__(self, parent: QWidget | None = None, what: str = "the workbook"):
        super().__init__(parent, "Encrypt with a password",
                         f"{what[0].upper() + what[1:]} will be encrypted: Excel (or fileexam) asks for this "
                         f"password to open it. Use at least {MIN_LENGTH} characters (three random words are easy "
                         "to remember), and give it by another way than the workbook: a phone call, not the same "
                         "e-mail. fileexam does not keep it: if it is lost, export again.",
                         "password", new_password_problem)

    def password(self) -> str:
        return self.first.text()

    def clear(self) -> None:
        self.first.clear()
        self.second.clear()

    @classmethod
    def ask(cls, parent: QWidget | None = None, what: str = "the workbook") -> str | None:
        """The new password, or None when cancelled."""
        dialog = cls(parent, what)
        try:
            return dialog.password() if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.clear()
            dialog.deleteLater()


class WorkbookPasswordDialog(QDialog):
    """The password of one encrypted workbook, masked. `check(password)` says whether it opens it; a wrong
    one is said plainly, the field cleared, and the dialog stays open for another try."""

    def __init__(self, name: str, check: Callable[[str], bool], parent: QWidget | None = None):
        super().__init__(parent)
        self.name, self.check = name, check
        self.setWindowTitle("Encrypted workbook")
        self.setMinimumWidth(440)
        layout = QVBoxLayout(self)
        intro = QLabel(f"<b>{_html(name)}</b> is encrypted. Type its password (the one its inspector gave you):")
        intro.setTextFormat(Qt.TextFormat.RichText)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.field = _masked("Password")
        layout.addWidget(self.field)
        self.message = QLabel("")
        self.message.setAccessibleName("Password problem")
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
        password = self.field.text()
        if not password:
            self.message.setText("Type the password, or Cancel to leave this workbook out.")
            self.adjustSize()
            return
        self.tries += 1
        if self.check(password):
            self.accept()
            return
        self.message.setText(f"Wrong password: it does not open {self.name}. Check it with its inspector and "
                             "try again (passwords are case-sensitive).")
        self.adjustSize()  # the wrapped message needs its lines
        self.field.clear()
        self.field.setFocus()

    def password(self) -> str:
        return self.field.text()

    @classmethod
    def ask(cls, name: str, check: Callable[[str], bool], parent: QWidget | None = None) -> str | None:
        """The password that opened the workbook, or None when cancelled."""
        dialog = cls(name, check, parent)
        try:
            return dialog.password() if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.field.clear()
            dialog.deleteLater()


def _html(text: str) -> str:
    import html

    return html.escape(text)

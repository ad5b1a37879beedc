"""Small dialogs of the moderation window: a decision with its reason (sign off, sign off anyway,
reopen, remove a calibration case) and making a case a calibration case.

Each is opened with open() (window-modal, not blocking) and read when it is accepted, so the window
and its tests drive it like any other widget."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout,
                               QWidget)


class ReasonDialog(QDialog):
    """Says what will happen, asks why (required or not), and does it only when OK is pressed."""

    def __init__(self, parent: QWidget | None, title: str, text: str, ok_text: str, reason_label: str = "&Reason:",
                 required: bool = True, ask_reason: bool = True):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        self.text = QLabel(text)
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.text)
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason")
        self.reason.setPlaceholderText("Why: kept with the decision and in the audit log")
        if ask_reason:
            form = QFormLayout()
            form.addRow(reason_label, self.reason)
            layout.addLayout(form)
        else:
            self.reason.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.required = required and ask_reason
        self.reason.textChanged.connect(self._enable)
        self._enable()
        (self.reason if ask_reason else self.ok_button).setFocus()

    def _enable(self) -> None:
        self.ok_button.setEnabled(not self.required or bool(self.reason.text().strip()))

    def accept(self) -> None:
        if self.ok_button.isEnabled():
            super().accept()

    def reason_text(self) -> str:
        return self.reason.text().strip()


class CalibrationDialog(QDialog):
    """Make a case a calibration case: the case, and whose marking is the reference. The choices list
    the inspection's cases and markers; a name typed in is passed on as it is, and the inspection
    file refuses a reference marker who has not marked the case, in its own words."""

    def __init__(self, parent: QWidget | None, cases: list[tuple[str, str]], markers: list[str],
                 case: str | None = None):
        super().__init__(parent)
        self.setWindowTitle("Make a calibration case")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        intro = QLabel("A calibration case is marked by every inspector and compared with one reference marking. "
                       "It is never counted in the inspection's scores or in the agreement figures. The reference "
                       "marker must already have marked the case (merge their workbook first).")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.case = QComboBox()
        self.case.setEditable(True)
        self.case.setAccessibleName("Case")
        for ref, label in cases:
            self.case.addItem(label, ref)
        self.marker = QComboBox()
        self.marker.setEditable(True)
        self.marker.setAccessibleName("Reference marker")
        self.marker.addItems(markers)
        form.addRow("&Case:", self.case)
        form.addRow("&Reference marker:", self.marker)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Make calibration case")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.case.setCurrentIndex(self.case.findData(case) if case is not None else -1)
        self.marker.setCurrentIndex(-1)
        self.marker.setEditText("")
        self.marker.setFocus()

    def chosen_case(self) -> str:
        """The case reference: the one chosen from the list, or as typed."""
        text = self.case.currentText().strip()
        i = self.case.findText(text)
        return self.case.itemData(i) if i >= 0 else text.split(" ", 1)[0]

    def chosen_marker(self) -> str:
        return self.marker.currentText().strip()

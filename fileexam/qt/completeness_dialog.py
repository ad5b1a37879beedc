"""The completeness check: what is missing or no longer applies, each a link that jumps to the question."""

from __future__ import annotations

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QListWidgetItem, QVBoxLayout

from fileexam.domain.answers import Completeness
from fileexam.domain.template import InspectionTemplate
from fileexam.qt import screen_fit


class CompletenessDialog(QDialog):
    jumpTo = Signal(str)

    def __init__(self, template: InspectionTemplate, reference: str, result: Completeness, parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"Completeness check — {reference}")
        self.setAccessibleName("Completeness check")
        layout = QVBoxLayout(self)
        if result.missing:
            head = f"<b>Case {reference} is not complete:</b> {len(result.missing)} required question(s) " \
                   "that apply have no answer. Choose one to go to it."
        else:
            head = f"<b>Case {reference} is complete.</b>"
        self.heading = QLabel(head)
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        self.items = QListWidget()
        self.items.setAccessibleName("Questions to look at")
        self.items.setWordWrap(True)
        for qid in result.missing:
            self._add(template, qid, "Missing")
        for qid in result.no_longer_apply:
            self._add(template, qid, "Answered but no longer applies (kept)")
        self.items.setVisible(self.items.count() > 0)
        self.items.itemActivated.connect(self._chosen)
        self.items.itemClicked.connect(self._chosen)
        layout.addWidget(self.items)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        screen_fit.keep_on_screen(self, QSize(760, 420))
        if self.items.count():
            self.items.setCurrentRow(0)
            self.items.setFocus()

    def _add(self, template: InspectionTemplate, qid: str, why: str) -> None:
        q = template.question_by_id[qid]
        item = QListWidgetItem(f"{why}: {qid} — {q.text}")
        item.setData(256, qid)
        self.items.addItem(item)

    def _chosen(self, item: QListWidgetItem) -> None:
        self.jumpTo.emit(item.data(256))
        self.accept()

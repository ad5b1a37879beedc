"""A list of problems (sheet, row, column, message), e.g. from a sample import, that a person can read and copy."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QDialog, QDialogButtonBox, QHeaderView, QLabel,
                               QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout)

from fileexam.domain.problems import Problem
from fileexam.qt import screen_fit


class ProblemsDialog(QDialog):
    def __init__(self, title: str, heading: str, problems: list[Problem], parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.problems = problems
        layout = QVBoxLayout(self)
        label = QLabel(heading)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.table = QTableWidget(len(problems), 5)
        self.table.setAccessibleName("Problems")
        self.table.setHorizontalHeaderLabels(["", "Sheet", "Row", "Column", "Problem"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for i, p in enumerate(problems):
            values = ["Error" if p.is_error else "Warning", p.sheet or "", "" if p.line is None else str(p.line),
                      p.column or "", p.message]
            for j, v in enumerate(values):
                self.table.setItem(i, j, QTableWidgetItem(v))
        header = self.table.horizontalHeader()
        for j in range(4):
            header.setSectionResizeMode(j, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = QPushButton("&Copy all")
        copy.clicked.connect(self.copy_all)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        screen_fit.keep_on_screen(self, QSize(900, 420))

    def copy_all(self) -> None:
        QApplication.clipboard().setText("\n".join(p.format() for p in self.problems))

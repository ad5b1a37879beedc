"""The moderation window's Calibration tab: the calibration cases, each inspector's marking against the
reference marking, agreement among everyone who marked them; making a case a calibration case and
removing one (with a reason). The inspection file's refusals are shown in its own words."""

from __future__ import annotations


from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from fileexam.domain.cases import BadValue
from fileexam.formats.report_charts import percent
from fileexam.qt.moderation_dialogs import CalibrationDialog, ReasonDialog
from fileexam.qt.moderation_figures import calibration_table, escape
from fileexam.store.errors import StoreError
from fileexam.store.inspection_file import InspectionFile

MESSAGE_STYLE = "QLabel { background: #fff5f5; color: #742a2a; border: 1px solid #feb2b2; padding: 4px; }"
DONE_STYLE = "QLabel { background: #f0fff4; color: #22543d; border: 1px solid #9ae6b4; padding: 4px; }"


class CalibrationPane(QWidget):
    changed = Signal()  # a case became, or stopped being, a calibration case

    COLUMNS = ["Case", "Reference marker", "Marked by", "Against the reference marking"]

    def __init__(self, inspection: InspectionFile, user: str, parent=None):
        super().__init__(parent)
        self.inspection, self.user = inspection, user
        self.dialog: CalibrationDialog | ReasonDialog | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        intro = QLabel("A calibration case is marked by every inspector and compared with one reference marking; it "
                       "never counts in the scores or in the agreement figures of the other tabs.")
        intro.setWordWrap(True)
        intro.setStyleSheet("QLabel { color: #4a5568; }")
        layout.addWidget(intro)
        buttons = QHBoxLayout()
        self.make_button = QPushButton("&Make a calibration case…")
        self.make_button.clicked.connect(self.ask_make)
        self.remove_button = QPushButton("Remo&ve calibration case…")
        self.remove_button.clicked.connect(self.ask_remove)
        buttons.addWidget(self.make_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.message = QLabel("")
        self.message.setAccessibleName("Calibration message")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.RichText)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        layout.addWidget(self.message)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setAccessibleName("Calibration cases")
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(len(self.COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._enable)
        layout.addWidget(self.table, 1)
        self.agreement_label = QLabel("Agreement among everyone who marked the calibration cases (Fleiss' kappa over "
                                      "the questions every marker answered; alpha over all):")
        self.agreement_label.setWordWrap(True)
        layout.addWidget(self.agreement_label)
        self.agreement = QTableWidget(0, 0)
        self.agreement.setAccessibleName("Calibration agreement")
        self.agreement.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.agreement.verticalHeader().setVisible(False)
        layout.addWidget(self.agreement, 2)
        self.cases: list[str] = []

    def fill(self, report, results) -> None:
        """report: the AgreementReport (its calibration rows); results: calibration_results()."""
        calibration = self.inspection.calibration_cases()
        self.cases = sorted(calibration)
        by_case: dict[str, list] = {}
        for r in results:
            by_case.setdefault(r.case, []).append(r)
        self.table.clearSpans()  # the 'no calibration case yet' row's
        self.table.setRowCount(len(self.cases))
        for i, ref in enumerate(self.cases):
            markers = sorted(self.inspection.marking_rows(ref))
            against = "; ".join(
                f"{r.marker}: {percent(r.agreement)} of {r.compared} agree" if r.agreement is not None else
                f"{r.marker}: nothing to compare" for r in by_case.get(ref, [])) or "nobody else has marked it yet"
            for j, v in enumerate([ref, calibration[ref], ", ".join(markers) or "nobody yet", against]):
                item = QTableWidgetItem(v)
                item.setToolTip(v)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        if not self.cases:
            self.table.setRowCount(1)
            item = QTableWidgetItem("No calibration case yet: Make a calibration case… to add one.")
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.table.setItem(0, 0, item)
            self.table.setSpan(0, 0, 1, len(self.COLUMNS))
        calibration_table(self.agreement, report.calibration)
        self.agreement.setVisible(bool(report.calibration))
        self.agreement_label.setVisible(bool(report.calibration))
        self._enable()

    def _enable(self) -> None:
        self.remove_button.setEnabled(bool(self.cases) and self.table.currentRow() >= 0)

    def say(self, text: str, done: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(DONE_STYLE if done else MESSAGE_STYLE)
        self.message.show()

    def ask_make(self) -> None:
        cases = sorted(self.inspection.cases(), key=lambda c: c.reference)
        self.dialog = CalibrationDialog(self, [(c.reference, f"{c.reference} ({c.inspector or 'no inspector'})")
                                               for c in cases], self.inspection.markers())
        self.dialog.accepted.connect(self.make)
        self.dialog.open()

    def make(self) -> None:
        ref, marker = self.dialog.chosen_case(), self.dialog.chosen_marker()
        if not ref or not marker:
            self.say("<b>Not made a calibration case:</b> choose the case and the reference marker.")
            return
        try:
            self.inspection.set_calibration(ref, marker, self.user)
        except (BadValue, StoreError) as exc:
            self.say(f"<b>Not made a calibration case:</b> {escape(str(exc))}")
            return
        self.say(f"Case {escape(ref)} is a calibration case; the reference marking is {escape(marker)}'s. "
                 "It no longer counts in the scores or the agreement figures.", done=True)
        self.changed.emit()

    def ask_remove(self) -> None:
        row = self.table.currentRow()
        if not (0 <= row < len(self.cases)):
            return
        ref = self.cases[row]
        self.dialog = ReasonDialog(
            self, "Remove calibration case",
            f"Case <b>{escape(ref)}</b> will stop being a calibration case: it counts in the inspection's scores "
            "again, and in the agreement figures if it is double-marked. Say why: the reason is kept in the audit log.",
            "&Remove calibration case")
        self.dialog.setProperty("case", ref)
        self.dialog.accepted.connect(self.remove)
        self.dialog.open()

    def remove(self) -> None:
        ref = self.dialog.property("case")
        try:
            self.inspection.remove_calibration(ref, self.user, self.dialog.reason_text())
        except (BadValue, StoreError) as exc:
            self.say(f"<b>Not removed:</b> {escape(str(exc))}")
            return
        self.say(f"Case {escape(ref)} is no longer a calibration case: it counts in the scores again.", done=True)
        self.changed.emit()

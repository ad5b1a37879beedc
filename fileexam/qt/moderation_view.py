"""The moderator's window: the double-marked answers side by side, a disagreements-only filter, the
question's guidance, and the agreed answer recorded with a required reason."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDialog, QFormLayout, QHBoxLayout,
                               QHeaderView, QInputDialog, QLabel, QLineEdit, QPushButton, QSplitter, QTableWidget,
                               QTableWidgetItem, QTextBrowser, QVBoxLayout, QWidget)

from fileexam.domain.cases import BadValue
from fileexam.store.errors import StoreError
from fileexam.store.inspection_file import InspectionFile


class ModerationView(QDialog):
    settled = Signal()
    COLUMNS = ["Case", "Question", "First marker", "First answer", "Second marker", "Second answer", "Agreed", "Reason"]

    def __init__(self, inspection: InspectionFile, user: str, parent=None):
        from fileexam.services.moderation import agreement_report

        super().__init__(parent)
        self.inspection, self.user = inspection, user
        self.t = inspection.template
        self.report = agreement_report(inspection, with_intervals=False)
        self.setWindowTitle(f"Moderation — {inspection.name}")
        self.resize(1200, 720)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.only_disagreements = QCheckBox("&Disagreements only")
        self.only_disagreements.setChecked(True)
        self.only_disagreements.toggled.connect(self.fill)
        top.addWidget(self.only_disagreements)
        o = self.report.overall
        self.summary = QLabel("" if o is None else
                              f"{len({p.case for p in self.report.pairs})} double-marked case(s), {o.n} paired "
                              f"answers, agreement {o.agreement * 100:.1f}%, "
                              f"{len(self.report.disagreements)} disagreement(s)")
        top.addWidget(self.summary)
        top.addStretch(1)
        self.signoff_button = QPushButton()
        self.signoff_button.clicked.connect(self.toggle_signoff)
        top.addWidget(self.signoff_button)
        layout.addLayout(top)

        from PySide6.QtWidgets import QTabWidget
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Moderation")
        split = QSplitter(Qt.Orientation.Vertical)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setAccessibleName("Double-marked answers")
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(len(self.COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.currentCellChanged.connect(lambda row, *_: self.show_pair(row))
        split.addWidget(self.table)

        detail = QWidget()
        dl = QHBoxLayout(detail)
        self.guidance = QTextBrowser()
        self.guidance.setAccessibleName("The question and its guidance, and both markings")
        dl.addWidget(self.guidance, 2)
        form_box = QWidget()
        form = QFormLayout(form_box)
        self.agreed = QComboBox()
        self.agreed.setAccessibleName("Agreed answer")
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason for the agreed answer")
        self.reason.setPlaceholderText("Why: required, kept in the audit log")
        self.record = QPushButton("&Record agreed answer")
        self.record.clicked.connect(self.record_decision)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        form.addRow("&Agreed answer", self.agreed)
        form.addRow("Rea&son", self.reason)
        form.addRow(self.record)
        form.addRow(self.message)
        dl.addWidget(form_box, 1)
        split.addWidget(detail)
        split.setSizes([380, 300])
        self.tabs.addTab(split, "&Answers side by side")
        self.stats = self._statistics_table()
        self.tabs.addTab(self.stats, "&Statistics")
        layout.addWidget(self.tabs)
        self.rows: list = []
        self.fill()
        self._signoff_state()

    STAT_COLUMNS = ["Group", "Kind", "Pairs", "Cases", "Agreement", "Cohen's kappa", "Weighted kappa", "Gwet's AC1",
                     "Alpha (nominal)", "Alpha (ordinal)", "Note"]

    def _statistics_table(self) -> QTableWidget:
        """Every statistic per question, theme, section, pair of markers, week and overall."""
        r = self.report
        groups = ([("overall", [r.overall])] if r.overall else []) + [
            ("theme", r.by_set), ("section", r.by_section), ("markers", r.by_markers), ("week", r.by_week),
            ("question", r.by_question)]
        rows = [(kind, s) for kind, items in groups for s in items]
        table = QTableWidget(len(rows), len(self.STAT_COLUMNS))
        table.setAccessibleName("Agreement statistics")
        table.setHorizontalHeaderLabels(self.STAT_COLUMNS)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().setVisible(False)

        def num(v):
            return "—" if v is None else f"{v:.2f}"
        for i, (kind, s) in enumerate(rows):
            values = [s.group, kind, str(s.n), str(s.cases), num(s.agreement), num(s.kappa), num(s.weighted_kappa),
                      num(s.ac1), num(s.alpha_nominal), num(s.alpha_ordinal),
                      f"rests on {s.cases} case(s)" if s.few else ""]
            for j, v in enumerate(values):
                table.setItem(i, j, QTableWidgetItem(v))
        table.resizeColumnsToContents()
        return table

    def fill(self) -> None:
        pairs = self.report.disagreements if self.only_disagreements.isChecked() else self.report.pairs
        self.rows = list(pairs)
        decisions = self.inspection.decisions()
        self.table.setRowCount(len(self.rows))
        for i, p in enumerate(self.rows):
            q = self.t.question_by_id[p.question]
            d = decisions.get((p.case, p.question), {})
            label = lambda v: (q.answer.option(v).label if v and q.answer.option(v) else (v or ""))  # noqa: E731
            for j, v in enumerate([p.case, p.question, p.first, label(p.value1), p.second, label(p.value2),
                                   label(d.get("value")), d.get("reason") or ""]):
                self.table.setItem(i, j, QTableWidgetItem(v))
        self.table.resizeColumnsToContents()
        if self.rows:
            self.table.setCurrentCell(0, 0)
            self.show_pair(0)

    def show_pair(self, row: int) -> None:
        if not (0 <= row < len(self.rows)):
            return
        p = self.rows[row]
        q = self.t.question_by_id[p.question]
        label = lambda v: q.answer.option(v).label if q.answer.option(v) else v  # noqa: E731
        guidance = "".join(f"<p>{html.escape(x)}</p>" for x in q.guidance.split("\n\n") if x.strip())
        self.guidance.setHtml(
            f"<h3>{p.question} {html.escape(q.text)}</h3>"
            f"<p><b>{html.escape(p.first)}</b>: {html.escape(label(p.value1))}"
            + (f" — <i>{html.escape(p.comment1)}</i>" if p.comment1 else "") + "<br>"
            f"<b>{html.escape(p.second)}</b>: {html.escape(label(p.value2))}"
            + (f" — <i>{html.escape(p.comment2)}</i>" if p.comment2 else "") + "</p><hr>" + guidance)
        self.agreed.clear()
        for o in q.answer.scale.options:
            self.agreed.addItem(o.label, o.value)
        d = self.inspection.decisions().get((p.case, p.question))
        self.agreed.setCurrentIndex(max(0, self.agreed.findData(d["value"] if d else p.value1)))
        self.reason.setText(d["reason"] if d else "")
        self.message.setText("")

    def record_decision(self) -> None:
        row = self.table.currentRow()
        if not (0 <= row < len(self.rows)):
            return
        p = self.rows[row]
        try:
            self.inspection.settle(p.case, p.question, self.agreed.currentData(), self.reason.text(), self.user)
        except (BadValue, StoreError) as exc:
            self.message.setText(f"<b>Not recorded:</b> {html.escape(str(exc))}")
            return
        self.message.setText("Recorded. The report counts the agreed answer; both markings stay as they were.")
        self.fill_row(row)
        self.settled.emit()

    def fill_row(self, row: int) -> None:
        p = self.rows[row]
        q = self.t.question_by_id[p.question]
        d = self.inspection.decisions().get((p.case, p.question), {})
        self.table.setItem(row, 6, QTableWidgetItem(q.answer.option(d["value"]).label if d.get("value") else ""))
        self.table.setItem(row, 7, QTableWidgetItem(d.get("reason", "")))

    def _signoff_state(self) -> None:
        signed = self.inspection.moderation_signed_off()
        self.signoff_button.setText("Re&open moderation…" if signed else "Sign &off moderation")
        for w in (self.agreed, self.reason, self.record):
            w.setEnabled(not signed)

    def toggle_signoff(self) -> None:
        try:
            if self.inspection.moderation_signed_off():
                reason = self.ask_reason()
                if not reason:
                    return
                self.inspection.sign_off(self.user, reopen_reason=reason)
            else:
                self.inspection.sign_off(self.user)
        except (BadValue, StoreError) as exc:
            self.message.setText(f"<b>{html.escape(str(exc))}</b>")
        self._signoff_state()

    def ask_reason(self) -> str:
        text, ok = QInputDialog.getText(self, "Reopen moderation", "Why is the moderation being reopened?")
        return text.strip() if ok else ""


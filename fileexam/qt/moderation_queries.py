"""The moderation window's Queries tab (issue 17): raise a query on one marker's answer, see every query with
its state (open, answered, closed) and who and when, close one with a note; and who has read what of the
feedback (the read receipts, replies and query answers merged from the inspectors' exports).

The answer chosen on the Answers tab fills the form (prefill); the store checks the rest and its refusals
are shown in its own words."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QPushButton, QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from fileexam.qt import plain
from fileexam.store import query_records as records
from fileexam.store.inspection_file import InspectionFile

MESSAGE_STYLE = "QLabel { background: #fff5f5; color: #742a2a; border: 1px solid #feb2b2; padding: 4px; }"
DONE_STYLE = "QLabel { background: #f0fff4; color: #22543d; border: 1px solid #9ae6b4; padding: 4px; }"
STATE_COLOURS = {records.OPEN: QColor("#fefcbf"), records.ANSWERED: QColor("#c6f6d5"), records.CLOSED: None}


def when(stamp: str | None) -> str:
    return (stamp or "")[:16].replace("T", " ")


class QueriesPane(QWidget):
    changed = Signal()  # a query raised or closed: what sign-off counts has changed

    COLUMNS = ["No.", "State", "Case", "Question", "Marker", "Query", "Raised", "Answer", "Closed"]
    RECEIPT_COLUMNS = ["Marker", "Item", "Case", "Question", "Read", "Reply or answer"]
    SHOW = [("", "All queries"), (records.OPEN, "Open"), (records.ANSWERED, "Answered: to close"),
            (records.CLOSED, "Closed")]

    def __init__(self, inspection: InspectionFile, user: str, parent=None):
        super().__init__(parent)
        self.inspection, self.user = inspection, user
        self.t = inspection.template
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        raise_box = QGroupBox("Raise a query on one marker's answer")
        form = QFormLayout(raise_box)
        where = QHBoxLayout()
        self.case_edit = QLineEdit()
        self.case_edit.setAccessibleName("Case")
        self.case_edit.setPlaceholderText("Case reference")
        self.question_edit = QLineEdit()
        self.question_edit.setAccessibleName("Question")
        self.question_edit.setPlaceholderText("Question id, e.g. VW04")
        self.question_edit.setMaximumWidth(140)
        self.marker_choice = QComboBox()
        self.marker_choice.setEditable(True)
        self.marker_choice.setAccessibleName("Marker")
        self.marker_choice.setMinimumWidth(160)
        for w, text in ((self.case_edit, "Case"), (self.question_edit, "Question"), (self.marker_choice, "Marker")):
            label = QLabel(text)
            label.setBuddy(w)
            where.addWidget(label)
            where.addWidget(w, 1 if w is self.case_edit else 0)
        form.addRow(where)
        text_row = QHBoxLayout()
        self.text_edit = QLineEdit()
        self.text_edit.setAccessibleName("Query text")
        self.text_edit.setPlaceholderText("What you want to know, e.g. was the VPS offered at the second appointment?")
        self.raise_button = QPushButton("Ra&ise query")
        self.raise_button.clicked.connect(self.raise_query)
        self.text_edit.returnPressed.connect(self.raise_button.click)
        text_row.addWidget(self.text_edit, 1)
        text_row.addWidget(self.raise_button)
        text_label = QLabel("&Text")
        text_label.setBuddy(self.text_edit)
        form.addRow(text_label, text_row)
        layout.addWidget(raise_box)

        self.message = QLabel()
        self.message.setAccessibleName("Queries message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        layout.addWidget(self.message)

        split = QSplitter(Qt.Orientation.Vertical)
        upper = QWidget()
        ul = QVBoxLayout(upper)
        ul.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.show_choice = QComboBox()
        self.show_choice.setAccessibleName("Show queries")
        for key, label in self.SHOW:
            self.show_choice.addItem(label, key)
        self.show_choice.currentIndexChanged.connect(lambda _i: self.fill())
        show_label = QLabel("S&how:")
        show_label.setBuddy(self.show_choice)
        bar.addWidget(show_label)
        bar.addWidget(self.show_choice)
        self.counts = QLabel()
        self.counts.setAccessibleName("Queries by state")
        bar.addWidget(self.counts, 1)
        self.note_edit = QLineEdit()
        self.note_edit.setAccessibleName("Note on closing")
        self.note_edit.setPlaceholderText("Note on closing (optional)")
        note_label = QLabel("&Note")
        note_label.setBuddy(self.note_edit)
        self.close_button = QPushButton("Close quer&y")
        self.close_button.clicked.connect(self.close_query)
        self.note_edit.returnPressed.connect(self.close_button.click)
        bar.addWidget(note_label)
        bar.addWidget(self.note_edit, 1)
        bar.addWidget(self.close_button)
        self.feedback_button = QPushButton("Write feedbac&k workbooks…")
        self.feedback_button.setToolTip("One workbook per inspector: their disagreements with the agreed answers, "
                                        "their open queries, their calibration and profile figures")
        self.feedback_button.clicked.connect(lambda: self.write_feedback())
        bar.addWidget(self.feedback_button)
        ul.addLayout(bar)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setAccessibleName("Queries")
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for j in range(len(self.COLUMNS)):
            header.setSectionResizeMode(j, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(7, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._enable)
        ul.addWidget(self.table)
        split.addWidget(upper)

        lower = QWidget()
        ll = QVBoxLayout(lower)
        ll.setContentsMargins(0, 0, 0, 0)
        self.read_summary = QLabel()
        self.read_summary.setAccessibleName("Who has read what")
        self.read_summary.setWordWrap(True)
        self.read_summary.setTextFormat(Qt.TextFormat.RichText)
        ll.addWidget(self.read_summary)
        self.receipts = QTableWidget(0, len(self.RECEIPT_COLUMNS))
        self.receipts.setAccessibleName("Read receipts")
        self.receipts.setHorizontalHeaderLabels(self.RECEIPT_COLUMNS)
        self.receipts.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.receipts.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.receipts.verticalHeader().setVisible(False)
        rh = self.receipts.horizontalHeader()
        for j in range(len(self.RECEIPT_COLUMNS)):
            rh.setSectionResizeMode(j, QHeaderView.ResizeMode.ResizeToContents)
        rh.setSectionResizeMode(len(self.RECEIPT_COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        ll.addWidget(self.receipts)
        split.addWidget(lower)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout.addWidget(split, 1)
        for button in (self.raise_button, self.close_button, self.feedback_button):
            button.setAutoDefault(False)
        self.rows: list[records.Query] = []
        self.fill()

    # ---- what the tab shows ---------------------------------------------------------------
    def state(self) -> tuple:
        """Changes whenever a query or a receipt changes in the file."""
        c = self.inspection.conn
        return (c.execute("SELECT count(*), max(raised_at), max(answered_at), max(closed_at) FROM moderation_queries")
                .fetchone(), c.execute("SELECT count(*), max(updated_at) FROM feedback_receipts").fetchone())

    def prefill(self, case: str, question: str, markers: list[str]) -> None:
        """The answer chosen on the Answers tab: its case and question, its markers to choose from."""
        self.case_edit.setText(case)
        self.question_edit.setText(question)
        keep = self.marker_choice.currentText()
        self.marker_choice.clear()
        self.marker_choice.addItems([m for m in markers if m])
        if keep in markers:
            self.marker_choice.setCurrentText(keep)

    def fill(self) -> None:
        wanted = self.show_choice.currentData() or None
        every = records.queries(self.inspection)
        keep = self.current()
        self.rows = [q for q in every if wanted is None or q.state == wanted]
        self.table.setRowCount(len(self.rows))
        for i, q in enumerate(self.rows):
            answer = ""
            if q.answered_at:
                answer = (f"{q.answered_by}, {when(q.answered_at)}: "
                          + (f"changed {self._label(q, q.answer_before)} → {self._label(q, q.answer_after)}"
                             if q.answer_changed else "answer kept") + (f". “{q.reply}”" if q.reply else ""))
            closed = f"{q.closed_by}, {when(q.closed_at)}" + (f": {q.close_note}" if q.close_note else "") \
                if q.closed_at else ""
            values = [str(q.id), q.state, q.case, q.question, q.marker, q.text, f"{q.raised_by}, {when(q.raised_at)}",
                      answer, closed]
            colour = STATE_COLOURS.get(q.state)
            for j, v in enumerate(values):
                item = QTableWidgetItem(v)
                if j in (5, 7):
                    item.setToolTip(v)
                if colour is not None and j == 1:
                    item.setBackground(QBrush(colour))
                self.table.setItem(i, j, item)
        self.table.resizeRowsToContents()
        n = {s: sum(q.state == s for q in every) for s in records.STATES}
        self.counts.setText(f"{n[records.OPEN]} open · {n[records.ANSWERED]} answered, to close · "
                            f"{n[records.CLOSED]} closed" if every else "No query raised yet")
        if keep is not None and keep in [q.id for q in self.rows]:
            self.table.selectRow([q.id for q in self.rows].index(keep))
        self._fill_receipts()
        self._enable()

    def _label(self, q: records.Query, value) -> str:
        from fileexam.domain.answers import answer_label
        question = self.t.question_by_id.get(q.question)
        return (answer_label(question, value) if question else value) or "(none)"

    def _fill_receipts(self) -> None:
        held = list(records.receipts(self.inspection).values())
        self.receipts.setRowCount(len(held))
        for i, r in enumerate(held):
            item = f"Query {r.query}" if r.kind == records.QUERY else "Disagreement"
            said = r.reply or ""
            if r.answer_changed:
                said = f"answer changed {r.answer_before or '(none)'} → {r.answer_after or '(none)'}. " + said
            values = [r.marker, item, r.case, r.question, when(r.read_at) or "not read", said]
            for j, v in enumerate(values):
                cell = QTableWidgetItem(v)
                if j == 5:
                    cell.setToolTip(v)
                self.receipts.setItem(i, j, cell)
        from fileexam.services.feedback import inspectors
        by_marker: dict[str, list[records.Receipt]] = {}
        for r in held:
            by_marker.setdefault(r.marker, []).append(r)
        parts = []
        for name in inspectors(self.inspection):
            mine = by_marker.get(name, [])
            if not mine:
                parts.append(f"{html.escape(name)}: nothing back yet")
                continue
            read = sum(r.read_at is not None for r in mine)
            replies = sum(r.kind == records.DISAGREEMENT and r.reply is not None for r in mine)
            answered = sum(r.kind == records.QUERY and r.replied_at is not None for r in mine)
            parts.append(f"<b>{html.escape(name)}</b>: {read} item(s) read, {replies} reply(ies), "
                         f"{answered} query(ies) answered")
        self.read_summary.setText("<b>Who has read what</b> (from the inspectors' exports, once merged): "
                                  + ("; ".join(parts) if parts else "no feedback has come back yet."))

    def current(self) -> int | None:
        row = self.table.currentRow()
        selected = self.table.selectionModel().selectedRows()
        if selected:
            row = selected[0].row()
        return self.rows[row].id if 0 <= row < len(self.rows) else None

    def _enable(self) -> None:
        number = self.current()
        held = next((q for q in self.rows if q.id == number), None)
        self.close_button.setEnabled(held is not None and held.state != records.CLOSED)
        self.note_edit.setEnabled(self.close_button.isEnabled())

    # ---- acting ------------------------------------------------------------------------------
    def raise_query(self) -> None:
        try:
            q = records.raise_query(self.inspection, self.case_edit.text().strip(), self.question_edit.text().strip(),
                                    self.marker_choice.currentText().strip(), self.text_edit.text(), self.user)
        except Exception as exc:  # noqa: BLE001 - the store's refusal, in its own words
            self.say(f"Not raised: {self._words(exc, 'Raising the query')}")
            return
        self.text_edit.clear()
        self.fill()
        self.say(f"Query {q.id} raised on {q.marker}'s answer to {q.question} of case {q.case}. It goes to them in "
                 "their next feedback workbook (moderation feedback).", done=True)
        self.changed.emit()

    def close_query(self) -> None:
        number = self.current()
        if number is None:
            return
        try:
            q = records.close_query(self.inspection, number, self.user, self.note_edit.text() or None)
        except Exception as exc:  # noqa: BLE001
            self.say(f"Not closed: {self._words(exc, 'Closing the query')}")
            return
        self.note_edit.clear()
        self.fill()
        self.say(f"Query {q.id} closed.", done=True)
        self.changed.emit()

    def write_feedback(self, folder: str | None = None) -> None:
        """One feedback workbook per inspector into a folder (asked for, next to the master by default)."""
        if not folder:
            from PySide6.QtWidgets import QFileDialog
            folder = QFileDialog.getExistingDirectory(self, "Folder for the feedback workbooks",
                                                      str(self.inspection.path.parent))
            if not folder:
                return
        from pathlib import Path

        from fileexam.services.feedback import write_all
        try:
            written = write_all(self.inspection, Path(folder), self.user)
        except Exception as exc:  # noqa: BLE001 - a folder that cannot be written, in plain words
            self.say(f"Not written: {self._words(exc, 'Writing the feedback workbooks')}")
            return
        self.say(f"Wrote {len(written)} feedback workbook(s) to {folder} ("
                 + ", ".join(w.path.name for w in written) + "). Send each inspector theirs.", done=True)

    def say(self, text: str, done: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(DONE_STYLE if done else MESSAGE_STYLE)
        self.message.show()
        # Inside a tab the layout does not ask a wrapped label for its height: give it the lines it needs.
        self.message.setMinimumHeight(self.message.heightForWidth(max(self.message.width(), self.width() // 2)))

    @staticmethod
    def _words(exc: BaseException, what: str) -> str:
        said = plain.words(exc)
        if said is not None:
            return said
        import traceback
        return plain.unexpected(what, "".join(traceback.format_exception(exc)))

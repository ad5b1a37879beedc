"""The moderator's window: the double-marked answers side by side, settled and unsettled told apart and
counted, the question's guidance, and the agreed answer recorded with a required reason; the agreement
figures with their intervals, each marker's profile with its flags, the calibration cases; double
marking allocated and the moderation signed off from here.

With nothing double-marked yet it says what to do (allocate, send the blind samples, merge them back)
instead of showing an empty table. Every refusal of the inspection file is shown in its own words.
The figures' words are fileexam.qt.moderation_figures'; allocation is moderation_allocate_dialog's,
the calibration tab moderation_calibration's."""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QComboBox, QDialog, QFormLayout, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QPushButton, QSplitter, QStackedWidget, QTableWidget,
                               QTableWidgetItem, QTabWidget, QTextBrowser, QVBoxLayout, QWidget)

from fileexam.formats.report_charts import interval, percent
from fileexam.qt import plain, screen_fit
from fileexam.qt.moderation_calibration import CalibrationPane
from fileexam.qt.moderation_dialogs import ReasonDialog
from fileexam.qt.moderation_figures import AMBER_BG, GREEN_BG, GREY, ProfilesPane, StatisticsPane, escape
from fileexam.qt.moderation_queries import QueriesPane
from fileexam.store.inspection_file import InspectionFile

MESSAGE_STYLE = "QLabel { background: #fff5f5; color: #742a2a; border: 1px solid #feb2b2; padding: 4px; }"
DONE_STYLE = "QLabel { background: #f0fff4; color: #22543d; border: 1px solid #9ae6b4; padding: 4px; }"
SETTLED, UNSETTLED, AGREE = "✓ Settled", "Not settled", "Agree"


class ModerationView(QDialog):
    settled = Signal()
    COLUMNS = ["Case", "Question", "First marker", "First answer", "Second marker", "Second answer", "Status",
               "Agreed answer", "Reason"]
    STATUS_COLUMN, AGREED_COLUMN, REASON_COLUMN = 6, 7, 8
    MAX_WIDTHS = {0: 130, 1: 300, 2: 110, 3: 190, 4: 110, 5: 190, 6: 100, 7: 190}
    SHOW = [("disagreements", "Disagreements"), ("unsettled", "Disagreements not yet settled"),
            ("settled", "Settled"), ("all", "All paired answers")]

    def __init__(self, inspection: InspectionFile, user: str, parent=None):
        super().__init__(parent)
        self.inspection, self.user = inspection, user
        self.t = inspection.template
        self.setWindowTitle(f"Moderation — {inspection.name}")
        self.dialog: QDialog | None = None  # the allocation, sign-off or reopen dialog, while open
        layout = QVBoxLayout(self)

        top = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setAccessibleName("Summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top.addWidget(self.summary, 1)
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.setToolTip("Read the inspection file again (F5): after a merge, or a change made elsewhere")
        self.refresh_button.clicked.connect(self.refresh)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self, self.refresh)
        self.allocate_button = QPushButton("A&llocate double marking…")
        self.allocate_button.clicked.connect(self.open_allocate)
        self.signoff_button = QPushButton()
        self.signoff_button.clicked.connect(self.toggle_signoff)
        for b in (self.refresh_button, self.allocate_button, self.signoff_button):
            top.addWidget(b, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        status = QHBoxLayout()
        self.progress = QLabel()
        self.progress.setAccessibleName("Disagreements settled")
        status.addWidget(self.progress)
        self.signoff_state = QLabel()
        self.signoff_state.setAccessibleName("Sign-off")
        self.signoff_state.setWordWrap(True)
        status.addWidget(self.signoff_state, 1)
        layout.addLayout(status)
        self.notice = QLabel()
        self.notice.setAccessibleName("Message")
        self.notice.setWordWrap(True)
        self.notice.setTextFormat(Qt.TextFormat.RichText)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice.hide()
        layout.addWidget(self.notice)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Moderation")
        self.tabs.addTab(self._answers_tab(), "&Answers side by side")
        self.stats = StatisticsPane()
        self.tabs.addTab(self.stats, "&Statistics")
        self.profiles = ProfilesPane()
        self.tabs.addTab(self.profiles, "Marker &profiles")
        self.calibration = CalibrationPane(inspection, user)
        self.calibration.changed.connect(self.refresh)
        self.tabs.addTab(self.calibration, "&Calibration")
        self.queries = QueriesPane(inspection, user)  # issue 17: queries, and who has read what
        self.queries.changed.connect(self.reread_decisions)
        self.tabs.addTab(self.queries, "&Queries")
        from fileexam.qt.moderation_standards import StandardsTabs
        self.standards = StandardsTabs(self.tabs, inspection, user, self.refresh)  # issue 17: its own module
        layout.addWidget(self.tabs, 1)

        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)  # Enter in the reason records (returnPressed), never Refresh or Allocate
        self.rows: list = []
        self._state = None
        self.refresh()
        self._fit_screen()

    # ---- building ---------------------------------------------------------------------
    def _answers_tab(self) -> QWidget:
        self.answers_stack = QStackedWidget()
        self.empty = QWidget()
        el = QVBoxLayout(self.empty)
        self.empty_text = QLabel()
        self.empty_text.setAccessibleName("What to do")
        self.empty_text.setWordWrap(True)
        self.empty_text.setTextFormat(Qt.TextFormat.RichText)
        self.empty_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.empty_text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.empty_text.setMargin(12)
        el.addWidget(self.empty_text)
        self.empty_allocate = QPushButton("Allocate &double marking…")
        self.empty_allocate.clicked.connect(self.open_allocate)
        el.addWidget(self.empty_allocate, 0, Qt.AlignmentFlag.AlignLeft)
        self.waiting = QTableWidget(0, 4)
        self.waiting.setAccessibleName("Allocated cases")
        self.waiting.setHorizontalHeaderLabels(["Case", "First marker", "Second marker", "Waiting for"])
        self.waiting.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.waiting.verticalHeader().setVisible(False)
        self.waiting.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        el.addWidget(self.waiting, 1)
        el.addStretch(0)
        self.answers_stack.addWidget(self.empty)

        split = QSplitter(Qt.Orientation.Vertical)
        upper = QWidget()
        ul = QVBoxLayout(upper)
        ul.setContentsMargins(0, 0, 0, 0)
        filters = QHBoxLayout()
        self.show_choice = QComboBox()
        self.show_choice.setAccessibleName("Show")
        for key, label in self.SHOW:
            self.show_choice.addItem(label, key)
        self.show_choice.currentIndexChanged.connect(lambda _i: self.fill())
        show_label = QLabel("Sho&w:")
        show_label.setBuddy(self.show_choice)
        filters.addWidget(show_label)
        filters.addWidget(self.show_choice)
        self.count = QLabel()
        self.count.setAccessibleName("Rows shown")
        filters.addWidget(self.count, 1)
        ul.addLayout(filters)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setAccessibleName("Double-marked answers")
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(True)  # a long question wraps within its column rather than being cut
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(self.REASON_COLUMN, QHeaderView.ResizeMode.Stretch)
        # The reason column takes the width left over: its rows are made tall enough again when that changes.
        self._rows_fitted = True
        self.table.horizontalHeader().sectionResized.connect(self._fit_rows_soon)
        self.table.currentCellChanged.connect(lambda row, *_: self.show_pair(row))
        ul.addWidget(self.table)
        split.addWidget(upper)

        detail = QWidget()
        dl = QHBoxLayout(detail)
        dl.setContentsMargins(0, 0, 0, 0)
        self.guidance = QTextBrowser()
        self.guidance.setAccessibleName("The question and its guidance, and both markings")
        dl.addWidget(self.guidance, 3)
        form_box = QWidget()
        form = QFormLayout(form_box)
        form.setContentsMargins(4, 0, 0, 0)
        self.agreed = QComboBox()
        self.agreed.setAccessibleName("Agreed answer")
        self.agreed.setPlaceholderText("Choose the agreed answer…")
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason for the agreed answer")
        self.reason.setPlaceholderText("Why: required, kept in the audit log")
        self.record = QPushButton("Recor&d agreed answer")
        self.record.clicked.connect(self.record_decision)
        self.reason.returnPressed.connect(self.record.click)
        self.decided = QLabel("")
        self.decided.setAccessibleName("Decision")
        self.decided.setWordWrap(True)
        self.message = QLabel("")
        self.message.setAccessibleName("Decision message")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.RichText)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        agreed_label = QLabel("A&greed answer")
        agreed_label.setBuddy(self.agreed)
        reason_label = QLabel("R&eason")
        reason_label.setBuddy(self.reason)
        form.addRow(agreed_label, self.agreed)
        form.addRow(reason_label, self.reason)
        form.addRow(self.record)
        form.addRow(self.decided)
        form.addRow(self.message)
        dl.addWidget(form_box, 2)
        split.addWidget(detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.answers_stack.addWidget(split)
        return self.answers_stack

    def _fit_rows_soon(self, *_args) -> None:
        if self._rows_fitted:
            self._rows_fitted = False
            QTimer.singleShot(0, self._fit_rows)

    def _fit_rows(self) -> None:
        self._rows_fitted = True
        self.table.resizeRowsToContents()

    def _fit_screen(self) -> None:
        """As large as a 1366 × 768 laptop screen allows (its taskbar and the window's title bar kept clear),
        never larger than the screen it opens on."""
        screen_fit.keep_on_screen(self, QSize(1366, 768))

    # ---- reading the file ------------------------------------------------------------------
    def state_key(self) -> tuple:
        """Changes whenever anything the window shows may have changed in the file (a merge, a decision,
        an allocation, a calibration case, a sign-off), read through the store's own questions."""
        i = self.inspection
        return (i.count_answers(), len(i.merges()), tuple(sorted(i.double_marked())),
                tuple(sorted(i.calibration_cases().items())),
                i.conn.execute("SELECT count(*) FROM gold_cases").fetchone()[0],
                tuple(sorted((k, d["value"], d["reason"]) for k, d in i.decisions().items())),
                i.moderation_signed_off(), len(i.statuses()), self.queries.state())

    def refresh(self) -> None:
        """Read everything again from the file, keeping the chosen row."""
        from fileexam.services.moderation import agreement_report, calibration_results

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # the intervals take a moment
        try:
            self.report = agreement_report(self.inspection)
            self.allocation = self._allocation()
            self.stats.fill(self.t, self.report, self._empty_words(short=True))
            self.calibration.fill(self.report, calibration_results(self.inspection))
            self.queries.fill()
            self.standards.fill(self.report)
            self.reread_decisions()
        finally:
            QApplication.restoreOverrideCursor()

    def reread_decisions(self) -> None:
        """Read again what a decision or a sign-off changes (the agreement figures rest on the markings
        alone, and stay): the decisions, what is still open, the sign-off, the profiles, the table."""
        from fileexam.services.moderation import marker_profiles
        from fileexam.services.moderation_decisions import open_work

        self.work = open_work(self.inspection)
        self.decisions = self.inspection.decisions()
        self.signed = self.inspection.moderation_signed_off()
        self._summary()
        self.profiles.fill(marker_profiles(self.inspection))
        if self.report.pairs:
            self.answers_stack.setCurrentIndex(1)
            self.fill()
        else:
            self.rows = []
            self.table.setRowCount(0)
            self.answers_stack.setCurrentIndex(0)
            self._fill_empty()
            self.show_pair(-1)
        self._signoff_controls()
        self._state = self.state_key()

    def _allocation(self) -> list[tuple[str, str, str, list[str]]]:
        """(case, first marker, second marker, who has not marked it yet) of every allocation that is not a
        calibration case."""
        cases = {c.reference: c for c in self.inspection.cases()}
        calibration = self.inspection.calibration_cases()
        held: dict[str, set] = {}
        for ref, marker in self.inspection.statuses():
            held.setdefault(ref, set()).add(marker)
        out = []
        for ref, second in sorted(self.inspection.double_marked()):
            if ref in calibration:
                continue
            first = cases[ref].inspector if ref in cases else ""
            marked = held.get(ref, set()) | set(self.inspection.marking_rows(ref))
            out.append((ref, first or "", second, [m for m in (first, second) if m and m not in marked]))
        return out

    def _signoff_record(self) -> dict | None:
        """The last sign-off or reopening: who, when, why (the store keeps them in moderation_signoffs)."""
        row = self.inspection.conn.execute(
            "SELECT at, who, action, reason FROM moderation_signoffs ORDER BY id DESC LIMIT 1").fetchone()
        return None if row is None else dict(zip(("at", "who", "action", "reason"), row))

    # ---- what the window says -----------------------------------------------------------
    def _summary(self) -> None:
        r, o, work = self.report, self.report.overall, self.work
        waiting = [a for a in self.allocation if a[3]]
        if o is None:
            text = "<b>No double-marked case has both markings yet.</b>"
        else:
            ci = o.intervals.get("agreement") if o.intervals else None
            ci_text = f" (95% CI {interval(ci)})" if isinstance(ci, tuple) else ""
            text = (f"<b>{len({p.case for p in r.pairs})} double-marked case(s)</b> with both markings · "
                    f"{o.n} paired answers · agreement <b>{percent(o.agreement)}</b>{ci_text} · "
                    f"{work.disagreements} disagreement(s)")
        if work.open_queries:
            text += f" · <b>{len(work.open_queries)} open query(ies)</b> (the Queries tab)"
        if waiting:
            by = Counter(m for a in waiting for m in a[3])
            text += (f"<br>{len(waiting)} allocated case(s) still wait for a marking: "
                     + ", ".join(f"{escape(m)} ({n})" for m, n in sorted(by.items()))
                     + ". Merge their workbooks (Inspection ▸ Merge workbooks…), then Refresh.")
        self.summary.setText(text)
        self.progress.setVisible(o is not None)
        settled = work.disagreements - len(work.unsettled)
        if work.disagreements:
            self.progress.setText(f"<b>{settled} of {work.disagreements} disagreements settled</b>")
            self.progress.setStyleSheet("QLabel { color: #22543d; }" if not work.unsettled else
                                        "QLabel { color: #7b341e; }")
        else:
            self.progress.setText("No disagreement to settle" if o is not None else "")
            self.progress.setStyleSheet("")
        record = self._signoff_record()
        if self.signed and record:
            when = record["at"][:16].replace("T", " ")
            self.signoff_state.setText(f"· Signed off by {escape(record['who'])} on {when}"
                                       + (f": {escape(record['reason'])}" if record["reason"] else "")
                                       + ". Decisions are locked.")
        elif record:
            self.signoff_state.setText(f"· Not signed off (reopened by {escape(record['who'])}: "
                                       f"{escape(record['reason'] or '')})")
        else:
            self.signoff_state.setText("· Not signed off" if o is not None else "")
        self.signoff_state.setVisible(bool(self.signoff_state.text()))

    def _empty_words(self, short: bool = False) -> str:
        if not self.allocation:
            text = ("<h3>No case is double-marked yet</h3>"
                    "<p>Agreement between markers is measured on a share of each inspector's cases marked a second "
                    "time, blind, by another inspector. To start:</p><ol>"
                    "<li><b>Allocate double marking</b> (the button below): the template's share of each inspector's "
                    f"cases ({self.t.reporting.double_mark_share * 100:.0f}%), or cases you name, each to a second "
                    "marker; and write each second marker's blind sample to a folder.</li>"
                    "<li>Send each second marker their sample. They import it (File ▸ Import sample…), mark the "
                    "cases without seeing the first marking, and export their work as usual.</li>"
                    "<li>Merge their workbooks here (Inspection ▸ Merge workbooks…).</li>"
                    "<li>Come back to this window: the two markings appear side by side, with the agreement figures, "
                    "and you settle each disagreement with a reason, then sign the moderation off.</li></ol>")
        else:
            waiting = [a for a in self.allocation if a[3]]
            text = (f"<h3>{len(self.allocation)} case(s) allocated for double marking; none has both markings yet"
                    "</h3>" if waiting else
                    f"<h3>{len(self.allocation)} case(s) allocated; no question was answered in both markings</h3>")
            text += ("<p>The table below says whose marking each case still waits for. When the second markers send "
                     "their workbooks back, merge them (Inspection ▸ Merge workbooks…) and press Refresh: the two "
                     "markings then appear side by side. Allocating again adds more cases; it also writes the blind "
                     "samples again if they were lost.</p>")
        if short:
            return text.replace("the button below", "on the first tab").replace("The table below", "The first tab")
        return text

    def _fill_empty(self) -> None:
        self.empty_text.setText(self._empty_words())
        self.waiting.setVisible(bool(self.allocation))
        self.waiting.setRowCount(len(self.allocation))
        for i, (ref, first, second, missing) in enumerate(self.allocation):
            for j, v in enumerate([ref, first or "(no inspector)", second,
                                   " and ".join(missing) if missing else "both have marked it"]):
                self.waiting.setItem(i, j, QTableWidgetItem(v))

    # ---- the answers side by side --------------------------------------------------------
    def status_of(self, p) -> str:
        if (p.case, p.question) in self.decisions:
            return SETTLED
        return AGREE if p.agree else UNSETTLED

    def fill(self) -> None:
        key = self.show_choice.currentData()
        keep = self.current_key()
        row_before = max(self.table.currentRow(), 0)
        pairs = self.report.pairs
        status = {id(p): self.status_of(p) for p in pairs}
        keep_if = {"disagreements": lambda p: not p.agree, "unsettled": lambda p: status[id(p)] == UNSETTLED,
                   "settled": lambda p: status[id(p)] == SETTLED, "all": lambda p: True}[key]
        self.rows = [p for p in pairs if keep_if(p)]
        self.table.setRowCount(len(self.rows))
        for i in range(len(self.rows)):
            self.fill_row(i)
        self.table.resizeColumnsToContents()
        for j, most in self.MAX_WIDTHS.items():
            if self.table.columnWidth(j) > most:
                self.table.setColumnWidth(j, most)
        self.table.resizeRowsToContents()
        shown = {"disagreements": "disagreement(s)", "unsettled": "disagreement(s) not yet settled",
                 "settled": "settled answer(s)", "all": "paired answer(s)"}[key]
        self.count.setText(f"{len(self.rows)} {shown}" + ("" if self.rows else
                                                          " — choose another Show above to see the others"))
        if not self.rows:
            self.show_pair(-1)
            return
        keys = [(p.case, p.question) for p in self.rows]
        row = keys.index(keep) if keep in keys else min(row_before, len(self.rows) - 1)
        self.table.setCurrentCell(row, 0)
        self.show_pair(row)

    def fill_row(self, row: int) -> None:
        p = self.rows[row]
        q = self.t.question_by_id[p.question]
        d = self.decisions.get((p.case, p.question), {})
        status = self.status_of(p)
        section = self.t.set_by_id[q.set_id].title + ": " + self.t.section_of(q).title if q.set_id else ""
        values = [p.case, f"{p.question} {q.text}", p.first, self.label(q, p.value1), p.second,
                  self.label(q, p.value2), status, self.label(q, d.get("value")), d.get("reason") or ""]
        tips = ["", f"{p.question} {q.text}\n{section}", "", p.comment1, "", p.comment2,
                {SETTLED: f"Settled by {d.get('who')} on {str(d.get('at', ''))[:16].replace('T', ' ')}",
                 UNSETTLED: "The two markings differ and no agreed answer is recorded yet",
                 AGREE: "Both markers gave the same answer"}[status], "", d.get("reason") or ""]
        for j, (v, tip) in enumerate(zip(values, tips)):
            item = QTableWidgetItem(v)
            if tip:
                item.setToolTip(tip)
            if status == SETTLED:
                item.setBackground(QBrush(GREEN_BG))
            elif status == AGREE:
                item.setForeground(QBrush(GREY))
            self.table.setItem(row, j, item)
        cell = self.table.item(row, self.STATUS_COLUMN)
        if status == UNSETTLED:
            cell.setBackground(QBrush(AMBER_BG))
            font = QFont(self.table.font())
            font.setBold(True)
            cell.setFont(font)

    @staticmethod
    def label(q, value) -> str:
        if not value:
            return ""
        option = q.answer.option(value)
        return option.label if option else value

    def current_key(self) -> tuple[str, str] | None:
        row = self.table.currentRow()
        return (self.rows[row].case, self.rows[row].question) if 0 <= row < len(self.rows) else None

    def show_pair(self, row: int) -> None:
        self.message.setText("")
        if not (0 <= row < len(self.rows)):
            self.guidance.clear()
            self.agreed.clear()
            self.reason.clear()
            self.decided.setText("")
            for w in (self.agreed, self.reason, self.record):
                w.setEnabled(False)
            return
        p = self.rows[row]
        q = self.t.question_by_id[p.question]
        self.queries.prefill(p.case, p.question, [p.first, p.second])
        where = (escape(self.t.set_by_id[q.set_id].title + ": " + self.t.section_of(q).title)
                 if q.set_id else "")
        guidance = "".join(f"<p>{escape(x)}</p>" for x in q.guidance.split("\n\n") if x.strip())
        self.guidance.setHtml(
            f"<p style='color:#4a5568'>Case {escape(p.case)} · {where}</p>"
            f"<h3>{p.question} {escape(q.text)}</h3>"
            f"<p><b>{escape(p.first)}</b> (first): {escape(self.label(q, p.value1))}"
            + (f" — <i>{escape(p.comment1)}</i>" if p.comment1 else "") + "<br>"
            f"<b>{escape(p.second)}</b> (second): {escape(self.label(q, p.value2))}"
            + (f" — <i>{escape(p.comment2)}</i>" if p.comment2 else "") + "</p><hr>" + guidance)
        self.agreed.clear()
        for o in q.answer.scale.options:
            self.agreed.addItem(o.label, o.value)
        d = self.decisions.get((p.case, p.question))
        # Unsettled, the agreed answer starts empty: the moderator chooses it, nothing is taken for them.
        self.agreed.setCurrentIndex(self.agreed.findData(d["value"]) if d else -1)
        self.reason.setText(d["reason"] if d else "")
        self.decided.setText(
            f"Settled by {d['who']} on {str(d['at'])[:16].replace('T', ' ')}. Record again to change it." if d else
            ("The two markings agree; an agreed answer is needed only if both are wrong." if p.agree else
             "Not settled yet: choose the agreed answer and say why."))
        for w in (self.agreed, self.reason, self.record):
            w.setEnabled(not self.signed)
        if self.signed:
            self.decided.setText("The moderation is signed off: decisions are locked. Reopen it (with a reason) "
                                 "to change one.")

    def record_decision(self) -> None:
        row = self.table.currentRow()
        if not (0 <= row < len(self.rows)):
            return
        p = self.rows[row]
        if self.agreed.currentIndex() < 0:
            self.message.setText("<b>Not recorded:</b> choose the agreed answer first.")
            self.agreed.setFocus()
            return
        try:
            self.inspection.settle(p.case, p.question, self.agreed.currentData(), self.reason.text(), self.user)
        except Exception as exc:  # noqa: BLE001 - the file's refusal, in its own words
            said = self._words(exc, "Recording the agreed answer")
            if self.state_key() != self._state:  # changed under the window: show what is there now
                self.refresh()
            self.message.setText(f"<b>Not recorded:</b> {escape(said)}")
            return
        self.reread_decisions()
        self.message.setText(f"Recorded for {escape(p.case)} {p.question}. The report counts the agreed answer; "
                             "both markings stay as they were.")
        self.settled.emit()

    # ---- sign-off ---------------------------------------------------------------------------
    def _signoff_controls(self) -> None:
        self.signoff_button.setText("Re&open moderation…" if self.signed else "Sign &off moderation…")
        can = self.signed or self.report.overall is not None
        self.signoff_button.setEnabled(can)
        self.signoff_button.setToolTip("" if can else "Nothing to sign off yet: no double-marked case has both "
                                                      "markings")

    def toggle_signoff(self) -> None:
        self.notice.hide()  # the last sign-off's words give way to this one's
        work = self.work = self._open_work()
        if self.signed:
            self.dialog = ReasonDialog(
                self, "Reopen moderation",
                "Reopening unlocks the decisions so that they can change. Say why: the reason is kept with the "
                "sign-off record and in the audit log.", "&Reopen moderation")
            self.dialog.accepted.connect(self._reopen)
        elif work.anything_open:
            shown = ", ".join(f"{c} {q}" for c, q in work.unsettled[:6]) + (" …" if len(work.unsettled) > 6 else "")
            self.dialog = ReasonDialog(
                self, "Sign off moderation",
                "<p><b>" + " and ".join(self._open_parts(work)) + "</b>" + (f" ({escape(shown)})" if shown else "")
                + ".</p>"
                "<p>Settle them and close the queries first, or sign off anyway, saying why: the reason and "
                "the count are kept with the sign-off and in the audit log. Decisions are then locked until the "
                "moderation is reopened.</p>", "Sign off &anyway", reason_label="&Why sign off now:")
            self.dialog.accepted.connect(self._sign_off)
        else:
            self.dialog = ReasonDialog(
                self, "Sign off moderation",
                f"All {work.disagreements} disagreement(s) are settled. Signing off locks the decisions until the "
                "moderation is reopened (with a reason).", "Sign &off", ask_reason=False)
            self.dialog.accepted.connect(self._sign_off)
        self.dialog.open()

    @staticmethod
    def _open_parts(work) -> list[str]:
        numbers = ", ".join(map(str, work.open_queries[:8])) + (" …" if len(work.open_queries) > 8 else "")
        return ([f"{len(work.unsettled)} of {work.disagreements} disagreements are not settled"] if work.unsettled
                else []) + ([f"{len(work.open_queries)} query(ies) are open ({numbers})"] if work.open_queries else [])

    def _open_work(self):
        from fileexam.services.moderation_decisions import open_work
        return open_work(self.inspection)

    def _sign_off(self) -> None:
        from fileexam.services.moderation_decisions import sign_off

        reason = self.dialog.reason_text() or None
        try:
            work = sign_off(self.inspection, self.user, force_reason=reason)
        except Exception as exc:  # noqa: BLE001
            self.say(f"<b>Not signed off:</b> {escape(self._words(exc, 'Signing off'))}")
            self.reread_decisions()
            return
        self.reread_decisions()
        self.say("Moderation signed off: its decisions are locked." +
                 (f" Recorded with it: {escape(work.sentence())}." if work.anything_open else ""), done=True)

    def _reopen(self) -> None:
        try:
            self.inspection.sign_off(self.user, reopen_reason=self.dialog.reason_text())
        except Exception as exc:  # noqa: BLE001
            self.say(f"<b>Not reopened:</b> {escape(self._words(exc, 'Reopening the moderation'))}")
            self.reread_decisions()
            return
        self.reread_decisions()
        self.say("Moderation reopened: decisions can change again.", done=True)

    # ---- allocation -------------------------------------------------------------------------
    def open_allocate(self) -> None:
        from fileexam.qt.moderation_allocate_dialog import AllocateDialog

        self.dialog = AllocateDialog(self.inspection, self.user, self, folder=self.inspection.path.parent /
                                     "blind-samples")
        self.dialog.allocated.connect(self.refresh)
        self.dialog.open()

    # ---- messages and refreshing -----------------------------------------------------------
    def say(self, text: str, done: bool = False) -> None:
        self.notice.setText(text)
        self.notice.setStyleSheet(DONE_STYLE if done else MESSAGE_STYLE)
        self.notice.show()

    @staticmethod
    def _words(exc: BaseException, what: str) -> str:
        said = plain.words(exc)
        if said is not None:
            return said
        import traceback
        return plain.unexpected(what, "".join(traceback.format_exception(exc)))

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow() and self._state is not None:
            try:
                if self.state_key() != self._state:  # merged or changed elsewhere while the window was behind
                    self.refresh()
            except Exception:  # noqa: BLE001 - a file gone or damaged is said by the main window
                pass


"""The inspector's feedback panel (issue 17): File → Open feedback… reads the feedback workbook the moderator
wrote for them (checked like any workbook from outside: a refusal is said in plain words and nothing is
shown), then lists each disagreement and query beside the question, its guidance and the answers, and lets
the inspector mark an item read, reply, and answer a query, changing their answer or not. Each is saved at
once in their inspection file (services.feedback_inspector) and goes back in their next export.

File → Open feedback… itself is qt/feedback_actions.py."""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QFormLayout, QHBoxLayout,
                               QHeaderView, QLabel, QPlainTextEdit, QPushButton, QSplitter, QTableWidget,
                               QTableWidgetItem, QTabWidget, QTextBrowser, QVBoxLayout, QWidget)

from fileexam.qt import plain, screen_fit
from fileexam.services import feedback_inspector as fi
from fileexam.store.inspection_file import InspectionFile

MESSAGE_STYLE = "QLabel { background: #fff5f5; color: #742a2a; border: 1px solid #feb2b2; padding: 4px; }"
DONE_STYLE = "QLabel { background: #f0fff4; color: #22543d; border: 1px solid #9ae6b4; padding: 4px; }"
UNREAD_BG = QColor("#fffbea")
KEEP_LABEL = "Keep my answer"


def state_of(item: fi.FeedbackItem) -> str:
    if item.kind == "query":
        return "Answered" if item.answered else ("Read, not answered" if item.read else "Not answered")
    return "Replied" if item.answered else ("Read" if item.read else "Unread")


class FeedbackPanel(QDialog):
    """Handed the inspector's open file, their name and the checked feedback (fi.open_feedback)."""
    answerChanged = Signal(str)  # the case whose answer changed in answer to a query

    COLUMNS = ["", "Case", "State", "Question"]
    STATE_COLUMN = 2

    def __init__(self, inspection: InspectionFile, user: str, opened: fi.OpenedFeedback, parent=None):
        super().__init__(parent)
        self.inspection, self.user, self.opened = inspection, user, opened
        self.t = inspection.template
        self.setObjectName("feedbackPanel")
        about = opened.about
        self.setWindowTitle(f"Feedback — {opened.path.name}")
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setAccessibleName("Summary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.summary)
        self.message = QLabel()
        self.message.setAccessibleName("Message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        layout.addWidget(self.message)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Feedback")
        self.tabs.addTab(self._items_tab(), "&Items")
        self.tabs.addTab(self._figures_tab(), "Your &figures")
        layout.addWidget(self.tabs, 1)
        close = QPushButton("&Close")
        close.setAutoDefault(False)
        close.clicked.connect(self.accept)
        row = QHBoxLayout()
        written = about.get("written_at", "")[:16].replace("T", " ")
        note = QLabel(f"Written by {html.escape(about.get('written_by', '?'))} on {written}. Everything you do here "
                      "is saved at once in your inspection file and goes back with your next export.")
        note.setWordWrap(True)
        note.setStyleSheet("QLabel { color: #4a5568; }")
        row.addWidget(note, 1)
        row.addWidget(close)
        layout.addLayout(row)
        self.fill()
        screen_fit.keep_on_screen(self, QSize(1280, 720))
        self.table.setFocus()

    # ---- building ------------------------------------------------------------------------
    def _items_tab(self) -> QWidget:
        split = QSplitter(Qt.Orientation.Horizontal)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setObjectName("feedbackItems")
        self.table.setAccessibleName("Feedback items")
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for j in range(3):
            header.setSectionResizeMode(j, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)  # the question wraps in what is left
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.currentCellChanged.connect(lambda row, *_: self.show_item(row))
        # The question column takes the width left over: its rows are made tall enough again when it changes.
        self._rows_fitted = True
        header.sectionResized.connect(self._fit_rows_soon)
        split.addWidget(self.table)

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(4, 0, 0, 0)
        self.detail = QTextBrowser()
        self.detail.setObjectName("feedbackDetail")
        self.detail.setAccessibleName("The item, the question and its guidance")
        rl.addWidget(self.detail, 1)
        form = QFormLayout()
        self.answer_choice = QComboBox()
        self.answer_choice.setObjectName("feedbackAnswer")
        self.answer_choice.setAccessibleName("Your answer")
        self.answer_label = QLabel("Your &answer")
        self.answer_label.setBuddy(self.answer_choice)
        form.addRow(self.answer_label, self.answer_choice)
        self.reply_edit = QPlainTextEdit()
        self.reply_edit.setObjectName("feedbackReply")
        self.reply_edit.setAccessibleName("Your reply")
        self.reply_edit.setTabChangesFocus(True)
        self.reply_edit.setPlaceholderText("Your reply (Ctrl+Enter sends it)")
        self.reply_edit.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        reply_label = QLabel("Your re&ply")
        reply_label.setBuddy(self.reply_edit)
        form.addRow(reply_label, self.reply_edit)
        rl.addLayout(form)
        buttons = QHBoxLayout()
        self.read_button = QPushButton("&Mark read")
        self.read_button.setObjectName("feedbackMarkRead")
        self.read_button.clicked.connect(self.mark_read)
        self.send_button = QPushButton("&Send reply")
        self.send_button.setObjectName("feedbackSend")
        self.send_button.clicked.connect(self.send)
        for b in (self.read_button, self.send_button):
            b.setAutoDefault(False)
            buttons.addWidget(b)
        buttons.addStretch(1)
        rl.addLayout(buttons)
        self.item_state = QLabel()
        self.item_state.setAccessibleName("What you have done")
        self.item_state.setWordWrap(True)
        rl.addWidget(self.item_state)
        self.reply_edit.installEventFilter(self)  # Ctrl+Enter sends: the text edit would take it as a new line
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([600, 680])
        return split

    def _figures_tab(self) -> QWidget:
        box = QWidget()
        bl = QVBoxLayout(box)
        self.figures = QTextBrowser()
        self.figures.setObjectName("feedbackFigures")
        self.figures.setAccessibleName("Your calibration results, profile and checks")
        bl.addWidget(self.figures)
        self.figures.setHtml(self._figures_html())
        return box

    def _figures_html(self) -> str:
        o = self.opened

        def table(rows: list[dict], columns: list[tuple[str, str]], empty: str) -> str:
            if not rows:
                return f"<p style='color:#4a5568'>{html.escape(empty)}</p>"
            head = "".join(f"<th align='left'>{html.escape(label)}</th>" for _, label in columns)
            body = "".join("<tr>" + "".join(f"<td>{html.escape(str(r.get(key) or ''))}</td>" for key, _ in columns)
                           + "</tr>" for r in rows)
            return f"<table cellspacing='0' cellpadding='4' border='1'><tr>{head}</tr>{body}</table>"

        return ("<h3>Calibration cases</h3><p>Your marking of each calibration case against the reference marking."
                "</p>" + table(o.calibration, [("reference", "Case"), ("reference_marker", "Reference marker"),
                                               ("questions_compared", "Questions"), ("agreement", "Agreement"),
                                               ("differences", "Where you differ")],
                               "No calibration case of yours yet.")
                + "<h3>Your marking profile</h3><p>Against the rest of the team (docs/METHODS.md, “Marker "
                  "profiles”).</p>" + table(o.profile, [("figure", "Figure"), ("value", "Value"), ("note", "Note")],
                                          "No profile yet.")
                + "<h3>Gold cases and standardisation</h3>"
                + table(o.checks, [("check", "Check"), ("item", "Item"), ("result", "Result"), ("detail", "Detail")],
                        "Nothing for you in this feedback."))

    def _fit_rows_soon(self, *_args) -> None:
        if self._rows_fitted:
            self._rows_fitted = False
            QTimer.singleShot(0, self._fit_rows)

    def _fit_rows(self) -> None:
        self._rows_fitted = True
        self.table.resizeRowsToContents()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if obj is self.reply_edit and event.type() == QEvent.Type.KeyPress \
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) \
                and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.send()
            return True
        return super().eventFilter(obj, event)

    # ---- filling ----------------------------------------------------------------------------
    def fill(self) -> None:
        items = self.opened.items
        keep = self.table.currentRow()
        self.table.setRowCount(len(items))
        for i, item in enumerate(items):
            q = self.t.question_by_id.get(item.question)
            values = ["Query " + str(item.query) if item.kind == "query" else "Disagreement", item.case,
                      state_of(item), f"{item.question} {q.text if q else ''}"]
            for j, v in enumerate(values):
                cell = QTableWidgetItem(v)
                if j == 3:
                    cell.setToolTip(v)
                if not item.read:
                    cell.setBackground(QBrush(UNREAD_BG))
                    font = cell.font()
                    font.setBold(True)
                    cell.setFont(font)
                self.table.setItem(i, j, cell)
        self.table.resizeRowsToContents()
        unread = sum(not i.read for i in items)
        queries = [i for i in items if i.kind == "query"]
        self.summary.setText(
            f"<b>Feedback for {html.escape(self.opened.inspector)}</b> on "
            f"{html.escape(self.opened.about.get('inspection_name', ''))}: "
            f"{len(items) - len(queries)} disagreement(s), {len(queries)} query(ies) · "
            f"<b>{unread} unread</b> · {sum(i.answered for i in queries)} of {len(queries)} query(ies) answered")
        if items:
            row = keep if 0 <= keep < len(items) else 0
            self.table.setCurrentCell(row, 0)
            self.show_item(row)
        else:
            self.show_item(-1)

    def current(self) -> fi.FeedbackItem | None:
        row = self.table.currentRow()
        return self.opened.items[row] if 0 <= row < len(self.opened.items) else None

    def show_item(self, row: int) -> None:
        items = self.opened.items
        for w in (self.read_button, self.send_button, self.reply_edit, self.answer_choice):
            w.setEnabled(0 <= row < len(items))
        if not (0 <= row < len(items)):
            self.detail.setHtml("<p>This feedback holds no disagreement and no query for you: see Your figures.</p>")
            self.item_state.setText("")
            self.answer_choice.setVisible(False)
            self.answer_label.setVisible(False)
            return
        item = items[row]
        q = self.t.question_by_id[item.question]
        r = item.row
        e = html.escape
        where = e(self.t.set_by_id[q.set_id].title + ": " + self.t.section_of(q).title) if q.set_id else ""
        mine = self.inspection.answers(item.case, self.user).get(item.question)
        now_label = fi_label(q, mine.value) if mine else "(no answer)"
        if item.kind == "query":
            body = (f"<p style='background:#ebf8ff;padding:6px'><b>Query {item.query}</b> from "
                    f"{e(r.get('raised_by') or '')} ({e((r.get('raised_at') or '')[:10])}):<br>"
                    f"<i>{e(r['query_text'])}</i></p>"
                    f"<p>Your answer when the query was raised: <b>{e(r.get('your_answer') or '(none)')}</b>; "
                    f"in your file now: <b>{e(now_label)}</b>.</p>")
        else:
            agreed = r.get("agreed_answer")
            body = (f"<p>Your answer: <b>{e(r.get('your_answer') or '')}</b>"
                    + (f" — <i>{e(r['your_comment'])}</i>" if r.get("your_comment") else "")
                    + f"<br>{e(r.get('other_marker') or '')} (the other marking): <b>{e(r.get('other_answer') or '')}"
                    "</b>" + (f" — <i>{e(r['other_comment'])}</i>" if r.get("other_comment") else "")
                    + (f"<br>Agreed answer: <b>{e(agreed)}</b>" if agreed else "<br><b>Not settled yet</b>")
                    + f"</p><p style='background:#f7fafc;padding:6px'>Moderator's reason: {e(r.get('reason') or '')}"
                    + (f" ({e(r.get('settled_by') or '')}, {e((r.get('settled_at') or '')[:10])})"
                       if r.get("settled_by") else "") + "</p>")
        guidance = "".join(f"<p>{e(x)}</p>" for x in (q.guidance or "").split("\n\n") if x.strip())
        self.detail.setHtml(f"<p style='color:#4a5568'>Case {e(item.case)} · {where}</p>"
                            f"<h3>{e(q.id)} {e(q.text)}</h3>{body}<hr><p><b>Guidance</b></p>"
                            + (guidance or "<p style='color:#4a5568'>No guidance is written for this question.</p>"))
        is_query = item.kind == "query"
        self.answer_choice.setVisible(is_query)
        self.answer_label.setVisible(is_query)
        self.answer_choice.clear()
        if is_query:
            self.answer_choice.addItem(f"{KEEP_LABEL} ({now_label})", fi.KEEP)
            from fileexam.domain.questions import AnswerType
            if q.answer.type is AnswerType.SCALE:  # other answers are changed in the form, then answered here
                for o in q.answer.scale.options:
                    self.answer_choice.addItem(o.label, o.value)
        self.send_button.setText("&Answer query" if is_query else "&Send reply")
        rec = item.receipt
        self.reply_edit.setPlainText(rec.reply or "" if rec else "")
        self.read_button.setEnabled(not item.read)
        said = []
        if rec and rec.read_at:
            said.append(f"Read on {rec.read_at[:16].replace('T', ' ')}")
        if rec and rec.replied_at:
            said.append(("Answered" if is_query else "Replied") + f" on {rec.replied_at[:16].replace('T', ' ')}"
                        + (f"; your answer changed from {fi_label(q, rec.answer_before)} to "
                           f"{fi_label(q, rec.answer_after)}" if rec.answer_changed else ""))
        self.item_state.setText(". ".join(said) + ("." if said else "Not read yet."))

    # ---- acting --------------------------------------------------------------------------------
    def mark_read(self) -> None:
        item = self.current()
        if item is None:
            return
        if self._do(lambda: fi.mark_read(self.inspection, item, self.user), "Marking it read"):
            self.say(f"Marked read: {item.title()}.", done=True)

    def send(self) -> None:
        item = self.current()
        if item is None:
            return
        text = self.reply_edit.toPlainText()
        if item.kind == "query":
            value = self.answer_choice.currentData()
            changed = value is not fi.KEEP
            if self._do(lambda: fi.answer_query(self.inspection, item, self.user, text, value), "Answering the query"):
                rec = item.receipt
                self.say(f"Query {item.query} answered" + ("; your answer is changed and saved" if rec.answer_changed
                                                           else "; your answer is kept") + ".", done=True)
                if changed and rec.answer_changed:
                    self.answerChanged.emit(item.case)
        elif self._do(lambda: fi.reply(self.inspection, item, self.user, text), "Saving the reply"):
            self.say(f"Reply saved: {item.title()}.", done=True)

    def _do(self, fn, what: str) -> bool:
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - the file's or the check's refusal, in its own words
            said = plain.words(exc)
            if said is None:
                import traceback
                said = plain.unexpected(what, "".join(traceback.format_exception(exc)))
            self.say(f"Not saved: {said}")
            return False
        self.fill()
        return True

    def say(self, text: str, done: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(DONE_STYLE if done else MESSAGE_STYLE)
        self.message.show()


def fi_label(q, value) -> str:
    from fileexam.domain.answers import answer_label
    return answer_label(q, value) or "(none)"

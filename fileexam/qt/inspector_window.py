"""The inspector's window: the case list, the case's details, the scoring form and the guidance.

Keyboard first: Up and Down in the case list show each case while the focus stays in the list (Enter or
Right goes into the form); an answer's key answers and moves on; the last question that applies says so
(and how to mark the case complete). A complete case is locked: a banner says so and how to reopen it,
the answer controls are disabled, and an answer's key says why in the status bar (no box to dismiss).
Every answer, comment and field change is saved the moment it is given.

A mixin of MainWindow (fileexam.qt.main_window), which holds the file, the messages and the menus."""

from __future__ import annotations

import html
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QHeaderView, QInputDialog
from shiboken6 import isValid

from fileexam.domain.case_status import BadValue, Status
from fileexam.qt import plain
from fileexam.qt.case_list_model import CaseListModel
from fileexam.store.errors import StoreError
from fileexam.store.file_check import DamagedFile
from fileexam.store.sqlite import sqlite3

if TYPE_CHECKING:  # the form, the header and the session (and the template model) come as a file opens
    from fileexam.qt.case_header import CaseHeader
    from fileexam.qt.scoring_form import ScoringForm
    from fileexam.services.scoring_session import ScoringSession

# The keys the case list handles itself (_CaseListKeys below), for the shortcuts help.
CASE_LIST_KEYS = [
    ("Up / Down", "show the previous / next case; the focus stays in the list"),
    ("Enter or Right", "go into the case's scoring form, at its current question"),
]
# The case list's cell padding uses the style's focus frame margin; Qt's common styles give 2. Until the style
# is asked (after the first form is in use), the columns are fitted with that guess.
FOCUS_MARGIN_GUESS = 2
STYLE_ASKED_AFTER_MS = 400
LOCK_STYLE = "QLabel { background: #fff4d6; color: #4d3300; border: 1px solid #c99a2e; padding: 4px 6px; }"


class _CaseListKeys(QObject):
    """Enter or Right in the case list goes into the form; Up and Down stay with the list (Qt's own)."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.KeyPress and event.modifiers() in (Qt.KeyboardModifier.NoModifier,
                                                                          Qt.KeyboardModifier.KeypadModifier):
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Right):
                self.window.enter_form()
                return True
        return False


class InspectorWindow:
    """The scoring page of MainWindow. Uses: self.ui, inspection, user, settings, saved_label, the
    messages (warn), refuse_write, damage_found, _file_key."""

    def _init_inspector(self) -> None:
        self.session: ScoringSession | None = None
        self.form: ScoringForm | None = None
        self.header: CaseHeader | None = None
        self.model: CaseListModel | None = None
        table = self.ui.caseTable
        table.setModel(self.proxy)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        table.horizontalHeader().setStretchLastSection(True)
        # In the sample's order until the user sorts by a column (no sort mark that the rows do not follow).
        table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.proxy.sort(-1)
        table.setProperty("fitOptionalColumns", list(range(CaseListModel.NEEDED, len(CaseListModel.COLUMNS))))
        self._case_keys = _CaseListKeys(self)
        table.installEventFilter(self._case_keys)
        self.ui.guidanceText.setOpenExternalLinks(False)
        self.ui.lockBanner.setStyleSheet(LOCK_STYLE)
        self.ui.lockBanner.setVisible(False)
        self.ui.sectionList.setMinimumWidth(140)
        self.ui.guidancePanel.setMinimumWidth(180)

    def _wire_inspector(self) -> None:
        ui = self.ui
        ui.actionUndo.triggered.connect(self.undo)
        ui.actionComment.triggered.connect(self.comment_on_current)
        ui.actionMarkComplete.triggered.connect(self.mark_complete)
        ui.actionReopen.triggered.connect(self.reopen)
        ui.actionNextUnfinished.triggered.connect(self.next_unfinished)
        ui.actionFindCase.triggered.connect(self.find_case)
        ui.actionCaseList.triggered.connect(self.focus_case_list)
        ui.actionNextSection.triggered.connect(lambda: self.form and self.form.move_section(1))
        ui.actionPrevSection.triggered.connect(lambda: self.form and self.form.move_section(-1))
        ui.actionNextQuestion.triggered.connect(lambda: self._step_question(1))
        ui.actionPrevQuestion.triggered.connect(lambda: self._step_question(-1))
        # Keys the focused question handles itself are shown in the menus, not bound twice.
        for action, hint in ((ui.actionComment, "Enter"), (ui.actionNextQuestion, "Down"),
                             (ui.actionPrevQuestion, "Up")):
            action.setText(f"{action.text()}\t{hint}")
        ui.actionMarkComplete.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        for a in (ui.actionNextSection, ui.actionPrevSection):
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        ui.searchEdit.textChanged.connect(lambda text: self.proxy.set_filters(search=text))
        ui.areaFilter.currentIndexChanged.connect(lambda _i: self.proxy.set_filters(area=ui.areaFilter.currentData()))
        ui.strandFilter.currentIndexChanged.connect(
            lambda _i: self.proxy.set_filters(strand=ui.strandFilter.currentData()))
        ui.statusFilter.currentIndexChanged.connect(
            lambda _i: self.proxy.set_filters(status=ui.statusFilter.currentData()))
        ui.mineOnly.toggled.connect(lambda on: self.proxy.set_filters(inspector=self.user if on else ""))
        ui.caseTable.selectionModel().currentRowChanged.connect(self._case_row_changed)
        ui.caseHeader.toggled.connect(lambda on: self.header and self.header.set_shown(on))
        ui.caseHeader.setToolTip("Untick to fold the case details away")

    # ---- building for an inspection's template ----------------------------------------------
    def _build_for_template(self, t) -> None:
        from fileexam.qt.case_header import CaseHeader
        from fileexam.qt.scoring_form import ScoringForm

        if self.form is not None:
            self.form.deleteLater()
        if self.header is not None:
            self.header.deleteLater()
        self.model = CaseListModel(t, self)
        self.proxy.setSourceModel(self.model)
        self.proxy.set_filters(inspector=self.user if self.ui.mineOnly.isChecked() else "")
        self.form = ScoringForm(t, self.ui.questionScroll, self.ui.sectionList)
        self.form.answered.connect(self.answer)
        self.form.commentEdited.connect(self.save_comment)
        self.form.questionFocused.connect(self._question_focused)
        self.form.lockedKeyPressed.connect(self._say_locked)
        self.form.endReached.connect(self._end_reached)
        scroll = self.ui.questionScroll  # never narrower than the form can be: it has no sideways scroll bar
        scroll.setMinimumWidth(self.form.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width()
                               + 2 * scroll.frameWidth())
        self.header = CaseHeader(t, self.ui.caseHeader)
        self.ui.caseFieldsLayout.addWidget(self.header)
        self.header.fieldEdited.connect(self.save_field)
        self.header.set_shown(self.ui.caseHeader.isChecked())
        self.ui.caseTitle.setText("No case selected")
        self.ui.lockBanner.setVisible(False)
        self.ui.positionLabel.setText("")

    def _fill_filters(self, t) -> None:
        ui = self.ui
        for combo, field_id, everything in ((ui.areaFilter, t.reporting.area_field, "All Areas"),
                                            (ui.strandFilter, t.reporting.strand_field, "All strands")):
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(everything, "")
            f = t.fields_by_id.get(field_id or "")
            for o in (f.values if f else ()):
                combo.addItem(o.label, o.label)
            combo.setVisible(f is not None)
            combo.blockSignals(False)
        ui.statusFilter.blockSignals(True)
        ui.statusFilter.clear()
        ui.statusFilter.addItem("All statuses", "")
        for s in Status:
            ui.statusFilter.addItem(f"{CaseListModel.MARKS[s][0]} {s.value.capitalize()}", s.value)
        ui.statusFilter.blockSignals(False)
        self.proxy.set_filters(area="", strand="", status="")

    def _reload_cases(self, cases=None) -> None:
        f = self.inspection
        self.model.excluded = self._excluded_labels()
        self.model.set_cases(*(cases or (f.cases(), f.statuses(), f.last_changes())))
        self._fit_case_columns()
        self._update_progress()

    def _excluded_labels(self) -> dict[str, str]:
        """Case -> the label of why it is not examinable (issue 18)."""
        if not self.inspection.any_excluded():  # most files: the sample's records are not even imported
            return {}
        from fileexam.services.sample_exclusion import reason_label
        from fileexam.store.sample_records import exclusions
        t = self.inspection.template
        return {ref: reason_label(t, ex.reason) for ref, ex in exclusions(self.inspection).items()}

    def _fit_case_columns(self) -> None:
        """Each column as wide as its widest text; the list as wide as its reference, status, Area and
        strand columns (the others may need sideways scrolling)."""
        table = self.ui.caseTable
        margin = getattr(self, "_focus_margin", None)
        if margin is None:  # asked of the style once the form is in use (QStyle's enums cost ~9 ms at start)
            margin = FOCUS_MARGIN_GUESS
            QTimer.singleShot(STYLE_ASKED_AFTER_MS, self._ask_focus_margin)
        pad = 2 * (margin + 1) + 8
        widths = self.model.column_widths(table.fontMetrics(), table.horizontalHeader().fontMetrics(), pad)
        for column, width in enumerate(widths):
            table.setColumnWidth(column, width)
        needed = (sum(widths[:CaseListModel.NEEDED]) + table.verticalScrollBar().sizeHint().width()
                  + 2 * table.frameWidth() + 2)
        table.setMinimumWidth(needed)

    def _ask_focus_margin(self) -> None:
        """The style's focus frame margin for the case list; its columns refitted if the guess was not it."""
        from PySide6.QtWidgets import QStyle

        if not isValid(self) or getattr(self, "_focus_margin", None) is not None:
            return
        table = self.ui.caseTable
        self._focus_margin = table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table)
        if self._focus_margin != FOCUS_MARGIN_GUESS and self.model is not None:
            self._fit_case_columns()

    def _update_progress(self) -> None:
        mine = [r for r in self.model.rows if r.case.inspector == self.user] or self.model.rows
        done = sum(1 for r in mine if r.status is Status.COMPLETE)
        bar = self.ui.progressBar
        bar.setMaximum(max(1, len(mine)))
        bar.setValue(done)
        who = "my allocation" if any(r.case.inspector == self.user for r in self.model.rows) else "all cases"
        bar.setFormat(f"{done} of {len(mine)} complete ({who})")

    def _select_first_case(self) -> None:
        if self.proxy.rowCount():
            self.ui.caseTable.setCurrentIndex(self.proxy.index(0, 0))

    # ---- choosing a case ------------------------------------------------------
    def select_case(self, reference: str, question: str | None = None) -> bool:
        row = self.model.row_of(reference) if self.model else None
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():  # filtered out: show every case rather than lose the user's place
            self.ui.mineOnly.setChecked(False)
            self.ui.searchEdit.clear()
            self.proxy.set_filters(area="", strand="", status="", search="", inspector="")
            index = self.proxy.mapFromSource(self.model.index(row, 0))
        self._pending_question = question
        self.ui.caseTable.setCurrentIndex(index)
        self.ui.caseTable.scrollTo(index)
        if self.session is None or self.session.reference != reference:
            self._load_case(reference, question)
        return True

    def _case_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        reference = self.proxy.data(current, CaseListModel.ReferenceRole)
        if self.session is not None and self.session.reference == reference:
            return
        self._load_case(reference, getattr(self, "_pending_question", None))
        self._pending_question = None

    def _load_case(self, reference: str, question: str | None = None, focus: bool | None = None) -> None:
        """Show the case. The form takes the keyboard focus (at `question`, or the first unanswered one)
        unless the user is arrowing through the case list: then the focus stays there."""
        from fileexam.services.scoring_session import ScoringSession

        if focus is None:
            focus = not self.ui.caseTable.hasFocus()
        try:
            self.session = ScoringSession(self.inspection, reference, self.user)
        except (StoreError, sqlite3.Error) as exc:
            if plain.is_damage(exc):
                self.damage_found(exc)
                return
            self.warn("Cannot show the case", plain.words(exc) or str(exc))
            return
        t = self.inspection.template
        self.header.load(self.session.case)
        self.form.load(self.session)
        self._show_case_state()
        self.settings.setValue(self._file_key("case"), reference)
        target = question if question in t.question_by_id and self.session.applies.get(question) \
            else self.session.first_unanswered() or self.session.next_applicable(None)

        def arrive() -> None:
            if self.session is None or self.session.reference != reference or self.form is None:
                return  # another case was chosen meanwhile
            (self.form.focus_question if focus else self.form.show_question)(target)
        QTimer.singleShot(0, arrive)

    def _show_case_state(self) -> None:
        """The case's title, and its lock when it is complete."""
        case, t = self.session.case, self.inspection.template
        bits = [t.fields_by_id[k].value_label(case.fields[k]) for k in (t.reporting.area_field, t.reporting.strand_field)
                if k and case.fields.get(k)]
        whose = "" if case.inspector == self.user else (
            f" — allocated to {html.escape(case.inspector or 'nobody')}; your answers are recorded as "
            f"{html.escape(self.user)} (Ctrl+H: back to the home)")
        self.ui.caseTitle.setText(f"<b>{html.escape(case.reference)}</b> — {html.escape(' · '.join(bits))}"
                                  f" — <i>{self.session.status.value}</i>{whose}")
        excluded = self.model.excluded.get(case.reference) if self.model is not None else None
        if excluded:
            self.ui.caseTitle.setText(self.ui.caseTitle.text() + f" — <b>not examinable</b> ({html.escape(excluded)})")
        locked = self.session.status is Status.COMPLETE or bool(excluded)
        self.form.set_locked(locked)
        if excluded:
            self.ui.lockBanner.setText(
                f"<b>This case is not examinable</b> ({html.escape(excluded)}): its answers count in no figure, and "
                "the next reserve of its stratum took its place in the sample.")
        elif locked:
            keys = self.ui.actionReopen.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            self.ui.lockBanner.setText(
                f"<b>This case is complete and locked.</b> To change an answer, reopen it: Case → Reopen case… "
                f"(<b>{keys}</b>), with a reason the audit log keeps.")
        self.ui.lockBanner.setVisible(locked)
        self._update_position(self.form.current)

    def enter_form(self) -> None:
        """From the case list into the form: the current question, or the first unanswered one."""
        if self.form is None or self.session is None:
            return
        qid = self.form.current
        if not (qid and self.session.applies.get(qid)):
            qid = self.session.first_unanswered() or self.session.next_applicable(None)
        self.form.focus_question(qid)

    def focus_case_list(self) -> None:
        self.ui.caseTable.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _question_focused(self, qid: str) -> None:
        if self.inspection is None:  # closing: focus still moves as widgets go
            return
        q = self.inspection.template.question_by_id[qid]
        # The question heads its guidance, in the same scrolling pane: read whole however narrow the pane.
        title = f"<p><b>{qid}</b> {html.escape(q.text)}</p><hr>"
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in q.guidance.split("\n\n") if p.strip())
        why = self.session.why_not(qid) if self.session else None
        self.ui.guidanceText.setHtml(title + (paragraphs or "<p><i>No guidance for this question.</i></p>")
                                     + (f"<p><i>{html.escape(why)}</i></p>" if why else ""))
        self.settings.setValue(self._file_key("question"), qid)
        self._update_position(qid)

    def _complete_keys(self) -> str:
        shortcuts = self.ui.actionMarkComplete.shortcuts()
        return shortcuts[-1].toString(QKeySequence.SequenceFormat.NativeText) if shortcuts else ""

    def _update_position(self, qid: str | None) -> None:
        """Where the focused question is among those that apply: and when it is the last, what comes next."""
        applicable = self.form.applicable() if self.form else []
        if not qid or qid not in applicable:
            self.ui.positionLabel.setText("")
            return
        n = applicable.index(qid) + 1
        if n < len(applicable):
            self.ui.positionLabel.setText(f"Question {n} of {len(applicable)} that apply")
        elif self.session.status is Status.COMPLETE:
            self.ui.positionLabel.setText(f"<b>Last question of this case</b> ({n} of {len(applicable)}); "
                                          "the case is complete")
        else:
            self.ui.positionLabel.setText(f"<b>Last question of this case</b> ({n} of {len(applicable)}) — "
                                          f"{self._complete_keys()} marks it complete")

    def _end_reached(self, qid: str) -> None:
        """Down, or an answer, on the last question that applies: said in the status bar too."""
        if self.session is None:
            return
        if self.session.status is Status.COMPLETE:
            self.ui.statusbar.showMessage("Last question of this case; the case is complete", 6000)
        else:
            self.ui.statusbar.showMessage(f"Last question of this case — {self._complete_keys()} marks it complete",
                                          8000)

    def _say_locked(self, _qid: str = "") -> None:
        """An answer's key in a complete case: one message, in the status bar (nothing to dismiss), and the
        save status beside it cleared so that the bar does not say two things."""
        if self.session is None:
            return
        keys = self.ui.actionReopen.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        self.saved_label.setText("")
        if self.model is not None and self.session.reference in self.model.excluded:
            self.ui.statusbar.showMessage(f"Case {self.session.reference} is not examinable, so nothing was changed",
                                          10000)
            return
        self.ui.statusbar.showMessage(f"Case {self.session.reference} is complete, so nothing was changed: "
                                      f"reopen it ({keys}) to change an answer", 10000)

    # ---- saving (each one durable when it returns) ------------------------------
    def answer(self, qid: str, value, by_keyboard: bool) -> None:
        if self.session is None:
            return
        if self.session.status is Status.COMPLETE:
            if not self.form.locked:  # completed meanwhile, in another window: locked here too
                self._show_case_state()
            self._say_locked(qid)
            self.form.refresh({qid})
            return
        if not self._write(lambda: self.session.set_answer(qid, value), qid):
            return
        if by_keyboard and value is not None:
            self.form.advance_from(qid)
        self._update_position(self.form.current)

    def save_comment(self, qid: str, comment: str) -> None:
        if self.session is not None:
            self._write(lambda: self.session.set_comment(qid, comment), qid)

    def save_field(self, field_id: str, value) -> None:
        if self.session is None:
            return
        if self._write(lambda: self.session.set_field(field_id, value), None):
            self.model.rows[self.model.row_of(self.session.reference)].case = self.session.case
            self._reload_cases_keep()
        else:
            self.header.load(self.session.case)

    def _write(self, fn, qid: str | None) -> bool:
        if self.refuse_write():
            self.form.refresh({qid} if qid else None)
            return False
        try:
            changed = fn()
        except BadValue as exc:
            self.warn("Not saved", str(exc))
            self.form.refresh({qid} if qid else None)
            return False
        except StoreError as exc:
            if isinstance(exc, DamagedFile):
                self.damage_found(exc)
            elif "reopen" in str(exc):  # completed meanwhile (in another window): locked here too
                self._load_case(self.session.reference, qid)
                self._say_locked(qid or "")
                return False
            else:
                self.warn("Not saved", str(exc))
            self.form.refresh({qid} if qid else None)
            return False
        except (sqlite3.Error, OSError) as exc:
            # Nothing was written: the transaction rolled back. Say so plainly; the screen shows what is saved.
            if plain.is_damage(exc):
                self.damage_found(exc)
            else:
                self.warn("Not saved", f"The inspection file could not be written: {plain.words(exc)}.\n\n"
                                       "Everything saved before this is safe. Check the disk and try again.")
            try:
                self.session.answers = self.inspection.answers(self.session.reference, self.user)
            except (sqlite3.Error, StoreError):
                pass  # the file cannot be read now either: the message above says why
            self.form.refresh(None)
            return False
        self.form.refresh(({qid} if qid else set()) | changed if qid else None)
        self.saved_label.setText(f"Saved {datetime.now().strftime('%H:%M:%S')}")
        self.model.update_case(self.session.reference, self.session.status, datetime.now().isoformat())
        self._update_progress()
        self.changes_since_backup = getattr(self, "changes_since_backup", 0) + 1
        return True

    def _reload_cases_keep(self) -> None:
        reference = self.session.reference if self.session else None
        self._reload_cases()
        if reference:
            row = self.model.row_of(reference)
            self.ui.caseTable.setCurrentIndex(self.proxy.mapFromSource(self.model.index(row, 0)))

    # ---- actions --------------------------------------------------------------
    def undo(self) -> None:
        if self.session is None or self.refuse_write():
            return
        if self.session.status is Status.COMPLETE:
            self._say_locked()
            return
        try:
            qid = self.session.undo()
        except (BadValue, StoreError, sqlite3.Error) as exc:
            self.warn("Cannot undo", plain.words(exc) or str(exc))
            return
        if qid is None:
            self.ui.statusbar.showMessage("Nothing to undo", 3000)
            return
        self.form.refresh(None)
        self.saved_label.setText(f"Undone {qid}, saved {datetime.now().strftime('%H:%M:%S')}")
        self.model.update_case(self.session.reference, self.session.status, datetime.now().isoformat())
        self.form.focus_question(qid)

    def comment_on_current(self) -> None:
        if self.form and self.form.current and not self.refuse_write():
            if self.form.locked:
                self._say_locked()
                return
            self.form.widgets[self.form.current].open_comment()

    def _step_question(self, step: int) -> None:
        if self.form and self.form.current:
            self.form._move(self.form.current, step)

    def mark_complete(self) -> None:
        if self.session is None or self.refuse_write():
            return
        if self.session.status is Status.COMPLETE:
            self.ui.statusbar.showMessage(f"Case {self.session.reference} is already complete", 4000)
            return
        try:
            result = self.session.mark_complete()
        except (StoreError, sqlite3.Error, OSError) as exc:
            if plain.is_damage(exc):
                self.damage_found(exc)
            else:
                self.warn("Not marked complete", plain.words(exc) or "The case could not be marked complete.")
            return
        self.model.update_case(self.session.reference, self.session.status, datetime.now().isoformat())
        self._update_progress()
        if result.ok and not result.no_longer_apply:
            self.saved_label.setText(f"Case complete, saved {datetime.now().strftime('%H:%M:%S')}")
            self._load_case(self.session.reference, self.form.current)
            return
        from fileexam.qt.completeness_dialog import CompletenessDialog  # first needed here, not at start-up
        self.completeness = CompletenessDialog(self.inspection.template, self.session.reference, result, self)
        self.completeness.jumpTo.connect(self.form.focus_question)
        self.completeness.open()
        if result.ok:
            self._load_case(self.session.reference, self.form.current)

    def reopen(self) -> None:
        if self.session is None or self.session.status is not Status.COMPLETE:
            self.ui.statusbar.showMessage("Only a complete case can be reopened", 4000)
            return
        if self.refuse_write():
            return
        reason = self.ask_reason(self.session.reference)
        if not reason:
            return
        try:
            self.session.reopen(reason)
        except (BadValue, StoreError, sqlite3.Error) as exc:
            self.warn("Not reopened", plain.words(exc) or str(exc))
            return
        self.model.update_case(self.session.reference, self.session.status, datetime.now().isoformat())
        self._update_progress()
        self.saved_label.setText(f"Case reopened, saved {datetime.now().strftime('%H:%M:%S')}")
        self._load_case(self.session.reference, self.form.current, focus=True)

    def ask_reason(self, reference: str) -> str:
        text, ok = QInputDialog.getText(self, "Reopen case", f"Why is case {reference} being reopened?")
        return text.strip() if ok else ""

    def next_unfinished(self) -> None:
        if self.model is None or not self.proxy.rowCount():
            return
        current = self.ui.caseTable.currentIndex().row()
        n = self.proxy.rowCount()
        for k in range(1, n + 1):
            i = (current + k) % n
            if self.proxy.data(self.proxy.index(i, 0), CaseListModel.StatusRole) not in (
                    Status.COMPLETE.value, CaseListModel.NOT_EXAMINABLE):
                self.ui.caseTable.setCurrentIndex(self.proxy.index(i, 0))
                return
        self.ui.statusbar.showMessage("Every case in the list is complete", 5000)

    def find_case(self) -> None:
        self.ui.searchEdit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.ui.searchEdit.selectAll()

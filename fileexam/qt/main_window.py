"""The inspector's main window: case list, case header, scoring form and guidance. Every change saved at once."""

from __future__ import annotations

import hashlib
import html
import sqlite3
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QByteArray, QModelIndex, QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence
from PySide6.QtWidgets import (QFileDialog, QHeaderView, QInputDialog, QLabel, QMainWindow, QMessageBox,
                               QProgressDialog)

from fileexam import __version__
from fileexam.domain.cases import BadValue, Status
from fileexam.qt.case_header import CaseHeader
from fileexam.qt.case_list_model import CaseFilterProxy, CaseListModel
from fileexam.qt.completeness_dialog import CompletenessDialog
from fileexam.qt import plain
from fileexam.qt.problems_dialog import ProblemsDialog
from fileexam.qt.scoring_form import ScoringForm
from fileexam.qt.start_page import StartPage
from fileexam.qt.tasks import TaskRunner
from fileexam.qt.ui.ui_main_window import Ui_MainWindow
from fileexam.services.scoring_session import ScoringSession
from fileexam.store.errors import StoreError
from fileexam.store.file_check import DamagedFile, NotAnInspection
from fileexam.store.inspection_file import InspectionFile

KEYS_HELP = """<h3>Scoring from the keyboard</h3>
<table cellpadding=3>
<tr><td><b>F P N A</b>, <b>Y N A</b>…</td><td>answer the focused question with that option (its key is shown on its button) and move on</td></tr>
<tr><td><b>1 … 9</b>, <b>0</b></td><td>the first … ninth option; 0 = not applicable</td></tr>
<tr><td><b>Up / Down</b>, <b>Tab</b></td><td>previous / next question that applies</td></tr>
<tr><td><b>PageUp / PageDown</b></td><td>previous / next section</td></tr>
<tr><td><b>Enter</b></td><td>comment on the focused question (Enter saves, Esc returns)</td></tr>
<tr><td><b>Delete</b></td><td>clear the focused answer</td></tr>
<tr><td><b>Ctrl+Z</b></td><td>undo the last answer change</td></tr>
<tr><td><b>Ctrl+Enter</b></td><td>mark the case complete (runs the completeness check)</td></tr>
<tr><td><b>Ctrl+N</b></td><td>next unfinished case</td></tr>
<tr><td><b>Ctrl+F</b></td><td>search cases</td></tr>
</table>
<p>Every answer is saved the moment you give it. There is no Save button.</p>"""

READ_ONLY_FILE = ("the file or its folder cannot be written here, so nothing can be changed in it. To carry on "
                  "working, save a copy (File → Save a copy as…) in a folder you can write to")
DAMAGED_FILE = "the file is damaged, so nothing more is written to it"


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings, user: str, runner=None):
        super().__init__()
        self.ui = Ui_MainWindow()
        self.ui.setupUi(self)
        self.settings = settings
        self.user = user
        self.runner = runner or TaskRunner()
        self.inspection: InspectionFile | None = None
        self.session: ScoringSession | None = None
        self.form: ScoringForm | None = None
        self.header: CaseHeader | None = None
        self.model: CaseListModel | None = None
        self.proxy = CaseFilterProxy(self)
        self.saved_label = QLabel("")
        self.saved_label.setAccessibleName("Save status")
        self.ui.statusbar.addPermanentWidget(self.saved_label)
        self.read_only_label = QLabel("")
        self.read_only_label.setAccessibleName("Read-only")
        self.read_only_label.setStyleSheet("QLabel { color: #8a1c1c; font-weight: bold; padding: 0 6px; }")
        self.read_only_label.setVisible(False)
        self.ui.statusbar.addPermanentWidget(self.read_only_label)
        self.read_only_reason: str | None = None  # why nothing may be written: a read-only or damaged file
        self.damage: tuple[Path, str, tuple[int, Path] | None] | None = None  # (file, what, latest good backup)
        self.ui.caseTable.setModel(self.proxy)
        self.ui.caseTable.verticalHeader().setVisible(False)
        self.ui.caseTable.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.ui.caseTable.horizontalHeader().setStretchLastSection(True)
        self.ui.guidanceText.setOpenExternalLinks(False)
        self.start_page = StartPage(self)
        self.ui.centralLayout.addWidget(self.start_page)
        self.start_page.openRequested.connect(self.choose_and_open)
        self.start_page.newRequested.connect(self.choose_and_create)
        self.start_page.demoRequested.connect(self.open_demo)
        self.start_page.recentChosen.connect(self.open_inspection)
        self._wire()
        self._restore_window()
        self._enable(False)
        self._show_start(True)

    def _show_start(self, on: bool) -> None:
        self.start_page.set_recent([p for p in (self.settings.value("recent") or []) if p])
        self.start_page.setVisible(on)
        self.ui.splitter.setVisible(not on)

    def open_demo(self) -> None:
        from fileexam.qt.app import ensure_demo
        self.open_inspection(ensure_demo(self.user))

    # ---- wiring ---------------------------------------------------------------
    def _wire(self) -> None:
        ui = self.ui
        ui.actionOpen.triggered.connect(self.choose_and_open)
        ui.actionNew.triggered.connect(self.choose_and_create)
        ui.actionImportSample.triggered.connect(self.import_sample)
        ui.actionExport.triggered.connect(self.export_my_work)
        ui.actionQuit.triggered.connect(self.close)
        ui.actionUndo.triggered.connect(self.undo)
        ui.actionComment.triggered.connect(self.comment_on_current)
        ui.actionMarkComplete.triggered.connect(self.mark_complete)
        ui.actionReopen.triggered.connect(self.reopen)
        ui.actionNextUnfinished.triggered.connect(self.next_unfinished)
        ui.actionFindCase.triggered.connect(self.find_case)
        ui.actionNextSection.triggered.connect(lambda: self.form and self.form.move_section(1))
        ui.actionPrevSection.triggered.connect(lambda: self.form and self.form.move_section(-1))
        ui.actionNextQuestion.triggered.connect(lambda: self._step_question(1))
        ui.actionPrevQuestion.triggered.connect(lambda: self._step_question(-1))
        ui.actionSaveCopy.triggered.connect(self.save_copy)
        ui.actionMerge.triggered.connect(self.open_merge)
        ui.actionModeration.triggered.connect(self.open_moderation)
        ui.actionResults.triggered.connect(self.open_results)
        ui.actionReport.triggered.connect(self.write_report)
        ui.actionKeys.triggered.connect(self.show_keys)
        ui.actionAbout.triggered.connect(self.show_about)
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

    def _enable(self, on: bool) -> None:
        for a in (self.ui.actionImportSample, self.ui.actionExport, self.ui.actionUndo, self.ui.actionComment,
                  self.ui.actionMarkComplete, self.ui.actionReopen, self.ui.actionNextUnfinished,
                  self.ui.actionFindCase, self.ui.actionNextSection, self.ui.actionPrevSection,
                  self.ui.actionNextQuestion, self.ui.actionPrevQuestion, self.ui.actionMerge,
                  self.ui.actionResults, self.ui.actionReport, self.ui.actionSaveCopy, self.ui.actionModeration):
            a.setEnabled(on)

    # ---- opening an inspection ------------------------------------------------
    def open_inspection(self, path: Path | str) -> bool:
        """Open an inspection file (SQLite's quick check runs first); False, with a plain message, when it
        cannot be opened: then nothing was written to it and the window stays as it was. The full check
        then runs in the background (check_in_background)."""
        path = Path(path)
        loaded = self._load_inspection(path)
        if loaded is None:
            return False
        inspection, name, t, cases = loaded
        if self.inspection is not None:
            self.inspection.close()
        self.inspection = inspection
        self.inspection_name = name
        self.session = None
        self.damage = None
        self._show_start(False)
        self._build_for_template(t)
        self._fill_filters(t)
        self._reload_cases(cases)
        if not any(r.case.inspector == self.user for r in self.model.rows):
            self.ui.mineOnly.setChecked(False)  # a team lead or moderator has no allocation: show every case
        self._enable(True)
        self._set_read_only(READ_ONLY_FILE if inspection.read_only else None)
        self._remember_recent(path)
        # The backup on opening is made now (the quick check passed), beside the last ten: when the full
        # check then finds damage, it is deleted, and no good backup has been pushed out for it.
        from fileexam.store.backups import KEEP
        self.check_in_background(self.backup_now(keep=KEEP + 1))
        last_case = self.settings.value(self._file_key("case"))
        last_question = self.settings.value(self._file_key("question"))
        if not (last_case and self.select_case(str(last_case), str(last_question) if last_question else None)):
            self._select_first_case()
        self._remind_retention()
        return True

    def _remind_retention(self) -> None:
        """What the template's retention rule says is due for deletion: said once on opening."""
        from fileexam.services.retention import due
        try:
            reminders = due(self.inspection)
        except (StoreError, sqlite3.Error):
            return
        if reminders:
            self.inform("Personal data due for deletion",
                        "Under this inspection's retention rule, these are due for deletion:\n\n"
                        + "\n".join(f"• {r.what}" for r in reminders)
                        + "\n\nThe team lead deletes them with:\n"
                        + "\n".join(r.command(self.inspection.path) for r in reminders)
                        + "\n(with the file closed here: purge needs it to itself).")

    def _load_inspection(self, path: Path):
        """(inspection, name, template, (cases, statuses, last changes)) read from `path`, or None after a
        plain message: damaged (with the latest good backup offered), not an inspection, or not readable."""
        inspection = None
        try:
            inspection = InspectionFile.open(path)
            t = inspection.template  # its stored text is read here: it may be damaged
            cases = (inspection.cases(), inspection.statuses(), inspection.last_changes())
            return inspection, inspection.name, t, cases
        except DamagedFile as exc:
            failure = exc
        except sqlite3.DatabaseError as exc:
            failure = DamagedFile(path, f"SQLite cannot read it ({exc})") if plain.is_damage(exc) else exc
        except Exception as exc:  # noqa: BLE001 - never a crash at start-up: logged, and said plainly
            failure = exc
        if inspection is not None:
            inspection.close()
        if isinstance(failure, DamagedFile):
            self.show_damaged(failure.path, failure.detail)
        elif isinstance(failure, NotAnInspection):
            self.warn("Not an inspection file", f"{failure}.\n\nNothing was changed in it.")
        else:
            said = plain.words(failure)
            if not said:
                import traceback
                details = "".join(traceback.format_exception(failure))
                said = plain.unexpected(f"{path} could not be opened", details)
            self.warn("Cannot open the inspection", said)
        return None

    def _build_for_template(self, t) -> None:
        if self.form is not None:
            self.form.deleteLater()
        layout = self.ui.caseFieldsLayout
        while layout.count():
            item = layout.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self.model = CaseListModel(t, self)
        self.proxy.setSourceModel(self.model)
        # Widths from the font, not from measuring every row: a 1,200-case list opens at once.
        em = self.ui.caseTable.fontMetrics().horizontalAdvance("M")
        for column, chars in enumerate((11, 8, 14, 13, 14, 12)):
            self.ui.caseTable.setColumnWidth(column, chars * em)
        self.proxy.set_filters(inspector=self.user if self.ui.mineOnly.isChecked() else "")
        self.form = ScoringForm(t, self.ui.questionScroll, self.ui.sectionList)
        self.form.answered.connect(self.answer)
        self.form.commentEdited.connect(self.save_comment)
        self.form.questionFocused.connect(self._question_focused)
        self.header = CaseHeader(t, layout, self)
        self.header.fieldEdited.connect(self.save_field)
        self.header.set_shown(self.ui.caseHeader.isChecked())

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
            ui.statusFilter.addItem(s.value.capitalize(), s.value)
        ui.statusFilter.blockSignals(False)
        self.proxy.set_filters(area="", strand="", status="")

    def _reload_cases(self, cases=None) -> None:
        f = self.inspection
        self.model.set_cases(*(cases or (f.cases(), f.statuses(), f.last_changes())))
        self._update_progress()

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

    def _load_case(self, reference: str, question: str | None = None) -> None:
        try:
            self.session = ScoringSession(self.inspection, reference, self.user)
        except (StoreError, sqlite3.Error) as exc:
            if plain.is_damage(exc):
                self.damage_found(exc)
                return
            self.warn("Cannot show the case", plain.words(exc) or str(exc))
            return
        case = self.session.case
        t = self.inspection.template
        bits = [t.fields_by_id[k].value_label(case.fields[k]) for k in (t.reporting.area_field, t.reporting.strand_field)
                if k and case.fields.get(k)]
        self.ui.caseTitle.setText(f"<b>{html.escape(case.reference)}</b> — {html.escape(' · '.join(bits))}"
                                  f" — <i>{self.session.status.value}</i>")
        self.header.load(case)
        self.form.load(self.session)
        self.settings.setValue(self._file_key("case"), reference)
        target = question if question in t.question_by_id and self.session.applies.get(question) \
            else self.session.first_unanswered() or self.session.next_applicable(None)
        QTimer.singleShot(0, lambda: self.form.focus_question(target))

    def _question_focused(self, qid: str) -> None:
        if self.inspection is None:  # closing: focus still moves as widgets go
            return
        q = self.inspection.template.question_by_id[qid]
        self.ui.guidanceTitle.setText(f"<b>{qid}</b> {html.escape(q.text)}")
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in q.guidance.split("\n\n") if p.strip())
        why = self.session.why_not(qid) if self.session else None
        self.ui.guidanceText.setHtml(paragraphs or "<p><i>No guidance for this question.</i></p>")
        if why:
            self.ui.guidanceText.append(f"<p><i>{html.escape(why)}</i></p>")
        self.settings.setValue(self._file_key("question"), qid)

    # ---- saving (each one durable when it returns) ------------------------------
    def answer(self, qid: str, value, by_keyboard: bool) -> None:
        if self.session is None:
            return
        if not self._write(lambda: self.session.set_answer(qid, value), qid):
            return
        if by_keyboard and value is not None:
            self.form.advance_from(qid)

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
            else:
                self.warn("Not saved", str(exc) + ("\n\nUse Case → Reopen case… (Ctrl+Shift+R) to change it."
                                                    if "reopen" in str(exc) else ""))
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

    # ---- backups ---------------------------------------------------------------
    BACKUP_EVERY_MS = 30 * 60 * 1000

    def backup_now(self, keep: int | None = None) -> Path | None:
        """A rotating backup on open and every 30 minutes of changes; a failure is reported, never fatal.
        Never of a file found damaged: such a backup is no use, and would push a good one out."""
        from fileexam.store.backups import KEEP, make_backup
        if self.inspection is None or self.damage is not None:
            return None
        made = None
        try:
            made = make_backup(self.inspection.conn, self.inspection.path, self.backup_root(), keep=keep or KEEP)
            self.changes_since_backup = 0
        except (OSError, sqlite3.Error) as exc:
            self.ui.statusbar.showMessage(f"Backup not made: {plain.words(exc)}", 8000)
        if not hasattr(self, "backup_timer"):
            self.backup_timer = QTimer(self)
            self.backup_timer.timeout.connect(lambda: self.changes_since_backup and self.backup_now())
        if not self.backup_timer.isActive():
            self.backup_timer.start(self.BACKUP_EVERY_MS)
        return made

    def _settle_open_backup(self, path: Path, made: Path | None, damaged: bool) -> None:
        """The backup made on opening was made beside the last ten (none pushed out yet). Once the full
        check has run: the file is damaged, so the backup is of no use and goes; else the oldest beyond
        ten go, as usual."""
        from fileexam.store.backups import KEEP, list_backups
        try:
            if damaged:
                if made is not None:
                    made.unlink(missing_ok=True)
                return
            for old in list_backups(path, self.backup_root())[KEEP:]:
                old.unlink(missing_ok=True)
        except OSError as exc:
            self.ui.statusbar.showMessage(f"Old backups not tidied: {plain.words(exc)}", 8000)

    @staticmethod
    def backup_root() -> Path:
        from fileexam import settings as user_settings
        return user_settings.data_dir() / "backups"

    # ---- checking the file, damage and read-only -------------------------------
    def check_in_background(self, open_backup: Path | None = None) -> None:
        """SQLite's full integrity check (0.25 s on 1,200 cases) on a read-only connection of its own,
        on a worker thread, with no progress dialog: work goes on meanwhile. Damage found: the backup made
        on opening (open_backup) is deleted, and see damage_found."""
        from fileexam.store.file_check import check_held_file
        if self.inspection is None:
            return
        inspection, path = self.inspection, self.inspection.path
        self.ui.statusbar.showMessage("Checking the whole file…")

        def job(_progress):
            check_held_file(path, "full")  # SQLite only, never Python's open(): the app's locks stay held

        def done(_result):
            self._settle_open_backup(path, open_backup, damaged=False)
            if self.inspection is inspection:  # not another file opened meanwhile
                self.ui.statusbar.showMessage("File checked: no damage found", 4000)

        def failed(exc, _tb):
            damaged = plain.is_damage(exc)
            self._settle_open_backup(path, open_backup, damaged)
            if self.inspection is not inspection:
                return
            if damaged:
                self.damage_found(exc)
                return
            # Not run (the file is busy, or has gone): that is no sign of damage; the quick check passed.
            why = plain.words(exc) if isinstance(exc, Exception) else None
            self.ui.statusbar.showMessage(f"The full check of the file was not run: {why or 'it was stopped'}", 8000)

        self.runner.run(job, done, failed)

    def damage_found(self, exc: BaseException) -> None:
        """The open file turned out damaged: the window becomes read-only (nothing more is written into
        a damaged file, and no backup is made of it) and a warning offers the latest good backup."""
        if self.inspection is None:
            return
        path = self.inspection.path
        detail = exc.detail if isinstance(exc, DamagedFile) else f"SQLite cannot read it ({exc})"
        self.inspection.read_only = True  # every write through this file is refused from now on
        self._set_read_only(DAMAGED_FILE)
        if hasattr(self, "backup_timer"):
            self.backup_timer.stop()
        self.show_damaged(path, detail, open_now=True)

    def show_damaged(self, path: Path, detail: str, open_now: bool = False, found=...) -> QMessageBox:
        """The plain message about a damaged file, offering its latest good backup (found: (number, path),
        looked for when not given) with a Restore button that asks first."""
        from fileexam.store.backups import latest_good
        path = Path(path)
        if found is ...:
            try:
                found = latest_good(path, self.backup_root())
            except OSError:
                found = None
        if open_now:
            self.damage = (path, detail, found)
        title = "The inspection file is damaged"
        text = (f"{path.name} is damaged. It is open read-only from now on: nothing more is written to it."
                if open_now else f"{path.name} is damaged, so it was not opened. Nothing was changed in it.")
        lines = [f"What is wrong: {detail.rstrip('.')}."]
        if open_now:
            lines.append("You can still read it, export your work and write reports.")
        if found:
            n, backup = found
            lines.append(f"The latest good backup is number {n}, made {self._made(backup)}. "
                         f"“Restore backup {n}” puts it in place of the damaged file, which is kept aside first. "
                         "Answers given after that backup was made are not in it.")
        else:
            lines.append("No good backup of it is kept by fileexam on this computer. Your team lead may have "
                         "your last exported workbook.")
        lines.append(f"The file: {path}")
        info = "\n\n".join(lines)
        self.ui.statusbar.showMessage(f"{title}: {path.name}", 8000)
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.NoButton, self)
        box.setInformativeText(info)
        close = box.addButton(QMessageBox.StandardButton.Close)
        if found:
            restore_button = box.addButton(f"Restore backup {found[0]}…", QMessageBox.ButtonRole.AcceptRole)
            restore_button.setObjectName("restore_backup")
            box.buttonClicked.connect(lambda b: b is restore_button and self.confirm_restore(path, *found))
        box.setDefaultButton(close)
        box.setEscapeButton(close)
        self._show_box(box)
        self.damage_box = box
        self.last_message = (title, f"{text}\n\n{info}")
        return box

    @staticmethod
    def _made(backup: Path) -> str:
        try:
            return datetime.strptime(backup.stem, "%Y%m%d-%H%M%S-%f").strftime("%d %B %Y at %H:%M").lstrip("0")
        except ValueError:
            return backup.stem

    def confirm_restore(self, path: Path, n: int, backup: Path) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Question, "Restore a backup",
                          f"Put backup {n}, made {self._made(backup)}, in place of {Path(path).name}?",
                          QMessageBox.StandardButton.NoButton, self)
        box.setInformativeText("Answers given after that backup was made are not in it. The file as it is now "
                               "is kept aside first, beside the backups, so nothing is lost.")
        yes = box.addButton(f"Restore backup {n}", QMessageBox.ButtonRole.AcceptRole)
        yes.setObjectName("confirm_restore")
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.buttonClicked.connect(lambda b: b is yes and self.restore_backup(Path(path), n, backup))
        self._show_box(box)
        self.confirm_box = box
        return box

    def restore_backup(self, path: Path, n: int, backup: Path) -> bool:
        """Put `backup` in place of the (damaged) file and open it. The file is closed here first: the
        restore reads the file's header, which must not happen while this process holds it open."""
        from fileexam.store.backups import restore
        from fileexam.store.inspection_file import _OPEN
        path = Path(path)
        if self.inspection is not None and self.inspection.path.resolve() == path.resolve():
            self._close_inspection()
        if str(path.resolve()) in _OPEN:
            self.warn("Backup not restored", f"{path.name} is open in another fileexam window: close it there, "
                                             "then restore the backup.")
            return False
        try:
            safety = restore(path, backup, self.backup_root())
        except (StoreError, OSError, sqlite3.Error) as exc:
            self.warn("Backup not restored", f"{plain.words(exc) or exc}.\n\nThe file was left as it was.")
            return False
        if not self.open_inspection(path):
            return False
        kept = f"\n\nThe file as it was is kept as\n{safety}" if safety else ""
        self.inform("Backup restored", f"{path.name} was brought back from backup {n}, made {self._made(backup)}."
                                       f"{kept}")
        return True

    def _close_inspection(self) -> None:
        if self.inspection is None:
            return
        self.inspection.close()
        self.inspection = None
        self.session = None
        if self.form is not None:
            self.form.clear()
        self.damage = None
        self._set_read_only(None)
        self._enable(False)
        self.setWindowTitle("fileexam")
        self._show_start(True)

    WRITE_ACTIONS = ("actionImportSample", "actionUndo", "actionComment", "actionMarkComplete", "actionReopen",
                     "actionMerge")

    def _set_read_only(self, reason: str | None) -> None:
        """Show plainly that nothing can be changed in the open file (title bar and status bar), and turn
        off the actions that write. reason: READ_ONLY_FILE, DAMAGED_FILE, or None."""
        self.read_only_reason = reason
        if self.inspection is not None:
            extra = " — read-only" if reason else ""
            self.setWindowTitle(f"{self.inspection_name} — {self.user}{extra} — fileexam")
            for name in self.WRITE_ACTIONS:
                getattr(self.ui, name).setEnabled(reason is None)
            # Moderation decisions are refused by a read-only file in the view's own words; a damaged
            # file is not moderated at all until a backup is brought back.
            self.ui.actionModeration.setEnabled(reason != DAMAGED_FILE)
        if reason is None:
            self.read_only_label.setVisible(False)
            return
        short = "the file is damaged" if reason == DAMAGED_FILE else "the file or its folder cannot be written"
        self.read_only_label.setText(f"Read-only: {short}")
        self.read_only_label.setToolTip(reason[0].upper() + reason[1:] + ".")
        self.read_only_label.setVisible(True)

    def refuse_write(self) -> bool:
        """True, after a plain message, when nothing may be written to the open file."""
        if self.read_only_reason is None or self.inspection is None:
            return False
        if self.read_only_reason == DAMAGED_FILE and self.damage is not None:
            path, detail, found = self.damage
            box = self.show_damaged(path, detail, open_now=True, found=found)
            box.setWindowTitle("Not saved: the inspection file is damaged")
            self.last_message = ("Not saved", self.last_message[1])
            return True
        self.warn("Not saved", f"{self.inspection.path.name} is open read-only.\n\n"
                               f"{self.read_only_reason[0].upper()}{self.read_only_reason[1:]}.")
        return True

    # ---- actions --------------------------------------------------------------
    def undo(self) -> None:
        if self.session is None or self.refuse_write():
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
        self._load_case(self.session.reference, self.form.current)

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
            if self.proxy.data(self.proxy.index(i, 0), CaseListModel.StatusRole) != Status.COMPLETE.value:
                self.ui.caseTable.setCurrentIndex(self.proxy.index(i, 0))
                return
        self.ui.statusbar.showMessage("Every case in the list is complete", 5000)

    def find_case(self) -> None:
        self.ui.searchEdit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.ui.searchEdit.selectAll()

    # ---- files ----------------------------------------------------------------
    def choose_and_open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open inspection", self._last_folder(),
                                              "Inspections (*.fileexam);;All files (*)")
        if path:
            self.open_inspection(path)

    def choose_and_create(self) -> None:
        template, _ = QFileDialog.getOpenFileName(self, "Inspection template", self._last_folder(),
                                                  "Templates (*.yaml *.yml)")
        if not template:
            return
        target, _ = QFileDialog.getSaveFileName(self, "New inspection file", self._last_folder(),
                                                "Inspections (*.fileexam)")
        if not target:
            return
        name, ok = QInputDialog.getText(self, "New inspection", "Name of the inspection:")
        if not ok or not name.strip():
            return
        from fileexam.domain.problems import ProblemsFound
        try:
            InspectionFile.create(Path(target), Path(template), name.strip(), self.user).close()
        except ProblemsFound as exc:
            ProblemsDialog("Template has errors", "The template cannot be used:", exc.problems, self).open()
            return
        except (StoreError, OSError, sqlite3.Error) as exc:
            self.warn("Not created", plain.words(exc) or str(exc))
            return
        self.open_inspection(target)

    def import_sample(self, path: str | None = None) -> None:
        if self.inspection is None or self.refuse_write():
            return
        if not path:
            path, _ = QFileDialog.getOpenFileName(self, "Import case sample", self._last_folder(),
                                                  "Samples (*.xlsx *.csv);;All files (*)")
            if not path:
                return
        inspection_path, user = self.inspection.path, self.user

        def job(progress):
            from fileexam.services.sample import import_sample
            with InspectionFile.open(inspection_path) as own:  # SQLite: each thread its own connection
                return import_sample(own, Path(path), user, progress=progress)

        def done(report):
            self._reload_cases_keep()
            if report.problems:
                heading = (f"Imported {report.added} new case(s)." if report.imported else
                           f"<b>Nothing was imported</b>: {len(report.errors)} error(s). Correct the sample and "
                           "import it again.")
                self.problems_dialog = ProblemsDialog("Sample import", heading, report.problems, self)
                self.problems_dialog.open()
            else:
                self.inform("Sample imported", f"Imported {report.added} new case(s); "
                                               f"{report.unchanged} were already here.")

        self._background("Importing sample…", job, done, "Import failed")

    def export_my_work(self, path: str | None = None, password: str | None = None) -> None:
        """Export my work. The save dialog offers the workbook plain or "Encrypt with a password" (then a
        dialog asks the password twice, masked); the choice is remembered for the next export, the password
        never is. `password` encrypts an export given its path."""
        if self.inspection is None:
            return
        if not path:
            from fileexam.qt.password_dialog import NewPasswordDialog

            plain_filter = "Excel workbook (*.xlsx)"
            encrypted_filter = "Excel workbook — Encrypt with a password (*.xlsx)"
            last = encrypted_filter if self.settings.value("export/encrypt", False, type=bool) else plain_filter
            suggested = str(Path(self._last_folder()) / f"{self.inspection.name} - {self.user}.xlsx")
            path, chosen = QFileDialog.getSaveFileName(self, "Export my work", suggested,
                                                       f"{plain_filter};;{encrypted_filter}", last)
            if not path:
                return
            if chosen in (plain_filter, encrypted_filter):
                self.settings.setValue("export/encrypt", chosen == encrypted_filter)
            if chosen == encrypted_filter:
                password = NewPasswordDialog.ask(self, "your exported work")
                if password is None:
                    return
        inspection_path, user = self.inspection.path, self.user

        def job(progress):
            from fileexam.services.export import export_workbook
            with InspectionFile.open(inspection_path) as own:
                return export_workbook(own, Path(path), user, progress, password=password)

        def done(result):
            self.last_export = result.path
            sealed = ("\n\nIt is encrypted: give your team lead its password by another way than the workbook "
                      "(a phone call, not the same e-mail)." if result.encrypted else "")
            self.inform("Exported", f"Your work ({result.cases} case(s), {result.answers} answer(s)) was written to\n"
                                    f"{result.path}\n\nSend this workbook to your team lead." + sealed)

        self._background("Exporting…", job, done, "Export failed")

    def save_copy(self, path: str | None = None) -> None:
        """Copy the open inspection elsewhere: the way out when its file or drive has gone."""
        if self.inspection is None:
            return
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, "Save a copy of the inspection", str(Path.home() /
                                                  self.inspection.path.name), "Inspections (*.fileexam)")
            if not path:
                return
        try:
            target = self.inspection.save_copy(path, self.user)
        except (OSError, sqlite3.Error, StoreError) as exc:
            self.warn("Copy not saved", plain.words(exc) or str(exc))
            return
        self.open_inspection(target)  # carry on in the copy
        self.inform("Copy saved", f"The inspection was copied to\n{target}\nand you are now working in the copy.")

    # ---- team lead --------------------------------------------------------------
    def open_merge(self) -> None:
        if self.inspection is None or self.refuse_write():
            return
        from fileexam.qt.merge_dialog import MergeDialog
        self.merge_dialog = MergeDialog(self.inspection.path, self.user, self.runner, self)
        self.merge_dialog.merged.connect(self._reload_cases_keep)
        self.merge_dialog.open()

    def open_moderation(self) -> None:
        if self.inspection is None:
            return
        from fileexam.qt.moderation_view import ModerationView
        view = getattr(self, "moderation_view", None)
        if view is not None and view.isVisible() and view.inspection is self.inspection:
            view.refresh()  # one window per inspection: brought forward, read again
        else:
            if view is not None:
                view.close()
            self.moderation_view = view = ModerationView(self.inspection, self.user, self)
        view.show()
        view.raise_()
        view.activateWindow()

    def _report_job(self, baseline: Path | None = None, inspection_path: Path | None = None):
        inspection_path = inspection_path or self.inspection.path

        def job(progress):
            from fileexam.services.report import build_report
            with InspectionFile.open(inspection_path) as own:
                return build_report(own, baseline, progress=progress)
        return job

    def open_results(self) -> None:
        if self.inspection is None:
            return
        inspection_path = self.inspection.path

        def rebuild(baseline: Path | None, done, failed) -> None:
            """The Results view's report again, compared with a baseline, on the worker thread. A failure
            goes back to the view to say plainly: a damaged *baseline* is not this inspection's damage."""
            dialog = self._progress_dialog("Comparing with the baseline…" if baseline else "Adding up the results…")
            self.runner.run(self._report_job(baseline, inspection_path),
                            lambda report: (dialog.close(), done(report)),
                            lambda e, tb: (dialog.close(), failed(e, tb)),
                            lambda d, t, w="": self._progress(dialog, d, t, w))

        def done(report):
            from fileexam.qt.results_view import ResultsView
            self.results_view = ResultsView(report, self, rebuild)
            self.results_view.show()

        self._background("Adding up the results…", self._report_job(), done, "Results")

    def write_report(self, path: str | None = None) -> None:
        if self.inspection is None:
            return
        if not path:
            suggested = str(Path(self._last_folder()) / f"{self.inspection.name} - report.xlsx")
            path, _ = QFileDialog.getSaveFileName(self, "Write report workbook", suggested, "Excel workbook (*.xlsx)")
            if not path:
                return
        inspection_path = self.inspection.path

        def job(progress):
            from fileexam.formats.report_workbook import write_report
            from fileexam.services.merge import master_coverage
            from fileexam.services.report import build_report
            with InspectionFile.open(inspection_path) as own:
                report = build_report(own, progress=progress)
                write_report(Path(path), report, own.merges(), master_coverage(own), progress)
            return Path(path)

        self._background("Writing the report…", job,
                         lambda p: self.inform("Report written", f"The report was written to\n{p}"), "Report failed")

    def _background(self, title: str, job, done, failed_title: str) -> None:
        """Run job(progress) on a worker thread behind a progress dialog; done(result) on the main thread."""
        dialog = self._progress_dialog(title)
        self.runner.run(job, lambda result: (dialog.close(), done(result)),
                        lambda e, tb: (dialog.close(), self._failed(failed_title, e, tb)),
                        lambda d, t, w="": self._progress(dialog, d, t, w))

    def _progress_dialog(self, title: str) -> QProgressDialog:
        dialog = QProgressDialog(title, "", 0, 0, self)
        dialog.setWindowTitle("fileexam")
        dialog.setCancelButton(None)
        dialog.setMinimumDuration(400)  # only shows for jobs that take a while
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        return dialog

    @staticmethod
    def _progress(dialog: QProgressDialog, done: int, total: int, what: str) -> None:
        dialog.setMaximum(max(total, 1))
        dialog.setValue(min(done, total))
        if what:
            dialog.setLabelText(what.capitalize() + "…")

    def _failed(self, title: str, exc: BaseException, tb: str) -> None:
        """A background job failed: said in plain words; an error fileexam did not expect is logged, and
        the message says what failed, that saved work is safe, and where the log is."""
        if plain.is_damage(exc) and self.inspection is not None:
            self.damage_found(exc)
            return
        said = plain.words(exc) if isinstance(exc, Exception) else None
        if said:
            self.warn(title, said[0].upper() + said[1:] + ("" if said.endswith(".") else "."))
            return
        self.warn(title, plain.unexpected(title, tb))

    # ---- messages -------------------------------------------------------------
    def warn(self, title: str, text: str) -> QMessageBox:
        self.ui.statusbar.showMessage(f"{title}: {(text.splitlines() or [''])[0]}", 8000)
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        self._show_box(box)
        self.last_message = (title, text)
        return box

    def inform(self, title: str, text: str) -> QMessageBox:
        self.ui.statusbar.showMessage((text.splitlines() or [""])[0], 8000)
        box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, self)
        self._show_box(box)
        self.last_message = (title, text)
        return box

    def _show_box(self, box: QMessageBox) -> None:
        """Window-modal, not blocking: the app keeps responding. Before the window is shown (a file that
        cannot be opened at start-up) the box waits for it, so it appears over the window, not before it."""
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setStyleSheet("QLabel#qt_msgbox_label, QLabel#qt_msgbox_informativelabel { min-width: 30em; }")
        if self.isVisible():
            box.open()
        else:
            QTimer.singleShot(0, box, box.open)

    def show_keys(self) -> None:
        box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts", KEYS_HELP, QMessageBox.StandardButton.Ok, self)
        box.open()

    def show_about(self) -> None:
        QMessageBox.about(self, "About fileexam", f"<b>fileexam {__version__}</b><p>File examination for inspectorates.</p>")

    # ---- remembering ----------------------------------------------------------
    def _file_key(self, what: str) -> str:
        digest = hashlib.sha1(str(self.inspection.path.resolve()).encode()).hexdigest()[:12] if self.inspection else "none"
        return f"files/{digest}/{what}"

    def _remember_recent(self, path: Path) -> None:
        recent = [str(path.resolve())] + [p for p in (self.settings.value("recent") or []) if p != str(path.resolve())]
        self.settings.setValue("recent", recent[:8])
        self.settings.setValue("last_file", str(path.resolve()))

    def _last_folder(self) -> str:
        last = self.settings.value("last_file")
        return str(Path(last).parent) if last else str(Path.home())

    def _restore_window(self) -> None:
        for key, restore in (("window/geometry", self.restoreGeometry), ("window/state", self.restoreState),
                             ("window/splitter", self.ui.splitter.restoreState),
                             ("window/formSplitter", self.ui.formSplitter.restoreState)):
            value = self.settings.value(key)
            if isinstance(value, QByteArray):
                restore(value)
        if self.settings.value("window/splitter") is None:
            self.ui.splitter.setSizes([400, 800, 280])
            self.ui.formSplitter.setSizes([230, 560])

    def save_window(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("window/splitter", self.ui.splitter.saveState())
        self.settings.setValue("window/formSplitter", self.ui.formSplitter.saveState())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        # A comment being typed is saved before closing: nothing typed is lost.
        if self.form and self.form.current:
            w = self.form.widgets[self.form.current]
            if w.comment_pending() and self.read_only_reason is None:
                w._comment_saved()
        self.save_window()
        if self.inspection is not None:
            self.inspection.close()
            self.inspection = None
        super().closeEvent(event)

"""The main window: the menus, the status bar and the open inspection file, and the page each role works
on. Before a file is open, the start page. An inspector lands on their allocation (the scoring page,
qt/inspector_window.py); a team lead or moderator opening a master (no allocation of their own in it,
or work merged from others) lands on the team lead home (qt/team_lead_home.py), with no scoring form
until they choose to mark a case.

The window's other parts are mixins, each in its own module: the File menu's work (file_actions), the
Inspection menu's (team_lead_tools), the care of the file (file_safety) and the background jobs
(background)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox

from fileexam.qt import plain, screen_fit
from fileexam.qt.background import BackgroundJobs
from fileexam.qt.exclusion_actions import ExclusionActions
from fileexam.qt.feedback_actions import FeedbackActions
from fileexam.qt.case_list_model import CaseFilterProxy
from fileexam.qt.file_actions import FileActions
from fileexam.qt.file_safety import DAMAGED_FILE, READ_ONLY_FILE, FileSafety
from fileexam.qt.inspector_window import CASE_LIST_KEYS, InspectorWindow
from fileexam.qt.start_page import StartPage
from fileexam.qt.tasks import TaskRunner
from fileexam.qt.team_lead_tools import TeamLeadTools
from fileexam.qt.ui.ui_main_window import Ui_MainWindow
from fileexam.store.errors import StoreError
from fileexam.store.file_check import DamagedFile, NotAnInspection
from fileexam.store.sqlite import sqlite3

if TYPE_CHECKING:  # the store's module (and YAML with it) is imported as a file opens, after the window shows
    from fileexam.qt.team_lead_home import TeamLeadHome
    from fileexam.store.inspection_file import InspectionFile

__all__ = ["MainWindow", "READ_ONLY_FILE", "DAMAGED_FILE"]

START, HOME, SCORING = "start", "home", "scoring"
PREFERRED_SIZE = QSize(1400, 860)  # on a screen that has room for it; a laptop's gets all it has

# Actions by where they work: with a file open; on the scoring page; on the home; and those that write.
FILE_ACTIONS = ("actionImportSample", "actionExport", "actionSaveCopy", "actionMerge", "actionResults",
                "actionReport", "actionModeration", "actionHome", "actionNotExaminable", "actionOpenFeedback")
SCORING_ACTIONS = ("actionUndo", "actionComment", "actionMarkComplete", "actionReopen", "actionNextUnfinished",
                   "actionFindCase", "actionNextSection", "actionPrevSection", "actionNextQuestion",
                   "actionPrevQuestion", "actionCaseList")
HOME_ACTIONS = ("actionMarkThisCase",)


class MainWindow(InspectorWindow, ExclusionActions, FeedbackActions, TeamLeadTools, FileActions, FileSafety,
                 BackgroundJobs, QMainWindow):
    WRITE_ACTIONS = ("actionImportSample", "actionUndo", "actionComment", "actionMarkComplete", "actionReopen",
                     "actionMerge", "actionNotExaminable", "actionOpenFeedback")

    def __init__(self, settings: QSettings, user: str, runner=None):
        super().__init__()
        self.ui = Ui_MainWindow()
        self.ui.setupUi(self)
        self.settings = settings
        self.user = user
        self.runner = runner or TaskRunner()
        self.inspection: InspectionFile | None = None
        self.page = START
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
        self._init_inspector()
        self._init_exclusion()
        self._init_feedback()
        self.start_page = StartPage(self)
        self.ui.centralLayout.addWidget(self.start_page)
        self.start_page.openRequested.connect(self.choose_and_open)
        self.start_page.newRequested.connect(self.choose_and_create)
        self.start_page.demoRequested.connect(self.open_demo)
        self.start_page.recentChosen.connect(self.open_inspection)
        self._home: TeamLeadHome | None = None  # made when first shown: an inspector may never need it
        self._wire()
        self._wire_inspector()
        self._restore_window()
        self._show_page(START)

    # ---- pages ------------------------------------------------------------------
    @property
    def home(self) -> TeamLeadHome:
        """The team lead home page, made the first time it is asked for."""
        if self._home is None:
            from fileexam.qt.team_lead_home import TeamLeadHome  # an inspector's start need not import it
            ui = self.ui
            self._home = TeamLeadHome([ui.actionMerge, ui.actionResults, ui.actionModeration, ui.actionReport],
                                      ui.actionMarkThisCase, self)
            self._home.markRequested.connect(ui.actionMarkThisCase.trigger)
            self._home.setVisible(self.page == HOME)
            self.ui.centralLayout.addWidget(self._home)
        return self._home

    def _show_page(self, page: str) -> None:
        if page == START:
            self.start_page.set_recent(self._recent_files())
        self.page = page
        self.start_page.setVisible(page == START)
        if self._home is not None or page == HOME:
            self.home.setVisible(page == HOME)
        self.ui.splitter.setVisible(page == SCORING)
        self._update_actions()

    def show_home(self) -> None:
        """The team lead home: coverage, merges, the cases; merge, results, moderation, the report."""
        if self.inspection is None:
            return
        self.refresh_home()
        self._show_page(HOME)
        self.home.cases.setFocus(Qt.FocusReason.OtherFocusReason)

    def refresh_home(self) -> None:
        if self.inspection is not None:
            try:
                self.home.show_inspection(self.inspection, self.user)
            except (StoreError, sqlite3.Error) as exc:
                if plain.is_damage(exc):
                    self.damage_found(exc)
                else:
                    self.ui.statusbar.showMessage(f"The coverage could not be read: {plain.words(exc)}", 8000)

    def mark_this_case(self) -> None:
        """Mark this case: the case chosen on the home, in the scoring form (the explicit step from the home
        to scoring)."""
        reference = self.home.current_case()
        if reference is None:
            self.ui.statusbar.showMessage("Choose a case in the list first", 4000)
            return
        self.mark_case(reference)

    def mark_case(self, reference: str) -> bool:
        self._show_page(SCORING)
        self._fit_splitters()
        if not self.select_case(reference):
            return False
        if self.session is not None and self.session.reference == reference:
            QTimer.singleShot(0, self.enter_form)
        return True

    @staticmethod
    def lands_on_home(inspection: InspectionFile, user: str, cases) -> bool:
        """A team lead's (or moderator's) file: no allocation of the user's in it, or work merged in from
        others (a master). An inspector's own file has their allocation and nothing merged."""
        if not any(c.inspector == user for c in cases):
            return True
        try:
            merges = inspection.merges()
        except (StoreError, sqlite3.Error):
            return False  # the log of merges cannot be read: the user's allocation is there, so that is it
        return any(m.get("outcome") == "merged" and m.get("marker") != user for m in merges)

    # ---- wiring ---------------------------------------------------------------
    def _wire(self) -> None:
        ui = self.ui
        ui.actionOpen.triggered.connect(self.choose_and_open)
        ui.actionNew.triggered.connect(self.choose_and_create)
        ui.actionImportSample.triggered.connect(self.import_sample)
        ui.actionExport.triggered.connect(self.export_my_work)
        ui.actionQuit.triggered.connect(self.close)
        ui.actionSaveCopy.triggered.connect(self.save_copy)
        ui.actionMerge.triggered.connect(self.open_merge)
        ui.actionModeration.triggered.connect(self.open_moderation)
        ui.actionResults.triggered.connect(self.open_results)
        ui.actionReport.triggered.connect(self.write_report)
        ui.actionHome.triggered.connect(self.show_home)
        ui.actionMarkThisCase.triggered.connect(self.mark_this_case)
        ui.actionKeys.triggered.connect(self.show_keys)
        ui.actionAbout.triggered.connect(self.show_about)

    def _update_actions(self) -> None:
        """Each action on where it works (a file open; the scoring page; the home) and whether the file may
        be written."""
        is_open = self.inspection is not None
        for names, on in ((FILE_ACTIONS, is_open), (SCORING_ACTIONS, is_open and self.page == SCORING),
                          (HOME_ACTIONS, is_open and self.page == HOME)):
            for name in names:
                getattr(self.ui, name).setEnabled(on)
        if self.read_only_reason is not None:
            for name in self.WRITE_ACTIONS:
                getattr(self.ui, name).setEnabled(False)
            # Moderation decisions are refused by a read-only file in the view's own words; a damaged
            # file is not moderated at all until a backup is brought back.
            self.ui.actionModeration.setEnabled(is_open and self.read_only_reason != DAMAGED_FILE)

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
        self._build_for_template(t)
        self._fill_filters(t)
        self._reload_cases(cases)
        if not any(r.case.inspector == self.user for r in self.model.rows):
            self.ui.mineOnly.setChecked(False)  # a team lead or moderator has no allocation: show every case
        to_home = self.lands_on_home(inspection, self.user, cases[0])
        self._set_read_only(READ_ONLY_FILE if inspection.read_only else None)
        self._remember_recent(path)
        # The backup on opening (the quick check passed) is made in the background, then the full check:
        # when it finds damage, the backup is deleted, and no good backup has been pushed out for it.
        self.check_in_background(back_up=True)
        if to_home:
            self.show_home()
        else:
            self._show_page(SCORING)
            self._fit_splitters()
            last_case = self.settings.value(self._file_key("case"))
            last_question = self.settings.value(self._file_key("question"))
            if not (last_case and self.select_case(str(last_case), str(last_question) if last_question else None)):
                self._select_first_case()
        self._remind_retention()
        return True

    def _remind_retention(self) -> None:
        """What the template's retention rule says is due for deletion: said once on opening."""
        if self.inspection.template.retention is None:  # most templates: nothing to import or ask
            return
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
        from fileexam.qt.passphrase_dialog import open_inspection_file
        inspection = None
        try:
            inspection = open_inspection_file(self, path)  # an encrypted file: its passphrase is asked
            if inspection is None:  # the passphrase dialog was cancelled: nothing opened, nothing written
                self.ui.statusbar.showMessage(f"{path.name} was not opened", 4000)
                return None
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
        self.setWindowTitle("fileexam")
        self._show_page(START)

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

    def keys_help(self) -> str:
        """The shortcuts help, from the menus' own actions and the keys the form and case list handle."""
        from fileexam.qt.question_widget import FORM_KEYS  # the form's module comes as a file opens
        from fileexam.qt.shortcuts import help_html

        return help_html(self.menuBar(), [("In a question", FORM_KEYS), ("In the case list", CASE_LIST_KEYS)])

    def show_keys(self) -> None:
        from fileexam.qt.shortcuts import ShortcutsDialog
        self.keys_dialog = ShortcutsDialog(self.keys_help(), self)
        self.keys_dialog.open()

    def show_about(self) -> None:
        from fileexam.qt.about_dialog import AboutDialog
        self.about_dialog = AboutDialog(self.inspection, self)
        self.about_dialog.open()

    # ---- remembering ----------------------------------------------------------
    def _file_key(self, what: str) -> str:
        digest = hashlib.sha1(str(self.inspection.path.resolve()).encode()).hexdigest()[:12] if self.inspection else "none"
        return f"files/{digest}/{what}"

    def _recent_files(self) -> list[str]:
        # type=list: an ini file holds a list of one as plain text, read back as a str (then its letters)
        return [p for p in self.settings.value("recent", [], type=list) if isinstance(p, str) and p]

    def _remember_recent(self, path: Path) -> None:
        recent = [str(path.resolve())] + [p for p in self._recent_files() if p != str(path.resolve())]
        self.settings.setValue("recent", recent[:8])
        self.settings.setValue("last_file", str(path.resolve()))

    def _last_folder(self) -> str:
        last = self.settings.value("last_file")
        return str(Path(last).parent) if last else str(Path.home())

    # Window state kept between runs. The splitters' keys are new with the three-pane form (the old ones
    # held two panes).
    SPLITTERS = (("window/cases-splitter", "splitter"), ("window/form-splitter", "formSplitter"))

    def _restore_window(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(PREFERRED_SIZE)
        state = self.settings.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        self._splitters_restored = False
        for key, name in self.SPLITTERS:
            value = self.settings.value(key)
            if isinstance(value, QByteArray):
                self._splitters_restored = getattr(self.ui, name).restoreState(value) or self._splitters_restored
        if not self.windowState() & (Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen):
            screen_fit.fit(self)  # a window saved on a larger screen comes back inside this one

    def _fit_splitters(self) -> None:
        """The first time: the case list as wide as its needed columns, the guidance a third of the rest at
        most, the section list what its longest titles need over two lines."""
        if self._splitters_restored:
            return
        self._splitters_restored = True
        total = max(self.ui.splitter.width(), self.width() - 20)
        cases = max(self.ui.casePanel.minimumSizeHint().width(), self.ui.caseTable.minimumWidth() + 2)
        self.ui.splitter.setSizes([cases, max(total - cases, 1)])
        rest = max(total - cases - 12, 600)
        sections = min(220, max(160, rest // 5))
        guidance = min(400, max(240, rest * 3 // 10))
        self.ui.formSplitter.setSizes([sections, rest - sections - guidance, guidance])

    def save_window(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        if self.page == SCORING or self._splitters_restored:
            for key, name in self.SPLITTERS:
                self.settings.setValue(key, getattr(self.ui, name).saveState())
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

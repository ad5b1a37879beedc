"""The team lead's Merge dialog: drop exchange workbooks, merge them with a progress bar, read the report.

An encrypted workbook is asked its password when it is added (masked; a wrong one is said and asked
again); a password that opened one is tried on the next before asking. Passwords are held by the dialog
only while it is open, never saved.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout,
                               QHeaderView, QLabel, QListWidget, QListWidgetItem, QProgressBar, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout)

from fileexam import settings as user_settings
from fileexam.qt import screen_fit
from fileexam.store.inspection_file import InspectionFile


class DropList(QListWidget):
    """A list that takes .xlsx files dropped from the file manager or an e-mail."""

    filesDropped = Signal(list)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setAccessibleName("Workbooks to merge")

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.toLocalFile().lower().endswith(".xlsx")]
        if paths:
            self.filesDropped.emit(paths)
            event.acceptProposedAction()


class MergeDialog(QDialog):
    merged = Signal()

    COLUMNS = ["Workbook", "Marker", "Outcome", "New", "Updated", "Unchanged", "Older", "Conflicts", "Why / notes"]

    def __init__(self, master_path: Path, user: str, runner, parent=None, key=None):
        super().__init__(parent)
        self.key = key  # an encrypted master's key (never the passphrase): the worker's connection needs it
        self.master_path, self.user, self.runner = Path(master_path), user, runner
        self.setWindowTitle("Merge inspectors' workbooks")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Drop the exchange workbooks here, or add them. Each is checked before anything is "
                                "written, and merged all or nothing."))
        self.files = DropList()
        self.files.filesDropped.connect(self.add_paths)
        layout.addWidget(self.files, 1)
        self._passwords: dict[str, str] = {}  # workbook -> the password that opened it; in memory only
        self.notice = QLabel("")
        self.notice.setAccessibleName("Workbooks left out")
        self.notice.setWordWrap(True)
        self.notice.setVisible(False)
        layout.addWidget(self.notice)
        row = QHBoxLayout()
        add = QPushButton("&Add workbooks…")
        add.clicked.connect(self.choose)
        clear = QPushButton("C&lear list")
        clear.clicked.connect(self.clear_list)
        self.accept_changed = QCheckBox("Accept workbooks &changed after export (recorded in the audit log)")
        row.addWidget(add)
        row.addWidget(clear)
        row.addStretch(1)
        row.addWidget(self.accept_changed)
        layout.addLayout(row)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Merge progress")
        self.progress.setVisible(False)
        layout.addWidget(self.progress)
        self.results = QTableWidget(0, len(self.COLUMNS))
        self.results.setAccessibleName("Merge report")
        self.results.setHorizontalHeaderLabels(self.COLUMNS)
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.verticalHeader().setVisible(False)
        # The notes wrap, one conflict or reason a line, each row as tall as its notes: read whole.
        self.results.setWordWrap(True)
        self.results.horizontalHeader().setSectionResizeMode(len(self.COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.results.horizontalHeader().sectionResized.connect(lambda *_: self.results.resizeRowsToContents())
        layout.addWidget(self.results, 2)
        self.coverage = QLabel("")
        self.coverage.setWordWrap(True)
        self.coverage.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.coverage)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.merge_button = buttons.addButton("&Merge", QDialogButtonBox.ButtonRole.AcceptRole)
        self.merge_button.clicked.connect(self.merge)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        screen_fit.keep_on_screen(self, QSize(1180, 640))

    def choose(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Exchange workbooks", str(self.master_path.parent),
                                                "Excel workbooks (*.xlsx)")
        self.add_paths(paths)

    def add_paths(self, paths: list[str]) -> None:
        """Plain workbooks are listed at once; encrypted ones once their password is given, asked just after
        (not inside a drop: the file manager would wait on the question)."""
        from fileexam.formats.workbook_guard import UnsafeWorkbook, open_encrypted

        shown = set(self._listed())
        encrypted = []
        for p in paths:
            if p in shown:
                continue
            shown.add(p)
            try:
                book = open_encrypted(Path(p))
            except (OSError, UnsafeWorkbook):
                book = None  # the merge refuses it, saying why
            if book is None:
                self._list(p)
            else:
                encrypted.append((p, book))
        if encrypted:
            QTimer.singleShot(0, lambda: self._ask_passwords(encrypted))

    def _listed(self) -> list[str]:
        return [self.files.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.files.count())]

    def _list(self, path: str, encrypted: bool = False) -> None:
        item = QListWidgetItem(f"{Path(path).name}{'  (encrypted)' if encrypted else ''}    —    {Path(path).parent}")
        item.setData(Qt.ItemDataRole.UserRole, path)
        self.files.addItem(item)

    def _ask_passwords(self, books: list) -> None:
        """Each encrypted workbook: a password that opened another is tried first; else it is asked (masked,
        a wrong one said and asked again). Cancelled: the workbook is left out, and the dialog says so."""
        from fileexam.qt.password_dialog import WorkbookPasswordDialog

        left_out = []
        for path, book in books:
            if path in self._listed():
                continue
            password = next((known for known in dict.fromkeys(self._passwords.values()) if book.unlock(known)), None)
            if password is None:
                password = WorkbookPasswordDialog.ask(Path(path).name, book.unlock, self)
            if password is None:
                left_out.append(Path(path).name)
                continue
            self._passwords[path] = password
            self._list(path, encrypted=True)
        if left_out:
            self.notice.setText("Not added (encrypted, and no password given): " + ", ".join(left_out) + ".")
        self.notice.setVisible(bool(left_out))

    def clear_list(self) -> None:
        self.files.clear()
        self._passwords.clear()
        self.notice.setVisible(False)

    def done(self, result: int) -> None:
        self._passwords.clear()  # closed: nothing held
        super().done(result)

    def paths(self) -> list[Path]:
        return [Path(self.files.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.files.count())]

    def merge(self) -> None:
        paths = self.paths()
        if not paths:
            return
        from fileexam.passwords import Passwords

        master, user, accept, key = self.master_path, self.user, self.accept_changed.isChecked(), self.key
        passwords = Passwords(by_path={p: pw for p, pw in self._passwords.items() if Path(p) in paths})

        def job(progress):
            from fileexam.services.merge import merge_workbooks
            with InspectionFile.open(master, key=key) as own:  # the worker's own connection
                return merge_workbooks(own, paths, user, accept, progress,
                                       backup_root=user_settings.data_dir() / "backups", password=passwords)

        self.merge_button.setEnabled(False)
        self.progress.setVisible(True)
        self.progress.setRange(0, len(paths))
        self.runner.run(job, self._done, self._failed, self._progress)

    def _progress(self, done: int, total: int, what: str = "") -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"%v of %m — {what}")

    def _done(self, report) -> None:
        self.report = report
        self.merge_button.setEnabled(True)
        self.progress.setVisible(False)
        self.results.setRowCount(len(report.workbooks))
        for i, w in enumerate(report.workbooks):
            # The workbook's folder is said once, in the tooltip: its name is in the first column.
            reasons = [r.replace(str(w.path), w.path.name) for r in w.reasons]
            notes = "\n".join((["encrypted"] if w.encrypted else []) + reasons
                               + [f"{ref} also marked by {', '.join(o)}" for ref, _, o in w.conflicts])
            values = [w.path.name, w.marker, w.outcome, w.new, w.updated, w.unchanged, w.older, len(w.conflicts), notes]
            for j, v in enumerate(values):
                item = QTableWidgetItem(str(v))
                if j == 2 and w.outcome == "refused":
                    item.setForeground(QColor("#b00020"))  # red that reads at AA contrast on white
                if j == 0:
                    item.setToolTip(str(w.path))
                self.results.setItem(i, j, item)
        notes = len(self.COLUMNS) - 1
        for j in range(notes):
            self.results.resizeColumnToContents(j)
        self.results.resizeRowsToContents()
        cov = report.coverage
        per = ", ".join(f"{g.group} {g.complete}/{g.expected}" for g in cov.by_inspector)
        self.coverage.setText(f"<b>Coverage:</b> {len(cov.cases) - len(cov.missing)} of {len(cov.cases)} sampled "
                              f"cases back complete; {len(cov.missing)} missing. By inspector: {per}.")
        self.merged.emit()

    def _failed(self, exc, tb) -> None:
        """Said in plain words; an error fileexam did not expect is logged (never its class name shown)."""
        import html

        from fileexam.qt import plain
        self.merge_button.setEnabled(True)
        self.progress.setVisible(False)
        said = plain.words(exc) if isinstance(exc, Exception) else None
        what = (said.rstrip(".") + "." if said else
                "something went wrong that fileexam did not expect. " + plain.log(tb).replace("\n", " "))
        self.coverage.setText(f"<b>The merge stopped:</b> {html.escape(what)}<br>Each workbook is merged whole or "
                              "not at all: any merged before this one are in the inspection, the rest were not "
                              "merged. Your saved work is safe.")
        self.merged.emit()  # show what was merged before it stopped


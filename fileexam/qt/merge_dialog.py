"""The team lead's Merge dialog: drop exchange workbooks, merge them with a progress bar, read the report."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout,
                               QHeaderView, QLabel, QListWidget, QListWidgetItem, QProgressBar, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout)

from fileexam import settings as user_settings
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

    def __init__(self, master_path: Path, user: str, runner, parent=None):
        super().__init__(parent)
        self.master_path, self.user, self.runner = Path(master_path), user, runner
        self.setWindowTitle("Merge inspectors' workbooks")
        self.resize(980, 600)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Drop the exchange workbooks here, or add them. Each is checked before anything is "
                                "written, and merged all or nothing."))
        self.files = DropList()
        self.files.filesDropped.connect(self.add_paths)
        layout.addWidget(self.files, 1)
        row = QHBoxLayout()
        add = QPushButton("&Add workbooks…")
        add.clicked.connect(self.choose)
        clear = QPushButton("C&lear list")
        clear.clicked.connect(self.files.clear)
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
        self.results.horizontalHeader().setSectionResizeMode(len(self.COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
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

    def choose(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Exchange workbooks", str(self.master_path.parent),
                                                "Excel workbooks (*.xlsx)")
        self.add_paths(paths)

    def add_paths(self, paths: list[str]) -> None:
        shown = {self.files.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.files.count())}
        for p in paths:
            if p not in shown:
                item = QListWidgetItem(f"{Path(p).name}    —    {Path(p).parent}")
                item.setData(Qt.ItemDataRole.UserRole, p)
                self.files.addItem(item)

    def paths(self) -> list[Path]:
        return [Path(self.files.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.files.count())]

    def merge(self) -> None:
        paths = self.paths()
        if not paths:
            return
        master, user, accept = self.master_path, self.user, self.accept_changed.isChecked()

        def job(progress):
            from fileexam.services.merge import merge_workbooks
            with InspectionFile.open(master) as own:  # the worker's own connection
                return merge_workbooks(own, paths, user, accept, progress,
                                       backup_root=user_settings.data_dir() / "backups")

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
            notes = "; ".join(w.reasons + [f"{ref} also marked by {', '.join(o)}" for ref, _, o in w.conflicts])
            values = [w.path.name, w.marker, w.outcome, w.new, w.updated, w.unchanged, w.older, len(w.conflicts), notes]
            for j, v in enumerate(values):
                item = QTableWidgetItem(str(v))
                if j == 2 and w.outcome == "refused":
                    item.setForeground(Qt.GlobalColor.red)
                self.results.setItem(i, j, item)
        self.results.resizeColumnsToContents()
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


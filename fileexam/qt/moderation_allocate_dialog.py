"""Allocate double marking from the app: a share of each inspector's cases (the template's by default,
reproducible from a seed) or named cases to a named second marker, through
services.moderation.allocate; then each second marker's blind sample written to a folder the user
picks (services.moderation.write_blind_samples), encrypted with a password if asked."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QCheckBox, QComboBox, QDialog, QDoubleSpinBox,
                               QFileDialog, QGridLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton,
                               QRadioButton, QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from fileexam.qt import plain
from fileexam.qt.moderation_figures import escape
from fileexam.store.inspection_file import InspectionFile

MESSAGE_STYLE = ("QLabel { background: #fff5f5; color: #742a2a; border: 1px solid #feb2b2; padding: 4px; }")
DONE_STYLE = ("QLabel { background: #f0fff4; color: #22543d; border: 1px solid #9ae6b4; padding: 4px; }")


class AllocateDialog(QDialog):
    allocated = Signal()

    def __init__(self, inspection: InspectionFile, user: str, parent: QWidget | None = None,
                 folder: Path | None = None):
        super().__init__(parent)
        self.inspection, self.user = inspection, user
        t = inspection.template
        self.setWindowTitle("Allocate double marking")
        self.setMinimumWidth(640)
        outer = QVBoxLayout(self)
        self.settings = QWidget()  # what to allocate and where the samples go; hidden while the result is shown
        layout = QVBoxLayout(self.settings)
        layout.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.settings)
        intro = QLabel("Choose cases for a second, independent marking by another inspector. The second marker never "
                       "sees the first marking: they get a blind sample (the case fields that may leave the laptop, "
                       "no answers, no comments) to import, mark and export as usual.")
        intro.setWordWrap(True)
        layout.addWidget(intro)

        self.by_share = QRadioButton("A &share of each inspector's cases")
        self.by_name = QRadioButton("&Named cases, each to a second marker")
        group = QButtonGroup(self)
        group.addButton(self.by_share)
        group.addButton(self.by_name)
        self.by_share.setChecked(True)
        layout.addWidget(self.by_share)
        share_box = QWidget()
        grid = QGridLayout(share_box)
        grid.setContentsMargins(24, 0, 0, 0)
        self.share = QDoubleSpinBox()
        self.share.setAccessibleName("Share of each inspector's cases")
        self.share.setRange(0.5, 100.0)
        self.share.setDecimals(1)
        self.share.setSingleStep(5.0)
        self.share.setSuffix(" %")
        self.share.setValue(round(t.reporting.double_mark_share * 100, 1))
        self.seed = QSpinBox()
        self.seed.setAccessibleName("Seed")
        self.seed.setRange(0, 999_999)
        self.seed.setValue(1)
        share_label = QLabel("Sha&re:")
        share_label.setBuddy(self.share)
        seed_label = QLabel("S&eed:")
        seed_label.setBuddy(self.seed)
        grid.addWidget(share_label, 0, 0)
        grid.addWidget(self.share, 0, 1)
        grid.addWidget(seed_label, 0, 2)
        grid.addWidget(self.seed, 0, 3)
        grid.setColumnStretch(4, 1)
        note = QLabel(f"The template's share is {t.reporting.double_mark_share * 100:.0f}%. Cases are spread over "
                      "strand and Area, never given to their own inspector; the same seed gives the same choice. "
                      "Cases already allocated are left out: allocating again adds more.")
        note.setWordWrap(True)
        note.setStyleSheet("QLabel { color: #4a5568; }")
        grid.addWidget(note, 1, 0, 1, 5)
        layout.addWidget(share_box)

        layout.addWidget(self.by_name)
        self.named_box = QWidget()
        nl = QVBoxLayout(self.named_box)
        nl.setContentsMargins(24, 0, 0, 0)
        row = QHBoxLayout()
        cases = sorted(inspection.cases(), key=lambda c: c.reference)
        self.case = QComboBox()
        self.case.setEditable(True)
        self.case.setAccessibleName("Case")
        for c in cases:
            self.case.addItem(f"{c.reference} ({c.inspector or 'no inspector'})", c.reference)
        self.case.setCurrentIndex(-1)
        self.second = QComboBox()
        self.second.setEditable(True)
        self.second.setAccessibleName("Second marker")
        self.second.addItems(sorted({c.inspector for c in cases if c.inspector} | set(inspection.markers())))
        self.second.setCurrentIndex(-1)
        case_label = QLabel("&Case:")
        case_label.setBuddy(self.case)
        second_label = QLabel("Second &marker:")
        second_label.setBuddy(self.second)
        self.add_button = QPushButton("&Add")
        self.add_button.clicked.connect(self.add_named)
        row.addWidget(case_label)
        row.addWidget(self.case, 2)
        row.addWidget(second_label)
        row.addWidget(self.second, 1)
        row.addWidget(self.add_button)
        nl.addLayout(row)
        self.named = QTableWidget(0, 2)
        self.named.setAccessibleName("Named cases")
        self.named.setHorizontalHeaderLabels(["Case", "Second marker"])
        self.named.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.named.verticalHeader().setVisible(False)
        self.named.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.named.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.named.setMaximumHeight(110)
        nl.addWidget(self.named)
        self.remove_button = QPushButton("Remo&ve")
        self.remove_button.clicked.connect(lambda: self.named.removeRow(self.named.currentRow()))
        nl.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.named_box)

        self.write = QCheckBox("&Write each second marker's blind sample to this folder:")
        self.write.setChecked(True)
        layout.addWidget(self.write)
        folder_row = QHBoxLayout()
        folder_row.setContentsMargins(24, 0, 0, 0)
        self.folder = QLineEdit(str(folder) if folder else "")
        self.folder.setAccessibleName("Folder for the blind samples")
        self.folder.setPlaceholderText("A folder to write the blind samples into")
        self.browse = QPushButton("&Browse…")
        self.browse.clicked.connect(self.choose_folder)
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.browse)
        layout.addLayout(folder_row)
        self.encrypt = QCheckBox("Encrypt the samples with a &password (asked next; give it by phone, not e-mail)")
        encrypt_row = QHBoxLayout()
        encrypt_row.setContentsMargins(24, 0, 0, 0)
        encrypt_row.addWidget(self.encrypt)
        layout.addLayout(encrypt_row)

        layout = outer
        self.message = QLabel("")
        self.message.setAccessibleName("Message")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.RichText)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        layout.addWidget(self.message)
        self.results = QTableWidget(0, 3)
        self.results.setAccessibleName("Cases allocated")
        self.results.setHorizontalHeaderLabels(["Case", "First marker", "Second marker"])
        self.results.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.results.verticalHeader().setVisible(False)
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.setMinimumHeight(120)
        self.results.hide()
        layout.addWidget(self.results, 1)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.allocate_button = QPushButton("A&llocate")
        self.allocate_button.setDefault(True)
        self.allocate_button.clicked.connect(self.allocate_or_again)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        buttons.addWidget(self.allocate_button)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)

        for w in (self.by_share, self.by_name, self.write):
            w.toggled.connect(self._enable)
        self._enable()

    def allocate_or_again(self) -> None:
        if self.settings.isVisible():
            self.run()
            return
        self.settings.show()  # allocate more: the choices again, the last result put away
        self.results.hide()
        self.message.hide()
        self.allocate_button.setText("A&llocate")
        self.adjustSize()

    def _enable(self) -> None:
        share = self.by_share.isChecked()
        for w in (self.share, self.seed):
            w.setEnabled(share)
        self.named_box.setEnabled(not share)
        for w in (self.folder, self.browse, self.encrypt):
            w.setEnabled(self.write.isChecked())

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for the blind samples", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def add_named(self) -> None:
        text = self.case.currentText().strip()
        i = self.case.findText(text)
        ref = self.case.itemData(i) if i >= 0 else text.split(" ", 1)[0]
        second = self.second.currentText().strip()
        if not ref or not second:
            self.say("Choose a case and type or choose its second marker, then Add.")
            return
        row = self.named.rowCount()
        self.named.insertRow(row)
        self.named.setItem(row, 0, QTableWidgetItem(ref))
        self.named.setItem(row, 1, QTableWidgetItem(second))
        self.case.setCurrentIndex(-1)
        self.case.setEditText("")
        self.message.hide()

    def named_pairs(self) -> list[tuple[str, str]]:
        return [(self.named.item(r, 0).text(), self.named.item(r, 1).text()) for r in range(self.named.rowCount())]

    def say(self, text: str, done: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(DONE_STYLE if done else MESSAGE_STYLE)
        self.message.show()
        self.adjustSize()  # the wrapped message and the list of cases need their lines

    def run(self) -> None:
        from fileexam.services.moderation import allocate

        named = self.named_pairs() if self.by_name.isChecked() else None
        if self.by_name.isChecked() and not named:
            self.say("Add at least one case with its second marker, or allocate a share of each inspector's cases.")
            return
        folder = Path(self.folder.text().strip()) if self.write.isChecked() and self.folder.text().strip() else None
        if self.write.isChecked() and folder is None:
            self.say("Choose the folder to write the blind samples into (Browse…), or untick writing them.")
            return
        password = None
        if folder is not None and self.encrypt.isChecked():
            password = self.ask_password()
            if password is None:
                return
        try:
            pairs = allocate(self.inspection, self.user, None if named else self.share.value() / 100,
                             self.seed.value(), named)
        except Exception as exc:  # noqa: BLE001 - every refusal is said in the window
            self.say(f"<b>Nothing was allocated:</b> {escape(self._words(exc, 'Allocating'))}")
            return
        self.show_pairs(pairs)
        self.allocated.emit()
        text = f"{len(pairs)} case(s) chosen for a second, independent marking." if pairs else \
            "No new case was chosen: every case that could be is already allocated."
        text = escape(text)
        if folder is not None:
            try:
                written = self.write_samples(folder, password)
            except Exception as exc:  # noqa: BLE001
                self.say(f"{text}<br><b>The blind samples were not written:</b> "
                         f"{escape(self._words(exc, 'Writing the blind samples'))}. Choose another folder and "
                         "press Allocate again with the same cases named (nothing is allocated twice).")
                return
            text += (f"<br>Wrote {len(written)} blind sample(s) to {escape(str(folder))}: "
                     + ", ".join(escape(p.name) for p in written)
                     + (" (encrypted)" if password else "") + ". Send each second marker their own; they import "
                     "it (File ▸ Import sample…), mark the cases and export their work as usual. Merge their "
                     "workbooks (Inspection ▸ Merge workbooks…) and the cases appear in the moderation window.")
        self.settings.hide()  # the result in the room the choices took
        self.say(text, done=True)
        self.allocate_button.setText("Allocate &more…")
        self.close_button.setText("&Done")

    def write_samples(self, folder: Path, password: str | None) -> list[Path]:
        from fileexam.formats.sample_workbook import encrypted_samples
        from fileexam.services.moderation import write_blind_samples

        with encrypted_samples(password):
            return write_blind_samples(self.inspection, folder)

    def ask_password(self) -> str | None:
        from fileexam.qt.password_dialog import NewPasswordDialog
        return NewPasswordDialog.ask(self, "the blind samples")

    def show_pairs(self, pairs: list[tuple[str, str, str]]) -> None:
        self.results.setRowCount(len(pairs))
        for i, row in enumerate(pairs):
            for j, v in enumerate(row):
                self.results.setItem(i, j, QTableWidgetItem(v or "(no inspector)"))
        self.results.setVisible(bool(pairs))

    @staticmethod
    def _words(exc: BaseException, what: str) -> str:
        said = plain.words(exc)
        if said is not None:
            return said
        import traceback
        return plain.unexpected(what, "".join(traceback.format_exception(exc)))

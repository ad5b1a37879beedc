"""Help → About: the version, the question sets' versions (those that came with fileexam, and the open
inspection's), and where the settings, data, backups and logs are kept, each with a button that opens the
folder; in the built app, a button for the third-party notices. Also the words the app says at start when
one of those folders cannot be written."""

from __future__ import annotations

import html
import platform
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QMessageBox,
                               QPushButton, QVBoxLayout, QWidget)

from fileexam import __version__, resources
from fileexam.resources import CONSEQUENCE
from fileexam.qt import screen_fit

KINDS = {"inspection-template": "template", "question-set": "set", "sample-design": "design"}
ORDER = ["template", "set", "design"]
SUFFIX = {"template": " (inspection template)", "set": "", "design": " (sample design)"}


def shipped_sets() -> list[tuple[str, str, str]]:
    """(kind, title, version) of each template, question set and sample design that came with fileexam."""
    from fileexam.formats.definitions import load_file, yaml_files

    try:
        files, _ = yaml_files([resources.question_sets()])
    except OSError:
        return []
    found = []
    for path in files:
        loaded = load_file(path)
        d = loaded.definition
        if d is not None:
            found.append((KINDS.get(loaded.kind, "set"), d.title, d.version))
    return sorted(found, key=lambda row: (ORDER.index(row[0]), row[1]))


def open_folder(folder: Path, parent: QWidget | None = None) -> bool:
    """Opens the folder in the file manager (made first if need be); says plainly when it cannot."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        QMessageBox.warning(parent, "fileexam", f"{folder} cannot be opened: {exc.strerror or exc}.")
        return False
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


class AboutDialog(QDialog):
    def __init__(self, inspection=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("About fileexam")
        layout = QVBoxLayout(self)
        how = "Installed app" if resources.frozen() else f"Python {platform.python_version()}"
        head = QLabel(f"<b>fileexam {html.escape(__version__)}</b><br>File examination for inspectorates."
                      f"<br>{how}, Qt for Python {pyside_version}")
        head.setObjectName("aboutVersion")
        head.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(head)

        self.sets = QLabel(self._sets_html(inspection))
        self.sets.setObjectName("aboutQuestionSets")
        self.sets.setWordWrap(True)
        self.sets.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.sets)

        layout.addWidget(QLabel("<b>Where fileexam keeps your things</b>"))
        grid = QGridLayout()
        bad = resources.unwritable()
        self.paths: dict[str, QLineEdit] = {}
        self.open_buttons: dict[str, QPushButton] = {}
        for i, (name, folder) in enumerate(resources.user_folders().items()):
            row = 2 * i  # the folder, then (when it cannot be written) why, under it
            grid.addWidget(QLabel(f"{name}:"), row, 0)
            path = QLineEdit(str(folder))
            path.setReadOnly(True)
            path.setAccessibleName(f"{name} folder")
            path.setMinimumWidth(420)
            path.setCursorPosition(0)
            grid.addWidget(path, row, 1)
            button = QPushButton("Open")
            button.setAccessibleName(f"Open the {name.lower()} folder")
            button.clicked.connect(lambda _=False, f=folder: open_folder(f, self))
            grid.addWidget(button, row, 2)
            self.paths[name], self.open_buttons[name] = path, button
            if name in bad:
                warn = QLabel(f"Cannot be written ({bad[name][1]}): {CONSEQUENCE[name]}.")
                warn.setObjectName(f"aboutUnwritable{name}")
                warn.setWordWrap(True)
                warn.setStyleSheet("color: #a40000")  # dark red: readable, and said in words too
                grid.addWidget(warn, row + 1, 1, 1, 2)
        layout.addLayout(grid)

        notices = resources.third_party_notices()
        row = QHBoxLayout()
        self.notices_button = QPushButton("Third-party notices")
        self.notices_button.setObjectName("aboutNotices")
        self.notices_button.setAccessibleName("Open the third-party notices: the software fileexam bundles "
                                              "and its licences")
        self.notices_button.setEnabled(notices is not None)
        if notices is not None:
            self.notices_button.clicked.connect(
                lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(notices))))
        row.addWidget(self.notices_button)
        row.addWidget(QLabel(f"Python, Qt, SQLCipher and the other libraries in the app, and their licences "
                             f"({notices.name})" if notices is not None else
                             "Made when the app is built (scripts/build_app.py): this copy runs from Python."))
        row.addStretch(1)
        layout.addLayout(row)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        screen_fit.keep_on_screen(self, self.sizeHint().expandedTo(QSize(720, 420)))

    @staticmethod
    def _sets_html(inspection) -> str:
        def rows(items) -> str:
            return "".join(f"<br>&nbsp;&nbsp;{html.escape(t)} {html.escape(v)}" for t, v in items)

        text = "<b>Question sets that came with fileexam</b>"
        shipped = shipped_sets()
        text += (rows((t + SUFFIX[kind], v) for kind, t, v in shipped)
                 if shipped else "<br>&nbsp;&nbsp;(not found)")
        template = getattr(inspection, "template", None) if inspection is not None else None
        if template is not None:
            text += (f"<br><br><b>This inspection ({html.escape(inspection.name)}) uses</b>"
                     + rows([(f"{template.title} (inspection template)", template.version)]
                            + [(s.title, s.version) for s in template.question_sets]))
        return text

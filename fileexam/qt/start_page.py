"""What the window shows before an inspection is open: open, create, the demo, and recent files."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget


class StartPage(QWidget):
    openRequested = Signal()
    newRequested = Signal()
    demoRequested = Signal()
    recentChosen = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName("Start page")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(60, 40, 60, 40)
        title = QLabel("<h1>fileexam</h1><p>File examination for inspectorates: score your sample of case files, "
                       "every answer saved as you give it.</p>")
        title.setWordWrap(True)
        outer.addWidget(title)
        buttons = QHBoxLayout()
        for text, signal, name in (("&Open an inspection…", self.openRequested, "open"),
                                   ("&New inspection from a template…", self.newRequested, "new"),
                                   ("Try the &demo inspection", self.demoRequested, "demo")):
            b = QPushButton(text)
            b.setObjectName(f"start_{name}")
            b.setAccessibleName(text.replace("&", "").rstrip("…"))
            b.clicked.connect(signal)
            buttons.addWidget(b)
        buttons.addStretch(1)
        outer.addLayout(buttons)
        outer.addWidget(QLabel("<b>Recent inspections</b> (double-click or Enter to open)"))
        self.recent = QListWidget()
        self.recent.setAccessibleName("Recent inspections")
        self.recent.itemActivated.connect(lambda item: self.recentChosen.emit(item.data(Qt.ItemDataRole.UserRole)))
        outer.addWidget(self.recent, 1)

    def set_recent(self, paths: list[str]) -> None:
        self.recent.clear()
        for p in paths:
            path = Path(p)
            item = QListWidgetItem(f"{path.stem}    —    {path.parent}")
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            if not path.exists():
                item.setFlags(Qt.ItemFlag.NoItemFlags)
                item.setText(item.text() + "   (missing)")
            self.recent.addItem(item)

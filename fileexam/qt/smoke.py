"""FILEEXAM_SMOKE: the app starts as usual, then closes itself, for checking a built app folder
(scripts/smoke_built_app.py) and timing start-up (benchmarks/run.py) where nobody is there to close it.

    FILEEXAM_SMOKE=1        quit once the main window is shown (exposed) and its events are processed
    FILEEXAM_SMOKE=results  first open Inspection → Results (the report, and its chart drawn), then quit

It prints one line starting "smoke: ok" (or "smoke: FAILED ...", exit code 3) and closes every window."""

from __future__ import annotations

import os
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

TIMEOUT = 120.0  # seconds for the window (and the Results view) to show


def arm(app: QApplication, window) -> None:
    mode = os.environ.get("FILEEXAM_SMOKE", "")
    if not mode:
        return
    start = time.monotonic()
    state = {"asked": False}

    def finish(code: int, said: str) -> None:
        print(f"smoke: {said}", flush=True)
        for w in app.topLevelWidgets():
            w.close()
        app.exit(code)

    def shown(w) -> bool:
        handle = w.windowHandle()
        return w.isVisible() and handle is not None and handle.isExposed()

    def poll() -> None:
        if time.monotonic() - start > TIMEOUT:
            return finish(3, f"FAILED: nothing shown within {TIMEOUT:.0f} s")
        if not shown(window):
            return QTimer.singleShot(20, poll)
        title = window.windowTitle()
        if mode != "results":
            return finish(0, f"ok, main window shown: {title}")
        if not state["asked"]:
            state["asked"] = True
            window.ui.actionResults.trigger()
        for w in app.topLevelWidgets():
            if type(w).__name__ == "ResultsView" and shown(w) and any(
                    type(c).__name__ == "ResultsChart" and c.isVisible() for c in w.findChildren(QWidget)):
                return finish(0, f"ok, main window shown: {title}; Results view shown with its chart")
        QTimer.singleShot(50, poll)

    QTimer.singleShot(0, poll)

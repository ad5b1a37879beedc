"""FILEEXAM_SMOKE: the app starts as usual, then closes itself, for checking a built app folder
(scripts/smoke_built_app.py) and timing start-up (benchmarks/run.py) where nobody is there to close it.

    FILEEXAM_SMOKE=1        quit once the main window is shown (exposed) with the file it was given open
    FILEEXAM_SMOKE=window   quit once the main window is shown (exposed), the file perhaps still opening
    FILEEXAM_SMOKE=form     quit once the first case's form is usable: loaded, enabled, a question focused
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
            return QTimer.singleShot(5, poll)
        if mode == "window":
            return finish(0, "ok, main window shown (window)")
        if getattr(window, "opening", False):  # the file it was given is opened once the window is shown
            return QTimer.singleShot(5, poll)
        title = window.windowTitle()
        if mode == "form":
            form = getattr(window, "form", None)
            if form is None or form.session is None or not form.isEnabled() or form.current is None \
                    or not form.widgets[form.current].isVisible():
                return QTimer.singleShot(5, poll)
            return finish(0, f"ok, first case's form usable: {form.session.reference} at {form.current}")
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

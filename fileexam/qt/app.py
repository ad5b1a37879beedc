"""Starting the desktop app: settings, the user, the demo, the last inspection, and an error net.

The top of the app: it builds the main window; nothing in the windows imports it."""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

from PySide6.QtCore import QSettings, QThreadPool
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox

from fileexam import settings as user_settings
from fileexam.qt.demo_file import DEMO_USER, demo_path, ensure_demo

__all__ = ["DEMO_USER", "build_window", "demo_path", "ensure_demo", "qsettings", "run"]


def qsettings() -> QSettings:
    """Window state kept in an ini file in the platform's settings folder (FILEEXAM_HOME in tests)."""
    folder = user_settings.config_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        pass  # not kept, and said at start (warn_unwritable_folders)
    return QSettings(str(folder / "window.ini"), QSettings.Format.IniFormat)


def log_exception(text: str) -> Path:
    from fileexam import crash_log

    return crash_log.write(text)


def _excepthook(kind, exc, tb) -> None:
    """An unexpected error is logged and shown briefly in plain words (never the exception's class name
    or its text: those are in the log); the app carries on and nothing saved is lost."""
    from fileexam.qt import plain

    text = "".join(traceback.format_exception(kind, exc, tb))
    where = plain.log(text)
    app = QApplication.instance()
    if app is not None:
        said = plain.words(exc) if isinstance(exc, Exception) else None
        head = (f"That could not be done: {said}." if said else
                "Something went wrong that fileexam did not expect.")
        QMessageBox.warning(None, "fileexam", f"{head}\n\nYour saved answers are safe: every answer is saved "
                                              f"the moment you give it.\n\n{where}")


def ask_user(parent=None) -> str | None:
    name, ok = QInputDialog.getText(parent, "Welcome to fileexam",
                                    "Your name or initials. They are recorded with every answer you give:")
    if ok and name.strip():
        user_settings.set_user(name.strip())
        return name.strip()
    return None


def build_window(file: str | None = None, demo: bool = False, runner=None, defer: bool = False):
    """The main window, opened on the demo, a given file, or the last inspection used.
    defer: the file is opened once the window is on screen (open_when_shown), as the app starts."""
    from fileexam.qt.main_window import MainWindow

    app = QApplication.instance()
    app.setApplicationName("fileexam")
    app.setOrganizationName("fileexam")
    if demo:
        user = user_settings.user() or DEMO_USER
    else:
        user = user_settings.user() or ask_user()
        if not user:
            return None
    window = MainWindow(qsettings(), user, runner)
    opener = None
    if demo:
        opener = lambda: window.open_inspection(ensure_demo(user))  # noqa: E731
    elif file:
        opener = lambda: window.open_inspection(file)  # noqa: E731
    else:
        last = window.settings.value("last_file")
        if last and Path(last).exists():
            opener = lambda: window.open_inspection(last)  # noqa: E731
    if opener is not None:
        open_when_shown(window, opener) if defer else opener()
    return window


def open_when_shown(window, opener) -> None:
    """Start-up: the window on screen first (shown and painted), then the file opened and the form built,
    so that the window appears at once. Meanwhile window.opening is True, the status bar says what is
    being opened and the start page's choices are not offered for a moment."""
    from PySide6.QtCore import QTimer

    window.opening = True
    window.start_page.setVisible(False)
    window.ui.statusbar.showMessage("Opening the inspection file…")

    def when_shown() -> None:
        handle = window.windowHandle()
        if not window.isVisible() or handle is None or not handle.isExposed():
            QTimer.singleShot(5, when_shown)
            return
        window.repaint()  # the first paint, before the work
        QTimer.singleShot(0, open_now)  # events already waiting (paints, input) are handled first

    def open_now() -> None:
        try:
            opener()
        finally:
            window.opening = False
            window.start_page.setVisible(window.page == "start")  # not opened: the start page again

    QTimer.singleShot(0, when_shown)


def warn_unwritable_folders() -> str | None:
    """At start: says plainly which of the user's folders (settings, data, backups, logs) cannot be written
    and what that costs; the app opens all the same. Under FILEEXAM_SMOKE the words go to stderr."""
    from fileexam.resources import unwritable_message  # not the About dialog's module: 40 ms of start-up

    text = unwritable_message()
    if text and os.environ.get("FILEEXAM_SMOKE"):
        print(text, file=sys.stderr)
    elif text:
        QMessageBox.warning(None, "fileexam: folders it cannot write", text)
    return text


def run(file: str | None = None, demo: bool = False) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    sys.excepthook = _excepthook
    warn_unwritable_folders()
    window = build_window(file, demo, defer=True)
    if window is None:
        return 1
    window.show()
    from fileexam.qt import smoke
    smoke.arm(app, window)  # FILEEXAM_SMOKE only: closes the app once it is shown
    code = app.exec()
    # Jobs still running (the backup made on opening, then the full check of the file) end before Python
    # tears down: a backup cut short would be no backup.
    QThreadPool.globalInstance().waitForDone(120_000)
    return code

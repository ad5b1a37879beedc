"""fileexam.qt.tasks: a background job that ends after the window that started it has gone (the app
closed while the full check of a large file was still running) ends quietly: no error logged, no crash."""

from __future__ import annotations

import threading

import shiboken6
from PySide6.QtCore import QThreadPool

from fileexam.qt.tasks import TaskRunner


def test_a_job_finishing_after_its_window_has_gone_ends_quietly(qtbot, own_home):
    runner, release, heard = TaskRunner(), threading.Event(), []
    runner.run(lambda progress: (release.wait(10), progress(1, 1, "done"), 42)[-1],
               heard.append, lambda e, tb: heard.append(e))
    (signals,) = runner._keep
    shiboken6.delete(signals)  # what closing the window does to the job's signals
    release.set()
    assert QThreadPool.globalInstance().waitForDone(10000)
    qtbot.wait(50)  # pytest-qt fails the test on an exception raised in the job (QRunnable.run)
    assert heard == []
    assert not (own_home / "data" / "logs" / "fileexam-errors.log").exists()

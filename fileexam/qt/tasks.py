"""Background work: long jobs run on a worker thread; their results and progress land on the main thread.

Tests swap in InlineRunner, which runs the job at once on the calling thread.
"""

from __future__ import annotations

import traceback
from typing import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Signals(QObject):
    progress = Signal(int, int, str)
    done = Signal(object)
    failed = Signal(object, str)  # exception, formatted traceback


class _Job(QRunnable):
    def __init__(self, fn: Callable, signals: _Signals):
        super().__init__()
        self.fn, self.signals = fn, signals

    def run(self) -> None:
        try:
            result = self.fn(lambda d, t, w="": self._emit(self.signals.progress, d, t, w))
        except BaseException as exc:  # noqa: BLE001 - reported on the main thread
            self._emit(self.signals.failed, exc, traceback.format_exc())
        else:
            self._emit(self.signals.done, result)

    @staticmethod
    def _emit(signal, *args) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:  # the window that asked has gone (the app is closing): nobody is left to tell
            pass


class TaskRunner:
    """run(fn(progress) -> result, on_done, on_failed, on_progress): callbacks come back on the main thread."""

    def __init__(self):
        self.pool = QThreadPool.globalInstance()
        self._keep: set[_Signals] = set()

    def run(self, fn, on_done, on_failed, on_progress=None) -> None:
        signals = _Signals()
        self._keep.add(signals)
        signals.done.connect(lambda r: (self._keep.discard(signals), on_done(r)))
        signals.failed.connect(lambda e, tb: (self._keep.discard(signals), on_failed(e, tb)))
        if on_progress:
            signals.progress.connect(on_progress)
        self.pool.start(_Job(fn, signals))


class InlineRunner:
    def run(self, fn, on_done, on_failed, on_progress=None) -> None:
        try:
            result = fn(on_progress or (lambda *a: None))
        except BaseException as exc:  # noqa: BLE001
            on_failed(exc, traceback.format_exc())
        else:
            on_done(result)

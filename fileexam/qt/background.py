"""The main window's long jobs (import, export, merge, results, report): run on a worker thread behind a
progress dialog that shows only when a job takes a while; a failure said in plain words, an unexpected
one logged. A mixin of MainWindow: it uses the window's runner, messages and damage handling."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog

from fileexam.qt import plain


class BackgroundJobs:
    def _background(self, title: str, job, done, failed_title: str) -> None:
        """Run job(progress) on a worker thread behind a progress dialog; done(result) on the main thread."""
        dialog = self._progress_dialog(title)
        self.runner.run(job, lambda result: (dialog.close(), done(result)),
                        lambda e, tb: (dialog.close(), self._failed(failed_title, e, tb)),
                        lambda d, t, w="": self._progress(dialog, d, t, w))

    def _progress_dialog(self, title: str) -> QProgressDialog:
        dialog = QProgressDialog(title, "", 0, 0, self)
        dialog.setWindowTitle("fileexam")
        dialog.setCancelButton(None)
        dialog.setMinimumDuration(400)  # only shows for jobs that take a while
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        return dialog

    @staticmethod
    def _progress(dialog: QProgressDialog, done: int, total: int, what: str) -> None:
        dialog.setMaximum(max(total, 1))
        dialog.setValue(min(done, total))
        if what:
            dialog.setLabelText(what.capitalize() + "…")

    def _failed(self, title: str, exc: BaseException, tb: str) -> None:
        """A background job failed: said in plain words; an error fileexam did not expect is logged, and
        the message says what failed, that saved work is safe, and where the log is."""
        if plain.is_damage(exc) and self.inspection is not None:
            self.damage_found(exc)
            return
        said = plain.words(exc) if isinstance(exc, Exception) else None
        if said:
            self.warn(title, said[0].upper() + said[1:] + ("" if said.endswith(".") else "."))
            return
        self.warn(title, plain.unexpected(title, tb))

"""The Inspection menu's work, the team lead's and the moderator's: merge workbooks, the Results view,
the moderation window and the report workbook. Offered on the team lead home and in the menu.
A mixin of MainWindow: it uses the window's inspection, user, runner and background jobs."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from fileexam.store.errors import StoreError


class TeamLeadTools:
    def open_merge(self) -> None:
        if self.inspection is None or self.refuse_write():
            return
        from fileexam.qt.merge_dialog import MergeDialog
        self.merge_dialog = MergeDialog(self.inspection.path, self.user, self.runner, self,
                                        key=self.inspection.cipher_key)
        self.merge_dialog.merged.connect(self._after_merge)
        self.merge_dialog.open()

    def _after_merge(self) -> None:
        self._reload_cases_keep()
        self.refresh_home()

    def open_moderation(self) -> None:
        if self.inspection is None:
            return
        from fileexam.qt.moderation_view import ModerationView
        view = getattr(self, "moderation_view", None)
        if view is not None and view.isVisible() and view.inspection is self.inspection:
            view.refresh()  # one window per inspection: brought forward, read again
        else:
            if view is not None:
                view.close()
            self.moderation_view = view = ModerationView(self.inspection, self.user, self)
        view.show()
        view.raise_()
        view.activateWindow()

    def _report_job(self, baseline: Path | None = None, inspection_path: Path | None = None, baseline_key=None):
        inspection_path = inspection_path or self.inspection.path
        key = self.inspection.cipher_key if self.inspection is not None else None

        def job(progress):
            from fileexam.services.report import build_report
            from fileexam.store.inspection_file import InspectionFile  # not at start-up
            with InspectionFile.open(inspection_path, key=key) as own:
                return build_report(own, baseline, progress=progress, baseline_key=baseline_key)
        return job

    def open_results(self) -> None:
        if self.inspection is None:
            return
        inspection_path = self.inspection.path

        def rebuild(baseline: Path | None, done, failed) -> None:
            """The Results view's report again, compared with a baseline, on the worker thread. A failure
            goes back to the view to say plainly: a damaged *baseline* is not this inspection's damage."""
            baseline_key = None
            if baseline is not None and baseline.suffix.lower() not in (".xlsx", ".xlsm"):
                from fileexam.qt.passphrase_dialog import unlock_key
                given, baseline_key = unlock_key(self, baseline)  # an encrypted master: its passphrase
                if not given:
                    failed(StoreError("it is encrypted and its passphrase was not given"), "")
                    return
            dialog = self._progress_dialog("Comparing with the baseline…" if baseline else "Adding up the results…")
            self.runner.run(self._report_job(baseline, inspection_path, baseline_key),
                            lambda report: (dialog.close(), done(report)),
                            lambda e, tb: (dialog.close(), failed(e, tb)),
                            lambda d, t, w="": self._progress(dialog, d, t, w))

        def done(report):
            from fileexam.qt.results_view import ResultsView
            self.results_view = ResultsView(report, self, rebuild)
            self.results_view.show()

        self._background("Adding up the results…", self._report_job(), done, "Results")

    def write_report(self, path: str | None = None) -> None:
        if self.inspection is None:
            return
        if not path:
            suggested = str(Path(self._last_folder()) / f"{self.inspection.name} - report.xlsx")
            path, _ = QFileDialog.getSaveFileName(self, "Write report workbook", suggested, "Excel workbook (*.xlsx)")
            if not path:
                return
        inspection_path, key = self.inspection.path, self.inspection.cipher_key

        def job(progress):
            from fileexam.formats.report_workbook import write_report
            from fileexam.services.merge import master_coverage
            from fileexam.services.report import build_report
            from fileexam.store.inspection_file import InspectionFile  # not at start-up
            with InspectionFile.open(inspection_path, key=key) as own:
                with own.snapshot(twin=True):  # the figures, merges and coverage of one moment of the file
                    report = build_report(own, progress=progress)
                    merges, coverage = own.merges(), master_coverage(own)
                write_report(Path(path), report, merges, coverage, progress)
            return Path(path)

        self._background("Writing the report…", job,
                         lambda p: self.inform("Report written", f"The report was written to\n{p}"), "Report failed")

"""The File menu's work: open, create, the demo, import a sample, export my work, save a copy.
A mixin of MainWindow: it uses the window's inspection, user, settings, messages and background jobs."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QInputDialog

from fileexam.qt import plain
from fileexam.store.errors import StoreError
from fileexam.store.sqlite import sqlite3


def _file_dialog():
    """QFileDialog, imported when a file is first chosen: importing it builds its class and enums."""
    from PySide6.QtWidgets import QFileDialog
    return QFileDialog


class FileActions:
    def open_demo(self) -> None:
        from fileexam.qt.demo_file import ensure_demo
        self.open_inspection(ensure_demo(self.user))

    def choose_and_open(self) -> None:
        path, _ = _file_dialog().getOpenFileName(self, "Open inspection", self._last_folder(),
                                              "Inspections (*.fileexam);;All files (*)")
        if path:
            self.open_inspection(path)

    def choose_and_create(self) -> None:
        template, _ = _file_dialog().getOpenFileName(self, "Inspection template", self._last_folder(),
                                                  "Templates (*.yaml *.yml)")
        if not template:
            return
        encrypted_filter = "Inspection — Encrypt with a passphrase (*.fileexam)"
        target, chosen = _file_dialog().getSaveFileName(self, "New inspection file", self._last_folder(),
                                                     f"Inspections (*.fileexam);;{encrypted_filter}")
        if not target:
            return
        name, ok = QInputDialog.getText(self, "New inspection", "Name of the inspection:")
        if not ok or not name.strip():
            return
        key = None
        if chosen == encrypted_filter:
            from fileexam.qt.passphrase_dialog import NewPassphraseDialog
            key = NewPassphraseDialog.ask(self)  # the derived key; the passphrase is not kept
            if key is None:
                return
        from fileexam.domain.problems import ProblemsFound
        from fileexam.qt.problems_dialog import ProblemsDialog
        from fileexam.store.inspection_file import InspectionFile  # not at start-up
        try:
            InspectionFile.create(Path(target), Path(template), name.strip(), self.user, key=key).close()
            if key is not None:
                self.unlocked_key = (str(Path(target).resolve()), key)  # opened next without asking again
        except ProblemsFound as exc:
            ProblemsDialog("Template has errors", "The template cannot be used:", exc.problems, self).open()
            return
        except (StoreError, OSError, sqlite3.Error) as exc:
            self.warn("Not created", plain.words(exc) or str(exc))
            return
        self.open_inspection(target)

    def import_sample(self, path: str | None = None) -> None:
        if self.inspection is None or self.refuse_write():
            return
        if not path:
            path, _ = _file_dialog().getOpenFileName(self, "Import case sample", self._last_folder(),
                                                  "Samples (*.xlsx *.csv);;All files (*)")
            if not path:
                return
        inspection_path, user, key = self.inspection.path, self.user, self.inspection.cipher_key

        def job(progress):
            from fileexam.services.sample import import_sample
            from fileexam.store.inspection_file import InspectionFile  # not at start-up
            with InspectionFile.open(inspection_path, key=key) as own:  # SQLite: each thread its own connection
                return import_sample(own, Path(path), user, progress=progress)

        def done(report):
            self._reload_cases_keep()
            self.refresh_home()
            if report.problems:
                heading = (f"Imported {report.added} new case(s)." if report.imported else
                           f"<b>Nothing was imported</b>: {len(report.errors)} error(s). Correct the sample and "
                           "import it again.")
                from fileexam.qt.problems_dialog import ProblemsDialog
                self.problems_dialog = ProblemsDialog("Sample import", heading, report.problems, self)
                self.problems_dialog.open()
            else:
                self.inform("Sample imported", f"Imported {report.added} new case(s); "
                                               f"{report.unchanged} were already here.")

        self._background("Importing sample…", job, done, "Import failed")

    def export_my_work(self, path: str | None = None, password: str | None = None) -> None:
        """Export my work. The save dialog offers the workbook plain or "Encrypt with a password" (then a
        dialog asks the password twice, masked); the choice is remembered for the next export, the password
        never is. `password` encrypts an export given its path."""
        if self.inspection is None:
            return
        if not path:
            from fileexam.qt.password_dialog import NewPasswordDialog

            plain_filter = "Excel workbook (*.xlsx)"
            encrypted_filter = "Excel workbook — Encrypt with a password (*.xlsx)"
            last = encrypted_filter if self.settings.value("export/encrypt", False, type=bool) else plain_filter
            suggested = str(Path(self._last_folder()) / f"{self.inspection.name} - {self.user}.xlsx")
            path, chosen = _file_dialog().getSaveFileName(self, "Export my work", suggested,
                                                       f"{plain_filter};;{encrypted_filter}", last)
            if not path:
                return
            if chosen in (plain_filter, encrypted_filter):
                self.settings.setValue("export/encrypt", chosen == encrypted_filter)
            if chosen == encrypted_filter:
                password = NewPasswordDialog.ask(self, "your exported work")
                if password is None:
                    return
        inspection_path, user, key = self.inspection.path, self.user, self.inspection.cipher_key

        def job(progress):
            from fileexam.services.export import export_workbook
            from fileexam.store.inspection_file import InspectionFile  # not at start-up
            with InspectionFile.open(inspection_path, key=key) as own:
                return export_workbook(own, Path(path), user, progress, password=password)

        def done(result):
            self.last_export = result.path
            sealed = ("\n\nIt is encrypted: give your team lead its password by another way than the workbook "
                      "(a phone call, not the same e-mail)." if result.encrypted else "")
            self.inform("Exported", f"Your work ({result.cases} case(s), {result.answers} answer(s)) was written to\n"
                                    f"{result.path}\n\nSend this workbook to your team lead." + sealed)

        self._background("Exporting…", job, done, "Export failed")

    def save_copy(self, path: str | None = None) -> None:
        """Copy the open inspection elsewhere: the way out when its file or drive has gone."""
        if self.inspection is None:
            return
        if not path:
            path, _ = _file_dialog().getSaveFileName(self, "Save a copy of the inspection", str(Path.home() /
                                                  self.inspection.path.name), "Inspections (*.fileexam)")
            if not path:
                return
        try:
            target = self.inspection.save_copy(path, self.user)
        except (OSError, sqlite3.Error, StoreError) as exc:
            self.warn("Copy not saved", plain.words(exc) or str(exc))
            return
        self.open_inspection(target)  # carry on in the copy
        self.inform("Copy saved", f"The inspection was copied to\n{target}\nand you are now working in the copy.")

"""The main window's care of the inspection file: rotating backups, the full integrity check in the
background, a file found damaged (read-only from then on, its latest good backup offered and restored
on request), and a file that cannot be written (read-only, said in the title and status bars).

A mixin of MainWindow: it uses the window's inspection, runner, status bar, messages and actions."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from fileexam.qt import plain
from fileexam.store.errors import StoreError
from fileexam.store.file_check import DamagedFile
from fileexam.store.sqlite import sqlite3

READ_ONLY_FILE = ("the file or its folder cannot be written here, so nothing can be changed in it. To carry on "
                  "working, save a copy (File → Save a copy as…) in a folder you can write to")
DAMAGED_FILE = "the file is damaged, so nothing more is written to it"


class FileSafety:
    BACKUP_EVERY_MS = 30 * 60 * 1000

    # ---- backups ---------------------------------------------------------------
    def backup_now(self, keep: int | None = None) -> Path | None:
        """A rotating backup on open and every 30 minutes of changes; a failure is reported, never fatal.
        Never of a file found damaged: such a backup is no use, and would push a good one out."""
        from fileexam.store.backups import KEEP, make_backup
        if self.inspection is None or self.damage is not None:
            return None
        made = None
        try:
            made = make_backup(self.inspection.conn, self.inspection.path, self.backup_root(), keep=keep or KEEP,
                               key=self.inspection.cipher_key)  # an encrypted file's backups: the same key
            self.changes_since_backup = 0
        except (OSError, sqlite3.Error) as exc:
            self.ui.statusbar.showMessage(f"Backup not made: {plain.words(exc)}", 8000)
        self.start_backup_timer()
        return made

    def start_backup_timer(self) -> None:
        """Every 30 minutes, a backup when something was changed since the last."""
        if not hasattr(self, "backup_timer"):
            self.backup_timer = QTimer(self)
            self.backup_timer.timeout.connect(lambda: self.changes_since_backup and self.backup_now())
        if not self.backup_timer.isActive():
            self.backup_timer.start(self.BACKUP_EVERY_MS)

    def _settle_open_backup(self, path: Path, made: Path | None, damaged: bool) -> None:
        """The backup made on opening was made beside the last ten (none pushed out yet). Once the full
        check has run: the file is damaged, so the backup is of no use and goes; else the oldest beyond
        ten go, as usual."""
        from fileexam.store.backups import KEEP, list_backups
        try:
            if damaged:
                if made is not None:
                    made.unlink(missing_ok=True)
                return
            for old in list_backups(path, self.backup_root())[KEEP:]:
                old.unlink(missing_ok=True)
        except OSError as exc:
            self.ui.statusbar.showMessage(f"Old backups not tidied: {plain.words(exc)}", 8000)

    @staticmethod
    def backup_root() -> Path:
        from fileexam import settings as user_settings
        return user_settings.data_dir() / "backups"

    # ---- checking the file, damage and read-only -------------------------------
    def check_in_background(self, open_backup: Path | None = None, back_up: bool = False) -> None:
        """SQLite's full integrity check (0.25 s on 1,200 cases) on a read-only connection of its own,
        on a worker thread, with no progress dialog: work goes on meanwhile. Damage found: the backup made
        on opening (open_backup) is deleted, and see damage_found.

        back_up: first make the backup on opening there too, off the start path (a 20 MB file takes
        0.15 s). It is a consistent copy whatever is written meanwhile: SQLite's backup API copies in one
        step inside one read transaction of its own connection, which in WAL mode sees the file as it was
        when the copy began. It is made beside the last ten (none pushed out until the check has passed)."""
        from fileexam.store.backups import KEEP, make_backup
        from fileexam.store.file_check import check_held_file, connect_read_only
        if self.inspection is None:
            return
        inspection, path, key = self.inspection, self.inspection.path, self.inspection.cipher_key
        root = self.backup_root()
        made = {"backup": open_backup, "error": None}
        self.ui.statusbar.showMessage("Checking the whole file…")
        if back_up:
            self.changes_since_backup = 0
            self.start_backup_timer()

        def job(_progress):
            if back_up:
                try:
                    conn = connect_read_only(path, key)  # this thread's own connection, as the check's
                    try:
                        made["backup"] = make_backup(conn, path, root, keep=KEEP + 1, key=key)
                    finally:
                        conn.close()
                except (OSError, sqlite3.Error) as exc:  # said on the main thread; the check still runs
                    made["error"] = exc
            check_held_file(path, "full", key)  # SQLite only, never Python's open(): the app's locks stay held

        def said_backup() -> None:
            if made["error"] is not None:
                self.ui.statusbar.showMessage(f"Backup not made: {plain.words(made['error'])}", 8000)

        def done(_result):
            self._settle_open_backup(path, made["backup"], damaged=False)
            if self.inspection is inspection:  # not another file opened meanwhile
                self.ui.statusbar.showMessage("File checked: no damage found", 4000)
                said_backup()

        def failed(exc, _tb):
            damaged = plain.is_damage(exc)
            self._settle_open_backup(path, made["backup"], damaged)
            if self.inspection is not inspection:
                return
            if damaged:
                self.damage_found(exc)
                return
            # Not run (the file is busy, or has gone): that is no sign of damage; the quick check passed.
            why = plain.words(exc) if isinstance(exc, Exception) else None
            self.ui.statusbar.showMessage(f"The full check of the file was not run: {why or 'it was stopped'}", 8000)
            said_backup()

        self.runner.run(job, done, failed)

    def damage_found(self, exc: BaseException) -> None:
        """The open file turned out damaged: the window becomes read-only (nothing more is written into
        a damaged file, and no backup is made of it) and a warning offers the latest good backup."""
        if self.inspection is None:
            return
        path = self.inspection.path
        detail = exc.detail if isinstance(exc, DamagedFile) else f"SQLite cannot read it ({exc})"
        self.inspection.read_only = True  # every write through this file is refused from now on
        self._set_read_only(DAMAGED_FILE)
        if hasattr(self, "backup_timer"):
            self.backup_timer.stop()
        self.show_damaged(path, detail, open_now=True)

    def show_damaged(self, path: Path, detail: str, open_now: bool = False, found=...) -> QMessageBox:
        """The plain message about a damaged file, offering its latest good backup (found: (number, path),
        looked for when not given) with a Restore button that asks first."""
        from fileexam.qt.passphrase_dialog import remembered_key
        from fileexam.store.backups import latest_good
        path = Path(path)
        if found is ...:
            try:
                found = latest_good(path, self.backup_root(), remembered_key(self, path))
            except OSError:
                found = None
        if open_now:
            self.damage = (path, detail, found)
        title = "The inspection file is damaged"
        text = (f"{path.name} is damaged. It is open read-only from now on: nothing more is written to it."
                if open_now else f"{path.name} is damaged, so it was not opened. Nothing was changed in it.")
        lines = [f"What is wrong: {detail.rstrip('.')}."]
        if open_now:
            lines.append("You can still read it, export your work and write reports.")
        if found:
            n, backup = found
            lines.append(f"The latest good backup is number {n}, made {self._made(backup)}. "
                         f"“Restore backup {n}” puts it in place of the damaged file, which is kept aside first. "
                         "Answers given after that backup was made are not in it.")
        else:
            lines.append("No good backup of it is kept by fileexam on this computer. Your team lead may have "
                         "your last exported workbook.")
        lines.append(f"The file: {path}")
        info = "\n\n".join(lines)
        self.ui.statusbar.showMessage(f"{title}: {path.name}", 8000)
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.NoButton, self)
        box.setInformativeText(info)
        close = box.addButton(QMessageBox.StandardButton.Close)
        if found:
            restore_button = box.addButton(f"Restore backup {found[0]}…", QMessageBox.ButtonRole.AcceptRole)
            restore_button.setObjectName("restore_backup")
            box.buttonClicked.connect(lambda b: b is restore_button and self.confirm_restore(path, *found))
        box.setDefaultButton(close)
        box.setEscapeButton(close)
        self._show_box(box)
        self.damage_box = box
        self.last_message = (title, f"{text}\n\n{info}")
        return box

    @staticmethod
    def _made(backup: Path) -> str:
        try:
            return datetime.strptime(backup.stem, "%Y%m%d-%H%M%S-%f").strftime("%d %B %Y at %H:%M").lstrip("0")
        except ValueError:
            return backup.stem

    def confirm_restore(self, path: Path, n: int, backup: Path) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Question, "Restore a backup",
                          f"Put backup {n}, made {self._made(backup)}, in place of {Path(path).name}?",
                          QMessageBox.StandardButton.NoButton, self)
        box.setInformativeText("Answers given after that backup was made are not in it. The file as it is now "
                               "is kept aside first, beside the backups, so nothing is lost.")
        yes = box.addButton(f"Restore backup {n}", QMessageBox.ButtonRole.AcceptRole)
        yes.setObjectName("confirm_restore")
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.buttonClicked.connect(lambda b: b is yes and self.restore_backup(Path(path), n, backup))
        self._show_box(box)
        self.confirm_box = box
        return box

    def restore_backup(self, path: Path, n: int, backup: Path) -> bool:
        """Put `backup` in place of the (damaged) file and open it. The file is closed here first: the
        restore reads the file's header, which must not happen while this process holds it open."""
        from fileexam.qt.passphrase_dialog import remembered_key
        from fileexam.store.backups import restore
        from fileexam.store.inspection_file import _OPEN
        path = Path(path)
        key = remembered_key(self, path)  # an encrypted file's: the backup is checked and restored with it
        if self.inspection is not None and self.inspection.path.resolve() == path.resolve():
            self.unlocked_key = (str(path.resolve()), key) if key is not None else None
            self._close_inspection()
        if str(path.resolve()) in _OPEN:
            self.warn("Backup not restored", f"{path.name} is open in another fileexam window: close it there, "
                                             "then restore the backup.")
            return False
        try:
            safety = restore(path, backup, self.backup_root(), key)
        except (StoreError, OSError, sqlite3.Error) as exc:
            self.warn("Backup not restored", f"{plain.words(exc) or exc}.\n\nThe file was left as it was.")
            return False
        if not self.open_inspection(path):
            return False
        kept = f"\n\nThe file as it was is kept as\n{safety}" if safety else ""
        self.inform("Backup restored", f"{path.name} was brought back from backup {n}, made {self._made(backup)}."
                                       f"{kept}")
        return True

    def _set_read_only(self, reason: str | None) -> None:
        """Show plainly that nothing can be changed in the open file (title bar and status bar), and turn
        off the actions that write. reason: READ_ONLY_FILE, DAMAGED_FILE, or None."""
        self.read_only_reason = reason
        if self.inspection is not None:
            extra = " — read-only" if reason else ""
            self.setWindowTitle(f"{self.inspection_name} — {self.user}{extra} — fileexam")
        self._update_actions()
        if reason is None:
            self.read_only_label.setVisible(False)
            return
        short = "the file is damaged" if reason == DAMAGED_FILE else "the file or its folder cannot be written"
        self.read_only_label.setText(f"Read-only: {short}")
        self.read_only_label.setToolTip(reason[0].upper() + reason[1:] + ".")
        self.read_only_label.setVisible(True)

    def refuse_write(self) -> bool:
        """True, after a plain message, when nothing may be written to the open file."""
        if self.read_only_reason is None or self.inspection is None:
            return False
        if self.read_only_reason == DAMAGED_FILE and self.damage is not None:
            path, detail, found = self.damage
            box = self.show_damaged(path, detail, open_now=True, found=found)
            box.setWindowTitle("Not saved: the inspection file is damaged")
            self.last_message = ("Not saved", self.last_message[1])
            return True
        self.warn("Not saved", f"{self.inspection.path.name} is open read-only.\n\n"
                               f"{self.read_only_reason[0].upper()}{self.read_only_reason[1:]}.")
        return True

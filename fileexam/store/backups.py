"""Rotating backups of inspection files, made with SQLite's backup API (a consistent copy of a live file).

An encrypted inspection's backups are encrypted with its key and salt (the destination is keyed before
the copy), so each opens with the same passphrase; SQLCipher refuses a backup into a destination given
no key, so no plaintext copy can be made by mistake."""

from __future__ import annotations

import hashlib
import os
from contextlib import closing
from datetime import datetime
from pathlib import Path

from fileexam.store.sqlite import CipherKey, connect, sqlite3

KEEP = 10


def folder_for(root: Path, path: Path) -> Path:
    """Backups of one inspection file live in their own folder under `root` (the user's data folder)."""
    digest = hashlib.sha1(str(Path(path).resolve()).encode()).hexdigest()[:8]
    return Path(root) / f"{Path(path).stem}-{digest}"


def make_backup(conn: sqlite3.Connection, path: Path, root: Path, keep: int = KEEP,
                key: CipherKey | None = None) -> Path:
    """A backup of the file `conn` is open on. key: the file's, when it is encrypted (the backup is
    encrypted with the same key and salt)."""
    folder = folder_for(root, path)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{stamp}.fileexam"
    part = target.with_suffix(".part")
    if key is None and not isinstance(conn, sqlite3.Connection):
        # A plain file open through another SQLite module (Python's own, in a script): SQLite's backup API
        # wants both ends from one module
        import sys
        dest = sys.modules[type(conn).__module__].connect(str(part))
    else:
        dest = connect(part, key)
    try:
        conn.backup(dest)
    finally:
        dest.close()
    part.replace(target)  # a half-written backup never looks like a backup
    for old in list_backups(path, root)[keep:]:
        old.unlink(missing_ok=True)
    return target


def list_backups(path: Path, root: Path) -> list[Path]:
    """Newest first."""
    folder = folder_for(root, path)
    return sorted(folder.glob("*.fileexam"), reverse=True) if folder.is_dir() else []


def latest_good(path: Path, root: Path, key: CipherKey | None = None) -> tuple[int, Path] | None:
    """The newest backup of `path` that is a sound inspection file, with its number for --from.
    key: an encrypted file's (its backups are checked with it; without it they cannot be)."""
    from fileexam.store.file_check import check_inspection_file
    from fileexam.store.errors import StoreError

    for n, backup in enumerate(list_backups(path, root), start=1):
        try:
            check_inspection_file(backup, "full", key)
        except StoreError:
            continue
        return n, backup
    return None


def offer(path: Path, root: Path, key: CipherKey | None = None) -> str:
    """A sentence offering the latest good backup, for a message about a damaged file."""
    found = latest_good(path, root, key)
    if found is None:
        return "No good backup of it is kept by fileexam on this computer."
    n, backup = found
    return (f"The latest good backup is number {n} ({backup.stem}): bring it back with  "
            f"fileexam restore \"{path}\" --from {n}")


def restore(path: Path, backup: Path, root: Path, key: CipherKey | None = None) -> Path | None:
    """Put `backup` in place of the inspection file; the file as it was is backed up first, so a
    restore can itself be undone. Returns that safety backup (None when there was no file).

    The backup must be a sound inspection file (SQLite's full integrity check). The file it replaces
    must be an inspection file, damaged or not (the usual reason to restore), or an empty file that
    fileexam has backups of: another application's file is never overwritten.

    key: an encrypted inspection's (NeedsPassphrase without it, WrongPassphrase with a wrong one: then
    nothing is changed). The backup is checked with it, the file it replaces too, and the safety backup
    is encrypted with it."""
    from fileexam.store.file_check import DamagedFile, NotAnInspection, WrongPassphrase, check_inspection_file

    path, backup = Path(path), Path(backup)
    try:
        backup_check = check_inspection_file(backup, "full", key)
    except NotAnInspection:
        raise NotAnInspection(f"{backup} is not an inspection file: nothing was restored") from None
    except WrongPassphrase:
        raise WrongPassphrase(backup) from None
    except DamagedFile as exc:
        raise DamagedFile(backup, exc.detail + "; it cannot be restored") from None
    safety = None
    current_encrypted = False
    if path.exists():
        empty_but_ours = path.stat().st_size == 0 and bool(list_backups(path, root))
        damaged = False
        if not empty_but_ours:
            try:
                current_encrypted = check_inspection_file(path, "none", key).encrypted
            except DamagedFile:
                damaged = True
            except WrongPassphrase:
                # The key opens the backup (checked above) but not the file: its first page is damaged
                # (SQLCipher says the same for both), or it is under another key. Its bytes are kept.
                damaged = current_encrypted = True
        if damaged or empty_but_ours:
            safety = _copy_aside(path, root)  # SQLite cannot read it: keep its bytes as they are
        else:
            current_key = key if current_encrypted else None
            with closing(connect(path, current_key)) as current:
                safety = make_backup(current, path, root, keep=KEEP + 1, key=current_key)
    backup_key = key if backup_check.encrypted else None
    src = connect(backup.resolve().as_uri() + "?mode=ro", backup_key, uri=True)
    try:
        if backup_key is None and not current_encrypted:
            dest = connect(path)  # plain over plain: copied into the file in place
            try:
                src.backup(dest)
            finally:
                dest.close()
        else:
            # An encrypted file cannot be copied into in place when it is damaged or under another key:
            # a new file, keyed as the backup is, then put in place of the old one (whose bytes, -wal
            # included, are kept as the safety copy above). Its stale -wal and -shm go first: SQLite would
            # otherwise replay them onto the new file.
            part = path.with_name(path.name + ".restore.part")
            for extra in ("", "-wal", "-shm", "-journal"):
                Path(str(part) + extra).unlink(missing_ok=True)
            dest = connect(part, backup_key)
            try:
                src.backup(dest)
            finally:
                dest.close()
            for extra in ("-wal", "-shm"):
                Path(str(path) + extra).unlink(missing_ok=True)
            os.replace(part, path)
    finally:
        src.close()
    return safety


def _copy_aside(path: Path, root: Path) -> Path:
    """A damaged file's bytes (and its -wal), kept beside the backups before it is replaced."""
    import shutil

    folder = folder_for(root, path)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{stamp}.replaced"
    shutil.copyfile(path, target)
    wal = Path(str(path) + "-wal")
    if wal.exists():
        shutil.copyfile(wal, Path(str(target) + "-wal"))
    return target

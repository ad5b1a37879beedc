"""Rotating backups of inspection files, made with SQLite's backup API (a consistent copy of a live file)."""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from datetime import datetime
from pathlib import Path

KEEP = 10


def folder_for(root: Path, path: Path) -> Path:
    """Backups of one inspection file live in their own folder under `root` (the user's data folder)."""
    digest = hashlib.sha1(str(Path(path).resolve()).encode()).hexdigest()[:8]
    return Path(root) / f"{Path(path).stem}-{digest}"


def make_backup(conn: sqlite3.Connection, path: Path, root: Path, keep: int = KEEP) -> Path:
    folder = folder_for(root, path)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{stamp}.fileexam"
    part = target.with_suffix(".part")
    dest = sqlite3.connect(str(part))
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


def latest_good(path: Path, root: Path) -> tuple[int, Path] | None:
    """The newest backup of `path` that is a sound inspection file, with its number for --from."""
    from fileexam.store.file_check import check_inspection_file
    from fileexam.store.errors import StoreError

    for n, backup in enumerate(list_backups(path, root), start=1):
        try:
            check_inspection_file(backup, "full")
        except StoreError:
            continue
        return n, backup
    return None


def offer(path: Path, root: Path) -> str:
    """A sentence offering the latest good backup, for a message about a damaged file."""
    found = latest_good(path, root)
    if found is None:
        return "No good backup of it is kept by fileexam on this computer."
    n, backup = found
    return (f"The latest good backup is number {n} ({backup.stem}): bring it back with  "
            f"fileexam restore \"{path}\" --from {n}")


def restore(path: Path, backup: Path, root: Path) -> Path | None:
    """Put `backup` in place of the inspection file; the file as it was is backed up first, so a
    restore can itself be undone. Returns that safety backup (None when there was no file).

    The backup must be a sound inspection file (SQLite's full integrity check). The file it replaces
    must be an inspection file, damaged or not (the usual reason to restore), or an empty file that
    fileexam has backups of: another application's file is never overwritten."""
    from fileexam.store.file_check import DamagedFile, NotAnInspection, check_inspection_file

    path, backup = Path(path), Path(backup)
    try:
        check_inspection_file(backup, "full")
    except NotAnInspection:
        raise NotAnInspection(f"{backup} is not an inspection file: nothing was restored") from None
    except DamagedFile as exc:
        raise DamagedFile(backup, exc.detail + "; it cannot be restored") from None
    safety = None
    if path.exists():
        empty_but_ours = path.stat().st_size == 0 and bool(list_backups(path, root))
        damaged = False
        if not empty_but_ours:
            try:
                check_inspection_file(path, "none")
            except DamagedFile:
                damaged = True
        if damaged or empty_but_ours:
            safety = _copy_aside(path, root)  # SQLite cannot read it: keep its bytes as they are
        else:
            with closing(sqlite3.connect(str(path))) as current:
                safety = make_backup(current, path, root, keep=KEEP + 1)
    src = sqlite3.connect(backup.resolve().as_uri() + "?mode=ro", uri=True)
    dest = sqlite3.connect(str(path))
    try:
        src.backup(dest)
    finally:
        src.close()
        dest.close()
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

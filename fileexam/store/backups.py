"""Rotating backups of inspection files, made with SQLite's backup API (a consistent copy of a live file)."""

from __future__ import annotations

import hashlib
import sqlite3
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


def restore(path: Path, backup: Path, root: Path) -> Path | None:
    """Put `backup` in place of the inspection file; the file as it was is backed up first, so a
    restore can itself be undone. Returns that safety backup (None when there was no file)."""
    safety = None
    path = Path(path)
    if path.exists():
        with sqlite3.connect(str(path)) as current:
            safety = make_backup(current, path, root, keep=KEEP + 1)
        current.close()
    src = sqlite3.connect(str(backup))
    dest = sqlite3.connect(str(path))
    try:
        src.backup(dest)
    finally:
        src.close()
        dest.close()
    return safety

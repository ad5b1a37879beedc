"""The one place unexpected errors are written down: a log file in the user's data folder."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fileexam import settings


def write(text: str) -> Path:
    folder = settings.data_dir() / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "fileexam-errors.log"
    with path.open("a", encoding="utf-8") as fh:
        fh.write(f"\n--- {datetime.now().isoformat(timespec='seconds')} ---\n{text}")
    return path

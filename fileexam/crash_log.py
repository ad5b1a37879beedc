"""The one place unexpected errors are written down: a log file in the user's data folder."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
import platform

from fileexam import __version__, settings


def write(text: str, command: str | None = None) -> Path:
    """Appends one entry; raises OSError when the log cannot be written (the caller says so).
    Only the command's name is kept, not its arguments: they may hold case details."""
    folder = settings.data_dir() / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "fileexam-errors.log"
    about = f"fileexam {__version__}, Python {platform.python_version()}, {platform.platform()}"
    if command:
        about += f", command: {command}"
    # backslashreplace: a message may hold a file name's non-UTF-8 bytes; the log must still be written
    with path.open("a", encoding="utf-8", errors="backslashreplace") as fh:
        fh.write(f"\n--- {datetime.now().isoformat(timespec='seconds')} {about} ---\n{text}")
    return path

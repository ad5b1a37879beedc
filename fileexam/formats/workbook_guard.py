"""Checks before openpyxl sees a workbook: size and compression limits (nothing else guards against zip bombs)."""

from __future__ import annotations

import zipfile
from pathlib import Path

MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_UNCOMPRESSED = 500 * 1024 * 1024
MAX_RATIO = 200  # a real workbook compresses 5-20x; a bomb, thousands


class UnsafeWorkbook(Exception):
    pass


def check_workbook_file(path: Path) -> None:
    """Raise UnsafeWorkbook with a reason a person understands."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise UnsafeWorkbook(f"{size:,} bytes; at most {MAX_FILE_BYTES:,} are read")
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except zipfile.BadZipFile:
        raise UnsafeWorkbook("it is not an Excel workbook (.xlsx): it may be damaged, truncated, encrypted "
                             "or another kind of file renamed") from None
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > MAX_UNCOMPRESSED or total / packed > MAX_RATIO:
        raise UnsafeWorkbook(f"it unpacks to {total:,} bytes from {packed:,}: refused as a possible zip bomb")

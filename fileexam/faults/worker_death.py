"""A merge reading process that dies: what services/merge_read.py must turn into a plain refusal."""

from __future__ import annotations

import os
from pathlib import Path


def read_or_die(path: str, passwords: tuple) -> tuple:
    """In a worker: a workbook whose name holds "die" ends the process at once (as an out-of-memory kill or
    a native crash would); any other is read as a merge reads it."""
    if "die" in Path(path).name:
        os._exit(70)
    from fileexam.services.merge_read import read_one

    return read_one(path, passwords)

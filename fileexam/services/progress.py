"""The progress callback every long use-case accepts: progress(done, total, what)."""

from __future__ import annotations

from typing import Callable, Protocol


class Progress(Protocol):
    def __call__(self, done: int, total: int, what: str = "") -> None: ...


def no_progress(done: int, total: int, what: str = "") -> None:
    return None


ProgressFn = Callable[[int, int, str], None]

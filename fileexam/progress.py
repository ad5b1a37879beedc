"""The progress callback every long job accepts: progress(done, total, what).

It sits below every layer (plain Python, importing nothing of fileexam), so that the file formats, the
store and the use-cases can all take one without importing each other. Not to be confused with
fileexam.domain.progress: how far an inspection's cases are."""

from __future__ import annotations

from typing import Callable, Protocol


class Progress(Protocol):
    def __call__(self, done: int, total: int, what: str = "") -> None: ...


def no_progress(done: int, total: int, what: str = "") -> None:
    return None


ProgressFn = Callable[[int, int, str], None]

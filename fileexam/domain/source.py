"""Where a piece of a definition came from, so later checks can say where a problem is."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """Where a definition came from: the file and line, for messages."""
    path: str | None
    line: int | None  # 1-based

    def __str__(self) -> str:
        if self.line is None:
            return self.path or "<input>"
        return f"{self.path or '<input>'}:{self.line}"


NOWHERE = Source(None, None)

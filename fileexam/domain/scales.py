"""Answer scales: ordered options, each with a stable value, a label, points and a key."""

from __future__ import annotations

from dataclasses import dataclass, field

from fileexam.domain.source import NOWHERE, Source


@dataclass(frozen=True)
class Option:
    """One answer of a scale or a tick-list: its stored value, label, points and key."""
    value: str
    label: str
    points: float | None = None  # None: not counted (leaves numerator and denominator)
    key: str | None = None

    def canonical(self) -> dict:
        return {"value": self.value, "label": self.label, "points": self.points, "key": self.key}


@dataclass(frozen=True)
class Scale:
    """An ordered set of answer options (fully / partially / not met...)."""
    id: str
    label: str
    options: tuple[Option, ...]
    source: Source = field(default=NOWHERE, compare=False)

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(o.value for o in self.options)

    def option(self, value: str) -> Option | None:
        for o in self.options:
            if o.value == value:
                return o
        return None

    def option_for_key(self, key: str) -> Option | None:
        key = key.lower()
        for o in self.options:
            if o.key is not None and o.key.lower() == key:
                return o
        return None

    @property
    def max_points(self) -> float | None:
        counted = [o.points for o in self.options if o.points is not None]
        return max(counted) if counted else None

    @property
    def scored(self) -> bool:
        return self.max_points is not None

    def canonical(self) -> dict:
        return {"id": self.id, "label": self.label, "options": [o.canonical() for o in self.options]}


FULLY_PARTIALLY_NOT = Scale(
    "fully_partially_not",
    "Fully / partially / not met / not applicable",
    (
        Option("fully", "Fully meets the standard", 2, "F"),
        Option("partially", "Partially meets the standard", 1, "P"),
        Option("not_met", "Does not meet the standard", 0, "N"),
        Option("na", "Not applicable", None, "A"),
    ),
)

YES_NO = Scale(
    "yes_no",
    "Yes / no / not applicable",
    (
        Option("yes", "Yes", 1, "Y"),
        Option("no", "No", 0, "N"),
        Option("na", "Not applicable", None, "A"),
    ),
)

BUILTIN_SCALES: dict[str, Scale] = {s.id: s for s in (FULLY_PARTIALLY_NOT, YES_NO)}

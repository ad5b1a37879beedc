"""Questions that are not scored, reported by their type: numbers (and intervals between two date
fields) as a distribution, choices as counts and shares, dates as their range. Scale questions are
QuestionFigure in aggregate.py. Method: docs/METHODS.md, "Questions by type"."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date

from fileexam.domain.aggregate import ALL_STRANDS, NATIONAL
from fileexam.domain.statistics import wilson


@dataclass
class NumberFigure:
    """A number question (or days between two dates) among the applicable cases that answered it."""
    question: str           # a question id, or an interval id
    strand: str
    area: str
    values: list[float] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.values)

    def summary(self) -> dict:
        """n, minimum, lower quartile, median, upper quartile, maximum, mean; None where undefined."""
        v = sorted(self.values)
        if not v:
            return {"n": 0, "min": None, "q1": None, "median": None, "q3": None, "max": None, "mean": None}
        if len(v) == 1:
            q1 = q3 = v[0]
        else:  # the same quartiles as Excel's QUARTILE.INC, so a reader can check them
            q1, _, q3 = statistics.quantiles(v, n=4, method="inclusive")
        return {"n": len(v), "min": v[0], "q1": q1, "median": statistics.median(v), "q3": q3, "max": v[-1],
                "mean": statistics.fmean(v)}


@dataclass
class ChoiceFigure:
    """A choices question: how many applicable cases ticked each option (a case may tick several)."""
    question: str
    strand: str
    area: str
    counts: dict[str, int] = field(default_factory=dict)
    answered: int = 0       # cases that answered (ticked anything, or nothing on purpose)

    def share(self, value: str) -> float | None:
        return self.counts.get(value, 0) / self.answered if self.answered else None

    def share_ci(self, value: str) -> tuple[float, float] | None:
        return wilson(self.counts.get(value, 0), self.answered)


@dataclass
class DateFigure:
    question: str
    strand: str
    area: str
    dates: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.dates)

    def range(self) -> tuple[str, str] | None:
        return (min(self.dates), max(self.dates)) if self.dates else None


def _groups(area: str, strand: str) -> list[tuple[str, str]]:
    return [(ALL_STRANDS, NATIONAL), (strand, NATIONAL), (ALL_STRANDS, area), (strand, area)]


def number_figures(rows: list[tuple[str, str, str, float]]) -> dict[tuple[str, str, str], NumberFigure]:
    """rows: (question or interval id, area, strand, value), one per case."""
    out: dict[tuple[str, str, str], NumberFigure] = {}
    for qid, area, strand, value in rows:
        for s, a in _groups(area, strand):
            out.setdefault((qid, s, a), NumberFigure(qid, s, a)).values.append(value)
    return out


def choice_figures(rows: list[tuple[str, str, str, list[str]]]) -> dict[tuple[str, str, str], ChoiceFigure]:
    """rows: (question, area, strand, the options ticked), one per case."""
    out: dict[tuple[str, str, str], ChoiceFigure] = {}
    for qid, area, strand, ticked in rows:
        for s, a in _groups(area, strand):
            f = out.setdefault((qid, s, a), ChoiceFigure(qid, s, a))
            f.answered += 1
            for v in set(ticked):
                f.counts[v] = f.counts.get(v, 0) + 1
    return out


def date_figures(rows: list[tuple[str, str, str, str]]) -> dict[tuple[str, str, str], DateFigure]:
    out: dict[tuple[str, str, str], DateFigure] = {}
    for qid, area, strand, value in rows:
        for s, a in _groups(area, strand):
            out.setdefault((qid, s, a), DateFigure(qid, s, a)).dates.append(value)
    return out


def days_between(start: str | None, end: str | None) -> int | None:
    """Whole days from one ISO date to another; None when either is missing or unreadable."""
    if not start or not end:
        return None
    try:
        return (date.fromisoformat(str(end)[:10]) - date.fromisoformat(str(start)[:10])).days
    except ValueError:
        return None

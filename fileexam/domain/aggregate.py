"""Aggregating counted answers into the figures of a report: per measure and per question, nationally,
per strand, per Area, and per Area within a strand; strongest and weakest Areas; travel from a baseline.

Input comes from SQL already grouped to the finest level (per case for scores, per question, strand,
Area and value for answers); the roll-ups here are sums, so every figure traces to its cases.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from fileexam.domain.statistics import Travel, direction_of_travel, ratio_interval, wilson

ALL_STRANDS = "All strands"
NATIONAL = "National"


@dataclass
class Figure:
    """A points-based measure (a theme or a composite) for one group of cases."""
    measure: str
    strand: str
    area: str
    achieved: float = 0.0
    available: float = 0.0
    cases: list[str] = field(default_factory=list)
    ci: tuple[float, float] | None = None
    travel: Travel | None = None
    few: bool = False

    @property
    def value(self) -> float | None:
        return self.achieved / self.available if self.available else None

    @property
    def key(self) -> tuple[str, str, str]:
        return self.measure, self.strand, self.area


@dataclass
class QuestionFigure:
    """The answers to one question among the applicable cases of one group."""
    question: str
    strand: str
    area: str
    counts: dict[str, int] = field(default_factory=dict)   # option value -> cases
    not_counted: int = 0                                   # answered with an option worth no points (n/a)
    counted_values: tuple[str, ...] = ()                   # option values that carry points, in scale order

    @property
    def base(self) -> int:
        """Applicable cases answered with an option that counts: the denominator of each share."""
        return sum(self.counts.get(v, 0) for v in self.counted_values)

    def share(self, value: str) -> float | None:
        return self.counts.get(value, 0) / self.base if self.base else None

    def share_ci(self, value: str) -> tuple[float, float] | None:
        return wilson(self.counts.get(value, 0), self.base)


@dataclass
class Spread:
    measure: str
    strand: str
    strongest: tuple[str, float] | None
    weakest: tuple[str, float] | None

    @property
    def spread_pp(self) -> float | None:
        if self.strongest is None or self.weakest is None:
            return None
        return (self.strongest[1] - self.weakest[1]) * 100


def _groups(area: str, strand: str) -> list[tuple[str, str]]:
    return [(ALL_STRANDS, NATIONAL), (strand, NATIONAL), (ALL_STRANDS, area), (strand, area)]


def score_figures(rows: list[tuple[str, str, str, str, float, float]], few_cases: int = 10,
                  with_intervals: bool = True) -> dict[tuple[str, str, str], Figure]:
    """rows: (case, area, strand, measure, achieved, available) per case and measure."""
    figures: dict[tuple[str, str, str], Figure] = {}
    per_case: dict[tuple[str, str, str], tuple[list, list]] = defaultdict(lambda: ([], []))
    for case, area, strand, measure, achieved, available in rows:
        for s, a in _groups(area, strand):
            f = figures.setdefault((measure, s, a), Figure(measure, s, a))
            f.achieved += achieved
            f.available += available
            f.cases.append(case)
            per_case[(measure, s, a)][0].append(achieved)
            per_case[(measure, s, a)][1].append(available)
    for key, f in figures.items():
        f.few = len(f.cases) < few_cases
        if with_intervals:
            f.ci = ratio_interval(*per_case[key])
    return figures


def question_figures(rows: list[tuple[str, str, str, str, int]],
                     counted: dict[str, tuple[str, ...]]) -> dict[tuple[str, str, str], QuestionFigure]:
    """rows: (question, area, strand, value, cases); counted: question -> option values that carry points."""
    out: dict[tuple[str, str, str], QuestionFigure] = {}
    for qid, area, strand, value, n in rows:
        values = counted.get(qid, ())
        for s, a in _groups(area, strand):
            f = out.setdefault((qid, s, a), QuestionFigure(qid, s, a, counted_values=values))
            if value in values:
                f.counts[value] = f.counts.get(value, 0) + n
            else:
                f.not_counted += n
    return out


def spreads(figures: dict[tuple[str, str, str], Figure], measures: list[str], strands: list[str]) -> list[Spread]:
    out = []
    for m in measures:
        for s in [ALL_STRANDS] + strands:
            areas = [(f.area, f.value) for (mm, ss, aa), f in figures.items()
                     if mm == m and ss == s and aa != NATIONAL and f.value is not None]
            if not areas:
                out.append(Spread(m, s, None, None))
                continue
            out.append(Spread(m, s, max(areas, key=lambda x: (x[1], x[0])), min(areas, key=lambda x: (x[1], x[0]))))
    return out


def compare(figures: dict[tuple[str, str, str], Figure], baseline: dict[tuple[str, str, str], dict],
            threshold_pp: float) -> None:
    """Set each figure's travel from the baseline figure of the same measure and group."""
    for key, f in figures.items():
        b = baseline.get(key)
        f.travel = direction_of_travel(b["value"] if b else None, f.value, threshold_pp, f.ci,
                                       (b["ci_low"], b["ci_high"]) if b and b.get("ci_low") is not None else None)

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

    def combined(self, values: tuple[str, ...]) -> tuple[int, float | None, tuple[float, float] | None]:
        """A combined share such as 'fully or partially': (cases, share, interval); None without cases."""
        k = sum(self.counts.get(v, 0) for v in values)
        return k, (k / self.base if self.base else None), wilson(k, self.base)


@dataclass(frozen=True)
class AreaFigure:
    """One Area's figure as it is ranked: the value, the cases behind it and its interval."""
    area: str
    value: float
    cases: int
    ci: tuple[float, float] | None = None


@dataclass
class Spread:
    """The range of one measure across Areas within a strand (or all strands). Only Areas with at least
    the template's minimum of cases are ranked; ties are all named (docs/METHODS.md, "Area range")."""
    measure: str
    strand: str
    strongest: list[AreaFigure] = field(default_factory=list)   # every Area at the top value
    weakest: list[AreaFigure] = field(default_factory=list)
    ranked: int = 0                                  # Areas with enough cases
    too_few: list[str] = field(default_factory=list)  # Areas with cases, but fewer than the minimum
    no_cases: list[str] = field(default_factory=list)
    minimum: int = 0
    baseline_spread_pp: float | None = None          # the same range in the baseline, when there is one

    @property
    def spread_pp(self) -> float | None:
        if not self.strongest or not self.weakest or self.ranked < 2:
            return None
        return (self.strongest[0].value - self.weakest[0].value) * 100

    @property
    def spread_change_pp(self) -> float | None:
        if self.spread_pp is None or self.baseline_spread_pp is None:
            return None
        return self.spread_pp - self.baseline_spread_pp


@dataclass
class AreaChanges:
    """How many Areas improved, stayed static or declined on one measure within a strand."""
    measure: str
    strand: str
    improved: list[str] = field(default_factory=list)
    static: list[str] = field(default_factory=list)
    declined: list[str] = field(default_factory=list)
    within_noise: list[str] = field(default_factory=list)  # of those improved or declined
    not_compared: list[str] = field(default_factory=list)  # no baseline figure, or no figure now

    def sentence(self, of: int) -> str:
        """As the annual report puts it: '11 out of 14 Areas had improved'."""
        return (f"{len(self.improved)} out of {of} Areas had improved, {len(self.static)} were static and "
                f"{len(self.declined)} had declined")


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


TIE = 1e-9  # values equal to this are a tie: 0.5 computed two ways is still the same 50%


def rank_areas(figures: dict[tuple[str, str, str], Figure], measure: str, strand: str, areas: list[str],
               minimum: int) -> Spread:
    s = Spread(measure, strand, minimum=minimum)
    ranked = []
    for a in areas:
        f = figures.get((measure, strand, a))
        if f is None or f.value is None:
            s.no_cases.append(a)
        elif len(f.cases) < minimum:
            s.too_few.append(a)
        else:
            ranked.append(AreaFigure(a, f.value, len(f.cases), f.ci))
    s.ranked = len(ranked)
    if ranked:
        top = max(r.value for r in ranked)
        low = min(r.value for r in ranked)
        s.strongest = sorted([r for r in ranked if r.value >= top - TIE], key=lambda r: r.area)
        s.weakest = sorted([r for r in ranked if r.value <= low + TIE], key=lambda r: r.area)
    return s


def spreads(figures: dict[tuple[str, str, str], Figure], measures: list[str], strands: list[str],
            areas: list[str] | None = None, minimum: int = 1) -> list[Spread]:
    if areas is None:
        areas = sorted({a for (_, _, a) in figures if a != NATIONAL})
    return [rank_areas(figures, m, s, areas, minimum) for m in measures for s in [ALL_STRANDS] + strands]


def baseline_spreads(spread_list: list[Spread], baseline: dict[tuple[str, str, str], dict]) -> None:
    """The range at baseline, by the same rule (Areas with at least the minimum of cases, when the
    baseline says how many; a baseline that does not say counts every Area it holds)."""
    for s in spread_list:
        values = []
        for (m, st, a), b in baseline.items():
            if m != s.measure or st != s.strand or a == NATIONAL or b.get("value") is None:
                continue
            if b.get("cases") is not None and b["cases"] < s.minimum:
                continue
            values.append(b["value"])
        s.baseline_spread_pp = (max(values) - min(values)) * 100 if len(values) >= 2 else None


def area_changes(figures: dict[tuple[str, str, str], Figure], measures: list[str], strands: list[str],
                 areas: list[str]) -> list[AreaChanges]:
    out = []
    for m in measures:
        for st in [ALL_STRANDS] + strands:
            c = AreaChanges(m, st)
            for a in areas:
                f = figures.get((m, st, a))
                tr = f.travel if f else None
                if tr is None or not tr.direction:
                    c.not_compared.append(a)
                    continue
                getattr(c, tr.direction).append(a)
                if tr.within_noise and tr.direction != "static":
                    c.within_noise.append(a)
            out.append(c)
    return out


def group_figures(rows: list[tuple[str, str, str, str, float, float]], groups_of: dict[str, list[str]],
                  few_cases: int = 10, with_intervals: bool = True) -> dict[tuple[str, str, str], Figure]:
    """Figures per measure, strand and group of a breakdown (a case field's value): rows as for
    score_figures; groups_of: case -> the groups it belongs to (several for a multi-choice field)."""
    figures: dict[tuple[str, str, str], Figure] = {}
    per_case: dict[tuple[str, str, str], tuple[list, list]] = defaultdict(lambda: ([], []))
    for case, _area, strand, measure, achieved, available in rows:
        for g in groups_of.get(case, ()):
            for s in (ALL_STRANDS, strand):
                f = figures.setdefault((measure, s, g), Figure(measure, s, g))
                f.achieved += achieved
                f.available += available
                f.cases.append(case)
                per_case[(measure, s, g)][0].append(achieved)
                per_case[(measure, s, g)][1].append(available)
    for key, f in figures.items():
        f.few = len(f.cases) < few_cases
        if with_intervals:
            f.ci = ratio_interval(*per_case[key])
    return figures


def compare(figures: dict[tuple[str, str, str], Figure], baseline: dict[tuple[str, str, str], dict],
            threshold_pp: float) -> None:
    """Set each figure's travel from the baseline figure of the same measure and group."""
    for key, f in figures.items():
        b = baseline.get(key)
        f.travel = direction_of_travel(b["value"] if b else None, f.value, threshold_pp, f.ci,
                                       (b["ci_low"], b["ci_high"]) if b and b.get("ci_low") is not None else None)

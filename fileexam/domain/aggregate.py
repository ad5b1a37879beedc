"""Aggregating counted answers into the figures of a report: per measure and per question, nationally,
per strand, per Area, and per Area within a strand; strongest and weakest Areas; travel from a baseline.

Input comes already grouped to the finest level (per case for scores, per question, strand, Area and
value for answers); the roll-ups here are sums, so every figure traces to its cases. Scores are rolled
up as columns (RowColumns) with numpy: each figure's sums are added in the order a row-by-row loop
would add them (np.bincount adds in array order), so they are the same to the bit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fileexam.domain.statistics import Travel, direction_of_travel, ratio_intervals, wilson

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
    return column_score_figures(RowColumns.of(rows), few_cases, with_intervals)


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
    return column_group_figures(RowColumns.of(rows), groups_of, few_cases, with_intervals)


def compare(figures: dict[tuple[str, str, str], Figure], baseline: dict[tuple[str, str, str], dict],
            threshold_pp: float) -> None:
    """Set each figure's travel from the baseline figure of the same measure and group."""
    for key, f in figures.items():
        b = baseline.get(key)
        f.travel = direction_of_travel(b["value"] if b else None, f.value, threshold_pp, f.ci,
                                       (b["ci_low"], b["ci_high"]) if b and b.get("ci_low") is not None else None)


# ---- the roll-ups, as columns ------------------------------------------------------------------------
@dataclass
class RowColumns:
    """Score rows (case, area, strand, measure, achieved, available) as columns: the labels as small
    integer codes into their lists, the points as float arrays. Row order is kept."""
    refs: list[str]
    area: object          # numpy int arrays, one entry per row
    strand: object
    measure: object
    achieved: object      # numpy float arrays
    available: object
    area_labels: list[str]
    strand_labels: list[str]
    measure_labels: list[str]

    def __len__(self) -> int:
        return len(self.refs)

    def tuples(self) -> list[tuple[str, str, str, str, float, float]]:
        """The rows as score_figures takes them (and the report's Check sheet shows them)."""
        import numpy as np

        def labels(names):
            held = np.empty(len(names), dtype=object)
            held[:] = names
            return held

        def points(values):
            # Rows hold a few dozen distinct points: one float object each (to the bit), not one a row
            # (24 MB at 100,000 cases)
            distinct, inverse = np.unique(np.ascontiguousarray(values, dtype=np.float64).view(np.int64),
                                          return_inverse=True)
            shared = np.empty(len(distinct), dtype=object)
            shared[:] = distinct.view(np.float64).tolist()
            return shared, inverse.ravel()

        if not len(self.refs):
            return []
        areas, strands, measures = labels(self.area_labels), labels(self.strand_labels), labels(self.measure_labels)
        (achieved, a_of), (available, b_of) = points(self.achieved), points(self.available)
        out = []
        for start in range(0, len(self.refs), 50_000):  # a block at a time: small working lists (peak memory)
            at = slice(start, start + 50_000)
            out += zip(self.refs[at], areas[self.area[at]].tolist(), strands[self.strand[at]].tolist(),
                       measures[self.measure[at]].tolist(), achieved[a_of[at]].tolist(),
                       available[b_of[at]].tolist())
        return out

    @classmethod
    def of(cls, rows: list[tuple[str, str, str, str, float, float]]) -> "RowColumns":
        import numpy as np  # imported when a report is made

        columns = list(zip(*rows)) if rows else [(), (), (), (), (), ()]
        refs, areas, strands, measures, achieved, available = columns
        area, area_labels = _codes(areas)
        strand, strand_labels = _codes(strands)
        measure, measure_labels = _codes(measures)
        return cls(list(refs), area, strand, measure, np.array(achieved, dtype=float),
                   np.array(available, dtype=float), area_labels, strand_labels, measure_labels)


def _codes(values) -> tuple[object, list]:
    import numpy as np

    index: dict = {}
    codes = [index.setdefault(v, len(index)) for v in values]
    return np.array(codes, dtype=np.int64), list(index)


def column_score_figures(rows: RowColumns, few_cases: int = 10,
                         with_intervals: bool = True) -> dict[tuple[str, str, str], Figure]:
    """score_figures on columns: each row counts in its four groups, in _groups' order."""
    import numpy as np

    n_rows = len(rows)
    n_m, n_s, n_a = len(rows.measure_labels), max(len(rows.strand_labels), 1), max(len(rows.area_labels), 1)
    m, s, a = rows.measure, rows.strand, rows.area
    kind = np.int32 if 4 * n_m * n_s * n_a < 2 ** 31 else np.int64
    m, s, a = m.astype(kind), s.astype(kind), a.astype(kind)
    entry = np.empty((n_rows, 4), dtype=kind)  # the order _groups gives: all, strand, Area, strand and Area
    entry[:, 0] = (0 * n_m + m) * n_s * n_a
    entry[:, 1] = ((1 * n_m + m) * n_s + s) * n_a
    entry[:, 2] = (2 * n_m + m) * n_s * n_a + a
    entry[:, 3] = ((3 * n_m + m) * n_s + s) * n_a + a

    def key(code: int) -> tuple[str, str, str]:
        rest, area = divmod(code, n_a)
        rest, strand = divmod(rest, n_s)
        level, measure = divmod(rest, n_m)
        return (rows.measure_labels[measure], rows.strand_labels[strand] if level in (1, 3) else ALL_STRANDS,
                rows.area_labels[area] if level in (2, 3) else NATIONAL)

    return _roll_up(entry.ravel(), np.repeat(np.arange(n_rows, dtype=np.int32), 4), key, rows, few_cases,
                    with_intervals)


def column_group_figures(rows: RowColumns, groups_of: dict[str, list[str]], few_cases: int = 10,
                         with_intervals: bool = True) -> dict[tuple[str, str, str], Figure]:
    """group_figures on columns: each row counts in each of its case's groups, all strands then its own."""
    import numpy as np

    case_of: dict[str, int] = {}
    row_case = np.array([case_of.setdefault(ref, len(case_of)) for ref in rows.refs], dtype=np.int64)
    group_index: dict[str, int] = {}
    flat, sizes = [], []
    for ref in case_of:
        groups = groups_of.get(ref, ())
        flat += [group_index.setdefault(g, len(group_index)) for g in groups]
        sizes.append(len(groups))
    group_labels = list(group_index)
    sizes = np.array(sizes, dtype=np.int64)
    starts = np.cumsum(sizes) - sizes
    flat = np.array(flat, dtype=np.int64)
    per_row = sizes[row_case] if len(rows) else np.zeros(0, dtype=np.int64)
    entry_row = np.repeat(np.arange(len(rows)), per_row)         # a row once for each of its case's groups
    within = np.arange(entry_row.size) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    group = flat[starts[row_case[entry_row]] + within] if entry_row.size else entry_row
    entry_row = np.repeat(entry_row, 2)                           # ... and in each, all strands then its own
    group = np.repeat(group, 2)
    strand = np.where(np.arange(entry_row.size) % 2 == 0, 0, rows.strand[entry_row] + 1)
    n_m, n_s = len(rows.measure_labels), len(rows.strand_labels) + 1
    entry = (group * n_s + strand) * n_m + rows.measure[entry_row]

    def key(code: int) -> tuple[str, str, str]:
        rest, measure = divmod(code, n_m)
        g, strand = divmod(rest, n_s)
        return (rows.measure_labels[measure], rows.strand_labels[strand - 1] if strand else ALL_STRANDS,
                group_labels[g])

    return _roll_up(entry, entry_row, key, rows, few_cases, with_intervals)


def _roll_up(entry, entry_row, key, rows: RowColumns, few_cases: int,
             with_intervals: bool) -> dict[tuple[str, str, str], Figure]:
    """Figures from entries (a group code and a row each) in the order a row-by-row loop meets them:
    figures in the order first met, each with its rows' cases, sums and interval in entry order.
    key(code) names a group; codes naming the same group (a strand labelled "All strands") are one."""
    import numpy as np

    figures: dict[tuple[str, str, str], Figure] = {}
    size = entry.size
    if size == 0:
        return figures
    span = int(entry.max()) + 1
    if span > 4 * size + 65536:  # sparse codes (many distinct labels): number them densely first
        distinct, entry = np.unique(entry, return_inverse=True)
        code_of = distinct.tolist()
        span = len(code_of)
    else:
        code_of = None
    index = np.int32 if size < 2 ** 31 else np.int64
    first = np.full(span, size, dtype=index)
    np.minimum.at(first, entry, np.arange(size, dtype=index))
    met = np.flatnonzero(first < size)
    met = met[np.argsort(first[met], kind="stable")]
    del first
    keys: dict[tuple[str, str, str], int] = {}
    codes = [keys.setdefault(key(code_of[code] if code_of else code), len(keys)) for code in met.tolist()]
    n_groups = len(keys)
    small = np.int16 if n_groups < 2 ** 15 else np.int64  # 16 bits: numpy sorts them by radix
    group_of = np.zeros(span, dtype=small)
    group_of[met] = codes
    entry_group = group_of[entry]
    del entry
    # A stable sort keeps each group's entries in entry order: sums over the sorted entries add them in
    # the order a row-by-row loop adds them (np.bincount adds in array order).
    sorted_rows = entry_row[np.argsort(entry_group, kind="stable")]
    count = np.bincount(entry_group, minlength=n_groups)
    del entry_group
    sorted_group = np.repeat(np.arange(n_groups, dtype=small), count)
    achieved = rows.achieved[sorted_rows]
    available = rows.available[sorted_rows]
    sum_achieved = np.bincount(sorted_group, weights=achieved, minlength=n_groups)
    sum_available = np.bincount(sorted_group, weights=available, minlength=n_groups)
    del sorted_group
    ends = np.cumsum(count).tolist()
    starts = [0] + ends[:-1]
    refs = np.array(rows.refs, dtype=object)
    for g, (measure, strand, area) in enumerate(keys):
        f = Figure(measure, strand, area, float(sum_achieved[g]), float(sum_available[g]),
                   refs[sorted_rows[starts[g]:ends[g]]].tolist())
        f.few = int(count[g]) < few_cases
        figures[f.key] = f
    if with_intervals:
        cis = ratio_intervals([(achieved[a:b], available[a:b]) for a, b in zip(starts, ends)])
        for f, ci in zip(figures.values(), cis):
            f.ci = ci
    return figures

"""Today's aggregation, kept as it was (commit 6b99db6) so that tests can compare the report's figures with it.

Used only by tests (tests/test_report_identity.py): build_report here is the SQL-grouped build_report of
fileexam/services/report.py before issue 15, with the roll-ups of fileexam/domain/aggregate.py, the interval
of fileexam/domain/statistics.py and the typed-question builders of fileexam/domain/question_stats.py it
called. Only the names it imports from the live modules are shared: the dataclasses (Figure, Report, ...)
and the functions issue 15 left alone (spreads, compare, ...). Do not "fix" this file: it is the reference.
"""

from __future__ import annotations

import math
import sqlite3
from collections import defaultdict
from pathlib import Path

from fileexam.domain.aggregate import (ALL_STRANDS, NATIONAL, Figure, QuestionFigure, area_changes, baseline_spreads,
                                       compare, spreads)
from fileexam.domain.answers import condition_value
from fileexam.domain.applicability import AnswerIs, FieldIs, leaves
from fileexam.domain.cases import Status
from fileexam.domain.question_stats import ChoiceFigure, DateFigure, NumberFigure, days_between
from fileexam.domain.questions import THEME, AnswerType
from fileexam.domain.statistics import BOOTSTRAP_REPS, BOOTSTRAP_SEED, LARGE_SAMPLE, Z95
from fileexam.domain.template import InspectionTemplate
from fileexam.progress import Progress, no_progress
from fileexam.services.report import NothingToReport, Report
from fileexam.store.inspection_file import InspectionFile, now


# ---- fileexam/domain/statistics.py ----------------------------------------------
def ratio_interval(achieved: list[float], available: list[float], reps: int = BOOTSTRAP_REPS,
                   seed: int = BOOTSTRAP_SEED) -> tuple[float, float] | None:
    """95% interval for sum(achieved)/sum(available) over cases: a percentile bootstrap resampling cases,
    reproducible from the seed; the delta method for very large samples. None without points available."""
    n = len(achieved)
    total = sum(available)
    if n == 0 or total <= 0:
        return None
    if n == 1:
        value = achieved[0] / available[0] if available[0] else 0.0
        return value, value
    import numpy as np  # imported when a report is made

    a = np.asarray(achieved, dtype=float)
    b = np.asarray(available, dtype=float)
    if n > LARGE_SAMPLE:
        r = a.sum() / b.sum()
        resid = a - r * b
        se = math.sqrt((resid ** 2).sum() * n / (n - 1)) / b.sum()
        return max(0.0, r - Z95 * se), min(1.0, r + Z95 * se)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(reps, n))
    num = a[idx].sum(axis=1)
    den = b[idx].sum(axis=1)
    ratios = np.divide(num, den, out=np.zeros_like(num), where=den > 0)[den > 0]
    if ratios.size == 0:
        return None
    lo, hi = np.percentile(ratios, [2.5, 97.5])
    return float(lo), float(hi)


# ---- fileexam/domain/aggregate.py -----------------------------------------------
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


# ---- fileexam/domain/question_stats.py ------------------------------------------
def _qs_groups(area: str, strand: str) -> list[tuple[str, str]]:
    return [(ALL_STRANDS, NATIONAL), (strand, NATIONAL), (ALL_STRANDS, area), (strand, area)]


def number_figures(rows: list[tuple[str, str, str, float]]) -> dict[tuple[str, str, str], NumberFigure]:
    """rows: (question or interval id, area, strand, value), one per case."""
    out: dict[tuple[str, str, str], NumberFigure] = {}
    for qid, area, strand, value in rows:
        for s, a in _qs_groups(area, strand):
            out.setdefault((qid, s, a), NumberFigure(qid, s, a)).values.append(value)
    return out


def choice_figures(rows: list[tuple[str, str, str, list[str]]]) -> dict[tuple[str, str, str], ChoiceFigure]:
    """rows: (question, area, strand, the options ticked), one per case."""
    out: dict[tuple[str, str, str], ChoiceFigure] = {}
    for qid, area, strand, ticked in rows:
        for s, a in _qs_groups(area, strand):
            f = out.setdefault((qid, s, a), ChoiceFigure(qid, s, a))
            f.answered += 1
            for v in set(ticked):
                f.counts[v] = f.counts.get(v, 0) + 1
    return out


def date_figures(rows: list[tuple[str, str, str, str]]) -> dict[tuple[str, str, str], DateFigure]:
    out: dict[tuple[str, str, str], DateFigure] = {}
    for qid, area, strand, value in rows:
        for s, a in _qs_groups(area, strand):
            out.setdefault((qid, s, a), DateFigure(qid, s, a)).dates.append(value)
    return out


# ---- fileexam/services/report.py --------------------------------------------------
def counted_markings(inspection: InspectionFile) -> tuple[dict[str, str], list[str], int]:
    """The marking that counts for each case: the allocated inspector's complete marking, else the first
    complete one. Returns (case -> marker, double-marked cases not yet moderated, cases with none)."""
    first_complete: dict[str, list[tuple[str, str]]] = {}
    for ref, marker, status, updated in inspection.conn.execute(
            "SELECT case_ref, marker, status, updated_at FROM markings ORDER BY updated_at"):
        if status == Status.COMPLETE.value:
            first_complete.setdefault(ref, []).append((updated, marker))
    counted, unmoderated, excluded = {}, [], 0
    decided = {ref for ref, _ in inspection.decisions()}
    calibration = inspection.calibration_cases()  # never counted in the inspection's scores
    for c in inspection.cases():
        if c.reference in calibration:
            continue
        done = first_complete.get(c.reference)
        if not done:
            excluded += 1
            continue
        markers = [m for _, m in done]
        counted[c.reference] = c.inspector if c.inspector in markers else markers[0]
        if len(markers) > 1 and c.reference not in decided:
            held = inspection.marking_rows(c.reference)
            mine = {q: r[0] for q, r in held.get(counted[c.reference], {}).items()}
            if any({q: r[0] for q, r in held[m].items()} != mine for m in markers if m != counted[c.reference]):
                unmoderated.append(c.reference)  # they differ and nobody has settled it yet
    return counted, unmoderated, excluded


def build_report(inspection: InspectionFile, baseline: Path | None = None, with_intervals: bool = True,
                 progress: Progress = no_progress) -> Report:
    """The report as fileexam built it before issue 15."""
    t = inspection.template
    progress(0, 5, "choosing the markings that count")
    counted, unmoderated, excluded = counted_markings(inspection)
    cases = {c.reference: c for c in inspection.cases()}
    if not counted:
        in_progress = len({ref for (ref, _m), st in inspection.statuses().items() if st is Status.IN_PROGRESS})
        raise NothingToReport(f"{inspection.name}: no sampled case has a complete marking yet ({len(cases)} "
                              f"case(s) sampled, {in_progress} in progress), so there is nothing to report. "
                              "Merge the inspectors' workbooks, or mark cases complete, first")
    area_f = t.fields_by_id.get(t.reporting.area_field or "")
    strand_f = t.fields_by_id.get(t.reporting.strand_field or "")

    def label(f, value):
        return f.value_label(value) if f and isinstance(value, str) else "(none)"

    conn = inspection.conn
    _temp_tables(conn, t)
    progress(1, 5, "working out which questions apply")
    # A moderated case counts as its agreed marking: scored apart below, in Python, on the whole of it.
    decisions = inspection.decisions()
    agreed = {ref for ref, _ in decisions if ref in counted}
    plain = {ref: m for ref, m in counted.items() if ref not in agreed}
    rows = []
    for ref, marker in plain.items():
        c = cases[ref]
        rows.append((ref, marker, label(area_f, c.fields.get(area_f.id) if area_f else None),
                     label(strand_f, c.fields.get(strand_f.id) if strand_f else None)))
    conn.executemany("INSERT INTO temp.counted VALUES (?,?,?,?)", rows)
    classes, applies = _applicable(inspection, t, plain, cases)
    conn.executemany("INSERT INTO temp.case_class VALUES (?,?)", classes)
    conn.executemany("INSERT INTO temp.applies VALUES (?,?)", applies)

    progress(2, 5, "adding up scores")
    case_rows = conn.execute("""
        SELECT c.case_ref, c.area, c.strand, m.measure, SUM(o.points * o.weight), SUM(o.max_points * o.weight)
        FROM temp.counted c
        CROSS JOIN answers a ON a.marker = c.marker AND a.case_ref = c.case_ref  -- one marking per case, by index
        JOIN temp.case_class k ON k.case_ref = a.case_ref
        JOIN temp.applies p ON p.class = k.class AND p.question_id = a.question_id
        JOIN temp.options o ON o.question_id = a.question_id AND o.value = a.value AND o.points IS NOT NULL
        JOIN temp.members m ON m.question_id = a.question_id
        GROUP BY c.case_ref, m.measure
        ORDER BY c.area, c.strand, c.case_ref, m.measure""").fetchall()
    q_rows = conn.execute("""
        SELECT a.question_id, c.area, c.strand, a.value AS v, COUNT(*)
        FROM temp.counted c
        CROSS JOIN answers a ON a.marker = c.marker AND a.case_ref = c.case_ref
        JOIN temp.case_class k ON k.case_ref = a.case_ref
        JOIN temp.applies p ON p.class = k.class AND p.question_id = a.question_id
        WHERE v IS NOT NULL
        GROUP BY a.question_id, c.area, c.strand, v""").fetchall()
    _drop_temp(conn)
    if agreed:
        extra_cases, extra_questions = _agreed_rows(inspection, t, counted, agreed, decisions, cases,
                                                    lambda c: (label(area_f, c.fields.get(area_f.id) if area_f else None),
                                                               label(strand_f, c.fields.get(strand_f.id) if strand_f else None)))
        case_rows = sorted(case_rows + extra_cases, key=lambda r: (r[1], r[2], r[0], r[3]))
        q_rows = q_rows + extra_questions

    progress(3, 5, "intervals")
    few = t.reporting.few_cases
    figures = score_figures(case_rows, few, with_intervals)
    counted_values = {q.id: tuple(o.value for o in q.answer.scale.options if o.points is not None)
                      for q in t.questions if q.answer.type is AnswerType.SCALE}
    questions = question_figures([r for r in q_rows if r[0] in counted_values], counted_values)
    measures = t.score_names()
    strands = [o.label for o in strand_f.values] if strand_f else []
    areas = [o.label for o in area_f.values] if area_f else []
    where = {ref: (label(area_f, cases[ref].fields.get(area_f.id) if area_f else None),
                   label(strand_f, cases[ref].fields.get(strand_f.id) if strand_f else None)) for ref in counted}
    report = Report(t, inspection.name, now(), figures, questions,
                    spreads(figures, measures, strands, areas, max(few, 1)), measures, strands, areas, case_rows,
                    counted, excluded, unmoderated, agreed=agreed, case_groups=where)
    report.breakdown_groups = {name: _groups_of(t.fields_by_id[name], cases, counted)
                               for name in t.reporting.breakdowns if name in t.fields_by_id}
    report.breakdowns = {name: group_figures(case_rows, groups, few, with_intervals)
                         for name, groups in report.breakdown_groups.items()}
    _typed_questions(report, t, q_rows, cases)
    if baseline is not None:
        progress(4, 5, "comparing with the baseline")
        report.baseline_name = Path(baseline).name
        base = load_baseline(Path(baseline))
        compare(figures, base, t.reporting.direction_threshold_pp)
        baseline_spreads(report.spreads, base)
        report.area_changes = area_changes(figures, measures, strands, areas)
    progress(5, 5, "done")
    return report


def _groups_of(f, cases: dict, counted: dict[str, str]) -> dict[str, list[str]]:
    """case -> the labels of its values of a breakdown field ('(none)' when it has none)."""
    out = {}
    for ref in counted:
        v = cases[ref].fields.get(f.id)
        values = v if isinstance(v, list) else ([v] if v is not None else [])
        out[ref] = [f.value_label(x) for x in values] or ["(none)"]
    return out


def _typed_questions(report: Report, t: InspectionTemplate, q_rows: list[tuple], cases: dict) -> None:
    """Numbers, choices and dates answered (applicable cases only), and the template's date intervals."""
    numbers, choices, dates = [], [], []
    for qid, area, strand, value, n in q_rows:
        q = t.question_by_id.get(qid)
        if q is None or value is None:
            continue
        kind = q.answer.type
        try:
            if kind is AnswerType.NUMBER:
                numbers += [(qid, area, strand, float(value))] * n
            elif kind is AnswerType.CHOICES:
                choices += [(qid, area, strand, condition_value(q, value))] * n
            elif kind is AnswerType.DATE:
                dates += [(qid, area, strand, value)] * n
        except (ValueError, TypeError):
            continue  # a stored value is checked when written: one that does not read is left out
    for interval in t.reporting.intervals:
        for ref, (area, strand) in report.case_groups.items():
            days = days_between(cases[ref].fields.get(interval.start), cases[ref].fields.get(interval.end))
            if days is not None:
                numbers.append((interval.id, area, strand, float(days)))
    report.numbers = number_figures(numbers)
    report.choices = choice_figures(choices)
    report.dates = date_figures(dates)


def agreed_marking(t: InspectionTemplate, answers: dict[str, str | None], decisions: dict[str, str | None]) -> dict:
    """The counted marking overlaid with every agreed answer (an agreed 'no answer' removes one)."""
    marking = dict(answers)
    for qid, value in decisions.items():
        if value is None:
            marking.pop(qid, None)
        else:
            marking[qid] = value
    return {q: v for q, v in marking.items() if v is not None and q in t.question_by_id}


def _agreed_rows(inspection: InspectionFile, t: InspectionTemplate, counted: dict[str, str], agreed: set[str],
                 decisions: dict, cases: dict, where) -> tuple[list[tuple], list[tuple]]:
    """Per-case score rows and per-question value rows of moderated cases, scored on the agreed marking
    as a whole: applicability is evaluated on it, so an agreed answer that decides whether later
    questions apply is followed (docs/METHODS.md, "Moderated cases")."""
    from fileexam.domain.scoring import score_case

    by_case: dict[str, dict[str, str | None]] = {}
    for (ref, qid), d in decisions.items():
        by_case.setdefault(ref, {})[qid] = d["value"]
    case_rows, q_rows = [], []
    for ref in sorted(agreed):
        c = cases[ref]
        held = inspection.marking_rows(ref).get(counted[ref], {})
        marking = agreed_marking(t, {q: r[0] for q, r in held.items()}, by_case.get(ref, {}))
        values = {q: condition_value(t.question_by_id[q], v) for q, v in marking.items()}
        scored = score_case(t, c.fields, values)
        area, strand = where(c)
        for name, sc in scored.scores.items():
            if sc.questions:
                case_rows.append((ref, area, strand, name, sc.achieved, sc.available))
        for qid, v in marking.items():
            if scored.questions[qid].applies:
                q_rows.append((qid, area, strand, v, 1))
    return case_rows, q_rows


def _temp_tables(conn: sqlite3.Connection, t: InspectionTemplate) -> None:
    _drop_temp(conn)
    conn.executescript("""
        CREATE TEMP TABLE counted (case_ref TEXT PRIMARY KEY, marker TEXT, area TEXT, strand TEXT);
        CREATE TEMP TABLE case_class (case_ref TEXT PRIMARY KEY, class INTEGER);
        CREATE TEMP TABLE applies (class INTEGER, question_id TEXT, PRIMARY KEY (class, question_id));
        CREATE TEMP TABLE options (question_id TEXT, value TEXT, points REAL, max_points REAL, weight REAL,
                                   PRIMARY KEY (question_id, value));
        CREATE TEMP TABLE members (measure TEXT, question_id TEXT, PRIMARY KEY (measure, question_id));
    """)
    options, members = [], []
    for q in t.questions:
        if not q.answer.scored:
            continue
        for o in q.answer.scale.options:
            options.append((q.id, o.value, o.points, q.answer.scale.max_points, q.weight))
        if THEME in q.scores:
            members.append((q.set_id, q.id))
    for comp in t.composites:
        members += [(comp.id, q.id) for q in t.composite_members(comp.id)]
    conn.executemany("INSERT INTO temp.options VALUES (?,?,?,?,?)", options)
    conn.executemany("INSERT OR IGNORE INTO temp.members VALUES (?,?)", members)


def _drop_temp(conn: sqlite3.Connection) -> None:
    for name in ("counted", "case_class", "applies", "options", "members"):
        conn.execute(f"DROP TABLE IF EXISTS temp.{name}")


def _applicable(inspection: InspectionFile, t: InspectionTemplate, counted: dict[str, str], cases: dict):
    """Which questions apply to each counted case, as ([(case, class)], [(class, question)]).

    Applicability depends only on the fields and answers that conditions name, so cases fall into a
    few classes with the same values of those; each class is worked out once.
    """
    fields, questions = set(), set()
    for qs in t.question_sets:
        for section in qs.sections:
            for cond in [section.applies_when] + [q.applies_when for q in section.questions]:
                for leaf in leaves(cond):
                    if isinstance(leaf, FieldIs):
                        fields.add(leaf.field)
                    elif isinstance(leaf, AnswerIs):
                        questions.add(leaf.question)
    triggers: dict[str, dict[str, str]] = {}
    if questions:
        marks = ",".join("?" * len(questions))
        for ref, marker, qid, value in inspection.conn.execute(
                f"SELECT case_ref, marker, question_id, value FROM answers WHERE question_id IN ({marks})",
                sorted(questions)):
            if counted.get(ref) == marker:
                triggers.setdefault(ref, {})[qid] = value
    class_of: dict[tuple, int] = {}
    case_classes, applies = [], []
    fields, questions = sorted(fields), sorted(questions)
    for ref in counted:
        c = cases[ref]
        field_values = {f: c.fields.get(f) for f in fields}
        answers = {q: condition_value(t.question_by_id[q], triggers.get(ref, {}).get(q)) for q in questions}
        key = (tuple(_hashable(field_values[f]) for f in fields), tuple(_hashable(answers[q]) for q in questions))
        k = class_of.get(key)
        if k is None:
            k = class_of[key] = len(class_of)
            flags = t.which_apply(field_values, {q: v for q, v in answers.items() if v is not None})
            applies += [(k, qid) for qid, on in flags.items() if on]
        case_classes.append((ref, k))
    return case_classes, applies


def _hashable(v):
    return tuple(v) if isinstance(v, list) else v


# ---- baselines ---------------------------------------------------------------
def load_baseline(path: Path) -> dict[tuple[str, str, str], dict]:
    """Figures of an earlier report: a report workbook (its Data sheet) or a master inspection file."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from fileexam.formats.report_workbook import read_report_data
        return read_report_data(path)
    with InspectionFile.open(path, read_only=True) as f:  # someone's master: looked at, never changed
        report = build_report(f)
    return {k: {"value": v.value, "ci_low": v.ci[0] if v.ci else None, "ci_high": v.ci[1] if v.ci else None,
                "cases": len(v.cases)} for k, v in report.figures.items()}

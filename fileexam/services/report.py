"""Aggregate a master inspection into the figures of an inspection report (grouping in SQL)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from fileexam.domain.aggregate import (ALL_STRANDS, NATIONAL, AreaChanges, Figure, QuestionFigure, Spread,
                                       area_changes, baseline_spreads, compare, group_figures, question_figures,
                                       score_figures, spreads)
from fileexam.domain.question_stats import (ChoiceFigure, DateFigure, NumberFigure, choice_figures, date_figures,
                                            days_between, number_figures)
from fileexam.domain.answers import condition_value
from fileexam.domain.applicability import AnswerIs, FieldIs, leaves
from fileexam.domain.cases import Status
from fileexam.domain.questions import THEME, AnswerType
from fileexam.domain.template import InspectionTemplate
from fileexam.progress import Progress, no_progress
from fileexam.store.errors import StoreError
from fileexam.store.inspection_file import InspectionFile, now


class NothingToReport(StoreError):
    """No sampled case has a complete marking: a workbook of empty tables would only mislead."""


@dataclass
class Report:
    template: InspectionTemplate
    name: str
    generated_at: str
    figures: dict[tuple[str, str, str], Figure]
    questions: dict[tuple[str, str, str], QuestionFigure]
    spreads: list[Spread]
    measures: list[str]
    strands: list[str]
    areas: list[str]
    case_rows: list[tuple]             # (case, area, strand, measure, achieved, available): the Check sheet
    counted: dict[str, str]            # case -> the marker whose marking counts
    excluded: int = 0                  # sampled cases with no complete marking
    unmoderated: list[str] = field(default_factory=list)  # double-marked, not yet moderated: first marker counts
    baseline_name: str | None = None
    agreed: set[str] = field(default_factory=set)  # cases scored on their agreed marking (moderated)
    area_changes: list[AreaChanges] = field(default_factory=list)   # with a baseline: Areas improved, static...
    breakdowns: dict[str, dict[tuple[str, str, str], Figure]] = field(default_factory=dict)  # field -> figures
    numbers: dict[tuple[str, str, str], NumberFigure] = field(default_factory=dict)  # number questions, intervals
    choices: dict[tuple[str, str, str], ChoiceFigure] = field(default_factory=dict)
    dates: dict[tuple[str, str, str], DateFigure] = field(default_factory=dict)
    case_groups: dict[str, tuple[str, str]] = field(default_factory=dict)  # case -> (Area, strand) labels
    breakdown_groups: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # field -> case -> groups

    def spread(self, measure: str, strand: str = ALL_STRANDS) -> Spread | None:
        return next((s for s in self.spreads if s.measure == measure and s.strand == strand), None)

    def label(self, measure: str) -> str:
        return self.template.score_label(measure)

    def figure(self, measure: str, strand: str = ALL_STRANDS, area: str = NATIONAL) -> Figure | None:
        return self.figures.get((measure, strand, area))


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


def report_json(r: Report, area: str | None = None) -> dict:
    """Every figure, and every table of the workbook (the same rows, typed); for an Area's report, its tables."""
    from fileexam.domain.report_tables import report_tables, table_json

    def figure(f: Figure, group: str | None = None) -> dict:
        tr = f.travel
        out = {
            "measure": f.measure, "label": r.label(f.measure), "strand": f.strand, "area": f.area,
            "achieved": f.achieved, "available": f.available, "value": f.value, "cases": len(f.cases),
            "ci_low": f.ci[0] if f.ci else None, "ci_high": f.ci[1] if f.ci else None, "few_cases": f.few,
            "baseline": tr.baseline if tr else None, "change_pp": tr.change_pp if tr else None,
            "direction": tr.direction if tr else None, "within_noise": tr.within_noise if tr else None,
            "direction_words": tr.words if tr else None,
        }
        if group is not None:  # a breakdown: 'area' holds the field's value
            out["group"] = out.pop("area")
        return out

    def question(q: QuestionFigure) -> dict:
        spec = r.template.question_by_id.get(q.question)
        combined = {}
        for c in r.template.reporting.combined_shares:
            if set(c.values) <= set(q.counted_values):
                k, share, ci = q.combined(c.values)
                combined[c.label] = {"values": list(c.values), "cases": k, "share": share,
                                     "ci_low": ci[0] if ci else None, "ci_high": ci[1] if ci else None}
        return {"question": q.question, "strand": q.strand, "area": q.area, "counts": q.counts,
                "labels": {o.value: o.label for o in spec.answer.scale.options} if spec and spec.answer.scale else {},
                "not_applicable": q.not_counted, "base": q.base,
                "shares": {v: q.share(v) for v in q.counted_values},
                "intervals": {v: q.share_ci(v) for v in q.counted_values}, "combined": combined}

    def choice(c: ChoiceFigure) -> dict:
        return {"question": c.question, "strand": c.strand, "area": c.area, "answered": c.answered,
                "counts": c.counts, "shares": {v: c.share(v) for v in c.counts},
                "intervals": {v: c.share_ci(v) for v in c.counts}}

    def dates(d: DateFigure) -> dict:
        lo, hi = d.range() or (None, None)
        return {"question": d.question, "strand": d.strand, "area": d.area, "n": d.n, "earliest": lo, "latest": hi}

    return {
        "inspection": r.name, "template": r.template.id, "template_version": r.template.version,
        "generated_at": r.generated_at, "baseline": r.baseline_name, "area": area,
        "cases_counted": len(r.counted), "cases_without_complete_marking": r.excluded,
        "double_marked_not_moderated": r.unmoderated,
        "measures": [figure(f) for f in sorted(r.figures.values(), key=lambda f: f.key)],
        "spreads": [{"measure": s.measure, "strand": s.strand,
                     "strongest": [a.__dict__ for a in s.strongest], "weakest": [a.__dict__ for a in s.weakest],
                     "ranked_areas": s.ranked, "too_few_cases": s.too_few, "no_cases": s.no_cases,
                     "minimum_cases": s.minimum, "spread_pp": s.spread_pp,
                     "baseline_spread_pp": s.baseline_spread_pp, "spread_change_pp": s.spread_change_pp}
                    for s in r.spreads],
        "area_changes": [{"measure": c.measure, "strand": c.strand, "improved": c.improved, "static": c.static,
                          "declined": c.declined, "within_noise": c.within_noise, "not_compared": c.not_compared,
                          "sentence": c.sentence(len(c.improved) + len(c.static) + len(c.declined))}
                         for c in r.area_changes],
        "questions": [question(q) for q in sorted(r.questions.values(), key=lambda q: (q.question, q.strand, q.area))],
        "breakdowns": {name: [figure(f, f.area) for f in sorted(figs.values(), key=lambda f: f.key)]
                       for name, figs in r.breakdowns.items()},
        "numbers": [{"question": n.question, "strand": n.strand, "area": n.area, **n.summary()}
                    for n in sorted(r.numbers.values(), key=lambda n: (n.question, n.strand, n.area))],
        "choices": [choice(c) for c in sorted(r.choices.values(), key=lambda c: (c.question, c.strand, c.area))],
        "dates": [dates(d) for d in sorted(r.dates.values(), key=lambda d: (d.question, d.strand, d.area))],
        "tables": [table_json(t) for t in report_tables(r, area)],
    }

"""Aggregate a master inspection into the figures of an inspection report.

The counted markings' answers are read in one pass over the answers (SQLite hands them over per marking,
as question ids and one-character codes of their values), then worked on as numpy arrays: a case x
question matrix of value codes, applicability by class of cases (cases with the same condition inputs),
points per case and measure, and the roll-ups and intervals of fileexam/domain/aggregate.py. Moderated
cases are scored apart, in Python, on their agreed marking (docs/METHODS.md, "Moderated cases").
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

from fileexam.domain.aggregate import (ALL_STRANDS, NATIONAL, AreaChanges, Figure, QuestionFigure, RowColumns,
                                       Spread, area_changes, baseline_spreads, column_group_figures,
                                       column_score_figures, compare, question_figures, spreads)
from fileexam.domain.question_stats import (ChoiceFigure, DateFigure, NumberFigure, choice_figures, date_figures,
                                            days_between, number_figures)
from fileexam.domain.answers import condition_value
from fileexam.domain.applicability import AnswerIs, FieldIs, leaves
from fileexam.domain.cases import Case, Status
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
    not_examinable: int = 0            # sampled cases marked not examinable (left out of every figure)
    accounting: object = None          # domain.sample_accounting.Accounting, when a sample design is held
    weighted: dict[tuple[str, str], object] = field(default_factory=dict)  # (measure, strand) -> WeightedFigure
    weights_note: str = ""             # why national figures are, or are not, also weighted
    case_strata: dict[str, str] = field(default_factory=dict)  # counted case -> its stratum's label

    def spread(self, measure: str, strand: str = ALL_STRANDS) -> Spread | None:
        return next((s for s in self.spreads if s.measure == measure and s.strand == strand), None)

    def label(self, measure: str) -> str:
        return self.template.score_label(measure)

    def figure(self, measure: str, strand: str = ALL_STRANDS, area: str = NATIONAL) -> Figure | None:
        return self.figures.get((measure, strand, area))


def counted_markings(inspection: InspectionFile,
                     cases: list[Case] | None = None) -> tuple[dict[str, str], list[str], int]:
    """The marking that counts for each case: the allocated inspector's complete marking, else the first
    complete one. Returns (case -> marker, double-marked cases not yet moderated, cases with none).
    cases: inspection.cases(), when the caller has read them already."""
    from fileexam.store.gold_records import gold_markings

    complete = Status.COMPLETE.value
    gold = gold_markings(inspection)  # a gold case's marking is compared with agreed answers, never counted
    first_complete: dict[str, list[str]] = {}  # case -> the markers of its complete markings, first done first
    for ref, marker in inspection.conn.execute(
            "SELECT case_ref, marker FROM markings WHERE status = ? ORDER BY updated_at", [complete]):
        if not gold or (ref, marker) not in gold:
            done = first_complete.get(ref)
            if done is None:
                first_complete[ref] = [marker]
            else:
                done.append(marker)
    counted, unmoderated, excluded = {}, [], 0
    decided = {ref for ref, _ in inspection.decisions()}
    calibration = inspection.calibration_cases()  # never counted in the inspection's scores
    from fileexam.store.sample_records import excluded_refs
    not_examinable = excluded_refs(inspection)  # marked not examinable: in no figure, whatever was marked
    for c in inspection.cases() if cases is None else cases:
        ref = c.reference
        if ref in calibration or ref in not_examinable:
            continue
        markers = first_complete.get(ref)
        if not markers:
            excluded += 1
            continue
        marker = counted[ref] = c.inspector if c.inspector in markers else markers[0]
        if len(markers) > 1 and ref not in decided:
            held = inspection.marking_rows(ref)
            mine = {q: r[0] for q, r in held.get(marker, {}).items()}
            # A complete marking may hold no answers (nothing required applied): it is then an empty one.
            if any({q: r[0] for q, r in held.get(m, {}).items()} != mine for m in markers if m != marker):
                unmoderated.append(ref)  # they differ and nobody has settled it yet
    return counted, unmoderated, excluded


def build_report(inspection: InspectionFile, baseline: Path | None = None, with_intervals: bool = True,
                 progress: Progress = no_progress, baseline_key=None, cases: list[Case] | None = None) -> Report:
    """The report's figures; compared with `baseline` (an earlier master, opened with `baseline_key` when it
    is encrypted, or its report workbook) when one is given. cases: inspection.cases(), when read already
    (inside the caller's inspection.snapshot(), for figures of one moment). Everything is read at one moment
    of the file, whatever another program commits meanwhile."""
    with inspection.snapshot(twin=True):
        return _build_report(inspection, baseline, with_intervals, progress, baseline_key, cases)


def _build_report(inspection: InspectionFile, baseline: Path | None, with_intervals: bool, progress: Progress,
                  baseline_key, cases: list[Case] | None) -> Report:
    t = inspection.template
    progress(0, 5, "choosing the markings that count")
    case_list = inspection.cases() if cases is None else cases
    counted, unmoderated, excluded = counted_markings(inspection, case_list)
    cases = {c.reference: c for c in case_list}
    if not counted:
        in_progress = len({ref for (ref, _m), st in inspection.statuses().items() if st is Status.IN_PROGRESS})
        raise NothingToReport(f"{inspection.name}: no sampled case has a complete marking yet ({len(cases)} "
                              f"case(s) sampled, {in_progress} in progress), so there is nothing to report. "
                              "Merge the inspectors' workbooks, or mark cases complete, first")
    area_f = t.fields_by_id.get(t.reporting.area_field or "")
    strand_f = t.fields_by_id.get(t.reporting.strand_field or "")

    counted_cases = [cases[ref] for ref in counted]
    where = dict(zip(counted, zip(_labels(area_f, counted_cases), _labels(strand_f, counted_cases))))
    progress(1, 5, "working out which questions apply")
    # A moderated case counts as its agreed marking: scored apart below, in Python, on the whole of it.
    decisions = inspection.decisions()
    agreed = {ref for ref, _ in decisions if ref in counted}
    plain = {ref: m for ref, m in counted.items() if ref not in agreed}
    book = _Codebook(t)
    # Not started earlier: beside the case list's Python the worker would wait for the GIL at every row
    half = _OtherHalf.chosen(inspection, book)
    try:
        if half is not None:
            half.begin()  # inside the try: whatever happens from here, stop() waits for it
        marked = _read_markings(inspection, book, plain, cases, half)
    finally:
        if half is not None:
            half.stop()

    progress(2, 5, "adding up scores")
    extra_cases, extra_questions = [], []
    if agreed:
        extra_cases, extra_questions = _agreed_rows(inspection, t, counted, agreed, decisions, cases,
                                                    lambda c: where[c.reference])
    places = _Places(marked.refs + list(dict.fromkeys(r[0] for r in extra_cases)), where)
    rows = _score_rows(book, marked, places, extra_cases)
    q_rows = _question_rows(book, marked, places) + extra_questions
    typed_rows = _typed_rows(book, marked, where) + extra_questions
    del marked, places  # peak memory: the case x question arrays are done with

    progress(3, 5, "intervals")
    few = t.reporting.few_cases
    figures = column_score_figures(rows, few, with_intervals)
    counted_values = {q.id: tuple(o.value for o in q.answer.scale.options if o.points is not None)
                      for q in t.questions if q.answer.type is AnswerType.SCALE}
    questions = question_figures([r for r in q_rows if r[0] in counted_values], counted_values)
    measures = t.score_names()
    strands = [o.label for o in strand_f.values] if strand_f else []
    areas = [o.label for o in area_f.values] if area_f else []
    report = Report(t, inspection.name, now(), figures, questions,
                    spreads(figures, measures, strands, areas, max(few, 1)), measures, strands, areas, [],
                    counted, excluded, unmoderated, agreed=agreed, case_groups=where)
    report.breakdown_groups = {name: _groups_of(t.fields_by_id[name], cases, counted)
                               for name in t.reporting.breakdowns if name in t.fields_by_id}
    report.breakdowns = {name: column_group_figures(rows, groups, few, with_intervals)
                         for name, groups in report.breakdown_groups.items()}
    # The Check sheet's rows as tuples only now: the roll-ups' working arrays are gone (peak memory)
    report.case_rows = rows.tuples()
    del rows
    _typed_questions(report, t, typed_rows, cases)
    _sample_figures(inspection, report, with_intervals)
    if baseline is not None:
        progress(4, 5, "comparing with the baseline")
        report.baseline_name = Path(baseline).name
        base = load_baseline(Path(baseline), baseline_key)
        compare(figures, base, t.reporting.direction_threshold_pp)
        baseline_spreads(report.spreads, base)
        report.area_changes = area_changes(figures, measures, strands, areas)
    progress(5, 5, "done")
    return report


def _sample_figures(inspection: InspectionFile, report: Report, with_intervals: bool = True) -> None:
    """The sample's accounting (with a design), and national figures weighted by the inverse of each stratum's
    sampling fraction beside the unweighted ones, when the design's fractions differ (docs/METHODS.md,
    "Weights")."""
    from fileexam.services.sample_accounting import accounting_of
    from fileexam.store.sample_records import case_strata, excluded_refs

    report.not_examinable = len(excluded_refs(inspection))
    acc = report.accounting = accounting_of(inspection)
    if acc is None:
        return
    labels = {s.key: s.label for s in acc.strata if s.key is not None}
    held = case_strata(inspection)
    report.case_strata = {ref: labels.get(held[ref][0], "") for ref in report.counted if ref in held}
    if not acc.fractions_differ():
        report.weights_note = ("The design's sampling fractions are the same in every stratum (within 5%): national "
                               "figures need no weights.")
        return
    by_stratum: dict = {}
    for ref in report.counted:
        if ref not in held:
            report.weights_note = (f"The sampling fractions differ across strata, but case {ref} has no stratum: no "
                                   "weighted figures.")
            return
        by_stratum.setdefault(held[ref][0], []).append(ref)
    eligible = {s.key: s.eligible for s in acc.strata if s.key is not None}
    if any(not eligible.get(k) for k in by_stratum):
        report.weights_note = ("The sampling fractions differ across strata, but the number of eligible cases of a "
                               "stratum is not known (a sample not drawn by fileexam): no weighted figures.")
        return
    weights = {k: eligible[k] / len(refs) for k, refs in by_stratum.items()}
    report.weights_note = ("The design's sampling fractions differ across strata, so national figures are also "
                           "given weighted: each examined case counts for (eligible cases in its stratum) / (cases "
                           "examined in it).")
    from fileexam.domain.weighting import weighted_figures
    keys, figures = [], []
    for measure in report.measures:
        for strand in [ALL_STRANDS] + list(report.strands):
            points: dict[str, tuple[float, float]] = {}
            for case, _area, s, m, a, b in report.case_rows:
                if m == measure and (strand == ALL_STRANDS or s == strand):
                    old = points.get(case, (0.0, 0.0))
                    points[case] = (old[0] + a, old[1] + b)
            if points:
                keys.append((measure, strand))
                figures.append(points)
    results = weighted_figures({k: sorted(v) for k, v in by_stratum.items()}, weights, figures,
                               reps=1000 if with_intervals else 0)
    report.weighted = dict(zip(keys, results))


def _labels(f, cases: list[Case]) -> list[str]:
    """Each case's label of its value of field f: '(none)' without a value (or without the field)."""
    if f is None:
        return ["(none)"] * len(cases)
    values = [c.fields.get(f.id) for c in cases]
    label = {v: f.value_label(v) for v in set(v for v in values if isinstance(v, str))}
    return [label[v] if isinstance(v, str) else "(none)" for v in values]


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


# ---- the counted answers, as arrays ----------------------------------------------------------------------
NO_ANSWER, OTHER_VALUE = 0, 1  # value codes: no answer (or a NULL one); a value none of the known ones
_SPLIT_AT = 20_000  # markings from which the answers are read in two threads (fewer: not worth a thread)
_MAIN_SHARE = 0.5   # of the markings read by the main thread (which decodes the other half's too)
_CHUNK = 4096                  # markings decoded at a time: memory stays small however many cases there are
_NARROW = 0xE0                 # value codes that fit one byte (latin-1 0x20-0xFF); more: UTF-32


class _Other:
    """The value of an answer that is none of the values a scale or a condition names: matches no condition."""

    def __repr__(self) -> str:
        return "<another value>"


_OTHER = _Other()


class _Codebook:
    """What the template asks for, numbered: questions (template order), the values of scale options and of
    conditions (each a one-character code in SQL), the points of each (question, value code)."""

    def __init__(self, t: InspectionTemplate):
        import numpy as np

        self.template = t
        self.questions = [q.id for q in t.questions]
        self.index = {qid: i for i, qid in enumerate(self.questions)}
        fields, triggers = set(), set()
        named = []
        for qs in t.question_sets:
            for section in qs.sections:
                for cond in [section.applies_when] + [q.applies_when for q in section.questions]:
                    for leaf in leaves(cond):
                        if isinstance(leaf, FieldIs):
                            fields.add(leaf.field)
                        elif isinstance(leaf, AnswerIs):
                            triggers.add(leaf.question)
                            named += list(leaf.values)
        self.fields, self.triggers = sorted(fields), sorted(triggers)
        values = [v for q in t.questions if q.answer.type is AnswerType.SCALE for v in q.answer.scale.values]
        # Stored answers are text: a value that is not (or holds NUL, which SQL text cannot carry) never equals one.
        self.values = list(dict.fromkeys(v for v in values + named if isinstance(v, str) and "\0" not in v))
        self.names = [None, _OTHER] + self.values       # code -> the value conditions see
        n_codes = len(self.names)
        self.wide = n_codes > _NARROW                   # codes beyond one byte: UTF-32 in Python
        self.scale = np.array([t.question_by_id[q].answer.type is AnswerType.SCALE for q in self.questions], bool)
        # raw text needed: typed questions reported by type, and conditions on answers that are not scales
        self.raw = sorted({q.id for q in t.questions if q.answer.type in (AnswerType.NUMBER, AnswerType.CHOICES,
                                                                          AnswerType.DATE)}
                          | {q for q in self.triggers if not (q in self.index and self.scale[self.index[q]])})
        n_q = len(self.questions)
        self.points = np.full((n_q, n_codes), np.nan)   # option points x weight; NaN: counts for nothing
        self.counts = np.zeros((n_q, n_codes), bool)    # the option carries points
        self.available = np.zeros(n_q)                  # the scale's highest points x weight
        code = {v: k + 2 for k, v in enumerate(self.values)}
        for i, q in enumerate(t.questions):
            if not q.answer.scored:
                continue
            self.available[i] = q.answer.scale.max_points * q.weight
            for o in q.answer.scale.options:
                if o.points is not None and o.value in code:
                    self.points[i, code[o.value]] = o.points * q.weight
                    self.counts[i, code[o.value]] = True
        members: dict[str, set[str]] = {}
        for q in t.questions:
            if q.answer.scored and THEME in q.scores:
                members.setdefault(q.set_id, set()).add(q.id)
        for comp in t.composites:
            members.setdefault(comp.id, set()).update(q.id for q in t.composite_members(comp.id))
        self.measures = sorted(members)                 # the order of the Check sheet's rows within a case
        self.member_of = {qid: [m for m, name in enumerate(self.measures) if qid in members[name]]
                          for qid in self.questions}

    def char(self, code: int) -> str:
        if not self.wide:
            return chr(0x20 + code)
        u = 0x100 + code
        return chr(u if u < 0xD800 else u + 0x800)    # never a surrogate

    def decode(self, text: str):
        import numpy as np

        if not self.wide:
            return np.frombuffer(text.encode("latin-1"), dtype=np.uint8) - np.uint8(0x20)
        u = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32) - np.uint32(0x100)
        u[u >= 0xD800 - 0x100] -= np.uint32(0x800)
        return u

    def value_sql(self) -> str:
        """The SQL expression of an answer's value code, one character."""
        def text(s: str) -> str:
            return "'" + s.replace("'", "''") + "'"
        other = f"CASE WHEN value IS NULL THEN {text(self.char(NO_ANSWER))} ELSE {text(self.char(OTHER_VALUE))} END"
        if not self.values:
            return other
        known = " ".join(f"WHEN {text(v)} THEN {text(self.char(k + 2))}" for k, v in enumerate(self.values))
        return f"CASE value {known} ELSE {other} END"


@dataclass
class _Marked:
    """The plain (not moderated) counted cases' markings: value codes, classes and raw typed values."""
    refs: list[str]                # the cases, in counted order
    codes: object                  # numpy (cases x questions) value codes
    classes: object                # numpy: each case's class of applicability
    applies: object                # numpy (classes x questions): the question applies
    case_applies: object           # numpy (cases x questions): the question applies to the case
    raw: dict[str, dict[int, str]]  # question -> case position -> stored text (typed and trigger questions)


def _pass_sql(book: _Codebook, where: str = "") -> str:
    """The one pass: per marking, its question ids, its value codes and the stored values of book.raw (its
    parameters) as a JSON object; a value stored as bytes (only a hand-edited file holds one; JSON cannot)
    as [its hex], so that every value reads back as the driver gives it."""
    marks = ",".join("?" * len(book.raw))
    typed = ("json_group_object(question_id, CASE WHEN typeof(value) = 'blob' THEN json_array(hex(value))"
             f" ELSE value END) FILTER (WHERE question_id IN ({marks}))") if book.raw else "NULL"
    return (f"SELECT marker, case_ref, group_concat(question_id, ','), group_concat({book.value_sql()}, ''), "
            f"{typed} FROM answers {where} GROUP BY marker, case_ref")


def _cut(counts: list[tuple[str, int]], share: float) -> str | None:
    """The marker at which the pass is cut: the markers before it hold as near `share` of the markings as a
    cut between markers gives (counts: (marker, markings) in marker order). None with fewer than two."""
    total = sum(n for _, n in counts)
    best, below, cut = None, 0, None
    for k, (marker, n) in enumerate(counts):
        if k and (best is None or abs(below - share * total) < best):
            best, cut = abs(below - share * total), marker
        below += n
    return cut


class _OtherHalf:
    """The markers from `cut` on, read by a worker thread on the twin connection (the same moment of the
    file) while the main thread reads the markers below `cut`. SQLite works without Python's lock (the GIL),
    so the two run on two cores; the main thread decodes the worker's rows when its own half is done (they
    are held meanwhile: ~8 MB per 10,000 markings of 80 answers)."""

    def __init__(self, twin, book: "_Codebook", cut: str):
        import threading
        self.twin, self.cut = twin, cut
        self.rows: list[tuple] = []
        self.failed: list[BaseException] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._read, name="report pass", daemon=True,
                                       args=(_pass_sql(book, "WHERE marker >= ?"), [*book.raw, cut]))

    @classmethod
    def chosen(cls, inspection: InspectionFile, book: "_Codebook") -> "_OtherHalf | None":
        """The other half, not yet begun; None without a twin, or when there are too few markings."""
        twin = getattr(inspection, "twin", None)
        if twin is None:
            return None
        counts = inspection.conn.execute("SELECT marker, count(*) FROM markings GROUP BY marker ORDER BY marker").fetchall()
        if sum(n for _, n in counts) < _SPLIT_AT:
            return None
        cut = _cut(counts, _MAIN_SHARE)
        return None if cut is None else cls(twin, book, cut)

    def begin(self) -> None:
        self.thread.start()

    def _read(self, sql: str, params: list) -> None:
        try:
            ids_of: dict[str, str] = {}  # markings answering the same questions share one ids text (memory)
            if self.stopping.is_set():
                return
            for marker, ref, ids, text, stored in self.twin.execute(sql, params):
                if self.stopping.is_set():  # an interrupt sent before the statement began is not seen by SQLite
                    return
                self.rows.append((marker, ref, ids_of.setdefault(ids, ids), text, stored))
        except BaseException as e:  # handed to the main thread, which raises it
            self.failed.append(e)

    def taken(self):
        """Its rows, once the worker is done (its error, if it failed): to chain after the main thread's half."""
        self.thread.join()
        if self.failed:
            raise self.failed[0]
        rows, self.rows = self.rows, []
        yield from rows

    def stop(self) -> None:
        """However the report ends, the worker is stopped and waited for: the twin is closed only after it.
        A Ctrl-C while waiting is raised once the worker has stopped, not instead of waiting."""
        self.stopping.set()
        interrupted = None
        while self.thread.is_alive():
            try:
                self.twin.interrupt()
                self.thread.join(0.05)
            except KeyboardInterrupt as e:
                interrupted = e
        if interrupted is not None:
            raise interrupted


def _read_markings(inspection: InspectionFile, book: _Codebook, plain: dict[str, str], cases: dict,
                   half: _OtherHalf | None = None) -> _Marked:
    """One pass over the answers, grouped by marking as the covering index answers_by_marking holds them;
    only the counted marking of each plain case is kept. The same pass hands over the stored text of the
    typed and trigger questions (book.raw): no second read of the answers, and no index by question."""
    import json

    import numpy as np

    conn = inspection.conn
    refs = list(plain)
    position = {ref: i for i, ref in enumerate(refs)}
    n_q = len(book.questions)
    codes = np.zeros((len(refs), n_q + 1), dtype=np.uint32 if book.wide else np.uint8)  # last: unknown ids
    expr = book.value_sql()
    columns: dict[str, object] = {}   # the question ids of a marking, as SQL gives them -> their columns
    held: dict[int, tuple[object, list[int], list[str]]] = {}  # markings not yet decoded, by their columns
    count = 0

    def flush():
        for cols, at, texts in held.values():  # markings that answered the same questions: one block each
            block = book.decode("".join(texts)).reshape(len(at), len(cols))
            codes[np.array(at, dtype=np.int64)[:, None], cols[None, :]] = block
        held.clear()

    raw: dict[str, dict[int, str]] = {q: {} for q in book.raw}
    if half is None:
        rows = conn.execute(_pass_sql(book), book.raw)
    else:  # markers below the cut here, then the worker's rows
        rows = itertools.chain(conn.execute(_pass_sql(book, "WHERE marker < ?"), [*book.raw, half.cut]), half.taken())
    for marker, ref, ids, text, stored in rows:
        i = position.get(ref)
        if i is None or plain[ref] != marker:
            continue  # not a counted marking, or a moderated case (scored apart)
        if stored is not None and stored != "{}":
            for qid, value in json.loads(stored).items():
                raw[qid][i] = bytes.fromhex(value[0]) if type(value) is list else value
        cols = columns.get(ids)
        if cols is None:
            cols = np.array([book.index.get(q, n_q) for q in ids.split(",")], dtype=np.int64)
            if len(columns) < 50_000:
                columns[ids] = cols
        if len(cols) != len(text):  # a question id holding a comma: read this marking row by row
            found = conn.execute(f"SELECT question_id, {expr} FROM answers WHERE marker=? AND case_ref=?",
                                 [marker, ref]).fetchall()
            cols = np.array([book.index.get(q, n_q) for q, _ in found], dtype=np.int64)
            text = "".join(c for _, c in found)
        same = held.get(id(cols))
        if same is None:
            held[id(cols)] = (cols, [i], [text])
        else:
            same[1].append(i)
            same[2].append(text)
        count += 1
        if count % _CHUNK == 0:
            flush()
    flush()
    codes = codes[:, :n_q]

    classes, applies = _classes(book, refs, cases, codes, raw)
    return _Marked(refs, codes, classes, applies, applies[classes], raw)


def _classes(book: _Codebook, refs: list[str], cases: dict, codes, raw: dict[str, dict[int, str]]):
    """Each case's class of applicability, and which questions apply to each class.

    Applicability depends only on the fields and answers that conditions name, so cases fall into a
    few classes with the same values of those; each class is worked out once.
    """
    import numpy as np

    t = book.template
    columns = [[_hashable(cases[ref].fields.get(f)) for ref in refs] for f in book.fields]
    for qid in book.triggers:
        q = t.question_by_id[qid]
        if qid in book.index and book.scale[book.index[qid]]:
            names = book.names
            columns.append([names[c] for c in codes[:, book.index[qid]].tolist()])
        else:
            held = raw[qid]
            columns.append([_hashable(condition_value(q, held.get(i))) for i in range(len(refs))])
    class_of: dict[tuple, int] = {}
    classes = np.array([class_of.setdefault(key, len(class_of)) for key in zip(*columns)] if columns
                       else [0] * len(refs), dtype=np.int64)
    if not columns:
        class_of[()] = 0
    applies = np.zeros((len(class_of), len(book.questions)), dtype=bool)
    n_fields = len(book.fields)
    for key, k in class_of.items():
        fields = dict(zip(book.fields, key[:n_fields]))
        answers = {q: v for q, v in zip(book.triggers, key[n_fields:]) if v is not None}
        flags = t.which_apply(fields, answers)
        applies[k] = [flags.get(qid, False) for qid in book.questions]
    return classes, applies


def _hashable(v):
    return tuple(v) if isinstance(v, list) else v


class _Places:
    """The cases of the score rows (plain cases first, in counted order, then moderated ones), each with
    its (Area, strand) as a small code into `pairs`."""

    def __init__(self, refs: list[str], where: dict[str, tuple[str, str]]):
        import numpy as np

        self.refs = refs
        codes: dict[tuple[str, str], int] = {}
        self.pair = np.array([codes.setdefault(where[ref], len(codes)) for ref in refs], dtype=np.int64)
        self.pairs = list(codes)

    def check_order(self):
        """Each case's place in the Check sheet's order: by Area, strand, then case reference."""
        import numpy as np

        pair_rank = np.empty(len(self.pairs), dtype=np.int64)
        pair_rank[sorted(range(len(self.pairs)), key=self.pairs.__getitem__)] = np.arange(len(self.pairs))
        ref_rank = np.empty(len(self.refs), dtype=np.int64)
        ref_rank[sorted(range(len(self.refs)), key=self.refs.__getitem__)] = np.arange(len(self.refs))
        rank = np.empty(len(self.refs), dtype=np.int64)
        rank[np.lexsort((ref_rank, pair_rank[self.pair]))] = np.arange(len(self.refs))
        return rank


def _score_rows(book: _Codebook, marked: _Marked, places: _Places, extra: list[tuple]) -> RowColumns:
    """Achieved and available per case and measure (a row where at least one question counted), the
    moderated cases' rows added, in the Check sheet's order: Area, strand, case, measure."""
    import numpy as np

    n = len(marked.refs)
    n_m = len(book.measures)
    achieved = np.zeros((n_m, n))
    available = np.zeros((n_m, n))
    counted = np.zeros((n_m, n), dtype=bool)
    for qid in sorted(book.questions):  # added in question order, as SQLite's SUM added them
        j = book.index[qid]
        if not book.member_of[qid] or not book.counts[j].any():
            continue
        col = marked.codes[:, j]
        ok = book.counts[j][col] & marked.case_applies[:, j]
        points = book.points[j][col]
        for m in book.member_of[qid]:
            np.add(achieved[m], points, out=achieved[m], where=ok)
            np.add(available[m], book.available[j], out=available[m], where=ok)
            counted[m] |= ok
    m_of, case_of = np.nonzero(counted)                # measure-major: put in order below
    measure_code = {name: m for m, name in enumerate(book.measures)}
    for r in extra:
        measure_code.setdefault(r[3], len(measure_code))
    measure_names = list(measure_code)
    measure_rank = np.empty(len(measure_names), dtype=np.int64)
    measure_rank[sorted(range(len(measure_names)), key=measure_names.__getitem__)] = np.arange(len(measure_names))
    position = {ref: i for i, ref in enumerate(places.refs[n:], start=n)}
    row_case = np.concatenate([case_of, np.array([position[r[0]] for r in extra], dtype=np.int64)])
    row_measure = np.concatenate([m_of, np.array([measure_code[r[3]] for r in extra], dtype=np.int64)])
    row_achieved = np.concatenate([achieved[m_of, case_of], np.array([r[4] for r in extra], dtype=float)])
    row_available = np.concatenate([available[m_of, case_of], np.array([r[5] for r in extra], dtype=float)])
    order = np.lexsort((measure_rank[row_measure], places.check_order()[row_case]))
    row_case, row_measure = row_case[order], row_measure[order]
    area_code: dict[str, int] = {}
    strand_code: dict[str, int] = {}
    pair_area = np.array([area_code.setdefault(a, len(area_code)) for a, _ in places.pairs], dtype=np.int64)
    pair_strand = np.array([strand_code.setdefault(s, len(strand_code)) for _, s in places.pairs], dtype=np.int64)
    row_pair = places.pair[row_case]
    return RowColumns(np.array(places.refs, dtype=object)[row_case].tolist(), pair_area[row_pair],
                      pair_strand[row_pair], row_measure, row_achieved[order], row_available[order],
                      list(area_code), list(strand_code), measure_names)


def _question_rows(book: _Codebook, marked: _Marked, places: _Places) -> list[tuple]:
    """(question, Area, strand, value, cases) for scale questions over the plain cases that answered and to
    which the question applies, as SQL's GROUP BY gave them. Values that are no option (no code of their
    own) count together, as the None value: question_figures counts them as not applicable all the same."""
    import numpy as np

    n_codes = len(book.names)
    group = places.pair[:len(marked.refs)]
    names = places.pairs
    rows = []
    for qid in sorted(book.questions):
        j = book.index[qid]
        if not book.scale[j]:
            continue
        col = marked.codes[:, j].astype(np.int64)
        ok = (col != NO_ANSWER) & marked.case_applies[:, j]
        if not ok.any():
            continue
        counts = np.bincount(group[ok] * n_codes + col[ok], minlength=len(names) * n_codes)
        for g, code in zip(*np.nonzero(counts.reshape(len(names), n_codes))):
            area, strand = names[g]
            value = book.names[code] if code != OTHER_VALUE else None
            rows.append((qid, area, strand, value, int(counts[g * n_codes + code])))
    rows.sort(key=lambda r: (r[0], r[1], r[2], r[3] is None, r[3] or ""))
    return rows


def _typed_rows(book: _Codebook, marked: _Marked, where: dict[str, tuple[str, str]]) -> list[tuple]:
    """(question, Area, strand, value, cases) for the questions reported by their type (numbers, choices,
    dates), over the plain cases that answered and to which the question applies."""
    t = book.template
    found: dict[tuple, int] = {}
    for qid in book.raw:
        if t.question_by_id[qid].answer.type not in (AnswerType.NUMBER, AnswerType.CHOICES, AnswerType.DATE):
            continue
        j = book.index[qid]
        applies = marked.applies[:, j]
        for i, value in marked.raw[qid].items():
            if value is not None and applies[marked.classes[i]]:
                key = (qid, *where[marked.refs[i]], value)
                found[key] = found.get(key, 0) + 1
    # in SQL's order: by question, Area, strand, then value (text before the odd value stored as bytes)
    ordered = sorted(found.items(), key=lambda kv: (*kv[0][:3], isinstance(kv[0][3], bytes), kv[0][3]))
    return [(*key, n) for key, n in ordered]


# ---- baselines ---------------------------------------------------------------
def load_baseline(path: Path, key=None) -> dict[tuple[str, str, str], dict]:
    """Figures of an earlier report: a report workbook (its Data sheet) or a master inspection file (`key`:
    its CipherKey when it is encrypted)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from fileexam.formats.report_workbook import read_report_data
        return read_report_data(path)
    with InspectionFile.open(path, read_only=True, key=key) as f:  # someone's master: looked at, never changed
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
        "cases_not_examinable": r.not_examinable, "weights": r.weights_note or None,
        "weighted": [{"measure": m, "strand": s, "value": w.value, "ci_low": w.ci[0] if w.ci else None,
                      "ci_high": w.ci[1] if w.ci else None, "cases": w.cases, "strata": w.strata}
                     for (m, s), w in r.weighted.items()],
        "sample": _accounting_json(r.accounting),
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


def _accounting_json(acc) -> list[dict] | None:
    if acc is None:
        return None
    out = []
    for s in acc.strata + [acc.total()]:
        out.append({"stratum": s.label, "designed": s.designed, "population": s.population, "eligible": s.eligible,
                    "drawn": len(s.drawn), "reserves": s.reserves, "replaced": len(s.replaced),
                    "excluded": {acc.reasons.get(k, k): len(v) for k, v in s.excluded.items()},
                    "examined": len(s.examined), "missing": len(s.missing), "shortfall": s.shortfall,
                    "sampling_fraction": s.fraction, "cases_examined": s.examined, "cases_missing": s.missing,
                    "cases_excluded": {k: v for k, v in s.excluded.items()}, "cases_replaced": s.replaced})
    return out

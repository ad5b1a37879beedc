"""The report's figures, every one, against today's aggregation kept as it was (tests/reference_report.py),
on generated inspections: applicability that bites, double marking, moderation decisions (some that decide
whether later questions apply), calibration cases, incomplete markings, stale and odd stored answers,
several strands and Areas, breakdowns, typed questions and a baseline (issue 15).

Floats must agree to 1e-12 and do agree to the bit whenever points and weights are whole numbers (every
shipped scale): where they are not, SQLite's SUM and numpy may add a case's answers in another order.
"""

from __future__ import annotations

import dataclasses
import json
import math
import random

import numpy as np
import pytest

import reference_report
from conftest import AREA_TEMPLATE
from fileexam.domain.aggregate import group_figures, score_figures
from fileexam.domain.cases import Case
from fileexam.domain.questions import AnswerType
from fileexam.domain.statistics import ratio_interval, ratio_intervals
from fileexam.services import report as live
from fileexam.store.answer_rows import write_answers
from fileexam.store.inspection_file import InspectionFile

# A template beside the shipped one: fractional points and weights, a choices question that opens others,
# a condition on a multi-valued field, not/all/any, a date question, composites named by the template.
CUSTOM_SET = """\
kind: question-set
id: custom
title: Custom
version: "1"
scales:
  graded:
    label: Graded
    options:
      - {value: good, label: Good, points: 1.5, key: G}
      - {value: fair, label: Fair, points: 0.5, key: F}
      - {value: poor, label: Poor, points: 0, key: P}
      - {value: na, label: Not applicable, key: A}
sections:
  - id: s1
    title: First
    questions:
      - {id: K01, text: Done?, answer: yes_no, guidance: g}
      - {id: K02, text: How well?, answer: graded, weight: 0.3, scores: [theme, grip], guidance: g,
         applies_when: {answer: K01, is: "yes"}}
      - id: K03
        text: Orders
        answer: {type: choices, options: [{value: ro, label: Restraining order}, {value: none, label: None}]}
        required: false
        guidance: g
      - {id: K04, text: Was the order right?, answer: fully_partially_not, weight: 2, guidance: g,
         applies_when: {answer: K03, in: [ro]}}
      - {id: K05, text: Days, answer: {type: number, minimum: 0, maximum: 900}, required: false, guidance: g}
      - {id: K06, text: When, answer: date, required: false, guidance: g}
      - {id: K07, text: Notes, answer: text, required: false, guidance: g}
  - id: s2
    title: Crown Court or flagged, not live
    applies_when:
      all:
        - any: [{field: strand, is: crown_court}, {field: flags, in: [stalking]}]
        - not: {field: stage, is: live}
    questions:
      - {id: K08, text: Ready?, answer: fully_partially_not, scores: [theme, added_value], guidance: g}
      - {id: K09, text: In time?, answer: graded, scores: [grip], guidance: g}
      - {id: K10, text: Unscored scale, answer: graded, scores: [], guidance: g}
"""

CUSTOM_TEMPLATE = """\
kind: inspection-template
id: custom-inspection
title: Custom inspection
version: "1"
question_sets: [custom.yaml]
case_fields:
  - {id: strand, label: Strand, type: choice, values: [{value: magistrates, label: Magistrates' courts},
                                                      {value: crown_court, label: Crown Court}]}
  - {id: area, label: Area, type: choice, values: [North, South, East, West]}
  - {id: stage, label: Stage, type: choice, values: [finalised, live]}
  - {id: flags, label: Flags, type: choices, values: [domestic_abuse, stalking, rasso]}
  - {id: charged_on, label: Charged, type: date}
  - {id: finalised_on, label: Finalised, type: date}
composites:
  - {id: grip, label: Grip}
  - {id: added_value, label: Added value, questions: [K04]}
reporting:
  area_field: area
  strand_field: strand
  few_cases: 5
  breakdowns: [stage, flags]
  combined_shares: [{label: Fully or partially, values: [fully, partially]}]
  intervals: [{id: days, label: Days from charge to finalisation, from: charged_on, to: finalised_on}]
"""


def custom_template(folder):
    (folder / "custom.yaml").write_text(CUSTOM_SET)
    (folder / "custom-inspection.yaml").write_text(CUSTOM_TEMPLATE)
    return folder / "custom-inspection.yaml"


def _field_value(rng: random.Random, f):
    kind = f.type.value
    r = rng.random()
    if kind == "choice":
        if r < 0.04:
            return None
        if r < 0.05:
            return "Atlantis"  # not on the field's list: shown as it is
        return rng.choice(f.value_ids)
    if kind == "choices":
        if r < 0.1:
            return None
        if r < 0.12:
            return [f.value_ids[0], f.value_ids[0]]  # held twice: counted in the group twice, as before
        return rng.sample(list(f.value_ids), rng.randint(0, len(f.value_ids)))
    if kind == "date":
        if r < 0.1:
            return None
        if r < 0.12:
            return "not a date"
        return f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return "text"


def _answer(rng: random.Random, q):
    """A stored value as a merge would leave it, now and then one that a check would not have let in."""
    r = rng.random()
    if r < 0.01:
        return None  # a cleared answer kept as a row
    kind = q.answer.type
    if kind is AnswerType.SCALE:
        if r < 0.015:
            return "maybe"  # a value no longer on the scale
        return rng.choice(q.answer.scale.values)
    if kind is AnswerType.NUMBER:
        return "twelve" if r < 0.02 else str(rng.randint(0, 300))
    if kind is AnswerType.DATE:
        return f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if kind is AnswerType.CHOICES:
        values = [o.value for o in q.answer.options]
        return json.dumps(rng.sample(values, rng.randint(0, len(values))))
    return "free text, with a comma"


def generate(folder, template, n_cases: int, seed: int, name: str = "gen", key=None) -> InspectionFile:
    """An inspection of n_cases with every kind of marking the report must handle, written directly
    (encrypted with `key` when one is given)."""
    f = InspectionFile.create(folder / f"{name}.fileexam", template, "Generated", "TL", key=key)
    t = f.template
    rng = random.Random(seed)
    inspectors = [f"I{i}" for i in range(6)]
    cases = [Case(f"C{i:05d}", {fd.id: _field_value(rng, fd) for fd in t.case_fields}, rng.choice(inspectors))
             for i in range(n_cases)]
    f.add_cases(cases, "generated", "TL")
    questions = list(t.questions)
    triggers = [q for q in questions if any(q.id in repr(other.applies_when) for other in questions)] or questions
    answers, markings, doubles, decisions, calibration = [], [], [], [], []
    day = 0

    def mark(ref, marker, complete, base=None, agree=0.8):
        nonlocal day
        held = {}
        for q in questions:
            if base is not None and q.id in base and rng.random() < agree:
                held[q.id] = base[q.id]
            elif rng.random() < 0.9:
                held[q.id] = _answer(rng, q)
        for qid, value in held.items():
            answers.append((ref, qid, marker, value, "", "set", "fp", "2026-01-01", 1))
        if rng.random() < 0.02:  # answers no template question has: left out
            answers.append((ref, "ZZ99", marker, "fully", "", "set", "fp", "2026-01-01", 1))
            answers.append((ref, "Q,9", marker, "fully", "", "set", "fp", "2026-01-01", 1))
        day += 1
        markings.append((ref, marker, "complete" if complete else "in progress",
                         f"2026-02-01T{day // 3600 % 24:02d}:{day // 60 % 60:02d}:{day % 60:02d}"))
        return held

    for c in cases:
        r = rng.random()
        if r < 0.06:
            continue  # not marked at all
        if r < 0.10:
            mark(c.reference, c.inspector, False)
            continue
        first = mark(c.reference, c.inspector, rng.random() > 0.05)
        if r < 0.30:  # double-marked
            second = rng.choice(["D1", "D2"])
            doubles.append((c.reference, second, "2026-01-01"))
            other = mark(c.reference, second, True, first, agree=1.0 if rng.random() < 0.3 else 0.7)
            if rng.random() < 0.6:
                for q in rng.sample(triggers, min(len(triggers), rng.randint(1, 3))) + rng.sample(questions, 1):
                    agreed = rng.choice([first.get(q.id), other.get(q.id), None])
                    decisions.append((c.reference, q.id, agreed, "agreed", "Moderator", "2026-03-01"))
        elif r < 0.34:  # a calibration case: marked by several, never counted
            for m in ("D1", "D2"):
                mark(c.reference, m, True, first, agree=0.5)
            calibration.append((c.reference, c.inspector, "2026-01-01"))
        elif r < 0.36:  # a decision on a case nobody double-marked: scored on it all the same
            decisions.append((c.reference, rng.choice(questions).id, None, "agreed", "Moderator", "2026-03-01"))
    with f.atomic():
        write_answers(f.conn, answers)
        f.conn.executemany("INSERT INTO markings VALUES (?,?,?,?)", markings)
        f.conn.executemany("INSERT INTO double_marking VALUES (?,?,?)", doubles)
        f.conn.executemany("INSERT OR REPLACE INTO moderation_decisions VALUES (?,?,?,?,?,?)", decisions)
        f.conn.executemany("INSERT INTO calibration_cases VALUES (?,?,?)", calibration)
    return f


# ---- comparing every field -------------------------------------------------------------------------------
class Comparison:
    def __init__(self):
        self.floats = self.inexact = 0
        self.worst = 0.0

    def same(self, new, old, path: str) -> None:
        if isinstance(new, float) or isinstance(old, float):
            assert isinstance(new, (int, float)) and isinstance(old, (int, float)), (path, new, old)
            self.floats += 1
            if new == old or (math.isnan(new) and math.isnan(old)):
                return
            self.inexact += 1
            self.worst = max(self.worst, abs(new - old))
            assert abs(new - old) <= 1e-12, (path, new, old)
        elif dataclasses.is_dataclass(new):
            assert type(new) is type(old), (path, type(new), type(old))
            for fd in dataclasses.fields(new):
                self.same(getattr(new, fd.name), getattr(old, fd.name), f"{path}.{fd.name}")
        elif isinstance(new, dict):
            assert isinstance(old, dict) and list(new) == list(old), (path, list(new)[:8], list(old)[:8])
            for k in new:
                self.same(new[k], old[k], f"{path}[{k!r}]")
        elif isinstance(new, (list, tuple)):
            assert type(new) is type(old) and len(new) == len(old), (path, len(new), len(old))
            for i, (a, b) in enumerate(zip(new, old)):
                self.same(a, b, f"{path}[{i}]")
        else:
            assert new == old, (path, new, old)


def compare_reports(new, old) -> Comparison:
    cmp = Comparison()
    for fd in dataclasses.fields(new):
        if fd.name in ("template", "generated_at"):
            continue
        cmp.same(getattr(new, fd.name), getattr(old, fd.name), f"report.{fd.name}")
    assert new.template is old.template
    return cmp


def both(f, baseline=None):
    return live.build_report(f, baseline), reference_report.build_report(f, baseline)


@pytest.mark.parametrize("n, seed", [(60, 1), (600, 2), (3000, 3)])
def test_area_template__every_figure_as_before(tmp_path, n, seed):
    f = generate(tmp_path, AREA_TEMPLATE, n, seed)
    new, old = both(f)
    cmp = compare_reports(new, old)
    assert cmp.inexact == 0  # whole points and weights: the same to the bit
    assert old.agreed and old.unmoderated and old.excluded and old.breakdowns and old.numbers and old.choices
    calibration = f.calibration_cases()
    assert calibration and not set(calibration) & set(old.counted)  # marked, and never counted
    assert len({k[2] for k in old.figures}) > 10  # Areas, '(none)' and a value off the list
    few_cases = [fig for fig in old.figures.values() if fig.ci and len(fig.cases) <= 1000]
    assert few_cases and (n < 1000 or any(len(fig.cases) > 1000 for fig in old.figures.values()))
    f.close()


@pytest.mark.parametrize("n, seed", [(80, 4), (900, 5)])
def test_custom_template__fractional_points_choices_condition__every_figure_as_before(tmp_path, n, seed):
    f = generate(tmp_path, custom_template(tmp_path), n, seed)
    new, old = both(f)
    cmp = compare_reports(new, old)
    assert cmp.worst <= 1e-12 and old.dates and old.numbers and old.choices and old.agreed
    applies = {k[0] for k in old.questions}
    assert {"K02", "K04", "K08"} <= applies
    f.close()


def test_baseline__travel_spreads_and_area_changes_as_before(tmp_path):
    (tmp_path / "then").mkdir()
    base = generate(tmp_path / "then", AREA_TEMPLATE, 500, 11, name="then")
    base.close()
    f = generate(tmp_path, AREA_TEMPLATE, 500, 12)
    new, old = both(f, tmp_path / "then" / "then.fileexam")
    assert compare_reports(new, old).inexact == 0
    assert any(fig.travel and fig.travel.direction for fig in old.figures.values()) and old.area_changes
    f.close()


def test_wide_value_codes__and_markings_read_row_by_row__as_before(tmp_path, monkeypatch):
    """More distinct values than one byte holds (UTF-32 codes), and question ids holding a comma."""
    f = generate(tmp_path, custom_template(tmp_path), 300, 6)
    monkeypatch.setattr(live, "_NARROW", 0)
    with f.atomic():
        f.conn.execute("UPDATE answers SET question_id='K,11' WHERE unicode(substr(case_ref, -1)) % 7 = 0"
                       " AND question_id='K07'")
    new, old = both(f)
    assert live._Codebook(f.template).wide
    compare_reports(new, old)
    f.close()


def test_every_counted_case_moderated__and_a_single_case__as_before(tmp_path):
    f = generate(tmp_path, custom_template(tmp_path), 40, 9)
    counted = reference_report.counted_markings(f)[0]
    with f.atomic():  # a decision on every counted case: none is scored in the one pass over the answers
        f.conn.executemany("INSERT OR REPLACE INTO moderation_decisions VALUES (?,?,?,?,?,?)",
                           [(ref, "K01", "yes", "agreed", "Moderator", "2026-03-01") for ref in counted])
    new, old = both(f)
    compare_reports(new, old)
    assert old.agreed == set(counted)
    with f.atomic():
        keep = sorted(counted)[0]
        f.conn.execute("DELETE FROM moderation_decisions")
        f.conn.execute("UPDATE markings SET status='in progress' WHERE case_ref != ?", [keep])
    new, old = both(f)
    compare_reports(new, old)
    assert list(old.counted) == [keep]
    f.close()


def test_nothing_to_report__still_refused(tmp_path):
    f = generate(tmp_path, AREA_TEMPLATE, 5, 7)
    with f.atomic():
        f.conn.execute("UPDATE markings SET status='in progress'")
    with pytest.raises(live.NothingToReport):
        live.build_report(f)
    f.close()


# ---- the roll-ups and intervals alone --------------------------------------------------------------------
def _rows(rng: random.Random, n: int, whole: bool, odd_labels: bool):
    areas = ["North", "South", "National", "(none)"] if odd_labels else [f"A{i}" for i in range(rng.choice([1, 14]))]
    strands = ["Crown Court", "All strands"] if odd_labels else ["Crown Court", "Magistrates' courts"]
    rows = []
    for c in range(n):
        area, strand = rng.choice(areas), rng.choice(strands)
        for m in ("theme", "grip", "added_value"):
            if rng.random() < 0.8:
                available = float(rng.choice([1, 2, 4, 8])) if whole else rng.choice([0.3, 0.5, 1.7])
                achieved = float(rng.randint(0, int(available))) if whole else available * rng.random()
                rows.append((f"C{c:05d}", area, strand, m, achieved, available))
    rows.sort(key=lambda r: (r[1], r[2], r[0], r[3]))
    return rows


@pytest.mark.parametrize("n, whole, odd", [(1, True, False), (7, True, True), (300, True, False),
                                           (300, False, True), (2500, True, False), (900, False, False)])
def test_score_and_group_figures__as_row_by_row(n, whole, odd):
    rng = random.Random(n)
    rows = _rows(rng, n, whole, odd)
    groups = {f"C{c:05d}": rng.choice([["(none)"], ["x"], ["x", "y"], ["y", "y"], []]) for c in range(n)
              if rng.random() < 0.9}
    for new, old in ((score_figures(rows, 10), reference_report.score_figures(rows, 10)),
                     (score_figures(rows, 10, False), reference_report.score_figures(rows, 10, False)),
                     (group_figures(rows, groups, 10), reference_report.group_figures(rows, groups, 10))):
        cmp = Comparison()
        cmp.same(new, old, "figures")
        assert cmp.inexact == 0
        for key in new:  # the very types too: np.float64 where the delta method gave one
            assert [type(x) for x in new[key].ci or ()] == [type(x) for x in old[key].ci or ()]


def test_ratio_intervals__to_the_bit_as_one_call_per_figure():
    rng = random.Random(8)
    groups = []
    for _ in range(120):
        n = rng.choice([0, 1, 2, 3, 17, 200, 999, 1000, 1001, 2000])
        kind = rng.choice(["whole", "fraction", "zeros", "halves"])
        b = [float(rng.choice([0, 1, 2, 6])) if kind == "whole" else rng.choice([0.0, 0.3, 1.1]) if kind == "fraction"
             else 0.0 if kind == "zeros" else rng.choice([0.5, 1.5]) for _ in range(n)]
        a = [x if kind == "zeros" else float(rng.randint(0, int(x))) if kind == "whole" else x * rng.random()
             for x in b]
        groups.append((a, b))
    many = ratio_intervals(groups)
    for (a, b), ci in zip(groups, many):
        old = reference_report.ratio_interval(a, b)
        assert ci == old and ratio_interval(a, b) == old
        assert [type(x) for x in ci or ()] == [type(x) for x in old or ()]
    arrays = ratio_intervals([(np.array(a), np.array(b)) for a, b in groups])
    assert arrays == many


def test_typed_and_trigger_answers_stored_as_bytes__as_before(tmp_path):
    """Values only a hand-edited file holds (bytes, none, quotes, characters beyond one byte) in typed and
    trigger questions of counted markings: the one pass hands them over as the read by question did."""
    f = generate(tmp_path, custom_template(tmp_path), 300, 13)
    counted = sorted(reference_report.counted_markings(f)[0].items())
    odd = {"K03": [None, '["ro", "ro"]', "ro; none", "[]", '["r\'o\\"\u00e9"]'],  # the choices trigger of K04
           "K05": [b"\xff\x00", b"", None, "1\u00e9\U0001F600", 'twelve "and" a half', "7"],
           "K06": [b"2025-01-01", None, "2025-02-30", "2025-01-01"]}
    with f.atomic():
        for k, (ref, marker) in enumerate(counted[:90]):
            for qid, values in odd.items():
                f.conn.execute("INSERT OR REPLACE INTO answers VALUES (?,?,?,?,'',1,0,1)",
                               [ref, qid, marker, values[k % len(values)]])
    held = {type(r[0]) for r in f.conn.execute("SELECT value FROM answers WHERE question_id IN ('K05', 'K06')")}
    assert {bytes, str, type(None)} <= held
    new, old = both(f)
    compare_reports(new, old)
    f.close()

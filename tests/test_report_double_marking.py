"""Choosing the marking that counts when a case is double-marked (services/report.counted_markings)."""

from __future__ import annotations

from fileexam.domain.cases import Case, Status
from fileexam.services.report import build_report, counted_markings
from fileexam.store.inspection_file import InspectionFile

# Nothing required: a marker may complete a case without answering anything.
OPTIONAL_SET = """\
kind: question-set
id: opt
title: Optional
version: "1"
sections:
  - id: s1
    title: First
    questions:
      - {id: O1, text: Was it done?, answer: yes_no, required: false, guidance: g}
      - {id: O2, text: Ready?, answer: fully_partially_not, required: false, guidance: g}
"""

OPTIONAL_TEMPLATE = """\
kind: inspection-template
id: opt-inspection
title: Optional inspection
version: "1"
question_sets: [opt.yaml]
case_fields:
  - {id: area, label: Area, type: text, required: true}
reporting: {area_field: area}
"""


def _file(tmp_path) -> InspectionFile:
    (tmp_path / "opt.yaml").write_text(OPTIONAL_SET)
    (tmp_path / "t.yaml").write_text(OPTIONAL_TEMPLATE)
    f = InspectionFile.create(tmp_path / "m.fileexam", tmp_path / "t.yaml", "Opt", "TL")
    f.add_cases([Case("C1", {"area": "North"}, "AK"), Case("C2", {"area": "South"}, "AK")], "t", "TL")
    return f


def test_double_marked__other_complete_marking_without_answers(tmp_path):
    f = _file(tmp_path)
    f.set_answer("C1", "O1", "AK", "yes")
    f.set_answer("C1", "O2", "AK", "fully")
    assert f.mark_complete("C1", "AK").ok
    f.allocate_double([("C1", "BE")], "TL")
    assert f.mark_complete("C1", "BE").ok  # complete with no answers at all
    f.set_answer("C2", "O2", "AK", "partially")
    assert f.mark_complete("C2", "AK").ok
    f.close()

    f = InspectionFile.open(tmp_path / "m.fileexam")
    assert f.status("C1", "BE") is Status.COMPLETE and not f.answers("C1", "BE")
    counted, unmoderated, excluded = counted_markings(f)
    assert counted == {"C1": "AK", "C2": "AK"}
    assert unmoderated == ["C1"] and excluded == 0  # the markings differ: nothing versus two answers
    r = build_report(f)
    assert r.unmoderated == ["C1"] and set(r.counted) == {"C1", "C2"}
    f.close()


def test_double_marked__both_complete_without_answers__agree(tmp_path):
    f = _file(tmp_path)
    assert f.mark_complete("C1", "AK").ok
    f.allocate_double([("C1", "BE")], "TL")
    assert f.mark_complete("C1", "BE").ok
    counted, unmoderated, _ = counted_markings(f)
    assert counted == {"C1": "AK"} and unmoderated == []
    f.close()

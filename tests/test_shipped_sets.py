"""The shipped question sets and the Area template: valid, complete and realistic."""

from __future__ import annotations

import pytest

from conftest import ROOT
from fileexam.formats.definitions import load_file
from fileexam.services.definitions import validate

SETS = ["pre-charge", "post-charge", "disclosure", "victims-witnesses"]


@pytest.fixture(scope="module")
def template():
    loaded = load_file(ROOT / "question_sets/area-inspection.yaml")
    assert loaded.ok, [p.format() for p in loaded.problems]
    return loaded.definition


def test_validate__shipped_folder__no_errors_no_warnings():
    report = validate([ROOT / "question_sets"])
    assert len(report.files) == 6  # the four sets, the template, and the follow-up's sample design
    assert [p.format() for p in report.problems] == []


def test_template__uses_the_four_sets_in_order(template):
    assert [s.id for s in template.question_sets] == SETS


@pytest.mark.parametrize("set_id", SETS)
def test_set__has_8_to_20_questions_each_with_guidance(template, set_id):
    qs = template.set_by_id[set_id]
    questions = list(qs.questions)
    assert 8 <= len(questions) <= 20
    for q in questions:
        assert len(q.guidance) > 80, q.id
        if q.scored:  # what each answer looks like, a paragraph each
            assert q.guidance.count("\n\n") >= 1, q.id


def test_template__fourteen_areas_and_two_strands(template):
    area = template.fields_by_id["area"]
    assert len(area.values) == 14 and "Cymru Wales" in area.value_ids
    assert template.fields_by_id["strand"].value_ids == ("magistrates", "crown_court")


def test_template__both_composites_have_questions_from_several_sets(template):
    for comp in ("added_value", "grip"):
        sets = {q.set_id for q in template.composite_members(comp)}
        assert len(sets) >= 3, (comp, sets)


def test_template__defendant_name_never_exported(template):
    assert template.fields_by_id["defendant"].export is False


def test_applicability__ptph_only_in_crown_court(template):
    mags = template.which_apply({"strand": "magistrates", "charging_decision_by": "area"}, {})
    crown = template.which_apply({"strand": "crown_court", "charging_decision_by": "area"}, {})
    assert not mags["PO08"] and crown["PO08"]


def test_applicability__vcl_only_when_a_charge_was_dropped(template):
    fields = {"strand": "magistrates"}
    assert not template.which_apply(fields, {})["VW07"]
    assert not template.which_apply(fields, {"VW06": "no"})["VW07"]
    assert template.which_apply(fields, {"VW06": "yes"})["VW07"]
    assert template.which_apply(fields, {"VW06": "yes", "VW07": "yes"})["VW08"]


def test_applicability__pre_charge_only_when_prosecutor_charged(template):
    assert not template.which_apply({"charging_decision_by": "police"}, {})["PC01"]
    assert template.which_apply({"charging_decision_by": "cps_direct"}, {})["PC01"]

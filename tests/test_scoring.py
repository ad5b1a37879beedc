"""Applicability and scoring of one case, computed by hand."""

from __future__ import annotations

import pytest

from definition_cases import GOOD_SET, GOOD_TEMPLATE
from fileexam.domain.applicability import AllOf, AnswerIs, AnyOf, FieldIs, Not, describe, evaluate
from fileexam.domain.scoring import score_case
from fileexam.formats.definitions import load_file


@pytest.fixture
def template(tmp_path):
    (tmp_path / "demo.yaml").write_text(GOOD_SET)
    (tmp_path / "t.yaml").write_text(GOOD_TEMPLATE)
    return load_file(tmp_path / "t.yaml").definition


@pytest.mark.parametrize("cond, fields, answers, expected", [
    (FieldIs("strand", ("crown_court",)), {"strand": "crown_court"}, {}, True),
    (FieldIs("strand", ("crown_court",)), {"strand": "magistrates"}, {}, False),
    (FieldIs("strand", ("crown_court",)), {}, {}, False),
    (FieldIs("flags", ("stalking",)), {"flags": ["domestic_abuse", "stalking"]}, {}, True),
    (AnswerIs("Q1", ("yes",)), {}, {"Q1": "yes"}, True),
    (AnswerIs("Q1", ("yes",)), {}, {}, False),
    (Not(AnswerIs("Q1", ("yes",))), {}, {}, True),
    (AllOf((FieldIs("a", ("1",)), AnswerIs("Q1", ("yes",)))), {"a": "1"}, {"Q1": "no"}, False),
    (AnyOf((FieldIs("a", ("1",)), AnswerIs("Q1", ("yes",)))), {"a": "1"}, {"Q1": "no"}, True),
])
def test_evaluate__table(cond, fields, answers, expected):
    assert evaluate(cond, fields, answers.get) is expected


def test_describe__reads_as_words():
    cond = AllOf((FieldIs("strand", ("crown_court",)), AnyOf((AnswerIs("VW06", ("yes",)), FieldIs("flags", ("a", "b"))))))
    labels = {"strand": "Strand", "flags": "Flags"}
    text = describe(cond, labels.get, lambda subject, v: v.replace("_", " ").title())
    assert text == "Strand is Crown Court and (the answer to VW06 is Yes or Flags is A or B)"


def test_which_apply__answer_to_inapplicable_question_counts_as_none(template):
    # Q2 depends on Q1 = yes; Q1 always applies; section s2 only in Crown Court.
    applies = template.which_apply({"strand": "magistrates"}, {"Q1": "yes", "Q4": "fully"})
    assert applies == {"Q1": True, "Q2": True, "Q3": True, "Q4": False, "Q5": False}


def test_score_case__points_over_available_leaving_out_na_and_inapplicable(template):
    fields = {"strand": "crown_court"}
    answers = {"Q1": "yes", "Q2": "fair", "Q3": "12", "Q4": "partially", "Q5": ["ro"]}
    s = score_case(template, fields, answers)
    # Q1 yes: 1/1; Q2 fair: 1/2; Q4 partially: 1/2 with weight 2 -> 2/4. Q3 and Q5 earn no points.
    theme = s.scores["demo"]
    assert (theme.achieved, theme.available) == (4, 7)
    assert theme.questions == ["Q1", "Q2", "Q4"]
    assert (s.scores["grip"].achieved, s.scores["grip"].available) == (1, 2)
    assert (s.scores["added_value"].achieved, s.scores["added_value"].available) == (2, 4)

    s2 = score_case(template, fields, {**answers, "Q2": "na", "Q1": "yes"})
    assert (s2.scores["demo"].achieved, s2.scores["demo"].available) == (3, 5)

    s3 = score_case(template, {"strand": "magistrates"}, answers)  # Q4 no longer applies
    assert (s3.scores["demo"].achieved, s3.scores["demo"].available) == (2, 3)
    assert s3.questions["Q4"].applies is False and s3.questions["Q4"].achieved is None
    assert s3.scores["added_value"].ratio is None

"""Scoring one case: each question's points and each score's achieved / available.

Points come from the answer's option; an option with no points (not applicable)
and a question that does not apply leave both numerator and denominator.
Later issues aggregate these per case figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from fileexam.domain.questions import THEME, Question
from fileexam.domain.template import InspectionTemplate


@dataclass(frozen=True)
class QuestionPoints:
    question: str
    applies: bool
    achieved: float | None  # None: not counted
    available: float | None


@dataclass
class Score:
    name: str
    achieved: float = 0.0
    available: float = 0.0
    questions: list[str] = field(default_factory=list)  # the questions that counted

    @property
    def ratio(self) -> float | None:
        return self.achieved / self.available if self.available else None


@dataclass
class CaseScore:
    questions: dict[str, QuestionPoints]
    scores: dict[str, Score]


def question_points(q: Question, applies: bool, value) -> QuestionPoints:
    if not applies or not q.answer.scored or value is None:
        return QuestionPoints(q.id, applies, None, None)
    option = q.answer.option(value) if isinstance(value, str) else None
    if option is None or option.points is None:
        return QuestionPoints(q.id, applies, None, None)
    return QuestionPoints(q.id, applies, option.points * q.weight, q.answer.scale.max_points * q.weight)


def score_case(t: InspectionTemplate, fields: Mapping[str, object], answers: Mapping[str, object]) -> CaseScore:
    applies = t.which_apply(fields, answers)
    points = {q.id: question_points(q, applies[q.id], answers.get(q.id)) for q in t.questions}
    scores = {name: Score(name) for name in t.score_names()}
    members: dict[str, list[str]] = {s.id: [] for s in t.question_sets}
    for q in t.questions:
        if THEME in q.scores:
            members[q.set_id].append(q.id)
    for c in t.composites:
        members[c.id] = [q.id for q in t.composite_members(c.id)]
    for name, qids in members.items():
        s = scores[name]
        for qid in qids:
            p = points[qid]
            if p.available is not None:
                s.achieved += p.achieved
                s.available += p.available
                s.questions.append(qid)
    return CaseScore(points, scores)

"""Scoring one case: what the app's scoring form drives. Qt-free, so every behaviour is testable without a display."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fileexam.domain.answers import Answer, Completeness, condition_value
from fileexam.domain.applicability import Condition, evaluate
from fileexam.domain.cases import Status
from fileexam.domain.questions import Question, Section
from fileexam.domain.template import InspectionTemplate

if TYPE_CHECKING:  # annotations only: the app imports this module before any file is open
    from fileexam.store.inspection_file import InspectionFile


@dataclass(frozen=True)
class SectionProgress:
    """A section's progress on the case shown: answered of applicable, and whether it applies."""
    set_id: str
    section: Section
    answered: int      # applicable questions with an answer
    applicable: int    # questions that apply
    section_applies: bool = True  # False: the section's own condition fails (its questions are hidden)

    @property
    def done(self) -> bool:
        return self.answered >= self.applicable


@dataclass(frozen=True)
class Change:
    """An answer as it was before a change: what undo puts back."""
    question: str
    old_value: str | None
    old_comment: str


def condition_text(t: InspectionTemplate, condition: Condition | None) -> str:
    return t.describe_condition(condition)


class ScoringSession:
    def __init__(self, inspection: InspectionFile, reference: str, marker: str):
        self.inspection = inspection
        self.template = inspection.template
        self.reference = reference
        self.marker = marker
        self.case = inspection.case(reference)
        self.answers: dict[str, Answer] = inspection.answers(reference, marker)
        self.undo_stack: list[Change] = []
        self.questions: list[Question] = list(self.template.questions)
        self.applies: dict[str, bool] = {}
        self._refresh()

    # ---- reading --------------------------------------------------------------
    def values(self) -> dict:
        t = self.template
        return {qid: condition_value(t.question_by_id[qid], a.value)
                for qid, a in self.answers.items() if qid in t.question_by_id}

    def _refresh(self) -> set[str]:
        before = self.applies
        self.applies = self.template.which_apply(self.case.fields, self.values())
        return {qid for qid, on in self.applies.items() if before.get(qid) != on}

    def value(self, qid: str) -> str | None:
        a = self.answers.get(qid)
        return a.value if a else None

    def comment(self, qid: str) -> str:
        a = self.answers.get(qid)
        return a.comment if a else ""

    @property
    def status(self) -> Status:
        return self.inspection.status(self.reference, self.marker)

    def why_not(self, qid: str) -> str | None:
        """Why a question does not apply, in words; None when it applies."""
        if self.applies.get(qid, True):
            return None
        q = self.template.question_by_id[qid]
        section = self.template.section_of(q)
        if not self.section_applies(section):
            return f"Applies only where {condition_text(self.template, section.applies_when)}"
        return f"Applies only where {condition_text(self.template, q.applies_when)}"

    def _answer_of(self):
        values = self.values()
        return lambda x: values.get(x) if self.applies.get(x) else None

    def section_applies(self, section: Section) -> bool:
        return evaluate(section.applies_when, self.case.fields, self._answer_of())

    def section_progress(self) -> list[SectionProgress]:
        out = []
        for qs in self.template.question_sets:
            for section in qs.sections:
                applicable = [q for q in section.questions if self.applies[q.id]]
                answered = [q for q in applicable if self.value(q.id) is not None]
                out.append(SectionProgress(qs.id, section, len(answered), len(applicable),
                                           self.section_applies(section)))
        return out

    def next_applicable(self, qid: str | None, step: int = 1) -> str | None:
        """The next (or previous, step=-1) question that applies, from qid; None at the end."""
        ids = [q.id for q in self.questions]
        i = ids.index(qid) if qid in ids else (-1 if step > 0 else len(ids))
        i += step
        while 0 <= i < len(ids):
            if self.applies[ids[i]]:
                return ids[i]
            i += step
        return None

    def first_unanswered(self) -> str | None:
        for q in self.questions:
            if self.applies[q.id] and self.value(q.id) is None:
                return q.id
        return None

    # ---- writing (each call is one durable write) -----------------------------
    def set_answer(self, qid: str, value, comment: str | None = None, record_undo: bool = True) -> set[str]:
        """Save an answer (value None clears it); the questions whose applicability changed."""
        before = self.answers.get(qid)
        a = self.inspection.set_answer(self.reference, qid, self.marker, value, comment)
        if record_undo and (before is None or before.value != a.value or before.comment != a.comment):
            self.undo_stack.append(Change(qid, before.value if before else None, before.comment if before else ""))
        if a.value is None and not a.comment:
            self.answers.pop(qid, None)
        else:
            self.answers[qid] = a
        return self._refresh()

    def set_comment(self, qid: str, comment: str) -> set[str]:
        return self.set_answer(qid, self.value(qid), comment)

    def undo(self) -> str | None:
        """Put back the last answer change; the question it touched, or None when there is nothing to undo."""
        if not self.undo_stack:
            return None
        change = self.undo_stack.pop()
        self.set_answer(change.question, change.old_value, change.old_comment, record_undo=False)
        return change.question

    def set_field(self, field_id: str, raw) -> set[str]:
        self.inspection.set_field(self.reference, field_id, raw, self.marker)
        self.case = self.inspection.case(self.reference)
        return self._refresh()

    def check_complete(self) -> Completeness:
        return self.inspection.check_complete(self.reference, self.marker)

    def mark_complete(self) -> Completeness:
        return self.inspection.mark_complete(self.reference, self.marker)

    def reopen(self, reason: str) -> None:
        self.inspection.reopen(self.reference, self.marker, reason)

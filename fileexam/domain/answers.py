"""Answers: checking a value against its question, and the completeness check of a case."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from fileexam.domain.cases import BadValue, clean_text, number_text, parse_date, parse_number
from fileexam.domain.questions import AnswerType, Question
from fileexam.domain.template import InspectionTemplate


@dataclass(frozen=True)
class Answer:
    """One stored answer: case, question, marker, value, comment, when, and its revision."""
    case: str
    question: str
    marker: str
    value: str | None
    comment: str = ""
    answered_at: str = ""
    revision: int = 1


def answer_text(q: Question, value) -> str | None:
    """The stored text of an answer (None clears it); BadValue names what would fit."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    spec = q.answer
    match spec.type:
        case AnswerType.SCALE:
            text = str(value).strip()
            if spec.option(text) is not None:
                return text
            option = spec.scale.option_for_key(text) if len(text) == 1 else None
            if option is not None:
                return option.value
            allowed = ", ".join(f"'{o.value}'" + (f" (key {o.key})" if o.key else "") for o in spec.scale.options)
            raise BadValue(f"question {q.id}: '{text}' is not on its scale: use one of {allowed}")
        case AnswerType.NUMBER:
            try:
                number = parse_number(value, spec.integer)
            except BadValue as exc:
                raise BadValue(f"question {q.id}: {exc}") from None
            if spec.minimum is not None and number < spec.minimum or spec.maximum is not None and number > spec.maximum:
                raise BadValue(f"question {q.id}: {number_text(number)} is outside "
                               f"{number_text(spec.minimum) if spec.minimum is not None else '…'} to "
                               f"{number_text(spec.maximum) if spec.maximum is not None else '…'}")
            return number_text(number)
        case AnswerType.DATE:
            try:
                return parse_date(value)
            except BadValue as exc:
                raise BadValue(f"question {q.id}: {exc}") from None
        case AnswerType.TEXT:
            return clean_text(str(value), f"the answer to {q.id}")
        case AnswerType.CHOICES:
            items = value if isinstance(value, (list, tuple)) else decode_choices(str(value))
            allowed = [o.value for o in spec.options]
            bad = [v for v in items if v not in allowed]
            if bad:
                raise BadValue(f"question {q.id}: {bad} not among its choices {allowed}")
            return json.dumps([v for v in allowed if v in items]) if items else None
    raise BadValue(f"question {q.id}: unknown answer type")


def answer_label(q: Question, value: str | None) -> str | None:
    """A stored answer as a person reads it: the option's label, several choices' labels joined."""
    if value is None:
        return None
    if q.answer.type is AnswerType.SCALE:
        option = q.answer.option(value)
        return option.label if option else value
    if q.answer.type is AnswerType.CHOICES:
        return "; ".join(q.answer.option(v).label if q.answer.option(v) else v for v in decode_choices(value))
    return value


def decode_choices(text: str) -> list[str]:
    text = text.strip()
    if text.startswith("["):
        try:
            data = json.loads(text)
        except ValueError:
            raise BadValue(f"'{text}' is not a list of choices") from None
        return [str(v) for v in data]
    return [t.strip() for t in text.split(";") if t.strip()]


def condition_value(q: Question, stored: str | None):
    """The form conditions and scoring read: a list for several choices, else the text."""
    if stored is None:
        return None
    if q.answer.type is AnswerType.CHOICES:
        return decode_choices(stored)
    return stored


@dataclass
class Completeness:
    """What stops a case being complete: required answers missing, and answers that no longer apply."""
    missing: list[str] = field(default_factory=list)          # required, applies, unanswered
    no_longer_apply: list[str] = field(default_factory=list)  # answered, but does not apply now

    @property
    def ok(self) -> bool:
        return not self.missing


def completeness(t: InspectionTemplate, fields: dict, answers: dict[str, str | None]) -> Completeness:
    values = {qid: condition_value(t.question_by_id[qid], v) for qid, v in answers.items() if qid in t.question_by_id}
    applies = t.which_apply(fields, values)
    result = Completeness()
    for q in t.questions:
        has = values.get(q.id) is not None
        if applies[q.id] and q.required and not has:
            result.missing.append(q.id)
        if not applies[q.id] and has:
            result.no_longer_apply.append(q.id)
    return result

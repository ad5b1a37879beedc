"""When a question or section applies: conditions as data, never as code.

A condition tests a case field or the answer to an earlier question, and
conditions compose with all / any / not. A field or answer holding several
values (flags, several-choice answers) matches when any of them is listed.
An unanswered question, or one that does not apply, matches nothing: a
dependent question appears as soon as its trigger is answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator, Mapping, Union

from fileexam.domain.source import NOWHERE, Source


@dataclass(frozen=True)
class FieldIs:
    """Applies when a case field holds one of these values."""
    field: str
    values: tuple[str, ...]
    source: Source = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class AnswerIs:
    """Applies when an earlier question was answered with one of these values."""
    question: str
    values: tuple[str, ...]
    source: Source = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class AllOf:
    """Applies when every one of its conditions does."""
    conditions: tuple["Condition", ...]
    source: Source = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class AnyOf:
    """Applies when at least one of its conditions does."""
    conditions: tuple["Condition", ...]
    source: Source = field(default=NOWHERE, compare=False)


@dataclass(frozen=True)
class Not:
    """Applies when its condition does not."""
    condition: "Condition"
    source: Source = field(default=NOWHERE, compare=False)


Condition = Union[FieldIs, AnswerIs, AllOf, AnyOf, Not]

Value = str | list[str] | tuple[str, ...] | None


def _matches(actual: Value, wanted: tuple[str, ...]) -> bool:
    if actual is None:
        return False
    if isinstance(actual, (list, tuple)):
        return any(a in wanted for a in actual)
    return actual in wanted


def evaluate(condition: Condition | None, fields: Mapping[str, Value],
             answer_of: Callable[[str], Value]) -> bool:
    """True when the condition holds. `answer_of(qid)` gives an applicable answer or None."""
    if condition is None:
        return True
    match condition:
        case FieldIs(name, values):
            return _matches(fields.get(name), values)
        case AnswerIs(qid, values):
            return _matches(answer_of(qid), values)
        case AllOf(parts):
            return all(evaluate(c, fields, answer_of) for c in parts)
        case AnyOf(parts):
            return any(evaluate(c, fields, answer_of) for c in parts)
        case Not(inner):
            return not evaluate(inner, fields, answer_of)
    raise TypeError(f"not a condition: {condition!r}")


def leaves(condition: Condition | None) -> Iterator[FieldIs | AnswerIs]:
    if condition is None:
        return
    match condition:
        case FieldIs() | AnswerIs():
            yield condition
        case AllOf(parts) | AnyOf(parts):
            for c in parts:
                yield from leaves(c)
        case Not(inner):
            yield from leaves(inner)


def referenced_questions(condition: Condition | None) -> list[str]:
    return [c.question for c in leaves(condition) if isinstance(c, AnswerIs)]


def canonical(condition: Condition | None):
    """A plain structure for fingerprints and comparison (sources left out)."""
    if condition is None:
        return None
    match condition:
        case FieldIs(name, values):
            return {"field": name, "in": list(values)}
        case AnswerIs(qid, values):
            return {"answer": qid, "in": list(values)}
        case AllOf(parts):
            return {"all": [canonical(c) for c in parts]}
        case AnyOf(parts):
            return {"any": [canonical(c) for c in parts]}
        case Not(inner):
            return {"not": canonical(inner)}
    raise TypeError(f"not a condition: {condition!r}")


def describe(condition: Condition | None,
             field_label: Callable[[str], str] = str,
             value_label: Callable[[str, str], str] = lambda subject, v: v,
             question_label: Callable[[str], str] = str) -> str:
    """Plain words for a person: "Strand is Crown Court and the answer to VW05 is Yes"."""
    if condition is None:
        return "always"

    def values_text(subject: str, values: tuple[str, ...]) -> str:
        labels = [value_label(subject, v) for v in values]
        if len(labels) == 1:
            return f"is {labels[0]}"
        return "is " + ", ".join(labels[:-1]) + " or " + labels[-1]

    match condition:
        case FieldIs(name, values):
            return f"{field_label(name)} {values_text('field:' + name, values)}"
        case AnswerIs(qid, values):
            return f"the answer to {question_label(qid)} {values_text('answer:' + qid, values)}"
        case AllOf(parts):
            return " and ".join(_grouped(c, field_label, value_label, question_label) for c in parts)
        case AnyOf(parts):
            return " or ".join(_grouped(c, field_label, value_label, question_label) for c in parts)
        case Not(inner):
            return f"not ({describe(inner, field_label, value_label, question_label)})"
    raise TypeError(f"not a condition: {condition!r}")


def _grouped(c: Condition, *labels) -> str:
    text = describe(c, *labels)
    return f"({text})" if isinstance(c, (AllOf, AnyOf)) else text

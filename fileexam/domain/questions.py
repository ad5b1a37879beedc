"""Question sets: sections of questions, each with an answer type, scoring and applicability."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Iterator

from fileexam.domain import applicability
from fileexam.domain.applicability import Condition
from fileexam.domain.fingerprint import fingerprint
from fileexam.domain.scales import Option, Scale
from fileexam.domain.source import NOWHERE, Source

THEME = "theme"  # the score name a question uses for its own set's theme score


class AnswerType(StrEnum):
    SCALE = "scale"
    NUMBER = "number"
    DATE = "date"
    TEXT = "text"
    CHOICES = "choices"  # several choices may be ticked


@dataclass(frozen=True)
class AnswerSpec:
    """What answers a question takes: a scale, a number, a date, text or a tick-list of options."""
    type: AnswerType
    scale: Scale | None = None
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    options: tuple[Option, ...] = ()  # for CHOICES

    @property
    def values(self) -> tuple[str, ...] | None:
        """The fixed values an answer may take, or None where it is open (number, date, text)."""
        if self.type is AnswerType.SCALE and self.scale:
            return self.scale.values
        if self.type is AnswerType.CHOICES:
            return tuple(o.value for o in self.options)
        return None

    def option(self, value: str) -> Option | None:
        if self.type is AnswerType.SCALE and self.scale:
            return self.scale.option(value)
        for o in self.options:
            if o.value == value:
                return o
        return None

    @property
    def scored(self) -> bool:
        return self.type is AnswerType.SCALE and self.scale is not None and self.scale.scored

    def canonical(self) -> dict:
        out: dict = {"type": self.type.value}
        if self.type is AnswerType.SCALE and self.scale:
            out["scale"] = self.scale.canonical()
        if self.type is AnswerType.NUMBER:
            out.update(minimum=self.minimum, maximum=self.maximum, integer=self.integer)
        if self.type is AnswerType.CHOICES:
            out["options"] = [o.canonical() for o in self.options]
        return out


@dataclass(frozen=True)
class Question:
    """One question of a set: its text, answer, guidance, and the scores it counts towards."""
    id: str
    text: str
    answer: AnswerSpec
    guidance: str = ""
    required: bool = True
    comment: bool = True
    scores: tuple[str, ...] = (THEME,)
    weight: float = 1.0
    applies_when: Condition | None = None
    set_id: str = ""
    section_id: str = ""
    source: Source = field(default=NOWHERE, compare=False)
    key_lines: dict = field(default_factory=dict, compare=False, hash=False)  # key -> line, for messages

    def source_of(self, key: str) -> Source:
        line = self.key_lines.get(key)
        return Source(self.source.path, line) if line else self.source

    @property
    def scored(self) -> bool:
        return self.answer.scored and bool(self.scores)

    def canonical(self) -> dict:
        return {
            "id": self.id, "text": self.text, "guidance": self.guidance,
            "answer": self.answer.canonical(), "required": self.required,
            "comment": self.comment, "scores": list(self.scores), "weight": self.weight,
            "applies_when": applicability.canonical(self.applies_when),
        }


@dataclass(frozen=True)
class Section:
    """A titled group of questions in a set, which may apply only to some cases."""
    id: str
    title: str
    questions: tuple[Question, ...]
    description: str = ""
    applies_when: Condition | None = None
    source: Source = field(default=NOWHERE, compare=False)

    def canonical(self) -> dict:
        return {
            "id": self.id, "title": self.title, "description": self.description,
            "applies_when": applicability.canonical(self.applies_when),
            "questions": [q.canonical() for q in self.questions],
        }


@dataclass(frozen=True)
class QuestionSet:
    """A themed question set (pre-charge, disclosure...): its sections in order."""
    id: str
    title: str
    version: str
    sections: tuple[Section, ...]
    description: str = ""
    source: Source = field(default=NOWHERE, compare=False)

    @property
    def questions(self) -> Iterator[Question]:
        for s in self.sections:
            yield from s.questions

    @cached_property
    def by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    def section_of(self, question: Question) -> Section:
        for s in self.sections:
            if s.id == question.section_id:
                return s
        raise KeyError(question.section_id)

    def canonical(self) -> dict:
        # The version is left out: the fingerprint says whether content changed,
        # so a version bump alone does not make old answers look incomparable.
        return {
            "id": self.id, "title": self.title, "description": self.description,
            "sections": [s.canonical() for s in self.sections],
        }

    @cached_property
    def fingerprint(self) -> str:
        return fingerprint(self.canonical())

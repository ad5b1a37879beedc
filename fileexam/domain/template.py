"""Inspection templates: the case fields an inspection records, its question sets, composites and reporting settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Iterator, Mapping

from fileexam.domain.applicability import evaluate
from fileexam.domain.fingerprint import fingerprint
from fileexam.domain.questions import Question, QuestionSet, Section
from fileexam.domain.scales import Option
from fileexam.domain.source import NOWHERE, Source
from fileexam.domain.standardisation import ModerationSettings


class FieldType(StrEnum):
    TEXT = "text"
    CHOICE = "choice"    # one value from a list
    CHOICES = "choices"  # several values from a list (flags)
    DATE = "date"
    NUMBER = "number"


@dataclass(frozen=True)
class CaseField:
    """A field every case carries (Area, strand...): its type, allowed values, and whether it leaves the laptop."""
    id: str
    label: str
    type: FieldType
    values: tuple[Option, ...] = ()
    required: bool = False
    export: bool = True  # personal data stays on the laptop: export: false
    editable: bool = True
    description: str = ""
    source: Source = field(default=NOWHERE, compare=False)

    def value_label(self, value: str) -> str:
        for o in self.values:
            if o.value == value:
                return o.label
        return value

    @property
    def value_ids(self) -> tuple[str, ...]:
        return tuple(o.value for o in self.values)

    def canonical(self) -> dict:
        return {
            "id": self.id, "label": self.label, "type": self.type.value,
            "values": [{"value": o.value, "label": o.label} for o in self.values],
            "required": self.required, "export": self.export, "editable": self.editable,
            "description": self.description,
        }


@dataclass(frozen=True)
class Composite:
    """A headline score (e.g. added value) made of the questions that name it and those the template adds."""
    id: str
    label: str
    description: str = ""
    questions: tuple[str, ...] = ()  # added by the template, beside questions that name it
    source: Source = field(default=NOWHERE, compare=False)

    def canonical(self) -> dict:
        return {"id": self.id, "label": self.label, "description": self.description,
                "questions": list(self.questions)}


@dataclass(frozen=True)
class CombinedShare:
    """A share the report adds up for every scale holding these options, e.g. 'fully or partially'."""
    label: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class DateInterval:
    """Days from one date field to another, reported like a number question (e.g. charge to finalisation)."""
    id: str
    label: str
    start: str
    end: str


@dataclass(frozen=True)
class Retention:
    """How long personal data stays (docs/data-protection.md): laptop-only fields so many days after a
    case is complete; answers and comments so many days after the moderation (the report) is signed off."""
    private_fields_days: int | None = None
    answers_after_signoff_days: int | None = None

    def canonical(self) -> dict:
        return {"private_fields_days": self.private_fields_days,
                "answers_after_signoff_days": self.answers_after_signoff_days}


# Why a sampled case cannot be examined (issue 18): the reasons the inspectorate's reports give.
DEFAULT_EXCLUSION_REASONS: tuple[Option, ...] = (
    Option("file_unavailable", "File unavailable"),
    Option("file_deleted", "File deleted"),
    Option("wrong_case_type", "Wrong case type"),
    Option("not_progressed", "Not live or not sufficiently progressed"),
)


@dataclass(frozen=True)
class Reporting:
    """How the report reads the figures: travel threshold, double-marking share, Area and strand fields, breakdowns."""
    direction_threshold_pp: float = 1.0
    double_mark_share: float = 0.10
    area_field: str | None = None
    strand_field: str | None = None
    few_cases: int = 10   # fewer cases than this: flagged, and an Area is not ranked strongest or weakest
    breakdowns: tuple[str, ...] = ()          # case fields the report breaks every measure down by
    combined_shares: tuple[CombinedShare, ...] = ()
    intervals: tuple[DateInterval, ...] = ()
    source: Source = field(default=NOWHERE, compare=False)

    def canonical(self) -> dict:
        out = {
            "direction_threshold_pp": self.direction_threshold_pp,
            "double_mark_share": self.double_mark_share,
            "area_field": self.area_field, "strand_field": self.strand_field,
            "few_cases": self.few_cases,
        }
        # Only when set, so that templates without them keep their fingerprints.
        if self.breakdowns:
            out["breakdowns"] = list(self.breakdowns)
        if self.combined_shares:
            out["combined_shares"] = [{"label": c.label, "values": list(c.values)} for c in self.combined_shares]
        if self.intervals:
            out["intervals"] = [{"id": i.id, "label": i.label, "from": i.start, "to": i.end} for i in self.intervals]
        return out


@dataclass(frozen=True)
class InspectionTemplate:
    """An inspection's definition: its case fields, question sets, composites and reporting rules."""
    id: str
    title: str
    version: str
    case_fields: tuple[CaseField, ...]
    question_sets: tuple[QuestionSet, ...]
    composites: tuple[Composite, ...] = ()
    reporting: Reporting = Reporting()
    description: str = ""
    reference_label: str = "Case reference"
    source: Source = field(default=NOWHERE, compare=False)
    retention: Retention | None = None
    exclusion_reasons_given: tuple[Option, ...] = ()  # the template's own list; empty: DEFAULT_EXCLUSION_REASONS
    moderation: "ModerationSettings | None" = None  # standardisation and agreement targets (issue 17)

    @property
    def exclusion_reasons(self) -> tuple[Option, ...]:
        """Why a sampled case may be marked not examinable (the template's list, or the default one)."""
        return self.exclusion_reasons_given or DEFAULT_EXCLUSION_REASONS

    @cached_property
    def fields_by_id(self) -> dict[str, CaseField]:
        return {f.id: f for f in self.case_fields}

    @property
    def questions(self) -> Iterator[Question]:
        for qs in self.question_sets:
            yield from qs.questions

    @cached_property
    def question_by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    @cached_property
    def question_order(self) -> dict[str, int]:
        return {q.id: i for i, q in enumerate(self.questions)}

    @cached_property
    def set_by_id(self) -> dict[str, QuestionSet]:
        return {s.id: s for s in self.question_sets}

    def find_question(self, question_id: str) -> Question:
        """The question with this id, matched without regard to case when that is unambiguous;
        otherwise a BadValue that says 'did you mean …?'."""
        q = self.question_by_id.get(question_id)
        if q is not None:
            return q
        folded = [q for qid, q in self.question_by_id.items() if qid.casefold() == str(question_id).casefold()]
        if len(folded) == 1:
            return folded[0]
        from fileexam.domain.cases import BadValue
        from fileexam.domain.problems import did_you_mean
        raise BadValue(f"'{question_id}' is not a question of this inspection"
                       + did_you_mean(str(question_id), list(self.question_by_id)))

    def section_of(self, question: Question) -> Section:
        return self.set_by_id[question.set_id].section_of(question)

    def which_apply(self, fields: Mapping[str, object], answers: Mapping[str, object]) -> dict[str, bool]:
        """For each question in order: does it apply to a case with these fields and answers?

        Conditions only look at earlier questions, so one pass in order settles all;
        an answer to a question that does not apply counts as no answer.
        """
        applies: dict[str, bool] = {}

        def answer_of(qid: str):
            return answers.get(qid) if applies.get(qid) else None

        for qs in self.question_sets:
            for section in qs.sections:
                section_on = evaluate(section.applies_when, fields, answer_of)
                for q in section.questions:
                    applies[q.id] = section_on and evaluate(q.applies_when, fields, answer_of)
        return applies

    def describe_condition(self, condition) -> str:
        """A condition in words with this template's labels: "Strand is Crown Court"."""
        from fileexam.domain.applicability import describe

        def field_label(fid: str) -> str:
            f = self.fields_by_id.get(fid)
            return f.label if f else fid

        def value_label(subject: str, value: str) -> str:
            kind, _, name = subject.partition(":")
            if kind == "field" and name in self.fields_by_id:
                return self.fields_by_id[name].value_label(value)
            if kind == "answer" and name in self.question_by_id:
                option = self.question_by_id[name].answer.option(value)
                return option.label if option else value
            return value

        return describe(condition, field_label, value_label)

    def composite_members(self, composite_id: str) -> list[Question]:
        """Questions feeding a composite: those naming it, and those the template adds."""
        comp = next(c for c in self.composites if c.id == composite_id)
        added = set(comp.questions)
        return [q for q in self.questions
                if q.answer.scored and (composite_id in q.scores or q.id in added)]

    def score_names(self) -> list[str]:
        """Theme scores (one per set, named by set id) then composites."""
        return [s.id for s in self.question_sets] + [c.id for c in self.composites]

    def score_label(self, name: str) -> str:
        if name in self.set_by_id:
            return self.set_by_id[name].title
        for c in self.composites:
            if c.id == name:
                return c.label
        return name

    def canonical(self) -> dict:
        return {
            "id": self.id, "title": self.title, "description": self.description,
            "reference_label": self.reference_label,
            "case_fields": [f.canonical() for f in self.case_fields],
            "question_sets": [{"id": s.id, "fingerprint": s.fingerprint} for s in self.question_sets],
            "composites": [c.canonical() for c in self.composites],
            "reporting": self.reporting.canonical(),
        } | ({"retention": self.retention.canonical()} if self.retention else {}) | (  # absent: fingerprint as before
            {"exclusion_reasons": [{"value": o.value, "label": o.label} for o in self.exclusion_reasons_given]}
            if self.exclusion_reasons_given else {}) | (
            {"moderation": self.moderation.canonical()} if self.moderation else {})  # absent: fingerprint as before

    @cached_property
    def fingerprint(self) -> str:
        return fingerprint(self.canonical())

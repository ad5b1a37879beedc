"""Problems found in user input, and the one catalogue of their messages.

Every message a user can see about bad input comes from CATALOGUE: a stable
code, a severity, and a template that says what is wrong and how to fix it.
Tests assert on codes and places, never on retyped message text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Iterable


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Entry:
    """A catalogue entry: how serious a problem code is, and its message template."""
    severity: Severity
    template: str


E, W = Severity.ERROR, Severity.WARNING

CATALOGUE: dict[str, Entry] = {
    # Reading a file at all
    "file-unreadable": Entry(E, "cannot read the file: {reason}"),
    "file-empty": Entry(E, "the file is empty: it should hold a {what}"),
    "file-too-large": Entry(E, "the file is {size} bytes; files over {limit} bytes are refused"),
    "file-binary": Entry(E, "the file holds binary data (a NUL byte), not text: is it the right file?"),
    "file-not-utf8": Entry(E, "the file is not UTF-8 text (byte {byte} cannot be read): save it as UTF-8"),
    "yaml-syntax": Entry(E, "this is not valid YAML: {reason}"),
    "yaml-alias": Entry(E, "YAML aliases (*name) are not allowed: write the content out in full"),
    "yaml-duplicate-key": Entry(E, "key '{key}' appears twice in this mapping (first at line {first}): keep one"),
    "yaml-multiple-documents": Entry(E, "the file holds more than one YAML document (---): keep one"),
    "yaml-too-deep": Entry(E, "lists and mappings are nested more than {limit} deep here: no question set or template needs that; simplify it"),
    "bad-scalar": Entry(E, "'{text}' cannot be read as {what}{reason}: correct it, or {fix}"),
    "complex-key": Entry(E, "a key must be plain text, not {got}: write a plain name, such as 'title', before the ':'"),
    "key-not-text": Entry(E, "key '{key}' is read as {got}, not text: write it in quotes, \"{key}\""),
    # Shape
    "not-a-mapping": Entry(E, "{what} must be a mapping of keys to values, not {got}"),
    "not-a-list": Entry(E, "'{key}' must be a list, not {got}"),
    "wrong-type": Entry(E, "'{key}' must be {expected}, not {got}{hint}"),
    "missing-key": Entry(E, "'{key}' is required in {what}"),
    "unknown-key": Entry(E, "unknown key '{key}' in {what}{hint}"),
    "unknown-kind": Entry(E, "unknown kind '{kind}': use 'question-set', 'inspection-template' or 'sample-design'"),
    "bad-id": Entry(E, "'{id}' is not a valid id: use letters, digits, '-', '_' or '.', starting with a letter or digit"),
    "empty-list": Entry(E, "'{key}' must not be empty"),
    # Scales and answers
    "unknown-scale": Entry(E, "unknown scale '{scale}'{hint}"),
    "duplicate-option": Entry(E, "option value '{value}' appears twice in {where}"),
    "duplicate-key-binding": Entry(E, "keyboard key '{key}' is used by two options in {where}"),
    "bad-key-binding": Entry(E, "keyboard key '{key}' must be a single letter or digit"),
    "scale-no-points": Entry(W, "scale '{scale}' gives no points for any option: questions on it cannot score"),
    "unknown-answer-type": Entry(E, "unknown answer type '{type}'{hint}"),
    "bad-range": Entry(E, "minimum {minimum} is greater than maximum {maximum}"),
    "scores-without-points": Entry(E, "question {question} feeds scores {scores} but its answer type '{type}' earns no points: remove 'scores'"),
    "bad-weight": Entry(E, "'weight' must be {range}, not {value}"),
    "number-out-of-range": Entry(E, "'{key}' must be {range}, not {value}"),
    "no-guidance": Entry(W, "question {question} has no guidance: say what fully, partially and not met look like"),
    # Structure
    "duplicate-question": Entry(E, "question id '{question}' is used twice (also at {first}): ids must be unique across every set an inspection uses"),
    "duplicate-section": Entry(E, "section id '{section}' is used twice in this set (also at line {first})"),
    # Applicability
    "bad-condition": Entry(E, "a condition must have exactly one of field, answer, all, any or not; found {found}"),
    "condition-needs-values": Entry(E, "a condition on '{subject}' needs 'is' (one value) or 'in' (a list of values)"),
    "unknown-field": Entry(E, "unknown case field '{field}'{hint}"),
    "unknown-question": Entry(E, "unknown question '{question}'{hint}"),
    "unknown-value": Entry(E, "'{value}' is not a value of {subject}{hint}"),
    "forward-reference": Entry(E, "{subject} depends on question {question}, which comes later: a condition may only look at earlier questions"),
    "condition-cycle": Entry(E, "applicability cycle: {cycle}"),
    "condition-on-text": Entry(E, "a condition cannot test question {question}: its answer type '{type}' has no fixed values"),
    # Templates
    "unknown-field-type": Entry(E, "unknown case field type '{type}'{hint}"),
    "duplicate-field": Entry(E, "case field '{field}' is defined twice (also at line {first})"),
    "field-needs-values": Entry(E, "case field '{field}' of type '{type}' needs a list of 'values'"),
    "question-set-missing": Entry(E, "question set file '{file}' cannot be found next to the template"),
    "question-set-invalid": Entry(E, "question set '{file}' has errors: fix them first"),
    "not-a-question-set": Entry(E, "'{file}' is not a question set (its kind is '{kind}')"),
    "duplicate-set": Entry(E, "question set '{set}' is used twice in this template"),
    "unknown-composite": Entry(E, "question {question} feeds '{score}', which is not a composite of template '{template}'{hint}"),
    "empty-composite": Entry(W, "composite '{composite}' has no questions feeding it"),
    "duplicate-composite": Entry(E, "composite '{composite}' is defined twice (also at line {first})"),
    "reserved-name": Entry(E, "'{name}' is reserved: choose another {what} id"),
    "bad-file-name": Entry(E, "'{file}' is not a usable file name ({reason}): name the question set's file relative to the template, such as 'pre-charge.yaml'"),
    "bad-share": Entry(E, "'{key}' must be a share between 0 and 1 (for example 0.1) or a percentage such as '10%'"),
    "breakdown-not-choice": Entry(E, "reporting.breakdowns names '{field}', a {type} field: a breakdown needs a choice or choices field"),
    "interval-not-date": Entry(E, "interval '{interval}' names '{field}', a {type} field: an interval runs between two date fields"),
    "within-one-below-exact": Entry(W, "moderation.standardisation.pass: 'within_one' ({within}) is below 'exact' ({exact}): every answer exactly equal is also within one point, so this part of the rule can never fail; did you swap them?"),
    "duplicate-standardisation-case": Entry(E, "case '{case}' is named twice in moderation.standardisation.cases (also at line {first}): name it once"),
    "targets-empty": Entry(E, "moderation.targets sets no target: give 'agreement' (a share such as 80%) and/or 'kappa' (such as 0.6), or remove 'targets'"),
    "unknown-reporting-field": Entry(E, "reporting.{key} names '{field}', which is not a case field of this template{hint}"),
    # Sample designs (kind: sample-design)
    "design-template-missing": Entry(E, "the template '{file}' cannot be found next to the design: name the inspection template the design draws for, relative to the design file"),
    "design-template-invalid": Entry(E, "the template '{file}' has errors: fix them first"),
    "not-a-template": Entry(E, "'{file}' is not an inspection template (its kind is '{kind}')"),
    "stratum-field-not-choice": Entry(E, "strata names '{field}', a {type} field: a stratum field must be a choice field (one value per case)"),
    "quota-needs-size": Entry(E, "a quota needs exactly one of 'cases' (in each stratum it matches) or 'total' (shared among them)"),
    "quota-overlap": Entry(E, "stratum {stratum} is matched by this quota and by the quota at line {first}: each stratum takes one quota"),
    "quota-matches-nothing": Entry(W, "this quota matches no stratum: check its 'where'"),
    "quota-where-not-stratum": Entry(E, "a quota's 'where' names '{field}', which is not one of the strata fields ({strata})"),
    "rule-field-or-column": Entry(E, "an eligibility rule reads exactly one of 'field' (a case field) or 'column' (a case-list column); found {found}"),
    "rule-needs-test": Entry(E, "eligibility rule '{rule}' needs one test: 'from' and/or 'to' (dates), 'in' or 'not_in' (values), 'at_least' and/or 'at_most' (numbers)"),
    "rule-test-mismatch": Entry(E, "eligibility rule '{rule}' tests {test}, but {field} is a {type} field"),
    "duplicate-rule": Entry(E, "eligibility rule '{rule}' is defined twice (also at line {first})"),
    "rule-column-missing": Entry(E, "the case list has no column '{column}', which eligibility rule '{rule}' reads"),
    "ineligible-case": Entry(E, "case {reference} is not eligible under the design's rule '{rule}': {reason}"),
    "rule-not-checked": Entry(W, "the sample has no column '{column}', so eligibility rule '{rule}' is not checked here (it was when the sample was drawn, if drawn by fileexam)"),
    "stratum-short": Entry(W, "stratum {stratum} has {eligible} eligible case(s) for {wanted} wanted ({quota} + {reserves} reserve(s)): {drawn} drawn, {reserve_drawn} reserve(s)"),
    "design-mismatch": Entry(E, "the sample was drawn with design '{drawn}' (fingerprint {drawn_fp}), not the design given ('{given}', {given_fp}): give the design it was drawn with, or none"),
    "design-conflict": Entry(E, "this inspection already holds sample design '{stored}' ({stored_fp}); a sample drawn with another design ('{given}', {given_fp}) cannot join it"),
    "design-sheet": Entry(E, "{reason}"),
    "more-problems": Entry(E, "{count} more problem(s) not listed: correct these first"),
    "reserves-without-design": Entry(E, "the sample has reserve cases but no sample design: give the design with --design, or import the workbook `fileexam sample draw` wrote"),
    # Case samples and tables
    "table-unreadable": Entry(E, "cannot read this as a {what}: {reason}"),
    "table-empty": Entry(E, "there is no header row: the first row must name the columns"),
    "table-too-large": Entry(E, "the file is too large to be a {what} ({reason})"),
    "no-reference-column": Entry(E, "no column holds the case reference: name one '{label}' or 'reference'"),
    "duplicate-column": Entry(E, "column '{column}' appears twice (also column {first})"),
    "unknown-column": Entry(W, "column '{column}' is not a case field of this inspection and is left out{hint}"),
    "missing-column": Entry(E, "no column for the required case field '{field}'"),
    "duplicate-reference": Entry(E, "case {reference} appears twice in the sample (also row {first})"),
    "missing-reference": Entry(E, "the case reference is empty"),
    "missing-value": Entry(E, "{field} is required for case {reference}"),
    "bad-value": Entry(E, "{reason}"),
    "case-conflict": Entry(E, "case {reference} is already in the inspection with other details: {detail}"),
    "formula-in-cell": Entry(E, "this cell holds a formula ({formula}); type the value itself"),
    # Exchange workbooks
    "exchange-sheet-missing": Entry(E, "the sheet '{name}' is missing: this is not a complete fileexam exchange workbook"),
    "exchange-not-ours": Entry(E, "this is not a fileexam exchange workbook (its About sheet says format '{found}')"),
    "exchange-version": Entry(E, "exchange format version {version} is not known to this fileexam (it reads version {known}): update fileexam"),
    "exchange-header": Entry(E, "the header row was changed: expected {expected}; found {found}"),
    "exchange-count": Entry(E, "the About sheet says {said} {what} but the workbook holds {found}: rows were added or removed after export"),
    "exchange-hash": Entry(E, "the data no longer matches the SHA-256 recorded at export: the workbook was edited or damaged after export ({rows})"),
    "exchange-bad-cell": Entry(E, "{reason}"),
    "exchange-about-key": Entry(E, "{reason}"),
    "exchange-duplicate": Entry(E, "{what} appears twice (also row {first}): one workbook holds one value for it"),
    "exchange-wrong-marker": Entry(E, "the marker '{found}' is not this workbook's marker '{marker}' (About): "
                                      "an inspector's workbook carries only their own work"),
    "exchange-unknown-question": Entry(E, "'{question}' is not a question of this inspection"),
    "exchange-wrong-set": Entry(E, "question {question} belongs to question set '{expected}', not '{found}'"),
    "exchange-bad-answer": Entry(E, "{reason}"),
    "exchange-case-outside": Entry(E, "case {reference} is not in this inspection's sample"),
    "exchange-unknown-field": Entry(E, "column '{column}' is not a case field this inspection exports"),
    "exchange-exclusion": Entry(E, "{reason}"),
    "exchange-feedback": Entry(E, "{reason}"),
    # Feedback workbooks (issue 17): a moderator's feedback to one inspector, read by the inspector's app
    "feedback-sheet-missing": Entry(E, "the sheet '{name}' is missing: this is not a complete fileexam feedback workbook"),
    "feedback-not-ours": Entry(E, "this is not a fileexam feedback workbook (its About sheet says format '{found}'): open it with the right command (an exchange workbook is merged, a sample imported)"),
    "feedback-version": Entry(E, "feedback format version {version} is not known to this fileexam (it reads version {known}): update fileexam"),
    "feedback-header": Entry(E, "the header row was changed: expected {expected}; found {found}"),
    "feedback-count": Entry(E, "the About sheet says {said} {what} but the workbook holds {found}: rows were added or removed after it was written"),
    "feedback-hash": Entry(E, "the feedback no longer matches the SHA-256 recorded when it was written: it was edited or damaged after that ({rows}); ask your moderator to write it again"),
    "feedback-bad-cell": Entry(E, "{reason}"),
    "feedback-wrong-inspection": Entry(E, "{reason}"),
    "feedback-wrong-inspector": Entry(E, "this feedback is for {inspector}, not for {user}: open your own feedback workbook"),
    # Paths and diff
    "path-missing": Entry(E, "no such file or folder"),
    "no-yaml-files": Entry(W, "no .yaml files in this folder"),
    "version-unchanged": Entry(W, "the content changed but version '{version}' did not: raise the version"),
    "different-sets": Entry(E, "these are different question sets ('{old}' and '{new}'): diff compares two versions of one set"),
}


@dataclass(frozen=True)
class Problem:
    """A problem found in input: its code, where (file, line, sheet, column, question) and the message's values."""
    code: str
    path: str | None = None
    line: int | None = None  # 1-based
    question: str | None = None
    params: dict = field(default_factory=dict, compare=False)
    sheet: str | None = None   # for workbooks and CSV files: line is then the row
    column: str | None = None

    @property
    def severity(self) -> Severity:
        return CATALOGUE[self.code].severity

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def message(self) -> str:
        return CATALOGUE[self.code].template.format_map(_Params(self.params))

    def where(self) -> str:
        if self.sheet is not None or self.column is not None:
            parts = [self.path or "<input>"]
            if self.sheet:
                parts.append(f"sheet '{self.sheet}'")
            if self.line is not None:
                parts.append(f"row {self.line}")
            if self.column:
                parts.append(f"column '{self.column}'")
            return ", ".join(parts)
        parts = [self.path or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
        return ":".join(parts)

    def format(self) -> str:
        """One line: `path:line: severity[code]: message`."""
        return f"{self.where()}: {self.severity}[{self.code}]: {self.message}"


class _Params(dict):
    """Template parameters: one left out reads as nothing; one that cannot be shown says so.

    format_map keeps this mapping (format(**params) would copy it into a plain dict and
    raise KeyError); values are made text first, so a faulty value cannot raise either.
    """

    def __init__(self, params: dict):
        super().__init__({k: _shown(v) for k, v in params.items()})

    def __missing__(self, key):
        return ""


def _shown(value) -> str:
    try:
        return format(value)
    except Exception:  # e.g. an int beyond Python's digit limit
        return "(a value too long to show)"


def cell_problem(code: str, path: str, sheet: str | None, row: int | None, col: str | None,
                 **params) -> Problem:
    """A problem in a table: a workbook sheet or a CSV file (sheet None); `col` is the column heading."""
    if code not in CATALOGUE:
        raise KeyError(f"message code {code!r} is not in the catalogue")
    return Problem(code, path, row, params.get("question"), params, sheet, col or None)


def problem(code: str, path: str | None = None, line: int | None = None,
            at_question: str | None = None, **params) -> Problem:
    """A problem at a place; `params` fill the catalogue template (they may include 'question')."""
    if code not in CATALOGUE:
        raise KeyError(f"message code {code!r} is not in the catalogue")
    if at_question is None and isinstance(params.get("question"), str):
        at_question = params["question"]
    return Problem(code, path, line, at_question, params)


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """' — did you mean 'x'?' when a close choice exists, else the list of choices."""
    choices = [str(c) for c in choices]
    if not choices:
        return ""
    import difflib  # only when a name is wrong: not on every start

    close = difflib.get_close_matches(str(word), choices, n=1, cutoff=0.6)
    if not close:  # an abbreviation: 'fpn' for 'fully_partially_not'
        initials = {"".join(part[:1] for part in c.replace("-", "_").split("_")).lower(): c for c in choices}
        if str(word).lower() in initials:
            close = [initials[str(word).lower()]]
    if not close:
        lowered = {c.lower(): c for c in choices}
        if str(word).lower() in lowered:
            close = [lowered[str(word).lower()]]
    if close:
        return f" — did you mean '{close[0]}'?"
    if len(choices) <= 12:
        return " — choose one of: " + ", ".join(f"'{c}'" for c in choices)
    return ""


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.is_error for p in problems)


class ProblemsFound(Exception):
    """Raised when input has errors; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(p.format() for p in self.problems))

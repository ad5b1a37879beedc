"""Checking a case sample (rows of a table) against an inspection template: all problems, each with its row and column."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from fileexam.domain.cases import BadValue, Case, field_value
from fileexam.domain.problems import Problem, cell_problem, did_you_mean
from fileexam.domain.template import CaseField, InspectionTemplate

REFERENCE_NAMES = ("reference", "case reference", "case ref", "ref")
INSPECTOR_NAMES = ("inspector", "allocated to", "marker")


def _norm(name) -> str:
    return re.sub(r"[\s_\-]+", " ", str(name or "")).strip().casefold()


@dataclass
class Table:
    """Rows as read from a sheet or CSV file; row numbers are those a person sees (header is row 1)."""
    path: str
    sheet: str | None
    header: list
    rows: list[tuple[int, list]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # found while reading (e.g. formulas)


@dataclass
class SampleCheck:
    cases: list[Case]
    problems: list[Problem]
    rows: dict[str, int] = field(default_factory=dict)  # reference -> row

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)


def check_sample(t: InspectionTemplate, table: Table) -> SampleCheck:
    problems: list[Problem] = list(table.problems)

    def at(code, row=None, col=None, **params):
        problems.append(cell_problem(code, table.path, table.sheet, row, col, **params))

    names: dict[str, str] = {}  # normalised header -> target: "reference", "inspector" or a field id
    for f in t.case_fields:
        names[_norm(f.id)] = f.id
        names[_norm(f.label)] = f.id
    for n in REFERENCE_NAMES + (t.reference_label,):
        names[_norm(n)] = "reference"
    for n in INSPECTOR_NAMES:
        names[_norm(n)] = "inspector"

    if not any(str(h or "").strip() for h in table.header):
        at("table-empty", 1)
        return SampleCheck([], problems)

    columns: dict[str, int] = {}
    for i, h in enumerate(table.header):
        label = str(h or "").strip()
        if not label:
            continue
        target = names.get(_norm(label))
        if target is None:
            at("unknown-column", 1, label, column=label,
               hint=did_you_mean(label, [f.label for f in t.case_fields] + [t.reference_label]))
            continue
        if target in columns:
            at("duplicate-column", 1, label, column=label, first=str(table.header[columns[target]]))
            continue
        columns[target] = i
    if "reference" not in columns:
        at("no-reference-column", 1, label=t.reference_label)
        return SampleCheck([], problems)
    for f in t.case_fields:
        if f.required and f.id not in columns:
            at("missing-column", 1, field=f.label)

    cases: list[Case] = []
    seen: dict[str, int] = {}
    ref_col = str(table.header[columns["reference"]])
    for row_no, values in table.rows:
        def cell(i):
            return values[i] if i < len(values) else None
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        raw_ref = cell(columns["reference"])
        reference = "" if raw_ref is None else str(raw_ref).strip()
        if isinstance(raw_ref, float) and raw_ref.is_integer():
            reference = str(int(raw_ref))
        if not reference:
            at("missing-reference", row_no, ref_col)
            continue
        if reference in seen:
            at("duplicate-reference", row_no, ref_col, reference=reference, first=seen[reference])
            continue
        seen[reference] = row_no
        fields: dict = {}
        for f in t.case_fields:
            if f.id not in columns:
                continue
            col_name = str(table.header[columns[f.id]])
            try:
                value = field_value(f, cell(columns[f.id]))
            except BadValue as exc:
                at("bad-value", row_no, col_name, reason=str(exc))
                continue
            if value is None:
                if f.required:
                    at("missing-value", row_no, col_name, field=f.label, reference=reference)
                continue
            fields[f.id] = value
        inspector = None
        if "inspector" in columns:
            raw = cell(columns["inspector"])
            inspector = str(raw).strip() if raw is not None and str(raw).strip() else None
        cases.append(Case(reference, fields, inspector))
    return SampleCheck(cases, problems, seen)


def describe_difference(t: InspectionTemplate, old: Case, new: Case) -> str:
    parts = []
    for f in t.case_fields:
        a, b = old.fields.get(f.id), new.fields.get(f.id)
        if a != b:
            parts.append(f"{f.label} is {_show(f, a)} there, {_show(f, b)} here")
    if old.inspector != new.inspector:
        parts.append(f"inspector is {old.inspector or 'none'} there, {new.inspector or 'none'} here")
    return "; ".join(parts)


def _show(f: CaseField, v) -> str:
    if v is None:
        return "empty"
    if isinstance(v, list):
        return ", ".join(f.value_label(x) for x in v)
    return f"'{f.value_label(v)}'"

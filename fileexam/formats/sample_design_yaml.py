"""Parse a sample-design YAML file (`kind: sample-design`), checked against the inspection template it names.

Read with the same reader as question sets and templates: every problem has its file, line and catalogue
code. The shape is in question_sets/schema/sample-design.schema.json; this also checks what a schema
cannot see: the template's fields and values, strata that two quotas claim, a test that does not fit
its field. question_sets/README.md, "Sample designs".
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Callable

from fileexam.domain.cases import BadValue, parse_date
from fileexam.domain.problems import Problem, did_you_mean, problem
from fileexam.domain.sample_design import (ALLOCATIONS, EQUAL, Quota, Rule, SampleDesign, Where, all_strata,
                                           key_text)
from fileexam.domain.source import Source
from fileexam.domain.template import CaseField, FieldType, InspectionTemplate
from fileexam.formats.yaml_reader import Reader, describe_type, quote_hint
from fileexam.formats.yaml_source import YMap, short

DESIGN_KEYS = {"kind", "id", "title", "version", "description", "template", "seed", "strata", "quotas", "eligibility"}
QUOTA_KEYS = {"where", "cases", "total", "allocation", "reserves"}
RULE_KEYS = {"id", "label", "field", "column", "applies_to", "from", "to", "in", "not_in", "at_least", "at_most"}
MAX_SEED = 2 ** 63 - 1
MAX_CASES = 1_000_000
MAX_RESERVES = 10_000

# (template or None, problems, kind found) for the template file the design names.
TemplateLoader = Callable[[str], tuple[InspectionTemplate | None, list[Problem], str | None]]


def parse_design(data, path: str, load_template: TemplateLoader) -> tuple[SampleDesign | None, list[Problem],
                                                                             InspectionTemplate | None]:
    """(design, problems, its template). The design is None when any problem is an error."""
    problems: list[Problem] = []
    top = Reader.of(data, path, problems, "a sample design")
    if top is None:
        return None, problems, None
    top.allow_only(DESIGN_KEYS)
    did = top.ident("id")
    title = top.text("title", required=True)
    version = top.text("version", required=True)
    template_name = top.text("template", required=True)
    t = None
    if template_name:
        from fileexam.formats.template_yaml import _bad_file_name
        bad = _bad_file_name(template_name)
        line = top.data.line_of("template")
        if bad:
            problems.append(problem("bad-file-name", path, line, file=short(template_name), reason=bad))
        else:
            t, found, kind = load_template(template_name)
            if kind is None and t is None and not found:
                problems.append(problem("design-template-missing", path, line, file=template_name))
            elif kind not in (None, "inspection-template"):
                problems.append(problem("not-a-template", path, line, file=template_name, kind=kind))
                t = None
            elif t is None:
                problems.append(problem("design-template-invalid", path, line, file=template_name))
    seed = top.number("seed", None, low=0, high=MAX_SEED, whole=True)
    if not top.has("seed"):
        top.add("missing-key", key="seed", what="a sample design")

    strata: list[str] = []
    for fid, line in top.text_list("strata"):
        if fid in strata:
            problems.append(problem("yaml-duplicate-key", path, line, key=fid, first=top.data.line_of("strata")))
            continue
        strata.append(fid)
        if t is not None:
            f = t.fields_by_id.get(fid)
            if f is None:
                problems.append(problem("unknown-field", path, line, field=fid, hint=did_you_mean(fid, list(t.fields_by_id))))
            elif f.type is not FieldType.CHOICE:
                problems.append(problem("stratum-field-not-choice", path, line, field=fid, type=f.type.value))
    if not top.has("strata"):
        top.add("missing-key", key="strata", what="a sample design")
    elif not strata and not any(p.line == top.data.line_of("strata") for p in problems):
        top.add("empty-list", "strata", key="strata")

    quotas = [q for q in (_quota(item, line, path, problems, t, strata) for item, line in top.items("quotas", required=True))
              if q is not None]

    rules: list[Rule] = []
    first_rule: dict[str, int] = {}
    for item, line in top.items("eligibility"):
        r = _rule(item, line, path, problems, t)
        if r is None:
            continue
        if r.id in first_rule:
            problems.append(problem("duplicate-rule", path, line, rule=r.id, first=first_rule[r.id]))
            continue
        first_rule[r.id] = line
        rules.append(r)

    ok_fields = t is not None and all(fid in t.fields_by_id and t.fields_by_id[fid].type is FieldType.CHOICE
                                      for fid in strata)
    if ok_fields and strata and quotas:
        _check_overlaps(t, strata, quotas, path, problems)
    if any(p.is_error for p in problems):
        return None, problems, t
    design = SampleDesign(did, title, version, template_name, int(seed), tuple(strata), tuple(quotas), tuple(rules),
                          top.text("description"), Source(path, top.line))
    return design, problems, t


def check_against(design: SampleDesign, t: InspectionTemplate, path: str) -> list[Problem]:
    """A stored design checked again against an inspection's own template (its fields and values): the
    design was valid for the template it named, which may be another version."""
    problems: list[Problem] = []
    line = design.source.line
    for fid in design.strata:
        f = t.fields_by_id.get(fid)
        if f is None:
            problems.append(problem("unknown-field", path, line, field=fid, hint=did_you_mean(fid, list(t.fields_by_id))))
        elif f.type is not FieldType.CHOICE:
            problems.append(problem("stratum-field-not-choice", path, line, field=fid, type=f.type.value))
    wheres = [(q.where, q.source.line) for q in design.quotas] + [(r.applies_to, r.source.line) for r in design.rules]
    for where, at in wheres:
        for fid, values in where.conditions:
            f = t.fields_by_id.get(fid)
            if f is None:
                problems.append(problem("unknown-field", path, at, field=fid, hint=""))
                continue
            for v in values:
                if v not in f.value_ids:
                    problems.append(problem("unknown-value", path, at, value=v, subject=f"case field '{fid}'",
                                            hint=did_you_mean(v, list(f.value_ids))))
    for r in design.rules:
        if r.field is not None and r.field not in t.fields_by_id:
            problems.append(problem("unknown-field", path, r.source.line, field=r.field, hint=""))
    return problems


# ---- the parts ----------------------------------------------------------------------------------------------
def _quota(item, line: int, path: str, problems: list[Problem], t: InspectionTemplate | None,
           strata: list[str]) -> Quota | None:
    r = Reader.of(item, path, problems, "a quota", line)
    if r is None:
        return None
    r.allow_only(QUOTA_KEYS)
    where = _where(r, "where", path, problems, t, strata)
    has_cases, has_total = r.has("cases"), r.has("total")
    if has_cases == has_total:
        r.add("quota-needs-size")
    cases = r.number("cases", None, low=0, high=MAX_CASES, whole=True) if has_cases else None
    total = r.number("total", None, low=0, high=MAX_CASES, whole=True) if has_total else None
    allocation = r.text("allocation") or EQUAL
    if allocation not in ALLOCATIONS:
        r.add("unknown-value", "allocation", value=short(allocation), subject="allocation",
              hint=did_you_mean(allocation, ALLOCATIONS))
    elif has_cases and r.has("allocation"):
        r.add("unknown-key", "allocation", key="allocation", what="a quota of 'cases' in each stratum",
              hint=": 'allocation' goes with 'total'")
    reserves = r.number("reserves", 0, low=0, high=MAX_RESERVES, whole=True)
    if where is None:
        return None
    return Quota(where, int(cases) if cases is not None else None, int(total) if total is not None else None,
                 allocation, int(reserves or 0), Source(path, line))


def _where(r: Reader, key: str, path: str, problems: list[Problem], t: InspectionTemplate | None,
           strata: list[str] | None) -> Where | None:
    """A mapping of case field -> value or list of values (a value's id or its label); strata: the fields
    allowed (a quota's 'where' names strata fields only)."""
    if not r.has(key):
        return Where()
    sub = r.sub(key, f"'{key}'")
    if sub is None:
        return None
    out = []
    for fid in sub.data:
        line = sub.data.line_of(fid)
        raw = sub.data[fid]
        if isinstance(raw, list):
            values = [v for v, _ in sub.text_list(fid)]
        elif isinstance(raw, str):
            values = [raw.strip()]
        else:
            hint = quote_hint(raw, sub.data.raw.get(fid))
            problems.append(problem("wrong-type", path, line, key=fid, expected="a value or a list of values",
                                    got=describe_type(raw), hint=hint))
            continue
        if strata is not None and fid not in strata:
            problems.append(problem("quota-where-not-stratum", path, line, field=fid, strata=", ".join(strata)))
            continue
        f = t.fields_by_id.get(fid) if t is not None else None
        if t is not None and f is None:
            problems.append(problem("unknown-field", path, line, field=fid, hint=did_you_mean(fid, list(t.fields_by_id))))
            continue
        if f is not None:
            ids = []
            for v in values:
                found = _value_id(f, v)
                if found is None:
                    problems.append(problem("unknown-value", path, line, value=short(v), subject=f"case field '{fid}'",
                                            hint=did_you_mean(v, [o.label for o in f.values] or list(f.value_ids))))
                else:
                    ids.append(found)
            values = ids
        out.append((fid, tuple(values)))
    return Where(tuple(out))


def _value_id(f: CaseField, text: str) -> str | None:
    if f.type not in (FieldType.CHOICE, FieldType.CHOICES):
        return text
    for o in f.values:
        if text == o.value:
            return o.value
    for o in f.values:
        if text.casefold() in (o.value.casefold(), o.label.casefold()):
            return o.value
    return None


TEST_KEYS = {"dates": ("from", "to"), "values": ("in", "not_in"), "numbers": ("at_least", "at_most")}


def _rule(item, line: int, path: str, problems: list[Problem], t: InspectionTemplate | None) -> Rule | None:
    r = Reader.of(item, path, problems, "an eligibility rule", line)
    if r is None:
        return None
    r.allow_only(RULE_KEYS)
    rid = r.ident("id")
    label = r.text("label")
    has_field, has_column = r.has("field"), r.has("column")
    if has_field == has_column:
        found = "both" if has_field else "neither"
        r.add("rule-field-or-column", found=found)
    fid = r.text("field") if has_field else None
    column = r.text("column") if has_column else None
    f = None
    if fid and t is not None:
        f = t.fields_by_id.get(fid)
        if f is None:
            r.add("unknown-field", "field", field=fid, hint=did_you_mean(fid, list(t.fields_by_id)))
    applies_to = _where(r, "applies_to", path, problems, t, None)
    kinds = [k for k, keys in TEST_KEYS.items() if any(r.has(x) for x in keys)]
    if len(kinds) != 1 or (r.has("in") and r.has("not_in")):
        r.add("rule-needs-test", rule=rid)
        return None
    kind = kinds[0]
    date_from = date_to = None
    values_in = values_not_in = None
    at_least = at_most = None
    if kind == "dates":
        date_from, date_to = _date(r, "from"), _date(r, "to")
        if date_from and date_to and date_from > date_to:
            r.add("bad-range", "from", minimum=date_from, maximum=date_to)
        ok_type = FieldType.DATE
    elif kind == "numbers":
        at_least = r.number("at_least", None, low=-1e15, high=1e15)
        at_most = r.number("at_most", None, low=-1e15, high=1e15)
        if at_least is not None and at_most is not None and at_least > at_most:
            r.add("bad-range", "at_least", minimum=at_least, maximum=at_most)
        ok_type = FieldType.NUMBER
    else:
        key = "in" if r.has("in") else "not_in"
        values = [v for v, _ in r.text_list(key)]
        if not values:
            r.add("empty-list", key, key=key)
        if f is not None and f.type in (FieldType.CHOICE, FieldType.CHOICES):
            ids = []
            for v in values:
                found = _value_id(f, v)
                if found is None:
                    r.add("unknown-value", key, value=short(v), subject=f"case field '{f.id}'",
                          hint=did_you_mean(v, [o.label for o in f.values]))
                else:
                    ids.append(found)
            values = ids
        if key == "in":
            values_in = tuple(values)
        else:
            values_not_in = tuple(values)
        ok_type = None
    if f is not None:
        fits = (f.type is ok_type) if ok_type is not None else f.type in (FieldType.CHOICE, FieldType.CHOICES,
                                                                          FieldType.TEXT)
        if not fits:
            test = {"dates": "a date window", "numbers": "a number range", "values": "values"}[kind]
            r.add("rule-test-mismatch", rule=rid, test=test, field=f"'{f.id}'", type=f.type.value)
    if not rid:
        return None
    return Rule(rid, label, fid or None, column or None, applies_to or Where(), date_from, date_to, values_in,
                values_not_in, at_least, at_most, Source(path, line))


def _date(r: Reader, key: str) -> str | None:
    """A date: unquoted (YAML reads 2023-12-01 as a date) or quoted, ISO or day/month/year."""
    if not r.has(key) or r.data[key] is None:
        return None
    value = r.data[key]
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return parse_date(value)
        except BadValue as exc:
            r.add("bad-value", key, reason=str(exc))
            return None
    r.add("wrong-type", key, key=key, expected="a date such as 2024-09-30", got=describe_type(value), hint="")
    return None


def _check_overlaps(t: InspectionTemplate, strata: list[str], quotas: list[Quota], path: str,
                    problems: list[Problem]) -> None:
    values_of = {fid: t.fields_by_id[fid].value_ids for fid in strata}
    draft = SampleDesign("", "", "", "", 0, tuple(strata), tuple(quotas))
    keys = all_strata(draft, values_of)
    used: set[int] = set()
    said: set[tuple[int, int]] = set()
    for k in keys:
        values = dict(zip(strata, k))
        hits = [i for i, q in enumerate(quotas) if q.where.matches(values)]
        used.update(hits[:1])
        for later in hits[1:]:
            pair = (hits[0], later)
            if pair not in said:
                said.add(pair)
                label = " · ".join(t.fields_by_id[fid].value_label(v) for fid, v in zip(strata, k))
                problems.append(problem("quota-overlap", path, quotas[later].source.line, stratum=label,
                                        first=quotas[hits[0]].source.line))
    for i, q in enumerate(quotas):
        if i not in used and not any(pair[1] == i for pair in said):
            problems.append(problem("quota-matches-nothing", path, q.source.line))


def stratum_label(t: InspectionTemplate, design: SampleDesign, key) -> str:
    """'Wessex · Crown Court · Live': the stratum's values by their labels."""
    parts = []
    for fid, v in zip(design.strata, key):
        f = t.fields_by_id.get(fid)
        parts.append(f.value_label(v) if f else v)
    return " · ".join(parts)


__all__ = ["parse_design", "check_against", "stratum_label", "key_text", "YMap"]

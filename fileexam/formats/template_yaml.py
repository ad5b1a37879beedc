"""Parse an inspection-template YAML file; its question sets are read through a callback."""

from __future__ import annotations

from typing import Callable

from fileexam.domain.problems import Problem, did_you_mean, problem
from fileexam.domain.questions import QuestionSet
from fileexam.domain.scales import Option
from fileexam.domain.source import Source
from fileexam.domain.standardisation import AgreementTargets, ModerationSettings, PassRule, Standardisation
from fileexam.domain.template import (CaseField, CombinedShare, Composite, DateInterval, FieldType,
                                      InspectionTemplate, Reporting, Retention)
from fileexam.formats.yaml_reader import Reader
from fileexam.formats.yaml_source import short

TEMPLATE_KEYS = {"kind", "id", "title", "version", "description", "reference_label",
                 "question_sets", "case_fields", "composites", "reporting", "retention", "exclusion_reasons",
                 "moderation"}
MODERATION_KEYS = {"standardisation", "targets"}
STANDARDISATION_KEYS = {"cases", "pass"}
PASS_KEYS = {"exact", "within_one"}
TARGET_KEYS = {"agreement", "kappa", "lowest"}
RETENTION_KEYS = {"private_fields_days", "answers_after_signoff_days"}
MAX_RETENTION_DAYS = 36_500
FIELD_KEYS = {"id", "label", "type", "values", "required", "export", "editable", "description"}
COMPOSITE_KEYS = {"id", "label", "description", "questions"}
REPORTING_KEYS = {"direction_threshold_pp", "double_mark_share", "area_field", "strand_field", "few_cases",
                  "breakdowns", "combined_shares", "intervals"}
COMBINED_KEYS = {"label", "values"}
INTERVAL_KEYS = {"id", "label", "from", "to"}
RESERVED_FIELDS = {"reference", "inspector", "status", "marker"}
MAX_THRESHOLD_PP = 100  # a change of more than 100 points cannot happen
MAX_FEW_CASES = 100_000
MAX_NAME = 255  # longest file name most file systems allow
MAX_PATH = 1024  # beyond this the system refuses the path with an error of its own

# (set or None, problems, kind found) for a set file named relative to the template.
SetLoader = Callable[[str], tuple[QuestionSet | None, list[Problem], str | None]]


def parse_template(data, path: str, load_set: SetLoader) -> tuple[InspectionTemplate | None, list[Problem]]:
    problems: list[Problem] = []
    top = Reader.of(data, path, problems, "an inspection template")
    if top is None:
        return None, problems
    top.allow_only(TEMPLATE_KEYS)
    tid = top.ident("id")
    title = top.text("title", required=True)
    version = top.text("version", required=True)

    fields: list[CaseField] = []
    first_line: dict[str, int] = {}
    for item, line in top.items("case_fields", required=True):
        f = _parse_field(item, line, path, problems)
        if f is None:
            continue
        if f.id in first_line:
            problems.append(problem("duplicate-field", path, line, field=f.id, first=first_line[f.id]))
            continue
        first_line[f.id] = line
        fields.append(f)

    sets: list[QuestionSet] = []
    seen_sets: set[str] = set()
    for name, line in top.text_list("question_sets"):
        bad = _bad_file_name(name)
        if bad:
            problems.append(problem("bad-file-name", path, line, file=short(name), reason=bad))
            continue
        qs, set_problems, kind = load_set(name)
        if kind is None and qs is None and not set_problems:
            problems.append(problem("question-set-missing", path, line, file=name))
            continue
        if kind not in (None, "question-set"):
            problems.append(problem("not-a-question-set", path, line, file=name, kind=kind))
            continue
        if qs is None:
            problems.append(problem("question-set-invalid", path, line, file=name))
            continue
        if qs.id in seen_sets:
            problems.append(problem("duplicate-set", path, line, set=qs.id))
            continue
        seen_sets.add(qs.id)
        sets.append(qs)
    if not top.has("question_sets"):
        top.add("missing-key", key="question_sets", what="an inspection template")

    composites: list[Composite] = []
    comp_lines: dict[str, int] = {}
    for item, line in top.items("composites"):
        c = Reader.of(item, path, problems, "a composite", line)
        if c is None:
            continue
        c.allow_only(COMPOSITE_KEYS)
        cid = c.ident("id")
        if cid in seen_sets or cid == "theme":
            c.add("reserved-name", "id", name=cid, what="composite")
        if cid in comp_lines:
            c.add("duplicate-composite", "id", composite=cid, first=comp_lines[cid])
            continue
        comp_lines[cid] = line
        composites.append(Composite(cid, c.text("label") or cid, c.text("description"),
                                    tuple(q for q, _ in c.text_list("questions")), Source(path, line)))

    reporting = _parse_reporting(top)
    retention = _parse_retention(top)
    reasons = _parse_reasons(top)
    moderation = _parse_moderation(top)
    if any(p.is_error for p in problems):
        return None, problems
    t = InspectionTemplate(tid, title, version, tuple(fields), tuple(sets), tuple(composites), reporting,
                           top.text("description"), top.text("reference_label") or "Case reference",
                           Source(path, top.line), retention, reasons, moderation)
    return t, problems


def _parse_field(item, line: int, path: str, problems: list[Problem]) -> CaseField | None:
    r = Reader.of(item, path, problems, "a case field", line)
    if r is None:
        return None
    r.allow_only(FIELD_KEYS)
    fid = r.ident("id")
    if fid in RESERVED_FIELDS:
        r.add("reserved-name", "id", name=fid, what="case field")
    type_text = r.text("type") or "text"
    try:
        ftype = FieldType(type_text)
    except ValueError:
        r.add("unknown-field-type", "type", type=type_text, hint=did_you_mean(type_text, [t.value for t in FieldType]))
        return None
    values: list[Option] = []
    seen: set[str] = set()
    if ftype in (FieldType.CHOICE, FieldType.CHOICES):
        items = r.items("values")
        if not items:
            r.add("field-needs-values", "type", field=fid, type=ftype.value)
        for value, vline in items:
            if isinstance(value, str):
                opt = Option(value, value)
            else:
                o = Reader.of(value, path, problems, f"a value of case field '{fid}'", vline)
                if o is None:
                    continue
                o.allow_only({"value", "label"})
                v = o.text("value", required=True)
                opt = Option(v, o.text("label") or v)
            if opt.value in seen:
                problems.append(problem("duplicate-option", path, vline, value=opt.value, where=f"case field '{fid}'"))
                continue
            seen.add(opt.value)
            values.append(opt)
    return CaseField(fid, r.text("label") or fid, ftype, tuple(values), r.boolean("required", False),
                     r.boolean("export", True), r.boolean("editable", True), r.text("description"),
                     Source(path, line))


def _parse_reporting(top: Reader) -> Reporting:
    r = top.sub("reporting", "'reporting'")
    if r is None:
        return Reporting()
    r.allow_only(REPORTING_KEYS)
    threshold = r.number("direction_threshold_pp", 1.0, low=0, high=MAX_THRESHOLD_PP)
    share = parse_share(r.data.get("double_mark_share", 0.10))
    if share is None:
        r.add("bad-share", "double_mark_share", key="double_mark_share")
        share = 0.10
    few = r.number("few_cases", 10, low=0, high=MAX_FEW_CASES, whole=True)
    breakdowns = tuple(name for name, _ in r.text_list("breakdowns"))
    combined = []
    for item, line in r.items("combined_shares"):
        c = Reader.of(item, r.path, r.problems, "a combined share", line)
        if c is None:
            continue
        c.allow_only(COMBINED_KEYS)
        label = c.text("label", required=True)
        values = tuple(v for v, _ in c.text_list("values"))
        if not values:
            c.add("missing-key", key="values", what="a combined share")
        if label and values:
            combined.append(CombinedShare(label, values))
    intervals = []
    for item, line in r.items("intervals"):
        i = Reader.of(item, r.path, r.problems, "a date interval", line)
        if i is None:
            continue
        i.allow_only(INTERVAL_KEYS)
        iid, label = i.ident("id"), i.text("label", required=True)
        start, end = i.text("from", required=True), i.text("to", required=True)
        if iid and label and start and end:
            intervals.append(DateInterval(iid, label, start, end))
    return Reporting(float(threshold), share, r.text("area_field") or None,
                     r.text("strand_field") or None, int(few), breakdowns, tuple(combined), tuple(intervals),
                     r.source())


def _parse_reasons(top: Reader) -> tuple[Option, ...]:
    """exclusion_reasons: why a sampled case may be marked not examinable (text, or {value, label})."""
    out: list[Option] = []
    seen: set[str] = set()
    for item, line in top.items("exclusion_reasons"):
        if isinstance(item, str):
            opt = Option(item.strip(), item.strip())
        else:
            o = Reader.of(item, top.path, top.problems, "an exclusion reason", line)
            if o is None:
                continue
            o.allow_only({"value", "label"})
            v = o.ident("value")
            opt = Option(v, o.text("label") or v)
        if not opt.value:
            continue
        if opt.value in seen:
            top.problems.append(problem("duplicate-option", top.path, line, value=opt.value, where="exclusion_reasons"))
            continue
        seen.add(opt.value)
        out.append(opt)
    return tuple(out)


def _share(r: Reader, key: str) -> float | None:
    """A share (0.8, 80%, '80%') at r[key]; a problem and None when it is not one (None when absent)."""
    if not r.has(key):
        return None
    value = parse_share(r.data.get(key))
    if value is None:
        r.add("bad-share", key, key=key)
    return value


def _parse_moderation(top: Reader) -> ModerationSettings | None:
    """moderation: standardisation (the calibration cases as an exercise before live marking, with its pass
    rule) and targets (the least agreement accepted). docs/METHODS.md says what each figure means."""
    m = top.sub("moderation", "'moderation'")
    if m is None:
        return None
    m.allow_only(MODERATION_KEYS)
    standardisation = targets = None
    s = m.sub("standardisation", "'moderation.standardisation'")
    if s is not None:
        s.allow_only(STANDARDISATION_KEYS)
        cases, first = [], {}
        for ref, line in s.text_list("cases"):
            ref = ref.strip()
            if ref in first:
                s.add("duplicate-standardisation-case", line=line, case=ref, first=first[ref])
                continue
            first[ref] = line
            cases.append(ref)
        rule = None
        p = s.sub("pass", "'moderation.standardisation.pass'")
        if p is None:
            s.add("missing-key", key="pass", what="'moderation.standardisation' (the pass rule, e.g. exact: 80%)")
        else:
            p.allow_only(PASS_KEYS)
            if not p.has("exact"):
                p.add("missing-key", key="exact", what="the pass rule (the share of answers exactly equal, e.g. 80%)")
            exact, within = _share(p, "exact"), _share(p, "within_one")
            if exact is not None and within is not None and within < exact:
                p.add("within-one-below-exact", "within_one", within=p.data.get("within_one"),
                      exact=p.data.get("exact"))
            if exact is not None:
                rule = PassRule(exact, within)
        if rule is not None:
            standardisation = Standardisation(rule, tuple(cases), s.source())
    t = m.sub("targets", "'moderation.targets'")
    if t is not None:
        t.allow_only(TARGET_KEYS)
        agreement = _share(t, "agreement")
        kappa = t.number("kappa", None, low=-1, high=1) if t.has("kappa") else None
        lowest = t.number("lowest", 5, low=1, high=1000, whole=True)
        if not t.has("agreement") and not t.has("kappa"):
            t.add("targets-empty")
        elif agreement is not None or kappa is not None:
            targets = AgreementTargets(agreement, None if kappa is None else float(kappa), int(lowest or 5),
                                       t.source())
    if standardisation is None and targets is None:
        return None
    return ModerationSettings(standardisation, targets)


def _parse_retention(top: Reader) -> Retention | None:
    r = top.sub("retention", "'retention'")
    if r is None:
        return None
    r.allow_only(RETENTION_KEYS)
    days = [r.number(key, None, low=0, high=MAX_RETENTION_DAYS, whole=True) if r.has(key) else None
            for key in ("private_fields_days", "answers_after_signoff_days")]
    return Retention(*(int(d) if d is not None else None for d in days))


def parse_share(value) -> float | None:
    """0.1, 10% and '10%' all mean a tenth; None when it is not a share."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            number = float(text[:-1]) / 100 if text.endswith("%") else float(text)
        except ValueError:
            return None
    elif isinstance(value, (int, float)):
        number = float(value)
    else:
        return None
    return number if 0 <= number <= 1 else None  # NaN fails both comparisons


def _bad_file_name(name: str) -> str:
    """Why a question set's file name cannot be opened ('' when it can): checked before the file system is asked."""
    if not name.strip():
        return "it is empty"
    if any(ord(c) < 32 for c in name):
        return "it holds a control character"
    parts = name.replace("\\", "/").split("/")
    if parts[-1] in ("", ".", ".."):
        return "it names a folder, not a file"
    if any(len(part) > MAX_NAME for part in parts):
        return f"a part of it is longer than {MAX_NAME} characters"
    if len(name) > MAX_PATH:
        return f"it is longer than {MAX_PATH} characters"
    return ""

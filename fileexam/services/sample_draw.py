"""Draw a sample from a case-management extract (issue 18): `fileexam sample draw CASELIST --design D --out S`.

Every row of the case list is checked (its reference, each case field the template defines, every column a
rule reads) and tested against the design's eligibility rules, in order; the sample and its reserves are
drawn per stratum, reproducibly from the design's seed; the workbook written (formats/drawn_sample.py) is
ready for `fileexam sample import`, with a Design sheet accounting for every row. Nothing is written when
any row cannot be read: as for `sample import`, every problem is listed with its row and column.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from fileexam import __version__
from fileexam.domain.cases import BadValue, Case, field_value
from fileexam.domain.problems import Problem, cell_problem, problem
from fileexam.domain.sample import INSPECTOR_NAMES, REFERENCE_NAMES, _norm
from fileexam.domain.sample_design import SampleDesign, all_strata, allocate, draw
from fileexam.domain.template import InspectionTemplate
from fileexam.formats.definitions import load_design
from fileexam.formats.drawn_sample import DrawnSample, RuleRow, StratumRow, write_drawn_sample
from fileexam.formats.sample_design_yaml import stratum_label
from fileexam.formats.tables import TableError, read_case_list
from fileexam.progress import Progress, no_progress

MAX_PROBLEMS = 1000  # a case list wrong in every row says so without listing 50,000 lines


@dataclass
class DrawReport:
    problems: list[Problem] = field(default_factory=list)
    strata: list[StratumRow] = field(default_factory=list)
    rules: list[RuleRow] = field(default_factory=list)
    rows: int = 0
    eligible: int = 0
    drawn: int = 0
    reserves: int = 0
    design: SampleDesign | None = None
    out: Path | None = None
    more_problems: int = 0   # problems found beyond those listed

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def written(self) -> bool:
        return self.out is not None


def draw_sample(design_path: Path | str, case_list: Path | str, out: Path | str, sheet: str | None = None,
                progress: Progress = no_progress, now: datetime | None = None) -> DrawReport:
    report = DrawReport()
    loaded = load_design(design_path)
    report.problems += loaded.problems
    if loaded.definition is None:
        return report
    design: SampleDesign = loaded.definition
    t: InspectionTemplate = loaded.template  # type: ignore[attr-defined]
    report.design = design
    case_list = Path(case_list)
    progress(0, 100, f"reading {case_list.name}")
    try:
        table = read_case_list(case_list, sheet)
    except TableError as exc:
        report.problems.append(exc.problem)
        return report
    report.problems += table.problems
    shown, sheet_name = table.path, table.sheet

    def bad(code, row=None, col=None, **params):
        if len(report.problems) >= MAX_PROBLEMS:
            report.more_problems += 1
            return
        report.problems.append(cell_problem(code, shown, sheet_name, row, col, **params))

    # ---- the columns ----------------------------------------------------------------------------------
    targets: dict[str, str] = {}
    for f in t.case_fields:
        targets[_norm(f.id)] = f.id
        targets[_norm(f.label)] = f.id
    for n in REFERENCE_NAMES + (t.reference_label,):
        targets[_norm(n)] = "reference"
    for n in INSPECTOR_NAMES:
        targets[_norm(n)] = "inspector"
    rule_columns = {r.column: _norm(r.column) for r in design.rules if r.column}
    columns: dict[str, int] = {}
    extra: dict[str, int] = {}
    for i, h in enumerate(table.header):
        label = str(h or "").strip()
        if not label:
            continue
        target = targets.get(_norm(label))
        for name, normed in rule_columns.items():
            if normed == _norm(label) and name not in extra:
                extra[name] = i
        if target is None:
            continue  # an extract holds many columns a sample does not need
        if target in columns:
            bad("duplicate-column", 1, label, column=label, first=str(table.header[columns[target]]))
            continue
        columns[target] = i
    if "reference" not in columns:
        bad("no-reference-column", 1, label=t.reference_label)
        return report
    for f in t.case_fields:
        if (f.required or f.id in design.strata) and f.id not in columns:
            bad("missing-column", 1, field=f.label)
    for r in design.rules:
        if r.column and r.column not in extra:
            bad("rule-column-missing", 1, None, column=r.column, rule=r.id)
        if r.field and r.field not in columns:
            bad("missing-column", 1, field=t.fields_by_id[r.field].label)
    if report.errors:
        return report

    # ---- every row ------------------------------------------------------------------------------------
    fields_at = [(f, columns[f.id], str(table.header[columns[f.id]])) for f in t.case_fields if f.id in columns]
    ref_at = columns["reference"]
    ref_col = str(table.header[ref_at])
    labels = {f.id: f.label for f in t.case_fields}
    caches: dict[str, dict] = {f.id: {} for f, _i, _c in fields_at}
    population: Counter = Counter()
    eligible: dict[tuple, list[str]] = {}
    kept: dict[str, tuple[dict, dict]] = {}   # eligible rows: reference -> (fields, the rule columns as read)
    excluded_first: Counter = Counter()
    failing: Counter = Counter()
    seen: dict[str, int] = {}
    # each rule: (rule, the column it reads or None for a case field, what it is called, its cache of reads)
    plan = [(r, None, labels.get(r.field, r.field), None) if r.field else
            (r, extra[r.column], str(table.header[extra[r.column]]), {}) for r in design.rules]
    n_rows = len(table.rows)
    step = max(1, n_rows // 50)
    for k, (row_no, values) in enumerate(table.rows):
        if k % step == 0:
            progress(5 + 85 * k // max(n_rows, 1), 100, f"checking row {row_no:,}")
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        width = len(values)
        raw_ref = values[ref_at] if ref_at < width else None
        if isinstance(raw_ref, float) and raw_ref.is_integer():
            reference = str(int(raw_ref))
        else:
            reference = "" if raw_ref is None else str(raw_ref).strip()
        if not reference:
            bad("missing-reference", row_no, ref_col)
            continue
        if reference in seen:
            bad("duplicate-reference", row_no, ref_col, reference=reference, first=seen[reference])
            continue
        seen[reference] = row_no
        report.rows += 1
        fields: dict = {}
        row_ok = True
        for f, i, col in fields_at:
            raw = values[i] if i < width else None
            cache = caches[f.id]
            try:
                value = cache[raw]
            except KeyError:
                try:
                    value = field_value(f, raw)
                except BadValue as exc:
                    bad("bad-value", row_no, col, reason=str(exc))
                    row_ok = False
                    continue
                if len(cache) < 100_000:
                    cache[raw] = value
            if value is None:
                if f.required or f.id in design.strata:
                    bad("missing-value", row_no, col, field=f.label, reference=reference)
                    row_ok = False
                continue
            fields[f.id] = value
        if not row_ok:
            continue
        key = design.key_of(fields)
        population[key] += 1
        read_extra: dict = {}
        first = None
        for r, at, what, cache in plan:
            if at is None:
                value = r.read_stored(fields.get(r.field))
            else:
                raw = values[at] if at < width else None
                try:
                    value = cache[raw]
                except KeyError:
                    try:
                        value = r.read(raw)
                    except BadValue as exc:
                        bad("bad-value", row_no, what, reason=str(exc))
                        row_ok = False
                        continue
                    if len(cache) < 100_000:
                        cache[raw] = value
                read_extra[r.column] = value
            if r.applies_to.conditions and not r.applies_to.matches(fields):
                continue
            if r.failure(value, what) is not None:
                failing[r.id] += 1
                if first is None:
                    first = r.id
        if not row_ok:
            continue
        if first is not None:
            excluded_first[first] += 1
            continue
        eligible.setdefault(key, []).append(reference)
        kept[reference] = (fields, read_extra)
    if report.more_problems:
        report.problems.append(problem("more-problems", shown, None, count=f"{report.more_problems:,}"))
    if report.errors:
        return report

    # ---- the draw ---------------------------------------------------------------------------------------
    progress(90, 100, "drawing")
    values_of = {fid: t.fields_by_id[fid].value_ids for fid in design.strata}
    strata = all_strata(design, values_of)
    allocation = allocate(design, strata, {k: len(v) for k, v in eligible.items()})
    d = draw(design.seed, allocation, eligible)
    drawn_rows, reserve_rows = [], []
    for key in strata:
        alloc = allocation[key]
        n_eligible = len(eligible.get(key, []))
        if not alloc.quota and not population[key] and not alloc.reserves:
            continue
        label = stratum_label(t, design, key)
        got, spare = d.sample.get(key, []), d.reserves.get(key, [])
        note = ""
        if len(got) < alloc.quota or len(spare) < alloc.reserves:
            report.problems.append(problem("stratum-short", str(case_list), None, stratum=label, eligible=n_eligible,
                                           wanted=alloc.quota + alloc.reserves, quota=alloc.quota,
                                           reserves=alloc.reserves, drawn=len(got), reserve_drawn=len(spare)))
            note = (f"short: {n_eligible} eligible for a quota of {alloc.quota} and {alloc.reserves} reserve(s)")
        report.strata.append(StratumRow(key, label, population[key], n_eligible, alloc.quota, len(got), len(spare),
                                        note))
        for ref in got:
            fields, ex = kept[ref]
            drawn_rows.append((Case(ref, fields, None), label, ex))
        for rank, ref in enumerate(spare, start=1):
            fields, ex = kept[ref]
            reserve_rows.append((Case(ref, fields, None), label, rank, ex))
    report.rules = [RuleRow(r.id, r.label, r.describe(labels.get(r.field, r.column) if r.field else r.column,
                                                      _label_of(t, r)),
                            excluded_first[r.id], failing[r.id]) for r in design.rules]
    report.eligible = sum(len(v) for v in eligible.values())
    report.drawn, report.reserves = len(drawn_rows), len(reserve_rows)

    progress(95, 100, "writing the sample workbook")
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).isoformat(timespec="seconds")
    design_text = loaded.text
    facts = [("Design", f"{design.id} {design.version} ({design.fingerprint})"), ("Title", design.title),
             ("Template", f"{t.title} {t.version} ({t.fingerprint})"), ("Seed", design.seed),
             ("Case list", case_list.name), ("Case list SHA-256", _sha256(case_list)),
             ("Rows read", report.rows), ("Eligible rows", report.eligible), ("Cases drawn", report.drawn),
             ("Reserves drawn", report.reserves), ("Drawn at (UTC)", stamp), ("fileexam", __version__)]
    sample = DrawnSample(t, design, Path(design_path).name, design_text, drawn_rows, reserve_rows, report.strata,
                         report.rules, facts, [r.column for r in design.rules if r.column and r.column in extra])
    write_drawn_sample(Path(out), sample)
    report.out = Path(out)
    progress(100, 100, "done")
    return report


def _label_of(t: InspectionTemplate, rule):
    """A value's label, from whichever field holds it (a rule's values, and those of its applies_to)."""
    return lambda v: _any_label(t, v)


def _any_label(t: InspectionTemplate, value: str) -> str:
    for f in t.case_fields:
        for o in f.values:
            if o.value == value:
                return o.label
    return value


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()

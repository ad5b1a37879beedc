"""Import a case sample into an inspection: every row checked, all or nothing.

A sample drawn by `fileexam sample draw` carries its design (a hidden Design file sheet), the strata as drawn
(its Design sheet) and its reserve cases (its Reserves sheet): all are stored with the cases. With a design
(carried, or given with `design`), every row is also checked against the design's eligibility rules, and
each ineligible row is listed with its reason (issue 18)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fileexam.domain.cases import Case
from fileexam.domain.problems import Problem, cell_problem
from fileexam.domain.sample import Table, check_sample, describe_difference
from fileexam.domain.sample_design import SampleDesign, StratumKey, all_strata, allocate
from fileexam.formats.tables import TableError, read_table
from fileexam.progress import Progress, no_progress
from fileexam.store.inspection_file import InspectionFile


@dataclass
class SampleReport:
    added: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    reserves_added: int = 0
    reserves_unchanged: int = 0
    design: SampleDesign | None = None   # the design the sample was checked against and stored with
    design_stored: bool = False          # the design was new to this inspection
    ineligible: int = 0                  # rows the design's rules refuse

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def imported(self) -> bool:
        return not self.errors


def import_sample(inspection: InspectionFile, path: Path | str, who: str, sheet: str | None = None,
                  progress: Progress = no_progress, password=None, design: Path | str | None = None) -> SampleReport:
    """password: for an encrypted sample workbook (a blind sample, say), a text or a
    fileexam.passwords.Passwords. design: a sample-design file whose eligibility rules every row must meet
    (a sample drawn by `fileexam sample draw` carries its own)."""
    path = Path(path)
    progress(0, 3, f"reading {path.name}")
    try:
        table = read_table(path, sheet, password)
    except TableError as exc:
        return SampleReport(problems=[exc.problem])
    t = inspection.template
    report = SampleReport()
    drawn = None
    if sheet is None:
        from fileexam.formats.drawn_sample import read_drawn_extras
        try:
            drawn = read_drawn_extras(path, password)
        except TableError as exc:
            return SampleReport(problems=[exc.problem])
    plan = _design_of(inspection, path, design, drawn, report)
    if report.errors:
        return report
    progress(1, 3, "checking rows")
    rule_cells = _strip(table, plan)
    result = check_sample(t, table)
    problems = report.problems
    problems += result.problems
    existing = {c.reference: c for c in inspection.cases()}
    for c in result.cases:
        old = existing.get(c.reference)
        if old is not None and (old.fields != c.fields or old.inspector != c.inspector):
            problems.append(cell_problem("case-conflict", table.path, table.sheet, result.rows.get(c.reference), None,
                                         reference=c.reference, detail=describe_difference(t, old, c)))
    keys: dict[str, StratumKey] = {}
    reserves = []
    if plan is not None:
        keys = _check_design_rows(t, plan, table, result.cases, result.rows, rule_cells, report)
        reserves = _reserves(inspection, plan, drawn, {c.reference for c in result.cases}, report)
    elif drawn is not None and drawn.reserves is not None and drawn.reserves.rows:
        problems.append(cell_problem("reserves-without-design", str(path), "Reserves", None, None))
    if report.errors:
        return report  # all or nothing: nothing is written
    progress(2, 3, "saving cases")
    if plan is None:
        report.added, report.unchanged = inspection.add_cases(result.cases, path.name, who)
    else:
        from fileexam.store import sample_records as records
        with inspection.atomic():
            report.added, report.unchanged = inspection.add_cases(result.cases, path.name, who)
            report.design_stored = records.store_design(inspection, plan.design, plan.file_name, plan.text, who)
            records.store_strata(inspection, _strata(inspection, plan, drawn, keys, reserves))
            records.store_case_strata(inspection, keys)
            report.reserves_added, report.reserves_unchanged = records.store_reserves(inspection, reserves, path.name)
    progress(3, 3, "done")
    return report


@dataclass
class _Plan:
    design: SampleDesign
    text: str
    file_name: str
    shown: str


def _design_of(inspection: InspectionFile, path: Path, given: Path | str | None, drawn, report: SampleReport):
    """The design to check and store: given, or carried by a drawn sample (they must be the same)."""
    from fileexam.domain.problems import problem
    from fileexam.formats.definitions import design_from_text, load_design
    from fileexam.formats.sample_design_yaml import check_against
    from fileexam.store import sample_records as records

    t = inspection.template
    plan = None
    if given is not None:
        loaded = load_design(given)
        report.problems += loaded.problems
        if loaded.definition is None:
            return None
        report.problems += check_against(loaded.definition, t, str(given))
        plan = _Plan(loaded.definition, loaded.text, Path(given).name, str(given))
    if drawn is not None and drawn.design_text:
        report.problems += drawn.problems
        shown = f"{path.name} (sheet 'Design file')"
        carried = design_from_text(drawn.design_text, shown, t)
        report.problems += carried.problems
        if carried.definition is None:
            return None
        if carried.definition.fingerprint != drawn.fingerprint:
            report.problems.append(cell_problem("design-sheet", str(path), "Design file", None, None,
                                                reason="the design's text no longer matches the fingerprint written "
                                                       "with it: the sheet was edited after the draw"))
        if plan is not None and plan.design.fingerprint != carried.definition.fingerprint:
            report.problems.append(problem("design-mismatch", str(given), None, drawn=carried.definition.id,
                                           drawn_fp=carried.definition.fingerprint, given=plan.design.id,
                                           given_fp=plan.design.fingerprint))
        plan = plan or _Plan(carried.definition, drawn.design_text, drawn.design_file or path.name, shown)
    if plan is not None:
        held = records.stored_design(inspection)
        if held is not None and held["fingerprint"] != plan.design.fingerprint:
            report.problems.append(problem("design-conflict", plan.shown, None, stored=held["id"],
                                           stored_fp=held["fingerprint"], given=plan.design.id,
                                           given_fp=plan.design.fingerprint))
        report.design = plan.design
    return plan


def _strip(table: Table, plan: _Plan | None) -> dict[str, dict[int, object]]:
    """Take the drawn sample's own columns out of a table before the rows are checked as a sample: Stratum,
    Reserve order, and the case-list columns the design's rules read (returned, by row, for the rules)."""
    from fileexam.formats.drawn_sample import ORDER_COLUMN, STRATUM_COLUMN, strip_columns

    columns = [STRATUM_COLUMN, ORDER_COLUMN] + ([r.column for r in plan.design.rules if r.column] if plan else [])
    return strip_columns(table, columns)


def _check_design_rows(t, plan: _Plan, table: Table, cases: list[Case], rows: dict[str, int],
                       cells: dict[str, dict[int, object]], report: SampleReport) -> dict[str, StratumKey]:
    """Each case's stratum, and every rule of the design on every row: an ineligible row is an error that
    says which rule and why."""
    from fileexam.domain.cases import BadValue

    design = plan.design
    keys: dict[str, StratumKey] = {}
    told: set[str] = set()
    for c in cases:
        row = rows.get(c.reference)
        key = design.key_of(c.fields)
        if key is None:
            missing = next(fid for fid in design.strata if not c.fields.get(fid))
            label = t.fields_by_id[missing].label if missing in t.fields_by_id else missing
            report.problems.append(cell_problem("missing-value", table.path, table.sheet, row, label, field=label,
                                                reference=c.reference))
        else:
            keys[c.reference] = key
        for r in design.rules:
            if r.field is not None:
                f = t.fields_by_id.get(r.field)
                what = f.label if f else r.field
                value = r.read_stored(c.fields.get(r.field))
            else:
                what = r.column
                if r.column not in cells:
                    if r.column not in told:
                        told.add(r.column)
                        report.problems.append(cell_problem("rule-not-checked", table.path, table.sheet, 1, None,
                                                            column=r.column, rule=r.id))
                    continue
                try:
                    value = r.read(cells[r.column].get(row))
                except BadValue as exc:
                    report.problems.append(cell_problem("bad-value", table.path, table.sheet, row, what,
                                                        reason=str(exc)))
                    continue
            if r.applies_to.conditions and not r.applies_to.matches(c.fields):
                continue
            why = r.failure(value, what, lambda v: _label(t, v))
            if why is not None:
                report.ineligible += 1
                report.problems.append(cell_problem("ineligible-case", table.path, table.sheet, row, what,
                                                    reference=c.reference, rule=r.id, reason=why))
    return keys


def _reserves(inspection: InspectionFile, plan: _Plan, drawn, sampled: set[str], report: SampleReport) -> list:
    """The drawn sample's reserve cases, each row checked as a sample row is (and against the rules), with
    its stratum and its order within it."""
    from fileexam.domain.sample import describe_difference as differ
    from fileexam.formats.drawn_sample import ORDER_COLUMN
    from fileexam.store import sample_records as records

    if drawn is None or drawn.reserves is None or not drawn.reserves.rows:
        return []
    t = inspection.template
    table = drawn.reserves
    cells = _strip(table, plan)
    result = check_sample(t, table)
    report.problems += result.problems
    keys = _check_design_rows(t, plan, table, result.cases, result.rows, cells, report)
    held = {r.reference: r for r in records.reserves(inspection)}
    order = cells.get(ORDER_COLUMN, {})
    out, ranks = [], {}
    for c in result.cases:
        row = result.rows.get(c.reference)
        if c.reference in sampled:
            report.problems.append(cell_problem("duplicate-reference", table.path, table.sheet, row, None,
                                                reference=c.reference, first="of the Sample sheet"))
            continue
        raw = order.get(row)
        rank = int(raw) if isinstance(raw, (int, float)) and not isinstance(raw, bool) and float(raw).is_integer() \
            and raw >= 1 else None
        if rank is None:
            report.problems.append(cell_problem("design-sheet", table.path, table.sheet, row, ORDER_COLUMN,
                                                reason=f"'{raw}' is not a reserve's order (1, 2, ...)"))
            continue
        key = keys.get(c.reference)
        if key is None:
            continue
        if (key, rank) in ranks:
            report.problems.append(cell_problem("design-sheet", table.path, table.sheet, row, ORDER_COLUMN,
                                                reason=f"reserve order {rank} is given twice in its stratum "
                                                       f"(also row {ranks[(key, rank)]})"))
            continue
        ranks[(key, rank)] = row
        old = held.get(c.reference)
        record = records.ReserveRecord(c.reference, key, rank, c.fields)
        if old is not None and (old.key, old.rank, old.fields) != (key, rank, c.fields):
            report.problems.append(cell_problem("case-conflict", table.path, table.sheet, row, None,
                                                reference=c.reference,
                                                detail=differ(t, records.reserve_case(old), c) or "its stratum or order"))
            continue
        out.append(record)
    return out


def _strata(inspection: InspectionFile, plan: _Plan, drawn, keys: dict[str, StratumKey], reserves: list) -> list:
    """The strata as drawn (the drawn sample's Design sheet), or, for a sample drawn elsewhere, as the design
    allocates them (population and eligible cases then unknown)."""
    from fileexam.formats.drawn_sample import stratum_values
    from fileexam.formats.sample_design_yaml import stratum_label
    from fileexam.store.sample_records import StratumRecord

    t = inspection.template
    design = plan.design
    out: dict[StratumKey, StratumRecord] = {}
    if drawn is not None:
        for item in drawn.strata:
            key, _why = stratum_values(t, design, item["label"])
            if key is not None:
                out[key] = StratumRecord(key, stratum_label(t, design, key), item["population"], item["eligible"],
                                         item["quota"] or 0, item["reserves"] or 0, item["drawn"] or 0)
        if out:
            return list(out.values())
    values_of = {fid: t.fields_by_id[fid].value_ids for fid in design.strata}
    strata = all_strata(design, values_of)
    allocation = allocate(design, strata, None)
    drawn_in: dict[StratumKey, int] = {}
    for key in keys.values():
        drawn_in[key] = drawn_in.get(key, 0) + 1
    spare: dict[StratumKey, int] = {}
    for r in reserves:
        spare[r.key] = spare.get(r.key, 0) + 1
    for key in strata:
        if allocation[key].quota or drawn_in.get(key):
            out[key] = StratumRecord(key, stratum_label(t, design, key), None, None, allocation[key].quota,
                                     spare.get(key, 0), drawn_in.get(key, 0))
    return list(out.values())


def _label(t, value: str) -> str:
    for f in t.case_fields:
        for o in f.values:
            if o.value == value:
                return o.label
    return value

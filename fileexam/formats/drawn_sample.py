"""The sample workbook `fileexam sample draw` writes, ready for `fileexam sample import` (issue 18).

Sheets, in order:
- **Sample**: the drawn cases, one row each, in the columns a sample has (the template's fields by label, an
  empty Inspector column for the team lead to fill), then `Stratum` and the case-list columns the design's
  rules read (so that `sample import` can check every rule again);
- **Reserves**: the reserve cases, the same columns and `Reserve order` (1, 2, ... within each stratum: the
  order in which they take the place of a case that cannot be examined);
- **Design**: for people (and read back by `sample import`): the design, the seed, the case list and its
  SHA-256; per stratum the population, eligible cases, quota, cases drawn, reserves and sampling fraction;
  each rule with the rows it excluded;
- **Design file** (hidden): the design's YAML as read, in parts, with its fingerprint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fileexam.domain.cases import BadValue, Case, field_value
from fileexam.domain.problems import Problem, cell_problem
from fileexam.domain.sample import Table
from fileexam.domain.sample_design import SampleDesign, StratumKey
from fileexam.domain.template import FieldType, InspectionTemplate

SAMPLE, RESERVES, DESIGN, DESIGN_FILE = "Sample", "Reserves", "Design", "Design file"
STRATUM_COLUMN = "Stratum"
ORDER_COLUMN = "Reserve order"
STRATA_HEADINGS = ["Stratum", "Population", "Eligible", "Quota", "Drawn", "Reserves", "Sampling fraction", "Note"]
RULE_HEADINGS = ["Rule", "Test", "Rows excluded by it", "Rows failing it"]
DESIGN_FILE_HEADERS = ["file_name", "fingerprint", "part", "text"]
PART = 16_000


@dataclass
class StratumRow:
    key: StratumKey
    label: str
    population: int
    eligible: int
    quota: int
    drawn: int
    reserves: int
    note: str = ""

    @property
    def fraction(self) -> float | None:
        return self.drawn / self.eligible if self.eligible else None


@dataclass
class RuleRow:
    id: str
    label: str
    test: str
    excluded: int       # rows this rule was the first to exclude
    failing: int        # rows failing it, whatever other rules said


@dataclass
class DrawnSample:
    template: InspectionTemplate
    design: SampleDesign
    design_file: str
    design_text: str
    drawn: list[tuple[Case, str, dict]]              # case, stratum label, extra columns' values
    reserves: list[tuple[Case, str, int, dict]]      # case, stratum label, reserve order, extra columns
    strata: list[StratumRow]
    rules: list[RuleRow]
    facts: list[tuple[str, object]]
    extra_columns: list[str] = field(default_factory=list)


def _cells(t: InspectionTemplate, c: Case) -> list:
    row = [c.reference]
    for f in t.case_fields:
        v = c.fields.get(f.id)
        if isinstance(v, list):
            row.append("; ".join(f.value_label(x) for x in v))
        elif v is not None and f.type is FieldType.CHOICE:
            row.append(f.value_label(v))
        elif v is not None and f.type is FieldType.NUMBER:
            row.append(float(v) if "." in str(v) else int(v))
        else:
            row.append(v)
    return row


def write_drawn_sample(path: Path, s: DrawnSample) -> None:
    from fileexam.formats.xlsx_writing import BookWriter

    t = s.template
    fields = list(t.case_fields)
    base = [t.reference_label] + [f.label for f in fields]
    widths = [18] + [max(12, min(26, len(f.label) + 4)) for f in fields]
    book = BookWriter(Path(path))
    try:
        sheet = book.sheet(SAMPLE, base + ["Inspector", STRATUM_COLUMN] + s.extra_columns,
                           widths + [14, 30] + [16] * len(s.extra_columns))
        for c, label, extra in s.drawn:
            sheet.append(_cells(t, c) + [c.inspector, label] + [_plain(extra.get(k)) for k in s.extra_columns])
        sheet.finish()
        sheet = book.sheet(RESERVES, base + [STRATUM_COLUMN, ORDER_COLUMN] + s.extra_columns,
                           widths + [30, 9] + [16] * len(s.extra_columns))
        for c, label, rank, extra in s.reserves:
            sheet.append(_cells(t, c) + [label, rank] + [_plain(extra.get(k)) for k in s.extra_columns])
        sheet.finish()
        _design_sheet(book, s)
        files = book.wb.add_worksheet(DESIGN_FILE)
        for j, h in enumerate(DESIGN_FILE_HEADERS):
            files.write_string(0, j, h, book.bold)
        text = s.design_text
        parts = [text[i:i + PART] for i in range(0, len(text), PART)] or [""]
        for n, part in enumerate(parts, start=1):
            files.write_string(n, 0, s.design_file)
            files.write_string(n, 1, s.design.fingerprint)
            files.write_number(n, 2, n)
            files.write_string(n, 3, part)
        files.hide()
        book.close()
    except BaseException:
        book.abandon()
        raise


def _plain(v):
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    return str(v)


def _design_sheet(book, s: DrawnSample) -> None:
    wb = book.wb
    ws = wb.add_worksheet(DESIGN)
    title = wb.add_format({"bold": True, "font_size": 14})
    bold = book.bold
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    share = wb.add_format({"num_format": "0.0%"})
    ws.set_column(0, 0, 44)
    ws.set_column(1, 6, 12)
    ws.set_column(7, 7, 60)
    ws.write_string(0, 0, f"Sample design: {s.design.title}", title)
    row = 2
    for k, v in s.facts:
        ws.write_string(row, 0, k, bold)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            ws.write_number(row, 1, v)
        else:
            ws.write_string(row, 1, str(v))
        row += 1
    row += 1
    ws.write_string(row, 0, "Strata: the case list's rows in each, those eligible, the quota, the cases drawn and the "
                            "reserves drawn. Sampling fraction: drawn / eligible.", bold)
    row += 1
    for j, h in enumerate(STRATA_HEADINGS):
        ws.write_string(row, j, h, bold)
    row += 1
    totals = [0, 0, 0, 0, 0]
    for st in s.strata:
        ws.write_string(row, 0, st.label)
        for j, v in enumerate([st.population, st.eligible, st.quota, st.drawn, st.reserves], start=1):
            ws.write_number(row, j, v)
            totals[j - 1] += v
        if st.fraction is not None:
            ws.write_number(row, 6, st.fraction, share)
        if st.note:
            ws.write_string(row, 7, st.note, wrap)
        row += 1
    ws.write_string(row, 0, "All strata", bold)
    for j, v in enumerate(totals, start=1):
        ws.write_number(row, j, v, bold)
    if totals[1]:
        ws.write_number(row, 6, totals[3] / totals[1], share)
    row += 2
    ws.write_string(row, 0, "Eligibility rules, in order: a row excluded by a rule failed it and passed every rule "
                            "before it.", bold)
    row += 1
    for j, h in enumerate(RULE_HEADINGS):
        ws.write_string(row, j, h, bold)
    row += 1
    for r in s.rules:
        ws.write_string(row, 0, f"{r.id}: {r.label}" if r.label else r.id, wrap)
        ws.write_string(row, 1, r.test)
        ws.write_number(row, 2, r.excluded)
        ws.write_number(row, 3, r.failing)
        row += 1


# ---- read back by `sample import` -----------------------------------------------------------------------
@dataclass
class DrawnExtras:
    """What a drawn sample carries beside its Sample sheet."""
    design_file: str
    design_text: str
    fingerprint: str
    reserves: Table | None
    strata: list[dict]          # {"label", "population", "eligible", "quota", "drawn", "reserves", "row"}
    problems: list[Problem] = field(default_factory=list)


def read_drawn_extras(path: Path, password=None) -> DrawnExtras | None:
    """The Design file, Design and Reserves sheets of a drawn sample; None for any other sample."""
    from fileexam.formats.tables import TableError, read_table

    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return None
    try:
        files = read_table(path, DESIGN_FILE, password)
    except TableError as exc:
        if "no sheet" not in exc.problem.message:
            raise
        try:  # reserves without the design they were drawn with: said by `sample import`
            reserves = read_table(path, RESERVES, password)
        except TableError:
            return None
        return DrawnExtras("", "", "", reserves, [])
    shown = str(path)
    problems: list[Problem] = list(files.problems)
    header = [str(h or "") for h in files.header[:4]]
    text, names, prints = "", set(), set()
    if header != DESIGN_FILE_HEADERS:
        problems.append(cell_problem("design-sheet", shown, DESIGN_FILE, 1, None,
                                     reason=f"the header row was changed: expected {', '.join(DESIGN_FILE_HEADERS)}"))
    else:
        for _i, r in sorted(files.rows, key=lambda x: x[0]):
            r = list(r) + [None] * 4
            if r[0] is None and r[3] is None:
                continue
            names.add(str(r[0] or ""))
            prints.add(str(r[1] or ""))
            text += "" if r[3] is None else str(r[3])
    extras = DrawnExtras(next(iter(names), ""), text, next(iter(prints), ""), None, [], problems)
    if len(names) > 1 or len(prints) > 1:
        problems.append(cell_problem("design-sheet", shown, DESIGN_FILE, None, None,
                                     reason="the design file's parts name more than one file or fingerprint"))
    try:
        extras.reserves = read_table(path, RESERVES, password)
    except TableError:
        extras.reserves = None
    try:
        design = read_table(path, DESIGN, password)
    except TableError as exc:
        problems.append(exc.problem)
        return extras
    rows = [(1, design.header)] + design.rows
    start = next((i for i, (_n, r) in enumerate(rows)
                  if [str(v or "").strip() for v in r[:len(STRATA_HEADINGS) - 1]] == STRATA_HEADINGS[:-1]), None)
    if start is None:
        problems.append(cell_problem("design-sheet", shown, DESIGN, None, None,
                                     reason="the table of strata (headed " + ", ".join(STRATA_HEADINGS[:-1])
                                            + ") is missing: was the sheet edited?"))
        return extras
    for n, r in rows[start + 1:]:
        r = list(r) + [None] * len(STRATA_HEADINGS)
        label = str(r[0] or "").strip()
        if not label or label == "All strata":
            break
        item = {"label": label, "row": n}
        for j, key in enumerate(("population", "eligible", "quota", "drawn", "reserves"), start=1):
            v = r[j]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0 or not float(v).is_integer():
                problems.append(cell_problem("design-sheet", shown, DESIGN, n, STRATA_HEADINGS[j],
                                             reason=f"'{v}' is not a count of cases"))
                v = None
            item[key] = int(v) if v is not None else None
        extras.strata.append(item)
    return extras


def strip_columns(table: Table, names: list[str]) -> dict[str, dict[int, object]]:
    """Take columns out of a table (matched without regard to case or spacing): {name: {row: value}}."""
    from fileexam.domain.sample import _norm

    wanted = {_norm(n): n for n in names}
    keep, taken = [], {}
    for i, h in enumerate(table.header):
        name = wanted.get(_norm(h))
        if name is not None and name not in taken:
            taken[name] = i
        else:
            keep.append(i)
    if not taken:
        return {}
    out = {name: {row: (values[i] if i < len(values) else None) for row, values in table.rows}
           for name, i in taken.items()}
    table.header = [table.header[i] for i in keep]
    table.rows = [(row, [values[i] if i < len(values) else None for i in keep]) for row, values in table.rows]
    return out


def stratum_values(t: InspectionTemplate, design: SampleDesign, label: str) -> tuple[StratumKey | None, str]:
    """A stratum's key from its label as the Design sheet shows it ('Wessex · Crown Court · Live')."""
    parts = [p.strip() for p in label.split("·")]
    if len(parts) != len(design.strata):
        return None, f"'{label}' does not name one value of each of {', '.join(design.strata)}"
    key = []
    for fid, part in zip(design.strata, parts):
        f = t.fields_by_id.get(fid)
        try:
            v = field_value(f, part) if f is not None else None
        except BadValue as exc:
            return None, str(exc)
        if v is None:
            return None, f"'{label}' has no value for {fid}"
        key.append(v)
    return tuple(key), ""

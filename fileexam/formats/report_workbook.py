"""The report workbook: the report's tables (domain/report_tables) laid out to read and to print, charts by
Area, a Check sheet whose Excel formulas recompute the headline figures, a Trace sheet naming the cases
behind every figure, and a hidden Data sheet a later report reads as its baseline.

For one Area's report (area=...), the Area's figures stand beside the national ones, and Check, Trace and
Coverage hold that Area's cases only."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fileexam.domain.aggregate import ALL_STRANDS, NATIONAL
from fileexam.domain.report_tables import COUNT, LONG_TEXT, TEXT, Column, Table, report_tables
from fileexam.formats.xlsx_writing import wrapped_lines
from fileexam.progress import Progress, no_progress

DATA_HEADERS = ["measure", "strand", "area", "value", "ci_low", "ci_high", "achieved", "available", "cases"]
CHECK_HEADERS = ["case", "area", "strand", "measure", "achieved", "available"]
TRACE_LIMIT = 30_000  # characters Excel can hold in one cell, with room to spare
NOT_PRINTED = ("Not printed: {what} Open this sheet in Excel and filter it. (Its print area is this cell, so "
               "printing the workbook leaves its {rows:,} rows out.)")


def write_report(path: Path, report, merges: list[dict] | None = None, coverage=None,
                 progress: Progress = no_progress, area: str | None = None, ready=None) -> None:
    """Writes the report workbook; with `area` (a label in report.areas), that Area's report. `ready` is
    called once it is written and before it takes its name: if it raises, no workbook is left."""
    from fileexam.formats.report_sheets import Layout, page_texts, write_about, write_charts, write_table
    from fileexam.formats.xlsx_writing import BookWriter

    r = report
    if area is not None and area not in r.areas:
        raise ValueError(f"{area!r} is not an Area of this report")
    book = BookWriter(Path(path))
    header, footer = page_texts(r, area)
    layout = Layout(book, header, footer, r.template.reporting.direction_threshold_pp)
    try:
        about = book.wb.add_worksheet(layout.sheet_name("About"))  # first, filled in last (it lists the sheets)
        progress(0, 6, "tables")
        tables = report_tables(r, area)
        last_by_area = max(i for i, t in enumerate(tables) if t.key.startswith("by_area/"))
        for i, t in enumerate(tables):
            write_table(layout, t, printed=t.key != "sample_cases")  # a per-case list belongs on screen
            if i == last_by_area:
                progress(1, 6, "charts")
                write_charts(layout, r, area)
        progress(2, 6, "merge report")
        _merges(layout, merges or [], coverage, area)
        progress(3, 6, "check")
        _check(layout, r, area)
        progress(4, 6, "trace")
        _trace(layout, r, area)
        _data(book, r)
        write_about(layout, about, r, area, _facts(r, area))
        progress(5, 6, "saving")
        book.close(ready)
    except BaseException:
        book.abandon()
        raise
    progress(6, 6, "done")


def area_file_part(area: str) -> str:
    """An Area's name as part of a file name on any system."""
    return "".join("-" if ch in '<>:"/\\|?*' or ord(ch) < 32 else ch for ch in area).strip(" .") or "Area"


def area_file_name(out: Path, area: str) -> str:
    """An Area's workbook named after the national one: 'report - Thames and Chiltern.xlsx'."""
    return f"{Path(out).stem} - {area_file_part(area)}{Path(out).suffix or '.xlsx'}"


def _facts(r, area: str | None) -> list[tuple[str, object]]:
    t = r.template
    rep = t.reporting
    try:
        made = datetime.fromisoformat(r.generated_at).replace(tzinfo=None)  # generated_at is UTC
    except ValueError:
        made = r.generated_at
    in_area = sum(1 for a, _s in r.case_groups.values() if a == area) if area else None
    unmoderated = ", ".join(r.unmoderated[:8]) + (f" and {len(r.unmoderated) - 8} more" if len(r.unmoderated) > 8
                                                  else "")
    facts = [("Inspection", r.name)]
    if area:
        facts.append(("Area", area))
    facts += [("Template", f"{t.title} {t.version} ({t.fingerprint})"), ("Made", made),
              ("Cases counted", len(r.counted))]
    if area:
        facts.append((f"Of them in {area}", in_area))
    facts += [("Sampled cases without a complete marking (left out)", r.excluded),
              ("Double-marked, not yet moderated (the allocated inspector's marking counts)",
               f"{len(r.unmoderated)}: {unmoderated}" if r.unmoderated else "none"),
              ("Scored on an agreed (moderated) marking", len(r.agreed))]
    facts += _sample_facts(r)
    facts += [("Baseline", r.baseline_name or "none: no direction of travel is shown"),
              ("Scores", "points achieved out of points available among the cases where each question applies; "
                         "'not applicable' counts in neither"),
              ("Intervals", "95%: Wilson for shares of cases; a bootstrap over cases (1,000 resamples, fixed seed) "
                            "for points-based scores"),
              ("Direction of travel", f"improved or declined by at least {rep.direction_threshold_pp:g} percentage "
                                      "point(s), else static ▶; '(within the noise)': a change smaller than the two "
                                      "figures' intervals combined"),
              ("Few cases", f"a figure on fewer than {rep.few_cases} cases is marked; an Area with fewer is never "
                            "named strongest or weakest"),
              ("Not printed", "Check and Trace (the per-case rows: open them in Excel); Data and Chart data are "
                              "hidden")]
    return facts


def _sample_facts(r) -> list[tuple[str, object]]:
    """The sample against its design (issue 18): what was designed, drawn, examined, excluded and replaced,
    where it falls short, and whether national figures are weighted."""
    out: list[tuple[str, object]] = []
    if getattr(r, "not_examinable", 0):
        out.append(("Sampled cases not examinable (left out of every figure)", r.not_examinable))
    acc = getattr(r, "accounting", None)
    if acc is None:
        return out
    total = acc.total()
    reasons = "; ".join(f"{acc.reasons.get(k, k)} {len(v)}" for k, v in total.excluded.items() if v)
    out.append(("The sample against its design",
                f"designed {total.designed}, drawn {len(total.drawn)}, examined {len(total.examined)}, not examinable "
                f"{total.excluded_total}" + (f" ({reasons})" if reasons else "") + f", replaced by reserves "
                f"{len(total.replaced)}, missing {len(total.missing)}: the Sample sheet, per stratum, and Sample "
                "cases, each case"))
    short = acc.short
    if short:
        named = ", ".join(f"{s.label} ({len(s.examined)} of {s.designed})" for s in short[:6])
        more = f" and {len(short) - 6} more" if len(short) > 6 else ""
        out.append(("Short of the design", f"{len(short)} stratum(s), {sum(s.shortfall for s in short)} case(s) in "
                                           f"all: {named}{more}"))
    else:
        out.append(("Short of the design", "no stratum: every stratum has its designed number of examined cases"))
    if getattr(r, "weights_note", ""):
        out.append(("Weights", r.weights_note + (" Method: docs/METHODS.md, \"Weights\"." if r.weighted else "")))
    return out


def _merges(layout, merges: list[dict], coverage, area: str | None) -> None:
    from fileexam.formats.report_sheets import write_table

    cols = [Column("at", "When", TEXT, 17), Column("who", "Who", LONG_TEXT, 12),
            Column("file_name", "Workbook", LONG_TEXT, 22), Column("marker", "Marker", LONG_TEXT, 12),
            Column("outcome", "Outcome", TEXT, 9), Column("new", "New", COUNT, 6), Column("updated", "Updated", COUNT, 8),
            Column("unchanged", "Unchanged", COUNT, 9), Column("older", "Older", COUNT, 6),
            Column("conflicts", "Conflicts", COUNT, 8), Column("detail", "Detail", LONG_TEXT, 40)]
    rows = []
    for m in merges:
        row = dict(m)
        row["detail"] = m.get("detail") or ""
        try:
            row["at"] = datetime.fromisoformat(str(m["at"])).replace(tzinfo=None)
        except ValueError:
            pass  # kept as it was recorded
        rows.append(row)
    write_table(layout, Table("merges", "Merge report: every workbook merged into the master, or refused",
                              "Times in UTC. New, updated, unchanged, older: the workbook's case markings.", cols,
                              rows, sheet="Merge report"))
    if coverage is None:
        return
    groups = [g for g in coverage.by_area if area is None or g.group == area]
    cols = [Column("group", "Area", LONG_TEXT, 24), Column("expected", "Sampled", COUNT, 9),
            Column("complete", "Complete", COUNT, 9), Column("in_progress", "In progress", COUNT, 9),
            Column("missing", "Not complete", COUNT, 9)]
    rows = [{"group": g.group, "expected": g.expected, "complete": g.complete, "in_progress": g.in_progress,
             "missing": g.missing} for g in groups]
    write_table(layout, Table("coverage", "Coverage: sampled cases by Area, and how many came back complete",
                              "Only complete markings count in the figures; the Cases sheet lists every case.",
                              cols, rows, sheet="Coverage"))
    cases = [c for c in coverage.cases if area is None or c.area == area]
    cols = [Column("case", "Case", TEXT, 16), Column("inspector", "Inspector", LONG_TEXT, 14),
            Column("area", "Area", LONG_TEXT, 22), Column("complete_by", "Complete by", LONG_TEXT, 24),
            Column("in_progress_by", "In progress by", LONG_TEXT, 24), Column("missing", "Missing", TEXT, 9)]
    rows = [{"case": c.reference, "inspector": c.inspector or "", "area": c.area,
             "complete_by": ", ".join(c.complete_by), "in_progress_by": ", ".join(c.in_progress_by),
             "missing": "missing" if c.missing else ""} for c in cases]
    write_table(layout, Table("cases", "Every sampled case" + (f" in {area}" if area else "")
                              + " and who has marked it", "Missing: no complete marking has come back.", cols, rows,
                              sheet="Cases"), printed=False)


def _not_printed(layout, ws, col: int, what: str, rows: int) -> None:
    """A notice beside the table that is the sheet's whole print area: printing the workbook skips the rows."""
    notice = NOT_PRINTED.format(what=what, rows=rows)
    ws.set_column(col, col, 60)
    ws.write_string(0, col, notice, layout.fmt(LONG_TEXT, italic=True))
    ws.set_row(0, 15 * wrapped_lines(notice, 60))  # the table's header row, tall enough for the notice
    layout.print_setup(ws, print_area=(0, col, 0, col), one_page=True)


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _check(layout, r, area: str | None) -> None:
    """Raw per-case points, and Excel formulas that recompute every national (or the Area's) figure."""
    from fileexam.formats.xlsx_bulk_rows import add_big_table, add_bulk_rows

    name = layout.sheet_name("Check")
    ws = layout.book.wb.add_worksheet(name)
    pct = layout.fmt("share")
    bold = layout.fmt(TEXT, bold=True)
    diff = layout.book.wb.add_format({"num_format": "0.000000"})
    heads = CHECK_HEADERS + ["", "Measure", "Strand", "Report", "Recomputed in Excel", "Difference"]
    for i, (h, w) in enumerate(zip(heads, [16, 22, 18, 18, 10, 10, 2, 28, 18, 10, 18, 11])):
        ws.set_column(i, i, w)
        ws.write_string(0, i, h, bold)
    rows = r.case_rows if area is None else [row for row in r.case_rows if row[1] == area]
    add_bulk_rows(ws, 1, rows, len(CHECK_HEADERS))  # 500,000 rows at 100,000 cases: written in bulk on save
    last = max(len(rows), 1) + 1
    rng = {c: f"${chr(65 + i)}$2:${chr(65 + i)}${last}" for i, c in enumerate(CHECK_HEADERS)}
    out = 1
    where = area or NATIONAL
    for m in r.measures:
        for strand in [ALL_STRANDS] + r.strands:
            f = r.figure(m, strand, where)
            if f is None or f.value is None:
                continue
            crit = f"{rng['measure']},{_quoted(m)}"
            if strand != ALL_STRANDS:
                crit += f",{rng['strand']},{_quoted(strand)}"
            if area:
                crit += f",{rng['area']},{_quoted(area)}"
            formula = f"=SUMIFS({rng['achieved']},{crit})/SUMIFS({rng['available']},{crit})"
            ws.write_string(out, 7, r.label(m))
            ws.write_string(out, 8, strand)
            ws.write_number(out, 9, f.value, pct)
            ws.write_formula(out, 10, formula, pct, f.value)  # the cached result is the report's own figure
            ws.write_formula(out, 11, f"=K{out + 1}-J{out + 1}", diff, 0)
            out += 1
    ws.conditional_format(1, 11, max(out - 1, 1), 11, {"type": "cell", "criteria": "not between",
                                                        "minimum": -1e-9, "maximum": 1e-9,
                                                        "format": layout.book.wb.add_format({"bg_color": "#F8696B"})})
    # the raw block is the table; the check block beside it is plain cells with formulas
    add_big_table(ws, 0, 0, last - 1, len(CHECK_HEADERS) - 1,
                  {"name": layout.table_name("Check"), "columns": [{"header": h} for h in CHECK_HEADERS],
                   "style": "Table Style Light 9"})
    ws.freeze_panes(1, 0)
    _not_printed(layout, ws, 13, "every case's points, and Excel formulas that recompute "
                 + (f"{area}'s figures" if area else "the national figures") + " from them.", len(rows))
    layout.sheets.append((name, "Excel formulas recomputing the figures from every case's points (not printed)"))


def _trace(layout, r, area: str | None) -> None:
    # A moderated case is scored on its agreed marking (docs/METHODS.md): the figures resting on one say so.
    name = layout.sheet_name("Trace")
    ws = layout.book.wb.add_worksheet(name)
    headers = ["Measure", "Strand", "Area", "Value", "Cases", "Case references", "Cases on agreed answers"]
    widths = [28, 20, 26, 10, 8, 100, 40]
    bold = layout.fmt(TEXT, bold=True)
    for i, (h, w) in enumerate(zip(headers, widths)):
        ws.set_column(i, i, w)
    pct = layout.fmt("share")
    keys = [k for k in sorted(r.figures) if area is None or k[2] == area]
    row = 1
    for key in keys:
        f = r.figures[key]
        refs = ", ".join(sorted(f.cases))
        if len(refs) > TRACE_LIMIT:
            refs = refs[:TRACE_LIMIT].rsplit(", ", 1)[0] + f" … (all {len(f.cases)} are on the Check sheet)"
        agreed = ", ".join(sorted(set(f.cases) & r.agreed))[:TRACE_LIMIT]
        ws.write_string(row, 0, r.label(f.measure))
        ws.write_string(row, 1, f.strand)
        ws.write_string(row, 2, f.area)
        if f.value is not None:
            ws.write_number(row, 3, f.value, pct)
        ws.write_number(row, 4, len(f.cases))
        ws.write_string(row, 5, refs)
        if agreed:
            ws.write_string(row, 6, agreed)
        row += 1
    ws.add_table(0, 0, max(row - 1, 1), len(headers) - 1,
                 {"name": layout.table_name("Trace"), "style": "Table Style Light 1",
                  "columns": [{"header": h, "header_format": bold} for h in headers]})
    ws.freeze_panes(1, 0)
    _not_printed(layout, ws, 8, "the case references behind every figure"
                 + (f" of {area}." if area else "."), len(keys))
    layout.sheets.append((name, "The cases behind every figure (not printed)"))


def _data(book, r) -> None:
    sheet = book.sheet("Data", DATA_HEADERS, [18, 18, 24, 10, 10, 10, 10, 10, 8])
    for key in sorted(r.figures):
        f = r.figures[key]
        sheet.append([f.measure, f.strand, f.area, f.value, f.ci[0] if f.ci else None, f.ci[1] if f.ci else None,
                      f.achieved, f.available, len(f.cases)])
    sheet.finish()
    sheet.ws.hide()  # read back as the baseline of a follow-up report


def read_report_data(path: Path) -> dict[tuple[str, str, str], dict]:
    """The figures of a report workbook, from its Data sheet, to serve as a baseline. Every cell is
    checked (text keys, shares from 0 to 1); a problem is a BadValue naming sheet, row and column."""
    import io
    import math
    import zipfile

    from fileexam.domain.cases import BadValue
    from fileexam.formats.workbook_guard import UnsafeWorkbook, check_workbook_file
    from fileexam.formats.xlsx_cells import read_sheets

    def bad(where: str, what: str):
        return BadValue(f"{path}, {where}: {what}: a baseline must be a report workbook written by fileexam")

    try:
        checked = check_workbook_file(path)
        with zipfile.ZipFile(io.BytesIO(checked.data)) as z:
            sheets = read_sheets(z, ("Data",))
    except UnsafeWorkbook as exc:
        raise bad("the file", str(exc)) from None
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError):
        raise bad("the file", "it is damaged or not a workbook") from None
    if "Data" not in sheets:
        raise bad("the file", "it has no Data sheet")
    rows = sheets["Data"]
    header = [str(v) if v is not None else "" for v in (rows[0][1] if rows and rows[0][0] == 1 else [])]
    missing = [h for h in ("measure", "strand", "area", "value", "ci_low", "ci_high") if h not in header]
    if missing:
        raise bad("sheet 'Data', row 1", "its header lacks " + ", ".join(missing))
    out = {}
    for i, row in rows[1:]:
        d = dict(zip(header, row))
        if d.get("measure") is None:
            continue
        for key in ("measure", "strand", "area"):
            if not isinstance(d.get(key), str) and d.get(key) is not None:
                raise bad(f"sheet 'Data', row {i}, column '{key}'", "it is not text")
        for key in ("value", "ci_low", "ci_high"):
            v = d.get(key)
            if v is not None and (isinstance(v, (tuple, bool)) or not isinstance(v, float)
                                  or not math.isfinite(v) or not 0 <= v <= 1):
                raise bad(f"sheet 'Data', row {i}, column '{key}'", f"{str(v)[:20]!r} is not a share from 0 to 1")
        cases = d.get("cases")
        out[(d["measure"], d.get("strand") or "", d.get("area") or "")] = {
            "value": d.get("value"), "ci_low": d.get("ci_low"), "ci_high": d.get("ci_high"),
            "cases": int(cases) if isinstance(cases, float) and cases.is_integer() and cases >= 0 else None}
    return out

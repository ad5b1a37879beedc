"""The report workbook: tables laid out like an inspection report, with charts, a Check sheet whose Excel
formulas recompute the headline figures, a Trace sheet naming the cases behind every figure, and a
hidden Data sheet a later report reads as its baseline."""

from __future__ import annotations

from pathlib import Path

from fileexam.domain.aggregate import ALL_STRANDS, NATIONAL, Figure
from fileexam.services.progress import Progress, no_progress

DATA_HEADERS = ["measure", "strand", "area", "value", "ci_low", "ci_high", "achieved", "available", "cases"]
CHECK_HEADERS = ["case", "area", "strand", "measure", "achieved", "available"]
TRACE_LIMIT = 30_000  # characters Excel can hold in one cell, with room to spare


def _ci(f: Figure) -> str:
    return f"{f.ci[0] * 100:.1f}–{f.ci[1] * 100:.1f}%" if f.ci else ""


def _note(f: Figure) -> str:
    notes = []
    if f.few:
        notes.append(f"rests on {len(f.cases)} case(s): read with care")
    if f.travel and f.travel.within_noise:
        notes.append("change within the noise")
    return "; ".join(notes)


def write_report(path: Path, report, merges: list[dict] | None = None, coverage=None,
                 progress: Progress = no_progress) -> None:
    from fileexam.formats.xlsx_writing import BookWriter

    r = report
    book = BookWriter(Path(path))
    wb = book.wb
    pct = wb.add_format({"num_format": "0.0%"})
    pp = wb.add_format({"num_format": "+0.0;-0.0;0.0"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    title = wb.add_format({"bold": True, "font_size": 14})
    try:
        _about(book, r, title)  # first sheet: what the report is
        progress(0, 8, "national")
        _national(book, r, pct, pp)
        progress(1, 8, "Areas")
        _areas(book, r, pct, pp)
        progress(2, 8, "themes")
        _themes(book, r, pct)
        progress(3, 8, "questions")
        for strand in [ALL_STRANDS] + r.strands:
            _questions(book, r, strand, pct, wrap)
        progress(4, 8, "check")
        _check(book, r, pct)
        progress(5, 8, "trace")
        _trace(book, r, pct, wrap)
        progress(6, 8, "merge report")
        _merges(book, merges or [], coverage)
        _data(book, r)
        progress(7, 8, "saving")
        book.close()
    except BaseException:
        book.abandon()
        raise
    progress(8, 8, "done")


def _landscape(ws) -> None:
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.set_paper(9)  # A4


def _national(book, r, pct, pp) -> None:
    headers = ["Measure", "Strand", "Baseline", "Follow-up", "Change (pp)", "Direction", "95% CI", "Cases", "Note"]
    sheet = book.sheet("National", headers, [42, 20, 11, 11, 12, 12, 16, 8, 40])
    ws = sheet.ws
    for m in r.measures:
        for strand in [ALL_STRANDS] + r.strands:
            f = r.figure(m, strand, NATIONAL)
            if f is None:
                continue
            tr = f.travel
            row = sheet.row
            sheet.append([r.label(m), strand, None, None, None,
                          f"{tr.arrow} {tr.direction}" if tr and tr.direction else "", _ci(f), len(f.cases), _note(f)])
            if tr and tr.baseline is not None:
                ws.write_number(row, 2, tr.baseline, pct)
                ws.write_number(row, 4, tr.change_pp, pp)
            if f.value is not None:
                ws.write_number(row, 3, f.value, pct)
    sheet.finish()
    _colour_scale(ws, 1, 3, sheet.row - 1, 3)
    _landscape(ws)


def _colour_scale(ws, first_row, first_col, last_row, last_col) -> None:
    if last_row >= first_row:
        # Fixed points (50% red, 75% amber, 100% green), not the sheet's own range, which would
        # paint a 74% red merely for being the lowest.
        ws.conditional_format(first_row, first_col, last_row, last_col,
                              {"type": "3_color_scale", "min_type": "num", "min_value": 0.5, "min_color": "#F8696B",
                               "mid_type": "num", "mid_value": 0.75, "mid_color": "#FFEB84",
                               "max_type": "num", "max_value": 1.0, "max_color": "#63BE7B"})


def _areas(book, r, pct, pp) -> None:
    headers = ["Measure", "Strand", "Strongest Area", "Strongest", "Weakest Area", "Weakest", "Spread (pp)"]
    sheet = book.sheet("Area performance", headers, [42, 20, 26, 11, 26, 11, 12])
    ws = sheet.ws
    for s in r.spreads:
        row = sheet.row
        sheet.append([r.label(s.measure), s.strand, ", ".join(a.area for a in s.strongest), None,
                      ", ".join(a.area for a in s.weakest), None, None])
        if s.strongest:
            ws.write_number(row, 3, s.strongest[0].value, pct)
            ws.write_number(row, 5, s.weakest[0].value, pct)
        if s.spread_pp is not None:
            ws.write_number(row, 6, s.spread_pp, pp)
    sheet.finish()
    _landscape(ws)

    # Every measure by Area, with a native bar chart of each.
    headers = ["Area"] + [r.label(m) for m in r.measures]
    sheet = book.sheet("By Area", headers, [26] + [16] * len(r.measures))
    ws = sheet.ws
    ws.set_row(0, 48, book.wb.add_format({"bold": True, "text_wrap": True, "valign": "bottom"}))
    for area in r.areas:
        row = sheet.row
        sheet.append([area] + [None] * len(r.measures))
        for j, m in enumerate(r.measures, start=1):
            f = r.figure(m, ALL_STRANDS, area)
            if f is not None and f.value is not None:
                ws.write_number(row, j, f.value, pct)
    last = sheet.row - 1
    sheet.finish()
    _colour_scale(ws, 1, 1, last, len(r.measures))
    for j, m in enumerate(r.measures, start=1):
        chart = book.wb.add_chart({"type": "bar"})
        chart.add_series({"name": r.label(m), "categories": ["By Area", 1, 0, last, 0],
                          "values": ["By Area", 1, j, last, j], "data_labels": {"value": True, "num_format": "0%"}})
        chart.set_title({"name": f"{r.label(m)} by Area"})
        chart.set_x_axis({"num_format": "0%", "min": 0, "max": 1})
        chart.set_y_axis({"reverse": True})
        chart.set_legend({"none": True})
        chart.set_size({"width": 560, "height": 460})
        col = len(r.measures) + 2 + ((j - 1) % 2) * 9   # two charts side by side
        ws.insert_chart(1 + ((j - 1) // 2) * 24, col, chart)
    _landscape(ws)


def _themes(book, r, pct) -> None:
    headers = ["Casework theme", "Baseline", "Follow-up", "Direction", "Strongest Area", "Weakest Area", "Cases"]
    sheet = book.sheet("Casework themes", headers, [42, 11, 11, 12, 34, 34, 8])
    ws = sheet.ws
    spread = {(s.measure, s.strand): s for s in r.spreads}
    for m in r.measures:
        f = r.figure(m)
        if f is None:
            continue
        s = spread.get((m, ALL_STRANDS))
        tr = f.travel
        row = sheet.row
        sheet.append([r.label(m), None, None, f"{tr.arrow} {tr.direction}" if tr and tr.direction else "",
                      ", ".join(f"{a.area} ({a.value * 100:.1f}%)" for a in s.strongest) if s else "",
                      ", ".join(f"{a.area} ({a.value * 100:.1f}%)" for a in s.weakest) if s else "", len(f.cases)])
        if tr and tr.baseline is not None:
            ws.write_number(row, 1, tr.baseline, pct)
        if f.value is not None:
            ws.write_number(row, 2, f.value, pct)
    sheet.finish()
    _landscape(ws)


def _questions(book, r, strand: str, pct, wrap) -> None:
    """Every question for one strand: each answer's count and share among applicable cases, N/A apart."""
    t = r.template
    headers = ["Question", "Text", "Answered", "Option 1", "Count 1", "Share 1", "95% CI 1", "Option 2", "Count 2",
               "Share 2", "Option 3", "Count 3", "Share 3", "Not applicable"]
    name = strand[:28].replace("'", "")  # sheet names: at most 31 characters, no quote
    sheet = book.sheet(name, headers, [10, 60, 10, 20, 8, 9, 14, 20, 8, 9, 20, 8, 9, 14])
    ws = sheet.ws
    for q in t.questions:
        f = r.questions.get((q.id, strand, NATIONAL))
        if f is None:
            continue
        options = [q.answer.option(v) for v in f.counted_values][:3]
        row = sheet.row
        cells = [q.id, q.text, f.base]
        for k in range(3):
            o = options[k] if k < len(options) else None
            cells += [o.label if o else "", f.counts.get(o.value, 0) if o else None, None]
            if k == 0:
                ci = f.share_ci(o.value) if o else None
                cells.append(f"{ci[0] * 100:.1f}–{ci[1] * 100:.1f}%" if ci else "")
        cells.append(f.not_counted)
        sheet.append(cells)
        for k, o in enumerate(options):
            share = f.share(o.value)
            col = 5 if k == 0 else 9 if k == 1 else 12
            if share is not None:
                ws.write_number(row, col, share, pct)
    sheet.finish()
    ws.set_column(1, 1, 60, wrap)
    _landscape(ws)


def _check(book, r, pct) -> None:
    """Raw per-case points, and Excel formulas that recompute every national and per-strand figure."""
    sheet = book.sheet("Check", CHECK_HEADERS + ["", "Measure", "Strand", "Report", "Recomputed in Excel",
                                                 "Difference"], [16, 22, 18, 18, 10, 10, 2, 28, 18, 10, 18, 11])
    ws = sheet.ws
    for row in r.case_rows:
        sheet.append(list(row))
    n = len(r.case_rows)
    last = max(n, 1) + 1
    rng = {c: f"${chr(65 + i)}$2:${chr(65 + i)}${last}" for i, c in enumerate(CHECK_HEADERS)}
    out = 1
    for m in r.measures:
        for strand in [ALL_STRANDS] + r.strands:
            f = r.figure(m, strand, NATIONAL)
            if f is None or f.value is None:
                continue
            crit = f'{rng["measure"]},"{m}"' + ("" if strand == ALL_STRANDS else f',{rng["strand"]},"{strand}"')
            formula = f"=SUMIFS({rng['achieved']},{crit})/SUMIFS({rng['available']},{crit})"
            ws.write_string(out, 7, r.label(m))
            ws.write_string(out, 8, strand)
            ws.write_number(out, 9, f.value, pct)
            ws.write_formula(out, 10, formula, pct, f.value)  # the cached result is the report's own figure
            ws.write_formula(out, 11, f"=K{out + 1}-J{out + 1}", None, 0)
            out += 1
    ws.conditional_format(1, 11, max(out - 1, 1), 11, {"type": "cell", "criteria": "not between",
                                                        "minimum": -1e-9, "maximum": 1e-9,
                                                        "format": book.wb.add_format({"bg_color": "#F8696B"})})
    # the raw block is the table; the check block beside it is plain cells with formulas
    ws.add_table(0, 0, last - 1, len(CHECK_HEADERS) - 1,
                 {"name": "Check", "columns": [{"header": h} for h in CHECK_HEADERS], "style": "Table Style Light 9"})
    ws.freeze_panes(1, 0)


def _trace(book, r, pct, wrap) -> None:
    # A moderated case is scored on its agreed marking (docs/METHODS.md): the figures resting on one say so.
    headers = ["Measure", "Strand", "Area", "Value", "Cases", "Case references", "Cases on agreed answers"]
    sheet = book.sheet("Trace", headers, [28, 20, 26, 10, 8, 100, 40])
    ws = sheet.ws
    for key in sorted(r.figures):
        f = r.figures[key]
        refs = ", ".join(sorted(f.cases))
        if len(refs) > TRACE_LIMIT:
            refs = refs[:TRACE_LIMIT].rsplit(", ", 1)[0] + f" … (all {len(f.cases)} are on the Check sheet)"
        agreed = ", ".join(sorted(set(f.cases) & r.agreed))[:TRACE_LIMIT]
        row = sheet.row
        sheet.append([r.label(f.measure), f.strand, f.area, None, len(f.cases), refs, agreed or None])
        if f.value is not None:
            ws.write_number(row, 3, f.value, pct)
    sheet.finish()


def _merges(book, merges: list[dict], coverage) -> None:
    headers = ["When", "Who", "Workbook", "Marker", "Outcome", "New", "Updated", "Unchanged", "Older", "Conflicts",
               "Detail"]
    sheet = book.sheet("Merge report", headers, [22, 12, 26, 12, 10, 7, 8, 10, 7, 9, 60])
    for m in merges:
        sheet.append([m["at"], m["who"], m["file_name"], m["marker"], m["outcome"], m["new"], m["updated"],
                      m["unchanged"], m["older"], m["conflicts"], m["detail"] or ""])
    sheet.finish()
    if coverage is not None:
        cov = book.sheet("Coverage", ["Case", "Inspector", "Area", "Complete by", "In progress by", "Missing"],
                         [16, 14, 26, 24, 24, 9])
        for c in coverage.cases:
            cov.append([c.reference, c.inspector or "", c.area, ", ".join(c.complete_by), ", ".join(c.in_progress_by),
                        "missing" if c.missing else ""])
        cov.finish()


def _data(book, r) -> None:
    sheet = book.sheet("Data", DATA_HEADERS, [18, 18, 24, 10, 10, 10, 10, 10, 8])
    for key in sorted(r.figures):
        f = r.figures[key]
        sheet.append([f.measure, f.strand, f.area, f.value, f.ci[0] if f.ci else None, f.ci[1] if f.ci else None,
                      f.achieved, f.available, len(f.cases)])
    sheet.finish()
    sheet.ws.hide()  # read back as the baseline of a follow-up report


def _about(book, r, title) -> None:
    ws = book.wb.add_worksheet("About")
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 70)
    ws.write_string(0, 0, f"{r.name} — report", title)
    rows = [("Template", f"{r.template.title} {r.template.version} ({r.template.fingerprint})"),
            ("Made", r.generated_at), ("Cases counted", str(len(r.counted))),
            ("Sampled cases without a complete marking (left out)", str(r.excluded)),
            ("Baseline", r.baseline_name or "none"),
            ("Direction of travel", f"a change under {r.template.reporting.direction_threshold_pp:g} percentage "
                                    "point(s) is shown as static ▶"),
            ("Intervals", "95%: Wilson for shares of cases; bootstrap over cases (1,000 resamples, fixed seed) "
                          "for points-based scores"),
            ("Double-marked, not yet moderated", ", ".join(r.unmoderated) or "none")]
    for i, (k, v) in enumerate(rows, start=2):
        ws.write_string(i, 0, k)
        ws.write_string(i, 1, v)


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

"""Sheets of the report workbook laid out for reading and printing: a report table (domain/report_tables)
becomes a sheet with a title row, a note on how to read it, typed cells (shares as percentages, counts as
numbers, dates as dates), row heights that fit wrapped text, and an A4 print set-up."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from fileexam.domain.report_tables import (CHANGE, COUNT, DATE, LONG_TEXT, NO_CASES, NUMBER, PP, SHARE, TEXT, Column,
                                           Table, change_decimals)
from fileexam.formats.xlsx_bulk_rows import add_big_table, add_bulk_rows
from fileexam.formats.xlsx_writing import (CELL_LIMIT, ROW_POINTS, BookWriter, header_footer_text, set_print_layout,
                                           wrapped_lines)

NUMBER_FORMATS = {SHARE: "0.0%", PP: "+0.0;-0.0;0.0", CHANGE: "+0.0;-0.0;0.0", COUNT: "0", NUMBER: "0.0",
                  DATE: "d mmm yyyy"}
PRECISE_CHANGE = "+0.00;-0.00;0.00"
BULK_ROWS = 2_000  # a table this long, of plain text, is written in bulk (the Cases sheet: a row a case)
FORBIDDEN_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\']")


@dataclass
class Layout:
    """One workbook's formats and page texts, shared by its sheets."""
    book: BookWriter
    header_left: str                      # the inspection (and Area), for every page's header
    footer_left: str                      # when the report was made
    threshold_pp: float = 1.0             # the direction-of-travel threshold (for CHANGE cells)
    sheets: list[tuple[str, str]] = field(default_factory=list)  # (sheet, what it holds): the About contents
    _formats: dict = field(default_factory=dict)
    _names: set = field(default_factory=set)
    _tables: int = 0

    def fmt(self, kind: str, mark: bool = False, **extra):
        key = (kind, mark, tuple(sorted(extra.items())))
        if key not in self._formats:
            props = {"valign": "top"}
            if kind in NUMBER_FORMATS:
                props["num_format"] = NUMBER_FORMATS[kind]
            if kind == LONG_TEXT:
                props["text_wrap"] = True
            if mark:
                props["bold"] = True
            props.update(extra)
            self._formats[key] = self.book.wb.add_format(props)
        return self._formats[key]

    def sheet_name(self, wanted: str) -> str:
        """A unique sheet name Excel accepts (31 characters, none of []:*?/\\ and no quote)."""
        base = FORBIDDEN_IN_SHEET_NAMES.sub("", wanted).strip()[:31] or "Sheet"
        name, n = base, 2
        while name.lower() in self._names:
            suffix = f" ({n})"
            name, n = base[:31 - len(suffix)] + suffix, n + 1
        self._names.add(name.lower())
        return name

    def table_name(self, sheet: str) -> str:
        self._tables += 1
        return f"T{self._tables}_" + re.sub(r"\W", "_", sheet)[:40]

    def print_setup(self, ws, repeat_rows=None, print_area=None, one_page=False, landscape=True) -> None:
        set_print_layout(ws, self.header_left, "&A", self.footer_left, "fileexam", repeat_rows, print_area,
                         one_page, landscape)


def heading_width(c: Column) -> float:
    """The column's width, widened so that no word of its bold heading is broken across lines."""
    longest = max((len(w) for w in c.heading.split()), default=0)
    return max(c.width, math.ceil(longest / 0.9) + 0.5)


def _height(lines: int) -> float:
    return ROW_POINTS * lines


def write_title(layout: Layout, ws, title: str, note: str, width_chars: float, last_col: int) -> int:
    """Title (row 1) and how to read the sheet (row 2), each across the table's width; returns the next row."""
    big = layout.fmt(TEXT, bold=True, font_size=13, text_wrap=True, valign="vcenter")
    small = layout.fmt(TEXT, italic=True, text_wrap=True, font_color="#404040")
    for row, text, f, size in ((0, title, big, 1.3), (1, note, small, 1.0)):
        lines = wrapped_lines(text, width_chars / size)
        if last_col > 0:
            ws.merge_range(row, 0, row, last_col, text, f)
        else:
            ws.write_string(row, 0, text, f)
        ws.set_row(row, _height(lines) * (1.2 if size > 1 else 1.0))
    return 2


def write_table(layout: Layout, table: Table, printed: bool = True) -> tuple:
    """A sheet holding one report table; one not `printed` prints its title and note alone (a per-case
    list belongs on screen). Returns (worksheet, sheet name, first data row, last row)."""
    name = layout.sheet_name(table.sheet or table.key)
    ws = layout.book.wb.add_worksheet(name)
    cols = [replace(c, width=heading_width(c)) for c in table.columns]
    last_col = len(cols) - 1
    for i, c in enumerate(cols):
        ws.set_column(i, i, c.width)
    total = sum(c.width for c in cols)
    note = table.note if printed else table.note + " Not printed: open this sheet in Excel and filter it."
    row = write_title(layout, ws, table.title, note, total, last_col)
    grouped = any(c.group for c in cols)
    first_header = row
    if grouped:
        row = _group_row(layout, ws, row, cols)
    header = row
    head_fmt = layout.fmt(TEXT, bold=True, text_wrap=True, valign="bottom", bottom=1)
    for i, c in enumerate(cols):
        ws.write_string(header, i, c.heading, head_fmt)
    ws.set_row(header, _height(max(wrapped_lines(c.heading, c.width, bold=True) for c in cols)))
    first = header + 1
    previous: dict = {}
    # a number right of which text starts keeps a gap, or the two read as one ("3 5 out of 11")
    gap = [c.kind not in (TEXT, LONG_TEXT) and i + 1 < len(cols) and cols[i + 1].kind in (TEXT, LONG_TEXT)
           for i, c in enumerate(cols)]
    bulk = _text_rows(cols, table.rows)
    if bulk is not None:  # a per-case list of text (the Cases sheet): the same cells, written in bulk on save
        add_bulk_rows(ws, first, bulk, len(cols), [layout.fmt(c.kind) for c in cols])
        wrapped = [(i, c.width) for i, c in enumerate(cols) if c.kind == LONG_TEXT]
        for r_i, row in enumerate(bulk):
            lines = max([wrapped_lines(row[i], width) for i, width in wrapped], default=1)
            if lines > 1:
                ws.set_row(first + r_i, _height(lines))
    for r_i, values in enumerate(table.rows if bulk is None else []):
        at = first + r_i
        lines = 1
        mark = bool(values.get("_mark"))
        for i, c in enumerate(cols):
            v = values.get(c.key)
            if c.once and v is not None and previous.get(c.key) == v:
                v = None  # the same text as the row above: shown once
            lines = max(lines, _write_cell(layout, ws, at, i, c, v, mark, gap[i]))
        previous = values
        if lines > 1:
            ws.set_row(at, _height(lines))
    last = first + max(len(table.rows), 1) - 1
    options = {"name": layout.table_name(name), "autofilter": True, "style": "Table Style Light 1",
               "columns": [{"header": c.heading, "header_format": head_fmt} for c in cols]}
    if grouped:  # the same headings under each group: a filter, not an Excel table (its headings must differ)
        ws.autofilter(header, 0, last, last_col)
    elif bulk is not None:
        add_big_table(ws, header, 0, last, last_col, options)
    else:
        ws.add_table(header, 0, last, last_col, options)
    ws.freeze_panes(header + 1, 0)
    if printed:
        layout.print_setup(ws, repeat_rows=(first_header, header), print_area=(0, 0, last, last_col))
    else:
        layout.print_setup(ws, print_area=(0, 0, 1, last_col), one_page=True)
    layout.sheets.append((name, table.title))
    return ws, name, first, last


def _text_rows(cols: list[Column], rows: list[dict]) -> list[tuple] | None:
    """A long table of plain text (no marked row, no column shown once, no figure), as rows of cells to
    write in bulk (formats/xlsx_bulk_rows.py); None for any other table, written cell by cell."""
    if len(rows) < BULK_ROWS or any(c.once or c.kind not in (TEXT, LONG_TEXT) for c in cols):
        return None
    keys = [c.key for c in cols]
    out = [tuple(values.get(k) for k in keys) for values in rows]
    if any(values.get("_mark") for values in rows) or not all(
            type(v) is str and len(v) <= CELL_LIMIT // 2 for row in out for v in row):
        return None
    return out


def _group_row(layout: Layout, ws, row: int, cols: list[Column]) -> int:
    """Headings over runs of columns with the same group (a strand, an Area, 'National')."""
    f = layout.fmt(TEXT, bold=True, align="center", text_wrap=True, bottom=1)
    i, lines = 0, 1
    while i < len(cols):
        j = i
        while j + 1 < len(cols) and cols[j + 1].group == cols[i].group:
            j += 1
        text = cols[i].group
        if text:
            width = sum(c.width for c in cols[i:j + 1])
            lines = max(lines, wrapped_lines(text, width, bold=True))
            if j > i:
                ws.merge_range(row, i, row, j, text, f)
            else:
                ws.write_string(row, i, text, f)
        i = j + 1
    ws.set_row(row, _height(lines))
    return row + 1


def _write_cell(layout: Layout, ws, row: int, col: int, c: Column, v, mark: bool, gap: bool = False) -> int:
    """Writes one typed value; returns the lines its text needs."""
    pad = {"align": "right", "indent": 1} if gap else {}
    if v is None:
        return 1
    if isinstance(v, bool):
        ws.write_boolean(row, col, v, layout.fmt(TEXT, mark))
        return 1
    if isinstance(v, (int, float)):
        if c.kind == CHANGE and change_decimals(v, layout.threshold_pp) == 2:
            ws.write_number(row, col, v, layout.fmt(CHANGE, mark, num_format=PRECISE_CHANGE, **pad))
        else:
            ws.write_number(row, col, v, layout.fmt(c.kind if c.kind in NUMBER_FORMATS else NUMBER, mark, **pad))
        return 1
    if isinstance(v, datetime):
        ws.write_datetime(row, col, v, layout.fmt(DATE, mark, num_format="d mmm yyyy hh:mm"))
        return 1
    if isinstance(v, date):
        ws.write_datetime(row, col, datetime(v.year, v.month, v.day), layout.fmt(DATE, mark))
        return 1
    text = str(v)
    if c.kind in NUMBER_FORMATS:  # 'no cases' where a figure would be: said, right-aligned, never a 0
        ws.write_string(row, col, text, layout.fmt(TEXT, mark, italic=True, text_wrap=True,
                                                   **(pad or {"align": "right"})))
        return wrapped_lines(text, c.width - (1.5 if gap else 0))
    kind = LONG_TEXT if c.kind == LONG_TEXT else TEXT
    ws.write_string(row, col, text, layout.fmt(kind, mark))
    return wrapped_lines(text, c.width, mark) if c.kind == LONG_TEXT else 1


# ---- charts ----------------------------------------------------------------------------------------
CHART_W, CHART_H = 500, 600          # pixels: two across fill an A4 landscape page, each Area labelled
CHART_ROWS = 31                      # rows of 20 px a chart takes, with a gap
CHART_COLS = 8                       # columns of 64 px


def write_charts(layout: Layout, r, area: str | None) -> None:
    """A bar chart per measure by Area (all strands) with its 95% interval, from a hidden Chart data sheet
    where an Area with no cases is labelled so and has no bar (a blank, never a 0)."""
    from xlsxwriter.utility import quote_sheetname, xl_range_abs

    from fileexam.domain.aggregate import ALL_STRANDS

    wb = layout.book.wb
    few = r.template.reporting.few_cases
    data_name = layout.sheet_name("Chart data")
    name = layout.sheet_name("Charts")
    ws = wb.add_worksheet(name)
    ws.set_column(0, 2 * CHART_COLS - 1, 8.43)  # explicit: LibreOffice's default width differs
    data = wb.add_worksheet(data_name)
    title = "Every measure by Area, all strands, with 95% intervals" + (f" ({area} highlighted)" if area else "")
    note = (f"The line on each bar is the 95% interval; n: the cases behind the score (fewer than {few}: read "
            "with care). An Area with no cases has no bar and says so.")
    top = write_title(layout, ws, title, note, CHART_COLS * 2 * 8.43, CHART_COLS * 2 - 1) + 1
    pct = wb.add_format({"num_format": "0.0%"})
    n_areas = len(r.areas)
    ref = quote_sheetname(data_name)
    for j, m in enumerate(r.measures):
        c0 = 4 * j
        data.write_string(0, c0, r.label(m))
        for k, h in enumerate(("score", "plus", "minus"), start=1):
            data.write_string(0, c0 + k, h)
        for i, a in enumerate(r.areas, start=1):
            f = r.figure(m, ALL_STRANDS, a)
            if f is None or f.value is None:
                data.write_string(i, c0, f"{a}: {NO_CASES}")
                continue
            data.write_string(i, c0, f"{a} (n={len(f.cases)})")
            data.write_number(i, c0 + 1, f.value, pct)
            if f.ci:
                data.write_number(i, c0 + 2, max(f.ci[1] - f.value, 0))
                data.write_number(i, c0 + 3, max(f.value - f.ci[0], 0))
        chart = wb.add_chart({"type": "bar"})
        series = {"name": r.label(m), "categories": [data_name, 1, c0, n_areas, c0],
                  "values": [data_name, 1, c0 + 1, n_areas, c0 + 1],
                  "data_labels": {"value": True, "num_format": "0%", "position": "inside_base"},
                  "fill": {"color": "#9DB9D8"}, "border": {"none": True},
                  # a range as text: XlsxWriter writes a list as literal numbers
                  "y_error_bars": {"type": "custom", "plus_values": f"={ref}!{xl_range_abs(1, c0 + 2, n_areas, c0 + 2)}",
                                   "minus_values": f"={ref}!{xl_range_abs(1, c0 + 3, n_areas, c0 + 3)}",
                                   "end_style": 1, "line": {"color": "#303030"}}}
        if area in r.areas:
            series["points"] = [{"fill": {"color": "#F4B183"}} if a == area else None for a in r.areas]
        chart.add_series(series)
        chart.set_title({"name": r.label(m), "name_font": {"size": 10, "bold": True}})
        chart.set_x_axis({"num_format": "0%", "min": 0, "max": 1, "major_gridlines": {"visible": True},
                          "num_font": {"size": 8}})
        chart.set_y_axis({"reverse": True, "num_font": {"size": 8}, "interval_unit": 1})
        chart.set_legend({"none": True})
        chart.set_size({"width": CHART_W, "height": CHART_H})
        chart.show_blanks_as("gap")
        ws.insert_chart(top + (j // 2) * CHART_ROWS, (j % 2) * CHART_COLS, chart, {"x_offset": 4, "y_offset": 4})
    rows_used = top + ((len(r.measures) + 1) // 2) * CHART_ROWS
    # a row of charts a page, never one cut in half
    ws.set_h_pagebreaks([top + k * CHART_ROWS for k in range(1, (len(r.measures) + 1) // 2)])
    layout.print_setup(ws, print_area=(0, 0, rows_used, 2 * CHART_COLS - 1))
    data.hide()
    layout.sheets.append((name, title))


def write_about(layout: Layout, ws, r, area: str | None, facts: list[tuple[str, object]]) -> None:
    """The first sheet: what the report is, how its figures are made, and what each sheet holds (one page)."""
    wb = layout.book.wb
    ws.set_column(0, 0, 32)
    ws.set_column(1, 1, 68)
    title = f"{r.name} — " + (f"report for {area}" if area else "inspection report")
    row = write_title(layout, ws, title, "What this workbook holds and how its figures are made.", 100, 1)
    key = layout.fmt(LONG_TEXT, bold=True)
    text = layout.fmt(LONG_TEXT)
    when = wb.add_format({"num_format": "d mmm yyyy hh:mm \"UTC\"", "align": "left", "valign": "top"})
    count = wb.add_format({"num_format": "#,##0", "align": "left", "valign": "top"})
    for k, v in facts + [("", ""), ("Sheets", "")] + layout.sheets:
        ws.write_string(row, 0, k, key)
        if isinstance(v, datetime):
            ws.write_datetime(row, 1, v, when)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            ws.write_number(row, 1, v, count)
        else:
            ws.write_string(row, 1, str(v), text)
        lines = max(wrapped_lines(k, 32, bold=True), wrapped_lines(str(v), 68))
        if lines > 1:
            ws.set_row(row, _height(lines))
        row += 1
    layout.print_setup(ws, print_area=(0, 0, row - 1, 1), one_page=True, landscape=False)
    ws.activate()


def page_texts(r, area: str | None) -> tuple[str, str]:
    """(header, footer) texts: the inspection (and Area) on every page, and when the report was made."""
    made = r.generated_at[:16].replace("T", " ")
    return (header_footer_text(r.name + (f" — {area}" if area else ""), 60),
            header_footer_text(f"Made {made} UTC", 40))

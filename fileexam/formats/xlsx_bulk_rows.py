"""Plain rows in bulk on an XlsxWriter sheet: the report's Check sheet holds a row for every case and
measure (500,000 at 100,000 cases). XlsxWriter stores each cell as an object and serialises it again on
close, about 20 µs a cell; here each row's XML is made by one format call when the sheet is saved, from the
rows the caller already holds, and laid into the rows XlsxWriter holds for the sheet. Cells are the same as
XlsxWriter writes them: text through the workbook's shared strings, numbers as `{:.16G}`.

This reaches into XlsxWriter's worksheet (`_write_sheet_data`, `_write_rows`, the dimensions and the
shared-string table), so tests/test_report_bulk_rows.py reads a written sheet back cell by cell."""

from __future__ import annotations

import io
import math
import numbers
import re
from collections import deque
from typing import Sequence

from xlsxwriter.utility import xl_col_to_name

_ROW = re.compile(r'<row r="(\d+)"')
_SPANS = re.compile(r' spans="[^"]*"')
CHUNK = 20_000  # rows made at a time: memory stays flat however long the sheet


def bulk_columns(rows: Sequence[Sequence], width: int, empty: bool = False) -> list[bool]:
    """Each column's kind (True: text, False: numbers), or TypeError when a column mixes them or holds
    anything else (a bool, NaN, a date); with `empty`, None is an empty cell in a column of either kind."""
    text_cols = []
    for col in range(width):
        values = [row[col] for row in rows]
        kinds = set(map(type, values))
        if empty:
            kinds.discard(type(None))
            values = [v for v in values if v is not None]
        if kinds <= {str}:
            text_cols.append(True)
        elif not any(k is bool or not issubclass(k, numbers.Real) for k in kinds) \
                and all(math.isfinite(v) for v in values):
            text_cols.append(False)
        else:
            bad = next(v for v in values if not isinstance(v, str))
            raise TypeError(f"{bad!r} in column {col + 1}: a bulk column is all text or all finite numbers")
    return text_cols


def add_bulk_rows(ws, first_row: int, rows: Sequence[Sequence], width: int, formats: Sequence | None = None,
                  empty: bool = False) -> None:
    """Rows of text and numbers from `first_row` (0-based), columns 0..width-1, each column in its format
    of `formats` (None: none); with `empty`, a None is a cell left empty (as XlsxWriter leaves a cell never
    written). Any cell XlsxWriter writes in those rows must lie right of them. `rows` is read again when
    the book closes."""
    strings = ws.str_table
    if any(len(row) != width for row in rows):
        raise ValueError(f"bulk rows must have {width} cells each")
    text_cols = bulk_columns(rows, width, empty)
    for col, text in enumerate(text_cols):  # text registered now: the shared strings are sorted before writing
        if text:
            values = [row[col] for row in rows if row[col] is not None]
            unique = dict.fromkeys(values)
            for v in unique:
                strings._get_shared_string_index(v)
            strings.count += len(values) - len(unique)  # every use counts, as XlsxWriter counts them
    sparse = empty and any(v is None for row in rows for v in row)
    if rows:
        ws._check_dimensions(first_row, 0)
        ws._check_dimensions(first_row + len(rows) - 1, width - 1)
    own_write = ws._write_sheet_data
    index = strings.string_table  # emptied (rebound) when the book sorts its strings on close: kept here

    def write_sheet_data() -> None:
        if not rows:
            return own_write()
        fh = ws.fh
        own = _own_rows(ws)
        styles = [f' s="{f._get_xf_index()}"' if f is not None else "" for f in formats or [None] * width]
        one = [f'<c r="{xl_col_to_name(j)}{{0}}"{style} t="s"><v>{{{j + 1}}}</v></c>' if text else
               f'<c r="{xl_col_to_name(j)}{{0}}"{style}><v>{{{j + 1}:.16G}}</v></c>'
               for j, (style, text) in enumerate(zip(styles, text_cols))]  # xf indexes exist now
        if sparse:  # a row with empty cells: each cell made alone, the empty ones left out
            each = [c.replace(f"{{{j + 1}", "{1").format for j, c in enumerate(one)]

            def cells_of(n, *values):
                return "".join(f(n, v) for f, v in zip(each, values) if v is not None)

            def row_of(n, *values):
                return f'<row r="{n}">{cells_of(n, *values)}</row>'
        else:
            cells = "".join(one)
            cells_of, row_of = cells.format, ('<row r="{0}">' + cells + "</row>").format

        fh.write("<sheetData>")
        last_bulk = first_row + len(rows)  # 1-based number of the last bulk row
        for n in sorted(r for r in own if r <= first_row):
            fh.write(own.pop(n))
        theirs_at = deque(sorted(n for n in own if n <= last_bulk))
        for start in range(0, len(rows), CHUNK):  # column by column, a chunk at a time: one format call a row
            part = rows[start:start + CHUNK]
            cols = [[index[row[j]] if row[j] is not None else None for row in part] if text else
                    [row[j] for row in part] for j, text in enumerate(text_cols)]
            at = range(first_row + start + 1, first_row + start + len(part) + 1)
            lines = list(map(row_of, at, *cols))
            while theirs_at and theirs_at[0] < at.stop:  # XlsxWriter's cells of this row follow ours
                n = theirs_at.popleft()
                mine = cells_of(n, *[c[n - at.start] for c in cols])
                head, _, rest = _SPANS.sub("", own.pop(n), count=1).partition(">")  # its span no longer holds
                lines[n - at.start] = f"{head[:-1]}>{mine}</row>" if head.endswith("/") else f"{head}>{mine}{rest}"
            fh.write("".join(lines))
        for n in sorted(own):  # rows below the block
            fh.write(own[n])
        fh.write("</sheetData>")

    ws._write_sheet_data = write_sheet_data


def _own_rows(ws) -> dict[int, str]:
    """The rows XlsxWriter holds for the sheet, as XML by 1-based row number (only its own rows walked)."""
    filled = [r for r, cells in ws.table.items() if cells] + list(ws.row_info)
    if not filled:
        return {}
    saved = ws.fh, ws.dim_rowmin, ws.dim_rowmax
    buf = io.StringIO()
    ws.fh, ws.dim_rowmin, ws.dim_rowmax = buf, min(filled), max(filled)
    try:
        ws._write_rows()
    finally:
        ws.fh, ws.dim_rowmin, ws.dim_rowmax = saved
    text = buf.getvalue()
    starts = [m.start() for m in _ROW.finditer(text)] + [len(text)]
    return {int(_ROW.match(text, a).group(1)): text[a:b] for a, b in zip(starts, starts[1:])}


def add_big_table(ws, first_row: int, first_col: int, last_row: int, last_col: int, options: dict) -> None:
    """ws.add_table (header row, no total row) over a block of bulk rows, without its cell-by-cell overlap
    check and record (3 million entries for the Check sheet at 100,000 cases): the table is added over its
    header and first row, then given its whole range. Refused on a sheet with a table, or merged cells in
    its range."""
    from xlsxwriter.utility import xl_range

    taken = [(r, c) for r, c in list(ws.table_cells) + list(ws.merged_cells)
             if first_row <= r <= last_row and first_col <= c <= last_col]
    if taken or ws.tables:
        raise ValueError("add_big_table: the sheet already has a table, or merged cells in its range")
    if options.get("total_row") or options.get("header_row") is False or options.get("data"):
        raise ValueError("add_big_table: a header row, no total row and no data")
    if ws.add_table(first_row, first_col, min(first_row + 1, last_row), last_col, options) != 0:
        raise ValueError(f"add_big_table: XlsxWriter refused the table {options.get('name')!r}")
    table = ws.tables[-1]
    table["range"] = table["a_range"] = xl_range(first_row, first_col, last_row, last_col)
    if table.get("autofilter"):
        table["autofilter"] = table["a_range"]

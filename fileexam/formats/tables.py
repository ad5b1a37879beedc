"""Read the first sheet of a workbook, or a CSV file, as a Table of rows with their row numbers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from fileexam.domain.problems import cell_problem
from fileexam.domain.sample import Table
from fileexam.formats.workbook_guard import UnsafeWorkbook, check_workbook_file

MAX_CSV_BYTES = 50 * 1024 * 1024


class TableError(Exception):
    def __init__(self, problem):
        self.problem = problem
        super().__init__(problem.format())


def read_table(path: Path | str, sheet: str | None = None, password=None) -> Table:
    """password: for an encrypted workbook, a text or a fileexam.passwords.Passwords (see workbook_guard)."""
    path = Path(path)
    if not path.is_file():
        raise TableError(cell_problem("table-unreadable", str(path), None, None, None, what="case sample",
                                      reason="there is no such file"))
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet, password)
    if suffix in (".csv", ".txt"):
        return _read_csv(path)
    raise TableError(cell_problem("table-unreadable", str(path), None, None, None, what="case sample",
                                  reason="use an Excel workbook (.xlsx) or a CSV file (.csv)"))


def _read_csv(path: Path) -> Table:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TableError(cell_problem("table-unreadable", str(path), None, None, None, what="CSV file",
                                      reason=exc.strerror or str(exc))) from None
    if len(data) > MAX_CSV_BYTES:
        raise TableError(cell_problem("table-too-large", str(path), None, None, None, what="case sample",
                                      reason=f"{len(data):,} bytes"))
    if not data.strip():
        raise TableError(cell_problem("table-unreadable", str(path), None, None, None, what="CSV file",
                                      reason="the file is empty"))
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode Text": UTF-16 with its byte order mark
        text = data.decode("utf-16", errors="replace")
    elif b"\x00" in data[:65_536]:
        raise TableError(cell_problem("table-unreadable", str(path), None, None, None, what="CSV file",
                                      reason="it holds binary data, not text: save the case list as CSV "
                                             "(comma-separated values) or as an Excel workbook (.xlsx)"))
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")  # Excel on Windows saves CSV in this code page
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text, newline=""), dialect))
    if not rows:
        return Table(str(path), None, [])
    return Table(str(path), None, rows[0], [(i, r) for i, r in enumerate(rows[1:], start=2)])


def _read_xlsx(path: Path, sheet: str | None, password=None) -> Table:
    from openpyxl import load_workbook  # heavy: imported when needed

    def fail(reason: str):
        return TableError(cell_problem("table-unreadable", str(path), sheet, None, None, what="workbook", reason=reason))

    try:
        checked = check_workbook_file(path, password)  # read once and closed: nothing stays locked on Windows
        with io.BytesIO(checked.data) as fh:
            wb = load_workbook(fh, read_only=True, data_only=False)
            try:
                ws = wb[sheet] if sheet else (wb.worksheets[0] if wb.worksheets else None)
                if ws is None:
                    raise fail("it holds no sheets")
                if {"About", "Cases", "Answers"} <= set(wb.sheetnames) and not sheet:
                    raise fail("it is an exchange workbook (an inspector's exported work), not a case sample: "
                               "merge it into the master with  fileexam merge MASTER WORKBOOK")
                table = Table(str(path), ws.title, [])
                for i, row in enumerate(ws.iter_rows(), start=1):
                    values = []
                    for c in row:
                        v = c.value
                        if getattr(c, "data_type", None) == "f":  # a formula: its value is not in the file
                            column = table.header[len(values)] if i > 1 and len(values) < len(table.header) else None
                            table.problems.append(cell_problem("formula-in-cell", str(path), ws.title, i,
                                                               str(column) if column else None, formula=str(v)[:40]))
                            v = None
                        values.append(v)
                    if i == 1:
                        table.header = values
                    else:
                        table.rows.append((i, values))
                return table
            finally:
                wb.close()
    except TableError:
        raise
    except UnsafeWorkbook as exc:
        raise fail(str(exc)) from None
    except KeyError as exc:
        raise fail(f"no sheet {exc}" if sheet else "it is not a complete workbook") from None
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for damaged files
        raise fail("it is damaged, or not an Excel workbook: open it in Excel and save it again") from None


CALAMINE_AREA = 5_000_000  # cells laid out: beyond this the workbook guard refuses the file anyway


def read_case_list(path: Path | str, sheet: str | None = None, password=None) -> Table:
    """A case-management extract (tens of thousands of rows) as a Table: a CSV file, or a workbook's first
    sheet (or `sheet`). A plain workbook is read with python-calamine, about ten times faster than openpyxl
    (which read_table uses); one holding formulas or `_xHHHH_` escapes, which calamine cannot tell from
    values, is read by read_table, so that every formula is still reported."""
    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm") or not path.is_file():
        return read_table(path, sheet, password)
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:
        return read_table(path, sheet, password)
    try:
        checked = check_workbook_file(path, password)
    except UnsafeWorkbook as exc:
        raise TableError(cell_problem("table-unreadable", str(path), sheet, None, None, what="workbook",
                                      reason=str(exc))) from None
    shapes = checked.sheets.values()
    if checked.strings_escapes or any(s.escapes or s.formulas or s.implicit for s in shapes) or any(
            max(s.rows, s.declared_rows) * max(s.columns, s.declared_columns) > CALAMINE_AREA for s in shapes):
        return read_table(path, sheet, password)
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(checked.data))
    except Exception:  # noqa: BLE001 - the reader's own error on a damaged file
        raise TableError(cell_problem("table-unreadable", str(path), sheet, None, None, what="workbook",
                                      reason="it is damaged, or not an Excel workbook: open it in Excel and save "
                                             "it again")) from None
    try:
        names = wb.sheet_names
        if not names:
            raise TableError(cell_problem("table-unreadable", str(path), sheet, None, None, what="workbook",
                                          reason="it holds no sheets"))
        if sheet is not None and sheet not in names:
            raise TableError(cell_problem("table-unreadable", str(path), sheet, None, None, what="workbook",
                                          reason=f"no sheet '{sheet}'"))
        name = sheet or names[0]
        rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
    finally:
        wb.close()
    table = Table(str(path), name, [])
    for i, row in enumerate(rows, start=1):
        values = [None if v == "" else v for v in row]
        if i == 1:
            table.header = values
        else:
            table.rows.append((i, values))
    return table

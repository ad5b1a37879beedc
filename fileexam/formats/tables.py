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

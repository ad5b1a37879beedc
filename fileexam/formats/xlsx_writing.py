"""Helpers for every workbook fileexam writes: typed text that never becomes a formula, readable sheets."""

from __future__ import annotations

import warnings

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

# OWASP's list of first characters that make a spreadsheet treat text as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


def text_cell(ws, value: str, **style) -> WriteOnlyCell:
    """A cell that holds `value` as text, shown as typed, whatever its first character."""
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    for k, v in style.items():
        setattr(cell, k, v)
    return cell


def safe(ws, value):
    """A value ready for ws.append: formula-looking text is forced to text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return text_cell(ws, value)
    return value


def header_row(ws, headers: list[str]) -> list[WriteOnlyCell]:
    return [text_cell(ws, h, font=BOLD) for h in headers]


def setup_sheet(ws, headers: list[str], widths: list[float]) -> None:
    """Column widths, a frozen header row; call before the first append."""
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"
    ws.append(header_row(ws, headers))


def add_table(ws, name: str, headers: list[str], n_rows: int) -> None:
    """Make the block an Excel table (filters and banding); write-only mode needs the columns named."""
    last = get_column_letter(len(headers))
    table = Table(displayName=name, ref=f"A1:{last}{max(n_rows + 1, 2)}")
    table.tableColumns = [TableColumn(id=i, name=h) for i, h in enumerate(headers, start=1)]
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    with warnings.catch_warnings():  # openpyxl warns that write-only tables need named columns: they have them
        warnings.simplefilter("ignore", UserWarning)
        ws.add_table(table)

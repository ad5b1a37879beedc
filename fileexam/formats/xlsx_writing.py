"""Every workbook fileexam writes goes through here: XlsxWriter, text that never becomes a formula, readable sheets.

Why XlsxWriter and not openpyxl for writing: on the benchmark inspection it writes
the exchange workbook about twice as fast as openpyxl's write-only mode (figures in
benchmarks/run.py), with native tables. openpyxl stays the reader.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

# OWASP's list of first characters that make a spreadsheet treat text as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")

OPTIONS = {
    # Text is text: never turned into a formula, a number or a link, whatever it starts with.
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}


CELL_LIMIT = 32_767  # characters in one cell (Excel's limit); XlsxWriter silently cuts longer text


class SheetWriter:
    """One sheet written as a table: a bold frozen header, set widths, rows of typed cells.

    Text longer than a cell holds is never cut silently: on a `strict` sheet (data that is read back)
    it is refused with its place; elsewhere it is cut with a note saying so."""

    def __init__(self, book: "BookWriter", name: str, headers: list[str], widths: Iterable[float],
                 wrap: bool = False, strict: bool = False):
        self.book, self.name, self.headers, self.strict = book, name, headers, strict
        self.ws = book.wb.add_worksheet(name)
        self.row = 1
        self.cell_format = book.wrap if wrap else None
        for i, w in enumerate(widths):
            self.ws.set_column(i, i, w)
        self.ws.freeze_panes(1, 0)
        for c, h in enumerate(headers):
            self.ws.write_string(0, c, h, book.bold)

    def append(self, values: list) -> None:
        ws, r, fmt = self.ws, self.row, self.cell_format
        for c, v in enumerate(values):
            if v is None:
                continue
            if isinstance(v, str):
                if len(v) > CELL_LIMIT // 2:
                    v = self._fit(v, r, c)
                ws.write_string(r, c, v, fmt)  # always text, shown as typed
            elif isinstance(v, bool):
                ws.write_boolean(r, c, v)
            elif isinstance(v, (int, float)):
                ws.write_number(r, c, v)
            else:
                ws.write_string(r, c, str(v), fmt)
        self.row += 1

    def _fit(self, text: str, row: int, col: int) -> str:
        from fileexam.domain.cases import BadValue, utf16_length

        length = utf16_length(text)
        if length <= CELL_LIMIT:
            return text
        if self.strict:
            heading = self.headers[col] if col < len(self.headers) else f"column {col + 1}"
            raise BadValue(f"cannot write sheet '{self.name}', row {row + 1}, {heading}: its text is {length:,} "
                           f"characters long and a workbook cell holds at most {CELL_LIMIT:,} (Excel's limit). "
                           "Shorten that text in fileexam and export again")
        note = f" … (cut here: {length:,} characters in all)"
        return text[:CELL_LIMIT // 2 - len(note)] + note

    def finish(self) -> None:
        """Make the block an Excel table named after the sheet (filters and banding)."""
        last_row = max(self.row - 1, 1)
        if self.book.streaming:  # tables need the whole sheet in memory: filters only
            self.ws.autofilter(0, 0, last_row, len(self.headers) - 1)
            return
        columns = [{"header": h, "header_format": self.book.bold} for h in self.headers]
        self.ws.add_table(0, 0, last_row, len(self.headers) - 1,
                          {"name": self.name.replace(" ", "_"), "columns": columns,
                           "style": "Table Style Medium 2"})


class BookWriter:
    """Writes to NAME.part and renames on close, so nobody ever opens half a workbook."""

    def __init__(self, path: Path, streaming: bool = False):
        import xlsxwriter  # imported when a workbook is written, not at start-up

        self.path = Path(path)
        self.part = self.path.with_name(self.path.name + ".part")
        self.streaming = streaming  # rows go to disk as written: flat memory, no Excel tables
        self.wb = xlsxwriter.Workbook(str(self.part), {**OPTIONS, "constant_memory": streaming})
        self.bold = self.wb.add_format({"bold": True})
        self.wrap = self.wb.add_format({"text_wrap": True, "valign": "top"})

    def sheet(self, name: str, headers: list[str], widths: Iterable[float], wrap: bool = False,
              strict: bool = False) -> SheetWriter:
        return SheetWriter(self, name, headers, widths, wrap, strict)

    def close(self) -> None:
        try:
            self.wb.close()
            self.part.replace(self.path)
        finally:
            self.part.unlink(missing_ok=True)

    def abandon(self) -> None:
        self.part.unlink(missing_ok=True)

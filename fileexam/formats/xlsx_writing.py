"""Every workbook fileexam writes goes through here: XlsxWriter, text that never becomes a formula, readable sheets.

Why XlsxWriter and not openpyxl for writing: on the benchmark inspection it writes
the exchange workbook about twice as fast as openpyxl's write-only mode (figures in
benchmarks/run.py), with native tables. openpyxl stays the reader.
"""

from __future__ import annotations

import io
from functools import lru_cache
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
                 wrap: bool = False, strict: bool = False, bulk: bool = False):
        self.book, self.name, self.headers, self.strict = book, name, headers, strict
        self.ws = book.wb.add_worksheet(name)
        self.row = 1
        self.cell_format = book.wrap if wrap else None
        # bulk: rows kept and laid in bulk when the sheet is finished (formats/xlsx_bulk_rows.py: XlsxWriter's
        # per-cell work was most of an export), unless the sheet streams to disk or wraps its text. Only for
        # sheets whose cells are all written by append(): a cell written on ws meanwhile would be doubled.
        self.held: list[list] | None = [] if bulk and not (book.streaming or wrap) else None
        for i, w in enumerate(widths):
            self.ws.set_column(i, i, w)
        self.ws.freeze_panes(1, 0)
        for c, h in enumerate(headers):
            self.ws.write_string(0, c, h, book.bold)

    def append(self, values: list) -> None:
        if self.held is not None:
            self.held.append([self._fit(v, self.row, c) if isinstance(v, str) and len(v) > CELL_LIMIT // 2 else v
                              for c, v in enumerate(values)])
            self.row += 1
            return
        self._write(values, self.row)
        self.row += 1

    def _write(self, values: list, r: int) -> None:
        ws, fmt = self.ws, self.cell_format
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
        table = {"name": self.name.replace(" ", "_"), "columns": columns, "style": "Table Style Medium 2"}
        held, self.held = self.held, None
        if held:
            from fileexam.formats.xlsx_bulk_rows import add_big_table, add_bulk_rows, bulk_columns

            width = len(self.headers)
            rows = [row + [None] * (width - len(row)) if len(row) < width else row for row in held]
            try:
                bulk_columns(rows, width, empty=True)
            except TypeError:  # a column of mixed kinds (or a bool, a date): written cell by cell
                rows = None
            if rows is not None and all(len(row) == width for row in rows):
                add_bulk_rows(self.ws, 1, rows, width, empty=True)
                add_big_table(self.ws, 0, 0, last_row, width - 1, table)
                return
            for r, row in enumerate(held, start=1):
                self._write(row, r)
        self.ws.add_table(0, 0, last_row, len(self.headers) - 1, table)


class BookWriter:
    """Writes to NAME.part and renames on close, so nobody ever opens half a workbook.

    With a password the workbook is built in memory (XlsxWriter's in_memory: no temporary files, no
    streaming to disk), encrypted there, and only the encrypted bytes are written to NAME.part: no plain
    copy ever reaches the disk. Memory then grows with the workbook (tables are kept)."""

    def __init__(self, path: Path, streaming: bool = False, password: str | None = None):
        import xlsxwriter  # imported when a workbook is written, not at start-up

        self.path = Path(path)
        self.part = self.path.with_name(self.path.name + ".part")
        self._password = password or None
        self._buffer = io.BytesIO() if self._password else None
        self.streaming = streaming and self._buffer is None  # rows go to disk as written: flat memory, no tables
        if self._buffer is not None:
            self.wb = xlsxwriter.Workbook(self._buffer, {**OPTIONS, "in_memory": True})
        else:
            self.wb = xlsxwriter.Workbook(str(self.part), {**OPTIONS, "constant_memory": streaming})
        self.bold = self.wb.add_format({"bold": True})
        self.wrap = self.wb.add_format({"text_wrap": True, "valign": "top"})

    def sheet(self, name: str, headers: list[str], widths: Iterable[float], wrap: bool = False,
              strict: bool = False, bulk: bool = False) -> SheetWriter:
        return SheetWriter(self, name, headers, widths, wrap, strict, bulk)

    def close(self, ready=None) -> None:
        """ready: called before the rename; if it raises, nothing is published (the report's file check)."""
        try:
            self.wb.close()
            if self._buffer is not None:
                sealed = encrypt_workbook(self._buffer.getvalue(), self._password)
                self._forget()
                with self.part.open("wb") as fh:
                    fh.write(sealed)
            if ready is not None:
                ready()
            self.part.replace(self.path)
        finally:
            self._forget()
            self.part.unlink(missing_ok=True)

    def abandon(self) -> None:
        self._forget()
        self.part.unlink(missing_ok=True)

    def _forget(self) -> None:
        """Drop the plain bytes and the password as soon as they are not needed."""
        if self._buffer is not None:
            self._buffer.close()
            self._buffer = None
        self._password = None


def encrypt_workbook(plain: bytes, password: str) -> bytes:
    """A workbook's bytes encrypted as Excel's "Encrypt with Password" does (ECMA-376 agile: AES-256,
    SHA-512, 100,000 spins), by msoffcrypto-tool, in memory. The result is decrypted again and compared
    before it is returned: a workbook that would not open is never sent."""
    from msoffcrypto.format.ooxml import OOXMLFile  # imported only when a workbook is encrypted

    from fileexam.formats.workbook_guard import EncryptedWorkbook, quiet_msoffcrypto

    if not password:
        raise ValueError("no password to encrypt with")
    quiet_msoffcrypto()
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(plain)).encrypt(password, out)
    sealed = out.getvalue()
    check = EncryptedWorkbook(sealed)
    if not check.unlock(password) or check.decrypt() != plain:
        raise RuntimeError("the encrypted workbook did not decrypt to what was written: nothing was saved")
    return sealed


# ---- print layout ------------------------------------------------------------------------------------
# What fits across an A4 page at 100% with 0.4 in side margins, in Excel's pixels (7 a character of
# Calibri 11): measured with LibreOffice (Carlito, Calibri's metric twin), 141 characters landscape. Without
# Calibri or Carlito LibreOffice sizes columns in a wider font and fits about 111 (tables print at ~80%).
PAPER_A4 = 9
SIDE_MARGIN_IN = 0.4
PRINTABLE_WIDTH_PX = {"landscape": 990, "portrait": 680}
ROW_POINTS = 15  # Calibri 11's default row height


def header_footer_text(text: str, limit: int = 70) -> str:
    """Plain text for a page header or footer: one line, cut to `limit`, '&' doubled (alone it starts a code)."""
    text = " ".join(str(text).split())
    if len(text) > limit:
        text = text[:limit - 1] + "…"
    return text.replace("&", "&&")


# Advance widths of Calibri's glyphs in font units (2,048 an em): the text's real width decides where a
# wrapped cell breaks. A character not listed (a symbol, an accented letter) counts wider than most letters.
_CALIBRI = dict(zip(
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~",
    [463, 548, 821, 1038, 1038, 1463, 1397, 452, 621, 621, 1038, 1038, 511, 627, 517, 792] + [1038] * 10
    + [548, 548, 1038, 1038, 1038, 949, 1835, 1185, 1114, 1092, 1260, 1000, 941, 1292, 1276, 516, 653, 1064, 861,
       1751, 1322, 1356, 1058, 1378, 1112, 941, 998, 1314, 1162, 1822, 1063, 998, 959, 628, 792, 628, 1038, 1038,
       593, 981, 1076, 866, 1076, 1019, 625, 964, 1076, 470, 490, 931, 470, 1636, 1076, 1080, 1076, 1076, 714,
       801, 686, 1076, 925, 1464, 887, 927, 809, 714, 938, 714, 1038]))
_EM_PX = 11 * 96 / 72   # Calibri 11 at 96 dpi


def text_pixels(text: str, bold: bool = False) -> float:
    units = sum(_CALIBRI.get(ch, 1300) for ch in text)
    return units * _EM_PX / 2048 * (1.07 if bold else 1.0)


@lru_cache(maxsize=4096)  # a per-case sheet repeats the same names and Areas on every row
def wrapped_lines(text: str, width: float, bold: bool = False) -> int:
    """Lines a wrapped cell needs, for a row height that shows them all: LibreOffice prints a row at the
    height the file gives (none: one line), so a row set too short prints its text over the next row.
    Words are laid out by Calibri's glyph widths in Excel's column pixels, the tightest case: LibreOffice
    draws columns wider (Carlito, or a wider font with wider columns still); a word longer than a line breaks."""
    room = width * 7 + 1   # the column in pixels, less cell padding
    space = text_pixels(" ", bold)
    lines = 0
    for part in str(text).split("\n"):
        lines += 1
        used = 0.0
        for word in part.split():
            w = text_pixels(word, bold)
            if used and used + space + w > room:
                lines += 1
                used = 0.0
            if w > room:  # broken across lines
                extra = int(w // room)
                lines += extra
                w -= extra * room
            used += (space if used else 0) + w
    return max(lines, 1)


def set_print_layout(ws, header_left: str, header_right: str = "&A", footer_left: str = "",
                     footer_right: str = "", repeat_rows: tuple[int, int] | None = None,
                     print_area: tuple[int, int, int, int] | None = None, one_page: bool = False,
                     landscape: bool = True) -> None:
    """A4, as many pages down as needed but one page wide (never shrunk to fit a page's height), headers and
    footers naming the document, the sheet and 'Page N of M'. Texts must come from header_footer_text."""
    ws.set_paper(PAPER_A4)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_margins(left=SIDE_MARGIN_IN, right=SIDE_MARGIN_IN, top=0.75, bottom=0.75)
    ws.set_header(f"&L{header_left}&R{header_right}", {"margin": 0.3})
    ws.set_footer(f"&L{footer_left}&CPage &P of &N&R{footer_right}", {"margin": 0.3})
    ws.fit_to_pages(1, 1 if one_page else 0)
    if repeat_rows is not None:
        ws.repeat_rows(*repeat_rows)
    if print_area is not None:
        ws.print_area(*print_area)

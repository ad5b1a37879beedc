"""Checks before any reader parses a workbook: nothing from outside is trusted until measured.

A workbook is a zip of XML parts. Three things in it are memory requests that readers honour
blindly: the size of each part once unpacked (a zip bomb), the sheet's declared dimension and the
position of its furthest cell (python-calamine and openpyxl's read-only mode both allocate or walk
the whole rectangle: one cell at XFD1048576 asks for 512 GB). Each is measured here, from the
zip's directory and a streamed scan of every worksheet's XML, and refused with a reason a person
understands, in milliseconds, before a reader sees the file.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_MEMBERS = 1_000            # an exchange workbook has about 30 parts; Excel's own rarely a few hundred
MAX_MEMBER_BYTES = 150 * 1024 * 1024   # one part unpacked (the Answers sheet of 1,200 cases is ~35 MB)
MAX_TOTAL_BYTES = 400 * 1024 * 1024
MAX_RATIO = 100                # real parts compress 2-15x; a bomb, thousands
RATIO_FLOOR = 1024 * 1024      # below 1 MB unpacked a part cannot hurt, whatever its ratio
MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384   # Excel's own limits: beyond them it is not a sheet
MAX_AREA = 5_000_000           # rows x columns a reader may be asked to lay out (declared or used)
MAX_CELLS = 5_000_000          # cells actually present
MAX_TAG_BYTES = 1024 * 1024    # one XML tag; longer ones are refused rather than scanned in pieces
CHUNK = 1024 * 1024


class UnsafeWorkbook(Exception):
    pass


@dataclass
class SheetShape:
    """What a worksheet part asks of a reader, measured without parsing it."""
    part: str
    declared_rows: int = 0
    declared_columns: int = 0
    rows: int = 0            # the furthest explicit row and column
    columns: int = 0
    cells: int = 0
    implicit: bool = False   # a row or cell without its own reference: its place is implied
    formulas: bool = False
    escapes: bool = False    # text holding _xHHHH_, which readers decode inconsistently


@dataclass
class CheckedWorkbook:
    path: Path
    data: bytes
    sheets: dict[str, SheetShape] = field(default_factory=dict)   # part name -> shape
    strings_escapes: bool = False   # the shared strings hold _xHHHH_

    def zip(self) -> zipfile.ZipFile:
        return zipfile.ZipFile(io.BytesIO(self.data))


def check_workbook_file(path: Path) -> CheckedWorkbook:
    """Read the file once (closed at once: nothing stays locked on Windows), check it, return it.
    Raises UnsafeWorkbook with a plain reason."""
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise UnsafeWorkbook(f"it is {size:,} bytes; workbooks over {MAX_FILE_BYTES:,} bytes are not read")
    with path.open("rb") as fh:
        data = fh.read(MAX_FILE_BYTES + 1)
    return check_workbook_bytes(path, data)


def check_workbook_bytes(path: Path, data: bytes) -> CheckedWorkbook:
    if len(data) > MAX_FILE_BYTES:
        raise UnsafeWorkbook(f"it is over {MAX_FILE_BYTES:,} bytes; larger workbooks are not read")
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise UnsafeWorkbook("it is not an Excel workbook (.xlsx): it may be damaged, truncated, encrypted "
                             "or another kind of file renamed") from None
    if len(infos) > MAX_MEMBERS:
        raise UnsafeWorkbook(f"it holds {len(infos):,} parts; a workbook with over {MAX_MEMBERS:,} is not read")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise UnsafeWorkbook("it is encrypted or password-protected: save an unprotected copy")
        total += info.file_size
        if info.file_size > MAX_MEMBER_BYTES:
            raise UnsafeWorkbook(f"its part {info.filename} unpacks to {info.file_size:,} bytes (at most "
                                 f"{MAX_MEMBER_BYTES:,} are read): refused as a possible zip bomb")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise UnsafeWorkbook(f"its part {info.filename} unpacks to {info.file_size:,} bytes from "
                                 f"{info.compress_size:,}: refused as a possible zip bomb")
    if total > MAX_TOTAL_BYTES:
        raise UnsafeWorkbook(f"it unpacks to {total:,} bytes (at most {MAX_TOTAL_BYTES:,} are read): "
                             "refused as a possible zip bomb")
    checked = CheckedWorkbook(path, data)
    cells = 0
    with z:
        names = {i.filename for i in infos}
        for name in sorted(names):
            low = name.lower()
            if low.startswith("xl/worksheets/") and low.endswith(".xml"):
                shape = scan_sheet(z, name)
                _check_shape(shape)
                cells += shape.cells
                checked.sheets[name] = shape
            elif low.endswith("sharedstrings.xml"):
                checked.strings_escapes = _has_escapes_stream(z, name)
    if cells > MAX_CELLS:
        raise UnsafeWorkbook(f"it holds {cells:,} cells (at most {MAX_CELLS:,} are read)")
    return checked


# Any attribute r="…": letters and digits on a cell, digits alone on a row. One findall for the
# tags and one for the r values keep the scan near 20 ms a megabyte.
_R_ATTR = re.compile(rb"""\sr\s*=\s*["']\s*([A-Za-z]*)(\d*)\s*["']""")
_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(c|row|f)[\s/>]")
_DIMENSION = re.compile(rb"""<(?:[A-Za-z_][\w.-]*:)?dimension\s[^>]*?\bref\s*=\s*["']([^"']*)["']""")
_ESCAPE = re.compile(rb"_x[0-9A-Fa-f]{4}_")
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


def _largest(numbers: set[bytes]) -> int:
    if not numbers:
        return 0
    longest = max(map(len, numbers))
    return int(max(n for n in numbers if len(n) == longest)) if longest <= 8 else 10 ** 9


def column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


def _stream(z: zipfile.ZipFile, name: str):
    """The part's bytes in pieces that each end just before a '<': no tag is ever cut in two."""
    try:
        fh = z.open(name)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, OSError):
        raise UnsafeWorkbook(f"its part {name} cannot be unpacked: the workbook is damaged") from None
    with fh:
        carry = b""
        while True:
            try:
                chunk = fh.read(CHUNK)
            except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
                raise UnsafeWorkbook(f"its part {name} is damaged ({_plain(exc)})") from None
            if not chunk:
                if carry:
                    yield carry
                return
            buf = carry + chunk
            cut = buf.rfind(b"<")
            if cut <= 0:
                carry = buf
            else:
                carry = buf[cut:]
                yield buf[:cut]
            if len(carry) > MAX_TAG_BYTES:
                raise UnsafeWorkbook(f"its part {name} holds a tag over {MAX_TAG_BYTES:,} bytes long")


def _plain(exc: BaseException) -> str:
    text = str(exc).strip()
    return text or "it cannot be read"


def _has_escapes_stream(z: zipfile.ZipFile, name: str) -> bool:
    found = False
    for piece in _stream(z, name):  # read to the end even after a hit: a damaged part must surface here
        found = found or _ESCAPE.search(piece) is not None
    return found


def scan_sheet(z: zipfile.ZipFile, name: str) -> SheetShape:
    shape = SheetShape(name)
    cell_refs = row_refs = rows = 0
    letters: set[bytes] = set()
    numbers: set[bytes] = set()
    for i, piece in enumerate(_stream(z, name)):
        if i == 0:
            m = _DIMENSION.search(piece)
            if m is not None:
                shape.declared_rows, shape.declared_columns = _dimension(m.group(1).decode("ascii", "replace"))
        if not shape.escapes and _ESCAPE.search(piece):
            shape.escapes = True
        tags = _TAG.findall(piece)
        shape.cells += tags.count(b"c")
        rows += tags.count(b"row")
        shape.formulas = shape.formulas or b"f" in tags
        refs = _R_ATTR.findall(piece)
        if not refs:
            continue
        pairs = set(refs)
        letters |= {col for col, _ in pairs}
        numbers |= {d.lstrip(b"0") or b"0" for _, d in pairs if d}
        with_digits = sum(1 for _, d in refs if d)
        bare_rows = sum(1 for col, d in pairs if d and not col)  # unique: a row number is used once
        cell_refs += with_digits - sum(1 for col, d in refs if d and not col)
        row_refs += bare_rows
    shape.rows = _largest(numbers)
    for col in letters:
        if len(col) > 3:
            raise UnsafeWorkbook(f"its part {name} names a cell in column {col[:12].decode('ascii', 'replace')!r}, "
                                 "beyond any sheet")
        shape.columns = max(shape.columns, column_number(col.decode("ascii")) if col else 0)
    # A cell or row without its own reference takes its place from the one before it.
    shape.implicit = cell_refs < shape.cells or row_refs < rows
    return shape


def _dimension(ref: str) -> tuple[int, int]:
    """'A1:J7201' -> (7201, 10); something unreadable counts as beyond any sheet."""
    rows = cols = 0
    for part in ref.split(":")[:2]:
        m = _CELL_REF.match(part.strip())
        if m is None:
            return MAX_ROWS + 1, MAX_COLUMNS + 1
        cols, rows = max(cols, column_number(m.group(1))), max(rows, int(m.group(2)))
    return rows, cols


def _check_shape(s: SheetShape) -> None:
    where = f"its sheet part {s.part}"
    for rows, cols, what in ((s.rows, s.columns, "has a cell at"), (s.declared_rows, s.declared_columns, "declares")):
        if rows > MAX_ROWS or cols > MAX_COLUMNS:
            raise UnsafeWorkbook(f"{where} {what} row {rows:,}, column {cols:,}: beyond Excel's "
                                 f"{MAX_ROWS:,} rows and {MAX_COLUMNS:,} columns")
        if rows * cols > MAX_AREA:
            raise UnsafeWorkbook(f"{where} {what} a range of {rows:,} rows by {cols:,} columns "
                                 f"({rows * cols:,} cells; at most {MAX_AREA:,} are read)")
    if s.cells > MAX_CELLS:
        raise UnsafeWorkbook(f"{where} holds {s.cells:,} cells (at most {MAX_CELLS:,} are read)")

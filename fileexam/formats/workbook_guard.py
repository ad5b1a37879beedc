"""Checks before any reader parses a workbook: nothing from outside is trusted until measured.

A workbook is a zip of XML parts. Three things in it are memory requests that readers honour
blindly: the size of each part once unpacked (a zip bomb), the sheet's declared dimension and the
position of its furthest cell (python-calamine and openpyxl's read-only mode both allocate or walk
the whole rectangle: one cell at XFD1048576 asks for 512 GB). Each is measured here, from the
zip's directory and a streamed scan of every worksheet's XML, and refused with a reason a person
understands, in milliseconds, before a reader sees the file.

An encrypted workbook (ECMA-376 encryption, as Excel's "Encrypt with Password" writes it) is an OLE
compound file, not a zip: it is recognised by its magic and its EncryptionInfo stream before the zip
check, refused within the same byte budget, decrypted in memory with the password given (never to
disk), and the decrypted bytes are then measured like any other workbook.
"""

from __future__ import annotations

import io
import re
import zipfile
from itertools import compress
from operator import countOf, itemgetter, not_
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


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # an OLE compound file: an encrypted .xlsx, or an old .xls
MAX_ENCRYPTION_INFO = 64 * 1024   # the EncryptionInfo stream: about 1 KB as Excel writes it
MAX_SPIN_COUNT = 10_000_000       # [MS-OFFCRYPTO] 2.3.4.10: a spin count MUST NOT be greater (it costs time)


class UnsafeWorkbook(Exception):
    pass


class PasswordNeeded(UnsafeWorkbook):
    """The workbook is encrypted and no password was given for it."""

    def __init__(self, text: str = "it is encrypted: give its password"):
        super().__init__(text)


class WrongPassword(UnsafeWorkbook):
    """No password given opens the workbook. (The text never holds a password.)"""

    def __init__(self, tried: int = 1):
        super().__init__("wrong password: the password given does not open it" if tried <= 1 else
                         f"wrong password: none of the {tried} passwords given opens it")


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
    encrypted: bool = False         # it was an encrypted workbook; `data` is the decrypted package

    def zip(self) -> zipfile.ZipFile:
        return zipfile.ZipFile(io.BytesIO(self.data))


def check_workbook_file(path: Path, password=None) -> CheckedWorkbook:
    """Read the file once (closed at once: nothing stays locked on Windows), check it, return it.
    Raises UnsafeWorkbook with a plain reason.

    password: for an encrypted workbook, a text or a fileexam.passwords.Passwords (asked only when the
    workbook is encrypted). Without one an encrypted workbook raises PasswordNeeded; with none that
    opens it, WrongPassword."""
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise UnsafeWorkbook(f"it is {size:,} bytes; workbooks over {MAX_FILE_BYTES:,} bytes are not read")
    with path.open("rb") as fh:
        data = fh.read(MAX_FILE_BYTES + 1)
    return check_workbook_bytes(path, data, password)


def check_workbook_bytes(path: Path, data: bytes, password=None) -> CheckedWorkbook:
    if len(data) > MAX_FILE_BYTES:
        raise UnsafeWorkbook(f"it is over {MAX_FILE_BYTES:,} bytes; larger workbooks are not read")
    if data[:8] == OLE_MAGIC:  # before the zip check: an encrypted workbook is not a zip
        checked = check_workbook_bytes(path, decrypt_workbook(path, data, password))
        checked.encrypted = True
        return checked
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise UnsafeWorkbook("it is not an Excel workbook (.xlsx): it may be damaged, truncated "
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
        names = {i.filename for i in infos if not i.filename.endswith("/")}
        # Every part is measured, whatever its name: a reader follows the workbook's relationships to
        # any part, so a sheet stored as xl/data/anything.bin is still a sheet to it.
        for name in sorted(names):
            low = name.lower()
            if low.endswith("sharedstrings.xml"):
                checked.strings_escapes = _has_escapes_stream(z, name)
                continue
            shape = scan_sheet(z, name)
            _check_shape(shape)
            cells += shape.cells
            checked.sheets[name] = shape
    if cells > MAX_CELLS:
        raise UnsafeWorkbook(f"it holds {cells:,} cells (at most {MAX_CELLS:,} are read)")
    return checked


NOT_XLSX_OLE = ("it is an older Office file (an Excel 97-2003 workbook, .xls, or similar), not an .xlsx workbook: "
                "open it in Excel and save it as an Excel Workbook (.xlsx)")


class EncryptedWorkbook:
    """An encrypted .xlsx (an OLE compound file with EncryptionInfo and EncryptedPackage streams), parsed
    but not yet opened. Raises UnsafeWorkbook when the bytes are not one fileexam can open."""

    def __init__(self, data: bytes):
        import olefile  # msoffcrypto-tool's own dependency: imported only for an OLE file
        from msoffcrypto.format.ooxml import OOXMLFile

        quiet_msoffcrypto()

        if len(data) > MAX_FILE_BYTES:
            raise UnsafeWorkbook(f"it is over {MAX_FILE_BYTES:,} bytes; larger workbooks are not read")
        try:
            ole = olefile.OleFileIO(io.BytesIO(data))
        except Exception:  # noqa: BLE001 - olefile raises many kinds for a damaged file
            raise UnsafeWorkbook(NOT_XLSX_OLE.replace("not an .xlsx", "or a damaged one, not an .xlsx")) from None
        try:
            if not (ole.exists("EncryptionInfo") and ole.exists("EncryptedPackage")):
                raise UnsafeWorkbook(NOT_XLSX_OLE)
            if ole.get_size("EncryptionInfo") > MAX_ENCRYPTION_INFO:
                raise UnsafeWorkbook(f"its encryption header is over {MAX_ENCRYPTION_INFO:,} bytes: it is damaged")
            with ole.openstream("EncryptionInfo") as fh:
                info = fh.read(MAX_ENCRYPTION_INFO + 1)
        except UnsafeWorkbook:
            raise
        except Exception:  # noqa: BLE001
            raise UnsafeWorkbook("its encryption header cannot be read: it is damaged") from None
        finally:
            ole.close()
        if re.search(rb"<!(?:DOCTYPE|ENTITY)", info):
            raise UnsafeWorkbook("its encryption header declares XML entities: refused")
        try:
            self._file = OOXMLFile(io.BytesIO(data))
        except Exception as exc:  # noqa: BLE001 - msoffcrypto's FileFormatError, DecryptionError, parse errors
            unsupported = "Unsupported" in str(exc)
            raise UnsafeWorkbook("it is encrypted in a way fileexam cannot open" + (
                " (not ECMA-376 agile or standard encryption): open it in Excel and encrypt it again with "
                "File > Info > Protect Workbook > Encrypt with Password" if unsupported else
                ": its encryption header is damaged")) from None
        spin = self._file.info.get("spinValue", 0) if self._file.type == "agile" else 0
        if not 0 <= spin <= MAX_SPIN_COUNT:
            raise UnsafeWorkbook(f"its encryption asks for {spin:,} rounds of hashing (at most "
                                 f"{MAX_SPIN_COUNT:,} are allowed): refused")
        self.unlocked = False

    def unlock(self, password: str) -> bool:
        """Whether `password` opens it (the password's verifier, as Excel checks it)."""
        from msoffcrypto.exceptions import InvalidKeyError

        if not password:
            return False
        try:
            self._file.load_key(password=password, verify_password=True)
        except InvalidKeyError:
            return False
        except Exception:  # noqa: BLE001 - a damaged header: a hash or key size it does not know
            raise UnsafeWorkbook("its encryption header is damaged: no password can open it") from None
        self.unlocked = True
        return True

    def decrypt(self) -> bytes:
        """The decrypted package, in memory (bounded by the encrypted stream, itself within the file)."""
        if not self.unlocked:
            raise PasswordNeeded()
        out = io.BytesIO()
        try:
            self._file.decrypt(out, verify_integrity=True)
        except Exception:  # noqa: BLE001 - InvalidKeyError on a failed integrity check, or a damaged stream
            raise UnsafeWorkbook("it was changed or damaged after it was encrypted: it fails its integrity "
                                 "check") from None
        return out.getvalue()


def quiet_msoffcrypto() -> None:
    """msoffcrypto-tool logs derived key material at DEBUG (standard encryption): never let it reach a log."""
    import logging

    logging.getLogger("msoffcrypto").setLevel(logging.WARNING)


def decrypt_workbook(path: Path, data: bytes, password=None) -> bytes:
    """The plain package of an encrypted workbook: each password given is tried in turn (a
    fileexam.passwords.Passwords may ask for one), the first that opens it decrypts it in memory."""
    from fileexam import passwords

    book = EncryptedWorkbook(data)
    tried = 0
    for candidate in passwords.candidates(password, Path(path)):
        tried += 1
        if book.unlock(candidate):
            passwords.worked(password, Path(path), candidate)
            return book.decrypt()
    if tried:
        raise WrongPassword(tried)
    raise PasswordNeeded()


def open_encrypted(path: Path) -> EncryptedWorkbook | None:
    """The encrypted workbook at `path`, ready for `unlock`; None when the file is not an OLE file (a plain
    .xlsx, say). Raises UnsafeWorkbook for an OLE file fileexam cannot open, OSError when unreadable."""
    path = Path(path)
    with path.open("rb") as fh:
        if fh.read(8) != OLE_MAGIC:
            return None
        if path.stat().st_size > MAX_FILE_BYTES:
            raise UnsafeWorkbook(f"it is over {MAX_FILE_BYTES:,} bytes; larger workbooks are not read")
        fh.seek(0)
        data = fh.read(MAX_FILE_BYTES + 1)
    return EncryptedWorkbook(data)


def is_encrypted(path: Path) -> bool:
    """Whether the file is an encrypted workbook (nothing is decrypted; False when unreadable)."""
    try:
        return open_encrypted(path) is not None
    except (OSError, UnsafeWorkbook):
        return False


# Any attribute r="…": letters and digits on a cell, digits alone on a row. One findall for the
# tags and one for the r values keep the scan near 20 ms a megabyte.
# An r attribute after white space: `\sr\s*=...`, written to start with its literal r (which the regex engine
# looks for fast) and look back for the white space; the same matches and groups.
_R_ATTR = re.compile(rb"""r(?<=\sr)\s*=\s*["']\s*([A-Za-z]*)(\d*)\s*["']""")
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
    first, second = itemgetter(0), itemgetter(1)
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
        # Counted with C-level map/countOf, not per-reference Python (a sheet holds millions): the same sums.
        cols, ds = list(map(first, refs)), list(map(second, refs))
        letters.update(cols)
        digits = set(ds)
        digits.discard(b"")
        numbers |= {d.lstrip(b"0") or b"0" for d in digits}  # one per row number: few
        no_col = list(map(not_, cols))
        with_digits = len(refs) - countOf(ds, b"")
        no_col_with_digits = countOf(no_col, True) - countOf(refs, (b"", b""))
        bare = set(compress(ds, no_col))  # row numbers given without a column: unique, each row once
        bare.discard(b"")
        cell_refs += with_digits - no_col_with_digits
        row_refs += len(bare)
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

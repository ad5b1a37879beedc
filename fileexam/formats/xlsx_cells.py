"""The cells of a workbook's sheets, read exactly: our own streaming parser over the sheet XML.

Used where the text must come back exactly as it was written (the exchange workbook), on files
that workbook_guard has measured. python-calamine and openpyxl decode Excel's `_xHHHH_` escapes
differently from XlsxWriter's encoding of them (and from each other), so a comment holding
`_x005F_x0041_` or U+FFFE came back changed; here the escapes are undone exactly as XlsxWriter
made them. Memory grows with the cells present, never with a declared size.

Values: text as str, numbers as float, booleans as bool, empty as None; a formula cell as
("=FORMULA", its formula) and an error cell as ("=ERROR", its text), for the caller to report.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import xml.parsers.expat as expat

from fileexam.formats.workbook_guard import MAX_COLUMNS, MAX_ROWS, UnsafeWorkbook, column_number

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
SEP = "\x01"  # namespace separator: cannot occur in a name

_ESCAPED = re.compile(r"_x005F(_x[0-9A-Fa-f]{4}_)|_x([0-9A-Fa-f]{4})_")


def unescape(text: str) -> str:
    """Undo XlsxWriter's escaping: `_x005F` before a literal `_xHHHH_`, and `_xHHHH_` for a character
    XML cannot hold. (XlsxWriter escapes non-overlapping matches left to right; this is its inverse.)
    An escaped UTF-16 surrogate pair becomes its one character; a lone surrogate, which no text can
    hold, becomes U+FFFD (the replacement character), for the checks to refuse in words."""
    if "_x" not in text:
        return text
    out = _ESCAPED.sub(lambda m: m.group(1) if m.group(1) else chr(int(m.group(2), 16)), text)
    if _SURROGATES.search(out):
        out = out.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return out


_SURROGATES = re.compile("[\ud800-\udfff]")


def _parser(part: str, namespaces: bool = True):
    p = expat.ParserCreate(namespace_separator=SEP) if namespaces else expat.ParserCreate()

    def refuse(*_args):  # no DTDs, no entities: the billion-laughs family never starts
        raise UnsafeWorkbook(f"its part {part} declares XML entities or a document type, which workbooks do not")
    p.StartDoctypeDeclHandler = refuse
    p.EntityDeclHandler = refuse
    p.ExternalEntityRefHandler = refuse
    p.buffer_text = True
    return p


def _feed(z: zipfile.ZipFile, part: str, parser) -> None:
    try:
        with z.open(part) as fh:
            while True:
                chunk = fh.read(1 << 20)
                parser.Parse(chunk, not chunk)
                if not chunk:
                    return
    except KeyError:
        raise UnsafeWorkbook(f"its part {part} is missing: the workbook is not complete") from None
    except expat.ExpatError as exc:
        raise UnsafeWorkbook(f"its part {part} is not well-formed XML (line {exc.lineno}): "
                             "the workbook is damaged") from None
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError):
        raise UnsafeWorkbook(f"its part {part} cannot be unpacked: the workbook is damaged") from None


def _local(name: str) -> tuple[str, str]:
    ns, _, local = name.rpartition(SEP)
    return ns, local


def _relationships(z: zipfile.ZipFile, part: str) -> dict[str, str]:
    """Relationship id -> target part, for the part `part` (e.g. xl/workbook.xml)."""
    folder, name = posixpath.split(part)
    rels_part = posixpath.join(folder, "_rels", name + ".rels")
    out: dict[str, str] = {}

    def start(tag, attrs):
        if _local(tag)[1] == "Relationship" and attrs.get("Id") and attrs.get("Target"):
            target = attrs["Target"]
            if attrs.get("TargetMode") == "External":
                return
            full = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            out[attrs["Id"]] = full

    p = _parser(rels_part)
    p.StartElementHandler = start
    _feed(z, rels_part, p)
    return out


def workbook_parts(z: zipfile.ZipFile) -> tuple[dict[str, str], str | None]:
    """Sheet name -> its part, and the shared-strings part (if any), from the workbook's own index."""
    book = None
    p = _parser("_rels/.rels")

    def start_root(tag, attrs):
        nonlocal book
        if _local(tag)[1] == "Relationship" and attrs.get("Type", "").endswith("/officeDocument"):
            book = attrs.get("Target", "").lstrip("/")
    p.StartElementHandler = start_root
    _feed(z, "_rels/.rels", p)
    if not book:
        raise UnsafeWorkbook("it has no workbook part: it is not a complete workbook")
    rels = _relationships(z, book)
    sheets: dict[str, str] = {}

    def start_book(tag, attrs):
        ns, local = _local(tag)
        if local == "sheet":
            rid = attrs.get(REL + SEP + "id")
            if attrs.get("name") and rid in rels:
                sheets[attrs["name"]] = rels[rid]
    p = _parser(book)
    p.StartElementHandler = start_book
    _feed(z, book, p)
    strings = None
    folder = posixpath.dirname(book)
    for target in rels.values():
        if target.lower().endswith("sharedstrings.xml"):
            strings = target
    if strings is None and f"{folder}/sharedStrings.xml" in z.namelist():
        strings = f"{folder}/sharedStrings.xml"
    return sheets, strings


def shared_strings(z: zipfile.ZipFile, part: str | None) -> list[str]:
    if part is None:
        return []
    out: list[str] = []
    buf: list[str] = []
    state = {"t": False, "skip": 0}

    def start(tag, attrs):
        local = _local(tag)[1]
        if local == "si":
            buf.clear()
        elif local in ("rPh", "phoneticPr"):
            state["skip"] += 1   # phonetic guides are not part of the text
        elif local == "t" and not state["skip"]:
            state["t"] = True

    def end(tag):
        local = _local(tag)[1]
        if local == "t":
            state["t"] = False
        elif local in ("rPh", "phoneticPr"):
            state["skip"] -= 1
        elif local == "si":
            out.append(unescape("".join(buf)))

    def text(data):
        if state["t"]:
            buf.append(data)

    p = _parser(part)
    p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = start, end, text
    _feed(z, part, p)
    return out


_REF = re.compile(r"^([A-Za-z]{1,3})(\d{1,7})$")


def read_sheet(z: zipfile.ZipFile, part: str, strings: list[str], max_columns: int = MAX_COLUMNS) -> list[tuple[int, list]]:
    """(row number, values) for each row that holds a cell, in order; columns past `max_columns` are
    left out. Every handler runs once per cell, so they are kept flat."""
    rows: list[tuple[int, list]] = []
    buf: list[str] = []
    row_no = last_row = col = skip = 0
    kind = "n"
    formula: str | None = None
    capturing = False
    values: dict | None = None

    def bad(what: str):
        return UnsafeWorkbook(f"its part {part} {what}: the workbook is damaged")

    def start(tag, attrs):
        nonlocal row_no, last_row, col, kind, formula, capturing, values, skip
        if ":" in tag:
            tag = tag.rpartition(":")[2]
        if tag == "c":
            ref = attrs.get("r")
            if ref:
                m = _REF.match(ref)
                if m is None:
                    raise bad(f"names a cell '{ref[:20]}'")
                c = column_number(m.group(1))
                if int(m.group(2)) != row_no:
                    raise bad(f"puts cell {ref} in row {row_no}")
                if c <= col:
                    raise bad(f"holds cell {ref} twice or out of order")
                col = c
            else:
                col += 1
            if col > MAX_COLUMNS:
                raise bad("holds a cell beyond Excel's last column")
            kind = attrs.get("t", "n")
            formula = None
            buf.clear()
        elif tag == "v" or tag == "t":
            capturing = not skip
        elif tag == "row":
            ref = attrs.get("r")
            if ref:
                if not ref.isdigit() or len(ref) > 7:
                    raise bad(f"names a row '{ref[:20]}'")
                row = int(ref)
                if row <= last_row:
                    raise bad(f"holds row {row} twice or out of order")
            else:
                row = last_row + 1
            if row > MAX_ROWS:
                raise bad("holds a row beyond Excel's last row")
            last_row = row_no = row
            col = 0
            values = {}
        elif tag == "f":
            formula = ""
            capturing = True
        elif tag == "rPh" or tag == "phoneticPr":
            skip += 1

    def end(tag):
        nonlocal formula, capturing, values, skip
        if ":" in tag:
            tag = tag.rpartition(":")[2]
        if tag == "c":
            if values is None:
                raise bad("holds a cell outside a row")
            if col <= max_columns:
                values[col] = _value(kind, "".join(buf), formula, strings, bad)
            buf.clear()
        elif tag == "v" or tag == "t":
            capturing = False
        elif tag == "f":
            formula = "".join(buf)
            buf.clear()
            capturing = False
        elif tag == "row":
            kept = {c: v for c, v in values.items() if v is not None} if values else None
            if kept:
                row_values = [None] * max(kept)
                for c, v in kept.items():
                    row_values[c - 1] = v
                rows.append((row_no, row_values))
            values = None
        elif tag == "rPh" or tag == "phoneticPr":
            skip -= 1

    def text(data):
        if capturing:
            buf.append(data)

    p = _parser(part, namespaces=False)
    p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = start, end, text
    _feed(z, part, p)
    return rows


def _value(kind: str, raw: str, formula: str | None, strings: list[str], bad):
    if formula is not None:
        return ("=FORMULA", formula)
    if kind == "s":
        if not raw.strip().isdigit() or int(raw) >= len(strings):
            raise bad(f"refers to shared text {raw[:20]!r}, which it does not hold")
        text = strings[int(raw)]
        return text if text != "" else None
    if kind in ("inlineStr", "str", "d"):
        text = unescape(raw)
        return text if text != "" else None
    if kind == "b":
        return raw.strip() in ("1", "true")
    if kind == "e":
        return ("=ERROR", raw)
    if raw.strip() == "":
        return None
    try:
        return float(raw)
    except ValueError:
        raise bad(f"holds {raw[:20]!r} where a number belongs") from None


def read_sheets(z: zipfile.ZipFile, names: tuple[str, ...]) -> dict[str, list[tuple[int, list]]]:
    """The named sheets that exist, each as (row number, values) rows."""
    parts, strings_part = workbook_parts(z)
    wanted = {n: parts[n] for n in names if n in parts}
    strings = shared_strings(z, strings_part) if wanted else []
    return {name: read_sheet(z, part, strings) for name, part in wanted.items()}

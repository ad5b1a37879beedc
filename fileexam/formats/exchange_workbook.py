"""The exchange workbook: what an inspector hands to the team lead. Layout documented in exports/FORMAT.md.

Sheets: About, Cases, Answers (the data, covered by a SHA-256), Grid and
Questions (for people). Reading checks the format, the sheets, the headers,
the counts and the hash, and says where anything is wrong.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from fileexam.domain.problems import Problem, cell_problem
from fileexam.services.progress import Progress, no_progress

FORMAT_ID = "fileexam-exchange"
FORMAT_VERSION = 1
CASES_FIXED = ["reference", "marker", "status", "inspector"]
ANSWERS_HEADERS = ["reference", "marker", "question_set", "question_id", "value", "points", "comment",
                   "answered_at", "revision"]


@dataclass
class ExchangeData:
    about: dict[str, str]                  # ordered: written as Key / Value rows
    field_ids: list[str]                   # the case fields exported, in order
    cases: list[list]                      # rows: CASES_FIXED + one text per field
    answers: Iterable[list]                # rows: ANSWERS_HEADERS; a list when read, streamed when written
    grid_headers: list[str] = field(default_factory=list)
    grid: Iterable[list] = field(default_factory=list)  # consumed after answers when written
    answer_count: int | None = None        # for progress, when answers are streamed
    definitions: list[dict] = field(default_factory=list)  # kind, id, version, fingerprint, file_name, text
    merges: list[dict] = field(default_factory=list)  # a master's merge log: written as a sheet, not read back
    changed_rows: dict = field(default_factory=dict)  # when read: sheet -> rows whose row_check fails
    questions: list[list] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # when read


ROW_CHECK = "row_check"
DEFINITIONS_HEADERS = ["kind", "id", "version", "fingerprint", "file_name", "part", "text"]
CELL_TEXT_LIMIT = 30_000  # Excel holds at most 32,767 characters in a cell: longer YAML goes in parts


def row_blob(values: list) -> bytes:
    """The canonical bytes of one data row: what the row check and the data hash are computed over."""
    return json.dumps([_canon(v) for v in values], ensure_ascii=False).encode()


def row_check(values: list, blob: bytes | None = None) -> str:
    """A short checksum of one data row, so a reader can say which rows were changed after export."""
    return hashlib.sha256(blob if blob is not None else row_blob(values)).hexdigest()[:12]


QUESTIONS_HEADERS = ["question_set", "section", "question_id", "text", "answer_type", "options", "required",
                     "scores", "applies_when"]


def _canon(v) -> str:
    """One text per cell value, the same whether written or read back."""
    if type(v) is str:  # the common case first: this runs for every cell
        return v
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float)):
        return format(float(v), ".12g")
    return str(v)


class DataHasher:
    """SHA-256 over the data rows, fed a sheet at a time as rows are written or read."""

    def __init__(self):
        self._h = hashlib.sha256()

    def sheet(self, name: str, headers: list[str]) -> None:
        self._h.update(json.dumps([name, headers]).encode())

    def row(self, values: list, blob: bytes | None = None) -> None:
        self._h.update(b"\n" + (blob if blob is not None else row_blob(values)))

    def hexdigest(self) -> str:
        return self._h.hexdigest()


# Above this many cells, XlsxWriter keeps memory flat by streaming rows to disk; Excel tables
# cannot be made that way, so the blocks get filters without table styling. (See FORMAT.md.)
STREAMING_CELLS = 2_000_000


def cases_headers(field_ids: list[str]) -> list[str]:
    return CASES_FIXED + field_ids


def write_exchange(path: Path, data: ExchangeData, progress: Progress = no_progress) -> tuple[int, int]:
    """Write the workbook; answers and grid may be generators (consumed once). Returns (cases, answers)."""
    from fileexam.formats.xlsx_writing import BookWriter

    c_headers = cases_headers(data.field_ids)
    n_answers = data.answer_count if data.answer_count is not None else len(data.answers)
    cells = len(data.cases) * (len(c_headers) + len(data.grid_headers)) + n_answers * len(ANSWERS_HEADERS)
    total = len(data.cases) * 2 + n_answers
    hasher = DataHasher()

    book = BookWriter(path, streaming=cells > STREAMING_CELLS)
    try:
        about_sheet = book.sheet("About", ["Key", "Value"], [24, 70])  # first sheet, filled last

        sheet = book.sheet("Cases", c_headers + [ROW_CHECK], [16, 10, 12, 10] + [18] * len(data.field_ids) + [14])
        hasher.sheet("Cases", c_headers)
        for row in data.cases:
            blob = row_blob(row)
            sheet.append(list(row) + [row_check(row, blob)])
            hasher.row(row, blob)
        sheet.finish()
        done = len(data.cases)
        progress(done, total, "cases")

        sheet = book.sheet("Answers", ANSWERS_HEADERS + [ROW_CHECK], [16, 10, 18, 12, 16, 8, 50, 28, 9, 14])
        hasher.sheet("Answers", ANSWERS_HEADERS)
        count = 0
        for row in data.answers:
            blob = row_blob(row)
            sheet.append(list(row) + [row_check(row, blob)])
            hasher.row(row, blob)
            count += 1
            if count % 5000 == 0:
                progress(done + count, total, "answers")
        sheet.finish()
        done += count

        sheet = book.sheet("Grid", data.grid_headers, [16, 10, 12] + [14] * (len(data.grid_headers) - 3))
        for row in data.grid:
            sheet.append(row)
        sheet.finish()

        sheet = book.sheet("Questions", QUESTIONS_HEADERS, [18, 22, 12, 60, 12, 50, 10, 24, 40], wrap=True)
        for row in data.questions:
            sheet.append(row)
        sheet.finish()

        if data.merges:  # a master's export says what was merged into it, and from whom
            headers = ["When", "Who", "Workbook", "Marker", "Outcome", "New", "Updated", "Unchanged", "Older",
                       "Conflicts", "Detail"]
            sheet = book.sheet("Merge report", headers, [22, 12, 26, 12, 10, 7, 8, 10, 7, 9, 60])
            for m in data.merges:
                sheet.append([m["at"], m["who"], m["file_name"], m["marker"], m["outcome"], m["new"], m["updated"],
                              m["unchanged"], m["older"], m["conflicts"], m["detail"] or ""])
            sheet.finish()

        sheet = book.sheet("Definitions", DEFINITIONS_HEADERS, [20, 18, 9, 26, 22, 6, 80])
        for d in data.definitions:
            text = d["text"]
            parts = [text[i:i + CELL_TEXT_LIMIT] for i in range(0, len(text), CELL_TEXT_LIMIT)] or [""]
            for n, part in enumerate(parts, start=1):
                sheet.append([d["kind"], d["id"], d["version"], d["fingerprint"], d["file_name"], n, part])
        sheet.finish()
        sheet.ws.hide()  # for fileexam (the diff of a question set), not for people

        about = dict(data.about)
        about.update(cases=str(len(data.cases)), answers=str(count), data_sha256=hasher.hexdigest())
        for k, v in about.items():
            about_sheet.append([k, v])
        about_sheet.finish()
        progress(total - 1, total, "saving")
        book.close()  # written to a .part file, then renamed: a reader never sees half a workbook
    except BaseException:
        book.abandon()
        raise
    progress(total, total, "done")
    return len(data.cases), count


def read_exchange(path: Path | str) -> ExchangeData:
    """Read and check an exchange workbook; problems say sheet, row and column."""
    from fileexam.formats.workbook_guard import UnsafeWorkbook, check_workbook_file

    path = Path(path)
    shown = str(path)
    data = ExchangeData({}, [], [], [])

    def bad(code, sheet=None, row=None, col=None, **params):
        data.problems.append(cell_problem(code, shown, sheet, row, col, **params))
        return data

    if not path.is_file():
        return bad("table-unreadable", what="exchange workbook", reason="there is no such file")
    try:
        check_workbook_file(path)
        sheets, formulas = _load_sheets(path, ("About", "Cases", "Answers", "Definitions"))
    except UnsafeWorkbook as exc:
        return bad("table-unreadable", what="exchange workbook", reason=str(exc))
    except Exception as exc:  # the readers raise many kinds for damaged files
        return bad("table-unreadable", what="exchange workbook",
                   reason=f"it is damaged or not a workbook ({type(exc).__name__})")

    for name in ("About", "Cases", "Answers"):
        if name not in sheets:
            return bad("exchange-sheet-missing", name, name=name)
    about_rows = sheets["About"][1:]
    data.about = {str(r[0]): _canon(r[1]) for r in about_rows if r and r[0] is not None and len(r) > 1}
    if data.about.get("format") != FORMAT_ID:
        return bad("exchange-not-ours", "About", found=data.about.get("format", "nothing"))
    if data.about.get("format_version") != str(FORMAT_VERSION):
        return bad("exchange-version", "About", version=data.about.get("format_version", "none"),
                   known=FORMAT_VERSION)

    def table(name: str, expected: list[str] | None):
        rows = sheets[name]
        header = [str(v) if v is not None else "" for v in (rows[0] if rows else [])]
        while header and header[-1] == "":
            header.pop()
        if expected is not None and header != expected:
            bad("exchange-header", name, 1, expected=", ".join(expected), found=", ".join(header))
            return header, []
        body = []
        width = len(header)
        for i, r in enumerate(rows[1:], start=2):
            r = list(r[:width]) + [None] * (width - len(r)) if len(r) != width else list(r)
            if formulas:
                for j, v in enumerate(r):
                    if isinstance(v, tuple):
                        bad("formula-in-cell", name, i, header[j], formula=str(v[1])[:40])
                        r[j] = None
            if all(v is None for v in r):
                continue
            body.append((i, r))
        return header, body

    c_header, c_rows = table("Cases", None)
    if c_header[: len(CASES_FIXED)] != CASES_FIXED or c_header[-1:] != [ROW_CHECK]:
        return bad("exchange-header", "Cases", 1, expected=", ".join(CASES_FIXED) + ", fields..., " + ROW_CHECK,
                   found=", ".join(c_header))
    data.field_ids = c_header[len(CASES_FIXED):-1]
    _, a_rows = table("Answers", ANSWERS_HEADERS + [ROW_CHECK])
    if data.problems:
        return data
    c_header = c_header[:-1]
    data.cases = [_texts(r[:-1]) for _, r in c_rows]
    data.answers = [_answer_row(r[:-1]) for _, r in a_rows]
    data.rows = {"Cases": [i for i, _ in c_rows], "Answers": [i for i, _ in a_rows]}  # type: ignore[attr-defined]
    hasher = DataHasher()
    for name, headers, raw, rows in (("Cases", c_header, c_rows, data.cases),
                                     ("Answers", ANSWERS_HEADERS, a_rows, data.answers)):
        hasher.sheet(name, headers)
        changed = []
        for (i, r), values in zip(raw, rows):
            blob = row_blob(values)  # once per row: for the row check and the hash
            hasher.row(values, blob)
            if _canon(r[-1]) != row_check(values, blob):
                changed.append(i)
        if changed:
            data.changed_rows[name] = changed
    data.definitions = _definitions(sheets.get("Definitions", []))

    for key, rows in (("cases", data.cases), ("answers", data.answers)):
        if data.about.get(key) != str(len(rows)):
            bad("exchange-count", "About", None, what=key, said=data.about.get(key, "nothing"), found=len(rows))
    if data.about.get("data_sha256") != hasher.hexdigest():
        where = "; ".join(f"{sheet} rows {_ranges(rows)}" for sheet, rows in data.changed_rows.items())
        bad("exchange-hash", "About", rows=where or "rows cannot be named (rows were added or removed)")
    return data


def _ranges(rows: list[int]) -> str:
    """[2, 3, 4, 9] -> '2-4, 9' (at most 12 pieces shown)."""
    pieces, start, prev = [], None, None
    for r in rows:
        if start is None:
            start = prev = r
        elif r == prev + 1:
            prev = r
        else:
            pieces.append(f"{start}-{prev}" if prev != start else str(start))
            start = prev = r
    if start is not None:
        pieces.append(f"{start}-{prev}" if prev != start else str(start))
    return ", ".join(pieces[:12]) + (" …" if len(pieces) > 12 else "")


def _holds_formula(xml: bytes) -> bool:
    return b"<f>" in xml or b"<f " in xml


def _load_sheets(path: Path, names: tuple[str, ...]) -> tuple[dict[str, list[list]], bool]:
    """The cells of the named sheets, and whether any formula cell is marked among them. Calamine (Rust) reads values about 20x faster than openpyxl; it
    cannot tell a formula from its cached value, so a workbook holding any formula is read with openpyxl,
    which marks formula cells as ("=FORMULA", text) so that their places can be reported."""
    import io
    import zipfile

    with path.open("rb") as fh:  # read at once and closed: nothing stays locked on Windows
        data = fh.read()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        has_formula = any(_holds_formula(z.read(n))
                          for n in z.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    if not has_formula:
        try:
            from python_calamine import CalamineWorkbook
        except ImportError:
            CalamineWorkbook = None
        if CalamineWorkbook is not None:
            wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
            try:
                return {name: [[None if v == "" else v for v in row] for row in wb.get_sheet_by_name(name).to_python()]
                        for name in names if name in wb.sheet_names}, False
            finally:
                wb.close()
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        sheets = {name: [[c.value if c.data_type != "f" else ("=FORMULA", c.value) for c in row]
                         for row in wb[name].iter_rows()]
                  for name in names if name in wb.sheetnames}
    finally:
        wb.close()
    return sheets, has_formula  # formula cells are marked ("=FORMULA", text): the reader reports their places


def _definitions(rows: list[list]) -> list[dict]:
    """The stored YAML of the template and sets, put back together from its parts."""
    out: dict[tuple, dict] = {}
    for r in rows[1:]:
        if not r or r[0] is None:
            continue
        r = list(r) + [None] * (7 - len(r))
        key = (str(r[0]), str(r[1]), _canon(r[3]))
        d = out.setdefault(key, {"kind": str(r[0]), "id": str(r[1]), "version": _canon(r[2]),
                                 "fingerprint": _canon(r[3]), "file_name": _canon(r[4]), "text": ""})
        d["text"] += "" if r[6] is None else str(r[6])
    return list(out.values())


def _texts(row: list) -> list:
    return [None if v is None else _canon(v) for v in row]


def _answer_row(row: list) -> list:
    out = _texts(row)
    # points and revision are numbers in the sheet, texts elsewhere: give them back as numbers
    for idx in (5, 8):
        if out[idx] not in (None, ""):
            try:
                number = float(out[idx])
                out[idx] = int(number) if number.is_integer() else number
            except ValueError:
                pass
    return out

"""The exchange workbook: what an inspector hands to the team lead. Layout documented in exports/FORMAT.md.

Sheets: About, Cases, Answers, Exclusions, Feedback (the data, covered by a SHA-256), Grid
and Questions (for people). Reading checks the format, the sheets, the headers,
the counts and the hash, and says where anything is wrong.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterable

from fileexam.domain.problems import Problem, cell_problem, did_you_mean
from fileexam.progress import Progress, no_progress

FORMAT_ID = "fileexam-exchange"
FORMAT_VERSION = 4      # 2: the hash covers About and Definitions too; 3: the Exclusions sheet (issue 18);
#                        4: the Feedback sheet (issue 17)
READS = ("1", "2", "3", "4")  # version 1 workbooks (fileexam 0.x) are still read: their About is not covered
CASES_FIXED = ["reference", "marker", "status", "inspector"]
ANSWERS_HEADERS = ["reference", "marker", "question_set", "question_id", "value", "points", "comment",
                   "answered_at", "revision"]
# Sampled cases marked not examinable, and the reserve that took each one's place (format version 3).
EXCLUSIONS_HEADERS = ["reference", "stratum", "reason", "note", "excluded_by", "excluded_at", "replaced_by"]
# What the inspector did with their feedback: read receipts, replies, query answers (format version 4).
FEEDBACK_HEADERS = ["kind", "query", "reference", "question_id", "marker", "read_at", "reply", "replied_at",
                    "answer_before", "answer_after"]
FEEDBACK_KINDS = ("disagreement", "query")


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
    row_numbers: dict = field(default_factory=dict)   # when read: sheet -> the sheet row of each data row
    path: str = ""                                    # when read: the file, as problems name it
    questions: list[list] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # when read
    encrypted: bool = False                           # when read: it was an encrypted workbook
    exclusions: list[list] = field(default_factory=list)  # rows: EXCLUSIONS_HEADERS (format version 3)
    feedback: list[list] = field(default_factory=list)    # rows: FEEDBACK_HEADERS (format version 4)


ROW_CHECK = "row_check"
DEFINITIONS_HEADERS = ["kind", "id", "version", "fingerprint", "file_name", "part", "text"]
CELL_TEXT_LIMIT = 16_000  # Excel holds at most 32,767 (UTF-16) characters in a cell: longer YAML goes in parts


def row_blob(values: list) -> bytes:
    """The canonical bytes of one data row: what the row check and the data hash are computed over.
    The same bytes as json.dumps([_canon(v) for v in values], ensure_ascii=False).encode(), without the
    encoder's per-call set-up (it runs for every row read or written)."""
    return ("[" + ", ".join([_quote(_canon(v)) for v in values]) + "]").encode()


def _texts_blob(values: list) -> bytes:
    """row_blob of a row already made texts (_texts: str or None), without _canon's call per cell."""
    return ("[" + ", ".join([_quote(v) if v is not None else '""' for v in values]) + "]").encode()


def row_check(values: list, blob: bytes | None = None) -> str:
    """A short checksum of one data row, so a reader can say which rows were changed after export."""
    return hashlib.sha256(blob if blob is not None else row_blob(values)).hexdigest()[:12]


_quote = getattr(json.encoder, "c_encode_basestring", None) or json.encoder.py_encode_basestring

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


def write_exchange(path: Path, data: ExchangeData, progress: Progress = no_progress,
                   password: str | None = None) -> tuple[int, int]:
    """Write the workbook; answers and grid may be generators (consumed once). Returns (cases, answers).
    With a password the workbook is encrypted (ECMA-376 agile, as Excel does): built in memory, never
    written to disk in plain."""
    from fileexam.formats.xlsx_writing import BookWriter

    c_headers = cases_headers(data.field_ids)
    n_answers = data.answer_count if data.answer_count is not None else len(data.answers)
    cells = len(data.cases) * (len(c_headers) + len(data.grid_headers)) + n_answers * len(ANSWERS_HEADERS)
    total = len(data.cases) * 2 + n_answers
    hasher = DataHasher()

    book = BookWriter(path, streaming=cells > STREAMING_CELLS, password=password)
    try:
        # the first sheet, filled last
        about_sheet = book.sheet("About", ["Key", "Value"], [24, 70], strict=True, bulk=True)

        def checked(name: str, headers: list[str], widths: list[float], rows, every=None) -> int:
            """A data sheet: each row with its row check, hashed in order; every(n) after each 5,000 rows."""
            sheet = book.sheet(name, headers + [ROW_CHECK], widths, strict=True, bulk=True)
            hasher.sheet(name, headers)
            n = 0
            for row in rows:
                blob = row_blob(row)
                sheet.append(list(row) + [row_check(row, blob)])
                hasher.row(row, blob)
                n += 1
                if every is not None and n % 5000 == 0:
                    every(n)
            sheet.finish()
            return n

        done = checked("Cases", c_headers, [16, 10, 12, 10] + [18] * len(data.field_ids) + [14], data.cases)
        progress(done, total, "cases")
        count = checked("Answers", ANSWERS_HEADERS, [16, 10, 18, 12, 16, 8, 50, 28, 9, 14], data.answers,
                        lambda n: progress(done + n, total, "answers"))
        done += count
        checked("Exclusions", EXCLUSIONS_HEADERS, [16, 30, 18, 40, 12, 28, 16, 14], data.exclusions)
        checked("Feedback", FEEDBACK_HEADERS, [13, 7, 16, 11, 12, 24, 50, 24, 14, 14, 14], data.feedback)

        sheet = book.sheet("Grid", data.grid_headers, [16, 10, 12] + [14] * (len(data.grid_headers) - 3), bulk=True)
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
            sheet = book.sheet("Merge report", headers, [22, 12, 26, 12, 10, 7, 8, 10, 7, 9, 60], bulk=True)
            for m in data.merges:
                sheet.append([m["at"], m["who"], m["file_name"], m["marker"], m["outcome"], m["new"], m["updated"],
                              m["unchanged"], m["older"], m["conflicts"], m["detail"] or ""])
            sheet.finish()

        sheet = book.sheet("Definitions", DEFINITIONS_HEADERS, [20, 18, 9, 26, 22, 6, 80], bulk=True)
        definition_rows = []
        for d in data.definitions:
            text = d["text"]
            parts = [text[i:i + CELL_TEXT_LIMIT] for i in range(0, len(text), CELL_TEXT_LIMIT)] or [""]
            for n, part in enumerate(parts, start=1):
                row = [d["kind"], d["id"], d["version"], d["fingerprint"], d["file_name"], n, part]
                sheet.append(row)
                definition_rows.append([_canon(v) for v in row])
        sheet.finish()
        sheet.ws.hide()  # for fileexam (the diff of a question set), not for people

        about = dict(data.about)
        about.update(cases=str(len(data.cases)), answers=str(count), exclusions=str(len(data.exclusions)),
                     feedback=str(len(data.feedback)))
        about.pop("data_sha256", None)
        hash_definitions(hasher, definition_rows)
        hash_about(hasher, about)
        about["data_sha256"] = hasher.hexdigest()
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


ABOUT_KEYS = ["format", "format_version", "inspection_id", "inspection_name", "template_id", "template_version",
              "template_fingerprint", "marker", "fileexam_version", "exported_at", "cases", "answers", "exclusions",
              "feedback", "data_sha256"]
ABOUT_REQUIRED = ["format", "format_version", "template_fingerprint", "marker", "cases", "answers", "data_sha256"]
_SET_KEY = re.compile(r"^set\.([A-Za-z0-9][A-Za-z0-9_.-]*)\.(version|fingerprint)$")
ALL_MARKERS = "(all markers)"
STATUSES = ("not started", "in progress", "complete")
MAX_REVISION = 2 ** 31 - 1
FUTURE_TOLERANCE = timedelta(days=2)  # laptop clocks drift; a time further ahead would hide later work


def read_exchange(path: Path | str, now: datetime | None = None, password=None) -> ExchangeData:
    """Read and check an exchange workbook. Every cell of About, Cases and Answers is checked for what
    the format allows (types, times, revisions, statuses, one value per answer, the workbook's marker);
    problems say sheet, row and column. What the template allows is checked by the merge.
    password: for an encrypted workbook, a text or a fileexam.passwords.Passwords (see workbook_guard)."""
    from fileexam.formats.workbook_guard import UnsafeWorkbook

    path = Path(path)
    shown = str(path)
    data = ExchangeData({}, [], [], [], path=shown)

    def bad(code, sheet=None, row=None, col=None, **params):
        data.problems.append(cell_problem(code, shown, sheet, row, col, **params))
        return data

    if not path.is_file():
        return bad("table-unreadable", what="fileexam exchange workbook", reason="there is no such file")
    try:
        sheets, formulas = _load_sheets(path, ("About", "Cases", "Answers", "Exclusions", "Feedback", "Definitions"),
                                        password, data)
    except UnsafeWorkbook as exc:
        return bad("table-unreadable", what="fileexam exchange workbook", reason=str(exc))
    except OSError as exc:
        return bad("table-unreadable", what="fileexam exchange workbook", reason=exc.strerror or "it cannot be read")
    except Exception:  # noqa: BLE001 - a reader library's own error on a damaged file
        return bad("table-unreadable", what="fileexam exchange workbook", reason="it is damaged or not a workbook")

    for name in ("About", "Cases", "Answers"):
        if name not in sheets:
            return bad("exchange-sheet-missing", name, name=name)
    for name, rows in sheets.items() if formulas else ():  # the loader says whether any cell is one
        for i, r in rows:
            for j, v in enumerate(r):
                if isinstance(v, tuple):
                    bad("formula-in-cell", name, i, _column_letter(j), formula=str(v[1])[:40])
                    r[j] = None
    if data.problems:
        return data

    if not _read_about(data, sheets["About"], bad):
        return data
    version = data.about["format_version"]
    if version not in ("1", "2") and "Exclusions" not in sheets:
        return bad("exchange-sheet-missing", "Exclusions", name="Exclusions")
    with_feedback = version not in ("1", "2", "3")
    if with_feedback and "Feedback" not in sheets:
        return bad("exchange-sheet-missing", "Feedback", name="Feedback")

    def table(name: str, expected: list[str] | None):
        rows = sheets[name]
        header = [_canon(v) for v in (rows[0][1] if rows and rows[0][0] == 1 else [])]
        while header and header[-1] == "":
            header.pop()
        if expected is not None and header != expected:
            bad("exchange-header", name, 1, expected=", ".join(expected), found=", ".join(header))
            return header, []
        width = len(header)
        body = []
        for i, r in rows:
            if i == 1:
                continue
            if len(r) > width:
                extra = next(j for j in range(width, len(r)) if r[j] is not None) if any(
                    v is not None for v in r[width:]) else None
                if extra is not None:
                    bad("exchange-bad-cell", name, i, _column_letter(extra),
                        reason="a value outside the table's columns: remove it")
                r = r[:width]
            body.append((i, r + [None] * (width - len(r))))
        return header, body

    c_header, c_rows = table("Cases", None)
    if c_header[: len(CASES_FIXED)] != CASES_FIXED or c_header[-1:] != [ROW_CHECK] or len(set(c_header)) != len(c_header):
        return bad("exchange-header", "Cases", 1, expected=", ".join(CASES_FIXED) + ", fields..., " + ROW_CHECK,
                   found=", ".join(c_header))
    data.field_ids = c_header[len(CASES_FIXED):-1]
    _, a_rows = table("Answers", ANSWERS_HEADERS + [ROW_CHECK])
    x_rows = table("Exclusions", EXCLUSIONS_HEADERS + [ROW_CHECK])[1] if version not in ("1", "2") else []
    f_rows = table("Feedback", FEEDBACK_HEADERS + [ROW_CHECK])[1] if with_feedback else []
    if data.problems:
        return data
    c_header = c_header[:-1]
    data.cases = [_texts(r[:-1]) for _, r in c_rows]
    data.answers = [_texts(r[:-1]) for _, r in a_rows]
    data.exclusions = [_texts(r[:-1]) for _, r in x_rows]
    data.feedback = [_texts(r[:-1]) for _, r in f_rows]
    data.row_numbers = {"Cases": [i for i, _ in c_rows], "Answers": [i for i, _ in a_rows],
                        "Exclusions": [i for i, _ in x_rows], "Feedback": [i for i, _ in f_rows]}
    data.definitions = _definitions(sheets.get("Definitions", []))

    hasher = DataHasher()
    hashed = [("Cases", c_header, c_rows, data.cases), ("Answers", ANSWERS_HEADERS, a_rows, data.answers)]
    if version not in ("1", "2"):  # version 3 covers the Exclusions sheet, after Answers
        hashed.append(("Exclusions", EXCLUSIONS_HEADERS, x_rows, data.exclusions))
    if with_feedback:  # version 4 covers the Feedback sheet, after Exclusions
        hashed.append(("Feedback", FEEDBACK_HEADERS, f_rows, data.feedback))
    for name, headers, raw, rows in hashed:
        hasher.sheet(name, headers)
        changed = []
        for (i, r), values in zip(raw, rows):
            blob = _texts_blob(values)  # once per row: for the row check and the hash
            hasher.row(values, blob)
            if _canon(r[-1]) != row_check(values, blob):
                changed.append(i)
        if changed:
            data.changed_rows[name] = changed
    if version != "1":  # version 2 also covers the Definitions and About sheets
        hash_definitions(hasher, _definition_rows(sheets.get("Definitions", [])))
        hash_about(hasher, data.about)

    counted = [("cases", data.cases), ("answers", data.answers)]
    if version not in ("1", "2"):
        counted.append(("exclusions", data.exclusions))
    if with_feedback:
        counted.append(("feedback", data.feedback))
    for key, rows in counted:
        if data.about.get(key) != str(len(rows)):
            bad("exchange-count", "About", None, what=key, said=data.about.get(key, "nothing"), found=len(rows))
    if data.about.get("data_sha256") != hasher.hexdigest():
        where = "; ".join(f"{sheet} rows {_ranges(rows)}" for sheet, rows in data.changed_rows.items())
        bad("exchange-hash", "About", rows=where or ("rows cannot be named: rows were added or removed, or the "
                                                     "About or Definitions sheet was changed"))
    _check_cells(data, bad, now or datetime.now(timezone.utc))
    return data


def hash_definitions(hasher: "DataHasher", rows: list[list]) -> None:
    hasher.sheet("Definitions", DEFINITIONS_HEADERS)
    for r in rows:
        hasher.row(r)


def hash_about(hasher: "DataHasher", about: dict[str, str]) -> None:
    hasher.sheet("About", ["Key", "Value"])
    for k, v in about.items():
        if k != "data_sha256":
            hasher.row([k, v])


def _read_about(data: ExchangeData, rows: list[tuple[int, list]], bad) -> bool:
    """About's keys, each checked: known, present, once. False when the workbook cannot be read further."""
    header = [_canon(v) for v in (rows[0][1] if rows and rows[0][0] == 1 else [])][:2]
    if header != ["Key", "Value"]:
        bad("exchange-header", "About", 1, expected="Key, Value", found=", ".join(header))
        return False
    seen: dict[str, int] = {}
    for i, r in rows[1:]:
        key = _canon(r[0]) if r else ""
        value = _canon(r[1]) if len(r) > 1 else ""
        if len(r) > 2 and any(v is not None for v in r[2:]):
            bad("exchange-bad-cell", "About", i, "C", reason="a value outside the Key and Value columns: remove it")
        if key in seen:
            bad("exchange-about-key", "About", i, "A", reason=f"key '{key[:60]}' appears twice (also row {seen[key]})")
            continue
        seen[key] = i
        data.about[key] = value
    fmt = data.about.get("format")
    if fmt != FORMAT_ID:
        bad("exchange-not-ours", "About", seen.get("format"), found=(fmt or "nothing")[:60])
        return False
    if data.about.get("format_version") not in READS:
        bad("exchange-version", "About", seen.get("format_version"),
            version=data.about.get("format_version", "none")[:20], known=", ".join(READS))
        return False
    for key, i in seen.items():
        if key not in ABOUT_KEYS and not _SET_KEY.match(key):
            bad("exchange-about-key", "About", i, "A",
                reason=f"'{key[:60]}' is not a key of the exchange format" + did_you_mean(key, ABOUT_KEYS))
    for key in ABOUT_REQUIRED:
        if key not in seen:
            bad("exchange-about-key", "About", None, None, reason=f"the key '{key}' is missing")
    if data.about.get("format_version") not in ("1", "2") and "exclusions" not in seen:
        bad("exchange-about-key", "About", None, None, reason="the key 'exclusions' is missing")
    if data.about.get("format_version") not in ("1", "2", "3") and "feedback" not in seen:
        bad("exchange-about-key", "About", None, None, reason="the key 'feedback' is missing")
    for key in ("cases", "answers", "exclusions", "feedback"):
        value = data.about.get(key, "0")
        if not value.isdigit() or len(value) > 9:
            bad("exchange-bad-cell", "About", seen.get(key), "B", reason=f"'{value[:30]}' is not a count of rows")
    if "exported_at" in data.about and _parse_time(data.about["exported_at"]) is None:
        bad("exchange-bad-cell", "About", seen["exported_at"], "B",
            reason=f"'{data.about['exported_at'][:40]}' is not a time (ISO 8601 with a time zone)")
    if not data.about.get("marker", "").strip() and "marker" in seen:
        bad("exchange-bad-cell", "About", seen["marker"], "B", reason="the marker is empty")
    return not data.problems


EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)  # before fileexam existed: not a time it wrote


def _parse_time(text: str | None) -> datetime | None:
    if not text or len(text) > 40:
        return None
    try:
        t = datetime.fromisoformat(text)
        if t.tzinfo is None or t < EARLIEST:
            return None
        t.astimezone(timezone.utc)  # year 1 with an offset cannot be moved to UTC: not a time we wrote
    except (ValueError, OverflowError):
        return None
    return t


# canonical_time's own form (UTC, milliseconds): a time read in it is already canonical
_CANONICAL_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", re.ASCII)


def canonical_time(t: datetime) -> str:
    """How fileexam writes a time: UTC, milliseconds (text order is then time order)."""
    return t.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def _check_cells(data: ExchangeData, bad, now: datetime) -> None:
    """The format's own rules for every data cell; the template's are the merge's to check."""
    about_marker = data.about.get("marker", "")
    one_marker = about_marker != ALL_MARKERS
    rows = data.row_numbers
    seen_cases: dict[tuple, int] = {}
    for i, row in zip(rows["Cases"], data.cases):
        ref, marker, status = row[0], row[1], row[2]
        if not ref or not ref.strip():
            bad("exchange-bad-cell", "Cases", i, "reference", reason="the case reference is empty")
        if status not in STATUSES:
            bad("exchange-bad-cell", "Cases", i, "status", reason=f"'{(status or '')[:40]}' is not a status: "
                "use one of " + ", ".join(f"'{s}'" for s in STATUSES) + did_you_mean(status or "", list(STATUSES)))
        if marker:
            if one_marker and marker != about_marker:
                bad("exchange-wrong-marker", "Cases", i, "marker", found=marker[:60], marker=about_marker[:60])
        elif status not in (None, "not started"):
            bad("exchange-bad-cell", "Cases", i, "marker", reason=f"a case '{status}' must say whose marking it is")
        key = (ref, marker or "")
        if key in seen_cases:
            bad("exchange-duplicate", "Cases", i, "reference", what=f"case {(ref or '')[:40]}"
                + (f" for {marker[:40]}" if marker else ""), first=seen_cases[key])
        else:
            seen_cases[key] = i
    seen_answers: dict[tuple, int] = {}
    cases_of = {(row[0], row[1]) for row in data.cases}
    latest = now + FUTURE_TOLERANCE
    for n, (i, row) in enumerate(zip(rows["Answers"], data.answers)):
        ref, marker, set_id, qid, _value, points, _comment, answered_at, revision = row
        for col, v in (("reference", ref), ("marker", marker), ("question_set", set_id), ("question_id", qid)):
            if not v or not v.strip():
                bad("exchange-bad-cell", "Answers", i, col, reason=f"the {col.replace('_', ' ')} is empty")
        if marker and one_marker and marker != about_marker:
            bad("exchange-wrong-marker", "Answers", i, "marker", found=marker[:60], marker=about_marker[:60])
        if set_id and f"set.{set_id}.fingerprint" not in data.about:
            bad("exchange-bad-cell", "Answers", i, "question_set",
                reason=f"the question set '{set_id[:40]}' is not listed in About (set.{set_id[:40]}.fingerprint)")
        if ref and marker and (ref, marker) not in cases_of:
            bad("exchange-bad-cell", "Answers", i, "reference",
                reason=f"case {ref[:40]} of {marker[:40]} has answers but no row in the Cases sheet")
            cases_of.add((ref, marker))  # said once per case
        key = (ref, qid, marker)
        if key in seen_answers:
            bad("exchange-duplicate", "Answers", i, "question_id",
                what=f"the answer of {(marker or '')[:40]} to {(qid or '')[:20]} on case {(ref or '')[:40]}",
                first=seen_answers[key])
        else:
            seen_answers[key] = i
        if points not in (None, ""):
            try:
                number = float(points)
            except ValueError:
                number = math.nan
            if not math.isfinite(number) or abs(number) > 1e6:
                bad("exchange-bad-cell", "Answers", i, "points", reason=f"'{points[:20]}' is not a number of points")
        t = _parse_time(answered_at)
        if t is None:
            bad("exchange-bad-cell", "Answers", i, "answered_at",
                reason=f"'{(answered_at or '')[:40]}' is not a time (ISO 8601 with a time zone, as exported)")
        elif t > latest:
            bad("exchange-bad-cell", "Answers", i, "answered_at",
                reason=f"{answered_at} is later than now: check the clock of the laptop it came from")
        elif not _CANONICAL_TIME.fullmatch(answered_at):  # as fileexam writes it already: kept as it is
            row[7] = canonical_time(t)
        rev = _integer(revision)
        if rev is None or not 1 <= rev <= MAX_REVISION:
            bad("exchange-bad-cell", "Answers", i, "revision",
                reason=f"'{(revision or '')[:20]}' is not a revision (a whole number from 1)")
        else:
            row[8] = rev
        if points not in (None, "") and math.isfinite(number) and abs(number) <= 1e6:
            row[5] = int(number) if number.is_integer() else number
        if len(data.problems) > 200:
            bad("exchange-bad-cell", "Answers", None, None, reason="more problems not listed: correct these first")
            return
    _check_exclusions(data, bad, latest, about_marker, one_marker)
    _check_feedback(data, bad, latest, about_marker, one_marker)


def _check_exclusions(data: ExchangeData, bad, latest: datetime, about_marker: str, one_marker: bool) -> None:
    """The Exclusions sheet's cells: a case, a reason, who and when, once per case; in an inspector's
    workbook every exclusion is the inspector's own. The reason and the reserve are the merge's to check."""
    seen: dict[str, int] = {}
    for i, row in zip(data.row_numbers.get("Exclusions", []), data.exclusions):
        ref, _stratum, reason, _note, by, at, replaced_by = row
        for col, v in (("reference", ref), ("reason", reason), ("excluded_by", by)):
            if not v or not v.strip():
                bad("exchange-bad-cell", "Exclusions", i, col, reason=f"the {col.replace('_', ' ')} is empty")
        if by and one_marker and by != about_marker:
            bad("exchange-wrong-marker", "Exclusions", i, "excluded_by", found=by[:60], marker=about_marker[:60])
        t = _parse_time(at)
        if t is None:
            bad("exchange-bad-cell", "Exclusions", i, "excluded_at",
                reason=f"'{(at or '')[:40]}' is not a time (ISO 8601 with a time zone, as exported)")
        elif t > latest:
            bad("exchange-bad-cell", "Exclusions", i, "excluded_at",
                reason=f"{at} is later than now: check the clock of the laptop it came from")
        else:
            row[5] = canonical_time(t)
        if replaced_by and replaced_by == ref:
            bad("exchange-bad-cell", "Exclusions", i, "replaced_by", reason="a case cannot take its own place")
        if ref in seen:
            bad("exchange-duplicate", "Exclusions", i, "reference", what=f"the exclusion of case {(ref or '')[:40]}",
                first=seen[ref])
        elif ref:
            seen[ref] = i


def _check_feedback(data: ExchangeData, bad, latest: datetime, about_marker: str, one_marker: bool) -> None:
    """The Feedback sheet's cells: a kind, a query number for a query (none for a disagreement), the case,
    question and marker, at least one time, each a time; once per item; in an inspector's workbook every
    row is the inspector's own. Whether the master holds the item is the merge's to check."""
    seen: dict[tuple, int] = {}
    for i, row in zip(data.row_numbers.get("Feedback", []), data.feedback):
        kind, number, ref, qid, marker, read_at, reply, replied_at, _before, _after = row
        if kind not in FEEDBACK_KINDS:
            bad("exchange-bad-cell", "Feedback", i, "kind",
                reason=f"'{(kind or '')[:30]}' is not a kind of feedback item: disagreement or query")
        n = _integer(number) if number not in (None, "") else None
        if kind == "query" and (n is None or not 1 <= n <= MAX_REVISION):
            bad("exchange-bad-cell", "Feedback", i, "query", reason=f"'{(number or '')[:20]}' is not a query number")
        elif kind == "query":
            row[1] = str(n)
        elif kind == "disagreement" and number not in (None, ""):
            bad("exchange-bad-cell", "Feedback", i, "query", reason="a disagreement has no query number")
        for col, v in (("reference", ref), ("question_id", qid), ("marker", marker)):
            if not v or not v.strip():
                bad("exchange-bad-cell", "Feedback", i, col, reason=f"the {col.replace('_', ' ')} is empty")
        if marker and one_marker and marker != about_marker:
            bad("exchange-wrong-marker", "Feedback", i, "marker", found=marker[:60], marker=about_marker[:60])
        if not read_at and not replied_at:
            bad("exchange-bad-cell", "Feedback", i, "read_at",
                reason="neither read_at nor replied_at: nothing to merge")
        for j, col, v in ((5, "read_at", read_at), (7, "replied_at", replied_at)):
            if not v:
                continue
            t = _parse_time(v)
            if t is None:
                bad("exchange-bad-cell", "Feedback", i, col,
                    reason=f"'{v[:40]}' is not a time (ISO 8601 with a time zone, as exported)")
            elif t > latest:
                bad("exchange-bad-cell", "Feedback", i, col,
                    reason=f"{v} is later than now: check the clock of the laptop it came from")
            else:
                row[j] = canonical_time(t)
        if reply and len(reply) > 4_000:
            bad("exchange-bad-cell", "Feedback", i, "reply",
                reason=f"{len(reply):,} characters: keep a reply under 4,000")
        key = (kind, row[1], ref, qid, marker)
        if key in seen:
            bad("exchange-duplicate", "Feedback", i, "reference", what=f"the {kind} item on {(ref or '')[:40]} "
                f"{(qid or '')[:20]}", first=seen[key])
        else:
            seen[key] = i


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


def _integer(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if math.isfinite(number) and number.is_integer() else None


def _column_letter(index: int) -> str:
    out, n = "", index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


CALAMINE_AREA = 2_000_000  # above this many laid-out cells, our streaming parser uses less memory


def _load_sheets(path: Path, names: tuple[str, ...], password=None,
                 data: ExchangeData | None = None) -> tuple[dict[str, list[tuple[int, list]]], bool]:
    """The named sheets as (row number, values) rows, and whether any formula or error cell is among them.

    Every file is measured first (workbook_guard). python-calamine (Rust) reads about 4x faster than our
    own parser, and is used when it is exact: every cell has its own reference, the laid-out area is
    small, and no text holds an `_xHHHH_` escape or a formula (calamine cannot tell a formula from its
    cached value). Anything else goes through xlsx_cells, which is exact and bounded by the cells present."""
    import zipfile

    from fileexam.formats import xlsx_cells
    from fileexam.formats.workbook_guard import check_workbook_file

    checked = check_workbook_file(path, password)
    if data is not None:
        data.encrypted = checked.encrypted
    shapes = checked.sheets.values()
    plain = (not checked.strings_escapes and not any(s.escapes or s.formulas or s.implicit for s in shapes)
             and all(max(s.rows, s.declared_rows) * max(s.columns, s.declared_columns) <= CALAMINE_AREA
                     for s in shapes))
    if plain:
        try:
            from python_calamine import CalamineWorkbook
        except ImportError:
            CalamineWorkbook = None
        if CalamineWorkbook is not None:
            wb = CalamineWorkbook.from_filelike(io.BytesIO(checked.data))
            try:
                out = {}
                for name in names:
                    if name in wb.sheet_names:
                        rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
                        out[name] = [(i, [None if v == "" else v for v in row])
                                     for i, row in enumerate(rows, start=1) if row.count("") != len(row)]
                return out, False
            finally:
                wb.close()
    with zipfile.ZipFile(io.BytesIO(checked.data)) as z:
        sheets = xlsx_cells.read_sheets(z, names)
    marked = any(isinstance(v, tuple) for rows in sheets.values() for _, row in rows for v in row)
    return sheets, marked


def _definition_rows(rows: list[tuple[int, list]]) -> list[list]:
    """The Definitions rows as texts, as hashed: the seven columns of every row below the header."""
    out = []
    for i, r in rows:
        if i == 1:
            continue
        r = list(r[:7]) + [None] * (7 - len(r[:7]))
        out.append([_canon(v) for v in r])
    return out


def _definitions(rows: list[tuple[int, list]]) -> list[dict]:
    """The stored YAML of the template and sets, put back together from its parts."""
    out: dict[tuple, dict] = {}
    for r in _definition_rows(rows):
        if not r[0]:
            continue
        key = (r[0], r[1], r[3])
        d = out.setdefault(key, {"kind": r[0], "id": r[1], "version": r[2], "fingerprint": r[3],
                                 "file_name": r[4], "text": ""})
        d["text"] += r[6]
    return list(out.values())


def _texts(row: list) -> list:
    return [v if type(v) is str else None if v is None else _canon(v) for v in row]



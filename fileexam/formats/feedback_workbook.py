"""The feedback workbook: what a moderator sends one inspector (issue 17). Layout in exports/FORMAT.md,
*Feedback workbook*.

Sheets: About (Key / Value), Disagreements, Queries, Calibration, Profile, Checks; every data row has a
row_check and About a SHA-256 over all of them, computed as for the exchange workbook, so an edit after it
was written is detected. Written for a person (widths, wrapped text, frozen headers) and read back by the
inspector's app, which checks every cell before showing anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fileexam.domain.problems import Problem, cell_problem, did_you_mean
from fileexam.formats.exchange_workbook import (DataHasher, _canon, _column_letter, _load_sheets, _parse_time,
                                                _ranges, canonical_time, hash_about, row_blob, row_check)

FORMAT_ID = "fileexam-feedback"
FORMAT_VERSION = 1
READS = ("1",)
ROW_CHECK = "row_check"
TEXT_LIMIT = 4_000   # any one cell fileexam writes here: a reason, a query, a question's text

# sheet -> (About's count key, headers, widths of the data columns, the columns that must not be empty)
SHEETS: dict[str, tuple[str, list[str], list[int], tuple[str, ...]]] = {
    "Disagreements": ("disagreements",
                      ["reference", "question_id", "question", "your_answer", "your_comment", "other_marker",
                       "other_answer", "other_comment", "agreed_answer", "reason", "settled_by", "settled_at"],
                      [16, 9, 40, 16, 30, 14, 16, 30, 16, 40, 14, 18], ("reference", "question_id")),
    "Queries": ("queries",
                ["query", "reference", "question_id", "question", "your_answer", "query_text", "raised_by",
                 "raised_at", "state"],
                [7, 16, 9, 40, 16, 50, 14, 18, 10], ("query", "reference", "question_id", "query_text", "state")),
    "Calibration": ("calibration",
                    ["reference", "reference_marker", "questions_compared", "agreement", "differences"],
                    [16, 16, 10, 12, 70], ("reference", "reference_marker")),
    "Profile": ("profile", ["figure", "value", "note"], [40, 30, 70], ("figure",)),
    "Checks": ("checks", ["check", "item", "result", "detail"], [22, 20, 16, 70], ("check",)),
}
SHEET_ORDER = list(SHEETS)
ABOUT_KEYS = ["format", "format_version", "inspection_id", "inspection_name", "template_id", "template_version",
              "template_fingerprint", "inspector", "written_by", "written_at", "fileexam_version"] + \
             [count for count, *_ in SHEETS.values()] + ["data_sha256"]
ABOUT_REQUIRED = ["format", "format_version", "template_fingerprint", "inspector", "written_at", "data_sha256"] + \
                 [count for count, *_ in SHEETS.values()]
QUERY_STATES = ("open", "answered", "closed")


@dataclass
class FeedbackData:
    about: dict[str, str]                 # ordered: written as Key / Value rows
    sheets: dict[str, list[list]] = field(default_factory=dict)   # sheet -> rows of its headers (texts)
    row_numbers: dict[str, list[int]] = field(default_factory=dict)  # when read: the sheet row of each data row
    path: str = ""
    problems: list[Problem] = field(default_factory=list)
    changed_rows: dict[str, list[int]] = field(default_factory=dict)

    def rows(self, sheet: str) -> list[dict]:
        headers = SHEETS[sheet][1]
        return [dict(zip(headers, r)) for r in self.sheets.get(sheet, [])]


def write_feedback(path: Path, data: FeedbackData) -> None:
    """Write the workbook: About first (filled last, with the counts and the hash), then each sheet."""
    from fileexam.formats.xlsx_writing import BookWriter

    hasher = DataHasher()
    book = BookWriter(Path(path))
    try:
        about_sheet = book.sheet("About", ["Key", "Value"], [22, 60], strict=True)
        about = dict(data.about)
        for name in SHEET_ORDER:
            count_key, headers, widths, _ = SHEETS[name]
            rows = data.sheets.get(name, [])
            sheet = book.sheet(name, headers + [ROW_CHECK], widths + [14], wrap=True, strict=True)
            hasher.sheet(name, headers)
            for row in rows:
                blob = row_blob(row)
                sheet.append(list(row) + [row_check(row, blob)])
                hasher.row(row, blob)
            sheet.finish()
            about[count_key] = str(len(rows))
        about.pop("data_sha256", None)
        hash_about(hasher, about)
        about["data_sha256"] = hasher.hexdigest()
        for k, v in about.items():
            about_sheet.append([k, v])
        about_sheet.finish()
        book.close()
    except BaseException:
        book.abandon()
        raise


def read_feedback(path: Path | str) -> FeedbackData:
    """Read and check a feedback workbook: measured first (workbook_guard), then every sheet, header and
    cell, the counts and the hash. What the inspection allows (its cases, questions and answers) is the
    caller's to check (services.feedback.open_feedback)."""
    from fileexam.formats.workbook_guard import UnsafeWorkbook

    path = Path(path)
    shown = str(path)
    data = FeedbackData({}, path=shown)

    def bad(code, sheet=None, row=None, col=None, **params):
        data.problems.append(cell_problem(code, shown, sheet, row, col, **params))
        return data

    if not path.is_file():
        return bad("table-unreadable", what="feedback workbook", reason="there is no such file")
    try:
        sheets, _ = _load_sheets(path, tuple(["About"] + SHEET_ORDER))
    except UnsafeWorkbook as exc:
        return bad("table-unreadable", what="feedback workbook", reason=str(exc))
    except OSError as exc:
        return bad("table-unreadable", what="feedback workbook", reason=exc.strerror or "it cannot be read")
    except Exception:  # noqa: BLE001 - a reader library's own error on a damaged file
        return bad("table-unreadable", what="feedback workbook", reason="it is damaged or not a workbook")
    if "About" not in sheets:
        return bad("feedback-sheet-missing", "About", name="About")
    for name, rows in sheets.items():
        for i, r in rows:
            for j, v in enumerate(r):
                if isinstance(v, tuple):
                    bad("feedback-bad-cell", name, i, _column_letter(j),
                        reason=f"a formula ({str(v[1])[:40]}) where fileexam writes text: the workbook was edited")
                    r[j] = None
    if data.problems:
        return data
    if not _read_about(data, sheets["About"], bad):
        return data
    for name in SHEET_ORDER:
        if name not in sheets:
            bad("feedback-sheet-missing", name, name=name)
    if data.problems:
        return data

    hasher = DataHasher()
    for name in SHEET_ORDER:
        count_key, headers, _, required = SHEETS[name]
        rows = sheets[name]
        header = [_canon(v) for v in (rows[0][1] if rows and rows[0][0] == 1 else [])]
        while header and header[-1] == "":
            header.pop()
        if header != headers + [ROW_CHECK]:
            bad("feedback-header", name, 1, expected=", ".join(headers + [ROW_CHECK]), found=", ".join(header)[:300])
            continue
        width = len(header)
        body, numbers, changed = [], [], []
        hasher.sheet(name, headers)
        for i, r in rows:
            if i == 1:
                continue
            if len(r) > width and any(v is not None for v in r[width:]):
                bad("feedback-bad-cell", name, i, _column_letter(width),
                    reason="a value outside the table's columns: the workbook was edited")
            r = (list(r[:width]) + [None] * width)[:width]
            values = [None if v is None else _canon(v) for v in r[:-1]]
            blob = row_blob(values)
            hasher.row(values, blob)
            if _canon(r[-1]) != row_check(values, blob):
                changed.append(i)
            body.append(values)
            numbers.append(i)
        if changed:
            data.changed_rows[name] = changed
        data.sheets[name] = body
        data.row_numbers[name] = numbers
        if data.about.get(count_key) != str(len(body)):
            bad("feedback-count", "About", None, what=count_key, said=data.about.get(count_key, "nothing"),
                found=len(body))
    if data.problems:
        return data
    hash_about(hasher, data.about)
    if data.about.get("data_sha256") != hasher.hexdigest():
        where = "; ".join(f"{sheet} rows {_ranges(rows)}" for sheet, rows in data.changed_rows.items())
        return bad("feedback-hash", "About", rows=where or "rows cannot be named: rows were added or removed, or "
                                                          "the About sheet was changed")
    _check_cells(data, bad)
    return data


def _read_about(data: FeedbackData, rows: list[tuple[int, list]], bad) -> bool:
    header = [_canon(v) for v in (rows[0][1] if rows and rows[0][0] == 1 else [])][:2]
    if header != ["Key", "Value"]:
        bad("feedback-header", "About", 1, expected="Key, Value", found=", ".join(header)[:100])
        return False
    seen: dict[str, int] = {}
    for i, r in rows[1:]:
        key = _canon(r[0]) if r else ""
        value = _canon(r[1]) if len(r) > 1 else ""
        if len(r) > 2 and any(v is not None for v in r[2:]):
            bad("feedback-bad-cell", "About", i, "C", reason="a value outside the Key and Value columns")
        if key in seen:
            bad("feedback-bad-cell", "About", i, "A", reason=f"key '{key[:60]}' appears twice (also row {seen[key]})")
            continue
        seen[key] = i
        data.about[key] = value
    fmt = data.about.get("format")
    if fmt != FORMAT_ID:
        bad("feedback-not-ours", "About", seen.get("format"), found=(fmt or "nothing")[:60])
        return False
    if data.about.get("format_version") not in READS:
        bad("feedback-version", "About", seen.get("format_version"),
            version=data.about.get("format_version", "none")[:20], known=", ".join(READS))
        return False
    for key, i in seen.items():
        if key not in ABOUT_KEYS:
            bad("feedback-bad-cell", "About", i, "A",
                reason=f"'{key[:60]}' is not a key of the feedback format" + did_you_mean(key, ABOUT_KEYS))
    for key in ABOUT_REQUIRED:
        if key not in seen:
            bad("feedback-bad-cell", "About", None, None, reason=f"the key '{key}' is missing")
    for count, *_ in SHEETS.values():
        value = data.about.get(count, "0")
        if not value.isdigit() or len(value) > 7:
            bad("feedback-bad-cell", "About", seen.get(count), "B", reason=f"'{value[:30]}' is not a count of rows")
    if "written_at" in seen and _parse_time(data.about["written_at"]) is None:
        bad("feedback-bad-cell", "About", seen["written_at"], "B",
            reason=f"'{data.about['written_at'][:40]}' is not a time (ISO 8601 with a time zone)")
    if "inspector" in seen and not data.about["inspector"].strip():
        bad("feedback-bad-cell", "About", seen["inspector"], "B", reason="the inspector is empty")
    return not data.problems


def _check_cells(data: FeedbackData, bad) -> None:
    """The format's own rules for every data cell: required cells present, no cell longer than fileexam
    writes, times that are times, query numbers that are numbers (once each), states that are states."""
    for name in SHEET_ORDER:
        headers, required = SHEETS[name][1], SHEETS[name][3]
        for i, row in zip(data.row_numbers[name], data.sheets[name]):
            for col, v in zip(headers, row):
                if col in required and (v is None or not v.strip()):
                    bad("feedback-bad-cell", name, i, col, reason=f"the {col.replace('_', ' ')} is empty")
                elif v is not None and len(v) > TEXT_LIMIT:
                    bad("feedback-bad-cell", name, i, col,
                        reason=f"{len(v):,} characters: longer than fileexam writes ({TEXT_LIMIT:,})")
            if len(data.problems) > 200:
                return
    for i, row in zip(data.row_numbers["Disagreements"], data.sheets["Disagreements"]):
        at = row[11]
        if at:
            t = _parse_time(at)
            if t is None:
                bad("feedback-bad-cell", "Disagreements", i, "settled_at", reason=f"'{at[:40]}' is not a time")
            else:
                row[11] = canonical_time(t)
    seen: dict[int, int] = {}
    for i, row in zip(data.row_numbers["Queries"], data.sheets["Queries"]):
        number, at, state = row[0], row[7], row[8]
        n = int(number) if number and number.isdigit() and len(number) < 10 else None
        if n is None or n < 1:
            bad("feedback-bad-cell", "Queries", i, "query", reason=f"'{(number or '')[:20]}' is not a query number")
        elif n in seen:
            bad("feedback-bad-cell", "Queries", i, "query", reason=f"query {n} appears twice (also row {seen[n]})")
        else:
            seen[n] = i
        if state and state not in QUERY_STATES:
            bad("feedback-bad-cell", "Queries", i, "state",
                reason=f"'{state[:20]}' is not a state: one of {', '.join(QUERY_STATES)}")
        t = _parse_time(at)
        if t is None:
            bad("feedback-bad-cell", "Queries", i, "raised_at", reason=f"'{(at or '')[:40]}' is not a time")
        else:
            row[7] = canonical_time(t)

"""The hostile-merge run's inputs: an inspector's file to export genuine workbooks from, cells and rows edited
as a person (or a forger, re-signing) would in Excel, and genuine exports holding odd but valid text; the kinds
of input, with the structural ones of fileexam/faults/damaged_workbooks.py."""

from __future__ import annotations

import random
from pathlib import Path

from fileexam.faults.damaged_workbooks import STRUCTURE_KINDS
from fileexam.faults.inspections import SAMPLE, TEMPLATE

HM_MARKER = "A. Khan"
HM_OTHER = "B. Evans"


def _inspector_file(path: Path, marker: str, cases: int, seed: int, other: str | None = None) -> Path:
    """An inspector's own file: the sample imported, `cases` of their cases answered, every other one marked
    complete, a few comments; with `other`, a second marker's answers on two cases (an all-markers export)."""
    from fileexam.services.demo import demo_answers
    from fileexam.services.sample import import_sample
    from fileexam.store.inspection_file import InspectionFile

    rng = random.Random(seed)
    with InspectionFile.create(path, TEMPLATE, "Area inspection 2026", marker) as f:
        import_sample(f, SAMPLE, marker)
        mine = [c for c in f.cases() if c.inspector == marker][:cases]
        for i, c in enumerate(mine):
            for qid, value in demo_answers(f.template, c, rng).items():
                note = f"note {i} on {qid}" if rng.random() < 0.1 else None
                f.set_answer(c.reference, qid, marker, value, comment=note)
            if i % 2:
                f.mark_complete(c.reference, marker)
        for c in ([c for c in f.cases() if c.inspector == other][:2] if other else []):
            for qid, value in demo_answers(f.template, c, rng).items():
                f.set_answer(c.reference, qid, other, value)
    return path


def _now_plus(days: float) -> str:
    from datetime import datetime, timedelta, timezone
    return (datetime.now(timezone.utc) + timedelta(days=days)).isoformat(timespec="milliseconds")


def _value_pools() -> dict[str, list]:
    from datetime import date, datetime, time as clock
    return {
        "types": [0, 1, -1, 1.5, True, False, datetime(2026, 1, 1, 10, 0), date(2026, 1, 1), clock(10, 30), None, ""],
        "numbers": [0, -1, 1.5, 2 ** 31, 2 ** 31 - 1, 2 ** 63, 10 ** 20, 1e308, -1e308, float("inf"), float("-inf"),
                    float("nan"), 5e-324, -0.0, "nan", "inf", "-inf", "1e400", "0x10", "1_000", "\u0661", " 1 ",
                    "1.0", "01", "1e3", "+1", "", None, True],
        "times": ["2026-02-30T10:00:00.000+00:00", "2026-01-01T10:00:00", "2026-01-01 10:00", "yesterday", " ",
                  "2026-01-01T25:00:00+00:00", "2026-01-01T10:00:00+99:00", "0001-01-01T00:00:00+01:00",
                  "0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59-01:00", "2026-01-01T10:00:00Z", "20260101T100000Z",
                  "2026-01-01T10:00:00.123456+00:00", "2026-01-01T10:00:00+00:00" + " " * 30, "1e10", 45000,
                  45000.5, -1, _now_plus(3), _now_plus(400), _now_plus(1), "2099-01-01T00:00:00+00:00",
                  "9999-12-31T23:59:59+00:00"],
        "markers": [HM_OTHER, "(all markers)", "a. khan", " A. Khan", "A. Khan ", "", None, "A.\u00a0Khan",
                    "A. Kh\u0430n", "TL"],
        "formulas": ["=1+1", "=A1", "=SUM(A1:A9)", '=HYPERLINK("http://example.invalid","x")', "=NA()", "=1/0",
                     "==", "=XFD1048576", '="fully"'],
        "long": ["x" * 32_767, "x" * 40_000, "\U0001f642" * 16_384, "\u00e9" * 32_767, "ab" * 20_000],
        "unicode": ["\u202eevil", "e\u0301", "\u200b", "\ufeffBOM", "\uffff", "\ufffe", "\U0010ffff", "\u0130",
                    "\u00df", "\ufb01", "\u05e9\u05dc\u05d5\u05dd", "\U0001f642", "\u2028", "\u00a0", "]]>", "&amp;",
                    "<c r='A1'/>"],
        "escapes": ["_x0000_", "_xD800_", "_xDFFF_", "_xD83D__xDE42_", "_x005F_x0041_", "_x0041_", "_xFFFE_",
                    "_xFFFF_", "_x001B_", "_x000D_", "_x0009_", "_x005f_", "_X0041_", "_x41_", "a_x005F_x005F_x0041_b"],
        "statuses": ["Complete", "complete ", "COMPLETE", "done", "not_started", "not started", "in progress\n",
                     "complete", "in progress", 1],
        "answers": ["yes", "maybe", '["restraining"]', "[]", "{}", "null", "not_met", "fully", "partially",
                    "2026-13-45", "99999", "-1", "F", "f", "ZZ99", "DI01", "victims-witnesses", "disclosure"],
        "keys": ["owner", "format", "marker", "cases", "data_sha256", "set.disclosure.fingerprint", "set..version",
                 "set.zz.fingerprint", "Format", "", None, "format_version"],
    }


def _pick(rng: random.Random, ws, columns: list[str] | None = None, header_too: float = 0.05) -> tuple[int, int]:
    header = [c.value for c in ws[1]]
    wanted = [header.index(c) + 1 for c in (columns or []) if c in header]
    col = rng.choice(wanted) if wanted else rng.randint(1, max(ws.max_column + (1 if rng.random() < 0.1 else 0), 1))
    row = 1 if rng.random() < header_too else rng.randint(2, max(ws.max_row + (1 if rng.random() < 0.1 else 0), 2))
    return row, col


# What each cell-edit kind aims at: sheet -> columns (None: any), and the value pools it draws from.
CELL_KINDS = {
    "cells-about": ({"About": None}, ["types", "numbers", "times", "markers", "keys", "unicode", "answers"]),
    "cells-cases": ({"Cases": None}, ["types", "statuses", "markers", "answers", "unicode", "numbers"]),
    "cells-answers": ({"Answers": None}, ["types", "answers", "numbers", "times", "markers", "unicode"]),
    "cells-definitions": ({"Definitions": None}, ["types", "numbers", "keys", "answers", "unicode", "long"]),
    "wrong-types": ({"About": ["Value"], "Cases": None, "Answers": None, "Definitions": None}, ["types", "numbers"]),
    "numbers": ({"Answers": ["points", "revision"], "About": ["Value"], "Definitions": ["part", "version"]},
                ["numbers"]),
    "times": ({"Answers": ["answered_at"], "About": ["Value"]}, ["times"]),
    "markers": ({"Answers": ["marker"], "Cases": ["marker"], "About": ["Value"]}, ["markers"]),
    "formulas": ({"About": None, "Cases": None, "Answers": None, "Definitions": None}, ["formulas"]),
    "long-text": ({"Answers": ["comment", "value"], "Cases": None, "About": ["Value"], "Definitions": ["text"]},
                  ["long"]),
    "odd-unicode": ({"About": None, "Cases": None, "Answers": None, "Definitions": None}, ["unicode"]),
    "escape-text": ({"About": None, "Cases": None, "Answers": ["comment", "value", "reference"], "Definitions": None},
                    ["escapes"]),
    "values": ({"Cases": ["status"], "Answers": ["value", "question_id", "question_set"]}, ["statuses", "answers"]),
}
ROW_KINDS = ["rows", "keys-headers"]
GENUINE_KINDS = ["genuine", "genuine-odd-text", "genuine-odd-text"]
HOSTILE_KINDS = list(CELL_KINDS) + ROW_KINDS + STRUCTURE_KINDS + GENUINE_KINDS

ODD_TEXT = ["_x005F_x0041_", "_x0041_", "_x005F_", "_xFFFE_", "_xD800_", "\ufffe", "\uffff", "\U0001f642",
            "\U0001f642" * 16_383 + "x", "x" * 32_767, "=1+1", "=SUM(A1:A9)", "+44 20 7946 0000", "-3", "@A1",
            "\tindented", "\u202eevil", "e\u0301", "\u200b", "\u05e9\u05dc\u05d5\u05dd", "]]>", "<c r='A1'/>",
            "&amp;", "\u2028", "\U0001fffe", "  spaced  ", "a_x005F_x005F_x0041_b", "_x", "line\nbreak", "0001",
            "1e308", "NaN", "TRUE", "null", "[]", "2026-01-01T00:00:00+00:00", "\r\n", "\x01control", "\U0010ffff"]


def _canon_row(values) -> list:
    from fileexam.formats.exchange_workbook import _canon
    return [None if v is None else _canon(v) for v in values]


def _resign(wb) -> None:
    """Recompute the row checks, the counts and the SHA-256 from the cells, as a deliberate forger would
    (as tests/test_merge_hostile.py does), so only the cell checks stand between the workbook and the master."""
    from fileexam.formats.exchange_workbook import DataHasher, hash_about, hash_definitions, row_blob, row_check

    hasher, counts = DataHasher(), {}
    for name in [n for n in ("Cases", "Answers", "Exclusions", "Feedback") if n in wb.sheetnames]:  # format 3, 4
        ws = wb[name]
        header = _canon_row([c.value for c in ws[1]])
        while header and header[-1] is None:
            header.pop()
        hasher.sheet(name, [h or "" for h in header[:-1]])
        n = 0
        for row in ws.iter_rows(min_row=2, max_col=len(header)):
            values = _canon_row([c.value for c in row[:-1]])
            if all(v is None for v in values) and row[-1].value is None:
                continue
            row[-1].value = row_check(values)
            hasher.row(values, row_blob(values))
            n += 1
        counts[name.lower()] = str(n)
    if "Definitions" in wb.sheetnames:
        rows = [r for r in wb["Definitions"].iter_rows(min_row=2, values_only=True) if any(v is not None for v in r)]
        hash_definitions(hasher, [[v or "" for v in _canon_row((list(r[:7]) + [None] * 7)[:7])] for r in rows])
    about_rows = [r for r in wb["About"].iter_rows(min_row=2) if any(c.value is not None for c in r)]
    for r in about_rows:
        if r[0].value in counts:
            r[1].value = counts[r[0].value]
    about = {}
    for r in about_rows:
        key = _canon_row([r[0].value])[0] or ""
        if key not in about:
            about[key] = _canon_row([r[1].value if len(r) > 1 else None])[0] or ""
    hash_about(hasher, about)
    for r in about_rows:
        if r[0].value == "data_sha256":
            r[1].value = hasher.hexdigest()


def _edit_cells(src: Path, out: Path, kind: str, rng: random.Random, resign: bool) -> str:
    """Cells changed as a person (or a forger) would in Excel; returns what was done."""
    from openpyxl import load_workbook

    wb = load_workbook(src)
    pools = _value_pools()
    done = []
    if kind in CELL_KINDS:
        targets, pool_names = CELL_KINDS[kind]
        for _ in range(rng.randint(1, 4)):
            sheet = rng.choice(sorted(targets))
            ws = wb[sheet]
            row, col = _pick(rng, ws, targets[sheet])
            value = rng.choice(pools[rng.choice(pool_names)])
            if kind == "markers" and rng.random() < 0.3:  # every row re-marked, About too: someone else's work
                for r in range(1, ws.max_row + 1):
                    if ws.cell(r, col).value == HM_MARKER:
                        ws.cell(r, col).value = value
            ws.cell(row, col).value = value
            done.append(f"{sheet}!{ws.cell(row, col).coordinate}={str(value)[:30]!r}")
    elif kind == "rows":
        for _ in range(rng.randint(1, 3)):
            sheet = rng.choice(["About", "Cases", "Answers", "Answers", "Definitions"])
            ws = wb[sheet]
            if ws.max_row < 2:
                continue
            r = rng.randint(2, ws.max_row)
            values = [c.value for c in ws[r]]
            op = rng.choice(["duplicate", "duplicate-changed", "delete", "swap", "blank", "append-junk", "insert-gap"])
            if op in ("duplicate", "duplicate-changed"):
                if op == "duplicate-changed" and len(values) > 4:
                    values[4] = rng.choice(pools["answers"])
                ws.append(values)
            elif op == "delete":
                ws.delete_rows(r)
            elif op == "swap":
                r2 = rng.randint(2, ws.max_row)
                other = [c.value for c in ws[r2]]
                for j, (a, b) in enumerate(zip(values, other), start=1):
                    ws.cell(r, j).value, ws.cell(r2, j).value = b, a
            elif op == "blank":
                for c in ws[r]:
                    c.value = None
            elif op == "append-junk":
                ws.append([rng.choice(pools["answers"] + pools["types"]) for _ in values])
            else:
                ws.insert_rows(r, amount=rng.randint(1, 3))
            done.append(f"{sheet} row {r}: {op}")
    else:  # keys-headers
        for _ in range(rng.randint(1, 2)):
            op = rng.choice(["about-unknown", "about-rename", "about-duplicate", "about-drop", "cases-header",
                             "cases-extra-column", "answers-header", "swap-columns"])
            if op.startswith("about"):
                ws = wb["About"]
                r = rng.randint(2, ws.max_row)
                if op == "about-unknown":
                    ws.append([rng.choice(["owner", "signed_by", "set.ghost.fingerprint", "Marker"]), "someone"])
                elif op == "about-rename":
                    ws.cell(r, 1).value = rng.choice(pools["keys"])
                elif op == "about-duplicate":
                    ws.append([ws.cell(r, 1).value, rng.choice(pools["answers"])])
                else:
                    ws.delete_rows(r)
            else:
                ws = wb["Answers" if op == "answers-header" else "Cases"]
                col = rng.randint(1, ws.max_column)
                if op == "cases-extra-column":
                    ws.cell(1, ws.max_column + 1).value = rng.choice(["planet", "defendant", "area", "row_check"])
                elif op == "swap-columns":
                    a, b = rng.sample(range(1, ws.max_column + 1), 2)
                    for r in range(1, ws.max_row + 1):
                        ws.cell(r, a).value, ws.cell(r, b).value = ws.cell(r, b).value, ws.cell(r, a).value
                else:
                    ws.cell(1, col).value = rng.choice(["planet", "Reference", "marker", "", None, "defendant"])
            done.append(op)
    signed = ""
    if resign:
        try:
            _resign(wb)
            signed = "re-signed"
        except Exception as exc:  # noqa: BLE001 - the forger failed, not fileexam: merged unsigned
            signed = f"not re-signed ({type(exc).__name__})"
    wb.save(out)
    return "; ".join(done) + (f" [{signed}]" if signed else "")


def _genuine_odd(inspector: Path, work: Path, out: Path, rng: random.Random) -> tuple[str, dict]:
    """A genuine export whose comments (and a case field) hold odd but valid text: (what, expected answers)."""
    import shutil

    from fileexam.domain.cases import BadValue
    from fileexam.services.export import export_workbook
    from fileexam.store.inspection_file import InspectionFile

    shutil.copyfile(inspector, work)
    expected, done = {}, []
    with InspectionFile.open(work) as f:
        marker = rng.choice([HM_MARKER, HM_OTHER])
        open_answers = [(r, q) for r, q in f.conn.execute(
            "SELECT a.case_ref, a.question_id FROM answers a LEFT JOIN markings k ON k.case_ref=a.case_ref"
            " AND k.marker=a.marker WHERE a.marker=? AND coalesce(k.status, '') != 'complete'", [marker])]
        for _ in range(rng.randint(1, 4)):
            ref, qid = rng.choice(open_answers)
            text = rng.choice(ODD_TEXT) if rng.random() < 0.8 else "".join(rng.sample(ODD_TEXT[:8] + ODD_TEXT[10:30], 4))
            try:
                a = f.set_answer(ref, qid, marker, f.answers(ref, marker)[qid].value, comment=text)
            except BadValue:
                continue  # refused at input (over 32,767 characters, not text): never exported
            expected[f"{ref}|{qid}|{marker}"] = [a.value, a.comment]
            done.append(f"{qid} comment {text[:20]!r}")
        if rng.random() < 0.5:
            ref = rng.choice(open_answers)[0]
            text = rng.choice(ODD_TEXT)
            try:
                f.set_field(ref, "offence", text, marker, "odd text")
                done.append(f"offence {text[:20]!r}")
            except BadValue:
                pass
        export_workbook(f, out, marker if rng.random() < 0.7 else None)
    work.unlink()
    return "; ".join(done), expected

"""The exchange workbook: round trip, text that looks like a formula, tampering found, readable layout."""

from __future__ import annotations

import random

import pytest
from openpyxl import load_workbook

from fileexam.formats.exchange_workbook import read_exchange
from fileexam.services.demo import demo_answers
from fileexam.services.export import build_exchange, export_workbook

NASTY = ["=SUM(A1:A9)", "+44 20 7946 0000", "-1", "@risk", "\tindented", "\ncarriage", "=HYPERLINK(\"http://x\")"]


@pytest.fixture
def scored(area_file):
    """Half of A. Khan's cases scored; comments that look like formulas; one case of another marker."""
    rng = random.Random(7)
    mine = [c for c in area_file.cases() if c.inspector == "A. Khan"]
    for i, c in enumerate(mine[:7]):
        for qid, value in demo_answers(area_file.template, c, rng).items():
            area_file.set_answer(c.reference, qid, "A. Khan", value)
        area_file.set_answer(c.reference, "DI01", "A. Khan", "fully", comment=NASTY[i % len(NASTY)])
    other = [c for c in area_file.cases() if c.inspector == "B. Evans"][0]
    area_file.set_answer(other.reference, "DI01", "B. Evans", "not_met", comment="B's note")
    return area_file


def test_round_trip__reading_back_gives_exactly_what_was_exported(scored, tmp_path):
    out = tmp_path / "ak.xlsx"
    built = build_exchange(scored, "A. Khan")
    export_workbook(scored, out, "A. Khan")
    read = read_exchange(out)
    assert read.problems == []
    assert read.cases == [[None if v is None else str(v) for v in row] for row in built.cases]
    assert read.answers == list(built.answers)
    assert len(read.answers) > 7 * 20
    assert {row[1] for row in read.answers} == {"A. Khan"}  # another marker's work is not in A. Khan's export


def test_round_trip__whole_inspection_has_every_marker(scored, tmp_path):
    export_workbook(scored, tmp_path / "all.xlsx")
    read = read_exchange(tmp_path / "all.xlsx")
    assert {row[1] for row in read.answers} == {"A. Khan", "B. Evans"}
    assert len(read.cases) == 56 + 0  # one row per case: markers of unstarted cases are empty
    assert read.about["marker"] == "(all markers)"


def test_formula_looking_text__stays_text_shown_as_typed(scored, tmp_path):
    out = tmp_path / "ak.xlsx"
    export_workbook(scored, out, "A. Khan")
    wb = load_workbook(out)  # not data_only: a formula would show as one here
    comments = [c.value for c in wb["Answers"]["G"][1:] if c.value is not None]
    assert set(NASTY) <= set(comments)
    for cell in wb["Answers"]["G"][1:]:
        if cell.value in NASTY:
            assert cell.data_type == "s"
    wb_values = load_workbook(out, data_only=True)  # and what a merge would read
    assert set(NASTY) <= {c.value for c in wb_values["Answers"]["G"][1:]}


def test_personal_data__field_marked_not_for_export__absent(scored, tmp_path):
    out = tmp_path / "ak.xlsx"
    export_workbook(scored, out, "A. Khan")
    wb = load_workbook(out, read_only=True)
    text = " ".join(str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c is not None)
    wb.close()
    assert "Defendant 0" not in text and "defendant" not in read_exchange(out).field_ids


def test_layout__tables_frozen_bold_headers_widths(scored, tmp_path):
    out = tmp_path / "ak.xlsx"
    export_workbook(scored, out, "A. Khan")
    wb = load_workbook(out)
    assert wb.sheetnames == ["About", "Cases", "Answers", "Exclusions", "Feedback", "Grid", "Questions", "Definitions"]
    assert wb["Definitions"].sheet_state == "hidden"
    for ws in wb:
        assert ws.freeze_panes == "A2", ws.title
        assert ws["A1"].font.b, ws.title
        assert list(ws.tables) == [ws.title], ws.title
        assert ws.column_dimensions["A"].width >= 10
    grid = wb["Grid"]
    assert grid.cell(1, 4).value.startswith("PC01 ")
    assert grid.tables["Grid"].ref == f"A1:{grid.cell(1, grid.max_column).column_letter}{grid.max_row}"


def edit_cell(path, sheet, cell, value):
    wb = load_workbook(path)
    wb[sheet][cell].value = value
    wb.save(path)


def test_tampered__edited_answer__hash_mismatch_names_the_row(scored, tmp_path):
    out = tmp_path / "ak.xlsx"
    export_workbook(scored, out, "A. Khan")
    edit_cell(out, "Answers", "E7", "not_met" if load_workbook(out)["Answers"]["E7"].value != "not_met" else "fully")
    data = read_exchange(out)
    [p] = data.problems
    assert p.code == "exchange-hash" and "Answers rows 7" in p.message
    assert data.changed_rows == {"Answers": [7]}


def test_definitions__stored_yaml_travels_with_the_workbook(scored, tmp_path):
    out = tmp_path / "ak.xlsx"
    export_workbook(scored, out, "A. Khan")
    stored = {(d["kind"], d["id"]): d["text"] for d in scored.definitions()}
    read = {(d["kind"], d["id"]): d["text"] for d in read_exchange(out).definitions}
    assert read == stored and ("question-set", "pre-charge") in read


def test_tampered__row_deleted__count_mismatch(scored, tmp_path):
    out = tmp_path / "ak.xlsx"
    export_workbook(scored, out, "A. Khan")
    wb = load_workbook(out)
    wb["Answers"].delete_rows(5)
    wb.save(out)
    codes = [p.code for p in read_exchange(out).problems]
    assert "exchange-count" in codes and "exchange-hash" in codes


@pytest.mark.parametrize("sheet, cell, value, code", [
    ("About", "B2", "something-else", "exchange-not-ours"),
    ("About", "B3", "99", "exchange-version"),
    ("Answers", "A1", "case", "exchange-header"),
    ("Answers", "E3", "=1+1", "formula-in-cell"),
])
def test_damaged__each_fault_named(scored, tmp_path, sheet, cell, value, code):
    out = tmp_path / "ak.xlsx"
    export_workbook(scored, out, "A. Khan")
    edit_cell(out, sheet, cell, value)
    assert code in [p.code for p in read_exchange(out).problems]


def test_damaged__sheet_missing(scored, tmp_path):
    out = tmp_path / "ak.xlsx"
    export_workbook(scored, out, "A. Khan")
    wb = load_workbook(out)
    del wb["Answers"]
    wb.save(out)
    [p] = read_exchange(out).problems
    assert (p.code, p.sheet) == ("exchange-sheet-missing", "Answers")


def test_damaged__truncated_file(scored, tmp_path):
    out = tmp_path / "ak.xlsx"
    export_workbook(scored, out, "A. Khan")
    out.write_bytes(out.read_bytes()[: out.stat().st_size // 2])
    [p] = read_exchange(out).problems
    assert p.code == "table-unreadable"


def test_read__no_such_file__says_so(tmp_path):
    [p] = read_exchange(tmp_path / "missing.xlsx").problems
    assert p.code == "table-unreadable" and "no such file" in p.message

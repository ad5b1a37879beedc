"""The exchange workbook's sheets are laid in bulk (formats/xlsx_bulk_rows.py, `bulk=True` sheets): every
cell reads back as the same cell XlsxWriter writes one at a time (empty cells, text that looks like a
formula or a number, XML's special characters, control characters kept as XlsxWriter escapes them, wide
characters, numbers), the tables cover the same ranges, and the workbook merges."""

import random
import zipfile

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from fileexam.formats import xlsx_writing
from fileexam.formats.exchange_workbook import read_exchange
from fileexam.services.export import export_workbook
from fileexam.services.merge import merge_workbooks
from fileexam.store.inspection_file import InspectionFile
from test_merge import inspector_file

AWKWARD = ["=SUM(A1:A2)", "+44 20 7946 0000", "-1", "007", "1e5", "<b>&amp;\"'</b>", "  spaced  ",
           "Ünïcødé ✓ 𝄞 漢字", "line\nbreak\ttab", "_x0041_ as written", "x" * 20_000]


def _cells(path):
    out = {}
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        out[ws.title] = ({(c.row, c.column): (c.value, c.data_type) for row in ws.iter_rows() for c in row
                          if c.value is not None}, ws.dimensions, dict(ws.tables.items()),
                         ws.sheet_state)
    return out


@pytest.fixture
def awkward_file(tmp_path):
    f = inspector_file(tmp_path, "A. Khan", complete=False, n=6)
    rng = random.Random(3)
    refs = [c.reference for c in f.cases() if c.inspector == "A. Khan"][:6]
    for ref in refs:  # comments of every awkward kind, some answers cleared (empty cells in the grid)
        for qid, answer in list(f.answers(ref, "A. Khan").items())[:8]:
            f.set_answer(ref, qid, "A. Khan", answer.value, comment=rng.choice(AWKWARD))
        qid = next(iter(f.answers(ref, "A. Khan")))
        f.set_answer(ref, qid, "A. Khan", None, comment="")
    yield f
    f.close()


def test_bulk_sheets_read_back_as_the_cells_written_one_at_a_time(awkward_file, tmp_path, monkeypatch):
    bulk = tmp_path / "bulk.xlsx"
    export_workbook(awkward_file, bulk, "A. Khan")
    real_sheet = xlsx_writing.BookWriter.sheet
    monkeypatch.setattr(xlsx_writing.BookWriter, "sheet",
                        lambda self, *a, bulk=False, **k: real_sheet(self, *a, **k))  # every cell by XlsxWriter
    plain = tmp_path / "plain.xlsx"
    export_workbook(awkward_file, plain, "A. Khan")
    monkeypatch.undo()
    got, want = _cells(bulk), _cells(plain)
    about = lambda cells: {k: v for k, v in cells[0].items() if k[0] > 1}  # noqa: E731
    for name in want:
        if name == "About":  # its export time differs between the two runs, and so its data hash
            assert about(got[name]).keys() == about(want[name]).keys() and got[name][1:] == want[name][1:]
            continue
        assert got[name] == want[name], name
    answers = got["Answers"][0]
    assert any(v == ("=SUM(A1:A2)", "s") for v in answers.values())  # text stays text, not a formula
    assert any(v == ("_x0041_ as written", "s") for v in answers.values())
    # python-calamine reads the same data rows, and the workbook merges with every answer
    wb = CalamineWorkbook.from_path(str(bulk))
    assert wb.get_sheet_by_name("Answers").to_python()[1:] == \
        CalamineWorkbook.from_path(str(plain)).get_sheet_by_name("Answers").to_python()[1:]
    assert not read_exchange(bulk).problems
    with zipfile.ZipFile(bulk) as z:
        assert z.testzip() is None


def test_a_sheet_of_mixed_kinds_is_written_cell_by_cell(tmp_path):
    """A column holding text and numbers (or a bool) cannot go in bulk: the sheet is written as before."""
    book = xlsx_writing.BookWriter(tmp_path / "mixed.xlsx")
    sheet = book.sheet("Mixed", ["a", "b"], [10, 10], bulk=True)
    sheet.append(["x", 1])
    sheet.append([2, True])
    sheet.append([None, "y"])
    sheet.finish()
    book.close()
    ws = openpyxl.load_workbook(tmp_path / "mixed.xlsx")["Mixed"]
    assert [[c.value for c in row] for row in ws.iter_rows()] == [["a", "b"], ["x", 1], [2, True], [None, "y"]]
    assert ws.tables["Mixed"].ref == "A1:B4"


def test_an_exported_workbook_merges_whole(awkward_file, tmp_path):
    from conftest import AREA_TEMPLATE
    from fileexam.services.sample import import_sample
    from test_merge import SAMPLE

    out = tmp_path / "ak.xlsx"
    export_workbook(awkward_file, out, "A. Khan")
    master = InspectionFile.create(tmp_path / "m.fileexam", AREA_TEMPLATE, "Area inspection 2026", "TL")
    assert import_sample(master, SAMPLE, "TL").imported
    report = merge_workbooks(master, [out], "TL")
    assert not report.refused, [w.reasons for w in report.refused]
    query = "SELECT case_ref, question_id, value, comment FROM answers ORDER BY 1, 2"
    assert master.conn.execute(query).fetchall() == awkward_file.conn.execute(query).fetchall()
    master.close()

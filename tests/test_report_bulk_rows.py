"""Rows written in bulk (formats/xlsx_bulk_rows.py, the report's Check sheet) read back as the same cells
XlsxWriter writes one at a time, beside XlsxWriter's own cells in the same rows."""

import re
import zipfile

import openpyxl
import pytest

from fileexam.formats.xlsx_bulk_rows import add_big_table, add_bulk_rows
from fileexam.formats.xlsx_writing import BookWriter

ROWS = [("C-1", "Wessex", "Police", "Score <a> & \"b\"", 3, 4.0),
        ("C-2", "Thames — Chiltern", "CPS", "Score <a> & \"b\"", 0, 0.1),
        ("C-3", "  spaced  ", "=not a formula", "Ünïcødé ✓", 1e-20, 123456789012345),
        ("C-4", "Wessex", "Police", "Score <a> & \"b\"", -2.5, 7)]


def _write(path, bulk: bool):
    book = BookWriter(path)
    ws = book.wb.add_worksheet("Check")
    for c, h in enumerate(["case", "area", "strand", "measure", "achieved", "available"]):
        ws.write_string(0, c, h, book.bold)
    if bulk:
        add_bulk_rows(ws, 1, ROWS, 6)
    else:
        for i, row in enumerate(ROWS, start=1):
            for j, v in enumerate(row):
                (ws.write_string if isinstance(v, str) else ws.write_number)(i, j, v)
    pct = book.wb.add_format({"num_format": "0.0%"})
    ws.write_number(1, 9, 0.75, pct)                     # XlsxWriter's cells right of the bulk block
    ws.write_formula(2, 10, "=SUM(E2:E5)", None, 1)
    ws.set_row(3, 30)                                    # a row with its own height and no cell of its own
    ws.write_string(7, 0, "after the block")             # and a row below it
    ws.write_string(0, 13, "a notice")
    table = {"name": "Check", "columns": [{"header": h} for h in
                                          ["case", "area", "strand", "measure", "achieved", "available"]]}
    if bulk:
        add_big_table(ws, 0, 0, len(ROWS), 5, table)
    else:
        ws.add_table(0, 0, len(ROWS), 5, table)
    book.close()


def _cells(path):
    ws = openpyxl.load_workbook(path)["Check"]
    return ({(c.row, c.column): (c.value, c.number_format) for row in ws.iter_rows() for c in row
             if c.value is not None}, {r: ws.row_dimensions[r].height for r in range(1, 9)},
            ws.dimensions, dict(ws.tables.items()))


@pytest.mark.parametrize("chunk", [20_000, 3, 1])  # rows made at a time: XlsxWriter's rows met across chunks
def test_bulk_rows_read_back_as_the_cells_written_one_at_a_time(tmp_path, monkeypatch, chunk):
    import fileexam.formats.xlsx_bulk_rows as bulk_rows

    monkeypatch.setattr(bulk_rows, "CHUNK", chunk)
    _write(tmp_path / "bulk.xlsx", bulk=True)
    _write(tmp_path / "plain.xlsx", bulk=False)
    bulk, plain = _cells(tmp_path / "bulk.xlsx"), _cells(tmp_path / "plain.xlsx")
    assert bulk == plain
    cells = bulk[0]
    assert cells[(4, 1)][0] == "C-3" and cells[(4, 3)][0] == "=not a formula" and cells[(4, 6)][0] == 123456789012345
    assert cells[(2, 10)] == (0.75, "0.0%") and cells[(8, 1)][0] == "after the block"
    assert bulk[1][4] == 30 and bulk[3] == {"Check": "A1:F5"}
    # the shared strings (in another order) count every use, as XlsxWriter counts them
    assert _strings(tmp_path / "bulk.xlsx") == _strings(tmp_path / "plain.xlsx")


def _strings(path):
    with zipfile.ZipFile(path) as z:
        sst = z.read("xl/sharedStrings.xml").decode()
    head = re.search(r"<sst [^>]*>", sst).group(0)
    return re.findall(r'(?:uniqueCount|count)="\d+"', head), sorted(re.findall(r"<si>.*?</si>", sst))


def test_bulk_rows_refuse_what_they_cannot_write(tmp_path):
    book = BookWriter(tmp_path / "x.xlsx")
    ws = book.wb.add_worksheet("S")
    with pytest.raises(TypeError):
        add_bulk_rows(ws, 1, [("a", float("nan"))], 2)
    with pytest.raises(TypeError):
        add_bulk_rows(ws, 1, [("a", None)], 2)
    with pytest.raises(ValueError):
        add_bulk_rows(ws, 1, [("a", 1, 2)], 2)
    book.abandon()


def _cases_table(n: int):
    from fileexam.domain.report_tables import LONG_TEXT, TEXT, Column, Table

    cols = [Column("case", "Case", TEXT, 16), Column("inspector", "Inspector", LONG_TEXT, 14),
            Column("area", "Area", LONG_TEXT, 22), Column("complete_by", "Complete by", LONG_TEXT, 24),
            Column("missing", "Missing", TEXT, 9)]
    areas = ["Wessex", "Thames and Chiltern, with a name long enough to wrap over lines", "North & <East>"]
    rows = [{"case": f"C-{i:05d}", "inspector": f"Inspector {i % 7}", "area": areas[i % 3],
             "complete_by": ", ".join(f"M{j}" for j in range(i % 9)), "missing": "missing" if i % 5 else ""}
            for i in range(n)]
    return Table("cases", "Every sampled case", "Missing: no complete marking has come back.", cols, rows,
                 sheet="Cases")


def _write_table(path, table):
    from fileexam.formats.report_sheets import Layout, write_table

    book = BookWriter(path)
    write_table(Layout(book, "head", "foot"), table, printed=False)
    book.close()


def _sheet(path):
    ws = openpyxl.load_workbook(path)["Cases"]
    cells = {(c.row, c.column): (c.value, c.number_format, c.alignment.wrap_text, c.alignment.vertical, c.font.b)
             for row in ws.iter_rows() for c in row if c.value is not None}
    heights = {r: d.height for r, d in ws.row_dimensions.items() if d.height}
    return cells, heights, dict(ws.tables.items()), ws.freeze_panes


def test_a_long_text_table_in_bulk_reads_back_as_written_cell_by_cell(tmp_path, monkeypatch):
    import fileexam.formats.report_sheets as sheets

    table = _cases_table(2_500)
    _write_table(tmp_path / "bulk.xlsx", table)
    monkeypatch.setattr(sheets, "BULK_ROWS", 10 ** 9)
    _write_table(tmp_path / "plain.xlsx", table)
    bulk, plain = _sheet(tmp_path / "bulk.xlsx"), _sheet(tmp_path / "plain.xlsx")
    assert bulk == plain
    assert len(bulk[0]) > 2_500 * 4 and len(bulk[1]) > 800  # every case, the wrapped rows taller
    assert list(bulk[2].values()) == ["A3:E2503"]

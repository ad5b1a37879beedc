"""The report workbook fit to print: read back the page set-up with openpyxl, and (where LibreOffice is
installed) print it to PDF and read the pages."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, range_boundaries

from fileexam.formats.report_workbook import write_report
from fileexam.formats.xlsx_writing import PRINTABLE_WIDTH_PX, wrapped_lines
from fileexam.services.merge import master_coverage
from fileexam.services.report import build_report
from test_report_tables import BASE, FOLLOW, make_inspection

NOT_PRINTED = {"Check", "Trace", "Cases"}


@pytest.fixture(scope="module", params=[None, "North"], ids=["national", "Area"])
def book(tmp_path_factory, request):
    root = tmp_path_factory.mktemp("print")
    base = make_inspection(root / "base", BASE, "Baseline")
    write_report(root / "base.xlsx", build_report(base))
    base.close()
    f = make_inspection(root / "follow", FOLLOW, "Follow-up & more")  # '&' starts a header code: escaped
    write_report(root / "report.xlsx", build_report(f, root / "base.xlsx"), f.merges(), master_coverage(f),
                 area=request.param)
    f.close()
    return root / "report.xlsx"


def printed(wb):
    return [ws for ws in wb.worksheets if ws.sheet_state == "visible" and ws.title not in NOT_PRINTED]


def area(ws) -> tuple[int, int, int, int]:
    return range_boundaries(ws.print_area[0].split("!")[-1] if isinstance(ws.print_area, list)
                            else ws.print_area.split("!")[-1])


def test_every_printed_sheet__a4_one_page_wide_headers_footers_and_titles(book):
    wb = load_workbook(book)
    for ws in printed(wb):
        ps = ws.page_setup
        assert ps.paperSize in (9, "9"), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert int(ps.fitToWidth or 1) == 1, ws.title
        assert ws.oddHeader.left.text.startswith("Follow-up && more") and ws.oddHeader.right.text == "&A", ws.title
        assert ws.oddFooter.center.text == "Page &P of &N" and ws.oddFooter.left.text.startswith("Made ")
        assert ws.print_area, ws.title
        if ws.title == "About":  # one page, portrait
            assert ps.orientation == "portrait" and int(ps.fitToHeight or 1) == 1  # 1: the default, left out
            continue
        assert ps.orientation == "landscape", ws.title
        assert int(ps.fitToHeight) == 0, ws.title  # as many pages down as needed: never shrunk to one
        if ws.title != "Charts":  # a table: its headings repeat on every page, under the title rows
            assert ws.print_title_rows, ws.title
            assert ws["A1"].value and ws["A2"].value, ws.title  # what the sheet holds, how to read it


def test_printed_tables__readable_size(book):
    """Fit to one page wide never shrinks a table below 80% (8.8 point type; most print at 90-100%)."""
    wb = load_workbook(book)
    for ws in printed(wb):
        c1, _, c2, _ = area(ws)
        dims = list(ws.column_dimensions.values())
        widths = []
        for c in range(c1, c2 + 1):
            dim = next((d for d in dims if d.min and d.max and d.min <= c <= d.max), None)
            widths.append(dim.width if dim is not None and dim.width else 9.14)
        px = sum(round(w * 7) for w in widths)  # a width in the file already holds Excel's padding
        scale = min(1.0, PRINTABLE_WIDTH_PX[ws.page_setup.orientation] / px)
        assert scale >= 0.8, (ws.title, px, round(scale, 2))


def test_wrapped_cells__rows_tall_enough(book):
    """A wrapped cell whose text needs several lines sits in a row set to hold them (LibreOffice prints a
    row at its set height: too short and the text runs over the next row)."""
    wb = load_workbook(book)
    for ws in printed(wb):
        merged = {m.min_row for m in ws.merged_cells.ranges}
        for row in ws.iter_rows():
            for cell in row:
                if not isinstance(cell.value, str) or not cell.alignment.wrap_text or cell.row in merged:
                    continue
                width = ws.column_dimensions[cell.column_letter].width or 8.43
                lines = wrapped_lines(cell.value, width, bool(cell.font.b))
                if lines > 1:
                    height = ws.row_dimensions[cell.row].height
                    assert height and height >= 15 * lines, (ws.title, cell.coordinate, cell.value, height)


def test_check_trace_and_cases__left_out_of_printing(book):
    wb = load_workbook(book)
    for name, col in (("Check", "N"), ("Trace", "I")):
        ws = wb[name]
        c1, r1, c2, r2 = area(ws)
        assert (c1, r1, c2, r2) == (column_index_from_string(col), 1, column_index_from_string(col), 1)
        assert ws[f"{col}1"].value.startswith("Not printed")
        assert ws["A1"].value in ("case", "Measure")  # the table still starts on row 1 (readers rely on it)
    ws = wb["Cases"]
    assert area(ws)[3] == 2 and "Not printed" in ws["A2"].value  # its title and note alone
    assert wb["Data"].sheet_state == "hidden" and wb["Chart data"].sheet_state == "hidden"


@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")),
                    reason="LibreOffice and poppler-utils print the workbook to PDF")
def test_printed_pdf__titled_numbered_pages_no_per_case_rows(book, tmp_path):
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(book)], check=True, capture_output=True, timeout=180)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "report.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout
    pages = text.split("\f")[:-1]
    assert len(pages) <= 30, len(pages)
    for i, page in enumerate(pages, start=1):
        assert f"Page {i} of {len(pages)}" in page and "Follow-up & more" in page, i
    assert "=SUMIFS" not in text and "N1, N2" not in text  # Check's formulas and Trace's case lists
    assert sum("Not printed" in p for p in pages) >= 3
    assert "asework themes, Crown Court" in text and "no cases" in text

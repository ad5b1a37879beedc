"""Importing a case sample: every problem with its sheet, row and column; all or nothing; idempotent."""

from __future__ import annotations

import csv

import pytest
from openpyxl import Workbook

from conftest import AREA_TEMPLATE, ROOT
from fileexam.services.sample import import_sample
from fileexam.store.inspection_file import InspectionFile

HEADER = ["URN", "Area", "Strand", "Finalised or live", "Charging decision by", "Flags", "Date charged", "Inspector"]
GOOD = [
    ["01AB0000001", "Wessex", "Crown Court", "Finalised", "Area prosecutor", "Domestic abuse; Stalking", "2025-03-01", "AK"],
    ["01AB0000002", "cymru wales", "magistrates", "live", "police", "", "04/05/2025", "BE"],
]


@pytest.fixture
def inspection(tmp_path):
    f = InspectionFile.create(tmp_path / "i.fileexam", AREA_TEMPLATE, "Test", "TL")
    yield f
    f.close()


def xlsx(path, rows, header=HEADER, title="Sample"):
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def write_csv(path, rows, header=HEADER, encoding="utf-8"):
    with path.open("w", newline="", encoding=encoding) as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_import__good_workbook__cases_with_normalised_values(inspection, tmp_path):
    report = import_sample(inspection, xlsx(tmp_path / "s.xlsx", GOOD), "TL")
    assert report.imported and (report.added, report.unchanged) == (2, 0)
    a, b = inspection.cases()
    assert a.fields == {"area": "Wessex", "strand": "crown_court", "stage": "finalised",
                        "charging_decision_by": "area", "flags": ["domestic_abuse", "stalking"],
                        "charged_on": "2025-03-01"}
    assert (a.inspector, b.inspector) == ("AK", "BE")
    assert b.fields["area"] == "Cymru Wales" and b.fields["charged_on"] == "2025-05-04"  # UK day/month


def test_import__same_file_twice__changes_nothing(inspection, tmp_path):
    path = xlsx(tmp_path / "s.xlsx", GOOD)
    import_sample(inspection, path, "TL")
    audit_before = len(inspection.audit())
    report = import_sample(inspection, path, "TL")
    assert (report.added, report.unchanged) == (0, 2)
    assert len(inspection.audit()) == audit_before


def test_import__later_file_adds_cases(inspection, tmp_path):
    import_sample(inspection, xlsx(tmp_path / "a.xlsx", GOOD[:1]), "TL")
    report = import_sample(inspection, write_csv(tmp_path / "b.csv", GOOD), "TL")
    assert (report.added, report.unchanged) == (1, 1)
    assert len(inspection.cases()) == 2


def problems_of(report):
    return [(p.code, p.sheet, p.line, p.column) for p in report.problems]


@pytest.mark.parametrize("rows, expected", [
    ([GOOD[0], GOOD[0]], ("duplicate-reference", 3, "URN")),
    ([GOOD[0], ["01AB0000002", "Wessex", None, "Live", "Police", "", "", ""]], ("missing-value", 3, "Strand")),
    ([GOOD[0], ["01AB0000002", "Cymru Wale", "Crown Court", "Live", "Police", "", "", ""]], ("bad-value", 3, "Area")),
    ([GOOD[0], ["01AB0000002", "Wessex", "Crown Court", "Live", "Police", "", "31/02/2025", ""]],
     ("bad-value", 3, "Date charged")),
    ([GOOD[0], ["01AB0000002", "Wessex", "Crown Court", "Live", "Police", "Fraud", "", ""]], ("bad-value", 3, "Flags")),
    ([GOOD[0], [None, "Wessex", "Crown Court", "Live", "Police", "", "", ""]], ("missing-reference", 3, "URN")),
])
def test_import__bad_row__reported_with_sheet_row_column__nothing_imported(inspection, tmp_path, rows, expected):
    report = import_sample(inspection, xlsx(tmp_path / "s.xlsx", rows), "TL")
    code, row, column = expected
    assert (code, "Sample", row, column) in problems_of(report)
    assert not report.imported
    assert inspection.cases() == [] and inspection.audit()[-1]["action"] == "create"


def test_import__not_allowed_value__suggests_the_right_one(inspection, tmp_path):
    rows = [["01AB0000002", "Cymru Wale", "Crown Court", "Live", "Police", "", "", ""]]
    [p] = [p for p in import_sample(inspection, xlsx(tmp_path / "s.xlsx", rows), "TL").problems if p.is_error]
    assert "did you mean 'Cymru Wales'?" in p.message
    assert p.where().endswith("sheet 'Sample', row 2, column 'Area'")


def test_import__unknown_column__warning_only(inspection, tmp_path):
    header = HEADER + ["Colour"]
    report = import_sample(inspection, xlsx(tmp_path / "s.xlsx", [r + ["red"] for r in GOOD], header), "TL")
    assert report.imported and ("unknown-column", "Sample", 1, "Colour") in problems_of(report)


@pytest.mark.parametrize("header, code", [
    ([h for h in HEADER if h != "URN"], "no-reference-column"),
    ([h for h in HEADER if h != "Strand"], "missing-column"),
    (HEADER[:2] + ["area"] + HEADER[3:], "duplicate-column"),
    ([None] * len(HEADER), "table-empty"),
])
def test_import__bad_header__refused(inspection, tmp_path, header, code):
    rows = [r[: len(header)] for r in GOOD]
    report = import_sample(inspection, xlsx(tmp_path / "s.xlsx", rows, header), "TL")
    assert code in [p.code for p in report.problems] and not report.imported
    assert inspection.cases() == []


def test_import__formula_in_a_cell__refused_with_its_place(inspection, tmp_path):
    rows = [GOOD[0], ["01AB0000002", "=A1", "Crown Court", "Live", "Police", "", "", ""]]
    report = import_sample(inspection, xlsx(tmp_path / "s.xlsx", rows), "TL")
    assert ("formula-in-cell", "Sample", 3, "Area") in problems_of(report)
    assert inspection.cases() == []


def test_import__case_already_there_with_other_details__conflict(inspection, tmp_path):
    import_sample(inspection, xlsx(tmp_path / "a.xlsx", GOOD), "TL")
    changed = [GOOD[0][:1] + ["Wessex", "Magistrates' courts"] + GOOD[0][3:], GOOD[1]]
    report = import_sample(inspection, xlsx(tmp_path / "b.xlsx", changed), "TL")
    [p] = [p for p in report.problems if p.is_error]
    assert (p.code, p.line) == ("case-conflict", 2) and "Strand" in p.message
    assert inspection.cases()[0].fields["strand"] == "crown_court"


def test_import__windows_csv_in_cp1252(inspection, tmp_path):
    rows = [["01AB0000003", "Wessex", "Crown Court", "Live", "Police", "", "", "Zoë"]]
    report = import_sample(inspection, write_csv(tmp_path / "s.csv", rows, encoding="cp1252"), "TL")
    assert report.imported and inspection.cases()[0].inspector == "Zoë"


def test_import__excel_unicode_text__utf16_tab_separated(inspection, tmp_path):
    """Excel's "Unicode Text" (UTF-16 with a byte order mark, tab-separated) reads like a CSV file."""
    rows = [["01AB0000003", "Wessex", "Crown Court", "Live", "Police", "", "", "Zoë Ōtsuka"]]
    path = tmp_path / "s.txt"
    path.write_text("\n".join("\t".join(r) for r in [HEADER] + rows) + "\n", encoding="utf-16")
    assert path.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    report = import_sample(inspection, path, "TL")
    assert report.imported and inspection.cases()[0].inspector == "Zoë Ōtsuka"


@pytest.mark.parametrize("content, said", [(b"", "the file is empty"), (b" \r\n\r\n", "the file is empty"),
                                           (b"URN,Area\x00\x01\x02binary", "it holds binary data, not text")])
def test_import__empty_or_binary_csv__said_so(inspection, tmp_path, content, said):
    path = tmp_path / "s.csv"
    path.write_bytes(content)
    report = import_sample(inspection, path, "TL")
    [p] = report.problems
    assert not report.imported and p.code == "table-unreadable" and said in p.format() and "s.csv" in p.format()
    assert inspection.cases() == []


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 not really a zip", b"\x00" * 100])
def test_import__broken_workbook__clear_message_no_traceback(inspection, tmp_path, content):
    path = tmp_path / "s.xlsx"
    path.write_bytes(content)
    [p] = import_sample(inspection, path, "TL").problems
    assert p.code == "table-unreadable" and "s.xlsx" in p.format()


def test_import__example_sample_for_area_template(inspection):
    report = import_sample(inspection, ROOT / "exports/examples/area-sample.xlsx", "TL")
    assert report.imported and report.added == 56 and not report.problems
    areas = {c.fields["area"] for c in inspection.cases()}
    assert len(areas) == 14


def test_import__csv_over_the_size_limit__refused_before_reading(inspection, tmp_path, monkeypatch):
    import fileexam.formats.tables as tables

    monkeypatch.setattr(tables, "MAX_CSV_BYTES", 100)
    report = import_sample(inspection, write_csv(tmp_path / "s.csv", GOOD * 5), "TL")
    assert [p.code for p in report.problems] == ["table-too-large"]


def test_import__no_such_file__says_so(inspection, tmp_path):
    [p] = import_sample(inspection, tmp_path / "missing.xlsx", "TL").problems
    assert p.code == "table-unreadable" and "no such file" in p.message

"""Write a case-sample workbook: the columns a template needs, with drop-down lists for choice fields."""

from __future__ import annotations

from pathlib import Path

from fileexam.domain.cases import Case
from fileexam.domain.template import FieldType, InspectionTemplate


def sample_rows(t: InspectionTemplate, cases: list[Case]) -> tuple[list[str], list[list]]:
    """The header and rows of a sample, with labels as a person would type them."""
    headers = [t.reference_label] + [f.label for f in t.case_fields] + ["Inspector"]
    rows = []
    for c in cases:
        row = [c.reference]
        for f in t.case_fields:
            v = c.fields.get(f.id)
            if isinstance(v, list):
                row.append("; ".join(f.value_label(x) for x in v))
            elif v is not None and f.type is FieldType.CHOICE:
                row.append(f.value_label(v))
            else:
                row.append(v)
        row.append(c.inspector)
        rows.append(row)
    return headers, rows


def write_sample(path: Path, t: InspectionTemplate, cases: list[Case]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from fileexam.formats.xlsx_writing import add_table

    wb = Workbook()
    ws = wb.active
    ws.title = "Sample"
    headers, rows = sample_rows(t, cases)
    ws.append(headers)
    for row in rows:
        ws.append(row)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.data_type = "s"
    for row in ws.iter_rows(min_row=2):  # text typed by people stays text
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    ws.freeze_panes = "B2"
    lists = wb.create_sheet("Lists")
    for i, f in enumerate(t.case_fields, start=2):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(14, min(28, len(f.label) + 4))
        if f.type is FieldType.CHOICE:
            lcol = get_column_letter(i)
            lists.cell(1, i, f.label).font = Font(bold=True)
            for j, o in enumerate(f.values, start=2):
                lists.cell(j, i, o.label)
            dv = DataValidation(type="list", formula1=f"=Lists!${lcol}$2:${lcol}${len(f.values) + 1}",
                                allow_blank=not f.required, showErrorMessage=True,
                                errorTitle=f.label, error=f"Choose a value from the list for {f.label}.")
            dv.add(f"{letter}2:{letter}5000")
            ws.add_data_validation(dv)
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions[get_column_letter(len(headers))].width = 16
    add_table(ws, "Sample", headers, len(cases))
    lists.sheet_state = "hidden"
    wb.save(path)

"""Shared pieces for the sample-design tests (issue 18): generated and hand-made case lists, designs, a drawn
sample allocated to inspectors as a team lead would before importing it."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from conftest import AREA_TEMPLATE, ROOT

DESIGN = ROOT / "question_sets" / "designs" / "area-follow-up-2025.yaml"
INSPECTORS = ["A. Khan", "B. Evans", "C. Murphy"]


@lru_cache(maxsize=1)
def area_template():
    from fileexam.formats.definitions import load_template
    return load_template(AREA_TEMPLATE).definition


def write_design(folder: Path, body: str, name: str = "design.yaml") -> Path:
    """A design next to a copy of the Area template (the design names it as ../area-inspection.yaml's copy)."""
    import shutil
    for f in (ROOT / "question_sets").glob("*.yaml"):
        if not (folder / f.name).exists():
            shutil.copy(f, folder / f.name)
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


HEAD = ('kind: sample-design\nid: test-design\ntitle: Test design\nversion: "1.0"\ntemplate: area-inspection.yaml\n'
        'seed: 7\n')

HEADER = ["URN", "Area", "Strand", "Finalised or live", "Charging decision by", "Flags", "Outcome", "Date charged",
          "Date finalised", "Date commenced", "Hearings held"]


def row(urn, area="Wessex", strand="Crown Court", stage="Finalised", flags="", outcome="Guilty plea",
        finalised="2024-03-01", commenced="2023-09-01", hearings=3, by="Police", charged="2023-09-02"):
    return [urn, area, strand, stage, by, flags, outcome, charged, finalised, commenced, hearings]


def write_csv(path: Path, rows: list[list], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def allocate(sample: Path, out: Path, names: list[str] = INSPECTORS) -> Path:
    """The drawn sample with its Inspector column filled round robin, saved as Excel would."""
    from openpyxl import load_workbook

    wb = load_workbook(sample)
    ws = wb["Sample"]
    col = [c.value for c in ws[1]].index("Inspector") + 1
    for i in range(2, ws.max_row + 1):
        ws.cell(i, col, names[i % len(names)])
    wb.save(out)
    return out


def sheet_rows(path: Path, sheet: str) -> list[list]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        return [list(r) for r in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()


def design_strata(path: Path) -> dict[str, dict]:
    """The Design sheet's table of strata: label -> its figures."""
    rows = sheet_rows(path, "Design")
    start = next(i for i, r in enumerate(rows) if r[:3] == ("Stratum", "Population", "Eligible")
                 or list(r[:3]) == ["Stratum", "Population", "Eligible"])
    out = {}
    for r in rows[start + 1:]:
        if not r[0] or r[0] == "All strata":
            break
        out[r[0]] = dict(zip(["population", "eligible", "quota", "drawn", "reserves", "fraction"], r[1:7]))
    return out


def design_rules(path: Path) -> dict[str, tuple[int, int]]:
    """The Design sheet's rules: id -> (rows excluded by it, rows failing it)."""
    rows = sheet_rows(path, "Design")
    start = next(i for i, r in enumerate(rows) if list(r[:4]) == ["Rule", "Test", "Rows excluded by it", "Rows failing it"])
    out = {}
    for r in rows[start + 1:]:
        if not r[0]:
            break
        out[str(r[0]).split(":")[0]] = (r[2], r[3])
    return out

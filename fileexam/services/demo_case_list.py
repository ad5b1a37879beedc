"""A generated case-management extract for the Area template: what `fileexam sample draw` reads.

Used by the tests, the benchmark (50,000 rows) and the README's walk-through
(exports/examples/case-list-2025.csv, made by scripts/make_case_list.py). Areas differ in size (so the
sampling fractions of a fixed quota differ, as they do between the real Areas); some rows fail each
eligibility rule of question_sets/designs/area-follow-up-2025.yaml: finalised outside the window,
commenced before the baseline, RASSO, live cases concluded or with no hearing yet.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

from fileexam.domain.template import FieldType, InspectionTemplate
from fileexam.services.demo import OFFENCES

EXTRA_COLUMNS = ["Date commenced", "Hearings held", "Unit"]
FINALISED_OUTCOMES = ["guilty_plea", "guilty_plea", "guilty_plea", "conviction_after_trial", "acquittal",
                      "discontinued"]


def case_list_rows(t: InspectionTemplate, n: int, seed: int = 1) -> tuple[list[str], list[list]]:
    """The header and n rows of an extract, labels as a case management system would write them."""
    rng = random.Random(seed)
    area = t.fields_by_id["area"]
    areas = [o.value for o in area.values]
    sizes = [2 + (k * 7) % 5 for k in range(len(areas))]   # 2 to 6: London's Areas several times Cymru Wales
    fields = list(t.case_fields)
    headers = [t.reference_label] + [f.label for f in fields] + EXTRA_COLUMNS
    rows = []
    start = date(2023, 2, 1)
    for i in range(n):
        a = rng.choices(areas, sizes)[0]
        strand = "crown_court" if rng.random() < 0.45 else "magistrates"
        stage = "live" if rng.random() < 0.3 else "finalised"
        commenced = start + timedelta(days=rng.randrange(0, 540))
        charged = commenced + timedelta(days=rng.randrange(0, 20))
        flags = [v for v, p in (("domestic_abuse", 0.25), ("hate_crime", 0.05), ("stalking", 0.06),
                                ("rasso", 0.08)) if rng.random() < p]
        if stage == "finalised":
            outcome = rng.choice(FINALISED_OUTCOMES)
            finalised = charged + timedelta(days=rng.randrange(30, 420))
            hearings = rng.randrange(1, 8)
        else:
            outcome = "ongoing" if rng.random() < 0.9 else rng.choice(FINALISED_OUTCOMES)
            finalised = None
            hearings = 0 if rng.random() < 0.15 else rng.randrange(1, 6)
        values = {"area": a, "strand": strand, "stage": stage, "flags": flags, "outcome": outcome,
                  "charged_on": charged.isoformat(), "finalised_on": finalised.isoformat() if finalised else None,
                  "offence": rng.choice(OFFENCES[strand]), "defendant": f"Defendant {i + 1:06d}",
                  "charging_decision_by": rng.choices(["area", "cps_direct", "police"], [5, 3, 2])[0],
                  "custody": rng.choices(["custody", "bail", "summons"], [2, 5, 3])[0]}
        row = [f"{rng.randrange(1, 63):02d}{'ABCDEFGHJKLMNPRSTUVWXY'[i % 22]}{i:07d}{commenced.year % 100:02d}"]
        for f in fields:
            v = values.get(f.id)
            if v is None or v == []:
                row.append("")
            elif f.type is FieldType.CHOICES:
                row.append("; ".join(f.value_label(x) for x in v))
            elif f.type is FieldType.CHOICE:
                row.append(f.value_label(v))
            else:
                row.append(v)
        unit = "RASSO" if "rasso" in flags else ("Crown Court" if strand == "crown_court" else "Magistrates")
        row += [commenced.isoformat(), hearings, unit]
        rows.append(row)
    return headers, rows


def write_case_list(path: Path | str, t: InspectionTemplate, n: int, seed: int = 1) -> Path:
    """A CSV file, or a workbook (.xlsx, with shared strings as Excel saves it) of n generated rows."""
    path = Path(path)
    headers, rows = case_list_rows(t, n, seed)
    if path.suffix.lower() == ".csv":
        with path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(headers)
            w.writerows(rows)
        return path
    from fileexam.formats.xlsx_writing import BookWriter

    book = BookWriter(path)
    try:
        sheet = book.sheet("Cases", headers, [16] * len(headers))
        for row in rows:
            sheet.append([v if v != "" else None for v in row])
        sheet.finish()
        book.close()
    except BaseException:
        book.abandon()
        raise
    return path

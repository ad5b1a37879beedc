"""Write the example case sample for the Area template: exports/examples/area-sample.xlsx (and .csv)."""

from __future__ import annotations

import csv
from pathlib import Path

from fileexam.formats.definitions import load_template
from fileexam.formats.sample_workbook import sample_rows, write_sample
from fileexam.services.demo import demo_cases

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    t = load_template(ROOT / "question_sets/area-inspection.yaml").definition
    cases = demo_cases(t, per_area=4)
    out = ROOT / "exports/examples"
    out.mkdir(parents=True, exist_ok=True)
    write_sample(out / "area-sample.xlsx", t, cases)
    headers, rows = sample_rows(t, cases)
    with (out / "area-sample.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        w.writerows([["" if v is None else v for v in row] for row in rows])
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()

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
    write_inspector_workbooks(out)
    print(f"wrote {len(cases)} cases and three inspectors' exchange workbooks to {out}")


def write_inspector_workbooks(out: Path) -> None:
    """Three inspectors' exchange workbooks, as they would come back to the team lead."""
    import random
    import tempfile

    from fileexam.services.demo import demo_answers
    from fileexam.services.export import export_workbook
    from fileexam.services.sample import import_sample
    from fileexam.store.inspection_file import InspectionFile

    for k, name in enumerate(["A. Khan", "B. Evans", "C. Murphy"]):
        with tempfile.TemporaryDirectory() as tmp:
            f = InspectionFile.create(Path(tmp) / "mine.fileexam", ROOT / "question_sets/area-inspection.yaml",
                                      "Area inspection 2026", name)
            import_sample(f, out / "area-sample.xlsx", name)
            rng = random.Random(100 + k)
            mine = [c for c in f.cases() if c.inspector == name]
            for c in mine[: len(mine) - 2]:  # two cases each still to do
                for qid, value in demo_answers(f.template, c, rng, quality=0.6 + 0.1 * k).items():
                    f.set_answer(c.reference, qid, name, value)
                f.mark_complete(c.reference, name)
            slug = name.replace(". ", "-").lower()
            export_workbook(f, out / f"work-{slug}.xlsx", name)
            f.close()


if __name__ == "__main__":
    main()

"""Make the README's screenshots: docs/screenshots/*.png, from the demo inspection (the Results view from
the example master compared with an earlier state of it).

    QT_QPA_PLATFORM=offscreen python scripts/screenshots.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["FILEEXAM_HOME"] = tempfile.mkdtemp()  # a fresh demo, none of the user's own settings
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from fileexam.qt.app import build_window
    from fileexam.qt.tasks import InlineRunner

    app = QApplication(sys.argv[:1])  # noqa: F841 - the application must outlive the window
    w = build_window(demo=True, runner=InlineRunner())
    w.resize(1366, 768)  # the common laptop screen
    w.show()
    def settle(ms: int = 300) -> None:  # let the window draw (app.quit would close the windows)
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    settle()
    # A Crown Court case of the user's, partly scored, with the focus on a question in the middle.
    for row in w.model.rows:
        c = row.case
        if c.inspector == w.user and c.fields.get("strand") == "crown_court" and c.fields.get("charging_decision_by") != "police":
            w.select_case(c.reference)
            break
    settle()
    w.form.focus_question("PC04")
    settle()
    OUT.mkdir(parents=True, exist_ok=True)
    w.grab().save(str(OUT / "main-window.png"))
    w.ui.questionScroll.grab().save(str(OUT / "scoring-form.png"))
    w.ui.actionMarkComplete.trigger()
    settle()
    w.completeness.grab().save(str(OUT / "completeness-check.png"))
    w.completeness.close()
    results_view(w, settle)
    moderation_view(w, settle)
    print(f"wrote {', '.join(p.name for p in sorted(OUT.glob('*.png')))} to {OUT}")


def results_view(w, settle) -> None:
    """The Results view of the example master (the three example inspectors merged) compared with the
    report workbook of an earlier state of it (two of them merged), at 1366 × 768."""
    from fileexam.formats.report_workbook import write_report
    from fileexam.services.merge import master_coverage, merge_workbooks
    from fileexam.services.report import build_report
    from fileexam.services.sample import import_sample
    from fileexam.store.inspection_file import InspectionFile

    folder = Path(tempfile.mkdtemp())
    template = ROOT / "question_sets" / "area-inspection.yaml"
    workbooks = sorted((ROOT / "exports" / "examples").glob("work-*.xlsx"))
    baseline = folder / "baseline-report.xlsx"
    for path, merged in ((folder / "earlier.fileexam", workbooks[:2]), (folder / "master.fileexam", workbooks)):
        with InspectionFile.create(path, template, "Area inspection 2026", "T. Lead") as f:
            import_sample(f, ROOT / "exports" / "examples" / "area-sample.xlsx", "T. Lead")
            merge_workbooks(f, merged, "T. Lead")
            if path.stem == "earlier":
                write_report(baseline, build_report(f), f.merges(), master_coverage(f))
    w.open_inspection(folder / "master.fileexam")
    settle()
    w.ui.actionResults.trigger()
    view = w.results_view
    view.resize(1366, 768)
    settle()
    view.use_baseline(baseline)  # as Choose baseline… does once the file is picked
    view.area.setCurrentText("Wessex")  # picked out on the chart
    settle()
    view.grab().save(str(OUT / "results-view.png"))


def moderation_view(w, settle) -> None:
    """The moderation window at 1366 × 768: the example master (the three example inspectors merged) with
    twelve of its complete cases marked a second time, blind, by another inspector — allocated by name,
    each second marker imports their blind sample, marks it (mostly agreeing) and exports, the team lead
    merges — and two disagreements settled with a reason."""
    import random

    from openpyxl import load_workbook

    from fileexam.services.demo import demo_answers
    from fileexam.services.export import export_workbook
    from fileexam.services.merge import merge_workbooks
    from fileexam.services.moderation import allocate, collect_pairs, write_blind_samples
    from fileexam.services.sample import import_sample
    from fileexam.store.inspection_file import InspectionFile

    folder = Path(tempfile.mkdtemp())
    template = ROOT / "question_sets" / "area-inspection.yaml"
    master = folder / "master.fileexam"
    with InspectionFile.create(master, template, "Area inspection 2026", "T. Lead") as f:
        import_sample(f, ROOT / "exports" / "examples" / "area-sample.xlsx", "T. Lead")
        merge_workbooks(f, sorted((ROOT / "exports" / "examples").glob("work-*.xlsx")), "T. Lead")
        second = {"A. Khan": "D. Okafor", "B. Evans": "D. Okafor", "C. Murphy": "A. Khan"}
        complete = [c for c in f.cases() if c.inspector in second
                    and f.status(c.reference, c.inspector).value == "complete"]
        chosen = []
        for name in second:  # four of each inspector's complete cases
            chosen += [c for c in complete if c.inspector == name][:4]
        allocate(f, "T. Lead", named=[(c.reference, second[c.inspector]) for c in chosen])
        books = []
        for sample in write_blind_samples(f, folder / "blind"):
            sheet = load_workbook(sample)["Sample"]
            marker = sheet.cell(2, sheet.max_column).value  # the Inspector column
            with InspectionFile.create(folder / f"{marker}.fileexam", template, "Area inspection 2026", marker) as own:
                import_sample(own, sample, marker)
                rng = random.Random(3)
                for c in own.cases():
                    first = f.answers(c.reference, f.case(c.reference).inspector)
                    for qid, value in demo_answers(own.template, c, rng).items():
                        if qid in first and first[qid].value and rng.random() < 0.8:
                            value = first[qid].value  # mostly as the first marker, reading the same guidance
                        own.set_answer(c.reference, qid, marker, value)
                    own.mark_complete(c.reference, marker)
                books.append(folder / f"{marker}.xlsx")
                export_workbook(own, books[-1], marker)
        merge_workbooks(f, books, "T. Lead")
        for p in [p for p in collect_pairs(f) if not p.agree][:2]:
            f.settle(p.case, p.question, p.value2, "Guidance: the second reading follows the standard", "T. Lead")
    w.open_inspection(master)
    settle()
    w.ui.actionModeration.trigger()
    view = w.moderation_view
    view.resize(1366, 768)
    view.table.setCurrentCell(2, 0)  # the first disagreement not yet settled: its agreed answer starts empty
    settle()
    view.grab().save(str(OUT / "moderation-view.png"))
    view.close()


if __name__ == "__main__":
    main()

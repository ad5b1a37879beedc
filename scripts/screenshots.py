"""Make the README's screenshots, docs/screenshots/*.png, on a 1366 × 768 laptop screen (Qt's offscreen
platform given that screen, as the tests are: tests/qt/screens/): each window at the size it opens at
there, with room kept for a taskbar and its title bar.

- main-window.png, scoring-form.png (its sections, questions and guidance), completeness-check.png: the
  inspector, on the demo inspection;
- team-lead-home.png: the team lead opening the example master (the three example inspectors merged);
- merge-dialog.png: the Merge dialog after merging those three and a fourth workbook that marks two of
  A. Khan's cases as well (two conflicts, noted);
- results-view.png: the Results view of the example master compared with an earlier state of it;
- moderation-view.png: the moderator's window, reached from the home, on a double-marked master.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
SCREEN = ROOT / "tests" / "qt" / "screens" / "laptop-1366x768.json"
TEMPLATE = ROOT / "question_sets" / "area-inspection.yaml"
EXAMPLES = ROOT / "exports" / "examples"


def main() -> None:
    if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
        os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={SCREEN}"
    os.environ["FILEEXAM_HOME"] = tempfile.mkdtemp()  # a fresh demo, none of the user's own settings
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])  # noqa: F841 - the application must outlive the windows
    screen = app.primaryScreen().geometry()
    print(f"screen {screen.width()} × {screen.height()}")

    def settle(ms: int = 300) -> None:  # let the window draw (app.quit would close the windows)
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    OUT.mkdir(parents=True, exist_ok=True)
    inspector(settle)
    master = example_master(Path(tempfile.mkdtemp()))
    team_lead_home(master, settle)
    merge_dialog(settle)
    results_view(master, settle)
    moderation_view(settle)
    print(f"wrote {', '.join(p.name for p in sorted(OUT.glob('*.png')))} to {OUT}")


def save(widget, name: str) -> None:
    image = widget.grab()
    image.save(str(OUT / name))
    print(f"{name}: {image.width()} × {image.height()}")


def window_for(user: str):
    from fileexam.qt.app import qsettings
    from fileexam.qt.main_window import MainWindow
    from fileexam.qt.tasks import InlineRunner

    w = MainWindow(qsettings(), user, InlineRunner())
    w.show()
    return w


def inspector(settle) -> None:
    """The demo inspection as its inspector sees it: a Crown Court case of theirs, partly scored, the focus
    on a question in the middle; then Ctrl+Enter's completeness check."""
    from fileexam.qt.app import build_window
    from fileexam.qt.tasks import InlineRunner

    w = build_window(demo=True, runner=InlineRunner())
    w.show()
    settle()
    for row in w.model.rows:
        c = row.case
        if c.inspector == w.user and c.fields.get("strand") == "crown_court" and c.fields.get("charging_decision_by") != "police":
            w.select_case(c.reference)
            break
    settle()
    w.form.focus_question("PC04")
    settle()
    save(w, "main-window.png")
    save(w.ui.formSplitter, "scoring-form.png")
    w.ui.actionMarkComplete.trigger()
    settle()
    save(w.completeness, "completeness-check.png")
    w.completeness.close()
    w.close()


def example_master(folder: Path, name: str = "master.fileexam", workbooks: list[Path] | None = None) -> Path:
    from fileexam.services.merge import merge_workbooks
    from fileexam.services.sample import import_sample
    from fileexam.store.inspection_file import InspectionFile

    path = folder / name
    with InspectionFile.create(path, TEMPLATE, "Area inspection 2026", "T. Lead") as f:
        import_sample(f, EXAMPLES / "area-sample.xlsx", "T. Lead")
        merge_workbooks(f, workbooks if workbooks is not None else sorted(EXAMPLES.glob("work-*.xlsx")), "T. Lead")
    return path


def team_lead_home(master: Path, settle) -> None:
    """The team lead opens the master: coverage per inspector and Area, the cases with no complete
    marking, and merge, results, moderation and the report a click (or a shortcut) away."""
    w = window_for("T. Lead")
    w.open_inspection(master)
    settle()
    save(w, "team-lead-home.png")
    w.close()


def conflicting_workbook(folder: Path) -> Path:
    """D. Okafor's workbook, which marks two of A. Khan's cases as well as one of D. Okafor's own."""
    from fileexam.services.demo import demo_answers
    from fileexam.services.export import export_workbook
    from fileexam.services.sample import import_sample
    from fileexam.store.inspection_file import InspectionFile
    import random

    with InspectionFile.create(folder / "okafor.fileexam", TEMPLATE, "Area inspection 2026", "D. Okafor") as own:
        import_sample(own, EXAMPLES / "area-sample.xlsx", "D. Okafor")
        cases = own.cases()
        chosen = [c for c in cases if c.inspector == "A. Khan"][:2] + [c for c in cases if c.inspector == "D. Okafor"][:1]
        rng = random.Random(5)
        for c in chosen:
            for qid, value in demo_answers(own.template, c, rng).items():
                own.set_answer(c.reference, qid, "D. Okafor", value)
        out = folder / "work-d-okafor.xlsx"
        export_workbook(own, out, "D. Okafor")
    return out


def merge_dialog(settle) -> None:
    from fileexam.qt.merge_dialog import MergeDialog

    folder = Path(tempfile.mkdtemp(prefix="inbox-"))
    master = example_master(folder, "fresh.fileexam", workbooks=[])
    w = window_for("T. Lead")
    w.open_inspection(master)
    settle()
    w.ui.actionMerge.trigger()
    dialog: MergeDialog = w.merge_dialog
    dialog.add_paths([str(p) for p in sorted(EXAMPLES.glob("work-*.xlsx"))] + [str(conflicting_workbook(folder))])
    dialog.merge()
    settle()
    save(dialog, "merge-dialog.png")
    dialog.close()
    w.close()


def results_view(master: Path, settle) -> None:
    """The Results view of the example master compared with the report workbook of an earlier state of it
    (two of the three inspectors merged), Wessex picked out."""
    from fileexam.formats.report_workbook import write_report
    from fileexam.services.merge import master_coverage
    from fileexam.services.report import build_report
    from fileexam.store.inspection_file import InspectionFile

    folder = Path(tempfile.mkdtemp())
    earlier = example_master(folder, "earlier.fileexam", workbooks=sorted(EXAMPLES.glob("work-*.xlsx"))[:2])
    baseline = folder / "baseline-report.xlsx"
    with InspectionFile.open(earlier) as f:
        write_report(baseline, build_report(f), f.merges(), master_coverage(f))
    w = window_for("T. Lead")
    w.open_inspection(master)
    settle()
    w.ui.actionResults.trigger()
    view = w.results_view
    settle()
    view.use_baseline(baseline)  # as Choose baseline… does once the file is picked
    view.area.setCurrentText("Wessex")  # picked out on the chart
    settle()
    save(view, "results-view.png")
    view.close()
    w.close()


def moderation_view(settle) -> None:
    """The moderator's window, reached from the home: the example master with twelve of its complete cases
    marked a second time, blind, by another inspector — allocated by name, each second marker imports their
    blind sample, marks it (mostly agreeing) and exports, the team lead merges — and two disagreements
    settled with a reason."""
    import random

    from openpyxl import load_workbook

    from fileexam.services.demo import demo_answers
    from fileexam.services.export import export_workbook
    from fileexam.services.merge import merge_workbooks
    from fileexam.services.moderation import allocate, collect_pairs, write_blind_samples
    from fileexam.services.sample import import_sample
    from fileexam.store.inspection_file import InspectionFile

    folder = Path(tempfile.mkdtemp())
    master = example_master(folder)
    with InspectionFile.open(master) as f:
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
            with InspectionFile.create(folder / f"{marker}.fileexam", TEMPLATE, "Area inspection 2026", marker) as own:
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
    w = window_for("M. Moderator")
    w.open_inspection(master)
    settle()
    next(b for b in w.home.buttons if b.text().startswith("Moderation")).click()  # from the home
    view = w.moderation_view
    view.table.setCurrentCell(2, 0)  # the first disagreement not yet settled: its agreed answer starts empty
    settle()
    save(view, "moderation-view.png")
    view.close()
    w.close()


if __name__ == "__main__":
    main()

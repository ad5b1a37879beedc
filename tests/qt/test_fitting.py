"""Every window at 1366 × 768 (the offscreen screen tests/qt/conftest.py sets up) shows everything the user
needs whole: no label, button, choice, hint, list row, table cell or heading cut off, no column the user
needs past the edge, and no window (with its title bar, above a taskbar) larger than the screen. The
measuring is tests/qt/fitting.py's: each widget's text with its own font against the room it has.

The same tests run again at 200% scaling (a 2732 × 1536 panel: 1366 × 768 device-independent pixels) in
a fresh process: test_every_window_fits_at_200_percent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QComboBox, QDialog, QLabel, QListWidget, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from conftest import AREA_TEMPLATE, ROOT
from fileexam.qt.tasks import InlineRunner
from tests.qt import fitting

EXAMPLES = sorted((ROOT / "exports/examples").glob("work-*.xlsx"))
SCALED = os.environ.get("FILEEXAM_TEST_SCALE") == "200"


def fits(qtbot, window: QWidget) -> None:
    from fileexam.qt.scoring_form import ScoringForm
    qtbot.waitExposed(window)
    for form in window.findChildren(ScoringForm):  # its sections are built as they are reached (issue 15)
        if form.session is not None:
            qtbot.waitUntil(lambda: form.built, timeout=10000)
    qtbot.wait(30)  # posted layout requests and the form's first focus
    found = fitting.problems(window)
    assert found == [], f"{window.windowTitle()}: {len(found)} thing(s) cut off or off screen:\n" + "\n".join(found)


def main_window(qtbot, user: str, path=None):
    """The app's window as it opens for this user: its size its own, fitted to the screen."""
    from fileexam.qt.app import qsettings
    from fileexam.qt.main_window import MainWindow

    w = MainWindow(qsettings(), user, InlineRunner())
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    if path is not None:
        assert w.open_inspection(path)
    return w


def test_the_screen_is_a_laptops(qapp):
    screen = QGuiApplication.primaryScreen()
    assert (screen.geometry().width(), screen.geometry().height()) == (1366, 768)
    assert screen.devicePixelRatio() == (2 if SCALED else 1)


# ---- the checker itself ---------------------------------------------------------------------------------
def test_checker__finds_a_cut_label_combo_row_column_and_a_window_too_large(qtbot):
    dialog = QDialog()
    qtbot.addWidget(dialog)
    layout = QVBoxLayout(dialog)
    label = QLabel("Correspondence and progression (0/2)")
    label.setFixedWidth(60)
    combo = QComboBox()
    combo.addItems(["All strands", "Magistrates' courts"])
    combo.setFixedWidth(70)
    rows = QListWidget()
    rows.addItem("Preparation for the plea and trial preparation hearing (0/0)")
    rows.setFixedWidth(90)
    table = QTableWidget(1, 3)
    table.setHorizontalHeaderLabels(["URN", "Area", "Strand"])
    for col, text in enumerate(["19WT008853425", "Yorkshire and Humberside", "Crown Court"]):
        table.setItem(0, col, QTableWidgetItem(text))
    table.setColumnWidth(0, 50)
    table.setFixedWidth(200)
    for w in (label, combo, rows, table):
        layout.addWidget(w)
    dialog.resize(1400, 860)
    dialog.show()
    qtbot.waitExposed(dialog)
    found = "\n".join(fitting.problems(dialog))
    assert "larger than the screen" in found
    assert "'Correspondence and progression (0/2)'" in found
    assert "\"Magistrates' courts\"" in found and "'All strands'" in found
    assert "Preparation for the plea" in found
    assert "'19WT008853425'" in found and "needs sideways scrolling" in found


# ---- the start page ---------------------------------------------------------------------------------------
def test_start_page(qtbot, tmp_path):
    from fileexam.qt.app import qsettings

    deep = tmp_path / "Inspections 2026" / "Area inspection of the Crown Prosecution Service" / "Wessex"
    qsettings().setValue("recent", [str(deep / "Area inspection 2026 - Wessex.fileexam"), "/nowhere/gone.fileexam"])
    w = main_window(qtbot, "A. Khan")
    assert w.start_page.isVisible()
    fits(qtbot, w)


# ---- the inspector's window -------------------------------------------------------------------------------
def inspector_case(w, **fields) -> str:
    mine = [r.case for r in w.model.rows if r.case.inspector == w.user]
    for c in mine:
        if all(c.fields.get(k) == v for k, v in fields.items()):
            return c.reference
    ref = mine[-1].reference
    for k, v in fields.items():
        w.inspection.set_field(ref, k, v, w.user)
    w._reload_cases()
    return ref


def answer_everything(session) -> None:
    """Every question that applies answered (its first option; a number, date or text that passes)."""
    from fileexam.domain.questions import AnswerType

    while (qid := session.first_unanswered()) is not None:
        spec = session.inspection.template.question_by_id[qid].answer
        value = (spec.scale.options[0].value if spec.type is AnswerType.SCALE else
                 json.dumps([spec.options[0].value]) if spec.type is AnswerType.CHOICES else
                 f"{spec.minimum or 1:g}" if spec.type is AnswerType.NUMBER else
                 "2025-05-01" if spec.type is AnswerType.DATE else "Seen")
        session.set_answer(qid, value)


@pytest.mark.parametrize("state", ["number question", "sections that do not apply", "complete case",
                                   "last question", "filtered"])
def test_inspector_window(qtbot, area_file, state):
    path = area_file.path
    area_file.close()
    w = main_window(qtbot, "A. Khan", path)
    assert w.page == "scoring"
    if state == "number question":  # PO11 asks for a number: its hint read whole
        ref = inspector_case(w, strand="crown_court", charging_decision_by="area")
        w.select_case(ref, "PO11")
        qtbot.waitUntil(lambda: w.form.current == "PO11")
    elif state == "sections that do not apply":
        ref = inspector_case(w, strand="magistrates", charging_decision_by="police")
        w.select_case(ref)
    elif state == "complete case":
        ref = inspector_case(w, strand="magistrates")
        w.select_case(ref)
        answer_everything(w.session)
        w._load_case(ref)
        w.mark_complete()
        assert w.ui.lockBanner.isVisible()
    elif state == "last question":
        ref = inspector_case(w, strand="crown_court")
        w.select_case(ref)
        last = w.form.applicable()[-1]
        w.form.focus_question(last)
        qtbot.waitUntil(lambda: "Last question" in w.ui.positionLabel.text())
    else:
        w.ui.mineOnly.setChecked(False)
        w.ui.areaFilter.setCurrentIndex(w.ui.areaFilter.findText("Yorkshire and Humberside"))
        w.ui.strandFilter.setCurrentIndex(w.ui.strandFilter.findText("Magistrates' courts"))
    fits(qtbot, w)


def test_demo_window(qtbot):
    from fileexam.qt.app import build_window

    w = build_window(demo=True, runner=InlineRunner())
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.form.current is not None)
    assert w.page == "scoring"  # the demo's user is an inspector: their allocation
    fits(qtbot, w)


def test_window_saved_on_a_larger_screen__comes_back_inside_this_one(qtbot):
    w = main_window(qtbot, "A. Khan")
    w.resize(1900, 1040)
    w.save_window()
    w.close()
    again = main_window(qtbot, "A. Khan")
    assert fitting.window_problems(again) == []


def test_shortcuts_help(qtbot, window):
    window.ui.actionKeys.trigger()
    fits(qtbot, window.keys_dialog)


def test_completeness_check(qtbot, window):
    window.form.focus_question(window.session.first_unanswered())
    window.ui.actionMarkComplete.trigger()
    fits(qtbot, window.completeness)


def test_problems_dialog(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    bad = tmp_path / "more.csv"
    bad.write_text("URN,Area,Strand,Finalised or live,Charging decision by\n"
                   "99ZZ1,Wesex,Crown Court,Live,Police\n99ZZ2,Wessex,Crown Cort,Live,Polce\n")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    window.ui.actionImportSample.trigger()
    fits(qtbot, window.problems_dialog)


# ---- the team lead's and the moderator's -----------------------------------------------------------------
@pytest.mark.parametrize("show", ["missing", "progress", "all"])
def test_team_lead_home(qtbot, merged_file, show):
    path = merged_file.path
    merged_file.close()
    w = main_window(qtbot, "T. Lead", path)
    assert w.page == "home"
    w.home.show_choice.setCurrentIndex(w.home.show_choice.findData(show))
    fits(qtbot, w)


def test_team_lead_marking_a_case(qtbot, merged_file):
    path = merged_file.path
    merged_file.close()
    w = main_window(qtbot, "T. Lead", path)
    w.home.choose_case(w.home._rows[0][0])
    w.ui.actionMarkThisCase.trigger()
    assert w.page == "scoring" and w.session is not None
    fits(qtbot, w)


def conflicting_workbook(folder: Path) -> Path:
    """D. Okafor's workbook with three of A. Khan's cases marked as well: three conflicts to note."""
    from fileexam.services.export import export_workbook
    from fileexam.services.sample import import_sample
    from fileexam.store.inspection_file import InspectionFile

    folder.mkdir(exist_ok=True)
    with InspectionFile.create(folder / "okafor.fileexam", AREA_TEMPLATE, "Area inspection 2026", "D. Okafor") as own:
        import_sample(own, ROOT / "exports/examples/area-sample.xlsx", "D. Okafor")
        for c in [c for c in own.cases() if c.inspector == "A. Khan"][:3]:
            own.set_answer(c.reference, "DI01", "D. Okafor", "fully")
        export_workbook(own, folder / "work-d-okafor.xlsx", "D. Okafor")
    return folder / "work-d-okafor.xlsx"


def test_merge_dialog__conflicts_and_a_refused_workbook(qtbot, merged_file, tmp_path):
    from fileexam.qt.merge_dialog import MergeDialog

    fake = tmp_path / "notes from the inspection of the Wessex Area.xlsx"
    fake.write_text("not a workbook")
    dialog = MergeDialog(merged_file.path, "TL", InlineRunner())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.add_paths([str(conflicting_workbook(tmp_path / "okafor")), str(fake)] + [str(p) for p in EXAMPLES])
    with qtbot.waitSignal(dialog.merged):
        qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)
    notes = [dialog.results.item(i, 8).text() for i in range(dialog.results.rowCount())]
    assert any("also marked by A. Khan" in n for n in notes) and any(n and "okafor" not in n for n in notes)
    fits(qtbot, dialog)


def test_results_view(qtbot, merged_file):
    path = merged_file.path
    merged_file.close()
    w = main_window(qtbot, "T. Lead", path)
    w.ui.actionResults.trigger()
    view = w.results_view
    qtbot.addWidget(view)
    fits(qtbot, view)
    view.by.setCurrentIndex(view.by.count() - 1)  # a breakdown: its groups in the choice
    fits(qtbot, view)


@pytest.fixture
def double_marked(merged_file, tmp_path):
    from fileexam.services.moderation import allocate
    from test_moderation import second_marking

    second = {"A. Khan": "D. Okafor", "B. Evans": "D. Okafor", "C. Murphy": "A. Khan"}
    named = [(c.reference, second[c.inspector]) for c in merged_file.cases() if c.inspector in second
             and merged_file.status(c.reference, c.inspector).value == "complete"]
    allocate(merged_file, "TL", named=named[:12])
    second_marking(merged_file, tmp_path / "second", agree=0.75)
    from fileexam.services.moderation import collect_pairs
    for p in [p for p in collect_pairs(merged_file) if not p.agree][:2]:  # settled, with a reason to read
        merged_file.settle(p.case, p.question, p.value2, "Guidance: the second reading follows the standard", "TL")
    return merged_file


@pytest.mark.parametrize("tab", range(5))
def test_moderation_window(qtbot, double_marked, tab):
    path = double_marked.path
    double_marked.close()
    w = main_window(qtbot, "Moderator", path)
    assert w.page == "home"
    next(b for b in w.home.buttons if "Moderation" in b.text()).click()  # from the home
    view = w.moderation_view
    view.tabs.setCurrentIndex(tab)
    view.table.setCurrentCell(0, 0)
    fits(qtbot, view)


def test_moderation_window__nothing_double_marked_yet(qtbot, merged_file):
    path = merged_file.path
    merged_file.close()
    w = main_window(qtbot, "Moderator", path)
    w.ui.actionModeration.trigger()
    fits(qtbot, w.moderation_view)
    w.moderation_view.empty_allocate.click()
    fits(qtbot, w.moderation_view.dialog)


@pytest.mark.parametrize("tab", range(2))
def test_feedback_panel(qtbot, area_file, tmp_path, tab):
    from feedback_helpers import INSPECTOR, moderated_master

    from fileexam.services.feedback import write_all
    from fileexam.store import query_records

    own, refs = moderated_master(area_file, tmp_path)
    query_records.raise_query(area_file, refs[1], "PC02", INSPECTOR, "Was the charge the right one?", "Moderator")
    [book] = [w.path for w in write_all(area_file, tmp_path / "fb", "Moderator") if w.inspector == INSPECTOR]
    w = main_window(qtbot, INSPECTOR, own)
    panel = w.open_feedback(str(book))
    panel.tabs.setCurrentIndex(tab)
    fits(qtbot, panel)


def test_password_dialogs(qtbot):
    from fileexam.qt.password_dialog import NewPasswordDialog, WorkbookPasswordDialog

    for dialog in (NewPasswordDialog(None, "your exported work"),
                   WorkbookPasswordDialog("work-a-khan (encrypted, from the Wessex visit).xlsx", lambda p: False)):
        qtbot.addWidget(dialog)
        dialog.show()
        fits(qtbot, dialog)


# ---- again at 200% --------------------------------------------------------------------------------------
@pytest.mark.skipif(SCALED, reason="this is the run at 200%")
def test_every_window_fits_at_200_percent():
    """The tests above in a fresh process whose screen is at 200% (Qt's scale is set once per process)."""
    env = dict(os.environ, FILEEXAM_TEST_SCALE="200", QT_QPA_PLATFORM="offscreen")
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x",
                          str(Path(__file__))], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert " passed" in run.stdout

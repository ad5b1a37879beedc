"""The moderation window's Standardisation, Gold cases and Targets tabs (issue 17) on real inspection files,
driven with the keyboard and the mouse; grabbed at 1366 × 768 to PNG (FILEEXAM_GRAB_DIR) to look at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt

from conftest import ROOT
from fileexam.qt.moderation_view import ModerationView
from fileexam.services.merge import merge_workbooks
from fileexam.services.sample import import_sample
from fileexam.store.inspection_file import InspectionFile
from moderation_helpers import moderated_template

EXAMPLES = sorted((ROOT / "exports/examples").glob("work-*.xlsx"))
LEFT = Qt.MouseButton.LeftButton


def complete_cases(f, inspector):
    return [c.reference for c in f.cases() if c.inspector == inspector
            and f.status(c.reference, inspector).value == "complete"]


def copy_marking(f, ref, source, marker, change=None):
    for qid, a in f.answers(ref, source).items():
        f.set_answer(ref, qid, marker, (change or {}).get(qid, a.value))
    assert f.mark_complete(ref, marker).missing == []


@pytest.fixture
def master(tmp_path):
    """A standardisation case (A. Khan's marking the reference) marked by B. Evans with one answer a step off;
    four double-marked cases, agreed but for one question always flipped; one of them settled (a gold case)."""
    f = InspectionFile.create(tmp_path / "master.fileexam", moderated_template(tmp_path), "Area inspection 2026", "TL")
    assert import_sample(f, ROOT / "exports/examples/area-sample.xlsx", "TL").imported
    merge_workbooks(f, EXAMPLES, "TL")
    khan = complete_cases(f, "A. Khan")
    cal = khan[0]
    f.set_calibration(cal, "A. Khan", "Moderator")
    step = next(q for q, a in f.answers(cal, "A. Khan").items() if a.value == "fully")
    copy_marking(f, cal, "A. Khan", "B. Evans", {step: "partially"})
    flip = {"fully": "not_met", "partially": "not_met", "not_met": "fully"}
    for i, ref in enumerate(khan[1:5]):  # a different question flipped in each case
        f.allocate_double([(ref, "D. Okafor")], "TL")
        qs = [q for q, a in f.answers(ref, "A. Khan").items() if a.value in flip and q.startswith(("DI", "PO"))]
        q = qs[i % len(qs)]
        copy_marking(f, ref, "A. Khan", "D. Okafor", {q: flip[f.answers(ref, "A. Khan")[q].value]})
        f.settle(ref, q, f.answers(ref, "A. Khan")[q].value, "the first marker read the schedule right", "Moderator")
    yield f
    f.close()


def open_view(qtbot, inspection) -> ModerationView:
    view = ModerationView(inspection, "Moderator")
    qtbot.addWidget(view)
    view.resize(1366, 768)
    view.show()
    qtbot.waitExposed(view)
    return view


def tab_by_keyboard(qtbot, view, pane) -> None:
    """Right arrow along the focused tab bar until the pane's tab is shown."""
    bar = view.tabs.tabBar()
    bar.setFocus()
    for _ in range(view.tabs.count()):
        if view.tabs.currentWidget() is pane:
            return
        qtbot.keyClick(bar, Qt.Key.Key_Right)


def grab(widget, name: str) -> None:
    folder = os.environ.get("FILEEXAM_GRAB_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(folder) / name))


def click_row(qtbot, table, row: int, column: int = 0) -> None:
    rect = table.visualRect(table.model().index(row, column))
    qtbot.mouseClick(table.viewport(), LEFT, pos=rect.center())


def test_standardisation_tab__by_keyboard_then_an_inspector_by_mouse(qtbot, master):
    view = open_view(qtbot, master)
    pane = view.standards.standardisation
    tab_by_keyboard(qtbot, view, pane)
    assert view.tabs.currentWidget() is pane
    assert "at least 80% of answers exactly equal to the reference and 95% within one scale point" in pane.rule.text()
    rows = {pane.table.item(i, 0).text(): i for i in range(pane.table.rowCount())}
    assert pane.table.item(rows["B. Evans"], 1).text().startswith("✓ passed: ")
    assert pane.table.item(rows["C. Murphy"], 1).text() == "⚑ not yet taken: 0 of 1 standardisation case(s) back complete"
    assert pane.table.item(rows["A. Khan"], 1).text() == "✓ the reference marker of every standardisation case"
    evans = next(r for r in pane.results if r.marker == "B. Evans")
    n = evans.total.compared
    assert pane.table.item(rows["B. Evans"], 3).text() == f"{(n - 1) / n * 100:.1f}%"  # one answer a step off
    assert pane.table.item(rows["B. Evans"], 4).text() == "100.0%"
    click_row(qtbot, pane.table, rows["B. Evans"])
    assert "B. Evans" in pane.detail_title.text()
    assert pane.questions.rowCount() == len(evans.by_question)
    off = [pane.questions.item(i, 0).text() for i in range(pane.questions.rowCount())
           if pane.questions.item(i, 3).text() == "0.0%"]
    assert off == [evans.differences[0][1]] and pane.questions.item(
        [pane.questions.item(i, 0).text() for i in range(pane.questions.rowCount())].index(off[0]), 4).text() == "100.0%"
    grab(view, "moderation-standardisation.png")


def test_gold_tab__seed_by_keyboard_write_sample_remove_with_a_reason(qtbot, master, tmp_path):
    view = open_view(qtbot, master)
    pane = view.standards.gold
    tab_by_keyboard(qtbot, view, pane)
    assert view.tabs.currentWidget() is pane
    assert pane.table.item(0, 0).text().startswith("No gold case yet")
    qtbot.mouseClick(pane.seed_button, LEFT)
    dialog = pane.dialog
    cases = [dialog.case.itemText(i) for i in range(dialog.case.count())]
    assert len(cases) == 4  # the four settled double-marked cases; the standardisation case is never offered
    qtbot.keyClicks(dialog.inspector, "C")  # C. Murphy, by typing in the list
    assert dialog.inspector.currentText() == "C. Murphy"
    qtbot.keyClick(dialog.inspector, Qt.Key.Key_Return)
    gold = cases[0]
    assert master.conn.execute("SELECT case_ref, marker, seeded_by FROM gold_cases").fetchall() == \
        [(gold, "C. Murphy", "Moderator")]
    assert "is a gold case for C. Murphy" in pane.message.text()
    assert [pane.table.item(i, 1).text() for i in range(pane.table.rowCount())] == ["all gold cases", gold]
    assert pane.table.item(1, 2).text() == "not back"
    # the same case again for the same inspector: the file's refusal, in its words
    qtbot.mouseClick(pane.seed_button, LEFT)
    pane.dialog.inspector.setCurrentText("C. Murphy")
    qtbot.mouseClick(pane.dialog.ok_button, LEFT)
    assert pane.message.text() == f"<b>Not seeded:</b> case {gold} is already a gold case for C. Murphy"
    # write C. Murphy's blind sample: the gold case is a row like any other
    click_row(qtbot, pane.table, 1)
    pane.write_sample(str(tmp_path / "blind"))
    sample = tmp_path / "blind" / "second-marking-c-murphy.xlsx"
    assert sample.exists() and [r[0] for r in load_workbook(sample)["Sample"].iter_rows(min_row=2, values_only=True)] \
        == [gold]
    grab(view, "moderation-gold.png")
    # remove, with a reason typed and Enter
    click_row(qtbot, pane.table, 1)
    pane.remove_button.setFocus()
    qtbot.keyClick(pane.remove_button, Qt.Key.Key_Space)
    assert not pane.dialog.ok_button.isEnabled()
    qtbot.keyClicks(pane.dialog.reason, "seeded for the wrong inspector")
    qtbot.keyClick(pane.dialog.reason, Qt.Key.Key_Return)
    assert master.conn.execute("SELECT count(*) FROM gold_cases").fetchone()[0] == 0
    removed = [a for a in master.audit(gold) if a["action"] == "gold case removed"]
    assert removed[-1]["reason"] == "seeded for the wrong inspector"
    assert pane.table.item(0, 0).text().startswith("No gold case yet")


def test_targets_tab__below_undefined_and_the_guidance_beside_the_lowest(qtbot, master):
    view = open_view(qtbot, master)
    qtbot.mouseClick(view.tabs.tabBar(), LEFT, pos=view.tabs.tabBar().tabRect(view.tabs.count() - 1).center())
    pane = view.standards.targets
    assert view.tabs.currentWidget() is pane
    r = pane.report
    assert r.below and "below target" in pane.summary.text()
    assert pane.table.rowCount() == len(r.below)
    assert all(pane.table.item(i, 5).text() == "⚑ below target" for i in range(pane.table.rowCount()))
    pane.show_choice.setFocus()
    qtbot.keyClick(pane.show_choice, Qt.Key.Key_Down)  # Undefined
    assert pane.show_choice.currentData() == "undefined"
    assert pane.table.rowCount() == len(r.undefined)
    for i in range(pane.table.rowCount()):
        assert pane.table.item(i, 5).text() == "undefined" and pane.table.item(i, 3).text().startswith("undefined (")
    lowest = [q.question for q in r.lowest]
    assert pane.lowest.rowCount() == len(lowest) == 3
    click_row(qtbot, pane.lowest, 1)
    q = master.template.question_by_id[lowest[1]]
    text = pane.guidance.toPlainText()
    assert lowest[1] in text and " ".join(q.guidance.split())[:60] in " ".join(text.split())
    qtbot.keyClick(pane.show_choice, Qt.Key.Key_Up)
    assert pane.show_choice.currentData() == "below"
    grab(view, "moderation-targets.png")


def test_tabs__say_what_to_add_when_the_template_sets_nothing(qtbot, merged_file):
    view = open_view(qtbot, merged_file)
    assert "The template sets no standardisation exercise" in view.standards.standardisation.rule.text()
    assert "The template sets no agreement target" in view.standards.targets.summary.text()
    assert view.standards.standardisation.table.rowCount() == 0



def test_team_lead_home__flags_who_has_not_passed(qtbot, master):
    from tests.qt.test_team_lead import open_as

    path = master.path
    master.close()
    w = open_as(qtbot, "T. Lead", path)
    assert w.page == "home"
    label = w.home.standardisation
    assert label.isVisible()
    text = label.text()
    assert "Not passed the standardisation exercise" in text
    assert "<b>C. Murphy</b>, not yet taken: 0 of 1" in text and "<b>D. Okafor</b>" in text
    assert "B. Evans" not in text and "A. Khan" not in text  # passed, and the reference marker
    grab(w, "team-lead-home-standardisation.png")


@pytest.mark.parametrize("tab", ["standardisation", "gold", "targets"])
def test_tabs__fit_a_1366x768_screen(qtbot, master, tab):
    from tests.qt import fitting

    view = ModerationView(master, "Moderator")  # at the size it opens at on the laptop screen
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    pane = getattr(view.standards, tab)
    view.tabs.setCurrentWidget(pane)
    if tab == "gold":
        from fileexam.services.gold_cases import gold_candidates, seed_gold
        seed_gold(master, gold_candidates(master)[0], "C. Murphy", "Moderator")
        view.refresh()
    qtbot.wait(30)
    found = fitting.problems(view)
    assert found == [], "\n".join(found)


def test_inspector_app__a_gold_case_looks_like_the_second_marking_beside_it(qtbot, master, tmp_path):
    """The inspector's window on the file made from their blind sample: the gold case's row (status, allocation,
    every role) and its header are those of an ordinary second marking, and no text in the window says gold."""
    from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit

    from fileexam.services.gold_cases import gold_candidates, seed_gold
    from fileexam.services.moderation import write_blind_samples
    from tests.qt.test_team_lead import open_as

    gold = gold_candidates(master)[0]
    second = complete_cases(master, "B. Evans")[0]
    master.allocate_double([(second, "C. Murphy")], "TL")
    seed_gold(master, gold, "C. Murphy", "Moderator")
    [sample] = write_blind_samples(master, tmp_path / "blind", {"C. Murphy"})
    own = InspectionFile.create(tmp_path / "murphy.fileexam", tmp_path / "sets" / "area-inspection.yaml",
                                "Area inspection 2026", "C. Murphy")
    assert import_sample(own, sample, "C. Murphy").imported
    path = own.path
    own.close()
    w = open_as(qtbot, "C. Murphy", path)
    assert w.page != "home"
    model = w.model
    roles = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.ForegroundRole,
             model.StatusRole, model.InspectorRole)

    def row(ref):
        r = model._index[ref]
        return [str(model.data(model.index(r, model.STATUS), role)) for role in roles]

    assert row(gold) == row(second)
    for ref in (gold, second):
        assert w.select_case(ref)
        qtbot.wait(20)
        texts = " ".join(x.text() for kind in (QLabel, QAbstractButton, QLineEdit) for x in w.findChildren(kind)
                         if x.isVisible()) + w.windowTitle()
        assert ref in texts and "gold" not in texts.lower()
        assert "second" not in texts.lower()  # nor does it say second marking: all are ordinary cases

"""The inspector's feedback panel (issue 17), driven with the keyboard and the mouse: File → Open feedback…
on the inspector's own file, items read, a disagreement replied to, a query answered with a changed answer;
the export carries it to the master; hostile feedback workbooks refused in plain words."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt

from feedback_helpers import INSPECTOR, export_own, moderated_master
from fileexam.qt.tasks import InlineRunner
from fileexam.services.feedback import write_all
from fileexam.services.merge import merge_workbooks
from fileexam.services.moderation import collect_pairs
from fileexam.store import query_records as records
from fileexam.store.inspection_file import InspectionFile

from qt.conftest import USER

SHOTS = Path(os.environ.get("FILEEXAM_SHOTS", "")) if os.environ.get("FILEEXAM_SHOTS") else None


@pytest.fixture
def loop(area_file, tmp_path):
    """The master moderated, one disagreement settled, a query raised on A. Khan's answer, feedback written."""
    assert USER == INSPECTOR
    own, refs = moderated_master(area_file, tmp_path)
    p = next(p for p in collect_pairs(area_file) if not p.agree and p.first == INSPECTOR)
    area_file.settle(p.case, p.question, p.value2, "The second reading is right: schedules were not endorsed",
                     "Moderator")
    q = records.raise_query(area_file, refs[1], "PC02", INSPECTOR, "Was the charge the right one?", "Moderator")
    books = {w.inspector: w.path for w in write_all(area_file, tmp_path / "feedback", "Moderator")}
    return area_file, own, books, q, p


def open_window(qtbot, path):
    from fileexam.qt.app import qsettings
    from fileexam.qt.main_window import MainWindow

    w = MainWindow(qsettings(), USER, InlineRunner())  # at the size it opens at on the laptop's screen
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    assert w.open_inspection(path)
    return w


def row_of(panel, kind):
    return next(i for i, item in enumerate(panel.opened.items) if item.kind == kind)


def test_panel__read_reply_answer_query__saved_at_once__export_and_merge_bring_it_to_the_master(qtbot, loop, tmp_path):
    master, own, books, q, p = loop
    w = open_window(qtbot, own)
    assert w.ui.actionOpenFeedback.isEnabled() and w.ui.actionOpenFeedback in w.ui.menuFile.actions()
    panel = w.open_feedback(str(books[INSPECTOR]))
    assert panel is not None and panel.isVisible()
    qtbot.waitExposed(panel)
    if SHOTS:
        panel.resize(1366, 768)
        panel.grab().save(str(SHOTS / "feedback-panel.png"))
        panel.tabs.setCurrentIndex(1)
        panel.grab().save(str(SHOTS / "feedback-panel-figures.png"))
        panel.tabs.setCurrentIndex(0)

    # the first item, a disagreement: shown beside its question and guidance; marked read with the mouse
    panel.table.setFocus()
    d = row_of(panel, "disagreement")
    panel.table.setCurrentCell(d, 0)
    item = panel.opened.items[d]
    assert item.question in panel.detail.toPlainText() and "Guidance" in panel.detail.toPlainText()
    qtbot.mouseClick(panel.read_button, Qt.MouseButton.LeftButton)
    assert panel.table.item(d, panel.STATE_COLUMN).text() == "Read" and not panel.read_button.isEnabled()
    # a reply typed and sent with Ctrl+Enter
    panel.reply_edit.setFocus()
    qtbot.keyClicks(panel.reply_edit, "Agreed, I missed it.")
    qtbot.keyClick(panel.reply_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert panel.table.item(d, panel.STATE_COLUMN).text() == "Replied"

    # the query, reached with the keyboard from the list; a new answer chosen, a reply, Answer query
    qi = row_of(panel, "query")
    panel.table.setFocus()
    panel.table.setCurrentCell(d, 0)
    for _ in range(abs(qi - d)):
        qtbot.keyClick(panel.table, Qt.Key.Key_Down if qi > d else Qt.Key.Key_Up)
    assert panel.table.currentRow() == qi and panel.answer_choice.isVisible()
    assert "Was the charge the right one?" in panel.detail.toPlainText()
    with InspectionFile.open(own) as f:
        before = f.answers(q.case, INSPECTOR)["PC02"].value
    options = [panel.answer_choice.itemData(i) for i in range(panel.answer_choice.count())]
    target = next(i for i, v in enumerate(options) if isinstance(v, str) and v != before)
    panel.answer_choice.setFocus()
    for _ in range(target - panel.answer_choice.currentIndex()):
        qtbot.keyClick(panel.answer_choice, Qt.Key.Key_Down)
    assert panel.answer_choice.currentIndex() == target
    panel.reply_edit.setFocus()
    qtbot.keyClicks(panel.reply_edit, "Checked the file again.")
    qtbot.mouseClick(panel.send_button, Qt.MouseButton.LeftButton)
    assert "answer is changed" in panel.message.text()
    assert panel.table.item(qi, panel.STATE_COLUMN).text() == "Answered"

    # saved at once in the inspector's file, the change audited as the query's response
    with InspectionFile.open(own) as f:
        assert f.answers(q.case, INSPECTOR)["PC02"].value == options[target]
        held = records.receipts(f, INSPECTOR)
        assert held[("disagreement", p.case, p.question, 0, INSPECTOR)].reply == "Agreed, I missed it."
        assert held[("query", q.case, "PC02", q.id, INSPECTOR)].answer_after == options[target]
        assert any(a["action"] == "answer" and a["reason"] == f"response to query {q.id}" for a in f.audit(q.case))
    if w.session is not None and w.session.reference == q.case:  # the form shows the new answer
        assert w.session.answers["PC02"].value == options[target]

    # the inspector exports; the team lead merges; the query is answered in the master
    w.close()
    out = export_own(own, tmp_path / "khan-2.xlsx")
    report = merge_workbooks(master, [out], "TL")
    assert not report.refused, report.refused[0].reasons
    answered = records.query(master, q.id)
    assert (answered.state, answered.answer_after, answered.reply) == ("answered", options[target],
                                                                        "Checked the file again.")
    assert records.receipts(master, INSPECTOR)[("disagreement", p.case, p.question, 0, INSPECTOR)].read_at


def _tamper(path: Path, out: Path) -> Path:
    wb = load_workbook(path)
    ws = wb["Disagreements"]
    ws.cell(2, 10).value = "The moderator agreed with you"  # the reason, typed over
    wb.save(out)
    return out


def _foreign_cases(master, path: Path, out: Path) -> Path:
    """Well-formed and correctly hashed, but naming cases this inspector's file does not hold."""
    from fileexam.formats.feedback_workbook import read_feedback, write_feedback
    data = read_feedback(path)
    for row in data.sheets["Disagreements"]:
        row[0] = "99ZZ9999999"
    write_feedback(out, data)
    return out


@pytest.mark.parametrize("case", ["tampered", "someone else's", "not a workbook", "an exchange workbook",
                                  "cases not in this file"])
def test_hostile_feedback__refused_in_plain_words__no_panel_nothing_saved(qtbot, loop, tmp_path, case):
    master, own, books, _, _ = loop
    if case == "tampered":
        path = _tamper(books[INSPECTOR], tmp_path / "edited.xlsx")
    elif case == "someone else's":
        path = books["B. Evans"]
    elif case == "not a workbook":
        path = tmp_path / "feedback.xlsx"
        path.write_bytes(os.urandom(3000))
    elif case == "an exchange workbook":
        path = export_own(own, tmp_path / "mine.xlsx")
    else:
        path = _foreign_cases(master, books[INSPECTOR], tmp_path / "foreign.xlsx")
    w = open_window(qtbot, own)
    with InspectionFile.open(own) as f:
        audit_before = len(f.audit())
    assert w.open_feedback(str(path)) is None
    assert w.feedback_panel is None
    if case == "cases not in this file":  # every row said, with its sheet, row and column
        dialog = w.feedback_problems
        assert dialog is not None and dialog.isVisible()
        assert dialog.table.item(0, 1).text() == "Disagreements" and dialog.table.item(0, 2).text() == "2"
        assert "case 99ZZ9999999 is not in this inspection file" in dialog.table.item(0, 4).text()
    else:
        title, text = w.last_message
        assert title == "Feedback not opened" and "Traceback" not in text
        expected = {"someone else's": "for B. Evans, not for A. Khan", "not a workbook": "not an Excel workbook",
                    "an exchange workbook": "not a fileexam feedback workbook",
                    "tampered": "Disagreements rows 2"}[case]
        assert expected in text, text
    with InspectionFile.open(own) as f:
        assert len(f.audit()) == audit_before and records.receipts(f) == {}

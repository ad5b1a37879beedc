"""The moderation window's Queries tab (issue 17), driven with the keyboard and the mouse: a query raised on
the answer chosen on the Answers tab, counted at sign-off, answered by the inspector through their export
and the merge, shown answered with the change, read receipts per inspector, closed with a note."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from feedback_helpers import INSPECTOR, export_own, moderated_master
from fileexam.qt.moderation_view import ModerationView
from fileexam.services import feedback_inspector as fi
from fileexam.services.merge import merge_workbooks
from fileexam.store import query_records as records
from fileexam.store.inspection_file import InspectionFile

LEFT = Qt.MouseButton.LeftButton
SHOTS = Path(os.environ["FILEEXAM_SHOTS"]) if os.environ.get("FILEEXAM_SHOTS") else None


@pytest.fixture
def moderated(area_file, tmp_path):
    own, refs = moderated_master(area_file, tmp_path)
    return area_file, own


def open_view(qtbot, inspection) -> ModerationView:
    view = ModerationView(inspection, "Moderator")
    qtbot.addWidget(view)
    view.resize(1366, 768)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_queries_tab__raise_on_the_chosen_answer__answered_through_files__read_receipts__closed(
        qtbot, moderated, tmp_path):
    master, own = moderated
    view = open_view(qtbot, master)
    # the answer chosen on the Answers tab: one of A. Khan's disagreements
    row = next(i for i, p in enumerate(view.rows) if p.first == INSPECTOR)
    view.table.setCurrentCell(row, 0)
    p = view.rows[row]
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Q, Qt.KeyboardModifier.AltModifier)  # the Queries tab, by its key
    pane = view.queries
    assert view.tabs.currentWidget() is pane
    assert (pane.case_edit.text(), pane.question_edit.text()) == (p.case, p.question)
    assert [pane.marker_choice.itemText(i) for i in range(pane.marker_choice.count())] == [p.first, p.second]
    pane.marker_choice.setCurrentText(INSPECTOR)
    pane.text_edit.setFocus()
    qtbot.keyClicks(pane.text_edit, "Was the VPS offered at the second appointment?")
    qtbot.keyClick(pane.text_edit, Qt.Key.Key_Return)
    [q] = records.queries(master)
    assert (q.case, q.question, q.marker, q.state, q.raised_by) == (p.case, p.question, INSPECTOR, "open", "Moderator")
    assert pane.table.rowCount() == 1 and pane.table.item(0, 1).text() == "open"
    assert "1 open query(ies)" in view.summary.text()
    assert "A. Khan: nothing back yet" in pane.read_summary.text()

    # sign-off counts the open query and asks why
    qtbot.mouseClick(view.signoff_button, LEFT)
    assert f"1 query(ies) are open ({q.id})" in view.dialog.text.text() and view.dialog.reason.isVisible()
    view.dialog.reject()

    # the feedback workbooks written from the tab; the inspector reads theirs and answers the query (answer
    # kept); the team lead merges it
    (tmp_path / "fb").mkdir()
    pane.write_feedback(str(tmp_path / "fb"))
    assert "Wrote 4 feedback workbook(s)" in pane.message.text() and "feedback-a-khan.xlsx" in pane.message.text()
    book = tmp_path / "fb" / "feedback-a-khan.xlsx"
    with InspectionFile.open(own) as f:
        opened = fi.open_feedback(f, book, INSPECTOR)
        query_item = next(i for i in opened.items if i.kind == "query")
        fi.answer_query(f, query_item, INSPECTOR, "Yes: the note of the second appointment records it.")
        first = next(i for i in opened.items if i.kind == "disagreement")
        fi.mark_read(f, first, INSPECTOR)
    assert not merge_workbooks(master, [export_own(own, tmp_path / "khan-2.xlsx")], "TL").refused
    qtbot.keyClick(view, Qt.Key.Key_F5)  # Refresh
    assert pane.table.item(0, 1).text() == "answered"
    assert "answer kept" in pane.table.item(0, 7).text() and "second appointment records it" in pane.table.item(0, 7).text()
    assert "<b>A. Khan</b>: 2 item(s) read, 0 reply(ies), 1 query(ies) answered" in pane.read_summary.text()
    assert pane.receipts.rowCount() == 2
    assert "open query" not in view.summary.text()

    # the moderator closes it with a note, with the mouse
    if SHOTS:
        qtbot.wait(50)  # the posted layout pass
        view.grab().save(str(SHOTS / "moderation-queries.png"))
    rect = pane.table.visualItemRect(pane.table.item(0, 2))
    qtbot.mouseClick(pane.table.viewport(), LEFT, pos=rect.center())
    assert pane.close_button.isEnabled()
    pane.note_edit.setFocus()
    qtbot.keyClicks(pane.note_edit, "answer accepted")
    qtbot.mouseClick(pane.close_button, LEFT)
    held = records.query(master, q.id)
    assert (held.state, held.closed_by, held.close_note) == ("closed", "Moderator", "answer accepted")
    assert pane.table.item(0, 1).text() == "closed" and not pane.close_button.isEnabled()


def test_queries_tab__refusals_in_the_store_s_words(qtbot, moderated):
    master, _ = moderated
    view = open_view(qtbot, master)
    view.tabs.setCurrentWidget(view.queries)
    pane = view.queries
    pane.case_edit.setText("NO-SUCH-CASE")
    pane.question_edit.setText("PC01")
    pane.marker_choice.setCurrentText(INSPECTOR)
    pane.text_edit.setText("?")
    qtbot.mouseClick(pane.raise_button, LEFT)
    assert pane.message.isVisible() and "Not raised: no case 'NO-SUCH-CASE'" in pane.message.text()
    ref = next(c.reference for c in master.cases() if c.inspector == INSPECTOR)
    pane.case_edit.setText(ref)
    pane.marker_choice.setCurrentText("Z. Nobody")
    qtbot.mouseClick(pane.raise_button, LEFT)
    assert "Z. Nobody has not marked case" in pane.message.text()
    assert records.queries(master) == []


def test_team_lead_home__counts_the_queries_to_answer_and_to_close(qtbot, moderated):
    from fileexam.qt.app import qsettings
    from fileexam.qt.main_window import MainWindow
    from fileexam.qt.tasks import InlineRunner

    master, _ = moderated
    ref = next(c.reference for c in master.cases() if c.inspector == INSPECTOR)
    records.raise_query(master, ref, "PC01", INSPECTOR, "Why?", "Moderator")
    path = master.path
    master.close()
    w = MainWindow(qsettings(), "TL", InlineRunner())
    qtbot.addWidget(w)
    w.show()
    assert w.open_inspection(path) and w.page == "home"
    assert "Queries: 1 open, 0 answered, to close" in w.home.summary.text()

"""The inspector's window, driven with the keyboard and mouse; the SQLite file checked afterwards."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from fileexam.domain.cases import Status
from fileexam.formats.exchange_workbook import read_exchange
from fileexam.qt.question_widget import QuestionWidget
from tests.qt.conftest import USER


def case_with(window, **fields):
    """One of the user's cases with these fields; when the sample has none, one is corrected to fit."""
    mine = [row.case for row in window.model.rows if row.case.inspector == USER]
    for c in mine:
        if all(c.fields.get(k) == v for k, v in fields.items()):
            return c.reference
    ref = mine[-1].reference
    for k, v in fields.items():
        window.inspection.set_field(ref, k, v, USER)
    window._reload_cases()
    window._load_case(ref)
    return ref


def focused_question(qtbot, window) -> QuestionWidget:
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QuestionWidget), timeout=5000)
    w = QApplication.focusWidget()
    assert w is window.form.widgets[window.form.current]
    return w


def answer_by_key(qtbot, window) -> str:
    """Answer the focused question with one key press, as an inspector would; its id."""
    w = focused_question(qtbot, window)
    q = w.question
    if q.answer.scale is not None:
        qtbot.keyClick(w, q.answer.scale.options[0].key or "1")
    elif w.checks:
        qtbot.keyClick(w, "1")
        qtbot.keyClick(w, Qt.Key.Key_Down)
    else:
        qtbot.keyClick(w, Qt.Key.Key_Return)
        qtbot.keyClicks(w.editor, "30")
        qtbot.keyClick(w.editor, Qt.Key.Key_Return)
    return q.id


def db_rows(path, sql, *params):
    con = sqlite3.connect(path)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def test_score_a_whole_case_with_the_keyboard_only(qtbot, window):
    ref = case_with(window, strand="crown_court", charging_decision_by="area")
    window.select_case(ref)
    qtbot.waitUntil(lambda: window.form.current == window.session.first_unanswered() == "PC01")
    answered = []
    for _ in range(60):
        qid = answer_by_key(qtbot, window)
        answered.append(qid)
        if window.session.first_unanswered() is None:
            break
    session = window.session
    expected = [qid for qid, on in session.applies.items() if on]
    assert sorted(set(answered)) == sorted(expected)
    rows = db_rows(window.inspection.path, "SELECT question_id, value, marker FROM answers WHERE case_ref=?", ref)
    assert sorted(r[0] for r in rows) == sorted(expected) and {r[2] for r in rows} == {USER}
    audit = db_rows(window.inspection.path, "SELECT action, question_id FROM audit WHERE case_ref=?", ref)
    assert sorted(q for a, q in audit if a == "answer") == sorted(expected)
    assert window.saved_label.text().startswith("Saved ")
    # Every required question answered: Ctrl+Enter completes the case.
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.inspection.status(ref, USER) is Status.COMPLETE


def test_applicability__answer_reveals_and_hides_dependent_questions(qtbot, window):
    ref = case_with(window, strand="magistrates")
    window.select_case(ref)
    vw06, vw07 = window.form.widgets["VW06"], window.form.widgets["VW07"]
    assert not vw07.isEnabled() and "VW06" in vw07.reason_label.text()
    window.form.focus_question("VW06")
    qtbot.keyClick(vw06, "Y")
    assert vw07.isEnabled() and not vw07.reason_label.isVisible()
    assert window.form.current == "VW07"  # the answer moved on to the question it revealed
    window.form.focus_question("VW06")
    qtbot.keyClick(vw06, "N")
    assert not vw07.isEnabled()


def test_section_that_does_not_apply__folds_away_with_reason(qtbot, window):
    ref = case_with(window, strand="magistrates")
    window.select_case(ref)
    assert not window.form.widgets["PO08"].isVisibleTo(window.form)
    label = window.form.section_labels[("post-charge", "ptph")]
    assert "Does not apply" in label.text() and "Crown Court" in label.text()


def test_mouse_click_answers_and_click_again_clears(qtbot, window):
    ref = case_with(window, strand="magistrates")
    window.select_case(ref)
    button = window.form.widgets["DI01"].buttons["partially"]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.inspection.answers(ref, USER)["DI01"].value == "partially"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert "DI01" not in window.inspection.answers(ref, USER)


def test_completeness_check__lists_exactly_the_missing__and_jumps(qtbot, window):
    ref = case_with(window, strand="magistrates", charging_decision_by="police")
    window.select_case(ref)
    window.form.focus_question("DI01")
    qtbot.keyClick(window.form.widgets["DI01"], "F")
    window.ui.actionMarkComplete.trigger()
    dialog = window.completeness
    missing = [dialog.items.item(i).data(256) for i in range(dialog.items.count())]
    assert missing == window.session.check_complete().missing and "DI01" not in missing
    assert window.inspection.status(ref, USER) is Status.IN_PROGRESS
    target = dialog.items.item(2)
    qtbot.mouseClick(dialog.items.viewport(), Qt.MouseButton.LeftButton,
                     pos=dialog.items.visualItemRect(target).center())
    assert window.form.current == target.data(256)
    assert focused_question(qtbot, window).question.id == target.data(256)


def test_comment__enter_opens_types_and_saves(qtbot, window):
    ref = case_with(window, strand="magistrates")
    window.select_case(ref)
    window.form.focus_question("DI02")
    w = window.form.widgets["DI02"]
    qtbot.keyClick(w, Qt.Key.Key_Return)
    assert w.comment_edit.hasFocus()
    qtbot.keyClicks(w.comment_edit, "=Schedules endorsed late")
    qtbot.keyClick(w.comment_edit, Qt.Key.Key_Return)
    assert window.inspection.answers(ref, USER)["DI02"].comment == "=Schedules endorsed late"
    qtbot.waitUntil(lambda: QApplication.focusWidget() is w)


def test_undo__ctrl_z_puts_back_the_last_answer(qtbot, window):
    ref = case_with(window, strand="magistrates")
    window.select_case(ref)
    window.form.focus_question("DI01")
    qtbot.keyClick(window.form.widgets["DI01"], "F")
    window.form.focus_question("DI01")
    qtbot.keyClick(window.form.widgets["DI01"], "N")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.inspection.answers(ref, USER)["DI01"].value == "fully"
    assert window.form.widgets["DI01"].buttons["fully"].isChecked()


def complete_by_keyboard(qtbot, window, ref) -> None:
    window.select_case(ref)
    qtbot.waitUntil(lambda: window.form.current == window.session.first_unanswered())
    for _ in range(60):
        answer_by_key(qtbot, window)
        if window.session.first_unanswered() is None:
            break
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.session.status is Status.COMPLETE


def test_complete_case__visibly_locked__a_key_says_how_to_reopen_in_the_status_bar__no_box(qtbot, window):
    ref = case_with(window, strand="magistrates")
    complete_by_keyboard(qtbot, window, ref)
    banner = window.ui.lockBanner
    assert banner.isVisible() and "complete" in banner.text() and "Ctrl+Shift+R" in banner.text()
    di01 = window.form.widgets["DI01"]
    controls = list(di01.buttons.values())
    assert controls and not any(b.isEnabled() for b in controls)
    chosen = window.inspection.answers(ref, USER)["DI01"].value
    assert di01.buttons[chosen].isChecked()  # the answer given still shows
    window.form.focus_question("DI01")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is di01)  # moving and reading go on
    before = window.inspection.answers(ref, USER)
    boxes_before = set(QApplication.topLevelWidgets())
    for key in ("P", "N", Qt.Key.Key_Delete, Qt.Key.Key_Return):
        qtbot.keyClick(di01, key)
    assert window.inspection.answers(ref, USER) == before
    new_boxes = [w for w in QApplication.topLevelWidgets() if w not in boxes_before and w.isVisible()]
    assert new_boxes == []  # nothing modal to dismiss
    said = window.ui.statusbar.currentMessage()
    assert f"Case {ref} is complete" in said and "Ctrl+Shift+R" in said
    assert window.saved_label.text() == ""  # one message in the status bar, not two that disagree
    assert not window.form.widgets["DI01"].comment_edit.isVisible()
    # the mouse cannot answer either: the buttons are disabled
    qtbot.mouseClick(di01.buttons["partially"], Qt.MouseButton.LeftButton)
    assert window.inspection.answers(ref, USER) == before


def test_complete_case__reopen_asks_a_reason__unlocks(qtbot, window, monkeypatch):
    ref = case_with(window, strand="magistrates")
    complete_by_keyboard(qtbot, window, ref)
    monkeypatch.setattr(window, "ask_reason", lambda ref: "Moderator asked for a second look")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_R,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.session.status is Status.IN_PROGRESS
    assert window.inspection.audit(ref)[-1]["reason"] == "Moderator asked for a second look"
    assert not window.ui.lockBanner.isVisible()
    assert all(b.isEnabled() for b in window.form.widgets["DI01"].buttons.values())
    window.form.focus_question("DI01")
    qtbot.keyClick(window.form.widgets["DI01"], "P")
    assert window.inspection.answers(ref, USER)["DI01"].value == "partially"


def test_case_completed_in_another_window__a_key_here_says_so_without_a_box(qtbot, make_window):
    w1, w2 = make_window(), make_window()
    ref = case_with(w1, strand="magistrates")
    w2.select_case(ref)
    w1.activateWindow()
    qtbot.waitUntil(w1.isActiveWindow)
    complete_by_keyboard(qtbot, w1, ref)
    w2.activateWindow()
    qtbot.waitUntil(w2.isActiveWindow)
    w2.form.focus_question("DI02")
    before = set(QApplication.topLevelWidgets())
    qtbot.keyClick(w2.form.widgets["DI02"], "N")
    assert [w for w in QApplication.topLevelWidgets() if w not in before and w.isVisible()] == []
    assert "is complete" in w2.ui.statusbar.currentMessage()
    assert w2.ui.lockBanner.isVisible()  # now shown locked here too


def test_close_and_reopen__same_case_and_question(qtbot, make_window):
    w1 = make_window()
    ref = case_with(w1, strand="crown_court")
    w1.select_case(ref)
    w1.form.focus_question("DI03")
    w1.close()
    w2 = make_window()
    assert w2.session.reference == ref
    qtbot.waitUntil(lambda: w2.form.current == "DI03")


def test_search_and_filters(qtbot, window):
    total = window.proxy.rowCount()
    assert total == 14  # A. Khan's allocation
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.ui.searchEdit.hasFocus()
    qtbot.keyClicks(window.ui.searchEdit, "wessex")
    assert 0 < window.proxy.rowCount() < total
    window.ui.searchEdit.clear()
    window.ui.mineOnly.setChecked(False)
    assert window.proxy.rowCount() == 56
    window.ui.strandFilter.setCurrentIndex(window.ui.strandFilter.findText("Crown Court"))
    assert window.proxy.rowCount() == 28


def test_next_unfinished_case(qtbot, window):
    first = window.session.reference
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.session.reference != first


def test_export_from_the_menu__workbook_the_core_reads_back(qtbot, window, tmp_path, monkeypatch):
    ref = case_with(window, strand="magistrates")
    window.select_case(ref)
    window.form.focus_question("DI01")
    qtbot.keyClick(window.form.widgets["DI01"], "F")
    out = tmp_path / "mine.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    window.ui.actionExport.trigger()
    data = read_exchange(out)
    assert data.problems == []
    assert [r[:5] for r in data.answers] == [[ref, USER, "disclosure", "DI01", "fully"]]
    assert str(out) in window.last_message[1]


def test_import_sample_from_the_menu__problem_list(qtbot, window, tmp_path, monkeypatch):
    bad = tmp_path / "more.csv"
    bad.write_text("URN,Area,Strand,Finalised or live,Charging decision by\n99ZZ1,Wesex,Crown Court,Live,Police\n")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    window.ui.actionImportSample.trigger()
    dialog = window.problems_dialog
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, 2).text() == "2" and dialog.table.item(0, 3).text() == "Area"
    assert "did you mean 'Wessex'" in dialog.table.item(0, 4).text()
    assert window.model.rowCount() == 56


def test_bad_field_value__refused_with_message__nothing_changed(qtbot, window):
    ref = window.session.reference
    editor = window.header.editors["charged_on"]
    editor.setFocus()
    editor.selectAll()
    qtbot.keyClicks(editor, "31/02/2025")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert "not a date" in window.last_message[1]
    assert window.inspection.case(ref).fields.get("charged_on") != "31/02/2025"


def test_every_action_is_in_a_menu_with_its_shortcut(window):
    in_menus = {a for menu in (window.ui.menuFile, window.ui.menuCase, window.ui.menuGo, window.ui.menuInspection,
                               window.ui.menuHelp)
                for a in menu.actions() if not a.isSeparator()}
    for action in window.findChildren(type(window.ui.actionOpen)):
        if action.objectName().startswith("action"):
            assert action in in_menus, action.objectName()
    shown = {a.objectName(): (a.shortcut().toString() or a.text().partition("\t")[2]) for a in in_menus}
    for name in ("actionMarkComplete", "actionNextUnfinished", "actionFindCase", "actionUndo", "actionComment",
                 "actionNextSection", "actionPrevSection", "actionExport"):
        assert shown[name], name


def test_controls_have_accessible_names(window):
    from PySide6.QtWidgets import QComboBox, QLineEdit, QListWidget, QTableView
    missing = [w.objectName() or type(w).__name__ for kind in (QComboBox, QLineEdit, QListWidget, QTableView)
               for w in window.findChildren(kind) if w.isVisible() and not w.accessibleName()]
    assert missing == []
    for q in window.form.widgets.values():
        assert q.accessibleName().startswith(f"Question {q.question.id}")
        for b in q.buttons.values():
            assert b.accessibleName()


def test_user_without_allocation__lands_on_the_home__every_case_listed(qtbot, make_window):
    from fileexam.qt.app import qsettings
    from fileexam.qt.main_window import MainWindow
    w = MainWindow(qsettings(), "Team Lead")
    qtbot.addWidget(w)
    w.open_inspection(make_window.path)
    assert w.page == "home" and w.session is None
    assert not w.ui.mineOnly.isChecked() and w.proxy.rowCount() == 56


def test_two_windows_on_one_file__both_save_and_see_each_other(qtbot, make_window):
    w1, w2 = make_window(), make_window()
    ref = w1.session.reference
    w2.select_case(ref)
    w1.form.focus_question("DI01")
    qtbot.keyClick(w1.form.widgets["DI01"], "F")
    w2.form.focus_question("DI02")
    qtbot.keyClick(w2.form.widgets["DI02"], "P")
    for w in (w1, w2):  # each answer is its own transaction: neither window's write is lost
        held = w.inspection.answers(ref, "A. Khan")
        assert (held["DI01"].value, held["DI02"].value) == ("fully", "partially")


# ---- the keyboard: the case list, the last question, the shortcuts help ------------------------------
def test_case_list__down_shows_each_case_and_keeps_the_focus__enter_or_right_goes_into_the_form(qtbot, window):
    table = window.ui.caseTable
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # Go → Case list
    qtbot.waitUntil(table.hasFocus)
    seen = [window.session.reference]
    for _ in range(3):
        qtbot.keyClick(table, Qt.Key.Key_Down)
        qtbot.wait(20)  # the form's deferred arrival must not take the focus either
        assert table.hasFocus(), QApplication.focusWidget()
        seen.append(window.session.reference)
    assert len(set(seen)) == 4  # each Down showed the next case
    shown = [window.proxy.data(window.proxy.index(r, 0)) for r in range(window.proxy.rowCount())]
    assert seen == shown[shown.index(seen[0]):][:4]
    assert window.form.current and window.form.widgets[window.form.current].property("current")
    qtbot.keyClick(table, Qt.Key.Key_Up)
    assert table.hasFocus() and window.session.reference == seen[2]
    qtbot.keyClick(table, Qt.Key.Key_Return)
    w = focused_question(qtbot, window)
    assert w.question.id == window.form.current
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(table.hasFocus)
    qtbot.keyClick(table, Qt.Key.Key_Down)
    qtbot.keyClick(table, Qt.Key.Key_Right)
    assert focused_question(qtbot, window) and window.session.reference == seen[3]


def test_case_list__a_mouse_click_shows_the_case__the_list_keeps_the_focus(qtbot, window):
    table = window.ui.caseTable
    rect = table.visualRect(window.proxy.index(2, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.wait(20)
    assert window.session.reference == window.proxy.data(window.proxy.index(2, 0)) and table.hasFocus()


def test_last_question__says_so_and_how_to_complete(qtbot, window):
    ref = case_with(window, strand="crown_court")
    window.select_case(ref)
    applicable = window.form.applicable()
    window.form.focus_question(applicable[0])
    assert window.ui.positionLabel.text() == f"Question 1 of {len(applicable)} that apply"
    last = applicable[-1]
    window.form.focus_question(applicable[-2])
    qtbot.keyClick(window.form.widgets[applicable[-2]], Qt.Key.Key_Down)
    assert window.form.current == last
    label = window.ui.positionLabel.text()
    assert "Last question of this case" in label and "Ctrl+Enter marks it complete" in label
    qtbot.keyClick(window.form.widgets[last], Qt.Key.Key_Down)  # there is no next: the status bar says so too
    assert window.form.current == last
    assert window.ui.statusbar.currentMessage() == "Last question of this case — Ctrl+Enter marks it complete"
    window.ui.statusbar.clearMessage()
    w = window.form.widgets[last]
    if w.question.answer.scale is not None:  # answering the last one says it as well
        qtbot.keyClick(w, w.question.answer.scale.options[0].key or "1")
        assert "Last question of this case" in window.ui.statusbar.currentMessage()


def test_shortcuts_help__made_from_the_actions__lists_every_shortcut(qtbot, window):
    from PySide6.QtGui import QAction, QKeySequence

    qtbot.keyClick(window, Qt.Key.Key_F1)
    dialog = window.keys_dialog
    assert dialog.isVisible()
    text = dialog.text.toPlainText()
    for keys in ("Ctrl+Shift+R", "Ctrl+E", "Ctrl+I", "Ctrl+M", "Ctrl+R", "Ctrl+Shift+M", "Ctrl+Return or Ctrl+Enter",
                 "Ctrl+H", "Ctrl+K", "Ctrl+L", "Ctrl+Shift+E", "PgDown", "F1"):
        assert keys in text, keys
    menus = [window.ui.menuFile, window.ui.menuCase, window.ui.menuGo, window.ui.menuInspection, window.ui.menuHelp]
    for menu in menus:
        for action in menu.actions():
            for shortcut in action.shortcuts():
                assert shortcut.toString(QKeySequence.SequenceFormat.NativeText) in text, action.objectName()
                assert action.text().partition("\t")[0].replace("&", "").rstrip("…") in text, action.objectName()
    assert "Enter or Right" in text and "F P N A" in text  # the keys the list and the form handle themselves
    # Nothing to keep in step by hand: an action added to a menu is in the help.
    extra = QAction("Jump to the moon", window)
    extra.setShortcut(QKeySequence("Ctrl+Alt+J"))
    window.ui.menuGo.addAction(extra)
    assert "Jump to the moon" in window.keys_help() and "Ctrl+Alt+J" in window.keys_help()

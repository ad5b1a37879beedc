"""The team lead's windows: the Merge dialog and the Results view, on real files."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from conftest import ROOT
from fileexam.qt.merge_dialog import MergeDialog
from fileexam.qt.tasks import InlineRunner

EXAMPLES = sorted((ROOT / "exports/examples").glob("work-*.xlsx"))


def test_merge_dialog__drop_workbooks_merge_and_report(qtbot, area_file):
    path = area_file.path
    dialog = MergeDialog(path, "TL", InlineRunner())
    qtbot.addWidget(dialog)
    dialog.show()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in EXAMPLES] + [QUrl.fromLocalFile("/tmp/notes.txt")])
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    dialog.files.dropEvent(drop)
    assert dialog.files.count() == 3  # the .txt is not taken
    with qtbot.waitSignal(dialog.merged):
        qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)
    outcomes = [dialog.results.item(i, 2).text() for i in range(dialog.results.rowCount())]
    assert outcomes == ["merged"] * 3
    assert "36 of 56 sampled cases back complete" in dialog.coverage.text()
    assert area_file.count_answers() > 0  # written to the real master file


def test_merge_dialog__on_its_worker_thread__workbooks_read_in_worker_processes(qtbot, area_file, monkeypatch):
    from fileexam.qt.tasks import TaskRunner
    from fileexam.services.merge_read import WORKERS_VAR

    monkeypatch.setenv(WORKERS_VAR, "2")  # the example workbooks are small: processes forced, as for large ones
    dialog = MergeDialog(area_file.path, "TL", TaskRunner())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.add_paths([str(p) for p in EXAMPLES])
    seen = []
    dialog.progress.valueChanged.connect(seen.append)
    with qtbot.waitSignal(dialog.merged, timeout=60_000):
        qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)
    assert [dialog.results.item(i, 2).text() for i in range(dialog.results.rowCount())] == ["merged"] * 3
    assert "36 of 56 sampled cases back complete" in dialog.coverage.text()
    assert dialog.merge_button.isEnabled() and max(seen) == 3


def test_results_view__filters_and_chart(qtbot, window):
    from fileexam.services.merge import merge_workbooks
    merge_workbooks(window.inspection, EXAMPLES, "TL")
    window.ui.actionResults.trigger()
    view = window.results_view
    qtbot.addWidget(view)
    r = view.report
    assert view.table.rowCount() == len(r.measures) == 14  # 4 themes, 2 composites, 8 casework measures
    national = view.table.item(0, 1).text()
    assert national == f"{r.figure('pre-charge').value * 100:.1f}%"
    view.strand.setCurrentText("Crown Court")
    assert view.table.item(0, 1).text() == f"{r.figure('pre-charge', 'Crown Court').value * 100:.1f}%"
    view.table.setCurrentCell(5, 0)
    chart = view.chart.chart
    assert chart.title == "Grip by Area — Crown Court" and [b.label for b in chart.bars] == r.areas
    wessex = next(b for b in chart.bars if b.label == "Wessex")
    f = r.figure("grip", "Crown Court", "Wessex")
    assert (wessex.value, wessex.ci, wessex.cases) == (f.value, f.ci, len(f.cases))


def test_moderation_view__disagreements_filter_and_settle_with_reason(qtbot, window, tmp_path):
    from fileexam.services.merge import merge_workbooks
    master = window.inspection
    merge_workbooks(master, EXAMPLES, "TL")
    ref = next(c.reference for c in master.cases() if c.inspector == "A. Khan" and master.answers(c.reference, "A. Khan"))
    master.allocate_double([(ref, "B. Evans")], "TL")
    held = master.answers(ref, "A. Khan")
    for qid, a in held.items():  # the second marker differs on one answer
        q = master.template.question_by_id[qid]
        value = a.value
        if q.answer.scale is not None and q.answer.scale.id == "fully_partially_not" and value != "not_met":
            value = "not_met"
        master.set_answer(ref, qid, "B. Evans", value)
    window.ui.actionModeration.trigger()
    view = window.moderation_view
    qtbot.addWidget(view)
    n_disagree = view.table.rowCount()
    assert n_disagree >= 1 and view.show_choice.currentData() == "disagreements"
    view.show_choice.setCurrentIndex(view.show_choice.findData("all"))
    assert view.table.rowCount() > n_disagree
    view.show_choice.setCurrentIndex(view.show_choice.findData("disagreements"))
    view.table.setCurrentCell(0, 0)
    p = view.rows[0]
    assert "A. Khan" in view.guidance.toPlainText() and "B. Evans" in view.guidance.toPlainText()
    assert view.agreed.currentIndex() == -1  # the agreed answer starts empty: nobody's answer is taken for it
    view.agreed.setCurrentIndex(view.agreed.findData("partially"))
    qtbot.mouseClick(view.record, Qt.MouseButton.LeftButton)  # no reason: refused
    assert "Not recorded" in view.message.text() and master.decisions() == {}
    qtbot.keyClicks(view.reason, "Guidance para 2: partly met")
    qtbot.mouseClick(view.record, Qt.MouseButton.LeftButton)
    assert master.decisions()[(p.case, p.question)]["value"] == "partially"
    assert view.table.item(0, view.REASON_COLUMN).text() == "Guidance para 2: partly met"
    assert view.table.item(0, view.STATUS_COLUMN).text() == "✓ Settled"
    assert view.progress.text() == f"<b>1 of {n_disagree} disagreements settled</b>"
    qtbot.mouseClick(view.signoff_button, Qt.MouseButton.LeftButton)
    if n_disagree > 1:  # the others are unsettled: sign off anyway, saying why
        qtbot.keyClicks(view.dialog.reason, "The rest wait for the panel")
    qtbot.mouseClick(view.dialog.ok_button, Qt.MouseButton.LeftButton)
    assert master.moderation_signed_off() and not view.record.isEnabled()
    titles = [view.stats.tree.topLevelItem(i).text(0) for i in range(view.stats.tree.topLevelItemCount())]
    assert titles[0] == "All double-marked answers" and titles[1] == "Themes (4)"
    assert view.stats.row_of("A. Khan & B. Evans") is not None
    q = master.template.question_by_id[p.question]
    assert view.stats.row_of(f"{p.question} {q.text}") is not None


# ---- where each role lands ------------------------------------------------------------------------------
def open_as(qtbot, user, path):
    from fileexam.qt.app import qsettings
    from fileexam.qt.main_window import MainWindow

    w = MainWindow(qsettings(), user, InlineRunner())
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    assert w.open_inspection(path)
    return w


def table_rows(table):
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def test_team_lead__lands_on_the_home__coverage_per_inspector_and_area__no_scoring_form(qtbot, merged_file):
    from fileexam.services.merge import master_coverage
    cov = master_coverage(merged_file)
    path = merged_file.path
    answers_before = merged_file.count_answers()
    merged_file.close()
    w = open_as(qtbot, "T. Lead", path)
    assert w.page == "home" and w.home.isVisible()
    assert not w.ui.splitter.isVisible() and w.session is None  # no scoring form
    assert table_rows(w.home.by_inspector) == [[g.group, str(g.expected), str(g.complete), str(g.in_progress),
                                                str(g.missing)] for g in cov.by_inspector]
    assert table_rows(w.home.by_area) == [[g.group, str(g.expected), str(g.complete), str(g.in_progress),
                                           str(g.missing)] for g in cov.by_area]
    assert "36 of 56" in w.home.summary.text() and "3 workbook(s) merged" in w.home.summary.text()
    assert {b.text().split("  ")[0] for b in w.home.buttons} == {"Merge workbooks…", "Results…", "Moderation…",
                                                                  "Write report workbook…"}
    assert w.home.cases.rowCount() == len(cov.missing)  # the cases with no complete marking, to chase or mark
    for name in ("actionMarkComplete", "actionUndo", "actionComment", "actionNextUnfinished", "actionReopen"):
        assert not getattr(w.ui, name).isEnabled(), name
    # stray keys on the home record nothing
    focus = w.focusWidget()  # the window's focus, whether or not the window is active yet
    assert focus is w.home.cases
    for key in ("F", "P", "Y", "N", "1", "0"):
        qtbot.keyClick(focus, key)
    qtbot.keyClick(w, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert w.inspection.count_answers() == answers_before and w.page == "home"


def test_team_lead__mark_this_case__then_scores_it_under_their_name(qtbot, merged_file):
    from PySide6.QtWidgets import QApplication

    from fileexam.qt.question_widget import QuestionWidget
    path = merged_file.path
    merged_file.close()
    w = open_as(qtbot, "T. Lead", path)
    ref = w.home.current_case()
    assert ref is not None
    qtbot.mouseClick(w.home.mark_button, Qt.MouseButton.LeftButton)  # the explicit step: Mark this case
    assert w.page == "scoring" and w.session.reference == ref
    assert "your answers are recorded as T. Lead" in w.ui.caseTitle.text()
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QuestionWidget))
    q = QApplication.focusWidget()
    key = q.question.answer.scale.options[0].key if q.question.answer.scale else "1"
    qtbot.keyClick(q, key)
    assert q.question.id in w.inspection.answers(ref, "T. Lead")
    qtbot.keyClick(w, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)  # back to the home
    assert w.page == "home" and not w.ui.splitter.isVisible()
    qtbot.keyClick(w.home.cases, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)  # Ctrl+K marks the chosen one
    assert w.page == "scoring"
    w.show_home()
    w.home.cases.setCurrentCell(1, 0)
    other = w.home.current_case()
    qtbot.keyClick(w.home.cases, Qt.Key.Key_Return)  # and so does Enter on a case
    assert w.page == "scoring" and w.session.reference == other


def test_inspector_with_an_allocation__lands_on_it__unless_the_file_holds_others_merged_work(qtbot, area_file,
                                                                                             tmp_path):
    from fileexam.services.merge import merge_workbooks
    path = area_file.path
    area_file.close()
    w = open_as(qtbot, "A. Khan", path)
    assert w.page == "scoring" and w.session.case.inspector == "A. Khan" and w.ui.mineOnly.isChecked()
    merge_workbooks(w.inspection, EXAMPLES, "A. Khan")  # now a master, with B. Evans' and C. Murphy's work
    w.close()
    w2 = open_as(qtbot, "A. Khan", path)
    assert w2.page == "home"


def test_moderator__reaches_the_moderation_window_from_the_home(qtbot, merged_file):
    path = merged_file.path
    merged_file.close()
    w = open_as(qtbot, "M. Moderator", path)
    assert w.page == "home"
    button = next(b for b in w.home.buttons if b.text().startswith("Moderation"))
    assert "Ctrl+Shift+M" in button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    view = w.moderation_view
    qtbot.addWidget(view)
    assert view.isVisible() and view.user == "M. Moderator"


def test_merge_from_the_home__its_coverage_follows(qtbot, area_file, monkeypatch):
    path = area_file.path
    area_file.close()
    w = open_as(qtbot, "T. Lead", path)
    assert "<b>0 of 56</b>" in w.home.summary.text() and "No workbook merged yet" in w.home.summary.text()
    qtbot.mouseClick(next(b for b in w.home.buttons if b.text().startswith("Merge")), Qt.MouseButton.LeftButton)
    dialog = w.merge_dialog
    dialog.add_paths([str(p) for p in EXAMPLES])
    with qtbot.waitSignal(dialog.merged):
        qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)
    assert "<b>36 of 56</b>" in w.home.summary.text()
    assert ["A. Khan", "14", "12", "0", "2"] in table_rows(w.home.by_inspector)

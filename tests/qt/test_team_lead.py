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

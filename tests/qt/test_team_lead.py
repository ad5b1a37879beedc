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
    assert view.table.rowCount() == len(r.measures) == 6
    national = view.table.item(0, 1).text()
    assert national == f"{r.figure('pre-charge').value * 100:.1f}%"
    view.strand.setCurrentText("Crown Court")
    assert view.table.item(0, 1).text() == f"{r.figure('pre-charge', 'Crown Court').value * 100:.1f}%"
    view.table.setCurrentCell(5, 0)
    bars = view.series.barSets()[0]
    assert bars.count() == 14 and view.chart_view.chart().title().startswith("Grip by Area")

"""The Results view driven through its real widgets: a baseline chosen through the file dialog (built
through the window's runner), the chart switched between Areas, strands, measures and questions, and the
breakdown selector; what the table and chart then show."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip

from conftest import AREA_TEMPLATE, ROOT
from fileexam.domain.aggregate import ALL_STRANDS, NATIONAL
from fileexam.formats.report_charts import NO_CASES, TOO_FEW, change, interval, percent
from fileexam.qt import results_view
from fileexam.qt.tasks import InlineRunner

WORKBOOKS = sorted((ROOT / "exports/examples").glob("work-*.xlsx"))
SCORE = re.compile(r"\d{1,3}\.\d%")
INTERVAL = re.compile(r"\d{1,3}\.\d–\d{1,3}\.\d%")
CHANGE = re.compile(r"[+-]\d+\.\d\d?pp|0\.0pp")  # two decimals only just under the threshold


class CountingRunner(InlineRunner):
    """The window's runner, counting the jobs given to it (a report is never built on the GUI's own call)."""
    def __init__(self):
        self.jobs = 0

    def run(self, fn, on_done, on_failed, on_progress=None):
        self.jobs += 1
        super().run(fn, on_done, on_failed, on_progress)


@pytest.fixture
def earlier(tmp_path):
    """An earlier state of the same inspection: a master with two of the three inspectors merged, and its
    report workbook."""
    from fileexam.formats.report_workbook import write_report
    from fileexam.services.merge import master_coverage, merge_workbooks
    from fileexam.services.report import build_report
    from fileexam.services.sample import import_sample
    from fileexam.store.inspection_file import InspectionFile

    master = tmp_path / "earlier" / "earlier.fileexam"
    master.parent.mkdir()
    with InspectionFile.create(master, AREA_TEMPLATE, "Area inspection 2024", "TL") as f:
        import_sample(f, ROOT / "exports/examples/area-sample.xlsx", "TL")
        merge_workbooks(f, WORKBOOKS[:2], "TL")
        write_report(master.parent / "baseline.xlsx", build_report(f), f.merges(), master_coverage(f))
    return master


@pytest.fixture
def view(qtbot, window):
    from fileexam.services.merge import merge_workbooks
    merge_workbooks(window.inspection, WORKBOOKS, "TL")
    window.runner = CountingRunner()
    window.ui.actionResults.trigger()
    v = window.results_view
    qtbot.addWidget(v)
    qtbot.waitExposed(v)
    assert window.runner.jobs == 1
    return v


def choose(monkeypatch, qtbot, view, path: Path) -> None:
    """Click 'Choose baseline…' with the file dialog answering `path`."""
    asked = []

    def answer(parent, caption, folder, filter_):
        asked.append((caption, filter_))
        return str(path), filter_.split(";;")[0]

    monkeypatch.setattr(results_view.QFileDialog, "getOpenFileName", staticmethod(answer))
    qtbot.mouseClick(view.choose_button, Qt.MouseButton.LeftButton)
    assert asked and "*.fileexam" in asked[0][1] and "*.xlsx" in asked[0][1]


def cells(view, col: int) -> list[str]:
    return [view.table.item(i, col).text() for i in range(view.table.rowCount())]


def test_results_view__baseline_report_workbook_chosen_through_the_dialog(qtbot, monkeypatch, window, view, earlier):
    assert all(view.table.isColumnHidden(c) for c in view.BASELINE_COLUMNS)  # no baseline yet
    choose(monkeypatch, qtbot, view, earlier.parent / "baseline.xlsx")
    assert window.runner.jobs == 2  # built again through the window's runner
    r = view.report
    assert r.baseline_name == "baseline.xlsx" and "compared with baseline.xlsx" in view.windowTitle()
    assert not any(view.table.isColumnHidden(c) for c in view.BASELINE_COLUMNS)
    assert view.table.rowCount() == len(r.measures) == 14
    for i, m in enumerate(r.measures):
        f = r.figure(m)
        tr = f.travel
        assert cells(view, 1)[i] == percent(f.value) and SCORE.fullmatch(cells(view, 1)[i])
        assert cells(view, 2)[i] == interval(f.ci) and INTERVAL.fullmatch(cells(view, 2)[i])
        assert cells(view, 3)[i] == str(len(f.cases))
        assert cells(view, 4)[i] == percent(tr.baseline) and SCORE.fullmatch(cells(view, 4)[i])
        assert cells(view, 5)[i] == change(tr.change_pp, 1.0) and CHANGE.fullmatch(cells(view, 5)[i])
        assert cells(view, 6)[i] == tr.words and tr.words.split(" ")[1] in ("improved", "declined", "static")
    noted = [i for i, m in enumerate(r.measures) if r.figure(m).travel.noted]
    assert noted and all(cells(view, 6)[i].endswith("(within the noise)") for i in noted)
    assert "Compared with the baseline baseline.xlsx" in view.summary.text()
    # the chart carries the baseline of every Area compared
    wessex = next(b for b in view.chart.chart.bars if b.label == "Wessex")
    assert wessex.baseline == r.figure("pre-charge", ALL_STRANDS, "Wessex").travel.baseline
    assert "◆ baseline (baseline.xlsx)" in view.chart.chart.footnote
    # and back to none
    qtbot.mouseClick(view.clear_button, Qt.MouseButton.LeftButton)
    assert view.report.baseline_name is None and all(view.table.isColumnHidden(c) for c in view.BASELINE_COLUMNS)


def test_results_view__baseline_master_file_keeps_what_was_chosen(qtbot, monkeypatch, view, earlier):
    view.strand.setCurrentText("Crown Court")
    view.area.setCurrentText("Wessex")
    view.chart_kind.setCurrentIndex(view.chart_kind.findData("strands"))
    view.table.setCurrentCell(5, 0)
    choose(monkeypatch, qtbot, view, earlier)  # the earlier master itself
    r = view.report
    assert r.baseline_name == "earlier.fileexam"
    assert (view.strand.currentText(), view.area.currentText(), view.chart_kind.currentData(),
            view.table.currentRow()) == ("Crown Court", "Wessex", "strands", 5)
    f = r.figure("grip", "Crown Court", "Wessex")
    assert cells(view, 1)[5] == percent(f.value) and cells(view, 4)[5] == percent(f.travel.baseline)
    assert view.chart.chart.title == "Grip by strand — Wessex"


@pytest.mark.parametrize("name, content, said", [
    ("notes.txt", b"not an inspection", "is not an inspection file"),
    ("old-report.xlsx", b"PK\x03\x04 truncated", "it is not an Excel workbook"),
    ("damaged.fileexam", b"SQLite format 3\x00" + b"\x00" * 200, "damaged.fileexam is damaged"),
])
def test_results_view__a_baseline_that_cannot_be_used_is_said_plainly(qtbot, monkeypatch, window, view, tmp_path,
                                                                       name, content, said):
    bad = tmp_path / name
    bad.write_bytes(content)
    before = cells(view, 1)
    choose(monkeypatch, qtbot, view, bad)
    assert view.message.isVisible()
    text = view.message.text()
    assert text.startswith(f"{name} could not be used as a baseline. ") and said in text
    assert "Traceback" not in text and "Error" not in text  # words, not a class name
    assert view.report.baseline_name is None and cells(view, 1) == before  # the results as they were
    assert view.choose_button.isEnabled()
    # a damaged baseline is not this inspection's damage: the window stays as it was
    assert not window.inspection.read_only and not getattr(window, "read_only_reason", None)


def test_results_view__chart_switches_between_areas_strands_measures_and_questions(qtbot, view):
    r = view.report
    kinds = [view.chart_kind.itemData(i) for i in range(view.chart_kind.count())]
    assert kinds == ["areas", "strands", "measures", "questions"]
    view.table.setCurrentCell(0, 0)  # pre-charge, which some Areas have no cases of
    chart = view.chart.chart
    assert chart.title == "Pre-charge decision-making and review by Area — All strands"
    assert [b.label for b in chart.bars] == r.areas
    assert chart.reference == (NATIONAL, r.figure("pre-charge").value)
    empty = [b for b in chart.bars if b.note == NO_CASES]
    assert [b.label for b in empty] == r.spread("pre-charge").no_cases
    assert all(b.value is None and b.text == NO_CASES for b in empty)  # marked, never a 0% bar
    few = [b for b in chart.bars if b.note == TOO_FEW]
    assert few and all(b.text.endswith("too few cases") and b.value is not None for b in few)
    f = r.figure("pre-charge", ALL_STRANDS, few[0].label)
    assert few[0].text.startswith(f"{percent(f.value)} · {len(f.cases)} case")
    # the tooltip over a bar gives its interval and cases
    view.chart.grab()  # painted: the rows are laid out
    rect, bar = next((rect, b) for rect, b in view.chart._rows if b.ci and b.ci[1] > b.ci[0])
    pos = rect.center().toPoint()
    QApplication.sendEvent(view.chart, QHelpEvent(QEvent.Type.ToolTip, pos, view.chart.mapToGlobal(pos)))
    assert view.chart.bar_at(pos) is bar
    assert f"95% interval {interval(bar.ci)}" in bar.tooltip and f"{bar.cases} case" in bar.tooltip
    assert QToolTip.text() == bar.tooltip
    QToolTip.hideText()

    view.chart_kind.setCurrentIndex(kinds.index("strands"))
    assert [b.label for b in view.chart.chart.bars] == [ALL_STRANDS] + r.strands
    assert view.chart.chart.bars[0].value == r.figure("pre-charge").value

    view.area.setCurrentText("Wessex")
    view.chart_kind.setCurrentIndex(kinds.index("measures"))
    chart = view.chart.chart
    assert chart.title == "Every measure — All strands, Wessex"
    assert [b.label for b in chart.bars] == [r.label(m) for m in r.measures]
    for b, m in zip(chart.bars, r.measures):
        f = r.figure(m, ALL_STRANDS, "Wessex")
        assert (b.value, b.cases) == ((f.value, len(f.cases)) if f else (None, 0))

    view.area.setCurrentText(NATIONAL)
    view.chart_kind.setCurrentIndex(kinds.index("questions"))
    chart = view.chart.chart
    assert chart.title.startswith("Pre-charge decision-making and review: answers to each question")
    assert chart.bars and all(b.label.startswith("PC") for b in chart.bars)
    legend = [name for name, _ in chart.legend]
    assert "Fully meets the standard" in legend and "Yes" in legend
    pc01 = r.questions[("PC01", ALL_STRANDS, NATIONAL)]
    bar = chart.bars[0]
    assert bar.cases == pc01.base and bar.text == f"{pc01.base} cases"
    assert [s for _, s, _ in bar.segments] == [pc01.share(v) for v in pc01.counted_values]
    view.chart.grab()  # and it paints


def test_results_view__breakdown_selector_shows_figures_by_a_case_field(qtbot, view):
    r = view.report
    assert [view.by.itemText(i) for i in range(view.by.count())] == \
        ["Area", "Finalised or live", "Charging decision by", "Flags", "Custody status", "Outcome"]
    view.by.setCurrentIndex(view.by.findData("stage"))
    assert view.area_label.text() == "&Finalised or live"
    groups = [view.area.itemText(i) for i in range(view.area.count())]
    assert groups[:3] == [NATIONAL, "Finalised", "Live"]
    assert view.chart_kind.itemText(0) == "Finalised or live"
    chart = view.chart.chart
    assert chart.title == "Pre-charge decision-making and review by Finalised or live — All strands"
    assert [b.label for b in chart.bars] == groups[1:]
    view.area.setCurrentText("Live")
    live = r.breakdowns["stage"]
    for i, m in enumerate(r.measures):
        f = live.get((m, ALL_STRANDS, "Live"))
        assert cells(view, 1)[i] == (percent(f.value) if f and f.value is not None else "—")
        assert cells(view, 3)[i] == (str(len(f.cases)) if f else "0")
        assert cells(view, 7)[i] == ("" if f and not f.few else (TOO_FEW if f else NO_CASES))
    assert [b.label for b in view.chart.chart.bars if b.highlight] == ["Live"]
    view.strand.setCurrentText("Crown Court")
    f = live[("pre-charge", "Crown Court", "Live")]
    assert cells(view, 1)[0] == percent(f.value)
    # flags: a case may have several, or none
    view.by.setCurrentIndex(view.by.findData("flags"))
    assert view.area.findText("(none)") > 0 and view.area.currentText() == NATIONAL
    assert cells(view, 1)[0] == percent(r.figure("pre-charge", "Crown Court").value)  # every case
    view.by.setCurrentIndex(0)
    assert view.area_label.text() == "&Area" and view.area.count() == 1 + len(r.areas)


def test_results_view__fits_a_1366_by_768_screen(qtbot, view):
    view.resize(1366, 768)
    assert view.minimumSizeHint().width() <= 1366 and view.minimumSizeHint().height() <= 700
    qtbot.waitUntil(lambda: view.chart.height() >= view.chart.minimumHeight())
    table = view.table
    last = table.visualItemRect(table.item(table.rowCount() - 1, 0))
    assert last.bottom() <= table.viewport().height()  # every measure in view, no scrolling
    assert view.chart.height() >= 220
    assert view.size().width() <= 1366 and view.size().height() <= 768


def test_results_view__encrypted_master_as_baseline__passphrase_asked__cancel_said(qtbot, monkeypatch, view, tmp_path):
    """An encrypted earlier master: its passphrase is asked in the masked dialog (a wrong one asked again),
    then it is compared with; cancelled, it is said plainly and the results are as they were."""
    from tests.qt.test_encrypted_inspection_app import check, on_next_modal, type_into

    from fileexam.qt.passphrase_dialog import PassphraseDialog
    from fileexam.services.merge import merge_workbooks
    from fileexam.services.sample import import_sample
    from fileexam.store.inspection_file import InspectionFile
    from fileexam.store.sqlite import new_key

    sealed = tmp_path / "sealed-earlier.fileexam"
    passphrase = "earlier inspection 2024"
    with InspectionFile.create(sealed, AREA_TEMPLATE, "Area inspection 2024", "TL", key=new_key(passphrase)) as f:
        import_sample(f, ROOT / "exports/examples/area-sample.xlsx", "TL")
        merge_workbooks(f, WORKBOOKS[:2], "TL")
    before = cells(view, 1)
    seen = on_next_modal(lambda dialog: None)  # cancelled
    choose(monkeypatch, qtbot, view, sealed)
    check(seen)
    assert isinstance(seen[0], PassphraseDialog)
    assert view.message.isVisible() and "passphrase was not given" in view.message.text()
    assert view.report.baseline_name is None and cells(view, 1) == before

    def answer(dialog):
        type_into(qtbot, dialog.field, "not the right one at all")
        dialog.ok_button.click()
        assert dialog.isVisible() and "Wrong passphrase" in dialog.message.text()
        type_into(qtbot, dialog.field, passphrase)
        dialog.ok_button.click()

    seen = on_next_modal(answer)
    choose(monkeypatch, qtbot, view, sealed)
    check(seen)
    assert not view.message.isVisible()
    assert view.report.baseline_name == "sealed-earlier.fileexam"
    f = view.report.figure(view.report.measures[0])
    assert f.travel is not None and f.travel.baseline is not None

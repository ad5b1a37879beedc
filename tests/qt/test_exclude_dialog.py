"""Not examinable… in the app (issue 18): the inspector marks the case shown, the team lead the case chosen on
the home; the reason comes from the template's list, the next reserve appears in its place, and the home
shows the sample against its design per stratum."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from conftest import AREA_TEMPLATE
from fileexam.qt.tasks import InlineRunner
from fileexam.store import sample_records
from fileexam.store.inspection_file import InspectionFile

from qt.conftest import USER

SMALL = """\
strata: [area, strand, stage]
quotas:
  - {cases: 2, reserves: 2}
"""


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    from sample_helpers import HEAD, allocate, area_template, write_design

    from fileexam.services.demo_case_list import write_case_list
    from fileexam.services.sample_draw import draw_sample

    folder = tmp_path_factory.mktemp("drawn")
    design = write_design(folder, HEAD + SMALL)
    caselist = write_case_list(folder / "list.csv", area_template(), 6000, seed=9)
    assert draw_sample(design, caselist, folder / "sample.xlsx").written
    return allocate(folder / "sample.xlsx", folder / "allocated.xlsx", [USER, "B. Evans"])


@pytest.fixture
def master(tmp_path, drawn):
    from fileexam.services.sample import import_sample

    path = tmp_path / "follow-up.fileexam"
    with InspectionFile.create(path, AREA_TEMPLATE, "Follow-up", "TL") as f:
        assert import_sample(f, drawn, "TL").imported
    return path


def open_as(qtbot, user, path):
    from fileexam.qt.app import qsettings
    from fileexam.qt.main_window import MainWindow

    w = MainWindow(qsettings(), user, InlineRunner())  # at the size it opens at on the laptop's screen
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    assert w.open_inspection(path)
    return w


def test_inspector__marks_the_case_shown_not_examinable__its_reserve_takes_its_place(qtbot, master):
    w = open_as(qtbot, USER, master)
    assert w.page == "scoring"
    ref = w.session.reference
    rows_before = w.model.rowCount()
    with InspectionFile.open(master) as f:
        key = sample_records.case_strata(f)[ref][0]
        reserve = sample_records.next_reserve(f, key)
    w.ui.actionNotExaminable.trigger()
    dialog = w.exclude_dialog
    assert dialog.isVisible()
    assert [dialog.reasons.itemText(i) for i in range(dialog.reasons.count())] == [
        "File unavailable", "File deleted", "Wrong case type", "Not live or not sufficiently progressed"]
    assert reserve.reference in dialog.what.text() and USER in dialog.what.text()
    dialog.reasons.setCurrentIndex(1)
    qtbot.keyClicks(dialog.note, "deleted under the retention policy")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    ex = w.last_exclusion
    assert (ex.reference, ex.reason, ex.note, ex.who, ex.replaced_by) == (
        ref, "file_deleted", "deleted under the retention policy", USER, reserve.reference)
    assert w.model.rowCount() == rows_before + 1 and w.model.row_of(reserve.reference) is not None
    row = w.model.row_of(ref)
    assert w.model.text(w.model.rows[row], w.model.STATUS) == "⊘"
    assert "not examinable" in w.ui.caseTitle.text() and w.ui.lockBanner.isVisible() and w.form.locked
    assert reserve.reference in w.ui.statusbar.currentMessage()
    # a second time: said, nothing changed
    w.ui.actionNotExaminable.trigger()
    assert w.last_message[0] == "Already not examinable"


def test_cancel__nothing_changed(qtbot, master):
    w = open_as(qtbot, USER, master)
    w.ui.actionNotExaminable.trigger()
    w.exclude_dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
    with InspectionFile.open(master) as f:
        assert sample_records.exclusions(f) == {}


def test_team_lead__home_shows_the_sample_per_stratum__and_excludes_the_chosen_case(qtbot, master):
    w = open_as(qtbot, "T. Lead", master)
    assert w.page == "home"
    home = w.home
    assert home.tabs.tabBar().isVisible()
    home.show_sample()
    assert home.sample.rowCount() == 57  # 56 strata and all of them
    last = [home.sample.item(56, c).text() for c in range(home.sample.columnCount())]
    assert last == ["All strata", "112", "112", "0", "0", "0", "112", "0"]
    assert "Designed <b>112</b>" in home.sample_summary.text()
    ref = home._rows[0][0]
    assert home.choose_case(ref)
    assert w.exclude_case(ref, "not_progressed", "no hearing listed yet")
    last = [home.sample.item(56, c).text() for c in range(home.sample.columnCount())]
    assert last[4:6] == ["1", "1"]  # not examinable 1, replaced 1
    assert "1 not examinable" in home.summary.text()
    marking = next(r[4] for r in home._rows if r[0] == ref)
    assert marking == "not examinable: Not live or not sufficiently progressed"


def test_the_action_is_in_the_case_menu_and_the_shortcuts_help(qtbot, master):
    w = open_as(qtbot, USER, master)
    assert w.ui.actionNotExaminable in w.ui.menuCase.actions()
    assert "Ctrl+Shift+X" in w.keys_help() and "Not examinable" in w.keys_help()


def test_no_design__no_sample_tab(qtbot, merged_file):
    path = merged_file.path
    merged_file.close()
    w = open_as(qtbot, "T. Lead", path)
    assert not w.home.tabs.tabBar().isVisible() and w.home.accounting is None


def test_fits_a_laptop_screen__the_sample_tab_and_the_dialog(qtbot, master):
    from tests.qt import fitting

    w = open_as(qtbot, "T. Lead", master)
    w.home.show_sample()
    qtbot.wait(30)
    found = fitting.problems(w)
    assert found == [], "\n".join(found)
    w.home.tabs.setCurrentIndex(0)
    assert w.home.choose_case(w.home._rows[0][0])
    w.ui.actionNotExaminable.trigger()
    qtbot.waitExposed(w.exclude_dialog)
    qtbot.wait(30)
    found = fitting.problems(w.exclude_dialog)
    assert found == [], "\n".join(found)

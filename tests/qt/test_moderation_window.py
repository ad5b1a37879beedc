"""The moderation window on real inspection files, driven with the keyboard and the mouse: the empty
state that says what to do, allocation from the app, the agreed answer that starts empty, settled and
unsettled told apart and counted, the figures by title with their intervals and undefined figures in
words, marker flags with their figures, sign-off that counts what is unsettled and asks why, calibration
cases, the inspection file's refusals shown in its own words, and a window that fits a 1366 × 768 screen."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QPoint, QRect, Qt

from conftest import ROOT
from fileexam.cli import main
from fileexam.domain.agreement import Undefined
from fileexam.formats.report_charts import interval, percent
from fileexam.qt.moderation_view import ModerationView
from fileexam.services.merge import merge_workbooks
from fileexam.services.moderation import agreement_report, allocate, marker_profiles
from fileexam.services.moderation_decisions import open_work
from fileexam.store.inspection_file import InspectionFile
from test_moderation import second_marking

EXAMPLES = sorted((ROOT / "exports/examples").glob("work-*.xlsx"))
LEFT = Qt.MouseButton.LeftButton
SETTLED, UNSETTLED = "✓ Settled", "Not settled"
SECOND = {"A. Khan": "D. Okafor", "B. Evans": "D. Okafor", "C. Murphy": "A. Khan"}


def complete_cases(master, inspector):
    return [c.reference for c in master.cases()
            if c.inspector == inspector and master.status(c.reference, inspector).value == "complete"]


@pytest.fixture
def double(merged_file, tmp_path):
    """Twelve complete cases (four of each of three inspectors) marked again, blind, by another
    inspector who mostly agrees: enough cases for intervals, and disagreements to settle."""
    named = [(ref, SECOND[who]) for who in SECOND for ref in complete_cases(merged_file, who)[:4]]
    allocate(merged_file, "TL", named=named)
    second_marking(merged_file, tmp_path / "second", agree=0.75)
    return merged_file


def open_view(qtbot, inspection, user="Moderator") -> ModerationView:
    view = ModerationView(inspection, user)
    qtbot.addWidget(view)
    view.resize(1366, 768)
    view.show()
    qtbot.waitExposed(view)
    return view


def audit_actions(inspection, action):
    return [a for a in inspection.audit() if a["action"] == action]


def signoffs(inspection):
    return inspection.conn.execute("SELECT who, action, reason FROM moderation_signoffs ORDER BY id").fetchall()


def row_texts(table, row):
    return [table.item(row, j).text() for j in range(table.columnCount())]


def tree_items(tree):
    out, stack = [], [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    while stack:
        item = stack.pop(0)
        out.append(item)
        stack[0:0] = [item.child(i) for i in range(item.childCount())]
    return out


# ---- empty ---------------------------------------------------------------------------------
def test_empty__says_what_to_do_and_nothing_can_be_signed_off_or_recorded(qtbot, window):
    merge_workbooks(window.inspection, EXAMPLES, "TL")  # marked once: nothing double-marked
    window.ui.actionModeration.trigger()
    view = window.moderation_view
    qtbot.addWidget(view)
    assert view.answers_stack.currentWidget() is view.empty
    words = view.empty_text.text()
    assert "No case is double-marked yet" in words
    assert "Allocate double marking" in words and "Merge workbooks" in words and "Import sample" in words
    assert view.empty_allocate.isVisible() and not view.waiting.isVisible()
    assert not view.signoff_button.isEnabled() and "Nothing to sign off" in view.signoff_button.toolTip()
    assert not view.record.isEnabled() and not view.agreed.isEnabled()
    assert view.stats.stack.currentIndex() == 0 and "No case is double-marked yet" in view.stats.empty.text()
    # opening it again brings the same window forward, read again
    window.ui.actionModeration.trigger()
    assert window.moderation_view is view


# ---- allocation --------------------------------------------------------------------------
def test_allocate__share_and_seed_typed__stored_audited_samples_written_and_window_waits(qtbot, merged_file,
                                                                                           tmp_path):
    view = open_view(qtbot, merged_file, "TL")
    qtbot.mouseClick(view.empty_allocate, LEFT)
    dialog = view.dialog
    assert dialog.isVisible() and dialog.share.value() == 10.0  # the template's double_mark_share
    dialog.share.lineEdit().selectAll()
    qtbot.keyClicks(dialog.share.lineEdit(), "25")
    dialog.seed.lineEdit().selectAll()
    qtbot.keyClicks(dialog.seed.lineEdit(), "5")
    dialog.folder.clear()
    qtbot.keyClicks(dialog.folder, str(tmp_path / "blind"))
    with qtbot.waitSignal(dialog.allocated):
        qtbot.mouseClick(dialog.allocate_button, LEFT)

    stored = merged_file.double_marked()
    shown = {(dialog.results.item(i, 0).text(), dialog.results.item(i, 2).text())
             for i in range(dialog.results.rowCount())}
    assert shown == stored and len(stored) == 16  # ceil(25% of 14) of each of four inspectors
    assert len(audit_actions(merged_file, "double marking")) == 16
    other = InspectionFile.create(tmp_path / "again.fileexam", ROOT / "question_sets/area-inspection.yaml", "x", "TL")
    from fileexam.services.sample import import_sample
    import_sample(other, ROOT / "exports/examples/area-sample.xlsx", "TL")
    assert {(r, s) for r, _, s in allocate(other, "TL", share=0.25, seed=5)} == stored  # the seed was used
    other.close()
    written = sorted(p.name for p in (tmp_path / "blind").glob("*.xlsx"))
    assert written == ["second-marking-a-khan.xlsx", "second-marking-b-evans.xlsx", "second-marking-c-murphy.xlsx",
                       "second-marking-d-okafor.xlsx"]
    assert "16 case(s) chosen" in dialog.message.text() and "Wrote 4 blind sample(s)" in dialog.message.text()
    # the window behind has read the allocation: it waits for the second markings, and says whose
    assert view.answers_stack.currentWidget() is view.empty
    assert "16 case(s) allocated for double marking; none has both markings yet" in view.empty_text.text()
    assert view.waiting.rowCount() == 16
    waiting_for = {view.waiting.item(i, 3).text() for i in range(16)}
    assert any(re.fullmatch(r"[A-Z]\. \w+", w) for w in waiting_for)
    assert "still wait for a marking" in view.summary.text()


def test_allocate__named_case_to_its_own_first_marker__refused_in_the_files_words__then_named_right(
        qtbot, merged_file, tmp_path, monkeypatch):
    view = open_view(qtbot, merged_file, "TL")
    qtbot.mouseClick(view.allocate_button, LEFT)
    dialog = view.dialog
    qtbot.mouseClick(dialog.by_name, LEFT, pos=QPoint(10, dialog.by_name.height() // 2))  # on its circle
    assert dialog.named_box.isEnabled() and not dialog.share.isEnabled()
    ref = complete_cases(merged_file, "A. Khan")[0]
    qtbot.keyClicks(dialog.case.lineEdit(), ref)
    qtbot.keyClicks(dialog.second.lineEdit(), "A. Khan")
    qtbot.mouseClick(dialog.add_button, LEFT)
    monkeypatch.setattr("fileexam.qt.moderation_allocate_dialog.QFileDialog.getExistingDirectory",
                        lambda *a, **k: str(tmp_path / "picked"))
    qtbot.mouseClick(dialog.browse, LEFT)
    assert dialog.folder.text() == str(tmp_path / "picked")
    qtbot.mouseClick(dialog.allocate_button, LEFT)
    assert "Nothing was allocated" in dialog.message.text()
    assert f"A. Khan is the first marker of case {ref}: a second marking must be someone else's" \
        in dialog.message.text()
    assert merged_file.double_marked() == set() and not (tmp_path / "picked").exists()

    dialog.named.selectRow(0)
    qtbot.mouseClick(dialog.remove_button, LEFT)
    qtbot.keyClicks(dialog.case.lineEdit(), ref)
    assert dialog.second.currentText() == "A. Khan"  # kept for the next case; typed over
    dialog.second.lineEdit().selectAll()
    qtbot.keyClicks(dialog.second.lineEdit(), "D. Okafor")
    qtbot.mouseClick(dialog.add_button, LEFT)
    qtbot.mouseClick(dialog.allocate_button, LEFT)
    assert merged_file.double_marked() == {(ref, "D. Okafor")}
    assert [p.name for p in (tmp_path / "picked").iterdir()] == ["second-marking-d-okafor.xlsx"]
    assert view.waiting.rowCount() == 1 and view.waiting.item(0, 3).text() == "D. Okafor"


# ---- the answers side by side --------------------------------------------------------------
def test_settle__agreed_answer_starts_empty__settled_and_unsettled_apart_and_counted(qtbot, double):
    view = open_view(qtbot, double)
    work = open_work(double)
    n = work.disagreements
    assert n > 5 and len(work.unsettled) == n
    assert view.progress.text() == f"<b>0 of {n} disagreements settled</b>"
    assert view.table.rowCount() == n and view.count.text() == f"{n} disagreement(s)"
    p = view.rows[0]
    assert view.agreed.currentIndex() == -1 and view.agreed.currentText() == ""  # nobody's answer taken
    assert view.agreed.placeholderText() == "Choose the agreed answer…"
    qtbot.keyClicks(view.reason, "Guidance para 2")
    qtbot.mouseClick(view.record, LEFT)
    assert "choose the agreed answer first" in view.message.text() and double.decisions() == {}

    view.agreed.setFocus()
    qtbot.keyClick(view.agreed, Qt.Key.Key_Down)  # the first option of the question's scale
    chosen = view.agreed.currentData()
    assert chosen == double.template.question_by_id[p.question].answer.scale.options[0].value
    qtbot.keyClick(view.reason, Qt.Key.Key_Return)
    assert double.decisions()[(p.case, p.question)]["value"] == chosen
    assert double.decisions()[(p.case, p.question)]["reason"] == "Guidance para 2"
    audit = audit_actions(double, "moderation")[-1]
    assert (audit["case_ref"], audit["question_id"], audit["who"], audit["reason"]) == \
        (p.case, p.question, "Moderator", "Guidance para 2")
    assert view.progress.text() == f"<b>1 of {n} disagreements settled</b>"
    assert "Recorded" in view.message.text()

    settled_row = next(i for i, q in enumerate(view.rows) if (q.case, q.question) == (p.case, p.question))
    other_row = next(i for i in range(len(view.rows)) if i != settled_row)
    status = view.STATUS_COLUMN
    assert view.table.item(settled_row, status).text() == SETTLED
    assert view.table.item(other_row, status).text() == UNSETTLED
    assert view.table.item(settled_row, status).background() != view.table.item(other_row, status).background()
    assert view.table.item(settled_row, 0).background() != view.table.item(other_row, 0).background()
    assert view.table.item(settled_row, view.REASON_COLUMN).text() == "Guidance para 2"

    view.show_choice.setCurrentIndex(view.show_choice.findData("unsettled"))
    assert view.table.rowCount() == n - 1 and (p.case, p.question) not in {(q.case, q.question) for q in view.rows}
    view.show_choice.setCurrentIndex(view.show_choice.findData("settled"))
    assert [(q.case, q.question) for q in view.rows] == [(p.case, p.question)]
    assert view.agreed.currentData() == chosen and view.reason.text() == "Guidance para 2"  # a settled one: as settled
    view.show_choice.setCurrentIndex(view.show_choice.findData("all"))
    assert view.table.rowCount() == len(agreement_report(double, with_intervals=False).pairs) > n


# ---- the figures ---------------------------------------------------------------------------
def test_statistics__titles__percentages_as_the_summary__intervals__undefined_in_words(qtbot, double):
    view = open_view(qtbot, double)
    r = agreement_report(double)
    o = r.overall
    qtbot.mouseClick(view.tabs.tabBar(), LEFT, pos=view.tabs.tabBar().tabRect(1).center())
    assert view.tabs.currentWidget() is view.stats
    tree = view.stats.tree
    overall = tree.topLevelItem(0)
    lo, hi = o.intervals["agreement"]
    assert overall.text(0) == "All double-marked answers"
    assert overall.text(3) == f"{percent(o.agreement)}\n{interval((lo, hi))}"  # '91.8%', not '0.92'
    assert f"agreement <b>{percent(o.agreement)}</b> (95% CI {interval((lo, hi))})" in view.summary.text()

    titles = [item.text(0) for item in tree_items(tree)]
    t = double.template
    for s in r.by_set:
        assert t.set_by_id[s.group].title in titles
    assert "Victims and witnesses: Victim communication and liaison" in titles
    assert not any(re.search(r"[a-z]+-[a-z]+ / [a-z]+", title) for title in titles)  # no 'victims-witnesses / vcl'
    assert "A. Khan & D. Okafor" in titles

    # every cell is a figure, a share with its % or an interval, 'undefined' with its reason, or '—'
    figure = re.compile(r"(−?\d\.\d\d|\d{1,3}\.\d%)(\n(−?\d\.\d\d to −?\d\.\d\d|\d{1,3}\.\d–\d{1,3}\.\d%))?")
    undefined = 0
    for item in tree_items(tree):
        data = item.data(0, Qt.ItemDataRole.UserRole)
        if not data:
            continue
        _, s = data
        for j in range(3, tree.columnCount()):
            text, tip = item.text(j), item.toolTip(j)
            if text.startswith("undefined"):
                undefined += 1
                assert not re.search(r"\d", text) and "undefined — " in tip
            else:
                assert text == "—" or figure.fullmatch(text), text
    assert undefined
    # a question whose markers never varied: its kappa says so, in the cell and in the words under the table
    q = next(s for s in r.by_question if isinstance(s.kappa, Undefined) and "no variation" in s.kappa.reason)
    item = view.stats.row_of(f"{q.group} {t.question_by_id[q.group].text}")
    assert item.text(5) == "undefined\nno variation" and q.kappa.reason in item.toolTip(5)
    tree.setCurrentItem(item)
    assert f"Cohen's kappa: undefined — {q.kappa.reason}" in view.stats.words.toPlainText()
    # a group on few cases says so and has no interval
    few = next(s for s in r.by_markers if s.few)
    item = view.stats.row_of(few.group)
    assert item.text(2) == f"{few.cases} (few)" and "\n" not in item.text(3)
    assert "fewer than 10: read with care; no interval" in item.toolTip(2)
    # an interval on a coefficient, under the figure
    part = view.stats.row_of("Scale: Fully / partially / not met / not applicable")
    ci = o.parts[1].intervals["kappa"]
    assert part.text(5) == f"{o.parts[1].kappa:.2f}\n{ci[0]:.2f} to {ci[1]:.2f}".replace("-", "−")


def test_profiles__a_flag_is_shown_with_its_figures_and_intervals(qtbot, double):
    view = open_view(qtbot, double)
    view.tabs.setCurrentWidget(view.profiles)
    flagged = [p for p in marker_profiles(double) if p.flags]
    assert flagged
    table = view.profiles.table
    for p in flagged:
        row = next(i for i in range(table.rowCount()) if table.item(i, 0).text() == f"⚑ {p.marker}")
        texts = row_texts(table, row)
        share = f"{percent(p.best_share)} ({interval(p.best_share_ci)}) of {p.answers}"
        assert texts[2] == share
        assert texts[5].startswith("⚑ Flag: gives the top mark") and share in texts[5]
        assert interval(p.team_best_share_ci) in texts[5]
    unflagged = [p.marker for p in marker_profiles(double) if not p.flags and not p.notes]
    assert all(row_texts(table, i)[5] == "no flag" for i in range(table.rowCount())
               if table.item(i, 0).text() in unflagged)


# ---- sign-off --------------------------------------------------------------------------------
def test_signoff__counts_the_unsettled__asks_why__records_it__reopens_with_a_reason(qtbot, double):
    view = open_view(qtbot, double)
    work = open_work(double)
    u, n = len(work.unsettled), work.disagreements
    qtbot.mouseClick(view.signoff_button, LEFT)
    dialog = view.dialog
    assert dialog.isVisible()
    assert f"{u} of {n} disagreements are not settled" in dialog.text.text()
    assert not dialog.ok_button.isEnabled()  # no reason, no sign-off
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Cancel), LEFT)
    assert not double.moderation_signed_off() and signoffs(double) == []

    qtbot.mouseClick(view.signoff_button, LEFT)
    dialog = view.dialog
    qtbot.keyClicks(dialog.reason, "Report due; the rest go to the next moderation meeting")
    assert dialog.ok_button.isEnabled()
    qtbot.mouseClick(dialog.ok_button, LEFT)
    assert double.moderation_signed_off()
    expected = (f"signed off with {u} of {n} disagreement(s) are not settled: "
                "Report due; the rest go to the next moderation meeting")
    assert signoffs(double) == [("Moderator", "signed off", expected)]
    assert audit_actions(double, "moderation signed off")[-1]["reason"] == expected
    assert "Signed off by Moderator" in view.signoff_state.text() and expected in view.signoff_state.text()
    assert not view.record.isEnabled() and "signed off" in view.decided.text()
    assert view.signoff_button.text() == "Re&open moderation…"

    qtbot.mouseClick(view.signoff_button, LEFT)
    dialog = view.dialog
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.reason, "A settled answer was wrong")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    assert not double.moderation_signed_off()
    assert signoffs(double)[-1] == ("Moderator", "reopened", "A settled answer was wrong")
    assert audit_actions(double, "moderation reopened")[-1]["reason"] == "A settled answer was wrong"
    assert view.record.isEnabled()


def test_signoff__everything_settled__no_reason_asked(qtbot, double):
    for c, q in open_work(double).unsettled:
        double.settle(c, q, "not_applicable" if double.template.question_by_id[q].answer.option("not_applicable")
                      else double.template.question_by_id[q].answer.scale.options[0].value, "agreed", "Moderator")
    view = open_view(qtbot, double)
    n = open_work(double).disagreements
    assert view.progress.text() == f"<b>{n} of {n} disagreements settled</b>"
    qtbot.mouseClick(view.signoff_button, LEFT)
    assert f"All {n} disagreement(s) are settled" in view.dialog.text.text() and not view.dialog.reason.isVisible()
    qtbot.mouseClick(view.dialog.ok_button, LEFT)
    assert signoffs(double) == [("Moderator", "signed off", None)]


# ---- refusals of the inspection file, in its words ------------------------------------------------
def test_settle__case_made_a_calibration_case_elsewhere__refused_in_the_files_words_and_the_row_goes(qtbot, double,
                                                                                                    capsys):
    view = open_view(qtbot, double)
    p = view.rows[0]
    assert main(["moderation", "calibrate", str(double.path), p.case, "--reference", p.first, "--as", "TL"]) == 0
    capsys.readouterr()
    view.agreed.setCurrentIndex(0)
    qtbot.keyClicks(view.reason, "x")
    qtbot.mouseClick(view.record, LEFT)
    assert view.message.text() == (f"<b>Not recorded:</b> case {p.case} is a calibration case: its markings are "
                                   "compared with the reference marking, not settled")
    assert double.decisions() == {}
    assert p.case not in {q.case for q in view.rows}  # read again: the calibration case has left the table


def test_settle__case_no_longer_double_marked__refused_in_the_files_words(qtbot, double):
    view = open_view(qtbot, double)
    p = view.rows[0]
    with InspectionFile.open(double.path) as elsewhere:  # an older copy brought back, from before the allocation
        with elsewhere.atomic():
            elsewhere.conn.execute("DELETE FROM double_marking WHERE case_ref=?", [p.case])
    view.agreed.setCurrentIndex(1)
    qtbot.keyClicks(view.reason, "x")
    qtbot.mouseClick(view.record, LEFT)
    text = view.message.text()
    assert text.startswith(f"<b>Not recorded:</b> case {p.case} is not double-marked, so there is nothing to settle")
    assert "allocate it with" in text and double.decisions() == {}
    assert p.case not in {q.case for q in view.rows}  # read again: the window shows what the file now holds
    assert view.message.text() == text  # and the refusal stays said


def test_calibration__reference_who_has_not_marked_refused__made__removed_with_a_reason(qtbot, double):
    view = open_view(qtbot, double)
    pane = view.calibration
    view.tabs.setCurrentWidget(pane)
    ref = view.rows[0].case
    first = double.case(ref).inspector
    stranger = next(m for m in ("A. Khan", "B. Evans", "C. Murphy", "D. Okafor")
                    if m not in double.marking_rows(ref))
    qtbot.mouseClick(pane.make_button, LEFT)
    dialog = pane.dialog
    dialog.case.setCurrentIndex(dialog.case.findData(ref))
    qtbot.keyClicks(dialog.marker.lineEdit(), stranger)
    qtbot.mouseClick(dialog.ok_button, LEFT)
    assert pane.message.text().startswith(f"<b>Not made a calibration case:</b> {stranger} has not marked case {ref}")
    assert "the reference marking must exist before a case becomes a calibration case" in pane.message.text()
    assert double.calibration_cases() == {}

    qtbot.mouseClick(pane.make_button, LEFT)
    dialog = pane.dialog
    qtbot.keyClicks(dialog.case.lineEdit(), ref)
    qtbot.keyClicks(dialog.marker.lineEdit(), first)
    qtbot.keyClick(dialog.marker, Qt.Key.Key_Return)
    assert double.calibration_cases() == {ref: first}
    assert audit_actions(double, "calibration")[-1]["case_ref"] == ref
    assert row_texts(pane.table, 0)[:2] == [ref, first]
    assert ref not in {p.case for p in view.rows}  # never counted: it leaves the agreement figures
    calibration = agreement_report(double, with_intervals=False).calibration
    assert pane.agreement.rowCount() == len(calibration) > 0  # everyone who marked it: Fleiss' kappa, alpha
    assert pane.agreement.item(0, 0).text() == calibration[0].group
    assert "rests on 1 case(s)" in pane.agreement.item(0, pane.agreement.columnCount() - 1).text()

    pane.table.selectRow(0)
    qtbot.mouseClick(pane.remove_button, LEFT)
    dialog = pane.dialog
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClicks(dialog.reason, "Chosen by mistake")
    qtbot.mouseClick(dialog.ok_button, LEFT)
    assert double.calibration_cases() == {}
    removed = audit_actions(double, "calibration removed")[-1]
    assert (removed["case_ref"], removed["reason"]) == (ref, "Chosen by mistake")
    assert ref in {p.case for p in view.rows}


# ---- the window fits a 1366 × 768 laptop screen -----------------------------------------------------
def _inside(view, widget) -> bool:
    top_left = widget.mapTo(view, QPoint(0, 0))
    return widget.isVisible() and view.rect().contains(QRect(top_left, widget.size()))


@pytest.mark.parametrize("state", ["empty", "double-marked"])
def test_window__fits_1366_by_768_with_nothing_cut_off(qtbot, request, tmp_path, state):
    view = open_view(qtbot, request.getfixturevalue("double" if state == "double-marked" else "merged_file"))
    hint = view.minimumSizeHint()
    assert hint.width() <= 1366 and hint.height() <= 728  # 768 less a taskbar
    assert view.size().width() == 1366
    for w in (view.summary, view.refresh_button, view.allocate_button, view.signoff_button, view.tabs):
        assert _inside(view, w), w
    assert view.summary.heightForWidth(view.summary.width()) <= view.summary.height()  # no line cut off
    for i in range(view.tabs.count()):
        assert view.tabs.tabBar().tabRect(i).right() < view.width()
    if state == "double-marked":
        for w in (view.table, view.guidance, view.agreed, view.reason, view.record, view.show_choice):
            assert _inside(view, w), w
        assert view.table.columnViewportPosition(view.REASON_COLUMN) + 60 < view.table.viewport().width()
        view.tabs.setCurrentWidget(view.stats)
        qtbot.wait(10)
        tree = view.stats.tree
        last = tree.columnCount() - 1
        assert tree.header().sectionViewportPosition(last) + tree.header().sectionSize(last) <= \
            tree.viewport().width()  # every figure's column on screen
    else:
        assert _inside(view, view.empty_allocate)
        qtbot.mouseClick(view.empty_allocate, LEFT)
        hint = view.dialog.sizeHint()
        assert hint.width() <= 1366 and hint.height() <= 728
    image = view.grab()
    assert (image.width(), image.height()) == (1366, 768)
    assert image.save(str(tmp_path / f"moderation-{state}.png"))


# ---- read again ------------------------------------------------------------------------------------
def test_refresh__an_allocation_made_elsewhere_shows_on_refresh_and_when_the_window_comes_back(qtbot, merged_file,
                                                                                              capsys):
    from PySide6.QtWidgets import QWidget

    view = open_view(qtbot, merged_file)
    assert not view.waiting.isVisible()
    a, b = complete_cases(merged_file, "A. Khan")[:2]
    assert main(["moderation", "allocate", str(merged_file.path), "--case", a, "--to", "D. Okafor", "--as", "TL"]) == 0
    qtbot.mouseClick(view.refresh_button, LEFT)
    assert view.waiting.rowCount() == 1 and "1 case(s) allocated" in view.empty_text.text()

    other = QWidget()  # the user works in another window, allocates from the command line, comes back
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    qtbot.waitUntil(lambda: not view.isActiveWindow())
    assert main(["moderation", "allocate", str(merged_file.path), "--case", b, "--to", "D. Okafor", "--as", "TL"]) == 0
    capsys.readouterr()
    view.activateWindow()
    qtbot.waitUntil(lambda: view.waiting.rowCount() == 2)

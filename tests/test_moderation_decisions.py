"""Decisions that change published figures check their preconditions, are audited and can be undone;
a moderated case is scored on its agreed marking as a whole (docs/METHODS.md, "Moderated cases")."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from conftest import ROOT
from fileexam.cli import main
from fileexam.services.merge import merge_workbooks
from fileexam.services.moderation import allocate, collect_pairs
from fileexam.services.moderation_decisions import open_work, sign_off
from fileexam.services.report import build_report
from fileexam.store.errors import StoreError
from fileexam.store.inspection_file import InspectionFile
from test_moderation import second_marking

EXAMPLES = sorted((ROOT / "exports/examples").glob("work-*.xlsx"))


@pytest.fixture
def master(area_file):
    merge_workbooks(area_file, EXAMPLES, "TL")
    return area_file


def complete_cases(master, inspector):
    return [c.reference for c in master.cases()
            if c.inspector == inspector and master.status(c.reference, inspector).value == "complete"]


@pytest.fixture
def double(master, tmp_path):
    """Four of A. Khan's complete cases marked again, independently, by D. Okafor (never agreeing)."""
    refs = complete_cases(master, "A. Khan")[:4]
    allocate(master, "TL", named=[(r, "D. Okafor") for r in refs])
    second_marking(master, tmp_path, agree=0.0)
    return refs


def figure(master, measure="disclosure"):
    f = build_report(master, with_intervals=False).figure(measure)
    return (f.achieved, f.available, len(f.cases))


# ---- settling ------------------------------------------------------------------------
def test_settle__case_nobody_double_marked__refused_and_scores_unchanged(master):
    ref = complete_cases(master, "A. Khan")[0]
    before = figure(master)
    with pytest.raises(StoreError, match="not double-marked"):
        master.settle(ref, "DI02", "not_met", "Schedules not endorsed", "Moderator")
    assert figure(master) == before and master.decisions() == {}


def test_settle__allocated_but_second_marking_not_merged__refused(master):
    ref = complete_cases(master, "A. Khan")[0]
    allocate(master, "TL", named=[(ref, "D. Okafor")])
    with pytest.raises(StoreError, match="D. Okafor has not marked it yet"):
        master.settle(ref, "DI02", "not_met", "Schedules not endorsed", "Moderator")


def test_settle__calibration_case__refused(master, double):
    master.set_calibration(double[0], "A. Khan", "Moderator")
    with pytest.raises(StoreError, match="calibration case"):
        master.settle(double[0], "DI02", "not_met", "x", "Moderator")


def test_settle__double_marked_case__accepted(master, double):
    p = next(p for p in collect_pairs(master) if p.value1 != p.value2)
    master.settle(p.case, p.question, p.value2, "the second reading is right", "Moderator")
    assert master.decisions()[(p.case, p.question)]["value"] == p.value2


def test_cli_settle__readme_example_on_a_case_not_double_marked__exit_1_and_why(master, capsys):
    path = master.path
    master.close()
    assert main(["moderation", "settle", str(path), "02XK044540325", "DI02", "not_met", "--reason", "x",
                 "--as", "TL"]) == 1
    err = capsys.readouterr().err
    assert "not double-marked" in err and "moderation allocate" in err


# ---- calibration ------------------------------------------------------------------------
def test_calibrate__reference_marker_who_has_not_marked_the_case__refused(master):
    ref = complete_cases(master, "A. Khan")[0]
    before = build_report(master, with_intervals=False)
    with pytest.raises(StoreError, match="Z. Nobody has not marked case"):
        master.set_calibration(ref, "Z. Nobody", "Moderator")
    assert master.calibration_cases() == {}
    assert len(build_report(master, with_intervals=False).counted) == len(before.counted)


def test_calibrate__removed_with_a_reason__counts_again_and_audited(master, capsys):
    ref = complete_cases(master, "A. Khan")[0]
    master.set_calibration(ref, "A. Khan", "Moderator")
    assert ref not in build_report(master, with_intervals=False).counted
    path = master.path
    master.close()
    assert main(["moderation", "calibrate", str(path), ref, "--remove", "--as", "TL"]) == 1
    assert "--reason" in capsys.readouterr().err
    assert main(["moderation", "calibrate", str(path), ref, "--remove", "--reason", "chosen by mistake",
                 "--as", "TL"]) == 0
    with InspectionFile.open(path) as f:
        assert ref in build_report(f, with_intervals=False).counted
        last = f.audit(ref)[-1]
        assert (last["action"], last["reason"]) == ("calibration removed", "chosen by mistake")


# ---- sign-off -----------------------------------------------------------------------------
def test_signoff__unsettled_disagreements__refused_unless_forced_with_a_reason(master, double, capsys):
    work = open_work(master)
    assert work.unsettled and len(work.unsettled) == work.disagreements
    with pytest.raises(StoreError, match=f"{work.disagreements} of {work.disagreements} disagreement"):
        sign_off(master, "Moderator")
    assert not master.moderation_signed_off()
    path = master.path
    master.close()
    assert main(["moderation", "signoff", str(path), "--as", "M"]) == 1
    assert "--force" in capsys.readouterr().err
    assert main(["moderation", "signoff", str(path), "--force", "deadline: the rest go to the report annex",
                 "--as", "M"]) == 0
    with InspectionFile.open(path) as f:
        assert f.moderation_signed_off()
        reason = f.audit()[-1]["reason"]
        assert f"{work.disagreements} of {work.disagreements} disagreement(s) are not settled" in reason
        assert "deadline" in reason


def test_signoff__everything_settled__signs_off(master, double):
    for case, question in open_work(master).unsettled:
        p = next(p for p in collect_pairs(master) if (p.case, p.question) == (case, question))
        master.settle(case, question, p.value1, "first reading stands", "Moderator")
    work = sign_off(master, "Moderator")
    assert work.unsettled == [] and master.moderation_signed_off()


# ---- the agreed marking as a whole ------------------------------------------------------------
def _set_di(master, ref, marker, values):
    master.conn.execute("UPDATE markings SET status='in progress' WHERE case_ref=? AND marker=?", [ref, marker])
    for qid, value in values.items():
        master.set_answer(ref, qid, marker, value)
    master.conn.execute("UPDATE markings SET status='complete' WHERE case_ref=? AND marker=?", [ref, marker])


def _disclosure_questions(master, ref):
    report = build_report(master, with_intervals=False)
    counts = {}
    for (qid, strand, area), qf in report.questions.items():
        if qid in ("DI06", "DI07", "DI08") and area == "National" and strand == "All strands":
            counts[qid] = sum(qf.counts.values())
    return report, counts


def test_agreed_answer_decides_applicability__no_means_later_questions_do_not_count(master, double):
    ref = double[0]
    _set_di(master, ref, "A. Khan", {"DI05": "yes", "DI06": "fully", "DI07": "fully", "DI08": "fully"})
    _set_di(master, ref, "D. Okafor", {"DI05": "no"})
    before, counts_before = _disclosure_questions(master, ref)
    master.settle(ref, "DI05", "no", "no defence statement was served", "Moderator")
    after, counts_after = _disclosure_questions(master, ref)
    for qid in ("DI06", "DI07", "DI08"):
        assert counts_after[qid] == counts_before[qid] - 1, qid  # DI06-DI08 no longer apply to the case
    assert after.figure("disclosure").available < before.figure("disclosure").available
    assert ref in after.agreed


def test_agreed_answers_where_the_counted_marking_had_none__counted(master, double):
    ref = double[0]
    _set_di(master, ref, "A. Khan", {"DI06": None, "DI07": None, "DI08": None, "DI05": "no"})
    _set_di(master, ref, "D. Okafor", {"DI05": "yes", "DI06": "partially", "DI07": "fully", "DI08": "not_met"})
    before, counts_before = _disclosure_questions(master, ref)
    for qid, value in {"DI05": "yes", "DI06": "partially", "DI07": "fully", "DI08": "not_met"}.items():
        master.settle(ref, qid, value, "the second marker read the file right", "Moderator")
    after, counts_after = _disclosure_questions(master, ref)
    for qid in ("DI06", "DI07", "DI08"):
        assert counts_after[qid] == counts_before.get(qid, 0) + 1, qid
    # DI06-DI08 add 1 + 2 + 0 points of 6 available
    b, a = before.figure("disclosure"), after.figure("disclosure")
    assert (a.achieved - b.achieved, a.available - b.available) == (3, 6)


def test_trace_sheet__names_the_cases_scored_on_agreed_answers(master, double, tmp_path):
    from fileexam.formats.report_workbook import write_report
    p = next(p for p in collect_pairs(master) if p.value1 != p.value2 and p.question.startswith("DI"))
    master.settle(p.case, p.question, p.value2, "agreed", "Moderator")
    write_report(tmp_path / "r.xlsx", build_report(master, with_intervals=False))
    ws = load_workbook(tmp_path / "r.xlsx")["Trace"]
    header = [c.value for c in ws[1]]
    col = header.index("Cases on agreed answers")
    rows = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == "Disclosure of unused material"]
    assert any(p.case in (r[col] or "") for r in rows)

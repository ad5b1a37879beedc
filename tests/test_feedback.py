"""Queries and feedback through files (issue 17): the moderator raises a query and writes feedback; the
inspector opens it in their own file, reads, replies and answers the query (changing the answer); their
next export carries it back; the team lead merges it; the query is answered, the change audited, the read
receipts in the master."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from feedback_helpers import INSPECTOR, export_own, moderated_master
from fileexam.cli import main
from fileexam.domain.problems import ProblemsFound
from fileexam.formats.exchange_workbook import read_exchange
from fileexam.formats.feedback_workbook import read_feedback
from fileexam.services import feedback_inspector as fi
from fileexam.services.feedback import write_all
from fileexam.services.merge import merge_workbooks
from fileexam.services.moderation import collect_pairs
from fileexam.services.moderation_decisions import open_work, sign_off
from fileexam.store import query_records as records
from fileexam.store.errors import StoreError
from fileexam.store.inspection_file import InspectionFile


@pytest.fixture
def moderated(area_file, tmp_path):
    own, refs = moderated_master(area_file, tmp_path)
    return area_file, own, refs


def _disagreement(master):
    return next(p for p in collect_pairs(master) if not p.agree and p.first == INSPECTOR)


def _other_value(q, value):
    return next(o.value for o in q.answer.scale.options if o.value != value)


# ---- queries in the master --------------------------------------------------------------------------------
def test_query__raised_listed_closed__each_state_with_who_and_when_and_audited(moderated):
    master, _, refs = moderated
    q = records.raise_query(master, refs[0], "PC01", INSPECTOR, "Was the VPS offered?", "Moderator")
    assert (q.state, q.raised_by) == ("open", "Moderator") and q.raised_at
    assert [x.id for x in records.queries(master, "open")] == [q.id]
    closed = records.close_query(master, q.id, "Moderator", "asked by phone")
    assert (closed.state, closed.closed_by, closed.close_note) == ("closed", "Moderator", "asked by phone")
    actions = [(a["action"], a["old_value"], a["new_value"]) for a in master.audit(refs[0]) if "query" in a["action"]]
    assert actions == [("query raised", None, "open"), ("query closed", "open", "closed")]
    with pytest.raises(StoreError, match="already closed"):
        records.close_query(master, q.id, "Moderator")


def test_query__on_someone_who_has_not_marked_the_case__refused_nothing_saved(moderated):
    master, _, refs = moderated
    with pytest.raises(StoreError, match="Z. Nobody has not marked case"):
        records.raise_query(master, refs[0], "PC01", "Z. Nobody", "?", "Moderator")
    with pytest.raises(Exception, match="empty"):
        records.raise_query(master, refs[0], "PC01", INSPECTOR, "   ", "Moderator")
    assert records.queries(master) == []


def test_signoff__open_query__refused_unless_forced(moderated):
    master, _, refs = moderated
    for case, question in open_work(master).unsettled:
        p = next(p for p in collect_pairs(master) if (p.case, p.question) == (case, question))
        master.settle(case, question, p.value1, "first reading stands", "Moderator")
    q = records.raise_query(master, refs[0], "PC01", INSPECTOR, "Was the VPS offered?", "Moderator")
    with pytest.raises(StoreError, match=r"1 query\(ies\) are open \(%d\)" % q.id):
        sign_off(master, "Moderator")
    assert not master.moderation_signed_off()
    work = sign_off(master, "Moderator", force_reason="the query goes to the annex")
    assert work.open_queries == [q.id] and "query(ies) are open" in master.audit()[-1]["reason"]


# ---- the whole loop, through files -------------------------------------------------------------------------
def test_loop__query_and_feedback_to_the_inspector_and_back(moderated, tmp_path):
    master, own, refs = moderated
    p = _disagreement(master)
    master.settle(p.case, p.question, p.value2, "the second reading is right: schedules not endorsed", "Moderator")
    queried = refs[1]
    with InspectionFile.open(own) as f:
        current = f.answers(queried, INSPECTOR)["PC02"].value
        new_value = _other_value(f.template.question_by_id["PC02"], current)
    q = records.raise_query(master, queried, "PC02", INSPECTOR, "Was the charge the right one?", "Moderator")

    written = {w.inspector: w for w in write_all(master, tmp_path / "feedback", "Moderator")}
    assert set(written) == {"A. Khan", "B. Evans", "C. Murphy", "D. Okafor"}
    book = written[INSPECTOR]
    assert book.path.name == "feedback-a-khan.xlsx" and book.queries == 1 and book.disagreements >= 1

    # the inspector opens it in their own file
    with InspectionFile.open(own) as f:
        opened = fi.open_feedback(f, book.path, INSPECTOR)
        kinds = [i.kind for i in opened.items]
        assert kinds.count("query") == 1 and kinds.count("disagreement") == book.disagreements
        item = next(i for i in opened.items if (i.case, i.question) == (p.case, p.question))
        assert item.row["reason"].startswith("the second reading is right")
        assert not item.read
        fi.mark_read(f, item, INSPECTOR)
        fi.reply(f, item, INSPECTOR, "Agreed: I missed the endorsement.")
        query_item = next(i for i in opened.items if i.kind == "query")
        fi.answer_query(f, query_item, INSPECTOR, "Checked again: the charge should have been lesser.", new_value)
        assert f.answers(queried, INSPECTOR)["PC02"].value == new_value
        assert f.status(queried, INSPECTOR).value == "complete"  # reopened for the change, complete again
        change = [a for a in f.audit(queried) if a["action"] == "answer" and a["question_id"] == "PC02"][-1]
        assert (change["old_value"], change["new_value"], change["reason"]) == (current, new_value,
                                                                                f"response to query {q.id}")
        # opened again: what was done is shown
        again = fi.open_feedback(f, book.path, INSPECTOR)
        assert {i.key for i in again.items if i.read} == {item.key, query_item.key}

    # the next export carries it back; the team lead merges it
    out = export_own(own, tmp_path / "khan-2.xlsx")
    data = read_exchange(out)
    assert data.about["format_version"] == "4" and data.problems == [] and len(data.feedback) == 2
    report = merge_workbooks(master, [out], "TL")
    assert not report.refused, report.refused[0].reasons
    [result] = report.workbooks
    assert result.updated == 1 and any(f"query {q.id} answered" in line for line in result.feedback)
    held = records.query(master, q.id)
    assert (held.state, held.answered_by, held.answer_before, held.answer_after) == ("answered", INSPECTOR,
                                                                                      current, new_value)
    assert held.reply.startswith("Checked again")
    assert master.answers(queried, INSPECTOR)["PC02"].value == new_value
    audit = [a for a in master.audit(queried) if a["question_id"] == "PC02"]
    assert any(a["action"] == "query answered" and f"response to query {q.id}" in a["reason"]
               and a["new_value"] == new_value for a in audit)
    assert any(a["action"] == "merge update" and a["new_value"] == new_value for a in audit)
    receipts = records.receipts(master, INSPECTOR)
    disagreement = receipts[("disagreement", p.case, p.question, 0, INSPECTOR)]
    assert disagreement.read_at and disagreement.reply == "Agreed: I missed the endorsement."
    assert disagreement.source == "khan-2.xlsx"
    assert report.queries == {"open": 0, "answered": 1, "closed": 0}

    # merging the same workbook again changes nothing; the moderator closes the query
    again = merge_workbooks(master, [out], "TL")
    assert again.workbooks[0].outcome == "unchanged" and again.workbooks[0].feedback == []
    records.close_query(master, q.id, "Moderator", "answer accepted")
    assert records.query(master, q.id).state == "closed"


def test_feedback_workbook__readable_by_a_person_and_hashed(moderated, tmp_path):
    master, _, refs = moderated
    records.raise_query(master, refs[0], "PC01", INSPECTOR, "=HYPERLINK(\"http://x\") was the VPS offered?",
                        "Moderator")
    [book] = [w for w in write_all(master, tmp_path, "Moderator") if w.inspector == INSPECTOR]
    wb = load_workbook(book.path)
    assert wb.sheetnames == ["About", "Disagreements", "Queries", "Calibration", "Profile", "Checks"]
    for ws in wb:
        assert ws.freeze_panes == "A2" and ws["A1"].font.b, ws.title
    queries = wb["Queries"]
    assert queries.column_dimensions["F"].width >= 40
    cell = queries["F2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")  # text, never a formula
    assert cell.alignment.wrap_text
    profile = {r[0]: r[1] for r in wb["Profile"].iter_rows(min_row=2, values_only=True)}
    assert "Share of your answers giving the top mark" in profile
    data = read_feedback(book.path)
    assert data.problems == [] and data.about["inspector"] == INSPECTOR


def test_cli__query_queries_close_feedback(moderated, tmp_path, capsys):
    master, _, refs = moderated
    path = master.path
    master.close()
    assert main(["moderation", "query", str(path), refs[0], "PC01", "--marker", INSPECTOR, "--text",
                 "was the VPS offered at the second appointment?", "--as", "Moderator"]) == 0
    assert "Query 1 raised" in capsys.readouterr().out
    assert main(["moderation", "queries", str(path), "--state", "open"]) == 0
    out = capsys.readouterr().out
    assert "open" in out and "was the VPS offered" in out and "raised by Moderator" in out
    assert main(["moderation", "feedback", str(path), "--out-dir", str(tmp_path / "fb"), "--as", "Moderator"]) == 0
    out = capsys.readouterr().out
    assert "feedback-a-khan.xlsx: " in out and "1 open query(ies)" in out
    assert main(["moderation", "signoff", str(path), "--as", "Moderator"]) == 1
    assert "query(ies) are open" in capsys.readouterr().err
    assert main(["moderation", "close-query", str(path), "1", "--note", "asked by phone", "--as", "Moderator"]) == 0
    assert "closed without an answer" in capsys.readouterr().out
    assert main(["moderation", "close-query", str(path), "7", "--as", "Moderator"]) == 1
    assert "no query 7" in capsys.readouterr().err


# ---- hostile Feedback sheets at the merge ---------------------------------------------------------------
@pytest.mark.parametrize("column, value, said", [
    ("query", "99", "there is no query 99 in the master"),
    ("marker", "B. Evans", "is not this workbook's marker"),
    ("kind", "praise", "is not a kind of feedback item"),
    ("replied_at", "yesterday", "is not a time"),
    ("answer_after", "brilliant", "is not on its scale"),
])
def test_merge__feedback_row_the_master_cannot_take__whole_workbook_refused_with_its_place(
        moderated, tmp_path, column, value, said):
    from test_merge_hostile import _resign

    master, own, refs = moderated
    q = records.raise_query(master, refs[1], "PC02", INSPECTOR, "Was the charge the right one?", "Moderator")
    [book] = [w.path for w in write_all(master, tmp_path / "fb", "Moderator") if w.inspector == INSPECTOR]
    with InspectionFile.open(own) as f:
        item = next(i for i in fi.open_feedback(f, book, INSPECTOR).items if i.kind == "query")
        current = f.answers(q.case, INSPECTOR)["PC02"].value
        fi.answer_query(f, item, INSPECTOR, "changed", _other_value(f.template.question_by_id["PC02"], current))
    out = export_own(own, tmp_path / "khan-2.xlsx")
    wb = load_workbook(out)
    ws = wb["Feedback"]
    header = [c.value for c in ws[1]]
    ws.cell(2, header.index(column) + 1).value = value
    _resign(wb)
    wb.save(out)
    answers_before = master.conn.execute("SELECT count(*), sum(revision) FROM answers").fetchone()
    [result] = merge_workbooks(master, [out], "TL").workbooks
    assert result.outcome == "refused"
    text = " ".join(result.reasons)
    assert said in text and "sheet 'Feedback', row 2" in text, text
    if column == "query":
        assert "error[exchange-feedback]" in text
    assert records.query(master, q.id).state == "open" and records.receipts(master) == {}
    assert master.conn.execute("SELECT count(*), sum(revision) FROM answers").fetchone() == answers_before


def test_exchange__version_3_workbook_without_feedback__still_read_and_merged(moderated, tmp_path):
    from conftest import ROOT
    older = sorted((ROOT / "exports/examples").glob("work-*.xlsx"))[0]
    data = read_exchange(older)
    assert data.about["format_version"] in ("1", "2", "3") and data.feedback == [] and data.problems == []


@pytest.mark.parametrize("edit, code, where", [
    (lambda wb: wb["Queries"].cell(2, 6, "=1+1"), "feedback-bad-cell", ("Queries", 2)),
    (lambda wb: wb["About"].append(["macro", "yes"]), "feedback-bad-cell", ("About", 19)),
    (lambda wb: wb["About"].cell(2, 2, "fileexam-exchange"), "feedback-not-ours", ("About", 2)),
    (lambda wb: wb.remove(wb["Profile"]), "feedback-sheet-missing", ("Profile", None)),
    (lambda wb: wb["Disagreements"].delete_rows(2), "feedback-count", ("About", None)),
    (lambda wb: wb["Queries"].cell(1, 3, "question"), "feedback-header", ("Queries", 1)),
    (lambda wb: wb["About"].cell(3, 2, "9"), "feedback-version", ("About", 3)),
    (lambda wb: wb["Queries"].cell(2, 6, "Nothing to see here"), "feedback-hash", ("About", None)),
])
def test_open_feedback__hostile_workbook__refused_with_code_and_place_nothing_saved(moderated, tmp_path, edit, code,
                                                                                     where):
    master, own, refs = moderated
    records.raise_query(master, refs[1], "PC02", INSPECTOR, "Was the charge the right one?", "Moderator")
    [book] = [w.path for w in write_all(master, tmp_path / "fb", "Moderator") if w.inspector == INSPECTOR]
    wb = load_workbook(book)
    edit(wb)
    wb.save(tmp_path / "edited.xlsx")
    with InspectionFile.open(own) as f:
        before = len(f.audit())
        with pytest.raises(ProblemsFound) as caught:
            fi.open_feedback(f, tmp_path / "edited.xlsx", INSPECTOR)
        assert len(f.audit()) == before and records.receipts(f) == {}
    first = caught.value.problems[0]
    assert first.code == code and (first.sheet, first.line) == where, first.format()


def test_answer_query__answered_twice__the_change_runs_from_the_first_answer(moderated, tmp_path):
    master, own, refs = moderated
    q = records.raise_query(master, refs[1], "PC02", INSPECTOR, "Was the charge the right one?", "Moderator")
    [book] = [w.path for w in write_all(master, tmp_path / "fb", "Moderator") if w.inspector == INSPECTOR]
    with InspectionFile.open(own) as f:
        item = next(i for i in fi.open_feedback(f, book, INSPECTOR).items if i.kind == "query")
        first = f.answers(q.case, INSPECTOR)["PC02"].value
        new = _other_value(f.template.question_by_id["PC02"], first)
        fi.answer_query(f, item, INSPECTOR, "changed it", new)
        r = fi.answer_query(f, item, INSPECTOR, "and on reflection I keep the change")
        assert (r.answer_before, r.answer_after, r.answer_changed) == (first, new, True)
        r = fi.answer_query(f, item, INSPECTOR, "back as it was", first)
        assert (r.answer_before, r.answer_after, r.answer_changed) == (None, None, False)
        assert r.reply == "back as it was"
        with pytest.raises(Exception, match="say what you found"):
            fi.answer_query(f, item, INSPECTOR, "  ")


def test_purge__a_purged_case_s_queries_and_replies_go_with_its_answers(moderated, tmp_path):
    master, _, refs = moderated
    q = records.raise_query(master, refs[1], "PC02", INSPECTOR, "Secret detail of the case?", "Moderator")
    records.save_receipt(master, records.Receipt("query", q.case, "PC02", q.id, INSPECTOR, "2026-01-01T00:00:00+00:00",
                                                 "Secret reply", "2026-01-01T00:00:00+00:00", None, None, False,
                                                 "2026-01-01T00:00:00+00:00", "k.xlsx"))
    result = master.purge("2100-01-01", "Records officer")
    assert result["cases"] >= 1
    assert records.queries(master) == [] and records.receipts(master) == {}
    data = master.path.read_bytes()
    assert b"Secret reply" not in data and b"Secret detail" not in data


def test_open_feedback__someone_else_s_or_another_inspection_s__refused(moderated, tmp_path):
    master, own, _ = moderated
    books = {w.inspector: w.path for w in write_all(master, tmp_path / "fb", "Moderator")}
    with InspectionFile.open(own) as f:
        with pytest.raises(ProblemsFound) as caught:
            fi.open_feedback(f, books["B. Evans"], INSPECTOR)
        assert [p.code for p in caught.value.problems] == ["feedback-wrong-inspector"]
    from fileexam.formats.feedback_workbook import read_feedback, write_feedback
    data = read_feedback(books[INSPECTOR])
    data.about["template_fingerprint"] = "0" * 16  # written under another template
    write_feedback(tmp_path / "other.xlsx", data)
    with InspectionFile.open(own) as f:
        with pytest.raises(ProblemsFound) as caught:
            fi.open_feedback(f, tmp_path / "other.xlsx", INSPECTOR)
    [problem] = caught.value.problems
    assert problem.code == "feedback-wrong-inspection" and "open it in the inspection it was written for" in \
        problem.message

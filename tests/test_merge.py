"""Merging exchange workbooks into a master: checked first, all or nothing, idempotent, conflicts kept."""

from __future__ import annotations

import random
import shutil
import sqlite3

import pytest
from openpyxl import load_workbook

from conftest import AREA_TEMPLATE, ROOT
from fileexam.cli import main
from fileexam.domain.cases import Status
from fileexam.services.demo import demo_answers
from fileexam.services.export import export_workbook
from fileexam.services.merge import merge_workbooks
from fileexam.services.sample import import_sample
from fileexam.store.inspection_file import InspectionFile

SAMPLE = ROOT / "exports/examples/area-sample.xlsx"


def inspector_file(tmp_path, name, template=AREA_TEMPLATE, n=4, complete=True, seed=1):
    """An inspector's own inspection: the sample imported, `n` of their cases scored."""
    path = tmp_path / f"{name}.fileexam"
    f = InspectionFile.create(path, template, "Area inspection 2026", name)
    assert import_sample(f, SAMPLE, name).imported
    rng = random.Random(seed)
    mine = [c for c in f.cases() if c.inspector == name][:n]
    for c in mine:
        for qid, value in demo_answers(f.template, c, rng).items():
            f.set_answer(c.reference, qid, name, value)
        if complete:
            assert f.mark_complete(c.reference, name).ok
    return f


def export(f, tmp_path, name):
    out = tmp_path / f"{name}.xlsx"
    export_workbook(f, out, name)
    return out


def snapshot(path):
    con = sqlite3.connect(path)
    try:
        return [con.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3").fetchall() for t in ("answers", "markings", "audit")]
    finally:
        con.close()


@pytest.fixture
def master(area_file):
    return area_file


def test_merge__new_work__answers_and_statuses_in_master(master, tmp_path):
    ak = inspector_file(tmp_path, "A. Khan")
    report = merge_workbooks(master, [export(ak, tmp_path, "A. Khan")], "TL")
    [w] = report.workbooks
    assert (w.outcome, w.new, w.updated, w.conflicts) == ("merged", 4, 0, [])
    for c in [c for c in ak.cases() if c.inspector == "A. Khan"][:4]:
        assert {q: a.value for q, a in master.answers(c.reference, "A. Khan").items()} == \
               {q: a.value for q, a in ak.answers(c.reference, "A. Khan").items()}
        assert master.status(c.reference, "A. Khan") is Status.COMPLETE
    assert master.merges()[-1]["outcome"] == "merged"


def test_merge__same_workbook_twice__changes_nothing(master, tmp_path):
    wb = export(inspector_file(tmp_path, "A. Khan"), tmp_path, "A. Khan")
    merge_workbooks(master, [wb], "TL")
    before = snapshot(master.path)
    [w] = merge_workbooks(master, [wb], "TL").workbooks
    assert (w.outcome, w.new, w.updated, w.unchanged) == ("unchanged", 0, 0, 4)
    assert snapshot(master.path) == before


def test_merge__tampered_workbook__refused_master_unchanged__unless_accepted(master, tmp_path):
    wb = export(inspector_file(tmp_path, "A. Khan"), tmp_path, "A. Khan")
    book = load_workbook(wb)
    cell = next(c for c in book["Answers"]["E"][1:] if c.value in ("fully", "partially"))  # a valid other answer
    cell.value = "not_met"
    book.save(wb)
    before = snapshot(master.path)
    [w] = merge_workbooks(master, [wb], "TL").workbooks
    assert w.outcome == "refused" and f"Answers rows {cell.row}" in " ".join(w.reasons)
    assert snapshot(master.path) == before
    [w] = merge_workbooks(master, [wb], "TL", accept_changed=True).workbooks
    assert w.outcome == "merged"
    assert master.audit()[-1]["action"] == "merge accepted changed workbook"


def test_merge__same_case_two_markers__conflict_reported_both_kept(master, tmp_path):
    ak = inspector_file(tmp_path, "A. Khan")
    ref = [c for c in ak.cases() if c.inspector == "A. Khan"][0].reference
    be = InspectionFile.create(tmp_path / "be.fileexam", AREA_TEMPLATE, "Area inspection 2026", "B. Evans")
    import_sample(be, SAMPLE, "B. Evans")
    be.set_answer(ref, "DI01", "B. Evans", "not_met")
    report = merge_workbooks(master, [export(ak, tmp_path, "A. Khan"), export(be, tmp_path, "B. Evans")], "TL")
    assert report.workbooks[1].conflicts == [(ref, "B. Evans", ["A. Khan"])]
    assert master.answers(ref, "B. Evans")["DI01"].value == "not_met"
    assert master.answers(ref, "A. Khan")  # the first marking is kept as it was


def test_merge__double_marked_case__no_conflict(master, tmp_path):
    ak = inspector_file(tmp_path, "A. Khan")
    ref = [c for c in ak.cases() if c.inspector == "A. Khan"][0].reference
    master.conn.execute("INSERT INTO double_marking VALUES (?, ?, ?)", [ref, "B. Evans", "2026-01-01"])
    be = InspectionFile.create(tmp_path / "be.fileexam", AREA_TEMPLATE, "Area inspection 2026", "B. Evans")
    import_sample(be, SAMPLE, "B. Evans")
    be.set_answer(ref, "DI01", "B. Evans", "not_met")
    report = merge_workbooks(master, [export(ak, tmp_path, "A. Khan"), export(be, tmp_path, "B. Evans")], "TL")
    assert report.workbooks[1].conflicts == []


def test_merge__newer_export_replaces__older_export_is_ignored(master, tmp_path):
    ak = inspector_file(tmp_path, "A. Khan", complete=False)
    first = export(ak, tmp_path, "A. Khan")
    shutil.copy(first, tmp_path / "first.xlsx")
    ref = [c for c in ak.cases() if c.inspector == "A. Khan"][0].reference
    old_value = ak.answers(ref, "A. Khan")["DI01"].value
    new_value = "partially" if old_value != "partially" else "fully"
    ak.set_answer(ref, "DI01", "A. Khan", new_value)
    ak.set_answer(ref, "DI02", "A. Khan", None)
    second = export(ak, tmp_path, "A. Khan")
    merge_workbooks(master, [tmp_path / "first.xlsx"], "TL")
    [w] = merge_workbooks(master, [second], "TL").workbooks
    assert (w.updated, w.unchanged) == (1, 3)
    held = master.answers(ref, "A. Khan")
    assert held["DI01"].value == new_value and "DI02" not in held
    actions = [(a["action"], a["question_id"]) for a in master.audit(ref)]
    assert ("merge update", "DI01") in actions and ("merge clear", "DI02") in actions
    [w] = merge_workbooks(master, [tmp_path / "first.xlsx"], "TL").workbooks
    assert w.older == 1 and master.answers(ref, "A. Khan")["DI01"].value == new_value


def modified_sets(tmp_path, old, new, set_file="pre-charge.yaml"):
    folder = tmp_path / "sets"
    shutil.copytree(ROOT / "question_sets", folder, ignore=shutil.ignore_patterns("schema", "*.md"))
    text = (folder / set_file).read_text()
    assert old in text
    (folder / set_file).write_text(text.replace(old, new))
    return folder / "area-inspection.yaml"


def test_merge__workbook_from_incomparable_version__refused_with_its_diff(master, tmp_path):
    template = modified_sets(tmp_path, "      - id: PC02\n        text: Did the prosecutor select the most appropriate charges?\n        answer: fully_partially_not",
                             "      - id: PC02\n        text: Did the prosecutor select the most appropriate charges?\n        answer: yes_no")
    other = inspector_file(tmp_path, "A. Khan", template=template)
    before = snapshot(master.path)
    [w] = merge_workbooks(master, [export(other, tmp_path, "A. Khan")], "TL").workbooks
    assert w.outcome == "refused"
    text = " ".join(w.reasons)
    assert "pre-charge" in text and "rescaled" in text and "PC02" in text
    assert snapshot(master.path) == before


def test_merge__workbook_from_compatible_version__merged(master, tmp_path):
    template = modified_sets(tmp_path, "Not met: the charges under-charged", "Not met: the charges plainly under-charged")
    other = inspector_file(tmp_path, "A. Khan", template=template)
    [w] = merge_workbooks(master, [export(other, tmp_path, "A. Khan")], "TL").workbooks
    assert w.outcome == "merged" and w.new == 4
    ref = [c for c in other.cases() if c.inspector == "A. Khan"][0].reference
    held = master.answers(ref, "A. Khan")
    # each answer keeps the fingerprint of the set version it was given under
    fp = master.conn.execute("SELECT DISTINCT v.fingerprint FROM answers a JOIN set_versions v ON v.id = a.set_version"
                              " WHERE v.set_id='pre-charge'").fetchall()
    assert fp == [(other.template.set_by_id["pre-charge"].fingerprint,)] and held


def test_merge__case_outside_the_sample__refused(tmp_path):
    small = InspectionFile.create(tmp_path / "small.fileexam", AREA_TEMPLATE, "Small", "TL")
    csv = tmp_path / "one.csv"
    lines = SAMPLE.with_suffix(".csv").read_text().splitlines()
    csv.write_text("\n".join(lines[:3]) + "\n")
    import_sample(small, csv, "TL")
    ak = inspector_file(tmp_path, "A. Khan")
    [w] = merge_workbooks(small, [export(ak, tmp_path, "A. Khan")], "TL").workbooks
    assert w.outcome == "refused" and "not in this inspection's sample" in w.reasons[0]
    assert small.count_answers() == 0


def test_coverage__lists_missing_cases_per_inspector_and_area(master, tmp_path):
    ak = inspector_file(tmp_path, "A. Khan", n=3)
    report = merge_workbooks(master, [export(ak, tmp_path, "A. Khan")], "TL")
    cov = report.coverage
    assert len(cov.cases) == 56 and len(cov.missing) == 53
    khan = next(g for g in cov.by_inspector if g.group == "A. Khan")
    assert (khan.expected, khan.complete, khan.missing) == (14, 3, 11)
    assert sum(g.expected for g in cov.by_area) == 56 and len(cov.by_area) == 14


def test_cli_merge__report_and_exit_codes(master, tmp_path, capsys):
    ak = export(inspector_file(tmp_path, "A. Khan"), tmp_path, "A. Khan")
    path = master.path
    master.close()
    assert main(["merge", str(path), str(ak), "--as", "TL"]) == 0
    out = capsys.readouterr().out
    assert "A. Khan.xlsx (A. Khan): merged — 4 new" in out and "Coverage: 4 of 56" in out
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")
    assert main(["merge", str(path), str(junk), "--as", "TL"]) == 1
    assert "junk.xlsx: REFUSED" in capsys.readouterr().out


def test_master_export__carries_the_merge_report_sheet(master, tmp_path):
    merge_workbooks(master, [export(inspector_file(tmp_path, "A. Khan"), tmp_path, "A. Khan")], "TL")
    export_workbook(master, tmp_path / "master.xlsx")
    wb = load_workbook(tmp_path / "master.xlsx")
    rows = list(wb["Merge report"].iter_rows(min_row=2, values_only=True))
    assert [(r[2], r[3], r[4], r[5]) for r in rows] == [("A. Khan.xlsx", "A. Khan", "merged", 4)]
    from fileexam.formats.exchange_workbook import read_exchange
    assert read_exchange(tmp_path / "master.xlsx").problems == []  # still a readable exchange workbook

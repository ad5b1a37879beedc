"""A merge writes its answers in its own transaction, never in a savepoint inside it: there SQLite journals
every upsert that may change a foreign key (answers.set_version) at a cost that grows with the file, which
made merging 30 workbooks quadratic (0.07 s for the first workbook's answers, 1.9 s for the thirtieth's;
benchmarks/run.py --merge-sizes 5 30 60 shows the time per workbook)."""

from pathlib import Path

from fileexam.services.merge import merge_workbooks

ROOT = Path(__file__).resolve().parent.parent


def test_the_answers_of_a_merge_are_not_written_in_a_savepoint(area_file):
    said: list[str] = []
    area_file.conn.set_trace_callback(said.append)
    try:
        report = merge_workbooks(area_file, sorted((ROOT / "exports/examples").glob("work-*.xlsx")), "TL")
    finally:
        area_file.conn.set_trace_callback(None)
    assert not report.refused and any(w.outcome == "merged" for w in report.workbooks)
    writes = [i for i, s in enumerate(said) if s.lstrip().upper().startswith("INSERT INTO ANSWERS")]
    assert writes, "no answers were written"
    for i in writes:
        begun = max(j for j in range(i) if said[j].upper().startswith(("BEGIN", "SAVEPOINT")))
        assert said[begun].upper().startswith("BEGIN IMMEDIATE"), said[begun]
    assert area_file.count_answers() > 0


def test_a_merge_audits_each_marking_it_brings_and_each_answer_it_changes(area_file, tmp_path):
    """New answers: one audit row for the marking, naming how many and the workbook; every answer a later
    merge changes or clears: its own row with the value it replaced."""
    books = sorted((ROOT / "exports/examples").glob("work-*.xlsx"))
    report = merge_workbooks(area_file, books, "TL")
    merged = [w for w in report.workbooks if w.outcome == "merged"]
    rows = [a for a in area_file.audit() if a["action"] == "merge"]
    markings = {(r, m) for r, m in area_file.answered_markings()}
    assert {(a["case_ref"], a["marker"]) for a in rows} == markings
    assert len(rows) == len(markings) and all(a["question_id"] is None for a in rows)
    for a in rows:
        held = len(area_file.answers(a["case_ref"], a["marker"]))
        assert a["new_value"] == f"{held} answer{'s' if held != 1 else ''}"
        assert a["reason"].startswith("merged from work-")
    assert len(merged) == len(books)

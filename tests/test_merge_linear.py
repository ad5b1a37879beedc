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

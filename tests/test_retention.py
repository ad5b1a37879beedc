"""Data retention: purge deletes answers, comments and audit detail of cases complete before a date, on the record."""

from __future__ import annotations

import pytest

from fileexam.cli import main
from fileexam.services.merge import merge_workbooks
from conftest import ROOT

EXAMPLES = sorted((ROOT / "exports/examples").glob("work-*.xlsx"))


def test_purge__complete_cases_before_the_date(area_file):
    merge_workbooks(area_file, EXAMPLES, "TL")
    area_file.conn.execute("UPDATE markings SET updated_at='2026-01-10T10:00:00+00:00'")
    done = [r for r, m in area_file.statuses() if area_file.statuses()[(r, m)].value == "complete"]
    started = next(c.reference for c in area_file.cases() if c.reference not in done)
    area_file.set_answer(started, "DI01", "D. Okafor", "fully", comment="still being marked")
    result = area_file.purge("2026-02-01", "Records officer")
    assert result["cases"] == len(set(done)) > 0 and result["answers"] > 0
    for ref in set(done):
        assert area_file.conn.execute("SELECT count(*) FROM answers WHERE case_ref=?", [ref]).fetchone()[0] == 0
        assert "defendant" not in area_file.case(ref).fields
        rows = area_file.audit(ref)
        assert rows and all(r["old_value"] is None and r["new_value"] is None and r["reason"] is None for r in rows)
    assert area_file.answers(started, "D. Okafor")["DI01"].comment == "still being marked"  # not complete: kept
    assert area_file.audit()[-1]["action"] == "purge"
    with pytest.raises(Exception, match="append-only"):  # the guard is back
        area_file.conn.execute("UPDATE audit SET who='x'")


def test_purge__nothing_before_the_date__nothing_changes(area_file):
    merge_workbooks(area_file, EXAMPLES, "TL")
    n = area_file.count_answers()
    assert area_file.purge("2000-01-01", "Records officer")["cases"] == 0
    assert area_file.count_answers() == n


def test_cli_purge__needs_confirmation(area_file, capsys):
    path = area_file.path
    area_file.close()
    assert main(["purge", str(path), "--before", "2099-01-01", "--as", "TL"]) == 1
    assert "--yes" in capsys.readouterr().err
    assert main(["purge", str(path), "--before", "31/12/2099", "--yes", "--as", "TL"]) == 1
    assert main(["purge", str(path), "--before", "2099-01-01", "--yes", "--as", "TL"]) == 0
    assert "Purged 0 case(s)" in capsys.readouterr().out

"""`fileexam report` runs SQLite's full integrity check beside its work (services/checked_behind.py): damage
only the full check finds still refuses the report, with the check's words, and leaves no workbook."""

import sqlite3

from fileexam.cli import main
from fileexam.store.file_check import integrity_problems


def _index_out_of_step(path) -> None:
    """An index whose entries no longer match its definition: quick_check passes it, integrity_check does not."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA writable_schema=ON")
    conn.execute("UPDATE sqlite_master SET sql='CREATE INDEX cases_by_inspector ON cases (reference)' "
                 "WHERE name='cases_by_inspector'")
    conn.commit()
    conn.close()


def test_report__damage_only_the_full_check_finds__refused_no_workbook(merged_file, tmp_path, capsys):
    path = merged_file.path
    merged_file.close()
    _index_out_of_step(path)
    assert integrity_problems(path, full=False) == [] and integrity_problems(path, full=True) != []
    out = tmp_path / "report.xlsx"
    capsys.readouterr()
    code = main(["report", str(path), str(out)])
    said = capsys.readouterr()
    assert code != 0
    assert "SQLite's check finds" in said.err and "Traceback" not in said.err + said.out
    assert "Wrote" not in said.out
    assert not out.exists() and not (tmp_path / "report.xlsx.part").exists()


def test_report__sound_file__written_after_the_check(merged_file, tmp_path, capsys):
    path = merged_file.path
    merged_file.close()
    out = tmp_path / "report.xlsx"
    assert main(["report", str(path), str(out)]) == 0
    assert out.is_file() and "case(s) counted" in capsys.readouterr().out
    assert list(tmp_path.glob("*.part")) == []

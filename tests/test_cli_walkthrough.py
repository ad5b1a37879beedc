"""The README's command-line walk-through, run for real: new → sample import → answer → status → export."""

from __future__ import annotations

import subprocess
import sys

from conftest import AREA_TEMPLATE, ROOT
from fileexam.cli import main
from fileexam.formats.exchange_workbook import read_exchange


def run(*args) -> int:
    return main([str(a) for a in args])


def test_walkthrough(tmp_path, capsys):
    f = tmp_path / "area.fileexam"
    assert run("user", "A. Khan") == 0
    assert run("new", f, "--template", AREA_TEMPLATE, "--name", "Area inspection 2026") == 0
    assert run("sample", "import", f, ROOT / "exports/examples/area-sample.xlsx") == 0
    assert "Imported 56 new case(s)" in capsys.readouterr().out
    ref = next(line.split(",")[0] for line in (ROOT / "exports/examples/area-sample.csv").read_text().splitlines()[1:]
               if line.endswith("A. Khan"))
    assert run("answer", f, ref, "DI01", "F", "--comment", "=looks like a formula") == 0
    assert run("complete", f, ref) == 1  # the completeness check lists what is missing
    assert "missing: DI02" in capsys.readouterr().out
    assert run("status", f) == 0
    out = capsys.readouterr().out
    assert "A. Khan" in out and "Cymru Wales" in out and "Crown Court" in out
    assert run("export", f, tmp_path / "ak.xlsx", "--marker", "A. Khan") == 0
    data = read_exchange(tmp_path / "ak.xlsx")
    assert data.problems == [] and data.answers[0][3:5] == ["DI01", "fully"]
    assert data.answers[0][6] == "=looks like a formula"


def test_sample_import__errors__exit_1_with_places(tmp_path, capsys):
    f = tmp_path / "area.fileexam"
    run("new", f, "--template", AREA_TEMPLATE, "--name", "X", "--as", "TL")
    bad = tmp_path / "s.csv"
    bad.write_text("URN,Area,Strand,Finalised or live,Charging decision by\n1,Wesex,Crown Court,Live,Police\n")
    assert run("sample", "import", f, bad, "--as", "TL") == 1
    out = capsys.readouterr()
    assert "s.csv, row 2, column 'Area': error[bad-value]: 'Wesex' is not a value of Area — did you mean 'Wessex'?" in out.out
    assert "Nothing imported" in out.err


def test_no_user__clear_message_not_a_prompt(tmp_path, capsys):
    assert run("new", tmp_path / "x.fileexam", "--template", AREA_TEMPLATE, "--name", "X") == 1
    assert "fileexam user" in capsys.readouterr().err


def test_bad_answer__one_line_message_exit_1(tmp_path, capsys):
    f = tmp_path / "area.fileexam"
    run("new", f, "--template", AREA_TEMPLATE, "--name", "X", "--as", "TL")
    run("sample", "import", f, ROOT / "exports/examples/area-sample.csv", "--as", "TL")
    capsys.readouterr()
    assert run("answer", f, "NOPE", "DI01", "F", "--as", "TL") == 1
    assert capsys.readouterr().err.startswith("fileexam: no case 'NOPE'")


def test_open_garbage__no_traceback(tmp_path):
    junk = tmp_path / "junk.fileexam"
    junk.write_bytes(b"\x00junk")
    proc = subprocess.run([sys.executable, "-m", "fileexam", "status", str(junk)], capture_output=True, text=True)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and "not an inspection file" in proc.stderr

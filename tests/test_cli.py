"""The command line: exit codes, output format, and docs that list every command."""

from __future__ import annotations

import re
import subprocess
import sys

from conftest import ROOT
from definition_cases import GOOD_SET
from fileexam.cli import COMMANDS, main


def test_validate__shipped_folder__exit_0(capsys):
    assert main(["validate", str(ROOT / "question_sets")]) == 0
    assert "6 file(s) checked: 0 error(s), 0 warning(s)" in capsys.readouterr().err


def test_validate__bad_file__exit_1_with_path_line_code(tmp_path, capsys):
    f = tmp_path / "demo.yaml"
    f.write_text(GOOD_SET.replace("answer: three", "answer: thre"))
    assert main(["validate", str(f)]) == 1
    out = capsys.readouterr().out
    line = GOOD_SET.splitlines().index("        answer: three") + 1
    assert re.search(rf"^{re.escape(str(f))}:{line}: error\[unknown-scale\]: unknown scale 'thre' — did you mean 'three'\?$",
                     out, re.M), out


def test_validate__warning_only__exit_0(tmp_path, capsys):
    f = tmp_path / "demo.yaml"
    f.write_text(GOOD_SET.replace("        guidance: Count calendar days.\n", ""))
    assert main(["validate", str(f)]) == 0
    assert "warning[no-guidance]" in capsys.readouterr().out


def test_validate__missing_path(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 1
    assert "error[path-missing]" in capsys.readouterr().out


def test_validate__folder_without_yaml(tmp_path, capsys):
    assert main(["validate", str(tmp_path)]) == 0
    assert "warning[no-yaml-files]" in capsys.readouterr().out


def test_diff__prints_changes_and_verdict(tmp_path, capsys):
    (tmp_path / "a.yaml").write_text(GOOD_SET)
    (tmp_path / "b.yaml").write_text(GOOD_SET.replace("weight: 2", "weight: 3").replace('"1.0"', '"1.1"'))
    assert main(["diff", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")]) == 0
    out = capsys.readouterr().out
    assert "scoring" in out and "Q4" in out and "NOT compatible" in out


def test_diff__invalid_input__exit_1_no_traceback(tmp_path, capsys):
    (tmp_path / "a.yaml").write_text(GOOD_SET)
    (tmp_path / "b.yaml").write_bytes(b"\x00\x01")
    assert main(["diff", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")]) == 1
    assert "file-binary" in capsys.readouterr().err


def test_console_script__runs_as_a_process():
    proc = subprocess.run([sys.executable, "-m", "fileexam", "validate", str(ROOT / "question_sets")],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr


def test_readme__documents_every_command():
    readme = (ROOT / "README.md").read_text()
    missing = [name for name in COMMANDS if f"fileexam {name}" not in readme]
    assert missing == []


def test_ci_run__runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci/run").read_text().strip().splitlines()[-1]
    assert f"    {ci}\n" in readme
    assert "QT_QPA_PLATFORM=offscreen" in ci


def test_mistyped_command__named_not_opened_as_a_file(capsys):
    import pytest
    with pytest.raises(SystemExit) as exc:
        main(["exprot", "x.fileexam"])
    assert exc.value.code == 2 and "'exprot' is not a command — did you mean 'export'?" in capsys.readouterr().err

"""Loading question sets and templates: every rule reports its code on the right line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from definition_cases import CASES, GOOD_SET, GOOD_TEMPLATE, LOADER_ONLY_CASES, Case
from fileexam.cli import main
from fileexam.domain.problems import CATALOGUE, Problem
from fileexam.formats.definitions import load_file
from fileexam.formats.yaml_source import MAX_BYTES


def write_case(case: Case, folder: Path) -> Path:
    for name, text in case.files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder / case.main


ALL_CASES = CASES + LOADER_ONLY_CASES


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.name for c in ALL_CASES])
def test_load__fixture__reports_its_code_and_line(case: Case, tmp_path):
    loaded = load_file(write_case(case, tmp_path))
    for p in loaded.problems:
        assert p.format()  # every problem renders: no parameter missing from its message
    if case.code is None:
        assert loaded.ok, [p.format() for p in loaded.problems]
        assert not loaded.problems, [p.format() for p in loaded.problems]
        return
    found = [(p.code, Path(p.path).name, p.line) for p in loaded.problems]
    assert (case.code, case.marked, case.line) in found, found
    if CATALOGUE[case.code].severity == "error":
        assert not loaded.ok and loaded.definition is None
    else:
        assert loaded.ok


def test_catalogue__every_code_is_exercised_by_a_test():
    # A code counts as tested when a fixture expects it or a test names it in quotes.
    sources = "\n".join(p.read_text() for p in Path(__file__).parent.glob("test_*.py"))
    covered = {c.code for c in ALL_CASES if c.code}
    untested = [code for code in CATALOGUE
                if code not in covered and not re.search(rf"[\"'\[]{re.escape(code)}[\"'\]]", sources)]
    assert untested == []


def test_catalogue__every_message_renders_without_its_parameters():
    # A caller that leaves a parameter out gets a message with a gap, never a KeyError.
    for code in CATALOGUE:
        assert Problem(code, "f.yaml", 1).format().startswith("f.yaml:1: ")


def test_catalogue__a_parameter_that_cannot_be_shown__still_renders():
    p = Problem("wrong-type", "f.yaml", 1, params={"key": "x", "expected": "text", "got": 16 ** 5000})
    assert p.format().startswith("f.yaml:1: error[wrong-type]: 'x' must be text")


@pytest.mark.parametrize("lines, code", [
    ("      - {value: fair, label: Fair, points: 1e400, key: F}   # <-", "wrong-type"),
    ("      - {value: fair, label: Fair, points: .nan, key: F}   # <-", "number-out-of-range"),
    ("      - {value: fair, label: Fair, points: .inf, key: F}   # <-", "number-out-of-range"),
    ("      - {value: fair, label: Fair, points: 1, key: F}\n      - ? [a, b]   # <-\n        : 1", "complex-key"),
], ids=["1e400", "nan", "inf", "complex key"])
def test_validate__issue_examples__say_file_line_and_code_not_unexpected_error(tmp_path, capsys, lines, code):
    text = GOOD_SET.replace("      - {value: fair, label: Fair, points: 1, key: F}", lines)
    at = next(i for i, ln in enumerate(text.splitlines(), start=1) if "# <-" in ln)
    f = tmp_path / "demo.yaml"
    f.write_text(text)
    assert main(["validate", str(f)]) == 1
    out = capsys.readouterr()
    assert "unexpected error" not in out.out + out.err
    assert f"{f}:{at}: error[{code}]: " in out.out, out.out


def test_read__huge_file__refused_before_parsing(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# " + b"x" * (MAX_BYTES + 10))
    loaded = load_file(big)
    assert [p.code for p in loaded.problems] == ["file-too-large"]


def test_read__binary_file(tmp_path):
    f = tmp_path / "b.yaml"
    f.write_bytes(b"kind: question-set\n\x00\x01\x02")
    assert [p.code for p in load_file(f).problems] == ["file-binary"]


def test_read__latin1_file__says_line(tmp_path):
    f = tmp_path / "l.yaml"
    f.write_bytes(GOOD_SET.replace("Was it done?", "Was it d\xf6ne?").encode("latin-1"))
    problems = load_file(f).problems
    assert [(p.code, p.line) for p in problems] == [("file-not-utf8", GOOD_SET.splitlines().index("        text: Was it done?") + 1)]


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_read__empty_and_comment_only(tmp_path, text):
    f = tmp_path / "e.yaml"
    f.write_text(text)
    assert [p.code for p in load_file(f).problems] == ["file-empty"]


def test_read__folder_given_as_file(tmp_path):
    assert [p.code for p in load_file(tmp_path).problems] == ["file-unreadable"]


def test_read__billion_laughs__refused_quickly(tmp_path):
    lines = ["kind: question-set", 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i-1}"] * 9) + "]")
    f = tmp_path / "bomb.yaml"
    f.write_text("\n".join(lines) + "\n")
    assert [p.code for p in load_file(f).problems] == ["yaml-alias"]


def test_load__all_problems_collected_before_failing(tmp_path):
    text = GOOD_SET.replace('version: "1.0"', "version: 1.0").replace("answer: three", "answer: thre") \
        .replace("weight: 2", "weight: -1")
    f = tmp_path / "demo.yaml"
    f.write_text(text)
    codes = sorted(p.code for p in load_file(f).problems)
    assert codes == ["bad-weight", "unknown-scale", "wrong-type"]


def test_load__unknown_scale__suggests_the_right_one(tmp_path):
    f = tmp_path / "demo.yaml"
    f.write_text(GOOD_SET.replace("answer: fully_partially_not", "answer: fpn"))
    [p] = load_file(f).problems
    assert p.code == "unknown-scale" and "did you mean 'fully_partially_not'?" in p.message
    assert p.question == "Q4"


def test_load__boolean_where_text_belongs__says_write_it_in_quotes(tmp_path):
    f = tmp_path / "demo.yaml"
    f.write_text(GOOD_SET.replace("{answer: Q1, is: \"yes\"}", "{answer: Q1, is: yes}"))
    [p] = load_file(f).problems
    assert p.code == "wrong-type" and 'write it in quotes, "yes"' in p.message


def test_load__good_template__builds_the_domain(tmp_path):
    (tmp_path / "demo.yaml").write_text(GOOD_SET)
    (tmp_path / "t.yaml").write_text(GOOD_TEMPLATE)
    t = load_file(tmp_path / "t.yaml").definition
    assert [s.id for s in t.question_sets] == ["demo"]
    assert [q.id for q in t.questions] == ["Q1", "Q2", "Q3", "Q4", "Q5"]
    assert t.reporting.double_mark_share == pytest.approx(0.10)
    assert [q.id for q in t.composite_members("grip")] == ["Q2"]
    assert [q.id for q in t.composite_members("added_value")] == ["Q4"]
    q3 = t.question_by_id["Q3"]
    assert (q3.answer.minimum, q3.answer.maximum, q3.answer.integer) == (0, 365, True)
    assert q3.scores == ()  # a number earns no points, so it feeds no theme score by default

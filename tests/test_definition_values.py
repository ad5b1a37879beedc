"""Odd YAML values in every setting of a question set and a template: located problems, never an exception.

Each setting of the block-style files below is on a line of its own, so a test can put any YAML
scalar (or a small collection) in its place, or add a complex key beside it.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from fileexam.domain.problems import CATALOGUE
from fileexam.formats.definitions import load_file
from fileexam.services.definitions import validate

BLOCK_SET = """\
kind: question-set
id: demo
title: Demo
version: "1.0"
description: A demo
scales:
  three:
    label: Three points
    options:
      - value: good
        label: Good
        points: 2
        key: G
      - value: poor
        label: Poor
        points: 0
        key: P
      - value: na
        label: Not applicable
        key: A
sections:
  - id: s1
    title: First
    description: The first
    questions:
      - id: Q1
        text: Was it done?
        answer: yes_no
        guidance: Yes when it was done.
        required: true
        comment: true
        weight: 1
      - id: Q2
        text: How well?
        answer: three
        scores: theme
        weight: 2
        guidance: Good or poor.
        applies_when:
          answer: Q1
          is: "yes"
      - id: Q3
        text: Days taken
        guidance: Count calendar days.
        answer:
          type: number
          minimum: 0
          maximum: 365
          integer: true
      - id: Q4
        text: Orders
        guidance: Tick each.
        required: false
        answer:
          type: choices
          options:
            - value: ro
              label: Restraining order
  - id: s2
    title: Crown Court only
    applies_when:
      field: strand
      in:
        - crown_court
    questions:
      - id: Q5
        text: Ready?
        scores:
          - theme
        answer:
          scale: fully_partially_not
        guidance: Fully when served.
"""

BLOCK_TEMPLATE = """\
kind: inspection-template
id: demo-inspection
title: Demo inspection
version: "1.0"
description: A demo
reference_label: URN
question_sets:
  - demo.yaml
case_fields:
  - id: strand
    label: Strand
    type: choice
    required: true
    export: true
    editable: true
    description: The strand
    values:
      - value: magistrates
        label: Magistrates' courts
      - value: crown_court
        label: Crown Court
  - id: area
    type: choice
    values:
      - North
      - South
composites:
  - id: grip
    label: Grip
    description: Grip
    questions:
      - Q2
reporting:
  area_field: area
  strand_field: strand
  direction_threshold_pp: 1.0
  double_mark_share: 10%
  few_cases: 10
"""

SETTING = re.compile(r"^(\s*(?:- )?)([A-Za-z_]+): (\S.*)$")  # key: value
LIST_ITEM = re.compile(r"^(\s*- )([^:\s][^:]*)$")           # - value
KEY_LINE = re.compile(r"^(\s*)(?:- )?[A-Za-z_]+:")          # any line that opens with a key


def _lines(text: str, pattern: re.Pattern) -> list[int]:
    return [i for i, ln in enumerate(text.splitlines()) if pattern.match(ln)]


SET_VALUES = _lines(BLOCK_SET, SETTING) + _lines(BLOCK_SET, LIST_ITEM)
TEMPLATE_VALUES = _lines(BLOCK_TEMPLATE, SETTING) + _lines(BLOCK_TEMPLATE, LIST_ITEM)


def _yaml_scalar(value) -> str:
    """The YAML text of a Python value, as a flow scalar on one line."""
    return yaml.safe_dump(value, default_flow_style=True, width=10**9).removesuffix("\n...\n").strip()


ODD_TEXT = [
    ".nan", ".NaN", ".inf", "-.inf", "+.Inf", "1e400", "1.0e+400", "-1.0e+400", "9" * 400, "9" * 5000,
    "0x" + "f" * 2000, "-" + "9" * 30, "0", "-1", "0.0", "1_000", "0b1", "0o7", "190:20:30", "1001", "-0.5",
    "true", "yes", "no", "on", "off", "~", "null", "2026-01-01", "2026-13-45", "2026-01-01 10:00:00",
    "!!binary aGk=", "!!int abc", "!!float x", "!!bool maybe", "!!timestamp x", "!!null x", "!!str 1", "!foo x",
    "!!int ''", "!!set {a, b}", "!!omap [{a: 1}]", "[]", "{}", "[[[[1]]]]", "[a, [b, [c]]]", "{? [a, b]: 1}",
    "{[a]: 1}", "{a: {b: {c: .nan}}}", "[.nan, .inf]", "'x'", '"\\0"', '"/"', '".."', "=", "<<",
    "[" * 120 + "]" * 120, "'" + "a" * 300 + "'",
]
ODD_VALUES = st.one_of(
    st.sampled_from(ODD_TEXT),
    st.floats().map(_yaml_scalar),
    st.integers(min_value=-10**500, max_value=10**500).map(_yaml_scalar),
    st.booleans().map(_yaml_scalar),
    st.dates().map(_yaml_scalar),
    st.datetimes().map(_yaml_scalar),
    st.none().map(_yaml_scalar),
    st.text(max_size=12).map(_yaml_scalar),
    st.lists(st.one_of(st.integers(), st.text(max_size=3), st.floats()), max_size=3).map(_yaml_scalar),
)
FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _replace(text: str, index: int, value: str) -> str:
    lines = text.splitlines()
    m = SETTING.match(lines[index])
    lines[index] = f"{m.group(1)}{m.group(2)}: {value}" if m else LIST_ITEM.match(lines[index]).group(1) + value
    return "\n".join(lines) + "\n"


def _check(folder: Path, main: str) -> None:
    """What `fileexam validate` does, and the promise: coded, located problems; a sane definition when ok."""
    report = validate([folder / main])
    for p in report.problems:
        assert p.code in CATALOGUE
        assert p.line is not None, p.format()
        assert p.format()
    loaded = load_file(folder / main)
    if loaded.ok:
        _assert_sane(loaded.definition)


def _assert_sane(definition) -> None:
    sets = getattr(definition, "question_sets", None) or (definition,)
    for qs in sets:
        for q in qs.questions:
            assert 0 < q.weight <= 1000
            for bound in (q.answer.minimum, q.answer.maximum):
                assert bound is None or math.isfinite(bound)
            scale = q.answer.scale
            for o in scale.options if scale else ():
                assert o.points is None or 0 <= o.points <= 1000
            for text in (q.id, q.text, q.guidance, *q.scores):
                assert isinstance(text, str)
    reporting = getattr(definition, "reporting", None)
    if reporting is not None:
        assert 0 <= reporting.direction_threshold_pp <= 100
        assert 0 <= reporting.double_mark_share <= 1
        assert isinstance(reporting.few_cases, int) and reporting.few_cases >= 0


def test_block_files__are_valid(tmp_path):
    (tmp_path / "demo.yaml").write_text(BLOCK_SET)
    (tmp_path / "t.yaml").write_text(BLOCK_TEMPLATE)
    for name in ("demo.yaml", "t.yaml"):
        loaded = load_file(tmp_path / name)
        assert loaded.ok and not loaded.problems, [p.format() for p in loaded.problems]


@FAST
@given(st.sampled_from(SET_VALUES), ODD_VALUES)
def test_question_set__odd_value_in_any_setting__coded_located_problems(tmp_path_factory, index, value):
    folder = tmp_path_factory.mktemp("q")
    (folder / "demo.yaml").write_text(_replace(BLOCK_SET, index, value))
    _check(folder, "demo.yaml")


@FAST
@given(st.sampled_from(TEMPLATE_VALUES), ODD_VALUES)
def test_template__odd_value_in_any_setting__coded_located_problems(tmp_path_factory, index, value):
    folder = tmp_path_factory.mktemp("t")
    (folder / "demo.yaml").write_text(BLOCK_SET)
    (folder / "t.yaml").write_text(_replace(BLOCK_TEMPLATE, index, value))
    _check(folder, "t.yaml")


COMPLEX_KEYS = ["[a, b]", "{a: 1}", "[]", "{}", "[[x]]"]


@FAST
@given(st.booleans(), st.data())
def test_complex_key_anywhere__reported_on_its_line(tmp_path_factory, in_template, data):
    text = BLOCK_TEMPLATE if in_template else BLOCK_SET
    lines = text.splitlines()
    index = data.draw(st.sampled_from(_lines(text, KEY_LINE)))
    key = data.draw(st.sampled_from(COMPLEX_KEYS))
    prefix = re.match(r"^\s*(?:- )?", lines[index]).group(0)
    at = index + 1 if prefix.endswith("- ") else index  # into the same mapping as the key on `index`
    lines[at:at] = [f"{' ' * len(prefix)}? {key}", f"{' ' * len(prefix)}: 1"]
    folder = tmp_path_factory.mktemp("k")
    (folder / "demo.yaml").write_text(BLOCK_SET if in_template else "\n".join(lines) + "\n")
    main = "t.yaml" if in_template else "demo.yaml"
    if in_template:
        (folder / "t.yaml").write_text("\n".join(lines) + "\n")
    _check(folder, main)
    found = [(p.code, p.line) for p in load_file(folder / main).problems]
    assert ("complex-key", at + 1) in found, found

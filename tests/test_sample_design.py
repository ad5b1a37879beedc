"""Sample designs as YAML (issue 18): the shipped design is valid, points at its JSON Schema and passes it;
`fileexam validate` checks designs like any other definition; the template's exclusion reasons."""

from __future__ import annotations

import json

import jsonschema
import yaml

from conftest import AREA_TEMPLATE, ROOT
from fileexam.cli import main
from fileexam.formats.definitions import load_design, load_file
from sample_helpers import DESIGN


class _NoDates(yaml.SafeLoader):
    """YAML as an editor's schema check reads it (YAML 1.2: an unquoted date is text)."""


_NoDates.yaml_implicit_resolvers = {k: [r for r in v if r[0] != "tag:yaml.org,2002:timestamp"]
                                    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def test_shipped_design__valid__points_at_its_schema__which_accepts_it():
    loaded = load_design(DESIGN)
    assert loaded.ok and loaded.problems == [], [p.format() for p in loaded.problems]
    d = loaded.definition
    assert (d.strata, len(d.quotas), [r.id for r in d.rules]) == (
        ("area", "strand", "stage"), 2,
        ["finalised-window", "commenced-after-baseline", "no-rasso", "live-still-live", "live-progressed"])
    text = DESIGN.read_text()
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../schema/sample-design.schema.json"
    schema = json.loads((ROOT / "question_sets/schema/sample-design.schema.json").read_text())
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(yaml.load(text, Loader=_NoDates))) == []


def test_design__fingerprint_blind_to_comments_and_order_not_to_content(tmp_path):
    from sample_helpers import write_design
    text = DESIGN.read_text().replace("../area-inspection.yaml", "area-inspection.yaml")
    a = load_design(write_design(tmp_path, text, "a.yaml")).definition
    b = load_design(write_design(tmp_path, "# a comment\n" + text.replace("seed: 20250301\n", "")
                                 .replace("strata: [area", "seed: 20250301\nstrata: [area"), "b.yaml")).definition
    c = load_design(write_design(tmp_path, text.replace("cases: 30", "cases: 31"), "c.yaml")).definition
    assert a.fingerprint == b.fingerprint != c.fingerprint


def test_validate__accepts_a_design_and_says_where_a_broken_one_is_wrong(tmp_path, capsys):
    assert main(["validate", str(DESIGN)]) == 0
    assert "1 file(s) checked: 0 error(s), 0 warning(s)" in capsys.readouterr().err
    from sample_helpers import write_design
    broken = write_design(tmp_path, DESIGN.read_text().replace("../area-inspection.yaml", "area-inspection.yaml")
                          .replace("strata: [area, strand, stage]", "strata: [area, strand, stgae]"), "broken.yaml")
    assert main(["validate", str(broken)]) == 1
    out = capsys.readouterr().out
    line = next(i for i, ln in enumerate(broken.read_text().splitlines(), start=1) if ln.startswith("strata:"))
    assert f"{broken}:{line}: error[unknown-field]: unknown case field 'stgae' — did you mean 'stage'?" in out


def test_a_design_is_not_a_template__and_a_template_is_not_a_design(tmp_path, capsys):
    assert main(["new", str(tmp_path / "x.fileexam"), "--template", str(DESIGN), "--name", "X", "--as", "TL"]) == 1
    assert "is a sample-design, not an inspection template" in capsys.readouterr().err
    loaded = load_design(AREA_TEMPLATE)
    assert loaded.definition is None and "unknown-kind" in {p.code for p in loaded.problems}


def test_template__exclusion_reasons__the_shipped_four_or_the_default():
    t = load_file(AREA_TEMPLATE).definition
    assert [(o.value, o.label) for o in t.exclusion_reasons] == [
        ("file_unavailable", "File unavailable"), ("file_deleted", "File deleted"),
        ("wrong_case_type", "Wrong case type"), ("not_progressed", "Not live or not sufficiently progressed")]
    from definition_cases import GOOD_TEMPLATE
    assert "exclusion_reasons" not in GOOD_TEMPLATE  # a template without them: the same four by default

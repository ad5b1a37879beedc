"""The JSON Schemas stay in step with the loader, for the shipped files and every fixture."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import ROOT
from definition_cases import CASES, Case
from fileexam.formats.definitions import load_file

SCHEMAS = {
    "question-set": json.loads((ROOT / "question_sets/schema/question-set.schema.json").read_text()),
    "inspection-template": json.loads((ROOT / "question_sets/schema/inspection-template.schema.json").read_text()),
    "sample-design": json.loads((ROOT / "question_sets/schema/sample-design.schema.json").read_text()),
}
SHIPPED = sorted((ROOT / "question_sets").glob("*.yaml"))


def schema_errors(text: str) -> list[str] | None:
    """Schema errors for a YAML text; None when YAML itself cannot load it (the schema never sees it)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    kind = data.get("kind") if isinstance(data, dict) else None
    schema = SCHEMAS.get(kind, SCHEMAS["question-set"])
    validator = jsonschema.Draft202012Validator(schema)
    return [e.message for e in validator.iter_errors(data)]


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_schema__shipped_file__accepted_and_points_at_schema(path: Path):
    text = path.read_text()
    assert schema_errors(text) == []
    assert load_file(path).ok
    first = text.splitlines()[0]
    kind = yaml.safe_load(text)["kind"]
    assert first == f"# yaml-language-server: $schema=schema/{kind}.schema.json"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_schema__fixture__agrees_with_loader(case: Case, tmp_path):
    for name, text in case.files.items():
        (tmp_path / name).write_text(text)
    for name, text in case.files.items():
        errors = schema_errors(text)
        if errors is None:
            continue
        if load_file(tmp_path / name).ok:
            assert errors == [], f"{name}: the schema rejects what the loader accepts: {errors}"
        elif name == case.marked and case.schema:
            assert errors, f"the schema should reject {case.name}"

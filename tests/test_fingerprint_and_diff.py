"""Fingerprints follow content, not layout; diff names each change and whether answers stay comparable."""

from __future__ import annotations

import pytest

from definition_cases import GOOD_SET
from fileexam.formats.definitions import load_file
from fileexam.services.definitions import diff_files
from fileexam.domain.problems import ProblemsFound


def load_set(tmp_path, text, name="demo.yaml"):
    f = tmp_path / name
    f.write_text(text)
    loaded = load_file(f)
    assert loaded.ok, [p.format() for p in loaded.problems]
    return loaded.definition


REORDERED_KEYS = GOOD_SET.replace(
    "      - id: Q1\n        text: Was it done?\n        answer: yes_no\n        guidance: Yes when it was done.\n",
    "      # a comment added\n      - guidance:   Yes when it was done.\n        answer: yes_no\n"
    "        id: Q1\n\n        text: 'Was it done?'\n",
).replace('kind: question-set\nid: demo\n', 'id: demo\nkind: question-set\n')


def test_fingerprint__same_under_key_order_comments_whitespace_and_quoting(tmp_path):
    assert REORDERED_KEYS != GOOD_SET
    assert load_set(tmp_path, GOOD_SET).fingerprint == load_set(tmp_path, REORDERED_KEYS, "b.yaml").fingerprint


def test_fingerprint__explicit_defaults_do_not_change_it(tmp_path):
    explicit = GOOD_SET.replace("        guidance: Count calendar days.\n",
                                "        guidance: Count calendar days.\n        required: true\n        weight: 1\n")
    assert load_set(tmp_path, GOOD_SET).fingerprint == load_set(tmp_path, explicit, "b.yaml").fingerprint


@pytest.mark.parametrize("old, new", [
    ("text: Was it done?", "text: Was it finished?"),
    ("label: Good, points: 2", "label: Good, points: 3"),
    ("{value: poor, label: Poor,", "{value: bad, label: Poor,"),
    ("applies_when: {answer: Q1, is: \"yes\"}", "applies_when: {answer: Q1, is: \"no\"}"),
    ("scores: [theme, grip]", "scores: [theme]"),
    ("weight: 2", "weight: 3"),
    ("guidance: Good, fair or poor.", "guidance: Good or poor."),
    ("maximum: 365", "maximum: 366"),
    ("{field: strand, is: crown_court}", "{field: strand, is: magistrates}"),
])
def test_fingerprint__changes_with_any_content_change(tmp_path, old, new):
    assert old in GOOD_SET
    changed = GOOD_SET.replace(old, new)
    assert load_set(tmp_path, GOOD_SET).fingerprint != load_set(tmp_path, changed, "b.yaml").fingerprint


def diff_of(tmp_path, new_text, old_text=GOOD_SET):
    (tmp_path / "old.yaml").write_text(old_text)
    (tmp_path / "new.yaml").write_text(new_text)
    return diff_files(tmp_path / "old.yaml", tmp_path / "new.yaml")


def kinds(d):
    return {(c.kind, c.question, c.comparable) for c in d.changes}


def test_diff__reworded_and_moved__comparable(tmp_path):
    moved = GOOD_SET.replace("text: Was it done?", "text: Was it completed?")
    q1 = "      - id: Q1\n        text: Was it completed?\n        answer: yes_no\n        guidance: Yes when it was done.\n"
    assert q1 in moved
    moved = moved.replace(q1, "").replace("      - id: Q5\n", q1 + "      - id: Q5\n")
    moved = moved.replace("applies_when: {answer: Q1, is: \"yes\"}", "applies_when: {answer: Q3, is: \"x\"}")
    # Q2 must not depend on a later Q1 now; drop its condition to keep the set valid.
    moved = moved.replace("        applies_when: {answer: Q3, is: \"x\"}\n", "")
    moved = moved.replace('version: "1.0"', 'version: "1.1"')
    d, warnings = diff_of(tmp_path, moved)
    assert ("reworded", "Q1", True) in kinds(d)
    assert ("moved", "Q1", True) in kinds(d)
    assert ("applicability", "Q2", False) in kinds(d)
    assert not d.compatible
    assert warnings == []


def test_diff__added_removed_rescaled_scoring(tmp_path):
    new = GOOD_SET.replace("      - id: Q3\n        text: Days taken\n", "      - id: Q6\n        text: Days taken\n")
    new = new.replace("{value: poor, label: Poor, points: 0, key: P}", "{value: bad, label: Poor, points: 0, key: P}")
    new = new.replace("weight: 2", "weight: 3").replace('version: "1.0"', 'version: "2.0"')
    d, _ = diff_of(tmp_path, new)
    k = kinds(d)
    assert ("added", "Q6", True) in k and ("removed", "Q3", False) in k
    assert ("rescaled", "Q2", False) in k
    assert ("scoring", "Q4", False) in k
    assert not d.compatible


def test_diff__guidance_and_labels_only__compatible(tmp_path):
    new = GOOD_SET.replace("guidance: Good, fair or poor.", "guidance: Good, fair or poor, judged on the file.")
    new = new.replace("{value: good, label: Good,", "{value: good, label: Very good,").replace('"1.0"', '"1.0.1"')
    d, warnings = diff_of(tmp_path, new)
    assert kinds(d) == {("guidance", "Q2", True), ("relabelled", "Q2", True)}
    assert d.compatible and warnings == []


def test_diff__content_changed_version_not__warns(tmp_path):
    d, warnings = diff_of(tmp_path, GOOD_SET.replace("text: Was it done?", "text: Was it finished?"))
    assert [w.code for w in warnings] == ["version-unchanged"]


def test_diff__identical__no_changes_no_warning(tmp_path):
    d, warnings = diff_of(tmp_path, REORDERED_KEYS)
    assert d.changes == () and warnings == [] and not d.content_changed


def test_diff__two_different_sets__refused(tmp_path):
    with pytest.raises(ProblemsFound) as exc:
        diff_of(tmp_path, GOOD_SET.replace("id: demo\n", "id: other\n"))
    assert [p.code for p in exc.value.problems] == ["different-sets"]

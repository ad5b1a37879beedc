"""A copy of the shipped Area template with a `moderation:` block (standardisation, targets) added."""

from __future__ import annotations

import shutil

from conftest import ROOT

MODERATION = """
moderation:
  standardisation:
    pass: {exact: 80%, within_one: 95%}
  targets: {agreement: 80%, kappa: 0.6, lowest: 3}
"""


def moderated_template(tmp_path, block: str = MODERATION):
    folder = tmp_path / "sets"
    if not folder.exists():
        shutil.copytree(ROOT / "question_sets", folder, ignore=shutil.ignore_patterns("schema", "*.md", "designs"))
    path = folder / "area-inspection.yaml"
    path.write_text((ROOT / "question_sets" / "area-inspection.yaml").read_text() + block)
    return path

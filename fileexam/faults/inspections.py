"""What the fault runs start from: the shipped Area template and its example sample (under the repository
root, ROOT), and a fresh inspection made from them."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATE = ROOT / "question_sets" / "area-inspection.yaml"
SAMPLE = ROOT / "exports" / "examples" / "area-sample.xlsx"


def _new_inspection(path: Path, name: str) -> Path:
    """A fresh inspection from the Area template with the example sample imported."""
    from fileexam.services.sample import import_sample
    from fileexam.store.inspection_file import InspectionFile

    with InspectionFile.create(path, TEMPLATE, name, "crash") as f:
        import_sample(f, SAMPLE, "crash")
    return path

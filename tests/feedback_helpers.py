"""A master with double marking and an inspector's own file, as the feedback tests need them (issue 17):
A. Khan marks her allocation in her own file and exports; the team lead merges it into the master; D. Okafor
marks four of her cases again, blind; so the master has disagreements on A. Khan's answers."""

from __future__ import annotations

import random
from pathlib import Path

from conftest import AREA_TEMPLATE, ROOT
from fileexam.services.demo import demo_answers
from fileexam.services.export import export_workbook
from fileexam.services.merge import merge_workbooks
from fileexam.services.moderation import allocate, collect_pairs
from fileexam.services.sample import import_sample
from fileexam.store.inspection_file import InspectionFile
from test_moderation import second_marking

INSPECTOR = "A. Khan"


def inspector_file(tmp_path: Path, name: str = INSPECTOR, seed: int = 11) -> Path:
    """The inspector's own file: the sample imported, their allocation answered and complete."""
    path = tmp_path / f"own-{name.replace(' ', '').replace('.', '')}.fileexam"
    with InspectionFile.create(path, AREA_TEMPLATE, "Area inspection 2026", name) as f:
        assert import_sample(f, ROOT / "exports/examples/area-sample.xlsx", name).imported
        rng = random.Random(seed)
        for c in f.cases():
            if c.inspector != name:
                continue
            for qid, value in demo_answers(f.template, c, rng).items():
                f.set_answer(c.reference, qid, name, value)
            assert f.mark_complete(c.reference, name).ok
    return path


def export_own(path: Path, out: Path, name: str = INSPECTOR) -> Path:
    with InspectionFile.open(path) as f:
        export_workbook(f, out, name)
    return out


def moderated_master(master: InspectionFile, tmp_path: Path) -> tuple[Path, list[str]]:
    """Merge A. Khan's own export into the master, then have four of her cases marked again by D. Okafor
    (never agreeing). Returns A. Khan's file and the double-marked cases."""
    own = inspector_file(tmp_path)
    report = merge_workbooks(master, [export_own(own, tmp_path / "khan-1.xlsx")], "TL")
    assert not report.refused, report.refused[0].reasons
    refs = [c.reference for c in master.cases() if c.inspector == INSPECTOR][:4]
    allocate(master, "TL", named=[(r, "D. Okafor") for r in refs])
    (tmp_path / "second").mkdir()
    second_marking(master, tmp_path / "second", agree=0.0)
    assert any(not p.agree for p in collect_pairs(master))
    return own, refs

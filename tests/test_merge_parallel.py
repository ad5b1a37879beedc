"""A merge reading its workbooks in worker processes: the same results as reading them in the main process,
a dying worker a plain refusal of its workbook, passwords handed over without being kept."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fileexam.faults.worker_death import read_or_die
from fileexam.passwords import Passwords
from fileexam.services.merge import merge_one, merge_workbooks
from fileexam.services.merge_read import DIED, WORKERS_VAR, AheadReader, worker_count
from fileexam.store.inspection_file import InspectionFile
from test_encrypted_workbooks import PASSWORD, encrypted_export, everything_in, never_holds
from test_merge import export, inspector_file, snapshot

INSPECTORS = ["A. Khan", "B. Evans", "C. Murphy"]


@pytest.fixture
def workbooks(tmp_path):
    out = []
    for i, name in enumerate(INSPECTORS):
        f = inspector_file(tmp_path, name, n=3, complete=i != 1, seed=i)
        out.append(export(f, tmp_path, name))
        f.close()
    return out


def _merge_copy(area_file, tmp_path, name, paths, workers, monkeypatch, **kw):
    copy = tmp_path / f"{name}.fileexam"
    area_file.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(area_file.path, copy)
    monkeypatch.setenv(WORKERS_VAR, str(workers))
    with InspectionFile.open(copy) as f:
        steps = []
        report = merge_workbooks(f, paths, "TL", progress=lambda *a: steps.append(a[:2]), **kw)
        lines = [w.line() for w in report.workbooks]
    return copy, lines, steps


def test_worker_count__none_for_one_workbook_or_small_ones(tmp_path, monkeypatch, workbooks):
    monkeypatch.delenv(WORKERS_VAR, raising=False)
    assert worker_count(workbooks[:1]) == 0
    assert worker_count(workbooks) == 0   # a few kilobytes: processes would cost more than they save
    monkeypatch.setenv(WORKERS_VAR, "8")
    assert worker_count(workbooks) == 3   # never more than the workbooks
    monkeypatch.setenv(WORKERS_VAR, "0")
    assert worker_count(workbooks) == 0


def test_merge__in_worker_processes__the_same_master_and_report_as_in_process(area_file, tmp_path, workbooks,
                                                                              monkeypatch):
    paths = workbooks + [workbooks[0], tmp_path / "missing.xlsx"]  # again: unchanged; missing: refused
    here, here_lines, here_steps = _merge_copy(area_file, tmp_path, "here", paths, 0, monkeypatch)
    pooled, pooled_lines, pooled_steps = _merge_copy(area_file, tmp_path, "pooled", paths, 2, monkeypatch)
    assert [line.split("): ")[0] for line in pooled_lines][:3] == [f"{p.name} ({n}" for p, n in
                                                                 zip(workbooks, INSPECTORS)]
    assert all(": merged — " in line for line in pooled_lines[:3]), pooled_lines
    assert "unchanged" in pooled_lines[3] and "REFUSED" in pooled_lines[4]
    assert pooled_lines == here_lines
    assert pooled_steps == here_steps == [(i, len(paths)) for i in range(len(paths) + 1)]  # per workbook, in order
    a, b = snapshot(here), snapshot(pooled)
    assert a[0] == b[0] and len(a[2]) == len(b[2])
    assert [r[:3] for r in a[1]] == [r[:3] for r in b[1]]   # markings, less the time they were merged at


def test_dying_worker__that_workbook_refused_the_others_merged(area_file, tmp_path, workbooks):
    dying = tmp_path / "die-here.xlsx"
    shutil.copyfile(workbooks[1], dying)
    paths = [workbooks[0], dying, workbooks[2]]
    with AheadReader(paths, None, workers=2, read=read_or_die) as ahead:
        datas = [ahead.get(i) for i in range(len(paths))]
    assert not datas[0].problems and not datas[2].problems
    assert datas[0].about["marker"] == "A. Khan" and datas[2].about["marker"] == "C. Murphy"
    results = [merge_one(area_file, Path(p), "TL", data=d) for p, d in zip(paths, datas)]
    assert [r.outcome for r in results] == ["merged", "refused", "merged"]
    assert DIED in results[1].line() and "Traceback" not in results[1].line()
    refusals = area_file.conn.execute("SELECT count(*) FROM merges WHERE outcome = 'refused'").fetchone()[0]
    assert refusals == 1


def test_encrypted__password_handed_to_workers__merged_and_never_stored(area_file, tmp_path, workbooks,
                                                                         monkeypatch):
    f = inspector_file(tmp_path, "D. Okafor", n=2)
    sealed = encrypted_export(f, tmp_path / "sealed.xlsx", marker="D. Okafor")
    f.close()
    passwords = Passwords([PASSWORD])
    path, lines, _ = _merge_copy(area_file, tmp_path, "enc", [workbooks[0], sealed], 2, monkeypatch,
                                 password=passwords)
    assert "sealed.xlsx (D. Okafor, encrypted): merged" in lines[1]
    assert never_holds(everything_in(path), PASSWORD)
    _, lines, _ = _merge_copy(area_file, tmp_path, "none", [workbooks[0], sealed], 2, monkeypatch,
                              password=Passwords())
    assert "REFUSED" in lines[1] and "encrypted" in lines[1] and PASSWORD not in "".join(lines)

"""The SIGKILL runs: a scoring run and a merge, each in a child process killed at random moments, many times;
after each kill, what the file holds is checked against what was acknowledged."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fileexam.faults.inspections import ROOT, _new_inspection

SCORER = """
import sys
from fileexam.store.inspection_file import InspectionFile
f = InspectionFile.open(sys.argv[1])
start = int(sys.argv[2])
t = f.template
keys = [(c.reference, q.id) for c in f.cases() for q in t.questions if q.answer.scale is not None]
i = start
while True:  # round after round over every case and question, each round another value
    ref, qid = keys[i % len(keys)]
    value = t.question_by_id[qid].answer.scale.options[(i // len(keys)) % 2].value
    f.set_answer(ref, qid, "crash", value)
    print(i, ref, qid, value, flush=True)   # acknowledged: the write has returned
    i += 1
"""

MERGER = """
import sys
from pathlib import Path
from fileexam.store.inspection_file import InspectionFile
from fileexam.services.merge import merge_workbooks
with InspectionFile.open(sys.argv[1]) as f:
    print("start", flush=True)
    merge_workbooks(f, [Path(sys.argv[2])], "crash")
print("done", flush=True)
"""


def _child(code: str, *args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True, env=env)


def _kill_after(proc: subprocess.Popen, seconds: float) -> list[str]:
    time.sleep(seconds)
    proc.send_signal(signal.SIGKILL)
    out = proc.communicate()[0]
    return out.splitlines()


_KEYS: dict[str, list] = {}


def _key_at(path: Path, i: int) -> tuple[str, str]:
    from fileexam.store.inspection_file import InspectionFile
    if str(path) not in _KEYS:
        with InspectionFile.open(path) as f:
            t = f.template
            _KEYS[str(path)] = [(c.reference, q.id) for c in f.cases() for q in t.questions if q.answer.scale is not None]
    keys = _KEYS[str(path)]
    return keys[i % len(keys)]

def crash_scoring(kills: int, seed: int = 1, folder: Path | None = None) -> dict:
    from fileexam.store.inspection_file import InspectionFile

    rng = random.Random(seed)
    folder = Path(folder or tempfile.mkdtemp())
    path = _new_inspection(folder / "crash.fileexam", "Crash run")
    acked: dict[tuple[str, str], str] = {}
    next_key, lost, checks, bad_files, writes = 0, 0, 0, 0, 0
    for _ in range(kills):
        lines = _kill_after(_child(SCORER, str(path), str(next_key)), rng.uniform(0.3, 0.9))
        for line in lines:
            parts = line.split()
            if len(parts) != 4:  # cut off by the kill mid-line: not a whole acknowledgement
                continue
            i, ref, qid, value = parts
            acked[(ref, qid)] = value
            next_key = int(i) + 1
        # The write in flight at the kill may or may not have landed: its key is not checked this round.
        acked.pop(_key_at(path, next_key), None)
        with InspectionFile.open(path) as f:  # opens (and so would the app) after every kill
            if f.conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                bad_files += 1
            held = {(r, q): v for r, q, v in f.conn.execute(
                "SELECT case_ref, question_id, value FROM answers WHERE marker='crash'")}
        for key, value in acked.items():
            checks += 1
            if held.get(key) != value:
                lost += 1
        writes = next_key
        next_key += 1  # move past the write that was in flight
    return {"run": "scoring", "kills": kills, "writes_acknowledged": writes, "answers_checked": checks,
            "answers_lost": lost, "files_failing_integrity_check": bad_files}


def crash_merge(kills: int, seed: int = 1, folder: Path | None = None) -> dict:
    from fileexam.store.inspection_file import InspectionFile

    rng = random.Random(seed)
    folder = Path(folder or tempfile.mkdtemp())
    master = _new_inspection(folder / "master.fileexam", "Crash merge")
    workbook = ROOT / "exports" / "examples" / "work-a-khan.xlsx"
    full = None
    outcomes = {"none": 0, "all": 0, "part": 0}
    for k in range(kills):
        trial = folder / f"trial-{k}.fileexam"
        shutil.copy(master, trial)
        proc = _child(MERGER, str(trial), str(workbook))
        proc.stdout.readline()  # "start": imports done, the merge begins now
        _kill_after(proc, rng.uniform(0.0, 0.3))
        with InspectionFile.open(trial) as f:
            n = f.count_answers("A. Khan")
        if full is None:  # how many a complete merge writes
            ok = folder / "complete.fileexam"
            shutil.copy(master, ok)
            with InspectionFile.open(ok) as f:
                from fileexam.services.merge import merge_workbooks
                merge_workbooks(f, [workbook], "crash")
                full = f.count_answers("A. Khan")
        outcomes["none" if n == 0 else "all" if n == full else "part"] += 1
        trial.unlink()
    return {"run": "merge", "kills": kills, "merged_whole": outcomes["all"], "merged_not_at_all": outcomes["none"],
            "half_merged": outcomes["part"], "answers_in_a_whole_merge": full}

"""Fault runs: kill fileexam mid-write, many times, and check that nothing acknowledged is lost.

    python -m fileexam.faults scoring --kills 200
    python -m fileexam.faults merge --kills 50
    python -m fileexam.faults fuzz --inputs 600

Each prints its figures as JSON. The test suite runs short versions (tests/test_faults.py).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "question_sets" / "area-inspection.yaml"
SAMPLE = ROOT / "exports" / "examples" / "area-sample.xlsx"

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


def _new_inspection(path: Path, name: str) -> Path:
    """A fresh inspection from the Area template with the example sample imported."""
    from fileexam.services.sample import import_sample
    from fileexam.store.inspection_file import InspectionFile

    with InspectionFile.create(path, TEMPLATE, name, "crash") as f:
        import_sample(f, SAMPLE, "crash")
    return path


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


NASTY = ["=1+1", "+44", "-3", "@A1", "\tx", "שלום", "🙂", "x" * 100_000, "2026-13-45", "yes", "1.10", "~", "&a", "*a",
         "- [", "{", ": :", "\ufeff", "Crown Court", "Wessex", "", None, 7, 3.5, -1]


def _mutate_text(text: str, rng: random.Random) -> str:
    lines = text.splitlines()
    for _ in range(rng.randint(1, 6)):
        i = rng.randrange(len(lines)) if lines else 0
        op = rng.choice(["drop", "dup", "cut", "nasty", "indent"])
        if not lines:
            lines = [""]
        if op == "drop":
            lines.pop(i)
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "cut":
            lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
        elif op == "nasty":
            lines[i] = lines[i][: len(lines[i]) // 2] + str(rng.choice(NASTY))[:500]
        else:
            lines[i] = " " * rng.randint(0, 6) + lines[i].lstrip()
    return "\n".join(lines)


def fuzz(inputs: int, seed: int = 1, folder: Path | None = None) -> dict:
    """Random and mutated question sets, case samples and exchange workbooks: each must load or give
    messages. Counts the inputs that raised instead (tracebacks) and the files changed by a refused input."""
    import traceback

    from openpyxl import Workbook, load_workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from fileexam.formats.definitions import load_file
    from fileexam.formats.exchange_workbook import read_exchange
    from fileexam.services.sample import import_sample
    from fileexam.store.inspection_file import InspectionFile

    rng = random.Random(seed)
    folder = Path(folder or tempfile.mkdtemp())
    sets = sorted((ROOT / "question_sets").glob("*.yaml"))
    workbook = ROOT / "exports" / "examples" / "work-a-khan.xlsx"
    inspection = InspectionFile.create(folder / "fuzz.fileexam", TEMPLATE, "Fuzz", "fuzz")
    tracebacks, half_changed, tried = [], 0, 0

    def cell(v):
        return ILLEGAL_CHARACTERS_RE.sub("", v)[:30000] if isinstance(v, str) else v

    for n in range(inputs):
        kind = n % 3
        tried += 1
        try:
            if kind == 0:
                f = folder / "x.yaml"
                f.write_bytes(_mutate_text(rng.choice(sets).read_text(), rng).encode("utf-8", "replace"))
                for p in load_file(f).problems:
                    p.format()
            elif kind == 1:
                wb = Workbook()
                ws = wb.active
                header = rng.sample(["URN", "Area", "Strand", "Finalised or live", "Charging decision by", "Flags",
                                     "Date charged", "Inspector", "Colour", "urn", ""], rng.randint(1, 8))
                ws.append(header)
                for _ in range(rng.randint(0, 8)):
                    ws.append([cell(rng.choice(NASTY + [f"0{rng.randint(1, 99)}XX{rng.randint(0, 10**7)}"]))
                               for _ in header])
                path = folder / "s.xlsx"
                wb.save(path)
                before = inspection.conn.execute("SELECT count(*) FROM cases").fetchone()[0]
                report = import_sample(inspection, path, "fuzz")
                after = inspection.conn.execute("SELECT count(*) FROM cases").fetchone()[0]
                if report.errors and after != before:
                    half_changed += 1
            else:
                wb = load_workbook(workbook)
                for _ in range(rng.randint(1, 5)):
                    sheet = wb[rng.choice(["About", "Cases", "Answers"])]
                    sheet.cell(rng.randint(1, 30), rng.randint(1, 10)).value = cell(rng.choice(NASTY))
                if rng.random() < 0.2:
                    del wb[rng.choice(["About", "Cases", "Answers", "Definitions"])]
                path = folder / "w.xlsx"
                wb.save(path)
                if rng.random() < 0.2:
                    data = path.read_bytes()
                    path.write_bytes(data[: rng.randrange(len(data))])
                for p in read_exchange(path).problems:
                    p.format()
        except Exception:  # noqa: BLE001 - what the run counts
            tracebacks.append(traceback.format_exc(limit=3))
    inspection.close()
    return {"run": "fuzz", "inputs_tried": tried, "tracebacks": len(tracebacks), "half_changed_files": half_changed,
            "first_traceback": tracebacks[0] if tracebacks else None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("run", choices=["scoring", "merge", "fuzz"])
    parser.add_argument("--inputs", type=int, default=600, help="for fuzz: how many inputs")
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.run == "fuzz":
        result = fuzz(args.inputs, args.seed)
    else:
        result = (crash_scoring if args.run == "scoring" else crash_merge)(args.kills, args.seed)
    print(json.dumps(result))
    bad = result.get("answers_lost", 0) + result.get("files_failing_integrity_check", 0) + \
        result.get("half_merged", 0) + result.get("tracebacks", 0) + result.get("half_changed_files", 0)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())

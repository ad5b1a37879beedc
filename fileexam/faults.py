"""Fault runs: kill fileexam mid-write, many times, and check that nothing acknowledged is lost.

    python -m fileexam.faults scoring --kills 200
    python -m fileexam.faults merge --kills 50
    python -m fileexam.faults fuzz --inputs 600
    python -m fileexam.faults hostile-merge --inputs 600
    python -m fileexam.faults damaged-open --inputs 600

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


# ---- shared by the hostile-merge and damaged-open runs -------------------------------------------------
# Each input is tried in a forked copy of this process (where the platform can fork): the product code
# runs in-process there, every exception caught, and a native abort (a reader library asking for 512 GB)
# or a hang ends that copy, not the run, and is counted.

try:  # POSIX only: the module stays importable on Windows
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None

INPUT_SECONDS = 120.0   # longer than this, an input counts as a hang


def _rss_mb(who: str = "self") -> float | None:
    if resource is None:
        return None
    usage = resource.getrusage(resource.RUSAGE_SELF if who == "self" else resource.RUSAGE_CHILDREN)
    return round(usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)  # bytes on macOS


def _isolated(fn, *args, timeout: float = INPUT_SECONDS) -> dict:
    """fn(*args) -> a JSON-able dict, run in a forked child; {"crash": ...} if the child died or hung."""
    import select
    import traceback

    if not hasattr(os, "fork"):  # Windows: in-process, so a native abort would end the run
        try:
            return fn(*args)
        except Exception:  # noqa: BLE001 - the harness's own failure, reported as such
            return {"harness_error": traceback.format_exc(limit=-4)}
    out = tempfile.TemporaryFile()
    read_end, write_end = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's stack
        try:
            os.close(read_end)
            os.dup2(out.fileno(), 1)
            os.dup2(out.fileno(), 2)   # a Rust panic or abort message lands here
            import faulthandler
            if faulthandler.is_enabled():  # pytest's points at its own copy of stderr: here instead
                faulthandler.enable(file=out)
            try:
                result = fn(*args)
            except BaseException:  # noqa: BLE001
                result = {"harness_error": traceback.format_exc(limit=-4)}
            result["child_rss_mb"] = _rss_mb()
            payload = json.dumps(result).encode()
            view = memoryview(payload)
            while view:
                view = view[os.write(write_end, view):]
        finally:
            os._exit(0)
    os.close(write_end)
    chunks, deadline, hung = [], time.monotonic() + timeout, False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([read_end], [], [], left)[0]:
                hung = True
                os.kill(pid, signal.SIGKILL)
                break
            chunk = os.read(read_end, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
    with out:
        if chunks and not hung and os.WIFEXITED(status):
            try:
                return json.loads(b"".join(chunks))
            except ValueError:
                pass
        out.seek(0)
        said = out.read(20_000).decode("utf-8", "replace")
    if hung:
        how = f"no answer after {timeout:.0f} s (killed)"
    elif os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        how = f"killed by signal {number}" + (" (SIGABRT: a native abort)" if number == signal.SIGABRT else "")
    else:
        how = f"exited with {os.WEXITSTATUS(status)} before reporting"
    lines = [line.strip() for line in said.splitlines() if line.strip()]
    first = next((line for line in lines if "memory allocation" in line or "panicked" in line or "Fatal" in line),
                 lines[0] if lines else "")
    return {"crash": how, "hung": hung, "said": first[:300]}


def _exception_names():
    """A pattern for the name of any Python exception class a user could be shown by mistake."""
    import builtins
    import re
    import sqlite3
    import xml.parsers.expat as expat
    import zipfile

    modules = [builtins, sqlite3, zipfile, expat]
    for name in ("python_calamine", "openpyxl.utils.exceptions", "fileexam.store.errors", "fileexam.store.file_check",
                 "fileexam.formats.workbook_guard", "fileexam.domain.cases", "fileexam.domain.problems"):
        try:
            modules.append(__import__(name, fromlist=["_"]))
        except ImportError:
            pass
    names = {v.__name__ for m in modules for v in vars(m).values()
             if isinstance(v, type) and issubclass(v, BaseException) and not issubclass(v, Warning)}
    names = {n for n in names if n[:1].isupper() and n != "Error"}  # "Error" alone is an ordinary word
    words = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9_])(?:{words})(?![A-Za-z0-9_])|Traceback \(most recent call last\)")


class _Private:
    """FILEEXAM_HOME pointed at the run's folder: crash logs and backups stay out of the user's own."""

    def __init__(self, home: Path):
        self.home = home

    def __enter__(self):
        self.old = os.environ.get("FILEEXAM_HOME")
        os.environ["FILEEXAM_HOME"] = str(self.home)

    def __exit__(self, *exc):
        if self.old is None:
            os.environ.pop("FILEEXAM_HOME", None)
        else:
            os.environ["FILEEXAM_HOME"] = self.old


def _cli(argv: list[str]) -> tuple[int | str, str]:
    """fileexam.cli.main in-process: (exit code, or 'raised' if an exception escaped it; what it wrote to stderr)."""
    import contextlib
    import io
    import traceback

    from fileexam.cli import main as cli_main

    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        try:
            rc = cli_main(argv)
        except BaseException:  # noqa: BLE001 - what the runs count
            return "raised", traceback.format_exc(limit=-4)
    return rc, err.getvalue() + ("\n[crash log] " + _crash_log() if rc == 2 else "")


def _integrity(path: Path) -> str:
    import sqlite3
    try:
        con = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
        try:
            return "; ".join(r[0] for r in con.execute("PRAGMA integrity_check(5)"))[:300]
        finally:
            con.close()
    except sqlite3.Error as exc:
        return f"SQLite: {exc}"


def _sha(path: Path) -> str | None:
    import hashlib
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def _example(store: dict, key: str, item: dict, keep: int = 5) -> None:
    store.setdefault(key, [])
    if len(store[key]) < keep:
        store[key].append(item)


def _signature(category: str, text: str) -> str:
    """What a failure is, in one line that groups its recurrences: the exception and the innermost line of fileexam
    it came from (never this module), or the first words a crashing process said."""
    import re
    frames = [m for m in re.finditer(r'File "([^"]*)", line (\d+), in (\S+)', text or "")
              if "fileexam" in m.group(1) and not m.group(1).endswith("faults.py")]
    raised = re.findall(r"^(\w+(?:\.\w+)*(?:Error|Exception|Exit|Interrupt|Warning|\w*)):", text or "", re.M)
    if frames:
        f = frames[-1]
        where = f.group(1).replace("\\", "/").split("/fileexam/", 1)[-1]
        return f"{category}: {raised[-1] if raised else 'exception'} at fileexam/{where}:{f.group(2)} ({f.group(3)})"
    first = re.sub(r"\d+", "N", (text or "").strip().splitlines()[0] if (text or "").strip() else "")
    return f"{category}: {first[:100]}"


def _crash_log() -> str:
    """The last entry of fileexam's own crash log (where `fileexam` puts the traceback behind an exit 2)."""
    from fileexam import settings
    try:
        text = (settings.data_dir() / "logs" / "fileexam-errors.log").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return text[text.rfind("\n--- "):][-3000:]


# ---- hostile workbooks against a master --------------------------------------------------------------------
HM_MARKER = "A. Khan"
HM_OTHER = "B. Evans"


def _inspector_file(path: Path, marker: str, cases: int, seed: int, other: str | None = None) -> Path:
    """An inspector's own file: the sample imported, `cases` of their cases answered, every other one marked
    complete, a few comments; with `other`, a second marker's answers on two cases (an all-markers export)."""
    from fileexam.services.demo import demo_answers
    from fileexam.services.sample import import_sample
    from fileexam.store.inspection_file import InspectionFile

    rng = random.Random(seed)
    with InspectionFile.create(path, TEMPLATE, "Area inspection 2026", marker) as f:
        import_sample(f, SAMPLE, marker)
        mine = [c for c in f.cases() if c.inspector == marker][:cases]
        for i, c in enumerate(mine):
            for qid, value in demo_answers(f.template, c, rng).items():
                note = f"note {i} on {qid}" if rng.random() < 0.1 else None
                f.set_answer(c.reference, qid, marker, value, comment=note)
            if i % 2:
                f.mark_complete(c.reference, marker)
        for c in ([c for c in f.cases() if c.inspector == other][:2] if other else []):
            for qid, value in demo_answers(f.template, c, rng).items():
                f.set_answer(c.reference, qid, other, value)
    return path


def _now_plus(days: float) -> str:
    from datetime import datetime, timedelta, timezone
    return (datetime.now(timezone.utc) + timedelta(days=days)).isoformat(timespec="milliseconds")


def _value_pools() -> dict[str, list]:
    from datetime import date, datetime, time as clock
    return {
        "types": [0, 1, -1, 1.5, True, False, datetime(2026, 1, 1, 10, 0), date(2026, 1, 1), clock(10, 30), None, ""],
        "numbers": [0, -1, 1.5, 2 ** 31, 2 ** 31 - 1, 2 ** 63, 10 ** 20, 1e308, -1e308, float("inf"), float("-inf"),
                    float("nan"), 5e-324, -0.0, "nan", "inf", "-inf", "1e400", "0x10", "1_000", "\u0661", " 1 ",
                    "1.0", "01", "1e3", "+1", "", None, True],
        "times": ["2026-02-30T10:00:00.000+00:00", "2026-01-01T10:00:00", "2026-01-01 10:00", "yesterday", " ",
                  "2026-01-01T25:00:00+00:00", "2026-01-01T10:00:00+99:00", "0001-01-01T00:00:00+01:00",
                  "0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59-01:00", "2026-01-01T10:00:00Z", "20260101T100000Z",
                  "2026-01-01T10:00:00.123456+00:00", "2026-01-01T10:00:00+00:00" + " " * 30, "1e10", 45000,
                  45000.5, -1, _now_plus(3), _now_plus(400), _now_plus(1), "2099-01-01T00:00:00+00:00",
                  "9999-12-31T23:59:59+00:00"],
        "markers": [HM_OTHER, "(all markers)", "a. khan", " A. Khan", "A. Khan ", "", None, "A.\u00a0Khan",
                    "A. Kh\u0430n", "TL"],
        "formulas": ["=1+1", "=A1", "=SUM(A1:A9)", '=HYPERLINK("http://example.invalid","x")', "=NA()", "=1/0",
                     "==", "=XFD1048576", '="fully"'],
        "long": ["x" * 32_767, "x" * 40_000, "\U0001f642" * 16_384, "\u00e9" * 32_767, "ab" * 20_000],
        "unicode": ["\u202eevil", "e\u0301", "\u200b", "\ufeffBOM", "\uffff", "\ufffe", "\U0010ffff", "\u0130",
                    "\u00df", "\ufb01", "\u05e9\u05dc\u05d5\u05dd", "\U0001f642", "\u2028", "\u00a0", "]]>", "&amp;",
                    "<c r='A1'/>"],
        "escapes": ["_x0000_", "_xD800_", "_xDFFF_", "_xD83D__xDE42_", "_x005F_x0041_", "_x0041_", "_xFFFE_",
                    "_xFFFF_", "_x001B_", "_x000D_", "_x0009_", "_x005f_", "_X0041_", "_x41_", "a_x005F_x005F_x0041_b"],
        "statuses": ["Complete", "complete ", "COMPLETE", "done", "not_started", "not started", "in progress\n",
                     "complete", "in progress", 1],
        "answers": ["yes", "maybe", '["restraining"]', "[]", "{}", "null", "not_met", "fully", "partially",
                    "2026-13-45", "99999", "-1", "F", "f", "ZZ99", "DI01", "victims-witnesses", "disclosure"],
        "keys": ["owner", "format", "marker", "cases", "data_sha256", "set.disclosure.fingerprint", "set..version",
                 "set.zz.fingerprint", "Format", "", None, "format_version"],
    }


def _pick(rng: random.Random, ws, columns: list[str] | None = None, header_too: float = 0.05) -> tuple[int, int]:
    header = [c.value for c in ws[1]]
    wanted = [header.index(c) + 1 for c in (columns or []) if c in header]
    col = rng.choice(wanted) if wanted else rng.randint(1, max(ws.max_column + (1 if rng.random() < 0.1 else 0), 1))
    row = 1 if rng.random() < header_too else rng.randint(2, max(ws.max_row + (1 if rng.random() < 0.1 else 0), 2))
    return row, col


# What each cell-edit kind aims at: sheet -> columns (None: any), and the value pools it draws from.
CELL_KINDS = {
    "cells-about": ({"About": None}, ["types", "numbers", "times", "markers", "keys", "unicode", "answers"]),
    "cells-cases": ({"Cases": None}, ["types", "statuses", "markers", "answers", "unicode", "numbers"]),
    "cells-answers": ({"Answers": None}, ["types", "answers", "numbers", "times", "markers", "unicode"]),
    "cells-definitions": ({"Definitions": None}, ["types", "numbers", "keys", "answers", "unicode", "long"]),
    "wrong-types": ({"About": ["Value"], "Cases": None, "Answers": None, "Definitions": None}, ["types", "numbers"]),
    "numbers": ({"Answers": ["points", "revision"], "About": ["Value"], "Definitions": ["part", "version"]},
                ["numbers"]),
    "times": ({"Answers": ["answered_at"], "About": ["Value"]}, ["times"]),
    "markers": ({"Answers": ["marker"], "Cases": ["marker"], "About": ["Value"]}, ["markers"]),
    "formulas": ({"About": None, "Cases": None, "Answers": None, "Definitions": None}, ["formulas"]),
    "long-text": ({"Answers": ["comment", "value"], "Cases": None, "About": ["Value"], "Definitions": ["text"]},
                  ["long"]),
    "odd-unicode": ({"About": None, "Cases": None, "Answers": None, "Definitions": None}, ["unicode"]),
    "escape-text": ({"About": None, "Cases": None, "Answers": ["comment", "value", "reference"], "Definitions": None},
                    ["escapes"]),
    "values": ({"Cases": ["status"], "Answers": ["value", "question_id", "question_set"]}, ["statuses", "answers"]),
}
ROW_KINDS = ["rows", "keys-headers"]
STRUCTURE_KINDS = ["truncated", "byte-flip", "xml-damage", "missing-part", "corner-cell", "huge-dimension",
                   "no-r-attributes", "rows-out-of-order", "deep-xml", "odd-xml", "doctype", "zip-bomb",
                   "stored-member", "many-members", "sheet-elsewhere", "duplicate-member", "not-a-workbook",
                   "zip-flags"]
GENUINE_KINDS = ["genuine", "genuine-odd-text", "genuine-odd-text"]
HOSTILE_KINDS = list(CELL_KINDS) + ROW_KINDS + STRUCTURE_KINDS + GENUINE_KINDS

ODD_TEXT = ["_x005F_x0041_", "_x0041_", "_x005F_", "_xFFFE_", "_xD800_", "\ufffe", "\uffff", "\U0001f642",
            "\U0001f642" * 16_383 + "x", "x" * 32_767, "=1+1", "=SUM(A1:A9)", "+44 20 7946 0000", "-3", "@A1",
            "\tindented", "\u202eevil", "e\u0301", "\u200b", "\u05e9\u05dc\u05d5\u05dd", "]]>", "<c r='A1'/>",
            "&amp;", "\u2028", "\U0001fffe", "  spaced  ", "a_x005F_x005F_x0041_b", "_x", "line\nbreak", "0001",
            "1e308", "NaN", "TRUE", "null", "[]", "2026-01-01T00:00:00+00:00", "\r\n", "\x01control", "\U0010ffff"]


def _canon_row(values) -> list:
    from fileexam.formats.exchange_workbook import _canon
    return [None if v is None else _canon(v) for v in values]


def _resign(wb) -> None:
    """Recompute the row checks, the counts and the SHA-256 from the cells, as a deliberate forger would
    (as tests/test_merge_hostile.py does), so only the cell checks stand between the workbook and the master."""
    from fileexam.formats.exchange_workbook import DataHasher, hash_about, hash_definitions, row_blob, row_check

    hasher, counts = DataHasher(), {}
    for name in ("Cases", "Answers"):
        ws = wb[name]
        header = _canon_row([c.value for c in ws[1]])
        while header and header[-1] is None:
            header.pop()
        hasher.sheet(name, [h or "" for h in header[:-1]])
        n = 0
        for row in ws.iter_rows(min_row=2, max_col=len(header)):
            values = _canon_row([c.value for c in row[:-1]])
            if all(v is None for v in values) and row[-1].value is None:
                continue
            row[-1].value = row_check(values)
            hasher.row(values, row_blob(values))
            n += 1
        counts[name.lower()] = str(n)
    if "Definitions" in wb.sheetnames:
        rows = [r for r in wb["Definitions"].iter_rows(min_row=2, values_only=True) if any(v is not None for v in r)]
        hash_definitions(hasher, [[v or "" for v in _canon_row((list(r[:7]) + [None] * 7)[:7])] for r in rows])
    about_rows = [r for r in wb["About"].iter_rows(min_row=2) if any(c.value is not None for c in r)]
    for r in about_rows:
        if r[0].value in counts:
            r[1].value = counts[r[0].value]
    about = {}
    for r in about_rows:
        key = _canon_row([r[0].value])[0] or ""
        if key not in about:
            about[key] = _canon_row([r[1].value if len(r) > 1 else None])[0] or ""
    hash_about(hasher, about)
    for r in about_rows:
        if r[0].value == "data_sha256":
            r[1].value = hasher.hexdigest()


def _edit_cells(src: Path, out: Path, kind: str, rng: random.Random, resign: bool) -> str:
    """Cells changed as a person (or a forger) would in Excel; returns what was done."""
    from openpyxl import load_workbook

    wb = load_workbook(src)
    pools = _value_pools()
    done = []
    if kind in CELL_KINDS:
        targets, pool_names = CELL_KINDS[kind]
        for _ in range(rng.randint(1, 4)):
            sheet = rng.choice(sorted(targets))
            ws = wb[sheet]
            row, col = _pick(rng, ws, targets[sheet])
            value = rng.choice(pools[rng.choice(pool_names)])
            if kind == "markers" and rng.random() < 0.3:  # every row re-marked, About too: someone else's work
                for r in range(1, ws.max_row + 1):
                    if ws.cell(r, col).value == HM_MARKER:
                        ws.cell(r, col).value = value
            ws.cell(row, col).value = value
            done.append(f"{sheet}!{ws.cell(row, col).coordinate}={str(value)[:30]!r}")
    elif kind == "rows":
        for _ in range(rng.randint(1, 3)):
            sheet = rng.choice(["About", "Cases", "Answers", "Answers", "Definitions"])
            ws = wb[sheet]
            if ws.max_row < 2:
                continue
            r = rng.randint(2, ws.max_row)
            values = [c.value for c in ws[r]]
            op = rng.choice(["duplicate", "duplicate-changed", "delete", "swap", "blank", "append-junk", "insert-gap"])
            if op in ("duplicate", "duplicate-changed"):
                if op == "duplicate-changed" and len(values) > 4:
                    values[4] = rng.choice(pools["answers"])
                ws.append(values)
            elif op == "delete":
                ws.delete_rows(r)
            elif op == "swap":
                r2 = rng.randint(2, ws.max_row)
                other = [c.value for c in ws[r2]]
                for j, (a, b) in enumerate(zip(values, other), start=1):
                    ws.cell(r, j).value, ws.cell(r2, j).value = b, a
            elif op == "blank":
                for c in ws[r]:
                    c.value = None
            elif op == "append-junk":
                ws.append([rng.choice(pools["answers"] + pools["types"]) for _ in values])
            else:
                ws.insert_rows(r, amount=rng.randint(1, 3))
            done.append(f"{sheet} row {r}: {op}")
    else:  # keys-headers
        for _ in range(rng.randint(1, 2)):
            op = rng.choice(["about-unknown", "about-rename", "about-duplicate", "about-drop", "cases-header",
                             "cases-extra-column", "answers-header", "swap-columns"])
            if op.startswith("about"):
                ws = wb["About"]
                r = rng.randint(2, ws.max_row)
                if op == "about-unknown":
                    ws.append([rng.choice(["owner", "signed_by", "set.ghost.fingerprint", "Marker"]), "someone"])
                elif op == "about-rename":
                    ws.cell(r, 1).value = rng.choice(pools["keys"])
                elif op == "about-duplicate":
                    ws.append([ws.cell(r, 1).value, rng.choice(pools["answers"])])
                else:
                    ws.delete_rows(r)
            else:
                ws = wb["Answers" if op == "answers-header" else "Cases"]
                col = rng.randint(1, ws.max_column)
                if op == "cases-extra-column":
                    ws.cell(1, ws.max_column + 1).value = rng.choice(["planet", "defendant", "area", "row_check"])
                elif op == "swap-columns":
                    a, b = rng.sample(range(1, ws.max_column + 1), 2)
                    for r in range(1, ws.max_row + 1):
                        ws.cell(r, a).value, ws.cell(r, b).value = ws.cell(r, b).value, ws.cell(r, a).value
                else:
                    ws.cell(1, col).value = rng.choice(["planet", "Reference", "marker", "", None, "defendant"])
            done.append(op)
    signed = ""
    if resign:
        try:
            _resign(wb)
            signed = "re-signed"
        except Exception as exc:  # noqa: BLE001 - the forger failed, not fileexam: merged unsigned
            signed = f"not re-signed ({type(exc).__name__})"
    wb.save(out)
    return "; ".join(done) + (f" [{signed}]" if signed else "")


def _members(path: Path) -> list[list]:
    import zipfile
    with zipfile.ZipFile(path) as z:
        return [[i.filename, z.read(i.filename)] for i in z.infolist()]


def _write_zip(members, out: Path, stored: set | None = None, compression=None) -> None:
    import warnings
    import zipfile
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are the point of one kind
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED if compression is None else compression) as z:
            for name, data in members:
                if stored and name in stored:
                    z.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data, compress_type=zipfile.ZIP_STORED)
                else:
                    z.writestr(name, data)


def _parts(path: Path) -> dict[str, str]:
    import zipfile

    from fileexam.formats.xlsx_cells import workbook_parts
    with zipfile.ZipFile(path) as z:
        return workbook_parts(z)[0]


CORNER = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'


def _far_cells(rng: random.Random) -> bytes:
    row, ref = rng.choice([(1048576, "XFD1048576"), (1048576, "A1048576"), (2, "XFD2"), (1048577, "A1048577"),
                           (9, "AAAA9"), (70000, "ZZ70000")])
    return f'<row r="{row}"><c r="{ref}"><v>1</v></c></row>'.encode()


def _dimension(rng: random.Random) -> bytes:
    return rng.choice([b"A1:XFD1048576", b"A1:ZZZZ1", b"A1:A99999999999", b"garbage", b"", b"A1:C3:D4", b"XFD1048576",
                       b"A1:CV50000", b"$A$1:$XFD$1048576", b"A0:B0"])


def _bomb(cache: Path, name: str, megabytes: int, sheet: bool) -> Path:
    """A zip holding one honestly-declared member of `megabytes` MB (made once a run, streamed)."""
    import zipfile
    target = cache / f"bomb-{megabytes}-{int(sheet)}-{name.replace('/', '_')}.zip"
    if not target.exists():
        chunk = (b"<row><c><v>1</v></c></row>" * 40_330)[: 1 << 20] if sheet else b"\0" * (1 << 20)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            with z.open(name, "w", force_zip64=True) as fh:
                if sheet:
                    fh.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                             b'spreadsheetml/2006/main"><sheetData>')
                for _ in range(megabytes):
                    fh.write(chunk)
                if sheet:
                    fh.write(b"</sheetData></worksheet>")
    return target


def _structural(src: Path, out: Path, kind: str, rng: random.Random, cache: Path) -> str:
    """Damage to the file or its XML: returns what was done."""
    import re
    import shutil
    import zipfile

    data = src.read_bytes()
    members = _members(src)
    names = [m[0] for m in members]
    parts = _parts(src)
    sheet_name = rng.choice(["About", "Cases", "Answers", "Answers", "Definitions", "Grid"])
    sheet = parts[sheet_name]

    def member(name):
        return next(m for m in members if m[0] == name)

    def change(name, fn):
        m = member(name)
        m[1] = fn(m[1])

    if kind == "truncated":
        cut = rng.choice([rng.randrange(len(data)), rng.randrange(30), len(data) - rng.randint(1, 200)])
        out.write_bytes(data[:cut])
        return f"cut at byte {cut} of {len(data)}"
    if kind == "byte-flip":
        buf = bytearray(data)
        where = sorted(rng.randrange(len(buf)) for _ in range(rng.randint(1, 16)))
        for i in where:
            buf[i] ^= rng.randint(1, 255)
        out.write_bytes(bytes(buf))
        return f"bytes flipped at {where[:6]}"
    if kind == "not-a-workbook":
        import io
        choice = rng.choice(["empty", "text", "random", "sqlite", "pk-only", "ods", "ole", "content-types-only",
                             "nested-zip"])
        if choice == "ods":
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w") as z:
                z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
                z.writestr("content.xml", "<office:document-content/>")
            body = buf.getvalue()
        elif choice == "content-types-only":
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w") as z:
                z.writestr("[Content_Types].xml", member("[Content_Types].xml")[1])
            body = buf.getvalue()
        elif choice == "nested-zip":
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w") as z:
                z.writestr("inner.xlsx", data)
            body = buf.getvalue()
        else:
            body = {"empty": b"", "text": "Reference,Marker\n01AB1234567,A. Khan\n".encode(),
                    "random": rng.randbytes(rng.randint(1, 5000)), "sqlite": (cache / "master.bytes").read_bytes(),
                    "pk-only": b"PK\x03\x04", "ole": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000)}[choice]
        out.write_bytes(body)
        return choice
    if kind == "zip-flags":  # the encryption bit, or sizes that lie, in the zip's own directory
        _write_zip(members, out)
        buf = bytearray(out.read_bytes())
        target = rng.choice(names).encode()
        op = rng.choice(["encrypted", "size-smaller", "size-larger", "method"])
        i = buf.find(b"PK\x01\x02")
        while i != -1:
            n = int.from_bytes(buf[i + 28:i + 30], "little")
            if buf[i + 46:i + 46 + n] == target:
                local = int.from_bytes(buf[i + 42:i + 46], "little")
                if op == "encrypted":
                    buf[i + 8] |= 1
                    buf[local + 6] |= 1
                elif op == "method":
                    buf[i + 10:i + 12] = buf[local + 8:local + 10] = rng.choice([b"\x0c\x00", b"\x63\x00", b"\x01\x00"])
                else:
                    size = int.from_bytes(buf[i + 24:i + 28], "little")
                    new = max(size // 7, 1) if op == "size-smaller" else size * 1000 + 7
                    buf[i + 24:i + 28] = buf[local + 22:local + 26] = new.to_bytes(4, "little")
            i = buf.find(b"PK\x01\x02", i + 4)
        out.write_bytes(bytes(buf))
        return f"{op} on {target.decode()}"
    if kind == "zip-bomb":
        op = rng.choice(["unused-member", "sheet", "ratio-sheet", "ratio-strings"])
        if op in ("unused-member", "sheet"):
            name = "xl/media/image1.bin" if op == "unused-member" else sheet
            shutil.copyfile(_bomb(cache, name, 160, op == "sheet"), out)
            with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as z:
                for n, body in members:
                    if n != name:
                        z.writestr(n, body)
            return f"{op}: {name} unpacks to 160 MB"
        target = sheet if op == "ratio-sheet" else "xl/sharedStrings.xml"
        mb = rng.randint(2, 40)
        rows = b"<row><c><v>1</v></c></row>" * (mb * 40_000)
        change(target, lambda x: x.replace(b"</sheetData>", rows + b"</sheetData>") if b"</sheetData>" in x
               else x.replace(b"</sst>", b"<si><t>" + b"a" * (mb << 20) + b"</t></si></sst>"))
        _write_zip(members, out)
        return f"{op}: {target} padded with {mb} MB that packs to almost nothing"
    if kind == "stored-member":
        op = rng.choice(["noise", "noise", "everything-stored"])
        if op == "noise":
            size = rng.randint(1, 8) << 20
            members.append([f"xl/media/noise{rng.randint(1, 9)}.bin", rng.randbytes(size)])
            _write_zip(members, out, stored={members[-1][0]})
            return f"a stored incompressible member of {size >> 20} MB"
        _write_zip(members, out, compression=zipfile.ZIP_STORED)
        return "every member stored, none deflated"
    if kind == "many-members":
        count = rng.choice([rng.randint(900, 1000), rng.randint(1001, 3000), rng.randint(3000, 6000)])
        members += [[f"xl/media/m{i}.bin", b"x"] for i in range(count)]
        _write_zip(members, out)
        return f"{count} extra members"
    if kind == "missing-part":
        gone = rng.choice([sheet, "xl/workbook.xml", "_rels/.rels", "xl/_rels/workbook.xml.rels",
                           "xl/sharedStrings.xml", "[Content_Types].xml", "xl/styles.xml", rng.choice(names)])
        _write_zip([m for m in members if m[0] != gone], out)
        return f"{gone} left out"
    if kind == "duplicate-member":
        target = rng.choice([sheet, "xl/sharedStrings.xml", "xl/workbook.xml"])
        body = member(target)[1]
        bad = body.replace(b"</sheetData>", CORNER + b"</sheetData>") if b"</sheetData>" in body else \
            body.replace(b"<t>", b"<t>_xD800_", 3)
        first = rng.random() < 0.5
        i = names.index(target)
        members[i:i + 1] = [[target, bad], [target, body]] if first else [[target, body], [target, bad]]
        _write_zip(members, out)
        return f"{target} twice, the {'first' if first else 'second'} changed"
    if kind == "sheet-elsewhere":  # the workbook's index points a sheet at a part outside xl/worksheets/
        new = rng.choice(["xl/data/sheet9.xml", "xl/sheet9.xml", "sheet9.xml", "xl/worksheets/sheet9.bin",
                          "xl/worksheets2/sheet9.xml", "xl/media/sheet9.png"])
        content = rng.choice(["as-is", "corner-cell", "huge-dimension", "far-cell"])
        body = member(sheet)[1]
        if content == "corner-cell":
            body = body.replace(b"</sheetData>", CORNER + b"</sheetData>")
        elif content == "far-cell":
            body = body.replace(b"</sheetData>", _far_cells(rng) + b"</sheetData>")
        elif content == "huge-dimension":
            body = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="' + _dimension(rng) + b'"', body)
        member(sheet)[0:2] = [new, body]
        rel = sheet.split("xl/", 1)[1]
        target = b"/" + new.encode() if rng.random() < 0.5 or not new.startswith("xl/") else new[3:].encode()
        change("xl/_rels/workbook.xml.rels",
               lambda x: x.replace(b'Target="' + rel.encode() + b'"', b'Target="' + target + b'"'))
        _write_zip(members, out)
        return f"{sheet_name} moved to {new} ({content})"

    # The rest change the XML inside the parts.
    if kind == "corner-cell":
        change(sheet, lambda x: x.replace(b"</sheetData>", _far_cells(rng) + b"</sheetData>"))
        what = "a far cell"
    elif kind == "huge-dimension":
        dim = _dimension(rng)
        change(sheet, lambda x: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="' + dim + b'"', x))
        what = f"dimension {dim.decode()!r}"
    elif kind == "no-r-attributes":
        both = rng.random() < 0.5
        for name in (parts.values() if rng.random() < 0.3 else [sheet]):
            change(name, lambda x: re.sub(rb'<row r="\d+"', b"<row", re.sub(rb' r="[A-Z]+\d+"', b"", x)) if both
                   else re.sub(rb' r="[A-Z]+\d+"', b"", x))
        what = "cells" + (" and rows" if both else "") + " without r"
    elif kind == "rows-out-of-order":
        def shuffle(x):
            rows = list(re.finditer(rb"<row [^>]*>.*?</row>", x, re.S))
            if len(rows) < 3:
                return x
            a, b = sorted(rng.sample(range(1, len(rows)), 2))
            pieces = [r.group(0) for r in rows]
            op = rng.choice(["swap", "duplicate", "reverse"])
            if op == "swap":
                pieces[a], pieces[b] = pieces[b], pieces[a]
            elif op == "duplicate":
                pieces.insert(b, pieces[a])
            else:
                pieces = pieces[:1] + pieces[1:][::-1]
            return x[:rows[0].start()] + b"".join(pieces) + x[rows[-1].end():]
        change(sheet, shuffle)
        what = "rows reordered"
    elif kind == "deep-xml":
        depth = rng.choice([100, 5_000, 50_000, 150_000])
        where = rng.choice(["sheet", "strings", "cell"])
        if where == "sheet":
            change(sheet, lambda x: x.replace(b"</worksheet>", b"<extLst>" + b"<ext>" * depth + b"</ext>" * depth
                                              + b"</extLst></worksheet>"))
        elif where == "strings":
            change("xl/sharedStrings.xml", lambda x: x.replace(b"<si><t>", b"<si>" + b"<r>" * depth + b"<t>x</t>"
                                                               + b"</r>" * depth + b"</si><si><t>", 1))
        else:
            change(sheet, lambda x: re.sub(rb"(<c r=\"B2\"[^>]*>)", lambda m: m.group(1) + b"<x>" * depth
                                           + b"</x>" * depth, x, count=1))
        what = f"{depth} nested elements in the {where}"
    elif kind == "odd-xml":
        op = rng.choice(["utf16", "prefixed", "cdata", "comments", "inline", "error-cell", "bool-cell", "date-cell",
                         "string-index", "number-text", "rich-text", "char-refs", "bad-char-ref", "bom"])
        target = "xl/sharedStrings.xml" if op in ("cdata", "rich-text") else sheet
        ns = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"

        def odd(x):
            if op == "utf16":
                return x.replace(b'encoding="UTF-8"', b'encoding="UTF-16"').decode("utf-8").encode("utf-16")
            if op == "bom":
                return b"\xef\xbb\xbf" + x
            if op == "prefixed":
                x = x.replace(b'xmlns="' + ns + b'"', b'xmlns:x="' + ns + b'"')
                return re.sub(rb"<(/?)(worksheet|sheetData|row|c|v|dimension|sheetViews|sheetView|pane|selection|"
                              rb"sheetFormatPr|cols|col|tableParts|tablePart|pageMargins|is|t|f)([\s/>])",
                              rb"<\1x:\2\3", x)
            if op == "cdata":
                return re.sub(rb"<t>([^<]{1,60})</t>", rb"<t><![CDATA[\1]]></t>", x, count=20)
            if op == "comments":
                return x.replace(b"</c>", b"</c><!-- c --><?pi x?>")
            if op == "inline":
                return re.sub(rb'<c r="([A-Z]+\d+)"([^>]*) t="s"><v>\d+</v></c>',
                              rb'<c r="\1"\2 t="inlineStr"><is><t>inline</t></is></c>', x, count=rng.randint(1, 50))
            if op == "error-cell":
                return re.sub(rb'<c r="([A-Z]+\d+)"([^>]*) t="s"><v>\d+</v></c>',
                              rb'<c r="\1"\2 t="e"><v>#REF!</v></c>', x, count=rng.randint(1, 5))
            if op == "bool-cell":
                return re.sub(rb'<c r="([A-Z]+\d+)"([^>]*) t="s"><v>\d+</v></c>', rb'<c r="\1"\2 t="b"><v>1</v></c>',
                              x, count=rng.randint(1, 5))
            if op == "date-cell":
                return re.sub(rb'<c r="([A-Z]+\d+)"([^>]*) t="s"><v>\d+</v></c>',
                              rb'<c r="\1"\2 t="d"><v>2026-01-01T00:00:00</v></c>', x, count=rng.randint(1, 5))
            if op == "string-index":
                bad = rng.choice([b"999999", b"-1", b"1.0", b"99999999999999999999", b" 3 ", b""])
                return re.sub(rb'( t="s"><v>)\d+(</v>)', lambda m: m.group(1) + bad + m.group(2), x, count=1)
            if op == "number-text":
                return re.sub(rb'<c r="([A-Z]+\d+)"([^>]*) t="s"><v>\d+</v></c>', rb'<c r="\1"\2><v>abc</v></c>', x, count=1)
            if op == "rich-text":
                return re.sub(rb"<si><t>([^<]{2,40})</t></si>", rb'<si><r><t>\1</t></r><r><rPr><b/></rPr><t>!</t></r>'
                              rb'<rPh sb="0" eb="1"><t>ruby</t></rPh></si>', x, count=10)
            if op == "char-refs":
                return re.sub(rb"<v>(\d)", rb"<v>&#x3\1;", x, count=30)
            return re.sub(rb"<v>", b"<v>&#0;", x, count=1)  # bad-char-ref
        change(target, odd)
        what = f"{op} in {target}"
    elif kind == "doctype":
        target = rng.choice([sheet, "xl/sharedStrings.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                             "_rels/.rels", "[Content_Types].xml", "xl/styles.xml"])
        op = rng.choice(["laughs", "external", "plain"])
        if op == "laughs":
            dtd = b'<!DOCTYPE z [<!ENTITY a "aaaaaaaaaa">' + b"".join(
                b'<!ENTITY %s "%s">' % (b"a" * (i + 2), (b"&" + b"a" * (i + 1) + b";") * 10) for i in range(8)) + b"]>"
            use = b"&" + b"a" * 9 + b";"
        elif op == "external":
            dtd, use = b'<!DOCTYPE z [<!ENTITY ext SYSTEM "file:///etc/hostname">]>', b"&ext;"
        else:
            dtd, use = b'<!DOCTYPE worksheet>', b""

        def declare(x):
            x = re.sub(rb"(<\?xml[^>]*\?>\s*)", lambda m: m.group(1) + dtd, x, count=1) if x.startswith(b"<?xml") else dtd + x
            if use:
                x = re.sub(rb"<(t|v)>", lambda m: b"<" + m.group(1) + b">" + use, x, count=1)
            return x
        change(target, declare)
        what = f"DOCTYPE ({op}) in {target}"
    else:  # xml-damage: bytes changed inside one part, the zip itself sound
        target = rng.choice([sheet, "xl/sharedStrings.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                             rng.choice(names)])

        def damage(x):
            buf = bytearray(x)
            for _ in range(rng.randint(1, 6)):
                if not buf:
                    break
                i = rng.randrange(len(buf))
                op = rng.randrange(4)
                if op == 0:
                    buf[i] ^= rng.randint(1, 255)
                elif op == 1:
                    del buf[i:i + rng.randint(1, 40)]
                elif op == 2:
                    buf[i:i] = rng.choice([b"<", b">", b"&", b'"', b"</c>", b"<c>", b"<row>", b"\xff", b"\x00"])
                else:
                    j = rng.randrange(len(buf))
                    buf[i:i] = buf[j:j + rng.randint(1, 200)]
            return bytes(buf)
        change(target, damage)
        what = f"bytes changed inside {target}"
    _write_zip(members, out)
    return what


def _genuine_odd(inspector: Path, work: Path, out: Path, rng: random.Random) -> tuple[str, dict]:
    """A genuine export whose comments (and a case field) hold odd but valid text: (what, expected answers)."""
    import shutil

    from fileexam.domain.cases import BadValue
    from fileexam.services.export import export_workbook
    from fileexam.store.inspection_file import InspectionFile

    shutil.copyfile(inspector, work)
    expected, done = {}, []
    with InspectionFile.open(work) as f:
        marker = rng.choice([HM_MARKER, HM_OTHER])
        open_answers = [(r, q) for r, q in f.conn.execute(
            "SELECT a.case_ref, a.question_id FROM answers a LEFT JOIN markings k ON k.case_ref=a.case_ref"
            " AND k.marker=a.marker WHERE a.marker=? AND coalesce(k.status, '') != 'complete'", [marker])]
        for _ in range(rng.randint(1, 4)):
            ref, qid = rng.choice(open_answers)
            text = rng.choice(ODD_TEXT) if rng.random() < 0.8 else "".join(rng.sample(ODD_TEXT[:8] + ODD_TEXT[10:30], 4))
            try:
                a = f.set_answer(ref, qid, marker, f.answers(ref, marker)[qid].value, comment=text)
            except BadValue:
                continue  # refused at input (over 32,767 characters, not text): never exported
            expected[f"{ref}|{qid}|{marker}"] = [a.value, a.comment]
            done.append(f"{qid} comment {text[:20]!r}")
        if rng.random() < 0.5:
            ref = rng.choice(open_answers)[0]
            text = rng.choice(ODD_TEXT)
            try:
                f.set_field(ref, "offence", text, marker, "odd text")
                done.append(f"offence {text[:20]!r}")
            except BadValue:
                pass
        export_workbook(f, out, marker if rng.random() < 0.7 else None)
    work.unlink()
    return "; ".join(done), expected


def _master_tables(path: Path) -> list:
    import sqlite3
    con = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
    try:
        return [con.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3").fetchall() for t in ("answers", "markings")]
    finally:
        con.close()


def _invalid_rows(f) -> list[str]:
    """Stored answers and markings that break the store's own rules (what --accept-changed must never let in)."""
    from datetime import datetime, timedelta, timezone

    from fileexam.domain.answers import answer_text
    from fileexam.domain.cases import BadValue, clean_text
    from fileexam.formats.exchange_workbook import STATUSES, _parse_time

    t = f.template
    cases = {c.reference for c in f.cases()}
    latest = datetime.now(timezone.utc) + timedelta(days=2)
    bad = []
    for ref, qid, marker, value, comment, set_id, at, rev in f.conn.execute(
            "SELECT case_ref, question_id, marker, value, comment, set_id, answered_at, revision FROM answers"):
        q = t.question_by_id.get(qid)
        problems = []
        if ref not in cases:
            problems.append("case not in the sample")
        if q is None or q.set_id != set_id:
            problems.append("question or set unknown")
        else:
            try:
                if answer_text(q, value) != value:
                    problems.append(f"value {str(value)[:30]!r} not as fileexam writes it")
            except BadValue:
                problems.append(f"value {str(value)[:30]!r} invalid")
        try:
            if comment and clean_text(comment) != comment:
                problems.append("comment holds control characters")
        except BadValue as exc:
            problems.append(f"comment: {str(exc)[:60]}")
        when = _parse_time(at) if isinstance(at, str) else None
        if when is None or when > latest:
            problems.append(f"answered_at {str(at)[:35]!r}")
        if not isinstance(rev, int) or not 1 <= rev <= 2 ** 31 - 1:
            problems.append(f"revision {rev!r}")
        if not marker or not str(marker).strip():
            problems.append("no marker")
        if problems:
            bad.append(f"{ref}/{qid}/{marker}: " + ", ".join(problems))
    for ref, marker, status in f.conn.execute("SELECT case_ref, marker, status FROM markings"):
        if status not in STATUSES or ref not in cases:
            bad.append(f"marking {ref}/{marker}: status {status!r}")
    return bad[:5]


def _try_merge(master: str, trial: str, workbook: str, accept: bool, expected: dict) -> dict:
    """In the (forked) child: merge one workbook into a fresh copy of the master, then look at the master."""
    import shutil
    import traceback

    from fileexam.services.merge import merge_workbooks
    from fileexam.store.inspection_file import InspectionFile

    shutil.copyfile(master, trial)
    res: dict = {"outcome": None}
    before = _master_tables(Path(trial))
    with InspectionFile.open(trial) as f:
        start = time.perf_counter()
        try:
            w = merge_workbooks(f, [Path(workbook)], "TL", accept_changed=accept).workbooks[0]
            res.update(outcome=w.outcome, said=w.line()[:3000])
        except BaseException as exc:  # noqa: BLE001 - what the run counts
            res.update(outcome="raised", said=f"{type(exc).__name__}: {str(exc)[:300]}",
                       traceback=traceback.format_exc(limit=-5)[-3000:])
        res["seconds"] = round(time.perf_counter() - start, 3)
        res["left_in_transaction"] = f.conn.in_transaction
        if res["outcome"] in ("merged", "unchanged"):
            res["invalid"] = _invalid_rows(f)
            got = {f"{r}|{q}|{m}": [v, c] for r, q, m, v, c in f.conn.execute(
                "SELECT case_ref, question_id, marker, value, comment FROM answers")}
            res["not_as_exported"] = [k for k, v in expected.items() if got.get(k) != v][:3]
            # This run's workbooks all come from the master's own template: any other set fingerprint was typed in.
            res["foreign_fingerprints"] = [f"{r}/{q}/{m}: {str(fp)[:40]!r}" for r, q, m, fp in f.conn.execute(
                "SELECT case_ref, question_id, marker, set_fingerprint FROM answers a WHERE NOT EXISTS (SELECT 1 FROM"
                " definitions d WHERE d.kind='question-set' AND d.def_id=a.set_id AND d.fingerprint=a.set_fingerprint)"
                " LIMIT 3")]
    res["changed"] = _master_tables(Path(trial)) != before
    res["integrity"] = _integrity(Path(trial))
    if res["outcome"] in ("merged", "unchanged"):
        res["status_rc"], res["status_err"] = _cli(["status", trial])
        res["export_rc"], res["export_err"] = _cli(["export", trial, trial + ".xlsx"])
    return res


def hostile_merge(inputs: int, seed: int = 1, folder: Path | None = None) -> dict:
    """Genuine exchange workbooks, damaged and forged every way we know, and genuine ones with odd text, each merged
    into a fresh copy of a master. Counts: tracebacks (an exception out of merge_workbooks, or a Python exception's
    name in what a person is shown), half-changed masters (a refused workbook that changed answers or markings, or
    a merged one after which the master fails integrity_check, `fileexam status` or `fileexam export`), invalid data
    let in, genuine exports refused or changed, crashes and hangs (a native abort kills only the forked copy)."""
    import shutil

    from fileexam.services.export import export_workbook
    from fileexam.store.inspection_file import InspectionFile

    rng = random.Random(seed)
    folder = Path(folder or tempfile.mkdtemp())
    cache, work, kept = folder / "cache", folder / "inputs", folder / "failures"
    for d in (cache, work, kept):
        d.mkdir(parents=True, exist_ok=True)
    exception_name = _exception_names()
    with _Private(folder / "home"):
        master = _new_inspection(folder / "master.fileexam", "Hostile merge")
        inspector = _inspector_file(folder / "inspector.fileexam", HM_MARKER, 6, seed, other=HM_OTHER)
        genuine = [folder / "marker.xlsx", folder / "all.xlsx"]
        with InspectionFile.open(inspector) as f:
            export_workbook(f, genuine[0], HM_MARKER)
            export_workbook(f, genuine[1], None)
        shipped = ROOT / "exports" / "examples" / "work-a-khan.xlsx"  # format version 1, still read
        (cache / "master.bytes").write_bytes(master.read_bytes())

        kinds = HOSTILE_KINDS[:]
        rng.shuffle(kinds)
        counts = {"tracebacks": 0, "half_changed_masters": 0, "invalid_data_merged": 0, "genuine_refused": 0,
                  "genuine_changed": 0, "crashes": 0, "hangs": 0}
        outcomes: dict[str, int] = {}
        examples: dict[str, list] = {}
        slowest: list = []   # the five slowest merges, and the five largest peak RSS of a merging process
        biggest: list = []
        harness_errors, unmade = [], 0
        signatures: dict[str, int] = {}
        by_kind: dict[str, dict[str, int]] = {}
        info_fingerprints = 0
        for n in range(inputs):
            kind = kinds[n % len(kinds)]
            r = random.Random(f"{seed}-{n}")
            wb = work / f"in-{n}.xlsx"
            accept = r.random() < 0.5
            expected: dict = {}
            is_genuine = kind.startswith("genuine")
            try:
                if kind == "genuine":
                    src = r.choice(genuine + [shipped])
                    shutil.copyfile(src, wb)
                    what = src.name
                elif kind == "genuine-odd-text":
                    what, expected = _genuine_odd(inspector, work / "odd.fileexam", wb, r)
                elif kind in CELL_KINDS or kind in ROW_KINDS:
                    what = _edit_cells(r.choice(genuine), wb, kind, r, resign=r.random() < 0.5)
                else:
                    what = _structural(r.choice(genuine), wb, kind, r, cache)
            except Exception as exc:  # noqa: BLE001 - making the input failed: the harness's problem, said as such
                harness_errors.append(f"input {n} ({kind}): {type(exc).__name__}: {str(exc)[:200]}")
                unmade += 1
                continue
            trial = work / f"master-{n}.fileexam"
            res = _isolated(_try_merge, str(master), str(trial), str(wb), accept, expected)
            label = {"input": n, "kind": kind, "what": what[:300], "accept_changed": accept}
            failed: set[str] = set()

            def fail(key: str, signature: str, **detail) -> None:
                failed.add(key)
                signatures[signature] = signatures.get(signature, 0) + 1
                _example(examples, key, {**label, **detail})

            if "harness_error" in res:
                harness_errors.append(f"input {n} ({kind}): {res['harness_error'][-600:]}")
            elif "crash" in res:
                key = "hangs" if res["hung"] else "crashes"
                by_kind.setdefault(kind, {}).setdefault(key, 0)
                by_kind[kind][key] += 1
                fail(key, _signature(key, res["said"]), how=res["crash"], said=res["said"])
            else:
                outcome = res["outcome"]
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                by_kind.setdefault(kind, {}).setdefault(outcome, 0)
                by_kind[kind][outcome] += 1
                slowest = sorted(slowest + [(res["seconds"], f"input {n} ({kind}): {what[:120]}")], reverse=True)[:5]
                biggest = sorted(biggest + [(res.get("child_rss_mb") or 0, f"input {n} ({kind}): {what[:120]}")],
                                 reverse=True)[:5]
                cli = "\n".join(str(res.get(k) or "") for k in ("status_err", "export_err"))
                name = exception_name.search(res["said"] or "") or exception_name.search(cli)
                if outcome == "raised" or res.get("status_rc") in (2, "raised") or res.get("export_rc") in (2, "raised"):
                    fail("tracebacks", _signature("tracebacks", res.get("traceback") or cli), said=res["said"][:600],
                         where=(res.get("traceback") or "")[-1500:], cli=cli[-1500:])
                elif name:
                    fail("tracebacks", f"tracebacks: '{name.group(0)}' shown in a message ({kind})",
                         said=res["said"][:600], cli=cli[:600])
                if outcome in ("refused", "raised") and (res["changed"] or res["left_in_transaction"]):
                    fail("half_changed_masters", f"half_changed_masters: {outcome}, changed ({kind})",
                         said=res["said"][:400], left_in_transaction=res["left_in_transaction"])
                if outcome in ("merged", "unchanged") and (res["integrity"] != "ok" or res["status_rc"] != 0
                                                           or res["export_rc"] != 0):
                    fail("half_changed_masters", f"half_changed_masters: unusable after a merge ({kind})",
                         integrity=res["integrity"], status=[res["status_rc"], res["status_err"][:300]],
                         export=[res["export_rc"], res["export_err"][:300]])
                if res.get("invalid"):
                    fail("invalid_data_merged", f"invalid_data_merged: {res['invalid'][0].split(': ', 1)[-1][:60]}",
                         rows=res["invalid"])
                if is_genuine and outcome not in ("merged", "unchanged"):
                    fail("genuine_refused", f"genuine_refused: {kind}", said=res["said"][:600])
                if is_genuine and res.get("not_as_exported"):
                    fail("genuine_changed", f"genuine_changed: {kind}", answers=res["not_as_exported"])
                if res.get("foreign_fingerprints"):
                    info_fingerprints += 1
                    _example(examples, "set_fingerprint_not_the_masters", {**label, "rows": res["foreign_fingerprints"]})
            for key in failed:
                counts[key] += 1
            if failed:  # kept for the engineer who fixes it: the workbook that did it
                shutil.copyfile(wb, kept / f"{n}-{kind}.xlsx")
            wb.unlink(missing_ok=True)
            for suffix in ("", "-wal", "-shm", ".xlsx"):
                Path(str(trial) + suffix).unlink(missing_ok=True)
        shutil.rmtree(cache, ignore_errors=True)
    return {"run": "hostile-merge", "inputs_tried": inputs - unmade, "kinds": len(set(HOSTILE_KINDS)), **counts,
            "outcomes": outcomes, "merged_with_a_set_fingerprint_not_the_masters": info_fingerprints,
            "peak_rss_mb": max([b[0] for b in biggest] + [_rss_mb("children") or 0]) if resource else None,
            "largest_rss_mb": biggest, "baseline_rss_mb": _rss_mb(),
            "slowest_merge_seconds": slowest[0][0] if slowest else None, "slowest_merges": slowest,
            "failure_signatures": signatures, "harness_errors": harness_errors[:5],
            "failures_kept_in": str(kept) if any(counts.values()) else None, "by_kind": by_kind, "examples": examples}


# ---- damaged and foreign files opened ------------------------------------------------------------------------
DAMAGE_KINDS = ["truncated", "byte-flip", "header-flip", "btree-header-flip", "zero-page", "swap-pages", "copy-page",
                "scramble-pages", "junk-appended", "content-damage"]
CONTENT_DAMAGE = [  # sound to SQLite, wrong to fileexam: another tool (or a person with DB Browser) edited the file
    "DELETE FROM meta WHERE key='template_fingerprint'", "DELETE FROM meta WHERE key='name'",
    "UPDATE meta SET value='' WHERE key='inspection_id'", "UPDATE meta SET value=NULL WHERE key='name'",
    "UPDATE cases SET fields='[]' WHERE rowid=1", "UPDATE cases SET fields='not json' WHERE rowid=2",
    "UPDATE cases SET fields='{\"area\": 7}' WHERE rowid=3", "UPDATE cases SET inspector=NULL WHERE rowid=4",
    "UPDATE answers SET value='maybe' WHERE rowid=1", "UPDATE answers SET value=NULL WHERE rowid=2",
    "UPDATE answers SET value=x'ff00' WHERE rowid=3", "UPDATE answers SET question_id='ZZ99' WHERE rowid=4",
    "UPDATE answers SET answered_at='yesterday', revision='many' WHERE rowid=5",
    "UPDATE answers SET case_ref='NOT-A-CASE' WHERE rowid=6", "UPDATE markings SET status='done' WHERE rowid=1",
    "UPDATE markings SET status=NULL WHERE rowid=2", "UPDATE definitions SET text='{{{' WHERE kind='question-set'",
    "UPDATE definitions SET text=substr(text, 1, 200) WHERE kind='inspection-template'",
    "DELETE FROM definitions WHERE kind='question-set'", "DROP INDEX answers_by_question",
    "DROP TABLE merges", "DROP TABLE audit", "UPDATE _sqlite_migrations SET name='m999_future' WHERE rowid=1",
    "DELETE FROM _sqlite_migrations WHERE rowid > 3", "PRAGMA application_id=0",
    "PRAGMA user_version=99", "INSERT INTO markings (case_ref, marker, status, updated_at) VALUES ('X', 'Y', "
    "'complete', 'now')"]
GOOD_KINDS = ["good", "good-live-wal", "torn-wal", "junk-wal"]
FOREIGN_KINDS = ["foreign-rollback", "foreign-wal", "foreign-lookalike", "foreign-hot-journal", "foreign-app-id",
                 "foreign-damaged", "text", "empty", "workbook-renamed", "random-bytes", "sqlite-header-only"]
OPEN_KINDS = DAMAGE_KINDS + GOOD_KINDS + FOREIGN_KINDS
SIDES = ("-wal", "-shm", "-journal")


def _real_inspection(path: Path, cases: int, seed: int) -> Path:
    """An inspection with a few hundred answers over `cases` cases, some complete; closed (one file, no WAL)."""
    from fileexam.services.demo import demo_answers
    from fileexam.store.inspection_file import InspectionFile

    rng = random.Random(seed)
    _new_inspection(path, "Damaged open")
    with InspectionFile.open(path) as f:
        for i, c in enumerate(f.cases()[:cases]):
            for qid, value in demo_answers(f.template, c, rng).items():
                f.set_answer(c.reference, qid, "crash", value, comment="checked" if rng.random() < 0.2 else None)
            if i % 3 == 0:
                f.mark_complete(c.reference, "crash")
    return path


def _live_wal(real: Path, out: Path, rng: random.Random, shm: bool) -> None:
    """A copy of `real` taken while a connection holds un-checkpointed answers in its WAL (a laptop that lost power)."""
    import shutil

    from fileexam.store.inspection_file import InspectionFile

    src = out.with_name(out.name + ".src.fileexam")
    shutil.copyfile(real, src)
    f = InspectionFile.open(src)
    try:
        f.conn.execute("PRAGMA wal_autocheckpoint=0")
        for c in rng.sample([c for c in f.cases()[20:]], 3):
            f.set_answer(c.reference, "DI01", "wal", rng.choice(["fully", "partially"]))
        shutil.copyfile(src, out)
        shutil.copyfile(str(src) + "-wal", str(out) + "-wal")
        if shm:
            shutil.copyfile(str(src) + "-shm", str(out) + "-shm")
    finally:
        f.close()
        src.unlink(missing_ok=True)


def _foreign_sqlite(out: Path, rng: random.Random, kind: str) -> str:
    import shutil
    import sqlite3

    journal = "wal" if kind == "foreign-wal" or (kind == "foreign-damaged" and rng.random() < 0.7) else "delete"
    con = sqlite3.connect(out, isolation_level=None)
    con.execute(f"PRAGMA journal_mode={journal}")
    what = [journal]
    if kind == "foreign-app-id":
        con.execute(f"PRAGMA application_id={rng.choice([1, 0x4658414E, 0x7FFFFFFF, -1])}")
    if kind == "foreign-lookalike":  # our table names, without our migrations (or with someone else's)
        for t in ("meta", "definitions", "cases", "markings", "answers", "audit"):
            con.execute(f"CREATE TABLE {t} (key TEXT, value TEXT)")
        con.executemany("INSERT INTO meta VALUES (?,?)", [("inspection_id", "x"), ("name", "n"),
                                                          ("template_fingerprint", "f")])
        if rng.random() < 0.5:
            con.execute("CREATE TABLE _sqlite_migrations (migration_set TEXT, name TEXT, applied_at TEXT)")
            con.execute("INSERT INTO _sqlite_migrations VALUES ('other-app', 'm001', 'now')")
            what.append("other migrations")
    else:
        if rng.random() < 0.5:
            con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
            con.executemany("INSERT INTO meta VALUES (?,?)", [("name", "Someone's notes"), ("version", "3")])
            what.append("meta")
        con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        con.executemany("INSERT INTO notes (body) VALUES (?)", [(f"note {i} " * 20,) for i in range(rng.randint(1, 300))])
    if kind == "foreign-damaged":  # another program's file, itself damaged: still never to be written
        con.close()
        buf = bytearray(out.read_bytes())
        page = int.from_bytes(buf[16:18], "big") or 65536
        op = rng.choice(["schema-zeroed", "truncated", "page-flipped"])
        if op == "schema-zeroed":
            buf[100:page] = bytes(page - 100)
        elif op == "truncated":
            del buf[rng.randrange(100, len(buf)):]
        else:
            for _ in range(rng.randint(1, 20)):
                buf[rng.randrange(100, len(buf))] ^= rng.randint(1, 255)
        out.write_bytes(bytes(buf))
        return f"{journal}, {op}"
    if kind == "foreign-hot-journal":  # a writer died mid-transaction: its rollback journal is hot
        con.execute("PRAGMA cache_size=2")  # the change spills into the file before commit: the journal is hot
        con.execute("BEGIN")
        con.execute("CREATE TABLE pending (x)")
        con.executemany("INSERT INTO pending VALUES (?)", [("p" * 200,) for _ in range(3000)])
        con.execute("UPDATE notes SET body = 'changed'")
        shutil.copyfile(out, out.with_suffix(".tmp"))
        journal_file = Path(str(out) + "-journal")
        shutil.copyfile(journal_file, str(out) + ".tmp-journal")
        con.execute("ROLLBACK")
        con.close()
        out.with_suffix(".tmp").replace(out)
        Path(str(out) + ".tmp-journal").replace(journal_file)
        return "rollback with a hot journal"
    if kind == "foreign-wal" and rng.random() < 0.6:  # its -wal still holds data
        con.execute("PRAGMA wal_autocheckpoint=0")
        con.execute("CREATE TABLE later (x)")
        con.executemany("INSERT INTO later VALUES (?)", [(i,) for i in range(500)])
        shutil.copyfile(out, out.with_suffix(".tmp"))
        shutil.copyfile(str(out) + "-wal", str(out) + ".tmp-wal")
        con.close()
        out.with_suffix(".tmp").replace(out)
        Path(str(out) + ".tmp-wal").replace(Path(str(out) + "-wal"))
        return "wal with a live -wal" + (", meta" if "meta" in what else "")
    con.close()
    return ", ".join(what)


def _make_open_input(kind: str, real: Path, out: Path, rng: random.Random, workbook: Path) -> str:
    import shutil

    data = real.read_bytes()
    page = int.from_bytes(data[16:18], "big") or 65536
    pages = len(data) // page
    buf = bytearray(data)

    def some_page():
        return rng.randrange(1, pages)  # page 1 (the header and schema) is damaged by its own kinds

    if kind == "truncated":
        cut = rng.choice([rng.randrange(len(data)), page * rng.randrange(1, pages), rng.randrange(100, 4096)])
        out.write_bytes(data[:cut])
        return f"cut at byte {cut} of {len(data)}"
    if kind == "byte-flip":
        where = sorted(rng.randrange(100, len(buf)) for _ in range(rng.randint(1, 64)))
        for i in where:
            buf[i] ^= rng.randint(1, 255)
        what = f"{len(where)} bytes flipped, first at {where[:4]}"
    elif kind == "header-flip":
        where = [rng.choice([rng.randrange(100), rng.randrange(16, 28), rng.randrange(28, 100)])
                 for _ in range(rng.randint(1, 3))]
        for i in where:
            buf[i] ^= rng.randint(1, 255)
        what = f"header bytes {where} flipped"
    elif kind == "btree-header-flip":
        p = some_page()
        i = p * page + rng.randrange(12)
        buf[i] ^= rng.randint(1, 255)
        what = f"b-tree header of page {p + 1} byte {i - p * page}"
    elif kind == "zero-page":
        p = some_page()
        buf[p * page:(p + 1) * page] = bytes(page)
        what = f"page {p + 1} zeroed"
    elif kind == "swap-pages":
        a, b = some_page(), some_page()
        buf[a * page:(a + 1) * page], buf[b * page:(b + 1) * page] = data[b * page:(b + 1) * page], data[a * page:(a + 1) * page]
        what = f"pages {a + 1} and {b + 1} swapped"
    elif kind == "copy-page":
        a, b = some_page(), some_page()
        buf[b * page:(b + 1) * page] = data[a * page:(a + 1) * page]
        what = f"page {a + 1} copied over {b + 1}"
    elif kind == "scramble-pages":
        start = rng.randrange(0, pages - 2)
        run = list(range(start, min(pages, start + rng.randint(2, 12))))
        order = run[:]
        rng.shuffle(order)
        for dst, src in zip(run, order):
            buf[dst * page:(dst + 1) * page] = data[src * page:(src + 1) * page]
        what = f"pages {run[0] + 1}-{run[-1] + 1} shuffled"
    elif kind == "content-damage":
        import sqlite3
        out.write_bytes(data)
        edits = rng.sample(CONTENT_DAMAGE, rng.randint(1, 3))
        con = sqlite3.connect(out, isolation_level=None)
        done = []
        try:
            con.execute("PRAGMA foreign_keys=OFF")
            for sql in edits:
                try:
                    con.execute(sql)
                    done.append(sql)
                except sqlite3.IntegrityError:  # the schema itself forbids it (a NOT NULL column)
                    pass
        finally:
            con.close()
        return "; ".join(done) or "nothing the schema allows"
    elif kind == "junk-appended":
        buf += rng.randbytes(rng.choice([17, page, page * rng.randint(2, 8)]))
        what = "junk after the last page"
    elif kind == "good":
        what = "an untouched copy"
    elif kind in ("good-live-wal", "torn-wal", "junk-wal"):
        if kind == "junk-wal":
            out.write_bytes(data)
            Path(str(out) + "-wal").write_bytes(rng.randbytes(rng.choice([10, 32, 4000, 70000])))
            return "a sound file beside a -wal of random bytes"
        shm = rng.random() < 0.5
        _live_wal(real, out, rng, shm)
        if kind == "torn-wal":
            wal = Path(str(out) + "-wal")
            size = wal.stat().st_size
            cut = rng.randrange(32, size)
            with wal.open("r+b") as fh:
                fh.truncate(cut)
            return f"live -wal cut at {cut} of {size}" + (" (with -shm)" if shm else "")
        return "a live -wal" + (" and -shm" if shm else "")
    elif kind.startswith("foreign"):
        return _foreign_sqlite(out, rng, kind)
    elif kind == "text":
        out.write_text("Area inspection 2026\nreference,marker\n01AB1234567,A. Khan\n" * rng.randint(1, 50))
        return "text"
    elif kind == "empty":
        out.write_bytes(b"")
        return "empty"
    elif kind == "workbook-renamed":
        shutil.copyfile(workbook, out)
        return "an exchange workbook renamed .fileexam"
    elif kind == "random-bytes":
        out.write_bytes(rng.randbytes(rng.choice([50, 100, 4096, 100_000])))
        return "random bytes"
    else:  # sqlite-header-only: the header of an inspection file without its application id, then zeros
        header = bytearray(data[:100])
        header[68:72] = bytes(4)
        if rng.random() < 0.5:
            header[18:20] = b"\x01\x01"  # rollback journal, not WAL
        out.write_bytes(bytes(header) + bytes(rng.choice([0, page - 100, page * 3])))
        return "an SQLite header (" + ("WAL" if header[18] == 2 else "rollback") + ") and zeros"
    out.write_bytes(bytes(buf))
    return what


def _state(path: Path) -> dict:
    return {suffix: _sha(Path(str(path) + suffix)) for suffix in ("",) + SIDES}


def _reference_check(path: Path, scratch: Path) -> str:
    """SQLite's own verdict on a copy (with its -wal): 'ok', or what is wrong."""
    import shutil
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    copy = scratch / "copy.fileexam"
    shutil.copyfile(path, copy)
    for suffix in ("-wal", "-journal"):
        if Path(str(path) + suffix).exists():
            shutil.copyfile(str(path) + suffix, str(copy) + suffix)
    import sqlite3
    try:
        con = sqlite3.connect(copy)
        con.text_factory = lambda b: b.decode("utf-8", "replace")  # damage reaches the names it reports
        try:
            return "; ".join(r[0] for r in con.execute("PRAGMA integrity_check(5)"))[:300]
        finally:
            con.close()
    except sqlite3.Error as exc:
        return f"SQLite: {exc}"
    except UnicodeDecodeError:  # SQLite's message quotes damaged bytes of the schema, and Python cannot decode it
        return "SQLite: an error whose message is not UTF-8 (a damaged schema)"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _try_open(path: str, scratch: str, ours: bool) -> dict:
    """In the (forked) child: InspectionFile.open(check="full"), then `fileexam status`, each watched."""
    import traceback

    from fileexam.store.errors import StoreError
    from fileexam.store.file_check import DamagedFile, NotAnInspection
    from fileexam.store.inspection_file import InspectionFile

    p = Path(path)
    res: dict = {"reference": _reference_check(p, Path(scratch)) if ours else None, "before": _state(p)}
    try:
        f = InspectionFile.open(p, check="full")
        f.close()
        res["open"], res["open_said"] = "opened", ""
    except DamagedFile as exc:
        res["open"], res["open_said"] = "damaged", str(exc)[:400]
    except NotAnInspection as exc:
        res["open"], res["open_said"] = "not-an-inspection", str(exc)[:400]
    except StoreError as exc:
        res["open"], res["open_said"] = "refused", str(exc)[:400]
    except BaseException as exc:  # noqa: BLE001 - what the run counts
        res["open"], res["open_said"] = "raised", f"{type(exc).__name__}: {str(exc)[:300]}"
        res["traceback"] = traceback.format_exc(limit=-5)[-2000:]
    res["after_open"] = _state(p)
    res["status_rc"], res["status_err"] = _cli(["status", path])
    res["after_status"] = _state(p)
    return res


def damaged_open(inputs: int, seed: int = 1, folder: Path | None = None) -> dict:
    """Damaged copies of a real inspection file (truncated, bytes flipped, pages zeroed, swapped, scrambled), sound
    ones (with a live, torn or junk -wal), and other programs' files, each opened with InspectionFile.open(check="full")
    and with `fileexam status`. Counts: tracebacks (an exception other than a refusal out of open(), exit 2 or a
    Python exception's name from the command), damaged files opened silently (SQLite's integrity_check fails on a
    copy, yet it opened or status succeeded), files changed by opening (bytes, or a -wal/-shm/-journal left, made or
    removed beside another program's file), foreign files written, good files refused; crashes and hangs."""
    import shutil

    from fileexam.services.export import export_workbook
    from fileexam.store.inspection_file import InspectionFile

    rng = random.Random(seed)
    folder = Path(folder or tempfile.mkdtemp())
    work, kept = folder / "inputs", folder / "failures"
    for d in (work, kept):
        d.mkdir(parents=True, exist_ok=True)
    exception_name = _exception_names()
    with _Private(folder / "home"):
        real = _real_inspection(folder / "real.fileexam", 12, seed)
        workbook = folder / "work.xlsx"
        with InspectionFile.open(real) as f:
            export_workbook(f, workbook, None)
            answers = f.count_answers()
        kinds = OPEN_KINDS[:]
        rng.shuffle(kinds)
        counts = {"tracebacks": 0, "damaged_opened_silently": 0, "files_changed_by_opening": 0,
                  "foreign_files_written": 0, "good_files_refused": 0, "crashes": 0, "hangs": 0}
        info = {"damaged": 0, "intact_damage_refused": 0, "foreign_called_damaged": 0,
                "side_files_left_beside_refused_inspections": 0}
        by_kind: dict[str, dict[str, int]] = {}
        signatures: dict[str, int] = {}
        outcomes: dict[str, int] = {}
        examples: dict[str, list] = {}
        harness_errors, unmade = [], 0
        for n in range(inputs):
            kind = kinds[n % len(kinds)]
            r = random.Random(f"{seed}-{n}")
            path = work / f"in-{n}.fileexam"
            try:
                what = _make_open_input(kind, real, path, r, workbook)
            except Exception as exc:  # noqa: BLE001 - the harness's own failure
                harness_errors.append(f"input {n} ({kind}): {type(exc).__name__}: {str(exc)[:200]}")
                unmade += 1
                continue
            foreign = kind in FOREIGN_KINDS
            res = _isolated(_try_open, str(path), str(work / f"scratch-{n}"), not foreign)
            label = {"input": n, "kind": kind, "what": what}
            failed: set[str] = set()

            def fail(key: str, signature: str, **detail) -> None:
                failed.add(key)
                signatures[signature] = signatures.get(signature, 0) + 1
                _example(examples, key, {**label, **detail})

            if "harness_error" in res:
                harness_errors.append(f"input {n} ({kind}): {res['harness_error'][-600:]}")
            elif "crash" in res:
                key = "hangs" if res["hung"] else "crashes"
                by_kind.setdefault(kind, {}).setdefault(key, 0)
                by_kind[kind][key] += 1
                fail(key, _signature(key, res["said"]), how=res["crash"], said=res["said"])
            else:
                outcome = f"{res['open']}/{res['status_rc']}"
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                by_kind.setdefault(kind, {}).setdefault(outcome, 0)
                by_kind[kind][outcome] += 1
                opened, listed = res["open"] == "opened", res["status_rc"] == 0
                damaged = res["reference"] not in (None, "ok")
                info["damaged"] += damaged
                name = exception_name.search(res["open_said"]) or exception_name.search(res["status_err"])
                if res["open"] == "raised" or res["status_rc"] in (2, "raised"):
                    fail("tracebacks", _signature("tracebacks", res.get("traceback") or res["status_err"]),
                         open=res["open_said"][:400], status=[res["status_rc"], res["status_err"][-1200:]],
                         where=res.get("traceback", "")[-1200:])
                elif name:
                    fail("tracebacks", f"tracebacks: '{name.group(0)}' shown in a message ({kind})",
                         open=res["open_said"][:400], status=res["status_err"][:400])
                if damaged and (opened or listed):
                    fail("damaged_opened_silently", f"damaged_opened_silently: {kind}", integrity_check=res["reference"],
                         open=res["open"], status_rc=res["status_rc"])
                if kind in GOOD_KINDS and not damaged and not (opened and listed):
                    fail("good_files_refused", f"good_files_refused: {kind}: {res['open_said'][-80:]}",
                         open=res["open_said"][:400], status=[res["status_rc"], res["status_err"][:400]])
                if kind in DAMAGE_KINDS and not damaged and not (opened and listed):
                    info["intact_damage_refused"] += 1  # e.g. a flipped byte in a stored template: refused, rightly
                if foreign and res["open"] == "damaged":
                    info["foreign_called_damaged"] += 1
                # What opening may change: an inspection file that opens may be written (its -wal checkpointed, an
                # older one upgraded and given its application id). A refused one, and any other program's file
                # (with what lies beside it), must be left exactly as it was.
                steps = [res["before"], res["after_open"], res["after_status"]]
                changed = [s for s in ("",) + SIDES if len({step[s] for step in steps}) > 1]
                by = "open" if any(res["before"][s] != res["after_open"][s] for s in changed) else "status"
                refused = not (opened or listed)
                if changed and not foreign and refused and "" not in changed:
                    info["side_files_left_beside_refused_inspections"] += 1
                    _example(examples, "side_files_left_beside_refused_inspections", {**label, "changed": changed,
                                                                                       "by": by})
                if (foreign and changed) or (not foreign and refused and "" in changed):
                    what_changed = "+".join(s or "file" for s in changed)
                    fail("files_changed_by_opening", f"files_changed_by_opening: {what_changed} by {by} "
                         f"({'foreign' if foreign else kind}, {res['open']})", changed=changed, open=res["open"],
                         status_rc=res["status_rc"], by=by, said=res["open_said"][:300])
                    if foreign:
                        failed.add("foreign_files_written")
            for key in failed:
                counts[key] += 1
            if failed:
                for suffix in ("",) + SIDES:
                    if Path(str(path) + suffix).exists():
                        shutil.copyfile(str(path) + suffix, kept / f"{n}-{kind}.fileexam{suffix}")
            for suffix in ("",) + SIDES:
                Path(str(path) + suffix).unlink(missing_ok=True)
    return {"run": "damaged-open", "inputs_tried": inputs - unmade, "answers_in_the_real_file": answers,
            "kinds": len(OPEN_KINDS), **counts, **info, "outcomes (open/status exit)": outcomes,
            "peak_rss_mb": max(_rss_mb("children") or 0, _rss_mb() or 0) if resource else None,
            "failure_signatures": signatures, "harness_errors": harness_errors[:5],
            "failures_kept_in": str(kept) if any(counts.values()) else None, "by_kind": by_kind, "examples": examples}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", choices=["scoring", "merge", "fuzz", "hostile-merge", "damaged-open"])
    parser.add_argument("--inputs", type=int, default=600, help="for fuzz, hostile-merge, damaged-open: how many inputs")
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--folder", type=Path, default=None, help="where to work (kept: failing inputs are copied "
                        "to its failures folder); a new temporary folder if not given")
    args = parser.parse_args(argv)
    if args.run == "fuzz":
        result = fuzz(args.inputs, args.seed, args.folder)
    elif args.run == "hostile-merge":
        result = hostile_merge(args.inputs, args.seed, args.folder)
    elif args.run == "damaged-open":
        result = damaged_open(args.inputs, args.seed, args.folder)
    else:
        result = (crash_scoring if args.run == "scoring" else crash_merge)(args.kills, args.seed, args.folder)
    print(json.dumps(result))
    return 1 if failures(result) else 0


FAILURES = ("answers_lost", "files_failing_integrity_check", "half_merged", "tracebacks", "half_changed_files",
            "half_changed_masters", "invalid_data_merged", "genuine_refused", "genuine_changed", "crashes", "hangs",
            "damaged_opened_silently", "files_changed_by_opening", "foreign_files_written", "good_files_refused")


def failures(result: dict) -> int:
    """The sum of a run's failure counts: 0 when nothing went wrong."""
    return sum(result.get(k, 0) for k in FAILURES)


if __name__ == "__main__":
    raise SystemExit(main())

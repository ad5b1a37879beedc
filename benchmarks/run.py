"""fileexam benchmarks: prints one JSON object per figure ({"name", "value", "unit", "target"}).

    python benchmarks/run.py                    # all figures
    python benchmarks/run.py --quick            # smaller inspections, for a smoke run
    python benchmarks/run.py --only report      # aggregation and report on 1,200 and 10,000 cases
    python benchmarks/run.py --only big         # aggregation and the whole `fileexam report` on 100,000 cases
    python benchmarks/run.py --only big --keep-big DIR   # ... its master built once in DIR and reused after
    python benchmarks/run.py --only report --reference   # ... and the aggregation before issue 15 beside it
    python benchmarks/run.py --only store --encrypted    # ... and the same inspection encrypted, beside the plain one
    python benchmarks/run.py --only size        # the master file's KB per case of 80 answers (target <= 8 KB)
    python benchmarks/run.py --only draw        # `fileexam sample draw` on a 50,000-row case list (CSV and .xlsx)
    python benchmarks/run.py --only start       # the built app's start-up beside the venv's (--built-app DIR ...)
    python benchmarks/run.py --only qt          # start-up through `python -m fileexam FILE`, case switch, key press
    python benchmarks/run.py --json out.json    # ... and every figure written to out.json, to compare commits

Every figure that has one is printed with its floor, measured in the same run, and the ratio to it. Each
benchmark checks it did the work it times (answers read back, focus moved, rows merged, cases counted) and
stops with NotDone when it did not: a figure of work not done is not printed.

Targets are printed beside the figures; no target fails a build (NotDone does: the benchmark is wrong). Figures on a
2-core machine vary 30-50% run to run: compare ratios measured in one run.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SETS, PER_SET = 4, 20  # 80 questions


FIGURES: list[dict] = []  # every figure printed, for --json


def emit(name: str, value: float, unit: str, target: str = "", spread: tuple[float, float] | None = None,
         floor: tuple[str, float] | None = None) -> None:
    """One figure: printed as a JSON line, and kept for --json. floor: (what, value in the same unit),
    measured in the same run; the ratio is value / floor."""
    figure = {"name": name, "value": round(value, 3), "unit": unit, "target": target}
    if spread is not None:  # the lowest and highest of repeated runs; value is their median
        figure["range"] = [round(spread[0], 3), round(spread[1], 3)]
    if floor is not None:
        figure["floor"] = {"what": floor[0], "value": round(floor[1], 4)}
        figure["ratio"] = round(value / floor[1], 2) if floor[1] else None
    FIGURES.append(figure)
    print(json.dumps(figure), flush=True)


class NotDone(AssertionError):
    """A benchmark did not do the work it times: its figure would lie."""


def require(ok: bool, what: str) -> None:
    if not ok:
        raise NotDone(f"benchmark did not do its work: {what}")


def write_definitions(folder: Path) -> Path:
    """A template of 4 sets x 20 fully/partially/not questions: 80 questions that all apply."""
    names = []
    for s in range(SETS):
        lines = ["kind: question-set", f"id: set{s}", f"title: Theme {s}", 'version: "1"', "sections:"]
        for sec in range(2):
            lines += [f"  - id: s{sec}", f"    title: Section {sec}", "    questions:"]
            for q in range(PER_SET // 2):
                qid = f"S{s}Q{sec * 10 + q:02d}"
                lines += [f"      - id: {qid}", f"        text: Question {qid}?", "        answer: fully_partially_not",
                          f"        guidance: Guidance for {qid}.", "        scores: [theme, grip]" if q % 2 else ""]
        (folder / f"set{s}.yaml").write_text("\n".join(line for line in lines if line) + "\n")
        names.append(f"set{s}.yaml")
    template = folder / "bench.yaml"
    template.write_text("\n".join([
        "kind: inspection-template", "id: bench", "title: Benchmark", 'version: "1"',
        f"question_sets: [{', '.join(names)}]",
        "case_fields:",
        "  - {id: area, type: choice, values: [A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12, A13, A14]}",
        "  - {id: strand, type: choice, values: [magistrates, crown_court]}",
        "composites:", "  - {id: grip, label: Grip}",
        "reporting: {area_field: area, strand_field: strand}",
    ]) + "\n")
    return template


def build_inspection(folder: Path, n_cases: int, inspectors: int = 14, name: str = "bench.fileexam",
                     answered: bool = True, key=None) -> Path:
    """Cases and every answer, inserted in bulk (the setup is not what is measured). key: encrypted with it."""
    from fileexam.domain.cases import Case
    from fileexam.store.answer_rows import write_answers
    from fileexam.store.inspection_file import InspectionFile, now

    path = folder / name
    template = folder / "bench.yaml"
    f = InspectionFile.create(path, template if template.exists() else write_definitions(folder), "Benchmark", "bench",
                              key=key)
    rng = random.Random(1)
    cases = [Case(f"C{i:05d}", {"area": f"A{i % 14 + 1}", "strand": "crown_court" if i % 3 else "magistrates"},
                  f"I{i % inspectors:02d}") for i in range(n_cases)]
    f.add_cases(cases, "bench", "bench")
    if not answered:
        f.close()
        return path
    t = f.template
    fps = {qs.id: qs.fingerprint for qs in t.question_sets}
    stamp = now()
    rows = []
    for c in cases:
        for q in t.questions:
            value = rng.choices(["fully", "partially", "not_met", "na"], [6, 2, 1, 1])[0]
            comment = "Comment on the review" if rng.random() < 0.1 else ""
            rows.append((c.reference, q.id, c.inspector, value, comment, q.set_id, fps[q.set_id], stamp, 1))
    with f.atomic():
        write_answers(f.conn, rows)
        f.conn.executemany("INSERT INTO markings VALUES (?,?,?,?)",
                           [(c.reference, c.inspector, "complete", stamp) for c in cases])
    f.close()
    return path


def bench_writes(path: Path, n: int = 400) -> None:
    """set_answer on open cases, against its floor: the same upsert as one raw statement in a transaction of
    its own, on the same connection (the same journal and synchronous settings). Checks every write landed."""
    from fileexam.store.inspection_file import InspectionFile

    with InspectionFile.open(path) as f:
        refs = [c.reference for c in f.cases()][:50]
        # the generated markings are complete (for the report); these are being marked
        f.conn.executemany("UPDATE markings SET status='in progress' WHERE case_ref=?", [(r,) for r in refs])
        qids = [q.id for q in f.template.questions]
        inspector = {c.reference: c.inspector for c in f.cases()}
        rng = random.Random(2)
        times, floor, last = [], [], {}
        version = f.conn.execute("SELECT min(id) FROM set_versions").fetchone()[0]  # any: the floor's row only
        for _ in range(n):
            ref, qid = rng.choice(refs), rng.choice(qids)
            marker = f.case(ref).inspector
            value = rng.choice(["fully", "partially", "not_met"])
            t0 = time.perf_counter()
            f.set_answer(ref, qid, marker, value)
            times.append((time.perf_counter() - t0) * 1000)
            last[ref, qid] = value
            t0 = time.perf_counter()
            with f.atomic():
                f.conn.execute("INSERT INTO answers (case_ref, question_id, marker, value, comment, set_version, "
                               "answered_ms, revision) VALUES (?,?,?,?,'',?,0,1) ON CONFLICT"
                               " (case_ref, question_id, marker) DO UPDATE SET answered_ms=excluded.answered_ms",
                               [ref, qid, marker, value, version])
            floor.append((time.perf_counter() - t0) * 1000)
        held = {(r, q): v for r, q, m, v in f.conn.execute("SELECT case_ref, question_id, marker, value FROM answers")
                if inspector[r] == m and (r, q) in last}
        require(held == last, "an answer written is not what the file holds")
        # complete again: the report's benchmarks on this file count every case
        f.conn.executemany("UPDATE markings SET status='complete' WHERE case_ref=?", [(r,) for r in refs])
    times.sort()
    floor.sort()
    fl = ("one raw upsert in its own transaction, same connection", statistics.median(floor))
    emit("answer write p50 (synchronous=FULL)", statistics.median(times), "ms", floor=fl)
    emit("answer write p99 (synchronous=FULL)", times[int(len(times) * 0.99) - 1], "ms", "<= 5 ms",
         floor=("one raw upsert, p99", floor[int(len(floor) * 0.99) - 1]))


def bench_open(path: Path) -> None:
    from fileexam.domain.progress import case_status
    from fileexam.store.inspection_file import InspectionFile

    runs, floor = [], []
    for _ in range(5):
        t0 = time.perf_counter()
        f = InspectionFile.open(path)
        t = f.template
        cases, statuses = f.cases(), f.statuses()
        listed = [(c.reference, case_status(c, statuses)) for c in cases]
        runs.append((time.perf_counter() - t0) * 1000)
        f.close()
        t0 = time.perf_counter()
        with InspectionFileRO(path) as conn:  # the floor: the same rows read raw
            rows = conn.execute("SELECT * FROM cases").fetchall(), conn.execute("SELECT * FROM markings").fetchall()
        floor.append((time.perf_counter() - t0) * 1000)
    require(len(listed) == len(cases) == len(rows[0]) and t is not None, "not every case was listed")
    emit(f"open inspection and list {len(cases)} cases with status", statistics.median(runs), "ms", "<= 200 ms",
         floor=("the cases and markings tables read raw (SELECT *)", statistics.median(floor)))


TEMPLATE_CHILD = r"""
import sys, time
t0 = time.perf_counter()
from fileexam.store.inspection_file import InspectionFile
f = InspectionFile.open(sys.argv[1])
n = len(list(f.template.questions))
print(f"{(time.perf_counter() - t0) * 1000:.3f} {n} {int('yaml' in sys.modules)}")
"""


def bench_template_open(path: Path, folder: Path, runs: int = 7) -> None:
    """A fresh process's imports, open and .template: with the parsed-template cache filled by an earlier open
    (no YAML imported or parsed) against the cache emptied first (the YAML parsed, the cache written)."""
    import shutil

    env = {**start_env(folder), "PYTHONPATH": str(ROOT)}
    cache = Path(env["FILEEXAM_HOME"]) / "cache"
    times: dict[str, list[float]] = {"cold": [], "warm": []}
    for round_ in range(runs + 1):
        for kind in ("cold", "warm"):
            if kind == "cold":
                shutil.rmtree(cache, ignore_errors=True)
            out = subprocess.run([sys.executable, "-c", TEMPLATE_CHILD, str(path)], capture_output=True, text=True,
                                 env=env, cwd=str(folder)).stdout.split()
            require(len(out) == 3 and out[1] == str(SETS * PER_SET), f"the template was not read: {out}")
            require(out[2] == ("0" if kind == "warm" else "1"), f"{kind} open: YAML imported is {out[2]}")
            if round_:  # the first round fills the bytecode cache
                times[kind].append(float(out[0]))
    cold, cold_spread = _spread(times["cold"])
    warm, warm_spread = _spread(times["warm"])
    emit(f"open: fresh process to .template, template cache emptied first, median of {runs}", cold, "ms", "",
         cold_spread)
    emit(f"open: fresh process to .template, from the template cache (no YAML), median of {runs}", warm, "ms", "",
         warm_spread, floor=("the same with the cache emptied first", cold))


PASSPHRASE = "a benchmark passphrase"


def bench_encrypted(folder: Path, n_cases: int, n: int = 400, blocks: int = 8) -> None:
    """The same inspection encrypted (SQLCipher 4, docs/encryption-at-rest.md) beside the plain one: open time
    (the key derived once per session, and the first open with the derivation), and the answer write p50 / p99,
    the two files written in alternating blocks so that both see the same disk weather. Checks the work: every
    write landed once in each file, and the encrypted file holds no plaintext."""
    from fileexam.domain.progress import case_status
    from fileexam.store.inspection_file import InspectionFile
    from fileexam.store.sqlite import derive, new_key

    t0 = time.perf_counter()
    key = new_key(PASSPHRASE)
    emit("encrypted: key derivation (PBKDF2-HMAC-SHA512 x 256,000, hashlib)", (time.perf_counter() - t0) * 1000, "ms")
    plain = build_inspection(folder, n_cases, name="plain.fileexam")  # the same data (seeded), plain, unwritten
    sealed = build_inspection(folder, n_cases, name="sealed.fileexam", key=key)
    emit("encrypted: file size / plain", sealed.stat().st_size / plain.stat().st_size, "x")

    def open_and_list(path: Path, k=None) -> float:
        t0 = time.perf_counter()
        with InspectionFile.open(path, key=k) as f:
            t = f.template
            cases, statuses = f.cases(), f.statuses()
            listed = [(c.reference, case_status(c, statuses)) for c in cases]
            took = (time.perf_counter() - t0) * 1000
        assert len(listed) == n_cases and t is not None
        return took

    runs = {"plain": [], "encrypted": []}
    for _ in range(5):  # alternating, as the writes below
        runs["plain"].append(open_and_list(plain))
        runs["encrypted"].append(open_and_list(sealed, key))
    first = []
    for _ in range(3):  # the first open of a session: the passphrase typed, the key derived, then the open
        t0 = time.perf_counter()
        k = derive(PASSPHRASE, sealed.read_bytes()[:16])
        open_and_list(sealed, k)
        first.append((time.perf_counter() - t0) * 1000)
    emit(f"plain: open inspection and list {n_cases} cases with status", statistics.median(runs["plain"]), "ms",
         "<= 200 ms", (min(runs["plain"]), max(runs["plain"])))
    emit(f"encrypted: open inspection and list {n_cases} cases with status (key derived once)",
         statistics.median(runs["encrypted"]), "ms", "<= 500 ms (docs/encryption-at-rest.md)",
         (min(runs["encrypted"]), max(runs["encrypted"])))
    emit("encrypted: first open of a session (key derivation + open + list)", statistics.median(first), "ms",
         "<= 1 s (docs/encryption-at-rest.md)", (min(first), max(first)))

    files = {"plain": InspectionFile.open(plain), "encrypted": InspectionFile.open(sealed, key=key)}
    rng = random.Random(2)
    refs = [c.reference for c in files["plain"].cases()][:50]
    qids = [q.id for q in files["plain"].template.questions]
    inspector = {c.reference: c.inspector for c in files["plain"].cases()}
    plan = [(rng.choice(refs), rng.choice(qids), rng.choice(["fully", "partially", "not_met"])) for _ in range(n)]
    before, times = {}, {name: [] for name in files}
    for name, f in files.items():
        f.conn.executemany("UPDATE markings SET status='in progress' WHERE case_ref=?", [(r,) for r in refs])
        before[name] = f.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    # the writes that change something (set_answer writes nothing when the value is already there)
    current = {(r, q): v for r, q, v in files["plain"].conn.execute("SELECT case_ref, question_id, value FROM answers")}
    expected = 0
    for ref, qid, value in plan:
        expected += current.get((ref, qid)) != value
        current[(ref, qid)] = value
    size = max(1, n // blocks)
    for start in range(0, n, size):
        for name, f in files.items():
            for ref, qid, value in plan[start:start + size]:
                t0 = time.perf_counter()
                f.set_answer(ref, qid, inspector[ref], value)
                times[name].append((time.perf_counter() - t0) * 1000)
    for name, f in files.items():
        written = f.conn.execute("SELECT count(*) FROM audit").fetchone()[0] - before[name]
        assert written == expected, (name, written, expected)  # every write landed, once
        f.close()
        t = sorted(times[name])
        emit(f"{name}: answer write p50 ({n} writes, synchronous=FULL)", statistics.median(t), "ms")
        emit(f"{name}: answer write p99 ({n} writes, synchronous=FULL)", t[int(len(t) * 0.99) - 1], "ms", "<= 5 ms")
    # the same writes, so the same answers: the two files agree row for row, and the encrypted one shows none
    with InspectionFile.open(plain) as p, InspectionFile.open(sealed, key=key) as e:
        query = "SELECT case_ref, question_id, marker, value, revision FROM answers ORDER BY 1, 2, 3"
        assert p.conn.execute(query).fetchall() == e.conn.execute(query).fetchall()
    for suffix in ("", "-wal"):
        extra = Path(str(sealed) + suffix)
        if extra.exists():
            data = extra.read_bytes()
            assert b"Comment on the review" not in data and b"SQLite format 3" not in data
    emit(f"encrypted: {expected} of the {n} writes changed an answer, in both files", expected, "writes")
    emit("encrypted: answer write p50 / plain p50", statistics.median(times["encrypted"]) /
         statistics.median(times["plain"]), "x")


CHILD = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from fileexam.store.inspection_file import InspectionFile
from fileexam.services.export import export_workbook
f = InspectionFile.open(sys.argv[2])
f.template  # the app has it loaded already: time the export itself
marker = sys.argv[4] or None
t0 = time.perf_counter()
r = export_workbook(f, sys.argv[3], marker)
print(json.dumps({"seconds": time.perf_counter() - t0, "rows": r.answers,
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def export_in_child(path: Path, out: Path, marker: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(path), str(out), marker],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def csv_floor(path: Path, out: Path, marker: str | None) -> float:
    """The same answer rows written with Python's csv module: the floor an xlsx writer is compared with."""
    from fileexam.services.export import build_exchange
    from fileexam.store.inspection_file import InspectionFile

    with InspectionFile.open(path) as f:
        t0 = time.perf_counter()
        data = build_exchange(f, marker)
        with out.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            for rows in (data.cases, data.answers, data.grid):  # generators: answers before grid
                w.writerows(rows)
        return time.perf_counter() - t0


def bench_export(path: Path, folder: Path) -> None:
    one = export_in_child(path, folder / "one.xlsx", "I00")
    one_floor = csv_floor(path, folder / "one.csv", "I00")
    emit(f"export one inspector ({one['rows']} answers)", one["seconds"] * 1000, "ms", "<= 1000 ms",
         floor=("the same rows written with Python's csv module", one_floor * 1000))
    whole = export_in_child(path, folder / "all.xlsx", "")
    floor = csv_floor(path, folder / "all.csv", None)
    from fileexam.store.inspection_file import InspectionFile
    with InspectionFile.open(path) as f:
        require(whole["rows"] == f.count_answers() and one["rows"] == f.count_answers("I00") > 0,
                f"exported {whole['rows']} / {one['rows']} answers, the file holds {f.count_answers()}")
    emit(f"export whole inspection ({whole['rows']} answers)", whole["seconds"], "s", "<= 25x",
         floor=("the same rows written with Python's csv module", floor))
    emit("export whole: peak memory (process max RSS)", whole["maxrss_mb"], "MB", "<= 300 MB")


MINIMAL_WINDOW = """
import sys
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
app = QApplication([])
w = QMainWindow()
w.setCentralWidget(QLabel("hello"))
w.resize(1366, 768)
w.show()
sys.path.insert(0, sys.argv[1])
from fileexam.qt import smoke  # the app's own test of "shown" (exposed), polled the same way
smoke.arm(app, w)
sys.exit(app.exec())
"""


def _time_to_line(command: list[str], env: dict, expect: str, scratch: Path) -> tuple[float, str]:
    """Seconds from starting the process to the moment it prints its "smoke: ..." line (not to its exit:
    closing down is not start-up), and the line. Fails unless the line says `expect` and the exit is clean."""
    err = scratch / "stderr.txt"
    with err.open("w") as fh:
        t0 = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=fh, text=True, env=env)
        took, said = None, ""
        for line in proc.stdout:
            if took is None and line.startswith("smoke: "):
                took, said = time.perf_counter() - t0, line.strip()
        proc.wait(timeout=120)
    require(proc.returncode == 0 and took is not None and expect in said,
            f"{command[-1]} (FILEEXAM_SMOKE={env.get('FILEEXAM_SMOKE')}): exit {proc.returncode}, said "
            f"{said!r}, wanted {expect!r}\n{err.read_text()[-2000:]}")
    return took, said


def start_env(folder: Path, user: str = "I00") -> dict:
    """The app's environment for start-up timing: its own settings (the user known), and Python's bytecode
    cached (an installed app has it; this environment sets PYTHONDONTWRITEBYTECODE) outside the tree."""
    home = folder / "home-start"
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "settings.json").write_text(json.dumps({"user": user}))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(FILEEXAM_HOME=str(home), PYTHONPYCACHEPREFIX=str(folder / "pycache"),
               QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    return env


def bench_startup(path: Path, folder: Path, runs: int = 7) -> None:
    """Start-up through the real entry point (`python -m fileexam FILE`, as the console script runs it) from
    process start: to the window shown (exposed), to the window shown with the inspection open, and to the
    first case's form usable (loaded, enabled, a question focused); each against a minimal PySide6 window
    (QMainWindow + QLabel, the same test of "shown") started in the same rounds. One round first, not
    counted: it fills the disk cache and the bytecode cache."""
    env = start_env(folder)
    with InspectionFileRO(path) as conn:
        mine = {r[0] for r in conn.execute("SELECT reference FROM cases WHERE inspector = 'I00'")}
    app = [sys.executable, "-m", "fileexam", str(path)]
    kinds = {"minimal": ([sys.executable, "-c", MINIMAL_WINDOW, str(ROOT)], "window", "main window shown (window)"),
             "window": (app, "window", "main window shown (window)"),
             "open": (app, "1", "main window shown: Benchmark"),
             "form": (app, "form", "first case's form usable: ")}
    times: dict[str, list[float]] = {k: [] for k in kinds}
    for round_ in range(runs + 1):
        for kind, (command, mode, expect) in kinds.items():
            took, said = _time_to_line(command, {**env, "FILEEXAM_SMOKE": mode}, expect, folder)
            if kind == "form":  # the form shows one of the user's own cases
                ref = said.split("usable: ", 1)[1].split(" at ")[0]
                require(ref in mine, f"the first form shown is of {ref}, not one of I00's cases")
            if round_:
                times[kind].append(took)
    floor = statistics.median(times["minimal"])
    emit(f"start: minimal PySide6 window shown, median of {runs}", floor * 1000, "ms",
         spread=(min(times["minimal"]) * 1000, max(times["minimal"]) * 1000))
    for kind, what, target in (("window", "window shown (exposed)", "<= 2x"),
                               ("open", "window shown with the inspection open", ""),
                               ("form", "first case's form usable", "<= 3x")):
        took, spread = _spread(times[kind])
        emit(f"start: `python -m fileexam FILE` to {what}, median of {runs}", took * 1000, "ms", target,
             (spread[0] * 1000, spread[1] * 1000), floor=("minimal PySide6 window shown, same rounds", floor * 1000))
        # The host's speed drifts within a run (±25 % here): each round's own ratio, app over the minimal window
        # started a second before it, is steadier than the ratio of the two medians above.
        paired = [t / m for t, m in zip(times[kind], times["minimal"])]
        ratio, spread = _spread(paired)
        emit(f"start: {what}, ÷ the minimal window of the same round, median of {runs} rounds", ratio, "x",
             target, spread)


class InspectionFileRO:
    """A read-only connection of its own to an inspection file (the store's SQLite library: one library per
    file in a process, so that neither drops the other's locks), for reading back what the app saved."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self):
        from fileexam.store.sqlite import connect
        self.conn = connect(f"file:{self.path}?mode=ro", uri=True)
        return self.conn

    def __exit__(self, *exc):
        self.conn.close()


def open_for_marking(path: Path, refs: list[str]) -> None:
    """These cases back to being marked (the generated ones are complete): their answers cleared and their
    markings in progress, so that every key press on them saves a new answer."""
    from fileexam.store.inspection_file import InspectionFile

    with InspectionFile.open(path) as f, f.atomic():
        f.conn.executemany("DELETE FROM answers WHERE case_ref = ?", [(r,) for r in refs])
        f.conn.executemany("UPDATE markings SET status = 'in progress' WHERE case_ref = ?", [(r,) for r in refs])


def bench_qt(folder: Path, n: int) -> None:
    """In the window, on open cases of I00's: case switch, and a key press to the answer saved and the next
    question focused. Every press is checked (untimed, after it): the answer read back from the file on a
    connection of its own, the focus on the next question that applies, no message box; so is every switch
    (the case shown, with its saved answers). The floors: the store reading the case (switch) and the
    store's own answer write (key press), on the same file in the same run."""
    sub = folder / "qt"
    sub.mkdir()
    write_definitions(sub)
    path = build_inspection(sub, n, inspectors=max(1, min(14, n // 60)), name="qt.fileexam")  # I00: 49 cases or more
    with InspectionFileRO(path) as conn:
        refs = [r[0] for r in conn.execute("SELECT reference FROM cases WHERE inspector = 'I00' ORDER BY reference")]
    require(len(refs) >= 49, f"I00 has {len(refs)} cases: the benchmark needs 49")
    keyed, stored = refs[:5], refs[5:9]  # pressed in the window; written through the store (the floor)
    open_for_marking(path, keyed + stored)

    os.environ["FILEEXAM_HOME"] = str(folder / "home-qt")
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QMessageBox

    from fileexam.qt.app import qsettings
    from fileexam.qt.main_window import MainWindow
    from fileexam.qt.tasks import InlineRunner

    app = QApplication.instance() or QApplication([])
    w = MainWindow(qsettings(), "I00", InlineRunner())
    w.resize(1366, 768)
    w.show()
    require(w.open_inspection(path), f"{path} did not open")
    app.processEvents()
    f = w.inspection

    switch, switch_floor = [], []
    for ref in refs[9:49]:
        t0 = time.perf_counter()
        f.case(ref), f.answers(ref, "I00"), f.status(ref, "I00")
        switch_floor.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        w.select_case(ref)
        app.processEvents()
        switch.append((time.perf_counter() - t0) * 1000)
        held = f.answers(ref, "I00")
        shown = {qid: wd._value for qid, wd in w.form.widgets.items()}
        require(w.session is not None and w.session.reference == ref and w.form.session is w.session
                and shown == {qid: (held[qid].value if qid in held else None) for qid in shown},
                f"switch to {ref}: the form does not show the case's saved answers")
    took, spread = _spread(switch)
    emit(f"switch case ({len(w.form.widgets)} questions), median of {len(switch)}", took, "ms", "<= 50 ms", spread,
         floor=("the store reading the case (case, answers, status)", statistics.median(switch_floor)))

    before = f.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    keys, boxes = [], []
    with InspectionFileRO(path) as reader:
        for ref in keyed:
            w.select_case(ref)
            app.processEvents()
            require(w.session.reference == ref and w.session.status.value == "in progress" and not w.form.locked,
                    f"{ref} is not open for marking in the window")
            for qid in list(w.form.widgets)[:40]:
                w.form.focus_question(qid)
                widget = w.form.widgets[qid]
                t0 = time.perf_counter()
                QTest.keyClick(widget, Qt.Key.Key_P)  # answer 'partially', saved, focus to the next question
                app.processEvents()
                keys.append((time.perf_counter() - t0) * 1000)
                nxt = w.session.next_applicable(qid, 1)
                saved = reader.execute("SELECT value FROM answers WHERE case_ref = ? AND question_id = ? AND "
                                       "marker = 'I00'", [ref, qid]).fetchone()
                focus = app.focusWidget()
                require(saved is not None and saved[0] == "partially",
                        f"P on {ref} {qid}: read back from the file {saved!r}, not 'partially'")
                require(nxt is not None and w.form.current == nxt and focus is not None
                        and (focus is w.form.widgets[nxt] or w.form.widgets[nxt].isAncestorOf(focus)),
                        f"P on {ref} {qid}: the focus is on {w.form.current}, not the next question {nxt}")
                boxes += [b.text() for b in app.topLevelWidgets() if isinstance(b, QMessageBox) and b.isVisible()]
                require(not boxes, f"P on {ref} {qid}: a message box opened: {boxes[:1]}")
    written = f.conn.execute("SELECT count(*) FROM audit").fetchone()[0] - before
    require(written == len(keys), f"{len(keys)} presses left {written} audit rows, not one each")

    floor, rng = [], random.Random(3)
    for ref in stored:  # the same writes through the store alone: new answers on open cases
        for q in list(f.template.questions)[:40]:
            t0 = time.perf_counter()
            f.set_answer(ref, q.id, "I00", rng.choice(["fully", "partially", "not_met"]))
            floor.append((time.perf_counter() - t0) * 1000)
    keys.sort()
    fl = ("the store's answer write alone (set_answer, synchronous=FULL), same file", statistics.median(floor))
    emit(f"key press to answer saved and next question focused, p50 ({len(keys)} presses, each read back)",
         statistics.median(keys), "ms", floor=fl)
    emit(f"key press to answer saved and next question focused, p95 ({len(keys)} presses, each read back)",
         keys[int(len(keys) * 0.95) - 1], "ms", "<= 16 ms", floor=fl)
    w.close()


SHOWN = "smoke: ok, main window shown"  # fileexam/qt/smoke.py's line once the window is exposed


def _time_command(command: list[str], env: dict, expect: str) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - t0
    if proc.returncode or expect not in proc.stdout:
        raise RuntimeError(f"{command}: exit {proc.returncode}\n{proc.stdout[-1000:]}{proc.stderr[-2000:]}")
    return elapsed


def bench_built_app(path: Path, folder: Path, app: Path | list[Path], runs: int = 5) -> None:
    """Start-up of the built app folder (scripts/build_app.py) beside the virtual environment's, the same
    command in each: `fileexam FILE` until the main window is shown (exposed) with the inspection open, and
    closed (FILEEXAM_SMOKE=1, checked by its line on stdout naming the inspection, and exit code 0); and
    `fileexam --version`. The runs alternate between them, so a busy machine slows each alike; a first run
    of each is not counted (it fills the disk cache). `app` may be several folders (another tool's build)."""
    from fileexam.store.inspection_file import InspectionFile

    f = InspectionFile.open(path)
    inspection_name = f.name
    f.close()
    home = folder / "home-start"
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "settings.json").write_text('{"user": "I00"}')
    env = {**os.environ, "FILEEXAM_HOME": str(home), "FILEEXAM_SMOKE": "1"}
    venv = "virtual environment (python -m fileexam)"
    commands = {venv: [sys.executable, "-m", "fileexam"]}
    apps = [app] if isinstance(app, Path) else list(app)
    for i, folder_ in enumerate(apps):
        exe = folder_ / ("fileexam.exe" if sys.platform == "win32" else "fileexam")
        if exe.is_file():
            commands["built app folder" if i == 0 else f"built app folder {folder_}"] = [str(exe)]
        else:
            print(f"(no built app at {folder_}: python scripts/build_app.py, then run this again)", file=sys.stderr)
    # the title names the inspection once it is open: a file that failed to open would not count
    for what, args, expect in (("FILE to main window shown, closed", [str(path)], f"{SHOWN}: {inspection_name} — "),
                               ("--version", ["--version"], "fileexam ")):
        times: dict[str, list[float]] = {label: [] for label in commands}
        for label, command in commands.items():
            _time_command(command + args, env, expect)
        for _ in range(runs):
            for label, command in commands.items():
                times[label].append(_time_command(command + args, env, expect))
        for label, values in times.items():
            took, spread = _spread(values)
            emit(f"start, {label}: fileexam {what}, median of {runs}", took * 1000, "ms", "",
                 (spread[0] * 1000, spread[1] * 1000))
            if label != venv:
                emit(f"start: {label} / virtual environment, fileexam {what}",
                     took / statistics.median(times[venv]), "x")


def bench_merge(folder: Path, workbooks: int = 30, per: int = 90) -> None:
    """Merging `workbooks` inspectors' workbooks of `per` cases x 80 questions, against reading the same rows as csv."""
    from fileexam.formats.exchange_workbook import read_exchange
    from fileexam.services.export import export_workbook
    from fileexam.services.merge import merge_workbooks
    from fileexam.store.inspection_file import InspectionFile

    sub = folder / f"merge{workbooks}"
    sub.mkdir()
    write_definitions(sub)
    source = build_inspection(sub, workbooks * per, inspectors=workbooks, name="source.fileexam")
    master = build_inspection(sub, workbooks * per, inspectors=workbooks, name="master.fileexam", answered=False)
    paths, csvs = [], []
    with InspectionFile.open(source) as f:
        for i in range(workbooks):
            out = sub / f"I{i:02d}.xlsx"
            export_workbook(f, out, f"I{i:02d}")
            paths.append(out)
    for p in paths:  # the same rows as csv files: the floor
        data = read_exchange(p)
        out = p.with_suffix(".csv")
        with out.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerows(data.cases)
            w.writerows(data.answers)
        csvs.append(out)
    t0 = time.perf_counter()
    rows = 0
    for c in csvs:
        with c.open(newline="", encoding="utf-8") as fh:
            rows += sum(1 for _ in csv.reader(fh))
    floor = time.perf_counter() - t0
    import io

    from python_calamine import CalamineWorkbook
    t0 = time.perf_counter()
    for p in paths:  # the fastest xlsx reader alone, parsing the data sheets and nothing more
        wb = CalamineWorkbook.from_filelike(io.BytesIO(p.read_bytes()))
        for name in ("Cases", "Answers"):
            wb.get_sheet_by_name(name).to_python()
        wb.close()
    parse = time.perf_counter() - t0
    with InspectionFile.open(master) as m:
        t0 = time.perf_counter()
        report = merge_workbooks(m, paths, "bench")
        took = time.perf_counter() - t0
        merged = m.count_answers()
    require(not report.refused, f"workbooks refused: {[w.reasons for w in report.refused][:2]}")
    with InspectionFile.open(source) as f, InspectionFile.open(master) as m:
        require(merged == f.count_answers() > 0, f"{merged} answers merged of {f.count_answers()}")
        query = "SELECT case_ref, question_id, marker, value, revision FROM answers ORDER BY 1, 2, 3"
        require(m.conn.execute(query).fetchall() == f.conn.execute(query).fetchall(),
                "the master's answers are not the inspectors' (read back row by row)")
    from fileexam.formats.workbook_guard import check_workbook_file
    t0 = time.perf_counter()
    for p in paths:  # the bounds checked before any reader runs, alone
        check_workbook_file(p)
    guard = time.perf_counter() - t0
    from fileexam.formats import xlsx_cells
    import zipfile
    t0 = time.perf_counter()
    for p in paths:  # the exact reader, used for workbooks calamine would not read exactly
        with zipfile.ZipFile(p) as z:
            xlsx_cells.read_sheets(z, ("Cases", "Answers"))
    exact = time.perf_counter() - t0
    per_book = took / workbooks
    emit(f"merge {workbooks} workbooks of {per} cases x {SETS * PER_SET} questions ({merged} answers merged, "
         "each read back)", took, "s", "<= 4x", floor=("python-calamine parsing the same Cases and Answers sheets", parse))
    emit(f"merge, per workbook ({workbooks} workbooks)", per_book * 1000, "ms", "within 20% at 5, 30 and 60",
         floor=("python-calamine parse, per workbook", parse / workbooks * 1000))
    from fileexam.services.merge_read import worker_count
    emit(f"merge {workbooks} workbooks: processes reading the workbooks ahead (0: read in the merging process; "
         f"{os.cpu_count()} cores)", worker_count(paths), "")
    emit(f"merge {workbooks} workbooks, against the csv floor (information)", took, "s",
         floor=("reading the same rows as csv", floor))
    emit("bounds check of every workbook (workbook_guard)", guard, "s", floor=("python-calamine parse", parse))
    emit("fileexam's exact reader on the same sheets", exact, "s", floor=("python-calamine parse", parse))


def bench_size(folder: Path, n: int = 1200) -> None:
    """The master file's bytes per case of 80 answers (issue 15: <= 8 KB), as built (the answers inserted
    case by case: pages of the indexes fill as they would in use) and after VACUUM (as the m010 upgrade
    leaves a file), the WAL checkpointed into the file first; then as the merge leaves it (audit rows too)."""
    from fileexam.store.inspection_file import InspectionFile

    sub = folder / "size"
    sub.mkdir()
    path = build_inspection(sub, n)
    with InspectionFile.open(path) as f:
        answers = f.count_answers()
        per_case = {r[0] for r in f.conn.execute("SELECT count(*) FROM answers GROUP BY case_ref")}
        assert answers == n * SETS * PER_SET and per_case == {SETS * PER_SET}, (answers, per_case)  # what is measured
        f.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        built = path.stat().st_size
        f.conn.execute("VACUUM")
        f.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        vacuumed = path.stat().st_size
        assert f.count_answers() == answers
    emit(f"master file as built, {n} cases x {SETS * PER_SET} answers", built / n / 1024, "KB per case", "<= 8 KB")
    emit("master file after VACUUM", vacuumed / n / 1024, "KB per case", "<= 8 KB")
    emit("master file as built, per answer", built / answers, "bytes")
    _size_as_merged(sub, path, n)


def _size_as_merged(sub: Path, source: Path, n: int, inspectors: int = 14) -> None:
    """The same answers as a team lead's master holds them: each inspector's exchange workbook merged into a
    master of the same cases, which writes an audit row per merged marking and per changed answer (bulk
    inserts above write none)."""
    import sqlite3 as plain_sqlite  # the standard library's, for its dbstat table (the file is not encrypted)

    from fileexam.services.export import export_workbook
    from fileexam.services.merge import merge_workbooks
    from fileexam.store.inspection_file import InspectionFile

    master = build_inspection(sub, n, name="merged.fileexam", answered=False)
    paths = []
    with InspectionFile.open(source) as f:
        for i in range(inspectors):
            paths.append(sub / f"I{i:02d}.xlsx")
            export_workbook(f, paths[-1], f"I{i:02d}")
    with InspectionFile.open(master) as m:
        report = merge_workbooks(m, paths, "bench")
        require(not report.refused, f"workbooks refused: {[w.reasons for w in report.refused][:2]}")
        query = "SELECT case_ref, question_id, marker, value, revision FROM answers ORDER BY 1, 2, 3"
        with InspectionFile.open(source) as f:
            require(m.conn.execute(query).fetchall() == f.conn.execute(query).fetchall(),
                    "the merged master's answers are not the inspectors' (read back row by row)")
        audited = m.conn.execute("SELECT count(*) FROM audit WHERE action = 'merge'").fetchone()[0]
        m.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        merged = master.stat().st_size
    emit(f"master file as the merge leaves it ({inspectors} workbooks, {audited} audit rows)", merged / n / 1024,
         "KB per case", "<= 8 KB")
    conn = plain_sqlite.connect(master)
    try:
        pages = dict(conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"))
    except plain_sqlite.OperationalError:  # a Python whose SQLite lacks dbstat: the total only
        return
    finally:
        conn.close()
    emit("master file as merged: the audit log (a row per merged marking) and its index audit_by_case",
         (pages.get("audit", 0) + pages.get("audit_by_case", 0)) / n / 1024, "KB per case")
    emit("master file as merged: the answers and their index answers_by_marking",
         (pages.get("answers", 0) + pages.get("answers_by_marking", 0)) / n / 1024, "KB per case")


AGGREGATE = """
import json, resource, sys, time
root, which, path, repeat = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
sys.path.insert(0, root)
from fileexam.store.inspection_file import InspectionFile
if which == "reference":  # the aggregation before issue 15, kept for the tests
    sys.path.insert(0, root + "/tests")
    from reference_report import build_report
else:
    from fileexam.services.report import build_report


def peak_mb():  # peak resident memory since reset_peak(): VmHWM on Linux (ru_maxrss survives exec there)
    try:
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak():  # Linux: so that opening the file (its check) does not count in the aggregation's peak
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


with InspectionFile.open(path, read_only=True) as f:
    f.template  # loaded when the file is opened in the app and the command line alike
    floors, times = [], []
    reset_peak()
    for _ in range(repeat):
        # the floor, just before each run: one SQLite scan reading every answer's value, on the same connection
        t0 = time.perf_counter()
        answers = f.conn.execute("SELECT count(value) FROM answers").fetchone()[0]
        floors.append(time.perf_counter() - t0)
        r = None  # one report in memory at a time: the peak is one aggregation's
        t0 = time.perf_counter()
        r = build_report(f)
        times.append(time.perf_counter() - t0)
    peak = peak_mb()
    # the work done: every complete case counted, and theme 0 nationally as SQL adds it up on its own
    # (in the generated inspection every question applies and each case has one marking)
    complete = f.conn.execute("SELECT count(*) FROM markings WHERE status = 'complete'").fetchone()[0]
    known = f.conn.execute("SELECT total(CASE a.value WHEN 'fully' THEN 2 WHEN 'partially' THEN 1 ELSE 0 END),"
                           " 2 * count(CASE WHEN a.value IN ('fully', 'partially', 'not_met') THEN 1 END)"
                           " FROM answers a CROSS JOIN markings m ON m.case_ref = a.case_ref AND m.marker = a.marker"
                           " AND m.status = 'complete' JOIN set_versions v ON v.id = a.set_version"
                           " WHERE v.set_id = 'set0'").fetchone()
    fig = r.figure("set0")
    print(json.dumps({"floors": floors, "times": times, "answers": answers, "counted": len(r.counted),
                      "complete": complete,
                      "figure": [fig.achieved, fig.available, len(fig.cases), fig.ci is not None],
                      "known": list(known), "maxrss_mb": peak}))
"""

WHOLE_REPORT = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
t0 = time.perf_counter()
from fileexam.cli import main
rc = main(["report", sys.argv[2], sys.argv[3]])
took = time.perf_counter() - t0
try:  # VmHWM: ru_maxrss survives exec on Linux, so it would hold the benchmark's own peak
    peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")) / 1024
except (OSError, StopIteration):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": took, "rc": rc, "maxrss_mb": peak}), file=sys.stderr)
"""


def _spread(values: list[float]) -> tuple[float, tuple[float, float]]:
    return statistics.median(values), (min(values), max(values))


def aggregate_in_child(path: Path, n: int, repeat: int, which: str = "current") -> dict:
    """build_report on `path` in a process of its own (so that its peak memory is its own), `repeat`
    times, with the floor measured in the same process just before; checks the work was done."""
    proc = subprocess.run([sys.executable, "-c", AGGREGATE, str(ROOT), which, str(path), str(repeat)],
                          capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(proc.stderr[-3000:])
    out = json.loads(proc.stdout.splitlines()[-1])
    achieved, available, cases, has_ci = out["figure"]
    counted = out["counted"]
    assert counted == out["complete"] == cases and counted > n * 0.9 and has_ci, (counted, out["complete"], cases, n)
    assert (achieved, available) == tuple(out["known"]), (achieved, available, out["known"])  # and added up
    return out


def bench_aggregation(path: Path, n: int, repeat: int, reference: bool, target: str = "") -> None:
    """The aggregation (build_report: the markings that count, applicability, scores, roll-ups, intervals)
    against its floor, one SQLite scan of the answers (SELECT count(value) FROM answers: every answer's
    value read by SQLite, none handed to Python) just before each run; the ratio is of the medians."""
    runs = [("", "current")] + ([(" before issue 15", "reference")] if reference else [])
    for label, which in runs:
        out = aggregate_in_child(path, n, repeat if which == "current" or n <= 10_000 else 1, which)
        took, spread = _spread(out["times"])
        floor = statistics.median(out["floors"])
        emit(f"aggregation{label}: {out['counted']} cases x {SETS * PER_SET} questions ({out['answers']} answers), "
             f"median of {len(out['times'])}", took, "s", target if which == "current" else "", spread,
             floor=("one SQLite scan of the answers (SELECT count(value)), just before each run", floor))
        emit(f"aggregation{label}: floor, one SQLite scan of the answers (SELECT count(value)), same runs", floor, "s",
             spread=(min(out["floors"]), max(out["floors"])))
        emit(f"aggregation{label} / floor ({n} cases)", took / floor, "x",
             "<= 10x" if which == "current" and n >= 100_000 else "")
        # the host's speed drifts between runs: each run over the scan made just before it is steadier
        paired = [t / fl for t, fl in zip(out["times"], out["floors"])]
        ratio, spread = _spread(paired)
        emit(f"aggregation{label} ÷ the scan just before it, median of {len(paired)} runs ({n} cases)", ratio, "x",
             "<= 10x" if which == "current" and n >= 100_000 else "", spread)
        emit(f"aggregation{label}: peak memory, {n} cases (peak resident set of the process)", out["maxrss_mb"], "MB",
             "<= 300 MB" if which == "current" else "")


def bench_report(path: Path, folder: Path, n: int, reference: bool = False) -> None:
    from fileexam.formats.report_workbook import write_report
    from fileexam.services.report import build_report
    from fileexam.store.inspection_file import InspectionFile

    bench_aggregation(path, n, 5, reference)
    with InspectionFile.open(path) as f:
        f.template
        t0 = time.perf_counter()
        r = build_report(f)
        write_report(folder / "report.xlsx", r)
        took = time.perf_counter() - t0
    assert len(r.counted) == n
    emit(f"report: aggregate and write the workbook ({len(r.counted)} cases)", took, "s", "<= 5 s")


def bench_ten_thousand(folder: Path, n: int, reference: bool) -> None:
    sub = folder / "ten"
    sub.mkdir()
    write_definitions(sub)
    t0 = time.perf_counter()
    path = build_inspection(sub, n, inspectors=100, name="ten.fileexam")
    emit(f"setup: generated {n} cases", time.perf_counter() - t0, "s")
    bench_aggregation(path, n, 3, reference)


def bench_big_aggregation(folder: Path, n: int = 100_000, reference: bool = False, kept: Path | None = None) -> None:
    """Aggregation and the whole `fileexam report` (open, aggregate, write the workbook) on n cases.
    kept: a folder where the master is built once and reused by later runs (building it takes minutes)."""
    sub = folder / "big"
    sub.mkdir()
    path = kept / f"big-{n}.fileexam" if kept else sub / "big.fileexam"
    if kept and path.exists():
        with InspectionFileRO(path) as conn:  # a kept master of another size, or half built: not reused
            held = conn.execute("SELECT count(*) FROM markings WHERE status = 'complete'").fetchone()[0]
        require(held == n, f"{path} holds {held} complete cases, not {n}: delete it to build it again")
        emit(f"setup: reused the kept master of {n} cases ({path})", 0.0, "s")
    else:
        write_definitions(path.parent)
        t0 = time.perf_counter()
        part = build_inspection(path.parent, n, inspectors=100, name=path.name + ".part")
        part.rename(path)  # only a whole build is kept
        emit(f"setup: generated {n} cases", time.perf_counter() - t0, "s")
    bench_aggregation(path, n, 5, reference, "<= 10 s")
    proc = subprocess.run([sys.executable, "-c", WHOLE_REPORT, str(ROOT), str(path), str(sub / "big.xlsx")],
                          capture_output=True, text=True)
    out = json.loads(proc.stderr.strip().splitlines()[-1]) if proc.returncode == 0 else None
    if out is None or out["rc"] != 0 or f"{n} case(s) counted" not in proc.stdout:
        raise RuntimeError(proc.stderr[-3000:])
    emit(f"whole `fileexam report` on {n} cases (open, aggregate, write the workbook)", out["seconds"], "s",
         "<= 20 s")
    emit(f"whole `fileexam report` on {n} cases: peak memory (peak resident set)", out["maxrss_mb"], "MB")


def bench_draw(folder: Path, n: int = 50_000, repeat: int = 3) -> None:
    """`fileexam sample draw` (issue 18) on a generated case-management extract of n rows, as CSV and as a
    workbook: every row checked against the seed's design (840 finalised + 300 live across the 14 Areas,
    question_sets/designs/area-follow-up-2025.yaml), the sample and reserves drawn and the workbook written.
    Checked against what the design asks of each stratum: min(quota, eligible) drawn, then its reserves."""
    from fileexam.formats.definitions import load_template
    from fileexam.services.demo_case_list import write_case_list
    from fileexam.services.sample_draw import draw_sample

    t = load_template(ROOT / "question_sets/area-inspection.yaml").definition
    design = ROOT / "question_sets/designs/area-follow-up-2025.yaml"
    for suffix in ("csv", "xlsx"):
        caselist = write_case_list(folder / f"case-list.{suffix}", t, n, seed=1)
        times, report = [], None
        for _ in range(repeat):
            t0 = time.perf_counter()
            report = draw_sample(design, caselist, folder / "drawn.xlsx")
            times.append(time.perf_counter() - t0)
        assert report.written and not report.errors, [p.format() for p in report.errors][:5]
        for s in report.strata:  # what the design asks, stratum by stratum
            assert s.drawn == min(s.quota, s.eligible), s
            wanted = 5 if s.label.endswith("Finalised") else 4
            assert s.reserves == min(wanted, s.eligible - s.drawn), s
        if n >= 50_000:
            assert (report.drawn, report.reserves, len(report.strata)) == (1140, 252, 56)
        took, spread = _spread(times)
        emit(f"sample draw: {n:,}-row case list ({suffix}, {caselist.stat().st_size / 1e6:.1f} MB), "
             f"{report.eligible:,} eligible, {report.drawn} drawn + {report.reserves} reserves, median of {repeat}",
             took, "s", "<= 5 s", spread)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="120 cases instead of 1,200")
    parser.add_argument("--no-qt", action="store_true", help="leave out the desktop app's figures")
    parser.add_argument("--built-app", type=Path, nargs="+", default=[ROOT / "build" / "dist" / "fileexam"],
                        metavar="DIR", help="the built app folder(s) whose start-up is timed beside the virtual "
                                            "environment's (default build/dist/fileexam)")
    parser.add_argument("--only", choices=["store", "qt", "start", "merge", "report", "big", "draw", "size"],
                        help="one group of figures")
    parser.add_argument("--merge-sizes", type=int, nargs="+", default=[30], metavar="N",
                        help="workbooks per merge run (e.g. 5 30 60 for the scale curve)")
    parser.add_argument("--big", type=int, default=100_000, metavar="CASES", help="cases of the big group")
    parser.add_argument("--keep-big", type=Path, metavar="DIR",
                        help="build the big group's master once in DIR (big-CASES.fileexam) and reuse it in later "
                             "runs, instead of building it afresh in a temporary folder")
    parser.add_argument("--reference", action="store_true",
                        help="also time the aggregation before issue 15 (tests/reference_report.py)")
    parser.add_argument("--encrypted", action="store_true",
                        help="with the store figures: the same inspection encrypted, its open time and answer "
                             "writes beside the plain one's")
    parser.add_argument("--json", type=Path, metavar="PATH",
                        help="also write every figure (with its floor and ratio) to PATH, to compare commits")
    args = parser.parse_args()
    try:
        run_groups(args)
    finally:
        if args.json:  # what was measured, even when a benchmark failed part way
            commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                                    text=True).stdout.strip()
            args.json.write_text(json.dumps({"commit": commit, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                             "argv": sys.argv[1:], "figures": FIGURES}, indent=1) + "\n")


def run_groups(args) -> None:
    n = 120 if args.quick else 1200
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        path = build_inspection(folder, n)
        emit(f"setup: generated inspection of {n} cases x {SETS * PER_SET} questions", time.perf_counter() - t0, "s")
        only = args.only
        if only in (None, "store"):
            bench_open(path)
            bench_template_open(path, folder)
            bench_writes(path)
            if args.encrypted:
                bench_encrypted(folder, n)
            bench_export(path, folder)
        if only in (None, "report"):
            bench_report(path, folder, n, args.reference)
            bench_ten_thousand(folder, 1_000 if args.quick else 10_000, args.reference)
        if only in (None, "size"):
            bench_size(folder, n)
        if only in (None, "merge"):
            for books in ([3] if args.quick else args.merge_sizes):
                bench_merge(folder, books)
        if only in (None, "draw"):
            bench_draw(folder, 5_000 if args.quick else 50_000)
        if only in (None, "big"):
            bench_big_aggregation(folder, 5_000 if args.quick else args.big, args.reference, args.keep_big)
        if only == "start" and not args.no_qt:
            bench_startup(path, folder)
        if only in (None, "qt") and not args.no_qt:
            bench_startup(path, folder)
            bench_qt(folder, n)
        if only in (None, "qt", "start") and not args.no_qt:  # start: the built app's start-up beside the venv's
            bench_built_app(path, folder, args.built_app)


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    main()

"""fileexam benchmarks: prints one JSON object per figure ({"name", "value", "unit", "target"}).

    python benchmarks/run.py            # all figures
    python benchmarks/run.py --quick    # a smaller inspection, for a smoke run

Targets are printed beside the figures; nothing here fails a build. Figures on a
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


def emit(name: str, value: float, unit: str, target: str = "") -> None:
    print(json.dumps({"name": name, "value": round(value, 3), "unit": unit, "target": target}), flush=True)


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
                     answered: bool = True) -> Path:
    """Cases and every answer, inserted in bulk (the setup is not what is measured)."""
    from fileexam.domain.cases import Case
    from fileexam.store.inspection_file import InspectionFile, now

    path = folder / name
    template = folder / "bench.yaml"
    f = InspectionFile.create(path, template if template.exists() else write_definitions(folder), "Benchmark", "bench")
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
        f.conn.executemany("INSERT INTO answers VALUES (?,?,?,?,?,?,?,?,?)", rows)
        f.conn.executemany("INSERT INTO markings VALUES (?,?,?,?)",
                           [(c.reference, c.inspector, "complete", stamp) for c in cases])
    f.close()
    return path


def bench_writes(path: Path, n: int = 400) -> None:
    from fileexam.store.inspection_file import InspectionFile

    with InspectionFile.open(path) as f:
        refs = [c.reference for c in f.cases()][:50]
        # the generated markings are complete (for the report); these are being marked
        f.conn.executemany("UPDATE markings SET status='in progress' WHERE case_ref=?", [(r,) for r in refs])
        qids = [q.id for q in f.template.questions]
        rng = random.Random(2)
        times = []
        for _ in range(n):
            ref, qid = rng.choice(refs), rng.choice(qids)
            marker = f.case(ref).inspector
            value = rng.choice(["fully", "partially", "not_met"])
            t0 = time.perf_counter()
            f.set_answer(ref, qid, marker, value)
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    emit("answer write p50 (synchronous=FULL)", statistics.median(times), "ms")
    emit("answer write p99 (synchronous=FULL)", times[int(len(times) * 0.99) - 1], "ms", "<= 5 ms")


def bench_open(path: Path) -> None:
    from fileexam.domain.progress import case_status
    from fileexam.store.inspection_file import InspectionFile

    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        f = InspectionFile.open(path)
        t = f.template
        cases, statuses = f.cases(), f.statuses()
        listed = [(c.reference, case_status(c, statuses)) for c in cases]
        runs.append((time.perf_counter() - t0) * 1000)
        f.close()
    assert len(listed) == len(cases) and t is not None
    emit(f"open inspection and list {len(cases)} cases with status", statistics.median(runs), "ms", "<= 200 ms")


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
    emit(f"export one inspector ({one['rows']} answers)", one["seconds"] * 1000, "ms", "<= 1000 ms")
    whole = export_in_child(path, folder / "all.xlsx", "")
    floor = csv_floor(path, folder / "all.csv", None)
    emit(f"export whole inspection ({whole['rows']} answers)", whole["seconds"], "s")
    emit("csv floor, same rows", floor, "s")
    emit("export whole / csv floor", whole["seconds"] / floor, "x", "<= 25x")
    emit("export whole: peak memory (process max RSS)", whole["maxrss_mb"], "MB", "<= 300 MB")


STARTUP_APP = """
import os, sys, time
sys.path.insert(0, sys.argv[1])
os.environ["FILEEXAM_HOME"] = sys.argv[3]
from PySide6.QtWidgets import QApplication
app = QApplication([])
from fileexam.qt.main_window import MainWindow
from fileexam.qt.app import qsettings
w = MainWindow(qsettings(), "I00")
w.open_inspection(sys.argv[2])
w.show()
app.processEvents()
print("ready", flush=True)
"""

STARTUP_MINIMAL = """
from PySide6.QtWidgets import QApplication, QMainWindow, QLabel
app = QApplication([])
w = QMainWindow(); w.setCentralWidget(QLabel("hello")); w.show()
app.processEvents()
print("ready", flush=True)
"""


def _time_process(code: str, *args: str) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if "ready" not in proc.stdout:
        raise RuntimeError(proc.stderr[-2000:])
    return elapsed


def bench_qt(path: Path, folder: Path) -> None:
    home = folder / "home"
    app_times = [_time_process(STARTUP_APP, str(ROOT), str(path), str(home)) for _ in range(3)]
    minimal = [_time_process(STARTUP_MINIMAL) for _ in range(3)]
    a, m = statistics.median(app_times), statistics.median(minimal)
    emit("start: process to main window shown, inspection open", a * 1000, "ms")
    emit("start: minimal PySide6 window, same run", m * 1000, "ms")
    emit("start: fileexam / minimal window", a / m, "x", "<= 2x")

    os.environ["FILEEXAM_HOME"] = str(home)
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from fileexam.qt.app import qsettings
    from fileexam.qt.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    w = MainWindow(qsettings(), "I00")
    w.resize(1366, 768)
    w.show()
    w.open_inspection(path)
    app.processEvents()
    refs = [r.case.reference for r in w.model.rows if r.case.inspector == "I00"][:40]
    switch = []
    for ref in refs:
        t0 = time.perf_counter()
        w.select_case(ref)
        app.processEvents()
        switch.append((time.perf_counter() - t0) * 1000)
    emit(f"switch case ({len(w.form.widgets)} questions), median", statistics.median(switch), "ms", "<= 50 ms")
    emit("switch case, worst", max(switch), "ms")

    keys = []
    for ref in refs[:5]:
        w.select_case(ref)
        app.processEvents()
        for qid in list(w.form.widgets)[:40]:
            w.form.focus_question(qid)
            widget = w.form.widgets[qid]
            t0 = time.perf_counter()
            QTest.keyClick(widget, Qt.Key.Key_P)  # answer 'partially', saved, focus to the next question
            app.processEvents()
            keys.append((time.perf_counter() - t0) * 1000)
    keys.sort()
    emit("key press to answer saved and next question focused, p50", statistics.median(keys), "ms")
    emit("key press to answer saved and next question focused, p95", keys[int(len(keys) * 0.95) - 1], "ms",
         "<= 16 ms")
    w.close()


def bench_merge(folder: Path, workbooks: int = 30, per: int = 90) -> None:
    """Merging `workbooks` inspectors' workbooks of `per` cases x 80 questions, against reading the same rows as csv."""
    from fileexam.formats.exchange_workbook import read_exchange
    from fileexam.services.export import export_workbook
    from fileexam.services.merge import merge_workbooks
    from fileexam.store.inspection_file import InspectionFile

    sub = folder / "merge"
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
    assert not report.refused, [w.reasons for w in report.refused]
    with InspectionFile.open(source) as f:
        assert merged == f.count_answers() > 0, (merged, f.count_answers())  # the time is of work done
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
    emit(f"merge {workbooks} workbooks of {per} cases x {SETS * PER_SET} questions", took, "s")
    emit("csv floor: reading the same rows", floor, "s")
    emit("merge / csv floor", took / floor, "x", "<= 10x")
    emit("calamine parsing the same sheets alone / csv floor", parse / floor, "x")
    emit("bounds check of every workbook (workbook_guard) / csv floor", guard / floor, "x")
    emit("fileexam's exact reader on the same sheets / csv floor", exact / floor, "x")


def bench_report(path: Path, folder: Path) -> None:
    from fileexam.formats.report_workbook import write_report
    from fileexam.services.report import build_report
    from fileexam.store.inspection_file import InspectionFile

    with InspectionFile.open(path) as f:
        f.template
        t0 = time.perf_counter()
        r = build_report(f)
        built = time.perf_counter() - t0
        write_report(folder / "report.xlsx", r)
        took = time.perf_counter() - t0
    emit(f"report: aggregate {len(r.counted)} cases with intervals", built, "s")
    emit(f"report: aggregate and write the workbook ({len(r.counted)} cases)", took, "s", "<= 5 s")


def bench_big_aggregation(folder: Path, n: int = 100_000) -> None:
    from fileexam.services.report import build_report
    from fileexam.store.inspection_file import InspectionFile

    sub = folder / "big"
    sub.mkdir()
    write_definitions(sub)
    t0 = time.perf_counter()
    path = build_inspection(sub, n, inspectors=100, name="big.fileexam")
    emit(f"setup: generated {n} cases", time.perf_counter() - t0, "s")
    with InspectionFile.open(path) as f:
        f.template
        t0 = time.perf_counter()
        r = build_report(f)
        took = time.perf_counter() - t0
    emit(f"aggregation on {len(r.counted)} cases x {SETS * PER_SET} questions", took, "s", "<= 10 s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="120 cases instead of 1,200")
    parser.add_argument("--no-qt", action="store_true", help="leave out the desktop app's figures")
    parser.add_argument("--only", choices=["store", "qt", "merge", "report", "big"], help="one group of figures")
    args = parser.parse_args()
    n = 120 if args.quick else 1200
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        path = build_inspection(folder, n)
        emit(f"setup: generated inspection of {n} cases x {SETS * PER_SET} questions", time.perf_counter() - t0, "s")
        only = args.only
        if only in (None, "store"):
            bench_open(path)
            bench_writes(path)
            bench_export(path, folder)
        if only in (None, "report"):
            bench_report(path, folder)
        if only in (None, "merge"):
            bench_merge(folder, 30 if not args.quick else 3)
        if only in (None, "big"):
            bench_big_aggregation(folder, 100_000 if not args.quick else 5_000)
        if only in (None, "qt") and not args.no_qt:
            bench_qt(path, folder)


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    main()

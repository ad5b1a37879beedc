"""The fuzz run: random and mutated question sets, case samples and exchange workbooks, each to load or give
messages."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from fileexam.faults.inspections import ROOT, TEMPLATE

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

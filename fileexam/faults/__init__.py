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
from pathlib import Path

from fileexam.faults.damaged_files import OPEN_KINDS
from fileexam.faults.damaged_open import damaged_open
from fileexam.faults.fuzz import fuzz
from fileexam.faults.hostile_merge import hostile_merge
from fileexam.faults.hostile_workbooks import HOSTILE_KINDS
from fileexam.faults.isolation import _exception_names, _isolated
from fileexam.faults.kills import crash_merge, crash_scoring

# Where each run lives: kills.py (scoring, merge), fuzz.py, hostile_merge.py (its inputs: hostile_workbooks.py and
# damaged_workbooks.py), damaged_open.py (its inputs: damaged_files.py); isolation.py is what the last two share.
# What `from fileexam.faults import ...` offers (tests/test_faults.py takes the kinds and the harness from here):
__all__ = ["crash_scoring", "crash_merge", "fuzz", "hostile_merge", "damaged_open", "main", "failures",
           "FAILURES", "HOSTILE_KINDS", "OPEN_KINDS", "_isolated", "_exception_names"]


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

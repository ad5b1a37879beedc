"""Write a generated case-management extract for the Area template, to try `fileexam sample draw` on:

    python scripts/make_case_list.py case-list.csv [--rows 12000] [--seed 1]

(.csv or .xlsx by the name). The rows are made by fileexam/services/demo_case_list.py: Areas of different sizes,
and rows that fail each eligibility rule of question_sets/designs/area-follow-up-2025.yaml."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    from fileexam.formats.definitions import load_template
    from fileexam.services.demo_case_list import write_case_list

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the case list to write (.csv or .xlsx)")
    parser.add_argument("--rows", type=int, default=12_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    t = load_template(ROOT / "question_sets/area-inspection.yaml").definition
    write_case_list(args.out, t, args.rows, args.seed)
    print(f"wrote {args.rows:,} rows to {args.out}")


if __name__ == "__main__":
    main()

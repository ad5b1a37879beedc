"""The `fileexam` command: each subcommand parses its arguments, calls one use-case, prints.

With no subcommand it opens the desktop app. Heavy modules are imported inside
the commands that need them, so `fileexam validate` starts fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fileexam import __version__
from fileexam.domain.problems import ProblemsFound

COMMANDS: dict[str, str] = {}  # name -> one-line help; the README must list every one (tested)


def command(name: str, help: str):
    def register(fn):
        COMMANDS[name] = help
        fn.command_name = name
        return fn
    return register


@command("validate", "check question-set and template YAML files (files or folders)")
def cmd_validate(args) -> int:
    from fileexam.services.definitions import validate

    report = validate([Path(p) for p in args.paths])
    for p in report.problems:
        print(p.format())
    n_err, n_warn = len(report.errors), len(report.warnings)
    print(f"{len(report.files)} file(s) checked: {n_err} error(s), {n_warn} warning(s)", file=sys.stderr)
    return 1 if n_err else 0


@command("diff", "list what changed between two versions of a question set")
def cmd_diff(args) -> int:
    from fileexam.services.definitions import diff_files

    d, warnings = diff_files(Path(args.old), Path(args.new))
    for w in warnings:
        print(w.format(), file=sys.stderr)
    print(f"{d.old.id}: version {d.old.version} ({d.old.fingerprint}) → {d.new.version} ({d.new.fingerprint})")
    if not d.changes:
        print("no changes")
        return 0
    for c in d.changes:
        print("  " + c.format())
    verdict = "compatible: answers under the old version stay comparable" if d.compatible \
        else "NOT compatible: some answers under the old version are not comparable"
    print(verdict)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fileexam", description="File examination for inspectorates.")
    parser.add_argument("--version", action="version", version=f"fileexam {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("validate", help=COMMANDS["validate"])
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("diff", help=COMMANDS["diff"])
    p.add_argument("old", metavar="OLD.yaml")
    p.add_argument("new", metavar="NEW.yaml")
    p.set_defaults(func=cmd_diff)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return args.func(args)
    except ProblemsFound as exc:
        for p in exc.problems:
            print(p.format(), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())

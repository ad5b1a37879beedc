"""The `fileexam` command: each subcommand parses its arguments, calls one use-case, prints.

With no subcommand it opens the desktop app. Heavy modules are imported inside
the commands that need them, so `fileexam validate` starts fast.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import traceback
from datetime import datetime
from pathlib import Path

from fileexam import __version__
from fileexam.domain.cases import BadValue
from fileexam.domain.problems import ProblemsFound
from fileexam.store.errors import StoreError

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


class UsageError(Exception):
    """A mistake in how a command was called, said so the user can correct it."""


def COMMANDS_FIRST_WORDS() -> set[str]:  # noqa: N802 - reads as a constant
    return {name.split()[0] for name in COMMANDS} | {"sample"}


def who_am_i(args) -> str:
    """The marker: --as, else the user kept in settings, else asked once (interactive) and kept."""
    from fileexam import settings

    name = getattr(args, "as_user", None) or settings.user()
    if name:
        return name
    if sys.stdin.isatty():
        name = input("Your name or initials, recorded with every answer you give: ").strip()
        if name:
            settings.set_user(name)
            return name
    raise UsageError("fileexam does not know who you are: run  fileexam user \"Your Name\"  once, or pass --as NAME")


def progress_bar(description: str):
    """A tqdm bar on stderr when it is a terminal; silent otherwise (scripts, tests)."""
    from tqdm import tqdm

    bar = tqdm(total=0, desc=description, unit="", disable=None, file=sys.stderr, leave=False)

    def update(done: int, total: int, what: str = "") -> None:
        if bar.total != total:
            bar.total = total
        bar.n = done
        if what:
            bar.set_postfix_str(what, refresh=False)
        bar.refresh()

    update.close = bar.close  # type: ignore[attr-defined]
    return update


def _open(path: str):
    from fileexam.store.inspection_file import InspectionFile

    return InspectionFile.open(path)


@command("user", "show or set who you are (recorded as the marker of every answer)")
def cmd_user(args) -> int:
    from fileexam import settings

    if args.name:
        settings.set_user(args.name)
        print(f"You are {args.name.strip()}.")
        return 0
    name = settings.user()
    print(name or "not set: run  fileexam user \"Your Name\"")
    return 0 if name else 1


@command("new", "create an inspection file from a template")
def cmd_new(args) -> int:
    from fileexam.store.inspection_file import InspectionFile

    with InspectionFile.create(args.file, args.template, args.name, who_am_i(args)) as f:
        t = f.template
        print(f"Created {args.file}: '{args.name}' from {t.title} {t.version} "
              f"({len(t.question_sets)} question sets, {len(list(t.questions))} questions).")
    return 0


@command("sample import", "import a case sample (.xlsx or .csv) into an inspection, all or nothing")
def cmd_sample_import(args) -> int:
    from fileexam.services.sample import import_sample

    with _open(args.file) as f:
        bar = progress_bar("import")
        try:
            report = import_sample(f, Path(args.sample), who_am_i(args), args.sheet, bar)
        finally:
            bar.close()
    for p in report.problems:
        print(p.format())
    if not report.imported:
        print(f"Nothing imported: {len(report.errors)} error(s). Correct the sample and import it again.",
              file=sys.stderr)
        return 1
    print(f"Imported {report.added} new case(s); {report.unchanged} already present and unchanged.")
    return 0


@command("export", "write the exchange workbook of one marker's work (or of everyone's)")
def cmd_export(args) -> int:
    from fileexam.services.export import export_workbook

    with _open(args.file) as f:
        marker = args.marker
        bar = progress_bar("export")
        try:
            result = export_workbook(f, Path(args.out), marker, bar)
        finally:
            bar.close()
    print(f"Wrote {result.path}: {result.cases} case row(s), {result.answers} answer(s)"
          + (f" by {marker}." if marker else " by all markers."))
    return 0


@command("status", "print progress per inspector, Area and strand")
def cmd_status(args) -> int:
    from fileexam.domain.progress import progress

    with _open(args.file) as f:
        t, cases, statuses = f.template, f.cases(), f.statuses()
        print(f"{f.name}: {len(cases)} case(s)")
        groups = [("inspector", "Inspector")]
        for key in (t.reporting.area_field, t.reporting.strand_field):
            if key:
                groups.append((key, t.fields_by_id[key].label))
        for by, title in groups:
            rows = progress(t, cases, statuses, by)
            width = max(len(title), *(len(r.group) for r in rows))
            print()
            print(f"{title:<{width}}  {'complete':>8}  {'in progress':>11}  {'not started':>11}  {'total':>5}")
            for r in rows:
                print(f"{r.group:<{width}}  {r.complete:>8}  {r.in_progress:>11}  {r.not_started:>11}  {r.total:>5}")
    return 0


@command("answer", "record, change or clear (with an empty VALUE) one answer")
def cmd_answer(args) -> int:
    with _open(args.file) as f:
        a = f.set_answer(args.case, args.question, who_am_i(args), args.value, args.comment, args.reason or "")
    print(f"{a.case} {a.question}: {a.value if a.value is not None else '(cleared)'} — saved {a.answered_at}")
    return 0


@command("complete", "mark a case complete, after the completeness check")
def cmd_complete(args) -> int:
    with _open(args.file) as f:
        t = f.template
        result = f.mark_complete(args.case, who_am_i(args))
    for qid in result.missing:
        print(f"missing: {qid} {t.question_by_id[qid].text}")
    for qid in result.no_longer_apply:
        print(f"kept, no longer applies: {qid} {t.question_by_id[qid].text}")
    if not result.ok:
        print(f"Case {args.case} is not complete: {len(result.missing)} required question(s) unanswered.",
              file=sys.stderr)
        return 1
    print(f"Case {args.case} is complete.")
    return 0


@command("reopen", "reopen a complete case (a reason is required)")
def cmd_reopen(args) -> int:
    with _open(args.file) as f:
        f.reopen(args.case, who_am_i(args), args.reason)
    print(f"Case {args.case} reopened.")
    return 0


@command("merge", "merge inspectors' exchange workbooks into a master inspection, and show coverage")
def cmd_merge(args) -> int:
    from fileexam.services.merge import merge_workbooks

    with _open(args.master) as f:
        bar = progress_bar("merge")
        try:
            report = merge_workbooks(f, [Path(p) for p in args.workbooks], who_am_i(args), args.accept_changed, bar)
        finally:
            bar.close()
        print_merge_report(report)
    return 1 if report.refused else 0


def print_merge_report(report) -> None:
    for w in report.workbooks:
        print(w.line())
        for ref, marker, others in w.conflicts:
            print(f"    conflict: case {ref} marked by {marker} and by {', '.join(others)} "
                  "(not chosen for double marking): both markings kept; settle it")
    cov = report.coverage
    print()
    print(f"Coverage: {len(cov.cases) - len(cov.missing)} of {len(cov.cases)} sampled case(s) back complete; "
          f"{len(cov.missing)} missing; {len(cov.twice)} complete twice.")
    for title, groups in (("Inspector", cov.by_inspector), ("Area", cov.by_area)):
        width = max([len(title)] + [len(g.group) for g in groups])
        print(f"\n{title:<{width}}  {'expected':>8}  {'complete':>8}  {'in progress':>11}  {'missing':>7}")
        for g in groups:
            print(f"{g.group:<{width}}  {g.expected:>8}  {g.complete:>8}  {g.in_progress:>11}  {g.missing:>7}")
    if cov.missing:
        shown = ", ".join(f"{c.reference} ({c.inspector or 'unallocated'})" for c in cov.missing[:20])
        print(f"\nMissing: {shown}" + (" …" if len(cov.missing) > 20 else ""))


@command("report", "aggregate a master inspection into the report workbook (and JSON)")
def cmd_report(args) -> int:
    import json

    from fileexam.formats.report_workbook import write_report
    from fileexam.services.merge import master_coverage
    from fileexam.services.report import build_report, report_json

    with _open(args.master) as f:
        bar = progress_bar("report")
        try:
            report = build_report(f, Path(args.baseline) if args.baseline else None, progress=bar)
            write_report(Path(args.out), report, f.merges(), master_coverage(f), bar)
        finally:
            bar.close()
    if args.json:
        print(json.dumps(report_json(report), indent=2, ensure_ascii=False))
    else:
        print(f"Wrote {args.out}: {len(report.counted)} case(s) counted, {report.excluded} without a complete marking"
              + (f", compared with {report.baseline_name}" if report.baseline_name else "") + ".")
        for m in report.measures:
            fig = report.figure(m)
            if fig and fig.value is not None:
                tr = fig.travel
                trend = f"  {tr.arrow} {tr.change_pp:+.1f}pp {tr.direction}" if tr and tr.direction else ""
                print(f"  {report.label(m):<45} {fig.value * 100:5.1f}%  ({len(fig.cases)} cases){trend}")
    return 0


@command("app", "open the desktop app (also: plain  fileexam, fileexam FILE, fileexam --demo)")
def cmd_app(args) -> int:
    from fileexam.qt.app import run

    return run(args.file, args.demo)


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

    p = sub.add_parser("app", help=COMMANDS["app"])
    p.add_argument("file", nargs="?", metavar="FILE.fileexam")
    p.add_argument("--demo", action="store_true", help="open (creating it the first time) a demo inspection")
    p.set_defaults(func=cmd_app)

    p = sub.add_parser("user", help=COMMANDS["user"])
    p.add_argument("name", nargs="?", metavar="NAME")
    p.set_defaults(func=cmd_user)

    def with_user(p):
        p.add_argument("--as", dest="as_user", metavar="NAME", help="the marker, if not the user set with 'fileexam user'")
        return p

    p = with_user(sub.add_parser("new", help=COMMANDS["new"]))
    p.add_argument("file", metavar="FILE")
    p.add_argument("--template", required=True, metavar="TEMPLATE.yaml")
    p.add_argument("--name", required=True)
    p.set_defaults(func=cmd_new)

    sample = sub.add_parser("sample", help="case samples").add_subparsers(dest="sample_command", metavar="ACTION",
                                                                          required=True)
    p = with_user(sample.add_parser("import", help=COMMANDS["sample import"]))
    p.add_argument("file", metavar="FILE")
    p.add_argument("sample", metavar="SAMPLE.xlsx")
    p.add_argument("--sheet", help="the sheet to read (default: the first)")
    p.set_defaults(func=cmd_sample_import)

    p = sub.add_parser("export", help=COMMANDS["export"])
    p.add_argument("file", metavar="FILE")
    p.add_argument("out", metavar="OUT.xlsx")
    p.add_argument("--marker", metavar="NAME", help="only this marker's cases and answers (default: everyone's)")
    p.set_defaults(func=cmd_export)

    p = with_user(sub.add_parser("merge", help=COMMANDS["merge"]))
    p.add_argument("master", metavar="MASTER_FILE")
    p.add_argument("workbooks", nargs="+", metavar="IN.xlsx")
    p.add_argument("--accept-changed", action="store_true",
                   help="merge workbooks edited after export (recorded in the audit log)")
    p.set_defaults(func=cmd_merge)

    p = sub.add_parser("report", help=COMMANDS["report"])
    p.add_argument("master", metavar="MASTER_FILE")
    p.add_argument("out", metavar="OUT.xlsx")
    p.add_argument("--baseline", metavar="BASELINE", help="an earlier master file or report workbook")
    p.add_argument("--json", action="store_true", help="also print every figure as JSON")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("status", help=COMMANDS["status"])
    p.add_argument("file", metavar="FILE")
    p.set_defaults(func=cmd_status)

    p = with_user(sub.add_parser("answer", help=COMMANDS["answer"]))
    p.add_argument("file", metavar="FILE")
    p.add_argument("case", metavar="CASE")
    p.add_argument("question", metavar="QUESTION")
    p.add_argument("value", metavar="VALUE", help="a value or its key (e.g. F); empty to clear")
    p.add_argument("--comment")
    p.add_argument("--reason")
    p.set_defaults(func=cmd_answer)

    p = with_user(sub.add_parser("complete", help=COMMANDS["complete"]))
    p.add_argument("file", metavar="FILE")
    p.add_argument("case", metavar="CASE")
    p.set_defaults(func=cmd_complete)

    p = with_user(sub.add_parser("reopen", help=COMMANDS["reopen"]))
    p.add_argument("file", metavar="FILE")
    p.add_argument("case", metavar="CASE")
    p.add_argument("--reason", required=True)
    p.set_defaults(func=cmd_reopen)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    # No command, --demo, or a file: the desktop app.
    if not argv or argv[0] == "--demo" or (not argv[0].startswith("-") and argv[0] not in COMMANDS_FIRST_WORDS()):
        argv = ["app"] + argv
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ProblemsFound as exc:
        for p in exc.problems:
            print(p.format(), file=sys.stderr)
        return 1
    except (UsageError, BadValue, StoreError) as exc:
        print(f"fileexam: {exc}", file=sys.stderr)
        return 1
    except sqlite3.Error as exc:
        print(f"fileexam: the inspection file could not be used: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"fileexam: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # never a traceback to a user: keep it in the log
        log = write_crash_log(exc)
        print(f"fileexam: unexpected error ({type(exc).__name__}: {exc}). Details were written to {log}",
              file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into head, say: not an error
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def write_crash_log(exc: BaseException) -> Path:
    from fileexam import settings

    folder = settings.data_dir() / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "fileexam-errors.log"
    with path.open("a", encoding="utf-8") as fh:
        fh.write(f"\n--- {datetime.now().isoformat(timespec='seconds')} ---\n")
        fh.write("".join(traceback.format_exception(exc)))
    return path


if __name__ == "__main__":
    raise SystemExit(main())

"""The `fileexam` command: each subcommand parses its arguments, calls one use-case, prints.

With no subcommand it opens the desktop app. Heavy modules are imported inside
the commands that need them, so `fileexam validate` starts fast.
"""

from __future__ import annotations

import argparse
from contextlib import contextmanager
import sqlite3
import sys
import traceback
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
    return {name.split()[0] for name in COMMANDS}


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


@contextmanager
def progress_bar(description: str):
    """A progress callback drawing a tqdm bar on stderr when it is a terminal; silent otherwise."""
    from tqdm import tqdm

    bar = tqdm(total=0, desc=description, unit="", disable=None, file=sys.stderr, leave=False)

    def update(done: int, total: int, what: str = "") -> None:
        if bar.total != total:
            bar.total = total
        bar.n = done
        if what:
            bar.set_postfix_str(what, refresh=False)
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()


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
        with progress_bar("import") as bar:
            report = import_sample(f, Path(args.sample), who_am_i(args), args.sheet, bar)
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
        with progress_bar("export") as bar:
            result = export_workbook(f, Path(args.out), marker, bar)
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
        with progress_bar("merge") as bar:
            report = merge_workbooks(f, [Path(p) for p in args.workbooks], who_am_i(args), args.accept_changed, bar)
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
        with progress_bar("report") as bar:
            report = build_report(f, Path(args.baseline) if args.baseline else None, progress=bar)
            write_report(Path(args.out), report, f.merges(), master_coverage(f), bar)
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


@command("moderation allocate", "choose cases for blind double marking and write each second marker's sample")
def cmd_moderation_allocate(args) -> int:
    from fileexam.formats.template_yaml import parse_share
    from fileexam.services.moderation import allocate, write_blind_samples

    share = None
    if args.share is not None:
        share = parse_share(args.share)
        if share is None:
            raise UsageError(f"--share {args.share}: give a share such as 10% or 0.1")
    named = [(c, m) for c, m in zip(args.case or [], args.to or [])]
    if len(args.case or []) != len(args.to or []):
        raise UsageError("give each --case its --to (the second marker)")
    with _open(args.master) as f:
        pairs = allocate(f, who_am_i(args), share, args.seed, named or None)
        for ref, first, second in pairs:
            print(f"{ref}: first {first or '(unallocated)'}, second {second}")
        print(f"{len(pairs)} case(s) chosen for a second, independent marking.")
        if args.out_dir:
            for path in write_blind_samples(f, Path(args.out_dir)):
                print(f"Wrote {path} (cases and fields only: no answers, no comments)")
    return 0


@command("moderation settle", "record the agreed answer to a double-marked question, with a reason")
def cmd_moderation_settle(args) -> int:
    with _open(args.master) as f:
        value = f.settle(args.case, args.question, args.value, args.reason, who_am_i(args))
    print(f"{args.case} {args.question}: agreed answer {value or '(none)'} recorded.")
    return 0


@command("moderation signoff", "sign off the moderation (decisions are then locked); --reopen REASON reopens it")
def cmd_moderation_signoff(args) -> int:
    with _open(args.master) as f:
        f.sign_off(who_am_i(args), args.reopen)
    print("Moderation reopened." if args.reopen else "Moderation signed off: its decisions are locked.")
    return 0


@command("moderation calibrate", "make a case a calibration case: every inspector marks it against a reference marking")
def cmd_moderation_calibrate(args) -> int:
    with _open(args.master) as f:
        f.set_calibration(args.case, args.reference, who_am_i(args))
    print(f"Case {args.case} is a calibration case; the reference marking is {args.reference}'s. "
          "It never counts in the inspection's scores.")
    return 0


@command("agreement", "agreement statistics of the double-marked cases (and the moderation workbook)")
def cmd_agreement(args) -> int:
    import json

    from fileexam.services.moderation import agreement_report, calibration_results, marker_profiles

    with _open(args.master) as f:
        report = agreement_report(f)
        profiles = marker_profiles(f)
        calibration = calibration_results(f)
        if args.out:
            from fileexam.formats.moderation_workbook import write_moderation
            cases = {c.reference: c for c in f.cases()}
            allocation = [(ref, cases[ref].inspector or "", m) for ref, m in sorted(f.double_marked())]
            write_moderation(Path(args.out), f.template, allocation, report, profiles)

    def stats(s):
        return None if s is None else {k: getattr(s, k) for k in ("group", "n", "cases", "agreement", "kappa",
                                                                  "weighted_kappa", "ac1", "alpha_nominal",
                                                                  "alpha_ordinal")} | {"intervals": s.intervals}
    if args.json:
        print(json.dumps({"overall": stats(report.overall), "by_question": [stats(s) for s in report.by_question],
                          "by_theme": [stats(s) for s in report.by_set], "by_markers": [stats(s) for s in report.by_markers],
                          "disagreements": len(report.disagreements),
                          "profiles": [p.__dict__ for p in profiles],
                          "calibration": [c.__dict__ for c in calibration]}, indent=2, default=str))
        return 0
    if report.overall is None and not calibration:
        print("No double-marked case has two markings yet.")
        return 0
    def num(v):
        return "  —  " if v is None else f"{v:5.2f}"
    o = report.overall
    if o is not None:
        print(f"{len({p.case for p in report.pairs})} double-marked case(s), {o.n} paired answers, "
              f"{len(report.disagreements)} disagreement(s), {len(report.decisions)} settled.")
        print(f"{'group':<28} {'pairs':>5} {'agree':>6} {'kappa':>6} {'wkappa':>6} {'AC1':>6} {'alpha':>6}")
        for s in [o] + report.by_set + report.by_markers:
            print(f"{s.group:<28} {s.n:>5} {num(s.agreement)} {num(s.kappa)} {num(s.weighted_kappa)} {num(s.ac1)} "
                  f"{num(s.alpha_nominal)}" + ("  (few cases)" if s.few else ""))
        print("\nLowest agreement:")
        for s in report.lowest():
            print(f"  {s.group:<8} {s.agreement * 100:5.1f}% of {s.n}")
    for p in profiles:
        for flag in p.flags:
            print(f"  flag: {p.marker}: {flag}")
    if calibration:
        print("\nCalibration (against the reference marking):")
        for c in calibration:
            share = "—" if c.agreement is None else f"{c.agreement * 100:.0f}%"
            print(f"  {c.case} {c.marker:<12} {share} of {c.compared} agree with {c.reference_marker}"
                  + (f"; differs on {', '.join(q for q, _, _ in c.differences[:8])}" if c.differences else ""))
    if args.out:
        print(f"\nWrote {args.out}")
    return 0


@command("restore", "list an inspection file's backups, or bring one back (--from N)")
def cmd_restore(args) -> int:
    from fileexam import settings
    from fileexam.store.backups import list_backups, restore

    root = settings.data_dir() / "backups"
    backups = list_backups(Path(args.file), root)
    if args.source is None:
        if not backups:
            print(f"No backups of {args.file} yet (one is made each time the app opens it).")
            return 1
        for i, b in enumerate(backups, start=1):
            print(f"{i:>3}  {b.stem}  ({b.stat().st_size:,} bytes)  {b}")
        print("Restore one with  fileexam restore FILE --from N")
        return 0
    source = Path(args.source)
    if args.source.isdigit():
        n = int(args.source)
        if not 1 <= n <= len(backups):
            raise UsageError(f"--from {n}: there are {len(backups)} backup(s)")
        source = backups[n - 1]
    if not source.is_file():
        raise UsageError(f"{source}: no such backup")
    safety = restore(Path(args.file), source, root)
    print(f"Restored {args.file} from {source.name}." + (f" The file as it was is kept as {safety}." if safety else ""))
    return 0


@command("purge", "data retention: delete answers, comments and audit detail of cases complete before a date")
def cmd_purge(args) -> int:
    from datetime import date

    try:
        before = date.fromisoformat(args.before).isoformat()
    except ValueError:
        raise UsageError(f"--before {args.before}: write the date as 2026-01-31") from None
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError("purge deletes data for good: confirm with --yes (or run it in a terminal)")
        answer = input(f"Delete the answers, comments and audit detail of every case in {args.file} complete "
                       f"before {before}? Type PURGE to confirm: ")
        if answer.strip() != "PURGE":
            print("Nothing purged.")
            return 1
    with _open(args.file) as f:
        result = f.purge(before, who_am_i(args))
    print(f"Purged {result['cases']} case(s): {result['answers']} answer(s) deleted; the purge is in the audit log.")
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

    moderation = sub.add_parser("moderation", help="double marking and moderation").add_subparsers(
        dest="moderation_command", metavar="ACTION", required=True)
    p = with_user(moderation.add_parser("allocate", help=COMMANDS["moderation allocate"]))
    p.add_argument("master", metavar="MASTER_FILE")
    p.add_argument("--share", help="share of each inspector's cases (default: the template's, e.g. 10%%)")
    p.add_argument("--seed", type=int, default=1, help="the same seed gives the same choice")
    p.add_argument("--case", action="append", help="a named case instead (repeatable, with --to)")
    p.add_argument("--to", action="append", help="the second marker of the --case before it")
    p.add_argument("--out-dir", help="write each second marker's blind sample workbook here")
    p.set_defaults(func=cmd_moderation_allocate)
    p = with_user(moderation.add_parser("settle", help=COMMANDS["moderation settle"]))
    p.add_argument("master", metavar="MASTER_FILE")
    p.add_argument("case", metavar="CASE")
    p.add_argument("question", metavar="QUESTION")
    p.add_argument("value", metavar="VALUE")
    p.add_argument("--reason", required=True)
    p.set_defaults(func=cmd_moderation_settle)
    p = with_user(moderation.add_parser("signoff", help=COMMANDS["moderation signoff"]))
    p.add_argument("master", metavar="MASTER_FILE")
    p.add_argument("--reopen", metavar="REASON", help="reopen a signed-off moderation, saying why")
    p.set_defaults(func=cmd_moderation_signoff)

    p = with_user(moderation.add_parser("calibrate", help=COMMANDS["moderation calibrate"]))
    p.add_argument("master", metavar="MASTER_FILE")
    p.add_argument("case", metavar="CASE")
    p.add_argument("--reference", required=True, metavar="MARKER", help="whose marking is the reference")
    p.set_defaults(func=cmd_moderation_calibrate)

    p = sub.add_parser("agreement", help=COMMANDS["agreement"])
    p.add_argument("master", metavar="MASTER_FILE")
    p.add_argument("--json", action="store_true")
    p.add_argument("--out", metavar="AGREEMENT.xlsx", help="write the moderation workbook")
    p.set_defaults(func=cmd_agreement)

    p = with_user(sub.add_parser("purge", help=COMMANDS["purge"]))
    p.add_argument("file", metavar="FILE")
    p.add_argument("--before", required=True, metavar="DATE")
    p.add_argument("--yes", action="store_true", help="confirm without being asked")
    p.set_defaults(func=cmd_purge)

    p = sub.add_parser("restore", help=COMMANDS["restore"])
    p.add_argument("file", metavar="FILE")
    p.add_argument("--from", dest="source", metavar="N|BACKUP", help="the backup to bring back: its number or path")
    p.set_defaults(func=cmd_restore)

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
    opens_a_file = bool(argv) and (argv[0].endswith(".fileexam") or Path(argv[0]).is_file())
    if not argv or argv[0] == "--demo" or (opens_a_file and argv[0] not in COMMANDS_FIRST_WORDS()):
        argv = ["app"] + argv  # a mistyped command still gets argparse's "invalid choice" message
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
    from fileexam import crash_log

    return crash_log.write("".join(traceback.format_exception(exc)))


if __name__ == "__main__":
    raise SystemExit(main())

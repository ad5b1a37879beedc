"""The `fileexam` command: each subcommand parses its arguments, calls one use-case, prints.

With no subcommand it opens the desktop app. Heavy modules are imported inside
the commands that need them, so `fileexam validate` starts fast.
"""

from __future__ import annotations

import argparse
import codecs
from contextlib import contextmanager
import errno
import io
import os
import sys
import traceback
from pathlib import Path

from fileexam import __version__
from fileexam.domain.case_status import BadValue
from fileexam.store.errors import StoreError
from fileexam.store.file_check import DamagedFile
from fileexam.store.sqlite import sqlite3

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
    raise UsageError("who are you? Every answer is recorded with its marker's name: run  fileexam user \"Your Name\"  "
                     "once on this computer, or give --as NAME")


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


def _open(path: str, read_only: bool = False):
    """read_only: the command only reads, so it also works on a file in a read-only folder. An encrypted
    file's passphrase is asked at the terminal, or read from FILEEXAM_PASSPHRASE (store/passphrases.py)."""
    from fileexam.store.inspection_file import InspectionFile
    from fileexam.store.passphrases import damaged_hint

    # A command runs once: it can afford SQLite's full integrity check (0.24 s on 1,200 cases).
    return _keys().open(Path(path), lambda key: InspectionFile.open(path, read_only=read_only, check="full", key=key),
                        damaged_hint(Path(path), backup_root()))


def _open_checking_behind(path: str):
    """_open for a command that only reads and publishes after check.wait(): (file, check), the full check
    running beside the work (services/checked_behind.py)."""
    from fileexam.services.checked_behind import open_checking_behind
    from fileexam.store.passphrases import damaged_hint

    checks = []
    f = _keys().open(Path(path), lambda key: _kept(open_checking_behind(path, key), checks),
                     damaged_hint(Path(path), backup_root()))
    return f, checks[-1]


def _kept(opened, checks: list):
    checks.append(opened[1])
    return opened[0]


_KEYS = None  # the keys of the encrypted files this command opened, by salt: in memory, for one command


def _keys():
    global _KEYS
    if _KEYS is None:
        from fileexam.store.passphrases import TerminalKeys
        _KEYS = TerminalKeys()
    return _KEYS


def _forget_keys() -> None:
    global _KEYS
    if _KEYS is not None:
        _KEYS.forget()
    _KEYS = None


def _baseline_key(baseline: str | None):
    """The key of an encrypted master given as a baseline (asked like any file's passphrase); None otherwise."""
    from fileexam.store.file_check import NotAnInspection, check_inspection_file

    if not baseline or Path(baseline).suffix.lower() in (".xlsx", ".xlsm"):
        return None
    path = Path(baseline)
    try:
        return _keys().open(path, lambda key: (check_inspection_file(path, "none", key), key)[1])
    except (NotAnInspection, OSError):
        return None  # said plainly when the report reads it


def require_xlsx(path: str, what: str) -> None:
    """fileexam writes Excel workbooks: a name ending in anything else would hold an .xlsx in disguise."""
    if Path(path).suffix.lower() != ".xlsx":
        raise UsageError(f"{what} {path}: fileexam writes Excel workbooks, so the name must end in .xlsx "
                         f"(e.g. {Path(path).with_suffix('.xlsx').name})")


def _known_marker(f, marker: str) -> str:
    """A marker who has work or an allocation in the file (matched without regard to case)."""
    from fileexam.domain.problems import did_you_mean

    known = set(f.markers()) | {c.inspector for c in f.cases() if c.inspector}
    if marker in known:
        return marker
    folded = [m for m in known if m.casefold() == marker.casefold()]
    if len(folded) == 1:
        return folded[0]
    raise UsageError(f"--marker {marker}: nobody of that name has work or cases in this inspection"
                     + (did_you_mean(marker, sorted(known)) if known else "") + "; nothing was written")


def backup_root() -> Path:
    from fileexam import settings

    return settings.data_dir() / "backups"


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

    key = None
    if args.encrypt:
        from fileexam.store.passphrases import new_passphrase
        from fileexam.store.sqlite import new_key

        if Path(args.file).exists():
            raise UsageError(f"{args.file} already exists: choose another file name, or open it")
        key = new_key(new_passphrase())  # asked twice, or FILEEXAM_PASSPHRASE; only the derived key is kept
    with InspectionFile.create(args.file, args.template, args.name, who_am_i(args), key=key) as f:
        t = f.template
        print(f"Created {args.file}: '{args.name}' from {t.title} {t.version} "
              f"({len(t.question_sets)} question sets, {len(list(t.questions))} questions)"
              + ("; encrypted: it opens only with its passphrase, which fileexam does not keep. If the passphrase "
                 "is lost, so is the inspection." if key else "."))
    return 0


@command("rekey", "change the passphrase of an encrypted inspection file, and of the backups kept of it")
def cmd_rekey(args) -> int:
    from functools import lru_cache

    from fileexam.store.file_check import NeedsPassphrase, check_inspection_file
    from fileexam.store.passphrases import NEW_ENV_VAR, new_passphrase
    from fileexam.store.rekey import rekey
    from fileexam.store.sqlite import derive

    path = Path(args.file)
    try:
        check_inspection_file(path, "none")
        raise UsageError(f"{args.file} is not encrypted: rekey changes the passphrase of an encrypted inspection "
                         "file (make an encrypted one with  fileexam new FILE ... --encrypt)")
    except NeedsPassphrase:
        pass
    # Both passphrases stay in memory for this command only: each file (the inspection, each backup) is
    # keyed by its own salt, so a copy left under another salt by an interrupted rekey still opens.
    old_passphrase = _keys().passphrase(path)
    new_passphrase_ = new_passphrase("to encrypt it with from now on", env_var=NEW_ENV_VAR)
    old = lru_cache(maxsize=None)(lambda salt: derive(old_passphrase, salt))
    new = lru_cache(maxsize=None)(lambda salt: derive(new_passphrase_, salt))
    try:
        result = rekey(path, old, new, backup_root(), who_am_i(args))
    finally:
        old.cache_clear()
        new.cache_clear()
    print(f"{args.file}: " + ("re-encrypted under the new passphrase" if result.file_rekeyed else
                              "already under the new passphrase")
          + f"; {len(result.copies_rekeyed)} kept backup(s) re-encrypted too"
          + (f", {len(result.copies_already)} already were" if result.copies_already else "") + ".")
    for copy, why in result.copies_not_reached:
        print(f"NOT re-encrypted: {copy} ({why}); delete it if the old passphrase must stop opening it",
              file=sys.stderr)
    return 1 if result.copies_not_reached else 0


@command("encrypt", "encrypt a plain inspection file with a passphrase, and the backups kept of it")
def cmd_encrypt(args) -> int:
    from fileexam.store.file_check import NeedsPassphrase, check_inspection_file
    from fileexam.store.passphrases import new_passphrase
    from fileexam.store.rekey import encrypt
    from fileexam.store.sqlite import derive

    path = Path(args.file)
    try:
        check_inspection_file(path, "none")
    except NeedsPassphrase:
        raise UsageError(f"{args.file} is already encrypted: change its passphrase with  fileexam rekey FILE") from None
    passphrase = new_passphrase("to encrypt it with")
    keys: dict[bytes, object] = {}

    def new(salt: bytes):
        if salt not in keys:
            keys[salt] = derive(passphrase, salt)
        return keys[salt]

    result = encrypt(path, new, backup_root(), who_am_i(args))
    keys.clear()
    print(f"{args.file}: encrypted; {len(result.copies_rekeyed)} kept backup(s) encrypted too"
          + (f", {len(result.copies_already)} already were" if result.copies_already else "") + ". "
          "Every command and the app now ask for the passphrase; without it the file cannot be opened.")
    print("Not changed: workbooks exported from it and copies saved elsewhere (they stay plain), and the disk "
          "blocks the plain file used, which the file system reuses in time: encrypt a file before it travels.",
          file=sys.stderr)
    for copy, why in result.copies_not_reached:
        print(f"NOT encrypted: {copy} ({why}); delete it, it holds the plain data", file=sys.stderr)
    return 1 if result.copies_not_reached else 0


@command("sample import", "import a case sample (.xlsx or .csv) into an inspection, all or nothing")
def cmd_sample_import(args) -> int:
    from fileexam.passwords import ENV_VAR, Passwords
    from fileexam.services.sample import import_sample

    passwords = Passwords.for_command()  # an encrypted sample (a blind sample, say): asked for, or the variable
    with _open(args.file) as f:
        user = who_am_i(args)
        passwords.prime([Path(args.sample)])
        with progress_bar("import") as bar:
            report = import_sample(f, Path(args.sample), user, args.sheet, bar, password=passwords,
                                   design=Path(args.design) if args.design else None)
    for p in report.problems:
        print(p.format())
    if passwords.missed:
        print(f"The sample is encrypted: run the command in a terminal to be asked its password, or set "
              f"{ENV_VAR}.", file=sys.stderr)
    if not report.imported:
        ineligible = f" ({report.ineligible} ineligible under the design's rules)" if report.ineligible else ""
        print(f"Nothing imported: {len(report.errors)} error(s){ineligible}. Correct the sample and import it again.",
              file=sys.stderr)
        return 1
    print(f"Imported {report.added} new case(s); {report.unchanged} already present and unchanged.")
    if report.design is not None:
        d = report.design
        print(f"Sample design {d.id} {d.version}: every row meets its {len(d.rules)} eligibility rule(s)"
              + ("; stored with the cases" if report.design_stored else "; already stored") + "."
              + (f" {report.reserves_added} reserve case(s) kept (neither allocated nor shown until one takes the "
                 "place of an excluded case)." if report.reserves_added else ""))
    return 0


@command("sample draw", "draw a sample and its reserves from a case-management extract by a sample design")
def cmd_sample_draw(args) -> int:
    from fileexam.services.sample_draw import draw_sample

    require_xlsx(args.out, "--out")
    with progress_bar("draw") as bar:
        report = draw_sample(Path(args.design), Path(args.caselist), Path(args.out), args.sheet, bar)
    for p in report.problems:
        print(p.format())
    if not report.written:
        print(f"Nothing written: {len(report.errors)} error(s). Correct the case list (or the design) and draw "
              "again.", file=sys.stderr)
        return 1
    d = report.design
    print(f"Wrote {args.out}: {report.drawn:,} case(s) drawn and {report.reserves:,} reserve(s) in "
          f"{len(report.strata)} strata, from {report.rows:,} row(s) of {Path(args.caselist).name}, "
          f"{report.eligible:,} eligible (design {d.id} {d.version}, seed {d.seed}).")
    for r in report.rules:
        print(f"  {r.excluded:>7,} row(s) excluded by {r.id}: {r.label or r.test}")
    short = [s for s in report.strata if s.note]
    if short:
        print(f"{len(short)} stratum(s) short of the design (above); the Design sheet says which.", file=sys.stderr)
    return 0


@command("sample exclude", "mark a sampled case not examinable, with a reason; the next reserve of its stratum replaces it")
def cmd_sample_exclude(args) -> int:
    from fileexam.services.sample_exclusion import exclude_case, reason_label
    from fileexam.store import sample_records

    with _open(args.file) as f:
        user = who_am_i(args)
        ex = exclude_case(f, args.case, args.reason, user, args.note or "")
        case = f.case(ex.reference)
        replaced = sample_records.reserve(f, ex.replaced_by) if ex.replaced_by else None
        label = reason_label(f.template, ex.reason)
        has_design = sample_records.stored_design(f) is not None
    print(f"Case {ex.reference} is not examinable ({label}); recorded in the audit log.")
    if replaced is not None:
        print(f"Reserve {replaced.reference} (reserve {replaced.rank} of its stratum) takes its place, allocated to "
              f"{case.inspector or 'nobody (unallocated)'}.")
    elif has_design:
        print("No reserve is left in its stratum: the achieved sample falls short of the design there.",
              file=sys.stderr)
    else:
        print("This inspection has no sample design, so no reserve replaces it.", file=sys.stderr)
    return 0


@command("export", "write the exchange workbook of one marker's work (or of everyone's)")
def cmd_export(args) -> int:
    from fileexam.passwords import PasswordError, new_password
    from fileexam.services.export import export_workbook

    password = None
    if args.encrypt:
        try:
            password = new_password()  # asked twice at the terminal, or FILEEXAM_WORKBOOK_PASSWORD
        except PasswordError as exc:
            raise UsageError(str(exc)) from None
    require_xlsx(args.out, "OUT")
    with _open(args.file, read_only=True) as f:
        marker = args.marker
        if marker is not None:
            marker = _known_marker(f, marker)
        with progress_bar("export") as bar:
            result = export_workbook(f, Path(args.out), marker, bar, password=password)
    print(f"Wrote {result.path}: {result.cases} case row(s), {result.answers} answer(s)"
          + (f" by {marker}" if marker else " by all markers")
          + (", encrypted: send the password by another way than the workbook." if result.encrypted else "."))
    return 0


@command("status", "print progress per inspector, Area and strand")
def cmd_status(args) -> int:
    from fileexam.domain.progress import progress

    with _open(args.file, read_only=True) as f:
        from fileexam.services.merge import real_statuses
        t, cases, statuses = f.template, f.cases(), real_statuses(f)  # gold markings are not the sample's
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
        from fileexam.services.sample_exclusion import reason_label
        from fileexam.store.sample_records import exclusions
        excluded = exclusions(f)
        if excluded:  # counted above as not started: said here, with what replaced each
            print(f"\nNot examinable ({len(excluded)}, left out of every figure): "
                  + ", ".join(f"{ref} ({reason_label(t, ex.reason)}"
                              + (f"; replaced by {ex.replaced_by})" if ex.replaced_by else ")")
                              for ref, ex in list(excluded.items())[:20]) + (" …" if len(excluded) > 20 else ""))
        from fileexam.services.standardisation import coverage_lines
        for line in coverage_lines(f):
            print(("\n" if line.startswith("Standardisation") else "") + line)
        from fileexam.services.retention import due
        reminders = due(f)
    for r in reminders:  # on stderr: a script reading the table is not disturbed
        print(f"Due for deletion under the template's retention rule: {r.what}. Run  {r.command(Path(args.file))}",
              file=sys.stderr)
    return 0


@command("answer", "record, change or clear (with an empty VALUE) one answer")
def _refuse_not_examinable(f, reference: str, doing: str) -> None:
    """A case marked not examinable is left out of every figure: scoring it would be work nobody counts (the
    app locks it the same way)."""
    from fileexam.services.sample_exclusion import reason_label
    from fileexam.store.sample_records import exclusions

    ref = f.resolve_case(reference)
    ex = exclusions(f).get(ref)
    if ex is not None:
        raise UsageError(f"case {ref} is marked not examinable ({reason_label(f.template, ex.reason)}), so it is "
                         f"left out of every figure: nothing to {doing}"
                         + (f"; its place in the sample is taken by {ex.replaced_by}" if ex.replaced_by else ""))


def cmd_answer(args) -> int:
    from fileexam.domain.answers import answer_label

    with _open(args.file) as f:
        marker = who_am_i(args)
        _refuse_not_examinable(f, args.case, "answer")
        a = f.set_answer(args.case, args.question, marker, args.value, args.comment, args.reason or "")
        t = f.template
        q = t.question_by_id[a.question]
        applies, why = f.applies(a.case, marker, q.id)
    shown = answer_label(q, a.value) if a.value is not None else "(cleared)"
    print(f"{a.case} {a.question}: {shown} — saved {a.answered_at}")
    if a.value is not None and not applies:
        print(f"fileexam: note: {a.question} does not apply to case {a.case} ({why}): the answer is kept but not "
              "counted, and the completeness check lists it", file=sys.stderr)
    return 0


@command("complete", "mark a case complete, after the completeness check")
def cmd_complete(args) -> int:
    with _open(args.file) as f:
        t = f.template
        _refuse_not_examinable(f, args.case, "mark complete")
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
    from fileexam.passwords import ENV_VAR, Passwords
    from fileexam.services.merge import merge_workbooks

    paths = [Path(p) for p in args.workbooks]
    passwords = Passwords.for_command()  # asked once, tried on each encrypted workbook; never kept
    with _open(args.master) as f:
        user = who_am_i(args)
        passwords.prime(paths)
        with progress_bar("merge") as bar:
            report = merge_workbooks(f, paths, user, args.accept_changed, bar, backup_root=backup_root(),
                                     password=passwords)
        print_merge_report(report)
        from fileexam.services.standardisation import coverage_lines
        for line in coverage_lines(f):
            print(("\n" if line.startswith("Standardisation") else "") + line)
    if passwords.missed:
        print(f"{len(passwords.missed)} workbook(s) are encrypted: run the command in a terminal to be asked "
              f"their password, or set {ENV_VAR}.", file=sys.stderr)
    return 1 if report.refused else 0


def print_merge_report(report) -> None:
    refused = report.refused
    if refused:  # first and plain: nothing of these reached the master
        print(f"{len(refused)} of {len(report.workbooks)} workbook(s) REFUSED: nothing of them was merged.")
        for w in refused:
            print(w.line())
        print()
    for w in report.workbooks:
        if w in refused:
            continue
        print(w.line())
        for ref, marker, others in w.conflicts:
            print(f"    conflict: case {ref} marked by {marker} and by {', '.join(others)} "
                  "(not chosen for double marking): both markings kept; settle it")
        for line in w.exclusions + w.feedback:
            print(f"    {line}")
    cov = report.coverage
    expected = cov.expected
    print()
    print(f"Coverage: {len(expected) - len(cov.missing)} of {len(expected)} sampled case(s) back complete; "
          f"{len(cov.missing)} missing; {len(cov.twice)} complete twice"
          + (f"; {len(cov.excluded)} not examinable (not expected)." if cov.excluded else "."))
    for title, groups in (("Inspector", cov.by_inspector), ("Area", cov.by_area)):
        width = max([len(title)] + [len(g.group) for g in groups])
        extra = f"  {'not examinable':>14}" if cov.excluded else ""
        print(f"\n{title:<{width}}  {'expected':>8}  {'complete':>8}  {'in progress':>11}  {'missing':>7}{extra}")
        for g in groups:
            print(f"{g.group:<{width}}  {g.expected:>8}  {g.complete:>8}  {g.in_progress:>11}  {g.missing:>7}"
                  + (f"  {g.excluded:>14}" if cov.excluded else ""))
    if cov.missing:
        shown = ", ".join(f"{c.reference} ({c.inspector or 'unallocated'})" for c in cov.missing[:20])
        print(f"\nMissing: {shown}" + (" …" if len(cov.missing) > 20 else ""))
    if any(report.queries.values()):
        q = report.queries
        print(f"\nQueries: {q['open']} open, {q['answered']} answered (to close: fileexam moderation queries "
              f"--state answered), {q['closed']} closed.")
    if report.accounting is not None:
        print()
        for line in accounting_lines(report.accounting):
            print(line)
    if refused:  # said again last, where the eye ends up after the coverage tables
        print(f"\n{len(refused)} workbook(s) REFUSED: " + ", ".join(w.path.name for w in refused)
              + " (reasons above)", file=sys.stderr)


def accounting_lines(acc) -> list[str]:
    """The sample's accounting, as the merge prints it: the whole sample against its design, then each
    stratum with a case not examinable or that can no longer reach its design (no reserve left, or too few
    eligible cases drawn). Every stratum is in the report's Sample sheet and on the team lead home."""
    total = acc.total()
    head = ["designed", "drawn", "examined", "excluded", "replaced", "missing"]
    strata = [s for s in acc.strata if s.key is not None]
    shown = [s for s in strata if s.excluded_total or s.unreachable]
    rows = [[s.label + (f"  (can reach {s.active} of {s.designed})" if s.unreachable else ""), s.designed,
             len(s.drawn), len(s.examined), s.excluded_total, len(s.replaced), len(s.missing)] for s in shown]
    rows.append(["All strata", total.designed, len(total.drawn), len(total.examined), total.excluded_total,
                 len(total.replaced), len(total.missing)])
    width = max(len("Stratum"), *(len(r[0]) for r in rows))
    unreachable = [s for s in strata if s.unreachable]
    out = [f"Sample against its design: {len(total.examined)} of {total.designed} designed case(s) examined in "
           f"{len(strata)} strata; {len(unreachable)} stratum(s) can no longer reach the design"
           + (" (below, with every stratum holding a case not examinable)." if shown else "."),
           f"{'Stratum':<{width}}  " + "  ".join(f"{h:>8}" for h in head)]
    for r in rows:
        out.append(f"{r[0]:<{width}}  " + "  ".join(f"{v:>8}" for v in r[1:]))
    reasons = [r for r in acc.reasons if total.excluded.get(r)]
    if reasons:
        out.append("Not examinable, by reason: " + "; ".join(f"{acc.reasons[r]} {len(total.excluded[r])}"
                                                            for r in reasons))
    return out


@command("report", "aggregate a master inspection into the report workbook (and JSON)")
def cmd_report(args) -> int:
    import importlib.util
    import json

    from fileexam.domain.report_tables import find_area, has_cases, summary_lines
    from fileexam.formats.report_workbook import area_file_name, area_file_part, write_report
    from fileexam.services.long_lived import settled
    from fileexam.services.merge import master_coverage
    from fileexam.services.report import build_report, report_json

    if args.charts and importlib.util.find_spec("fileexam.formats.report_charts") is None:
        raise UsageError("--charts: this installation has no chart writer (fileexam.formats.report_charts); "
                         "nothing was written")
    f, check = _open_checking_behind(args.master)  # the full check runs beside the work, gating the rename
    with f:
        try:
            area = find_area(f.template, args.area) if args.area else None  # a mistyped Area: refused at once
            with progress_bar("report") as bar:
                with f.snapshot(twin=True):  # the figures, the merges and the coverage of one moment of the file
                    cases = f.cases()  # read once for the figures and the coverage (2 s at 100,000 cases)
                    report = build_report(f, Path(args.baseline) if args.baseline else None, progress=bar,
                                          baseline_key=_baseline_key(args.baseline), cases=cases)
                    if area and not has_cases(report, area):
                        raise BadValue(f"{area}: no case of this Area has a complete marking, so there is nothing "
                                       "to report for it; nothing was written")
                    with settled():  # the figures are made: full collections need not walk them (1 s at 100,000)
                        merges, coverage = f.merges(), master_coverage(f, cases)
                del cases  # not held while the workbook is written
                with settled():
                    write_report(Path(args.out), report, merges, coverage, bar, area=area, ready=check.wait)
        except Exception:
            check.wait()  # a damaged file is the reason to give, whatever reading it did
            raise
        areas = []
        if args.out_dir:  # --per-area DIR: one workbook for each Area with cases
            folder = Path(args.out_dir)
            folder.mkdir(parents=True, exist_ok=True)
            areas = [a for a in report.areas if has_cases(report, a)]
            for a in areas:
                write_report(folder / area_file_name(Path(args.out), a), report, merges, coverage, area=a)
    charts: list[Path] = []
    area_charts: dict[str, list[Path]] = {}
    if args.charts:
        from fileexam.formats.report_charts import write_charts

        charts = list(write_charts(report, Path(args.charts), area=area))
        for a in areas:  # each Area's charts in a folder of its own
            area_charts[a] = list(write_charts(report, Path(args.charts) / area_file_part(a), area=a))
    say = sys.stderr if args.json else sys.stdout  # with --json, stdout holds the JSON alone
    if args.json:
        print(json.dumps(report_json(report, area), indent=2, ensure_ascii=False))
    in_area = sum(1 for a, _s in report.case_groups.values() if a == area)
    print(f"Wrote {args.out}" + (f" (the report for {area}: {in_area} of its cases)" if area else "")
          + f": {len(report.counted)} case(s) counted, {report.excluded} without a complete marking"
          + (f", {report.not_examinable} not examinable" if report.not_examinable else "")
          + (f", compared with {report.baseline_name}" if report.baseline_name else "") + ".", file=say)
    if not args.json:
        for line in summary_lines(report, area):
            print(line)
        if report.weighted and not area:
            print(f"  {report.weights_note} Method: docs/METHODS.md, \"Weights\".")
        short = report.accounting.short if report.accounting is not None else []
        if short:
            print(f"  The achieved sample falls short of its design in {len(short)} stratum(s) "
                  f"({sum(s.shortfall for s in short)} case(s)): the report's Sample sheet names them.")
    if args.out_dir:
        skipped = [a for a in report.areas if a not in areas]
        print(f"Wrote {len(areas)} Area report(s) to {args.out_dir}"
              + (f"; none for {', '.join(skipped)} (no complete case)" if skipped else "") + ".", file=say)
    for path in charts:
        print(f"Wrote {path}", file=say)
    for a, paths in area_charts.items():
        print(f"Wrote {len(paths)} chart file(s) for {a} to {Path(args.charts) / area_file_part(a)}", file=say)
    return 0


@command("moderation allocate", "choose cases for blind double marking and write each second marker's sample")
def cmd_moderation_allocate(args) -> int:
    from fileexam.formats.sample_workbook import encrypted_samples
    from fileexam.formats.template_yaml import parse_share
    from fileexam.passwords import PasswordError, new_password
    from fileexam.services.moderation import allocate, write_blind_samples

    share = None
    if args.share is not None:
        share = parse_share(args.share)
        if share is None:
            raise UsageError(f"--share {args.share}: give a share such as 10% or 0.1")
    named = [(c, m) for c, m in zip(args.case or [], args.to or [])]
    if len(args.case or []) != len(args.to or []):
        raise UsageError("give each --case its --to (the second marker)")
    if args.encrypt and not args.out_dir:
        raise UsageError("--encrypt encrypts the blind samples: give --out-dir too")
    password = None
    if args.encrypt:
        try:
            password = new_password()  # one password for every blind sample of this allocation
        except PasswordError as exc:
            raise UsageError(str(exc)) from None
    with _open(args.master) as f:
        pairs = allocate(f, who_am_i(args), share, args.seed, named or None)
        for ref, first, second in pairs:
            print(f"{ref}: first {first or '(unallocated)'}, second {second}")
        print(f"{len(pairs)} case(s) chosen for a second, independent marking.")
        if args.out_dir:
            with encrypted_samples(password):
                written = write_blind_samples(f, Path(args.out_dir))
            for path in written:
                print(f"Wrote {path} (cases and fields only: no answers, no comments"
                      + ("; encrypted)" if password else ")"))
    return 0


@command("moderation settle", "record the agreed answer to a double-marked question, with a reason")
def cmd_moderation_settle(args) -> int:
    with _open(args.master) as f:
        value = f.settle(args.case, args.question, args.value, args.reason, who_am_i(args))
    print(f"{args.case} {args.question}: agreed answer {value or '(none)'} recorded.")
    return 0


@command("moderation signoff", "sign off the moderation (decisions are then locked), refused while disagreements are unsettled unless --force REASON; --reopen REASON reopens it")
def cmd_moderation_signoff(args) -> int:
    from fileexam.services.moderation_decisions import sign_off

    if args.reopen is not None and args.force is not None:
        raise UsageError("give --reopen or --force, not both")
    with _open(args.master) as f:
        if args.reopen is not None:
            f.sign_off(who_am_i(args), args.reopen)
            print("Moderation reopened.")
            return 0
        work = sign_off(f, who_am_i(args), args.force)
    print("Moderation signed off: its decisions are locked."
          + (f" Recorded: {work.sentence()}." if work.anything_open else
             f" All {work.disagreements} disagreement(s) are settled."))
    return 0


@command("moderation query", "raise a query on one marker's answer to a question of a case; it reaches them in their feedback workbook")
def cmd_moderation_query(args) -> int:
    from fileexam.store.query_records import raise_query

    with _open(args.master) as f:
        q = raise_query(f, args.case, args.question, args.marker, args.text, who_am_i(args))
    print(f"Query {q.id} raised on {q.marker}'s answer to {q.question} of case {q.case} (open). It goes to "
          f"{q.marker} in their next feedback workbook (fileexam moderation feedback).")
    return 0


@command("moderation queries", "list the queries with their states (open, answered, closed), who and when")
def cmd_moderation_queries(args) -> int:
    from fileexam.store.query_records import queries

    with _open(args.master, read_only=True) as f:
        held = queries(f, args.state)
    if not held:
        print("No query" + (f" is {args.state}." if args.state else " has been raised."))
        return 0
    for q in held:
        print(f"{q.id:>4}  {q.state:<8}  {q.case} {q.question} ({q.marker}): {q.text}")
        print(f"      raised by {q.raised_by} on {q.raised_at[:16].replace('T', ' ')}")
        if q.answered_at:
            change = (f"answer changed from {q.answer_before or '(none)'} to {q.answer_after or '(none)'}"
                      if q.answer_changed else "answer not changed")
            print(f"      answered by {q.answered_by} on {q.answered_at[:16].replace('T', ' ')}: {change}"
                  + (f"; reply: {q.reply}" if q.reply else ""))
        if q.closed_at:
            print(f"      closed by {q.closed_by} on {q.closed_at[:16].replace('T', ' ')}"
                  + (f": {q.close_note}" if q.close_note else ""))
    counts = {s: sum(q.state == s for q in held) for s in ("open", "answered", "closed")}
    print(", ".join(f"{n} {s}" for s, n in counts.items() if n) + ".")
    return 0


@command("moderation close-query", "close a query (answered, or still open), with an optional note")
def cmd_moderation_close_query(args) -> int:
    from fileexam.store.query_records import ANSWERED, close_query, query

    with _open(args.master) as f:
        was = query(f, args.id).state
        q = close_query(f, args.id, who_am_i(args), args.note)
    print(f"Query {q.id} closed" + ("" if was == ANSWERED else " without an answer") + ".")
    return 0


@command("moderation feedback", "write one feedback workbook per inspector: disagreements with the agreed answers, open queries, calibration and profile figures")
def cmd_moderation_feedback(args) -> int:
    from fileexam.services.feedback import write_all

    with _open(args.master, read_only=True) as f:
        written = write_all(f, Path(args.out_dir), who_am_i(args))
    for w in written:
        print(f"Wrote {w.path}: {w.disagreements} disagreement(s), {w.queries} open query(ies), "
              f"{w.calibration} calibration case(s) for {w.inspector}")
    print(f"{len(written)} feedback workbook(s). Each inspector opens theirs in the app (File → Open feedback…); "
          "what they read, reply and answer comes back in their next export.")
    return 0


@command("moderation calibrate", "make a case a calibration case: every inspector marks it against a reference marking")
def cmd_moderation_calibrate(args) -> int:
    if args.remove == (args.reference is not None):
        raise UsageError("give --reference MARKER to make a calibration case, or --remove --reason TEXT to undo one")
    with _open(args.master) as f:
        if args.remove:
            if not args.reason:
                raise UsageError("say why with --reason: removing a calibration case changes the published scores")
            f.remove_calibration(args.case, who_am_i(args), args.reason)
            print(f"Case {args.case} is no longer a calibration case: it counts in the inspection's scores again.")
            return 0
        f.set_calibration(args.case, args.reference, who_am_i(args))
    print(f"Case {args.case} is a calibration case; the reference marking is {args.reference}'s. "
          "It never counts in the inspection's scores (undo with --remove --reason TEXT).")
    return 0


@command("moderation gold", "seed an already-agreed case, blind, into an inspector's allocation as a gold case (or --remove it)")
def cmd_moderation_gold(args) -> int:
    from fileexam.formats.sample_workbook import encrypted_samples
    from fileexam.passwords import PasswordError, new_password
    from fileexam.services.gold_cases import remove_gold, seed_gold
    from fileexam.services.moderation import write_blind_samples

    if args.remove and not args.reason:
        raise UsageError("say why with --reason: removing a gold case is kept in the audit log")
    if args.encrypt and not args.out_dir:
        raise UsageError("--encrypt encrypts the blind sample: give --out-dir too")
    password = None
    if args.encrypt:
        try:
            password = new_password()
        except PasswordError as exc:
            raise UsageError(str(exc)) from None
    with _open(args.master) as f:
        inspector = _known_marker(f, args.inspector)
        if args.remove:
            remove_gold(f, args.case, inspector, who_am_i(args), args.reason)
            print(f"Case {args.case} is no longer a gold case for {inspector}.")
            return 0
        ref = seed_gold(f, args.case, inspector, who_am_i(args))
        print(f"Case {ref} is a gold case for {inspector}: it reaches them as an ordinary case, their marking is "
              "compared with the agreed answers and never counted (undo with --remove --reason TEXT).")
        if args.out_dir:
            with encrypted_samples(password):
                for path in write_blind_samples(f, Path(args.out_dir), {inspector}):
                    print(f"Wrote {path} (their blind sample: cases and fields only"
                          + ("; encrypted)" if password else ")"))
    return 0


@command("agreement", "agreement statistics of the double-marked cases (and the moderation workbook)")
def cmd_agreement(args) -> int:
    import json

    from fileexam.services.moderation import (agreement_json, agreement_report, agreement_text, calibration_results,
                                              marker_profiles)

    if args.out:
        require_xlsx(args.out, "--out")
    with _open(args.master, read_only=True) as f:
        report = agreement_report(f)
        profiles = marker_profiles(f)
        calibration = calibration_results(f)
        from fileexam.services.standardisation import standards_json, standards_lines, standards_sheets
        extra = standards_lines(f, report)
        extra_json = standards_json(f, report) if args.json else {}
        if args.out:
            from fileexam.formats.moderation_workbook import write_moderation
            cases = {c.reference: c for c in f.cases()}
            allocation = [(ref, cases[ref].inspector or "", m) for ref, m in sorted(f.double_marked())]
            write_moderation(Path(args.out), f.template, allocation, report, profiles, standards_sheets(f, report))

    # Undefined figures: null in JSON with the reason beside it, 'undef(N)' with the reason below the table
    # in text; never a number (docs/METHODS.md, "Undefined figures").
    if args.json:
        print(json.dumps(agreement_json(report, profiles, calibration) | extra_json, indent=2, default=str))
        return 0
    if report.overall is None and not calibration and not report.calibration:
        print("No double-marked case has two markings yet.")
        for line in extra:
            print(line)
        return 0
    for line in agreement_text(report, profiles, calibration) + extra:
        print(line)
    if args.out:
        print(f"\nWrote {args.out}")
    return 0


@command("restore", "list an inspection file's backups, or bring one back (--from N)")
def cmd_restore(args) -> int:
    from fileexam.store.backups import list_backups, restore
    from fileexam.store.file_check import NeedsPassphrase, WrongPassphrase, check_inspection_file

    root = backup_root()
    path = Path(args.file)
    backups = list_backups(path, root)
    key_for = _restore_keys(path, backups, needed=args.source is not None)
    if path.is_file() and (path.stat().st_size or not backups):
        try:
            check_inspection_file(path, "none", key_for(path))  # another application's file: no backups, no restore
        except (DamagedFile, WrongPassphrase, NeedsPassphrase):
            pass  # the usual reason to restore (a damaged first page of an encrypted file reads as a wrong key);
            # NeedsPassphrase: only listing, and no passphrase could be had (restoring asks for it first)
    if args.source is None:
        if not backups:
            print(f"No backups of {args.file} yet (one is made each time the app opens it, and before a merge).")
            return 1
        for i, b in enumerate(backups, start=1):
            print(f"{i:>3}  {b.stem}  ({b.stat().st_size:,} bytes){_backup_state(b, key_for)}  {b}")
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
    safety = restore(path, source, root, key_for(source) or key_for(path))
    print(f"Restored {args.file} from {source.name}." + (f" The file as it was is kept as {safety}." if safety else ""))
    return 0


def _restore_keys(path: Path, backups: list[Path], needed: bool):
    """For restore: file -> the key its salt needs (None for a plain file, or when no passphrase could be had
    while only listing). The passphrase is asked once (or FILEEXAM_PASSPHRASE) if any of them is encrypted."""
    from functools import lru_cache

    from fileexam.store.passphrases import PassphraseError
    from fileexam.store.sqlite import derive, looks_encrypted

    def salt_of(p: Path) -> bytes | None:
        try:
            with p.open("rb") as fh:
                header = fh.read(100)
            return header[:16] if looks_encrypted(header, p.stat().st_size) else None
        except OSError:
            return None

    if not any(salt_of(p) for p in [path, *backups] if p.is_file()):
        return lambda p: None
    try:
        passphrase = _keys().passphrase(path)
    except PassphraseError:
        if needed:
            raise
        return lambda p: None
    derived = lru_cache(maxsize=None)(lambda salt: derive(passphrase, salt))
    return lambda p: derived(salt) if p.is_file() and (salt := salt_of(p)) else None


def _backup_state(backup: Path, key_for=lambda p: None) -> str:
    from fileexam.store.file_check import NeedsPassphrase, WrongPassphrase, check_inspection_file

    try:
        check_inspection_file(backup, "full", key_for(backup))
    except NeedsPassphrase:
        return "  encrypted: not checked (no passphrase given)"
    except WrongPassphrase:
        return "  does not open with this passphrase"
    except StoreError:
        return "  DAMAGED, cannot be restored"
    return ""


@command("purge", "data retention: delete answers, comments and audit detail of cases complete before a date")
def cmd_purge(args) -> int:
    from datetime import date

    try:
        before = date.fromisoformat(args.before).isoformat()
    except ValueError:
        raise UsageError(f"--before {args.before}: write the date as 2026-01-31") from None
    what = "the laptop-only fields" if args.fields_only else "the answers, comments, laptop-only fields and audit detail"
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError("purge deletes data for good: confirm with --yes (or run it in a terminal)")
        with _open(args.file, read_only=True) as f:
            n = f.purgeable(before)
        if not n:
            print(f"No case in {args.file} has all its markings complete before {before}: nothing to purge.")
            return 0
        answer = input(f"Delete {what} of {n} case(s) in {args.file}, complete before {before}, and the backups "
                       "that hold them? Type PURGE to confirm: ")
        if answer.strip() != "PURGE":
            print("Nothing purged.")
            return 1
    from fileexam.services.retention import purge

    with _open(args.file) as f:
        result = purge(f, before, who_am_i(args), backup_root(), args.fields_only)
    print(f"Purged {result.cases} case(s): {result.answers} answer(s) deleted, {result.fields} laptop-only field "
          "value(s) cleared; the file was vacuumed and its journal emptied; the purge is in the audit log.")
    if result.backups_deleted:
        print(f"Deleted {len(result.backups_deleted)} backup(s) made before the purge (they held the deleted data):")
        for b in result.backups_deleted:
            print(f"  {b}")
    if result.backup_after:
        print(f"A new backup of the purged file: {result.backup_after}")
    for c in result.copies_purged:
        print(f"Purged the same way: the copy {c}")
    for c, why in result.copies_not_reached:
        print(f"NOT purged: the copy {c} ({why}): purge it there, or delete it", file=sys.stderr)
    return 1 if result.copies_not_reached else 0


@command("app", "open the desktop app (also: plain  fileexam, fileexam FILE, fileexam --demo)")
def cmd_app(args) -> int:
    from fileexam import settings
    from fileexam.store import early_check
    # The file about to be opened is checked while Qt is imported (store/early_check.py)
    from fileexam.qt.demo_file import demo_path  # no Qt in it
    early = (args.file or (demo_path() if args.demo else
                           early_check.last_file(settings.config_dir() / "window.ini")))
    early_check.begin(early) if early else None
    from fileexam.qt.app import run

    return run(args.file, args.demo)


class Parser(argparse.ArgumentParser):
    """argparse, with a mistyped command answered 'did you mean …?' rather than the list of every command."""

    def error(self, message: str):
        import re

        from fileexam.domain.problems import did_you_mean
        m = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if m:
            choices = re.findall(r"'([^']*)'", m.group(2))
            hint = did_you_mean(m.group(1), choices)
            message = (f"'{m.group(1)}' is not a command{hint}" if "did you mean" in hint else
                       f"'{m.group(1)}' is not a command.") + f" ({self.prog} --help lists them)"
        super().error(message)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="fileexam", description="File examination for inspectorates.")
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
    p.add_argument("--encrypt", action="store_true",
                   help="encrypt the file with a passphrase (asked twice, or the environment variable "
                        "FILEEXAM_PASSPHRASE; at least 10 characters): every command and the app ask for it")
    p.set_defaults(func=cmd_new)

    p = with_user(sub.add_parser("encrypt", help=COMMANDS["encrypt"]))
    p.add_argument("file", metavar="FILE")
    p.set_defaults(func=cmd_encrypt)
    p = with_user(sub.add_parser("rekey", help=COMMANDS["rekey"]))
    p.add_argument("file", metavar="FILE")
    p.set_defaults(func=cmd_rekey)

    sample = sub.add_parser("sample", help="case samples").add_subparsers(dest="sample_command", metavar="ACTION",
                                                                          required=True)
    p = with_user(sample.add_parser("import", help=COMMANDS["sample import"]))
    p.add_argument("file", metavar="FILE")
    p.add_argument("sample", metavar="SAMPLE.xlsx")
    p.add_argument("--sheet", help="the sheet to read (default: the first)")
    p.add_argument("--design", metavar="DESIGN.yaml",
                   help="a sample design whose eligibility rules every row must meet (a sample drawn by "
                        "'fileexam sample draw' carries its own)")
    p.set_defaults(func=cmd_sample_import)
    p = sample.add_parser("draw", help=COMMANDS["sample draw"])
    p.add_argument("caselist", metavar="CASELIST.xlsx|.csv")
    p.add_argument("--design", required=True, metavar="DESIGN.yaml")
    p.add_argument("--out", required=True, metavar="SAMPLE.xlsx")
    p.add_argument("--sheet", help="the case list's sheet to read (default: the first)")
    p.set_defaults(func=cmd_sample_draw)
    p = with_user(sample.add_parser("exclude", help=COMMANDS["sample exclude"]))
    p.add_argument("file", metavar="FILE")
    p.add_argument("case", metavar="CASE")
    p.add_argument("--reason", required=True,
                   help="one of the template's reasons, by value or label (file_unavailable, file_deleted, "
                        "wrong_case_type, not_progressed in the Area template)")
    p.add_argument("--note", help="what the inspector found, kept with the reason")
    p.set_defaults(func=cmd_sample_exclude)

    p = sub.add_parser("export", help=COMMANDS["export"])
    p.add_argument("file", metavar="FILE")
    p.add_argument("out", metavar="OUT.xlsx")
    p.add_argument("--marker", metavar="NAME", help="only this marker's cases and answers (default: everyone's)")
    p.add_argument("--encrypt", action="store_true",
                   help="encrypt it with a password (asked twice, or the environment variable "
                        "FILEEXAM_WORKBOOK_PASSWORD); Excel opens it with the password")
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
    p.add_argument("--json", action="store_true", help="also print every figure and table as JSON")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--area", metavar="AREA", help="the report for one Area: its figures beside the national ones")
    which.add_argument("--per-area", dest="out_dir", metavar="DIR",
                       help="also write a report for each Area into DIR, named after OUT and the Area")
    p.add_argument("--charts", metavar="DIR", help="also write a chart of each measure by Area (PNG and SVG) into DIR")
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
    p.add_argument("--encrypt", action="store_true",
                   help="encrypt the blind samples with a password (asked twice, or FILEEXAM_WORKBOOK_PASSWORD)")
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
    p.add_argument("--force", metavar="REASON", help="sign off although disagreements are unsettled, saying why")
    p.set_defaults(func=cmd_moderation_signoff)

    p = with_user(moderation.add_parser("query", help=COMMANDS["moderation query"]))
    p.add_argument("master", metavar="MASTER_FILE")
    p.add_argument("case", metavar="CASE")
    p.add_argument("question", metavar="QUESTION")
    p.add_argument("--marker", required=True, metavar="NAME", help="whose answer is queried")
    p.add_argument("--text", required=True, help="the query, e.g. \"was the VPS offered at the second appointment?\"")
    p.set_defaults(func=cmd_moderation_query)
    p = moderation.add_parser("queries", help=COMMANDS["moderation queries"])
    p.add_argument("master", metavar="MASTER_FILE")
    p.add_argument("--state", choices=("open", "answered", "closed"))
    p.set_defaults(func=cmd_moderation_queries)
    p = with_user(moderation.add_parser("close-query", help=COMMANDS["moderation close-query"]))
    p.add_argument("master", metavar="MASTER_FILE")
    p.add_argument("id", type=int, metavar="ID")
    p.add_argument("--note", help="what was decided")
    p.set_defaults(func=cmd_moderation_close_query)
    p = with_user(moderation.add_parser("feedback", help=COMMANDS["moderation feedback"]))
    p.add_argument("master", metavar="MASTER_FILE")
    p.add_argument("--out-dir", required=True, metavar="DIR", help="the folder for the feedback workbooks")
    p.set_defaults(func=cmd_moderation_feedback)

    p = with_user(moderation.add_parser("calibrate", help=COMMANDS["moderation calibrate"]))
    p.add_argument("master", metavar="MASTER_FILE")
    p.add_argument("case", metavar="CASE")
    p.add_argument("--reference", metavar="MARKER", help="whose marking is the reference (they must have marked it)")
    p.add_argument("--remove", action="store_true", help="undo: the case counts in the scores again")
    p.add_argument("--reason", help="why the calibration case is removed (required with --remove)")
    p.set_defaults(func=cmd_moderation_calibrate)

    p = with_user(moderation.add_parser("gold", help=COMMANDS["moderation gold"]))
    p.add_argument("master", metavar="MASTER_FILE")
    p.add_argument("--case", required=True, metavar="REF", help="a calibration case, or a double-marked case all settled")
    p.add_argument("--inspector", required=True, metavar="NAME", help="whose allocation it is seeded into")
    p.add_argument("--remove", action="store_true", help="undo, before their marking of it is merged")
    p.add_argument("--reason", help="why the gold case is removed (required with --remove)")
    p.add_argument("--out-dir", help="write the inspector's blind sample workbook here (their second markings and "
                                     "gold cases, alike)")
    p.add_argument("--encrypt", action="store_true",
                   help="encrypt the blind sample with a password (asked twice, or FILEEXAM_WORKBOOK_PASSWORD)")
    p.set_defaults(func=cmd_moderation_gold)

    p = sub.add_parser("agreement", help=COMMANDS["agreement"])
    p.add_argument("master", metavar="MASTER_FILE")
    p.add_argument("--json", action="store_true")
    p.add_argument("--out", metavar="AGREEMENT.xlsx", help="write the moderation workbook")
    p.set_defaults(func=cmd_agreement)

    p = with_user(sub.add_parser("purge", help=COMMANDS["purge"]))
    p.add_argument("file", metavar="FILE")
    p.add_argument("--before", required=True, metavar="DATE")
    p.add_argument("--yes", action="store_true", help="confirm without being asked")
    p.add_argument("--fields-only", action="store_true",
                   help="clear only the fields kept on the laptop (the template's retention rule for them)")
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


# ---- errors, in plain words ---------------------------------------------------------------------
# No exception class name reaches a user: known failures are said with what to do, anything else is
# written to the crash log (traceback and all) and said in one sentence.

# Arguments that are paths (argparse dests); every other string argument is text.
PATH_ARGS = {"file", "master", "paths", "old", "new", "out", "out_dir", "sample", "workbooks", "template",
             "baseline", "source", "caselist", "design"}
# Paths whose text is kept: the file's name in the inspection file or a workbook, the absolute path in the
# backups' folder name (restore) or the app's recent list. SQLite, XML and that hash need UTF-8, so such a
# name with other bytes is refused up front. Every other path is only opened, which works with any bytes
# (POSIX allows them), and is printed back as the same bytes (see _print_bytes_back).
PATHS_KEPT_AS_TEXT = {("new", "template"): "name", ("sample import", "sample"): "name",
                      ("merge", "workbooks"): "name", ("report", "baseline"): "name",
                      ("restore", "file"): "absolute", ("app", "file"): "absolute",
                      ("sample import", "design"): "name", ("sample draw", "design"): "name",
                      ("sample draw", "caselist"): "name"}
READ_ONLY = {"validate", "diff", "status", "moderation queries"}  # commands that change nothing, whatever their options


def main(argv: list[str] | None = None) -> int:
    _print_bytes_back()
    try:
        try:
            return _run(argv)
        finally:
            _forget_keys()  # an encrypted file's key lives for one command
            _flush_stdout()  # a closed pipe shows here, where it is caught, not at Python's shutdown
    except BrokenPipeError:
        # The reader went away (`| head`): not worth a word. 141 (128 + SIGPIPE) is what cat, grep or git
        # report, so `set -o pipefail` scripts see what they see from any tool; 0 would claim all was read.
        _quiet_stdout()
        return 141
    except KeyboardInterrupt:  # before a command started (while parsing, importing)
        print("fileexam: interrupted; nothing was changed.", file=sys.stderr)
        return 130
    except OSError as exc:  # stdout itself could not be written (a full disk under `> out.txt`)
        _quiet_stdout()
        print(f"fileexam: cannot write the output: {_os_reason(exc, None, True)}.", file=sys.stderr)
        return 1


def _app_at_once(argv: list[str]) -> argparse.Namespace | None:
    """The app's arguments when they are plainly the app's (nothing, --demo, or one inspection file given
    in UTF-8), so that the app starts without building every command's parser (25 ms); else None."""
    if not argv:
        return argparse.Namespace(command="app", file=None, demo=False, func=cmd_app)
    if argv == ["--demo"]:
        return argparse.Namespace(command="app", file=None, demo=True, func=cmd_app)
    if (len(argv) == 1 and not argv[0].startswith("-") and argv[0] not in COMMANDS_FIRST_WORDS()
            and _is_utf8(os.path.abspath(argv[0])) and (argv[0].endswith(".fileexam") or Path(argv[0]).is_file())):
        return argparse.Namespace(command="app", file=argv[0], demo=False, func=cmd_app)
    return None


def _problems_found() -> type[Exception]:
    """ProblemsFound, imported as an error is matched: not on every start (the app's window waits for it)."""
    from fileexam.domain.problems import ProblemsFound
    return ProblemsFound


def _run(argv: list[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _app_at_once(argv)
    parser = None
    if args is None:
        parser = build_parser()
        # No command, --demo, or a file: the desktop app.
        opens_a_file = bool(argv) and (argv[0].endswith(".fileexam") or Path(argv[0]).is_file())
        if not argv or argv[0] == "--demo" or (opens_a_file and argv[0] not in COMMANDS_FIRST_WORDS()):
            argv = ["app"] + argv  # a mistyped command still gets argparse's "invalid choice" message
        args = parser.parse_args(argv)
    try:
        if parser is not None:
            _refuse_undecodable(parser, args)
        return args.func(args)
    except _problems_found() as exc:  # (the class imported only when an error is matched)
        for p in exc.problems:
            print(p.format(), file=sys.stderr)
        return 1
    except DamagedFile as exc:
        from fileexam.store.backups import offer
        print(f"fileexam: {exc}. {offer(exc.path, backup_root(), _keys().known(exc.path))}", file=sys.stderr)
        return 1
    except (UsageError, BadValue, StoreError) as exc:
        print(f"fileexam: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        raise  # main() ends quietly
    except OSError as exc:
        print(f"fileexam: {_os_words(exc, args)}.", file=sys.stderr)
        return 1
    except (sqlite3.ProgrammingError, sqlite3.InterfaceError) as exc:  # fileexam's own mistake: log it
        return _unexpected(exc, args)
    except sqlite3.Error as exc:
        print(f"fileexam: {_sqlite_words(exc, args)}.", file=sys.stderr)
        return 1
    except EOFError:  # the input ended at a question (Ctrl+D)
        print("fileexam: no answer was typed; nothing was changed.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"fileexam: interrupted; {_aftermath(args)}.", file=sys.stderr)
        return 130
    except Exception as exc:  # never a traceback to a user: keep it in the log
        inner = _underlying(exc)
        if isinstance(inner, OSError):  # e.g. XlsxWriter's FileCreateError: always a file being written
            print(f"fileexam: {_os_words(inner, args, writing=True)}.", file=sys.stderr)
            return 1
        if isinstance(inner, sqlite3.Error):
            print(f"fileexam: {_sqlite_words(inner, args)}.", file=sys.stderr)
            return 1
        return _unexpected(exc, args)


def _unexpected(exc: BaseException, args) -> int:
    try:
        log = write_crash_log(exc, _command_name(args))
        where = f"Details were written to {log}: please send that file to whoever supports fileexam for you."
    except OSError as log_exc:
        where = f"Its details could not be written to the log either ({_os_reason(log_exc, None, True)})."
    print(f"fileexam: something went wrong that fileexam did not expect; {_aftermath(args)}. {where}",
          file=sys.stderr)
    return 2


def _command_name(args) -> str:
    name = getattr(args, "command", None) or "app"
    action = getattr(args, f"{name}_command", None)  # sample import, moderation settle, ...
    return f"{name} {action}" if action else name


def _aftermath(args) -> str:
    """What an error or an interruption left behind, as far as the command tells."""
    name = _command_name(args)
    changes_nothing = (name in READ_ONLY or (name == "agreement" and not args.out)
                       or (name == "restore" and args.source is None) or (name == "user" and not args.name))
    return "nothing was changed" if changes_nothing else "the last step may not have finished"


# ---- arguments that are not UTF-8 ---------------------------------------------------------------------
def _refuse_undecodable(parser: argparse.ArgumentParser, args) -> None:
    """Non-UTF-8 bytes in argv arrive as lone surrogates (PEP 383): refused here, before anything is opened,
    not half-way through when SQLite, a workbook or the audit log cannot store them."""
    command = _command_name(args)
    names = _argument_names(parser, args.func)
    for dest, value in vars(args).items():
        for v in value if isinstance(value, list) else [value]:
            if not isinstance(v, str):
                continue
            name = names.get(dest, dest)
            if dest not in PATH_ARGS:
                if not _is_utf8(v):
                    raise UsageError(f"{name} holds bytes that are not UTF-8 text: '{_escaped(v)}'. Give it in "
                                     "UTF-8 (check your terminal's or script's encoding); nothing was changed.")
                continue
            kept = PATHS_KEPT_AS_TEXT.get((command, dest))
            if kept and not _is_utf8(Path(v).name if kept == "name" else os.path.abspath(v)):
                raise UsageError(f"{name} holds bytes that are not UTF-8 text: '{_escaped(v)}'. fileexam keeps "
                                 "this name as text: rename the file or folder in UTF-8 and try again; "
                                 "nothing was changed.")


def _argument_names(parser: argparse.ArgumentParser, func) -> dict[str, str]:
    """dest -> how the user wrote it (--comment, CASE), from the subcommand's parser that runs `func`."""
    if parser.get_default("func") is func:
        return {a.dest: max(a.option_strings, key=len) if a.option_strings else (a.metavar or a.dest.upper())
                for a in parser._actions}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                if names := _argument_names(sub, func):
                    return names
    return {}


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _escaped(text: str) -> str:
    """Undecodable bytes shown as \\xff (other lone surrogates as \\udcff): readable in any terminal."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _bytes_back(err: UnicodeError):
    if not isinstance(err, UnicodeEncodeError):
        raise err
    chunk = err.object[err.start:err.end]
    if all("\udc80" <= c <= "\udcff" for c in chunk):
        return bytes(ord(c) - 0xDC00 for c in chunk), err.end
    return codecs.backslashreplace_errors(err)


def _print_bytes_back() -> None:
    """A file name with non-UTF-8 bytes is printed back as those bytes, as ls and cat do; a strict stdout
    (any UTF-8 locale but C.UTF-8) would fail on it after the work was done."""
    try:
        codecs.lookup_error("fileexam-bytes")
    except LookupError:
        codecs.register_error("fileexam-bytes", _bytes_back)
    if isinstance(sys.stdout, io.TextIOWrapper) and sys.stdout.errors == "strict":
        try:
            sys.stdout.reconfigure(errors="fileexam-bytes")
        except (ValueError, OSError):
            pass


# ---- closed pipes -------------------------------------------------------------------------------------
def _flush_stdout() -> None:
    if sys.stdout is not None:
        sys.stdout.flush()


def _quiet_stdout() -> None:
    """Point stdout at devnull, so what is still buffered does not fail again at shutdown with Python's
    "Exception ignored" (the recipe in Python's documentation on SIGPIPE)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):
        return  # not a real file (pytest's capture, say)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


# ---- files and disks ----------------------------------------------------------------------------------
_OS_REASONS = {  # by errno name (errno.errorcode), so a name missing on some platform costs nothing
    "ENOSPC": "the disk is full: free some space and try again",
    "EDQUOT": "your disk quota is used up: free some space and try again",
    "EROFS": "the disk or share is read-only",
    "EBUSY": "the file is in use or locked by another program: close it there and try again",
    "ETXTBSY": "the file is in use or locked by another program: close it there and try again",
    "ENOTDIR": "a part of the path is a file, not a folder",
    "EISDIR": "it is a folder, not a file",
    "EEXIST": "it already exists",
    "ENAMETOOLONG": "the name is too long",
    "EFBIG": "the file would be larger than the disk allows",
    "EIO": "the disk could not be read or written: it may be failing, or was removed",
    "EMFILE": "too many files are open: close some programs and try again",
    "ENFILE": "too many files are open: close some programs and try again",
}
_WINDOWS_LOCKED = {32, 33}  # ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION: open in Excel, say
_WRITE_ONLY = {"ENOSPC", "EDQUOT", "EROFS", "EFBIG"}


def _os_words(exc: OSError, args, writing: bool = False) -> str:
    """'cannot write OUT.xlsx: the folder /x/y does not exist'."""
    raw = exc.filename2 if exc.filename2 is not None else exc.filename  # a rename: its target
    path = os.fsdecode(raw) if isinstance(raw, (str, bytes)) else None
    if path and path.endswith(".part"):  # the write-then-rename file: the user named the file without it
        path, writing = path[:-len(".part")], True
    outputs = [o for o in (getattr(args, "out", None), getattr(args, "out_dir", None)) if isinstance(o, str)]
    if _command_name(args) == "new":
        outputs.append(args.file)
    if path and any(_within(path, o) for o in outputs):
        writing = True
    writing = writing or errno.errorcode.get(exc.errno) in _WRITE_ONLY
    if path is None and writing and len(outputs) == 1:
        path = outputs[0]
    verb = "write" if writing else "open"
    head = f"cannot {verb} {_escaped(path)}" if path else f"cannot {verb} a file"
    return f"{head}: {_os_reason(exc, path, writing)}"


def _within(path: str, folder: str) -> bool:
    path, folder = os.path.abspath(path), os.path.abspath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _os_reason(exc: OSError, path: str | None, writing: bool) -> str:
    if getattr(exc, "winerror", None) in _WINDOWS_LOCKED:
        return _OS_REASONS["EBUSY"]
    name = errno.errorcode.get(exc.errno)
    if name == "ENOENT":
        folder = os.path.dirname(os.path.abspath(path)) if path else None
        if folder and not os.path.isdir(folder):
            return f"the folder {_escaped(folder)} does not exist"
        return "there is no such file" if path else "a file or folder it needs does not exist"
    if name in ("EACCES", "EPERM"):
        if writing:
            return ("permission denied: you may not write there, or the file is open in another program "
                    "(close it there and try again)")
        return "permission denied: you may not read it"
    if name in _OS_REASONS:
        return _OS_REASONS[name]
    if exc.strerror:  # the system's own words ("Too many links"), never a class name
        return exc.strerror[0].lower() + exc.strerror[1:]
    return f"the system refused (error {exc.errno})"


def _underlying(exc: BaseException) -> BaseException | None:
    """The OSError or SQLite error a library wrapped: XlsxWriter's FileCreateError holds it as its argument;
    `raise ... from` as __cause__. Not __context__: an error raised while handling another is not caused by it."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, (OSError, sqlite3.Error)):
            return exc
        exc = next((a for a in exc.args if isinstance(a, BaseException)), None) or exc.__cause__
    return None


# ---- SQLite -------------------------------------------------------------------------------------------
_SQLITE_WORDS = [  # (primary result code, SQLite's words, ours); the code where Python gives it, else the words
    (13, "database or disk is full", "cannot save to {f}: the disk is full, so the change was not saved. "
                                     "Free some space and try again"),
    (8, "readonly database", "cannot save to {f}: it is read-only (the file, its folder or the disk), "
                             "so the change was not saved"),
    (5, "database is locked", "{f} is busy: the app or another command is writing to it. "
                              "Try again when it has finished"),
    (6, "table is locked", "{f} is busy: the app or another command is writing to it. "
                           "Try again when it has finished"),
    (14, "unable to open database file", "cannot open {f}: you may not read or write there"),
    (10, "disk i/o error", "{f} could not be read or written: the disk may be failing, full, or was removed"),
    (26, "not a database", "{f} is not an inspection file, or it is damaged"),
    (11, "malformed", "{f} is damaged: bring back a backup with  fileexam restore {f}"),
]


def _sqlite_words(exc: sqlite3.Error, args) -> str:
    target = getattr(args, "file", None) or getattr(args, "master", None)
    f = _escaped(target) if isinstance(target, str) else "the inspection file"
    code = getattr(exc, "sqlite_errorcode", None)
    said = str(exc).lower()
    for primary, words, ours in _SQLITE_WORDS:
        if (code is not None and code & 0xFF == primary) or words in said:
            if primary == 14 and isinstance(target, str):
                folder = os.path.dirname(os.path.abspath(target))
                if not os.path.isdir(folder):
                    return f"cannot create or open {f}: the folder {_escaped(folder)} does not exist"
            return ours.format(f=f)
    return f"{f} could not be used: {exc}"  # SQLite's own words


def write_crash_log(exc: BaseException, command: str | None = None) -> Path:
    from fileexam import crash_log

    return crash_log.write("".join(traceback.format_exception(exc)), command)


if __name__ == "__main__":
    raise SystemExit(main())

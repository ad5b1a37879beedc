"""Merge inspectors' exchange workbooks into a master inspection: every workbook checked first, all or nothing each."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fileexam.domain.answers import answer_text
from fileexam.domain.cases import BadValue, clean_text, field_value
from fileexam.domain.problems import Problem, cell_problem
from fileexam.domain.coverage import Coverage, coverage
from fileexam.domain.diff import diff_sets
from fileexam.domain.merge import CasePlan, plan_case
from fileexam.formats.definitions import load_text
from fileexam.formats.exchange_workbook import ALL_MARKERS, CASES_FIXED, ExchangeData, read_exchange
from fileexam.progress import Progress, no_progress
from fileexam.store.inspection_file import InspectionFile


@dataclass
class WorkbookResult:
    path: Path
    marker: str = ""
    outcome: str = "refused"   # merged, unchanged, refused
    reasons: list[str] = field(default_factory=list)   # why refused, or what was accepted
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    older: int = 0
    conflicts: list[tuple[str, str, list[str]]] = field(default_factory=list)  # case, marker, other markers
    changed_rows: dict = field(default_factory=dict)
    encrypted: bool = False    # it was an encrypted workbook (recorded in the merge log; the password never is)
    exclusions: list[str] = field(default_factory=list)  # cases marked not examinable, as merged (said in words)
    feedback: list[str] = field(default_factory=list)    # read receipts, replies, query answers (said in words)

    def line(self) -> str:
        if self.outcome == "refused":
            return f"{self.path.name}: REFUSED — " + "; ".join(self.reasons)
        sealed = ", encrypted" if self.encrypted else ""
        text = (f"{self.path.name} ({self.marker}{sealed}): {self.outcome} — {self.new} new, {self.updated} updated, "
                f"{self.unchanged} unchanged, {self.older} older (kept the master's), {len(self.conflicts)} conflict(s)")
        if self.exclusions:
            text += f", {len(self.exclusions)} case(s) not examinable"
        return text + ("".join(f"; {r}" for r in self.reasons))


@dataclass
class MergeReport:
    workbooks: list[WorkbookResult]
    coverage: Coverage
    accounting: object = None   # domain.sample_accounting.Accounting, when the master holds a sample design
    queries: dict = field(default_factory=dict)   # query state -> how many (issue 17)

    @property
    def refused(self) -> list[WorkbookResult]:
        return [w for w in self.workbooks if w.outcome == "refused"]


def merge_workbooks(master: InspectionFile, paths: list[Path], who: str, accept_changed: bool = False,
                    progress: Progress = no_progress, backup_root: Path | None = None,
                    password=None) -> MergeReport:
    """Merge each workbook in turn. With backup_root, the master is first copied into its rotating
    backups, so a merge can always be undone with `fileexam restore`. password: for encrypted workbooks,
    a text or a fileexam.passwords.Passwords (asked once, tried on each)."""
    from fileexam.services.merge_read import AheadReader
    with AheadReader(paths, password) as ahead:  # workbooks read in worker processes while this one merges
        if backup_root is not None and paths:
            from fileexam.store.backups import make_backup
            make_backup(master.conn, master.path, backup_root, key=master.cipher_key)
        results = []
        for i, path in enumerate(paths):
            progress(i, len(paths), Path(path).name)
            results.append(merge_one(master, Path(path), who, accept_changed, password, ahead.get(i)))
    progress(len(paths), len(paths), "coverage")
    from fileexam.services.sample_accounting import accounting_of
    return MergeReport(results, master_coverage(master), accounting_of(master), query_counts(master))


def query_counts(master: InspectionFile) -> dict:
    """How many queries are open, answered (waiting to be closed) and closed."""
    from fileexam.store.query_records import STATES
    counts = dict(master.conn.execute("SELECT state, count(*) FROM moderation_queries GROUP BY state").fetchall())
    return {state: counts.get(state, 0) for state in STATES}


def master_coverage(master: InspectionFile, cases: list | None = None) -> Coverage:
    """cases: master.cases(), when the caller has read them already (the report: 2 s at 100,000 cases)."""
    from fileexam.services.sample_exclusion import reason_label
    from fileexam.store import sample_records
    t = master.template
    excluded = {ref: reason_label(t, ex.reason) for ref, ex in sample_records.exclusions(master).items()}
    return coverage(t, master.cases() if cases is None else cases, real_statuses(master), excluded)


def real_statuses(master: InspectionFile) -> dict:
    """Every marking's status but the gold cases' (issue 17): those are not the real sample's."""
    from fileexam.store.gold_records import gold_markings
    gold = gold_markings(master)
    return {key: st for key, st in master.statuses().items() if key not in gold}


TAMPERED = {"exchange-hash", "exchange-count"}  # edits after export: --accept-changed may take them


def merge_one(master: InspectionFile, path: Path, who: str, accept_changed: bool = False,
              password=None, data: ExchangeData | None = None) -> WorkbookResult:
    """data: the workbook already read (by services/merge_read.py's worker processes), else read here."""
    result = WorkbookResult(path)
    if data is None:
        data = read_exchange(path, password=password)  # the slow part, outside any transaction: it only reads
    result.encrypted = data.encrypted
    marker = data.about.get("marker", "")
    result.marker = marker
    result.changed_rows = data.changed_rows
    fatal = [p for p in data.problems if p.code not in TAMPERED]
    if fatal:  # invalid data is never merged, --accept-changed or not
        result.reasons = _listed(fatal)
        return _refuse(master, who, result, data)
    if data.problems:
        if not accept_changed:
            result.reasons = [p.message for p in data.problems] + [
                "check the workbook with its inspector; merge with --accept-changed to take it as it is"]
            return _refuse(master, who, result, data)
        result.reasons.append("accepted although changed after export (" +
                              "; ".join(p.message for p in data.problems) + ")")
    if data.about.get("format_version") == "1":
        result.reasons.append("an exchange workbook of format version 1: its About and Definitions sheets are "
                              "not covered by its checksum")

    # Check, plan and write in one write transaction: a concurrent merge waits, then plans on what
    # this one wrote (two merges of one workbook never both count as new).
    with master.write_transaction():
        actions, excluded, x_problems = _exclusion_plan(master, data)
        from fileexam.services import feedback_merge
        feedback, f_problems = feedback_merge.plan(master, data)
        problems = x_problems + f_problems + _check_rows(master, data,
                                                         {a.replacement for a in actions if a.replacement})
        reasons = _check_versions(master, data) + _listed(problems)
        if reasons:
            result.reasons = reasons + result.reasons
            return _refuse(master, who, result, data)
        result.exclusions = excluded
        _apply_exclusions(master, actions, path.name)
        plans = _plan(master, data)
        for p in plans:
            setattr(result, p.outcome, getattr(result, p.outcome) + 1)
            if p.conflict_with:
                result.conflicts.append((p.reference, p.marker, p.conflict_with))
        changed = any(p.changes or p.outcome in ("new", "updated") for p in plans) or bool(actions) or bool(feedback)
        result.outcome = "merged" if changed else "unchanged"
        if changed or result.reasons:
            master.apply_merge(plans, who, path.name, {
                "outcome": "merged", "data_sha256": data.about.get("data_sha256"), "marker": marker,
                "new": result.new, "updated": result.updated, "unchanged": result.unchanged, "older": result.older,
                "conflicts": len(result.conflicts), "detail": _detail(result) + "".join(
                    f"; {line}" for line in result.exclusions),
                "accepted_changed": bool(data.problems)})
            result.feedback = feedback_merge.apply(master, feedback, path.name, who)
    return result


def _listed(problems: list, limit: int = 25) -> list[str]:
    """Each problem with its place (sheet, row, column); a long list is cut with a count."""
    lines = [p.format() for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"… and {len(problems) - limit} more")
    return lines


def _refuse(master: InspectionFile, who: str, result: WorkbookResult, data: ExchangeData) -> WorkbookResult:
    result.outcome = "refused"
    master.log_refusal(who, result.path.name, _detail(result), data.about.get("data_sha256"),
                       result.marker or None)
    return result


def _detail(result: WorkbookResult) -> str:
    """The merge log's detail: the reasons, and that the workbook was encrypted (never its password)."""
    return "; ".join((["an encrypted workbook, opened with its password"] if result.encrypted else [])
                     + result.reasons)


def _check_versions(master: InspectionFile, data: ExchangeData) -> list[str]:
    """Same question sets, or versions whose answers stay comparable (as `fileexam diff` defines it)."""
    t = master.template
    if data.about.get("template_fingerprint") == t.fingerprint:
        # The same template means the same sets: About must not say otherwise (answers keep these)
        return [f"About says question set '{qs.id}' has fingerprint {data.about.get(f'set.{qs.id}.fingerprint')!r}, "
                f"but the template it names holds {qs.fingerprint!r}: the About sheet was edited"
                for qs in t.question_sets if data.about.get(f"set.{qs.id}.fingerprint") not in (None, qs.fingerprint)]
    reasons = []
    stored = {d["id"]: d for d in data.definitions if d["kind"] == "question-set"}
    for qs in t.question_sets:
        theirs = data.about.get(f"set.{qs.id}.fingerprint")
        if theirs == qs.fingerprint:
            continue
        if theirs is None or qs.id not in stored:
            reasons.append(f"the workbook has no answers under question set '{qs.id}' and does not say its version")
            continue
        old = load_text(stored[qs.id]["text"], stored[qs.id]["file_name"]).definition
        if old is None:
            reasons.append(f"the workbook's copy of question set '{qs.id}' cannot be read")
            continue
        d = diff_sets(old, qs)
        if not d.compatible:
            lines = [c.format() for c in d.changes if not c.comparable]
            reasons.append(f"question set '{qs.id}' is version {old.version} in the workbook and {qs.version} here, "
                           "and answers are not comparable:\n    " + "\n    ".join(lines))
    known = {qs.id for qs in t.question_sets}
    for key in data.about:
        if key.startswith("set.") and key.endswith(".fingerprint") and key[4:-12] not in known:
            reasons.append(f"the workbook answers question set '{key[4:-12]}', which this inspection does not use")
    return reasons


def _check_rows(master: InspectionFile, data: ExchangeData, promoted: set[str] = frozenset()) -> list[Problem]:
    """What the template and the sample allow, for every row: the case is sampled (or a reserve this
    workbook's exclusions promote), the question is one of ours and in the set the row names, the answer
    is one it can take, each field value fits."""
    t = master.template
    sample = master.references() | set(promoted)
    shown = data.path
    problems: list[Problem] = []

    def bad(code, sheet, row, col, **params):
        problems.append(cell_problem(code, shown, sheet, row, col, **params))

    exported = {f.id: f for f in t.case_fields if f.export}
    for field_id in data.field_ids:
        if field_id not in exported:
            bad("exchange-unknown-field", "Cases", 1, field_id, column=field_id[:40])
    fields = [(j, exported[fid]) for j, fid in enumerate(data.field_ids, start=len(CASES_FIXED)) if fid in exported]
    outside: set[str] = set()
    for i, row in zip(data.row_numbers.get("Cases", []), data.cases):
        if row[0] not in sample:
            if row[0] not in outside:
                bad("exchange-case-outside", "Cases", i, "reference", reference=row[0])
            outside.add(row[0])
        for j, f in fields:
            try:
                field_value(f, row[j])
            except BadValue as exc:
                bad("exchange-bad-answer", "Cases", i, f.id, reason=str(exc))
        if len(problems) > 100:
            return problems
    for i, row in zip(data.row_numbers.get("Answers", []), data.answers):
        ref, set_id, qid, value = row[0], row[2], row[3], row[4]
        comment = row[6]
        if comment:  # the store's own rules for text, so that the master can export it again
            try:
                if clean_text(comment, "the comment") != comment:
                    bad("exchange-bad-answer", "Answers", i, "comment",
                        reason="the comment holds control characters, which fileexam never writes")
            except BadValue as exc:
                bad("exchange-bad-answer", "Answers", i, "comment", reason=str(exc))
        if ref not in sample and ref not in outside:
            bad("exchange-case-outside", "Answers", i, "reference", reference=ref)
            outside.add(ref)
        q = t.question_by_id.get(qid)
        if q is None:
            bad("exchange-unknown-question", "Answers", i, "question_id", question=qid)
        elif q.set_id != set_id:
            bad("exchange-wrong-set", "Answers", i, "question_set", question=qid, expected=q.set_id, found=set_id)
        else:
            try:
                if answer_text(q, value) != value:
                    bad("exchange-bad-answer", "Answers", i, "value",
                        reason=f"'{value}' is not how fileexam writes an answer to {q.id}")
            except BadValue as exc:
                bad("exchange-bad-answer", "Answers", i, "value", reason=str(exc))
        if len(problems) > 100:
            break
    return problems


def _plan(master: InspectionFile, data: ExchangeData) -> list[CasePlan]:
    incoming: dict[tuple[str, str], dict[str, tuple]] = {}
    for ref, marker, set_id, qid, value, _points, comment, answered_at, revision in data.answers:
        fingerprint = data.about.get(f"set.{set_id}.fingerprint", "")
        incoming.setdefault((ref, marker), {})[qid] = (value, comment or "", answered_at, revision, set_id,
                                                       fingerprint)
    # A case the marker has not started brings nothing back.
    statuses = {(row[0], row[1]): row[2] for row in data.cases if row[1] and row[2] != "not started"}
    for key in statuses:
        incoming.setdefault(key, {})
    master_status = master.statuses()
    markers_of: dict[str, set[str]] = {}
    for r, m in master_status:
        markers_of.setdefault(r, set()).add(m)
    # Several markings are expected of a case chosen for double marking, a calibration case and a gold case.
    from fileexam.store.gold_records import gold_markings
    double = {ref for ref, _ in master.double_marked()} | set(master.calibration_cases())
    gold = gold_markings(master)
    plans = []
    for (ref, marker), answers in incoming.items():
        held = master.marking_rows(ref)
        others = [m for m in set(held) | markers_of.get(ref, set()) if m != marker]
        status = statuses.get((ref, marker), "in progress")
        existing_status = master_status.get((ref, marker))
        plans.append(plan_case(ref, marker, status, answers, held.get(marker, {}),
                               existing_status.value if existing_status else None, others,
                               ref in double or (ref, marker) in gold))
    return plans


# ---- exclusions (exchange format version 3) --------------------------------------------------------------
@dataclass
class _Exclusion:
    reference: str
    reason: str
    note: str
    who: str
    at: str
    replacement: str | None      # the reserve the workbook's file promoted (None: the master takes its next)


def _exclusion_plan(master: InspectionFile, data: ExchangeData) -> tuple[list[_Exclusion], list[str], list[Problem]]:
    """What the workbook's Exclusions sheet asks of the master, checked, nothing written: (the exclusions to
    apply, each said in words, problems). An exclusion is merged only when it is the case's own inspector's
    (the workbook's marker, or in a workbook of all markers the one who excluded it, is the inspector the
    case is allocated to in the master). A case the master already holds as excluded is left as the master
    has it. A reserve the workbook's file promoted is promoted in the master too; one the master already
    promoted for another case refuses the workbook, saying how to settle it (docs/METHODS.md, "Exclusions
    in a merge")."""
    from fileexam.services.sample_exclusion import reason_label
    from fileexam.store import sample_records as records

    if not data.exclusions:
        return [], [], []
    t = master.template
    reasons = {o.value for o in t.exclusion_reasons}
    marker = data.about.get("marker", "")
    one_marker = marker != ALL_MARKERS
    cases = {c.reference: c for c in master.cases()}
    held = records.exclusions(master)
    reserves = {r.reference: r for r in records.reserves(master)}
    strata = records.case_strata(master)
    shown = data.path
    problems: list[Problem] = []
    actions: list[_Exclusion] = []
    said: list[str] = []
    promoted_here: dict[str, str] = {}   # reserve -> the case whose place it takes, in this workbook
    used: set[str] = set()

    def bad(i, col, reason):
        problems.append(cell_problem("exchange-exclusion", shown, "Exclusions", i, col, reason=reason))

    rows = sorted(zip(data.row_numbers.get("Exclusions", []), data.exclusions), key=lambda x: (x[1][5] or "", x[0]))
    for i, (ref, _stratum, reason, note, by, at, replaced_by) in rows:
        if reason not in reasons:
            bad(i, "reason", f"'{(reason or '')[:40]}' is not an exclusion reason of this inspection's template "
                             "(" + ", ".join(sorted(reasons)) + ")")
            continue
        if ref in cases:
            inspector = cases[ref].inspector
            key = strata.get(ref, (None,))[0]
        elif ref in promoted_here:  # a reserve this workbook promoted, excluded in turn
            inspector = cases[promoted_here[ref]].inspector if promoted_here[ref] in cases else None
            key = reserves[ref].key
        else:
            problems.append(cell_problem("exchange-case-outside", shown, "Exclusions", i, "reference", reference=ref))
            continue
        owner = marker if one_marker else by
        if inspector != owner:
            bad(i, "excluded_by", f"case {ref} is allocated to {inspector or 'nobody'} in the master, so {owner}'s "
                                  "exclusion of it is not merged: only the case's own inspector's is (the team lead "
                                  f"can mark it in the master: fileexam sample exclude MASTER {ref} --reason …)")
            continue
        if ref in held:
            if (held[ref].replaced_by or None) != (replaced_by or None):
                said.append(f"case {ref} was already not examinable in the master, replaced by "
                            f"{held[ref].replaced_by or 'no reserve'}: kept the master's")
            continue
        if replaced_by:
            r = reserves.get(replaced_by)
            if r is None or key is None or r.key != key:
                bad(i, "replaced_by", f"{replaced_by} is not a reserve of case {ref}'s stratum in the master")
                continue
            if r.replaces is not None or replaced_by in used:
                other = r.replaces or next((c for c, rr in promoted_here.items() if rr == replaced_by), "?")
                bad(i, "replaced_by",
                    f"reserve {replaced_by} took the place of case {ref} in {owner}'s file, but in the master it "
                    f"already takes the place of case {other}: two exclusions in one stratum met the same reserve. "
                    f"Settle it in the master: fileexam sample exclude MASTER {ref} --reason {reason} (the master's "
                    f"next reserve replaces it; tell {owner} which), then merge this workbook again")
                continue
            used.add(replaced_by)
            promoted_here[replaced_by] = ref
        actions.append(_Exclusion(ref, reason, note or "", by, at, replaced_by or None))
        said.append(f"case {ref} not examinable ({reason_label(t, reason)})"
                    + (f", {replaced_by} takes its place" if replaced_by else ", the master's next reserve takes its place"))
    return actions, said, problems


def _apply_exclusions(master: InspectionFile, actions: list[_Exclusion], source: str) -> None:
    """Inside the merge's write transaction: each exclusion and its reserve, audited as merged from source."""
    from fileexam.store import sample_records as records

    for a in actions:
        records.exclude(master, a.reference, a.reason, a.who, a.note,
                        a.replacement if a.replacement else records.AUTO, a.at, source)

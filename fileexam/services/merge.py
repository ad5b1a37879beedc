"""Merge inspectors' exchange workbooks into a master inspection: every workbook checked first, all or nothing each."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fileexam.domain.answers import answer_text
from fileexam.domain.cases import BadValue
from fileexam.domain.coverage import Coverage, coverage
from fileexam.domain.diff import diff_sets
from fileexam.domain.merge import CasePlan, plan_case
from fileexam.formats.definitions import load_text
from fileexam.formats.exchange_workbook import ExchangeData, read_exchange
from fileexam.services.progress import Progress, no_progress
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

    def line(self) -> str:
        if self.outcome == "refused":
            return f"{self.path.name}: REFUSED — " + "; ".join(self.reasons)
        text = (f"{self.path.name} ({self.marker}): {self.outcome} — {self.new} new, {self.updated} updated, "
                f"{self.unchanged} unchanged, {self.older} older (kept the master's), {len(self.conflicts)} conflict(s)")
        return text + ("".join(f"; {r}" for r in self.reasons))


@dataclass
class MergeReport:
    workbooks: list[WorkbookResult]
    coverage: Coverage

    @property
    def refused(self) -> list[WorkbookResult]:
        return [w for w in self.workbooks if w.outcome == "refused"]


def merge_workbooks(master: InspectionFile, paths: list[Path], who: str, accept_changed: bool = False,
                    progress: Progress = no_progress) -> MergeReport:
    results = []
    for i, path in enumerate(paths):
        progress(i, len(paths), Path(path).name)
        results.append(merge_one(master, Path(path), who, accept_changed))
    progress(len(paths), len(paths), "coverage")
    return MergeReport(results, master_coverage(master))


def master_coverage(master: InspectionFile) -> Coverage:
    return coverage(master.template, master.cases(), master.statuses())


def merge_one(master: InspectionFile, path: Path, who: str, accept_changed: bool = False) -> WorkbookResult:
    result = WorkbookResult(path)
    data = read_exchange(path)
    marker = data.about.get("marker", "")
    result.marker = marker
    result.changed_rows = data.changed_rows
    tampered = {"exchange-hash", "exchange-count"}
    fatal = [p for p in data.problems if p.code not in tampered]
    if fatal:
        result.reasons = [p.message for p in fatal]
        return _refuse(master, who, result, data)
    if data.problems:
        if not accept_changed:
            result.reasons = [p.message for p in data.problems] + [
                "check the workbook with its inspector; merge with --accept-changed to take it as it is"]
            return _refuse(master, who, result, data)
        result.reasons.append("accepted although changed after export (" +
                              "; ".join(p.message for p in data.problems) + ")")

    reasons = _check_versions(master, data) + _check_rows(master, data)
    if reasons:
        result.reasons = reasons + result.reasons
        return _refuse(master, who, result, data)

    plans = _plan(master, data)
    for p in plans:
        setattr(result, p.outcome, getattr(result, p.outcome) + 1)
        if p.conflict_with:
            result.conflicts.append((p.reference, p.marker, p.conflict_with))
    changed = any(p.changes or p.outcome in ("new", "updated") for p in plans)
    result.outcome = "merged" if changed else "unchanged"
    if changed or result.reasons:
        master.apply_merge(plans, who, path.name, {
            "outcome": "merged", "data_sha256": data.about.get("data_sha256"), "marker": marker,
            "new": result.new, "updated": result.updated, "unchanged": result.unchanged, "older": result.older,
            "conflicts": len(result.conflicts), "detail": "; ".join(result.reasons),
            "accepted_changed": bool(data.problems)})
    return result


def _refuse(master: InspectionFile, who: str, result: WorkbookResult, data: ExchangeData) -> WorkbookResult:
    result.outcome = "refused"
    master.log_refusal(who, result.path.name, "; ".join(result.reasons), data.about.get("data_sha256"),
                       result.marker or None)
    return result


def _check_versions(master: InspectionFile, data: ExchangeData) -> list[str]:
    """Same question sets, or versions whose answers stay comparable (as `fileexam diff` defines it)."""
    t = master.template
    if data.about.get("template_fingerprint") == t.fingerprint:
        return []
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


def _check_rows(master: InspectionFile, data: ExchangeData) -> list[str]:
    t = master.template
    sample = {c.reference for c in master.cases()}
    reasons = []
    outside = sorted({row[0] for row in data.cases if row[0] not in sample} |
                     {row[0] for row in data.answers if row[0] not in sample})
    if outside:
        reasons.append(f"{len(outside)} case(s) are not in this inspection's sample: {', '.join(outside[:10])}"
                       + (" …" if len(outside) > 10 else ""))
    rows = getattr(data, "rows", {}).get("Answers", [])
    for i, row in enumerate(data.answers):
        q = t.question_by_id.get(row[3])
        where = f"Answers row {rows[i] if i < len(rows) else '?'}"
        if q is None:
            reasons.append(f"{where}: '{row[3]}' is not a question of this inspection")
            continue
        try:
            if answer_text(q, row[4]) != row[4]:
                reasons.append(f"{where}: '{row[4]}' is not how fileexam writes an answer to {q.id}")
        except BadValue as exc:
            reasons.append(f"{where}: {exc}")
        if len(reasons) > 20:
            reasons.append("… (more)")
            break
    return reasons


def _plan(master: InspectionFile, data: ExchangeData) -> list[CasePlan]:
    incoming: dict[tuple[str, str], dict[str, tuple]] = {}
    for ref, marker, set_id, qid, value, _points, comment, answered_at, revision in data.answers:
        fingerprint = data.about.get(f"set.{set_id}.fingerprint", "")
        incoming.setdefault((ref, marker), {})[qid] = (value, comment or "", answered_at, int(revision or 1),
                                                       set_id, fingerprint)
    # A case the marker has not started brings nothing back.
    statuses = {(row[0], row[1]): row[2] for row in data.cases if row[1] and row[2] != "not started"}
    for key in statuses:
        incoming.setdefault(key, {})
    master_status = master.statuses()
    # Several markings are expected of a case chosen for double marking, and of a calibration case.
    double = {ref for ref, _ in master.double_marked()} | set(master.calibration_cases())
    plans = []
    for (ref, marker), answers in incoming.items():
        held = master.marking_rows(ref)
        others = [m for m in set(held) | {m for (r, m) in master_status if r == ref} if m != marker]
        status = statuses.get((ref, marker), "in progress")
        existing_status = master_status.get((ref, marker))
        plans.append(plan_case(ref, marker, status, answers, held.get(marker, {}),
                               existing_status.value if existing_status else None, others,
                               ref in double))
    return plans

"""Merging one marker's work into a master: what is new, updated, unchanged, older, and which cases conflict.

Pure planning over plain rows; the store applies a plan in one transaction.
A newer export of a marker's case replaces that marker's answers to it (answers
it no longer holds are removed); an older one changes nothing. A case marked by
another marker is never overwritten: both markings are kept, and unless the
case was chosen for double marking it is reported as a conflict.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# An answer as merge sees it: (value, comment, answered_at, revision, set_id, set_fingerprint)
AnswerRow = tuple


@dataclass
class CasePlan:
    reference: str
    marker: str
    status: str
    inserts: dict[str, AnswerRow] = field(default_factory=dict)
    updates: dict[str, tuple[AnswerRow, AnswerRow]] = field(default_factory=dict)  # qid -> (old, new)
    deletes: dict[str, AnswerRow] = field(default_factory=dict)
    outcome: str = "unchanged"  # new, updated, unchanged, older
    conflict_with: list[str] = field(default_factory=list)

    @property
    def changes(self) -> bool:
        return bool(self.inserts or self.updates or self.deletes)


@dataclass
class MergePlan:
    cases: list[CasePlan] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for c in self.cases if c.outcome == outcome)

    @property
    def conflicts(self) -> list[CasePlan]:
        return [c for c in self.cases if c.conflict_with]

    @property
    def changes(self) -> bool:
        return any(c.changes for c in self.cases) or any(c.outcome != "unchanged" for c in self.cases)


def _latest(rows: dict[str, AnswerRow]) -> str:
    return max((r[2] for r in rows.values()), default="")


def plan_case(reference: str, marker: str, status: str, incoming: dict[str, AnswerRow],
              existing: dict[str, AnswerRow], existing_status: str | None,
              other_markers: list[str], double_marked: bool) -> CasePlan:
    plan = CasePlan(reference, marker, status)
    if not double_marked:
        plan.conflict_with = sorted(m for m in other_markers if m != marker)
    if not existing and existing_status is None:
        plan.inserts = dict(incoming)
        plan.outcome = "new"
        return plan
    same = existing.keys() == incoming.keys() and all(existing[q][:2] == incoming[q][:2] for q in incoming)
    if same and (existing_status or "") == status:
        return plan
    if _latest(incoming) < _latest(existing):
        plan.outcome = "older"  # the master holds later work by this marker: keep it
        return plan
    for qid, row in incoming.items():
        old = existing.get(qid)
        if old is None:
            plan.inserts[qid] = row
        elif old[:2] != row[:2]:
            plan.updates[qid] = (old, row)
    plan.deletes = {q: r for q, r in existing.items() if q not in incoming}
    plan.outcome = "updated"
    return plan

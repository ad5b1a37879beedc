"""Progress of an inspection: cases complete, in progress and not started, by inspector, Area and strand."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from fileexam.domain.cases import Case, Status
from fileexam.domain.template import InspectionTemplate

UNALLOCATED = "(unallocated)"
_RANK = {Status.NOT_STARTED: 0, Status.IN_PROGRESS: 1, Status.COMPLETE: 2}


def case_status(case: Case, statuses: dict[tuple[str, str], Status]) -> Status:
    """The allocated inspector's status; for an unallocated case, the furthest marking."""
    if case.inspector:
        return statuses.get((case.reference, case.inspector), Status.NOT_STARTED)
    found = [s for (ref, _), s in statuses.items() if ref == case.reference]
    return max(found, key=_RANK.__getitem__, default=Status.NOT_STARTED)


@dataclass
class Row:
    """Cases of one group (inspector, Area...) by status."""
    group: str
    complete: int = 0
    in_progress: int = 0
    not_started: int = 0

    @property
    def total(self) -> int:
        return self.complete + self.in_progress + self.not_started


def progress(t: InspectionTemplate, cases: list[Case], statuses: dict[tuple[str, str], Status],
             by: str) -> list[Row]:
    """by: 'inspector', or a case field id (Area, strand...); rows sorted by group, then a total row."""
    counts: dict[str, Counter] = {}
    f = t.fields_by_id.get(by)
    for c in cases:
        if by == "inspector":
            group = c.inspector or UNALLOCATED
        else:
            value = c.fields.get(by)
            group = f.value_label(value) if f and isinstance(value, str) else ("(none)" if value is None else str(value))
        counts.setdefault(group, Counter())[case_status(c, statuses)] += 1
    rows = [Row(g, n[Status.COMPLETE], n[Status.IN_PROGRESS], n[Status.NOT_STARTED]) for g, n in sorted(counts.items())]
    total = Row("Total", sum(r.complete for r in rows), sum(r.in_progress for r in rows), sum(r.not_started for r in rows))
    return rows + [total]

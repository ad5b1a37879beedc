"""Coverage of the sample: which cases came back complete, from whom, which are missing, and which were
marked not examinable (with the reason; they are neither expected nor missing)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from fileexam.domain.cases import Case, Status
from fileexam.domain.template import InspectionTemplate


@dataclass
class CaseCoverage:
    reference: str
    inspector: str | None
    area: str
    complete_by: list[str]
    in_progress_by: list[str]
    excluded: str | None = None   # not examinable: the reason's label

    @property
    def missing(self) -> bool:
        return not self.complete_by and self.excluded is None


@dataclass
class GroupCoverage:
    group: str
    expected: int = 0
    complete: int = 0
    in_progress: int = 0
    excluded: int = 0             # not examinable: not among the expected

    @property
    def missing(self) -> int:
        return self.expected - self.complete


@dataclass
class Coverage:
    cases: list[CaseCoverage]
    by_inspector: list[GroupCoverage] = field(default_factory=list)
    by_area: list[GroupCoverage] = field(default_factory=list)

    @property
    def missing(self) -> list[CaseCoverage]:
        return [c for c in self.cases if c.missing]

    @property
    def twice(self) -> list[CaseCoverage]:
        return [c for c in self.cases if len(c.complete_by) > 1]

    @property
    def excluded(self) -> list[CaseCoverage]:
        return [c for c in self.cases if c.excluded is not None]

    @property
    def expected(self) -> list[CaseCoverage]:
        """The sampled cases still to be examined or examined: every case not marked not examinable."""
        return [c for c in self.cases if c.excluded is None]


def coverage(t: InspectionTemplate, cases: list[Case], statuses: dict[tuple[str, str], Status],
             excluded: dict[str, str] | None = None) -> Coverage:
    """excluded: case -> the label of the reason it is not examinable."""
    excluded = excluded or {}
    complete: dict[str, list[str]] = {}  # case -> markers; two flat maps, not a map per case (23 MB at 100,000)
    in_progress: dict[str, list[str]] = {}
    for (ref, marker), status in statuses.items():
        (complete if status is Status.COMPLETE else in_progress).setdefault(ref, []).append(marker)
    area_field = t.fields_by_id.get(t.reporting.area_field or "")
    labels: dict[str, str] = {}  # each Area's label looked up once, not once a case

    def label(area) -> str:
        if not (area and area_field):
            return ""
        if not isinstance(area, str):
            return area_field.value_label(area)
        found = labels.get(area)
        if found is None:
            found = labels[area] = area_field.value_label(area)
        return found

    out = []
    for c in cases:
        area = c.fields.get(area_field.id) if area_field else None
        ref = c.reference
        out.append(CaseCoverage(ref, c.inspector, label(area), sorted(complete.get(ref, ())),
                                sorted(in_progress.get(ref, ())), excluded.get(ref)))
    result = Coverage(out)
    result.by_inspector = _groups(out, lambda c: c.inspector or "(unallocated)")
    result.by_area = _groups(out, lambda c: c.area or "(none)")
    return result


def _groups(cases: list[CaseCoverage], key) -> list[GroupCoverage]:
    groups: dict[str, GroupCoverage] = {}
    for c in cases:
        g = groups.setdefault(key(c), GroupCoverage(key(c)))
        if c.excluded is not None:
            g.excluded += 1
            continue
        g.expected += 1
        if c.complete_by:
            g.complete += 1
        elif c.in_progress_by:
            g.in_progress += 1
    return [groups[k] for k in sorted(groups)]


def counts(cov: Coverage) -> Counter:
    return Counter("not examinable" if c.excluded is not None else "complete" if c.complete_by else
                   "in progress" if c.in_progress_by else "missing" for c in cov.cases)

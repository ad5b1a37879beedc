"""The moderator's decisions that change published figures: settling, calibration, sign-off.

Each checks its preconditions (the store refuses a settle on a case that is not double-marked, a
calibration without its reference marking); sign-off also counts what is still open: unsettled
disagreements and open queries (issue 17).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fileexam.store.errors import StoreError
from fileexam.store.inspection_file import InspectionFile


@dataclass(frozen=True)
class OpenWork:
    disagreements: int   # scale answers on which the two markings of a double-marked case differ
    unsettled: list[tuple[str, str]]   # (case, question) of those with no agreed answer yet
    open_queries: list[int] = field(default_factory=list)   # numbers of the queries still open

    @property
    def anything_open(self) -> bool:
        return bool(self.unsettled or self.open_queries)

    def sentence(self) -> str:
        parts = []
        if self.unsettled or not self.open_queries:
            parts.append(f"{len(self.unsettled)} of {self.disagreements} disagreement(s) are not settled")
        if self.open_queries:
            parts.append(f"{len(self.open_queries)} query(ies) are open ("
                         + ", ".join(str(n) for n in self.open_queries[:8]) + (" …" if len(self.open_queries) > 8
                                                                               else "") + ")")
        return " and ".join(parts)


def open_work(inspection: InspectionFile) -> OpenWork:
    from fileexam.services.moderation import collect_pairs

    from fileexam.store.query_records import OPEN, queries

    decided = inspection.decisions()
    differing = sorted({(p.case, p.question) for p in collect_pairs(inspection) if p.value1 != p.value2})
    return OpenWork(len(differing), [key for key in differing if key not in decided],
                    [q.id for q in queries(inspection, OPEN)])


def sign_off(inspection: InspectionFile, who: str, force_reason: str | None = None) -> OpenWork:
    """Sign the moderation off. With disagreements unsettled or queries open it is refused, unless forced
    with a reason, which the sign-off record and the audit log keep together with the counts."""
    work = open_work(inspection)
    if work.anything_open:
        if not force_reason or not force_reason.strip():
            shown = ", ".join(f"{c} {q}" for c, q in work.unsettled[:5]) + (" …" if len(work.unsettled) > 5 else "")
            todo = " and ".join((["settle them"] if work.unsettled else [])
                                + (["close the queries (fileexam moderation close-query)"] if work.open_queries
                                   else []))
            raise StoreError(f"{work.sentence()}" + (f" ({shown})" if shown else "") + f": {todo} first, or sign "
                             "off anyway with --force REASON, saying why")
        inspection.sign_off(who, forced_reason=f"signed off with {work.sentence()}: {force_reason.strip()}")
    else:
        inspection.sign_off(who, forced_reason=force_reason)
    return work

"""Gold cases in an inspection file (issue 17; table of migration m009_standardisation_gold): an already-agreed
case seeded into an inspector's allocation, blind. Functions over an open InspectionFile.

A gold marking, (case, marker), is kept out of every figure of the real sample: the report's counted markings,
the coverage, the agreement statistics (services read `gold_markings`). Seeding and removing are audited."""

from __future__ import annotations

from dataclasses import dataclass

from fileexam.domain.cases import BadValue
from fileexam.store.errors import StoreError
from fileexam.store.inspection_file import InspectionFile, now


@dataclass(frozen=True)
class GoldCase:
    case: str
    marker: str
    seeded_at: str
    seeded_by: str


def gold_cases(f: InspectionFile) -> list[GoldCase]:
    return [GoldCase(*r) for r in f.conn.execute(
        "SELECT case_ref, marker, seeded_at, seeded_by FROM gold_cases ORDER BY marker, case_ref")]


def gold_markings(f: InspectionFile) -> set[tuple[str, str]]:
    """(case, marker) of every gold marking: never counted in the real sample's figures."""
    return {(r[0], r[1]) for r in f.conn.execute("SELECT case_ref, marker FROM gold_cases")}


def seed(f: InspectionFile, reference: str, marker: str, who: str, has_agreed_answers) -> str:
    """Seed case `reference` into `marker`'s allocation as a gold case. `has_agreed_answers(f, ref)` says why
    the case has no agreed answers yet ('' when it has them). Refused, with the reason, for a case the marker
    has marked or been allocated already, or is the reference marker of. Returns the case reference."""
    reference = f.resolve_case(reference)
    marker = (marker or "").strip()
    if not marker:
        raise BadValue("name the inspector the gold case is for")
    with f.atomic():
        f._require_case(reference)
        c = f.case(reference)
        from fileexam.store.sample_records import excluded_refs
        if reference in excluded_refs(f):
            raise StoreError(f"case {reference} is marked not examinable: it has no agreed answers to compare with")
        if f.conn.execute("SELECT 1 FROM gold_cases WHERE case_ref=? AND marker=?", [reference, marker]).fetchone():
            raise StoreError(f"case {reference} is already a gold case for {marker}")
        involved = f._markers_of(reference) | {c.inspector} | {m for r, m in f.double_marked() if r == reference} \
            | ({f.calibration_cases()[reference]} if reference in f.calibration_cases() else set())
        if marker in involved:
            raise StoreError(f"{marker} has marked case {reference} already (or it is allocated to them): a gold case "
                             "must be new to the inspector, so choose a case they have never seen")
        why_not = has_agreed_answers(f, reference)
        if why_not:
            raise StoreError(f"case {reference} cannot be a gold case: {why_not}")
        stamp = now()
        f.conn.execute("INSERT INTO gold_cases VALUES (?,?,?,?)", [reference, marker, stamp, who])
        f._audit(f.conn, who, "gold case", reference, None, marker, None, marker,
                 "seeded blind into the inspector's allocation: compared with the agreed answers, never counted",
                 stamp)
    return reference


def remove(f: InspectionFile, reference: str, marker: str, who: str, reason: str) -> None:
    """Take a gold case back before the inspector's marking of it is merged (after, it stays gold: it must
    never count). Audited with the reason."""
    reference = f.resolve_case(reference)
    if not reason or not reason.strip():
        raise BadValue("say why the gold case is removed: a reason is required")
    with f.atomic():
        if not f.conn.execute("SELECT 1 FROM gold_cases WHERE case_ref=? AND marker=?", [reference, marker]).fetchone():
            raise StoreError(f"case {reference} is not a gold case for {marker}")
        if marker in f._markers_of(reference):
            raise StoreError(f"{marker}'s marking of gold case {reference} is merged already: it stays a gold case, "
                             "so that it never counts in the scores or the coverage")
        f.conn.execute("DELETE FROM gold_cases WHERE case_ref=? AND marker=?", [reference, marker])
        f._audit(f.conn, who, "gold case removed", reference, None, marker, marker, None, reason.strip())

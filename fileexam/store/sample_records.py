"""The sample's own records in an inspection file (issue 18): the design it was drawn with, its strata, the
stratum of every case, the reserve cases, and the cases marked not examinable with what replaced them.

Functions over an open InspectionFile's connection (tables of migration m007_sample_design). A reserve case
is not in `cases` (so nothing lists, allocates, exports or reports it) until it is promoted to take the
place of an excluded case: the exclusion and the promotion are one transaction with their audit rows."""

from __future__ import annotations

import json
from dataclasses import dataclass

from fileexam.domain.cases import BadValue, Case
from fileexam.domain.sample_design import SampleDesign, StratumKey, key_from_text, key_text
from fileexam.store.errors import StoreError
from fileexam.store.inspection_file import InspectionFile, now

AUTO = object()  # exclude(): take the stratum's next unused reserve


@dataclass(frozen=True)
class StratumRecord:
    key: StratumKey
    label: str
    population: int | None
    eligible: int | None
    quota: int
    reserves: int
    drawn: int


@dataclass(frozen=True)
class ReserveRecord:
    reference: str
    key: StratumKey
    rank: int
    fields: dict
    replaces: str | None = None
    promoted_at: str | None = None
    promoted_by: str | None = None


@dataclass(frozen=True)
class Exclusion:
    reference: str
    reason: str          # a value of the template's exclusion_reasons
    note: str
    who: str
    at: str
    replaced_by: str | None
    source: str | None = None   # None: marked in this file; else the workbook it was merged from


# ---- reading ------------------------------------------------------------------------------------------------
def stored_design(f: InspectionFile) -> dict | None:
    """The design as stored: def_id, version, fingerprint, file_name, text (the latest, if ever several)."""
    row = f.conn.execute("SELECT def_id, version, fingerprint, file_name, text FROM sample_designs "
                         "ORDER BY id DESC LIMIT 1").fetchone()
    return dict(zip(("id", "version", "fingerprint", "file_name", "text"), row)) if row else None


def design(f: InspectionFile) -> SampleDesign | None:
    """The stored design, read against the inspection's template (cached on the open file)."""
    stored = stored_design(f)
    if stored is None:
        return None
    cached = getattr(f, "_sample_design", None)
    if cached is not None and cached.fingerprint == stored["fingerprint"]:
        return cached
    from fileexam.formats.definitions import design_from_text
    loaded = design_from_text(stored["text"], stored["file_name"], f.template)
    if loaded.definition is None:
        from fileexam.store.file_check import DamagedFile
        raise DamagedFile(f.path, "its stored sample design cannot be read ("
                          + "; ".join(p.format() for p in loaded.problems if p.is_error)[:300] + ")")
    f._sample_design = loaded.definition  # type: ignore[attr-defined]
    return loaded.definition


def strata(f: InspectionFile) -> list[StratumRecord]:
    return [StratumRecord(key_from_text(r[0]), r[1], r[2], r[3], r[4], r[5], r[6]) for r in f.conn.execute(
        "SELECT stratum, label, population, eligible, quota, reserves, drawn FROM sample_strata ORDER BY rowid")]


def case_strata(f: InspectionFile) -> dict[str, tuple[StratumKey, str]]:
    """Case -> (its stratum, how it came into the sample: 'drawn' or 'reserve')."""
    return {r[0]: (key_from_text(r[1]), r[2]) for r in f.conn.execute("SELECT case_ref, stratum, origin FROM case_strata")}


def reserves(f: InspectionFile) -> list[ReserveRecord]:
    return [ReserveRecord(r[0], key_from_text(r[1]), r[2], json.loads(r[3]), r[4], r[5], r[6]) for r in f.conn.execute(
        "SELECT reference, stratum, rank, fields, replaces, promoted_at, promoted_by FROM sample_reserves "
        "ORDER BY rowid")]


def exclusions(f: InspectionFile) -> dict[str, Exclusion]:
    return {r[0]: Exclusion(*r) for r in f.conn.execute(
        "SELECT case_ref, reason, note, who, at, replaced_by, source FROM sample_exclusions ORDER BY at, rowid")}


def excluded_refs(f: InspectionFile) -> set[str]:
    return {r[0] for r in f.conn.execute("SELECT case_ref FROM sample_exclusions")}


def next_reserve(f: InspectionFile, key: StratumKey) -> ReserveRecord | None:
    r = f.conn.execute("SELECT reference, stratum, rank, fields, replaces, promoted_at, promoted_by FROM sample_reserves"
                       " WHERE stratum=? AND replaces IS NULL ORDER BY rank LIMIT 1", [key_text(key)]).fetchone()
    return ReserveRecord(r[0], key_from_text(r[1]), r[2], json.loads(r[3]), r[4], r[5], r[6]) if r else None


def reserve(f: InspectionFile, reference: str) -> ReserveRecord | None:
    r = f.conn.execute("SELECT reference, stratum, rank, fields, replaces, promoted_at, promoted_by FROM sample_reserves"
                       " WHERE reference=?", [reference]).fetchone()
    return ReserveRecord(r[0], key_from_text(r[1]), r[2], json.loads(r[3]), r[4], r[5], r[6]) if r else None


# ---- writing (inside the caller's transaction when there is one) --------------------------------------------
def store_design(f: InspectionFile, design_: SampleDesign, file_name: str, text: str, who: str) -> bool:
    """Keep the design's text; False when this design is already kept. A different design is refused: one
    inspection is drawn with one design."""
    held = stored_design(f)
    if held is not None:
        if held["fingerprint"] == design_.fingerprint:
            return False
        raise StoreError(f"this inspection already holds sample design '{held['id']}' {held['version']}: a sample "
                         f"drawn with another design ('{design_.id}' {design_.version}) cannot join it")
    with f.atomic():
        stamp = now()
        f.conn.execute("INSERT INTO sample_designs (def_id, version, fingerprint, file_name, text, stored_at) "
                       "VALUES (?,?,?,?,?,?)", [design_.id, design_.version, design_.fingerprint, file_name, text, stamp])
        InspectionFile._audit(f.conn, who, "sample design", reason=f"design '{design_.id}' {design_.version} "
                              f"({design_.fingerprint}) from {file_name}", at=stamp)
    return True


def store_strata(f: InspectionFile, rows: list[StratumRecord]) -> None:
    """The strata as drawn; a stratum already kept keeps its figures unless they were unknown."""
    with f.atomic():
        for s in rows:
            f.conn.execute(
                "INSERT INTO sample_strata (stratum, label, population, eligible, quota, reserves, drawn)"
                " VALUES (?,?,?,?,?,?,?) ON CONFLICT (stratum) DO UPDATE SET"
                " population=coalesce(sample_strata.population, excluded.population),"
                " eligible=coalesce(sample_strata.eligible, excluded.eligible)",
                [key_text(s.key), s.label, s.population, s.eligible, s.quota, s.reserves, s.drawn])


def store_case_strata(f: InspectionFile, keys: dict[str, StratumKey], origin: str = "drawn") -> None:
    with f.atomic():
        f.conn.executemany("INSERT OR IGNORE INTO case_strata (case_ref, stratum, origin) VALUES (?,?,?)",
                           [(ref, key_text(k), origin) for ref, k in keys.items()])


def store_reserves(f: InspectionFile, rows: list[ReserveRecord], source: str) -> tuple[int, int]:
    """(added, unchanged). A reserve already kept with other details is refused."""
    added = unchanged = 0
    stamp = now()
    with f.atomic():
        for r in rows:
            old = f.conn.execute("SELECT stratum, rank, fields FROM sample_reserves WHERE reference=?",
                                 [r.reference]).fetchone()
            if old is not None:
                if (key_from_text(old[0]), old[1], json.loads(old[2])) == (r.key, r.rank, r.fields):
                    unchanged += 1
                    continue
                raise StoreError(f"reserve case {r.reference} is already in the inspection with other details")
            if f.conn.execute("SELECT 1 FROM cases WHERE reference=?", [r.reference]).fetchone():
                raise StoreError(f"case {r.reference} is both in the sample and among its reserves")
            f.conn.execute("INSERT INTO sample_reserves (reference, stratum, rank, fields, source, added_at) "
                           "VALUES (?,?,?,?,?,?)", [r.reference, key_text(r.key), r.rank,
                                                    json.dumps(r.fields, ensure_ascii=False), source, stamp])
            added += 1
    return added, unchanged


def exclude(f: InspectionFile, reference: str, reason: str, who: str, note: str = "", replacement=AUTO,
            at: str | None = None, source: str | None = None) -> Exclusion:
    """Mark a sampled case not examinable, and promote the next reserve of its stratum into its place
    (allocated to the same inspector): one transaction, audited. `replacement`: AUTO for the next reserve,
    a reserve's reference (a merge replays another file's choice), or None for none. `reason` must be a
    value of the template's exclusion_reasons (services/sample_exclusion.py resolves what a user typed)."""
    reference = f.resolve_case(reference)
    reasons = {o.value: o.label for o in f.template.exclusion_reasons}
    if reason not in reasons:
        raise BadValue(f"'{reason}' is not a reason of this inspection's template: use one of "
                       + ", ".join(f"'{v}'" for v in reasons))
    note = (note or "").strip()
    f.require_file()
    stamp = at or now()
    with f.atomic():
        held = f.conn.execute("SELECT reason, replaced_by FROM sample_exclusions WHERE case_ref=?", [reference]).fetchone()
        if held is not None:
            raise StoreError(f"case {reference} is already marked not examinable ({reasons.get(held[0], held[0])}"
                             + (f"; {held[1]} took its place" if held[1] else "") + ")")
        case = f.case(reference)
        row = f.conn.execute("SELECT stratum FROM case_strata WHERE case_ref=?", [reference]).fetchone()
        chosen: ReserveRecord | None = None
        if row is not None and replacement is AUTO:
            chosen = next_reserve(f, key_from_text(row[0]))
        elif isinstance(replacement, str):
            chosen = reserve(f, replacement)
            if chosen is None or row is None or key_text(chosen.key) != row[0]:
                raise StoreError(f"{replacement} is not a reserve of case {reference}'s stratum")
            if chosen.replaces is not None:
                raise StoreError(f"reserve {replacement} already took the place of case {chosen.replaces}")
        f.conn.execute("INSERT INTO sample_exclusions (case_ref, reason, note, who, at, replaced_by, source)"
                       " VALUES (?,?,?,?,?,?,?)",
                       [reference, reason, note, who, stamp, chosen.reference if chosen else None, source])
        said = reasons[reason] + (f": {note}" if note else "")
        InspectionFile._audit(f.conn, who, "not examinable", reference, None, case.inspector, None, reason,
                              said + (f" (merged from {source})" if source else ""), stamp)
        if chosen is not None:
            f.conn.execute("INSERT INTO cases (reference, fields, inspector, source, added_at) VALUES (?,?,?,?,?)",
                           [chosen.reference, json.dumps(chosen.fields, ensure_ascii=False), case.inspector,
                            f"reserve {chosen.rank} for {reference}", stamp])
            f.conn.execute("INSERT INTO case_strata (case_ref, stratum, origin) VALUES (?,?,?)",
                           [chosen.reference, key_text(chosen.key), "reserve"])
            f.conn.execute("UPDATE sample_reserves SET replaces=?, promoted_at=?, promoted_by=? WHERE reference=?",
                           [reference, stamp, who, chosen.reference])
            InspectionFile._audit(f.conn, who, "reserve promoted", chosen.reference, None, case.inspector, None,
                                  reference, f"reserve {chosen.rank} of its stratum takes the place of {reference} "
                                  f"({reasons[reason]})", stamp)
    return Exclusion(reference, reason, note, who, stamp, chosen.reference if chosen else None, source)


def reserve_case(r: ReserveRecord) -> Case:
    return Case(r.reference, dict(r.fields), None)

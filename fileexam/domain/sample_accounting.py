"""The sample's accounting per stratum (issue 18): designed, drawn, examined, excluded by reason, replaced and
missing, and the cases behind each figure; and whether the sampling fractions differ enough across strata
for national figures to need weights. docs/METHODS.md, "The sample's accounting" and "Weights".

For each stratum:

    drawn + replaced = examined + excluded + missing

where drawn counts the cases drawn into the sample, replaced the reserves promoted into it, excluded the
cases (drawn or promoted) marked not examinable, examined the others with a complete marking, and missing
the others without one. The design falls short where examined < designed (its quota).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from fileexam.domain.sample_design import NO_STRATUM, StratumKey

FRACTION_TOLERANCE = 0.05  # sampling fractions differ when the largest is more than 5% above the smallest


@dataclass
class StratumAccount:
    key: StratumKey | None            # None: cases with no stratum (imported without a design)
    label: str
    designed: int = 0                 # the quota
    population: int | None = None     # rows of the case list in the stratum
    eligible: int | None = None       # of them eligible
    reserves: int = 0                 # reserves drawn
    drawn: list[str] = field(default_factory=list)       # drawn into the sample
    replaced: list[str] = field(default_factory=list)    # reserves promoted into it
    excluded: dict[str, list[str]] = field(default_factory=dict)  # reason -> cases
    examined: list[str] = field(default_factory=list)    # not excluded, complete marking
    in_progress: list[str] = field(default_factory=list)  # not excluded, a marking in progress
    not_started: list[str] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        return self.in_progress + self.not_started

    @property
    def excluded_total(self) -> int:
        return sum(len(v) for v in self.excluded.values())

    @property
    def unreplaced(self) -> int:
        """Exclusions no reserve replaced (the stratum's reserves ran out)."""
        return max(0, self.excluded_total - len(self.replaced))

    @property
    def active(self) -> int:
        """Cases in the sample now: drawn and promoted reserves, less those not examinable."""
        return len(self.drawn) + len(self.replaced) - self.excluded_total

    @property
    def unreachable(self) -> int:
        """How far the stratum can no longer reach its design, whatever comes back: too few eligible cases
        were drawn, or exclusions outran the reserves."""
        return max(0, self.designed - self.active)

    @property
    def shortfall(self) -> int:
        """How far the examined cases fall short of the design's quota."""
        return max(0, self.designed - len(self.examined))

    @property
    def fraction(self) -> float | None:
        """The design's sampling fraction: cases drawn / eligible cases."""
        return len(self.drawn) / self.eligible if self.eligible else None

    @property
    def achieved_fraction(self) -> float | None:
        """Cases examined / eligible cases: the inverse of the weight of each examined case."""
        return len(self.examined) / self.eligible if self.eligible else None


@dataclass
class Accounting:
    strata: list[StratumAccount]
    reasons: dict[str, str]                       # reason value -> label, in the template's order
    replaced_by: dict[str, str] = field(default_factory=dict)   # excluded case -> the reserve in its place
    notes: dict[str, str] = field(default_factory=dict)         # excluded case -> the note given with it

    def total(self) -> StratumAccount:
        t = StratumAccount(None, "All strata")
        known = [s for s in self.strata if s.key is not None]
        for s in self.strata:
            t.designed += s.designed
            t.reserves += s.reserves
            t.drawn += s.drawn
            t.replaced += s.replaced
            for reason, refs in s.excluded.items():
                t.excluded.setdefault(reason, []).extend(refs)
            t.examined += s.examined
            t.in_progress += s.in_progress
            t.not_started += s.not_started
        if known and all(s.population is not None for s in known):
            t.population = sum(s.population for s in known)
        if known and all(s.eligible is not None for s in known):
            t.eligible = sum(s.eligible for s in known)
        return t

    @property
    def short(self) -> list[StratumAccount]:
        return [s for s in self.strata if s.key is not None and s.shortfall]

    def fractions_differ(self) -> bool:
        """Whether the design's sampling fractions differ across strata (those with cases drawn and a known
        number eligible): the largest more than FRACTION_TOLERANCE above the smallest."""
        fractions = [s.fraction for s in self.strata if s.key is not None and s.drawn and s.fraction]
        return len(fractions) > 1 and max(fractions) > min(fractions) * (1 + FRACTION_TOLERANCE)

    def weights(self) -> dict[StratumKey, float] | None:
        """The weight of an examined case in each stratum: eligible / examined, the inverse of the achieved
        sampling fraction. None when any stratum with examined cases has no known number eligible, or when
        examined cases have no stratum: then no weighted figure can stand for the population."""
        out: dict[StratumKey, float] = {}
        for s in self.strata:
            if not s.examined:
                continue
            if s.key is None or not s.eligible:
                return None
            out[s.key] = s.eligible / len(s.examined)
        return out or None


def account(strata: list, case_strata: Mapping[str, tuple[StratumKey, str]], references: list[str],
            exclusions: Mapping[str, object], complete: set[str], in_progress: set[str],
            reasons: Mapping[str, str], label_of=lambda key: " · ".join(key)) -> Accounting:
    """The accounting of a sample. strata: records with key, label, population, eligible, quota, reserves
    (store.sample_records.StratumRecord); case_strata: case -> (stratum, 'drawn' or 'reserve');
    references: every case in the inspection; exclusions: case -> a record with .reason; complete and
    in_progress: cases with such a marking by anyone."""
    by_key: dict[StratumKey, StratumAccount] = {}
    out: list[StratumAccount] = []
    for s in strata:
        acc = StratumAccount(s.key, s.label, s.quota, s.population, s.eligible, s.reserves)
        by_key[s.key] = acc
        out.append(acc)
    loose = StratumAccount(None, NO_STRATUM)
    for ref in references:
        held = case_strata.get(ref)
        if held is None:
            acc = loose
            origin = "drawn"
        else:
            key, origin = held
            acc = by_key.get(key)
            if acc is None:
                acc = by_key[key] = StratumAccount(key, label_of(key))
                out.append(acc)
        (acc.replaced if origin == "reserve" else acc.drawn).append(ref)
        ex = exclusions.get(ref)
        if ex is not None:
            acc.excluded.setdefault(ex.reason, []).append(ref)
        elif ref in complete:
            acc.examined.append(ref)
        elif ref in in_progress:
            acc.in_progress.append(ref)
        else:
            acc.not_started.append(ref)
    if loose.drawn:
        out.append(loose)
    replaced = {ref: ex.replaced_by for ref, ex in exclusions.items() if getattr(ex, "replaced_by", None)}
    notes = {ref: ex.note for ref, ex in exclusions.items() if getattr(ex, "note", "")}
    return Accounting(out, dict(reasons), replaced, notes)

"""Sample designs (issue 18): strata, quotas, eligibility rules, reserves and a seed; the draw itself; and
what a design holds the achieved sample to (services/sample_accounting.py adds it up per stratum).

A design is its own YAML kind (`kind: sample-design`, read by formats/sample_design_yaml.py). It names the
inspection template whose case fields it uses: strata are combinations of the values of choice fields
(Area × strand × finalised or live), quotas say how many cases each stratum gets (and how many reserves),
eligibility rules say which rows of a case-management extract may be drawn at all, each with a reason.
The draw is reproducible: the same case list (in any row order) and design give the same sample.
docs/METHODS.md, "The sample design and its draw".
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field as dc_field
from functools import cached_property
from itertools import product
from typing import Mapping

from fileexam.domain.cases import BadValue, parse_date, parse_number
from fileexam.domain.fingerprint import fingerprint
from fileexam.domain.source import NOWHERE, Source

StratumKey = tuple[str, ...]  # the stored values of the strata fields, in the design's order
EQUAL, PROPORTIONAL = "equal", "proportional"
ALLOCATIONS = (EQUAL, PROPORTIONAL)
DATES, VALUES, NUMBERS = "dates", "values", "numbers"
NO_STRATUM = "(no stratum)"


def key_text(key: StratumKey) -> str:
    """A stratum key as stored text (a JSON list): one text per stratum, whatever its values hold."""
    return json.dumps(list(key), ensure_ascii=False)


def key_from_text(text: str) -> StratumKey:
    try:
        values = json.loads(text)
    except (TypeError, ValueError):
        return (str(text),)
    return tuple(str(v) for v in values) if isinstance(values, list) else (str(values),)


@dataclass(frozen=True)
class Where:
    """Case fields and the values they must hold: every field one of its values (a field of several values
    matches when any of them is listed). Empty: everything matches."""
    conditions: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def matches(self, values: Mapping[str, object]) -> bool:
        for fid, allowed in self.conditions:
            v = values.get(fid)
            held = v if isinstance(v, (list, tuple)) else [v]
            if not any(x in allowed for x in held if x is not None):
                return False
        return True

    @property
    def fields(self) -> list[str]:
        return [fid for fid, _ in self.conditions]

    def canonical(self) -> dict:
        return {fid: list(values) for fid, values in self.conditions}


@dataclass(frozen=True)
class Quota:
    """How many cases each stratum matched by `where` gets: `cases` in each, or a `total` shared among them
    (equally, or in proportion to their eligible cases); and how many reserves each draws besides."""
    where: Where
    cases: int | None = None
    total: int | None = None
    allocation: str = EQUAL
    reserves: int = 0
    source: Source = dc_field(default=NOWHERE, compare=False)

    def canonical(self) -> dict:
        return {"where": self.where.canonical(), "cases": self.cases, "total": self.total,
                "allocation": self.allocation, "reserves": self.reserves}

    def describe(self) -> str:
        size = (f"{self.cases} case(s) in each stratum" if self.cases is not None else
                f"{self.total} case(s) shared {'equally' if self.allocation == EQUAL else 'in proportion to eligible cases'}")
        where = "; ".join(f"{fid} {'/'.join(v)}" for fid, v in self.where.conditions) or "every stratum"
        return f"{where}: {size}, {self.reserves} reserve(s) each"


@dataclass(frozen=True)
class Rule:
    """One eligibility rule over a case field or a case-list column. A row the rule `applies_to` must pass
    its test; a row it does not apply to passes. The test is a date window (`from`, `to`, inclusive),
    values (`in` or `not_in`) or a number range (`at_least`, `at_most`)."""
    id: str
    label: str
    field: str | None = None          # a case field of the template
    column: str | None = None         # or a column of the case list that is no case field
    applies_to: Where = Where()
    date_from: str | None = None
    date_to: str | None = None
    values_in: tuple[str, ...] | None = None
    values_not_in: tuple[str, ...] | None = None
    at_least: float | None = None
    at_most: float | None = None
    source: Source = dc_field(default=NOWHERE, compare=False)

    @property
    def test(self) -> str | None:
        if self.date_from is not None or self.date_to is not None:
            return DATES
        if self.values_in is not None or self.values_not_in is not None:
            return VALUES
        if self.at_least is not None or self.at_most is not None:
            return NUMBERS
        return None

    @property
    def reads(self) -> str:
        """What the rule reads, as the case list names it: the field id, or the column heading."""
        return self.field or self.column or ""

    def canonical(self) -> dict:
        return {"id": self.id, "label": self.label, "field": self.field, "column": self.column,
                "applies_to": self.applies_to.canonical(), "from": self.date_from, "to": self.date_to,
                "in": list(self.values_in) if self.values_in is not None else None,
                "not_in": list(self.values_not_in) if self.values_not_in is not None else None,
                "at_least": self.at_least, "at_most": self.at_most}

    def describe(self, what: str | None = None, label_of=lambda v: v) -> str:
        """The rule's test in words: 'Date finalised from 2023-12-01 to 2024-09-30'."""
        what = what or self.reads
        if self.test == DATES:
            if self.date_from and self.date_to:
                text = f"{what} from {self.date_from} to {self.date_to}"
            elif self.date_from:
                text = f"{what} on or after {self.date_from}"
            else:
                text = f"{what} on or before {self.date_to}"
        elif self.test == NUMBERS:
            if self.at_least is not None and self.at_most is not None:
                text = f"{what} from {_num(self.at_least)} to {_num(self.at_most)}"
            elif self.at_least is not None:
                text = f"{what} at least {_num(self.at_least)}"
            else:
                text = f"{what} at most {_num(self.at_most)}"
        elif self.values_in is not None:
            text = f"{what} is " + " or ".join(label_of(v) for v in self.values_in)
        elif self.values_not_in is not None:
            text = f"{what} is not " + " or ".join(label_of(v) for v in self.values_not_in)
        else:
            text = what
        if self.applies_to.conditions:
            text += " (for " + "; ".join(f"{fid} {' or '.join(label_of(v) for v in vs)}"
                                         for fid, vs in self.applies_to.conditions) + ")"
        return text

    # ---- testing a row -------------------------------------------------------------------------------
    def read(self, raw):
        """A raw cell of the rule's column (or a field's stored value) in the form its test compares:
        ISO date text, a number, or a list of texts. None when empty; BadValue when it cannot be read."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if self.test == DATES:
            return parse_date(raw)
        if self.test == NUMBERS:
            return float(parse_number(raw))
        if isinstance(raw, (list, tuple)):
            return [str(v) for v in raw]
        if self.column is not None:  # a free column: several values may be written a; b
            return [part.strip() for part in str(raw).split(";") if part.strip()]
        return [str(raw)]

    def read_stored(self, value):
        """A case field's stored value (field_value's form: ISO dates, numbers as text, lists for several
        choices) in the form the test compares; quicker than read(), which parses raw cells."""
        if value is None or value == "" or value == []:
            return None
        if self.test == DATES:
            return value
        if self.test == NUMBERS:
            return float(value)
        return list(value) if isinstance(value, (list, tuple)) else [value]

    def failure(self, value, what: str | None = None, label_of=lambda v: v) -> str | None:
        """Why a row with this (read) value fails the test, in words; None when it passes."""
        what = what or self.reads
        if self.test == DATES:
            if value is None:
                return f"{what} is empty"
            if self.date_from and value < self.date_from:
                return f"{what} {value} is before {self.date_from}"
            if self.date_to and value > self.date_to:
                return f"{what} {value} is after {self.date_to}"
            return None
        if self.test == NUMBERS:
            if value is None:
                return f"{what} is empty"
            if self.at_least is not None and value < self.at_least:
                return f"{what} is {_num(value)}, below {_num(self.at_least)}"
            if self.at_most is not None and value > self.at_most:
                return f"{what} is {_num(value)}, above {_num(self.at_most)}"
            return None
        held = value or []
        fold = self.column is not None
        norm = (lambda v: str(v).casefold()) if fold else (lambda v: v)
        if self.values_in is not None:
            wanted = {norm(v) for v in self.values_in}
            if not any(norm(v) in wanted for v in held):
                shown = ", ".join(label_of(v) for v in held) or "empty"
                return f"{what} is {shown}, not " + " or ".join(label_of(v) for v in self.values_in)
            return None
        if self.values_not_in is not None:
            unwanted = {norm(v) for v in self.values_not_in}
            hit = [v for v in held if norm(v) in unwanted]
            if hit:
                return f"{what} is {', '.join(label_of(v) for v in hit)}"
        return None


def _num(x: float) -> str:
    return f"{x:g}"


@dataclass(frozen=True)
class SampleDesign:
    id: str
    title: str
    version: str
    template: str                      # the template's file, relative to the design
    seed: int
    strata: tuple[str, ...]            # choice fields of the template
    quotas: tuple[Quota, ...]
    rules: tuple[Rule, ...] = ()
    description: str = ""
    source: Source = dc_field(default=NOWHERE, compare=False)

    def canonical(self) -> dict:
        return {"id": self.id, "title": self.title, "description": self.description, "template": self.template,
                "seed": self.seed, "strata": list(self.strata), "quotas": [q.canonical() for q in self.quotas],
                "rules": [r.canonical() for r in self.rules]}

    @cached_property
    def fingerprint(self) -> str:
        return fingerprint(self.canonical())

    def key_of(self, fields: Mapping[str, object]) -> StratumKey | None:
        """The stratum of a case with these (stored) field values; None when a strata field is empty."""
        out = []
        for fid in self.strata:
            v = fields.get(fid)
            if v is None or v == "" or isinstance(v, list):
                return None
            out.append(str(v))
        return tuple(out)

    def quota_of(self, key: StratumKey) -> Quota | None:
        values = dict(zip(self.strata, key))
        return next((q for q in self.quotas if q.where.matches(values)), None)


# ---- strata and their quotas --------------------------------------------------------------------------
def all_strata(design: SampleDesign, values_of: Mapping[str, tuple[str, ...]]) -> list[StratumKey]:
    """Every combination of the strata fields' values, in the template's order of each field's values."""
    return [tuple(k) for k in product(*(values_of[fid] for fid in design.strata))]


@dataclass(frozen=True)
class Allocation:
    quota: int
    reserves: int


def allocate(design: SampleDesign, strata: list[StratumKey],
             eligible: Mapping[StratumKey, int] | None = None) -> dict[StratumKey, Allocation]:
    """Each stratum's quota and reserves. `cases`: that many in each stratum the quota matches. `total`:
    shared among them, equally (the remainder one each to the first strata in order) or in proportion to
    their eligible cases (largest remainders; ties to the first in order). A stratum no quota matches
    gets none."""
    out: dict[StratumKey, Allocation] = {}
    for q in design.quotas:
        matched = [k for k in strata if design.quota_of(k) is q]
        if q.cases is not None:
            for k in matched:
                out[k] = Allocation(q.cases, q.reserves)
            continue
        total = q.total or 0
        if not matched:
            continue
        if q.allocation == PROPORTIONAL and eligible is not None:
            sizes = [max(0, int(eligible.get(k, 0))) for k in matched]
            whole = sum(sizes)
            if whole == 0:
                shares = [0] * len(matched)
            else:
                exact = [total * s / whole for s in sizes]
                shares = [int(x) for x in exact]
                left = total - sum(shares)
                order = sorted(range(len(matched)), key=lambda i: (-(exact[i] - shares[i]), i))
                for i in order[:left]:
                    shares[i] += 1
        else:
            base, extra = divmod(total, len(matched))
            shares = [base + (1 if i < extra else 0) for i in range(len(matched))]
        for k, n in zip(matched, shares):
            out[k] = Allocation(n, q.reserves)
    for k in strata:
        out.setdefault(k, Allocation(0, 0))
    return out


# ---- the draw ------------------------------------------------------------------------------------------
def stratum_rng(seed: int, key: StratumKey) -> random.Random:
    """The stratum's own generator: from the design's seed and the stratum, so that a stratum's draw does
    not depend on any other stratum's (adding one leaves the others' samples as they were)."""
    digest = hashlib.sha256(f"{seed}\x1f{key_text(key)}".encode("utf-8")).hexdigest()
    return random.Random(int(digest[:32], 16))


@dataclass
class Draw:
    sample: dict[StratumKey, list[str]]      # drawn, in drawing order
    reserves: dict[StratumKey, list[str]]    # the reserves, in the order they take the place of a case


def draw(seed: int, allocation: Mapping[StratumKey, Allocation],
         eligible: Mapping[StratumKey, list[str]]) -> Draw:
    """A simple random sample without replacement in each stratum, then its reserves: the eligible case
    references are sorted (the case list's row order does not matter), and the stratum's generator picks
    quota + reserves of them in order; the first quota are the sample, the rest the reserves in order."""
    out = Draw({}, {})
    for key, alloc in allocation.items():
        refs = sorted(eligible.get(key, []))
        wanted = min(len(refs), alloc.quota + alloc.reserves)
        picked = stratum_rng(seed, key).sample(refs, wanted) if wanted else []
        out.sample[key] = picked[:alloc.quota]
        out.reserves[key] = picked[alloc.quota:]
    return out


def check_value(rule: Rule, raw) -> tuple[object, str | None]:
    """(the value as read, a BadValue message or None)."""
    try:
        return rule.read(raw), None
    except BadValue as exc:
        return None, str(exc)

"""Standardisation before live marking, gold cases and agreement targets: the template's settings and the
pure comparison of one marking with agreed answers (docs/METHODS.md, "Standardisation before live marking",
"Gold cases", "Agreement targets")."""

from __future__ import annotations

from dataclasses import dataclass, field

from fileexam.domain.agreement import Undefined, Value
from fileexam.domain.questions import AnswerType, Question
from fileexam.domain.source import NOWHERE, Source


@dataclass(frozen=True)
class PassRule:
    """At least `exact` of the compared answers equal to the reference, and (when set) at least
    `within_one` no more than one scale point from it."""
    exact: float
    within_one: float | None = None

    def words(self) -> str:
        text = f"at least {self.exact * 100:g}% of answers exactly equal to the reference"
        if self.within_one is not None:
            text += f" and {self.within_one * 100:g}% within one scale point"
        return text


@dataclass(frozen=True)
class Standardisation:
    """The calibration cases every inspector marks before live marking, and the rule to pass.
    cases: the case references named by the template; empty: every calibration case of the inspection."""
    rule: PassRule
    cases: tuple[str, ...] = ()
    source: Source = field(default=NOWHERE, compare=False)

    def canonical(self) -> dict:
        return {"cases": list(self.cases), "pass": {"exact": self.rule.exact, "within_one": self.rule.within_one}}


@dataclass(frozen=True)
class AgreementTargets:
    """The least agreement the inspection accepts: a share of exact agreement, and/or Cohen's kappa."""
    agreement: float | None = None
    kappa: float | None = None
    lowest: int = 5            # how many lowest-agreement questions are listed with their guidance
    source: Source = field(default=NOWHERE, compare=False)

    def figures(self) -> list[tuple[str, float]]:
        return [(name, v) for name, v in (("agreement", self.agreement), ("kappa", self.kappa)) if v is not None]

    def words(self) -> str:
        parts = []
        if self.agreement is not None:
            parts.append(f"agreement at least {self.agreement * 100:g}%")
        if self.kappa is not None:
            parts.append(f"Cohen's kappa at least {self.kappa:g}")
        return " and ".join(parts) or "no target"

    def canonical(self) -> dict:
        return {"agreement": self.agreement, "kappa": self.kappa, "lowest": self.lowest}


@dataclass(frozen=True)
class ModerationSettings:
    """The template's moderation block: standardisation rules and agreement targets."""
    standardisation: Standardisation | None = None
    targets: AgreementTargets | None = None

    def canonical(self) -> dict:
        out = {}
        if self.standardisation:
            out["standardisation"] = self.standardisation.canonical()
        if self.targets:
            out["targets"] = self.targets.canonical()
        return out


# ---- comparing a marking with agreed answers ------------------------------------------------------------
def ordered(q: Question) -> bool:
    """An ordered scale: three or more options with points (docs/METHODS.md, "Not applicable")."""
    return q.answer.type is AnswerType.SCALE and sum(o.points is not None for o in q.answer.scale.options) >= 3


def compare_answer(q: Question, mine: str, agreed: str) -> tuple[bool, bool]:
    """(exactly equal, within one scale point). Within one point: on an ordered scale, both answers are
    scored options at most one step apart in the scale's order (or equal, not applicable included); one
    not applicable against a scored answer is not within one. On any other scale only an equal answer is."""
    exact = mine == agreed
    if exact or not ordered(q):
        return exact, exact
    scored = [o.value for o in q.answer.scale.options if o.points is not None]
    if mine in scored and agreed in scored:
        return False, abs(scored.index(mine) - scored.index(agreed)) <= 1
    return False, False


@dataclass
class Tally:
    """Answers compared with agreed ones: how many, how many equal, how many within one point."""
    compared: int = 0
    exact: int = 0
    within_one: int = 0

    def add(self, exact: bool, within: bool) -> None:
        self.compared += 1
        self.exact += exact
        self.within_one += within

    def __iadd__(self, other: "Tally") -> "Tally":
        self.compared += other.compared
        self.exact += other.exact
        self.within_one += other.within_one
        return self

    @property
    def exact_share(self) -> Value:
        return self.exact / self.compared if self.compared else Undefined("no answer to compare")

    @property
    def within_share(self) -> Value:
        return self.within_one / self.compared if self.compared else Undefined("no answer to compare")


def compare_marking(questions: dict[str, Question], mine: dict[str, str | None],
                    agreed: dict[str, str | None]) -> tuple[dict[str, Tally], list[tuple[str, str, str]]]:
    """Each scale question both hold an option of: its tally (one answer), and the differences
    (question, the marker's answer, the agreed answer)."""
    tallies: dict[str, Tally] = {}
    diffs = []
    for qid, q in questions.items():
        if q.answer.type is not AnswerType.SCALE:
            continue
        a, b = mine.get(qid), agreed.get(qid)
        if a is None or b is None or q.answer.scale.option(a) is None or q.answer.scale.option(b) is None:
            continue
        exact, within = compare_answer(q, a, b)
        tallies.setdefault(qid, Tally()).add(exact, within)
        if not exact:
            diffs.append((qid, a, b))
    return tallies, diffs


PASSED, NOT_PASSED, NOT_TAKEN, REFERENCE = "passed", "not passed", "not yet taken", "reference marker"


def judge(rule: PassRule, total: Tally) -> str:
    """passed or not passed, by the rule, over every answer compared (never on none: not yet taken)."""
    if not total.compared:
        return NOT_TAKEN
    # Counts against the rule times the answers compared: 16 of 20 meets 80% however 0.8 is rounded.
    if total.exact + 1e-9 < rule.exact * total.compared:
        return NOT_PASSED
    if rule.within_one is not None and total.within_one + 1e-9 < rule.within_one * total.compared:
        return NOT_PASSED
    return PASSED


def share_text(v) -> str:
    """A share as the views show it ('72.8%'); an undefined one says so and why; None: ''."""
    if isinstance(v, Undefined):
        return str(v)
    return "" if v is None else f"{v * 100:.1f}%"

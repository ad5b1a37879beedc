"""Gold cases: an already-agreed case seeded, blind, into an inspector's allocation; their marking compared with
the agreed answers and reported per inspector, never counted in the scores, the coverage or the agreement figures
of the real sample (docs/METHODS.md, "Gold cases").

The case reaches the inspector in the blind sample written for them (moderation.write_blind_samples): the same
workbook, columns and file name as a second marking, so nothing in it says which case is gold."""

from __future__ import annotations

from dataclasses import dataclass, field

from fileexam.domain.agreement import Value
from fileexam.domain.cases import Status
from fileexam.domain.questions import AnswerType
from fileexam.domain.standardisation import Tally, compare_marking, share_text
from fileexam.store import gold_records
from fileexam.store.inspection_file import InspectionFile


def agreed_answers(f: InspectionFile, reference: str) -> dict[str, str]:
    """The agreed answer to each scale question of the case: the reference marking of a calibration case; for a
    double-marked case, the answer both markers gave or, where they differ, the moderator's settled answer
    (a difference not settled has no agreed answer)."""
    held = f.marking_rows(reference)
    calibration = f.calibration_cases()
    if reference in calibration:
        return {q: r[0] for q, r in held.get(calibration[reference], {}).items() if r[0] is not None}
    first = f.case(reference).inspector
    seconds = [m for r, m in f.double_marked() if r == reference]
    if not seconds or first not in held:
        return {}
    decisions = {q: d["value"] for (r, q), d in f.decisions().items() if r == reference}
    out = {}
    markers = [first] + seconds
    for qid, q in f.template.question_by_id.items():
        if q.answer.type is not AnswerType.SCALE:
            continue
        if qid in decisions:
            if decisions[qid] is not None:
                out[qid] = decisions[qid]
            continue
        # agreed only where every marker gave the same answer (one answer alone was never compared)
        given = [held[m][qid][0] for m in markers if m in held and qid in held[m]]
        if len(given) == len(markers) and len(set(given)) == 1 and given[0] is not None:
            out[qid] = given[0]
    return out


def unsettled(f: InspectionFile) -> set[tuple[str, str]]:
    """(case, question) of every disagreement of the double-marked sample not yet settled."""
    from fileexam.services.moderation import collect_pairs
    decided = f.decisions()
    return {(p.case, p.question) for p in collect_pairs(f) if not p.agree and (p.case, p.question) not in decided}


def why_not_agreed(f: InspectionFile, reference: str, open_: set[tuple[str, str]] | None = None) -> str:
    """'' when the case has agreed answers to compare a gold marking with; else why not, and what to do.
    open_: unsettled(f), when the caller asks about many cases."""
    if reference in f.calibration_cases():
        return "" if agreed_answers(f, reference) else "its reference marking holds no answer yet"
    seconds = [m for r, m in f.double_marked() if r == reference]
    if not seconds:
        return ("it has no agreed answers: choose a calibration case (with its reference marking) or a double-marked "
                "case whose disagreements are all settled")
    statuses = f.statuses()
    first = f.case(reference).inspector
    waiting = [m for m in [first] + seconds if statuses.get((reference, m)) is not Status.COMPLETE]
    if waiting:
        return f"it is double-marked, but the marking of {' and '.join(w or '(no inspector)' for w in waiting)} " \
               "is not back complete: seed it once both markings are merged and settled"
    questions = sorted(q for r, q in (unsettled(f) if open_ is None else open_) if r == reference)
    if questions:
        return f"its disagreements on {', '.join(questions)} are not settled: settle them first"
    return "" if agreed_answers(f, reference) else "its markings hold no scale answer to compare with"


def seed_gold(f: InspectionFile, reference: str, marker: str, who: str) -> str:
    """Seed an agreed case, blind, into the inspector's allocation (audited). A standardisation case is refused:
    every inspector marks it openly, so it cannot be blind."""
    from fileexam.services.standardisation import exercise

    def why(f, ref):
        if ref in exercise(f)[0]:
            return "it is a standardisation case, which every inspector marks openly: a gold case must be blind"
        return why_not_agreed(f, ref)
    return gold_records.seed(f, reference, marker, who, why)


def remove_gold(f: InspectionFile, reference: str, marker: str, who: str, reason: str) -> None:
    gold_records.remove(f, reference, marker, who, reason)


def gold_candidates(f: InspectionFile) -> list[str]:
    """Cases with agreed answers, which may be seeded as gold cases."""
    from fileexam.services.standardisation import exercise
    refs = (set(f.calibration_cases()) - set(exercise(f)[0])) | {r for r, _ in f.double_marked()}
    open_ = unsettled(f)  # once, not once per case
    return sorted(r for r in refs if not why_not_agreed(f, r, open_))


@dataclass
class GoldCaseResult:
    case: str
    status: str                    # not back, in progress, complete
    tally: Tally
    differences: list[tuple[str, str, str]]   # question, the inspector's answer, the agreed answer


@dataclass
class GoldResult:
    """One inspector's gold cases against the agreed answers (complete markings only are compared)."""
    marker: str
    cases: list[GoldCaseResult] = field(default_factory=list)

    @property
    def total(self) -> Tally:
        out = Tally()
        for c in self.cases:
            if c.status == Status.COMPLETE.value:
                out += c.tally
        return out

    @property
    def exact_share(self) -> Value:
        return self.total.exact_share

    @property
    def within_share(self) -> Value:
        return self.total.within_share

    @property
    def back(self) -> int:
        return sum(c.status == Status.COMPLETE.value for c in self.cases)


def gold_results(f: InspectionFile) -> list[GoldResult]:
    """Per inspector with a gold case: each case's status and, once complete, its answers against the agreed
    ones (exactly equal; within one scale point on ordered scales: docs/METHODS.md, "Gold cases")."""
    t = f.template
    statuses = f.statuses()
    out: dict[str, GoldResult] = {}
    for g in gold_records.gold_cases(f):
        r = out.setdefault(g.marker, GoldResult(g.marker))
        st = statuses.get((g.case, g.marker))
        status = "not back" if st is None else st.value
        mine = {q: row[0] for q, row in f.marking_rows(g.case).get(g.marker, {}).items()}
        tallies, diffs = compare_marking(t.question_by_id, mine, agreed_answers(f, g.case)) \
            if status == Status.COMPLETE.value else ({}, [])
        tally = Tally()
        for v in tallies.values():
            tally += v
        r.cases.append(GoldCaseResult(g.case, status, tally, diffs))
    return [out[m] for m in sorted(out)]


def gold_lines(results: list[GoldResult]) -> list[str]:
    """The command line's summary of the gold cases, one line per inspector."""
    lines = []
    for r in results:
        tot = r.total
        share = (f"{share_text(tot.exact_share)} of {tot.compared} answer(s) equal to the agreed answer, "
                 f"{share_text(tot.within_share)} within one point") if tot.compared else "nothing compared yet"
        lines.append(f"  {r.marker:<12} {r.back} of {len(r.cases)} gold case(s) back complete; {share}")
        for c in r.cases:
            if c.differences:
                lines.append(f"      {c.case}: differs on " + ", ".join(
                    f"{q} ({mine} against {agreed})" for q, mine, agreed in c.differences[:8])
                    + (" …" if len(c.differences) > 8 else ""))
    return lines

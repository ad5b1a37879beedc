"""Standardisation before live marking: every inspector marks the template's standardisation cases (calibration
cases) and is compared with their reference marking, per question and overall, against the template's pass rule
(docs/METHODS.md, "Standardisation before live marking"). An inspector who has not passed is flagged in the
coverage (merge and status) and on the team lead home."""

from __future__ import annotations

from dataclasses import dataclass, field

from fileexam.domain.agreement import Value
from fileexam.domain.cases import Status
from fileexam.domain.standardisation import (NOT_TAKEN, PASSED, REFERENCE, PassRule, Tally, compare_marking, judge,
                                             share_text)
from fileexam.store.gold_records import gold_markings
from fileexam.store.inspection_file import InspectionFile


@dataclass
class StandardisationResult:
    """One inspector's standardisation: passed, not passed, not yet taken (not every case back complete), or
    reference marker (the reference of every case: nothing to compare)."""
    marker: str
    status: str
    rule: PassRule
    cases_required: list[str]
    cases_done: list[str]
    total: Tally = field(default_factory=Tally)
    by_question: dict[str, Tally] = field(default_factory=dict)    # in the template's order
    by_case: dict[str, Tally] = field(default_factory=dict)
    differences: list[tuple[str, str, str, str]] = field(default_factory=list)  # case, question, theirs, reference

    @property
    def exact_share(self) -> Value:
        return self.total.exact_share

    @property
    def within_share(self) -> Value:
        return self.total.within_share

    @property
    def passed(self) -> bool:
        return self.status in (PASSED, REFERENCE)

    def words(self) -> str:
        """The result in a sentence, as the coverage and the home show it."""
        figures = (f"{share_text(self.exact_share)} exactly equal (needs {self.rule.exact * 100:g}%)"
                   + (f", {share_text(self.within_share)} within one point (needs {self.rule.within_one * 100:g}%)"
                      if self.rule.within_one is not None else "")) if self.total.compared else ""
        if self.status == NOT_TAKEN and not self.cases_required:
            return ("not yet taken: there is no standardisation case yet (make calibration cases with  fileexam "
                    "moderation calibrate)")
        if self.status == NOT_TAKEN:
            return (f"not yet taken: {len(self.cases_done)} of {len(self.cases_required)} standardisation case(s) "
                    "back complete" + (f" (so far {figures})" if figures else ""))
        if self.status == REFERENCE:
            return "the reference marker of every standardisation case"
        return f"{self.status}: {figures} over {self.total.compared} answer(s)"


def exercise(f: InspectionFile) -> tuple[list[str], list[str]]:
    """The standardisation cases (the template's list, or every calibration case) and notes on the template's
    list: a case it names that is not a calibration case of this inspection cannot be compared."""
    m = f.template.moderation
    if m is None or m.standardisation is None:
        return [], []
    calibration = f.calibration_cases()
    named = list(m.standardisation.cases)
    if not named:
        return sorted(calibration), []
    notes = [f"case {ref}, named by the template's standardisation, is not a calibration case of this inspection: "
             f"make it one with  fileexam moderation calibrate MASTER {ref} --reference MARKER"
             for ref in named if ref not in calibration]
    return [ref for ref in named if ref in calibration], notes


def standardisation_results(f: InspectionFile) -> list[StandardisationResult]:
    """Each inspector's result (every allocated inspector and everyone who marked a standardisation case); []
    when the template sets no standardisation exercise."""
    m = f.template.moderation
    if m is None or m.standardisation is None:
        return []
    rule = m.standardisation.rule
    cases, _notes = exercise(f)
    calibration = f.calibration_cases()
    gold = gold_markings(f)
    statuses = f.statuses()
    held = {ref: f.marking_rows(ref) for ref in cases}
    inspectors = {c.inspector for c in f.cases() if c.inspector}
    for ref in cases:
        inspectors |= {mk for mk in held[ref] if (ref, mk) not in gold}
    questions = f.template.question_by_id
    out = []
    for marker in sorted(inspectors):
        required = [ref for ref in cases if calibration[ref] != marker]
        done = [ref for ref in required if statuses.get((ref, marker)) is Status.COMPLETE]
        r = StandardisationResult(marker, NOT_TAKEN, rule, required, done)
        per_q: dict[str, Tally] = {}
        for ref in done:
            reference = {q: row[0] for q, row in held[ref].get(calibration[ref], {}).items()}
            mine = {q: row[0] for q, row in held[ref].get(marker, {}).items()}
            tallies, diffs = compare_marking(questions, mine, reference)
            case_tally = Tally()
            for qid, t in tallies.items():
                per_q.setdefault(qid, Tally())
                per_q[qid] += t
                case_tally += t
            r.by_case[ref] = case_tally
            r.total += case_tally
            r.differences += [(ref, q, a, b) for q, a, b in diffs]
        r.by_question = {qid: per_q[qid] for qid in questions if qid in per_q}
        if not cases:
            r.status = NOT_TAKEN  # no exercise yet: nobody has passed it
        elif not required:
            r.status = REFERENCE
        elif len(done) == len(required):
            r.status = judge(rule, r.total)
        out.append(r)
    return out


def not_passed(f: InspectionFile) -> list[StandardisationResult]:
    """Inspectors who have not passed (not passed, or not yet taken): flagged in the coverage and on the home."""
    return [r for r in standardisation_results(f) if not r.passed]


def coverage_lines(f: InspectionFile) -> list[str]:
    """What the coverage (merge and status) says of the standardisation: who has not passed, and why."""
    m = f.template.moderation
    if m is None or m.standardisation is None:
        return []
    flagged = not_passed(f)
    _cases, notes = exercise(f)
    head = (f"Standardisation ({m.standardisation.rule.words()}; docs/METHODS.md, \"Standardisation before live "
            "marking\"): ")
    if not flagged:
        return [head + "every inspector has passed."] + [f"  note: {n}" for n in notes]
    return ([head + f"{len(flagged)} inspector(s) have NOT passed:"]
            + [f"  ⚑ {r.marker}: {r.words()}" for r in flagged] + [f"  note: {n}" for n in notes])


def standards_lines(f: InspectionFile, report) -> list[str]:
    """What `fileexam agreement` adds: each inspector's standardisation, the gold cases, the agreement targets.
    report: the AgreementReport."""
    from fileexam.services.agreement_targets import target_lines, target_report
    from fileexam.services.gold_cases import gold_lines, gold_results

    lines = []
    results = standardisation_results(f)
    if results:
        rule = f.template.moderation.standardisation.rule
        lines.append(f"\nStandardisation ({rule.words()}):")
        lines += [f"  {r.marker:<12} {r.words()}" for r in results]
        lines += [f"  note: {n}" for n in exercise(f)[1]]
    gold = gold_results(f)
    if gold:
        lines.append("\nGold cases (against the agreed answers; never counted):")
        lines += gold_lines(gold)
    return lines + target_lines(target_report(f.template, report))


@dataclass
class StandardsSheets:
    """What the moderation workbook's Calibration, Gold cases and Targets sheets hold (formats never call
    services: the CLI and the app hand this over)."""
    rule: PassRule | None
    results: list[StandardisationResult]
    notes: list[str]
    gold: list
    targets: object | None     # agreement_targets.TargetReport


def standards_sheets(f: InspectionFile, report) -> StandardsSheets:
    from fileexam.services.agreement_targets import target_report
    from fileexam.services.gold_cases import gold_results

    m = f.template.moderation
    return StandardsSheets(m.standardisation.rule if m and m.standardisation else None, standardisation_results(f),
                           exercise(f)[1], gold_results(f), target_report(f.template, report))


def standards_json(f: InspectionFile, report) -> dict:
    """The same for `fileexam agreement --json`: shares as numbers, null when undefined (why beside)."""
    from fileexam.domain.agreement import number

    s = standards_sheets(f, report)

    def tally(t: Tally) -> dict:
        return {"compared": t.compared, "exact": t.exact, "within_one": t.within_one,
                "exact_share": number(t.exact_share), "within_one_share": number(t.within_share)}

    return {"standardisation": [{"marker": r.marker, "status": r.status, "cases_required": r.cases_required,
                                 "cases_done": r.cases_done, "overall": tally(r.total),
                                 "by_question": {q: tally(t) for q, t in r.by_question.items()}} for r in s.results],
            "standardisation_notes": s.notes,
            "gold": [{"marker": g.marker, "overall": tally(g.total),
                      "cases": [{"case": c.case, "status": c.status, **tally(c.tally),
                                 "differences": [list(d) for d in c.differences]} for c in g.cases]} for g in s.gold],
            "targets": None if s.targets is None else [
                {"kind": r.kind, "group": r.group, "figure": r.figure, "value": number(r.value), "target": r.target,
                 "status": r.status, "undefined": r.why_undefined if r.status == "undefined" else None,
                 "pairs": r.pairs, "cases": r.cases} for r in s.targets.rows]}

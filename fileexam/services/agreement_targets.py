"""Agreement targets: the template's least accepted agreement (percentage agreement and/or Cohen's kappa) held
against every question, theme and marker of the double-marked sample; the lowest-agreement questions beside
their guidance text, so that it can be rewritten (docs/METHODS.md, "Agreement targets").

An undefined figure is never below or above a target: its row says undefined, and why."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from fileexam.domain.agreement import FIGURE_LABELS, Undefined, Value, defined
from fileexam.domain.questions import AnswerType
from fileexam.domain.standardisation import AgreementTargets
from fileexam.domain.template import InspectionTemplate

BELOW, MET, UNDEFINED = "below target", "meets target", "undefined"


@dataclass
class TargetRow:
    kind: str            # question, theme, marker
    group: str           # the question id, the theme's id, the marker's name
    label: str           # the question's text, the theme's title, the marker's name
    figure: str          # agreement, kappa
    value: Value | None
    target: float
    pairs: int
    cases: int
    few: bool            # fewer cases than the template's few_cases: read with care

    @property
    def status(self) -> str:
        if not defined(self.value):
            return UNDEFINED
        return BELOW if self.value + 1e-9 < self.target else MET

    @property
    def why_undefined(self) -> str:
        return self.value.reason if isinstance(self.value, Undefined) else (
            "not computed for this group" if self.value is None else "")

    def value_text(self) -> str:
        if not defined(self.value):
            return str(self.value) if isinstance(self.value, Undefined) else "undefined (not computed for this group)"
        return f"{self.value * 100:.1f}%" if self.figure == "agreement" else f"{self.value:.2f}"

    def target_text(self) -> str:
        return f"{self.target * 100:g}%" if self.figure == "agreement" else f"{self.target:g}"


@dataclass
class LowQuestion:
    question: str
    text: str
    agreement: float
    pairs: int
    guidance: str


@dataclass
class TargetReport:
    targets: AgreementTargets
    rows: list[TargetRow]
    lowest: list[LowQuestion]

    @property
    def below(self) -> list[TargetRow]:
        return [r for r in self.rows if r.status == BELOW]

    @property
    def undefined(self) -> list[TargetRow]:
        return [r for r in self.rows if r.status == UNDEFINED]


def by_marker(t: InspectionTemplate, report) -> list:
    """Agreement of each marker: every pair they were first or second marker of (the moderation service's
    grouping, by one marker instead of a pair)."""
    from fileexam.services.moderation import ScaleView, _mixed, _stats

    views = {}
    for q in t.questions:
        if q.answer.type is AnswerType.SCALE and q.answer.scale not in views:
            views[q.answer.scale] = ScaleView.of(q.answer.scale)

    def scale_of(p):
        return views[t.question_by_id[p.question].answer.scale]

    groups = defaultdict(list)
    for p in report.pairs:
        groups[p.first].append(p)
        groups[p.second].append(p)
    out = []
    for marker, items in sorted(groups.items()):
        used = {id(scale_of(p)) for p in items}
        present = [sv for sv in views.values() if id(sv) in used]
        out.append(_stats(marker, items, present[0], False, t.reporting.few_cases) if len(present) == 1 else
                   _mixed(marker, items, scale_of, present, False, t.reporting.few_cases))
    return out


def target_report(t: InspectionTemplate, report) -> TargetReport | None:
    """report: the AgreementReport. None when the template sets no target."""
    targets = t.moderation.targets if t.moderation else None
    if targets is None:
        return None
    rows = []
    groups = [("question", s, t.question_by_id[s.group].text if s.group in t.question_by_id else s.group)
              for s in report.by_question]
    groups += [("theme", s, t.set_by_id[s.group].title if s.group in t.set_by_id else s.group) for s in report.by_set]
    groups += [("marker", s, s.group) for s in by_marker(t, report)]
    for kind, s, label in groups:
        for figure, target in targets.figures():
            rows.append(TargetRow(kind, s.group, label, figure, s.figure(figure), target, s.n, s.cases, s.few))
    lowest = [LowQuestion(s.group, t.question_by_id[s.group].text, s.agreement, s.n,
                          t.question_by_id[s.group].guidance or "(this question has no guidance text)")
              for s in report.lowest(targets.lowest) if s.agreement < 1]  # full agreement: nothing to rewrite
    return TargetReport(targets, rows, lowest)


def target_lines(tr: TargetReport | None) -> list[str]:
    """The command line's summary: what falls below the target, what is undefined, the lowest questions."""
    if tr is None:
        return []
    lines = [f"\nAgreement targets ({tr.targets.words()}; docs/METHODS.md, \"Agreement targets\"):"]
    below = tr.below
    lines.append(f"  {len(below)} below target, {len(tr.undefined)} undefined, "
                 f"{sum(r.status == MET for r in tr.rows)} meet it.")
    for r in below:
        lines.append(f"  ⚑ {r.kind} {r.group}: {FIGURE_LABELS[r.figure]} {r.value_text()} (target {r.target_text()},"
                     f" {r.pairs} pairs, {r.cases} cases{'; few cases' if r.few else ''})")
    undefined = tr.undefined
    for r in undefined[:3]:
        lines.append(f"  {r.kind} {r.group}: {FIGURE_LABELS[r.figure]} {r.value_text()}")
    if len(undefined) > 3:
        lines.append(f"  … and {len(undefined) - 3} more undefined figure(s), neither below nor above a target "
                     "(each with its reason in the moderation workbook's Targets sheet and in --json)")
    if tr.lowest:
        lines.append("  Lowest agreement, with the guidance to rewrite:")
        for q in tr.lowest:
            guidance = " ".join(q.guidance.split())
            lines.append(f"    {q.question} {q.agreement * 100:.1f}% of {q.pairs}: {guidance[:160]}"
                         + ("…" if len(guidance) > 160 else ""))
    return lines

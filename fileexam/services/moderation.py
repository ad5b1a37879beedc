"""Moderation: choose cases for blind double marking, measure agreement, and profile each marker."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from fileexam.domain.agreement import (bootstrap_interval, cohen_kappa, gwet_ac1, krippendorff_alpha,
                                       percent_agreement)
from fileexam.domain.cases import BadValue, Case
from fileexam.domain.questions import AnswerType, Question
from fileexam.domain.template import InspectionTemplate
from fileexam.store.inspection_file import InspectionFile

FEW_PAIRS = 10


# ---- allocation ----------------------------------------------------------------
def allocate(inspection: InspectionFile, who: str, share: float | None = None, seed: int = 1,
             named: list[tuple[str, str]] | None = None) -> list[tuple[str, str, str]]:
    """Choose cases for a second, independent marking: `share` of each inspector's cases, spread over
    strand and Area, reproducible from `seed`, the second marker never the first. Or the `named`
    (case, second marker) pairs. Returns (case, first marker, second marker) for the new allocations."""
    t = inspection.template
    cases = {c.reference: c for c in inspection.cases()}
    already = {ref for ref, _ in inspection.double_marked()}
    if named:
        pairs = []
        for ref, second in named:
            c = cases.get(ref)
            if c is None:
                raise BadValue(f"no case '{ref}' in this inspection")
            if c.inspector == second:
                raise BadValue(f"{second} is the first marker of case {ref}: a second marking must be someone else's")
            pairs.append((ref, c.inspector or "", second))
    else:
        pairs = stratified(t, [c for c in cases.values() if c.reference not in already],
                           share if share is not None else t.reporting.double_mark_share, seed)
    inspection.allocate_double([(ref, second) for ref, _, second in pairs], who)
    return pairs


def stratified(t: InspectionTemplate, cases: list[Case], share: float, seed: int) -> list[tuple[str, str, str]]:
    rng = random.Random(seed)
    by_inspector: dict[str, list[Case]] = defaultdict(list)
    for c in sorted(cases, key=lambda c: c.reference):
        if c.inspector:
            by_inspector[c.inspector].append(c)
    inspectors = sorted(by_inspector)
    if len(inspectors) < 2:
        raise BadValue("double marking needs at least two inspectors with allocated cases")
    strata_keys = [k for k in (t.reporting.strand_field, t.reporting.area_field) if k]
    out = []
    load = {i: 0 for i in inspectors}  # second markings given to each inspector so far, to share them out
    for first in inspectors:
        own = by_inspector[first]
        want = math.ceil(share * len(own)) if own else 0
        strata: dict[tuple, list[Case]] = defaultdict(list)
        for c in own:
            strata[tuple(str(c.fields.get(k)) for k in strata_keys)].append(c)
        for members in strata.values():
            rng.shuffle(members)
        keys = sorted(strata)
        rng.shuffle(keys)
        chosen = []
        while len(chosen) < want and any(strata[k] for k in keys):
            for k in keys:  # one from each stratum in turn: every strand and Area is represented
                if strata[k] and len(chosen) < want:
                    chosen.append(strata[k].pop())
        for c in chosen:
            others = [i for i in inspectors if i != first]
            low = min(load[i] for i in others)
            second = rng.choice([i for i in others if load[i] == low])
            load[second] += 1
            out.append((c.reference, first, second))
    return out


def write_blind_samples(inspection: InspectionFile, folder: Path) -> list[Path]:
    """For each second marker, a sample workbook of the cases to mark: fields that may leave the laptop,
    never the first marker's answers or comments."""
    from fileexam.formats.sample_workbook import write_sample

    t = inspection.template
    cases = {c.reference: c for c in inspection.cases()}
    by_marker: dict[str, list[Case]] = defaultdict(list)
    for ref, marker in sorted(inspection.double_marked()):
        c = cases[ref]
        fields = {f.id: c.fields[f.id] for f in t.case_fields if f.export and f.id in c.fields}
        by_marker[marker].append(Case(ref, fields, marker))
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for marker, items in sorted(by_marker.items()):
        path = folder / f"second-marking-{marker.replace(' ', '').replace('.', '-').lower()}.xlsx"
        write_sample(path, t, items, exported_only=True)
        out.append(path)
    return out


# ---- agreement -----------------------------------------------------------------
@dataclass
class Pair:
    case: str
    question: str
    first: str
    second: str
    value1: str
    value2: str
    comment1: str = ""
    comment2: str = ""
    week: str = ""  # ISO week of the second marking's answer

    @property
    def agree(self) -> bool:
        return self.value1 == self.value2


@dataclass
class Stats:
    group: str
    n: int
    cases: int
    agreement: float | None
    kappa: float | None
    weighted_kappa: float | None
    ac1: float | None
    alpha_nominal: float | None
    alpha_ordinal: float | None
    intervals: dict = field(default_factory=dict)

    @property
    def few(self) -> bool:
        return self.cases < FEW_PAIRS


@dataclass
class AgreementReport:
    pairs: list[Pair]
    by_question: list[Stats]
    by_set: list[Stats]
    by_section: list[Stats]
    by_markers: list[Stats]
    overall: Stats | None
    alpha_all_markers: dict
    decisions: dict
    by_week: list[Stats] = field(default_factory=list)  # agreement over time, by the week of the second marking

    @property
    def disagreements(self) -> list[Pair]:
        return [p for p in self.pairs if not p.agree]

    def lowest(self, n: int = 5) -> list[Stats]:
        return sorted([s for s in self.by_question if s.agreement is not None], key=lambda s: s.agreement)[:n]


def _scale_values(q: Question) -> list[str]:
    return [o.value for o in q.answer.scale.options]


def _ordinal(q: Question) -> bool:
    return q.answer.type is AnswerType.SCALE and sum(o.points is not None for o in q.answer.scale.options) >= 3


def collect_pairs(inspection: InspectionFile) -> list[Pair]:
    """The two markings of every double-marked case, question by question, where both gave a scale answer."""
    t = inspection.template
    cases = {c.reference: c for c in inspection.cases()}
    pairs = []
    calibration = inspection.calibration_cases()
    for ref, second in sorted(inspection.double_marked()):
        if ref in calibration:
            continue
        first = cases[ref].inspector
        held = inspection.marking_rows(ref)
        a, b = held.get(first, {}), held.get(second, {})
        for q in t.questions:
            if q.answer.type is not AnswerType.SCALE:
                continue
            if q.id in a and q.id in b and a[q.id][0] is not None and b[q.id][0] is not None:
                pairs.append(Pair(ref, q.id, first, second, a[q.id][0], b[q.id][0], a[q.id][1] or "",
                                  b[q.id][1] or "", _iso_week(b[q.id][2])))
    return pairs


def _iso_week(stamp: str) -> str:
    from datetime import datetime
    try:
        year, week, _ = datetime.fromisoformat(stamp).isocalendar()
        return f"{year}-W{week:02d}"
    except (TypeError, ValueError):
        return ""


def _stats(group: str, pairs: list[Pair], categories: list[str], ordinal: bool, with_intervals: bool) -> Stats:
    a, b = [p.value1 for p in pairs], [p.value2 for p in pairs]
    units = [(p.value1, p.value2) for p in pairs]
    s = Stats(group, len(pairs), len({p.case for p in pairs}), percent_agreement(a, b),
              cohen_kappa(a, b, categories) if pairs else None,
              cohen_kappa(a, b, categories, "linear") if pairs and ordinal else None,
              gwet_ac1(a, b, categories) if pairs else None,
              krippendorff_alpha(units, categories, "nominal") if pairs else None,
              krippendorff_alpha(units, categories, "ordinal") if pairs and ordinal else None)
    if with_intervals and len(pairs) >= 2:
        groups = [p.case for p in pairs]
        def stat(fn):
            return lambda sample: fn([x[0] for x in sample], [x[1] for x in sample])
        raw = [(p.value1, p.value2) for p in pairs]
        s.intervals = {
            "agreement": bootstrap_interval(raw, stat(percent_agreement), groups=groups),
            "kappa": bootstrap_interval(raw, stat(lambda x, y: cohen_kappa(x, y, categories)), groups=groups),
            "ac1": bootstrap_interval(raw, stat(lambda x, y: gwet_ac1(x, y, categories)), groups=groups),
        }
        if ordinal:
            s.intervals["weighted_kappa"] = bootstrap_interval(
                raw, stat(lambda x, y: cohen_kappa(x, y, categories, "linear")), groups=groups)
    return s


def agreement_report(inspection: InspectionFile, with_intervals: bool = True) -> AgreementReport:
    t = inspection.template
    pairs = collect_pairs(inspection)
    by_q: dict[str, list[Pair]] = defaultdict(list)
    for p in pairs:
        by_q[p.question].append(p)

    def pooled(group: str, items: list[Pair]) -> Stats:
        qs = {t.question_by_id[p.question] for p in items}
        scales = {q.answer.scale.id for q in qs}
        if len(scales) == 1:  # one scale: its order holds
            q = next(iter(qs))
            return _stats(group, items, _scale_values(q), _ordinal(q), with_intervals)
        categories = sorted({v for p in items for v in (p.value1, p.value2)})
        return _stats(group, items, categories, False, with_intervals)

    by_question = [_stats(q.id, by_q[q.id], _scale_values(q), _ordinal(q), with_intervals)
                   for q in t.questions if by_q.get(q.id)]
    by_set = [pooled(qs.id, [p for p in pairs if t.question_by_id[p.question].set_id == qs.id])
              for qs in t.question_sets if any(t.question_by_id[p.question].set_id == qs.id for p in pairs)]
    sections = defaultdict(list)
    for p in pairs:
        q = t.question_by_id[p.question]
        sections[f"{q.set_id} / {q.section_id}"].append(p)
    by_section = [pooled(k, v) for k, v in sections.items()]
    markers = defaultdict(list)
    for p in pairs:
        markers[" & ".join(sorted((p.first, p.second)))].append(p)
    by_markers = [pooled(k, v) for k, v in sorted(markers.items())]
    overall = pooled("overall", pairs) if pairs else None
    weeks = defaultdict(list)
    for p in pairs:
        weeks[p.week].append(p)
    by_week = [pooled(w, v) for w, v in sorted(weeks.items()) if w]
    return AgreementReport(pairs, by_question, by_set, by_section, by_markers, overall,
                           alpha_all_markers(inspection), inspection.decisions(), by_week)


def alpha_all_markers(inspection: InspectionFile) -> dict:
    """Krippendorff's alpha over every marking of every case marked more than once, per question and overall."""
    t = inspection.template
    per_q: dict[str, list[list]] = defaultdict(list)
    refs = {ref for ref, _ in inspection.double_marked()} - set(inspection.calibration_cases())
    for ref in sorted(refs):
        held = inspection.marking_rows(ref)
        for q in t.questions:
            if q.answer.type is AnswerType.SCALE:
                per_q[q.id].append([rows[q.id][0] if q.id in rows else None for rows in held.values()])
    out = {}
    for qid, units in per_q.items():
        q = t.question_by_id[qid]
        out[qid] = {"nominal": krippendorff_alpha(units, _scale_values(q), "nominal"),
                    "ordinal": krippendorff_alpha(units, _scale_values(q), "ordinal") if _ordinal(q) else None}
    return out


# ---- calibration -----------------------------------------------------------------
@dataclass
class CalibrationResult:
    case: str
    marker: str
    reference_marker: str
    compared: int
    agreement: float | None
    differences: list[tuple[str, str, str]]  # question, the marker's answer, the reference answer


def calibration_results(inspection: InspectionFile) -> list[CalibrationResult]:
    """Each inspector's marking of each calibration case against the reference marking."""
    t = inspection.template
    out = []
    for ref, ref_marker in sorted(inspection.calibration_cases().items()):
        held = inspection.marking_rows(ref)
        reference = held.get(ref_marker, {})
        for marker, rows in sorted(held.items()):
            if marker == ref_marker:
                continue
            common = [q.id for q in t.questions if q.answer.type is AnswerType.SCALE and q.id in rows
                      and q.id in reference and rows[q.id][0] is not None and reference[q.id][0] is not None]
            diffs = [(q, rows[q][0], reference[q][0]) for q in common if rows[q][0] != reference[q][0]]
            out.append(CalibrationResult(ref, marker, ref_marker, len(common),
                                         1 - len(diffs) / len(common) if common else None, diffs))
    return out


# ---- marker profiles -------------------------------------------------------------
@dataclass
class Profile:
    marker: str
    answers: int
    best_share: float | None        # share of the best option on ordinal questions
    team_best_share: float | None   # the rest of the team, on the same questions
    mean_signed_difference: float | None  # in points, against agreed answers: + lenient, - severe
    settled: int
    flags: list[str] = field(default_factory=list)


def marker_profiles(inspection: InspectionFile, lenient_points: float = 0.25, share_pp: float = 10.0) -> list[Profile]:
    t = inspection.template
    rows = inspection.conn.execute("SELECT marker, question_id, value, case_ref FROM answers WHERE value IS NOT NULL")
    best: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # marker -> [best, total] on ordinal questions
    per_q: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    answer_of: dict[tuple[str, str, str], str] = {}
    for marker, qid, value, ref in rows:
        q = t.question_by_id.get(qid)
        if q is None or not _ordinal(q):
            continue
        top = max((o for o in q.answer.scale.options if o.points is not None), key=lambda o: o.points).value
        counted = q.answer.option(value) is not None and q.answer.option(value).points is not None
        if not counted:
            continue
        hit = int(value == top)
        best[marker][0] += hit
        best[marker][1] += 1
        per_q[qid][marker][0] += hit
        per_q[qid][marker][1] += 1
        answer_of[(ref, qid, marker)] = value
    decisions = inspection.decisions()
    out = []
    for marker in sorted(best):
        mine = best[marker]
        team = [0, 0]
        for qid, by_marker in per_q.items():
            if marker in by_marker:
                for other, (h, n) in by_marker.items():
                    if other != marker:
                        team[0] += h
                        team[1] += n
        diffs = []
        for (ref, qid), d in decisions.items():
            v = answer_of.get((ref, qid, marker))
            q = t.question_by_id.get(qid)
            if v is None or q is None or d["value"] is None:
                continue
            mine_pts, agreed_pts = q.answer.option(v).points, q.answer.option(d["value"]).points
            if mine_pts is not None and agreed_pts is not None:
                diffs.append(mine_pts - agreed_pts)
        p = Profile(marker, mine[1], mine[0] / mine[1] if mine[1] else None,
                    team[0] / team[1] if team[1] else None,
                    sum(diffs) / len(diffs) if diffs else None, len(diffs))
        if p.best_share is not None and p.team_best_share is not None and \
                abs(p.best_share - p.team_best_share) * 100 > share_pp:
            side = "more" if p.best_share > p.team_best_share else "less"
            p.flags.append(f"gives the top mark {side} often than the team "
                           f"({p.best_share * 100:.0f}% against {p.team_best_share * 100:.0f}%)")
        if p.mean_signed_difference is not None and abs(p.mean_signed_difference) > lenient_points:
            p.flags.append(("lenient" if p.mean_signed_difference > 0 else "severe") +
                           f": {p.mean_signed_difference:+.2f} points against agreed answers over {len(diffs)}")
        out.append(p)
    return out

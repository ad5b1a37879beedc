"""Moderation: choose cases for blind double marking, measure agreement, and profile each marker."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from fileexam.domain.agreement import (FIGURE_LABELS, FIGURES, NO_PAIRS, NO_UNITS, Table, Undefined, Value,
                                       ac1_from_table, add_tables, agreement_from_table, alpha_from_table, batch_ac1,
                                       batch_agreement, batch_alpha, batch_kappa, bootstrap_interval, bootstrap_tables,
                                       defined, fleiss_kappa, kappa_from_table, krippendorff_alpha,
                                       mean_pairwise_agreement, number, reason, sub_table)
from fileexam.domain.cases import BadValue, Case
from fileexam.domain.questions import AnswerType, Question
from fileexam.domain.scales import Scale
from fileexam.domain.statistics import wilson
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


def write_blind_samples(inspection: InspectionFile, folder: Path, markers: set[str] | None = None) -> list[Path]:
    """For each second marker (or each of `markers`), a sample workbook of the cases to mark: fields that may
    leave the laptop, never the first marker's answers or comments."""
    from fileexam.formats.sample_workbook import write_sample

    t = inspection.template
    cases = {c.reference: c for c in inspection.cases()}
    by_marker: dict[str, list[Case]] = defaultdict(list)
    from fileexam.store.gold_records import gold_markings
    # A gold case goes in the same workbook as a second marking, in reference order: nothing tells them apart.
    for ref, marker in sorted(inspection.double_marked() | gold_markings(inspection)):
        if markers is not None and marker not in markers:
            continue
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
# The method is docs/METHODS.md, "Agreement between markers"; section names quoted here are its.
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
    """Agreement over one group of paired answers (a question, a theme, a pair of markers, ...).

    Each figure is a number, `Undefined(reason)` (it has no value here, and why: docs/METHODS.md,
    "Undefined figures"), or None (not computed for this kind of group: weighted kappa and ordinal or
    interval alpha need an ordered scale of three or more scored options; Fleiss' kappa is for
    calibration cases; agreement on applicability needs a not-applicable option)."""
    group: str
    n: int                       # paired answers
    cases: int
    agreement: Value | None
    kappa: Value | None
    weighted_kappa: Value | None  # linear weights, over pairs where both scored
    ac1: Value | None
    alpha_nominal: Value | None
    alpha_ordinal: Value | None   # over pairs where both scored
    intervals: dict = field(default_factory=dict)  # figure -> (low, high) or Undefined(reason)
    quadratic_kappa: Value | None = None  # over pairs where both scored
    alpha_interval: Value | None = None   # on the options' points, over pairs where both scored
    applicability: Value | None = None    # share of pairs where both said not applicable or both scored
    scored: int = 0                       # pairs where both markers gave an option with points
    scale: str = ""                       # the scale's label; "N scales" for a group over several
    fleiss_kappa: Value | None = None     # calibration cases: more than two markers
    markers: int = 2
    min_cases: int = FEW_PAIRS            # fewer cases: flagged, and no interval
    parts: list = field(default_factory=list)  # a group over several scales: one Stats per scale

    @property
    def few(self) -> bool:
        return self.cases < self.min_cases

    def figure(self, name: str) -> Value | None:
        return getattr(self, name)

    def undefined(self) -> dict[str, str]:
        """Why each undefined figure, and each withheld interval ('<figure> interval'), has no value."""
        out = {name: reason(self.figure(name)) for name in FIGURES if isinstance(self.figure(name), Undefined)}
        out.update({f"{name} interval": reason(ci) for name, ci in self.intervals.items()
                    if isinstance(ci, Undefined)})
        return out


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
    by_scale: list[Stats] = field(default_factory=list)  # every pair on each scale, when there are several
    calibration: list[Stats] = field(default_factory=list)  # calibration cases: Fleiss' kappa and alpha

    @property
    def disagreements(self) -> list[Pair]:
        return [p for p in self.pairs if not p.agree]

    def lowest(self, n: int = 5) -> list[Stats]:
        return sorted([s for s in self.by_question if defined(s.agreement)], key=lambda s: s.agreement)[:n]


@dataclass(frozen=True, eq=False)
class ScaleView:
    """What the statistics see of a scale: every option as a nominal category, and the scored options
    (points not None) in the scale's order for the ordered statistics (docs/METHODS.md, "Not applicable")."""
    scale: Scale
    categories: tuple[str, ...]
    scored: tuple[int, ...]          # indices of the options with points, in the scale's order
    points: dict                     # value -> points, scored options only

    @staticmethod
    def of(scale: Scale) -> "ScaleView":
        opts = scale.options
        return ScaleView(scale, tuple(o.value for o in opts),
                         tuple(i for i, o in enumerate(opts) if o.points is not None),
                         {o.value: o.points for o in opts if o.points is not None})

    @property
    def has_not_applicable(self) -> bool:
        return 0 < len(self.scored) < len(self.categories)

    @property
    def ordered(self) -> bool:
        return len(self.scored) >= 3


BOTH_SCORED_NONE = Undefined("no pair where both markers gave a scored answer (every pair holds a not applicable)")


def pair_figures(table: Table, sv: ScaleView) -> dict:
    """Every two-marker figure from the table of (first, second) answers over the scale's options."""
    cats = sv.categories
    out: dict = {"agreement": agreement_from_table(table), "kappa": kappa_from_table(table, cats),
                 "ac1": ac1_from_table(table, cats), "alpha_nominal": alpha_from_table(table, cats),
                 "applicability": None, "weighted_kappa": None, "quadratic_kappa": None, "alpha_ordinal": None,
                 "alpha_interval": None}
    scored_t = sub_table(table, sv.scored)
    both_scored = sum(sum(r) for r in scored_t)
    out["scored"] = both_scored
    if sv.has_not_applicable:
        na = [i for i in range(len(cats)) if i not in sv.scored]
        both_na = sum(table[i][j] for i in na for j in na)
        n = sum(sum(r) for r in table)
        out["applicability"] = (both_scored + both_na) / n if n else Undefined(NO_PAIRS)
    if sv.ordered:
        if both_scored == 0:
            out.update(weighted_kappa=BOTH_SCORED_NONE, quadratic_kappa=BOTH_SCORED_NONE,
                       alpha_ordinal=BOTH_SCORED_NONE, alpha_interval=BOTH_SCORED_NONE)
        else:
            sc = [cats[i] for i in sv.scored]
            out.update(weighted_kappa=kappa_from_table(scored_t, sc, "linear"),
                       quadratic_kappa=kappa_from_table(scored_t, sc, "quadratic"),
                       alpha_ordinal=alpha_from_table(scored_t, sc, "ordinal"),
                       alpha_interval=alpha_from_table(scored_t, sc, "interval", sv.points))
    return out


def pair_figures_batch(T, sv: ScaleView) -> dict:
    """pair_figures for many tables at once (resamples x k x k): arrays, NaN where undefined."""
    import numpy as np

    out = {"agreement": batch_agreement(T), "kappa": batch_kappa(T), "ac1": batch_ac1(T),
           "alpha_nominal": batch_alpha(T, "nominal")}
    keep = list(sv.scored)
    scored_t = T[:, keep][:, :, keep]
    if sv.has_not_applicable:
        na = [i for i in range(len(sv.categories)) if i not in sv.scored]
        same = scored_t.sum(axis=(1, 2)) + T[:, na][:, :, na].sum(axis=(1, 2))
        with np.errstate(invalid="ignore", divide="ignore"):
            out["applicability"] = np.where(T.sum(axis=(1, 2)) > 0, same / T.sum(axis=(1, 2)), np.nan)
    if sv.ordered:
        out.update(weighted_kappa=batch_kappa(scored_t, "linear"), quadratic_kappa=batch_kappa(scored_t, "quadratic"),
                   alpha_ordinal=batch_alpha(scored_t, "ordinal"),
                   alpha_interval=batch_alpha(scored_t, "interval", [sv.points[sv.categories[i]] for i in keep]))
    return out


def _ordinal(q: Question) -> bool:
    return q.answer.type is AnswerType.SCALE and sum(o.points is not None for o in q.answer.scale.options) >= 3


def collect_pairs(inspection: InspectionFile) -> list[Pair]:
    """The two markings of every double-marked case, question by question, where both gave an option
    of the question's scale (not applicable included)."""
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
            if q.id in a and q.id in b and q.answer.scale.option(a[q.id][0] or "") is not None \
                    and q.answer.scale.option(b[q.id][0] or "") is not None:
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


def _intervals(s: Stats, tables: list, figures, with_intervals: bool) -> dict:
    """Case-bootstrap intervals for every figure the row holds (docs/METHODS.md, "Intervals for agreement")."""
    if not with_intervals:
        return {}
    names = [name for name in FIGURES if s.figure(name) is not None and name != "fleiss_kappa"]
    if s.few:
        return {name: Undefined(f"fewer than {s.min_cases} cases: no interval") for name in names}
    out = {name: Undefined("the figure itself is undefined") for name in names if not defined(s.figure(name))}
    want = [name for name in names if defined(s.figure(name))]
    out.update(bootstrap_tables(tables, figures, want))
    return out


def _stats(group: str, pairs: list[Pair], sv: ScaleView, with_intervals: bool, min_cases: int = FEW_PAIRS) -> Stats:
    """Every figure over pairs of questions on one scale: they pool in the scale's order."""
    k = len(sv.categories)
    index = {c: i for i, c in enumerate(sv.categories)}
    per_case: dict[str, Table] = {}
    for p in pairs:
        table = per_case.setdefault(p.case, [[0.0] * k for _ in range(k)])
        table[index[p.value1]][index[p.value2]] += 1
    f = pair_figures(add_tables(per_case.values(), k), sv)
    s = Stats(group, len(pairs), len(per_case), f["agreement"], f["kappa"], f["weighted_kappa"], f["ac1"],
              f["alpha_nominal"], f["alpha_ordinal"], quadratic_kappa=f["quadratic_kappa"],
              alpha_interval=f["alpha_interval"], applicability=f["applicability"], scored=int(f["scored"]),
              scale=sv.scale.label, min_cases=min_cases)
    s.intervals = _intervals(s, list(per_case.values()), lambda t: pair_figures_batch(t, sv), with_intervals)
    return s


def _mixed(group: str, pairs: list[Pair], scale_of, views: list[ScaleView], with_intervals: bool,
           min_cases: int) -> Stats:
    """A group over questions on several scales: percentage agreement (and agreement on applicability,
    over the scales that have a not applicable option) pool; the chance-corrected statistics do not
    (docs/METHODS.md, "Pooling"). One row per scale goes in `parts`."""
    per_case: dict[str, list[float]] = {}
    for p in pairs:
        sv = scale_of(p)
        v = per_case.setdefault(p.case, [0.0, 0.0, 0.0, 0.0])
        v[0] += p.agree
        v[1] += 1
        if sv.has_not_applicable:
            v[2] += (p.value1 in sv.points) == (p.value2 in sv.points)
            v[3] += 1

    total = [sum(v[i] for v in per_case.values()) for i in range(4)]
    f = {"agreement": total[0] / total[1] if total[1] else Undefined(NO_PAIRS),
         "applicability": total[2] / total[3] if total[3] else Undefined(NO_PAIRS)}

    def figures(v):  # every resample at once: resamples x 4
        import numpy as np
        with np.errstate(invalid="ignore", divide="ignore"):
            return {"agreement": np.where(v[:, 1] > 0, v[:, 0] / v[:, 1], np.nan),
                    "applicability": np.where(v[:, 3] > 0, v[:, 2] / v[:, 3], np.nan)}
    names = ", ".join(sv.scale.label for sv in views)
    not_pooled = Undefined(f"not pooled across scales ({names}): see each scale's own row")
    ordered = not_pooled if any(sv.ordered for sv in views) else None
    s = Stats(group, len(pairs), len(per_case), f["agreement"], not_pooled, ordered, not_pooled, not_pooled,
              ordered, quadratic_kappa=ordered, alpha_interval=ordered,
              applicability=f["applicability"] if total[3] else None,
              scored=sum((p.value1 in scale_of(p).points) and (p.value2 in scale_of(p).points) for p in pairs),
              scale=f"{len(views)} scales", min_cases=min_cases)
    if with_intervals:
        names_ci = ["agreement"] + (["applicability"] if s.applicability is not None else [])
        if s.few:
            s.intervals = {name: Undefined(f"fewer than {min_cases} cases: no interval") for name in names_ci}
        else:
            s.intervals = bootstrap_tables(list(per_case.values()), figures, names_ci)
    s.parts = [_stats(f"{group} — {sv.scale.label}", [p for p in pairs if scale_of(p) is sv], sv, with_intervals,
                      min_cases) for sv in views]
    return s


def agreement_report(inspection: InspectionFile, with_intervals: bool = True) -> AgreementReport:
    t = inspection.template
    min_cases = t.reporting.few_cases
    pairs = collect_pairs(inspection)
    views: dict[Scale, ScaleView] = {}
    for q in t.questions:
        if q.answer.type is AnswerType.SCALE and q.answer.scale not in views:
            views[q.answer.scale] = ScaleView.of(q.answer.scale)

    def scale_of(p: Pair) -> ScaleView:
        return views[t.question_by_id[p.question].answer.scale]

    by_q: dict[str, list[Pair]] = defaultdict(list)
    for p in pairs:
        by_q[p.question].append(p)

    def pooled(group: str, items: list[Pair]) -> Stats:
        used = {id(scale_of(p)) for p in items}
        present = [sv for sv in views.values() if id(sv) in used]  # in the template's order
        if len(present) == 1:
            return _stats(group, items, present[0], with_intervals, min_cases)
        return _mixed(group, items, scale_of, present, with_intervals, min_cases)

    by_question = [_stats(q.id, by_q[q.id], views[q.answer.scale], with_intervals, min_cases)
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
                           alpha_all_markers(inspection), inspection.decisions(), by_week,
                           list(overall.parts) if overall else [], calibration_agreement(inspection))


def _multi_figures(units: list[list], sv: ScaleView, fleiss: bool = True) -> dict:
    """Figures over units marked by any number of markers: Krippendorff's alpha over all of them
    (missing values allowed); with `fleiss`, Fleiss' kappa and its mean pairwise agreement over the
    units every marker answered (each unit must then list the same markers)."""
    cats = list(sv.categories)
    complete = [u for u in units if all(v is not None for v in u)]
    out = {"units": len(complete), "agreement": None, "fleiss_kappa": None,
           "alpha_nominal": krippendorff_alpha(units, cats, "nominal"), "alpha_ordinal": None, "alpha_interval": None}
    if fleiss:
        out["agreement"] = mean_pairwise_agreement(complete, cats) if complete else Undefined(NO_UNITS)
        out["fleiss_kappa"] = fleiss_kappa(complete, cats) if complete else Undefined(NO_UNITS)
    if sv.ordered:
        scored = [[v if v in sv.points else None for v in u] for u in units]  # not applicable: left out
        sc = [cats[i] for i in sv.scored]
        out["alpha_ordinal"] = krippendorff_alpha(scored, sc, "ordinal")
        out["alpha_interval"] = krippendorff_alpha(scored, sc, "interval", sv.points)
    return out


def alpha_all_markers(inspection: InspectionFile) -> dict:
    """Krippendorff's alpha over every marking of every case marked more than once, per question:
    nominal on all the scale's options; ordinal and interval on its scored options (a not
    applicable answer is left out of those, as a missing value)."""
    t = inspection.template
    per_q: dict[str, list[list]] = defaultdict(list)
    refs = {ref for ref, _ in inspection.double_marked()} - set(inspection.calibration_cases())
    for ref in sorted(refs):
        held = _without_gold(inspection, ref)
        for q in t.questions:
            if q.answer.type is AnswerType.SCALE:
                per_q[q.id].append([rows[q.id][0] if q.id in rows and q.answer.scale.option(rows[q.id][0] or "")
                                    else None for rows in held.values()])
    out = {}
    for qid, units in per_q.items():
        f = _multi_figures(units, ScaleView.of(t.question_by_id[qid].answer.scale), fleiss=False)
        out[qid] = {"nominal": f["alpha_nominal"], "ordinal": f["alpha_ordinal"], "interval": f["alpha_interval"]}
    return out


def _without_gold(inspection: InspectionFile, ref: str) -> dict:
    """marking_rows without the gold markings (issue 17): those are compared with agreed answers apart."""
    from fileexam.store.gold_records import gold_markings
    gold = {m for r, m in gold_markings(inspection) if r == ref}
    return {m: rows for m, rows in inspection.marking_rows(ref).items() if m not in gold}


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
        held = _without_gold(inspection, ref)
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


def calibration_agreement(inspection: InspectionFile) -> list[Stats]:
    """Agreement among everyone who marked the calibration cases, per scale: Fleiss' kappa (units: the
    questions every marker of the case answered) and Krippendorff's alpha; first all calibration cases
    together, then each case (docs/METHODS.md, "Calibration cases")."""
    t = inspection.template
    min_cases = t.reporting.few_cases
    views: dict[Scale, ScaleView] = {}
    for q in t.questions:
        if q.answer.type is AnswerType.SCALE and q.answer.scale not in views:
            views[q.answer.scale] = ScaleView.of(q.answer.scale)
    per_case: list[tuple[str, int, dict[Scale, list[list]]]] = []
    for ref in sorted(inspection.calibration_cases()):
        held = _without_gold(inspection, ref)
        markers = sorted(held)
        if len(markers) < 2:
            continue
        units: dict[Scale, list[list]] = defaultdict(list)
        for q in t.questions:
            if q.answer.type is AnswerType.SCALE:
                units[q.answer.scale].append([
                    held[m][q.id][0] if q.id in held[m] and q.answer.scale.option(held[m][q.id][0] or "") else None
                    for m in markers])
        per_case.append((ref, len(markers), units))

    def row(group: str, cases: int, markers: list[int], units: list[list], sv: ScaleView) -> Stats:
        same = len(set(markers)) == 1
        f = _multi_figures(units, sv, fleiss=same)
        if not same:  # Fleiss' kappa needs the same number of markers on every unit
            f["agreement"] = f["fleiss_kappa"] = Undefined(
                "the calibration cases were marked by different numbers of markers "
                f"({', '.join(map(str, sorted(set(markers))))}): see each case")
        return Stats(group, f["units"], cases, f["agreement"], None, None, None, f["alpha_nominal"], f["alpha_ordinal"],
                     alpha_interval=f["alpha_interval"], fleiss_kappa=f["fleiss_kappa"], markers=max(markers),
                     scale=sv.scale.label, min_cases=min_cases)

    out = []
    for scale, sv in views.items():  # all calibration cases together, when there are several
        held = [(m, units[scale]) for _, m, units in per_case if units.get(scale)]
        if len(held) > 1:
            out.append(row(f"all calibration cases — {scale.label}", len(held), [m for m, _ in held],
                           [u for _, us in held for u in us], sv))
    for ref, m, units in per_case:
        for scale, sv in views.items():
            if units.get(scale):
                out.append(row(f"{ref} — {scale.label}", 1, [m], units[scale], sv))
    return out


# ---- marker profiles -------------------------------------------------------------
PROFILE_MIN_ANSWERS = 20  # no flag on fewer compared answers (docs/METHODS.md, "Marker profiles")


@dataclass
class Profile:
    marker: str
    answers: int                    # scored answers on ordered questions
    best_share: float | None        # share of the best option on ordinal questions
    team_best_share: float | None   # the rest of the team, on the same questions
    mean_signed_difference: float | None  # in points, against agreed answers: + lenient, - severe
    settled: int                    # the marker's answers a moderator settled (the mean's denominator)
    flags: list[str] = field(default_factory=list)
    best_share_ci: tuple[float, float] | None = None       # Wilson 95%
    team_answers: int = 0
    team_best_share_ci: tuple[float, float] | None = None  # Wilson 95%
    difference_ci: tuple[float, float] | Undefined | None = None  # case bootstrap 95%
    min_answers: int = PROFILE_MIN_ANSWERS
    notes: list[str] = field(default_factory=list)  # a difference seen but not flagged: too few answers


def _pct(share: float) -> str:
    return f"{share * 100:.0f}%"


def _share_text(share: float, ci, n: int) -> str:
    return f"{_pct(share)} (95% CI {_pct(ci[0])} to {_pct(ci[1])}) of {n} answers" if ci else \
        f"{_pct(share)} of {n} answers"


def marker_profiles(inspection: InspectionFile, lenient_points: float = 0.25, share_pp: float = 10.0,
                    min_answers: int = PROFILE_MIN_ANSWERS) -> list[Profile]:
    """Each marker's profile against the team's. A flag needs `min_answers` compared answers (the
    marker's scored answers for the top-mark share; settled answers for lenient or severe) and shows
    the figures with their 95% intervals (docs/METHODS.md, "Marker profiles")."""
    t = inspection.template
    rows = inspection.conn.execute("SELECT marker, question_id, value, case_ref FROM answers WHERE value IS NOT NULL"
                                   " AND NOT EXISTS (SELECT 1 FROM gold_cases g WHERE g.case_ref = answers.case_ref"
                                   " AND g.marker = answers.marker)")  # gold markings: never in the profiles
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
        diffs, diff_cases = [], []
        for (ref, qid), d in sorted(decisions.items()):
            v = answer_of.get((ref, qid, marker))
            q = t.question_by_id.get(qid)
            if v is None or q is None or d["value"] is None or q.answer.option(d["value"]) is None:
                continue
            mine_pts, agreed_pts = q.answer.option(v).points, q.answer.option(d["value"]).points
            if mine_pts is not None and agreed_pts is not None:
                diffs.append(mine_pts - agreed_pts)
                diff_cases.append(ref)
        p = Profile(marker, mine[1], mine[0] / mine[1] if mine[1] else None,
                    team[0] / team[1] if team[1] else None,
                    sum(diffs) / len(diffs) if diffs else None, len(diffs),
                    best_share_ci=wilson(mine[0], mine[1]), team_answers=team[1],
                    team_best_share_ci=wilson(team[0], team[1]), min_answers=min_answers)
        if diffs:
            p.difference_ci = bootstrap_interval(diffs, lambda s: sum(s) / len(s) if s else Undefined(NO_PAIRS),
                                                 groups=diff_cases)
        if p.best_share is not None and p.team_best_share is not None and \
                abs(p.best_share - p.team_best_share) * 100 > share_pp:
            side = "more" if p.best_share > p.team_best_share else "less"
            text = (f"gives the top mark {side} often than the team: "
                    f"{_share_text(p.best_share, p.best_share_ci, p.answers)} against "
                    f"{_share_text(p.team_best_share, p.team_best_share_ci, p.team_answers)}")
            if p.answers >= min_answers:
                p.flags.append(text)
            else:
                p.notes.append(f"not flagged, only {p.answers} answers (a flag needs {min_answers}): {text}")
        if p.mean_signed_difference is not None and abs(p.mean_signed_difference) > lenient_points:
            ci = p.difference_ci
            interval = f" (95% CI {ci[0]:+.2f} to {ci[1]:+.2f})" if isinstance(ci, tuple) else \
                (f" ({ci})" if isinstance(ci, Undefined) else "")
            text = (("lenient" if p.mean_signed_difference > 0 else "severe") +
                    f": {p.mean_signed_difference:+.2f} points{interval} against the agreed answer, "
                    f"over {len(diffs)} settled answer(s)")
            if len(diffs) >= min_answers:
                p.flags.append(text)
            else:
                p.notes.append(f"not flagged, only {len(diffs)} settled answer(s) (a flag needs {min_answers}): {text}")
        out.append(p)
    return out


# ---- presenting the figures: the command line's text and JSON -----------------------
def figure_json(v):
    """A figure for JSON: its number, or null (undefined ones say why in 'undefined')."""
    return number(v)


def stats_json(s: Stats | None) -> dict | None:
    """A row of statistics for JSON: every figure a number or null; 'undefined' says why each null
    that is not merely 'not computed' has no value; intervals [low, high] or null (why in 'undefined')."""
    if s is None:
        return None
    return ({"group": s.group, "scale": s.scale, "n": s.n, "cases": s.cases, "scored_pairs": s.scored,
             "markers": s.markers, "few_cases": s.few}
            | {name: figure_json(s.figure(name)) for name in FIGURES}
            | {"intervals": {name: list(ci) if isinstance(ci, tuple) else None for name, ci in s.intervals.items()},
               "undefined": s.undefined(), "parts": [stats_json(p) for p in s.parts]})


def profile_json(p: Profile) -> dict:
    out = dict(p.__dict__)
    out["difference_ci"] = list(p.difference_ci) if isinstance(p.difference_ci, tuple) else None
    out["undefined"] = {"difference_ci": p.difference_ci.reason} if isinstance(p.difference_ci, Undefined) else {}
    return out


def agreement_json(report: AgreementReport, profiles: list[Profile], calibration: list[CalibrationResult]) -> dict:
    alphas = {qid: {level: number(v) for level, v in levels.items()}
              | {"undefined": {level: v.reason for level, v in levels.items() if isinstance(v, Undefined)}}
              for qid, levels in report.alpha_all_markers.items()}
    return {"overall": stats_json(report.overall), "by_scale": [stats_json(s) for s in report.by_scale],
            "by_question": [stats_json(s) for s in report.by_question],
            "by_theme": [stats_json(s) for s in report.by_set],
            "by_section": [stats_json(s) for s in report.by_section],
            "by_markers": [stats_json(s) for s in report.by_markers],
            "by_week": [stats_json(s) for s in report.by_week],
            "alpha_all_markers": alphas,
            "disagreements": len(report.disagreements),
            "profiles": [profile_json(p) for p in profiles],
            "calibration": [c.__dict__ for c in calibration],
            "calibration_agreement": [stats_json(s) for s in report.calibration]}


TEXT_COLUMNS = (("agree", "agreement"), ("applic", "applicability"), ("kappa", "kappa"),
                ("wkappa", "weighted_kappa"), ("qkappa", "quadratic_kappa"), ("AC1", "ac1"),
                ("alpha", "alpha_nominal"), ("alphaO", "alpha_ordinal"))


def agreement_text(report: AgreementReport, profiles: list[Profile], calibration: list[CalibrationResult]) -> list[str]:
    """The command line's summary. An undefined figure is 'undef(N)', N pointing to its reason below
    the table; '—' is a figure not computed for that kind of group."""
    lines: list[str] = []
    notes: dict[str, int] = {}

    def cell(v) -> str:
        if isinstance(v, Undefined):
            mark = notes.setdefault(str(v), len(notes) + 1)
            return f"{f'undef({mark})':>9}"
        return f"{'—':>9}" if v is None else f"{v:9.2f}"

    def row(label: str, s: Stats) -> str:
        return (f"{label[:30]:<30} {s.n:>5} {s.cases:>5}" + "".join(cell(s.figure(name)) for _, name in TEXT_COLUMNS)
                + (f"  (few cases: under {s.min_cases})" if s.few else ""))

    o = report.overall
    if o is not None:
        lines.append(f"{len({p.case for p in report.pairs})} double-marked case(s), {o.n} paired answers, "
                     f"{len(report.disagreements)} disagreement(s), {len(report.decisions)} settled.")
        lines.append(f"{'group':<30} {'pairs':>5} {'cases':>5}" + "".join(f"{h:>9}" for h, _ in TEXT_COLUMNS))
        for s in [o] + report.by_set + report.by_markers:
            lines.append(row(s.group, s))
            lines.extend(row(f"  · {p.scale}", p) for p in s.parts)
        if notes:
            lines.append("")
            lines.extend(f"  ({i}) {text}" for text, i in notes.items())
        lines.append("\nLowest agreement:")
        for s in report.lowest():
            lines.append(f"  {s.group:<8} {s.agreement * 100:5.1f}% of {s.n}")
    for p in profiles:
        for flag in p.flags:
            lines.append(f"  flag: {p.marker}: {flag}")
        for note in p.notes:
            lines.append(f"  note: {p.marker}: {note}")
    if calibration:
        lines.append("\nCalibration (against the reference marking):")
        for c in calibration:
            share = "—" if c.agreement is None else f"{c.agreement * 100:.0f}%"
            lines.append(f"  {c.case} {c.marker:<12} {share} of {c.compared} agree with {c.reference_marker}"
                         + (f"; differs on {', '.join(q for q, _, _ in c.differences[:8])}" if c.differences else ""))
    if report.calibration:
        lines.append("\nCalibration (everyone who marked it):")
        for s in report.calibration:
            def show(v):
                return str(v) if isinstance(v, Undefined) else f"{v:.2f}"
            labels = FIGURE_LABELS | {"agreement": "mean agreement between pairs of markers"}
            figures = [f"{labels[name]} {show(s.figure(name))}" for name in
                       ("fleiss_kappa", "agreement", "alpha_nominal", "alpha_ordinal") if s.figure(name) is not None]
            lines.append(f"  {s.group}: {s.markers} markers, {s.n} question(s) answered by all; " + "; ".join(figures))
    return lines

"""Weighted national figures (issue 18), for a sample whose sampling fractions differ across strata.

Each examined case of stratum h stands for w_h = E_h / m_h eligible cases (E_h eligible in the case list,
m_h examined): the inverse of the achieved sampling fraction. A score, a ratio of sums of points, is then
estimated by the weighted (Horvitz–Thompson-style) ratio estimator

    R_w = Σ_h w_h Σ_{i in h} a_i  /  Σ_h w_h Σ_{i in h} b_i

(a: points achieved, b: points available), and its 95% interval by the same percentile bootstrap as the
unweighted figures, resampling whole cases with replacement within each stratum (m_h of them), the weights
held fixed: 1,000 resamples from numpy's default_rng with the fixed seed 20240501, every figure using the
same resamples. docs/METHODS.md, "Weights".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from fileexam.domain.statistics import BOOTSTRAP_REPS, BOOTSTRAP_SEED


@dataclass(frozen=True)
class WeightedFigure:
    value: float | None
    ci: tuple[float, float] | None
    cases: int            # cases with points available in the figure
    strata: int           # strata those cases are in


def weighted_ratio(points: Mapping[str, tuple[float, float]], stratum_of: Mapping[str, object],
                   weights: Mapping[object, float]) -> float | None:
    """R_w over the cases in `points` (case -> (achieved, available)); None with nothing available."""
    num = den = 0.0
    for ref, (a, b) in points.items():
        w = weights[stratum_of[ref]]
        num += w * a
        den += w * b
    return num / den if den > 0 else None


def weighted_figures(strata_cases: Mapping[object, list[str]], weights: Mapping[object, float],
                     figures: list[Mapping[str, tuple[float, float]]], reps: int = BOOTSTRAP_REPS,
                     seed: int = BOOTSTRAP_SEED) -> list[WeightedFigure]:
    """Each figure's weighted ratio and stratified bootstrap interval. strata_cases: stratum -> its examined
    cases, in a fixed order (the resampling units); weights: stratum -> w_h; figures: case -> (achieved,
    available) for the cases counted in each (a case not in it counts 0 of 0)."""
    import numpy as np

    order = sorted(strata_cases, key=repr)
    rng = np.random.default_rng(seed)
    draws = {h: rng.integers(0, len(strata_cases[h]), size=(reps, len(strata_cases[h])))
             for h in order if strata_cases[h]}
    stratum_of = {ref: h for h in order for ref in strata_cases[h]}
    out = []
    for points in figures:
        used = [ref for ref, (_a, b) in points.items() if b > 0]
        value = weighted_ratio({r: points[r] for r in points if r in stratum_of}, stratum_of, weights)
        if value is None:
            out.append(WeightedFigure(None, None, 0, 0))
            continue
        num = np.zeros(reps)
        den = np.zeros(reps)
        hit = set()
        for h, idx in draws.items():
            refs = strata_cases[h]
            if not any(r in points for r in refs):
                continue
            hit.add(h)
            a = np.array([points.get(r, (0.0, 0.0))[0] for r in refs])
            b = np.array([points.get(r, (0.0, 0.0))[1] for r in refs])
            num += weights[h] * a[idx].sum(axis=1)
            den += weights[h] * b[idx].sum(axis=1)
        ratios = np.divide(num, den, out=np.zeros_like(num), where=den > 0)[den > 0]
        ci = None
        if ratios.size:
            lo, hi = np.percentile(ratios, [2.5, 97.5])
            ci = (float(lo), float(hi))
        out.append(WeightedFigure(value, ci, len(used), len(hit)))
    return out

"""Agreement between markers: percentage agreement, Cohen's kappa (plain and linearly weighted), Gwet's AC1
and Krippendorff's alpha (nominal and ordinal, any number of markers, missing values).

Categories are the scale's options in order, passed in full: a category nobody used still counts in
the weighting (scikit-learn's weighted kappa measures distance by rank among the labels it sees).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Sequence


@dataclass(frozen=True)
class Pairwise:
    n: int
    agreement: float | None
    kappa: float | None
    weighted_kappa: float | None
    ac1: float | None


def _confusion(a: Sequence, b: Sequence, categories: Sequence) -> list[list[int]]:
    index = {c: i for i, c in enumerate(categories)}
    m = [[0] * len(categories) for _ in categories]
    for x, y in zip(a, b):
        m[index[x]][index[y]] += 1
    return m


def percent_agreement(a: Sequence, b: Sequence) -> float | None:
    return sum(x == y for x, y in zip(a, b)) / len(a) if a else None


def cohen_kappa(a: Sequence, b: Sequence, categories: Sequence, weights: str | None = None) -> float | None:
    """Cohen's kappa for two markers; weights=None (plain) or 'linear' (ordinal scales)."""
    n = len(a)
    if n == 0:
        return None
    k = len(categories)
    m = _confusion(a, b, categories)
    rows = [sum(r) for r in m]
    cols = [sum(m[i][j] for i in range(k)) for j in range(k)]
    if weights is None:
        w = [[0.0 if i == j else 1.0 for j in range(k)] for i in range(k)]
    elif weights == "linear":
        w = [[abs(i - j) / (k - 1) if k > 1 else 0.0 for j in range(k)] for i in range(k)]
    else:
        raise ValueError(f"unknown weights {weights!r}")
    observed = sum(w[i][j] * m[i][j] for i in range(k) for j in range(k)) / n
    expected = sum(w[i][j] * rows[i] * cols[j] for i in range(k) for j in range(k)) / (n * n)
    if expected == 0:
        return 1.0 if observed == 0 else None  # everyone used one category: kappa is undefined (the paradox)
    return 1 - observed / expected


def gwet_ac1(a: Sequence, b: Sequence, categories: Sequence) -> float | None:
    """Gwet's AC1 for two markers: stays meaningful when nearly every answer is the same."""
    n, q = len(a), len(categories)
    if n == 0 or q < 2:
        return None
    pa = sum(x == y for x, y in zip(a, b)) / n
    counts = Counter(a) + Counter(b)
    pi = [counts[c] / (2 * n) for c in categories]
    pe = sum(p * (1 - p) for p in pi) / (q - 1)
    return (pa - pe) / (1 - pe) if pe < 1 else None


def pairwise(a: Sequence, b: Sequence, categories: Sequence, ordinal: bool) -> Pairwise:
    return Pairwise(len(a), percent_agreement(a, b), cohen_kappa(a, b, categories),
                    cohen_kappa(a, b, categories, "linear") if ordinal else None, gwet_ac1(a, b, categories))


def krippendorff_alpha(units: Sequence[Sequence], categories: Sequence, level: str = "nominal") -> float | None:
    """Krippendorff's alpha. `units`: for each unit (a case and question), the values the markers gave,
    None for a missing one. Units with fewer than two values are not pairable and are left out.
    level: 'nominal' or 'ordinal' (distances by the ranks of the categories, using their frequencies)."""
    index = {c: i for i, c in enumerate(categories)}
    k = len(categories)
    o = [[0.0] * k for _ in range(k)]  # coincidence matrix
    for unit in units:
        values = [index[v] for v in unit if v is not None]
        m = len(values)
        if m < 2:
            continue
        for i, x in enumerate(values):
            for j, y in enumerate(values):
                if i != j:
                    o[x][y] += 1 / (m - 1)
    n_c = [sum(row) for row in o]
    n = sum(n_c)
    if n <= 1:
        return None
    if level == "nominal":
        def delta(c, d):
            return 0.0 if c == d else 1.0
    elif level == "ordinal":
        def delta(c, d):
            lo, hi = min(c, d), max(c, d)
            return (sum(n_c[g] for g in range(lo, hi + 1)) - (n_c[c] + n_c[d]) / 2) ** 2
    else:
        raise ValueError(f"unknown level {level!r}")
    d_o = sum(o[c][d] * delta(c, d) for c in range(k) for d in range(k))
    d_e = sum(n_c[c] * n_c[d] * delta(c, d) for c in range(k) for d in range(k))
    if d_e == 0:
        return 1.0 if d_o == 0 else None
    return 1 - (n - 1) * d_o / d_e


def bootstrap_interval(pairs: list[tuple], statistic, reps: int = 1000, seed: int = 20240501,
                       groups: list | None = None) -> tuple[float, float] | None:
    """Percentile interval for statistic(sample) resampling cases: `groups[i]` names the case of pairs[i],
    and whole cases are drawn so that answers of one case stay together. Seeded: the same every run."""
    import random

    if len(pairs) < 2:
        return None
    groups = groups if groups is not None else list(range(len(pairs)))
    by_case: dict = {}
    for p, g in zip(pairs, groups):
        by_case.setdefault(g, []).append(p)
    cases = list(by_case)
    rng = random.Random(seed)
    values = []
    for _ in range(reps):
        sample = [p for c in rng.choices(cases, k=len(cases)) for p in by_case[c]]
        v = statistic(sample)
        if v is not None:
            values.append(v)
    if len(values) < reps // 2:
        return None
    values.sort()
    return values[int(0.025 * (len(values) - 1))], values[int(0.975 * (len(values) - 1))]

"""Agreement between markers: percentage agreement, Cohen's kappa (plain, linearly and quadratically
weighted, or with any weights), Gwet's AC1, Krippendorff's alpha (nominal, ordinal and interval, any
number of markers, missing values) and Fleiss' kappa (any fixed number of markers).

The method, with its references, is docs/METHODS.md ("Agreement between markers"); the section
names quoted below are that document's.

- A statistic is either a number or `Undefined(reason)`: kappa and alpha are 0/0 when every marking
  falls in one category, and that is said ("no variation: every marking was 'yes'"), never shown as
  1.0 ("Undefined figures").
- Categories are passed in full and in order: a category nobody used still counts in the weighting
  (scikit-learn's weighted kappa measures distance by rank among the labels it sees). Which
  categories a statistic sees (all of a scale's options, or only the scored ones) is the caller's
  choice: see "Not applicable".
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Sequence, Union

# Every statistic a Stats row may hold, in the order tables show them.
FIGURES = ("agreement", "applicability", "kappa", "weighted_kappa", "quadratic_kappa", "ac1", "alpha_nominal",
           "alpha_ordinal", "alpha_interval", "fleiss_kappa")
FIGURE_LABELS = {
    "agreement": "Agreement", "applicability": "Agreement on applicability", "kappa": "Cohen's kappa",
    "weighted_kappa": "Weighted kappa (linear)", "quadratic_kappa": "Weighted kappa (quadratic)",
    "ac1": "Gwet's AC1", "alpha_nominal": "Krippendorff's alpha (nominal)",
    "alpha_ordinal": "Krippendorff's alpha (ordinal)", "alpha_interval": "Krippendorff's alpha (interval)",
    "fleiss_kappa": "Fleiss' kappa",
}

NO_PAIRS = "no paired answers"
NO_UNITS = "no case and question with two answers to compare"


@dataclass(frozen=True)
class Undefined:
    """A statistic with no value, and why. Printed (with any format) as 'undefined (reason)'."""
    reason: str

    def __str__(self) -> str:
        return f"undefined ({self.reason})"

    def __format__(self, spec: str) -> str:  # f"{v:.2f}" of an undefined figure says so, never a number
        return str(self)


Value = Union[float, Undefined]


def defined(v) -> bool:
    """True for a number (not NaN); False for Undefined, None and anything else."""
    return isinstance(v, (int, float)) and not isinstance(v, bool) and not math.isnan(v)


def number(v) -> float | None:
    return float(v) if defined(v) else None


def reason(v) -> str | None:
    return v.reason if isinstance(v, Undefined) else None


def no_variation(values: Iterable, what: str = "marking") -> Undefined:
    seen = sorted({str(v) for v in values})
    if len(seen) == 1:
        return Undefined(f"no variation: every {what} was '{seen[0]}'")
    return Undefined("no variation that chance could not produce as well")


# ---- two markers: the table of their answers -----------------------------------------
Table = list[list[float]]


def confusion(a: Sequence, b: Sequence, categories: Sequence) -> Table:
    """Counts of (first marker's category, second marker's category)."""
    if len(a) != len(b):
        raise ValueError("the two markings must pair up: as many answers in each")
    index = {c: i for i, c in enumerate(categories)}
    m = [[0.0] * len(categories) for _ in categories]
    for x, y in zip(a, b):
        if x not in index or y not in index:
            raise ValueError(f"'{x if x not in index else y}' is not one of the categories {list(categories)}")
        m[index[x]][index[y]] += 1
    return m


def sub_table(m: Table, keep: Sequence[int]) -> Table:
    """The rows and columns `keep` (in that order): e.g. the scored options of a scale."""
    return [[m[i][j] for j in keep] for i in keep]


def add_tables(tables: Iterable[Table], k: int) -> Table:
    out = [[0.0] * k for _ in range(k)]
    for t in tables:
        for i in range(k):
            row, src = out[i], t[i]
            for j in range(k):
                row[j] += src[j]
    return out


def _total(m: Table) -> float:
    return sum(sum(r) for r in m)


def _used(m: Table, categories: Sequence) -> list:
    k = len(categories)
    return [categories[i] for i in range(k) if sum(m[i]) + sum(m[r][i] for r in range(k)) > 0]


def agreement_from_table(m: Table) -> Value:
    n = _total(m)
    return sum(m[i][i] for i in range(len(m))) / n if n else Undefined(NO_PAIRS)


def disagreement_weights(k: int, weights) -> list[list[float]]:
    """Cohen's (1968) disagreement weights v_ij: None (plain kappa: 0 on the diagonal, 1 off it),
    'linear' |i-j|/(k-1), 'quadratic' (i-j)^2/(k-1)^2, or a k x k matrix given as it is."""
    if weights is None:
        return [[0.0 if i == j else 1.0 for j in range(k)] for i in range(k)]
    if weights == "linear":
        return [[abs(i - j) / (k - 1) if k > 1 else 0.0 for j in range(k)] for i in range(k)]
    if weights == "quadratic":
        return [[(i - j) ** 2 / (k - 1) ** 2 if k > 1 else 0.0 for j in range(k)] for i in range(k)]
    if isinstance(weights, str):
        raise ValueError(f"unknown weights {weights!r}")
    w = [[float(x) for x in row] for row in weights]
    if len(w) != k or any(len(row) != k for row in w):
        raise ValueError(f"weights must be a {k} x {k} matrix")
    return w


def kappa_from_table(m: Table, categories: Sequence, weights=None) -> Value:
    """Cohen's kappa (1960), or weighted kappa (1968): 1 - sum(v*p_observed) / sum(v*p_chance)."""
    k = len(categories)
    n = _total(m)
    if n == 0:
        return Undefined(NO_PAIRS)
    w = disagreement_weights(k, weights)
    rows = [sum(r) for r in m]
    cols = [sum(m[i][j] for i in range(k)) for j in range(k)]
    observed = sum(w[i][j] * m[i][j] for i in range(k) for j in range(k)) / n
    expected = sum(w[i][j] * rows[i] * cols[j] for i in range(k) for j in range(k)) / (n * n)
    if expected == 0:  # 0/0: chance could produce no disagreement (one category only)
        return no_variation(_used(m, categories))
    return 1 - observed / expected


def ac1_from_table(m: Table, categories: Sequence) -> Value:
    """Gwet's AC1 for two markers over the q categories given (the scale's, not those observed)."""
    q = len(categories)
    n = _total(m)
    if n == 0:
        return Undefined(NO_PAIRS)
    if q < 2:
        return Undefined("the scale has a single category")
    pa = sum(m[i][i] for i in range(q)) / n
    pi = [(sum(m[c]) + sum(m[r][c] for r in range(q))) / (2 * n) for c in range(q)]
    pe = sum(p * (1 - p) for p in pi) / (q - 1)  # at most 1/q: never 1
    return (pa - pe) / (1 - pe)


def alpha_from_table(m: Table, categories: Sequence, level: str = "nominal",
                     values: Mapping | None = None) -> Value:
    """Krippendorff's alpha for two markers from their table: the coincidence matrix is m + m^T."""
    k = len(categories)
    o = [[m[i][j] + m[j][i] for j in range(k)] for i in range(k)]
    return alpha_from_coincidences(o, categories, level, values)


# ---- the statistics from the two markings --------------------------------------------
def percent_agreement(a: Sequence, b: Sequence) -> Value:
    if len(a) != len(b):
        raise ValueError("the two markings must pair up: as many answers in each")
    return sum(x == y for x, y in zip(a, b)) / len(a) if a else Undefined(NO_PAIRS)


def cohen_kappa(a: Sequence, b: Sequence, categories: Sequence, weights=None) -> Value:
    """Cohen's kappa for two markers; weights: None (plain), 'linear', 'quadratic' or a matrix of
    disagreement weights (Cohen 1968). Undefined when every marking falls in one category."""
    return kappa_from_table(confusion(a, b, categories), categories, weights)


def gwet_ac1(a: Sequence, b: Sequence, categories: Sequence) -> Value:
    """Gwet's AC1 for two markers: stays meaningful when nearly every answer is the same."""
    return ac1_from_table(confusion(a, b, categories), categories)


# ---- any number of markers -----------------------------------------------------------
def alpha_from_coincidences(o: Sequence[Sequence[float]], categories: Sequence, level: str = "nominal",
                            values: Mapping | None = None) -> Value:
    """Krippendorff's alpha from a coincidence matrix. level: 'nominal'; 'ordinal' (the categories'
    order, distances from their frequencies); 'interval' (squared differences of `values`, a mapping
    category -> number; the categories themselves when they are numbers)."""
    k = len(categories)
    n_c = [sum(row) for row in o]
    n = sum(n_c)
    if n <= 1:
        return Undefined(NO_UNITS)
    if level == "nominal":
        def delta(c, d):
            return 0.0 if c == d else 1.0
    elif level == "ordinal":
        def delta(c, d):
            lo, hi = min(c, d), max(c, d)
            return (sum(n_c[g] for g in range(lo, hi + 1)) - (n_c[c] + n_c[d]) / 2) ** 2
    elif level == "interval":
        if values is None:
            if not all(defined(c) for c in categories):
                raise ValueError("interval alpha needs a number for each category")
            values = {c: c for c in categories}
        x = [float(values[c]) for c in categories]

        def delta(c, d):
            return (x[c] - x[d]) ** 2
    else:
        raise ValueError(f"unknown level {level!r}")
    d_o = sum(o[c][d] * delta(c, d) for c in range(k) for d in range(k))
    d_e = sum(n_c[c] * n_c[d] * delta(c, d) for c in range(k) for d in range(k))
    if d_e == 0:
        used = [categories[c] for c in range(k) if n_c[c] > 0]
        if level == "interval" and len(used) > 1:
            return Undefined("no variation: every marking was worth the same")
        return no_variation(used)
    return 1 - (n - 1) * d_o / d_e


def coincidences(units: Sequence[Sequence], categories: Sequence) -> list[list[float]]:
    """Krippendorff's coincidence matrix. `units`: for each unit (a case and question) the values the
    markers gave, None for a missing one; a unit with fewer than two values is not pairable."""
    index = {c: i for i, c in enumerate(categories)}
    k = len(categories)
    o = [[0.0] * k for _ in range(k)]
    for unit in units:
        vals = [index[v] for v in unit if v is not None]
        m = len(vals)
        if m < 2:
            continue
        for i, x in enumerate(vals):
            for j, y in enumerate(vals):
                if i != j:
                    o[x][y] += 1 / (m - 1)
    return o


def krippendorff_alpha(units: Sequence[Sequence], categories: Sequence, level: str = "nominal",
                       values: Mapping | None = None) -> Value:
    """Krippendorff's alpha over units with any number of markers and missing values (None)."""
    unknown = {v for u in units for v in u if v is not None} - set(categories)
    if unknown:
        raise ValueError(f"{sorted(map(str, unknown))} not among the categories {list(categories)}")
    return alpha_from_coincidences(coincidences(units, categories), categories, level, values)


def _count_rows(units: Sequence[Sequence], categories: Sequence) -> list[list[int]]:
    index = {c: i for i, c in enumerate(categories)}
    rows = []
    for unit in units:
        vals = [v for v in unit if v is not None]
        if any(v not in index for v in vals):
            raise ValueError(f"a value of {list(unit)} is not among the categories {list(categories)}")
        counts = Counter(index[v] for v in vals)
        rows.append([counts.get(i, 0) for i in range(len(categories))])
    sizes = {sum(r) for r in rows}
    if len(sizes) > 1:
        raise ValueError("Fleiss' kappa needs the same number of markers on every unit: "
                         f"found {sorted(sizes)}")
    if sizes and min(sizes) < 2:
        raise ValueError("Fleiss' kappa needs at least two markers on each unit")
    return rows


def mean_pairwise_agreement(units: Sequence[Sequence], categories: Sequence) -> Value:
    """Fleiss' P-bar: over units, the share of pairs of markers that agree."""
    rows = _count_rows(units, categories)
    if not rows:
        return Undefined(NO_UNITS)
    m = sum(rows[0])
    return sum((sum(c * c for c in r) - m) / (m * (m - 1)) for r in rows) / len(rows)


def fleiss_kappa(units: Sequence[Sequence], categories: Sequence) -> Value:
    """Fleiss' kappa (1971): every unit marked by the same number m >= 2 of markers (who they are
    may differ). `units`: the values given to each unit."""
    rows = _count_rows(units, categories)
    if not rows:
        return Undefined(NO_UNITS)
    n_units, m = len(rows), sum(rows[0])
    p_bar = sum((sum(c * c for c in r) - m) / (m * (m - 1)) for r in rows) / n_units
    p_j = [sum(r[j] for r in rows) / (n_units * m) for j in range(len(categories))]
    p_e = sum(p * p for p in p_j)
    if p_e >= 1 - 1e-15:
        return no_variation([categories[j] for j, p in enumerate(p_j) if p > 0])
    return (p_bar - p_e) / (1 - p_e)


# ---- intervals ------------------------------------------------------------------------
BOOTSTRAP_REPS = 1000
BOOTSTRAP_SEED = 20240501
MAX_UNDEFINED_RESAMPLES = 0.05  # an interval is withheld when more of the resamples than this are undefined


def _percentile_interval(values: list[float]) -> tuple[float, float]:
    values.sort()
    return values[int(0.025 * (len(values) - 1))], values[int(0.975 * (len(values) - 1))]


def _interval_or_reason(values: list[float], undefined: int, reps: int, max_undefined: float):
    if undefined > max_undefined * reps:
        return Undefined(f"{undefined} of {reps} resamples undefined (more than {max_undefined:.0%})")
    return _percentile_interval(values)


def bootstrap_interval(pairs: list, statistic: Callable, reps: int = BOOTSTRAP_REPS, seed: int = BOOTSTRAP_SEED,
                       groups: list | None = None,
                       max_undefined: float = MAX_UNDEFINED_RESAMPLES) -> tuple[float, float] | Undefined:
    """Percentile interval for statistic(sample) resampling cases: `groups[i]` names the case of pairs[i],
    and whole cases are drawn so that answers of one case stay together. Seeded: the same every run.
    A resample whose statistic is undefined is counted; when more than `max_undefined` of them are,
    the interval is Undefined with the count."""
    groups = groups if groups is not None else list(range(len(pairs)))
    by_case: dict = {}
    for p, g in zip(pairs, groups):
        by_case.setdefault(g, []).append(p)
    cases = list(by_case)
    if len(cases) < 2:
        return Undefined("fewer than two cases to resample")
    rng = random.Random(seed)
    values, undefined = [], 0
    for _ in range(reps):
        v = statistic([p for c in rng.choices(cases, k=len(cases)) for p in by_case[c]])
        if defined(v):
            values.append(float(v))
        else:
            undefined += 1
    return _interval_or_reason(values, undefined, reps, max_undefined)


def bootstrap_tables(tables: Sequence, statistics: Callable, names: Sequence[str], reps: int = BOOTSTRAP_REPS,
                     seed: int = BOOTSTRAP_SEED,
                     max_undefined: float = MAX_UNDEFINED_RESAMPLES) -> dict[str, tuple[float, float] | Undefined]:
    """Percentile intervals of several statistics at once, resampling cases: `tables` holds one table
    of counts per case (any shape of numbers); each resample adds up the drawn cases' tables.
    `statistics(totals)` gets every resample's total at once (an array: resamples x the table's shape)
    and returns, by name, an array of the figure per resample, NaN where it is undefined (the batch_*
    functions below). Seeded: the same every run."""
    if len(tables) < 2:
        return {name: Undefined("fewer than two cases to resample") for name in names}
    import numpy as np  # imported when intervals are asked for

    flat = np.asarray([np.asarray(t, dtype=float).ravel() for t in tables])
    shape = np.asarray(tables[0], dtype=float).shape
    rng = np.random.default_rng(seed)
    c = len(tables)
    draws = rng.integers(0, c, size=(reps, c))
    counts = np.zeros((reps, c))
    np.add.at(counts, (np.repeat(np.arange(reps), c), draws.ravel()), 1)
    totals = (counts @ flat).reshape((reps,) + shape)
    figures = statistics(totals)
    out = {}
    for name in names:
        v = np.asarray(figures[name], dtype=float)
        ok = v[~np.isnan(v)]
        out[name] = _interval_or_reason([float(x) for x in ok], int(reps - ok.size), reps, max_undefined)
    return out


# ---- the same figures for many tables at once (the resamples of a bootstrap) --------------
# T: an array of tables, resamples x k x k. Each returns one figure per table, NaN where undefined.
def _safe_ratio(num, den):
    import numpy as np
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den != 0, num / np.where(den != 0, den, 1), np.nan)


def batch_agreement(T):
    import numpy as np
    return _safe_ratio(np.trace(T, axis1=1, axis2=2), T.sum(axis=(1, 2)))


def batch_kappa(T, weights=None):
    import numpy as np
    k = T.shape[1]
    w = np.asarray(disagreement_weights(k, weights))
    n = T.sum(axis=(1, 2))
    observed = _safe_ratio((T * w).sum(axis=(1, 2)), n)
    expected = _safe_ratio(np.einsum("ri,ij,rj->r", T.sum(axis=2), w, T.sum(axis=1)), n * n)
    with np.errstate(invalid="ignore"):
        return np.where((n > 0) & (expected > 0), 1 - _safe_ratio(observed, expected), np.nan)


def batch_ac1(T):
    import numpy as np
    q = T.shape[1]
    n = T.sum(axis=(1, 2))
    if q < 2:
        return np.full(len(T), np.nan)
    pa = _safe_ratio(np.trace(T, axis1=1, axis2=2), n)
    pi = _safe_ratio(T.sum(axis=2) + T.sum(axis=1), (2 * n)[:, None])
    pe = (pi * (1 - pi)).sum(axis=1) / (q - 1)
    return _safe_ratio(pa - pe, 1 - pe)


def batch_alpha(T, level: str = "nominal", values: Sequence[float] | None = None):
    """Krippendorff's alpha of two markers' tables (coincidences T + T^T)."""
    import numpy as np
    k = T.shape[1]
    o = T + np.transpose(T, (0, 2, 1))
    n_c = o.sum(axis=2)
    n = n_c.sum(axis=1)
    idx = np.arange(k)
    if level == "nominal":
        delta = np.broadcast_to((idx[:, None] != idx[None, :]).astype(float), o.shape)
    elif level == "interval":
        x = np.asarray(values, dtype=float)
        delta = np.broadcast_to((x[:, None] - x[None, :]) ** 2, o.shape)
    elif level == "ordinal":
        lo, hi = np.minimum.outer(idx, idx), np.maximum.outer(idx, idx)
        cum = np.cumsum(n_c, axis=1)
        between = cum[:, hi] - cum[:, lo] + n_c[:, lo]  # sum of n_g for g from lo to hi
        delta = (between - (n_c[:, :, None] + n_c[:, None, :]) / 2) ** 2
    else:
        raise ValueError(f"unknown level {level!r}")
    d_o = (o * delta).sum(axis=(1, 2))
    d_e = (n_c[:, :, None] * n_c[:, None, :] * delta).sum(axis=(1, 2))
    with np.errstate(invalid="ignore"):
        return np.where((n > 1) & (d_e > 0), 1 - (n - 1) * _safe_ratio(d_o, d_e), np.nan)

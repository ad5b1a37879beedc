"""Intervals and the direction of travel: Wilson for shares of cases, a bootstrap over cases for points-based scores."""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054
BOOTSTRAP_REPS = 1000
BOOTSTRAP_SEED = 20240501
LARGE_SAMPLE = 1000  # above this many cases the bootstrap gives way to the delta method (same answer, far quicker)


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval for k of n; None when n is 0."""
    if n <= 0:
        return None
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def ratio_interval(achieved: list[float], available: list[float], reps: int = BOOTSTRAP_REPS,
                   seed: int = BOOTSTRAP_SEED) -> tuple[float, float] | None:
    """95% interval for sum(achieved)/sum(available) over cases: a percentile bootstrap resampling cases,
    reproducible from the seed; the delta method for very large samples. None without points available."""
    return ratio_intervals([(achieved, available)], reps, seed)[0]


def ratio_intervals(groups, reps: int = BOOTSTRAP_REPS,
                    seed: int = BOOTSTRAP_SEED) -> list[tuple[float, float] | None]:
    """ratio_interval for many figures at once, each (achieved, available) over its cases: the same
    intervals, to the bit, as one call per figure (docs/METHODS.md, "Intervals").

    Every figure's bootstrap starts the generator afresh from the same seed, so all figures with the
    same number of cases n draw the same resamples: they are drawn once per n. Each figure's resampled
    sums are then added up as ratio_interval adds them, or, for whole-number points, counted exactly.
    """
    import numpy as np  # imported when a report is made

    out: list[tuple[float, float] | None] = []
    by_size: dict[int, list[int]] = {}
    arrays = []
    for i, (achieved, available) in enumerate(groups):
        a = np.asarray(achieved, dtype=float)
        b = np.asarray(available, dtype=float)
        arrays.append((a, b))
        n = len(a)
        out.append(None)
        if n == 0 or not _total_positive(available, b):
            continue
        if n == 1:
            x, y = float(a[0]), float(b[0])
            value = x / y if y else 0.0
            out[i] = (value, value)
        elif n > LARGE_SAMPLE:
            r = a.sum() / b.sum()
            resid = a - r * b
            se = math.sqrt((resid ** 2).sum() * n / (n - 1)) / b.sum()
            out[i] = max(0.0, r - Z95 * se), min(1.0, r + Z95 * se)
        else:
            by_size.setdefault(n, []).append(i)
    for n, members in by_size.items():
        idx = np.random.default_rng(seed).integers(0, n, size=(reps, n))  # what each figure of n cases draws
        sums = _whole_sums(idx, [arrays[i] for i in members], n, reps)
        for k, i in enumerate(members):
            a, b = arrays[i]
            num, den = sums[k] if sums[k] is not None else (a[idx].sum(axis=1), b[idx].sum(axis=1))
            ratios = np.divide(num, den, out=np.zeros_like(num), where=den > 0)[den > 0]
            if ratios.size == 0:
                continue
            lo, hi = np.percentile(ratios, [2.5, 97.5])
            out[i] = float(lo), float(hi)
    return out


_EXACT = 2 ** 53  # below this every whole number, and every sum of them, is exact in floating point


def _whole_sums(idx, pairs: list, n: int, reps: int) -> list:
    """Each resample's sums of achieved and of available, for the figures whose points are whole numbers
    (None for the others), when there are enough of them for it to pay: as integers, from how often each
    case is drawn in each resample. Exact, so the same to the bit as adding up the drawn cases' points
    in floating point in any order (ratio_interval's a[idx].sum(axis=1))."""
    import numpy as np

    whole = [k for k, (a, b) in enumerate(pairs) if _whole(a, n) and _whole(b, n)]
    found: list = [None] * len(pairs)
    if len(whole) < 3:  # tallying the draws costs about what adding up three figures' draws does
        return found
    counts = np.bincount((idx + np.arange(reps)[:, None] * n).ravel(), minlength=reps * n).reshape(reps, n)
    for start in range(0, len(whole), 64):  # a block of figures at a time: memory stays small
        block = whole[start:start + 64]
        num = (counts @ np.column_stack([pairs[k][0] for k in block]).astype(np.int64)).astype(float)
        den = (counts @ np.column_stack([pairs[k][1] for k in block]).astype(np.int64)).astype(float)
        for j, k in enumerate(block):
            found[k] = (num[:, j], den[:, j])
    return found


def _whole(x, n: int) -> bool:
    """Whole numbers, none of them -0.0, small enough that n of them add up exactly."""
    import numpy as np

    if not np.isfinite(x).all() or (x != np.round(x)).any() or np.abs(x).max() * n >= _EXACT:
        return False
    return not np.signbit(x[x == 0]).any()  # a sum of -0.0s is -0.0 in floating point, 0 as an integer


def _total_positive(available, b) -> bool:
    """sum(available) > 0, as ratio_interval has always asked it."""
    if b.size and (b >= 0).all():  # no negative and no NaN: the sum is positive when any term is
        return bool((b > 0).any())
    return not sum(available if isinstance(available, list) else b.tolist()) <= 0


@dataclass(frozen=True)
class Travel:
    baseline: float | None
    now: float | None
    change_pp: float | None
    direction: str          # improved, declined, static, or "" when there is nothing to compare
    within_noise: bool

    @property
    def arrow(self) -> str:
        return {"improved": "▲", "declined": "▼", "static": "▶"}.get(self.direction, "")

    @property
    def noted(self) -> bool:
        """Improved or declined by the rule, but by less than the uncertainty of the two figures."""
        return self.within_noise and self.direction in ("improved", "declined")

    @property
    def words(self) -> str:
        """The direction as every view shows it: '▲ improved', '▲ improved (within the noise)', '▶ static'."""
        if not self.direction:
            return ""
        return f"{self.arrow} {self.direction}" + (" (within the noise)" if self.noted else "")


def direction_of_travel(baseline: float | None, now: float | None, threshold_pp: float = 1.0,
                        now_ci: tuple[float, float] | None = None,
                        baseline_ci: tuple[float, float] | None = None) -> Travel:
    """Improved or declined when the change reaches the threshold (in percentage points), else static.

    The change is taken to 1e-9 of a point so that 1.0 computed as 0.9999999 still counts as 1.0.
    Within the noise: the change is smaller than the two intervals' half-widths combined.
    """
    if baseline is None or now is None:
        return Travel(baseline, now, None, "", False)
    change = round((now - baseline) * 100, 9)
    if change >= threshold_pp:
        direction = "improved"
    elif change <= -threshold_pp:
        direction = "declined"
    else:
        direction = "static"
    halves = [(ci[1] - ci[0]) / 2 * 100 for ci in (now_ci, baseline_ci) if ci is not None]
    noise = math.sqrt(sum(h * h for h in halves)) if halves else 0.0
    return Travel(baseline, now, change, direction, bool(halves) and abs(change) < noise)

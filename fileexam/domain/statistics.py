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
    n = len(achieved)
    total = sum(available)
    if n == 0 or total <= 0:
        return None
    if n == 1:
        value = achieved[0] / available[0] if available[0] else 0.0
        return value, value
    import numpy as np  # imported when a report is made

    a = np.asarray(achieved, dtype=float)
    b = np.asarray(available, dtype=float)
    if n > LARGE_SAMPLE:
        r = a.sum() / b.sum()
        resid = a - r * b
        se = math.sqrt((resid ** 2).sum() * n / (n - 1)) / b.sum()
        return max(0.0, r - Z95 * se), min(1.0, r + Z95 * se)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(reps, n))
    num = a[idx].sum(axis=1)
    den = b[idx].sum(axis=1)
    ratios = np.divide(num, den, out=np.zeros_like(num), where=den > 0)[den > 0]
    if ratios.size == 0:
        return None
    lo, hi = np.percentile(ratios, [2.5, 97.5])
    return float(lo), float(hi)


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

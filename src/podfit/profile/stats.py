"""Small-sample statistics for racing: mean and a Student-t confidence interval.

The t quantile uses the Cornish-Fisher expansion around the normal quantile (within 1 % of the
exact value from 3 degrees of freedom up), so no SciPy is needed for five numbers.
"""

from __future__ import annotations

import math
from statistics import NormalDist, fmean, stdev

from podfit.core.capacity import Interval


def t_quantile(p: float, df: int) -> float:
    """Approximate Student-t quantile ``p`` (e.g. 0.975) with ``df`` degrees of freedom."""
    z = NormalDist().inv_cdf(p)
    if df <= 0:
        return math.inf
    n = float(df)
    terms = (
        (z**3 + z) / 4,
        (5 * z**5 + 16 * z**3 + 3 * z) / 96,
        (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384,
        (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160,
    )
    exact_small = {1: 12.706, 2: 4.303}  # the expansion is poor below 3 df (95 % two-sided)
    if df in exact_small and abs(p - 0.975) < 1e-9:
        return exact_small[df]
    return z + sum(term / n ** (i + 1) for i, term in enumerate(terms))


def interval(samples: list[float] | tuple[float, ...], confidence: float = 0.95) -> Interval:
    """Mean with its two-sided ``confidence`` interval; one sample has an unbounded one,
    reported as ±100 % so comparisons treat it as unknown."""
    values = [float(v) for v in samples]
    if not values:
        return Interval(0.0, 0.0, 0.0, 0)
    mean = fmean(values)
    if len(values) == 1:
        return Interval(mean, 0.0, 2 * mean, 1)
    half = t_quantile(0.5 + confidence / 2, len(values) - 1) * stdev(values) / math.sqrt(
        len(values))
    return Interval(mean, max(0.0, mean - half), mean + half, len(values))


def relative_half_width(value: Interval) -> float:
    """Half the interval as a share of the value (0.05 = ±5 %)."""
    return (value.high - value.low) / 2 / value.value if value.value > 0 else math.inf


def coefficient_of_variation(samples: list[float] | tuple[float, ...]) -> float:
    values = [float(v) for v in samples]
    if len(values) < 2 or fmean(values) <= 0:
        return 0.0
    return stdev(values) / fmean(values)


def slope(points: list[tuple[float, float]],
          confidence: float = 0.95) -> tuple[float, float, float]:
    """Least-squares slope of y on x with its confidence interval (value, low, high)."""
    n = len(points)
    if n < 3:
        return 0.0, -math.inf, math.inf
    mx = fmean(x for x, _ in points)
    my = fmean(y for _, y in points)
    sxx = sum((x - mx) ** 2 for x, _ in points)
    if sxx <= 0:
        return 0.0, -math.inf, math.inf
    b = sum((x - mx) * (y - my) for x, y in points) / sxx
    residual = sum((y - my - b * (x - mx)) ** 2 for x, y in points)
    se = math.sqrt(residual / (n - 2) / sxx)
    half = t_quantile(0.5 + confidence / 2, n - 2) * se
    return b, b - half, b + half

"""Pure statistics for the demo's tables: per-level accuracy, intervals over seeds, paired differences.

    >>> per_level_accuracy([1, 1, 2, 2], [True, False, True, True])
    {1: 0.5, 2: 1.0}
    >>> mean_interval([0.5, 0.7, 0.6])      # mean 0.6, sd 0.1, t(0.975, df=2) = 4.303 -> 0.6 ± 0.248
    (0.6, 0.2484)
"""

from __future__ import annotations

import math
from collections import defaultdict

# Two-sided 95 % Student-t quantiles t(0.975, df) for df = 1..30; beyond that the normal 1.96 is close enough.
T_975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
         2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


def t_quantile_975(df: int) -> float:
    """t(0.975, df): the half-width multiplier of a 95 % interval of a mean of df + 1 values."""
    if df < 1:
        raise ValueError(f"a t interval needs at least 2 values (df >= 1), got df={df}")
    return T_975[df - 1] if df <= len(T_975) else 1.96


def per_level_accuracy(levels: list[int], correct: list[bool]) -> dict[int, float]:
    """Fraction correct for each level, levels in ascending order."""
    totals, hits = defaultdict(int), defaultdict(int)
    for level, ok in zip(levels, correct, strict=True):
        totals[level] += 1
        hits[level] += bool(ok)
    return {level: hits[level] / totals[level] for level in sorted(totals)}


def mean_interval(values: list[float]) -> tuple[float, float]:
    """(mean, half-width of its 95 % t interval), rounded to 4 places; half-width 0.0 for a single value.

    Seeds are the unit of replication: each value is one seed's accuracy, so the interval says how much
    the result moves with the seed (model init of RL sampling, data order), not only with the test problems.
    """
    if not values:
        raise ValueError("mean_interval needs at least one value")
    mean = sum(values) / len(values)
    if len(values) == 1:
        return round(mean, 4), 0.0
    variance = sum((v - mean) ** 2 for v in values) / (len(values) - 1)
    return round(mean, 4), round(t_quantile_975(len(values) - 1) * math.sqrt(variance / len(values)), 4)


def wilson_interval(hits: int, total: int) -> tuple[float, float]:
    """95 % Wilson score interval (low, high) of a proportion hits/total: the test-set noise of one accuracy.

    >>> wilson_interval(50, 100)    # centre 0.5, half-width 1.96 * sqrt(.25/100 + 1.96²/4e4) / (1 + 1.96²/100)
    (0.4038, 0.5962)
    """
    if total <= 0:
        raise ValueError("wilson_interval needs total > 0")
    z = 1.96
    p = hits / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return round(centre - half, 4), round(centre + half, 4)


def paired_differences(a: list[float], b: list[float]) -> list[float]:
    """b - a per seed: both runs of one seed share base model, data and seed, so the difference is paired."""
    return [round(y - x, 10) for x, y in zip(a, b, strict=True)]


def group_all_fail_fraction(correct: list[bool], group_size: int) -> float:
    """Fraction of consecutive groups of `group_size` with no correct completion (GRPO gets no signal from them).

    >>> group_all_fail_fraction([False, False, True, False], 2)    # groups (F, F) and (T, F): one of two
    0.5
    """
    if group_size <= 0 or len(correct) % group_size:
        raise ValueError(f"{len(correct)} completions do not split into groups of {group_size}")
    groups = [correct[i : i + group_size] for i in range(0, len(correct), group_size)]
    return sum(not any(group) for group in groups) / len(groups)


def aggregate_over_seeds(per_seed: list[dict[int, float]]) -> dict[int, tuple[float, float]]:
    """{level: (mean, 95 % half-width)} from one {level: accuracy} dict per seed (keys in the first dict's order)."""
    return {level: mean_interval([seed[level] for seed in per_seed]) for level in per_seed[0]}


def moving_average(values: list[float], window: int) -> list[float]:
    """Trailing mean over the last `window` values (fewer at the start), same length as `values`.

    >>> moving_average([0, 2, 4, 6], 2)      # [0/1, (0+2)/2, (2+4)/2, (4+6)/2]
    [0.0, 1.0, 3.0, 5.0]
    """
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    return [sum(values[max(0, i - window + 1) : i + 1]) / (i + 1 - max(0, i - window + 1)) for i in range(len(values))]


"""Accuracies with honest 95 % intervals. Pure functions: lists of per-problem scores in, numbers out.

A benchmark's accuracy is the mean over problems of each problem's mean over its k samples
(avg@k). Its interval:
  k = 1  the binomial (Wilson score) interval, which, unlike p +- 1.96 SE, does not shrink to a
         point at 0 % or 100 %; the binomial standard error is reported next to it;
  k > 1  a percentile bootstrap over problems (problems resampled with replacement, fixed seed).
An average over benchmarks is the plain mean of their accuracies; its interval combines theirs
(MOVER, see `average_with_interval`). A difference between two runs resamples the
problems both runs answered, keeping each problem's pair together (a paired bootstrap).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

Z_95 = 1.959964
RESAMPLES = 2000


def binomial_stderr(correct: int, n: int) -> float:
    """sqrt(p (1 - p) / n). For 3 correct of 12: p = 0.25, sqrt(0.25 * 0.75 / 12) = 0.125.

    >>> binomial_stderr(3, 12)
    0.125
    """
    p = correct / n
    return math.sqrt(p * (1 - p) / n)


def wilson_interval(correct: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval for `correct` successes out of `n`.

    0 of 20: centre z^2/2 / (20 + z^2) = 1.92 / 23.84, half-width the same, so [0, 0.161].

    >>> [round(x, 3) for x in wilson_interval(0, 20)]
    [0.0, 0.161]
    >>> [round(x, 3) for x in wilson_interval(5, 10)]
    [0.237, 0.763]
    """
    p = correct / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # At 0 or n successes one end is exactly 0 or 1; say so rather than trust the rounding.
    low = 0.0 if correct == 0 else max(0.0, centre - half)
    high = 1.0 if correct == n else min(1.0, centre + half)
    return low, high


def bootstrap_means(groups: Sequence[Sequence[float]], resamples: int = RESAMPLES, seed: int = 0) -> np.ndarray:
    """(resamples, len(groups)): each row, every group resampled with replacement and averaged.

    Each group is resampled on its own (a stratified bootstrap); the same seed gives the same rows.
    """
    rng = np.random.default_rng(seed)
    columns = []
    for group in groups:
        values = np.asarray(group, dtype=float)  # (N,)
        picks = rng.integers(0, len(values), size=(resamples, len(values)))  # (R, N)
        columns.append(values[picks].mean(axis=1))  # (R,)
    return np.stack(columns, axis=1)  # (R, G)


def percentile_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """The central `level` share of `values`: its 2.5th and 97.5th percentiles for 0.95.

    >>> [round(x, 6) for x in percentile_interval(np.arange(101.0))]
    [2.5, 97.5]
    """
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def accuracy_with_interval(per_problem: Sequence[float], samples: int, resamples: int = RESAMPLES,
                           seed: int = 0) -> dict:
    """{accuracy, ci_low, ci_high, stderr, interval}; per_problem holds each problem's mean score.

    k = 1, scores [1, 0, 0, 1]: accuracy 0.5, stderr sqrt(0.25 / 4) = 0.25, Wilson interval.
    When every problem has the same score (all 0 or all 1), a bootstrap can only return that
    point: the Wilson interval over problems is used instead, so 0 of 20 never reads "0 +- 0".

    >>> result = accuracy_with_interval([1, 0, 0, 1], samples=1)
    >>> result["accuracy"], result["stderr"], result["interval"]
    (0.5, 0.25, 'binomial (Wilson)')
    >>> [round(x, 3) for x in accuracy_with_interval([0.0] * 20, samples=4).values() if isinstance(x, float)]
    [0.0, 0.0, 0.161, 0.0]
    """
    scores = np.asarray(per_problem, dtype=float)
    accuracy = float(scores.mean())
    degenerate = bool(np.all(scores == 0) or np.all(scores == 1))
    if samples == 1 or degenerate:
        correct = int(round(scores.sum()))
        low, high = wilson_interval(correct, len(scores))
        method = "binomial (Wilson)" if samples == 1 else "binomial (Wilson) over problems: all scored alike"
        return dict(accuracy=accuracy, ci_low=low, ci_high=high, stderr=binomial_stderr(correct, len(scores)),
                    interval=method)
    means = bootstrap_means([scores], resamples, seed)[:, 0]  # (R,)
    low, high = percentile_interval(means)
    return dict(accuracy=accuracy, ci_low=low, ci_high=high, stderr=float(means.std(ddof=1)),
                interval=f"bootstrap over problems ({resamples})")


def average_with_interval(results: Sequence[dict]) -> dict:
    """{accuracy, ci_low, ci_high, interval}: the plain mean of the benchmarks' accuracies, with
    their 95 % intervals combined by MOVER (Zou & Donner 2008), which stays honest at 0 % and 100 %:
        low  = mean - sqrt(sum((p_i - low_i)^2)) / m,   high = mean + sqrt(sum((high_i - p_i)^2)) / m.

    Two benchmarks at 0 % with intervals [0, 0.4]: high = sqrt(0.16 + 0.16) / 2 = 0.283.

    >>> average = average_with_interval([dict(accuracy=0.0, ci_low=0.0, ci_high=0.4)] * 2)
    >>> average["accuracy"], round(average["ci_high"], 3)
    (0.0, 0.283)
    """
    m = len(results)
    accuracy = sum(r["accuracy"] for r in results) / m
    below = math.sqrt(sum((r["accuracy"] - r["ci_low"]) ** 2 for r in results)) / m
    above = math.sqrt(sum((r["ci_high"] - r["accuracy"]) ** 2 for r in results)) / m
    return dict(accuracy=accuracy, ci_low=max(0.0, accuracy - below), ci_high=min(1.0, accuracy + above),
                interval="MOVER combination of the benchmarks' intervals")


def paired_difference(per_benchmark_pairs: Sequence[tuple[Sequence[float], Sequence[float]]],
                      resamples: int = RESAMPLES, seed: int = 0) -> dict:
    """B - A over shared problems: {difference, ci_low, ci_high, excludes_zero}.

    Each entry is (A's scores, B's scores) on the same problems in the same order; with several
    entries the difference is that of the averages over benchmarks.

    >>> result = paired_difference([([0, 0, 1, 1], [1, 1, 1, 1])])   # 1.0 - 0.5
    >>> result["difference"], result["excludes_zero"]
    (0.5, False)
    """
    differences = [np.asarray(b, dtype=float) - np.asarray(a, dtype=float) for a, b in per_benchmark_pairs]
    difference = float(np.mean([d.mean() for d in differences]))
    resampled = bootstrap_means(differences, resamples, seed).mean(axis=1)  # (R,)
    low, high = percentile_interval(resampled)
    return dict(difference=difference, ci_low=low, ci_high=high, excludes_zero=bool(low > 0 or high < 0))

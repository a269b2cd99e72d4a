"""Accuracies with honest 95 % intervals. Pure functions: lists of per-problem scores in, numbers out.

A benchmark's accuracy is the mean over problems of each problem's mean over its k samples
(avg@k). Its interval:
  k = 1  the binomial (Wilson score) interval, which, unlike p +- 1.96 SE, does not shrink to a
         point at 0 % or 100 %; the binomial standard error is reported next to it;
  k > 1  a percentile bootstrap over problems (problems resampled with replacement, fixed seed).
An average over benchmarks is the plain mean of their accuracies; its interval resamples problems
within each benchmark (a stratified bootstrap). A difference between two runs resamples the
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
    return max(0.0, centre - half), min(1.0, centre + half)


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

    >>> percentile_interval(np.arange(101.0))
    (2.5, 97.5)
    """
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def accuracy_with_interval(per_problem: Sequence[float], samples: int, resamples: int = RESAMPLES,
                           seed: int = 0) -> dict:
    """{accuracy, ci_low, ci_high, stderr, interval}; per_problem holds each problem's mean score.

    k = 1, scores [1, 0, 0, 1]: accuracy 0.5, stderr sqrt(0.25 / 4) = 0.25, Wilson interval.

    >>> result = accuracy_with_interval([1, 0, 0, 1], samples=1)
    >>> result["accuracy"], result["stderr"], result["interval"]
    (0.5, 0.25, 'binomial (Wilson)')
    """
    scores = np.asarray(per_problem, dtype=float)
    accuracy = float(scores.mean())
    if samples == 1:
        correct = int(round(scores.sum()))
        low, high = wilson_interval(correct, len(scores))
        return dict(accuracy=accuracy, ci_low=low, ci_high=high, stderr=binomial_stderr(correct, len(scores)),
                    interval="binomial (Wilson)")
    means = bootstrap_means([scores], resamples, seed)[:, 0]  # (R,)
    low, high = percentile_interval(means)
    return dict(accuracy=accuracy, ci_low=low, ci_high=high, stderr=float(means.std(ddof=1)),
                interval=f"bootstrap over problems ({resamples})")


def average_with_interval(per_benchmark: Sequence[Sequence[float]], resamples: int = RESAMPLES,
                          seed: int = 0) -> dict:
    """{accuracy, ci_low, ci_high}: the mean of the benchmarks' accuracies, stratified bootstrap.

    >>> average_with_interval([[1, 1], [0, 0, 0, 0]])["accuracy"]   # (1.0 + 0.0) / 2
    0.5
    """
    accuracy = float(np.mean([np.mean(scores) for scores in per_benchmark]))
    averages = bootstrap_means(per_benchmark, resamples, seed).mean(axis=1)  # (R,)
    low, high = percentile_interval(averages)
    return dict(accuracy=accuracy, ci_low=low, ci_high=high, interval=f"stratified bootstrap ({resamples})")


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

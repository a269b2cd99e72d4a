"""Intervals: hand-worked Wilson and MOVER values, bootstrap reproducibility, paired differences."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ghpo.eval.stats import (
    accuracy_with_interval,
    average_with_interval,
    binomial_stderr,
    bootstrap_means,
    paired_difference,
    percentile_interval,
    wilson_interval,
)


def test_binomial_stderr_by_hand():
    # 8 of 32: p = 0.25, sqrt(0.25 * 0.75 / 32) = sqrt(0.005859375) = 0.0765466
    assert binomial_stderr(8, 32) == pytest.approx(0.0765466, abs=1e-6)
    assert binomial_stderr(0, 10) == 0.0


def test_wilson_interval_by_hand():
    # 2 of 10, z = 1.96: centre (0.2 + 0.19208) / 1.38416 = 0.28330;
    # half 1.96 * sqrt(0.016 + 0.0096040) / 1.38416 = 0.22661 -> [0.0567, 0.5099]
    low, high = wilson_interval(2, 10)
    assert (low, high) == pytest.approx((0.0567, 0.5099), abs=1e-4)


@pytest.mark.parametrize(("correct", "n"), [(0, 5), (5, 5), (0, 500)])
def test_wilson_interval_is_never_a_point_at_the_edges(correct, n):
    low, high = wilson_interval(correct, n)
    assert 0.0 <= low < high <= 1.0
    assert (low == 0.0) if correct == 0 else (high == pytest.approx(1.0))


def test_bootstrap_means_shape_and_seed():
    groups = [[0, 1, 1], [1, 0, 0, 0, 1]]
    first = bootstrap_means(groups, resamples=50, seed=3)
    assert first.shape == (50, 2)
    np.testing.assert_array_equal(first, bootstrap_means(groups, resamples=50, seed=3))
    assert not np.array_equal(first, bootstrap_means(groups, resamples=50, seed=4))
    # every resampled mean of [0, 1, 1] is k/3 for some k
    assert set(np.round(first[:, 0] * 3, 9)) <= {0.0, 1.0, 2.0, 3.0}


def test_percentile_interval():
    assert percentile_interval(np.array([5.0] * 10)) == (5.0, 5.0)
    assert percentile_interval(np.arange(1001.0), level=0.9) == pytest.approx((50.0, 950.0))


def test_accuracy_k1_uses_wilson_and_reports_the_standard_error():
    result = accuracy_with_interval([1, 0, 0, 0, 0, 0, 0, 0, 1, 0], samples=1)  # 2 of 10
    assert result["accuracy"] == 0.2
    assert result["stderr"] == pytest.approx(math.sqrt(0.2 * 0.8 / 10))
    assert (result["ci_low"], result["ci_high"]) == pytest.approx(wilson_interval(2, 10))


def test_accuracy_avg_at_k_bootstraps_over_problems():
    # avg@4 on 6 problems: means 0.25, 0.5, 0, 1, 0.75, 0.5 -> accuracy 3 / 6 = 0.5
    per_problem = [0.25, 0.5, 0.0, 1.0, 0.75, 0.5]
    result = accuracy_with_interval(per_problem, samples=4, resamples=500, seed=0)
    assert result["accuracy"] == 0.5 and result["interval"].startswith("bootstrap over problems")
    assert 0.0 <= result["ci_low"] < 0.5 < result["ci_high"] <= 1.0
    assert result == accuracy_with_interval(per_problem, samples=4, resamples=500, seed=0)  # fixed seed


def test_average_of_benchmarks_by_hand():
    # accuracies 0.2 and 0.6 -> mean 0.4; below = sqrt(0.1^2 + 0.2^2) / 2 = 0.1118;
    # above = sqrt(0.3^2 + 0.1^2) / 2 = 0.1581
    results = [dict(accuracy=0.2, ci_low=0.1, ci_high=0.5), dict(accuracy=0.6, ci_low=0.4, ci_high=0.7)]
    average = average_with_interval(results)
    assert average["accuracy"] == pytest.approx(0.4)
    assert (average["ci_low"], average["ci_high"]) == pytest.approx((0.4 - 0.1118034, 0.4 + 0.1581139))


def test_average_of_one_benchmark_is_that_benchmark():
    average = average_with_interval([dict(accuracy=0.3, ci_low=0.2, ci_high=0.45)])
    assert (average["accuracy"], average["ci_low"], average["ci_high"]) == pytest.approx((0.3, 0.2, 0.45))


def test_paired_difference_all_better_excludes_zero():
    # B right on 30 problems A got wrong, equal elsewhere: every resample has a positive difference.
    a = [0.0] * 30 + [1.0] * 20
    b = [1.0] * 30 + [1.0] * 20
    result = paired_difference([(a, b)], resamples=500)
    assert result["difference"] == pytest.approx(0.6) and result["excludes_zero"] and result["ci_low"] > 0


def test_paired_difference_identical_runs():
    scores = [1.0, 0.0, 1.0, 0.5]
    assert paired_difference([(scores, scores)]) == dict(difference=0.0, ci_low=0.0, ci_high=0.0,
                                                          excludes_zero=False)


def test_paired_difference_is_antisymmetric_and_averages_benchmarks():
    a1, b1 = [0, 1, 0, 1], [1, 1, 1, 1]  # +0.5
    a2, b2 = [1, 1], [0, 1]  # -0.5
    forward = paired_difference([(a1, b1), (a2, b2)], resamples=300, seed=1)
    backward = paired_difference([(b1, a1), (b2, a2)], resamples=300, seed=1)
    assert forward["difference"] == pytest.approx(0.0)  # (0.5 - 0.5) / 2
    assert (forward["ci_low"], forward["ci_high"]) == pytest.approx((-backward["ci_high"], -backward["ci_low"]))

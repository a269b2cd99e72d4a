"""The ladder's pure parts: hard-group detection, splicing, padding, metrics. Hand-worked values."""

import math

import pytest
import torch

from ghpo.ladder import (
    LadderRecord,
    check_whole_groups_per_process,
    group_rows,
    hard_group_mask,
    metrics_from_counts,
    pad_with_dummy_groups,
    splice_groups,
)


def test_hard_groups_are_all_fail_groups():
    # G = 3; group 0: all wrong; group 1: one right; group 2: all right
    accuracy = torch.tensor([0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0])
    assert hard_group_mask(accuracy, 3).tolist() == [True, False, False]


def test_negative_and_nan_rewards_count_as_failures():
    accuracy = torch.tensor([-1.0, math.nan, 0.5, math.nan])  # G = 2
    assert hard_group_mask(accuracy, 2).tolist() == [True, False]


def test_one_group_and_wrong_size():
    assert hard_group_mask(torch.zeros(4), 4).tolist() == [True]
    with pytest.raises(ValueError, match="do not split"):
        hard_group_mask(torch.zeros(5), 2)


def test_group_rows_and_splice():
    assert group_rows([1, 3], 2) == [2, 3, 6, 7]
    rows = ["a0", "a1", "b0", "b1", "c0", "c1"]
    assert splice_groups(rows, ["C0", "C1", "A0", "A1"], [2, 0], 2) == ["A0", "A1", "b0", "b1", "C0", "C1"]
    assert rows[0] == "a0"  # not mutated
    with pytest.raises(ValueError, match="new rows"):
        splice_groups(rows, ["x"], [0], 2)


def test_padding_with_whole_dummy_groups():
    assert pad_with_dummy_groups(["h", "h"], 1, 3, "d", 2) == ["h", "h", "d", "d", "d", "d"]
    assert pad_with_dummy_groups([], 0, 1, "d", 2) == ["d", "d"]
    with pytest.raises(ValueError):
        pad_with_dummy_groups(["h", "h"], 1, 0, "d", 2)


def test_metrics_from_a_hand_worked_ladder():
    # 4 groups of G=2: 1 solved without hint (2 correct completions), 3 hard; 1 hard group has no solution.
    # Rung 0.25: 2 groups sent, 1 solved. Rung 0.5: 1 sent, 0 solved -> 1 unsolved at the top.
    record = LadderRecord(num_groups=4, ratios=[0.25, 0.5], hard_before=3, unhintable=1,
                          hard_at_rung=[2, 1], solved_at_rung=[1, 0], hint_tokens=30,
                          prehint_correct=2.0, num_completions=8,
                          final_ratio_per_group=[0.0, 0.25, 0.5, 0.0])
    metrics = metrics_from_counts(record.counts(), record.ratios)
    assert metrics["ghpo/prehint_accuracy"] == 2 / 8
    assert metrics["ghpo/hard_frac"] == 3 / 4
    assert metrics["ghpo/hinted_frac"] == 2 / 4
    assert metrics["ghpo/mean_hint_ratio"] == (0.25 + 0.5) / 2
    assert metrics["ghpo/unhintable_frac"] == 1 / 4
    assert metrics["ghpo/hard_frac_at_0.25"] == 2 / 4 and metrics["ghpo/solved_frac_at_0.25"] == 1 / 4
    assert metrics["ghpo/hard_frac_at_0.5"] == 1 / 4 and metrics["ghpo/solved_frac_at_0.5"] == 0
    assert metrics["ghpo/unsolved_after_ladder_frac"] == 1 / 4
    assert metrics["ghpo/hint_tokens"] == 30


def test_metrics_without_a_ladder_still_report_prehint_numbers():
    record = LadderRecord(num_groups=2, ratios=[], hard_before=1, prehint_correct=3.0, num_completions=4,
                          final_ratio_per_group=[0.0, 0.0])
    metrics = metrics_from_counts(record.counts(), [])
    assert metrics["ghpo/hard_frac"] == 0.5 and metrics["ghpo/prehint_accuracy"] == 0.75
    assert "ghpo/unsolved_after_ladder_frac" not in metrics


def test_each_process_must_hold_whole_groups():
    check_whole_groups_per_process(per_device_batch=2, steps_per_generation=2, group_size=4)  # 4 rows: fine
    with pytest.raises(ValueError, match=r"\(2\) x steps_per_generation \(1\) = 2 must be a multiple of num_generations \(4\)"):
        check_whole_groups_per_process(per_device_batch=2, steps_per_generation=1, group_size=4)

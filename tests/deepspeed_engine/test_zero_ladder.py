"""The hint ladder under ZeRO-2 / ZeRO-3 with hard groups spread unevenly over the 2 processes (one rank all hard,
the other none, then the reverse): every ladder mode and variant completes (no hang: a rank with fewer hard groups
pads with dummy groups, and ZeRO-3 gathers parameters for each of its generation calls), and gives the same hints
and the same `ghpo/*` metrics as the DDP run (torchrun, gloo) of the same seed.

fp32 throughout (bf16 off): then DDP and ZeRO sample the same tokens, so even the token counts must agree.
"""

from __future__ import annotations

import json

import pytest
from zero_launch import DDP_COMMAND, LADDER_SCRIPT, assert_zero_engine, check, launch, rank_records, zero_launch_command

from ghpo.testing import MIXED

pytestmark = pytest.mark.deepspeed

UNEVEN = [0.75, 0.25, 0.0, 0.0, 0.0, 0.0, 5.0, 0.5]  # step 1: rank 0 two hard groups, rank 1 none; step 2 reversed
SHUFFLED = {"max_steps": 8, "shuffle_dataset": True}  # two shuffled epochs: memory must be shared by both ranks
MODES = {
    "sequential": {},
    "parallel": {"ladder_mode": "parallel"},
    "speculative_memory": {"ladder_mode": "speculative", "difficulty_memory": True, **SHUFFLED},
    "memory_hint_first": {"difficulty_memory": True, "hint_first_generation": True, **SHUFFLED},
    "resampling": {"needs": [5.0, 0.0] + [MIXED] * 14, "rl_type": "grpo", "zero_variance_resampling": True,
                   "resample_max_rounds": 3, "max_steps": 2},
    "imitation": {"hint_imitation_coef": 0.5},
    # one group a rank a step (batch 4): the ranks split each step of one global difficulty order
    "curriculum": {"batch": 4, "levels": [3, 1, 2, 3, 1, 2, 1, 2], "curriculum_column": "level",
                   "shuffle_dataset": True},
    "fixed_hint": {"batch": 4, "levels": [3, 1, 2, 3, 1, 2, 1, 2], "curriculum_column": "level", "rl_type": "grpo",
                   "fixed_hint_ratio": 0.5},
    # answer-only problems: 0-11 solved bare in epoch 1 only, hinted in epoch 2 from the store (either rank's)
    "self_hints": {"hint_source": "self", "bare_until": [4] * 12 + [0] * 4, "needs": [0.0] * 16, **SHUFFLED},
}
ZERO2_MODES = ["sequential", "speculative_memory", "resampling", "imitation"]  # ZeRO-3 runs them all


def ladder_run(command: list[str], model_dir: str, folder, mode: str) -> list[dict]:
    folder.mkdir(parents=True, exist_ok=True)
    overrides = {"needs": UNEVEN, "bf16": False, **MODES[mode]}
    batch = overrides.pop("batch", 8)
    check(launch([*command, str(LADDER_SCRIPT), model_dir, str(folder), str(batch), "0", json.dumps(overrides)]))
    return rank_records(folder)


@pytest.fixture(scope="module")
def ddp_runs(tiny_model_dir, tmp_path_factory):
    """The DDP reference of each mode, run once and shared by both ZeRO stages."""
    cache = {}

    def get(mode: str) -> list[dict]:
        if mode not in cache:
            cache[mode] = ladder_run(DDP_COMMAND, tiny_model_dir, tmp_path_factory.mktemp(f"ddp-{mode}"), mode)
            assert [record["engine"]["type"] for record in cache[mode]] == ["MULTI_CPU", "MULTI_CPU"]
        return cache[mode]

    return get


def ghpo_metrics(record: dict) -> list[dict]:
    return [{key: value for key, value in entry.items() if key.startswith("ghpo/")}
            for entry in record["logs"] if "ghpo/hard_frac" in entry]


@pytest.mark.parametrize("stage, mode", [(3, mode) for mode in MODES] + [(2, mode) for mode in ZERO2_MODES])
def test_zero_ladder_matches_ddp_with_uneven_hard_groups(tiny_model_dir, tmp_path, ddp_runs, stage, mode):
    zero = ladder_run(zero_launch_command(stage), tiny_model_dir, tmp_path, mode)
    assert_zero_engine(zero, stage)
    ddp = ddp_runs(mode)
    for zero_rank, ddp_rank in zip(zero, ddp, strict=True):
        assert zero_rank["decisions"] == ddp_rank["decisions"]  # the hint each group kept
        assert zero_rank["questions"] == ddp_rank["questions"]  # the same problems, step by step (sampler)
        assert zero_rank["own_solutions"] == ddp_rank["own_solutions"]  # self-hints: the same store (else None)
        got, expected = ghpo_metrics(zero_rank), ghpo_metrics(ddp_rank)
        assert len(got) == len(expected) > 0
        for step, (got_step, expected_step) in enumerate(zip(got, expected, strict=True)):
            assert got_step.keys() == expected_step.keys()
            for key, value in expected_step.items():
                assert got_step[key] == pytest.approx(value, rel=1e-4, abs=1e-6), (step, key)
    if mode == "resampling":  # no hints: the refills are what must have happened
        assert ghpo_metrics(zero[0])[0]["ghpo/resample_refilled_frac"] == 0.5
    else:
        assert any(ratio > 0 for record in zero for ratio in record["decisions"].values()), "no hint: tests nothing"

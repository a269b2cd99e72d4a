"""Two CPU processes (torchrun, gloo) with different numbers of hard groups per rank: no deadlock, same hints as one process."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("multiprocess_ladder.py")
REPO = Path(__file__).resolve().parents[1]
TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]  # gloo on CPU
# NEEDS of multiprocess_ladder.py -> the rung each problem leaves the ladder at (5.0: never, keeps the top rung)
EXPECTED = {0: 0.75, 1: 0.25, 2: 0.0, 3: 0.0, 4: 0.0, 5: 0.0, 6: 0.75, 7: 0.5}


def run(command, tmp_path):
    result = launch(command)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    decisions = {}
    for path in sorted(tmp_path.glob("decisions.rank*.json")):
        decisions.update(json.loads(path.read_text())["decisions"])
    return {int(question.split()[1].rstrip(":")): ratio for question, ratio in decisions.items()}


def launch(command, cwd=None) -> subprocess.CompletedProcess:
    """Run to the end. No retry: a run that stalls (e.g. at exit, see GHPOTrainer.close) must fail the test."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=cwd)


def test_two_processes_with_uneven_hard_groups_match_one_process(tiny_model_dir, tmp_path):
    two = tmp_path / "two"
    two.mkdir()
    two_process = run([*TORCHRUN, str(SCRIPT), tiny_model_dir, str(two), "8"], two)
    assert len(list(two.glob("decisions.rank*.json"))) == 2
    # GHPOTrainer.close() freed the DDP wrapper before the process group (else exit could hang: see close())
    assert [json.loads(path.read_text())["ddp_alive"] for path in sorted(two.glob("decisions.rank*.json"))] == [0, 0]
    one = tmp_path / "one"
    one.mkdir()
    one_process = run([sys.executable, str(SCRIPT), tiny_model_dir, str(one), "16"], one)
    assert two_process == EXPECTED
    assert one_process == EXPECTED


def expected_ratio(need: float) -> float:
    return 0.0 if need == 0 else min(need, 0.75)  # the ladder tops out at 0.75; 'never' keeps the top rung


CHEAP_MODES = {
    "paper": {},
    "parallel": {"ladder_mode": "parallel"},
    "speculative_memory": {"ladder_mode": "speculative", "difficulty_memory": True, "max_steps": 8,
                           "shuffle_dataset": True},
    # two shuffled epochs: problems change rank between visits, so the memory must be shared by both processes
    "memory_hint_first": {"difficulty_memory": True, "hint_first_generation": True, "max_steps": 8,
                          "shuffle_dataset": True},
}


@pytest.mark.parametrize("seed, mode", [(1, "paper"), (2, "parallel"), (3, "memory_hint_first"),
                                        (4, "speculative_memory")])
def test_random_hard_group_assignments_across_two_ranks_complete(tiny_model_dir, tmp_path, seed, mode):
    sys.path.insert(0, str(SCRIPT.parent))
    from multiprocess_ladder import needs_for

    decisions = run([*TORCHRUN, str(SCRIPT), tiny_model_dir, str(tmp_path), "8", str(seed),
                     json.dumps(CHEAP_MODES[mode])], tmp_path)
    assert decisions == {i: expected_ratio(need) for i, need in enumerate(needs_for(seed))}
    if mode == "memory_hint_first":  # epoch 2 samples remembered problems with their hint at once, on either rank
        logs = json.loads((tmp_path / "decisions.rank0.json").read_text())["logs"]
        assert sum(entry.get("ghpo/prehinted_frac", 0) for entry in logs[4:]) > 0


def test_ghpo_train_under_torchrun_trains_saves_resumes_and_exits(tmp_path):
    """The README's command: two processes build the built-in model once, train, checkpoint, exit (the gloo exit
    deadlock of GHPOTrainer.close's docstring would hang here); run again with more steps, it resumes."""
    output = tmp_path / "out"
    command = [*TORCHRUN, "-m", "ghpo.cli", "train", "--config", "recipes/tiny_cpu.yaml", "--output_dir", str(output),
               "--save_steps", "2"]
    first = launch([*command, "--max_steps", "2"], cwd=REPO)
    assert first.returncode == 0, first.stderr[-3000:]
    assert first.stderr.count("engine: MULTI_CPU, 2 processes") == 2  # one run of 2 processes, said by each
    assert (output / "model.safetensors").exists() and (output / "checkpoint-2").is_dir()
    second = launch([*command, "--max_steps", "4"], cwd=REPO)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "resuming from" in second.stderr and "checkpoint-2" in second.stderr
    assert (output / "checkpoint-4").is_dir()


def test_resampling_with_uneven_flat_groups_across_two_ranks_completes(tiny_model_dir, tmp_path):
    # Step 1: rank 0 holds two flat groups (all fail, all pass), rank 1 none, so rank 1 pads every refill round;
    # the remaining problems have reward variance and refill them.
    from ghpo.testing import MIXED

    needs = [5.0, 0.0] + [MIXED] * 14
    overrides = {"needs": needs, "rl_type": "grpo", "zero_variance_resampling": True, "resample_max_rounds": 3,
                 "max_steps": 2}
    result = launch([*TORCHRUN, str(SCRIPT), tiny_model_dir, str(tmp_path), "8", "0", json.dumps(overrides)])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for path in sorted(tmp_path.glob("decisions.rank*.json")):
        step_logs = [entry for entry in json.loads(path.read_text())["logs"] if "ghpo/flat_frac" in entry]
        assert [entry["ghpo/flat_frac"] for entry in step_logs] == [0.5, 0.0]  # global: 2 of 4 groups, then none
        assert step_logs[0]["ghpo/resample_refilled_frac"] == 0.5 and step_logs[0]["frac_reward_zero_std"] == 0


def test_imitation_with_hinted_groups_on_one_rank_only_completes(tiny_model_dir, tmp_path):
    # NEEDS puts step 1's hinted groups on rank 0 only: rank 1 skips the imitation forward pass, both backward.
    result = launch([*TORCHRUN, str(SCRIPT), tiny_model_dir, str(tmp_path), "8", "0",
                     json.dumps({"needs": [0.75, 0.25, 0.0, 0.0, 0.0, 0.0, 5.0, 0.5], "hint_imitation_coef": 0.5})])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    logs = [json.loads(path.read_text())["logs"] for path in sorted(tmp_path.glob("decisions.rank*.json"))]
    losses = [[entry["ghpo/imitation_loss"] for entry in log if "ghpo/imitation_loss" in entry] for log in logs]
    assert losses[0] == losses[1] and all(value > 0 for value in losses[0])  # gathered: the same on both ranks


def test_self_hints_from_either_rank_give_both_ranks_one_store(tiny_model_dir, tmp_path):
    # 16 answer-only problems, two shuffled epochs of 4 steps (2 groups per rank per step): problems 0-11 are solved
    # bare in epoch 1 only, 12-15 never. In epoch 2 a problem may sit on the other rank than the one that stored
    # its solution: every one of 0-11 must still climb on its own hint, and 12-15 stay unhinted.
    overrides = {"hint_source": "self", "bare_until": [4] * 12 + [0] * 4, "needs": [0.0] * 16, "max_steps": 8,
                 "shuffle_dataset": True}
    result = launch([*TORCHRUN, str(SCRIPT), tiny_model_dir, str(tmp_path), "8", "5", json.dumps(overrides)])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    ranks = [json.loads(path.read_text()) for path in sorted(tmp_path.glob("decisions.rank*.json"))]
    epoch_two = {}  # problem -> its final hint ratio in epoch 2, from the rank that held it then
    for rank in ranks:
        for question in {q for batch in rank["questions"][4:] for q in batch}:
            epoch_two[int(question.split()[1].rstrip(":"))] = rank["decisions"][question]
    assert epoch_two == {i: 0.25 if i < 12 else 0.0 for i in range(16)}
    assert ranks[0]["own_solutions"] == ranks[1]["own_solutions"]  # merged in the same order on both ranks
    assert len(ranks[0]["own_solutions"]["texts"]) == 12
    for rank in ranks:
        steps = [entry for entry in rank["logs"] if "ghpo/self_hinted_frac" in entry][4:]
        assert sum(entry["ghpo/self_hinted_frac"] for entry in steps) * 4 == 12  # global counts, 4 groups a step
        assert all(entry["ghpo/self_hint_rescue_rate"] == 1.0 for entry in steps)

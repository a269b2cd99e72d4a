"""The demo's answer-only arms: ghpo-self (hints from the model's own bare successes) and ghpo-solved (the base
writes the pool's solutions by rejection sampling, then paper GHPO). Hand-worked pieces; the slow --quick run of
tests/test_demo_baselines.py trains both."""

from __future__ import annotations

import pytest

from ghpo.demo import teacher
from ghpo.demo.arms import arms_table
from ghpo.demo.rl import rl_config
from ghpo.demo.saved import arm_key, run_key
from ghpo.demo.settings import parse_settings
from ghpo.demo.world import rl_dataset


def test_answer_only_arms_are_options_of_the_same_trainer(tmp_path):
    settings = parse_settings([])
    own = rl_config(settings, "ghpo-self", 0, tmp_path)
    solved = rl_config(settings, "ghpo-solved", 0, tmp_path)
    paper = rl_config(settings, "ghpo", 0, tmp_path)
    assert (own.hint_source, own.solution_column) == ("self", "solution")  # the true solutions are never read
    assert (solved.hint_source, solved.solution_column) == ("dataset", teacher.TEACHER_COLUMN)
    for name in ("learning_rate", "max_steps", "num_generations", "hint_ratios", "seed"):
        assert getattr(own, name) == getattr(solved, name) == getattr(paper, name)


def test_solve_samples_change_only_the_solved_arms_key(tmp_path):
    default, other = parse_settings([]), parse_settings(["--solve_samples", "8"])
    assert run_key(default, tmp_path) == run_key(other, tmp_path)  # every other saved run stays valid
    key = run_key(default, tmp_path)
    assert arm_key(key, default, "ghpo-self") == key
    assert arm_key(key, default, "ghpo-solved") != arm_key(key, other, "ghpo-solved")
    assert teacher.solve_budget(other, 400) == 8 and teacher.solve_budget(default, 1400) == 14


def test_the_base_keeps_its_shortest_right_sample_per_problem(tiny_model_dir, monkeypatch):
    pool = rl_dataset([2, 3], 2, 0, 0.5, False)
    solutions = {row["prompt"][-1]["content"]: row["solution"] for row in pool}
    calls = []

    def scripted_generate(model, tokenizer, prompts, max_tokens, desc="", sample=False):
        # per problem: a wrong sample, a long right one, a short right one; problem 0 of each level: wrong only
        calls.append((len(prompts), max_tokens, sample))
        texts = []
        for index, prompt in enumerate(prompts):
            solution, sample_number = solutions[prompt[-1]["content"]], index % 3
            first_of_level = index < 3
            right = ["Let me write every step.\n" + solution, solution]  # --check steps: the solution's steps
            texts.append("\\boxed{-1}" if first_of_level or sample_number == 0 else right[sample_number - 1])
        return texts

    monkeypatch.setattr(teacher, "generate", scripted_generate)
    settings = parse_settings(["--solve_samples", "3"])
    taught, info = teacher.solve_pool(settings, tiny_model_dir, pool, seed=0)
    assert calls == [(6, 56, True), (6, 72, True)]  # one call a level, 2 problems x 3 samples, sampled
    assert taught[teacher.TEACHER_COLUMN] == ["", pool[1]["solution"], "", pool[3]["solution"]]
    assert taught["solution"] == pool["solution"]  # the true solutions stay, for the reward (--check steps)
    assert info["samples"] == 3 and info["solved"] == 2 and info["tokens"] > 0


def test_teacher_tokens_count_as_generated_tokens():
    def arm(accuracy, tokens, teacher_tokens=0):
        return {"accuracy": {5: accuracy}, "log": [{"ghpo/generated_tokens": tokens}], "seconds": 60.0,
                "teacher_tokens": teacher_tokens}

    runs = [{"base_pool": 0.0, "grpo": arm(0.1, 1e6), "ghpo": arm(0.3, 2e6), "ghpo-solved": arm(0.4, 2e6, 5e5)}]
    _, rows = arms_table(runs, ["grpo", "ghpo", "ghpo-solved"], [5], seeds=1)
    assert rows[2]["million_tokens"] == pytest.approx(2.5)

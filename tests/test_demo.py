"""`ghpo demo`: pure helpers with hand-worked values, and one end-to-end `--quick` run."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from ghpo.arithmetic import apply_step, is_flaky_step
from ghpo.demo import findings, report, stats
from ghpo.demo.evaluate import is_correct, max_new_tokens
from ghpo.demo.settings import QUICK, parse_settings
from ghpo.demo.world import continuation_example, curriculum_levels, eval_rows, student_examples, warmup_examples

LEAD = " Hint: "


# --- stats ---------------------------------------------------------------------------------------------------

def test_per_level_accuracy_sorts_levels_and_counts_each():
    # level 2: 1 of 1; level 1: 1 of 3
    assert stats.per_level_accuracy([2, 1, 1, 1], [True, True, False, False]) == {1: 1 / 3, 2: 1.0}


def test_mean_interval_three_seeds_by_hand():
    # mean 0.6; sample sd = sqrt(((-.1)² + .1² + 0²) / 2) = 0.1; half = 4.303 * 0.1 / sqrt(3) = 0.24843
    assert stats.mean_interval([0.5, 0.7, 0.6]) == (0.6, 0.2484)


def test_mean_interval_identical_values_and_single_value():
    assert stats.mean_interval([0.3, 0.3]) == (0.3, 0.0)  # sd 0
    assert stats.mean_interval([0.42]) == (0.42, 0.0)  # one seed: no interval


def test_mean_interval_two_values_uses_t_with_one_degree_of_freedom():
    # mean 0.5; sd = sqrt((.1² + .1²) / 1) = 0.14142; half = 12.706 * 0.14142 / sqrt(2) = 1.2706
    assert stats.mean_interval([0.4, 0.6]) == (0.5, 1.2706)


def test_t_quantile_large_df_falls_back_to_normal():
    assert stats.t_quantile_975(2) == 4.303
    assert stats.t_quantile_975(100) == 1.96
    with pytest.raises(ValueError):
        stats.t_quantile_975(0)


def test_wilson_interval_edges():
    low, high = stats.wilson_interval(0, 100)  # all wrong: the interval still has width above 0
    assert low == 0.0 and 0.03 < high < 0.04  # upper = 1.96² / (100 + 1.96²) = 0.0370
    assert stats.wilson_interval(50, 100) == (0.4038, 0.5962)


def test_paired_differences_and_all_fail_fraction():
    assert stats.paired_differences([0.1, 0.2], [0.3, 0.2]) == [0.2, 0.0]
    # groups of 4: (F F F F) all-fail, (F T F F) has a success, (F F F F) all-fail -> 2 / 3
    correct = [False] * 4 + [False, True, False, False] + [False] * 4
    assert stats.group_all_fail_fraction(correct, 4) == pytest.approx(2 / 3)
    with pytest.raises(ValueError):
        stats.group_all_fail_fraction([True] * 5, 4)


def test_aggregate_over_seeds():
    per_seed = [{1: 1.0, 4: 0.1}, {1: 1.0, 4: 0.3}]
    # level 4: mean 0.2, sd 0.14142, half 12.706 * 0.1 = 1.2706
    assert stats.aggregate_over_seeds(per_seed) == {1: (1.0, 0.0), 4: (0.2, 1.2706)}


# --- world ----------------------------------------------------------------------------------------------------

def test_continuation_example_splits_solution_at_a_line():
    row = {"problem": "Q?", "solution": "Step 1: 1 + 1 = 2.\nStep 2: 2 + 1 = 3.\nThe answer is \\boxed{3}."}
    example = continuation_example(row, 2, LEAD)
    assert example["prompt"] == [{"role": "user", "content": "Q? Hint: Step 1: 1 + 1 = 2.\nStep 2: 2 + 1 = 3.\n"}]
    assert example["completion"][0]["content"] == "The answer is \\boxed{3}."  # 0 steps left: just the answer
    full = continuation_example(row, 0, LEAD)
    assert full["prompt"] == [{"role": "user", "content": "Q?"}] and full["completion"][0]["content"] == row["solution"]


def test_warmup_examples_never_show_a_long_solution_written_from_scratch():
    examples = warmup_examples(300, [1, 2], 6, 0.5, 2, LEAD, seed=0)
    assert len(examples) == 300
    for example in examples:
        written = example["completion"][0]["content"].count("Step ")
        hinted = LEAD in example["prompt"][0]["content"]
        assert written <= (2 if hinted else 2)  # easy levels 1-2 in full, or at most 2 steps after a hint
        assert example["completion"][0]["content"].endswith("}.")
    assert 100 < sum(LEAD in e["prompt"][0]["content"] for e in examples) < 200  # about half hinted


def test_student_examples_gold_hint_then_student_in_curriculum_order():
    examples = student_examples(400, [1, 2, 3, 4], hinted_fraction=0.3, lead_in=LEAD, seed=0, carry_share=0.6,
                                carry_accuracy=0.0, curriculum=0.5)
    steps = [e["completion"][0]["content"].count("Step ") + e["prompt"][0]["content"].count("\nStep ")
             for e in examples]
    # the first quarter (curriculum: levels 1-2 over the first 200 / 3 examples) never writes past step 2
    assert max(steps[:60]) <= 2 and max(steps[300:]) >= 3
    hinted = [e for e in examples if LEAD in e["prompt"][0]["content"]]
    assert 80 < len(hinted) < 160  # about 30 %
    for example in hinted:  # the hint is gold: with carry_accuracy 0 every carry the *student* writes slips
        hint = example["prompt"][0]["content"].split(LEAD, 1)[1]
        for line in hint.splitlines():  # "Step k: a S b = r."
            a, symbol, b, _, r = line.split(": ", 1)[1].rstrip(".").split()
            assert apply_step(int(a), symbol, int(b)) == int(r)


def test_curriculum_levels_widen_then_hold():
    # 8 examples, ramp over the first 4 in 3 stretches of 4/3 examples: levels 1-2 for examples 0-1, one more
    # level from example 2 (2 / (4/3) = 1.5), all four from example 3 (3 / (4/3) = 2.25)
    assert [len(curriculum_levels([1, 2, 3, 4], i, 8, 0.5)) for i in range(8)] == [2, 2, 3, 4, 4, 4, 4, 4]
    assert curriculum_levels([1, 2, 3], 0, 10, 0.0) == [1, 2, 3]  # off


def test_eval_rows_are_deterministic_and_per_level():
    rows = eval_rows([1, 3], 5, seed=0)
    assert [r["level"] for r in rows] == [1] * 5 + [3] * 5
    assert rows == eval_rows([1, 3], 5, seed=0)
    assert rows != eval_rows([1, 3], 5, seed=1)


# --- evaluation, settings, report -----------------------------------------------------------------------------

def test_is_correct_reads_the_last_box():
    assert is_correct("Step 1: 2 + 3 = 5.\nThe answer is \\boxed{5}.", "5")
    assert not is_correct("\\boxed{5} then \\boxed{6}", "5")
    assert not is_correct("no box", "5")
    assert max_new_tokens(2) == 16 * 3 + 8


GOLD = "Step 1: 47 + 5 = 52.\nStep 2: 52 - 3 = 49.\nStep 3: 49 + 8 = 57.\nThe answer is \\boxed{57}."


@pytest.mark.parametrize("completion, given, right", [
    (GOLD, 0, True),
    ("Step 2: 52 - 3 = 49.\nStep 3: 49 + 8 = 57.\nThe answer is \\boxed{57}.", 1, True),  # after a 1-line hint
    # the hack RL found: a forgotten carry (42), then a left operand that is not the line above
    ("Step 1: 47 + 5 = 42.\nStep 2: 52 - 3 = 49.\nStep 3: 49 + 8 = 57.\nThe answer is \\boxed{57}.", 0, False),
    ("Step 1: 47 + 5 = 52.\nStep 2: 52 - 3 = 49.\nStep 3: 49 + 8 = 57.\nThe answer is \\boxed{58}.", 0, False),
    ("Step 1: 47 + 5 = 52.\nStep 3: 49 + 8 = 57.\nThe answer is \\boxed{57}.", 0, False),  # a step left out
    ("Step 3: 49 + 8 = 57.\nThe answer is \\boxed{57}.", 1, False),  # began after the hint it was given
    ("The answer is \\boxed{57}.", 0, False),  # no step written at all
    ("The answer is \\boxed{57}.", 3, True),  # ... where the hint gave every step
])
def test_worked_solution_check_by_hand(completion, given, right):
    from ghpo.arithmetic import worked_solution_right
    from ghpo.demo.evaluate import is_right

    assert worked_solution_right(GOLD, completion, given) is right
    assert is_right({"solution": GOLD, "answer": "57", "given_steps": given}, completion, "steps") is right
    # the answer check only reads the box: the hack counts as right there
    assert is_right({"solution": GOLD, "answer": "57"}, completion, "answer") is completion.endswith("{57}.")


def test_the_steps_reward_accepts_starts_after_a_ladder_hint_only_and_names_itself():
    from ghpo.demo.rl import hint_starts, reward_of, rl_config

    settings = parse_settings(["--check", "steps"])
    reward = reward_of(settings)
    assert hint_starts(GOLD, settings.ratios, "line") == {0, 1, 2, 3}  # 4 lines: the ladder gives 1, 2 or 3
    jump = "Step 1: 47 + 5 = 42.\nStep 2: 52 - 3 = 49.\nStep 3: 49 + 8 = 57.\nThe answer is \\boxed{57}."
    after_two = [{"role": "assistant", "content": "Step 3: 49 + 8 = 57.\nThe answer is \\boxed{57}."}]
    box_only = "The answer is \\boxed{57}."  # right after the 75 % hint, which gives all three steps
    assert reward([GOLD, jump, after_two, box_only], solution=[GOLD] * 4) == [1.0, 0.0, 1.0, 1.0]
    two_lines = "Step 1: 47 + 5 = 52.\nThe answer is \\boxed{52}."  # no hint gives its only step: no box-only
    assert hint_starts(two_lines, settings.ratios, "line") == {0, 1}
    assert reward(["The answer is \\boxed{52}.", "The answer is \\boxed{57}."], solution=[two_lines, two_lines]) \
        == [1.0, 0.0]
    assert rl_config(settings, "ghpo", 0, Path("unused")).accuracy_reward_name == "worked_solution_reward"
    assert reward_of(parse_settings(["--check", "answer"])).__name__ == "accuracy_reward"  # the box alone
    assert reward_of(parse_settings(["--flaky_steps", "carry"])).__name__ == "accuracy_reward"  # its preset
    with pytest.raises(SystemExit, match="needs --hint_unit line"):
        parse_settings(["--hint_unit", "char", "--check", "steps"])
    assert parse_settings(["--hint_unit", "char"]).check == "answer"


def test_student_table_under_the_steps_check():
    from ghpo.demo.evaluate import student_table

    row = {"problem": "Start with 47. Step 1: add 5. Step 2: subtract 3. What is the result?", "answer": "49",
           "level": 2, "solution": "Step 1: 47 + 5 = 52.\nStep 2: 52 - 3 = 49.\nThe answer is \\boxed{49}."}
    for check in ("steps", "answer"):  # a carry-only world: a slip always moves the box too
        assert student_table([row], [], "line", carry_accuracy=0.0, check=check) == {0.0: {2: 0.0}}
        assert student_table([row], [], "line", carry_accuracy=1.0, check=check) == {0.0: {2: 1.0}}


def test_parse_settings_levels_quick_and_explicit_flags_win():
    settings = parse_settings(["--hard_levels", "3,5-6", "--eval_levels", "1-6", "--quick", "--steps", "7"])
    assert settings.levels("hard_levels") == [3, 5, 6]  # explicit flag kept despite --quick
    assert settings.steps == 7 and settings.eval_per_level == QUICK["eval_per_level"]
    assert settings.ratios == [0.25, 0.5, 0.75]
    with pytest.raises(SystemExit):
        parse_settings(["--hint_ratios", "0.5,0.25"])


def test_warmup_cache_key_ignores_rl_and_evaluation_knobs():
    base = parse_settings([])
    assert parse_settings(["--steps", "999", "--seeds", "3"]).warmup_key() == base.warmup_key()
    # evaluating other levels reuses the same base (it used to redo an identical warm-up)
    assert parse_settings(["--eval_levels", "1-8", "--hard_levels", "7-8"]).warmup_key() == base.warmup_key()
    assert parse_settings(["--warmup_examples", "10"]).warmup_key() != base.warmup_key()
    assert parse_settings(["--carry_accuracy", "0.3"]).warmup_key() != base.warmup_key()
    assert parse_settings(["--flaky_steps", "carry"]).warmup_key() != base.warmup_key()
    assert parse_settings(["--warmup_reading_examples", "0"]).warmup_key() != base.warmup_key()
    # caches of before stay valid: the keys are those the same values had when they were not the defaults
    assert base.warmup_key() == "f80f24fec499"
    assert parse_settings(["--warmup_reading_examples", "0"]).warmup_key() == "7326e458e6e6"
    assert parse_settings(["--flaky_steps", "carry"]).warmup_key() == "199c6bd0cba7"


def test_the_carry_world_picks_its_own_recipe_and_explicit_flags_win():
    default = parse_settings([])
    assert (default.flaky_steps, default.check, default.warmup_examples, default.warmup_extensions,
            default.warmup_reading_examples, default.hard_levels) == ("carry-borrow", "steps", 100000, 10, 30000, "7-8")
    carry = parse_settings(["--flaky_steps", "carry"])
    assert (carry.check, carry.warmup_examples, carry.warmup_extensions, carry.warmup_reading_examples,
            carry.hard_levels) == ("answer", 50000, 4, 0, "5-7")
    explicit = parse_settings(["--flaky_steps", "carry", "--hard_levels", "7-8", "--warmup_reading_examples", "10"])
    assert (explicit.hard_levels, explicit.warmup_reading_examples, explicit.warmup_examples) == ("7-8", 10, 50000)
    assert parse_settings(["--quick"]).warmup_reading_examples == 0
    ceiling = parse_settings(["--world", "ceiling"])
    assert (ceiling.check, ceiling.warmup_reading_examples, ceiling.borrows) == ("answer", 0, False)


def test_carry_borrow_world_reaches_every_set_and_the_student():
    from ghpo.demo.run import build_world
    from ghpo.demo.warmup import build_examples

    settings = parse_settings(["--flaky_steps", "carry-borrow", "--eval_per_level", "20", "--rl_per_level", "20",
                               "--warmup_examples", "200"])
    assert settings.borrows and not parse_settings(["--world", "ceiling", "--flaky_steps", "carry-borrow"]).borrows
    evaluation, pool = build_world(settings)
    subtractions = [problem.count("subtract") for problem in
                    [r["problem"] for r in evaluation] + [r["prompt"][-1]["content"] for r in pool]]
    assert sum(subtractions) > 0
    # borrows in the gold chains (the carry world never borrows), and the student forgets them
    gold = "\n".join(r["solution"] for r in evaluation)
    assert any(is_flaky_step(v, "-", o, borrows=True) for v, o, _ in _subtractions(gold))
    written = [ex["completion"][0]["content"] for ex in build_examples(settings)]
    assert any(r == v - o + 10 for v, o, r in _subtractions("\n".join(written)))


def _subtractions(text):
    """(value, operand, written result) of every `v - o = r.` line."""
    return [(int(v), int(o), int(r)) for v, o, r in re.findall(r"(\d+) - (\d+) = (-?\d+)\.", text)]


def test_world_ceiling_restores_the_first_demo_and_explicit_flags_win():
    ceiling = parse_settings(["--world", "ceiling"])
    assert (ceiling.hard_levels, ceiling.eval_levels, ceiling.warmup_examples, ceiling.learning_rate) == \
        ("4-6", "1-6", 40000, 1e-4)
    assert parse_settings(["--world", "ceiling", "--steps", "5"]).steps == 5
    assert parse_settings(["--quick", "--check_warmup"]).check_warmup  # quick turns the check off, unless asked


def test_settings_are_checked_before_any_work():
    # the first demo crashed with KeyError: 3 after its warm-up when an easy level was not evaluated
    with pytest.raises(SystemExit, match="leaves out level"):
        parse_settings(["--easy_levels", "1-3", "--eval_levels", "1,2,4-8"])
    with pytest.raises(SystemExit, match="probabilities"):
        parse_settings(["--carry_accuracy", "1.5"])


def test_level_summary_and_table_by_hand():
    base = {1: 1.0, 4: 0.1}
    grpo = [{1: 1.0, 4: 0.1}, {1: 1.0, 4: 0.3}]
    ghpo = [{1: 1.0, 4: 0.3}, {1: 1.0, 4: 0.5}]
    rows = report.level_summary(base, grpo, ghpo, hard=[4])
    hard = rows[-1]
    assert hard["level"] == "hard" and hard["base"] == 0.1
    assert hard["grpo"] == (0.2, 1.2706) and hard["ghpo"] == (0.4, 1.2706)
    assert hard["ghpo_minus_grpo"] == (0.2, 0.0)  # +0.2 in both seeds: no spread
    table = report.summary_table(rows, seeds=2)
    assert "| 4 (RL pool) | 10.0 | 20.0 ± 127.1 | 40.0 ± 127.1 | +20.0 ± 0.0 |" in table
    assert "| 1 | 100.0 | 100.0 ± 0.0 | 100.0 ± 0.0 | +0.0 ± 0.0 |" in table
    single = report.summary_table(report.level_summary(base, grpo[:1], ghpo[:1], hard=[4]), seeds=1)
    assert "| 4 (RL pool) | 10.0 | 10.0 | 30.0 | +20.0 |" in single  # one seed: no intervals at all


def test_grpo_starved_counts_the_groups_that_hold_a_success_by_hand():
    # 1 - (1 - s)^G per group: s = 0.5, G = 2 -> 0.75; 4 steps x 2 prompts -> 6 groups with a signal
    assert findings.expected_signal_groups(0.5, 2, 2, 4) == pytest.approx(6.0)
    assert findings.expected_signal_groups(0.0, 8, 8, 100) == 0.0
    settings = parse_settings(["--hard_levels", "5-6"])  # the defaults: G = 8, 8 prompts per step, 100 steps
    name, measured, holds = findings.starved(0.001, settings)  # 6.4 groups in 100 steps: fewer than 10
    assert (name, holds) == ("GRPO starved", True) and "expects 6 groups" in measured
    assert findings.starved(0.04, settings)[2] is False  # the 50 %-rung target's bare rate: ~221 groups
    quick = findings.starved(0.017, parse_settings(["--quick"]))  # 3 steps x 4 prompts, G = 4: 0.8 groups < 1
    assert quick[2] is True and "expects 0.8 groups" in quick[1] and "starved: < 1)" in quick[1]
    extra = {"steps_pool": {"complete": 0.97, "flaky": 0.11, "other": 0.99},
             "sampled": {0.0: {5: 0.0, 6: 0.002}, 0.5: {5: 0.35, 6: 0.25}}}
    assert [ok for _, _, ok in findings.conditions(extra, settings)] == [True, True, True, True]


def test_within_reach_names_the_first_rung_that_reaches_20_percent():
    # the default base's greedy pool (levels 7-8): dead bare and at 50 %, alive at 75 %
    assert report.within_reach({0.25: 0.0, 0.5: 2.0, 0.75: 41.0}) == (
        "with 25 % / 50 % / 75 % of the solution as a hint it solves 0 / 2 / 41 % of them: out of reach alone, "
        "within reach from the 75 % rung.")
    assert report.within_reach({0.5: 19.9}).endswith("no rung reaches 20 %, so hints alone will not bring them "
                                                     "within reach.")


def test_verdict_cases():
    assert report.verdict(0.05, 0.02, 3).startswith("GHPO is ahead")
    assert report.verdict(-0.05, 0.02, 3).startswith("GRPO is ahead")
    assert "includes 0" in report.verdict(0.01, 0.02, 3)
    assert "one seed" in report.verdict(0.01, 0.0, 1)


# --- end to end -----------------------------------------------------------------------------------------------

def test_demo_quick_end_to_end(tmp_path, monkeypatch):
    from ghpo.demo import main

    output = tmp_path / "out"
    assert main(["--quick", "--output_dir", str(output), "--cache_dir", str(tmp_path / "cache"), "--check", "steps",
                 "--arms", "grpo,ghpo,dapo,ghpo-response", "--warmup_reading_examples", "40"]) == 0
    for name in ("report.md", "metrics.json", "accuracy_per_level.png", "base_hints.png", "training_curves.png",
                 "no_hint_curves.png"):
        assert (output / name).stat().st_size > 0, name
    metrics = json.loads((output / "metrics.json").read_text())
    assert (output / "models" / "ghpo-seed0" / "config.json").exists()
    # --quick's base is not converged (5 k examples): its accuracies are noise; check the shapes the report needs.
    assert set(metrics["base_hint_table"]) >= {"0.0", "0.5"}
    assert all(0 <= value <= 1 for row in metrics["base_hint_table"].values() for value in row.values())
    for arm in ("grpo", "ghpo"):  # no-hint curves on the held-out pool: steps 0 and 2 (curve_every 2, 3 steps)
        curve = metrics["runs"][0][arm]["curve"]
        assert [point["step"] for point in curve] == [0, 2], arm
        assert set(curve[0]["greedy"]) == {str(level) for level in QUICK_HARD}
    assert all(not math.isnan(row["ghpo"][0]) for row in metrics["per_level"])
    assert "What the numbers mean" in (output / "report.md").read_text()
    assert metrics["warmup"]["reading_examples"] == 40  # the hint-reading phase ran on the cached base
    assert [row["arm"] for row in metrics["arms"]] == ["grpo", "ghpo", "dapo", "ghpo-response"]
    assert all(row["million_tokens"] > 0 for row in metrics["arms"])
    assert "DAPO resampling" in (output / "report.md").read_text()
    # every run was saved as it ended; the same command again reuses them all and trains nothing
    assert sorted(path.name for path in (output / "runs").glob("*.json")) == [
        "dapo-seed0.json", "ghpo-response-seed0.json", "ghpo-seed0.json", "grpo-seed0.json"]
    from ghpo.demo import run

    def no_training(*args, **kwargs):
        raise AssertionError("a saved run was trained again")

    monkeypatch.setattr(run, "train_arm", no_training)
    assert main(["--quick", "--output_dir", str(output), "--cache_dir", str(tmp_path / "cache"), "--check", "steps",
                 "--arms", "grpo,ghpo,dapo,ghpo-response", "--warmup_reading_examples", "40"]) == 0
    again = json.loads((output / "metrics.json").read_text())
    assert again["per_level"] == metrics["per_level"] and again["arms"] == metrics["arms"]


def test_arms_table_by_hand():
    from ghpo.demo.arms import arms_table

    def arm(accuracy, tokens):  # one RL-pool level (5); two logged steps sharing the tokens
        return {"accuracy": {5: accuracy}, "log": [{"ghpo/generated_tokens": tokens / 2}] * 2}

    runs = [{"base_pool": 0.1, "grpo": arm(0.2, 1e6), "ghpo": arm(0.4, 2e6), "dapo": arm(0.3, 1.5e6)},
            {"base_pool": 0.1, "grpo": arm(0.4, 1e6), "ghpo": arm(0.4, 2e6), "dapo": arm(0.5, 1.5e6)}]
    markdown, rows = arms_table(runs, ["grpo", "ghpo", "dapo"], [5], seeds=2)
    dapo = rows[2]
    assert dapo["pool"][0] == pytest.approx(0.4)
    assert dapo["minus_grpo"] == pytest.approx((0.1, 0.0))  # +0.1 on both seeds: no spread
    assert dapo["minus_ghpo"][0] == pytest.approx(0.0)  # -0.1 and +0.1
    assert dapo["million_tokens"] == pytest.approx(1.5)
    assert dapo["gain_per_million"][0] == pytest.approx((0.2 / 1.5 + 0.4 / 1.5) / 2)  # (0.3-0.1)/1.5, (0.5-0.1)/1.5
    assert "| DAPO resampling | 40.0 ± " in markdown and "| GRPO | 30.0 ± " in markdown


def test_unknown_arm_is_refused_before_any_work():
    from ghpo.demo.settings import parse_settings

    with pytest.raises(SystemExit, match="unknown arm"):
        parse_settings(["--arms", "grpo,ppo"])


QUICK_HARD = [4, 5]


def test_moving_average_by_hand():
    # window 3: [1/1, (1+2)/2, (1+2+3)/3, (2+3+7)/3]
    assert stats.moving_average([1, 2, 3, 7], 3) == [1.0, 1.5, 2.0, 4.0]
    assert stats.moving_average([], 5) == []


def test_ghpo_options_reach_the_ghpo_config_only(tmp_path):
    from ghpo.demo.rl import rl_config
    from ghpo.demo.settings import parse_settings

    settings = parse_settings(["--ghpo_options", "difficulty_memory=true,hint_retest_every=3,ladder_mode=parallel"])
    assert settings.ghpo_overrides == {"difficulty_memory": True, "hint_retest_every": 3, "ladder_mode": "parallel"}
    ghpo = rl_config(settings, "ghpo", 0, tmp_path)
    assert ghpo.difficulty_memory and ghpo.hint_retest_every == 3 and ghpo.ladder_mode == "parallel"
    assert not rl_config(settings, "grpo", 0, tmp_path).difficulty_memory


def test_ghpo_options_keep_yaml_types():
    from ghpo.demo.settings import parse_settings

    settings = parse_settings(["--ghpo_options", "difficulty_memory=false, hint_max_tokens=64,temperature=0.5"])
    assert settings.ghpo_overrides == {"difficulty_memory": False, "hint_max_tokens": 64, "temperature": 0.5}


def carries_of(problem: str) -> int:
    from ghpo.arithmetic import is_flaky_step, parse_problem

    value, steps = parse_problem(problem)
    count = 0
    for symbol, operand in steps:
        count += is_flaky_step(value, symbol, operand)
        value = apply_step(value, symbol, operand)
    return count


def test_pool_carry_share_makes_the_hard_problems_carry_dense_and_keeps_the_warmup():
    from ghpo.demo.run import build_world

    args = ["--flaky_steps", "carry", "--eval_per_level", "200", "--rl_per_level", "200"]
    default, dense = parse_settings(args), parse_settings([*args, "--pool_carry_share", "1.0"])
    assert dense.warmup_key() == default.warmup_key()  # the cached base is reused
    (eval_default, pool_default), (eval_dense, pool_dense) = build_world(default), build_world(dense)

    def mean_carries(rows, levels):  # evaluation rows hold the problem; pool rows its chat prompt (level as text)
        picked = [r.get("problem") or r["prompt"][-1]["content"] for r in rows if int(r["level"]) in levels]
        return sum(carries_of(problem) for problem in picked) / len(picked)

    hard = [5, 6, 7]
    # every step that can carry does: more carries per hard problem (measured: ~4.0 vs ~2.4 at levels 5-7)
    assert mean_carries(list(pool_dense), hard) > 1.4 * mean_carries(list(pool_default), hard)
    assert mean_carries(eval_dense, hard) > 1.4 * mean_carries(eval_default, hard)
    # the other levels keep --carry_share: those below the pool are the very problems drawn without the option
    # (the stream of one share's draw skips the pool's levels, so level 8's problems are other ones of its kind)
    below = [1, 2, 3, 4]
    assert [r for r in eval_dense if r["level"] in below] == [r for r in eval_default if r["level"] in below]
    assert abs(mean_carries(eval_dense, [8]) - mean_carries(eval_default, [8])) < 0.4
    assert [r["level"] for r in eval_dense] == sorted(r["level"] for r in eval_dense)
    with pytest.raises(SystemExit, match="pool_carry_share"):
        parse_settings(["--pool_carry_share", "1.5"])


def test_saved_runs_round_trip_and_are_reused_only_under_the_same_key(tmp_path):
    from ghpo.demo.saved import load_run, run_key, save_run

    base = tmp_path / "base"
    base.mkdir()
    (base / "model.safetensors").write_bytes(b"weights")
    settings = parse_settings([])
    key = run_key(settings, base)
    result = {"accuracy": {5: 0.25, 6: 0.0}, "curve": [{"step": 0, "greedy": {5: 0.5}}], "seconds": 3.0,
              "model": object(), "tokenizer": object()}
    save_run(tmp_path / "out", "ghpo", 1, key, result)
    assert load_run(tmp_path / "out", "ghpo", 1, key) == {"accuracy": {5: 0.25, 6: 0.0}, "seconds": 3.0,
                                                          "curve": [{"step": 0, "greedy": {5: 0.5}}]}
    assert load_run(tmp_path / "out", "ghpo", 0, key) is None and load_run(tmp_path / "out", "grpo", 1, key) is None
    # more seeds, other arms or another output folder keep the key; an RL knob or other base weights change it
    assert run_key(parse_settings(["--seeds", "3", "--arms", "grpo,ghpo,dapo"]), base) == key
    assert run_key(parse_settings(["--steps", "50"]), base) != key
    (base / "model.safetensors").write_bytes(b"extended weights")
    assert run_key(settings, base) != key
    (tmp_path / "out" / "runs" / "ghpo-seed1.json").write_text("{half a fi")  # unreadable: trained again
    assert load_run(tmp_path / "out", "ghpo", 1, key) is None


def test_a_report_is_written_after_each_finished_seed(monkeypatch):
    from ghpo.demo import run

    monkeypatch.setattr(run, "run_seed", lambda settings, folder, pool, evaluation, curve_rows, seed, key: {"seed": seed})
    seen = []
    settings = parse_settings(["--seeds", "3", "--curve_every", "0"])
    runs = run.train_all(settings, Path("."), pool=None, evaluation=[], after_seed=lambda r: seen.append(len(r)))
    assert runs == [{"seed": 0}, {"seed": 1}, {"seed": 2}] and seen == [1, 2]  # the last one is the final report


def test_first_seed_splits_a_seeds_run_and_keeps_the_saved_runs_key(monkeypatch, tmp_path):
    from ghpo.demo import run
    from ghpo.demo.saved import run_key

    monkeypatch.setattr(run, "run_seed", lambda settings, folder, pool, evaluation, curve_rows, seed, key: {"seed": seed})
    seen = []
    settings = parse_settings(["--seeds", "2", "--first_seed", "2", "--curve_every", "0"])
    runs = run.train_all(settings, Path("."), pool=None, evaluation=[], after_seed=lambda r: seen.append(len(r)))
    assert runs == [{"seed": 2}, {"seed": 3}] and seen == [1]
    (tmp_path / "model.safetensors").write_bytes(b"weights")  # a split run's files are reused by the whole run
    assert run_key(settings, tmp_path) == run_key(parse_settings(["--seeds", "4", "--curve_every", "0"]), tmp_path)
    with pytest.raises(SystemExit, match="first_seed"):
        parse_settings(["--first_seed", "-1"])


def test_the_report_reads_a_pool_with_level_1_whose_short_hints_are_empty():
    # a mixed pool (--hard_levels 1-2): level 1's 25 % line hint is empty, so its hinted rows lack level 1; the
    # report averaged the rungs over every pool level and stopped with KeyError: 1 after the first seed
    settings = parse_settings(["--hard_levels", "1-2", "--world", "ceiling", "--eval_levels", "1-6"])
    levels = range(1, 7)
    base_table = {0.0: {lv: 0.1 for lv in levels}, 0.25: {lv: 0.2 for lv in levels if lv > 1},
                  0.5: {lv: 0.4 for lv in levels}, 0.75: {lv: 0.8 for lv in levels if lv > 1}}
    log = [{"ghpo/hard_frac": 0.5, "reward": 0.5, "ghpo/prehint_accuracy": 0.2, "ghpo/hinted_frac": 0.5,
            "ghpo/mean_hint_ratio": 0.25, "ghpo/unsolved_after_ladder_frac": 0.0}]
    runs = [{"grpo": {"log": log, "accuracy": {lv: 0.2 for lv in levels}, "accuracy_first_rung": {2: 0.2}},
             "ghpo": {"log": log, "accuracy": {lv: 0.3 for lv in levels}, "accuracy_first_rung": {2: 0.4}}}]
    rows = report.level_summary(base_table[0.0], [r["grpo"]["accuracy"] for r in runs],
                                [r["ghpo"]["accuracy"] for r in runs], hard=[1, 2])
    text = report.interpretation(rows, base_table, runs, settings, base_extra={})
    assert "with 25 % / 50 % / 75 % of the solution as a hint it solves 20 / 40 / 80 %" in text  # level 2 alone at 25, 75

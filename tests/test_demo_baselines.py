"""The demo's baseline arms: the paper's curriculum (grpo-cl, grpo-cl-h), SFT on the pool's solutions (sft,
sft-grpo, sft-ghpo), token-matched GRPO (grpo-matched) and the answer-only arms (ghpo-self, ghpo-solved).
Hand-worked pieces here; one --quick run trains them all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ghpo.demo.arms import ARMS, LABELS, SFT_ARMS, arms_table, parse_arms
from ghpo.demo.rl import StopAtTokens, rl_config, sft_examples
from ghpo.demo.saved import arm_key, run_key
from ghpo.demo.settings import parse_settings
from ghpo.demo.world import rl_dataset

BASELINES = ["grpo-cl", "grpo-cl-h", "sft", "sft-grpo", "sft-ghpo", "grpo-matched", "ghpo-self", "ghpo-solved"]


def test_the_paper_baselines_are_options_of_the_same_trainer(tmp_path):
    settings = parse_settings([])
    cl = rl_config(settings, "grpo-cl", 0, tmp_path)
    assert (cl.rl_type, cl.curriculum_column, cl.fixed_hint_ratio) == ("grpo", "level", None)
    hinted = rl_config(settings, "grpo-cl-h", 0, tmp_path)
    assert (hinted.rl_type, hinted.curriculum_column, hinted.fixed_hint_ratio) == ("grpo", "level", 0.5)
    grpo = rl_config(settings, "grpo", 0, tmp_path)
    for name in ("learning_rate", "max_steps", "num_generations", "per_device_train_batch_size", "seed"):
        assert getattr(cl, name) == getattr(grpo, name) == getattr(hinted, name)  # same budget as GRPO
    assert rl_config(settings, "grpo-matched", 0, tmp_path, max_steps=400).max_steps == 400


def test_every_arm_has_a_label_and_the_help_lists_the_baselines():
    assert set(LABELS) == set(ARMS) and set(SFT_ARMS) <= set(ARMS)
    assert parse_arms(",".join(BASELINES)) == ["grpo", "ghpo", *BASELINES]
    from ghpo.demo.settings import DemoSettings
    import dataclasses

    (arms_help,) = [f.metadata["help"] for f in dataclasses.fields(DemoSettings) if f.name == "arms"]
    assert all(name in arms_help for name in BASELINES)


def test_token_matched_grpo_stops_once_it_has_ghpos_tokens():
    class Control:
        should_training_stop = False

    stop, control = StopAtTokens(budget=1000), Control()
    for tokens in (400, 400):  # 800 < 1000: go on
        stop.on_log(None, None, control, logs={"ghpo/generated_tokens": tokens})
    assert not control.should_training_stop
    stop.on_log(None, None, control, logs={"ghpo/generated_tokens": 400})  # 1200 >= 1000
    assert control.should_training_stop and stop.tokens == 1200


def test_sft_examples_are_the_pool_questions_answered_by_their_worked_solutions():
    pool = rl_dataset([3], per_level=4, seed=0)
    examples = sft_examples(pool)
    assert len(examples) == 4
    for example, row in zip(examples, pool, strict=True):
        assert example["prompt"] == row["prompt"]  # the bare question, no hint
        assert example["completion"] == [{"role": "assistant", "content": row["solution"]}]


def test_sft_knobs_change_only_the_sft_arms_keys(tmp_path):
    base = tmp_path / "base"
    base.mkdir()
    default, other = parse_settings([]), parse_settings(["--sft_epochs", "5"])
    assert run_key(default, base) == run_key(other, base)  # GRPO's, GHPO's ... saved runs stay valid
    key = run_key(default, base)
    assert arm_key(key, default, "grpo") == key and arm_key(key, default, "grpo-matched") == key
    assert arm_key(key, default, "sft") != arm_key(key, other, "sft")
    assert arm_key(key, default, "sft-grpo") != key and arm_key(key, default, "sft-ghpo") != key


def test_arms_table_reports_sft_tokens_and_minutes():
    def arm(accuracy, tokens, sft_tokens=0, seconds=60.0):
        return {"accuracy": {5: accuracy}, "log": [{"ghpo/generated_tokens": tokens}], "sft_tokens": sft_tokens,
                "seconds": seconds}

    runs = [{"base_pool": 0.0, "grpo": arm(0.1, 1e6), "ghpo": arm(0.3, 2e6),
             "sft": {**arm(0.2, 0, sft_tokens=5e5, seconds=30.0), "log": []}}]
    markdown, rows = arms_table(runs, ["grpo", "ghpo", "sft"], [5], seeds=1)
    sft = rows[2]
    assert sft["million_tokens"] == 0 and sft["sft_million_tokens"] == pytest.approx(0.5)
    assert sft["minutes"] == pytest.approx(0.5) and rows[0]["minutes"] == pytest.approx(1.0)
    assert "| SFT on the pool's solutions | 20.0 | +10.0 | -10.0 | 0.00 |" in markdown


@pytest.mark.slow
def test_quick_demo_trains_every_baseline_arm(tmp_path):
    from ghpo.demo import main

    output = tmp_path / "demo"
    assert main(["--quick", "--threads", "1", "--output_dir", str(output), "--cache_dir", str(tmp_path / "cache"),
                 "--arms", ",".join(BASELINES)]) == 0
    metrics = json.loads((output / "metrics.json").read_text())
    rows = {row["arm"]: row for row in metrics["arms"]}
    assert set(rows) == {"grpo", "ghpo", *BASELINES}
    assert rows["sft"]["million_tokens"] == 0 and rows["sft"]["sft_million_tokens"] > 0
    assert rows["sft-grpo"]["million_tokens"] > 0 and rows["sft-grpo"]["sft_million_tokens"] > 0
    assert rows["sft-ghpo"]["million_tokens"] > 0 and rows["sft-ghpo"]["sft_million_tokens"] > 0
    assert rows["grpo-matched"]["million_tokens"] >= rows["ghpo"]["million_tokens"]  # trained to GHPO's tokens
    assert "GRPO-CL-H" in (output / "report.md").read_text()
    solved = json.loads((output / "runs" / "ghpo-solved-seed0.json").read_text())["result"]
    assert solved["teacher"]["samples"] >= 1 and solved["teacher_tokens"] == solved["teacher"]["tokens"] > 0
    assert rows["ghpo-solved"]["million_tokens"] * 1e6 > solved["teacher_tokens"]  # the teacher's tokens count

"""The paper's baselines: curriculum learning (GRPO-CL, `curriculum_column`) and the fixed hint (GRPO-CL-H,
`fixed_hint_ratio`). The order is checked by hand on the pure functions and TRL's repeat semantics, then on real
trainers: one process, two processes (the same order on both ranks), and a run SIGKILLed and resumed."""

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ghpo.cli import main as cli_main
from ghpo.config import GHPOConfig
from ghpo.curriculum import CurriculumError, CurriculumRepeatSampler, curriculum_order, curriculum_stages
from ghpo.testing import make_dataset, make_trainer, record_batches
from ghpo.train import main as train_main

sys.path.insert(0, str(Path(__file__).parent))
ROOT = Path(__file__).resolve().parents[1]


def problem_number(question: str) -> int:
    return int(re.match(r"Problem (\d+):", question).group(1))


# --- the pure part, by hand -----------------------------------------------------------------------------------

def test_stages_group_equal_difficulties_easiest_first():
    # rows 0..5 at levels 5, 3, 4, 3, 5, 4 -> level 3: rows 1, 3; level 4: rows 2, 5; level 5: rows 0, 4
    assert curriculum_stages(["Level 5", "Level 3", 4, "3", 5.0, "4"]) == [[1, 3], [2, 5], [0, 4]]


def test_n_stages_merge_neighbouring_difficulties_by_row_count():
    # levels 1 (1 row), 2 (1 row), 3 (4 rows): a cut at half the rows (3) falls inside level 3, so 1 + 2 | 3
    assert curriculum_stages([1, 2, 3, 3, 3, 3], num_stages=2) == [[0, 1], [2, 3, 4, 5]]
    assert curriculum_stages([1, 2], num_stages=5) == [[0], [1]]  # never more stages than difficulties


def test_rows_without_difficulty_stop_with_how_many_and_which_or_go_where_asked():
    with pytest.raises(CurriculumError, match=r"2 of 4 rows .* column 'level': row 1 \('Level \?'\), row 3 \(None\)"):
        curriculum_stages(["Level 1", "Level ?", "Level 2", None])
    assert curriculum_stages([2, None, 1], missing="first") == [[1], [2], [0]]
    assert curriculum_stages([2, None, 1], missing="last") == [[2], [0], [1]]


def test_the_order_shuffles_within_stages_only_by_seed_and_epoch():
    stages = [list(range(0, 10)), list(range(10, 20))]
    order = curriculum_order(stages, seed=0)
    assert sorted(order[:10]) == stages[0] and sorted(order[10:]) == stages[1]  # stage 1 entirely first
    assert order != curriculum_order(stages, seed=0, shuffle=False)  # shuffled ...
    assert order == curriculum_order(stages, seed=0)  # ... reproducibly (every rank computes the same)
    assert order != curriculum_order(stages, seed=1) and order != curriculum_order(stages, seed=0, epoch=1)


def test_sampler_keeps_trls_repeat_semantics():
    # stages [[2, 0], [1, 3]], unshuffled: order 2, 0, 1, 3. G = 2 copies in a row, generation batches of 2 prompts,
    # each batch repeated twice (num_iterations x steps_per_generation): 2 2 0 0 | 2 2 0 0 | 1 1 3 3 | 1 1 3 3
    sampler = CurriculumRepeatSampler([[2, 0], [1, 3]], mini_repeat_count=2, batch_size=2, repeat_count=2,
                                      shuffle=False, seed=0)
    assert list(sampler) == [2, 2, 0, 0, 2, 2, 0, 0, 1, 1, 3, 3, 1, 1, 3, 3] and len(sampler) == 16
    # 5 rows in batches of 2: the last, incomplete batch is dropped, as TRL's sampler does
    odd = CurriculumRepeatSampler([[0, 1, 2], [3, 4]], mini_repeat_count=1, batch_size=2, repeat_count=1,
                                  shuffle=False, seed=0)
    assert list(odd) == [0, 1, 2, 3]


# --- on a trainer ---------------------------------------------------------------------------------------------

NEEDS = [0.0] * 8
LEVELS = [3, 1, 2, 3, 1, 2, 1, 2]  # problems 1, 4, 6 (level 1) | 2, 5, 7 (level 2) | 0, 3 (level 3)


def test_training_visits_the_stages_in_order(tiny_model_dir, tmp_path):
    dataset = make_dataset(NEEDS).add_column("level", [f"Level {level}" for level in LEVELS])
    trainer = make_trainer(tiny_model_dir, tmp_path, dataset, curriculum_column="level", shuffle_dataset=True,
                           per_device_train_batch_size=8, max_steps=4)  # 2 prompts (x G = 4) a step
    batches = record_batches(trainer)
    trainer.train()
    seen = [problem_number(row["prompt"][-1]["content"]) for batch in batches for row in batch["rows"][::4]]
    assert [LEVELS[p] for p in seen] == [1, 1, 1, 2, 2, 2, 3, 3]  # every level-1 problem first, then 2, then 3
    assert len(set(seen)) == 8


@pytest.mark.parametrize("fixed_hint", [False, True], ids=["grpo-cl", "grpo-cl-h"])
def test_same_order_on_both_ranks_of_a_two_process_run(tiny_model_dir, tmp_path, fixed_hint):
    from test_multiprocess import SCRIPT, TORCHRUN, run

    levels = [3, 1, 2, 3, 1, 2, 1, 2]
    overrides = {"needs": [0.0, 0.25, 0.0, 0.75, 0.0, 0.0, 0.5, 0.0], "levels": levels, "curriculum_column": "level",
                 "shuffle_dataset": True, **({"rl_type": "grpo", "fixed_hint_ratio": 0.5} if fixed_hint else {})}
    decisions = run([*TORCHRUN, str(SCRIPT), tiny_model_dir, str(tmp_path), "4", "0", json.dumps(overrides)],
                    tmp_path)
    if fixed_hint:  # every group on both ranks sampled with the 50 % hint, none climbed a ladder
        assert decisions == {problem: 0.5 for problem in range(8)}
    ranks = [json.loads(path.read_text())["questions"] for path in sorted(tmp_path.glob("decisions.rank*.json"))]
    # 4 steps of one group (G = 4 rows) per rank: the ranks split each step's 2 prompts of one global order, so
    # levels 1 1 1 2 2 2 3 3 arrive as (1, 1), (1, 2), (2, 2), (3, 3), and no problem twice
    steps = [[problem_number(rank[step][0]) for rank in ranks] for step in range(4)]
    assert all(len(set(rank[step])) == 1 for rank in ranks for step in range(4))  # whole groups
    assert [sorted(levels[p] for p in step) for step in steps] == [[1, 1], [1, 2], [2, 2], [3, 3]]
    assert len({p for step in steps for p in step}) == 8


def test_a_killed_curriculum_run_resumes_where_it_stopped(tiny_model_dir, tmp_path):
    from test_resilience import run_script, step_logs

    curriculum = json.dumps({"curriculum_column": "level"})
    full = run_script(tiny_model_dir, tmp_path / "full", "full", curriculum)
    assert full.returncode == 0, full.stderr[-3000:]
    crash = run_script(tiny_model_dir, tmp_path / "crashed", "crash", curriculum)
    assert crash.returncode == -signal.SIGKILL, crash.stderr[-3000:]
    resumed = run_script(tiny_model_dir, tmp_path / "crashed", "resume", curriculum)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    full_questions = json.loads((tmp_path / "full" / "questions.json").read_text())
    resumed_questions = json.loads((tmp_path / "crashed" / "questions.json").read_text())
    assert resumed_questions == full_questions[2:]  # steps 3-6 (resumed at checkpoint-2): the same problems
    from resume_run import LEVELS

    levels = [LEVELS[problem_number(q)] for step in full_questions for q in step[::4]]
    assert levels == sorted(levels)  # and they are the curriculum's (12 problems, 2 a step: levels 1, 2, 3)
    full_logs, resumed_logs = (step_logs(json.loads((tmp_path / name / "log_history.json").read_text()))
                               for name in ("full", "crashed"))
    assert [entry["ghpo/prehint_accuracy"] for entry in full_logs[2:]] == \
        [entry["ghpo/prehint_accuracy"] for entry in resumed_logs[-4:]]


def test_a_missing_curriculum_column_is_named(tiny_model_dir, tmp_path):
    with pytest.raises(CurriculumError, match=r"curriculum_column='difficulty' is not a column .* 'needs_ratio'"):
        trainer = make_trainer(tiny_model_dir, tmp_path, make_dataset(NEEDS), curriculum_column="difficulty")
        trainer.get_train_dataloader()


# --- the fixed hint -------------------------------------------------------------------------------------------

def test_fixed_hint_gives_every_prompt_the_same_hint_and_no_ladder(tiny_model_dir, tmp_path):
    dataset = make_dataset([0.0, 0.25, 0.75, 5.0])
    trainer = make_trainer(tiny_model_dir, tmp_path, dataset, rl_type="grpo", fixed_hint_ratio=0.5,
                           per_device_train_batch_size=16, max_steps=1)
    batches = record_batches(trainer)
    trainer.train()
    (batch,) = batches
    tokenizer = trainer.processing_class
    prompts = [tokenizer.decode(ids[mask.bool()]) for ids, mask in zip(batch["prompt_ids"], batch["prompt_mask"])]
    lead_in = trainer.args.hint_lead_in
    for prompt, row in zip(prompts, batch["rows"], strict=True):  # 100-character solutions, cut at 50 characters
        assert lead_in + row["solution"][:50] in prompt and lead_in + row["solution"][:51] not in prompt
    (logs,) = [entry for entry in trainer.state.log_history if "reward" in entry]
    assert logs["ghpo/generation_rounds"] == 1  # one generation: no ladder rounds
    assert logs["ghpo/hinted_frac"] == 1 and logs["ghpo/mean_hint_ratio"] == 0.5
    assert logs["ghpo/prehinted_frac"] == 1  # sampled with a hint from the first generation
    # the scripted reward solves needs <= 0.5: problems 0 and 1 (8 of 16 completions)
    assert logs["rewards/accuracy_reward/mean"] == 0.5


@pytest.mark.parametrize("options, message", [
    ({"fixed_hint_ratio": 0.5}, "set rl_type: grpo"),
    ({"rl_type": "grpo", "fixed_hint_ratio": 1.5}, r"must be in \(0, 1\]"),
    ({"rl_type": "grpo", "fixed_hint_ratio": 0.5, "zero_variance_resampling": True}, "does not combine"),
    ({"curriculum_missing": "middle"}, "curriculum_missing must be"),
    ({"curriculum_stages": -1}, "curriculum_stages must be >= 0"),
])
def test_baseline_options_are_validated(tmp_path, options, message):
    with pytest.raises(ValueError, match=message):
        GHPOConfig(output_dir=str(tmp_path), use_cpu=True, **options)


# --- as a user runs them --------------------------------------------------------------------------------------

@pytest.mark.parametrize("flags", [["--curriculum_column", "level"],
                                   ["--curriculum_column", "level", "--rl_type", "grpo", "--fixed_hint_ratio", "0.5"]])
def test_the_tiny_recipe_trains_with_the_baselines(tmp_path, caplog, flags):
    caplog.set_level("INFO", logger="ghpo")
    train_main(["--config", str(ROOT / "recipes" / "tiny_cpu.yaml"), "--output_dir", str(tmp_path), "--max_steps",
                "2", "--save_strategy", "no", *flags])
    assert "curriculum by 'level', 4 stages, easiest first" in caplog.text  # builtin:arithmetic: levels 1-4
    assert (tmp_path / "model.safetensors").is_file()


def test_ghpo_train_stops_on_rows_without_difficulty_before_loading_the_model(tmp_path):
    data = tmp_path / "data.jsonl"
    rows = [{"problem": f"{i} + {i}?", "solution": f"\\boxed{{{2 * i}}}", "level": level}
            for i, level in enumerate(["Level 1", "Level ?", "Level 2"])]
    data.write_text("\n".join(json.dumps(row) for row in rows))
    with pytest.raises(SystemExit, match=r"1 of 3 rows have no readable difficulty .* row 1 \('Level \?'\)"):
        train_main(["--config", str(ROOT / "recipes" / "tiny_cpu.yaml"), "--output_dir", str(tmp_path / "out"),
                    "--dataset_name", str(data), "--curriculum_column", "level"])


def test_data_check_prints_the_stages(capsys):
    assert cli_main(["data", "check", str(ROOT.parent / "shared" / "data" / "train" / "math_train_L3to5.jsonl"),
                     "--show", "0"]) == 0
    out = capsys.readouterr().out
    assert "curriculum by 'level', 3 stages, easiest first:" in out
    assert re.search(r"stage 1: level 3 \(\d+ rows\)", out) and re.search(r"stage 3: level 5 \(\d+ rows\)", out)


def test_the_papers_curriculum_recipes_parse_like_their_ghpo_one():
    from ghpo.train import parse_args

    recipes = ROOT / "recipes" / "qwen2.5-math-7b"
    _, ghpo, _ = parse_args(["--config", str(recipes / "ghpo.yaml"), "--bf16", "false"])
    for name, rl_type, hint in (("grpo_cl.yaml", "grpo", None), ("grpo_cl_h.yaml", "grpo", 0.5)):
        _, args, _ = parse_args(["--config", str(recipes / name), "--bf16", "false"])
        assert (args.rl_type, args.curriculum_column, args.fixed_hint_ratio) == (rl_type, "level", hint)
        for same in ("learning_rate", "num_train_epochs", "num_generations", "per_device_train_batch_size",
                     "gradient_accumulation_steps", "max_completion_length", "beta", "seed"):
            assert getattr(args, same) == getattr(ghpo, same), (name, same)  # the same budget

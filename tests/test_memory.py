"""Difficulty memory (pure) and the ladder's cheaper modes on the tiny model with the scripted reward."""

import json

import pytest

from ghpo.memory import DifficultyMemory, problem_key
from ghpo.testing import make_dataset, make_trainer

NEEDS = [0.0, 0.25, 0.75, 5.0]
EXPECTED_FINAL_RATIO = [0.0, 0.25, 0.75, 0.75]


def test_memory_remembers_forgets_and_is_bounded():
    memory = DifficultyMemory(max_size=2)
    memory.record("a", 1)
    memory.record("b", 2)
    assert (memory.start_rung("a"), memory.start_rung("b"), memory.start_rung("zzz")) == (1, 2, 0)
    memory.visit("a")  # a is now the most recently used
    memory.record("c", 0)  # over capacity: b, the least recently used, goes
    assert memory.knows("a") and not memory.knows("b") and memory.knows("c")
    memory.record("a", None)  # solved without a hint
    assert not memory.knows("a") and len(memory) == 1


def test_memory_state_round_trips_with_visit_counts():
    memory = DifficultyMemory(max_size=5)
    memory.record("a", 2)
    memory.visit("a")
    restored = DifficultyMemory()
    restored.load_state_dict(json.loads(json.dumps(memory.state_dict())))
    assert restored.start_rung("a") == 2 and restored.visit("a") == 2 and restored.max_size == 5


def test_problem_key_is_stable_and_distinguishes_roles():
    conversation = [{"role": "system", "content": "s"}, {"role": "user", "content": "q"}]
    assert problem_key(conversation) == problem_key([dict(m) for m in conversation]) != problem_key("q")
    assert len(problem_key("q")) == 16


def run(tiny_model_dir, tmp_path, **overrides):
    """Two steps over the same 4 problems (one batch each), counting generation calls per step."""
    trainer = make_trainer(tiny_model_dir, tmp_path, make_dataset(NEEDS), per_device_train_batch_size=16,
                           max_steps=2, **overrides)
    calls, per_step, records = [], [], []
    original = trainer._generate_single_turn
    trainer._generate_single_turn = lambda *args, **kwargs: calls.append(1) or original(*args, **kwargs)
    original_log = trainer._log_ladder

    def log_and_count(record):
        per_step.append(len(calls) - sum(per_step))
        records.append(record)
        original_log(record)

    trainer._log_ladder = log_and_count
    trainer.train()
    return trainer, per_step, records


def test_parallel_ladder_same_decisions_in_one_extra_round(tiny_model_dir, tmp_path):
    _, per_step, records = run(tiny_model_dir, tmp_path, ladder_mode="parallel")
    assert per_step == [2, 2]  # the first generation + one round with every rung of every hard group
    assert records[0].final_ratio_per_group == EXPECTED_FINAL_RATIO
    assert records[0].hard_at_rung == [3, 3, 3] and records[0].solved_at_rung == [1, 0, 1]


def test_speculative_ladder_same_decisions_in_one_round(tiny_model_dir, tmp_path):
    trainer, per_step, records = run(tiny_model_dir, tmp_path, ladder_mode="speculative")
    assert per_step == [1, 1]  # every rung of every group rides along in the first generation call
    # The paper's exact signal: the sequential ladder's rungs and counts (hard_at_rung = rungs it would generate).
    assert [r.final_ratio_per_group for r in records] == [EXPECTED_FINAL_RATIO] * 2
    assert records[0].hard_at_rung == [3, 2, 2] and records[0].solved_at_rung == [1, 0, 1]
    # 4 groups x 3 rungs x G=4 speculated = 48 rows; 3 hard groups keep one entry each (12 rows): 36 of the
    # 16 + 48 = 64 rows generated are thrown away
    assert (records[0].speculative_rows, records[0].speculative_kept, records[0].generated_rows) == (48, 12, 64)
    logs = [entry for entry in trainer.state.log_history if "ghpo/speculative_waste" in entry]
    assert logs[0]["ghpo/speculative_waste"] == pytest.approx(36 / 64) and logs[0]["ghpo/generation_rounds"] == 1


def test_speculative_with_memory_speculates_only_known_hard_problems(tiny_model_dir, tmp_path):
    _, per_step, records = run(tiny_model_dir, tmp_path, ladder_mode="speculative", difficulty_memory=True)
    # step 1: the memory knows nothing, so nothing is speculated and the 3 hard groups climb in one parallel round;
    # step 2: the 3 remembered problems are speculated from their rung (0.25: 3 rungs; 0.75, never: 1 each)
    assert per_step == [2, 1]
    assert [r.final_ratio_per_group for r in records] == [EXPECTED_FINAL_RATIO] * 2
    assert records[0].speculative_rows == 0 and records[1].speculative_rows == (3 + 1 + 1) * 4
    assert records[1].speculative_kept == 3 * 4


def test_sequential_ladder_rounds_without_memory(tiny_model_dir, tmp_path):
    _, per_step, records = run(tiny_model_dir, tmp_path)
    assert per_step == [4, 4]  # first generation + rungs 0.25, 0.5, 0.75 (the 0.75 and never groups climb all)
    assert [r.final_ratio_per_group for r in records] == [EXPECTED_FINAL_RATIO] * 2


def test_memory_starts_failing_problems_at_their_last_rung(tiny_model_dir, tmp_path):
    trainer, per_step, records = run(tiny_model_dir, tmp_path, difficulty_memory=True)
    # step 2: the 0.25 group starts at rung 0; the 0.75 and never groups start at rung 2 (skipping 2 rungs each);
    # rung 1 has no group anywhere, so it costs no generation
    assert per_step == [4, 3]
    assert records[1].final_ratio_per_group == EXPECTED_FINAL_RATIO
    assert (records[1].memory_hits, records[1].rungs_skipped) == (3, 4)
    assert len(trainer._memory) == 3  # the easy problem is never remembered


def test_hint_first_generation_skips_the_no_hint_round(tiny_model_dir, tmp_path):
    trainer, per_step, records = run(tiny_model_dir, tmp_path, difficulty_memory=True, hint_first_generation=True)
    assert per_step == [4, 1]  # step 2: remembered problems sampled with their hint at once; nothing climbs
    assert records[1].prehinted == 3 and records[1].final_ratio_per_group == EXPECTED_FINAL_RATIO
    logs = [entry for entry in trainer.state.log_history if "ghpo/prehinted_frac" in entry]
    # pre-hint accuracy only over groups sampled without a hint: the one easy group, all correct
    assert logs[1]["ghpo/prehinted_frac"] == 0.75 and logs[1]["ghpo/prehint_accuracy"] == 1.0


def test_hint_first_retests_without_a_hint(tiny_model_dir, tmp_path):
    _, per_step, records = run(tiny_model_dir, tmp_path, difficulty_memory=True, hint_first_generation=True,
                               hint_retest_every=1)
    assert records[1].prehinted == 0 and per_step == [4, 3]  # every visit is a retest: back to memory starts


def test_memory_is_saved_in_checkpoints_and_restored_on_resume(tiny_model_dir, tmp_path):
    trainer, _, _ = run(tiny_model_dir, tmp_path, difficulty_memory=True, save_strategy="steps", save_steps=1)
    saved = json.loads((tmp_path / "checkpoint-2" / "ghpo_difficulty_memory.json").read_text())
    assert saved == trainer._memory.state_dict() and len(saved["rungs"]) == 3
    resumed = make_trainer(tiny_model_dir, tmp_path, make_dataset(NEEDS), per_device_train_batch_size=16,
                           max_steps=2, difficulty_memory=True)
    resumed.train(resume_from_checkpoint=str(tmp_path / "checkpoint-2"))
    assert resumed._memory.state_dict() == saved


@pytest.mark.parametrize("overrides, message", [
    ({"hint_first_generation": True}, "needs difficulty_memory"),
    ({"ladder_mode": "both"}, "ladder_mode must be one of"),
    ({"ladder_mode": "speculative", "difficulty_memory": True, "hint_first_generation": True}, "use one of them"),
])
def test_bad_mode_combinations(tmp_path, overrides, message):
    from ghpo.testing import make_config

    with pytest.raises(ValueError, match=message):
        make_config(tmp_path, **overrides)

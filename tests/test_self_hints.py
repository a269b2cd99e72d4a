"""Self-hints (`hint_source: self | dataset_then_self`): the store of the model's own bare successes (pure), then
the trainer on the tiny model with scripted rewards: what is stored, what is hinted from it, the ghpo/self_*
metrics, checkpoints and the options that refuse it."""

import json

import pytest

from ghpo.config import GHPOConfig
from ghpo.hints import hint_prefix
from ghpo.memory import problem_key
from ghpo.self_hints import SELF_SOLUTIONS_FILE, OwnSolutions, completion_text, shortest_correct_per_group
from ghpo.testing import PAPER_HINT_LEAD_IN, make_dataset, make_trainer, record_batches, self_hint_reward

NEEDS = [0.0, 0.25, 0.75, 5.0]  # the scripted reward's rungs (tests/test_memory.py): 5.0 is never solved
EXPECTED_FINAL_RATIO = [0.0, 0.25, 0.75, 0.75]


def test_store_keeps_the_shortest_solution_and_drops_the_oldest_problem():
    store = OwnSolutions(max_size=2)
    assert store.offer("a", "a long one") and store.offer("b", "bb")
    assert not store.offer("a", "a longer one still") and store.get("a") == "a long one"
    assert store.offer("a", "short") and store.get("a") == "short"  # shorter: replaces, and counts as newest
    assert not store.offer("c", "")  # an empty completion is no solution
    store.get("b")  # a lookup is not a use (each process looks up only its own rows: orders must not differ)
    assert store.offer("c", "ccc") and store.get("b") == "" and len(store) == 2  # b was stored longest ago
    restored = OwnSolutions()
    restored.load_state_dict(json.loads(json.dumps(store.state_dict())))
    assert restored.state_dict() == store.state_dict() and restored.max_size == 2


def test_shortest_correct_per_group_and_completion_text():
    import torch

    texts = ["xx", "x", "", "yyyy", "z", "zz"]
    best = shortest_correct_per_group(texts, torch.tensor([1.0, 0.0, 1.0, 1.0, 0.0, 0.0]), [0, 1, 2], 2)
    assert best == {0: "xx", 1: "yyyy"}  # group 1's empty completion is skipped; group 2 has no correct one
    assert completion_text([{"role": "assistant", "content": "ab"}]) == "ab" and completion_text("c") == "c"


def test_config_checks_the_hint_source():
    with pytest.raises(ValueError, match="hint_source must be one of"):
        GHPOConfig(output_dir="x", use_cpu=True, report_to="none", hint_source="teacher")
    with pytest.raises(ValueError, match="needs rl_type ghpo"):
        GHPOConfig(output_dir="x", use_cpu=True, report_to="none", hint_source="self", rl_type="grpo")
    with pytest.raises(ValueError, match="self_hint_store_size"):
        GHPOConfig(output_dir="x", use_cpu=True, report_to="none", hint_source="self", self_hint_store_size=0)


def answer_only(bare_until: list[int]):
    """Problems without worked solutions ('' in the solution column), solved bare before step `bare_until`."""
    dataset = make_dataset([0.0] * len(bare_until)).remove_columns("solution")
    return dataset.add_column("solution", [""] * len(bare_until)).add_column("bare_until", bare_until)


def self_hint_trainer(tiny_model_dir, tmp_path, bare_until, **overrides):
    settings = dict(per_device_train_batch_size=4 * len(bare_until), max_steps=2, hint_source="self",
                    accuracy_reward_name="self_hint_reward")
    return make_trainer(tiny_model_dir, tmp_path, answer_only(bare_until), reward_funcs=[self_hint_reward],
                        **{**settings, **overrides})


def capture(trainer, name: str) -> list:
    """Wrap trainer method `name` to record the arguments of every call."""
    calls, original = [], getattr(trainer, name)
    setattr(trainer, name, lambda *args: calls.append(args) or original(*args))
    return calls


def test_bare_successes_are_stored_and_hint_the_problem_when_it_fails_later(tiny_model_dir, tmp_path):
    # Step 0: problems 0 and 2 are solved bare (every other completion), 1 and 3 fail with nothing to hint from.
    # Step 1: every bare group fails; 0 and 2 climb on hints cut from their step-0 completions and are solved.
    trainer = self_hint_trainer(tiny_model_dir, tmp_path, [1, 0, 1, 0])
    offers, records = capture(trainer, "_remember_own_solutions"), capture(trainer, "_log_ladder")
    seen = capture(trainer, "_generate_prompts")
    trainer.train()
    prompts, completions, accuracy, bare_groups = offers[0]
    texts = [completion_text(completion) for completion in completions]
    expected = {g: min((texts[r] for r in range(4 * g, 4 * g + 4) if accuracy[r] > 0 and texts[r]), key=len)
                for g in (0, 2)}
    keys = {g: problem_key(prompts[4 * g]) for g in range(4)}
    store = trainer._own_solutions
    assert {g: store.get(keys[g]) for g in range(4)} == {0: expected[0], 1: "", 2: expected[2], 3: ""}
    # the store is unchanged by step 1's hinted successes: only bare completions count
    assert len(store) == 2 and bare_groups == [0, 1, 2, 3]
    first, second = records[0][0], records[1][0]
    assert first.final_ratio_per_group == [0.0] * 4 and first.unhintable == 2
    assert second.final_ratio_per_group == [0.25, 0.0, 0.25, 0.0] and second.unhintable == 2
    assert (second.self_climbed, second.self_rescued, second.self_hinted) == (2, 2, 2)
    # the hints shown are the first 25 % of the model's own text, after the paper's lead-in
    hinted_prompts = seen[0][0]
    for group, prompt in zip((0, 2), hinted_prompts[::4], strict=True):
        assert prompt[-1]["content"].endswith(PAPER_HINT_LEAD_IN + hint_prefix(expected[group], 0.25))
    step_logs = [entry for entry in trainer.state.log_history if "ghpo/self_hinted_frac" in entry]
    assert [(e["ghpo/self_hinted_frac"], e["ghpo/self_hint_rescue_rate"], e["ghpo/self_solutions_stored"])
            for e in step_logs] == [(0.0, 0.0, 2.0), (0.5, 1.0, 2.0)]


def test_self_hints_climb_the_ladder_from_the_stored_text_not_the_dataset(tiny_model_dir, tmp_path):
    # The scripted reward measures the hint against a 100-character text: the dataset's solution here, while the
    # hints must come from the store, seeded with another 100-character text per problem.
    trainer = make_trainer(tiny_model_dir, tmp_path, make_dataset(NEEDS), per_device_train_batch_size=16,
                           max_steps=1, hint_source="self")
    seen = capture(trainer, "_generate_prompts")
    own = {}
    for index, row in enumerate(trainer.train_dataset):
        own[index] = (f"My own way to solve {index}. " * 10)[:100]
        trainer._own_solutions.offer(problem_key(row["prompt"]), own[index])
    records = capture(trainer, "_log_ladder")
    trainer.train()
    assert records[0][0].final_ratio_per_group == EXPECTED_FINAL_RATIO
    for call in seen:
        for prompt in call[0]:
            index = int(prompt[-1]["content"].split()[1].rstrip(":"))
            assert PAPER_HINT_LEAD_IN + own[index][:10] in prompt[-1]["content"]


def test_dataset_then_self_prefers_the_dataset_solution(tiny_model_dir, tmp_path):
    # Problems 0-1 keep their dataset solutions (paper GHPO); 2-3 have none and hint from the store.
    dataset = make_dataset([0.25, 5.0, 5.0, 5.0])
    dataset = dataset.map(lambda row, i: {"solution": row["solution"] if i < 2 else ""}, with_indices=True)
    trainer = make_trainer(tiny_model_dir, tmp_path, dataset, per_device_train_batch_size=16, max_steps=1,
                           hint_source="dataset_then_self")
    for row in trainer.train_dataset:
        trainer._own_solutions.offer(problem_key(row["prompt"]), "OWN " * 25)
    seen, records = capture(trainer, "_generate_prompts"), capture(trainer, "_log_ladder")
    trainer.train()
    hints = {}
    for call in seen:
        for prompt in call[0]:
            content = prompt[-1]["content"]
            hints.setdefault(int(content.split()[1].rstrip(":")), set()).add(content.split(PAPER_HINT_LEAD_IN)[1][:4])
    assert hints == {0: {"Step"}, 1: {"Step"}, 2: {"OWN "}, 3: {"OWN "}}
    record = records[0][0]
    assert record.final_ratio_per_group == [0.25, 0.75, 0.75, 0.75]
    assert (record.self_climbed, record.self_rescued, record.self_hinted) == (2, 0, 2)


def test_the_store_is_saved_in_checkpoints_and_resumed(tiny_model_dir, tmp_path):
    # Bare successes only at step 0: after resuming from checkpoint-1, step 1's hints exist only if the store came
    # back from the checkpoint.
    first = self_hint_trainer(tiny_model_dir, tmp_path, [1, 0, 1, 0], max_steps=1, save_strategy="steps",
                              save_steps=1)
    first.train()
    saved = json.loads((tmp_path / "checkpoint-1" / SELF_SOLUTIONS_FILE).read_text())
    assert saved == first._own_solutions.state_dict() and len(saved["texts"]) == 2
    resumed = self_hint_trainer(tiny_model_dir, tmp_path, [1, 0, 1, 0], max_steps=2)
    records = capture(resumed, "_log_ladder")
    resumed.train(resume_from_checkpoint=str(tmp_path / "checkpoint-1"))
    assert records[0][0].final_ratio_per_group == [0.25, 0.0, 0.25, 0.0]
    assert resumed._own_solutions.state_dict() == saved


def test_paper_ghpo_logs_no_self_metrics_and_answer_only_rows_stay_unhinted(tiny_model_dir, tmp_path):
    trainer = self_hint_trainer(tiny_model_dir, tmp_path, [1, 0, 1, 0], hint_source="dataset")
    records = capture(trainer, "_log_ladder")
    trainer.train()
    assert trainer._own_solutions is None
    assert records[1][0].final_ratio_per_group == [0.0] * 4 and records[1][0].unhintable == 4
    assert not any("ghpo/self_hinted_frac" in entry for entry in trainer.state.log_history)

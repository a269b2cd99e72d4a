"""The hint ladder on a real colocated CPU vLLM engine: which groups it hints, at which rung, in which engine calls,
and that the rows the loss trains on carry the engine's own sampling log-probs.

The scripted accuracy (ghpo.testing) decides which groups are hard whatever the engine samples; see engine_probe.NEEDS.
"""

from __future__ import annotations

import pytest
import torch

from engine_probe import FINAL_RATIO, batch_rows, engine_trainer, groups_and_ratios, record_batches, record_engine_calls
from ghpo.config import PAPER_HINT_LEAD_IN
from ghpo.testing import accuracy_reward, length_reward

pytestmark = pytest.mark.vllm
@pytest.fixture(scope="module")
def sequential_run(engine_model_dir, tmp_path_factory):
    trainer = engine_trainer(engine_model_dir, tmp_path_factory.mktemp("sequential"))
    calls, batches = record_engine_calls(trainer), record_batches(trainer)
    trainer.train()
    return trainer, calls, batches


def test_exactly_the_hard_groups_are_hinted_at_their_rungs(sequential_run):
    trainer, calls, _ = sequential_run
    # hard: groups 1, 2, 3, 4, 6. Rung 0.25 solves 1 and 6; 0.5 solves 2; 0.75 solves 3; 4 never (keeps 0.75).
    assert [groups_and_ratios(trainer, call) for call in calls] == [
        [(g, 0.0) for g in range(8)],  # the first generation: no hints
        [(1, 0.25), (2, 0.25), (3, 0.25), (4, 0.25), (6, 0.25)],
        [(2, 0.5), (3, 0.5), (4, 0.5)],
        [(3, 0.75), (4, 0.75)],
    ]
    assert trainer._last_ladder_record.final_ratio_per_group == FINAL_RATIO


def test_hinted_rows_carry_the_engines_own_sampling_logprobs(sequential_run):
    trainer, calls, batches = sequential_run
    sampled = {(tuple(p), tuple(c)): lp for call in calls
               for p, c, lp in zip(call["prompts"], call["completion_ids"], call["logprobs"], strict=True)}
    rows = batch_rows(trainer, batches[0])
    hinted = [row for row in rows if PAPER_HINT_LEAD_IN.strip() in trainer.processing_class.decode(row["prompt_ids"])]
    assert len(hinted) == 4 * 5  # groups 1, 2, 3, 4, 6 kept a hinted rung
    for row in rows:  # each row's prompt, completion and log-probs come from one and the same engine output
        engine_logps = sampled[(tuple(row["prompt_ids"]), tuple(row["completion_ids"]))]
        assert torch.allclose(row["sampling_logps"], torch.tensor(engine_logps), atol=1e-6)


def test_parallel_ladder_sends_every_rung_of_every_hard_group_in_one_call(engine_model_dir, tmp_path):
    trainer = engine_trainer(engine_model_dir, tmp_path, ladder_mode="parallel")
    calls = record_engine_calls(trainer)
    trainer.train()
    hard = [1, 2, 3, 4, 6]
    assert [groups_and_ratios(trainer, call) for call in calls] == [
        [(g, 0.0) for g in range(8)],
        [(g, ratio) for g in hard for ratio in (0.25, 0.5, 0.75)],  # 15 groups, 60 rows, one batched call
    ]
    assert trainer._last_ladder_record.final_ratio_per_group == FINAL_RATIO  # the same rungs as the paper's ladder


def test_difficulty_memory_with_hint_first_samples_remembered_hints_in_the_first_call(engine_model_dir, tmp_path):
    # 4 problems, one epoch per step. Step 1 climbs: 1 leaves at 0.5, 2 never (0.75), 3 at 0.25. Step 2 samples them
    # with those hints in its first generation: 1 and 3 are solved there, 2 has no rung left: no ladder call at all.
    trainer = engine_trainer(engine_model_dir, tmp_path, needs=[0.0, 0.5, 5.0, 0.25], max_steps=2,
                             difficulty_memory=True, hint_first_generation=True)
    calls = record_engine_calls(trainer)
    trainer.train()
    by_step = [[groups_and_ratios(trainer, call) for call in calls if call["step"] == step] for step in (0, 1)]
    assert by_step[0] == [[(0, 0.0), (1, 0.0), (2, 0.0), (3, 0.0)], [(1, 0.25), (2, 0.25), (3, 0.25)],
                          [(1, 0.5), (2, 0.5)], [(2, 0.75)]]
    assert by_step[1] == [[(0, 0.0), (1, 0.5), (2, 0.75), (3, 0.25)]]
    assert trainer.state.log_history[1]["ghpo/prehinted_frac"] == 0.75


def test_grpo_mode_sends_no_hint_to_the_engine(engine_model_dir, tmp_path):
    trainer = engine_trainer(engine_model_dir, tmp_path, max_steps=2, rl_type="grpo")
    calls = record_engine_calls(trainer)
    trainer.train()
    assert [groups_and_ratios(trainer, call) for call in calls] == [[(g, 0.0) for g in range(8)]] * 2


def test_two_iterations_start_from_ratios_of_one_hinted_rows_included(engine_model_dir, tmp_path):
    """num_iterations=2: one generation, two optimizer steps on it. On the first, the policy is the one that scored
    the rows (ratio pi / pi_old = 1) and the engine sampled them with the same weights (TRL's vLLM correction
    exp(old - sampling) ~ 1, bf16 rounding aside): both hold on hinted rows too, which would not be so if a hinted
    row's prompt, completion and log-probs came from different generations."""
    trainer = engine_trainer(engine_model_dir, tmp_path, max_steps=2, num_iterations=2, learning_rate=3e-2,
                             reward_funcs=[accuracy_reward, length_reward])
    batches, ratios = record_batches(trainer), []
    compute_loss, logps_of = trainer._compute_loss, trainer._get_per_token_logps_and_entropies

    def recording_compute_loss(model, inputs):
        def recording_logps(*args, **kwargs):
            logps, *rest = logps_of(*args, **kwargs)
            mask = inputs["completion_mask"].bool()
            ratios.append(torch.exp(logps - inputs["old_per_token_logps"]).detach()[mask])  # (tokens,)
            return (logps, *rest)

        trainer._get_per_token_logps_and_entropies = recording_logps
        try:
            return compute_loss(model, inputs)
        finally:
            trainer._get_per_token_logps_and_entropies = logps_of

    trainer._compute_loss = recording_compute_loss
    trainer.train()
    assert len(batches) == 1 and len(ratios) == 2  # generated once, trained on twice
    assert torch.allclose(ratios[0], torch.ones_like(ratios[0]), atol=1e-4)  # iteration 1: pi == pi_old
    assert (ratios[1] - 1).abs().max() > 1e-3  # iteration 2: the policy has moved (the check is not vacuous)
    rows = batch_rows(trainer, batches[0])
    hinted = [row for row in rows if PAPER_HINT_LEAD_IN.strip() in trainer.processing_class.decode(row["prompt_ids"])]
    assert hinted
    for row in rows:
        vllm_ratio = torch.exp(row["old_logps"] - row["sampling_logps"])  # (completion_len,)
        assert (vllm_ratio - 1).abs().max() < 0.05

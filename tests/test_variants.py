"""Beyond the paper: zero-variance resampling (DAPO's dynamic sampling) and hints placed in the response.

The scripted reward (`ghpo.testing`) makes each group's rewards known in advance: needs 0 -> all pass, 5 -> all fail
(both flat), MIXED -> half pass (rewards differ), 0.25 -> solved by a 25 % hint in the prompt.
"""

import pytest
import torch

from ghpo.config import PAPER_HINT_LEAD_IN, GHPOConfig
from ghpo.resample import flat_group_mask, replacement_rng
from ghpo.testing import MIXED, make_dataset, make_trainer, record_batches

# 4 groups of G = 4 in the first batch (two flat, two mixed), then a reservoir of mixed problems to refill from.
FLAT_FIRST = [0.0, 5.0, MIXED, MIXED] + [MIXED] * 28


def test_flat_group_mask_by_hand():
    accuracy = torch.tensor([0., 0., 1., 0., 1., 1., float("nan"), 0.])  # all fail, mixed, all pass, NaN = 0
    assert flat_group_mask(accuracy, 2).tolist() == [True, False, True, True]
    assert flat_group_mask(torch.tensor([0.5, 0.5, 0.5, 0.2]), 4).tolist() == [False]  # any difference counts
    with pytest.raises(ValueError, match="groups of 3"):
        flat_group_mask(torch.zeros(4), 3)


def test_replacement_draws_are_reproducible_and_differ_per_process_and_step():
    draw = lambda *key: [replacement_rng(*key).randrange(1000) for _ in range(5)]  # noqa: E731
    assert draw(0, 3, 0) == draw(0, 3, 0)
    assert draw(0, 3, 0) != draw(0, 3, 1) and draw(0, 3, 0) != draw(0, 4, 0)


def questions(rows, group_size=4):
    return [rows[g * group_size]["prompt"][-1]["content"] for g in range(len(rows) // group_size)]


def test_resampling_refills_exactly_the_flat_groups(tiny_model_dir, tmp_path):
    trainer = make_trainer(tiny_model_dir, tmp_path, make_dataset(FLAT_FIRST), rl_type="grpo", max_steps=1,
                           per_device_train_batch_size=16, zero_variance_resampling=True, resample_max_rounds=3)
    original = questions([row for row in make_dataset(FLAT_FIRST)][:4], group_size=1)
    batches = record_batches(trainer)
    trainer.train()
    (batch,) = batches
    final = questions(batch["rows"])
    assert len(batch["rows"]) == 16 and batch["completion_ids"].shape[0] == 16  # the configured batch size
    assert final[2:] == original[2:]  # groups with reward variance are kept, in place
    assert final[0] != original[0] and final[1] != original[1]  # both flat groups were replaced ...
    assert all(batch["rows"][i]["needs_ratio"] == MIXED for i in range(8))  # ... by problems with variance
    assert all(len({row["prompt"][-1]["content"] for row in batch["rows"][g * 4:(g + 1) * 4]}) == 1 for g in range(4))
    (logs,) = [entry for entry in trainer.state.log_history if "reward" in entry]
    assert logs["ghpo/flat_frac"] == pytest.approx(0.5)
    assert logs["ghpo/resample_refilled_frac"] == pytest.approx(0.5) and logs["ghpo/resample_unfilled_frac"] == 0
    assert logs["frac_reward_zero_std"] == 0  # TRL's own count: every trained group has signal
    assert logs["ghpo/resample_tokens"] > 0 and logs["ghpo/generation_rounds"] >= 2
    assert logs["ghpo/generated_tokens"] >= logs["ghpo/resample_tokens"] + 16  # first call: >= 1 token per row


def test_resampling_keeps_flat_groups_it_cannot_refill(tiny_model_dir, tmp_path):
    # Nothing but flat problems: every refill is flat too, so after the rounds the batch keeps its groups.
    trainer = make_trainer(tiny_model_dir, tmp_path, make_dataset([0.0, 5.0] * 8), rl_type="grpo", max_steps=1,
                           per_device_train_batch_size=16, zero_variance_resampling=True, resample_max_rounds=2)
    calls = []
    original = trainer._generate_single_turn
    trainer._generate_single_turn = lambda *args, **kwargs: calls.append(1) or original(*args, **kwargs)
    trainer.train()
    (logs,) = [entry for entry in trainer.state.log_history if "reward" in entry]
    assert logs["ghpo/flat_frac"] == 1.0 and logs["ghpo/resample_unfilled_frac"] == 1.0
    assert logs["ghpo/resampled_groups"] == 8  # 4 slots x 2 rounds
    assert len(calls) == 3  # the first generation and exactly resample_max_rounds refills


def test_resampling_acts_after_the_hint_ladder(tiny_model_dir, tmp_path):
    # Group 1 needs a 25 % hint (the ladder solves all of it: flat, all pass); group 2 is never solved (flat);
    # group 3 has variance. The ladder runs first, then every group still flat is refilled.
    needs = [0.0, 0.25, 5.0, MIXED] + [MIXED] * 28
    trainer = make_trainer(tiny_model_dir, tmp_path, make_dataset(needs), max_steps=1, per_device_train_batch_size=16,
                           zero_variance_resampling=True)
    batches = record_batches(trainer)
    trainer.train()
    record = trainer._last_ladder_record
    assert record.hard_at_rung == [2, 1, 1]  # the ladder saw the two hard groups of the original batch
    assert record.flat_before == 3 and record.refilled == 3
    assert record.final_ratio_per_group == [0.0, 0.0, 0.0, 0.0]  # refilled slots are sampled bare
    assert questions(batches[0]["rows"])[3] == "Problem 3: what is 3 + 3?"


def decoded(trainer, ids, mask):
    return trainer.processing_class.decode(ids[mask.bool()])


@pytest.mark.parametrize("conversational", [True, False])
def test_response_placement_opens_the_answer_with_the_hint(tiny_model_dir, tmp_path, conversational):
    # Never solved: every group climbs to the top rung (75 %) and keeps it.
    trainer = make_trainer(tiny_model_dir, tmp_path, make_dataset([5.0] * 2, conversational=conversational),
                           max_steps=1, hint_placement="response", hint_unit="word")
    batches = record_batches(trainer)
    trainer.train()
    (batch,) = batches
    assert trainer._last_ladder_record.final_ratio_per_group == [0.75, 0.75]
    tokenizer = trainer.processing_class
    for row, ids, mask in zip(batch["rows"], batch["prompt_ids"], batch["prompt_mask"]):
        prompt = decoded(trainer, ids, mask)
        question = row["prompt"][-1]["content"] if conversational else row["prompt"]
        bare = tokenizer.apply_chat_template(row["prompt"], add_generation_prompt=True, tokenize=False) \
            if conversational else question
        hint = " ".join(row["solution"].split()[: round(0.75 * len(row["solution"].split()))])
        assert PAPER_HINT_LEAD_IN.strip() not in prompt  # no lead-in: the hint is the answer's opening
        assert prompt.replace(" ", "") == (bare + hint).replace(" ", "")  # the bare context, then the hint
    # The loss covers the model's own tokens only: the hint sits in prompt_ids, which TRL never trains on.
    assert batch["completion_mask"].shape == batch["completion_ids"].shape


def test_response_placement_respects_the_prompt_budget(tiny_model_dir, tmp_path):
    trainer = make_trainer(tiny_model_dir, tmp_path, make_dataset([5.0] * 2), max_steps=1,
                           hint_placement="response", max_prompt_length=60, hint_unit="word")
    batches = record_batches(trainer)
    trainer.train()
    assert int(batches[0]["prompt_mask"].sum(dim=1).max()) <= 60


def test_variant_options_are_validated(tmp_path):
    base = dict(output_dir=str(tmp_path), use_cpu=True, report_to="none")
    with pytest.raises(ValueError, match="hint_placement must be one of"):
        GHPOConfig(**base, hint_placement="system")
    with pytest.raises(ValueError, match="resample_max_rounds must be >= 1"):
        GHPOConfig(**base, resample_max_rounds=0)
    with pytest.raises(ValueError, match="does not support hint_first_generation"):
        GHPOConfig(**base, hint_placement="response", difficulty_memory=True, hint_first_generation=True)


# --- imitation of the revealed prefix ------------------------------------------------------------------------

def test_masked_token_nll_by_hand():
    import math

    from ghpo.imitation import masked_token_nll

    # ids [0, 1, 2], targets 1 and 2 (mask on positions 1, 2). Position 0's logits are uniform: p(1) = 1/3;
    # position 1's are (0, 0, ln 2): p(2) = 2 / (1 + 1 + 2) = 1/2. Mean NLL = (ln 3 + ln 2) / 2.
    logits = torch.tensor([[[0.0, 0.0, 0.0], [0.0, 0.0, math.log(2)], [5.0, 5.0, 5.0]]])
    ids, mask = torch.tensor([[0, 1, 2]]), torch.tensor([[0, 1, 1]])
    assert float(masked_token_nll(logits, ids, mask)) == pytest.approx(math.log(6) / 2)
    assert float(masked_token_nll(logits, ids, torch.zeros_like(mask))) == 0.0


def imitation_logs(trainer):
    return [entry["ghpo/imitation_loss"] for entry in trainer.state.log_history if "ghpo/imitation_loss" in entry]


def test_imitation_term_is_the_nll_of_the_hint_after_the_bare_question(tiny_model_dir, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from ghpo.hints import hint_prefix
    from ghpo.imitation import masked_token_nll

    # One group that a 25 % hint solves (imitated), one solved bare (nothing to imitate).
    dataset = make_dataset([0.25, 0.0])
    trainer = make_trainer(tiny_model_dir, tmp_path, dataset, max_steps=1, hint_imitation_coef=0.5,
                           hint_unit="word")
    trainer.train()
    (logged,) = imitation_logs(trainer)
    # By hand, with the weights the step started from: the bare question's chat prompt, then the 25 % hint.
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    row = dataset[0]
    bare = tokenizer.apply_chat_template(row["prompt"], add_generation_prompt=True, tokenize=True, return_dict=True)
    bare_ids = list(bare["input_ids"])
    hint_ids = tokenizer(hint_prefix(row["solution"], 0.25, "word"), add_special_tokens=False)["input_ids"]
    ids = torch.tensor([bare_ids + hint_ids])
    mask = torch.tensor([[0] * len(bare_ids) + [1] * len(hint_ids)])
    with torch.no_grad():
        expected = float(masked_token_nll(model(input_ids=ids).logits, ids, mask))
    assert logged == pytest.approx(expected, rel=1e-4)


def test_imitation_is_zero_without_hinted_groups_and_absent_when_off(tiny_model_dir, tmp_path):
    trainer = make_trainer(tiny_model_dir, tmp_path / "a", make_dataset([0.0, 0.0]), max_steps=1,
                           hint_imitation_coef=1.0)
    trainer.train()
    assert imitation_logs(trainer) == [0.0]
    trainer = make_trainer(tiny_model_dir, tmp_path / "b", make_dataset([0.25, 0.0]), max_steps=1)
    trainer.train()
    assert imitation_logs(trainer) == []
    with pytest.raises(ValueError, match="hint_imitation_coef must be >= 0"):
        GHPOConfig(output_dir=str(tmp_path), use_cpu=True, report_to="none", hint_imitation_coef=-0.1)


def test_imitation_term_reaches_the_weights(tiny_model_dir, tmp_path):
    # Both groups end flat (the hinted one all pass, the other all pass bare): GRPO's own gradient is zero, so
    # with λ = 0 nothing moves, and with λ > 0 only the imitation term can move the weights.
    def trained(coef, folder):
        trainer = make_trainer(tiny_model_dir, tmp_path / folder, make_dataset([0.25, 0.0]), max_steps=1,
                               hint_imitation_coef=coef)
        trainer.train()
        return torch.cat([p.detach().flatten() for p in trainer.model.parameters()])

    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    untouched = torch.cat([p.detach().flatten() for p in base.parameters()])
    assert torch.allclose(trained(0.0, "off"), untouched)
    assert not torch.allclose(trained(10.0, "on"), untouched)

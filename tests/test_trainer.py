"""GHPOTrainer on a tiny local model, with the scripted reward of `ghpo.testing`.

The scripted reward solves a problem exactly when the prompt carries a hint of at least `needs_ratio` of its
solution, so which groups are hard, and at which rung each leaves the ladder, is known in advance:
needs_ratio 0 -> solved without hint; 0.25 -> leaves at rung 0.25; 0.75 -> at 0.75; 5 -> never (top rung kept).
"""

import inspect

import pytest
import torch
from trl import GRPOTrainer

from ghpo.config import PAPER_HINT_LEAD_IN
from ghpo.testing import make_dataset, make_trainer, record_batches
from ghpo.trainer import GHPOTrainer

NEEDS = [0.0, 0.25, 0.75, 5.0]  # one problem per group; 4 groups of G=4 in one batch of 16
EXPECTED_FINAL_RATIO = [0.0, 0.25, 0.75, 0.75]


def decoded_prompts(trainer, batch):
    tokenizer = trainer.processing_class
    return [tokenizer.decode(ids[mask.bool()]) for ids, mask in zip(batch["prompt_ids"], batch["prompt_mask"])]


@pytest.fixture
def ladder_run(tiny_model_dir, tmp_path):
    trainer = make_trainer(tiny_model_dir, tmp_path, make_dataset(NEEDS), per_device_train_batch_size=16,
                           max_steps=1)
    batches = record_batches(trainer)
    trainer.train()
    return trainer, batches


def test_exactly_the_hard_groups_get_hints_at_the_right_rung(ladder_run):
    trainer, batches = ladder_run
    record = trainer._last_ladder_record
    assert record.hard_before == 3  # groups needing 0.25, 0.75 and never
    assert record.hard_at_rung == [3, 2, 2]  # 0.25 solves one; 0.5 solves none; 0.75 solves one
    assert record.solved_at_rung == [1, 0, 1]
    assert record.final_ratio_per_group == EXPECTED_FINAL_RATIO


def test_trained_prompt_ids_carry_the_hint(ladder_run):
    trainer, batches = ladder_run
    (batch,) = batches
    prompts = decoded_prompts(trainer, batch)
    lead_in = PAPER_HINT_LEAD_IN.strip()
    for row, prompt in zip(batch["rows"], prompts):
        group_ratio = EXPECTED_FINAL_RATIO[NEEDS.index(row["needs_ratio"])]
        if group_ratio == 0:
            assert lead_in not in prompt
        else:
            hint = row["solution"][: round(group_ratio * len(row["solution"]))]
            assert lead_in in prompt and hint in prompt
            assert prompt.index(row["prompt"][-1]["content"]) < prompt.index(lead_in)  # question kept, hint after


def test_rewards_and_logs_see_the_hinted_prompts(ladder_run):
    trainer, _ = ladder_run
    (logs,) = [entry for entry in trainer.state.log_history if "reward" in entry]
    # after the ladder, the scripted reward solves 3 of 4 groups (the 'never' group keeps its failed 0.75 rung)
    assert logs["rewards/accuracy_reward/mean"] == pytest.approx(0.75)
    assert logs["ghpo/prehint_accuracy"] == pytest.approx(0.25)
    assert logs["ghpo/hard_frac"] == pytest.approx(0.75)
    assert logs["ghpo/hinted_frac"] == pytest.approx(0.75)
    assert logs["ghpo/unsolved_after_ladder_frac"] == pytest.approx(0.25)


def test_kl_is_zero_at_step_one_with_beta_and_two_iterations(tiny_model_dir, tmp_path):
    # The paper's code computed reference / old log-probs on the pre-hint sequences: KL 0.0366 at step 1.
    # Here every log-prob is computed on the final hinted sequences, so the first KL is exactly 0.
    trainer = make_trainer(tiny_model_dir, tmp_path, make_dataset(NEEDS), per_device_train_batch_size=16,
                           max_steps=2, beta=0.1, num_iterations=2)
    batches = record_batches(trainer)
    trainer.train()
    first = [entry for entry in trainer.state.log_history if "kl" in entry][0]
    assert first["kl"] == pytest.approx(0.0, abs=1e-7)
    assert len(batches) == 1  # two iterations reuse one generation
    assert batches[0]["ref_per_token_logps"].shape == batches[0]["completion_ids"].shape


def test_grpo_mode_gives_no_hints_but_logs_prehint_metrics(tiny_model_dir, tmp_path):
    trainer = make_trainer(tiny_model_dir, tmp_path, make_dataset(NEEDS), per_device_train_batch_size=16,
                           max_steps=1, rl_type="grpo")
    batches = record_batches(trainer)
    trainer.train()
    assert all(PAPER_HINT_LEAD_IN.strip() not in p for p in decoded_prompts(trainer, batches[0]))
    (logs,) = [entry for entry in trainer.state.log_history if "reward" in entry]
    assert logs["ghpo/hard_frac"] == pytest.approx(0.75) and logs["ghpo/hinted_frac"] == 0


def test_no_extra_generation_when_nothing_is_hard(tiny_model_dir, tmp_path):
    trainer = make_trainer(tiny_model_dir, tmp_path, make_dataset([0.0] * 4), per_device_train_batch_size=16,
                           max_steps=2)
    calls = []
    original = trainer._generate_single_turn
    trainer._generate_single_turn = lambda *args, **kwargs: calls.append(1) or original(*args, **kwargs)
    trainer.train()
    assert len(calls) == 2  # one generation per step, no ladder round


def test_start_hint_step_delays_hints(tiny_model_dir, tmp_path):
    trainer = make_trainer(tiny_model_dir, tmp_path, make_dataset(NEEDS), per_device_train_batch_size=16,
                           max_steps=2, start_hint_step=1)
    trainer.train()
    hinted = [entry["ghpo/hinted_frac"] for entry in trainer.state.log_history if "ghpo/hinted_frac" in entry]
    assert hinted == [0.0, 0.75]


def test_prompt_budget_shortens_the_hint_never_the_question(tiny_model_dir, tmp_path):
    trainer = make_trainer(tiny_model_dir, tmp_path, make_dataset([5.0] * 2), per_device_train_batch_size=8,
                           max_steps=1, max_prompt_length=150, hint_unit="word")
    batches = record_batches(trainer)
    trainer.train()
    # With the test tokenizer: question 37 tokens, + lead-in 109, + a 75 % hint 184. A budget of 150 keeps the
    # question and the lead-in and cuts the hint, at a word boundary.
    lengths = batches[0]["prompt_mask"].sum(dim=1)
    assert 109 < int(lengths.max()) <= 150
    lead_in = PAPER_HINT_LEAD_IN.strip()
    for row, prompt in zip(batches[0]["rows"], decoded_prompts(trainer, batches[0])):
        assert row["prompt"][-1]["content"] in prompt and lead_in in prompt
        hint = prompt.split(lead_in, 1)[1].split("<|im_end|>")[0].strip()
        assert 0 < len(hint) < round(0.75 * len(row["solution"])) and row["solution"].startswith(hint)


def test_plain_text_prompts_work(tiny_model_dir, tmp_path):
    trainer = make_trainer(tiny_model_dir, tmp_path, make_dataset(NEEDS, conversational=False),
                           per_device_train_batch_size=16, max_steps=1)
    trainer.train()
    assert trainer._last_ladder_record.final_ratio_per_group == EXPECTED_FINAL_RATIO


def test_missing_accuracy_reward_is_a_clear_error(tiny_model_dir, tmp_path):
    def format_reward(completions, **kwargs):
        return [0.0] * len(completions)

    with pytest.raises(ValueError, match="accuracy_reward_name='accuracy_reward' is not among"):
        make_trainer(tiny_model_dir, tmp_path, make_dataset(NEEDS), reward_funcs=[format_reward])


def test_trl_seams_keep_their_shape():
    """GHPO overrides private TRL methods: if their signatures change, fail here, loudly, not mid-training."""
    expected = {
        "_generate_and_score_completions": ["self", "inputs"],
        "_generate": ["self", "prompts"],
        "_tokenize_prompts": ["self", "prompts"],
        "_generate_single_turn": ["self", "prompt_ids", "images", "multimodal_fields", "num_generations",
                                  "has_tool_images"],
    }
    for name, parameters in expected.items():
        assert list(inspect.signature(getattr(GRPOTrainer, name)).parameters) == parameters, name
    source = inspect.getsource(GRPOTrainer._generate_and_score_completions)
    assert ") = self._generate(prompts)" in source  # the caller's `prompts` list is what `_generate` receives
    returned = "return prompt_ids, completion_ids, tool_mask, completions, logprobs, extra_fields, images, tool_images"
    assert returned in inspect.getsource(GRPOTrainer._generate)  # the 8-tuple GHPO splices (GENERATE_OUTPUT_FIELDS)


def test_accuracy_is_computed_once_per_completion(tiny_model_dir, tmp_path):
    from ghpo.testing import accuracy_reward as scripted

    calls = []

    def accuracy_reward(prompts, completions, **kwargs):  # same name: the ladder's hard-group detector
        calls.append(len(completions))
        return scripted(prompts, completions, **kwargs)

    trainer = make_trainer(tiny_model_dir, tmp_path, make_dataset([0.0] * 4), reward_funcs=[accuracy_reward],
                           per_device_train_batch_size=16, max_steps=2)
    trainer.train()
    assert calls == [16, 16]  # the ladder's scoring; TRL's scoring of the same rows reuses it


class FakeVLLMGeneration:
    """Stands in for TRL's `VLLMGeneration` (no vLLM on CPU): enforces the server-mode contract GHPO must keep —
    every call holds whole groups of G identical prompts — and returns per-token log-probs like vLLM does."""

    def __init__(self, group_size):
        self.group_size, self.calls = group_size, []

    def sync_weights(self):
        pass

    def generate(self, prompts, images, num_generations, profiler):
        assert num_generations == self.group_size and len(prompts) % num_generations == 0
        for start in range(0, len(prompts), num_generations):
            assert all(p == prompts[start] for p in prompts[start : start + num_generations])
        self.calls.append(len(prompts))
        completion_ids = [[7 + (len(p) % 5)] * 3 for p in prompts]  # 3 tokens; differs by prompt length
        logprobs = [[[-0.25 - 0.01 * (len(p) % 5)]] * 3 for p in prompts]  # top-1 logprob per token
        return prompts, completion_ids, logprobs, None


def test_vllm_shaped_generation_splices_logprobs(tiny_model_dir, tmp_path):
    trainer = make_trainer(tiny_model_dir, tmp_path, make_dataset(NEEDS), per_device_train_batch_size=16, max_steps=1)
    trainer.use_vllm, trainer.vllm_generation = True, FakeVLLMGeneration(trainer.num_generations)
    trainer._last_loaded_step, trainer.vllm_mode = -1, "server"  # set by GRPOTrainer.__init__ when use_vllm
    batches = record_batches(trainer)
    trainer.train()
    assert trainer.vllm_generation.calls == [16, 12, 8, 8]  # first generation, then the hard groups' rungs
    batch = batches[0]
    prompt_lengths = batch["prompt_mask"].sum(dim=1)
    # each row's sampling log-probs are those its own (hinted) prompt produced: -0.25 - 0.01 * (len % 5)
    expected = torch.tensor([-0.25 - 0.01 * (int(n) % 5) for n in prompt_lengths])
    assert torch.allclose(batch["sampling_per_token_logps"][:, 0], expected)
    assert trainer._last_ladder_record.final_ratio_per_group == EXPECTED_FINAL_RATIO


def test_grpo_mode_trains_exactly_like_trls_grpo(tiny_model_dir, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from ghpo.testing import accuracy_reward, length_reward, make_config

    def run(trainer_class, output_dir):
        config = make_config(output_dir, rl_type="grpo", per_device_train_batch_size=16, max_steps=3,
                             learning_rate=5e-3, beta=0.05, shuffle_dataset=True)
        trainer = trainer_class(model=AutoModelForCausalLM.from_pretrained(tiny_model_dir),
                                processing_class=AutoTokenizer.from_pretrained(tiny_model_dir),
                                reward_funcs=[accuracy_reward, length_reward], args=config,
                                train_dataset=make_dataset(NEEDS * 2))
        trainer.train()
        return [entry for entry in trainer.state.log_history if "loss" in entry]

    ours, theirs = run(GHPOTrainer, tmp_path / "ours"), run(GRPOTrainer, tmp_path / "theirs")
    for mine, trl in zip(ours, theirs, strict=True):
        for key in ("loss", "grad_norm", "reward", "reward_std", "kl", "entropy", "completions/mean_length"):
            assert mine[key] == pytest.approx(trl[key], rel=1e-6, abs=1e-9), key


def test_hint_max_tokens_caps_the_hint(tiny_model_dir, tmp_path):
    trainer = make_trainer(tiny_model_dir, tmp_path, make_dataset([5.0] * 2), per_device_train_batch_size=8,
                           max_steps=1, hint_max_tokens=5, hint_unit="char")
    batches = record_batches(trainer)
    trainer.train()
    lead_in = PAPER_HINT_LEAD_IN.strip()
    for prompt in decoded_prompts(trainer, batches[0]):
        hint = prompt.split(lead_in, 1)[1].split("<|im_end|>")[0].lstrip("\n")
        assert 0 < len(trainer.processing_class(hint, add_special_tokens=False)["input_ids"]) <= 5

"""Helpers for tests and multi-process checks: a tiny local model, a scripted reward, one trainer builder.

The scripted reward makes the ladder's behaviour exact and independent of sampling: a row with `needs_ratio = r` is
"solved" by a completion exactly when the prompt it saw carried a hint of at least `r` of the solution (r = 0:
always solved; r > 1: never). So a test knows in advance which groups are hard and at which rung each one leaves
the ladder, on one process or many.
"""

from __future__ import annotations

from pathlib import Path

from datasets import Dataset

from .config import PAPER_HINT_LEAD_IN, GHPOConfig
from .tiny import build_tiny_model

TEST_CORPUS = [
    "What is 3 + 4? Add the numbers: 3 + 4 = 7. The answer is \\boxed{7}.",
    "Solve for x: 2x = 10. Divide both sides by 2 to get x = 5, so \\boxed{5}.",
]


def build_test_model_dir(path: str | Path) -> str:
    """A 2-layer, 32-wide Qwen2 with a 300-token BPE: fast enough for dozens of CPU training steps."""
    return build_tiny_model(path, TEST_CORPUS * 20, vocab_size=300, hidden_size=32, num_layers=2, num_heads=2)


def seen_hint_ratio(prompt, solution: str, lead_in: str = PAPER_HINT_LEAD_IN) -> float:
    """Fraction of `solution` present as a hint in `prompt` (0.0 when there is no hint)."""
    text = prompt if isinstance(prompt, str) else [m for m in prompt if m["role"] == "user"][-1]["content"]
    if lead_in not in text or not solution:
        return 0.0
    return len(text.split(lead_in, 1)[1]) / len(solution)


MIXED = -1.0  # a `needs_ratio` whose groups are half solved: rewards 1, 0, 1, 0, ... (groups are contiguous, G even)


def accuracy_reward(prompts, completions, needs_ratio, solution, **kwargs) -> list[float]:
    """Scripted accuracy: 1.0 when the prompt's hint covers at least `needs_ratio` of the solution; for
    `needs_ratio == MIXED`, 1.0 on every other row (a group with reward variance, hint or not)."""
    return [
        float(index % 2 == 0) if need == MIXED else 1.0 if seen_hint_ratio(prompt, sol) + 1e-9 >= need else 0.0
        for index, (prompt, sol, need) in enumerate(zip(prompts, solution, needs_ratio, strict=True))
    ]


def self_hint_reward(prompts, completions, bare_until, trainer_state, **kwargs) -> list[float]:
    """Scripted accuracy for self-hints: every other row of a bare prompt is right while the optimizer step is below
    the row's `bare_until` (the model solves the problem, then loses it); every other row of a hinted prompt is
    right, whatever the hint (which comes from the model's own stored completion, not from the dataset)."""
    def hinted(prompt) -> bool:
        text = prompt if isinstance(prompt, str) else [m for m in prompt if m["role"] == "user"][-1]["content"]
        return PAPER_HINT_LEAD_IN in text

    return [float(index % 2 == 0 and (hinted(prompt) or trainer_state.global_step < until))
            for index, (prompt, until) in enumerate(zip(prompts, bare_until, strict=True))]


def make_dataset(needs_ratios: list[float], conversational: bool = True) -> Dataset:
    """One problem per entry of `needs_ratios`, each with a 100-character solution (so ratios cut exact lengths)."""
    rows = []
    for index, need in enumerate(needs_ratios):
        question = f"Problem {index}: what is {index} + {index}?"
        solution = (f"Step one of problem {index}. " * 10)[:100]
        prompt = [{"role": "user", "content": question}] if conversational else question
        rows.append({"prompt": prompt, "solution": solution, "answer": str(2 * index), "needs_ratio": need})
    return Dataset.from_list(rows)


def make_config(output_dir: str | Path, **overrides) -> GHPOConfig:
    """A GHPOConfig sized for a tiny CPU run; any field can be overridden."""
    defaults = dict(
        output_dir=str(output_dir),
        per_device_train_batch_size=8,
        num_generations=4,
        max_completion_length=8,
        max_steps=2,
        learning_rate=1e-3,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        use_cpu=True,
        seed=0,
        shuffle_dataset=False,
        disable_tqdm=True,
    )
    defaults.update(overrides)
    return GHPOConfig(**defaults)


def make_trainer(model_dir: str, output_dir: str | Path, dataset: Dataset, reward_funcs=None, peft_config=None,
                 **overrides):
    """A GHPOTrainer on the tiny model, with the scripted accuracy reward unless `reward_funcs` is given; with
    `peft_config` (e.g. `tiny_lora_config()`), TRL wraps the model in a LoRA adapter."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from .trainer import GHPOTrainer

    return GHPOTrainer(
        model=AutoModelForCausalLM.from_pretrained(model_dir),
        processing_class=AutoTokenizer.from_pretrained(model_dir),
        reward_funcs=reward_funcs or [accuracy_reward],
        args=make_config(output_dir, **overrides),
        train_dataset=dataset,
        peft_config=peft_config,
    )


def tiny_lora_config(rank: int = 4):
    """A LoRA config for the tiny Qwen2 (attention projections only)."""
    from peft import LoraConfig

    return LoraConfig(r=rank, lora_alpha=2 * rank, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM")


def length_reward(completions, **kwargs) -> list[float]:
    """A reward that differs between completions of a group (unlike the scripted accuracy), so the policy really
    changes each step: the resume and determinism tests then compare weights that moved, not a frozen model."""
    texts = [c if isinstance(c, str) else c[-1]["content"] for c in completions]
    return [len(set(text)) / 10.0 for text in texts]


def record_batches(trainer) -> list[dict]:
    """Wrap `_generate_and_score_completions` to keep every batch it returns (what the loss trains on)."""
    batches, original = [], trainer._generate_and_score_completions

    def recording(inputs):
        output = original(inputs)
        batches.append({"rows": inputs, **output})
        return output

    trainer._generate_and_score_completions = recording
    return batches

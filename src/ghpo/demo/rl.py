"""One RL run of the demo: `GHPOTrainer` (GHPO, plain GRPO with `rl_type='grpo'`, or a variant of `ARMS`) from
the warmed-up base.

Every arm shares everything — base model, RL pool, seed, batch, steps, learning rate, reward — except its `ARMS`
entry. The model is saved as an ordinary HF folder; the per-step log is returned for the report.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from datasets import Dataset
from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback, set_seed
from trl import SFTTrainer

from ..arithmetic import worked_solution_right
from ..config import GHPOConfig
from ..rewards import accuracy_reward, completion_text
from ..trainer import GHPOTrainer
from .arms import ARMS, SFT_ARMS, SOLVE_ARMS, TOKEN_MATCHED
from .evaluate import hinted_steps, max_new_tokens
from .settings import DemoSettings
from .warmup import sft_config, train_and_save

MATCHED_MAX_STEPS = 4  # token-matched GRPO stops at GHPO's tokens, or at this many times --steps


def worked_solution_reward_for(ratios: list[float], unit: str):
    """The `--check steps` reward: 1.0 when a completion writes the steps it has left exactly as the worked solution
    does and boxes its answer, else 0.0. A reward is not shown the hint its prompt held (TRL scores with the row's
    own prompt), so a completion may start after any hint the ladder can give, and only there: at step 1 or right
    after the 25 / 50 / 75 % line cut. The evaluation, which knows the hint, checks from exactly that step."""

    def worked_solution_reward(completions: list, solution: list, **kwargs) -> list[float]:
        texts = [completion_text(c) or "" for c in completions]
        return [float(any(worked_solution_right(gold, text, given) for given in hint_starts(gold, ratios, unit)))
                for gold, text in zip(solution, texts, strict=True)]

    return worked_solution_reward


def hint_starts(solution: str, ratios: list[float], unit: str) -> set[int]:
    """How many steps each hint of the ladder gives, and 0 (no hint)."""
    return {hinted_steps(solution, ratio, unit) for ratio in (0.0, *ratios)}


def reward_of(settings: DemoSettings):
    """The RL reward, the same check as the evaluation's (--check)."""
    if settings.check == "steps":
        return worked_solution_reward_for(settings.ratios, settings.hint_unit)
    return accuracy_reward


class StopAtTokens(TrainerCallback):
    """Stops training once the run has generated `budget` completion tokens (the `ghpo/generated_tokens` it logs
    every step): GRPO given the tokens GHPO spent."""

    def __init__(self, budget: float):
        self.budget, self.tokens = budget, 0.0

    def on_log(self, args, state, control, logs=None, **kwargs):
        self.tokens += (logs or {}).get("ghpo/generated_tokens", 0.0)
        if self.tokens >= self.budget:
            control.should_training_stop = True


def sft_examples(pool) -> list[dict]:
    """The pool's problems with their worked solutions as the answer: the text every hint is cut from."""
    return [{"prompt": row["prompt"], "completion": [{"role": "assistant", "content": row["solution"]}]}
            for row in pool]


def sft_on_pool(settings: DemoSettings, base_dir: Path, pool, seed: int, output_dir: Path) -> dict:
    """TRL's SFTTrainer from the base on `sft_examples(pool)`: the warm-up's SFT settings (`warmup.sft_config`) with
    --sft_epochs and a constant --sft_learning_rate, shuffled by `seed`. Returns {"model", "tokenizer", "folder",
    "seconds", "tokens": solution tokens trained on, over all epochs}."""
    tokenizer = AutoTokenizer.from_pretrained(base_dir)
    examples = sft_examples(pool)
    config = dataclasses.replace(sft_config(settings, output_dir), num_train_epochs=settings.sft_epochs,
                                 learning_rate=settings.sft_learning_rate, lr_scheduler_type="constant", seed=seed,
                                 train_sampling_strategy="random", logging_steps=10)
    trainer = SFTTrainer(model=AutoModelForCausalLM.from_pretrained(base_dir), args=config,
                         train_dataset=Dataset.from_list(examples), processing_class=tokenizer)
    seconds = train_and_save(trainer, tokenizer, output_dir)
    tokens = sum(len(tokenizer(ex["completion"][0]["content"], add_special_tokens=False)["input_ids"])
                 for ex in examples) * settings.sft_epochs
    return {"model": trainer.model, "tokenizer": tokenizer, "folder": output_dir, "seconds": seconds,
            "tokens": tokens}


def train_arm(settings: DemoSettings, base_dir: Path, pool, arm: str, seed: int, output_dir: Path,
              callbacks: list | None = None, ghpo_tokens: float | None = None) -> dict:
    """One arm as `train_rl` returns it, plus "sft_tokens" and "teacher_tokens": the SFT arms first fine-tune on the
    pool's solutions (then GRPO or GHPO, or nothing); the solve arm first has the base write the pool's solutions
    (`teacher.solve_pool`); the token-matched arm trains GRPO until it has generated `ghpo_tokens`."""
    sft, teacher = {"seconds": 0.0, "tokens": 0}, {"seconds": 0.0, "tokens": 0}
    if arm in SOLVE_ARMS:
        from .teacher import solve_pool

        pool, teacher = solve_pool(settings, base_dir, pool, seed)
    if arm in SFT_ARMS:
        sft = sft_on_pool(settings, base_dir, pool, seed, output_dir / "sft" if SFT_ARMS[arm] else output_dir)
        if not SFT_ARMS[arm]:  # SFT alone: no RL, no generated tokens
            return {"log": [], "seconds": sft["seconds"], "model_dir": str(output_dir), "sft_tokens": sft["tokens"],
                    "model": sft["model"], "tokenizer": sft["tokenizer"]}
        base_dir = sft["folder"]
    stop = [StopAtTokens(ghpo_tokens)] if arm == TOKEN_MATCHED and ghpo_tokens else []
    run = train_rl(settings, base_dir, pool, arm, seed, output_dir, [*(callbacks or []), *stop],
                   max_steps=settings.steps * MATCHED_MAX_STEPS if stop else None)
    return {**run, "seconds": run["seconds"] + sft["seconds"] + teacher["seconds"], "sft_tokens": sft["tokens"],
            "teacher_tokens": teacher["tokens"], "teacher": teacher}


def rl_config(settings: DemoSettings, arm: str, seed: int, output_dir: Path,
              max_steps: int | None = None) -> GHPOConfig:
    """The GHPOConfig of one run; identical for every arm except its `ARMS` entry (and, for the arms with hints,
    `--ghpo_options`)."""
    group = settings.num_generations
    rl_type, options = ARMS[arm]
    return GHPOConfig(
        output_dir=str(output_dir),
        rl_type=rl_type,
        hint_ratios=settings.ratios,
        hint_unit=settings.hint_unit,
        hint_lead_in=settings.hint_lead_in,
        accuracy_reward_name=reward_of(settings).__name__,
        per_device_train_batch_size=settings.prompts_per_step * group,
        steps_per_generation=1,  # one generation batch per optimizer step: on-policy, like the paper
        num_generations=group,
        max_completion_length=max_new_tokens(max(settings.levels("hard_levels"))),
        temperature=settings.temperature,
        top_p=1.0,
        top_k=0,
        beta=settings.beta,
        max_steps=max_steps or settings.steps,
        learning_rate=settings.learning_rate,
        lr_scheduler_type="constant",
        warmup_steps=0,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        seed=seed,
        data_seed=seed,
        use_cpu=settings.device == "cpu",
        bf16=settings.bf16,
        gradient_checkpointing=False,  # TRL's default (True) only slows a model this small
        disable_tqdm=False,
        **options,
        **(settings.ghpo_overrides if rl_type == "ghpo" else {}),
    )


def train_rl(settings: DemoSettings, base_dir: Path, dataset, arm: str, seed: int, output_dir: Path,
             callbacks: list | None = None, max_steps: int | None = None) -> dict:
    """Train one run; returns {"log": per-step log dicts, "seconds": wall time, "model_dir": str}."""
    set_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(base_dir)
    model = AutoModelForCausalLM.from_pretrained(base_dir, dtype="bfloat16" if settings.bf16 else "float32")
    trainer = GHPOTrainer(
        model=model,
        processing_class=tokenizer,
        reward_funcs=[reward_of(settings)],
        args=rl_config(settings, arm, seed, output_dir, max_steps),
        train_dataset=dataset,
        callbacks=callbacks,
    )
    seconds = train_and_save(trainer, tokenizer, output_dir)
    log = [entry for entry in trainer.state.log_history if "reward" in entry]
    return {"log": log, "seconds": seconds, "model_dir": str(output_dir), "model": trainer.model,
            "tokenizer": tokenizer}

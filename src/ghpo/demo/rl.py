"""One RL run of the demo: `GHPOTrainer` (GHPO, plain GRPO with `rl_type='grpo'`, or a variant of `ARMS`) from
the warmed-up base.

Every arm shares everything — base model, RL pool, seed, batch, steps, learning rate, reward — except its `ARMS`
entry. The model is saved as an ordinary HF folder; the per-step log is returned for the report.
"""

from __future__ import annotations

from pathlib import Path

from transformers import AutoModelForCausalLM, AutoTokenizer, set_seed

from ..config import GHPOConfig
from ..rewards import accuracy_reward
from ..trainer import GHPOTrainer
from .arms import ARMS
from .evaluate import max_new_tokens
from .settings import DemoSettings
from .warmup import train_and_save


def rl_config(settings: DemoSettings, arm: str, seed: int, output_dir: Path) -> GHPOConfig:
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
        per_device_train_batch_size=settings.prompts_per_step * group,
        steps_per_generation=1,  # one generation batch per optimizer step: on-policy, like the paper
        num_generations=group,
        max_completion_length=max_new_tokens(max(settings.levels("hard_levels"))),
        temperature=settings.temperature,
        top_p=1.0,
        top_k=0,
        beta=settings.beta,
        max_steps=settings.steps,
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
             callbacks: list | None = None) -> dict:
    """Train one run; returns {"log": per-step log dicts, "seconds": wall time, "model_dir": str}."""
    set_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(base_dir)
    model = AutoModelForCausalLM.from_pretrained(base_dir, dtype="bfloat16" if settings.bf16 else "float32")
    trainer = GHPOTrainer(
        model=model,
        processing_class=tokenizer,
        reward_funcs=[accuracy_reward],
        args=rl_config(settings, arm, seed, output_dir),
        train_dataset=dataset,
        callbacks=callbacks,
    )
    seconds = train_and_save(trainer, tokenizer, output_dir)
    log = [entry for entry in trainer.state.log_history if "reward" in entry]
    return {"log": log, "seconds": seconds, "model_dir": str(output_dir), "model": trainer.model,
            "tokenizer": tokenizer}

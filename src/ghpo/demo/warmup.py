"""Warm-up: a tiny Qwen2 and its BPE built here, then supervised fine-tuning (TRL `SFTTrainer`) on the easy levels
and on hinted continuations. The result is an ordinary HF model folder, cached under the settings' hash."""

from __future__ import annotations

import json
import time
from pathlib import Path

from datasets import Dataset
from transformers import AutoModelForCausalLM, AutoTokenizer
from transformers.trainer_callback import ProgressCallback
from trl import SFTConfig, SFTTrainer

from ..tiny import build_model, build_tokenizer
from .settings import DemoSettings
from .shipped import SUMMARY, is_shipped_copy
from .world import student_examples, tokenizer_corpus, warmup_examples

DONE_FILE = SUMMARY  # written last: a folder without it is an interrupted warm-up and is redone


class QuietProgress(ProgressCallback):
    """The progress bar without the per-step dict of every logged metric (they go to the report instead)."""

    def on_log(self, args, state, control, logs=None, **kwargs):
        pass


def quiet_progress(trainer) -> None:
    trainer.remove_callback(ProgressCallback)
    trainer.add_callback(QuietProgress())


def train_and_save(trainer, tokenizer, folder: Path) -> float:
    """Train quietly, save the model and tokenizer as an ordinary HF folder; returns the training seconds."""
    quiet_progress(trainer)
    start = time.time()
    trainer.train()
    seconds = time.time() - start
    trainer.save_model(str(folder))
    tokenizer.save_pretrained(folder)
    return seconds


def cached_base(settings: DemoSettings) -> Path | None:
    """The cached base model folder for these settings, or None (also for a copy of the shipped base under
    --no-shipped_base: that asks for a base trained here)."""
    folder = settings.warmup_dir()
    if not (folder / DONE_FILE).exists() or (not settings.shipped_base and is_shipped_copy(folder)):
        return None
    return folder


def sft_config(settings: DemoSettings, output_dir: Path) -> SFTConfig:
    return SFTConfig(
        output_dir=str(output_dir),
        per_device_train_batch_size=settings.warmup_batch_size,
        num_train_epochs=settings.warmup_epochs,
        learning_rate=settings.warmup_lr,
        lr_scheduler_type="cosine" if settings.warmup_schedule == "cosine" else "constant_with_warmup",
        warmup_steps=0.05,
        weight_decay=0.0,
        logging_steps=50,
        save_strategy="no",
        report_to="none",
        max_length=512,
        use_cpu=settings.device == "cpu",
        bf16=settings.bf16,
        gradient_checkpointing=False,  # TRL's default (True) only slows a model this small
        seed=settings.task_seed,
        disable_tqdm=False,
        # The misconception world's examples come in curriculum order (short chains first): keep it.
        train_sampling_strategy="sequential" if settings.world == "misconception" and settings.warmup_curriculum > 0
        else "random",
    )


def build_examples(settings: DemoSettings) -> list[dict]:
    """The warm-up examples of the settings' world (see `ghpo.demo.world`)."""
    if settings.world == "misconception":
        return student_examples(settings.warmup_examples, settings.levels("warmup_levels"),
                                settings.warmup_hinted_fraction, settings.hint_lead_in, settings.task_seed,
                                settings.carry_share, settings.carry_accuracy, settings.warmup_curriculum,
                                settings.borrows)
    return warmup_examples(
        settings.warmup_examples, settings.levels("easy_levels"), max(settings.levels("warmup_levels")),
        settings.warmup_hinted_fraction, settings.warmup_max_remaining, settings.hint_lead_in, settings.task_seed,
        settings.warmup_stretch_fraction,
    )


def untrained_base(settings: DemoSettings, examples: list[dict]):
    """(model, tokenizer) before the warm-up: a BPE trained on the examples' text, a tiny Qwen2 of the settings."""
    tokenizer = build_tokenizer(tokenizer_corpus(examples) + [settings.hint_lead_in], vocab_size=settings.vocab_size)
    model = build_model(tokenizer, hidden_size=settings.hidden_size, num_layers=settings.num_layers,
                        num_heads=settings.num_heads, max_positions=512, seed=settings.task_seed)
    return model, tokenizer


def warm_up(settings: DemoSettings) -> tuple[Path, dict]:
    """Build and fine-tune the base model into `settings.warmup_dir()`; returns (folder, summary)."""
    folder = settings.warmup_dir()
    examples = build_examples(settings)
    model, tokenizer = untrained_base(settings, examples)
    parameters = sum(p.numel() for p in model.parameters())
    print(f"  model: Qwen2, {parameters / 1e3:.0f} k parameters, vocabulary {len(tokenizer)}")
    print(f"  warm-up: {len(examples)} examples, {settings.warmup_hinted_fraction:.0%} of them hinted continuations")
    trainer = SFTTrainer(model=model, args=sft_config(settings, folder / "sft"), processing_class=tokenizer,
                         train_dataset=Dataset.from_list(examples))
    seconds = train_and_save(trainer, tokenizer, folder)
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    summary = {"seconds": round(seconds, 1), "parameters": parameters, "examples": len(examples),
               "final_loss": losses[-1] if losses else None, "key": settings.warmup_key()}
    (folder / DONE_FILE).write_text(json.dumps(summary, indent=2))
    return folder, summary


EXTENSION_SEED_STEP = 7919  # each extension draws its own examples (a prime apart: never another run's task seed)


def extend_warm_up(settings: DemoSettings, folder: Path, extension: int) -> dict:
    """Go on fine-tuning the cached base (misconception world) on `warmup_extension_examples` fresh examples of
    every level, at half the warm-up's learning rate; updates the folder and its summary in place.

    Why: the step skill arrives abruptly with training (see docs/demo.md), so the same warm-up converges on one
    machine and stops short on another (the same seed and data, other floating-point kernels: measured on an
    AMD EPYC, SFT loss 0.134 and other steps 28 % right, where an Intel Xeon reached 0.065 and 83 %). Training on
    until the base is converged makes the base the same on both, at a cost only where it is needed."""
    examples = student_examples(settings.warmup_extension_examples, settings.levels("warmup_levels"),
                                settings.warmup_hinted_fraction, settings.hint_lead_in,
                                settings.task_seed + EXTENSION_SEED_STEP * extension, settings.carry_share,
                                settings.carry_accuracy, curriculum=0.0, borrows=settings.borrows)
    return train_more(settings, folder, examples, {"extensions": extension})


READING_HINTED_FRACTION = 0.7  # of the hint-reading examples; the rest are full solutions, which keep the bare skill
READING_SEED = 104_729  # the reading examples' own draw (a prime: never an extension's or a task seed's)


def read_hints(settings: DemoSettings, folder: Path) -> dict:
    """Fine-tune a converged base (a copy in `folder`) on `warmup_reading_examples` examples, mostly hinted
    continuations, at half the warm-up's learning rate.

    Why: the warm-up's 30 % hinted continuations teach the bare solutions to convergence before they teach the
    model to read a hint given in the prompt. Measured on the carry-borrow base: after a 50 % hint it miscopies the
    operand of the next step (other steps 36 % right, against 89 % bare), so the 50 % rung solves 1-6 % of levels
    4-7 where its student solves 22-29 %. 30 000 such examples bring it level (docs/demo.md)."""
    examples = student_examples(settings.warmup_reading_examples, settings.levels("warmup_levels"),
                                READING_HINTED_FRACTION, settings.hint_lead_in, settings.task_seed + READING_SEED,
                                settings.carry_share, settings.carry_accuracy, curriculum=0.0,
                                borrows=settings.borrows)
    return train_more(settings, folder, examples, {"reading_examples": len(examples), "key": settings.warmup_key()})


def train_more(settings: DemoSettings, folder: Path, examples: list[dict], noted: dict) -> dict:
    """Fine-tune the base in `folder` on `examples` (one pass in their drawn order, half the warm-up's learning
    rate, annealed by a cosine); save it there with its summary updated (examples and seconds added, `noted` merged
    in)."""
    model, tokenizer, summary = load_base(folder, settings)
    config = sft_config(settings, folder / "sft")
    config.learning_rate, config.num_train_epochs = settings.warmup_lr / 2, 1
    # A decay phase whatever the warm-up's schedule, so a constant-rate warm-up ends annealed like a cosine one.
    # Measured (docs/demo.md): it did not unstick the constant-rate plateau (other steps 55.2 -> 56.9 % right).
    config.lr_scheduler_type = "cosine"
    trainer = SFTTrainer(model=model.train(), args=config, processing_class=tokenizer,
                         train_dataset=Dataset.from_list(examples))
    seconds = train_and_save(trainer, tokenizer, folder)
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    summary = {**summary, **noted, "seconds": round(summary["seconds"] + seconds, 1),
               "examples": summary["examples"] + len(examples),
               "final_loss": losses[-1] if losses else summary["final_loss"]}
    (folder / DONE_FILE).write_text(json.dumps(summary, indent=2))
    return summary


def mark_checked(folder: Path, steps: dict) -> None:
    """Record in the cached summary that this base passed the convergence check (later runs skip the check)."""
    summary = json.loads((folder / DONE_FILE).read_text())
    (folder / DONE_FILE).write_text(json.dumps({**summary, "converged_steps": steps}, indent=2))


def load_base(folder: Path, settings: DemoSettings):
    """(model, tokenizer, summary) of a warmed-up base folder."""
    dtype = "bfloat16" if settings.bf16 else "float32"
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=dtype).to(settings.device)
    return model, AutoTokenizer.from_pretrained(folder), json.loads((folder / DONE_FILE).read_text())

"""The demo, top to bottom: each stage named, its numbers printed. Called by `ghpo demo` (see `ghpo.demo`)."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import torch
from transformers import set_seed

from . import report
from .evaluate import hint_table, level_accuracy
from .rl import train_rl
from .settings import DemoSettings
from .warmup import cached_base, load_base, warm_up
from .world import eval_rows, rl_dataset

WARMUP_MINUTES_HINT = "about 7 minutes on one CPU core"


def stage(number: int, title: str) -> None:
    print(f"\n== {number}. {title} " + "=" * max(3, 72 - len(title)), flush=True)


def build_world(settings: DemoSettings):
    stage(1, "world: chained arithmetic, level = number of steps")
    evaluation = eval_rows(settings.levels("eval_levels"), settings.eval_per_level, settings.task_seed)
    pool = rl_dataset(settings.levels("hard_levels"), settings.rl_per_level, settings.task_seed)
    example = next(row for row in evaluation if row["level"] == 2)
    print(f"  example (level 2): {example['problem']}\n  " + example["solution"].replace("\n", "\n  "))
    print(f"  easy (warm-up) levels {settings.easy_levels}, RL pool levels {settings.hard_levels} "
          f"({len(pool)} problems), evaluation levels {settings.eval_levels} ({settings.eval_per_level} each)")
    return evaluation, pool


def get_base(settings: DemoSettings) -> tuple[Path, dict]:
    stage(2, "warm-up: tiny Qwen2 + SFT on the easy levels and hinted continuations")
    folder = cached_base(settings)
    if folder is not None:
        summary = json.loads((folder / "warmup.json").read_text())
        print(f"  cached: {folder} (warm-up took {summary['seconds'] / 60:.1f} min when it ran) - skipping")
        return folder, {**summary, "cached": True}
    print(f"  no cached base model for these settings: warming up now, {WARMUP_MINUTES_HINT} "
          f"(cached in {settings.warmup_dir()}, later runs skip this)")
    shutil.rmtree(settings.warmup_dir(), ignore_errors=True)  # an interrupted earlier attempt
    folder, summary = warm_up(settings)
    shutil.rmtree(folder / "sft", ignore_errors=True)
    print(f"  done in {summary['seconds'] / 60:.1f} min, final SFT loss {summary['final_loss']}")
    return folder, {**summary, "cached": False}


def measure_base(settings: DemoSettings, folder: Path, evaluation: list[dict]) -> dict:
    stage(3, "base model: per-level accuracy without and with hints (greedy)")
    model, tokenizer, _ = load_base(folder, settings)
    table = hint_table(model, tokenizer, evaluation, settings.ratios, settings.hint_unit, settings.hint_lead_in,
                       desc="base")
    print(report.hint_table_markdown(table, settings.levels("hard_levels")))
    easy, hard = settings.levels("easy_levels"), settings.levels("hard_levels")
    no_hint = table[0.0]
    print(f"  mismatch: easy levels {report.fmt(sum(no_hint[lv] for lv in easy) / len(easy))} % vs "
          f"RL-pool levels {report.fmt(sum(no_hint[lv] for lv in hard) / len(hard))} % without hints")
    return table


def run_seed(settings: DemoSettings, folder: Path, pool, evaluation: list[dict], seed: int) -> dict:
    """GRPO then GHPO for one seed; each evaluated per level without hints."""
    results = {}
    hard_rows = [row for row in evaluation if row["level"] in settings.levels("hard_levels")]
    for rl_type in ("grpo", "ghpo"):
        out = Path(settings.output_dir) / "models" / f"{rl_type}-seed{seed}"
        print(f"  seed {seed}: training {rl_type.upper()} for {settings.steps} steps", flush=True)
        run = train_rl(settings, folder, pool, rl_type, seed, out)
        accuracy = level_accuracy(run["model"], run["tokenizer"], evaluation, 0.0, settings.hint_unit,
                                  settings.hint_lead_in, desc=f"{rl_type} eval")
        # Diagnostic: did the run learn *with* the ladder's first hint, and did that carry over to no hint?
        hinted = level_accuracy(run["model"], run["tokenizer"], hard_rows, settings.ratios[0], settings.hint_unit,
                                settings.hint_lead_in, desc=f"{rl_type} eval, hint {settings.ratios[0]:.0%}")
        print(f"  seed {seed} {rl_type.upper()}: {run['seconds'] / 60:.1f} min; accuracy per level: "
              + ", ".join(f"L{lv} {report.fmt(acc)}" for lv, acc in accuracy.items())
              + f"; RL pool with a {settings.ratios[0]:.0%} hint: "
              + ", ".join(f"L{lv} {report.fmt(acc)}" for lv, acc in hinted.items()), flush=True)
        results[rl_type] = {"accuracy": accuracy, "accuracy_first_rung": hinted, "log": run["log"],
                            "seconds": run["seconds"], "model_dir": run["model_dir"]}
    return results


def train_all(settings: DemoSettings, folder: Path, pool, evaluation: list[dict]) -> list[dict]:
    stage(4, f"RL: GRPO and GHPO from the same base, {settings.seeds} seed(s), {settings.steps} steps each")
    group = settings.num_generations
    print(f"  batch: {settings.prompts_per_step} problems x G={group}, lr {settings.learning_rate}, "
          f"temperature {settings.temperature}, GHPO ladder {settings.ratios} ({settings.hint_unit} cut)")
    return [run_seed(settings, folder, pool, evaluation, seed) for seed in range(settings.seeds)]


def run_demo(settings: DemoSettings) -> dict:
    started = time.time()
    if settings.threads > 0:
        torch.set_num_threads(settings.threads)
    set_seed(settings.task_seed)
    output = Path(settings.output_dir)
    output.mkdir(parents=True, exist_ok=True)
    evaluation, pool = build_world(settings)
    folder, warmup_summary = get_base(settings)
    base_table = measure_base(settings, folder, evaluation)
    if settings.base_only:
        print(f"\n--base_only: stopping before RL ({(time.time() - started) / 60:.1f} min)")
        return {"base": base_table}
    runs = train_all(settings, folder, pool, evaluation)
    stage(5, "report")
    metrics = report.write_all(settings, output, warmup_summary, base_table, runs, time.time() - started)
    print(f"\n{metrics['table']}\n\n  wrote {output / 'report.md'}, {output / 'metrics.json'}, "
          f"{', '.join(metrics['plots'])}; models in {output / 'models'}")
    print(f"  total {(time.time() - started) / 60:.1f} min")
    return metrics

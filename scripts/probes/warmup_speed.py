"""Question: how fast does a demo warm-up converge? Trains one warm-up (the demo's own code and settings) and, every
`--every` examples, measures what the demo's convergence check measures (sampled flaky / other steps, bare) and how
well the model reads a hint (sampled other steps right after a 50 % hint), on a small held-out subset.

Command (repo root):
  .venv/bin/python scripts/probes/warmup_speed.py --every 10000 -- --flaky_steps carry-borrow --warmup_examples 100000
Probe options before `--`, `ghpo demo` flags after it. Prints one line per measurement (and writes them as JSON with
--out).
Result (Intel Xeon, 2 cores, 2026-12-04): with a constant learning rate (`--warmup_schedule constant`, 4e-3, 50 %
hinted continuations, curriculum 0.3) other steps are 42 % right at 100 000 examples (1 thread), 51 % at 120 000,
then stall (bash scripts/probes/warmup_constant_lr.sh; docs/demo.md, *Faster warm-ups, tried and not adopted*).
A lab notebook tool, not project code.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import torch
from datasets import Dataset
from transformers import TrainerCallback, set_seed
from trl import SFTTrainer

from ghpo.demo.evaluate import level_completions, step_accuracy
from ghpo.demo.run import not_converged
from ghpo.demo.settings import parse_settings
from ghpo.demo.warmup import build_examples, quiet_progress, sft_config, untrained_base
from ghpo.demo.world import eval_rows


def measure(model, tokenizer, settings, rows) -> dict:
    set_seed(0)
    bare = level_completions(model, tokenizer, rows, 0.0, "line", settings.hint_lead_in, sample=True)
    long_rows = [row for row in rows if row["level"] >= 4]
    hinted = level_completions(model, tokenizer, long_rows, 0.5, "line", settings.hint_lead_in, sample=True)
    steps = step_accuracy(bare, borrows=settings.borrows)
    read = step_accuracy(hinted, first_steps=[row["given_steps"] for row, _ in hinted], borrows=settings.borrows)
    model.train()
    return {"flaky": round(steps["flaky"], 3), "other": round(steps["other"], 3),
            "hinted_flaky": round(read["flaky"], 3), "hinted_other": round(read["other"], 3),
            "converged": not not_converged(settings, steps)}


class Probe(TrainerCallback):
    def __init__(self, settings, rows, every_steps, log):
        self.settings, self.rows, self.every, self.log = settings, rows, every_steps, log
        self.train_seconds, self.last = 0.0, time.time()

    def on_step_end(self, args, state, control, model=None, processing_class=None, **kwargs):
        if state.global_step % self.every:
            return
        self.train_seconds += time.time() - self.last
        losses = [e["loss"] for e in state.log_history if "loss" in e]
        point = {"examples": state.global_step * args.per_device_train_batch_size,
                 "train_min": round(self.train_seconds / 60, 2), "loss": losses[-1] if losses else None,
                 **measure(model, processing_class, self.settings, self.rows)}
        print(json.dumps(point), flush=True)
        self.log.append(point)
        self.last = time.time()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--every", type=int, default=10000, help="examples between measurements")
    parser.add_argument("--per_level", type=int, default=25)
    parser.add_argument("--weight_decay", type=float, default=0.0)
    parser.add_argument("--out", default="")
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    probe, settings = parser.parse_args(argv[:split]), parse_settings(argv[split + 1:])
    if settings.threads:
        torch.set_num_threads(settings.threads)
    examples = build_examples(settings)
    model, tokenizer = untrained_base(settings, examples)
    config = sft_config(settings, "/tmp/probe/sft")  # the schedule: the demo's --warmup_schedule
    config.weight_decay = probe.weight_decay
    rows = eval_rows(settings.levels("eval_levels"), probe.per_level, settings.task_seed, settings.carry_share,
                     offset=9_000, borrows=settings.borrows)
    log: list[dict] = []
    trainer = SFTTrainer(model=model, args=config, processing_class=tokenizer,
                         train_dataset=Dataset.from_list(examples))
    quiet_progress(trainer)
    trainer.add_callback(Probe(settings, rows, max(1, probe.every // settings.warmup_batch_size), log))
    trainer.train()
    if probe.out:
        with open(probe.out, "w") as handle:
            json.dump({"argv": argv, "points": log}, handle, indent=1)


if __name__ == "__main__":
    main()

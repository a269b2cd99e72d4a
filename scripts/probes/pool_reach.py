"""Question: for which RL pools is bare success out of reach for any resampler, and are hints then within reach?
The issue's pools (b) and (c) are chosen by this measurement of the base model, never by an RL result.

For each candidate pool (a set of `ghpo demo` flags) it draws the pool's own first problems per level (the same
generator and seed as `ghpo demo`'s RL pool), samples the shipped base at temperature 1 (as RL samples), and prints
per level:
- bare: the per-sample pass rate p (`--samples` draws a problem), the share of GRPO groups of G = 8 that are
  all-fail (1 - pass@8), and pass@`--samples`: the chance that a resampler which gives a problem that many draws
  (DAPO's budget in the demo: 100 steps x 8 prompts x G = 8 x 3 rounds over a 400-problem pool = 48 per problem)
  sees a success at all;
- hinted: pass@8 with each rung of the ladder (25 / 50 / 75 %): the share of hard groups each rung rescues.

The same measurement on real data and a real model: `ghpo data reach FILE --model PATH` (ghpo.reach).
Command: `.venv/bin/python scripts/probes/pool_reach.py --output runs/pool-reach` (1 torch thread).
Result: docs/baselines.md, *Choosing the pools*.
"""

from __future__ import annotations

import argparse
import json
import shlex
import time
from pathlib import Path

import torch

from ghpo.demo.evaluate import is_right, level_completions
from ghpo.demo.run import base_model
from ghpo.demo.settings import parse_settings
from ghpo.demo.warmup import load_base
from ghpo.demo.world import RL_SEED_OFFSET, eval_rows
from ghpo.reach import bare_reach, mean_pass

CANDIDATES = {  # name -> ghpo demo flags that shape the pool (the base stays the shipped one)
    "levels 1-8": "--hard_levels 1-8",
    "carry-dense 5-8": "--hard_levels 5-8 --pool_carry_share 1.0",
    "levels 9-10": "--hard_levels 9-10 --eval_levels 1-10",
}
GROUP = 8


def problem_counts(model, tokenizer, rows: list[dict], ratio: float, settings, samples: int) -> dict[int, list]:
    """{level: [right draws of each problem]} over `samples` sampled completions of every row at `ratio` (the
    copies go through in full batches)."""
    copies = [{**row, "problem_id": index} for index, row in enumerate(rows) for _ in range(samples)]
    pairs = level_completions(model, tokenizer, copies, ratio, settings.hint_unit, settings.hint_lead_in, sample=True)
    counts: dict[int, dict[int, int]] = {}
    for row, completion in pairs:
        per_problem = counts.setdefault(row["level"], {})
        per_problem[row["problem_id"]] = per_problem.get(row["problem_id"], 0) + is_right(row, completion, settings.check)
    return {level: list(per_problem.values()) for level, per_problem in counts.items()}


def measure(name: str, flags: str, per_level: int, samples: int) -> dict:
    settings = parse_settings(shlex.split(flags))
    hard = settings.levels("hard_levels")
    rows = eval_rows(hard, settings.rl_per_level, settings.task_seed, settings.task_carry_share(True),
                     offset=RL_SEED_OFFSET, borrows=settings.borrows)  # = rl_dataset's draws, in its order
    rows = [row for level in hard for row in [r for r in rows if r["level"] == level][:per_level]]
    folder, _ = base_model(settings, [])
    model, tokenizer, _ = load_base(folder, settings)
    torch.manual_seed(settings.task_seed)
    bare = problem_counts(model, tokenizer, rows, 0.0, settings, samples)
    result = {"flags": flags, "levels": {}}
    for level in hard:  # the keys reach.json was first written with
        stats = bare_reach(bare[level], samples, GROUP)
        result["levels"][level] = {"p": stats["per_sample"], "all_fail_G": stats["all_fail"],
                                   f"pass@{samples}": stats["solved"]}
    for ratio in settings.ratios:
        hinted = problem_counts(model, tokenizer, rows, ratio, settings, GROUP)
        for level in hard:
            if level in hinted:
                result["levels"][level][f"hint {ratio:.0%} pass@{GROUP}"] = mean_pass(hinted[level], GROUP, GROUP)
    return result


def markdown(name: str, result: dict) -> str:
    keys = list(dict.fromkeys(k for level in result["levels"].values() for k in level))
    lines = [f"{name} (`{result['flags']}`)", "", "| level | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
    for level, values in result["levels"].items():
        lines.append(f"| {level} | " + " | ".join(f"{100 * values[k]:.2f}" if k in values else "–" for k in keys) + " |")
    return "\n".join(lines)


def mixed_ranges(levels: dict) -> list[str]:
    """Contiguous level ranges shaped like the paper's data (the issue's pool (b)): the base solves >= 10 % of the
    easiest level and <= 1 % of the hardest per sample, and GRPO's groups start 30-70 % all-fail (levels weighted
    equally, as the demo's pool holds `rl_per_level` problems of each).

    >>> mixed_ranges({1: {"p": .5, "all_fail_G": .1}, 2: {"p": .2, "all_fail_G": .5}, 3: {"p": .01, "all_fail_G": .95}})
    ['1-3 (all-fail 52 %)']
    """
    found, ordered = [], sorted(levels)
    for i, low in enumerate(ordered):
        for high in ordered[i + 1:]:
            chosen = [lv for lv in ordered if low <= lv <= high]
            all_fail = sum(levels[lv]["all_fail_G"] for lv in chosen) / len(chosen)
            if levels[low]["p"] >= 0.10 and levels[high]["p"] <= 0.01 and 0.30 <= all_fail <= 0.70:
                found.append(f"{low}-{high} (all-fail {100 * all_fail:.0f} %)")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", default="runs/pool-reach", help="Folder for reach.json and reach.md.")
    parser.add_argument("--per_level", type=int, default=50, help="Pool problems measured per level.")
    parser.add_argument("--samples", type=int, default=48, help="Bare draws per problem (the resampler's budget).")
    parser.add_argument("--pools", default=",".join(CANDIDATES), help="Candidates to measure, comma-separated.")
    args = parser.parse_args()
    torch.set_num_threads(1)
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    results, texts = {}, []
    for name in args.pools.split(","):
        started = time.time()
        results[name] = measure(name, CANDIDATES[name], args.per_level, args.samples)
        results[name]["minutes"] = (time.time() - started) / 60
        texts.append(markdown(name, results[name]) + f"\n\n({results[name]['minutes']:.1f} min)")
        print(texts[-1], flush=True)
        if name == "levels 1-8":
            texts[-1] += f"\n\nmixed pools (the issue's (b) criteria): {mixed_ranges(results[name]['levels'])}"
            print(texts[-1].rsplit("\n", 1)[-1], flush=True)
        (output / "reach.json").write_text(json.dumps(results, indent=2))
        (output / "reach.md").write_text("\n\n".join(texts) + "\n")


if __name__ == "__main__":
    main()

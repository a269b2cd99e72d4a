"""`ghpo data reach`: where a model stands on the guidance map, measured on its own training pool before any RL.

Whether hints are worth paying for depends on how often the model solves its training problems bare
(docs/baselines.md): GRPO learns where bare successes are common, a hint-free resampler (DAPO) finds them where
they are rare, and only guidance gets a gradient where there are none. This samples a pool's problems as RL would
(temperature 1) and reports, per level and overall:

- bare: the per-sample pass rate, the share of GRPO's groups of G that are all-fail (1 - pass@G), and
  pass@`samples`: the share of problems a resampler giving each that many draws sees solved at least once;
- hinted: for each rung of the ladder, pass@G with the hint (the share of groups that rung would rescue), the
  hint cut and placed exactly as training cuts and places it.

    >>> stats = bare_reach([0, 0, 2, 4], samples=4, group_size=2)   # pass@2: 0, 0, 1 - C(2,2)/C(4,2) = 5/6, 1
    >>> stats["per_sample"], round(stats["all_fail"], 4), stats["solved"]   # all-fail: 1 - (11/6) / 4
    (0.375, 0.5417, 0.5)
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .data import add_column_flags, level_number
from .hints import build_hinted_prompt, hint_prefix

# Between the demo's mixed pool (69 % of GRPO's groups all-fail at the start: GRPO learned alone) and its
# starved default pool (97-100 %: GRPO did not move), docs/baselines.md.
STARVED_ALL_FAIL = 0.90


def pass_at_k(samples: int, correct: int, k: int) -> float:
    """Unbiased estimate of pass@k (at least one of k samples right) from `correct` of `samples` draws of one problem
    (Chen et al. 2021): 1 - C(samples - correct, k) / C(samples, k).

    >>> pass_at_k(4, 1, 2), pass_at_k(4, 0, 2), pass_at_k(4, 3, 2)      # 1 - C(3,2)/C(4,2) = 1 - 3/6
    (0.5, 0.0, 1.0)
    """
    if not 0 <= correct <= samples or not 1 <= k <= samples:
        raise ValueError(f"pass_at_k needs 0 <= correct <= samples and 1 <= k <= samples, got {correct}, {samples}, {k}")
    if samples - correct < k:
        return 1.0
    return 1.0 - math.comb(samples - correct, k) / math.comb(samples, k)


def mean_pass(right: Sequence[int], draws: int, k: int) -> float:
    """Mean over problems of pass@k, each from `right[i]` correct of `draws` draws."""
    return sum(pass_at_k(draws, count, k) for count in right) / len(right)


def bare_reach(right: Sequence[int], samples: int, group_size: int) -> dict:
    """What bare sampling of a pool shows, from each problem's count of right draws out of `samples`."""
    if not right:
        raise ValueError("bare_reach needs at least one problem")
    return {"problems": len(right), "per_sample": sum(right) / (samples * len(right)),
            "all_fail": 1 - mean_pass(right, samples, min(group_size, samples)),
            "solved": mean_pass(right, samples, samples), "right": sum(right), "draws": samples * len(right)}


def reach_verdict(bare: dict, rescued_at_top: float | None) -> str:
    """The guidance map read for one pool: which of the demo's three pools it is like, and what won there.

    >>> reach_verdict({"per_sample": 0.0, "all_fail": 1.0, "draws": 800}, 0.7).split(",")[0]
    'absent: no bare success in 800 draws'
    >>> reach_verdict({"per_sample": 0.14, "all_fail": 0.69, "draws": 800}, 0.9)[:8]
    'present:'
    """
    if bare["per_sample"] == 0:
        if not rescued_at_top:
            return (f"out of reach, even hinted: no bare success in {bare['draws']} draws and no group solved at the "
                    "top rung either; neither GHPO nor hint-free RL gets a gradient here. Shorten the problems, "
                    "or teach the missing skill first (SFT on the solutions).")
        return (f"absent: no bare success in {bare['draws']} draws, so GRPO, DAPO resampling and a curriculum get no "
                f"gradient; GHPO's top rung rescues {100 * rescued_at_top:.0f} % of groups. On the demo's pool like this "
                "(docs/baselines.md, pool (c)) GHPO was the only RL that learned; GHPO + imitation "
                "(hint_imitation_coef: 1.0) and SFT on the same solutions, then GRPO, did better still.")
    if bare["all_fail"] >= STARVED_ALL_FAIL:
        return (f"rare: {100 * bare['all_fail']:.0f} % of GRPO's groups start all-fail, so GRPO starves, but bare successes "
                "exist for a resampler to collect. On the demo's pool like this (pool (a)) DAPO resampling "
                "(zero_variance_resampling: true) beat GHPO, which beat GRPO: try the resampler first.")
    return (f"present: {100 * bare['all_fail']:.0f} % of GRPO's groups start all-fail, so GRPO has signal. On the demo's pool "
            "like this (pool (b)) GHPO added a reliable margin over GRPO, but GRPO given GHPO's tokens and DAPO "
            "resampling tied it: compare them at equal tokens.")


def sample_rows(rows: list[dict], per_level: int, seed: int) -> list[dict]:
    """Up to `per_level` rows of each level (all rows as one level when there is none), drawn by `seed`, in file
    order within a level.

    >>> rows = [{"level": "Level 1", "i": 0}, {"level": "Level 2", "i": 1}, {"level": "Level 1", "i": 2}, {"i": 3}]
    >>> [r["i"] for r in sample_rows(rows, 1, seed=0)]   # one of rows 0 and 2, row 1, row 3 (no level)
    [1, 2, 3]
    """
    by_level: dict = {}
    for index, row in enumerate(rows):
        by_level.setdefault(level_number(row.get("level")), []).append(index)
    rng = random.Random(seed)
    chosen = sorted(i for indices in by_level.values() for i in rng.sample(indices, min(per_level, len(indices))))
    return [rows[i] for i in chosen]


def measure_reach(rows: list[dict], generate: Callable[[list, int], list[list[str]]],
                  score: Callable[[list[dict], list[list[str]]], list[list[float]]], samples: int, group_size: int,
                  ratios: Sequence[float], unit: str, lead_in: str) -> dict:
    """Right-draw counts of every row, bare (`samples` draws) and at each hint ratio (`group_size` draws), summed
    into per-level and overall statistics. `generate(prompts, n)` samples n completions of each (conversational)
    prompt; `score(rows, completions)` gives 1.0 / 0.0 per completion. Rows without a solution get no hint."""
    bare = [int(sum(s)) for s in score(rows, generate([row["prompt"] for row in rows], samples))]
    hinted: dict[float, dict[int, int]] = {}
    with_solution = [i for i, row in enumerate(rows) if row.get("solution")]
    for ratio in ratios:
        prompts = [build_hinted_prompt(rows[i]["prompt"], hint_prefix(rows[i]["solution"], ratio, unit), lead_in)
                   for i in with_solution]
        counts = score([rows[i] for i in with_solution], generate(prompts, group_size)) if prompts else []
        hinted[ratio] = {i: int(sum(s)) for i, s in zip(with_solution, counts, strict=True)}
    groups: dict = {"all": list(range(len(rows)))}
    for i, level in enumerate(level_number(row.get("level")) for row in rows):
        if level is not None:
            groups.setdefault(level, []).append(i)
    table = {}
    for name, indices in groups.items():
        entry = bare_reach([bare[i] for i in indices], samples, group_size)
        for ratio in ratios:
            counts = [hinted[ratio][i] for i in indices if i in hinted[ratio]]
            entry[f"hint {ratio:g}"] = mean_pass(counts, group_size, group_size) if counts else None
        table[str(name)] = entry
    top = table["all"].get(f"hint {ratios[-1]:g}") if ratios else None
    return {"samples": samples, "group_size": group_size, "levels": table,
            "verdict": reach_verdict(table["all"], top)}


def reach_markdown(result: dict) -> str:
    """The result as a table (one row per level, then all) and the verdict."""
    hint_keys = [key for key in result["levels"]["all"] if key.startswith("hint ")]
    k, g = result["samples"], result["group_size"]
    header = ["level", "problems", "bare, per sample (%)", f"all-fail groups, G = {g} (%)",
              f"solved within {k} draws (%)", *(f"pass@{g}, {100 * float(key[5:]):.0f} % hint (%)" for key in hint_keys)]
    lines = ["| " + " | ".join(header) + " |", "|---" * len(header) + "|"]
    names = sorted((n for n in result["levels"] if n != "all"), key=int) + ["all"]
    for name in names:
        entry = result["levels"][name]
        cells = [name, str(entry["problems"]), f"{100 * entry['per_sample']:.2f}", f"{100 * entry['all_fail']:.1f}",
                 f"{100 * entry['solved']:.1f}",
                 *("–" if entry[key] is None else f"{100 * entry[key]:.1f}" for key in hint_keys)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + f"\n\nOn the guidance map (docs/baselines.md): {result['verdict']}\n"


def add_prompt_flags(parser: argparse.ArgumentParser) -> None:
    """How a problem becomes a prompt, as `ghpo train` makes it (shared by the `ghpo data` commands that sample)."""
    from .data import PAPER_SYSTEM_PROMPT

    parser.add_argument("--system_prompt", default=PAPER_SYSTEM_PROMPT, help="system message, as ghpo train's "
                        "system_prompt (default: the paper's; '' for none)")
    parser.add_argument("--chat_template", default=None, help="Jinja template text or file; 'none' for plain text "
                        "(default: the tokenizer's)")


def add_backend_flags(parser: argparse.ArgumentParser) -> None:
    """Which engine samples, as `ghpo eval` picks it (shared by the `ghpo data` commands that sample)."""
    add = parser.add_argument
    add("--backend", default="auto", choices=["auto", "vllm", "transformers"], help="auto: vLLM when installed "
        "and a GPU is visible, else transformers")
    add("--dtype", default="auto", choices=["auto", "float32", "bfloat16", "float16"], help="auto: bfloat16 on "
        "GPU, float32 on CPU")
    add("--device", default=None, help="transformers backend device (default: cuda if available, else cpu)")
    add("--batch_size", type=int, default=8, help="sequences per generate call (transformers)")


def build_parser() -> argparse.ArgumentParser:
    """The parser of `ghpo data reach` (also read by docs/options.md's generator and the docs tests)."""
    from .config import PAPER_HINT_LEAD_IN

    parser = argparse.ArgumentParser(prog="ghpo data reach", description=(
        "Sample a training pool's problems as RL would (temperature 1, before any RL) and report, per level and "
        "overall: the bare per-sample pass rate, the share of GRPO's groups of G that start all-fail, the share of "
        "problems solved within --samples draws (what a hint-free resampler can find), and pass@G at each rung of "
        "the hint ladder (what GHPO's ladder rescues), hints cut and placed as ghpo train does. It ends with where "
        "the pool stands on the guidance map (docs/baselines.md): bare successes present (GRPO learns), rare (try "
        "DAPO resampling first) or absent (only guidance, or SFT on the solutions, gets a gradient)."))
    add = parser.add_argument
    add("dataset", help="the training data: local .jsonl/.json/.parquet/.csv file or folder, or a Hub dataset id")
    add("--model", required=True, help="the model RL would start from: local folder, LoRA adapter folder or Hub id")
    add("--config", default=None, help="Hub dataset configuration name")
    add("--split", default="train", help="split to read (Hub datasets)")
    add_column_flags(parser)
    add_prompt_flags(parser)
    add("--levels", default="", help="keep only these difficulty levels, comma-separated (as ghpo train's "
        "dataset_levels; default: all)")
    add("--per_level", type=int, default=50, help="problems drawn from each level (from the whole pool when it has "
        "no level column)")
    add("--samples", type=int, default=16, help="bare draws per problem: the budget a resampler gives a problem "
        "(the demo's DAPO: 48)")
    add("--num_generations", type=int, default=8, help="G, training's group size: all-fail shares and each rung's "
        "pass@G use it")
    add("--hint_ratios", default="0.25,0.5,0.75", help="the ladder's rungs, comma-separated ('' for no hinted "
        "sampling)")
    add("--hint_unit", default="char", choices=["char", "word", "line"], help="as ghpo train's hint_unit")
    add("--hint_lead_in", default=PAPER_HINT_LEAD_IN, help="as ghpo train's hint_lead_in (default: the paper's)")
    add("--temperature", type=float, default=1.0, help="sampling temperature (RL's: 1.0)")
    add("--top_p", type=float, default=1.0, help="nucleus sampling")
    add("--max_new_tokens", type=int, default=1024, help="as training's max_completion_length")
    add_backend_flags(parser)
    add("--seed", type=int, default=0, help="which problems are drawn, and the sampling seed")
    add("--output_dir", default=None, help="also write reach.json and reach.md here")
    add("--no_progress", action="store_true", help="no progress bar")
    return parser


def parse_list(text: str, flag: str, kind=float) -> list:
    """'0.25,0.5' -> [0.25, 0.5] for `flag`, or a SystemExit naming the flag and what it must hold."""
    try:
        return [kind(part) for part in text.split(",") if part.strip()]
    except ValueError:
        what = "numbers" if kind is float else "whole numbers"
        raise SystemExit(f"ghpo data reach: {flag} {text!r} is not a comma-separated list of {what}") from None


def main(argv: list[str]) -> int:
    from .checker import AnswerChecker
    from .data import DataError, load_raw_dataset, prepare_dataset, select_levels
    from .eval.benchmarks import Problem
    from .eval.generation import Sampling, render_prompt
    from .eval.protocol import Protocol
    from .eval.runner import make_backend
    from .eval.scoring import score_completions

    args = build_parser().parse_args(argv)
    ratios, levels = parse_list(args.hint_ratios, "--hint_ratios"), parse_list(args.levels, "--levels", int)
    if any(not 0 < r <= 1 for r in ratios) or ratios != sorted(set(ratios)):
        raise SystemExit(f"ghpo data reach: --hint_ratios {args.hint_ratios!r} must be strictly increasing, each "
                         "in (0, 1]")
    for name in ("per_level", "samples", "num_generations"):
        if getattr(args, name) < 1:
            raise SystemExit(f"ghpo data reach: --{name} must be >= 1, got {getattr(args, name)}")
    try:
        raw = load_raw_dataset(args.dataset, args.config, args.split)
        dataset, summary = prepare_dataset(raw, args.dataset, args.dataset_problem_column,
                                           args.dataset_answer_column, args.dataset_solution_column,
                                           system_prompt=args.system_prompt or None)
        if levels:
            dataset = select_levels(dataset, levels)
    except DataError as error:
        print(f"error: {error}".replace("dataset_levels=", "--levels "), file=sys.stderr)
        return 2
    rows = sample_rows(dataset.to_list(), args.per_level, args.seed)
    if ratios and not any(row["solution"] for row in rows):
        print(f"warning: no drawn row has a worked solution (column {summary.columns[2]!r}): no hinted sampling",
              file=sys.stderr)
    protocol = Protocol(temperature=args.temperature, top_p=args.top_p, max_new_tokens=args.max_new_tokens,
                        seed=args.seed, batch_size=args.batch_size)
    backend, tokenizer = make_backend(args.backend, args.model, protocol, args.dtype, args.device,
                                      not args.no_progress)
    sampling = Sampling.from_protocol(protocol)

    def generate(prompts: list, n: int) -> list[list[str]]:
        texts = [render_prompt(tokenizer, messages, args.chat_template) for messages in prompts]
        print(f"sampling {len(texts)} prompts x {n}", flush=True)
        return [[g.text for g in samples] for samples in backend.generate(texts, n, sampling)]

    with AnswerChecker() as checker:
        def score(chosen: list[dict], completions: list[list[str]]) -> list[list[float]]:
            problems = [Problem("pool", str(i), row["prompt"][-1]["content"], row["answer"])
                        for i, row in enumerate(chosen)]
            return score_completions(problems, completions, checker)

        result = measure_reach(rows, generate, score, args.samples, args.num_generations, ratios, args.hint_unit,
                               args.hint_lead_in)
    result.update(model=args.model, dataset=args.dataset, temperature=args.temperature,
                  max_new_tokens=args.max_new_tokens, seed=args.seed)
    write_result(result, args.output_dir)
    return 0


def write_result(result: dict, output_dir: str | None) -> None:
    """Print the table and verdict; with `output_dir`, also write them (reach.md) and the numbers (reach.json)."""
    text = reach_markdown(result)
    print(text)
    if output_dir:
        output = Path(output_dir)
        output.mkdir(parents=True, exist_ok=True)
        (output / "reach.json").write_text(json.dumps(result, indent=2))
        (output / "reach.md").write_text(text)
        print(f"written: {output / 'reach.json'}, {output / 'reach.md'}")

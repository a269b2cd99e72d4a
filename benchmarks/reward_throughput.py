"""Answer-checking throughput: 1,000 realistic completions scored the naive way and ours, side by side.

    python benchmarks/reward_throughput.py [--workers 2] [--timeout 5] [--steps 5]

Read top to bottom, like a lab notebook:
  1. the items: 800 real completions (Qwen2.5-Math on 100 MATH problems, ../shared/data/labelled, in groups of 8
     per problem as a GRPO step has them: 728 right, 72 wrong) + 200 worked MATH solutions used as completions,
     every other one made wrong the way a model is wrong (`wrong_answer`: the last digit of its final box
     changed), so a fifth of the items are wrong; each item carries its short gold answer and the full worked
     solution. Synthetic sums when ../shared is absent.
  2. three checkers, all warmed up on 48 other items first (imports, sympy's and the LaTeX parser's first-use
     set-up), so what is timed is a training run's steady state, not its first step:
     - naive (paper): the call pattern of the GHPO paper's `accuracy_reward` (open-r1): per completion, parse the
       gold `solution` column (the full worked solution), build the completion's extraction config, parse the
       completion, verify; math-verify's own signal timeouts; one process, one item at a time;
     - naive (math-verify README): `verify(parse(gold), parse(completion))` per completion, short gold;
     - ours: `AnswerChecker.check_many` (exact-match fast path, completions reduced to their stated answer and
       verified once per distinct (gold, answer), each gold parsed once, `--workers` processes, hard per-item
       timeout).
  3. the items are scored in `--steps` batches (a training step's worth each), every batch by all three in a
     rotating order; medians over the batches. Also: a pathological pair (sympy never returns) through ours,
     to show the timeout holds; and the cost of ours' in-process reading of the answers (fast paths, and the
     answer forms of `checkable_answer`: units, `\$`, thousands separators, several answers), per item and as
     a share of ours' batch time, to show those checks cost nothing measurable.
  4. last: throughputs and the ratios ours / naive, and how often the scores agree.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from ghpo.answers import checkable_answer, final_answer, listed_answers  # noqa: E402
from ghpo.checker import AnswerChecker, is_certainly_wrong, is_exact_match, text_to_parse  # noqa: E402

SHARED = Path(__file__).resolve().parents[1] / "../shared/data"
LABELLED = SHARED / "labelled/qwen25math_math_cot_100.jsonl"
MATH_TRAIN = SHARED / "train/math_train_L3to5.jsonl"
PATHOLOGICAL = (r"10^{10^{10}}", r"The answer is $\boxed{((10!)!)!}$")
WARM_UP_ITEMS = 48


def wrong_answer(solution: str) -> str:
    r"""The solution with its final box made wrong in the same shape: last digit + 1 (`\frac{3}{4}` -> `\frac{3}{5}`),
    or `+1` appended when the box has no digit."""
    start = solution.rindex("\\boxed")
    head, box = solution[:start], solution[start:]
    digits = [k for k, char in enumerate(box) if char.isdigit()]
    if not digits:
        return head + box.replace("\\boxed{", "\\boxed{1+", 1)
    k = digits[-1]
    return head + box[:k] + str((int(box[k]) + 1) % 10) + box[k + 1:]


def load_items() -> tuple[list[dict], list[dict], str]:
    """(measured items, warm-up items, where they came from); an item: gold, solution, completion."""
    if not (LABELLED.exists() and MATH_TRAIN.exists()):
        items = [{"gold": str(a + b), "solution": f"${a}+{b}=\\boxed{{{a + b}}}$",
                  "completion": f"{a} + {b} = {a + b + (a % 3 == 0)}, so $\\boxed{{{a + b + (a % 3 == 0)}}}$"}
                 for a in range(44) for b in range(24)]
        return items[:1000], items[1000:1000 + WARM_UP_ITEMS], "synthetic sums (../shared/data absent)"
    items = [{"gold": row["answer"], "solution": row["solution"], "completion": response}
             for line in LABELLED.read_text().splitlines() for row in [json.loads(line)] for response in row["response"]]
    worked = [{"gold": row["answer_lastboxed"], "solution": row["solution"],
               "completion": row["solution"] if k % 2 == 0 else wrong_answer(row["solution"])}
              for k, line in enumerate(MATH_TRAIN.read_text().splitlines()[:200 + WARM_UP_ITEMS])
              for row in [json.loads(line)] if "\\boxed" in row["solution"]]
    items += worked[:200]
    warm_up = worked[200:]
    return items, warm_up, f"{LABELLED.name} (800 real completions) + 200 worked solutions from {MATH_TRAIN.name}"


def naive_paper(items: list[dict]) -> list[float]:
    """The GHPO paper's accuracy_reward call pattern (open-r1): everything parsed again for every completion."""
    from latex2sympy2_extended import NormalizationConfig
    from math_verify import LatexExtractionConfig, parse, verify

    scores = []
    for item in items:
        gold_parsed = parse(item["solution"], extraction_mode="first_match")
        answer_parsed = parse(item["completion"], extraction_mode="first_match", extraction_config=[
            LatexExtractionConfig(normalization_config=NormalizationConfig(
                nits=False, malformed_operators=False, basic_latex=True, boxed="all", units=True),
                boxed_match_priority=0, try_extract_without_anchor=False)])
        scores.append(float(verify(gold_parsed, answer_parsed)) if gold_parsed else 0.0)
    return scores


def naive_readme(items: list[dict]) -> list[float]:
    """math-verify as its README shows it, on the short gold."""
    from math_verify import parse, verify

    return [float(verify(parse(f"${item['gold']}$"), parse(item["completion"]))) for item in items]


def in_process_seconds_per_item(items: list[dict], repeats: int = 5) -> tuple[float, float]:
    """Seconds per item, best of `repeats` passes: (what `check_many` does before any worker sees an item: exact
    match, the stated answer read and put in math-verify's form, certainly wrong; the answer forms alone:
    `checkable_answer` of the stated answer and `listed_answers` of the gold, on every item, an upper bound: the
    checker applies them only to items the exact match did not settle)."""
    stated = {id(item): final_answer(item["completion"]) or "" for item in items}  # found before, not new work

    def before_workers(item: dict) -> None:
        if not is_exact_match(item["gold"], item["completion"]):
            text = text_to_parse(item["completion"], item["gold"])
            if text:
                is_certainly_wrong(item["gold"], text)

    def answer_forms(item: dict) -> None:
        checkable_answer(stated[id(item)])
        listed_answers(item["gold"])

    def best(step) -> float:
        passes = []
        for _ in range(repeats):
            begin = time.perf_counter()
            for item in items:
                step(item)
            passes.append(time.perf_counter() - begin)
        return min(passes) / len(items)

    return best(before_workers), best(answer_forms)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1), help="checker processes")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per item before it scores 0")
    parser.add_argument("--steps", type=int, default=5, help="batches the 1,000 items are scored in")
    parser.add_argument("--output", default="runs/benchmarks/reward_throughput.json",
                        help="where to write the measurements (runs/ is ignored by git)")
    args = parser.parse_args()
    logging.getLogger("math_verify").setLevel(logging.ERROR)  # the paper's pattern warns on some golds

    # 1. the items
    items, warm_up, source = load_items()
    print(f"items: {len(items)} from {source}; batches of {len(items) // args.steps}; {args.workers} workers")

    with AnswerChecker(timeout_s=args.timeout, num_workers=args.workers) as checker:
        # 2. three checkers, warmed up on other items
        started = time.perf_counter()
        checker.check_many([(item["gold"], item["completion"]) for item in warm_up])
        print(f"ours: workers started and warmed up in {time.perf_counter() - started:.1f} s (once per run)")
        methods = {
            "naive (paper)": naive_paper,
            "naive (math-verify README)": naive_readme,
            "ours": lambda batch: checker.check_many([(item["gold"], item["completion"]) for item in batch]),
        }
        for method in methods.values():
            method(warm_up)

        # 3. batch by batch, all three, rotating order
        seconds = {name: [] for name in methods}
        scores = {name: [] for name in methods}
        size = len(items) // args.steps
        for step in range(args.steps):
            batch = items[step * size:(step + 1) * size]
            names = list(methods)
            for name in names[step % 3:] + names[:step % 3]:
                begin = time.perf_counter()
                scores[name] += methods[name](batch)
                seconds[name].append(time.perf_counter() - begin)
        for name in methods:
            print(f"{name:28s} batch times (s): {' '.join(f'{s:.3f}' for s in seconds[name])}")

        begin = time.perf_counter()
        pathological = checker.check_many([PATHOLOGICAL])[0]
        print(f"pathological pair through ours: scored {pathological} after {time.perf_counter() - begin:.1f} s "
              f"(timeout {args.timeout:g} s; timeouts so far: {checker.timeouts_total})")

    median = {name: statistics.median(times) for name, times in seconds.items()}
    in_process, forms = in_process_seconds_per_item(items)
    for label, per_item in (("ours, in-process work before the workers", in_process),
                            ("  of which the answer forms (units, \\$, {,}, lists)", forms)):
        print(f"{label:52s} {1e6 * per_item:5.1f} us per item = {100 * per_item * size / median['ours']:.1f} % "
              f"of ours' median batch time")

    # 4. the ratios, last
    ratios = {name: [naive / ours for naive, ours in zip(seconds[name], seconds["ours"], strict=True)]
              for name in ("naive (paper)", "naive (math-verify README)")}
    same = {name: sum(a == b for a, b in zip(scores["ours"], scores[name], strict=True)) for name in ratios}
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps({
        "items": len(items), "source": source, "workers": args.workers, "cpus": os.cpu_count(),
        "batch_seconds": seconds, "items_per_second": {name: size / median[name] for name in methods},
        "median_ratio": {name: statistics.median(values) for name, values in ratios.items()}, "same_score": same,
        "in_process_us_per_item": 1e6 * in_process, "answer_forms_us_per_item": 1e6 * forms,
    }, indent=2))
    for name in methods:
        print(f"{name:28s} {size / median[name]:8.0f} items/s (median batch {median[name]:.3f} s)")
    for name, values in ratios.items():
        print(f"ratio: ours / {name} throughput = {statistics.median(values):.1f}x (median over {args.steps} "
              f"batches, range {min(values):.1f}-{max(values):.1f}); same score on {same[name]}/{len(items)}")


if __name__ == "__main__":
    main()

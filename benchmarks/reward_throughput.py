"""Scoring throughput: 1,000 completions through the answer checker, one of them pathological.

    python benchmarks/reward_throughput.py [--workers 2] [--timeout 5]

Read top to bottom, like a lab notebook:
  1. the items: 999 real completions (the labelled Qwen2.5-Math set, cycled; synthetic ones
     when ../shared is absent) + 1 pathological pair that makes sympy run for ever;
  2. ours: `AnswerChecker.check_many` (exact-match fast path, worker processes, each gold
     parsed once per worker, hard per-item timeout), workers started beforehand (their
     start-up is printed apart: a run pays it once): first the 999, then all 1,000;
  3. naive: math-verify as its README shows it, item by item in this process (its own
     signal-based timeouts, main thread only), parsing the gold every time, on the 999 that
     end (the pathological one is not interrupted by a signal: it would hang the run);
  4. the ratio on the same 999 items, and how often both give the same score.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

from ghpo.checker import AnswerChecker  # noqa: E402

LABELLED = Path(__file__).resolve().parents[1] / "../shared/data/labelled/qwen25math_math_cot_100.jsonl"
PATHOLOGICAL = (r"10^{10^{10}}", r"The answer is $\boxed{((10!)!)!}$")
ITEMS = 1000


def load_items(count: int) -> tuple[list[tuple[str, str]], str]:
    """`count` (gold, completion) pairs and where they came from."""
    if LABELLED.exists():
        rows = [json.loads(line) for line in LABELLED.read_text().splitlines()]
        pairs = [(row["answer"], response) for row in rows for response in row["response"]]
        source = f"{LABELLED.name} (800 real completions, cycled)"
    else:
        pairs = [(str(a + b), f"{a} + {b} = {a + b + (a % 3 == 0)}, so $\\boxed{{{a + b + (a % 3 == 0)}}}$")
                 for a in range(40) for b in range(25)]
        source = "synthetic sums (shared data absent)"
    return [pairs[i % len(pairs)] for i in range(count)], source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 1))
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds per item before it scores 0")
    args = parser.parse_args()

    # 1. the items
    normal, source = load_items(ITEMS - 1)
    items = normal + [PATHOLOGICAL]
    print(f"items: {len(items)} = {len(normal)} from {source} + 1 pathological ({PATHOLOGICAL[0]} vs ((10!)!)!)")

    # 2. ours
    for label, batch in (("999 normal", normal), ("all 1,000", items)):
        with AnswerChecker(timeout_s=args.timeout, num_workers=args.workers) as checker:
            started = time.perf_counter()
            checker.check_many([("1", r"\boxed{2}")] * args.workers)  # start the workers
            startup_s = time.perf_counter() - started
            started = time.perf_counter()
            ours = checker.check_many(batch)
            seconds = time.perf_counter() - started
            print(f"ours, {label}: {seconds:6.2f} s = {len(batch) / seconds:7.1f} items/s ({args.workers} workers "
                  f"started in {startup_s:.1f} s, timeout {args.timeout:g} s, timeouts: {checker.timeouts_total})")
        if batch is normal:
            ours_normal, ours_s = ours, seconds
    print(f"       the pathological item scored {ours[-1]} and cost at most the {args.timeout:g} s timeout")

    # 3. naive
    from math_verify import parse, verify

    started = time.perf_counter()
    naive = [float(verify(parse(f"${gold}$"), parse(completion))) for gold, completion in normal]
    naive_s = time.perf_counter() - started
    print(f"naive, 999 normal: {naive_s:6.2f} s = {len(normal) / naive_s:7.1f} items/s (in-process, one by one)")

    # 4. the ratio
    same = sum(a == b for a, b in zip(ours_normal, naive, strict=True))
    print(f"ratio: ours / naive throughput on the same 999 = {naive_s / ours_s:.2f}; same score on {same}/{len(normal)}"
          " (differences: the exact-match fast path, e.g. `4:30 p.m.`, see tests/data/labelled_disagreements.md)")


if __name__ == "__main__":
    main()

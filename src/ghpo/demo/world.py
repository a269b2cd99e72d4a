"""The demo's worlds: the task sets and the warm-up examples, all drawn here from seeds.

Three independent draws of `ghpo.arithmetic` problems (level = number of steps):
- warm-up, two worlds:
  - `misconception` (the default): full solutions of *every* level, written by a student who gets each flaky step
    (a carry or a borrow) right only with probability `carry_accuracy` and otherwise forgets it, plus hinted
    continuations (a gold prefix given with GHPO's lead-in, the student writing the rest). The base model then
    writes complete solutions at every length (no length ceiling), its flaky steps fail independently, so success
    compounds as about s^L over L steps, and a hint that does half the steps removes half of the chances to slip:
    the skill a hinted continuation exercises is the one the bare question fails on.
  - `ceiling` (the first demo): full solutions of the easy levels, plus continuations leaving at most
    `max_remaining` steps: long chains are out of reach and hinted ones in reach, but the base never writes more
    than two lines of its own, a length ceiling no hint teaches past (see docs/demo-earlier-worlds.md).
- RL pool: the hard levels only, gold solutions, prepared by `ghpo.data.prepare_dataset` like any real dataset.
- evaluation: `eval_per_level` fresh problems per level, gold answers.
"""

from __future__ import annotations

import random

from datasets import Dataset

from ..arithmetic import make_problem, parse_problem, write_solution
from ..data import prepare_dataset
from ..hints import build_hinted_prompt

# Offsets keep the three draws apart for any task seed.
WARMUP_SEED_OFFSET, RL_SEED_OFFSET, EVAL_SEED_OFFSET, CURVE_SEED_OFFSET = 1_000, 2_000, 3_000, 4_000
ANSWER_ONLY_SHARE = 0.1  # of hinted warm-up examples: the hint is every step, the model writes the answer line


def user_prompt(problem: str) -> list[dict]:
    """The chat prompt of a problem: no system message (the tiny model has no use for one)."""
    return [{"role": "user", "content": problem}]


def continuation_example(row: dict, given_steps: int, lead_in: str) -> dict:
    """A prompt/completion pair whose prompt carries the first `given_steps` solution lines as a hint.

    >>> row = {"problem": "Q?", "solution": "Step 1: a.\\nStep 2: b.\\nThe answer is c.", "answer": "c"}
    >>> ex = continuation_example(row, 1, " Hint: ")
    >>> ex["prompt"][0]["content"], ex["completion"][0]["content"]
    ('Q? Hint: Step 1: a.\\n', 'Step 2: b.\\nThe answer is c.')
    """
    lines = row["solution"].split("\n")
    hint = "".join(line + "\n" for line in lines[:given_steps])
    completion = row["solution"][len(hint):]
    prompt = build_hinted_prompt(user_prompt(row["problem"]), hint, lead_in) if hint else user_prompt(row["problem"])
    return {"prompt": prompt, "completion": [{"role": "assistant", "content": completion}]}


def warmup_examples(
    count: int, easy_levels: list[int], max_level: int, hinted_fraction: float, max_remaining: int,
    lead_in: str, seed: int, stretch_fraction: float = 0.0,
) -> list[dict]:
    """`count` SFT examples: full solutions of easy levels (a `stretch_fraction` of them one level higher), and
    continuations leaving <= `max_remaining` steps."""
    rng = random.Random(seed + WARMUP_SEED_OFFSET)
    examples = []
    for _ in range(count):
        if rng.random() >= hinted_fraction:
            # A few full solutions one level past the easy ones: a soft edge, not a hard length ceiling.
            stretch = stretch_fraction > 0 and rng.random() < stretch_fraction  # no draw when off: same stream
            level = max(easy_levels) + 1 if stretch else rng.choice(easy_levels)
            examples.append(continuation_example(make_problem(rng, level), 0, lead_in))
            continue
        level = rng.randint(2, max_level)
        # Mostly 1..max_remaining steps left (the look-up of step k's operand in a long question is what takes
        # training); sometimes 0, only the answer line, which a top-rung hint leaves.
        remaining = 0 if rng.random() < ANSWER_ONLY_SHARE else rng.randint(1, min(max_remaining, level - 1))
        examples.append(continuation_example(make_problem(rng, level), level - remaining, lead_in))
    return examples


def curriculum_levels(levels: list[int], index: int, count: int, ramp: float) -> list[int]:
    """The levels example `index` of `count` may have: the lowest two at first, one more each equal stretch of the
    first `ramp` of the examples, then all of them (ramp 0: all from the start).

    >>> [curriculum_levels([1, 2, 3, 4], i, 8, 0.5) for i in (0, 1, 2, 3, 7)]
    [[1, 2], [1, 2], [1, 2, 3], [1, 2, 3, 4], [1, 2, 3, 4]]
    """
    if ramp <= 0 or len(levels) <= 2:
        return levels
    stretch = ramp * count / (len(levels) - 1)
    return levels[: min(len(levels), 2 + int(index / stretch))]


def student_examples(count: int, levels: list[int], hinted_fraction: float, lead_in: str, seed: int,
                     carry_share: float, carry_accuracy: float, curriculum: float = 0.0,
                     borrows: bool = False) -> list[dict]:
    """`count` SFT examples of the misconception world, in training order: a level drawn uniformly from
    `curriculum_levels` (short chains first: the look-up of step k's operand is learnt on them); a
    `hinted_fraction` of them continue from a gold prefix of 1..L steps given as a hint (L: only the answer line
    is left), the rest are full solutions; the student slips on a carry (and with `borrows` on a borrow) with
    probability 1 - carry_accuracy."""
    rng = random.Random(seed + WARMUP_SEED_OFFSET)
    examples = []
    for index in range(count):
        level = rng.choice(curriculum_levels(levels, index, count, curriculum))
        row = make_problem(rng, level, carry_share=carry_share, borrows=borrows)
        given = rng.randint(1, row["level"]) if rng.random() < hinted_fraction else 0
        start, steps = parse_problem(row["problem"])
        written, _ = write_solution(start, steps, rng, carry_accuracy, first_student_step=given + 1, borrows=borrows)
        examples.append(continuation_example({**row, "solution": written}, given, lead_in))
    return examples


def eval_rows(levels: list[int], per_level: int, seed: int, carry_share: float | None = None,
              offset: int = EVAL_SEED_OFFSET, borrows: bool = False) -> list[dict]:
    """Held-out problems, `per_level` per level, in level order, gold solutions (`offset` separates the final
    evaluation set from the learning-curve set, `CURVE_SEED_OFFSET`)."""
    rng = random.Random(seed + offset)
    return [make_problem(rng, level, carry_share=carry_share, borrows=borrows)
            for level in levels for _ in range(per_level)]


def rl_dataset(hard_levels: list[int], per_level: int, seed: int, carry_share: float | None = None,
               borrows: bool = False) -> Dataset:
    """The RL pool (hard levels only) with the columns every `ghpo` command uses: prompt, answer, solution, level."""
    rng = random.Random(seed + RL_SEED_OFFSET)
    raw = Dataset.from_list([make_problem(rng, level, carry_share=carry_share, borrows=borrows)
                             for level in hard_levels for _ in range(per_level)])
    dataset, _ = prepare_dataset(raw, source="ghpo.arithmetic (demo RL pool)", system_prompt=None)
    return dataset


def tokenizer_corpus(examples: list[dict], limit: int = 2000) -> list[str]:
    """Text the BPE is trained on: prompts and completions of the first `limit` warm-up examples."""
    return [ex["prompt"][-1]["content"] + "\n" + ex["completion"][0]["content"] for ex in examples[:limit]]

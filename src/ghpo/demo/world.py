"""The demo's world: the task sets and the warm-up examples, all drawn here from seeds.

Three independent draws of `ghpo.arithmetic` problems (level = number of steps):
- warm-up: full worked solutions of the easy levels, plus *continuations* — a problem of any level whose first
  steps are given as a hint (the same lead-in and line cut GHPO uses), the model writing only the last
  0..`max_remaining` steps and the answer line. That teaches the model to read a hint and go on, as a pretrained
  LLM can, without ever showing it a long solution written from scratch: long chains stay out of reach, hinted
  ones in reach.
- RL pool: the hard levels only, prepared by `ghpo.data.prepare_dataset` like any real dataset.
- evaluation: `eval_per_level` fresh problems per level.
"""

from __future__ import annotations

import random

from datasets import Dataset

from ..arithmetic import make_problem
from ..data import prepare_dataset
from ..hints import build_hinted_prompt

# Offsets keep the three draws apart for any task seed.
WARMUP_SEED_OFFSET, RL_SEED_OFFSET, EVAL_SEED_OFFSET = 1_000, 2_000, 3_000
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


def eval_rows(levels: list[int], per_level: int, seed: int) -> list[dict]:
    """Held-out problems, `per_level` per level, in level order."""
    rng = random.Random(seed + EVAL_SEED_OFFSET)
    return [make_problem(rng, level) for level in levels for _ in range(per_level)]


def rl_dataset(hard_levels: list[int], per_level: int, seed: int) -> Dataset:
    """The RL pool (hard levels only) with the columns every `ghpo` command uses: prompt, answer, solution, level."""
    rng = random.Random(seed + RL_SEED_OFFSET)
    raw = Dataset.from_list([make_problem(rng, level) for level in hard_levels for _ in range(per_level)])
    dataset, _ = prepare_dataset(raw, source="ghpo.arithmetic (demo RL pool)", system_prompt=None)
    return dataset


def tokenizer_corpus(examples: list[dict], limit: int = 2000) -> list[str]:
    """Text the BPE is trained on: prompts and completions of the first `limit` warm-up examples."""
    return [ex["prompt"][-1]["content"] + "\n" + ex["completion"][0]["content"] for ex in examples[:limit]]

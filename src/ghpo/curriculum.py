"""Curriculum learning (the paper's GRPO-CL baseline): training problems ordered by a difficulty column, easiest
first, in stages, shuffled within a stage.

The pure part reads difficulties (`difficulty_value`), groups rows into stages (`curriculum_stages`) and orders
them for one epoch (`curriculum_order`). `CurriculumRepeatSampler` feeds that order through TRL's own
`RepeatSampler` semantics (G copies of each prompt in a row, whole generation batches, `num_iterations` x
`steps_per_generation` repeats), so every process sees the same order, and its order depends only on (seed,
epoch): a run resumed from a checkpoint continues the curriculum where it stopped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch.utils.data import Sampler
from trl.trainer.utils import RepeatSampler

from .config import CURRICULUM_MISSING
from .data import level_number


class CurriculumError(ValueError):
    """A difficulty column the curriculum cannot order by (missing, unreadable values)."""


def difficulty_value(value) -> float | None:
    """A difficulty as a number: any number (3, 2.5), or MATH's spellings of a level ("Level 3", "3", read by
    `data.level_number`); None, NaN, "", "Level ?" -> None.

    >>> difficulty_value("Level 3"), difficulty_value(3), difficulty_value("3"), difficulty_value(2.5)
    (3.0, 3.0, 3.0, 2.5)
    >>> difficulty_value("Level ?"), difficulty_value(None), difficulty_value(float("nan")), difficulty_value(True)
    (None, None, None, None)
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else value
    number = level_number(value)
    return None if number is None else float(number)


def curriculum_stages(values: Sequence, num_stages: int = 0, missing: str = "error",
                      column: str = "level") -> list[list[int]]:
    """Row indices grouped into stages, easiest first.

    `num_stages` 0: one stage per distinct difficulty. N: the distinct difficulties, in order, cut into N stages of
    about equal row counts (a difficulty is never split; fewer stages when there are fewer difficulties). Rows
    without a difficulty: `missing` 'error' raises naming how many and which, 'first' / 'last' make them a stage
    of their own at that end.

    >>> curriculum_stages(["Level 5", "Level 3", 4, "3", "Level 5"])
    [[1, 3], [2], [0, 4]]
    >>> curriculum_stages([1, 2, 3, 4, 5, 6], num_stages=2)
    [[0, 1, 2], [3, 4, 5]]
    >>> curriculum_stages([2, None, 1], missing="last")
    [[2], [0], [1]]
    """
    if missing not in CURRICULUM_MISSING:
        raise ValueError(f"curriculum_missing must be one of {CURRICULUM_MISSING}, got {missing!r}")
    numbers = [difficulty_value(value) for value in values]
    unknown = [index for index, number in enumerate(numbers) if number is None]
    if unknown and missing == "error":
        shown = ", ".join(f"row {i} ({values[i]!r})" for i in unknown[:10])
        raise CurriculumError(
            f"curriculum: {len(unknown)} of {len(values)} rows have no readable difficulty in column {column!r}: "
            f"{shown}{' ...' if len(unknown) > 10 else ''}. Fix or drop them, or set curriculum_missing to 'first' "
            "or 'last' to train them as a stage of their own at that end.")
    by_value: dict[float, list[int]] = {}
    for index, number in enumerate(numbers):
        if number is not None:
            by_value.setdefault(number, []).append(index)
    levels = [by_value[value] for value in sorted(by_value)]
    stages = levels if num_stages <= 0 else _merge(levels, num_stages)
    if unknown:
        stages = [unknown, *stages] if missing == "first" else [*stages, unknown]
    return stages


def _merge(levels: list[list[int]], num_stages: int) -> list[list[int]]:
    """Consecutive difficulty groups merged into at most `num_stages` stages: the k-th cut goes to the group
    boundary whose running row count is nearest to k / num_stages of the rows."""
    running, total = [], 0
    for rows in levels:
        total += len(rows)
        running.append(total)
    cuts = []  # boundary j: stages split after group j
    for k in range(1, num_stages):
        candidates = range(cuts[-1] + 1 if cuts else 0, len(levels) - 1)
        if candidates:
            cuts.append(min(candidates, key=lambda j: abs(running[j] - total * k / num_stages)))
    bounds = [-1, *dict.fromkeys(cuts), len(levels) - 1]
    return [[i for rows in levels[a + 1 : b + 1] for i in rows] for a, b in zip(bounds, bounds[1:]) if b > a]


def curriculum_order(stages: list[list[int]], seed: int, epoch: int = 0, shuffle: bool = True) -> list[int]:
    """One epoch's row order: the stages in turn, each shuffled by (seed, epoch) when `shuffle`.

    >>> curriculum_order([[0, 1], [2]], seed=0, shuffle=False)
    [0, 1, 2]
    >>> sorted(curriculum_order([[0, 1, 2], [3, 4]], seed=0)[:3]), sorted(curriculum_order([[0, 1, 2], [3, 4]], seed=0)[3:])
    ([0, 1, 2], [3, 4])
    """
    generator = torch.Generator().manual_seed(seed * 1_000_003 + epoch)  # the same on every process
    order = []
    for stage in stages:
        permutation = torch.randperm(len(stage), generator=generator).tolist() if shuffle else range(len(stage))
        order += [stage[i] for i in permutation]
    return order


def stage_summary(stages: list[list[int]], values: Sequence, column: str) -> str:
    """One line per stage: its difficulties and row count (for `ghpo data check` and the training log).

    >>> print(stage_summary([[1, 3], [0]], ["Level 5", "Level 3", 4, "3"], "level"))
    curriculum by 'level', 2 stages, easiest first:
      stage 1: level 3 (2 rows)
      stage 2: level 5 (1 rows)
    """
    lines = [f"curriculum by {column!r}, {len(stages)} stages, easiest first:"]
    for number, stage in enumerate(stages, 1):
        found = sorted({difficulty_value(values[i]) for i in stage}, key=lambda v: (v is None, v or 0))
        names = ", ".join("none" if v is None else f"{v:g}" for v in found)
        lines.append(f"  stage {number}: {column} {names} ({len(stage)} rows)")
    return "\n".join(lines)


class CurriculumRepeatSampler(Sampler):
    """TRL's `RepeatSampler` over the curriculum's order instead of a random permutation.

    TRL's sampler, unshuffled, yields positions 0..n-1 in whole generation batches, each prompt G times, each batch
    repeated; position p is mapped to the p-th row of this epoch's curriculum order. The trainer calls `set_epoch`
    at every epoch (transformers does), so a resumed run rebuilds the same order and skips to where it stopped.
    """

    def __init__(self, stages: list[list[int]], mini_repeat_count: int, batch_size: int, repeat_count: int,
                 shuffle: bool, seed: int):
        self.stages, self.shuffle, self.seed, self.epoch = stages, shuffle, seed, 0
        self.positions = RepeatSampler(range(sum(map(len, stages))), mini_repeat_count=mini_repeat_count,
                                       batch_size=batch_size, repeat_count=repeat_count, shuffle=False)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __iter__(self):
        order = curriculum_order(self.stages, self.seed, self.epoch, self.shuffle)
        return (order[position] for position in self.positions)

    def __len__(self) -> int:
        return len(self.positions)


class CurriculumSampling:
    """`GHPOTrainer`'s mixin: with `curriculum_column` set, TRL's train sampler follows the curriculum."""

    def _get_train_sampler(self, dataset=None) -> Sampler:
        column = self.args.curriculum_column
        if not column:
            return super()._get_train_sampler(dataset)
        dataset = self.train_dataset if dataset is None else dataset
        if column not in dataset.column_names:
            raise CurriculumError(f"curriculum_column={column!r} is not a column of the train dataset; its columns "
                                  f"are {dataset.column_names}")
        values = dataset[column]
        stages = curriculum_stages(values, self.args.curriculum_stages, self.args.curriculum_missing, column)
        return CurriculumRepeatSampler(
            stages, mini_repeat_count=self.num_generations,
            batch_size=self.args.generation_batch_size // self.num_generations,
            repeat_count=self.num_iterations * self.args.steps_per_generation,
            shuffle=self.shuffle_dataset, seed=self.args.seed)

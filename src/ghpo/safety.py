"""Failure handling during training: a reward that raises or returns garbage costs a reward of 0, never the run.

    >>> counts = RewardFailureCounts()
    >>> guarded = guard_reward(lambda completions, **kw: [1.0, float("nan"), "x"], counts)
    >>> guarded(completions=["a", "b", "c"])
    [1.0, 0.0, 0.0]
    >>> counts.nonfinite
    2
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

logger = logging.getLogger("ghpo")


@dataclass
class RewardFailureCounts:
    """Running totals, logged as `ghpo/reward_errors` (calls that raised) and `ghpo/reward_nonfinite` (values)."""

    errors: int = 0
    nonfinite: int = 0

    def take(self) -> dict[str, float]:
        """The counts since the last call, then reset (one value per logging step)."""
        taken = {"ghpo/reward_errors": float(self.errors), "ghpo/reward_nonfinite": float(self.nonfinite)}
        self.errors = self.nonfinite = 0
        return taken


def _finite_or_zero(value) -> tuple[float, bool]:
    """(value as float, True) when it is a finite number; (0.0, False) otherwise (NaN, inf, None, text...)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0.0, False
    return (float(value), True) if math.isfinite(value) else (0.0, False)


def guard_reward(func: Callable, counts: RewardFailureCounts) -> Callable:
    """Wrap a TRL reward function: an exception gives 0.0 for every completion of the call, a non-finite or
    non-numeric value gives 0.0 for that completion; both are counted. Keeps `__name__` (TRL logs by it)."""

    @functools.wraps(func)
    def guarded(*args, **kwargs):
        size = len(kwargs.get("completions", args[0] if args else []))
        try:
            values = list(func(*args, **kwargs))
        except Exception:  # a user's reward: any failure must cost a reward, not hours of training
            counts.errors += 1
            if counts.errors == 1:
                logger.exception("reward function %r raised; its rewards are 0.0 for this call (counted in "
                                 "ghpo/reward_errors)", getattr(func, "__name__", func))
            return [0.0] * size
        if len(values) != size:
            raise ValueError(f"reward function {func.__name__!r} returned {len(values)} values for {size} completions")
        cleaned = [_finite_or_zero(value) for value in values]
        counts.nonfinite += sum(not ok for _, ok in cleaned)
        return [value for value, _ in cleaned]

    return guarded


def truncated_group_mask(is_truncated: torch.Tensor, group_size: int) -> torch.Tensor:
    """(N*G,) bool 'completion hit the length limit' -> (N,) bool: every completion of the group was cut off.

    Such a group fails because the length budget is too small, not because the problem is too hard: a hint cannot fix
    it (and lengthens the prompt).
    """
    return is_truncated.view(-1, group_size).all(dim=1)


class RewardMemo:
    """Scores the ladder already computed, reused when TRL scores the final rows (same prompt, completion and
    columns), so the accuracy reward runs once per completion, not twice. Cleared every generation batch.

        >>> memo = RewardMemo()
        >>> calls = []
        >>> reward = memo.wrap(lambda prompts, completions, **kw: calls.append(1) or [1.0] * len(completions))
        >>> reward(prompts=["p"], completions=["c"], answer=["4"]); reward(prompts=["p"], completions=["c"], answer=["4"])
        [1.0]
        [1.0]
        >>> len(calls)
        1
    """

    IGNORED = ("trainer_state", "log_extra", "log_metric", "completion_ids", "environments")

    def __init__(self):
        self.scores: dict[str, float] = {}

    def clear(self) -> None:
        self.scores = {}

    def _keys(self, prompts, completions, columns: dict) -> list[str]:
        names = sorted(name for name in columns if name not in self.IGNORED)
        return [repr((prompt, completion, [columns[name][i] for name in names]))
                for i, (prompt, completion) in enumerate(zip(prompts, completions, strict=True))]

    def wrap(self, func: Callable) -> Callable:
        @functools.wraps(func)
        def memoized(prompts, completions, **columns):
            keys = self._keys(prompts, completions, columns)
            if all(key in self.scores for key in keys):
                return [self.scores[key] for key in keys]
            values = func(prompts=prompts, completions=completions, **columns)
            self.scores.update(zip(keys, values, strict=True))
            return values

        return memoized

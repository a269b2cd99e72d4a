"""No-hint learning curves: a fixed held-out set of RL-pool problems, measured during RL without hints.

The paper's claim is about the speed and stability of learning, not only the end point, and the training reward of
a GHPO run is measured *with* hints. So every `every` steps (and before the first) this callback asks the model
the bare questions of a fixed held-out set: greedy accuracy, sampled accuracy (temperature 1, one sample each) and
the sampled accuracy of flaky and other steps. Sampling runs under its own seed, in a forked RNG, so measuring
changes nothing in training.
"""

from __future__ import annotations

import torch
from transformers import TrainerCallback

from .evaluate import accuracy_of, complete_share, level_completions, step_accuracy


def measure_no_hint(model, tokenizer, rows: list[dict], unit: str, lead_in: str, seed: int,
                    check: str = "answer", borrows: bool = False) -> dict:
    """{"greedy": {level: acc}, "sampled": {level: acc}, "flaky": acc, "other": acc, "complete": share} of bare
    questions (flaky / other: sampled step accuracies; complete: sampled completions that write every step)."""
    was_training = model.training
    greedy = level_completions(model, tokenizer, rows, 0.0, unit, lead_in)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        sampled = level_completions(model, tokenizer, rows, 0.0, unit, lead_in, sample=True)
    model.train(was_training)
    steps = step_accuracy(sampled, borrows=borrows)
    return {"greedy": accuracy_of(greedy, check), "sampled": accuracy_of(sampled, check), "flaky": steps["flaky"],
            "other": steps["other"], "complete": complete_share(sampled)}


def pool_mean(accuracy: dict[int, float], levels: list[int]) -> float:
    """Mean accuracy over the RL-pool levels.

    >>> pool_mean({5: 0.1, 6: 0.3, 7: 0.2, 1: 1.0}, [5, 6, 7])
    0.2
    """
    return round(sum(accuracy[level] for level in levels) / len(levels), 10)


def first_step_reaching(curve: list[dict], levels: list[int], threshold: float, key: str = "greedy") -> int | None:
    """The first measured step whose pool accuracy (`key`) is >= `threshold`; None if none is.

    >>> curve = [{"step": 0, "greedy": {5: 0.0}}, {"step": 10, "greedy": {5: 0.4}}, {"step": 20, "greedy": {5: 0.6}}]
    >>> first_step_reaching(curve, [5], 0.5), first_step_reaching(curve, [5], 0.9)
    (20, None)
    """
    return next((point["step"] for point in curve if pool_mean(point[key], levels) >= threshold), None)


class NoHintCurve(TrainerCallback):
    """Measures `measure_no_hint` at step 0 and every `every` optimizer steps; the points are in `self.points`."""

    def __init__(self, rows: list[dict], every: int, unit: str, lead_in: str, seed: int, check: str = "answer",
                 borrows: bool = False):
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every}")
        self.rows, self.every, self.unit, self.lead_in, self.seed, self.check = rows, every, unit, lead_in, seed, check
        self.borrows = borrows
        self.points: list[dict] = []

    def _measure(self, state, model, processing_class) -> None:
        point = measure_no_hint(model, processing_class, self.rows, self.unit, self.lead_in, self.seed, self.check,
                                self.borrows)
        self.points.append({"step": state.global_step, **point})

    def on_train_begin(self, args, state, control, model=None, processing_class=None, **kwargs):
        if state.global_step == 0:
            self._measure(state, model, processing_class)

    def on_step_end(self, args, state, control, model=None, processing_class=None, **kwargs):
        if state.global_step % self.every == 0:
            self._measure(state, model, processing_class)

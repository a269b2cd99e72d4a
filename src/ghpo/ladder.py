"""The hint ladder's pure parts: which groups are hard, where regenerated groups go, what to log.

A batch holds N groups of G completions laid out group after group: rows [g*G, (g+1)*G) belong to group g.

    >>> hard_group_mask(torch.tensor([0., 0., 1., 0.]), group_size=2)   # group 0 all-fail, group 1 has a success
    tensor([ True, False])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch


def hard_group_mask(accuracy: torch.Tensor, group_size: int) -> torch.Tensor:
    """(N*G,) raw accuracy rewards -> (N,) bool: True where every completion of the group scored <= 0.

    NaN (a reward that could not be computed) counts as a failure: it cannot prove the group solvable.
    """
    return ~(grouped_rewards(accuracy, group_size) > 0).any(dim=1)  # (N,)


def grouped_rewards(accuracy: torch.Tensor, group_size: int) -> torch.Tensor:
    """(N*G,) rewards -> (N, G), NaN as 0 (a reward that could not be computed counts as a failure)."""
    if accuracy.numel() % group_size:
        raise ValueError(f"{accuracy.numel()} rewards do not split into groups of {group_size}")
    return torch.nan_to_num(accuracy.float(), nan=0.0).view(-1, group_size)


def group_rows(group_indices: Sequence[int], group_size: int) -> list[int]:
    """Row indices of the given groups, in order: groups [1, 3] with G=2 -> rows [2, 3, 6, 7]."""
    return [g * group_size + j for g in group_indices for j in range(group_size)]


def splice_groups(rows: list, new_rows: Sequence, group_indices: Sequence[int], group_size: int) -> list:
    """Copy of `rows` where the rows of group `group_indices[k]` are replaced by `new_rows[k*G:(k+1)*G]`."""
    if len(new_rows) != len(group_indices) * group_size:
        raise ValueError(f"{len(new_rows)} new rows for {len(group_indices)} groups of {group_size}")
    spliced = list(rows)
    for position, row in zip(group_rows(group_indices, group_size), new_rows, strict=True):
        spliced[position] = row
    return spliced


def pad_with_dummy_groups(rows: list, num_groups: int, target_groups: int, dummy_row: Any, group_size: int) -> list:
    """`rows` (num_groups whole groups) padded with copies of `dummy_row` up to `target_groups` groups.

    Every process must generate the same number of groups in a ladder round (vLLM server mode slices its answer by
    rank, DeepSpeed ZeRO-3 gathers parameters inside generate): a process with fewer hard groups pads with dummies
    whose outputs are thrown away.
    """
    if num_groups > target_groups:
        raise ValueError(f"cannot pad {num_groups} groups down to {target_groups}")
    return list(rows) + [dummy_row] * ((target_groups - num_groups) * group_size)


def check_whole_groups_per_process(per_device_batch: int, steps_per_generation: int, group_size: int) -> None:
    """Raise unless each process's generation batch holds whole groups (the ladder regenerates whole groups)."""
    local_batch = per_device_batch * steps_per_generation
    if local_batch % group_size:
        raise ValueError(
            f"GHPO regenerates whole groups, so each process must hold whole groups: per_device_train_batch_size "
            f"({per_device_batch}) x steps_per_generation ({steps_per_generation}) = {local_batch} must be a "
            f"multiple of num_generations ({group_size})."
        )


@dataclass
class Rollout:
    """The per-row lists of one generation (TRL's `_generate` output the ladder rewrites), group after group."""

    prompts: list
    prompt_ids: list
    completion_ids: list
    completions: list
    logprobs: list | None

    def splice(self, groups: Sequence[int], new: "Rollout", group_size: int) -> None:
        """Replace the rows of `groups` by `new`'s rows (whole groups, in order), in place."""
        for name in ("prompts", "prompt_ids", "completion_ids", "completions", "logprobs"):
            if getattr(self, name) is not None:
                setattr(self, name, splice_groups(getattr(self, name), getattr(new, name), groups, group_size))

    def select_groups(self, picks: Sequence[int], group_size: int) -> "Rollout":
        """The rows of groups `picks` (indices into this rollout's groups), in that order."""
        rows = group_rows(picks, group_size)
        take = lambda values: None if values is None else [values[i] for i in rows]  # noqa: E731
        return Rollout(take(self.prompts), take(self.prompt_ids), take(self.completion_ids),
                       take(self.completions), take(self.logprobs))


def lowest_solved_rung(plan_rungs: Sequence[int], solved: Sequence[bool]) -> int:
    """Parallel ladder: among one group's plan entries (rungs ascending, each solved or not), the entry to keep:
    the lowest solved rung, else the top one. Returns an index into `plan_rungs`.

    >>> lowest_solved_rung([0, 1, 2], [False, True, True]), lowest_solved_rung([1, 2], [False, False])
    (1, 1)
    """
    return next((i for i, ok in enumerate(solved) if ok), len(plan_rungs) - 1)


@dataclass
class LadderRecord:
    """What one step's ladder did, for the `ghpo/...` metrics. Counts are local to this process."""

    num_groups: int
    ratios: list[float]
    hard_before: int = 0  # groups all-fail before any hint
    unhintable: int = 0  # hard groups without a solution to hint from
    hard_truncated: int = 0  # hard groups whose completions all hit the length limit
    prehinted: int = 0  # groups sampled with a remembered hint in the first generation (hint-first mode)
    memory_hits: int = 0  # hard groups whose problem the difficulty memory knew
    rungs_skipped: int = 0  # rungs not generated thanks to the memory
    hard_at_rung: list[int] = field(default_factory=list)  # groups generated at rung k
    solved_at_rung: list[int] = field(default_factory=list)  # groups that got a success at rung k (and kept it)
    hint_tokens: int = 0  # completion tokens generated in hinted rounds (dummy groups excluded)
    prehint_correct: float = 0.0  # completions correct before any hint (prehinted groups excluded)
    num_completions: int = 0  # completions generated without a hint
    rounds: int = 1  # generation calls this step (the first included); the same on every process
    speculative_rows: int = 0  # rows sampled speculatively at hinted rungs in the first call
    speculative_kept: int = 0  # of those, rows kept for training
    generated_rows: int = 0  # every row generated this step: first call, speculated and hinted rounds
    final_ratio_per_group: list[float] = field(default_factory=list)  # 0.0 for groups never hinted
    first_tokens: int = 0  # completion tokens of the first generation (the rows TRL asked for)
    flat_before: int = 0  # zero_variance_resampling: groups with all-equal rewards after the ladder
    resampled_groups: int = 0  # fresh groups generated to refill them (all rounds)
    resample_tokens: int = 0  # their completion tokens
    refilled: int = 0  # flat slots refilled with a group whose rewards differ
    unfilled: int = 0  # flat slots left after the last round
    solved_groups: set[int] = field(default_factory=set)  # groups the climb solved at some rung
    self_hints: bool = False  # hint_source self / dataset_then_self: log the ghpo/self_* metrics
    self_climbed: int = 0  # groups that climbed the ladder on hints cut from the model's own solution
    self_rescued: int = 0  # of those, groups solved at some rung
    self_hinted: int = 0  # groups whose kept rows carry a self-hint
    self_stored: int = 0  # problems in the store (the same on every process)

    def counts(self) -> dict[str, float]:
        """Additive counts, to be summed over processes before `metrics_from_counts`."""
        counts = {
            "groups": self.num_groups,
            "hard_before": self.hard_before,
            "unhintable": self.unhintable,
            "hard_truncated": self.hard_truncated,
            "prehinted": self.prehinted,
            "memory_hits": self.memory_hits,
            "rungs_skipped": self.rungs_skipped,
            "hint_tokens": self.hint_tokens,
            "prehint_correct": self.prehint_correct,
            "completions": self.num_completions,
            "speculative_rows": self.speculative_rows,
            "speculative_kept": self.speculative_kept,
            "generated_rows": self.generated_rows,
            "rounds": self.rounds,
            "processes": 1,  # summed: the number of processes, so that `rounds` (equal on all) can be averaged
            "hinted_groups": sum(1 for r in self.final_ratio_per_group if r > 0),
            "hint_ratio_sum": sum(self.final_ratio_per_group),
            "first_tokens": self.first_tokens,
            "flat_before": self.flat_before,
            "resampled_groups": self.resampled_groups,
            "resample_tokens": self.resample_tokens,
            "refilled": self.refilled,
            "unfilled": self.unfilled,
        }
        if self.self_hints:
            counts.update(self_climbed=self.self_climbed, self_rescued=self.self_rescued,
                          self_hinted=self.self_hinted, self_stored=self.self_stored)
        for rung in range(len(self.ratios)):
            counts[f"hard_at_rung_{rung}"] = self.hard_at_rung[rung] if rung < len(self.hard_at_rung) else 0
            counts[f"solved_at_rung_{rung}"] = self.solved_at_rung[rung] if rung < len(self.solved_at_rung) else 0
        return counts


def metrics_from_counts(counts: dict[str, float], ratios: Sequence[float]) -> dict[str, float]:
    """Global (summed) ladder counts -> `ghpo/...` metrics. Fractions are of all groups in the batch."""
    groups = max(counts["groups"], 1)
    hinted = counts["hinted_groups"]
    metrics = {
        "ghpo/prehint_accuracy": counts["prehint_correct"] / max(counts["completions"], 1),
        "ghpo/hard_frac": counts["hard_before"] / groups,
        "ghpo/hinted_frac": hinted / groups,
        "ghpo/mean_hint_ratio": counts["hint_ratio_sum"] / hinted if hinted else 0.0,
        "ghpo/unhintable_frac": counts["unhintable"] / groups,
        "ghpo/hard_truncated_frac": counts["hard_truncated"] / groups,
        "ghpo/prehinted_frac": counts["prehinted"] / groups,
        "ghpo/memory_hit_rate": counts["memory_hits"] / max(counts["hard_before"], 1),
        "ghpo/memory_rungs_skipped": counts["rungs_skipped"],
        "ghpo/hint_tokens": counts["hint_tokens"],
        # Speculated rows thrown away, as a share of all rows generated this step (0 outside speculative mode).
        "ghpo/speculative_waste": (counts["speculative_rows"] - counts["speculative_kept"])
        / max(counts["generated_rows"], 1),
        "ghpo/generation_rounds": counts["rounds"] / max(counts["processes"], 1),
        # Every completion token generated this step: first call, hinted rungs (speculated ones included), refills.
        "ghpo/generated_tokens": counts["first_tokens"] + counts["hint_tokens"] + counts["resample_tokens"],
        "ghpo/flat_frac": counts["flat_before"] / groups,
        "ghpo/resampled_groups": counts["resampled_groups"],
        "ghpo/resample_tokens": counts["resample_tokens"],
        "ghpo/resample_refilled_frac": counts["refilled"] / groups,
        "ghpo/resample_unfilled_frac": counts["unfilled"] / groups,
    }
    if "self_climbed" in counts:  # hint_source self / dataset_then_self
        metrics["ghpo/self_hinted_frac"] = counts["self_hinted"] / groups
        metrics["ghpo/self_hint_rescue_rate"] = counts["self_rescued"] / max(counts["self_climbed"], 1)
        # The store is the same on every process: the summed count over the number of processes.
        metrics["ghpo/self_solutions_stored"] = counts["self_stored"] / max(counts["processes"], 1)
    for rung, ratio in enumerate(ratios):
        metrics[f"ghpo/hard_frac_at_{ratio:g}"] = counts[f"hard_at_rung_{rung}"] / groups
        metrics[f"ghpo/solved_frac_at_{ratio:g}"] = counts[f"solved_at_rung_{rung}"] / groups
    if ratios:  # groups that climbed to the top rung and still failed there
        top = len(ratios) - 1
        metrics["ghpo/unsolved_after_ladder_frac"] = (counts[f"hard_at_rung_{top}"] - counts[f"solved_at_rung_{top}"]) / groups
    return metrics

"""Zero-variance resampling (DAPO's dynamic sampling), as a mixin of `GHPOTrainer`.

A group whose accuracy rewards are all equal — all fail or all pass — has zero advantage everywhere and teaches
nothing. With `zero_variance_resampling`, after the hint ladder has had its go (so hints rescue what they can
first, and only what they could not, plus the all-pass groups, is resampled), each such group's slot is refilled
with a fresh problem drawn from the train dataset and sampled bare; a fresh group is kept only if its rewards
differ. Up to `resample_max_rounds` rounds; slots still flat after the last one keep their group (zero advantage,
counted in `ghpo/resample_unfilled_frac`), so the batch always has its configured size.

Every process makes the same collective calls: the number of rounds is decided globally (`_global_max`), and a
process with fewer flat slots pads its generation call with dummy groups.

    >>> flat_group_mask(torch.tensor([0., 0., 1., 0., 1., 1.]), group_size=2)  # all fail, mixed, all pass
    tensor([ True, False,  True])
"""

from __future__ import annotations

import random

import torch

from .ladder import Rollout, grouped_rewards


def flat_group_mask(accuracy: torch.Tensor, group_size: int) -> torch.Tensor:
    """(N*G,) accuracy rewards -> (N,) bool: True where every completion of the group scored the same (NaN: 0)."""
    values = grouped_rewards(accuracy, group_size)  # (N, G)
    return (values == values[:, :1]).all(dim=1)


def replacement_rng(seed: int, step: int, process: int) -> random.Random:
    """The draws of one step's refills: reproducible from the run's seed (a resumed run draws the same), different
    on every process and step."""
    return random.Random(f"ghpo-resample-{seed}-{step}-{process}")


class ZeroVarianceResampling:
    """Mixin: needs GHPOTrainer's `_generate_prompts`, `_accuracy`, `_global_max` and `train_dataset`."""

    def _check_resampling_supported(self) -> None:
        if not hasattr(self.train_dataset, "__getitem__") or not hasattr(self.train_dataset, "__len__"):
            raise ValueError("zero_variance_resampling draws fresh problems by index: it needs a map-style "
                             "train_dataset (a datasets.Dataset), not an IterableDataset.")
        if self.tools or self.rollout_func is not None or self.environment_factories is not None:
            raise NotImplementedError("zero_variance_resampling does not support tools, rollout_func or environments")

    def _resample_flat_groups(self, rows: list, rollout: Rollout, record) -> list[int]:
        """Refill the slots of flat groups with fresh problems (rows and rollout changed in place). Returns the
        slots refilled. `rows` is TRL's own batch list, so TRL scores the fresh problems against their answers."""
        group_size = self.num_generations
        accuracy = self._accuracy(rows, rollout.prompts, rollout.completions, rollout.completion_ids)  # memoized
        flat = flat_group_mask(accuracy, group_size)  # (N,)
        record.flat_before = int(flat.sum())
        rng = replacement_rng(self.args.seed, self.state.global_step, self.accelerator.process_index)
        refilled = []
        for _ in range(self.args.resample_max_rounds):
            slots = flat.nonzero().flatten().tolist()
            (most_slots,) = self._global_max(len(slots))
            if most_slots == 0:
                break  # no process has a flat group left
            fresh = [self.train_dataset[rng.randrange(len(self.train_dataset))] for _ in slots]
            fresh_rows = [row for row in fresh for _ in range(group_size)]
            new, fresh_accuracy = self._generate_prompts([row["prompt"] for row in fresh_rows],
                                                         [""] * len(fresh_rows), fresh_rows, most_slots)
            record.rounds += 1
            record.generated_rows += len(new.completion_ids)
            record.resample_tokens += sum(len(ids) for ids in new.completion_ids)
            record.resampled_groups += len(slots)
            if not slots:
                continue  # this process only padded
            kept = (~flat_group_mask(fresh_accuracy, group_size)).nonzero().flatten().tolist()
            targets = [slots[k] for k in kept]
            rollout.splice(targets, new.select_groups(kept, group_size), group_size)
            for k, slot in zip(kept, targets, strict=True):
                rows[slot * group_size : (slot + 1) * group_size] = [fresh[k]] * group_size
            flat[torch.tensor(targets, dtype=torch.long)] = False
            refilled += targets
        record.refilled = len(refilled)
        record.unfilled = int(flat.sum())
        return refilled

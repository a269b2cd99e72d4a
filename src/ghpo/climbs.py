"""The three ways up the hint ladder (`ladder_mode`), as a mixin of `GHPOTrainer`.

Each climb takes the groups still failing after the first generation (`pending`, (N,) bool) and the rung each may
start at, generates hinted groups, splices the ones kept into the rollout in place and returns {group: rung kept}.

- `sequential` (the paper): one generation round per rung, for the groups still failing.
- `parallel`: one round holding every remaining rung of every failing group; each keeps its lowest solved rung.
- `speculative`: the hinted rungs were generated *inside the first generation call* (`_speculate`, called from
  `GHPOTrainer._generate_single_turn`), so nothing is generated here unless the difficulty memory left a failing
  group out of the speculation (then one parallel round, for those groups only).

Why the speculative ladder trains on the paper's exact signal: within a step the policy is fixed, so each rung's
G completions are independent draws whether they are sampled after the rung below failed or at the same time.
The sequential ladder keeps the completions of the lowest rung (bare first) at which any completion is correct,
else the top rung's; picking that same rung from samples drawn all at once gives the same distribution of kept
groups. Only the cost differs: one round instead of up to 1 + rungs, for (1 + rungs) x the rows.

Every process makes the same collective calls in the same order (`_global_max`, padded generation calls).
"""

from __future__ import annotations

import torch

from .ladder import Rollout, group_rows, hard_group_mask, lowest_solved_rung, pad_with_dummy_groups
from .memory import problem_key


def count_round(record, new: Rollout) -> None:
    """One hint-generation round of the ladder: its rows and completion tokens (the ladder's extra cost)."""
    record.rounds += 1
    record.generated_rows += len(new.completion_ids)
    record.hint_tokens += sum(len(ids) for ids in new.completion_ids)


class LadderClimbs:
    """Mixin: needs GHPOTrainer's `_generate_groups` helpers (`_hinted`, `_accuracy`, `_global_max`, ...)."""

    def _climb_sequential(self, rows, rollout, pending, start, ratios, record) -> dict[int, int]:
        """The paper's ladder: one generation round per rung, each for the groups still failing."""
        final_rung = {}
        for rung, ratio in enumerate(ratios):
            groups = [g for g in pending.nonzero().flatten().tolist() if start[g] <= rung]
            most_groups, any_pending = self._global_max(len(groups), int(pending.sum()))
            if any_pending == 0:
                break  # no process has a hard group left: no more generation anywhere
            if most_groups == 0:
                continue  # every pending group starts higher (difficulty memory)
            new, accuracy = self._generate_groups(rows, groups, [ratio] * len(groups), most_groups)
            count_round(record, new)
            rollout.splice(groups, new, self.num_generations)
            solved = ~hard_group_mask(accuracy, self.num_generations)  # (len(groups),)
            final_rung.update((group, rung) for group in groups)
            pending[torch.tensor(groups, dtype=torch.long)[solved]] = False
            record.solved_groups.update(group for group, ok in zip(groups, solved.tolist()) if ok)
            record.hard_at_rung[rung] += len(groups)
            record.solved_at_rung[rung] += int(solved.sum())
        return final_rung

    def _climb_parallel(self, rows, rollout, pending, start, ratios, record) -> dict[int, int]:
        """All rungs of all hard groups in one generation round; each group keeps its lowest solved rung."""
        groups = pending.nonzero().flatten().tolist()
        plan = [(group, rung) for group in groups for rung in range(start[group], len(ratios))]
        (most_entries,) = self._global_max(len(plan))
        if most_entries == 0:
            return {}
        new, accuracy = self._generate_groups(rows, [g for g, _ in plan], [ratios[r] for _, r in plan], most_entries)
        count_round(record, new)
        solved = (~hard_group_mask(accuracy, self.num_generations)).tolist()  # (len(plan),)
        for _, rung in plan:
            record.hard_at_rung[rung] += 1
        return self._keep_lowest_solved(rollout, new, plan, solved, groups, record)

    def _climb_speculative(self, rows, rollout, pending, start, ratios, record) -> dict[int, int]:
        """Pick each failing group's rung from the rows speculated in the first generation call."""
        plan, speculated = self._speculated if self._speculated is not None else ([], None)
        self._speculated = None
        group_size = self.num_generations
        record.speculative_rows += len(plan) * group_size
        record.generated_rows += len(plan) * group_size
        if speculated is not None:
            record.hint_tokens += sum(len(ids) for ids in speculated.completion_ids)
        failing = set(pending.nonzero().flatten().tolist())
        entries = [i for i, (group, _) in enumerate(plan) if group in failing]  # only these need scoring
        covered = sorted({plan[i][0] for i in entries})
        final_rung = {}
        if entries:
            scored = speculated.select_groups(entries, group_size)
            scored.completions = self._decode(scored.prompts, scored.completion_ids)
            group_rows_ = [rows[r] for r in group_rows([plan[i][0] for i in entries], group_size)]
            accuracy = self._accuracy(group_rows_, scored.prompts, scored.completions, scored.completion_ids)
            solved = (~hard_group_mask(accuracy, group_size)).tolist()  # (len(entries),)
            sub_plan = [plan[i] for i in entries]
            final_rung = self._keep_lowest_solved(rollout, scored, sub_plan, solved, covered, record)
            for group, kept in final_rung.items():  # count the rungs the paper's ladder would have generated
                for rung in range(start[group], kept + 1):
                    record.hard_at_rung[rung] += 1
            record.speculative_kept += len(covered) * group_size
        # Failing groups the memory did not speculate (problems not seen failing before): one parallel round.
        rest = pending.clone()
        rest[torch.tensor(covered, dtype=torch.long)] = False
        final_rung.update(self._climb_parallel(rows, rollout, rest, start, ratios, record))
        return final_rung

    def _keep_lowest_solved(self, rollout, new: Rollout, plan, solved, groups, record) -> dict[int, int]:
        """Splice, for each of `groups`, its lowest solved plan entry (else its top one) into `rollout`."""
        picks, final_rung = [], {}
        for group in groups:
            mine = [i for i, (g, _) in enumerate(plan) if g == group]
            pick = mine[lowest_solved_rung([plan[i][1] for i in mine], [solved[i] for i in mine])]
            picks.append(pick)
            final_rung[group] = plan[pick][1]
            record.solved_at_rung[plan[pick][1]] += solved[pick]
            if solved[pick]:
                record.solved_groups.add(group)
        rollout.splice(groups, new.select_groups(picks, self.num_generations), self.num_generations)
        return final_rung

    # --- speculation: hinted rungs inside the first generation call --------------------------------------------

    def _plan_speculation(self, prompts: list) -> list[tuple[int, int]]:
        """(group, rung) entries to sample with the first generation: every rung of every group with a solution,
        or, with the difficulty memory, the rungs from the remembered one up for problems it knows as hard."""
        ratios, group_size, plan = self._active_ratios(), self.num_generations, []
        for group in range(len(prompts) // group_size if ratios else 0):
            first_row = group * group_size
            if not self._solution(self._ladder_rows[first_row]):
                continue
            start = 0
            if self._memory is not None:
                key = problem_key(prompts[first_row])
                if not self._memory.knows(key):
                    continue
                start = self._memory.start_rung(key)
            plan += [(group, rung) for rung in range(start, len(ratios))]
        return plan

    def _speculate(self, plan, prompt_ids, images, generate):
        """One generation call for the first round's rows and the speculated hinted groups (padded to the global
        maximum with dummy groups); keeps the hinted part in `self._speculated` and returns the first round's
        (completion_ids, logprobs). `generate(prompt_ids)` is TRL's `_generate_single_turn`."""
        if images is not None and any(images):
            raise NotImplementedError("ladder_mode='speculative' supports text prompts only")
        group_size, originals, ratios = self.num_generations, self._original_prompts, self._active_ratios()
        hinted, openings = [], []
        for group, rung in plan:
            first_row = group * group_size
            prompt, opening = self._hinted(originals[first_row], self._solution(self._ladder_rows[first_row]),
                                           ratios[rung])
            hinted += [prompt] * group_size
            openings += [opening] * group_size
        (most_entries,) = self._global_max(len(plan))
        padded = pad_with_dummy_groups(hinted, len(plan), most_entries, originals[0], group_size)
        openings += [""] * (len(padded) - len(openings))
        extra_ids = self._tokenize_hinted(padded, openings)[0] if padded else []
        completion_ids, logprobs = generate(list(prompt_ids) + list(extra_ids))
        first, real = len(prompt_ids), len(hinted)
        self._speculated = (plan, Rollout(  # completions: decoded later, only for the groups that need them
            hinted, list(extra_ids[:real]), list(completion_ids[first : first + real]), None,
            list(logprobs[first : first + real]) if logprobs is not None else None))
        return completion_ids[:first], (logprobs[:first] if logprobs is not None else None)

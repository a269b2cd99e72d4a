"""`GHPOTrainer`: TRL's `GRPOTrainer` with the GHPO hint ladder wired into generation.

The only changes w.r.t. GRPOTrainer are:

1. `_generate_and_score_completions` keeps the batch's rows (they carry each problem's worked solution) for step 2.
2. `_generate` (which receives `_generate_and_score_completions`'s own `prompts` list) runs TRL's generation, scores the completions with the accuracy reward alone, and regenerates every
   all-fail group with a growing hint (`hint_ratios`, e.g. 25 % → 50 % → 75 % of the solution) until a completion is
   correct or the ladder ends. The hinted prompt ids, completions and sampling log-probs replace the group's rows in
   place (the prompts list too), so everything after generation — rewards, advantages, old / reference log-probs, importance sampling and the
   loss — runs, unmodified, on the sequences the model actually produced, conditioned on the prompt it actually saw.

Every process makes the same collective calls: the decision to climb another rung is global, and a process with
fewer hard groups generates whole dummy groups (discarded) so that generation backends that communicate (vLLM
server, DeepSpeed ZeRO-3) stay in step. When no process has a hard group, no extra generation happens at all.

The pure logic (hard-group detection, hint text, splicing) lives in `ghpo.ladder` and `ghpo.hints`.
"""

from __future__ import annotations

import inspect
import math

import torch
from torch import nn
from trl import GRPOTrainer
from trl.data_utils import is_conversational

from .config import GHPOConfig
from .hints import build_hinted_prompt, fit_hint, hint_prefix
from .ladder import (
    LadderRecord,
    check_whole_groups_per_process,
    group_rows,
    hard_group_mask,
    metrics_from_counts,
    pad_with_dummy_groups,
    splice_groups,
)
from .safety import RewardFailureCounts, guard_reward, truncated_group_mask

# `GRPOTrainer._generate` returns this tuple in TRL 1.16; we replace the fields marked *.
GENERATE_OUTPUT_FIELDS = (
    "prompt_ids*", "completion_ids*", "tool_mask", "completions*", "logprobs*", "extra_fields", "images", "tool_images",
)


class GHPOTrainer(GRPOTrainer):
    """GRPO whose all-fail groups are regenerated with hints from the worked solution (GHPO, arXiv 2507.10628).

    Takes the same arguments as `trl.GRPOTrainer`; `args` must be a `GHPOConfig`. The train dataset needs a
    `solution` column (`args.solution_column`) holding the worked solution that hints are cut from; rows whose
    solution is empty train as plain GRPO.
    """

    def __init__(self, model, reward_funcs, *args, **kwargs):
        # A reward that raises or returns NaN costs a reward of 0 (counted), never the run.
        self._reward_failures = RewardFailureCounts()
        funcs = reward_funcs if isinstance(reward_funcs, list) else [reward_funcs]
        reward_funcs = [
            guard_reward(f, self._reward_failures) if callable(f) and not isinstance(f, nn.Module)
            and not inspect.iscoroutinefunction(f) else f
            for f in funcs
        ]
        super().__init__(model, reward_funcs, *args, **kwargs)
        if not isinstance(self.args, GHPOConfig):
            raise TypeError(f"GHPOTrainer needs a GHPOConfig, got {type(self.args).__name__}")
        self._ladder_rows: list[dict] | None = None
        self._last_ladder_record: LadderRecord | None = None
        names = list(self.reward_func_names)
        # Plain GRPO still logs the pre-hint metrics (all-fail fraction, accuracy) when it has the accuracy reward.
        accuracy_name = self.args.accuracy_reward_name
        self._accuracy_index = names.index(accuracy_name) if accuracy_name in names else None
        if self.args.uses_hints:
            self._check_ladder_supported(names)

    def _check_ladder_supported(self, names: list[str]) -> None:
        if self._accuracy_index is None:
            raise ValueError(
                f"accuracy_reward_name={self.args.accuracy_reward_name!r} is not among the reward functions {names}. "
                "GHPO decides which groups are hard from that reward's raw value: add it to reward_funcs or set "
                "accuracy_reward_name to one of the names above."
            )
        accuracy_func = self.reward_funcs[self._accuracy_index]
        if isinstance(accuracy_func, nn.Module) or inspect.iscoroutinefunction(accuracy_func):
            raise ValueError("the accuracy reward that decides hard groups must be a plain (synchronous) function")
        if self.tools or self.rollout_func is not None or self.environment_factories is not None:
            raise NotImplementedError("the hint ladder does not support tools, rollout_func or environments yet")
        check_whole_groups_per_process(
            self.args.per_device_train_batch_size, self.args.steps_per_generation, self.num_generations
        )

    # --- the two seams ---------------------------------------------------------------------------------------

    def _generate_and_score_completions(self, inputs):
        self._ladder_rows = inputs  # the rows carry the solutions the ladder cuts hints from
        try:
            return super()._generate_and_score_completions(inputs)
        finally:
            self._ladder_rows = None

    def _generate(self, prompts: list):
        output = super()._generate(prompts)
        if len(output) != len(GENERATE_OUTPUT_FIELDS):
            raise RuntimeError(
                f"TRL's GRPOTrainer._generate returned {len(output)} values, GHPO expects {GENERATE_OUTPUT_FIELDS}: "
                "the TRL seam GHPO builds on has changed; pin trl==1.16.*"
            )
        if not (self.model.training and self._ladder_rows is not None and self._accuracy_index is not None):
            return output
        return self._run_hint_ladder(prompts, output)

    def _active_ratios(self) -> list[float]:
        # Identical on every process (same config, same global step), so all of them climb the same rungs or none.
        if self.args.uses_hints and self.state.global_step >= self.args.start_hint_step:
            return list(self.args.hint_ratios)
        return []

    # --- the ladder ------------------------------------------------------------------------------------------

    def _run_hint_ladder(self, prompts: list, output: tuple) -> tuple:
        prompt_ids, completion_ids, tool_mask, completions, logprobs, extra_fields, images, tool_images = output
        rows, group_size = self._ladder_rows, self.num_generations
        original_prompts = list(prompts)  # every rung hints the original question, never a hinted one
        num_groups = len(rows) // group_size
        ratios = self._active_ratios()
        record = LadderRecord(num_groups=num_groups, ratios=ratios, num_completions=len(rows))

        accuracy = self._accuracy(rows, prompts, completions, completion_ids)  # (N*G,)
        record.prehint_correct = float((accuracy > 0).sum())
        hard = hard_group_mask(accuracy, group_size)  # (N,)
        hintable = torch.tensor([bool(self._solution(rows[g * group_size])) for g in range(num_groups)])
        eos_and_pad = {*self.eos_token_ids, self._tokenizer.pad_token_id}
        is_truncated = torch.tensor([bool(ids) and ids[-1] not in eos_and_pad for ids in completion_ids])  # (N*G,)
        hard_truncated = hard & truncated_group_mask(is_truncated, group_size)  # (N,)
        record.hard_before = int(hard.sum())
        record.unhintable = int((hard & ~hintable).sum())
        record.hard_truncated = int(hard_truncated.sum())
        pending = hard & hintable  # (N,) groups still climbing the ladder
        if not self.args.hint_truncated_groups:
            pending &= ~hard_truncated
        final_ratio = [0.0] * num_groups

        for ratio in ratios:
            if self._global_max(int(pending.sum())) == 0:
                break  # no process has a hard group left: no more generation anywhere
            groups = pending.nonzero().flatten().tolist()
            rung = self._generate_rung(original_prompts, rows, groups, ratio)
            # In place: `prompts` is the caller's list, so TRL's rewards and completion logs see the hinted prompts.
            prompts[:] = splice_groups(prompts, rung["prompts"], groups, group_size)
            prompt_ids = splice_groups(prompt_ids, rung["prompt_ids"], groups, group_size)
            completion_ids = splice_groups(completion_ids, rung["completion_ids"], groups, group_size)
            completions = splice_groups(completions, rung["completions"], groups, group_size)
            if logprobs is not None:
                logprobs = splice_groups(logprobs, rung["logprobs"], groups, group_size)
            solved = ~hard_group_mask(rung["accuracy"], group_size)  # (len(groups),)
            for group in groups:
                final_ratio[group] = ratio
            pending[torch.tensor(groups, dtype=torch.long)[solved]] = False
            record.hard_at_rung.append(len(groups))
            record.solved_at_rung.append(int(solved.sum()))
            record.hint_tokens += sum(len(ids) for ids in rung["completion_ids"])

        record.final_ratio_per_group = final_ratio
        self._log_ladder(record)
        self._last_ladder_record = record
        return prompt_ids, completion_ids, tool_mask, completions, logprobs, extra_fields, images, tool_images

    def _generate_rung(self, prompts: list, rows: list[dict], groups: list[int], ratio: float) -> dict:
        """Regenerate `groups` with a hint at `ratio`, padded with dummy groups to the global maximum."""
        group_size = self.num_generations
        hinted = []
        for group in groups:
            first_row = group * group_size
            hinted += [self._hinted_prompt(prompts[first_row], self._solution(rows[first_row]), ratio)] * group_size
        target_groups = self._global_max(len(groups))
        padded = pad_with_dummy_groups(hinted, len(groups), target_groups, prompts[0], group_size)

        prompt_ids, images, multimodal_fields = self._tokenize_prompts(padded)
        completion_ids, logprobs = self._generate_single_turn(prompt_ids, images, multimodal_fields, group_size)
        real = len(hinted)  # dummy groups sit at the end: drop them
        prompt_ids, completion_ids = list(prompt_ids[:real]), list(completion_ids[:real])
        logprobs = list(logprobs[:real]) if logprobs is not None else None
        if not hinted:  # this process only padded, so that the others' round could run
            return {"prompts": [], "prompt_ids": [], "completion_ids": [], "logprobs": [] if logprobs is not None
                    else None, "completions": [], "accuracy": torch.zeros(0)}
        completions = self._decode(hinted, completion_ids)
        row_indices = group_rows(groups, group_size)
        accuracy = self._accuracy([rows[i] for i in row_indices], hinted, completions, completion_ids)
        return {
            "prompts": hinted,
            "prompt_ids": prompt_ids,
            "completion_ids": completion_ids,
            "logprobs": logprobs,
            "completions": completions,
            "accuracy": accuracy,
        }

    # --- helpers -------------------------------------------------------------------------------------------

    def _solution(self, row: dict) -> str:
        solution = row.get(self.args.solution_column)
        return solution if isinstance(solution, str) else ""

    def _hinted_prompt(self, prompt, solution: str, ratio: float):
        """The prompt with `ratio` of `solution` appended, the hint shortened to fit the token budgets."""
        lead_in, unit = self.args.hint_lead_in, self.args.hint_unit
        hint = hint_prefix(solution, ratio, unit)
        max_hint, max_prompt = self.args.hint_max_tokens, self.args.max_prompt_length
        if max_hint is None and max_prompt is None:
            return build_hinted_prompt(prompt, hint, lead_in)

        def fits(candidate: str) -> bool:
            if max_hint is not None and len(self._tokenizer(candidate, add_special_tokens=False)["input_ids"]) > max_hint:
                return False
            if max_prompt is not None:
                ids = self._tokenize_prompts([build_hinted_prompt(prompt, candidate, lead_in)])[0][0]
                return len(ids) <= max_prompt
            return True

        return build_hinted_prompt(prompt, fit_hint(hint, fits, unit), lead_in)

    def _decode(self, prompts: list, completion_ids: list) -> list:
        texts = self.processing_class.batch_decode(completion_ids, skip_special_tokens=True)
        if is_conversational({"prompt": prompts[0]}):
            return [[{"role": "assistant", "content": text}] for text in texts]
        return texts

    def _accuracy(self, rows: list[dict], prompts: list, completions: list, completion_ids: list) -> torch.Tensor:
        """(len(rows),) raw values of the accuracy reward; None becomes NaN (counted as a failure)."""
        keys = [key for key in rows[0] if key not in ("prompt", "completion", "completion_ids")]
        reward_kwargs = {key: [row[key] for row in rows] for key in keys}
        accuracy_func = self.reward_funcs[self._accuracy_index]
        values = accuracy_func(
            prompts=prompts,
            completions=completions,
            completion_ids=completion_ids,
            trainer_state=self.state,
            log_extra=lambda *args, **kw: None,  # scored again by TRL after the ladder; log only then
            log_metric=lambda *args, **kw: None,
            **reward_kwargs,
        )
        return torch.tensor([math.nan if v is None else float(v) for v in values])

    def _global_max(self, value: int) -> int:
        """Max of `value` over processes (a collective: every process must call it, in the same order)."""
        gathered = self.accelerator.gather(torch.tensor([value], device=self.accelerator.device))
        return int(gathered.max())

    def _log_ladder(self, record: LadderRecord) -> None:
        counts = record.counts()
        local = torch.tensor(list(counts.values()), dtype=torch.float64, device=self.accelerator.device)
        total = self.accelerator.gather(local.unsqueeze(0)).sum(dim=0)  # (num_counts,)
        summed = dict(zip(counts, total.tolist(), strict=True))
        metrics = metrics_from_counts(summed, record.ratios)
        failures = self._reward_failures.take()  # since the last step (TRL's scoring runs after this ladder)
        failure_totals = self.accelerator.gather(torch.tensor([list(failures.values())], dtype=torch.float64,
                                                              device=self.accelerator.device)).sum(dim=0)
        metrics.update(zip(failures, failure_totals.tolist(), strict=True))
        for name, value in metrics.items():
            self._metrics["train"][name].append(value)

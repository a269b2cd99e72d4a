"""`GHPOTrainer`: TRL's `GRPOTrainer` with the GHPO hint ladder wired into generation.

The only changes w.r.t. GRPOTrainer are:

1. `_generate_and_score_completions` keeps the batch's rows (they carry each problem's worked solution).
2. `_generate` (it receives `_generate_and_score_completions`'s own `prompts` list) runs TRL's generation, scores
   the completions with the accuracy reward alone, and regenerates every all-fail group with a growing hint
   (`hint_ratios`, e.g. 25 % -> 50 % -> 75 % of the solution) until a completion is correct or the ladder ends.
   The hinted prompts, prompt ids, completions and sampling log-probs replace the group's rows in place, so
   everything after generation — rewards, advantages, old / reference log-probs, importance sampling and the loss —
   runs, unmodified, on the sequences the model actually produced, conditioned on the prompt it actually saw.
3. `_generate_single_turn`, with `ladder_mode="speculative"` only: the first generation call also samples the
   hinted rungs (see `ghpo.climbs`); TRL's own code sees only the first round's rows.
4. Reward functions are wrapped so that one that raises or returns NaN costs a reward of 0 (counted), not the run.
5. With vLLM on a CPU (colocated engine, or a server-mode trainer without CUDA), TRL builds `ghpo.vllm_cpu`'s
   `VLLMGeneration`, which syncs weights through vLLM's `reload_weights`: TRL's own sync cannot work there.

6. The paper's baselines, off by default: `curriculum_column` orders TRL's sampler by difficulty (GRPO-CL,
   `ghpo.curriculum`, the one `_get_train_sampler` override); `fixed_hint_ratio` hints every prompt alike with no
   ladder (GRPO-CL-H).

7. Variants beyond the paper, off by default: `zero_variance_resampling` refills flat groups with fresh problems
   after the ladder (`ghpo.resample`); `hint_placement="response"` puts the hint's tokens at the start of the
   answer instead of after the question; `hint_imitation_coef` adds the NLL of solved hints after the bare
   question to the loss (`ghpo.imitation`, the one `compute_loss` override); `hint_source` self or
   dataset_then_self cuts hints from the model's own earlier bare successes (`ghpo.self_hints`).

Options make the ladder cheaper (`ladder_mode="parallel"` or `"speculative"`, `difficulty_memory`,
`hint_first_generation`); the paper's sequential ladder is the default. Every process makes the same collective calls: the decision to climb
another rung is global, and a process with fewer hard groups generates whole dummy groups (discarded) so that
generation backends that communicate (vLLM server, DeepSpeed ZeRO-3) stay in step. When no process has a hard
group, no extra generation happens at all.

The pure logic (hard-group detection, hint text, splicing, memory) lives in `ladder`, `hints` and `memory`; the
three ways up the ladder in `climbs`.
"""

from __future__ import annotations

import gc
import inspect
import json
import math
from pathlib import Path

import torch
from accelerate.utils import gather_object
from torch import nn
from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR
from trl import GRPOTrainer
from trl.data_utils import is_conversational

from .climbs import LadderClimbs
from .config import GHPOConfig
from .curriculum import CurriculumSampling
from .engines import join_deepspeed_comm
from .hints import build_hinted_prompt, fit_hint, hint_prefix
from .ladder import (
    LadderRecord,
    Rollout,
    check_whole_groups_per_process,
    group_rows,
    hard_group_mask,
    metrics_from_counts,
    pad_with_dummy_groups,
)
from .imitation import HintImitation
from .memory import DifficultyMemory, problem_key
from .resample import ZeroVarianceResampling
from .self_hints import SelfHints
from .safety import RewardFailureCounts, RewardMemo, guard_reward, truncated_group_mask
from .vllm_cpu import cpu_vllm_generation, shut_down_colocated_engine

MEMORY_FILE = "ghpo_difficulty_memory.json"
# `GRPOTrainer._generate` returns this tuple in TRL 1.16; we replace the fields marked *.
GENERATE_OUTPUT_FIELDS = (
    "prompt_ids*", "completion_ids*", "tool_mask", "completions*", "logprobs*", "extra_fields", "images", "tool_images",
)


class GHPOTrainer(LadderClimbs, SelfHints, ZeroVarianceResampling, HintImitation, CurriculumSampling, GRPOTrainer):
    """GRPO whose all-fail groups are regenerated with hints from the worked solution (GHPO, arXiv 2507.10628).

    Takes the same arguments as `trl.GRPOTrainer`; `args` must be a `GHPOConfig`. The train dataset needs a
    `solution` column (`args.solution_column`) holding the worked solution that hints are cut from; rows whose
    solution is empty train as plain GRPO, or, with `hint_source` self / dataset_then_self, take their hints from
    the model's own earlier solution (`ghpo.self_hints`).
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
        # vLLM on a CPU box: TRL's weight sync cannot work there, so TRL builds ghpo.vllm_cpu's adapter instead.
        config = kwargs.get("args", args[0] if args else None)
        join_deepspeed_comm(config)  # a CPU DeepSpeed launch: ZeRO-3's zero.Init must see every process
        with cpu_vllm_generation(config):
            super().__init__(model, reward_funcs, *args, **kwargs)
        if not isinstance(self.args, GHPOConfig):
            raise TypeError(f"GHPOTrainer needs a GHPOConfig, got {type(self.args).__name__}")
        self._ladder_rows: list[dict] | None = None
        self._last_ladder_record: LadderRecord | None = None
        self._original_prompts: list = []
        self._prehinted: dict[int, int] = {}
        self._fixed_hinted: set[int] = set()  # groups sampled with fixed_hint_ratio's hint (GRPO-CL-H)
        self._speculation: list | None = None  # plan for the next first-round call (speculative mode)
        self._speculated: tuple | None = None  # (plan, Rollout) of the rows it generated
        self._memory = DifficultyMemory(self.args.difficulty_memory_size) if self.args.difficulty_memory else None
        self._init_self_hints()
        names = list(self.reward_func_names)
        # Plain GRPO still logs the pre-hint metrics (all-fail fraction, accuracy) when it has the accuracy reward.
        accuracy_name = self.args.accuracy_reward_name
        self._accuracy_index = names.index(accuracy_name) if accuracy_name in names else None
        if self.args.uses_hints or self.args.zero_variance_resampling:
            self._check_ladder_supported(names)
        if (self.args.uses_hints or self.args.fixed_hint_ratio is not None) and self.args.hint_source == "dataset":
            self._check_solution_column()
        if self.args.zero_variance_resampling:
            self._check_resampling_supported()
        if self.args.hint_imitation_coef > 0:
            self._check_imitation_supported()
        self._accuracy_memo = RewardMemo()
        if self._accuracy_index is not None:  # scored by the ladder, then reused by TRL's scoring of the final rows
            index = self._accuracy_index
            if callable(self.reward_funcs[index]) and not isinstance(self.reward_funcs[index], nn.Module):
                self.reward_funcs[index] = self._accuracy_memo.wrap(self.reward_funcs[index])

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

    def _check_solution_column(self) -> None:
        """A hint column the dataset lacks would turn every hint off without a word: refuse it."""
        columns = getattr(self.train_dataset, "column_names", None)  # None: an iterable dataset, unknown up front
        if columns is not None and self.args.solution_column not in columns:
            raise ValueError(f"solution_column={self.args.solution_column!r} is not a column of the train dataset "
                             f"{columns}: no row could be hinted. Name the column that holds the worked solutions.")

    # --- the two seams ---------------------------------------------------------------------------------------

    def _generate_and_score_completions(self, inputs):
        self._ladder_rows = inputs  # the rows carry the solutions the ladder cuts hints from
        try:
            return self._attach_imitation(super()._generate_and_score_completions(inputs))
        finally:
            self._ladder_rows = None

    def _generate(self, prompts: list):
        ladder_on = self.model.training and self._ladder_rows is not None and self._accuracy_index is not None
        self._accuracy_memo.clear()
        # The originals, before hint-first mode swaps remembered hints into the first generation.
        self._original_prompts = list(prompts)
        self._prehinted = self._apply_remembered_hints(prompts) if ladder_on else {}
        self._fixed_hinted = self._apply_fixed_hint(prompts) if ladder_on else set()
        speculative = ladder_on and self.args.ladder_mode == "speculative"
        self._speculation = self._plan_speculation(prompts) if speculative else None
        output = super()._generate(prompts)
        if len(output) != len(GENERATE_OUTPUT_FIELDS):
            raise RuntimeError(
                f"TRL's GRPOTrainer._generate returned {len(output)} values, GHPO expects {GENERATE_OUTPUT_FIELDS}: "
                "the TRL seam GHPO builds on has changed; pin trl==1.16.*"
            )
        if not ladder_on:
            return output
        return self._run_hint_ladder(prompts, output)

    def _generate_single_turn(self, prompt_ids, images, multimodal_fields, num_generations, has_tool_images=False):
        generate = lambda ids: super(GHPOTrainer, self)._generate_single_turn(  # noqa: E731
            ids, images, multimodal_fields, num_generations, has_tool_images)
        plan, self._speculation = self._speculation, None  # the first call of a step only
        if plan is None:
            return generate(prompt_ids)
        return self._speculate(plan, prompt_ids, images, generate)

    def _active_ratios(self) -> list[float]:
        # Identical on every process (same config, same global step), so all of them climb the same rungs or none.
        if self.args.uses_hints and self.state.global_step >= self.args.start_hint_step:
            return list(self.args.hint_ratios)
        return []

    # --- the ladder ------------------------------------------------------------------------------------------

    def _run_hint_ladder(self, prompts: list, output: tuple) -> tuple:
        prompt_ids, completion_ids, tool_mask, completions, logprobs, extra_fields, images, tool_images = output
        rows, group_size = self._ladder_rows, self.num_generations
        num_groups, ratios = len(rows) // group_size, self._active_ratios()
        # In place: `prompts` is the caller's list, so TRL's rewards and completion logs see the hinted prompts.
        rollout = Rollout(prompts, list(prompt_ids), list(completion_ids), completions, logprobs)
        hinted_first = set(self._prehinted) | self._fixed_hinted  # groups whose first generation had a hint
        record = LadderRecord(num_groups=num_groups, ratios=ratios, hard_at_rung=[0] * len(ratios),
                              solved_at_rung=[0] * len(ratios), prehinted=len(hinted_first),
                              generated_rows=len(rows), first_tokens=sum(len(ids) for ids in completion_ids))

        accuracy = self._accuracy(rows, prompts, completions, completion_ids)  # (N*G,)
        hard = hard_group_mask(accuracy, group_size)  # (N,)
        unhinted_rows = [i for i in range(len(rows)) if i // group_size not in hinted_first]
        record.prehint_correct = float((accuracy[unhinted_rows] > 0).sum())
        record.num_completions = len(unhinted_rows)
        self._remember_own_solutions(self._original_prompts, completions, accuracy,
                                     [g for g in range(num_groups) if g not in hinted_first])
        pending, start = self._ladder_start(rows, completion_ids, hard, hinted_first, record)
        self_hinted = self._self_hinted_groups(rows, pending.nonzero().flatten().tolist())  # before climbing
        final_rung = dict(self._prehinted)  # group -> index of the rung whose completions it keeps
        climb = {"sequential": self._climb_sequential, "parallel": self._climb_parallel,
                 "speculative": self._climb_speculative}[self.args.ladder_mode]
        final_rung.update(climb(rows, rollout, pending, start, ratios, record))
        self._count_self_hints(record, rows, self_hinted, final_rung)
        self._update_memory(hard, final_rung, num_groups)  # what each original problem needed
        if self.args.zero_variance_resampling:  # after the ladder: hints rescue what they can, refills the rest
            for group in self._resample_flat_groups(rows, rollout, record):
                final_rung.pop(group, None)  # a fresh problem, sampled bare
        if self.args.hint_imitation_coef > 0:
            self._imitation_targets(rows, rollout, final_rung, ratios)

        prompts[:] = rollout.prompts  # the caller's list object, now holding each row's final (hinted) prompt
        fixed = self.args.fixed_hint_ratio
        record.final_ratio_per_group = [ratios[final_rung[g]] if g in final_rung else fixed if g in self._fixed_hinted
                                        else 0.0 for g in range(num_groups)]
        self._log_ladder(record)
        self._last_ladder_record = record
        return (rollout.prompt_ids, rollout.completion_ids, tool_mask, rollout.completions, rollout.logprobs,
                extra_fields, images, tool_images)

    def _ladder_start(self, rows, completion_ids, hard, hinted_first: set[int],
                      record) -> tuple[torch.Tensor, list[int]]:
        """(N,) groups that climb the ladder, and the rung each starts at (memory, or one above its first hint)."""
        group_size, num_groups = self.num_generations, len(rows) // self.num_generations
        hintable = torch.tensor([bool(self._solution(rows[g * group_size])) for g in range(num_groups)])
        eos_and_pad = {*self.eos_token_ids, self._tokenizer.pad_token_id}
        is_truncated = torch.tensor([bool(ids) and ids[-1] not in eos_and_pad for ids in completion_ids])  # (N*G,)
        hard_truncated = hard & truncated_group_mask(is_truncated, group_size)  # (N,)
        unhinted = torch.tensor([g not in hinted_first for g in range(num_groups)])
        record.hard_before = int((hard & unhinted).sum())
        record.unhintable = int((hard & ~hintable).sum())
        record.hard_truncated = int(hard_truncated.sum())
        pending = hard & hintable  # (N,)
        if not self.args.hint_truncated_groups:
            pending &= ~hard_truncated
        start = [0] * num_groups
        for group in range(num_groups):
            if group in self._prehinted:  # already sampled with a hint: climb from the next rung up
                start[group] = self._prehinted[group] + 1
            elif self._memory is not None and hard[group]:
                key = problem_key(self._original_prompts[group * group_size])
                record.memory_hits += self._memory.knows(key)
                start[group] = self._memory.start_rung(key)
        top = len(self.args.hint_ratios)
        pending &= torch.tensor([rung < top for rung in start])
        record.rungs_skipped = sum(start[g] for g in range(num_groups) if pending[g] and g not in self._prehinted)
        return pending, start

    def _generate_groups(self, rows, groups: list[int], ratios: list[float], target_groups: int):
        """Generate `groups[k]` with a hint at `ratios[k]`, padded with dummy groups to `target_groups` (the global
        maximum, so every process makes the same generation call). Returns (Rollout, accuracy (len*G,))."""
        group_size, originals = self.num_generations, self._original_prompts
        hinted, openings = [], []
        for group, ratio in zip(groups, ratios, strict=True):
            first_row = group * group_size
            prompt, opening = self._hinted(originals[first_row], self._solution(rows[first_row]), ratio)
            hinted += [prompt] * group_size
            openings += [opening] * group_size
        return self._generate_prompts(hinted, openings, [rows[i] for i in group_rows(groups, group_size)],
                                      target_groups)

    def _generate_prompts(self, prompts: list, openings: list[str], prompt_rows: list[dict], target_groups: int):
        """One generation call for whole groups of `prompts` (their rows score them), each completion continuing
        its `openings` entry ('' for none), padded with dummy groups to `target_groups`. Returns (Rollout, accuracy)."""
        group_size = self.num_generations
        num_groups = len(prompts) // group_size
        padded = pad_with_dummy_groups(prompts, num_groups, target_groups, self._original_prompts[0], group_size)
        padded_openings = openings + [""] * (len(padded) - len(openings))
        prompt_ids, images, multimodal_fields = self._tokenize_hinted(padded, padded_openings)
        completion_ids, logprobs = self._generate_single_turn(prompt_ids, images, multimodal_fields, group_size)
        real = len(prompts)  # dummy groups sit at the end: drop them
        new = Rollout(list(prompts), list(prompt_ids[:real]), list(completion_ids[:real]), [],
                      list(logprobs[:real]) if logprobs is not None else None)
        if not prompts:  # this process only padded, so that the others' round could run
            return new, torch.zeros(0)
        new.completions = self._decode(prompts, new.completion_ids)
        return new, self._accuracy(prompt_rows, prompts, new.completions, new.completion_ids)

    # --- difficulty memory -------------------------------------------------------------------------------------

    def _apply_remembered_hints(self, prompts: list) -> dict[int, int]:
        """Hint-first mode: groups of problems known to need a hint are sampled with it in the first generation
        (no wasted no-hint round), except every `hint_retest_every`-th visit, which tests whether it still does.
        Returns {group: rung used}."""
        ratios = self._active_ratios()
        if not (self.args.hint_first_generation and self._memory is not None and ratios):
            return {}
        prehinted, group_size = {}, self.num_generations
        for group in range(len(prompts) // group_size):
            first_row = group * group_size
            key = problem_key(prompts[first_row])
            solution = self._solution(self._ladder_rows[first_row])
            if not solution or not self._memory.knows(key):
                continue
            if self._memory.visit(key) % self.args.hint_retest_every == 0:
                continue  # a no-hint visit: lets hints fade once the model no longer needs them
            rung = self._memory.start_rung(key)
            self._hint_group_in_place(prompts, group, solution, ratios[rung])
            prehinted[group] = rung
        return prehinted

    def _apply_fixed_hint(self, prompts: list) -> set[int]:
        """fixed_hint_ratio (GRPO-CL-H): every group with a solution is sampled with that hint, in place.
        Returns the groups hinted."""
        ratio = self.args.fixed_hint_ratio
        if ratio is None:
            return set()
        hinted, group_size = set(), self.num_generations
        for group in range(len(prompts) // group_size):
            solution = self._solution(self._ladder_rows[group * group_size])
            if solution:
                self._hint_group_in_place(prompts, group, solution, ratio)
                hinted.add(group)
        return hinted

    def _hint_group_in_place(self, prompts: list, group: int, solution: str, ratio: float) -> None:
        """Replace `group`'s G prompts by the question with a `ratio` hint (placement 'prompt': the config refuses
        'response' for hints given in the first generation, whose prompts TRL tokenizes)."""
        first_row, group_size = group * self.num_generations, self.num_generations
        hinted, _ = self._hinted(prompts[first_row], solution, ratio)
        prompts[first_row : first_row + group_size] = [hinted] * group_size

    def _update_memory(self, hard: torch.Tensor, final_rung: dict[int, int], num_groups: int) -> None:
        """Remember where each problem's ladder stopped (forget problems solved without a hint), merged over all
        processes so that every process holds the same memory."""
        if self._memory is None:
            return
        updates = []
        for group in range(num_groups):
            key = problem_key(self._original_prompts[group * self.num_generations])
            if group in final_rung:
                updates.append((key, final_rung[group]))
            elif not hard[group]:
                updates.append((key, None))
        for key, rung in (item for part in gather_object([updates]) for item in part):
            self._memory.record(key, rung)

    # --- the end of a run --------------------------------------------------------------------------------------

    def close(self) -> None:
        """End the run: wait for every process, stop trackers, tear the process group down. Call it last (the
        trainer cannot train afterwards); `ghpo train` does.

        Why not just `accelerator.end_training()`: after it, DDP's Reducer holds the last reference to the gloo
        process group, and a Reducer frees it *holding the GIL*; the group's destructor then joins gloo's worker
        threads, one of which may still be freeing the tensors of the last collective and needs the GIL: both wait
        for ever (measured: 2 of 6 two-rank CPU runs on a loaded machine hung after training, 0 of 54 with this;
        torch issue #56297).
        So a Python reference to the group is kept while the DDP wrapper is freed, and dropped last: the group's
        own Python binding releases the GIL in its destructor.
        """
        distributed = torch.distributed.is_available() and torch.distributed.is_initialized()
        world = torch.distributed.group.WORLD if distributed else None
        self.accelerator.wait_for_everyone()
        if self.use_vllm and self.vllm_mode == "colocate":  # stop it while its process groups still exist
            shut_down_colocated_engine(self.vllm_generation)
        if self.is_deepspeed_enabled:  # DeepSpeed's engine.destroy() needs the process group: free it first
            self.accelerator.free_memory()
        self.accelerator.end_training()
        self.model_wrapped = self.model  # the DDP wrapper, and its Reducer, go...
        self.accelerator.free_memory()  # ...with the accelerator's own references to it
        gc.collect()
        del world  # the group's last reference: destroyed here, GIL released

    # --- checkpoints: the difficulty memory and the model's own solutions travel with them ------------------------------------------------

    def _save_checkpoint(self, model, trial):
        super()._save_checkpoint(model, trial)
        if not self.args.should_save:
            return
        folder = Path(self._get_output_dir(trial)) / f"{PREFIX_CHECKPOINT_DIR}-{self.state.global_step}"
        if self._memory is not None:
            (folder / MEMORY_FILE).write_text(json.dumps(self._memory.state_dict()))
        self._save_self_solutions(folder)

    def _load_optimizer_and_scheduler(self, checkpoint):
        super()._load_optimizer_and_scheduler(checkpoint)
        if self._memory is not None and checkpoint and (Path(checkpoint) / MEMORY_FILE).is_file():
            self._memory.load_state_dict(json.loads((Path(checkpoint) / MEMORY_FILE).read_text()))
        self._load_self_solutions(checkpoint)

    # --- helpers -------------------------------------------------------------------------------------------

    def _hinted(self, prompt, solution: str, ratio: float) -> tuple:
        """(prompt, opening) for a hint of `ratio` of `solution`, shortened to fit the token budgets. Placement
        'prompt': the hint follows the question after the lead-in, opening ''. 'response': the prompt stays the
        question and the hint is the opening of the answer, which the model continues (see `_tokenize_hinted`)."""
        return self._place_hint(prompt, self._hint_text(prompt, solution, ratio))

    def _place_hint(self, prompt, hint: str) -> tuple:
        if self.args.hint_placement == "response":
            return prompt, hint
        return build_hinted_prompt(prompt, hint, self.args.hint_lead_in), ""

    def _hint_text(self, prompt, solution: str, ratio: float) -> str:
        """The hint shown for `prompt`: `ratio` of `solution`, shortened to fit the token budgets."""
        unit = self.args.hint_unit
        hint = hint_prefix(solution, ratio, unit)
        max_hint, max_prompt = self.args.hint_max_tokens, self.args.max_prompt_length
        if max_hint is None and max_prompt is None:
            return hint

        def fits(candidate: str) -> bool:
            if max_hint is not None and len(self._tokenizer(candidate, add_special_tokens=False)["input_ids"]) > max_hint:
                return False
            if max_prompt is not None:
                placed, opening = self._place_hint(prompt, candidate)
                return len(self._tokenize_hinted([placed], [opening])[0][0]) <= max_prompt
            return True

        return fit_hint(hint, fits, unit)

    def _tokenize_hinted(self, prompts: list, openings: list[str]) -> tuple:
        """TRL's `_tokenize_prompts`, each row's `openings` entry appended as tokens after the generation prompt:
        the start of the assistant's answer, which generation continues and the loss never covers (TRL masks the
        whole prompt)."""
        prompt_ids, images, multimodal_fields = self._tokenize_prompts(prompts)
        if any(openings):
            encoded = {text: self._tokenizer(text, add_special_tokens=False)["input_ids"]
                       for text in set(openings) if text}  # a group's G rows share one opening
            prompt_ids = [list(ids) + encoded.get(opening, [])
                          for ids, opening in zip(prompt_ids, openings, strict=True)]
        return prompt_ids, images, multimodal_fields

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

    def _global_max(self, *values: int) -> tuple[int, ...]:
        """Max of each value over processes (a collective: every process must call it, in the same order)."""
        local = torch.tensor([list(values)], device=self.accelerator.device)  # (1, V)
        return tuple(int(v) for v in self.accelerator.gather(local).max(dim=0).values)

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

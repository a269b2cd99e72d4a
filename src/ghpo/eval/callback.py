"""Benchmark accuracy during training: every N steps, a small no-hint eval logged as `eval/...`.

    from ghpo.eval.callback import add_benchmark_eval
    add_benchmark_eval(trainer, ["math500", "amc23"], every_n_steps=50, data_dir="../shared/data/bench",
                       limit=50, max_new_tokens=1024)

logs, at steps 50, 100, ...: `eval/math500/accuracy`, `eval/amc23/accuracy`, `eval/mean_accuracy`,
`eval/mean_completion_tokens`, `eval/truncated`, `eval/seconds`. The questions are asked exactly as
`ghpo eval` asks them (same prompt rendering, system prompt, checker), greedy by default, so the
curve is the benchmark number, never a hinted training reward.

The eval runs on the main process with the unwrapped model (single process or DDP; under
ZeRO-3/FSDP the parameters are sharded and this callback refuses to start). Other processes
simply wait at the next synchronisation.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
from transformers import Trainer, TrainerCallback

from ghpo.checker import AnswerChecker
from ghpo.data import PAPER_SYSTEM_PROMPT

from .benchmarks import Problem, load_benchmark, parse_benchmark_names
from .generation import Sampling, TransformersBackend
from .protocol import Protocol
from .runner import evaluate_problems, render_prompts


def eval_metrics(problems_by_benchmark: dict[str, list[Problem]], scores_by_benchmark: dict[str, list[list[float]]],
                 tokens: list[int], finished: list[bool]) -> dict[str, float]:
    """The `eval/...` numbers of one in-training eval.

    >>> metrics = eval_metrics({"a": [], "b": []}, {"a": [[1.0], [0.0]], "b": [[1.0]]}, [10, 20, 30],
    ...                        [True, True, False])
    >>> metrics["eval/a/accuracy"], metrics["eval/mean_accuracy"], metrics["eval/mean_completion_tokens"]
    (0.5, 0.75, 20.0)
    """
    metrics = {f"eval/{name}/accuracy": float(np.mean([np.mean(s) for s in scores]))
               for name, scores in scores_by_benchmark.items()}
    metrics["eval/mean_accuracy"] = float(np.mean(list(metrics.values())))
    metrics["eval/mean_completion_tokens"] = float(np.mean(tokens))
    metrics["eval/truncated"] = float(np.mean([not f for f in finished]))
    return metrics


class BenchmarkEvalCallback(TrainerCallback):
    """Runs the eval at every `every_n_steps`-th optimizer step (and at step 0 if `at_start`)."""

    def __init__(self, trainer: Trainer, problems: dict[str, list[Problem]], every_n_steps: int,
                 protocol: Protocol, at_start: bool = False, checker_timeout_s: float = 5.0):
        if every_n_steps < 1:
            raise ValueError(f"every_n_steps must be >= 1, got {every_n_steps}")
        self.trainer, self.problems, self.every_n_steps = trainer, problems, every_n_steps
        self.protocol, self.at_start = protocol, at_start
        self.checker = AnswerChecker(timeout_s=checker_timeout_s, num_workers=1)
        self.history: list[dict[str, float]] = []  # every logged set of metrics, with its step

    def on_train_begin(self, args, state, control, **kwargs):
        if self.trainer.is_deepspeed_enabled and self.trainer.accelerator.state.deepspeed_plugin.zero_stage == 3 \
                or self.trainer.is_fsdp_enabled:
            raise ValueError("in-training benchmark eval needs whole parameters on the main process: not available "
                             "with ZeRO-3 or FSDP; evaluate saved checkpoints with `ghpo eval` instead")
        if self.at_start and state.global_step == 0:
            self.evaluate(state.global_step)

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step % self.every_n_steps == 0:
            self.evaluate(state.global_step)

    def on_train_end(self, args, state, control, **kwargs):
        self.checker.close()

    def evaluate(self, step: int) -> dict[str, float] | None:
        """Generate, score and log; returns the metrics (None on processes other than the main one)."""
        if not self.trainer.accelerator.is_main_process:
            return None
        started = time.perf_counter()
        model = self.trainer.accelerator.unwrap_model(self.trainer.model)
        tokenizer = self.trainer.processing_class
        backend = TransformersBackend(model, tokenizer, self.protocol.batch_size, progress=False)
        sampling = Sampling.from_protocol(self.protocol)
        scores, tokens, finished = {}, [], []
        for name, problems in self.problems.items():
            prompts = render_prompts(problems, tokenizer, self.protocol)
            generations, scores[name], _ = evaluate_problems(problems, prompts, backend,
                                                             self.protocol.samples_for(name), sampling, self.checker,
                                                             self.protocol.answer_extraction)
            tokens += [g.num_tokens for samples in generations for g in samples]
            finished += [g.finished for samples in generations for g in samples]
        metrics = eval_metrics(self.problems, scores, tokens, finished)
        metrics["eval/seconds"] = time.perf_counter() - started
        self._log(metrics)
        self.history.append({"step": step, **metrics})
        return metrics


    def _log(self, metrics: dict[str, float]) -> None:
        """Log through every reporting callback without disturbing the step's own logging.

        The base `Trainer.log`, not GRPOTrainer's: that one would flush its running training
        metrics into this row. And `on_log` clears `control.should_log`, which the flow callback
        has just set for the training metrics of this step: the flags are put back afterwards.
        """
        control = self.trainer.control
        flags = dataclasses.asdict(control)
        Trainer.log(self.trainer, dict(metrics))
        for name, value in flags.items():
            setattr(control, name, value)


def add_benchmark_eval(trainer: Trainer, benchmarks: list[str] | str, every_n_steps: int, data_dir=None,
                       limit: int | None = 50, max_new_tokens: int = 1024, protocol: Protocol | None = None,
                       at_start: bool = False, system_prompt: str | None = PAPER_SYSTEM_PROMPT
                       ) -> BenchmarkEvalCallback:
    """Load the benchmarks once and attach a `BenchmarkEvalCallback` to `trainer`; returns it.

    Without `protocol`: greedy, one sample per problem, `max_new_tokens`, `system_prompt` (pass
    the training prompt's, so the model is asked as it was trained).
    """
    names = parse_benchmark_names(benchmarks if isinstance(benchmarks, str) else ",".join(benchmarks))
    problems = {name: load_benchmark(name, data_dir, limit=limit) for name in names}
    protocol = protocol or Protocol(name="in-training", system_prompt=system_prompt, max_new_tokens=max_new_tokens,
                                    batch_size=trainer.args.per_device_eval_batch_size)
    callback = BenchmarkEvalCallback(trainer, problems, every_n_steps, protocol, at_start)
    trainer.add_callback(callback)
    return callback

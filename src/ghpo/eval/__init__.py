"""Evaluation on the paper's six benchmarks: `ghpo eval`, and the same eval during training.

    from ghpo.eval import load_benchmark, resolve_protocol, run_eval
    problems = load_benchmark("math500", data_dir="../shared/data/bench", limit=5)
    summary = run_eval("path/to/model", ["math500", "amc23"], resolve_protocol("greedy"), "out/",
                       data_dir="../shared/data/bench", limit=5)

Modules, in the order a run uses them: `benchmarks` (loaders: each real schema -> Problem),
`protocol` (presets and settings), `generation` (prompts, transformers and vLLM backends),
`scoring` (the training checker, letters for multiple choice), `stats` (intervals), `report`
(the three outputs, run comparison), `runner` (one run, top to bottom), `cli` (`ghpo eval`),
`callback` (in-training eval). Submodules import torch/transformers lazily.
"""

from .benchmarks import ALL_BENCHMARKS, BENCHMARKS, Problem, load_benchmark, parse_benchmark_names
from .protocol import PRESETS, Protocol, resolve_protocol


def run_eval(*args, **kwargs):
    """See `ghpo.eval.runner.run_eval` (imported on first use: it pulls in transformers)."""
    from .runner import run_eval as _run_eval

    return _run_eval(*args, **kwargs)


__all__ = ["ALL_BENCHMARKS", "BENCHMARKS", "PRESETS", "Problem", "Protocol", "load_benchmark",
           "parse_benchmark_names", "resolve_protocol", "run_eval"]

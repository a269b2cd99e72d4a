"""One evaluation run, top to bottom: load problems, load the model, generate, score, write.

    problems  = load_benchmark("math500", data_dir, limit=20)
    prompts   = render_prompts(problems, tokenizer, protocol)
    generations, scores = evaluate_problems(problems, prompts, backend, protocol, checker)

`run_eval` chains these over the chosen benchmarks and writes the three outputs; the
in-training callback (`ghpo.eval.callback`) calls `evaluate_problems` with the trainer's model.
"""

from __future__ import annotations

import datetime
import re
import time
from dataclasses import asdict
from pathlib import Path

from ghpo.checker import AnswerChecker

from .benchmarks import Problem, benchmark_source, load_benchmark
from .generation import (
    Generation,
    Sampling,
    TransformersBackend,
    VLLMBackend,
    build_messages,
    pick_backend_name,
    render_prompt,
)
from .protocol import Protocol
from .report import benchmark_result, build_summary, sample_records, write_outputs
from .scoring import score_completions


def render_prompts(problems: list[Problem], tokenizer, protocol: Protocol) -> list[str]:
    """Each problem's prompt text: system prompt + question, through the chat template. No hints."""
    return [
        render_prompt(tokenizer, build_messages(p.question, protocol.system_prompt, protocol.user_template),
                      protocol.chat_template)
        for p in problems
    ]


def evaluate_problems(problems: list[Problem], prompts: list[str], backend, samples: int, sampling: Sampling,
                      checker: AnswerChecker, answer_extraction: str = "strict"
                      ) -> tuple[list[list[Generation]], list[list[float]], dict]:
    """Generate `samples` completions per prompt and score them; also returns {generate, score} seconds."""
    start = time.perf_counter()
    generations = backend.generate(prompts, samples, sampling)
    generated = time.perf_counter()
    scores = score_completions(problems, [[g.text for g in samples] for samples in generations], checker,
                               answer_extraction)
    return generations, scores, {"generate": generated - start, "score": time.perf_counter() - generated}


ADAPTER_CONFIG = "adapter_config.json"  # what PEFT writes beside a LoRA adapter (`ghpo train --use_peft true`)


def is_adapter_folder(model_path: str) -> bool:
    """True for a local PEFT adapter folder (a LoRA run's output or checkpoint), whose base model it names."""
    return (Path(model_path).expanduser() / ADAPTER_CONFIG).is_file()


def load_model_and_tokenizer(model_path: str, dtype: str = "auto", device: str | None = None):
    """A causal LM and its tokenizer from a local folder or the Hub, ready for generation. A LoRA adapter folder
    loads the base model it names (`base_model_name_or_path`) with the adapter merged into its weights."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    if dtype == "auto":
        dtype = "bfloat16" if device.startswith("cuda") else "float32"
    tokenizer = AutoTokenizer.from_pretrained(model_path)  # ghpo train saves the tokenizer beside the adapter
    if tokenizer.pad_token is None:  # generation only pads; completions are cut by position (generation.cut_at_end)
        tokenizer.pad_token = tokenizer.eos_token
    if is_adapter_folder(model_path):
        from peft import AutoPeftModelForCausalLM

        model = AutoPeftModelForCausalLM.from_pretrained(model_path, dtype=getattr(torch, dtype)).merge_and_unload()
    else:
        model = AutoModelForCausalLM.from_pretrained(model_path, dtype=getattr(torch, dtype))
    return model.to(device), tokenizer


def merged_model_folder(adapter_path: str, folder: str) -> str:
    """Write base + adapter, merged, as an ordinary model folder (what vLLM loads); returns `folder`."""
    model, tokenizer = load_model_and_tokenizer(adapter_path, dtype="float32", device="cpu")
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def make_backend(name: str, model_path: str, protocol: Protocol, dtype: str = "auto", device: str | None = None,
                 progress: bool = True):
    """(backend, tokenizer) for `name` in auto / vllm / transformers (see `pick_backend_name`)."""
    from transformers import AutoTokenizer

    name = pick_backend_name(name)
    if name == "vllm" and is_adapter_folder(model_path):  # vLLM loads a plain model: merge the adapter first
        import atexit
        import shutil
        import tempfile

        folder = tempfile.mkdtemp(prefix="ghpo-merged-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        print(f"{model_path} is a LoRA adapter: merged into its base model in {folder} for vLLM")
        model_path = merged_model_folder(model_path, folder)
    if name == "vllm":
        return VLLMBackend(model_path, seed=protocol.seed, dtype=dtype), AutoTokenizer.from_pretrained(model_path)
    model, tokenizer = load_model_and_tokenizer(model_path, dtype, device)
    return TransformersBackend(model, tokenizer, protocol.batch_size, progress), tokenizer


def default_output_dir(model_path: str, preset: str) -> str:
    """`eval_results/<model name>-<preset>`; a Hub id's slash becomes `--`.

    >>> default_output_dir("Qwen/Qwen2.5-Math-7B", "paper"), default_output_dir("/ckpt/run1/", "greedy")
    ('eval_results/Qwen--Qwen2.5-Math-7B-paper', 'eval_results/run1-greedy')
    """
    path = Path(model_path.rstrip("/"))
    name = path.name if path.exists() or model_path.startswith(("/", ".", "~")) else model_path.replace("/", "--")
    return f"eval_results/{re.sub(r'[^A-Za-z0-9._-]+', '_', name)}-{preset}"


def run_eval(model_path: str, benchmarks: list[str], protocol: Protocol, output_dir: str, data_dir: str | None = None,
             paths: dict[str, str] | None = None, limit: int | None = None, backend: str = "auto",
             dtype: str = "auto", device: str | None = None, checker_timeout_s: float = 5.0,
             checker_workers: int | None = None, resamples: int = 2000, progress: bool = True) -> dict:
    """Evaluate `model_path` on `benchmarks`; writes samples.jsonl, summary.json, results.md; returns the summary."""
    started = time.perf_counter()
    paths = paths or {}
    problems = {name: load_benchmark(name, data_dir, paths.get(name), limit) for name in benchmarks}
    engine, tokenizer = make_backend(backend, model_path, protocol, dtype, device, progress)
    loaded = time.perf_counter()
    timing = {"load": loaded - started, "generate": 0.0, "score": 0.0}
    records, results = [], {}
    with AnswerChecker(timeout_s=checker_timeout_s, num_workers=checker_workers) as checker:
        checker.start()  # its workers warm up while the first benchmark generates
        for name, bench_problems in problems.items():
            prompts = render_prompts(bench_problems, tokenizer, protocol)
            k = protocol.samples_for(name)
            print(f"{name}: {len(bench_problems)} problems x {k} samples")
            generations, scores, seconds = evaluate_problems(bench_problems, prompts, engine, k,
                                                             Sampling.from_protocol(protocol), checker,
                                                             protocol.answer_extraction)
            for key, value in seconds.items():
                timing[key] += value
            records += sample_records(bench_problems, prompts, generations, scores, protocol.answer_extraction)
            results[name] = benchmark_result(bench_problems, generations, scores, resamples, protocol.seed)
        checker_info = {"timeout_s": checker.timeout_s, "timeouts": checker.timeouts_total}
    timing["total"] = time.perf_counter() - started
    run_info = dict(
        model=model_path, backend=pick_backend_name(backend), limit=limit, protocol=asdict(protocol),
        sources={name: benchmark_source(name, data_dir, paths.get(name)) for name in benchmarks},
        created=datetime.datetime.now().isoformat(timespec="seconds"), ghpo_version=_version(),
        timing_s=timing, checker=checker_info,
    )
    summary = build_summary(results, run_info)
    written = write_outputs(output_dir, records, summary)
    summary["outputs"] = {name: str(path) for name, path in written.items()}
    return summary


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ghpo")
    except PackageNotFoundError:
        return "unknown"

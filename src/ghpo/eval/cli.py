"""`ghpo eval`: evaluate a checkpoint on the paper's benchmarks, or compare two runs.

    ghpo eval --model PATH_OR_HUB_ID --benchmarks math500,amc23 --data-dir ../shared/data/bench --limit 5
    ghpo eval --model Qwen/Qwen2.5-Math-7B --preset paper            # all six, the paper's settings
    ghpo eval --compare runs/grpo/summary.json runs/ghpo/summary.json

Flags may also be spelt with underscores (`--data_dir`), as in `ghpo train`.
"""

from __future__ import annotations

import argparse
import json
import sys

from ghpo.data import DataError

from .benchmarks import ALL_BENCHMARKS, parse_benchmark_names
from .extraction import ANSWER_EXTRACTIONS
from .protocol import PRESETS, load_protocol_file, parse_samples_per_benchmark, resolve_protocol


def hyphenate_flags(argv: list[str]) -> list[str]:
    """`--data_dir x` -> `--data-dir x`: the underscore spelling of `ghpo train` works here too.

    >>> hyphenate_flags(["--data_dir", "a_b", "--max_new_tokens=8"])
    ['--data-dir', 'a_b', '--max-new-tokens=8']
    """

    def fix(arg: str) -> str:
        if not arg.startswith("--"):
            return arg
        flag, sep, value = arg.partition("=")
        return flag.replace("_", "-") + sep + value

    return [fix(arg) for arg in argv]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ghpo eval",
        description="Evaluate a model on MATH-500, AIME24, AMC23, Minerva Math, OlympiadBench and GPQA-Diamond with "
        "one fixed protocol (no hints), or compare two runs. Writes samples.jsonl, summary.json and results.md.",
    )
    parser.add_argument("--model", help="local model folder or Hub id")
    parser.add_argument("--benchmarks", default="all", help=f"comma-separated, or 'all' ({','.join(ALL_BENCHMARKS)})")
    parser.add_argument(
        "--data-dir",
        default=None,
        help="folder laid out like ../shared/data/bench (math500/, aime24/, "
        "amc23/, minerva_math/, olympiadbench/, gpqa_diamond/); benchmarks not found there come from the Hub",
    )
    parser.add_argument(
        "--bench-path",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="a file or folder for one benchmark, e.g. gpqa_diamond=~/gpqa_diamond.csv (repeatable)",
    )
    parser.add_argument("--preset", default="paper", choices=sorted(PRESETS), help="named protocol (default: paper)")
    parser.add_argument("--protocol", default=None, help="YAML file of protocol fields, applied over the preset")
    group = parser.add_argument_group("protocol overrides (applied last)")
    group.add_argument("--system-prompt", default=None, help="system message ('' for none; default: the paper's)")
    group.add_argument("--user-template", default=None, help="user message with {question} (default: '{question}')")
    group.add_argument("--chat-template", default=None, help="Jinja template text or file; 'none' for plain text")
    group.add_argument("--temperature", type=float, default=None, help="0 = greedy")
    group.add_argument("--top-p", type=float, default=None)
    group.add_argument("--max-new-tokens", type=int, default=None)
    group.add_argument("--samples", type=int, default=None, help="samples per problem on every benchmark (avg@k)")
    group.add_argument("--samples-per-benchmark", default=None, metavar="NAME=K,...", help="e.g. aime24=32")
    group.add_argument("--seed", type=int, default=None)
    group.add_argument("--batch-size", type=int, default=None, help="sequences per generate call (transformers)")
    group.add_argument("--answer-extraction", default=None, choices=list(ANSWER_EXTRACTIONS),
                       help="strict (default): answers read as the training reward reads them (<answer> block, "
                       "else the last \\boxed{}, else math-verify's search); lenient: also a final answer stated "
                       "without a box ('the final answer is ...', a last displayed expression). Recorded in the "
                       "outputs")
    parser.add_argument("--limit", type=int, default=None, help="first N problems of each benchmark (quick runs)")
    parser.add_argument(
        "--backend",
        default="auto",
        choices=["auto", "vllm", "transformers"],
        help="auto: vLLM when installed and a GPU is visible, else transformers",
    )
    parser.add_argument("--dtype", default="auto", choices=["auto", "float32", "bfloat16", "float16"],
                        help="auto: bfloat16 on GPU, float32 on CPU")
    parser.add_argument(
        "--device", default=None, help="transformers backend device (default: cuda if available, else cpu)"
    )
    parser.add_argument("--output-dir", default=None, help="default: eval_results/<model>-<preset>")
    parser.add_argument("--checker-timeout", type=float, default=5.0, help="seconds per answer before it scores 0")
    parser.add_argument("--checker-workers", type=int, default=None, help="answer-checker processes (default: up to 4)")
    parser.add_argument("--bootstrap-resamples", type=int, default=2000)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--compare",
        nargs=2,
        metavar=("A.json", "B.json"),
        default=None,
        help="print two summary.json side by side with B - A and its paired 95 %% interval, then exit",
    )
    return parser


def protocol_from_args(args: argparse.Namespace):
    overrides = dict(
        system_prompt=args.system_prompt,
        user_template=args.user_template,
        chat_template=args.chat_template,
        temperature=args.temperature,
        top_p=args.top_p,
        max_new_tokens=args.max_new_tokens,
        samples=args.samples,
        samples_per_benchmark=parse_samples_per_benchmark(args.samples_per_benchmark)
        if args.samples_per_benchmark
        else None,
        seed=args.seed,
        batch_size=args.batch_size,
        answer_extraction=args.answer_extraction,
    )
    file_values = load_protocol_file(args.protocol) if args.protocol else None
    return resolve_protocol(args.preset, file_values, overrides)


def compare(path_a: str, path_b: str, resamples: int) -> int:
    from .report import compare_markdown

    with open(path_a) as file_a, open(path_b) as file_b:
        print(compare_markdown(json.load(file_a), json.load(file_b), path_a, path_b, resamples))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(hyphenate_flags(sys.argv[1:] if argv is None else argv))
    if args.compare:
        return compare(*args.compare, args.bootstrap_resamples)
    if not args.model:
        print("error: --model is required (or --compare A.json B.json)", file=sys.stderr)
        return 2
    from .runner import default_output_dir, run_eval

    try:
        protocol = protocol_from_args(args)
        benchmarks = parse_benchmark_names(args.benchmarks)
        paths = dict(item.split("=", 1) for item in args.bench_path)
        summary = run_eval(
            args.model,
            benchmarks,
            protocol,
            args.output_dir or default_output_dir(args.model, args.preset),
            data_dir=args.data_dir,
            paths=paths,
            limit=args.limit,
            backend=args.backend,
            dtype=args.dtype,
            device=args.device,
            checker_timeout_s=args.checker_timeout,
            checker_workers=args.checker_workers,
            resamples=args.bootstrap_resamples,
            progress=not args.no_progress,
        )
    except (DataError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    with open(summary["outputs"]["results.md"]) as file:
        print(file.read())
    print("\n".join(f"wrote {path}" for path in summary["outputs"].values()))
    return 0

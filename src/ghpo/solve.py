"""`ghpo data solve`: worked solutions for an answer-only dataset, by rejection sampling from a teacher model.

GHPO cuts its hints from each problem's worked solution, and many RLVR datasets carry only a final answer: there GHPO
is plain GRPO. A teacher (any model `ghpo eval` can load) writes `--samples` solutions per problem, prompted as
`ghpo train` prompts (system prompt, chat template); each is checked against the gold answer by a training reward,
and the shortest correct one becomes the row's solution — the least text to cut hints from, and the least room for
detours a hint would pass on. The output keeps every input row and column, adds the solution column (empty where no
sample was right), and is accepted unchanged by `ghpo train` and `ghpo data reach`.

The default check is `accuracy_stated` (no credit without a stated answer: a box or an `<answer>` block): a hint is
the opening of a solution, so a sample whose right number was only found by searching its last expression is not
kept as one. `--reward accuracy` uses the lenient check instead.

Nothing generated is lost: each batch's results are appended to `OUTPUT.partial.jsonl` as it finishes, and a run
started again with the same settings continues from there.

    >>> shortest_correct(["a long solution, \\\\boxed{4}", "short \\\\boxed{4}", "wrong"], [1.0, 1.0, 0.0])
    'short \\\\boxed{4}'
    >>> shortest_correct(["wrong"], [0.0])
    ''
    >>> solve_summary([{"level": 1, "solved": True, "tokens": 30}, {"level": 1, "solved": False, "tokens": 50},
    ...                {"level": None, "solved": True, "tokens": 20}])["all"]
    {'problems': 3, 'solved': 2, 'tokens': 100}
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from .data import add_column_flags, level_number
from .reach import add_backend_flags, add_prompt_flags

ROW = "__ghpo_row"  # the input row's number, carried through data preparation
PARTIAL_SUFFIX = ".partial.jsonl"


def shortest_correct(completions: list[str], scores: list[float]) -> str:
    """The shortest completion scored > 0, or '' when none is."""
    right = [text for text, score in zip(completions, scores, strict=True) if score > 0]
    return min(right, key=len) if right else ""


def solve_summary(results: list[dict]) -> dict:
    """{level or 'all': {problems, solved, tokens}} from per-problem results ({level, solved, tokens})."""
    table: dict = {}
    for result in results:
        for name in ({"all", str(result["level"])} if result["level"] is not None else {"all"}):
            entry = table.setdefault(name, {"problems": 0, "solved": 0, "tokens": 0})
            entry["problems"] += 1
            entry["solved"] += int(result["solved"])
            entry["tokens"] += result["tokens"]
    return table


def summary_markdown(table: dict, minutes: float) -> str:
    names = sorted((name for name in table if name != "all"), key=int) + ["all"]
    lines = ["| level | problems | solved | solved (%) | tokens generated |", "|---|---|---|---|---|"]
    for name in names:
        entry = table[name]
        lines.append(f"| {name} | {entry['problems']} | {entry['solved']} | "
                     f"{100 * entry['solved'] / max(entry['problems'], 1):.1f} | {entry['tokens']:,} |")
    return "\n".join(lines) + f"\n\n{minutes:.1f} min of sampling and checking\n"


def solve_rows(rows: list[dict], generate: Callable[[list, int], list[list[tuple[str, int]]]],
               score: Callable[[list[dict], list[list[str]]], list[list[float]]], samples: int, chunk: int,
               done: dict[int, dict], record: Callable[[list[dict]], None], progress=None) -> dict[int, dict]:
    """Solve every prepared row whose input row number is not in `done`, `chunk` problems a batch. `generate(prompts,
    n)` gives (text, tokens) per sample; `score(rows, texts)` 1.0 / 0.0 per sample. Each batch's results go to
    `record` as soon as they exist. Returns {input row: result}, `done` included."""
    results = dict(done)
    pending = [row for row in rows if row[ROW] not in done]
    for start in range(0, len(pending), chunk):
        batch = pending[start : start + chunk]
        samples_of = generate([row["prompt"] for row in batch], samples)
        texts = [[text for text, _ in batch_samples] for batch_samples in samples_of]
        scores = score(batch, texts)
        new = [{"row": row[ROW], "solution": shortest_correct(row_texts, row_scores),
                "right": int(sum(s > 0 for s in row_scores)), "tokens": sum(tokens for _, tokens in row_samples),
                "level": level_number(row.get("level"))}
               for row, row_texts, row_scores, row_samples in zip(batch, texts, scores, samples_of, strict=True)]
        record(new)
        results.update((result["row"], result) for result in new)
        if progress is not None:
            progress.update(len(batch))
    return results


def read_partial(path: Path, settings: dict) -> dict[int, dict]:
    """Results a killed run left in `path` (its first line: the settings it ran with), {} when there is none. A file
    from other settings stops the run: mixing two teachers' solutions would go unnoticed."""
    if not path.is_file():
        return {}
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if not lines or lines[0].get("settings") != settings:
        raise SystemExit(f"ghpo data solve: {path} holds a run with other settings ({lines[0] if lines else 'empty'});"
                         " delete it, or run again with the settings it names")
    return {result["row"]: result for result in lines[1:]}


def with_row_numbers(raw) -> object:
    """The raw rows (a Dataset or a list of dicts), each carrying its row number in ROW."""
    if isinstance(raw, list):
        return [{**row, ROW: index} for index, row in enumerate(raw)]
    return raw.add_column(ROW, list(range(len(raw))))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ghpo data solve", description=(
        "Write a worked solution into every row of an answer-only dataset by rejection sampling: a teacher model "
        "samples --samples solutions per problem, each is checked against the row's gold answer, and the shortest "
        "correct one is kept (empty where none is). The output keeps every input row and column; ghpo train and "
        "ghpo data reach read it unchanged, and GHPO then cuts its hints from the new column. A killed run continues "
        "where it stopped when started again with the same settings."))
    add = parser.add_argument
    add("dataset", help="the answer-only data: local .jsonl/.json/.parquet/.csv file or folder, or a Hub dataset id")
    add("--model", required=True, help="the teacher: local folder, LoRA adapter folder or Hub id (the model you will "
        "train works too: its own successes become its hints)")
    add("--output", required=True, help="the output .jsonl; OUTPUT.summary.json and OUTPUT.partial.jsonl (while it "
        "runs) go beside it")
    add("--samples", type=int, default=8, help="solutions sampled per problem (the demo's DAPO budget: 48)")
    add("--output_column", default="solution", help="the column the solutions go to (default: solution, which ghpo "
        "train's auto layout reads for hints); must not exist yet")
    add("--reward", default="accuracy_stated", choices=["accuracy_stated", "accuracy"], help="the training reward "
        "that checks each sample (default accuracy_stated: a stated, right answer)")
    add("--config", default=None, help="Hub dataset configuration name")
    add("--split", default="train", help="split to read (Hub datasets)")
    add_column_flags(parser)
    add_prompt_flags(parser)
    add("--temperature", type=float, default=1.0, help="sampling temperature")
    add("--top_p", type=float, default=1.0, help="nucleus sampling")
    add("--max_new_tokens", type=int, default=1024, help="token budget of one solution")
    add("--chunk", type=int, default=16, help="problems per batch (each batch is saved as soon as it is checked)")
    add_backend_flags(parser)
    add("--seed", type=int, default=0, help="sampling seed")
    add("--no_progress", action="store_true", help="no progress bar")
    return parser


def main(argv: list[str]) -> int:
    from tqdm import tqdm

    from .data import DataError, column_names, load_raw_dataset, prepare_dataset
    from .eval.generation import Sampling, render_prompt
    from .eval.protocol import Protocol
    from .eval.runner import make_backend
    from .rewards import REWARD_FUNCS

    args = build_parser().parse_args(argv)
    for name in ("samples", "chunk"):
        if getattr(args, name) < 1:
            raise SystemExit(f"ghpo data solve: --{name} must be >= 1, got {getattr(args, name)}")
    output = Path(args.output)
    if output.suffix != ".jsonl":
        raise SystemExit(f"ghpo data solve: --output {output} must be a .jsonl file")
    try:
        raw = load_raw_dataset(args.dataset, args.config, args.split)
        if args.output_column in column_names(raw):
            raise SystemExit(f"ghpo data solve: {args.dataset} already has a column {args.output_column!r}; choose "
                             "another --output_column (e.g. teacher_solution) and train with --dataset_solution_column "
                             "set to it")
        dataset, summary = prepare_dataset(with_row_numbers(raw), args.dataset, args.dataset_problem_column,
                                           args.dataset_answer_column, args.dataset_solution_column,
                                           system_prompt=args.system_prompt or None, keep_columns=(ROW,))
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(summary, file=sys.stderr)
    rows = dataset.to_list()
    settings = {key: getattr(args, key) for key in ("model", "dataset", "config", "split", "samples", "reward",
                                                   "system_prompt", "chat_template", "temperature", "top_p",
                                                   "max_new_tokens", "seed")}
    partial = output.with_name(output.name[: -len(".jsonl")] + PARTIAL_SUFFIX)
    done = read_partial(partial, settings)
    if done:
        print(f"continuing from {partial}: {len(done)} of {len(rows)} problems already sampled", file=sys.stderr)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps({"settings": settings}) + "\n")

    protocol = Protocol(temperature=args.temperature, top_p=args.top_p, max_new_tokens=args.max_new_tokens,
                        seed=args.seed, batch_size=args.batch_size)
    backend, tokenizer = make_backend(args.backend, args.model, protocol, args.dtype, args.device, progress=False)
    sampling, reward = Sampling.from_protocol(protocol), REWARD_FUNCS[args.reward]

    def generate(prompts: list, n: int) -> list[list[tuple[str, int]]]:
        texts = [render_prompt(tokenizer, messages, args.chat_template) for messages in prompts]
        return [[(g.text, g.num_tokens) for g in samples] for samples in backend.generate(texts, n, sampling)]

    def score(batch: list[dict], texts: list[list[str]]) -> list[list[float]]:
        flat = [text for samples in texts for text in samples]
        golds = [row["answer"] for row, samples in zip(batch, texts, strict=True) for _ in samples]
        values, scores, start = reward(flat, answer=golds), [], 0
        for samples in texts:
            scores.append(values[start : start + len(samples)])
            start += len(samples)
        return scores

    def record(results: list[dict]) -> None:
        with open(partial, "a") as file:
            file.writelines(json.dumps(result) + "\n" for result in results)

    started = time.perf_counter()
    with tqdm(total=len(rows), initial=len(done), desc="problems", disable=args.no_progress) as progress:
        results = solve_rows(rows, generate, score, args.samples, args.chunk, done, record, progress)
    write_output(raw, results, args.output_column, output)
    table = solve_summary([{"level": r["level"], "solved": bool(r["solution"]), "tokens": r["tokens"]}
                           for r in results.values()])
    minutes = (time.perf_counter() - started) / 60
    text = summary_markdown(table, minutes)
    unused = len(raw) - len(rows)
    if unused:
        text += f"\n{unused} input rows had no usable gold answer (see above): written with an empty solution\n"
    print(text)
    summary_path = output.with_name(output.name[: -len(".jsonl")] + ".summary.json")
    summary_path.write_text(json.dumps({"levels": table, "minutes_this_run": minutes, "rows_without_gold": unused,
                                        "settings": settings}, indent=2))
    partial.unlink()
    print(f"written: {output} ({len(raw)} rows, column {args.output_column!r}), {summary_path}")
    return 0


def write_output(raw, results: dict[int, dict], column: str, output: Path) -> None:
    """Every input row, in order, with all its columns and `column` = its solution ('' where none)."""
    rows = raw if isinstance(raw, list) else raw.to_list()
    with open(output, "w") as file:
        for index, row in enumerate(rows):
            solution = results[index]["solution"] if index in results else ""
            file.write(json.dumps({**row, column: solution}, default=str) + "\n")

"""Training data: load a Hub dataset or a local file, map its columns onto GHPO's, and say what was dropped and why.

Whatever the source layout, a prepared dataset has the columns the trainer and rewards read:
`prompt` (conversation: optional system message + the question), `answer` (gold final answer, always non-empty),
`solution` (worked solution the hints are cut from; "" when there is none) and, when the source has it, `level`.

Column mapping (`auto` picks the first that exists):
| layout        | question  | gold answer                          | hint source      |
|---------------|-----------|--------------------------------------|------------------|
| paper (hkgc)  | problem   | solution (a short answer)            | solution_hint    |
| MATH          | problem   | last \\boxed{} of solution            | solution         |
| AIME / ours   | problem   | answer                               | solution         |
"""

from __future__ import annotations

import argparse

import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from datasets import Dataset, load_dataset

from .answers import gold_answer, is_missing

# The paper's recipe system prompt (config_ghpo.yaml), verbatim.
PAPER_SYSTEM_PROMPT = (
    "You are a helpful AI Assistant that provides well-reasoned and detailed responses. You first think about the "
    "reasoning process as an internal monologue and then provide the user with the answer. Respond in the following "
    "format: <think>\n...\n</think>\n<answer>\n...\n</answer>"
)
GOLD_SOURCE_NAMES = {
    "answer": "answer column",
    "boxed": "last \\boxed{} of the solution",
    "boxed_no_braces": "brace-less \\boxed 2 of the solution",
}
LOCAL_FORMATS = {".jsonl": "json", ".json": "json", ".parquet": "parquet", ".csv": "csv"}


class DataError(ValueError):
    """A dataset that cannot be used as asked; the message names the file / column / row and what to do."""


def read_json_rows(path: Path) -> list[dict]:
    """Rows of a .jsonl (one object per line) or .json (a list of objects) file, read without a columnar schema so
    that a row with an odd type reaches `prepare_row` (which names it) instead of failing the whole load."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as error:
            raise DataError(f"{path}: invalid JSON at line {error.lineno}: {error.msg}") from error
        rows = rows.get("data", rows) if isinstance(rows, dict) else rows
    else:
        rows = []
        for line_number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as error:
                    raise DataError(f"{path}: line {line_number} is not valid JSON ({error.msg})") from error
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise DataError(f"{path}: expected JSON objects, one per row (a .jsonl line or a .json list item)")
    return rows


def load_raw_dataset(name_or_path: str, config: str | None = None, split: str = "train") -> Dataset | list[dict]:
    """A local .jsonl / .json / .parquet / .csv file (or a folder of them), else a Hub dataset id."""
    path = Path(name_or_path).expanduser()
    if path.is_file():
        if path.suffix not in LOCAL_FORMATS:
            raise DataError(f"{path}: unsupported file type {path.suffix!r}; use one of {sorted(LOCAL_FORMATS)}")
        if LOCAL_FORMATS[path.suffix] == "json":
            return read_json_rows(path)
        return load_dataset(LOCAL_FORMATS[path.suffix], data_files=str(path), split="train")
    if path.is_dir():
        files = sorted(str(f) for f in path.iterdir() if f.suffix in LOCAL_FORMATS)
        if not files:
            raise DataError(f"{path}: folder has no {sorted(LOCAL_FORMATS)} files")
        return load_dataset(LOCAL_FORMATS[Path(files[0]).suffix], data_files=files, split="train")
    try:
        return load_dataset(name_or_path, name=config, split=split)
    except Exception as error:  # the Hub's errors vary by version; the user needs the same advice for all
        offline = os.environ.get("HF_HUB_OFFLINE") == "1"
        raise DataError(
            f"could not fetch dataset {name_or_path!r} (config={config!r}, split={split!r}) from the Hugging Face "
            f"Hub{' (HF_HUB_OFFLINE=1 is set)' if offline else ''}: {type(error).__name__}: {error}. "
            "Check the name and your network / token, or pass a local .jsonl/.json/.parquet/.csv file instead."
        ) from error


def resolve_columns(
    column_names: list[str], problem: str = "auto", answer: str = "auto", solution: str = "auto"
) -> tuple[str, str | None, str | None]:
    """(question, gold answer, hint source) column names for a dataset with `column_names`; see the module table."""

    def pick(asked: str, candidates: list[str], role: str, required: bool) -> str | None:
        if asked not in ("auto", "", None):
            if asked not in column_names:
                raise DataError(f"{role} column {asked!r} is not in the dataset; its columns are {column_names}")
            return asked
        found = next((c for c in candidates if c in column_names), None)
        if found is None and required:
            raise DataError(f"no {role} column found among {column_names}; name it with --dataset_{role}_column")
        return found

    problem_column = pick(problem, ["problem", "question", "prompt"], "problem", required=True)
    paper_layout = "solution_hint" in column_names
    hint_column = pick(solution, ["solution_hint"] if paper_layout else ["solution"], "solution", required=False)
    gold_candidates = ["answer", "solution"] if paper_layout else ["answer", "final_answer"]
    answer_column = pick(answer, gold_candidates, "answer", required=False)
    if answer_column is None and hint_column is None:
        raise DataError(f"no gold answer: the dataset needs an answer column or a solution with \\boxed{{}}; "
                        f"its columns are {column_names}")
    return problem_column, answer_column, hint_column


@dataclass
class DataSummary:
    """What preparation kept and dropped; `str()` is the report printed at the start of training."""

    source: str
    columns: tuple[str, str | None, str | None]
    rows: int = 0
    kept: int = 0
    without_solution: int = 0
    gold_sources: Counter = field(default_factory=Counter)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason)
    hint_lengths: list[int] = field(default_factory=list)  # characters of each kept row's solution (0: none)
    duplicates: int = 0  # kept rows whose question already appeared (kept: they are legitimate training rows)

    def __str__(self) -> str:
        problem, answer, solution = self.columns
        gold = repr(answer) if answer else "last \\boxed{} of " + repr(solution)
        lines = [
            f"data: {self.source}",
            f"  columns: question={problem!r} gold={gold} hints={solution!r}",
            f"  rows: {self.rows}, kept: {self.kept}, rejected: {len(self.rejected)}",
            "  gold answer found via: "
            + ", ".join(f"{GOLD_SOURCE_NAMES.get(k, k)}: {n}" for k, n in self.gold_sources.most_common()),
            f"  rows without a solution (plain GRPO, unless hint_source self or dataset_then_self): "
            f"{self.without_solution}",
            f"  solution length in characters (rows with one): {_length_stats(self.hint_lengths)}",
            f"  duplicate questions: {self.duplicates}",
        ]
        reasons = Counter(reason.split(":")[0] for _, reason in self.rejected)
        for reason, count in reasons.most_common():
            lines.append(f"  rejected ({count}): {reason}")
        return "\n".join(lines)


def _length_stats(lengths: list[int]) -> str:
    present = sorted(length for length in lengths if length)
    if not present:
        return "none"
    return f"min {present[0]}, median {present[len(present) // 2]}, max {present[-1]}"


def _text(value, row_number: int, column: str) -> str | None:
    if is_missing(value):  # None or NaN: how pandas / datasets write an empty cell
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list) and len(value) == 1:  # e.g. OlympiadBench's final_answer: ["$5$"]
        return _text(value[0], row_number, column)
    if not isinstance(value, str):
        raise DataError(f"row {row_number}: column {column!r} holds {type(value).__name__}, expected text")
    return value


def prepare_row(row: dict, row_number: int, columns: tuple, system_prompt: str | None,
                keep_columns: tuple[str, ...] = ()) -> tuple[dict | None, str]:
    """One source row -> (prepared row, how the gold was found) or (None, why it was rejected). `keep_columns`
    are copied as they are (e.g. a curriculum's difficulty column)."""
    problem_column, answer_column, solution_column = columns
    try:
        question = _text(row.get(problem_column), row_number, problem_column)
        answer = _text(row.get(answer_column), row_number, answer_column) if answer_column else None
        solution = _text(row.get(solution_column), row_number, solution_column) if solution_column else None
    except DataError as error:
        return None, f"wrong type: {error}"
    if not question or not question.strip():
        return None, f"empty question: column {problem_column!r} is empty"
    gold, source = gold_answer(answer, solution)
    if not gold:
        return None, "no gold answer: the answer is empty and the solution's last \\boxed{} is missing or empty"
    prompt = ([{"role": "system", "content": system_prompt}] if system_prompt else [])
    prompt.append({"role": "user", "content": question})
    prepared = {"prompt": prompt, "answer": gold, "solution": (solution or "").strip()}
    if "level" in row:
        prepared["level"] = str(row["level"])
    for column in keep_columns:
        if column not in prepared:
            prepared[column] = row.get(column)
    return prepared, source


_LEVEL_NUMBER = re.compile(r"^\s*(?:level\s*)?(\d+)\s*$", re.IGNORECASE)


def level_number(level) -> int | None:
    """The difficulty level as a number: MATH writes "Level 3", other copies 3 or "3"; None when unknown.

    >>> level_number("Level 3"), level_number(3), level_number("3"), level_number("Level ?"), level_number(None)
    (3, 3, 3, None, None)
    """
    if isinstance(level, int) and not isinstance(level, bool):
        return level
    match = _LEVEL_NUMBER.match(level) if isinstance(level, str) else None
    return int(match.group(1)) if match else None


def select_levels(dataset: Dataset, levels: list[int]) -> Dataset:
    """The prepared rows whose `level` is one of `levels` (rows of unknown level, e.g. MATH's "Level ?", go)."""
    if "level" not in dataset.column_names:
        raise DataError(f"dataset_levels={levels} asks for a level filter, but the dataset has no 'level' column; "
                        f"its columns are {dataset.column_names}")
    wanted = set(levels)
    kept = [index for index, level in enumerate(dataset["level"]) if level_number(level) in wanted]
    if not kept:
        found = sorted({str(level) for level in dataset["level"]})[:10]
        raise DataError(f"no row has a level in dataset_levels={levels}; levels found: {found}")
    return dataset.select(kept)


def column_names(raw: Dataset | list[dict]) -> list[str]:
    if isinstance(raw, Dataset):
        return raw.column_names
    return list(dict.fromkeys(key for row in raw for key in row))


def prepare_dataset(
    raw: Dataset | list[dict],
    source: str = "dataset",
    problem_column: str = "auto",
    answer_column: str = "auto",
    solution_column: str = "auto",
    system_prompt: str | None = PAPER_SYSTEM_PROMPT,
    keep_columns: tuple[str, ...] = (),
) -> tuple[Dataset, DataSummary]:
    """Map `raw` onto GHPO's columns. Unusable rows are dropped and listed (row number, reason) in the summary.
    `keep_columns` (e.g. a curriculum's difficulty column) are kept as they are; one the source lacks is an error."""
    missing = [column for column in keep_columns if column not in column_names(raw)]
    if missing:
        raise DataError(f"{source}: column(s) {missing} not found; its columns are {column_names(raw)}")
    columns = resolve_columns(column_names(raw), problem_column, answer_column, solution_column)
    summary = DataSummary(source=source, columns=columns, rows=len(raw))
    prepared_rows, seen_questions = [], set()
    for row_number, row in enumerate(raw):
        prepared, how = prepare_row(row, row_number, columns, system_prompt, tuple(keep_columns))
        if prepared is None:
            summary.rejected.append((row_number, how))
            continue
        summary.gold_sources[how] += 1
        summary.without_solution += not prepared["solution"]
        summary.hint_lengths.append(len(prepared["solution"]))
        question = prepared["prompt"][-1]["content"].strip()
        summary.duplicates += question in seen_questions
        seen_questions.add(question)
        prepared_rows.append(prepared)
    summary.kept = len(prepared_rows)
    if not prepared_rows:
        raise DataError(f"{source}: no usable rows.\n{summary}")
    return Dataset.from_list(prepared_rows), summary


def add_column_flags(parser: argparse.ArgumentParser) -> None:
    """The dataset's column names, spelt as `ghpo train` spells them (the short spelling of earlier versions kept)."""
    for role, what in [("problem", "question column"), ("answer", "gold answer column"),
                       ("solution", "worked-solution column the hints are cut from")]:
        parser.add_argument(f"--dataset_{role}_column", f"--{role}_column", default="auto",
                            help=f"{what}, as ghpo train's --dataset_{role}_column (default: auto; --{role}_column "
                            "is the old spelling)")

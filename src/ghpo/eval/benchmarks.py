r"""The paper's six benchmarks: each row of each real schema -> one `Problem` (question, gold).

| name          | folder (--data-dir) | Hub id [config] (split)                     | gold                             |
|---------------|---------------------|---------------------------------------------|----------------------------------|
| math500       | math500/            | HuggingFaceH4/MATH-500 (test)               | `answer`                         |
| aime24        | aime24/             | HuggingFaceH4/aime_2024 (train)             | `answer`, leading zeros kept     |
| amc23         | amc23/              | math-ai/amc23 (test)                        | `answer` float "27.0" -> "27"    |
| minerva       | minerva_math/       | math-ai/minervamath (test)                  | the `\boxed{}` of `solution`     |
| olympiadbench | olympiadbench/      | Hothan/OlympiadBench [OE_TO_maths_en_COMP]  | `final_answer[0]`, `$` unwrapped |
| gpqa_diamond  | gpqa_diamond/ (CSV) | Idavidrein/gpqa [gpqa_diamond] (train)      | letter of the correct option     |

GPQA on the Hub is gated (accept its terms first). Row converters are pure and tolerant of the
column spellings of both sources (`problem` or `question`, `answer` or `Answer`, ...). No hint
ever reaches a prompt: a `Problem` carries the question only.

    >>> amc23_problem({"id": 0, "problem": "2+25?", "answer": 27.0}, 0).gold
    '27'
    >>> minerva_problem({"problem": "L?", "solution": r"so $L=\boxed{4.5e33}$ erg"}, 7).gold
    '4.5\\times 10^{33}'
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ghpo.answers import last_boxed
from ghpo.data import LOCAL_FORMATS, DataError, load_raw_dataset

CHOICE_LETTERS = "ABCD"
GPQA_SHUFFLE_SEED = 0
# `4.5e33`, `1.2E-5`: a number in e-notation, not inside a word or a longer number.
_E_NOTATION = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)[eE]([+-]?\d+)(?![\w.])")


@dataclass(frozen=True)
class Problem:
    """One evaluation question. `answer_type` is "math" (checked by math-verify) or "choice"
    (the gold is a letter A-D). `expand_e_notation`: read `4.5e33` as 4.5 x 10^33 on both sides."""

    benchmark: str
    problem_id: str
    question: str
    gold: str
    answer_type: str = "math"
    expand_e_notation: bool = False


def _first(row: dict, *names: str):
    """The first of `names` that `row` has with a non-empty value, else None.

    >>> _first({"Problem": "x", "problem": None}, "problem", "Problem")
    'x'
    """
    for name in names:
        value = row.get(name)
        if value is not None and value != "" and value != []:
            return value
    return None


def _require(value, what: str, benchmark: str, index: int) -> str:
    if value is None or not str(value).strip():
        raise DataError(f"{benchmark} row {index}: no {what}; its columns are not in a known layout")
    return str(value).strip()


def number_text(value) -> str:
    """A numeric gold as text; whole floats lose their `.0` (AMC stores 27 as 27.0).

    >>> number_text(27.0), number_text("27.0"), number_text("0.5"), number_text("025")
    ('27', '27', '0.5', '025')
    """
    text = str(value).strip()
    if re.fullmatch(r"-?\d+\.0+", text):
        return text.split(".")[0]
    return text


def expand_e_notation(text: str) -> str:
    r"""`4.5e33` -> `4.5\times 10^{33}`: math-verify reads the former as 4.5 * e * 33.

    >>> expand_e_notation("4.5e33"), expand_e_notation(r"\boxed{1.2E-5} s")
    ('4.5\\times 10^{33}', '\\boxed{1.2\\times 10^{-5}} s')
    >>> expand_e_notation("x = 3e^2, time0e1")   # no number in e-notation here
    'x = 3e^2, time0e1'
    """
    return _E_NOTATION.sub(lambda m: f"{m[1]}\\times 10^{{{int(m[2])}}}", text)


def unwrap_dollars(text: str) -> str:
    r"""OlympiadBench's `$69$,$84$` -> `69, 84`: one answer list, no maths delimiters.

    >>> unwrap_dollars("$69$,$84$"), unwrap_dollars(r"$\frac{1}{2 n+2}$"), unwrap_dollars("1,3")
    ('69, 84', '\\frac{1}{2 n+2}', '1,3')
    """
    text = re.sub(r"\$\s*,\s*\$", ", ", text.strip())
    return text.replace("$", "").strip()


def math500_problem(row: dict, index: int) -> Problem:
    """MATH-500: `problem`, gold `answer` (else the last box of `solution`)."""
    question = _require(_first(row, "problem", "question"), "question", "math500", index)
    gold = _first(row, "answer") or last_boxed(_first(row, "solution") or "")
    problem_id = str(_first(row, "unique_id", "id") or index)
    return Problem("math500", problem_id, question, _require(gold, "gold answer", "math500", index))


def aime24_problem(row: dict, index: int) -> Problem:
    """AIME 2024: `problem`/`Problem`, gold `answer`/`Answer` as written ("025" stays "025")."""
    question = _require(_first(row, "problem", "Problem", "question"), "question", "aime24", index)
    gold = _require(_first(row, "answer", "Answer"), "gold answer", "aime24", index)
    return Problem("aime24", str(_first(row, "id", "ID") or index), question, gold)


def amc23_problem(row: dict, index: int) -> Problem:
    """AMC 2023: `problem`/`question`, gold `answer` stored as a float (27.0 -> "27")."""
    question = _require(_first(row, "problem", "question"), "question", "amc23", index)
    gold = number_text(_require(_first(row, "answer"), "gold answer", "amc23", index))
    return Problem("amc23", str(_first(row, "id") or index), question, gold)


def minerva_problem(row: dict, index: int) -> Problem:
    r"""Minerva Math: gold = `answer` when the source has one, else the `\boxed{}` of `solution`;
    e-notation golds are spelt out (`4.5e33` -> `4.5\times 10^{33}`)."""
    question = _require(_first(row, "problem", "question"), "question", "minerva", index)
    gold = _first(row, "answer") or last_boxed(_first(row, "solution") or "")
    gold = expand_e_notation(_require(gold, "gold answer", "minerva", index))
    return Problem("minerva", str(_first(row, "idx", "id") or index), question, gold, expand_e_notation=True)


def olympiadbench_problem(row: dict, index: int) -> Problem:
    """OlympiadBench (OE_TO_maths_en_COMP): gold `final_answer[0]` unwrapped; the question says
    when several answers are expected and in which unit, as OlympiadBench's own prompt does."""
    question = _require(_first(row, "question", "problem"), "question", "olympiadbench", index)
    final = _first(row, "final_answer", "answer")
    gold = _require(final[0] if isinstance(final, list) else final, "gold answer", "olympiadbench", index)
    if row.get("is_multiple_answer"):
        question += "\nThis problem has more than one answer: give all of them, separated by commas."
    if row.get("unit"):
        question += f"\nThe unit of the answer is {row['unit']}; give the number without the unit."
    return Problem("olympiadbench", str(_first(row, "id") or index), question, unwrap_dollars(gold))


def shuffled_options(question: str, correct: str, incorrect: list[str], seed: int = GPQA_SHUFFLE_SEED):
    """The four options in an order fixed by (seed, question) and the letter of the correct one.

    The order depends on nothing else (not on Python's hash salt, not on the row order), so
    every run and every machine asks the same question.

    >>> shuffled_options("Q?", "right", ["w1", "w2", "w3"])
    (['w1', 'w2', 'right', 'w3'], 'C')
    """
    key = hashlib.sha256(f"{seed}\n{question}".encode()).hexdigest()
    options = [correct, *incorrect]
    random.Random(int(key[:16], 16)).shuffle(options)
    return options, CHOICE_LETTERS[options.index(correct)]


def gpqa_diamond_problem(row: dict, index: int, seed: int = GPQA_SHUFFLE_SEED) -> Problem:
    """GPQA-Diamond with its original columns `Question`, `Correct Answer`, `Incorrect Answer 1..3`."""
    question = _require(_first(row, "Question"), "Question", "gpqa_diamond", index)
    correct = _require(_first(row, "Correct Answer"), "Correct Answer", "gpqa_diamond", index)
    incorrect = [_require(_first(row, f"Incorrect Answer {k}"), f"Incorrect Answer {k}", "gpqa_diamond", index)
                 for k in (1, 2, 3)]
    options, letter = shuffled_options(question, correct, incorrect, seed)
    lines = [question, ""] + [f"{CHOICE_LETTERS[k]}) {option}" for k, option in enumerate(options)]
    lines += ["", "Give the letter (A, B, C or D) of the correct option as your final answer."]
    problem_id = str(_first(row, "Record ID") or index)
    return Problem("gpqa_diamond", problem_id, "\n".join(lines), letter, answer_type="choice")


@dataclass(frozen=True)
class BenchmarkSpec:
    """Where a benchmark lives (local folder name, Hub id) and how its rows become Problems."""

    name: str
    local_dir: str
    hub_id: str
    hub_config: str | None
    hub_split: str
    to_problem: Callable[[dict, int], Problem]


BENCHMARKS: dict[str, BenchmarkSpec] = {
    spec.name: spec
    for spec in [
        BenchmarkSpec("math500", "math500", "HuggingFaceH4/MATH-500", None, "test", math500_problem),
        BenchmarkSpec("aime24", "aime24", "HuggingFaceH4/aime_2024", None, "train", aime24_problem),
        BenchmarkSpec("amc23", "amc23", "math-ai/amc23", None, "test", amc23_problem),
        BenchmarkSpec("minerva", "minerva_math", "math-ai/minervamath", None, "test", minerva_problem),
        BenchmarkSpec("olympiadbench", "olympiadbench", "Hothan/OlympiadBench", "OE_TO_maths_en_COMP", "train",
                      olympiadbench_problem),
        BenchmarkSpec("gpqa_diamond", "gpqa_diamond", "Idavidrein/gpqa", "gpqa_diamond", "train",
                      gpqa_diamond_problem),
    ]
}
ALIASES = {"minerva_math": "minerva", "math_500": "math500", "gpqa": "gpqa_diamond", "olympiad": "olympiadbench"}
ALL_BENCHMARKS = list(BENCHMARKS)


def parse_benchmark_names(text: str) -> list[str]:
    """`"math500, minerva_math"` -> `["math500", "minerva"]`; `"all"` -> the six, in the paper's order.

    >>> parse_benchmark_names("math500,minerva_math")
    ['math500', 'minerva']
    """
    if text.strip() == "all":
        return list(ALL_BENCHMARKS)
    names = [ALIASES.get(name.strip(), name.strip()) for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown or not names:
        raise DataError(f"unknown benchmark(s) {unknown or text!r}; choose from {ALL_BENCHMARKS} (or 'all')")
    return list(dict.fromkeys(names))


def benchmark_source(name: str, data_dir: str | Path | None = None, path: str | Path | None = None) -> str:
    """What to load for `name`: `path` if given, else `data_dir/<folder>` if it exists, else the Hub id."""
    if path is not None:
        return str(path)
    if data_dir is not None:
        folder = Path(data_dir).expanduser() / BENCHMARKS[name].local_dir
        files = sorted(f for f in folder.glob("*") if f.suffix in LOCAL_FORMATS) if folder.is_dir() else []
        if len(files) == 1:  # the usual layout (math500/test.jsonl): name the file itself
            return str(files[0])
        if folder.exists():
            return str(folder)
    return BENCHMARKS[name].hub_id


def load_benchmark(name: str, data_dir=None, path=None, limit: int | None = None) -> list[Problem]:
    """The problems of benchmark `name` (see the module table for where they come from), first `limit` only."""
    spec = BENCHMARKS[ALIASES.get(name, name)]
    source = benchmark_source(spec.name, data_dir, path)
    is_hub = source == spec.hub_id
    try:
        raw = load_raw_dataset(source, spec.hub_config if is_hub else None, spec.hub_split)
    except DataError as error:
        raise DataError(f"{spec.name}: {error} A local copy works too: --bench-path {spec.name}=FILE, or "
                        f"--data-dir DIR with a {spec.local_dir}/ folder.") from error
    count = len(raw) if limit is None else min(limit, len(raw))
    return [spec.to_problem(raw[index], index) for index in range(count)]  # raw: a Dataset or a list of rows

"""Benchmark loaders: each real schema -> Problem; literal rows first, then the real files (skipped when absent)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from ghpo.data import DataError
from ghpo.eval.benchmarks import (
    aime24_problem,
    amc23_problem,
    benchmark_source,
    expand_e_notation,
    gpqa_diamond_problem,
    load_benchmark,
    math500_problem,
    minerva_problem,
    number_text,
    olympiadbench_problem,
    parse_benchmark_names,
    shuffled_options,
    unwrap_dollars,
)

BENCH = Path(__file__).resolve().parents[1] / "../shared/data/bench"
GPQA_COLUMNS = ["Record ID", "Question", "Correct Answer", "Incorrect Answer 1", "Incorrect Answer 2",
                "Incorrect Answer 3"]


# ---------------------------------------------------------------- pure helpers


@pytest.mark.parametrize(("text", "expected"), [
    ("4.5e33", r"4.5\times 10^{33}"),
    ("3.83e35", r"3.83\times 10^{35}"),
    ("1.2E-5", r"1.2\times 10^{-5}"),
    ("7e+08", r"7\times 10^{8}"),  # the sign and leading zero of the exponent go
    (r"4.5\times 10^{33}", r"4.5\times 10^{33}"),  # already spelt out
    ("3e^2", "3e^2"),  # e squared, not e-notation
    ("time0e1", "time0e1"),  # inside a word
    ("np.arcsin(10/13)", "np.arcsin(10/13)"),
])
def test_expand_e_notation(text, expected):
    assert expand_e_notation(text) == expected


@pytest.mark.parametrize(("value", "expected"), [(27.0, "27"), ("27.0", "27"), (-3.0, "-3"), (0.5, "0.5"),
                                                 ("025", "025"), ("3159.00", "3159")])
def test_number_text(value, expected):
    assert number_text(value) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("$69$,$84$", "69, 84"),
    ("$(1,1), (3,2)$", "(1,1), (3,2)"),
    (r"$90^{\circ}$,$60^{\circ}$", r"90^{\circ}, 60^{\circ}"),
    ("$221,$8$", "221,8"),  # a broken source string still loses its dollars
    ("2", "2"),
])
def test_unwrap_dollars(text, expected):
    assert unwrap_dollars(text) == expected


def test_parse_benchmark_names():
    assert parse_benchmark_names("all") == ["math500", "aime24", "amc23", "minerva", "olympiadbench", "gpqa_diamond"]
    assert parse_benchmark_names("amc23, minerva_math,amc23") == ["amc23", "minerva"]  # alias, duplicate dropped
    with pytest.raises(DataError, match="unknown benchmark.*'gsm8k'"):
        parse_benchmark_names("math500,gsm8k")


# ---------------------------------------------------------------- one literal row per schema


def test_math500_row():
    row = {"problem": "What is $1+1$?", "solution": r"$\boxed{2}$", "answer": "2", "subject": "Algebra",
           "level": 1, "unique_id": "test/algebra/1.json"}
    problem = math500_problem(row, 0)
    assert (problem.benchmark, problem.problem_id, problem.question, problem.gold) == (
        "math500", "test/algebra/1.json", "What is $1+1$?", "2")


def test_math500_row_without_answer_uses_the_last_box():
    assert math500_problem({"problem": "q", "solution": r"\boxed{1} then \boxed{3}"}, 4).gold == "3"


def test_aime_keeps_leading_zeros_in_both_spellings():
    assert aime24_problem({"id": 61, "problem": "q", "answer": "025"}, 0).gold == "025"
    hub_row = {"ID": "2024-I-1", "Problem": "q", "Answer": 204}  # Maxwell-Jia/AIME_2024 spelling, int answer
    assert (aime24_problem(hub_row, 0).gold, aime24_problem(hub_row, 0).problem_id) == ("204", "2024-I-1")


def test_amc_float_answer_becomes_an_integer_string():
    problem = amc23_problem({"id": 0, "question": "q", "answer": 27.0, "url": "u"}, 0)
    assert problem.gold == "27" and problem.question == "q"


def test_minerva_gold_is_the_boxed_answer_with_e_notation_spelt_out():
    row = {"problem": "L?", "solution": r"L \simeq \boxed{4.5e33} \mathrm{ergs}", "type": "Astro", "idx": 1}
    problem = minerva_problem(row, 0)
    assert problem.gold == r"4.5\times 10^{33}" and problem.expand_e_notation and problem.problem_id == "1"
    assert minerva_problem({"question": "q", "answer": "1.6"}, 3).gold == "1.6"  # math-ai/minervamath layout


def test_olympiadbench_multiple_answers_and_unit():
    row = {"id": 7, "question": "Find all x.", "solution": ["..."], "final_answer": ["$-2,0,2$"],
           "is_multiple_answer": True, "unit": None}
    problem = olympiadbench_problem(row, 0)
    assert problem.gold == "-2,0,2" and "more than one answer" in problem.question
    with_unit = olympiadbench_problem({**row, "final_answer": ["45"], "is_multiple_answer": False,
                                       "unit": "minute"}, 0)
    assert with_unit.gold == "45" and with_unit.question.endswith("The unit of the answer is minute; give the "
                                                                  "number without the unit.")


def test_missing_question_is_named():
    with pytest.raises(DataError, match="amc23 row 3: no question"):
        amc23_problem({"answer": 1.0}, 3)


# ---------------------------------------------------------------- GPQA-Diamond: synthetic rows only


def gpqa_row(index: int) -> dict:
    return {"Record ID": f"rec{index}", "Question": f"Synthetic question {index}?", "Correct Answer": f"right {index}",
            "Incorrect Answer 1": f"wrong a{index}", "Incorrect Answer 2": f"wrong b{index}",
            "Incorrect Answer 3": f"wrong c{index}"}


def test_shuffled_options_are_fixed_per_question_and_seed():
    first = shuffled_options("Q?", "right", ["w1", "w2", "w3"])
    assert first == shuffled_options("Q?", "right", ["w1", "w2", "w3"])  # same question, same order
    assert sorted(first[0]) == ["right", "w1", "w2", "w3"]
    assert first[0]["ABCD".index(first[1])] == "right"


def test_shuffled_options_spread_the_correct_letter():
    # 200 synthetic questions: each letter should be gold roughly 50 times (never 0, never 200).
    letters = Counter(shuffled_options(f"Q{i}?", "r", ["a", "b", "c"])[1] for i in range(200))
    assert set(letters) == set("ABCD") and min(letters.values()) > 25


def test_gpqa_row_lists_the_options_and_the_letter_of_the_correct_one():
    problem = gpqa_diamond_problem(gpqa_row(1), 0)
    lines = problem.question.splitlines()
    options = {line[0]: line[3:] for line in lines if line[:3] in ("A) ", "B) ", "C) ", "D) ")}
    assert options[problem.gold] == "right 1" and problem.answer_type == "choice"
    assert problem.problem_id == "rec1" and lines[0] == "Synthetic question 1?"


def test_gpqa_from_a_synthetic_csv_with_the_original_columns(tmp_path):
    path = tmp_path / "gpqa_diamond" / "gpqa_diamond.csv"
    path.parent.mkdir()
    with open(path, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=GPQA_COLUMNS)
        writer.writeheader()
        writer.writerows(gpqa_row(i) for i in range(3))
    assert benchmark_source("gpqa_diamond", tmp_path) == str(path)
    problems = load_benchmark("gpqa_diamond", data_dir=tmp_path)
    assert [p.problem_id for p in problems] == ["rec0", "rec1", "rec2"]
    assert all(p.gold in "ABCD" for p in problems)
    assert load_benchmark("gpqa", path=path, limit=2)[1] == problems[1]  # alias, explicit path, limit


def test_benchmark_source_falls_back_to_the_hub_id(tmp_path):
    assert benchmark_source("math500", tmp_path) == "HuggingFaceH4/MATH-500"
    assert benchmark_source("olympiadbench", None) == "Hothan/OlympiadBench"


def test_hub_unreachable_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DataError, match="amc23: could not fetch dataset 'math-ai/amc23'.*--bench-path amc23=FILE"):
        load_benchmark("amc23", data_dir=None)


# ---------------------------------------------------------------- the real files


@pytest.fixture(scope="module")
def bench_dir() -> Path:
    if not BENCH.is_dir():
        pytest.skip(f"benchmark data not found at {BENCH} (shared data folder absent)")
    return BENCH


@pytest.mark.parametrize(("name", "rows", "first_golds"), [
    ("math500", 500, [r"\left( 3, \frac{\pi}{2} \right)", "p - q", r"\frac{14}{3}"]),
    ("aime24", 30, ["204", "113", "371"]),
    ("amc23", 40, ["27", "36", "45"]),
    ("minerva", 272, ["1.6", r"4.5\times 10^{33}", "41.8"]),
    ("olympiadbench", 675, ["2", r"\frac{1}{2 n+2}", "2^{1009}"]),
])
def test_real_benchmark_files(bench_dir, name, rows, first_golds):
    problems = load_benchmark(name, data_dir=bench_dir)
    assert len(problems) == rows and [p.gold for p in problems[:3]] == first_golds
    assert all(p.gold and p.question for p in problems)
    assert len({p.problem_id for p in problems}) == rows  # ids are unique: --compare pairs problems by them


def test_real_aime_leading_zeros_survive(bench_dir):
    golds = [p.gold for p in load_benchmark("aime24", data_dir=bench_dir)]
    assert "025" in golds and sum(g.startswith("0") for g in golds) == 7


def test_real_minerva_has_no_e_notation_gold_left(bench_dir):
    golds = [p.gold for p in load_benchmark("minerva", data_dir=bench_dir)]
    assert not any(expand_e_notation(g) != g for g in golds)
    assert sum(r"\times 10^{" in g for g in golds) >= 8

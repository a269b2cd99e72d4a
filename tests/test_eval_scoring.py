"""Scoring: the training checker on each benchmark's gold forms, letters for GPQA, a hard timeout."""

from __future__ import annotations

import time

import pytest

from ghpo.checker import AnswerChecker
from ghpo.eval.benchmarks import Problem
from ghpo.eval.scoring import checked_text, choice_letter, extracted_answer, score_completions


@pytest.fixture(scope="module")
def checker():
    with AnswerChecker(timeout_s=2.0, num_workers=2) as checker:
        yield checker


@pytest.mark.parametrize(("completion", "expected"), [
    ("<answer>C</answer>", "C"),
    ("<answer>(B)</answer>", "B"),
    (r"so $\boxed{D}$", "D"),
    (r"\boxed{\text{A}}", "A"),
    ("The answer is (A).", "A"),
    ("Answer: C", "C"),
    ("first the answer is A, but on reflection the answer is D", "D"),  # the last one counts
    ("the answer is a number near 3", None),  # lower-case 'a' is an article, not option A
    ("<answer>42</answer>", None),
    ("", None),
])
def test_choice_letter(completion, expected):
    assert choice_letter(completion) == expected


def test_extracted_answer_per_answer_type():
    math = Problem("math500", "1", "q", "2")
    choice = Problem("gpqa_diamond", "1", "q", "B", answer_type="choice")
    assert extracted_answer(math, r"so \boxed{2}") == "2"
    assert extracted_answer(choice, r"so \boxed{B}") == "B"
    assert extracted_answer(math, "no answer") is None


def test_checked_text_spells_out_e_notation_only_where_asked():
    minerva = Problem("minerva", "1", "q", r"4.5\times 10^{33}", expand_e_notation=True)
    math = Problem("math500", "1", "q", "2")
    assert checked_text(minerva, r"\boxed{4.5e33}") == r"\boxed{4.5\times 10^{33}}"
    assert checked_text(math, r"\boxed{4.5e33}") == r"\boxed{4.5e33}"


def test_each_benchmarks_gold_forms(checker):
    problems = [
        Problem("amc23", "0", "q", "27"),  # stored as 27.0
        Problem("aime24", "1", "q", "025"),  # leading zero kept in the gold
        Problem("minerva", "2", "q", r"4.5\times 10^{33}", expand_e_notation=True),
        Problem("olympiadbench", "3", "q", "69, 84"),
        Problem("math500", "4", "q", r"\frac{14}{3}"),
        Problem("gpqa_diamond", "5", "q", "C", answer_type="choice"),
    ]
    completions = [
        [r"\boxed{27}", r"\boxed{27.0}", r"\boxed{28}"],
        [r"\boxed{25}", r"\boxed{025}", r"\boxed{250}"],
        [r"\boxed{4.5e33}", r"\boxed{4.5 \times 10^{33}}", r"\boxed{4.5e34}"],
        [r"\boxed{84, 69}", r"\boxed{69, 84}", r"\boxed{69}"],  # a set of answers: order free, all needed
        [r"<answer>\dfrac{14}{3}</answer>", r"\boxed{4.6667}", r"\boxed{14/3}"],
        ["<answer>C</answer>", "The answer is (C)", r"\boxed{B}"],
    ]
    assert score_completions(problems, completions, checker) == [
        [1.0, 1.0, 0.0],
        [1.0, 1.0, 0.0],
        [1.0, 1.0, 0.0],
        [1.0, 1.0, 0.0],
        [1.0, 0.0, 1.0],  # 4.6667 is not 14/3 for math-verify (6-decimal rounding)
        [1.0, 1.0, 0.0],
    ]


def test_score_completions_checks_lengths(checker):
    with pytest.raises(ValueError, match="2 problems but 1 lists"):
        score_completions([Problem("a", "1", "q", "1")] * 2, [["x"]], checker)


def test_a_pathological_answer_times_out_and_the_rest_are_scored():
    # sympy would compare two numbers with billions of digits for ever (see tests/test_checker.py)
    problems = [Problem("math500", "0", "q", r"10^{10^{10}}"), Problem("math500", "1", "q", r"\frac{1}{2}")]
    completions = [[r"\boxed{((10!)!)!}"], [r"\boxed{0.5}"]]
    with AnswerChecker(timeout_s=1.0, num_workers=1) as checker:
        started = time.perf_counter()
        scores = score_completions(problems, completions, checker)
        assert time.perf_counter() - started < 20
        assert scores == [[0.0], [1.0]] and checker.timeouts_total == 1

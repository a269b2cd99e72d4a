r"""Lenient answer extraction (evaluation only): final answers stated without a box, as a reader reads them.

Training's reading stays strict: the `<answer>` block, else the last `\boxed{}`, else math-verify's own search of the
whole text. Lenient changes only completions with neither a block nor a box, and only where a protocol asks for it.
"""

from __future__ import annotations

import pytest

from ghpo.checker import AnswerChecker
from ghpo.eval.benchmarks import Problem
from ghpo.eval.extraction import stated_answer, text_for_checker, unboxed_answer
from ghpo.eval.scoring import extracted_answer, score_completions


@pytest.fixture(scope="module")
def checker():
    with AnswerChecker(timeout_s=5.0, num_workers=2) as checker:
        yield checker


@pytest.mark.parametrize(
    ("completion", "expected"),
    [
        # after the last "final answer" marker: its first maths, else its first number
        ("3 + 4 = 7 ways, and 9 with the extra chair.\n\n**Final Answer:** 7", "7"),
        ("Step 1: 3 + 4 = 7.\n\n**Final Answer**\n\nThe number of ways is 7.", "7"),  # the marker alone on its line
        ("... so 1 - 1/4.\n\nThe final answer is $\\dfrac{3}{4}$. I hope it is correct.", r"\dfrac{3}{4}"),
        ("Answer: 7\n\nVerification: 3 + 4 = 7, and 7 - 3 = 4.", "7"),
        ("**Final Answer:** **12 handshakes**", "12"),  # a number then words is the number
        # else the later of the last concluding "so ... is X" and the last displayed expression
        (r"We count 3, 4 and 5 cases. Adding, so the count is \(12\).", "12"),
        (r"So the count is \(12\) (out of \(20\) arrangements).", "12"),
        ("So the count is \\(12\\).\n\nCheck: for \\(n = 3\\) we would get \\(5\\), consistent.", "12"),
        ("Therefore, the total is **12**.", "12"),
        ("Thus\n$$\nP = \\frac{6}{12} = \\frac{1}{2}.\n$$", r"P = \frac{6}{12} = \frac{1}{2}"),
        ("So the first term is \\(2\\), and then\n\\[\na_5 = 2 \\cdot 3^4 = 162\n\\]", r"a_5 = 2 \cdot 3^4 = 162"),
        # nothing stated that way, or a box / answer block (the strict reading applies)
        ("I am not sure how to go on.", None),
        ("We get \\(x = 5\\).", None),  # no marker, no conclusion, no display: math-verify's own search decides
        (r"so the answer is $\boxed{3}$", None),
        (r"2 + 2 gives \boxed{4", None),  # cut off inside its box: no answer, even when lenient
        ("<think>7</think><answer>7</answer>", None),
    ],
)
def test_unboxed_answer(completion, expected):
    assert unboxed_answer(completion) == expected


def test_text_for_checker_boxes_the_unboxed_answer_only_when_lenient():
    unboxed = r"So the count is \(12\) (out of \(20\) arrangements)."
    assert text_for_checker(unboxed, "strict") == unboxed
    assert text_for_checker(unboxed, "lenient") == r"$\boxed{12}$"
    boxed = r"so $\boxed{12}$"
    assert text_for_checker(boxed, "lenient") == boxed
    with pytest.raises(ValueError, match="answer_extraction must be one of"):
        text_for_checker(boxed, "loose")


def test_stated_answer_for_the_samples_file():
    assert stated_answer(r"So the count is \(12\).", "strict") is None
    assert stated_answer(r"So the count is \(12\).", "lenient") == "12"
    assert stated_answer(r"so $\boxed{3}$", "lenient") == "3"
    assert extracted_answer(Problem("math500", "1", "q", "12"), "**Final Answer:** 12", "lenient") == "12"


UNBOXED = [  # (gold, completion, strict = the training reward's reading, lenient)
    ("12", r"So the count is \(12\) (out of \(20\) arrangements).", 0.0, 1.0),  # math-verify takes the last, 20
    ("12", "So the count is \\(12\\).\n\nCheck: for \\(n = 3\\) we would get \\(5\\), consistent.", 0.0, 1.0),
    (r"\frac{1}{2}", "Thus\n$$\nP = \\frac{6}{12} = \\frac{1}{2}.\n$$", 0.0, 1.0),
    ("7", "3 + 4 = 7.\n\n**Final Answer:** The number of ways is 7", 1.0, 1.0),  # math-verify finds it too
    # near misses stay wrong either way
    ("12", r"So the count is \(13\) (out of \(20\) arrangements).", 0.0, 0.0),
    ("7", "3 + 4 = 7 ways, but two repeat.\n\n**Final Answer:** 5", 0.0, 0.0),
    ("12", r"so $\boxed{13}$, not \(12\)", 0.0, 0.0),  # a box: both read the box
]


@pytest.mark.parametrize(("gold", "completion", "strict", "lenient"), UNBOXED)
def test_strict_is_the_training_reading_and_lenient_accepts_unboxed_answers(checker, gold, completion, strict,
                                                                         lenient):
    problem = Problem("math500", "0", "q", gold)
    assert score_completions([problem], [[completion]], checker, "strict") == [[strict]]
    assert checker.check_many([(gold, completion)]) == [strict]  # strict is exactly what training scores
    assert score_completions([problem], [[completion]], checker, "lenient") == [[lenient]]

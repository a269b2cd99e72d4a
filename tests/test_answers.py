r"""Tests for ghpo.answers: finding boxed answers, gold answers, tagged answers; the
normalisation behind the exact-match fast path. Pure string work, no math-verify."""

from __future__ import annotations

import pytest

from ghpo.answers import extract_tagged, final_answer, gold_answer, last_boxed, normalize_answer

# ---------------------------------------------------------------- last_boxed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"so $\boxed{42}$.", "42"),
        # nested braces stay whole: the box closes at the brace matching its own `{`
        (r"$\boxed{\frac{1}{2}}$", r"\frac{1}{2}"),
        (r"\boxed{\sqrt{\frac{a}{b}}+1}", r"\sqrt{\frac{a}{b}}+1"),
        # escaped braces are characters, not groups: `\{1,2\}` has no unmatched `}`
        (r"\boxed{\{1,2\}}", r"\{1,2\}"),
        (r"\fbox{7}", "7"),
        # the brace-less form takes one token, up to whitespace or `$`
        (r"hence $\boxed 2$.", "2"),
        (r"hence \boxed 9 is it", "9"),
        (r"\boxed {5}", "5"),  # LaTeX allows a space before the argument
        # several boxes: the last one is the final answer
        (r"\boxed{1}, then \boxed{2}, finally \fbox{3}", "3"),
        # a box inside a box belongs to the outer one
        (r"\boxed{\boxed{4}+1}", r"\boxed{4}+1"),
        (r"\boxed{}", ""),  # present but empty
        ("no box at all", None),
        ("", None),
        # the last box is unbalanced: there is no readable final answer, even though an
        # earlier box was fine (a truncated completion)
        (r"\boxed{1} and then \boxed{\frac{2}{3}", None),
        (r"\boxed{", None),
        (r"dangling \boxed", None),
        (r"\boxedfoo{1}", None),  # another macro, not \boxed
    ],
)
def test_last_boxed(text, expected):
    assert last_boxed(text) == expected


# ---------------------------------------------------------------- gold_answer


@pytest.mark.parametrize(
    ("answer", "solution", "expected"),
    [
        ("025", "irrelevant \\boxed{1}", ("025", "answer")),  # AIME: the string is kept as is
        ("  \\frac{1}{2} ", None, ("\\frac{1}{2}", "answer")),  # stripped
        (27.0, None, ("27.0", "answer")),  # AMC floats stay floats-as-text
        (42, None, ("42", "answer")),
        # empty / missing answer: the last box of the worked solution
        ("", r"so $x = \boxed{5}$ and the area is $\boxed{10}$.", ("10", "boxed")),
        ("   ", r"$\boxed{ 3 }$", ("3", "boxed")),
        (None, r"The answer is $\boxed 2$.", ("2", "boxed_no_braces")),
        (float("nan"), r"$\boxed{7}$", ("7", "boxed")),  # pandas' empty cell
        (None, "no box in this solution", (None, "missing")),
        (None, r"\boxed{}", (None, "missing")),  # an empty box is no answer
        (None, None, (None, "missing")),
        ("", "", (None, "missing")),
    ],
)
def test_gold_answer(answer, solution, expected):
    assert gold_answer(answer, solution) == expected


@pytest.mark.parametrize(("answer", "solution", "type_name"), [
    (["1"], None, "list"),
    (True, None, "bool"),  # a bool is an int to Python, never an answer here
    (None, 3, "int"),
])
def test_gold_answer_rejects_other_types(answer, solution, type_name):
    with pytest.raises(TypeError, match=type_name):
        gold_answer(answer, solution)


# ---------------------------------------------------------------- extract_tagged / final_answer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<think>\nx\n</think>\n<answer>\n2\n</answer>", "2"),
        ("<answer>1</answer> no wait <answer>3</answer>", "3"),  # last block wins
        ("<answer>\n</answer>", ""),
        ("<answer>2", None),  # never closed
        ("2</answer>", None),
        ("no tags", None),
    ],
)
def test_extract_tagged(text, expected):
    assert extract_tagged(text, "answer") == expected


def test_extract_tagged_other_tag():
    assert extract_tagged("<think> a+b </think>", "think") == "a+b"


@pytest.mark.parametrize(
    ("completion", "expected"),
    [
        ("<think>3?</think><answer>\n0.5\n</answer>", "0.5"),
        # a box inside the answer block is the answer; text around it is not
        ("<think>..</think><answer>The answer is $\\boxed{7}$.</answer>", "7"),
        # without an answer block: the last box of the whole text
        ("<think>\\boxed{1}</think> so \\boxed{4}", "4"),
        ("I have no idea", None),
    ],
)
def test_final_answer(completion, expected):
    assert final_answer(completion) == expected


# ---------------------------------------------------------------- normalize_answer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  42 ", "42"),
        ("$\\frac{1}{2}$", "\\frac{1}{2}"),
        ("\\dfrac{1}{2}", "\\frac{1}{2}"),
        ("\\tfrac12", "\\frac12"),
        ("\\left( 1, 2 \\right)", "(1,2)"),
        ("\\leftarrow", "\\leftarrow"),  # another command: kept
        ("900,\\!000,\\!000", "900,000,000"),
        ("4:30 \\text{ p.m.}", "4:30p.m"),  # wrapper and trailing full stop go
        ("\\text{4:30 p.m.}", "4:30p.m"),
        ("\\$6", "6"),
        ("5.", "5"),
        ("", ""),
    ],
)
def test_normalize_answer(text, expected):
    assert normalize_answer(text) == expected

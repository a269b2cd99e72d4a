r"""Tests for ghpo.answers: finding boxed answers, gold answers, tagged answers; the
normalisation behind the exact-match fast path, and the forms math-verify is given. Pure string
work, no math-verify (tests/test_answer_classes.py checks the same shapes end to end)."""

from __future__ import annotations

import pytest

from ghpo.answers import (
    boxed_contents,
    checkable_answer,
    extract_tagged,
    final_answer,
    gold_answer,
    last_boxed,
    listed_answers,
    normalize_answer,
    tuple_equation_as_list,
)

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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"x = \boxed{3} or x = \boxed{-4}", ["3", "-4"]),
        (r"\boxed{\frac{1}{2}} and \fbox{2}", [r"\frac{1}{2}", "2"]),
        ("no box", []),
        (r"\boxed{1} then \boxed{2", []),  # the last box unreadable: no final answer at all
    ],
)
def test_boxed_contents(text, expected):
    assert boxed_contents(text) == expected


# ---------------------------------------------------------------- checkable_answer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # units in words after a number go, with the spacing, superscript and full stop around them
        (r"6\sqrt{2} \text{ cm}", r"6\sqrt{2}"),
        (r"15~\text{cm}^{2}.", "15"),
        (r"864 \mbox{ inches}^2", "864"),
        (r"3 \text{ km}/\text{h}", "3"),
        (r"\frac{270}7\text{ degrees}", r"\frac{270}7"),
        (r"\text{12 inches}", "12"),
        # words that are the answer, or that change the value, stay
        (r"\text{east}", r"\text{east}"),
        (r"\text{(C)}", r"\text{(C)}"),
        (r"4:30\text{ p.m.}", r"4:30\text{ p.m.}"),
        (r"10\%\text{ increase}", r"10\%\text{ increase}"),
        (r"2+3\mathrm{i}", r"2+3\mathrm{i}"),  # the imaginary unit, not a unit
        (r"x\text{ cm}", r"x\text{ cm}"),  # no number before the words
        # currency and thousands separators
        (r"\$18.90", "18.90"),
        (r"\$ 5", "5"),
        (r"\$32,\!348", "32348"),
        (r"2 {,} 500", "2500"),
        (r"1{,}008{,}016", "1008016"),
        (r"10\,000", "10000"),
        ("1, 2", "1, 2"),  # a list: no three digits after the comma
        ("1,000", "1,000"),  # plain commas are math-verify's to read
        # lists
        ("$3$,$-4$", "3, -4"),
        ("$f(n)=n$, $g(n)=1$", "f(n)=n, g(n)=1"),
        (r"6, 8\text{, and }10", "6, 8, 10"),
        (r"$f(x)=ax+b$, where $b$ is any integer", r"$f(x)=ax+b$, where $b$ is any integer"),  # prose: kept
        ("", ""),
    ],
)
def test_checkable_answer(text, expected):
    assert checkable_answer(text) == expected
    assert checkable_answer(expected) == expected  # idempotent


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$3$,$-4$", ["3", "-4"]),
        ("1, -7", ["1", "-7"]),
        (r"2, 3, \text{ and } 4", ["2", "3", "4"]),
        ("(2,32), (8,18)", ["(2,32)", "(8,18)"]),
        ("p(x)=x, q(x)=2", ["p(x)=x", "q(x)=2"]),
        ("[2, 5]", ["[2, 5]"]),  # an interval is one answer
        (r"\{1, 2\}", [r"\{1, 2\}"]),
        ("1,000", ["1,000"]),  # a thousand
        (r"2{,}500", ["2500"]),
        ("42", ["42"]),
    ],
)
def test_listed_answers(text, expected):
    assert listed_answers(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(p(x), q(x)) = (x, 2)", "p(x) = x, q(x) = 2"),
        (r"\left( f(n), g(n) \right) = \left( n, 1 \right)", "f(n) = n, g(n) = 1"),
        ("(a, b, c) = (1, (2, 3), 4)", "a = 1, b = (2, 3), c = 4"),  # a component may be a tuple
        ("(a, b) = (1, 2, 3)", "(a, b) = (1, 2, 3)"),  # lengths differ: not a tuple equation
        ("(a) = (1)", "(a) = (1)"),  # one component: nothing to split
        ("(1, 2)", "(1, 2)"),
        ("(a+b) (c) = (1, 2)", "(a+b) (c) = (1, 2)"),
        ("[a, b] = [1, 2]", "[a, b] = [1, 2]"),
    ],
)
def test_tuple_equation_as_list(text, expected):
    assert tuple_equation_as_list(text) == expected

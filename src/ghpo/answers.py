r"""Pure text helpers for final answers: find them, compare them cheaply.

Nothing here imports math-verify or sympy; these functions only cut strings. The answer
checker (`ghpo.checker`) and the reward functions (`ghpo.rewards`) build on them.

    last_boxed(text)                 -> content of the last \boxed{...} / \fbox{...} / \boxed 2
    gold_answer(answer, solution)    -> (gold, how it was found)
    extract_tagged(text, tag)        -> content of the last <tag>...</tag>
    final_answer(completion)         -> the answer a completion states (tagged, else boxed)
    normalize_answer(text)           -> light canonical form for the exact-match fast path
"""

from __future__ import annotations

import math
import numbers
import re

# `\boxed` or `\fbox` as a whole command: `\boxedx` would be another macro.
_BOX_COMMAND = re.compile(r"\\(?:boxed|fbox)(?![A-Za-z])")
# Argument of the brace-less form `\boxed 2`: one token, ended by whitespace or `$`.
_BRACELESS_TOKEN = re.compile(r"[^\s$]+")


def _matching_brace(text: str, open_index: int) -> int | None:
    r"""Index of the `}` closing the `{` at `open_index`, or None when it never closes.

    Escaped braces (`\{`, `\}`) are literal characters in LaTeX and do not nest.

    >>> _matching_brace(r"{a{b}\}c}", 0)
    8
    >>> _matching_brace("{a{b}", 0) is None
    True
    """
    depth = 0
    index = open_index
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2  # skip the escaped character, whatever it is
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return None


def _last_box(text: str) -> tuple[str, str] | None:
    r"""(content, form) of the last top-level box; form is "braces" or "no_braces".

    The last box command decides: when its argument cannot be read (an unclosed `{`, or
    nothing after `\boxed`), the text has no final boxed answer and the result is None, even
    if an earlier box was fine. A box nested inside another is part of the outer content.

    >>> _last_box(r"\boxed{1} then \boxed 2$")
    ('2', 'no_braces')
    >>> _last_box(r"\boxed{1} then \boxed{2") is None
    True
    """
    last = None
    position = 0
    while (command := _BOX_COMMAND.search(text, position)) is not None:
        after = command.end()
        while after < len(text) and text[after].isspace():
            after += 1
        if after < len(text) and text[after] == "{":
            close = _matching_brace(text, after)
            if close is None:
                return None
            last = (text[after + 1 : close], "braces")
            position = close + 1
            continue
        token = _BRACELESS_TOKEN.match(text, after)
        if token is None:
            return None
        last = (token.group(), "no_braces")
        position = token.end()
    return last


def last_boxed(text: str) -> str | None:
    r"""Content of the last `\boxed{...}` (or `\fbox{...}`, or brace-less `\boxed 2`).

    Braces are matched, so nested braces stay whole; a box inside a box belongs to the
    outer one. Returns None when there is no box or the last one is unbalanced.

    >>> last_boxed(r"so $\boxed{\frac{1}{2}}$.")
    '\\frac{1}{2}'
    >>> last_boxed(r"first \boxed{1}, finally \fbox{2}")
    '2'
    >>> last_boxed(r"hence $\boxed 9$.")
    '9'
    >>> last_boxed(r"\boxed{3") is None
    True
    """
    box = _last_box(text)
    return None if box is None else box[0]


def is_missing(value: object) -> bool:
    """True for None and NaN: how pandas/datasets spell an empty cell."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _answer_as_text(answer: object) -> str | None:
    """A dataset's `answer` cell as a stripped string; None when empty or missing.

    >>> _answer_as_text(" 025 "), _answer_as_text(27.0), _answer_as_text(float("nan"))
    ('025', '27.0', None)
    """
    if is_missing(answer):
        return None
    if isinstance(answer, bool) or not isinstance(answer, (str, numbers.Real)):
        raise TypeError(f"answer must be a string or a number, got {type(answer).__name__}")
    # A float like 27.0 stays "27.0": math-verify compares it numerically with "27".
    text = answer if isinstance(answer, str) else str(answer)
    return text.strip() or None


def gold_answer(answer: object, solution: object) -> tuple[str | None, str]:
    r"""The gold answer of one problem and where it came from.

    Returns `(gold, source)`, with `source` one of:
      "answer"          the `answer` field, non-empty after strip (numbers become strings);
      "boxed"           the last `\boxed{...}` of the worked `solution`;
      "boxed_no_braces" the same, written `\boxed 2` (two MATH training rows do this);
      "missing"         neither gives an answer; `gold` is None.
    None and NaN count as empty (pandas writes empty cells as NaN). Any other type raises
    TypeError.

    >>> gold_answer("025", None)
    ('025', 'answer')
    >>> gold_answer("", r"so $x=\boxed{5}$")
    ('5', 'boxed')
    >>> gold_answer(None, r"is $\boxed 2$.")
    ('2', 'boxed_no_braces')
    >>> gold_answer(None, "no box here")
    (None, 'missing')
    """
    text = _answer_as_text(answer)
    if text is not None:
        return text, "answer"
    if is_missing(solution):
        return None, "missing"
    if not isinstance(solution, str):
        raise TypeError(f"solution must be a string, got {type(solution).__name__}")
    box = _last_box(solution)
    if box is None or not box[0].strip():
        return None, "missing"
    content, form = box
    return content.strip(), "boxed" if form == "braces" else "boxed_no_braces"


def extract_tagged(text: str, tag: str) -> str | None:
    """Content of the last complete `<tag>...</tag>`, stripped; None when there is none.

    >>> extract_tagged("<think>1+1</think>\\n<answer>\\n2\\n</answer>", "answer")
    '2'
    >>> extract_tagged("<answer>2", "answer") is None
    True
    """
    escaped = re.escape(tag)
    blocks = re.findall(rf"<{escaped}>(.*?)</{escaped}>", text, flags=re.DOTALL)
    return blocks[-1].strip() if blocks else None


def final_answer(completion: str) -> str | None:
    r"""The answer a completion states: `<answer>` content (its last box if it has one),
    else the last box of the whole text; None when it states none.

    >>> final_answer("<think>...</think><answer>The answer is $\\boxed{7}$.</answer>")
    '7'
    >>> final_answer("<answer>x = 3</answer>")
    'x = 3'
    >>> final_answer(r"... so \boxed{4}") , final_answer("I give up") is None
    ('4', True)
    """
    tagged = extract_tagged(completion, "answer")
    if tagged is not None:
        boxed = last_boxed(tagged)
        return tagged if boxed is None else boxed
    return last_boxed(completion)


_TEXT_WRAPPER = re.compile(r"\\(?:text|textbf|textrm|mbox|mathrm)\{([^{}]*)\}")
_SIZED_DELIMITER = re.compile(r"\\(?:left|right)(?![A-Za-z])")
_THIN_SPACE = re.compile(r"\\[!,;:]")


def normalize_answer(text: str) -> str:
    r"""A light canonical form: two answers equal after this are the same answer.

    Only drops what never changes the value: spaces, `$` (and `\$`), `\!` and other thin spaces,
    `\left`/`\right`, `\text{}`-style wrappers (keeping their words), `\dfrac`/`\tfrac`
    spelt `\frac`, and a trailing full stop. Anything subtler is math-verify's job.

    >>> normalize_answer(r"$\left( 1, 2 \right)$.")
    '(1,2)'
    >>> normalize_answer(r"4:30 \text{ p.m.}") == normalize_answer(r"\text{4:30 p.m.}")
    True
    >>> normalize_answer(r"\dfrac{1}{2}"), normalize_answer(r"900,\!000")
    ('\\frac{1}{2}', '900,000')
    """
    text = _TEXT_WRAPPER.sub(r"\1", text)
    text = _SIZED_DELIMITER.sub("", text)
    text = _THIN_SPACE.sub("", text)
    text = re.sub(r"\\[dt]frac(?![A-Za-z])", r"\\frac", text)
    text = re.sub(r"\s+|\\?\$", "", text)  # `\$6` is six dollars: the sign goes too
    return text.rstrip(".")

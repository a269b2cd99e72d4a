r"""Pure text helpers for final answers: find them, compare them cheaply.

Nothing here imports math-verify or sympy; these functions only cut strings. The answer
checker (`ghpo.checker`) and the reward functions (`ghpo.rewards`) build on them.

    last_boxed(text)                 -> content of the last \boxed{...} / \fbox{...} / \boxed 2
    boxed_contents(text)             -> the content of every box, in order
    gold_answer(answer, solution)    -> (gold, how it was found)
    extract_tagged(text, tag)        -> content of the last <tag>...</tag>
    final_answer(completion)         -> the answer a completion states (tagged, else boxed)
    normalize_answer(text)           -> light canonical form for the exact-match fast path
    checkable_answer(text)           -> the answer as math-verify should read it (units, `\$`, `{,}` off)
    listed_answers(text)             -> the answers a list gold names: `3, -4` -> ['3', '-4']
    tuple_equation_as_list(text)     -> `(p(x), q(x)) = (x, 2)` -> `p(x) = x, q(x) = 2`
    stated_form(answer, gold)        -> a stated answer in the form math-verify compares with `gold`
    last_boxes_listed(text, gold)    -> a gold of n answers: the completion's last n boxes as one list
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


def _boxes(text: str) -> list[tuple[str, str]] | None:
    r"""(content, form) of every top-level box, in order; form is "braces" or "no_braces".

    The last box command decides: when its argument cannot be read (an unclosed `{`, or
    nothing after `\boxed`), the text has no final boxed answer and the result is None, even
    if an earlier box was fine. A box nested inside another is part of the outer content.

    >>> _boxes(r"\boxed{1} then \boxed 2$")
    [('1', 'braces'), ('2', 'no_braces')]
    >>> _boxes(r"\boxed{1} then \boxed{2") is None
    True
    """
    boxes = []
    position = 0
    while (command := _BOX_COMMAND.search(text, position)) is not None:
        after = command.end()
        while after < len(text) and text[after].isspace():
            after += 1
        if after < len(text) and text[after] == "{":
            close = _matching_brace(text, after)
            if close is None:
                return None
            boxes.append((text[after + 1 : close], "braces"))
            position = close + 1
            continue
        token = _BRACELESS_TOKEN.match(text, after)
        if token is None:
            return None
        boxes.append((token.group(), "no_braces"))
        position = token.end()
    return boxes


def _last_box(text: str) -> tuple[str, str] | None:
    """(content, form) of the last top-level box (see `_boxes`), or None."""
    boxes = _boxes(text)
    return boxes[-1] if boxes else None


def boxed_contents(text: str) -> list[str]:
    r"""The content of every top-level box, in order; [] when there is none or the last is unreadable.

    >>> boxed_contents(r"x = \boxed{3} or x = \boxed{-4}"), boxed_contents(r"\boxed{1} then \boxed{2")
    (['3', '-4'], [])
    """
    return [content for content, _ in _boxes(text) or []]


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


# ---------------------------------------------------------------- what math-verify should read

# `$3$,$-4$` or `$f(n)=n$, $g(n)=1$`: OlympiadBench writes a list gold one `$...$` per item.
_DOLLAR_LIST = re.compile(r"\s*\$[^$]+\$(?:\s*(?:,|and|\\text\{\s*and\s*\})\s*\$[^$]+\$)*\s*")
_CURRENCY = re.compile(r"\\\$\s*")
# `2{,}500`, `32,\!348`, `10\,000`: a separator only when three digits follow, so a list `1, 2` is untouched.
_THOUSANDS_SEPARATOR = re.compile(r"(?<=\d)(?:\s*\{\s*,\s*\}\s*|,\\!\s*|\\[,!])(?=\d{3}(?!\d))")
# `2, 3, \text{ and } 4`, `6, 8\text{, and }10`: the words between list items are a comma.
_LIST_WORDS = re.compile(r",?\s*\\(?:text|textrm|mbox)\{\s*,?\s*(?:and|or)\s*\}\s*")
_WORDS = r"\\(?:text|textrm|textnormal|mbox|mathrm|rm)\s*\{[^{}]*[A-Za-z][^{}]*\}(?:\s*\^\s*\{?\d\}?)?"
_SPACING = r"(?:\s|~|\\[,:; ]|\\q?quad)*"
# A unit in words after a number or a closing bracket: `6\sqrt{2}\text{ cm}`, `15~\text{cm}^2`, `3\text{ km}/\text{h}`.
_UNIT_TAIL = re.compile(rf"(?<=[\d}})\]]){_SPACING}{_WORDS}(?:\s*/\s*{_WORDS}|{_SPACING}{_WORDS})*\s*\.?\s*$")
# The whole answer one `\text{}` of a number then words: `\text{12 inches}`.
_WORDS_AROUND_NUMBER = re.compile(r"\\(?:text|textrm|mbox)\{\s*(-?\d[\d.,]*)\s+[A-Za-z][A-Za-z .^]*\}\s*\.?")
# Words after a number that change what it means: `4:30 p.m.` is not `4:30 a.m.`, `10\% increase` not a decrease.
_MEANINGFUL_WORDS = re.compile(
    r"(?i)(?<![a-z])(?:[ap]\.?\s?m\b\.?|and|or|not|more|less|fewer|increase|decrease|east|west|north|south|"
    r"left|right|clockwise|counterclockwise|before|after|later|earlier|ago|[eij])(?![a-z])")  # e, i, j: numbers


def _strip_unit(text: str) -> str:
    r"""`text` without a unit in words after its number; unchanged when the words mean something.

    >>> _strip_unit(r"6\sqrt{2}\text{ cm}"), _strip_unit(r"15~\text{cm}^2."), _strip_unit(r"\text{12 inches}")
    ('6\\sqrt{2}', '15', '12')
    >>> _strip_unit(r"\text{east}"), _strip_unit(r"4:30\text{ p.m.}"), _strip_unit(r"x\text{ cm}")
    ('\\text{east}', '4:30\\text{ p.m.}', 'x\\text{ cm}')
    """
    whole = _WORDS_AROUND_NUMBER.fullmatch(text.strip())
    if whole is not None and not _MEANINGFUL_WORDS.search(whole.group()[whole.end(1):]):
        return whole[1]
    tail = _UNIT_TAIL.search(text)
    if tail is None or _MEANINGFUL_WORDS.search(tail.group()):
        return text
    value = text[:tail.start()].rstrip()
    # A unit follows a number: `x\text{ cm}` keeps its words (x may be the answer's name for something).
    return value if any(char.isdigit() for char in value) else text


def checkable_answer(text: str) -> str:
    r"""The answer as math-verify should compare it: the same value with what states no value taken off.

    Each is something math-verify's own normalisation misses (measured, math-verify 0.9): the
    `$...$` around each item of a list gold; a currency `\$`; thousands separators `{,}` (with
    spaces), `,\!`, `\,`; `\text{, and }` between list items (-> a comma); a unit in words after
    a number, also with `~` or `^{2}` around it, or `\text{12 inches}` whole. Words alone are an
    answer, not a unit (`\text{east}` stays), and so are words that change the value (`p.m.`).
    Idempotent: applying it twice changes nothing more.

    >>> checkable_answer(r"\$23{,}000"), checkable_answer("$3$,$-4$"), checkable_answer(r"6, 8\text{, and }10")
    ('23000', '3, -4', '6, 8, 10')
    >>> checkable_answer(r"6\sqrt{2} \text{ cm}"), checkable_answer(r"\text{Evelyn}")
    ('6\\sqrt{2}', '\\text{Evelyn}')
    """
    if _DOLLAR_LIST.fullmatch(text) and "\\$" not in text:
        text = re.sub(r"\$\s*(?:,|and|\\text\{\s*and\s*\})\s*\$", ", ", text).replace("$", "")
    text = _CURRENCY.sub("", text)
    text = _THOUSANDS_SEPARATOR.sub("", text)
    text = _LIST_WORDS.sub(", ", text)
    return _strip_unit(text.strip()).strip()


def _top_level_parts(text: str) -> list[str]:
    r"""`text` split at its commas outside any bracket, parts stripped, empty ones dropped.

    >>> _top_level_parts(r"(1,2), \{3, 4\}, [5, 6)")
    ['(1,2)', '\\{3, 4\\}', '[5, 6)']
    """
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]


_PLAIN_THOUSANDS = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?")


def listed_answers(text: str) -> list[str]:
    r"""The answers a gold lists, as `checkable_answer` reads it: several for `3, -4`, one otherwise.

    A tuple or an interval is one answer (its commas are inside brackets), and so is a
    number with plain thousands separators (`1,000`: a thousand, not a list).

    >>> listed_answers("$3$,$-4$"), listed_answers(r"2, 3, \text{ and } 4"), listed_answers("(2,32), (8,18)")
    (['3', '-4'], ['2', '3', '4'], ['(2,32)', '(8,18)'])
    >>> listed_answers("[2, 5]"), listed_answers("1,000")
    (['[2, 5]'], ['1,000'])
    """
    text = checkable_answer(text)
    if "$" in text or _PLAIN_THOUSANDS.fullmatch(text.replace(" ", "")):  # `$`: prose around maths, not a list
        return [text]
    return _top_level_parts(text) or [text]


def _closing_paren(text: str, open_index: int) -> int | None:
    """Index of the `)` closing the `(` at `open_index` (any bracket nests), or None."""
    depth = 0
    for index in range(open_index, len(text)):
        if text[index] in "([{":
            depth += 1
        elif text[index] in ")]}":
            depth -= 1
            if depth == 0:
                return index if text[index] == ")" else None
    return None


def tuple_equation_as_list(text: str) -> str:
    r"""A tuple stated as an equation, one equation per component: the form of a gold that names
    each (`p(x)=x, q(x)=2`). Anything else is returned unchanged.

    >>> tuple_equation_as_list(r"(p(x), q(x)) = (x, 2)")
    'p(x) = x, q(x) = 2'
    >>> tuple_equation_as_list(r"\left(f(n), g(n)\right) = \left(n, 1\right)")
    'f(n) = n, g(n) = 1'
    >>> tuple_equation_as_list("(1, 2)"), tuple_equation_as_list("(a, b) = (1, 2, 3)")
    ('(1, 2)', '(a, b) = (1, 2, 3)')
    """
    plain = _SIZED_DELIMITER.sub("", text).strip()
    left_close = _closing_paren(plain, 0) if plain.startswith("(") else None
    if left_close is None:
        return text
    equals, right = plain[left_close + 1:].partition("=")[1:]
    right = right.strip()
    if not equals or not right.startswith("(") or _closing_paren(right, 0) != len(right) - 1:
        return text
    names, values = _top_level_parts(plain[1:left_close]), _top_level_parts(right[1:-1])
    if len(names) < 2 or len(names) != len(values):
        return text
    return ", ".join(f"{name} = {value}" for name, value in zip(names, values))


def stated_form(answer: str, gold: str | None = None) -> str:
    r"""A stated answer as math-verify should compare it with `gold`: `checkable_answer`'s form, and a tuple
    stated as an equation split into one equation per component when the gold names each.

    >>> stated_form(r"(p(x), q(x)) = (x, 2)", gold="p(x)=x, q(x)=2"), stated_form(r"(a, b) = (3, 4)", gold="(3,4)")
    ('p(x) = x, q(x) = 2', '(a, b) = (3, 4)')
    """
    answer = checkable_answer(answer)
    gold_parts = [] if gold is None else listed_answers(gold)
    if len(gold_parts) > 1 and all("=" in part for part in gold_parts):
        answer = tuple_equation_as_list(answer)
    return answer


def last_boxes_listed(completion: str, gold: str) -> str | None:
    r"""A gold of n > 1 answers, and a completion that boxes them one by one, far apart (`x=\boxed{3}` ...
    `x=\boxed{-4}`): its last n boxes as one list in `stated_form` (a box repeated at once counts once).
    None when the gold is one answer, the completion has fewer boxes, or its last box lists several itself
    (then that box is the answer).

    >>> last_boxes_listed(r"first \boxed{7}? No: x=\boxed{3}, and later x=\boxed{-4}", "$3$,$-4$")
    '3, -4'
    >>> last_boxes_listed(r"x=\boxed{3}, later x=\boxed{-4}", "3") is None
    True
    """
    wanted = len(listed_answers(gold))
    contents = boxed_contents(completion)
    boxes = [box for k, box in enumerate(contents) if k == 0 or box != contents[k - 1]]
    if wanted < 2 or len(boxes) < wanted or len(listed_answers(boxes[-1])) > 1:
        return None
    return ", ".join(stated_form(box, gold) for box in boxes[-wanted:])

r"""Where evaluation reads a completion's final answer: `strict` (the training reward's reading) or `lenient`.

| `answer_extraction` | the answer scored                                                                  |
|---------------------|------------------------------------------------------------------------------------|
| `strict` (default)  | as in training: the `<answer>` block, else the last `\boxed{}`, else what           |
|                     | math-verify finds in the whole text (`ghpo.checker.text_to_parse`)                 |
| `lenient`           | the same for a completion with an `<answer>` block or a box; for one with neither, |
|                     | the answer it states as a reader would find it (`unboxed_answer`), else as strict  |

Lenient is for evaluation only, and only where asked (`ghpo eval --answer-extraction lenient`, or
`answer_extraction: lenient` in a protocol file): it is recorded in summary.json and results.md,
and training never uses it, so a reward still asks for the box (or `<answer>` block) it asks for.

    >>> unboxed_answer("3 + 4 + 5 = 12 ways, but two repeat.\n\n**Final Answer:** 10")
    '10'
    >>> unboxed_answer(r"So the count is \(12\) (out of \(20\) arrangements).")
    '12'
    >>> text_for_checker(r"So the count is \(12\).", "lenient"), text_for_checker(r"So \(12\).", "strict")
    ('$\\boxed{12}$', 'So \\(12\\).')
"""

from __future__ import annotations

import re

from ghpo.answers import extract_tagged, final_answer

ANSWER_EXTRACTIONS = ("strict", "lenient")

# Display maths first (a `$$` is not two `$`), then inline; bold counts only when it holds a number.
_MATH_SPAN = re.compile(
    r"\$\$(?P<display>.+?)\$\$|\\\[(?P<bracket>.+?)\\\]|\\\((?P<inline>.+?)\\\)|(?<![\\$])\$(?P<dollar>[^$]+?)(?<!\\)\$"
    r"|\*\*(?P<bold>[^*\n]*\d[^*\n]*)\*\*",
    re.DOTALL,
)
_DISPLAY = ("display", "bracket")
# The last of these starts the answer statement: `**Final Answer:** 7`, `The final answer is $7$`, `Answer: 7`.
_MARKER = re.compile(r"(?i)final answer|the answer is|answer\s*:")
# A concluding sentence that says what something is: `So the count is \(12\)`, `Therefore, the total is **12**`.
_CONCLUSION = re.compile(r"(?i)(?:^|[.!?:,;\n])\s*(?:so|thus|therefore|hence|finally|in conclusion|in total|altogether)"
                         r"\b[^.!?\n]*?\b(?:is|are|equals|be)\b\s*:?")
_NUMBER = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?(?:\s*/\s*\d+)?%?")
# `12 handshakes`, `7 ways`: a number then words is the number.
_NUMBER_THEN_WORDS = re.compile(rf"({_NUMBER.pattern})\s+[A-Za-z][A-Za-z\s]*")
_PARAGRAPH_END = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"[.!?\n](?:\s|$)|$")


def _masked(text: str, spans: list[re.Match]) -> str:
    """`text` with the inside of every maths span blanked (same length), so its dots and digits are not prose."""
    chars = list(text)
    for span in spans:
        name = span.lastgroup
        for index in range(span.start(name), span.end(name)):
            chars[index] = "#"
    return "".join(chars)


def _answer_between(text: str, masked: str, spans: list[re.Match], start: int, end: int) -> tuple[int, str] | None:
    """(position, answer) of the first maths span starting in [start, end), else of the first number there."""
    for span in spans:
        if start <= span.start() < end:
            return span.start(), span[span.lastgroup]
    number = _NUMBER.search(masked, start, end)
    return None if number is None else (number.start(), text[number.start():number.end()])


def _after_marker(text: str, masked: str, spans: list[re.Match]) -> str | None:
    r"""The answer after the last "final answer" marker, in its paragraph or, when the marker stands alone
    (`**Final Answer**` then a blank line), the next one."""
    markers = list(_MARKER.finditer(masked))
    if not markers:
        return None
    start = markers[-1].end()
    for _ in range(2):
        paragraph_end = _PARAGRAPH_END.search(masked, start + 1)
        end = len(text) if paragraph_end is None else paragraph_end.end()
        found = _answer_between(text, masked, spans, markers[-1].end(), end)
        if found is not None:
            return found[1]
        start = end
    return None


def _conclusion_or_display(text: str, masked: str, spans: list[re.Match]) -> str | None:
    """The later of: the value the last concluding sentence states (`so the count is 12`), and the last
    displayed expression when no maths follows it."""
    candidates = []
    conclusions = list(_CONCLUSION.finditer(masked))
    if conclusions:
        start = conclusions[-1].end()
        found = _answer_between(text, masked, spans, start, _SENTENCE_END.search(masked, start).end())
        if found is not None:
            candidates.append(found)
    if spans and spans[-1].lastgroup in _DISPLAY:
        candidates.append((spans[-1].start(), spans[-1][spans[-1].lastgroup]))
    return max(candidates)[1] if candidates else None


def unboxed_answer(completion: str) -> str | None:
    r"""The final answer a completion without a box or `<answer>` block states, as a reader finds it; None when
    it has a box or a block (strict reading applies) or states nothing this way.

    In order: what follows its last "final answer" / "the answer is" / "Answer:" (the first maths there, else the
    first number); else the later of its last concluding "so/thus/therefore ... is X" and its last displayed
    expression (`\[...\]`, `$$...$$`) with no maths after it.

    >>> unboxed_answer("Step 1: 3 + 4 = 7.\n\n**Final Answer**\n\nThe number of ways is 7.")
    '7'
    >>> unboxed_answer("So the count is \\(12\\).\n\nCheck: for \\(n = 3\\) we would get \\(5\\), consistent.")
    '12'
    >>> unboxed_answer("Thus\n$$\nP = \\frac{6}{12} = \\frac{1}{2}.\n$$")
    'P = \\frac{6}{12} = \\frac{1}{2}'
    >>> unboxed_answer(r"so $\boxed{3}$") is None, unboxed_answer("I am not sure.") is None
    (True, True)
    """
    if "\\boxed" in completion or "\\fbox" in completion or extract_tagged(completion, "answer") is not None:
        return None
    spans = list(_MATH_SPAN.finditer(completion))
    masked = _masked(completion, spans)
    answer = _after_marker(completion, masked, spans) or _conclusion_or_display(completion, masked, spans)
    if answer is None:
        return None
    answer = answer.strip().rstrip(".,;:\\").strip()  # a trailing `\\` is a display's line break
    number = _NUMBER_THEN_WORDS.fullmatch(answer)
    return (number[1] if number else answer) or None


def text_for_checker(completion: str, answer_extraction: str = "strict") -> str:
    r"""The completion as the checker should read it: itself (strict, or lenient with a box or `<answer>` block, or
    with no answer found), else its unboxed answer boxed, `$\boxed{...}$`."""
    if answer_extraction not in ANSWER_EXTRACTIONS:
        raise ValueError(f"answer_extraction must be one of {ANSWER_EXTRACTIONS}, got {answer_extraction!r}")
    stated = unboxed_answer(completion) if answer_extraction == "lenient" else None
    return completion if stated is None else f"$\\boxed{{{stated}}}$"


def stated_answer(completion: str, answer_extraction: str = "strict") -> str | None:
    """The answer a completion states, for samples.jsonl: `final_answer`, and under lenient its unboxed answer."""
    stated = final_answer(completion)
    if stated is None and answer_extraction == "lenient":
        return unboxed_answer(completion)
    return stated

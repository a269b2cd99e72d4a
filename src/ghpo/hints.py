"""Hint text: solution -> prefix at ratio ω, shortened to a token budget, and the hinted prompt. Pure functions.

    >>> hint_prefix("Add 2 and 3 to get 5.", 0.5, "char")      # round(0.5 * 21) = 10 characters
    'Add 2 and '
    >>> hint_prefix("Add 2 and 3 to get 5.", 0.5, "word")      # round(0.5 * 7) = 4 words, never half a word
    'Add 2 and 3'
    >>> build_hinted_prompt([{"role": "user", "content": "Q?"}], "Add", lead_in=" Hint: ")
    [{'role': 'user', 'content': 'Q? Hint: Add'}]
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_WORD_END = re.compile(r"\S+")


def cut_points(text: str, unit: str) -> list[int]:
    """Positions where `text` may be cut for `unit`, ascending, from 0 to len(text).

    'char': every position. 'word': 0 and the end of each word. 'line': 0, the position after each newline, and the
    end of the text (a last line without its newline still counts as a line).
    """
    if unit == "char":
        return list(range(len(text) + 1))
    if unit == "word":
        return [0] + [match.end() for match in _WORD_END.finditer(text)]
    if unit == "line":
        points = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
        if points[-1] != len(text):
            points.append(len(text))
        return points
    raise ValueError(f"unknown hint unit {unit!r}; expected 'char', 'word' or 'line'")


def hint_prefix(solution: str, ratio: float, unit: str = "char") -> str:
    """The first `ratio` of `solution`, counted in `unit`s and rounded like the paper (`round(ratio * n)`)."""
    if not solution:
        return ""
    points = cut_points(solution, unit)
    num_units = len(points) - 1  # (char: len(solution); word: #words; line: #lines)
    return solution[: points[round(ratio * num_units)]]


def fit_hint(hint: str, fits: Callable[[str], bool], unit: str = "char") -> str:
    """The longest prefix of `hint`, cut at a `unit` boundary, for which `fits(prefix)` holds ('' if none does).

    `fits` must be monotone (a shorter prefix fits whenever a longer one does), as token counts are; binary search
    then needs O(log n) calls, i.e. a few tokenizations per hinted group.
    """
    if fits(hint):
        return hint
    points = cut_points(hint, unit)
    low, high = 0, len(points) - 1  # invariant: points[low] fits (or low == 0), points[high] does not
    while high - low > 1:
        middle = (low + high) // 2
        if fits(hint[: points[middle]]):
            low = middle
        else:
            high = middle
    return hint[: points[low]]


def build_hinted_prompt(prompt: str | list[dict[str, Any]], hint: str, lead_in: str) -> str | list[dict[str, Any]]:
    """Append `lead_in + hint` to the question: the last user message of a conversation, or the end of a text prompt.

    The system prompt and the question are never changed; the input is never mutated.
    """
    if isinstance(prompt, str):
        return prompt + lead_in + hint
    last_user = max((i for i, message in enumerate(prompt) if message["role"] == "user"), default=None)
    if last_user is None:
        raise ValueError("a conversational prompt needs a user message to attach the hint to; got roles "
                         f"{[message['role'] for message in prompt]}")
    content = prompt[last_user]["content"]
    if not isinstance(content, str):
        raise TypeError("hints support text-only messages; the last user message's content is "
                        f"{type(content).__name__}")
    hinted = [dict(message) for message in prompt]
    hinted[last_user]["content"] = content + lead_in + hint
    return hinted

r"""Reward functions with TRL's signature: `f(completions, **kwargs) -> list[float]`.

Public API:

    accuracy_reward(completions, answer=None, solution=None, **kwargs) -> list[float]
        1.0 when the final answer equals the gold (math-verify, hard timeout), else 0.0.
    format_reward(completions, **kwargs) -> list[float]
        1.0 for the paper's `<think>\n...\n</think>\n<answer>\n...\n</answer>`, else 0.0.
    boxed_format_reward(completions, **kwargs) -> list[float]
        1.0 when the completion ends its work with a readable `\boxed{...}`, else 0.0.
    REWARD_FUNCS: dict[str, callable]       {"accuracy", "format", "boxed"} -> function
    get_reward_funcs(names) -> list[callable]
    completion_text(completion) -> str | None

`completions` holds strings or conversations (`[{"role": "assistant", "content": ...}]`);
dataset columns arrive as keyword lists, one entry per completion; every other keyword TRL
passes (prompts, completion_ids, trainer_state, log_extra, ...) is ignored. A completion that
is not text (None, NaN, a number) scores 0.0. The timeout counter for logging is
`ghpo.checker.get_default_checker().timeouts_total`.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Sequence

from ghpo.answers import extract_tagged, gold_answer, last_boxed
from ghpo.checker import get_default_checker


def completion_text(completion: object) -> str | None:
    """The text of one completion, string or conversation; None when it has no text.

    A conversation's text is its last assistant message (after tool calls, that message
    carries the answer); content given as parts keeps the text parts.

    >>> completion_text("2")
    '2'
    >>> completion_text([{"role": "assistant", "content": "3"}])
    '3'
    >>> completion_text([{"role": "assistant", "content": [{"type": "text", "text": "4"}]}])
    '4'
    >>> completion_text(None) is None, completion_text(float("nan")) is None
    (True, True)
    """
    if isinstance(completion, str):
        return completion
    if not isinstance(completion, (list, tuple)):
        return None
    messages = [m for m in completion if isinstance(m, dict)]
    assistant = [m for m in messages if m.get("role", "assistant") == "assistant"]
    if not assistant:
        return None
    content = assistant[-1].get("content")
    if isinstance(content, list):  # multimodal-style parts: [{"type": "text", "text": ...}]
        parts = [p.get("text") for p in content if isinstance(p, dict) and p.get("type") == "text"]
        content = "".join(p for p in parts if isinstance(p, str))
    return content if isinstance(content, str) else None


def _column(values: Sequence | None, size: int, name: str) -> list:
    """A dataset column as a list of `size` entries; a missing column is all None."""
    if values is None:
        return [None] * size
    if len(values) != size:
        raise ValueError(f"`{name}` has {len(values)} entries for {size} completions")
    return list(values)


def accuracy_reward(
    completions: list,
    answer: Sequence | None = None,
    solution: Sequence | None = None,
    **kwargs,
) -> list[float]:
    r"""1.0 when a completion's final answer equals the gold answer, else 0.0.

    The gold is `answer[i]`, else the last `\boxed{}` of `solution[i]` (see
    `ghpo.answers.gold_answer`); a row with neither scores 0.0. The completion's answer is
    its `<answer>...</answer>` block when it has one, else what math-verify finds in the
    whole text: the last `\boxed{}`, else "final answer is ...", else the last expression
    (lenient on purpose: a small model that never boxes still earns credit for a right final
    number; pair with `boxed_format_reward` to teach the format). Equality is math-verify's,
    run in worker processes with a hard per-item timeout (`ghpo.checker`), so this is safe
    from any thread; answers that match the gold letter for letter skip math-verify.

    >>> accuracy_reward(["so \\boxed{0.5}", "<answer>3</answer>"], answer=["\\frac12", "4"])  # doctest: +SKIP
    [1.0, 0.0]
    """
    if answer is None and solution is None:
        raise ValueError("accuracy_reward needs an `answer` or a `solution` column in the dataset")
    answers = _column(answer, len(completions), "answer")
    solutions = _column(solution, len(completions), "solution")
    # Parsing a gold costs math-verify time, not finding it: the workers parse each distinct
    # gold once and keep it (ghpo.checker.score_answer), so no cache is needed here.
    golds = [gold_answer(a, s)[0] for a, s in zip(answers, solutions)]
    items = [(gold, completion_text(completion)) for gold, completion in zip(golds, completions)]
    if completions and all(gold is None for gold in golds):
        warnings.warn(
            "accuracy_reward found no gold answer in any row (it reads `answer`, else the last "
            "\\boxed{} of `solution`): every reward is 0.0",
            stacklevel=2,
        )
    return get_default_checker().check_many(items)


_PAPER_FORMAT = re.compile(r"\s*<think>.*?</think>\s*<answer>(?P<answer>.*?)</answer>\s*", re.DOTALL)
_FORMAT_TAGS = ("<think>", "</think>", "<answer>", "</answer>")


def follows_paper_format(text: str) -> bool:
    """`<think>...</think>` then `<answer>...</answer>`, each once, nothing else outside.

    Whitespace around the tags is free; the answer must not be empty.

    >>> follows_paper_format("<think>\\n1+1\\n</think>\\n<answer>\\n2\\n</answer>\\n")
    True
    >>> follows_paper_format("<answer>2</answer><think>1+1</think>")
    False
    """
    match = _PAPER_FORMAT.fullmatch(text)
    return (
        match is not None
        and match["answer"].strip() != ""
        and all(text.count(tag) == 1 for tag in _FORMAT_TAGS)
    )


def format_reward(completions: list, **kwargs) -> list[float]:
    """1.0 per completion in the paper's `<think>...</think><answer>...</answer>` format.

    >>> format_reward(["<think>a</think> <answer>1</answer>", "<think>a</think> 1", None])
    [1.0, 0.0, 0.0]
    """
    texts = [completion_text(completion) for completion in completions]
    return [1.0 if text is not None and follows_paper_format(text) else 0.0 for text in texts]


def boxed_format_reward(completions: list, **kwargs) -> list[float]:
    r"""1.0 per completion whose last box is balanced and not empty.

    >>> boxed_format_reward(["so \\boxed{2}", "so \\boxed{2", "so \\boxed{}", "so 2"])
    [1.0, 0.0, 0.0, 0.0]
    """
    texts = [completion_text(completion) for completion in completions]
    return [1.0 if text is not None and (last_boxed(text) or "").strip() else 0.0 for text in texts]


def stated_accuracy_reward(completions: list, answer: Sequence | None = None, solution: Sequence | None = None,
                           **kwargs) -> list[float]:
    r"""`accuracy_reward`, but only for a completion that states its final answer — in an `<answer>` block or a
    `\boxed{}` — and 0.0 for one that does not, instead of math-verify's search of the whole text.

    Why: a real small model (SmolLM2-135M) rarely finishes within a CPU token budget, and the search then reads the
    last expression of a cut-off text; on "factor / simplify" problems that is often the question's own expression,
    which equals the answer. With this reward the ladder's "solved" means a stated, right answer. Its `__name__` is
    what `accuracy_reward_name` must name for it to decide which groups are hard.

    >>> stated_accuracy_reward(["so 9z^3 - 27z^2 + 27z", "so \\boxed{2}"],
    ...                        answer=["9z(z^2-3z+3)", "2"])  # doctest: +SKIP
    [0.0, 1.0]
    """
    scores = accuracy_reward(completions, answer, solution, **kwargs)
    texts = [completion_text(completion) or "" for completion in completions]
    return [score if extract_tagged(text, "answer") is not None or (last_boxed(text) or "").strip() else 0.0
            for score, text in zip(scores, texts, strict=True)]


REWARD_FUNCS: dict[str, Callable[..., list[float]]] = {
    "accuracy": accuracy_reward,
    "accuracy_stated": stated_accuracy_reward,
    "format": format_reward,
    "boxed": boxed_format_reward,
}


def get_reward_funcs(names: list[str]) -> list[Callable[..., list[float]]]:
    """The reward functions called `names` in REWARD_FUNCS, in that order.

    >>> [f.__name__ for f in get_reward_funcs(["accuracy", "format"])]
    ['accuracy_reward', 'format_reward']
    """
    unknown = [name for name in names if name not in REWARD_FUNCS]
    if unknown:
        raise ValueError(f"unknown reward(s) {unknown}; valid names: {sorted(REWARD_FUNCS)}")
    return [REWARD_FUNCS[name] for name in names]

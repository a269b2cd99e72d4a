r"""Score completions against golds with the training checker (`ghpo.checker.AnswerChecker`).

Maths answers go through the very checker the accuracy reward uses: math-verify in worker
processes, a hard per-item timeout, each distinct gold parsed once per worker. All completions
of a benchmark go in one `check_many` call, so the workers run in parallel. Multiple-choice
answers (GPQA) compare letters: math-verify has no business there. `answer_extraction` is the
protocol's: `strict` reads answers as training does, `lenient` also accepts a final answer stated
without a box (`ghpo.eval.extraction`).

    >>> choice_letter("<answer>(C)</answer>"), choice_letter("... so the answer is B."), choice_letter("no idea")
    ('C', 'B', None)
"""

from __future__ import annotations

import re

from ghpo.answers import final_answer
from ghpo.checker import AnswerChecker

from .benchmarks import CHOICE_LETTERS, Problem, expand_e_notation
from .extraction import stated_answer, text_for_checker

_LETTER = re.compile(rf"^\(?\s*([{CHOICE_LETTERS}])\s*\)?[.:]?$")
# "answer" in any case, the letter in capitals only: "the answer is a number" chooses nothing.
_LETTER_PHRASE = re.compile(rf"(?i:answer)(?: is)?\s*[:=]?\s*\(?\s*([{CHOICE_LETTERS}])\b")
_TEXT_COMMAND = re.compile(r"\\(?:text|textbf|mathrm)\{([^{}]*)\}")


def choice_letter(completion: str) -> str | None:
    r"""The option letter a completion chooses: its stated final answer (`<answer>`, `\boxed{}`)
    when that is a lone letter, else the last "answer is X" / "Answer: X"; None when neither."""
    stated = final_answer(completion)
    if stated is not None:
        match = _LETTER.match(_TEXT_COMMAND.sub(r"\1", stated).strip())
        if match:
            return match[1]
    phrases = _LETTER_PHRASE.findall(completion)
    return phrases[-1] if phrases else None


def extracted_answer(problem: Problem, completion: str, answer_extraction: str = "strict") -> str | None:
    """What the completion answered, for the per-sample file (scoring reads the full text)."""
    if problem.answer_type == "choice":
        return choice_letter(completion)
    return stated_answer(completion, answer_extraction)


def checked_text(problem: Problem, completion: str, answer_extraction: str = "strict") -> str:
    r"""The completion as the checker should read it: e-notation spelt out where the benchmark's
    golds are (Minerva), so `4.5e33` is compared as 4.5 x 10^33, not as 4.5 * e * 33; under lenient
    extraction, an unboxed final answer boxed (`ghpo.eval.extraction.text_for_checker`).

    >>> checked_text(Problem("minerva", "0", "L?", r"4.5\times 10^{33}", expand_e_notation=True), r"\boxed{4.5e33}")
    '\\boxed{4.5\\times 10^{33}}'
    >>> checked_text(Problem("math500", "0", "q", "12"), r"So the count is \(12\).", "lenient")
    '$\\boxed{12}$'
    """
    completion = text_for_checker(completion, answer_extraction)
    return expand_e_notation(completion) if problem.expand_e_notation else completion


def score_completions(problems: list[Problem], completions: list[list[str]],
                      checker: AnswerChecker, answer_extraction: str = "strict") -> list[list[float]]:
    """1.0 / 0.0 per completion; `completions[i]` are the samples of `problems[i]`."""
    if len(problems) != len(completions):
        raise ValueError(f"{len(problems)} problems but {len(completions)} lists of completions")
    items, where = [], []
    scores = [[0.0] * len(samples) for samples in completions]
    for i, (problem, samples) in enumerate(zip(problems, completions, strict=True)):
        for j, completion in enumerate(samples):
            if problem.answer_type == "choice":
                scores[i][j] = float(choice_letter(completion) == problem.gold)
            else:
                items.append((problem.gold, checked_text(problem, completion, answer_extraction)))
                where.append((i, j))
    for (i, j), score in zip(where, checker.check_many(items) if items else [], strict=True):
        scores[i][j] = score
    return scores

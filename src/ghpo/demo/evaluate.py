"""Per-level accuracy of a model on held-out problems, without and with hints, greedy or sampled (temperature 1).

With a hint, the prompt is exactly the one GHPO trains on (`ghpo.hints.hint_prefix` + `build_hinted_prompt`), and
the completion must still end in the right `\\boxed{}`. Scoring (`--check`) compares the last box with the integer
answer (`ghpo.answers.last_boxed`: for this task what math-verify's `accuracy_reward` decides, without its cost), or,
with `steps`, also every step the model had to write after the hint (`ghpo.arithmetic.worked_solution_right`).
`student_table` is what the warm-up's own student scores on the same prompts: the target a converged base matches
when sampled.
"""

from __future__ import annotations

import torch
from tqdm.auto import tqdm

import random

from ..answers import last_boxed
from ..arithmetic import SOLUTION_LINE
from ..arithmetic import parse_problem, step_outcomes, worked_solution_right, write_solution
from ..hints import build_hinted_prompt, hint_prefix
from .stats import per_level_accuracy
from .world import user_prompt

TOKENS_PER_STEP = 16  # a solution line ("Step 3: 41 - 7 = 34.") is ~12 tokens; the answer line counts as a step


def max_new_tokens(level: int) -> int:
    """Completion budget for a level: room for every step and the answer line, and a little more."""
    return TOKENS_PER_STEP * (level + 1) + 8


def hint_is_partial(solution: str, ratio: float, unit: str) -> bool:
    r"""True when the hint at `ratio` is neither empty nor the whole solution (ratio 0: no hint, always True).

    >>> hint_is_partial("Step 1: 1 + 1 = 2.\nThe answer is \boxed{2}.", 0.25, "line")   # round(0.5) = 0 lines
    False
    """
    return ratio == 0 or 0 < len(hint_prefix(solution, ratio, unit)) < len(solution)


def hinted_prompts(rows: list[dict], ratio: float, unit: str, lead_in: str) -> list:
    """The prompt of each row with `ratio` of its solution as a hint (ratio 0: the bare question)."""
    if ratio == 0:
        return [user_prompt(row["problem"]) for row in rows]
    return [build_hinted_prompt(user_prompt(row["problem"]), hint_prefix(row["solution"], ratio, unit), lead_in)
            for row in rows]


@torch.no_grad()
def generate(model, tokenizer, prompts: list, max_tokens: int, batch_size: int = 128, desc: str = "",
             sample: bool = False) -> list[str]:
    """Completions (text) of chat `prompts`, in batches, left-padded: greedy, or sampled at temperature 1."""
    model.eval()
    texts = []
    for start in tqdm(range(0, len(prompts), batch_size), desc=desc, leave=False, disable=not desc):
        chats = [tokenizer.apply_chat_template(p, tokenize=False, add_generation_prompt=True)
                 for p in prompts[start : start + batch_size]]
        batch = tokenizer(chats, return_tensors="pt", padding=True, padding_side="left", add_special_tokens=False)
        batch = batch.to(model.device)
        sampling = dict(do_sample=True, temperature=1.0) if sample else dict(do_sample=False, temperature=None)
        output = model.generate(**batch, max_new_tokens=max_tokens, top_p=None, top_k=None, **sampling)
        texts += tokenizer.batch_decode(output[:, batch["input_ids"].shape[1] :], skip_special_tokens=True)
    return texts


def is_correct(completion: str, answer: str) -> bool:
    """The completion's last `\\boxed{}` is the answer (integers: exact text match).

    >>> is_correct("Step 1: 2 + 3 = 5.\\nThe answer is \\\\boxed{5}.", "5"), is_correct("\\\\boxed{6}", "5")
    (True, False)
    """
    boxed = last_boxed(completion)
    return boxed is not None and boxed.strip() == answer


def hinted_steps(solution: str, ratio: float, unit: str) -> int:
    """How many solution steps the hint at `ratio` gives (0 without a hint)."""
    return hint_prefix(solution, ratio, unit).count("\n") if ratio else 0


def level_completions(model, tokenizer, rows: list[dict], ratio: float, unit: str, lead_in: str, desc: str = "",
                      sample: bool = False) -> list[tuple[dict, str]]:
    """(row, completion) for every row whose hint at `ratio` is partial, each prompt carrying that hint."""
    pairs = []
    for level in sorted({row["level"] for row in rows}):
        subset = [row for row in rows if row["level"] == level and hint_is_partial(row["solution"], ratio, unit)]
        if not subset:  # e.g. level 1 (2 lines) at 25 %: the line cut gives nothing or everything
            continue
        label = f"{desc} L{level}" if desc else ""
        completions = generate(model, tokenizer, hinted_prompts(subset, ratio, unit, lead_in), max_new_tokens(level),
                               desc=label, sample=sample)
        pairs += [({**row, "given_steps": hinted_steps(row["solution"], ratio, unit)}, completion)
                  for row, completion in zip(subset, completions)]
    return pairs


def is_right(row: dict, completion: str, check: str) -> bool:
    """check "answer": the last box is the answer; "steps": every step the completion had to write (after the
    row's `given_steps` hint lines) is the worked solution's, and the box too (`worked_solution_right`)."""
    if check == "steps":
        return worked_solution_right(row["solution"], completion, row.get("given_steps", 0))
    return is_correct(completion, row["answer"])


def accuracy_of(pairs: list[tuple[dict, str]], check: str = "answer") -> dict[int, float]:
    """{level: fraction of completions that are right} (see `is_right`)."""
    return per_level_accuracy([row["level"] for row, _ in pairs], [is_right(row, c, check) for row, c in pairs])


def step_accuracy(pairs: list[tuple[dict, str]], first_steps: list[int] | None = None,
                  borrows: bool = False) -> dict[str, float]:
    """Accuracy of the steps the completions write, flaky (carry, and with `borrows` borrow) and other, with counts.

    >>> row = {"problem": "Start with 7. Step 1: add 5. Step 2: subtract 3. What is the result?"}
    >>> step_accuracy([(row, "Step 1: 7 + 5 = 2.\\nStep 2: 2 - 3 = -1.")])  # a slip, then a right step from 2
    {'flaky': 0.0, 'other': 1.0, 'flaky_steps': 1, 'other_steps': 1}
    """
    counts = {True: [0, 0], False: [0, 0]}  # flaky -> [right, total]
    for index, (row, completion) in enumerate(pairs):
        first = first_steps[index] + 1 if first_steps else 1
        for flaky, right in step_outcomes(row["problem"], completion, first_step=first, borrows=borrows):
            counts[flaky][0] += right
            counts[flaky][1] += 1
    rate = lambda key: counts[key][0] / counts[key][1] if counts[key][1] else float("nan")  # noqa: E731
    return {"flaky": rate(True), "other": rate(False), "flaky_steps": counts[True][1], "other_steps": counts[False][1]}


def complete_share(pairs: list[tuple[dict, str]]) -> float:
    """Fraction of completions that write a line for every step of their problem (right or wrong) and end in a
    box: where this is low the model stops early (a length ceiling), whatever its arithmetic.

    >>> row = {"problem": "Start with 47. Step 1: add 5. Step 2: subtract 3. What is the result?", "level": 2}
    >>> complete_share([(row, "Step 1: 47 + 5 = 42.\\nStep 2: 42 - 3 = 39.\\nThe answer is \\\\boxed{39}."),
    ...                 (row, "Step 1: 47 + 5 = 52.\\nThe answer is \\\\boxed{52}.")])
    0.5
    """
    complete = [written_steps(c) >= set(range(1, row["level"] + 1)) and last_boxed(c) is not None
                for row, c in pairs]
    return sum(complete) / len(complete) if complete else float("nan")


def written_steps(completion: str) -> set[int]:
    """The step numbers a completion writes a `Step k: a S b = r.` line for."""
    return {int(number) for number, *_ in SOLUTION_LINE.findall(completion)}


def level_accuracy(model, tokenizer, rows: list[dict], ratio: float, unit: str, lead_in: str,
                   desc: str = "", sample: bool = False, check: str = "answer") -> dict[int, float]:
    """{level: accuracy} on `rows` (greedy, or sampled), each prompt carrying `ratio` of its solution as a hint.

    Levels where the hint would be empty or the whole solution are left out of the result.
    """
    return accuracy_of(level_completions(model, tokenizer, rows, ratio, unit, lead_in, desc, sample), check)


def hint_table(model, tokenizer, rows: list[dict], ratios: list[float], unit: str, lead_in: str,
               desc: str = "", sample: bool = False, check: str = "answer") -> dict[float, dict[int, float]]:
    """{ratio: {level: accuracy}} for ratio 0 (no hint) and each ladder ratio."""
    return {ratio: level_accuracy(model, tokenizer, rows, ratio, unit, lead_in, desc=f"{desc} hint {ratio:.0%}",
                                  sample=sample, check=check)
            for ratio in [0.0, *ratios]}


def student_table(rows: list[dict], ratios: list[float], unit: str, carry_accuracy: float, draws: int = 20,
                  seed: int = 0, check: str = "answer", borrows: bool = False) -> dict[float, dict[int, float]]:
    """What the warm-up's student scores on the same prompts, `draws` attempts per problem: {ratio: {level: acc}}.

    >>> rows = [{"problem": "Start with 7. Step 1: add 5. What is the result?", "answer": "12", "level": 1,
    ...          "solution": "Step 1: 7 + 5 = 12.\\nThe answer is \\\\boxed{12}."}]
    >>> student_table(rows, [], "line", carry_accuracy=0.0)     # one flaky step, always slipped
    {0.0: {1: 0.0}}
    """
    rng, table = random.Random(seed), {}
    for ratio in [0.0, *ratios]:
        levels, correct = [], []
        for row in rows:
            if not hint_is_partial(row["solution"], ratio, unit):
                continue
            start, steps = parse_problem(row["problem"])
            given = hinted_steps(row["solution"], ratio, unit)
            for _ in range(draws):
                text, _ = write_solution(start, steps, rng, carry_accuracy, first_student_step=given + 1,
                                         borrows=borrows)
                levels.append(row["level"])
                correct.append(is_right(row, text, check))  # the whole solution, gold prefix included
        table[ratio] = per_level_accuracy(levels, correct)
    return table

"""Greedy per-level accuracy of a model on held-out problems, without and with hints.

With a hint, the prompt is exactly the one GHPO trains on (`ghpo.hints.hint_prefix` + `build_hinted_prompt`), and
the completion must still end in the right `\\boxed{}`. Scoring compares the last box with the integer answer
(`ghpo.answers.last_boxed`): for this task that is what math-verify's `accuracy_reward` decides, without its cost.
"""

from __future__ import annotations

import torch
from tqdm.auto import tqdm

from ..answers import last_boxed
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
def generate(model, tokenizer, prompts: list, max_tokens: int, batch_size: int = 128, desc: str = "") -> list[str]:
    """Greedy completions (text) of chat `prompts`, in batches, left-padded."""
    model.eval()
    texts = []
    for start in tqdm(range(0, len(prompts), batch_size), desc=desc, leave=False, disable=not desc):
        chats = [tokenizer.apply_chat_template(p, tokenize=False, add_generation_prompt=True)
                 for p in prompts[start : start + batch_size]]
        batch = tokenizer(chats, return_tensors="pt", padding=True, padding_side="left", add_special_tokens=False)
        batch = batch.to(model.device)
        output = model.generate(**batch, max_new_tokens=max_tokens, do_sample=False, top_p=None, top_k=None,
                                temperature=None)
        texts += tokenizer.batch_decode(output[:, batch["input_ids"].shape[1] :], skip_special_tokens=True)
    return texts


def is_correct(completion: str, answer: str) -> bool:
    """The completion's last `\\boxed{}` is the answer (integers: exact text match).

    >>> is_correct("Step 1: 2 + 3 = 5.\\nThe answer is \\\\boxed{5}.", "5"), is_correct("\\\\boxed{6}", "5")
    (True, False)
    """
    boxed = last_boxed(completion)
    return boxed is not None and boxed.strip() == answer


def level_accuracy(model, tokenizer, rows: list[dict], ratio: float, unit: str, lead_in: str,
                   desc: str = "") -> dict[int, float]:
    """{level: greedy accuracy} on `rows`, each prompt carrying `ratio` of its solution as a hint.

    Levels where the hint would be empty or the whole solution are left out of the result.
    """
    correct, levels = [], []
    for level in sorted({row["level"] for row in rows}):
        subset = [row for row in rows if row["level"] == level and hint_is_partial(row["solution"], ratio, unit)]
        if not subset:  # e.g. level 1 (2 lines) at 25 %: the line cut gives nothing or everything
            continue
        prompts = hinted_prompts(subset, ratio, unit, lead_in)
        label = f"{desc} L{level}" if desc else ""
        completions = generate(model, tokenizer, prompts, max_new_tokens(level), desc=label)
        correct += [is_correct(c, row["answer"]) for c, row in zip(completions, subset)]
        levels += [level] * len(subset)
    return per_level_accuracy(levels, correct)


def hint_table(model, tokenizer, rows: list[dict], ratios: list[float], unit: str, lead_in: str,
               desc: str = "") -> dict[float, dict[int, float]]:
    """{ratio: {level: accuracy}} for ratio 0 (no hint) and each ladder ratio."""
    return {ratio: level_accuracy(model, tokenizer, rows, ratio, unit, lead_in, desc=f"{desc} hint {ratio:.0%}")
            for ratio in [0.0, *ratios]}

"""A synthetic maths task with graded difficulty and worked solutions: chained arithmetic.

Level L = L operations. Each step of the worked solution is one line, so a solution prefix is a meaningful hint
(it does the first steps for the model). Rows have the columns real data has: problem, solution, answer, level.
Steps are numbered in the question and in the solution, so finding the operand of step k is a local look-up.
Operations are add and subtract (operands 1-9); `multiply=True` adds "multiply by" (much slower for a tiny model
to learn: `ghpo demo` leaves it off).

    >>> row = make_problem(random.Random(0), level=2)
    >>> row["problem"]      # doctest: +SKIP
    'Start with 7. Step 1: add 5. Step 2: subtract 3. What is the result?'
    >>> print(row["solution"])      # doctest: +SKIP
    Step 1: 7 + 5 = 12.
    Step 2: 12 - 3 = 9.
    The answer is \\boxed{9}.
"""

from __future__ import annotations

import random

MAX_VALUE = 99  # every intermediate value stays in [0, MAX_VALUE]: two digits at most


def _next_step(rng: random.Random, value: int, multiply: bool = False) -> tuple[str, str, int]:
    """(instruction, symbol, operand) for one step that keeps the value in [0, MAX_VALUE]."""
    choices = []
    if value < MAX_VALUE:
        choices.append(("add", "+"))
    if value > 0:
        choices.append(("subtract", "-"))
    if multiply and 1 < value <= MAX_VALUE // 2:
        choices.append(("multiply by", "*"))
    word, symbol = rng.choice(choices)
    if symbol == "+":
        return word, symbol, rng.randint(1, min(9, MAX_VALUE - value))
    if symbol == "-":
        return word, symbol, rng.randint(1, min(9, value))
    return word, symbol, rng.randint(2, min(9, MAX_VALUE // value))


def make_problem(rng: random.Random, level: int, multiply: bool = False) -> dict:
    """One problem of `level` steps: {problem, solution, answer, level}."""
    value = rng.randint(1, 9)
    instructions = [f"Start with {value}."]
    solution_lines = []
    for step in range(1, level + 1):
        word, symbol, operand = _next_step(rng, value, multiply)
        result = value + operand if symbol == "+" else value - operand if symbol == "-" else value * operand
        instructions.append(f"Step {step}: {word} {operand}.")
        solution_lines.append(f"Step {step}: {value} {symbol} {operand} = {result}.")
        value = result
    solution_lines.append(f"The answer is \\boxed{{{value}}}.")
    return {
        "problem": " ".join(instructions) + " What is the result?",
        "solution": "\n".join(solution_lines),
        "answer": str(value),
        "level": level,
    }


def make_rows(levels: list[int], per_level: int, seed: int = 0, multiply: bool = False) -> list[dict]:
    """`per_level` problems for each level, deterministic from `seed`, in level order."""
    rng = random.Random(seed)
    return [make_problem(rng, level, multiply) for level in levels for _ in range(per_level)]

"""A synthetic maths task with graded difficulty and worked solutions: chained arithmetic.

Level L = L operations. Each step of the worked solution is one line, so a solution prefix is a meaningful hint
(it does the first steps for the model). Rows have the columns real data has: problem, solution, answer, level.
Steps are numbered in the question and in the solution, so finding the operand of step k is a local look-up.
Operations are add and subtract (operands 1-9); `multiply=True` adds "multiply by" (much slower for a tiny model
to learn: `ghpo demo` leaves it off).

A *flaky step* is an addition with a carry (the units digits add up to 10 or more) and, with `borrows=True`, also a
subtraction with a borrow (the operand's units exceed the value's). With `carry_share` set, the generator asks for
one at each step with that probability (from a round value or one above 90 no carry is possible, so the share of
carry steps comes out lower: about 0.46 for 0.6), makes every other step one that neither carries nor borrows,
and keeps every value in [40, 99] ([10, 99] with borrows); `write_solution` writes a solution as a student who gets each flaky step right
only with probability `carry_accuracy` and otherwise leaves the tens digit as it was (47 + 5 = 42, 52 - 5 = 57),
going on from the value written. Carries alone make the values climb, so a carry is due far more often early in
a chain than late (0.85 at step 1, 0.09 at step 8 of a carry-dense level 8): a prefix hint gives the carries away.
`borrows=True` draws a carry or a borrow, whichever the value allows, so the values wander around the start and
a flaky step is as likely at step 8 as at step 1 -- the continuation after a hint then exercises the same skill,
as often, as the bare question. Without borrows each slip leaves the chain 10 too low for good, so slips never
cancel; either way a chain of L steps is right with probability about (1 - share * (1 - carry_accuracy))^L.
`step_outcomes` reads a completion back into (flaky, right) per step, which is how the demo measures that skill
before and after RL.

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
import re

from .answers import last_boxed

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


def is_flaky_step(value: int, symbol: str, operand: int, borrows: bool = False) -> bool:
    """True for an addition with a carry (the units digits sum to 10 or more) and, with `borrows`, for a
    subtraction with a borrow (the operand is larger than the units digit); other steps are never flaky.

    >>> is_flaky_step(47, "+", 5), is_flaky_step(42, "+", 5), is_flaky_step(42, "-", 5)
    (True, False, False)
    >>> is_flaky_step(42, "-", 5, borrows=True), is_flaky_step(47, "-", 5, borrows=True)
    (True, False)
    """
    if symbol == "-":
        return borrows and value >= 0 and value % 10 < operand
    return symbol == "+" and value >= 0 and value % 10 + operand >= 10


def apply_step(value: int, symbol: str, operand: int) -> int:
    return value + operand if symbol == "+" else value - operand if symbol == "-" else value * operand


def slipped_result(value: int, symbol: str, operand: int) -> int:
    """The result of a flaky step with the carry / borrow forgotten: the tens digit is left as it was.

    >>> slipped_result(47, "+", 5), slipped_result(52, "-", 5)    # right: 52, 47
    (42, 57)
    """
    return apply_step(value, symbol, operand) + (-10 if symbol == "+" else 10)


FLAKY_WORLD_VALUES = (40, 99)  # with carry_share: every true value stays here (a few slips of -10 stay >= 0)
FLAKY_WORLD_STARTS = (40, 60)  # room for the climb: carries add 7 on average, the other steps take little away
BORROW_WORLD_VALUES = (10, 99)  # with borrows the values wander around the start instead of climbing


def _flaky_choices(value: int, want_flaky: bool, borrows: bool = False) -> list[tuple[str, str, int, int]]:
    """(word, symbol, lowest operand, highest operand) of the steps from `value` that are flaky or not, as wanted,
    keeping the value in FLAKY_WORLD_VALUES (BORROW_WORLD_VALUES with `borrows`). The other steps never carry or
    borrow: they only change the units digit, so the flaky step is the one whose tens digit takes any skill (and a
    slip, which moves only the tens digit, never turns a later step into a carry or a borrow)."""
    floor, ceiling = BORROW_WORLD_VALUES if borrows else FLAKY_WORLD_VALUES
    units, room = value % 10, ceiling - value
    if want_flaky:  # a carry needs operand >= 10 - units, a borrow operand > units
        choices = [("add", "+", max(1, 10 - units), min(9, room))]
        choices += [("subtract", "-", units + 1, min(9, value - floor))] if borrows else []
    else:
        choices = [("add", "+", 1, min(9 - units, room)), ("subtract", "-", 1, min(units, value - floor))]
    return [choice for choice in choices if choice[2] <= choice[3]]


def _next_step_with_share(rng: random.Random, value: int, carry_share: float,
                          borrows: bool = False) -> tuple[str, str, int]:
    """A step that is flaky with probability `carry_share` (when the value allows one), else not flaky."""
    want_flaky = rng.random() < carry_share
    choices = _flaky_choices(value, want_flaky, borrows) or _flaky_choices(value, not want_flaky, borrows)
    word, symbol, low, high = rng.choice(choices)
    return word, symbol, rng.randint(low, high)


def write_solution(start: int, steps: list[tuple[str, int]], rng: random.Random | None = None,
                   carry_accuracy: float = 1.0, first_student_step: int = 1, borrows: bool = False) -> tuple[str, int]:
    """(solution text, final written value) of the chain `start`, `steps` = [(symbol, operand), ...].

    Steps before `first_student_step` are written right (a gold prefix); from it on each flaky step is right with
    probability `carry_accuracy` (else its carry / borrow is forgotten) and the chain goes on from what was written;
    borrows are flaky only with `borrows`. With `carry_accuracy=1` this is the gold solution.

    >>> print(write_solution(47, [("+", 5), ("-", 3)])[0])
    Step 1: 47 + 5 = 52.
    Step 2: 52 - 3 = 49.
    The answer is \\boxed{49}.
    """
    value, lines = start, []
    for number, (symbol, operand) in enumerate(steps, start=1):
        result = apply_step(value, symbol, operand)
        student = number >= first_student_step and carry_accuracy < 1.0
        if student and is_flaky_step(value, symbol, operand, borrows) and rng.random() >= carry_accuracy:
            result = slipped_result(value, symbol, operand)
        lines.append(f"Step {number}: {value} {symbol} {operand} = {result}.")
        value = result
    lines.append(f"The answer is \\boxed{{{value}}}.")
    return "\n".join(lines), value


def make_problem(rng: random.Random, level: int, multiply: bool = False, carry_share: float | None = None,
                 borrows: bool = False) -> dict:
    """One problem of `level` steps: {problem, solution, answer, level}.

    `carry_share=None` draws add / subtract and the operand uniformly (the original world, its random stream kept);
    a number asks for a flaky step with that probability (whenever the value allows one: a carry, or with
    `borrows` a carry or a borrow) and starts from a two-digit value.
    """
    value = rng.randint(1, 9) if carry_share is None else rng.randint(*FLAKY_WORLD_STARTS)
    start, instructions, steps = value, [f"Start with {value}."], []
    for step in range(1, level + 1):
        if carry_share is None:
            word, symbol, operand = _next_step(rng, value, multiply)
        else:
            word, symbol, operand = _next_step_with_share(rng, value, carry_share, borrows)
        instructions.append(f"Step {step}: {word} {operand}.")
        steps.append((symbol, operand))
        value = apply_step(value, symbol, operand)
    solution, answer = write_solution(start, steps)
    return {
        "problem": " ".join(instructions) + " What is the result?",
        "solution": solution,
        "answer": str(answer),
        "level": level,
    }


def make_rows(levels: list[int], per_level: int, seed: int = 0, multiply: bool = False,
              carry_share: float | None = None, borrows: bool = False) -> list[dict]:
    """`per_level` problems for each level, deterministic from `seed`, in level order."""
    rng = random.Random(seed)
    return [make_problem(rng, level, multiply, carry_share, borrows) for level in levels for _ in range(per_level)]


_INSTRUCTION = re.compile(r"Step (\d+): (add|subtract|multiply by) (\d+)\.")
_START = re.compile(r"Start with (\d+)\.")
_SYMBOLS = {"add": "+", "subtract": "-", "multiply by": "*"}
SOLUTION_LINE = re.compile(r"Step (\d+): (-?\d+) ([+*-]) (\d+) = (-?\d+)\.")


def worked_solution_right(solution: str, completion: str, given_steps: int = 0) -> bool:
    r"""True when the completion writes the steps after the `given_steps` a hint showed exactly as the worked
    solution does, and nothing else, and boxes the solution's answer.

    Stricter than the boxed answer alone: slips that later lines undo with left operands that do not follow from the
    line above (RL learns such jumps under an answer-only reward) reach the right box through wrong steps, and count
    as wrong.

    >>> gold = "Step 1: 47 + 5 = 52.\nStep 2: 52 - 3 = 49.\nThe answer is \\boxed{49}."
    >>> worked_solution_right(gold, gold), worked_solution_right(gold, gold.split("\n", 1)[1], given_steps=1)
    (True, True)
    >>> worked_solution_right(gold, "Step 1: 47 + 5 = 42.\nStep 2: 52 - 3 = 49.\nThe answer is \\boxed{49}.")
    False
    >>> worked_solution_right(gold, gold.split("\n", 1)[1])  # skipped a step it had to write
    False
    """
    answer, box = last_boxed(solution), last_boxed(completion)
    return SOLUTION_LINE.findall(completion) == SOLUTION_LINE.findall(solution)[given_steps:] \
        and answer is not None and box is not None and box.strip() == answer


def parse_problem(problem: str) -> tuple[int, list[tuple[str, int]]]:
    """(start, [(symbol, operand), ...]) of a problem's text.

    >>> parse_problem("Start with 7. Step 1: add 5. Step 2: subtract 3. What is the result?")
    (7, [('+', 5), ('-', 3)])
    """
    start = _START.search(problem)
    if start is None:
        raise ValueError(f"not a chained-arithmetic problem (no 'Start with N.'): {problem[:80]!r}")
    return int(start.group(1)), [(_SYMBOLS[word], int(n)) for _, word, n in _INSTRUCTION.findall(problem)]


def step_outcomes(problem: str, completion: str, first_step: int = 1, borrows: bool = False) -> list[tuple[bool, bool]]:
    r"""(flaky, right) for each step a completion writes, from `first_step` on (after a hint: the first step the
    model writes itself), judged against the value the completion itself carries, so one slip is counted once.

    A step is right when its line reads `Step k: v S o = r.` with the question's S and o, v the value carried from
    the line before, and r = v S o. Reading stops at the first line that does not (that step counts as wrong; its
    flakiness is judged from the carried value); a missing step is not counted.

    >>> step_outcomes("Start with 47. Step 1: add 5. Step 2: subtract 3. What is the result?",
    ...               "Step 1: 47 + 5 = 42.\nStep 2: 42 - 3 = 39.\nThe answer is \\boxed{39}.")
    [(True, False), (False, True)]
    """
    start, steps = parse_problem(problem)
    value = start
    if first_step > 1:  # the hint wrote the steps before: carry the gold value up to there
        for symbol, operand in steps[: first_step - 1]:
            value = apply_step(value, symbol, operand)
    lines = {}
    for number, left, symbol, operand, result in SOLUTION_LINE.findall(completion):
        lines.setdefault(int(number), (int(left), symbol, int(operand), int(result)))
    outcomes = []
    for number in range(first_step, len(steps) + 1):
        symbol, operand = steps[number - 1]
        flaky = is_flaky_step(value, symbol, operand, borrows)
        line = lines.get(number)
        if line is None:
            if number == first_step or outcomes:
                outcomes.append((flaky, False))
            break
        left, written_symbol, written_operand, result = line
        right = (left, written_symbol, written_operand) == (value, symbol, operand)
        right = right and result == apply_step(value, symbol, operand)
        outcomes.append((flaky, right))
        if (left, written_symbol, written_operand) != (value, symbol, operand):
            break  # the line is not this step at all: nothing after it can be read
        value = result
    return outcomes

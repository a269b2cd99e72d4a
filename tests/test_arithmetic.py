"""The chained-arithmetic generator and the misconception world's student, with hand-worked values and large draws."""

import random

import pytest

from ghpo.arithmetic import (
    apply_step,
    is_flaky_step,
    make_problem,
    make_rows,
    parse_problem,
    slipped_result,
    step_outcomes,
    write_solution,
)


def test_flaky_steps_are_carries_only():
    assert is_flaky_step(47, "+", 3)  # 7 + 3 = 10: carry
    assert not is_flaky_step(47, "+", 2)  # 7 + 2 = 9
    assert not is_flaky_step(42, "-", 5)  # borrows are done right by the student
    assert slipped_result(47, "+", 3) == 40  # right: 50; the tens digit is left at 4


def test_borrows_are_flaky_only_when_asked_for():
    assert is_flaky_step(42, "-", 5, borrows=True)  # 2 < 5: borrow
    assert not is_flaky_step(47, "-", 5, borrows=True)  # 7 >= 5: the units digit alone
    assert is_flaky_step(47, "+", 3, borrows=True)  # carries stay flaky
    assert slipped_result(42, "-", 5) == 47  # right: 37; the tens digit is left at 4

    class AlwaysSlip(random.Random):
        def random(self):
            return 0.99

    # 42 - 5 slips to 47 only where borrows are flaky; then 47 + 3 slips to 40 either way
    assert write_solution(42, [("-", 5), ("+", 3)], AlwaysSlip(), 0.1, borrows=True)[1] == 40
    assert write_solution(42, [("-", 5), ("+", 3)], AlwaysSlip(), 0.1)[1] == 30


def test_original_world_is_unchanged():
    # carry_share=None keeps the first demo's random stream: level-2 problem from seed 0 as before this change
    row = make_problem(random.Random(0), 2)
    assert row["problem"] == "Start with 7. Step 1: subtract 1. Step 2: subtract 5. What is the result?"
    assert row["solution"] == "Step 1: 7 - 1 = 6.\nStep 2: 6 - 5 = 1.\nThe answer is \\boxed{1}."


def test_write_solution_gold_prefix_then_student():
    start, steps = 47, [("+", 3), ("+", 5), ("-", 2)]
    gold, value = write_solution(start, steps)  # 47 + 3 = 50, 50 + 5 = 55, 55 - 2 = 53
    assert value == 53 and gold.splitlines()[0] == "Step 1: 47 + 3 = 50."

    class AlwaysSlip(random.Random):
        def random(self):
            return 0.99  # >= carry_accuracy: every carry is forgotten

    # step 1 is given (gold); the student slips on step 2's carry? 50 + 5 = 55 has none; so nothing slips
    text, value = write_solution(start, steps, AlwaysSlip(), carry_accuracy=0.1, first_student_step=2)
    assert value == 53
    # from step 1 on: 47 + 3 slips to 40, then 40 + 5 = 45, 45 - 2 = 43 (10 short for good)
    text, value = write_solution(start, steps, AlwaysSlip(), carry_accuracy=0.1)
    assert value == 43 and text.splitlines()[0] == "Step 1: 47 + 3 = 40."


def test_carry_share_and_student_accuracy_over_10000_draws():
    rng = random.Random(0)
    steps_seen = carries = slips = student_carries = 0
    for _ in range(10_000):
        row = make_problem(rng, 6, carry_share=0.6)
        start, steps = parse_problem(row["problem"])
        value = start
        for symbol, operand in steps:
            assert 40 <= value <= 99  # every true value stays two-digit, with room for a few slips
            carries += is_flaky_step(value, symbol, operand)
            steps_seen += 1
            value = apply_step(value, symbol, operand)
        assert str(value) == row["answer"]
        written, _ = write_solution(start, steps, rng, carry_accuracy=0.1)
        outcomes = step_outcomes(row["problem"], written)  # judged from the value the text carries
        assert len(outcomes) == 6 and all(right for flaky, right in outcomes if not flaky)
        student_carries += sum(flaky for flaky, _ in outcomes)
        slips += sum(flaky and not right for flaky, right in outcomes)
    share = carries / steps_seen
    assert 0.44 <= share <= 0.48  # the documented ~0.46 for carry_share 0.6 (60,000 steps: ±0.004 is noise)
    # The student forgets each carry with probability 1 - 0.1; ~28,000 carries: ±0.004 is noise
    assert 0.89 <= slips / student_carries <= 0.91


def test_carry_borrow_world_spreads_flaky_steps_evenly_over_10000_draws():
    # Carries alone climb towards the ceiling, so late steps rarely carry; with borrows the values wander and every
    # step position is flaky equally often (the reason for --flaky_steps carry-borrow).
    rng, level, draws = random.Random(0), 8, 10_000
    flaky_at, carries_only_at = [0] * level, [0] * level
    slips = student_flaky = borrows_seen = 0
    for _ in range(draws):
        row = make_problem(rng, level, carry_share=0.6, borrows=True)
        start, steps = parse_problem(row["problem"])
        value = start
        for position, (symbol, operand) in enumerate(steps):
            assert 10 <= value <= 99
            flaky_at[position] += is_flaky_step(value, symbol, operand, borrows=True)
            borrows_seen += symbol == "-" and is_flaky_step(value, symbol, operand, borrows=True)
            value = apply_step(value, symbol, operand)
        assert str(value) == row["answer"]
        written, _ = write_solution(start, steps, rng, carry_accuracy=0.2, borrows=True)
        outcomes = step_outcomes(row["problem"], written, borrows=True)
        assert len(outcomes) == level and all(right for flaky, right in outcomes if not flaky)
        student_flaky += sum(flaky for flaky, _ in outcomes)
        slips += sum(flaky and not right for flaky, right in outcomes)
        start, steps = parse_problem(make_problem(rng, level, carry_share=0.6)["problem"])
        for position, (symbol, operand) in enumerate(steps):
            carries_only_at[position] += is_flaky_step(start, symbol, operand)
            start = apply_step(start, symbol, operand)
    shares = [count / draws for count in flaky_at]
    assert all(0.57 <= share <= 0.63 for share in shares), shares  # 10,000 draws per position: ±0.015 is noise
    assert 0.4 <= borrows_seen / sum(flaky_at) <= 0.6  # carries and borrows both common
    assert carries_only_at[0] / draws - carries_only_at[-1] / draws > 0.1  # the carry world front-loads them
    assert 0.79 <= slips / student_flaky <= 0.81  # forgets with probability 1 - 0.2; ~48,000 flaky steps


def test_student_success_is_the_product_over_its_carries():
    # A chain is right only if the student gets every carry right: P = E[q^K], K = the chain's carries. The
    # generator's pull back from the ceiling keeps K near half the steps (level 6: mostly 2-4), so E[q^K] is
    # computed from the drawn chains' own K, not from a binomial.
    rng, rows = random.Random(1), make_rows([6], 4000, seed=3, carry_share=0.6)
    right, expected = 0, 0.0
    for row in rows:
        start, steps = parse_problem(row["problem"])
        right += str(write_solution(start, steps, rng, carry_accuracy=0.3)[1]) == row["answer"]
        carries = sum(flaky for flaky, _ in step_outcomes(row["problem"], row["solution"]))
        expected += 0.3 ** carries / len(rows)
    assert abs(right / len(rows) - expected) < 3 * (expected / len(rows)) ** 0.5  # within 3 binomial SDs


def test_generator_is_deterministic_from_its_seed():
    assert make_rows([3, 5], 20, seed=7, carry_share=0.6) == make_rows([3, 5], 20, seed=7, carry_share=0.6)
    assert make_rows([3, 5], 20, seed=7, carry_share=0.6) != make_rows([3, 5], 20, seed=8, carry_share=0.7)
    borrowing = make_rows([3, 5], 20, seed=7, carry_share=0.6, borrows=True)
    assert borrowing == make_rows([3, 5], 20, seed=7, carry_share=0.6, borrows=True)
    assert borrowing != make_rows([3, 5], 20, seed=7, carry_share=0.6)


@pytest.mark.parametrize("completion, expected", [
    # right, right: the gold solution
    ("Step 1: 47 + 3 = 50.\nStep 2: 50 - 2 = 48.", [(True, True), (False, True)]),
    # a slipped carry, then a right step from the written 40: one slip counted once
    ("Step 1: 47 + 3 = 40.\nStep 2: 40 - 2 = 38.", [(True, False), (False, True)]),
    # step 2 copies the wrong operand: wrong, and reading stops there
    ("Step 1: 47 + 3 = 50.\nStep 2: 50 - 7 = 43.\nStep 3: 1 + 1 = 2.", [(True, True), (False, False)]),
    # a missing first line: one wrong step, nothing else readable
    ("The answer is 5.", [(True, False)]),
])
def test_step_outcomes_cases(completion, expected):
    problem = "Start with 47. Step 1: add 3. Step 2: subtract 2. What is the result?"
    assert step_outcomes(problem, completion) == expected


def test_step_outcomes_after_a_hint_starts_from_the_gold_value():
    problem = "Start with 47. Step 1: add 3. Step 2: subtract 2. What is the result?"
    assert step_outcomes(problem, "Step 2: 50 - 2 = 48.", first_step=2) == [(False, True)]

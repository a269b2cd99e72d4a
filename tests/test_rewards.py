r"""Tests for ghpo.rewards: TRL-signature reward functions, and how often accuracy_reward
agrees with an independent grader on 800 real labelled completions."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from ghpo.checker import AnswerChecker, get_default_checker, set_default_checker
from ghpo.rewards import (
    REWARD_FUNCS,
    accuracy_reward,
    boxed_format_reward,
    completion_text,
    format_reward,
    get_reward_funcs,
    stated_accuracy_reward,
)

LABELLED = Path(__file__).resolve().parents[1] / "../shared/data/labelled/qwen25math_math_cot_100.jsonl"

# Everything GRPOTrainer passes besides the completions and the dataset columns.
TRL_EXTRAS = {
    "prompts": ["p"],
    "completion_ids": [[1, 2, 3]],
    "trainer_state": object(),
    "log_extra": lambda *args: None,
    "log_metric": lambda *args: None,
    "level": ["Level 5"],
}


def conversation(text: str) -> list[dict[str, str]]:
    return [{"role": "assistant", "content": text}]


# ---------------------------------------------------------------- completion_text


@pytest.mark.parametrize(
    ("completion", "expected"),
    [
        ("plain", "plain"),
        (conversation("chat"), "chat"),
        # after a tool call the last assistant message holds the answer
        ([{"role": "assistant", "content": "call"}, {"role": "tool", "content": "42"},
          {"role": "assistant", "content": "final"}], "final"),
        ([{"role": "assistant", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}], "ab"),
        ([], None),
        ([{"role": "user", "content": "not the model's"}], None),
        (None, None),
        (float("nan"), None),
        (3, None),
    ],
)
def test_completion_text(completion, expected):
    assert completion_text(completion) == expected


# ---------------------------------------------------------------- accuracy_reward


@pytest.mark.parametrize(
    ("gold", "completion", "expected"),
    [
        (r"\frac{1}{2}", r"so the answer is $\boxed{0.5}$.", 1.0),
        (r"\frac{1}{2}", r"$\boxed{\dfrac12}$", 1.0),
        ("0.5", r"\boxed{\frac{1}{2}}", 1.0),
        (r"2\sqrt{2}", r"\boxed{\sqrt{8}}", 1.0),
        ("(1,2)", r"\boxed{(1, 2)}", 1.0),
        ("(1,2)", r"\boxed{(2, 1)}", 0.0),  # an ordered pair: order matters
        ("025", r"\boxed{25}", 1.0),  # AIME golds keep a leading zero
        ("25", r"\boxed{025}", 1.0),
        ("27.0", r"\boxed{27}", 1.0),  # AMC golds are floats
        (r"10\%", r"\boxed{10\%}", 1.0),
        (r"\text{(C)}", r"\boxed{C}", 1.0),
        (r"x^2+1", r"\boxed{1 + x^2}", 1.0),
        (r"\frac{1}{2}", r"\boxed{\frac{1}{3}}", 0.0),
        # several boxes: only the last one is the answer
        ("5", r"maybe \boxed{5}? No: \boxed{6}", 0.0),
        ("6", r"maybe \boxed{5}? No: \boxed{6}", 1.0),
        # the paper's format: the answer block is the answer, the thinking is not
        (r"\frac12", "<think>\nhalf of 1 is 0.5\n</think>\n<answer>\n0.5\n</answer>", 1.0),
        ("3", "<think>\nfirst I got 3, but\n</think>\n<answer>\n4\n</answer>", 0.0),
        ("2", "<think>\n...\n</think>\n<answer>\n$x = 2$\n</answer>", 1.0),
        ("7", "<think>\n...\n</think>\n<answer>\nThe answer is $\\boxed{7}$.\n</answer>", 1.0),
        ("5", "I do not know.", 0.0),
    ],
)
def test_accuracy_reward_equivalent_forms(gold, completion, expected):
    assert accuracy_reward([completion], answer=[gold]) == [expected]


def test_accuracy_reward_string_and_conversational_completions_agree():
    texts = [r"\boxed{0.5}", r"\boxed{0.25}", "<answer>1/2</answer>"]
    golds = [r"\frac{1}{2}"] * 3
    # 0.5 = 1/2 yes; 0.25 no; 1/2 inside the answer block yes
    assert accuracy_reward(texts, answer=golds) == [1.0, 0.0, 1.0]
    assert accuracy_reward([conversation(t) for t in texts], answer=golds) == [1.0, 0.0, 1.0]


def test_accuracy_reward_ignores_trainer_kwargs():
    assert accuracy_reward([r"\boxed{4}"], answer=["4"], **TRL_EXTRAS) == [1.0]


def test_accuracy_reward_gold_from_solution_when_answer_is_empty():
    solutions = [r"Add them: $2+2=\boxed{4}$.", r"So $\boxed 9$.", "no box", r"$\boxed{1}$"]
    answers = [None, "", None, "3"]  # the last row's answer beats its solution's box
    completions = [r"\boxed{4}", r"\boxed{9}", r"\boxed{0}", r"\boxed{3}"]
    assert accuracy_reward(completions, answer=answers, solution=solutions) == [1.0, 1.0, 0.0, 1.0]
    assert accuracy_reward([r"\boxed{4}"], solution=[r"$\boxed{4}$"]) == [1.0]  # no answer column


def test_accuracy_reward_non_text_completions_score_zero():
    completions = [None, float("nan"), 4, [], conversation(r"\boxed{4}")]
    assert accuracy_reward(completions, answer=["4"] * 5) == [0.0, 0.0, 0.0, 0.0, 1.0]


def test_accuracy_reward_missing_golds():
    with pytest.warns(UserWarning, match="no gold answer"):
        assert accuracy_reward([r"\boxed{1}"], answer=[None], solution=["no box"]) == [0.0]
    with pytest.raises(ValueError, match="`answer` or a `solution` column"):
        accuracy_reward([r"\boxed{1}"])
    with pytest.raises(ValueError, match="2 entries for 1 completions"):
        accuracy_reward([r"\boxed{1}"], answer=["1", "2"])
    assert accuracy_reward([], answer=[]) == []


def test_accuracy_reward_from_a_worker_thread():
    # math-verify's own timeout (signal.alarm) raises outside the main thread; ours does not.
    results = []
    thread = threading.Thread(target=lambda: results.append(accuracy_reward([r"\boxed{0.5}"], answer=["1/2"])))
    thread.start()
    thread.join(timeout=30)
    assert results == [[1.0]]


def test_accuracy_reward_timeout_is_counted_on_the_default_checker():
    """What the trainer sees: a pathological pair (gold 10^{10^{10}} against a factorial
    tower, which sympy never finishes comparing) scores 0.0 after the default checker's
    timeout, from a worker thread, and `timeouts_total` goes up by one."""
    previous = get_default_checker()
    set_default_checker(AnswerChecker(timeout_s=1.0, num_workers=1))
    try:
        results = []
        completions = [r"\boxed{((10!)!)!}", r"\boxed{1.0}"]
        thread = threading.Thread(
            target=lambda: results.append(accuracy_reward(completions, answer=["10^{10^{10}}", "1"]))
        )
        thread.start()
        thread.join(timeout=30)
        assert results == [[0.0, 1.0]]
        assert get_default_checker().timeouts_total == 1
    finally:
        set_default_checker(previous)


# ---------------------------------------------------------------- format rewards


@pytest.mark.parametrize(
    ("completion", "expected"),
    [
        ("<think>\n1+1=2\n</think>\n<answer>\n2\n</answer>", 1.0),  # the paper's exact format
        ("<think>1+1=2</think><answer>2</answer>", 1.0),  # whitespace around tags is free
        ("  <think>\n\n1+1\n</think>\n\n<answer> 2 </answer>\n\n", 1.0),
        ("<think></think><answer>2</answer>", 1.0),  # empty thinking is still the format
        ("<answer>2</answer><think>1+1</think>", 0.0),  # wrong order
        ("<think>1+1</think>\n<answer>2</answer>\nThanks!", 0.0),  # text after </answer>
        ("Sure! <think>1+1</think><answer>2</answer>", 0.0),  # text before <think>
        ("<think>1+1</think><answer>  </answer>", 0.0),  # empty answer
        ("<think>1+1</think><answer>2", 0.0),  # truncated
        ("<think>a</think><think>b</think><answer>2</answer>", 0.0),  # two thinks
        ("<think>a</think><answer>1</answer><answer>2</answer>", 0.0),  # two answers
        ("<think>a <answer>1</answer></think><answer>2</answer>", 0.0),  # nested tag
        (r"\boxed{2}", 0.0),
        (None, 0.0),
    ],
)
def test_format_reward(completion, expected):
    assert format_reward([completion]) == [expected]
    if isinstance(completion, str):
        assert format_reward([conversation(completion)], **TRL_EXTRAS) == [expected]


@pytest.mark.parametrize(
    ("completion", "expected"),
    [
        (r"so $\boxed{2}$", 1.0),
        (r"\boxed{\frac{1}{2}}", 1.0),
        (r"\fbox{2}", 1.0),
        (r"so $\boxed 2$", 1.0),
        (r"\boxed{1} and \boxed{2}", 1.0),
        (r"\boxed{1} then \boxed{2", 0.0),  # the last box never closes
        (r"\boxed{ }", 0.0),  # empty
        ("2", 0.0),
        (None, 0.0),
    ],
)
def test_boxed_format_reward(completion, expected):
    assert boxed_format_reward([completion]) == [expected]
    if isinstance(completion, str):
        assert boxed_format_reward([conversation(completion)], **TRL_EXTRAS) == [expected]


# ---------------------------------------------------------------- registry


def test_registry_names_and_function_names():
    assert REWARD_FUNCS == {"accuracy": accuracy_reward, "accuracy_stated": stated_accuracy_reward,
                            "format": format_reward, "boxed": boxed_format_reward}
    # TRL names reward columns by __name__; the trainer finds accuracy by that name
    assert [f.__name__ for f in get_reward_funcs(["accuracy", "format", "boxed"])] == [
        "accuracy_reward",
        "format_reward",
        "boxed_format_reward",
    ]
    assert get_reward_funcs([]) == []


def test_registry_unknown_name_lists_valid_ones():
    with pytest.raises(ValueError, match=r"\['cosine'\].*\['accuracy', 'accuracy_stated', 'boxed', 'format'\]"):
        get_reward_funcs(["accuracy", "cosine"])


# ---------------------------------------------------------------- agreement with labelled data


def load_labelled() -> tuple[list[dict], list[str], list[str], list[bool]]:
    if not LABELLED.exists():
        pytest.skip(f"labelled data not found at {LABELLED} (shared data folder absent)")
    rows = [json.loads(line) for line in LABELLED.read_text().splitlines()]
    completions = [response for row in rows for response in row["response"]]
    golds = [row["answer"] for row in rows for _ in row["response"]]
    labels = [bool(score) for row in rows for score in row["score"]]
    return rows, completions, golds, labels


# Every disagreement left, reviewed by hand (tests/data/labelled_disagreements.md): in each
# the other grader's label is wrong. (problem idx, completion index)
REVIEWED_DISAGREEMENTS = {(3, j) for j in range(8)} | {(72, 7)}


def test_accuracy_reward_agrees_with_labelled_completions():
    """800 real completions (100 MATH problems x 8) graded by Qwen2.5-Math's grader.

    Measured: 791 / 800 = 0.98875 agree; all 9 disagreements are label errors.
    """
    rows, completions, golds, labels = load_labelled()
    ours = accuracy_reward(completions, answer=golds)
    disagreements = {
        (rows[k // 8]["idx"], k % 8) for k, (score, label) in enumerate(zip(ours, labels)) if (score == 1.0) != label
    }
    agreement = 1 - len(disagreements) / len(completions)
    assert agreement >= 791 / 800, sorted(disagreements)  # 98.9 %: answer-form changes must not lower it
    # A change here means the grader moved: review the new cases and update the list and the
    # markdown file, whichever side is right.
    assert disagreements == REVIEWED_DISAGREEMENTS


def test_stated_accuracy_gives_no_credit_without_a_box_or_answer_block():
    # SmolLM2 on "Factor 9z^3 - 27z^2 + 27z", cut at the length limit: the lenient search reads the restated
    # question, which equals the gold; the stated-answer reward does not credit it.
    restated = "To solve this, we have $9z^3 - 27z^2 + 27z$, which can be expressed as"
    gold = ["9z(z^2 - 3z + 3)"] * 4
    completions = [restated, "so $\\boxed{9z(z^2-3z+3)}$", "<answer>9z(z^2-3z+3)</answer>", "so $\\boxed{9z}$"]
    assert accuracy_reward(completions, answer=gold) == [1.0, 1.0, 1.0, 0.0]
    assert stated_accuracy_reward(completions, answer=gold) == [0.0, 1.0, 1.0, 0.0]
    assert get_reward_funcs(["accuracy_stated"])[0].__name__ == "stated_accuracy_reward"

"""The catalogue of bad inputs. Each case is named; at load time it is a clear error naming the row and field (or a
documented acceptance), during training a reward of 0 plus a counted metric — never a crash, never a hang.

Load time goes through `prepare_dataset`; training time through the rewards (`accuracy_reward`, `format_reward`)
and `guard_reward`, which wraps every reward function GHPOTrainer is given.
"""

import math
import threading
import time

import pytest
from datasets import Dataset

from ghpo.data import DataError, load_raw_dataset, prepare_dataset, resolve_columns
from ghpo.rewards import accuracy_reward, format_reward
from ghpo.safety import RewardFailureCounts, guard_reward

BIG_LATEX = "\\frac{1}{2}+" * 8_000 + "1"  # ~100 KB
NESTED_FRACTION = "\\frac{1}{" * 200 + "2" + "}" * 200

# (case name, source row, expected: "kept" | substring of the rejection reason naming the field)
LOAD_CASES = [
    ("number_as_question", {"problem": 12, "answer": "3"}, "kept"),
    ("list_as_question", {"problem": ["a", "b"], "answer": "3"}, "column 'problem' holds list"),
    ("dict_as_solution", {"problem": "Q", "answer": None, "solution": {"x": 1}}, "column 'solution' holds dict"),
    ("none_question", {"problem": None, "answer": "3"}, "empty question"),
    ("whitespace_question", {"problem": " \n\t ", "answer": "3"}, "empty question"),
    ("none_answer_no_box", {"problem": "Q", "answer": None, "solution": "no box"}, "no gold answer"),
    ("empty_answer_no_solution", {"problem": "Q", "answer": "", "solution": ""}, "no gold answer"),
    ("whitespace_answer_boxed_solution", {"problem": "Q", "answer": "  ", "solution": "so \\boxed{4}"}, "kept"),
    ("unbalanced_boxed_solution", {"problem": "Q", "answer": None, "solution": "so \\boxed{4"}, "no gold answer"),
    ("empty_boxed_solution", {"problem": "Q", "answer": None, "solution": "so \\boxed{}"}, "no gold answer"),
    ("list_of_two_answers", {"problem": "Q", "answer": ["1", "2"], "solution": None}, "column 'answer' holds list"),
    ("bool_answer", {"problem": "Q", "answer": True, "solution": None}, "column 'answer' holds bool"),
    ("nan_answer_boxed_solution", {"problem": "Q", "answer": math.nan, "solution": "\\boxed{5}"}, "kept"),
    ("float_answer", {"problem": "Q", "answer": 27.0, "solution": None}, "kept"),
    ("empty_solution_with_answer", {"problem": "Q", "answer": "3", "solution": ""}, "kept"),
    ("whitespace_solution_with_answer", {"problem": "Q", "answer": "3", "solution": "  \n "}, "kept"),
    ("100kb_latex_answer", {"problem": "Q", "answer": BIG_LATEX, "solution": None}, "kept"),
    ("unicode_question", {"problem": "Résous: 2×3 = ? 🙂\u200b مرحبا", "answer": "6"}, "kept"),
]


@pytest.mark.parametrize("source_row, expected", [case[1:] for case in LOAD_CASES], ids=[c[0] for c in LOAD_CASES])
def test_load_time_case(source_row, expected):
    good = {"problem": "1+1?", "answer": "2", "solution": "\\boxed{2}"}
    raw = [good, {"solution": None, **source_row}]
    # Plain rows, as read from a .jsonl file (see test_mixed_types_in_a_jsonl_file_name_the_row).
    dataset, summary = prepare_dataset(raw, system_prompt=None, problem_column="problem", answer_column="answer",
                                       solution_column="solution")
    if expected == "kept":
        assert summary.kept == 2 and not summary.rejected
    else:
        ((row_number, reason),) = summary.rejected
        assert row_number == 1 and expected in reason


def test_nan_answer_falls_back_to_the_boxed_solution():
    # pandas writes an empty cell as NaN: it must read as "no answer", not as the gold "nan"
    dataset, summary = prepare_dataset([{"problem": "Q", "answer": math.nan, "solution": "so \\boxed{5}"}],
                                       system_prompt=None)
    assert dataset[0]["answer"] == "5" and summary.gold_sources == {"boxed": 1}


def test_mixed_types_in_a_jsonl_file_name_the_row(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text('{"problem": "1+1?", "answer": "2"}\n{"problem": ["a", "b"], "answer": "2"}\n'
                    '{"problem": "3+3?", "answer": 6}\n')
    _, summary = prepare_dataset(load_raw_dataset(str(path)), system_prompt=None)
    assert summary.kept == 2 and summary.rejected == [(1, "wrong type: row 1: column 'problem' holds list, "
                                                          "expected text")]


def test_broken_json_line_is_named(tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_text('{"problem": "1+1?", "answer": "2"}\n{"problem": "2+2?", "answer": \n')
    with pytest.raises(DataError, match="broken.jsonl: line 2 is not valid JSON"):
        load_raw_dataset(str(path))


def test_unicode_question_is_kept_intact():
    question = LOAD_CASES[-1][1]["problem"]
    dataset, _ = prepare_dataset(Dataset.from_list([{"problem": question, "answer": "6"}]), system_prompt=None)
    assert dataset[0]["prompt"][-1]["content"] == question


@pytest.mark.parametrize("columns, message", [
    (["question_text", "answer"], "no problem column found among"),
    (["problem", "notes"], "no gold answer: the dataset needs an answer column"),
], ids=["missing_question_column", "missing_gold_columns"])
def test_missing_columns_are_named(columns, message):
    with pytest.raises(DataError, match=message):
        resolve_columns(columns)


@pytest.mark.parametrize("asked", ["answers", "Answer"], ids=["misnamed_answer_column", "wrong_case_column"])
def test_misnamed_column_lists_the_real_ones(asked):
    with pytest.raises(DataError, match=r"answer column '.*' is not in the dataset; its columns are \['problem'"):
        resolve_columns(["problem", "answer"], answer=asked)


# (case name, completion, gold answer, expected accuracy)
COMPLETION_CASES = [
    ("empty_completion", "", "4", 0.0),
    ("only_end_token_decoded_empty", "   ", "4", 0.0),
    ("truncated_at_length_limit", "We compute 2+2 and get \\boxed{4", "4", 0.0),
    ("several_boxed_last_counts", "first \\boxed{3}, corrected: \\boxed{4}", "4", 1.0),
    ("several_boxed_last_wrong", "first \\boxed{4}, then \\boxed{3}", "4", 0.0),
    ("none_completion", None, "4", 0.0),
    ("number_completion", 4, "4", 0.0),
    ("conversational_completion", [{"role": "assistant", "content": "\\boxed{4}"}], "4", 1.0),
    ("unicode_completion", "Ответ: \\boxed{４} 🙂\u200b", "4", None),  # full-width digit: either verdict, no crash
    ("empty_answer_tag", "<think>x</think><answer></answer>", "4", 0.0),
    ("nested_fraction_completion", f"\\boxed{{{NESTED_FRACTION}}}", "4", 0.0),
    ("100kb_completion", "\\boxed{" + BIG_LATEX + "}", "4", 0.0),
]


@pytest.mark.parametrize("completion, gold, expected", [c[1:] for c in COMPLETION_CASES],
                         ids=[c[0] for c in COMPLETION_CASES])
def test_training_time_completion_case(completion, gold, expected):
    started = time.monotonic()
    (reward,) = accuracy_reward([completion], answer=[gold])
    assert time.monotonic() - started < 30  # the checker's hard per-item timeout bounds every case
    assert reward in (0.0, 1.0) if expected is None else reward == expected


def test_format_reward_survives_garbage():
    assert format_reward([None, 3, "", "<think></think>", [{"role": "assistant", "content": None}]]) == [0.0] * 5


def test_explosive_answers_do_not_hang_from_a_worker_thread():
    # Symbolic checkers can spin for minutes on these: a power tower vs a factorial tower, a 100 KB gold.
    pairs = [("10^{10^{10}}", "\\boxed{((10!)!)!}"), (BIG_LATEX, "\\boxed{" + BIG_LATEX + "}"),
             (NESTED_FRACTION, "\\boxed{2}")]
    results = []
    thread = threading.Thread(target=lambda: results.append(
        accuracy_reward([c for _, c in pairs], answer=[g for g, _ in pairs])))
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive() and len(results[0]) == 3 and set(results[0]) <= {0.0, 1.0}


# (case name, custom reward, expected rewards, expected counts (errors, nonfinite))
def _raises(completions, **kwargs):
    raise RuntimeError("remote judge unreachable")


CUSTOM_REWARD_CASES = [
    ("reward_raises", _raises, [0.0, 0.0], (1, 0)),
    ("reward_returns_nan", lambda completions, **kw: [math.nan, 1.0], [0.0, 1.0], (0, 1)),
    ("reward_returns_inf", lambda completions, **kw: [math.inf, -math.inf], [0.0, 0.0], (0, 2)),
    ("reward_returns_none", lambda completions, **kw: [None, 0.5], [0.0, 0.5], (0, 1)),
    ("reward_returns_text", lambda completions, **kw: ["1.0", True], [0.0, 0.0], (0, 2)),
]


@pytest.mark.parametrize("func, expected, expected_counts", [c[1:] for c in CUSTOM_REWARD_CASES],
                         ids=[c[0] for c in CUSTOM_REWARD_CASES])
def test_custom_reward_failures_cost_a_zero_and_are_counted(func, expected, expected_counts):
    counts = RewardFailureCounts()
    assert guard_reward(func, counts)(completions=["a", "b"]) == expected
    assert (counts.errors, counts.nonfinite) == expected_counts


def test_reward_returning_the_wrong_number_of_values_is_a_clear_error():
    guarded = guard_reward(lambda completions, **kw: [1.0], RewardFailureCounts())
    with pytest.raises(ValueError, match="returned 1 values for 2 completions"):
        guarded(completions=["a", "b"])


def test_catalogue_has_at_least_30_named_cases():
    named = len(LOAD_CASES) + 2 + 2 + 2 + len(COMPLETION_CASES) + 1 + 1 + len(CUSTOM_REWARD_CASES) + 1
    assert named >= 30

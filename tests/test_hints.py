"""Hint text: prefixes per unit, token budgets, hinted prompts. Expected values worked out by hand."""

import pytest

from ghpo.hints import build_hinted_prompt, cut_points, fit_hint, hint_prefix

SOLUTION = "Add 2 and 3.\nThat gives 5.\nSo \\boxed{5}."  # 3 lines, 9 words, 12+1+13+1+13 = 40 characters


def test_cut_points_per_unit():
    assert cut_points("ab c", "char") == [0, 1, 2, 3, 4]
    assert cut_points("ab  c", "word") == [0, 2, 5]  # ends of "ab" and "c"
    assert cut_points("a\nb\n", "line") == [0, 2, 4]
    assert cut_points("a\nb", "line") == [0, 2, 3]  # an unterminated last line still counts
    with pytest.raises(ValueError, match="unknown hint unit"):
        cut_points("a", "sentence")


def test_char_prefix_rounds_like_the_paper():
    assert len(SOLUTION) == 40
    assert hint_prefix(SOLUTION, 0.25, "char") == "Add 2 and "  # round(0.25 * 40) = 10 characters
    assert hint_prefix(SOLUTION, 0.3, "char") == "Add 2 and 3."  # round(12.0) = 12
    assert hint_prefix(SOLUTION, 0.0125, "char") == ""  # round(0.5) = 0: Python rounds half to even
    assert hint_prefix(SOLUTION, 1.0, "char") == SOLUTION


def test_word_prefix_never_cuts_a_word():
    # 9 words: Add|2|and|3.|That|gives|5.|So|\boxed{5}. ; 0.5 -> round(4.5) = 4 words
    assert hint_prefix(SOLUTION, 0.5, "word") == "Add 2 and 3."
    # 0.75 -> round(6.75) = 7 words, ending inside line 2 but after a whole word
    assert hint_prefix(SOLUTION, 0.75, "word") == "Add 2 and 3.\nThat gives 5."


def test_line_prefix_keeps_whole_lines():
    # 3 lines; 0.5 -> round(1.5) = 2 lines, 0.25 -> round(0.75) = 1 line
    assert hint_prefix(SOLUTION, 0.25, "line") == "Add 2 and 3.\n"
    assert hint_prefix(SOLUTION, 0.5, "line") == "Add 2 and 3.\nThat gives 5.\n"


def test_empty_solution_gives_empty_hint():
    assert hint_prefix("", 0.75, "word") == ""


def test_fit_hint_takes_the_longest_prefix_that_fits():
    at_most_7_chars = lambda text: len(text) <= 7  # noqa: E731
    assert fit_hint("Add 2 and 3.", at_most_7_chars, "char") == "Add 2 a"
    assert fit_hint("Add 2 and 3.", at_most_7_chars, "word") == "Add 2"  # "Add 2 and" is 9 chars
    assert fit_hint("Add", at_most_7_chars, "word") == "Add"  # already fits: unchanged
    assert fit_hint("Addition", at_most_7_chars, "word") == ""  # even one word is too long


def test_hint_goes_after_the_question_in_the_last_user_message():
    prompt = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is 2+3?"}]
    hinted = build_hinted_prompt(prompt, "Add 2", lead_in="\nHint:\n")
    assert hinted == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is 2+3?\nHint:\nAdd 2"}]
    assert prompt[1]["content"] == "What is 2+3?"  # input untouched


def test_hint_on_plain_text_prompt_is_appended():
    assert build_hinted_prompt("Q: 2+3?", "Add", lead_in=" Hint: ") == "Q: 2+3? Hint: Add"


def test_prompt_without_user_message_is_an_error():
    with pytest.raises(ValueError, match="needs a user message"):
        build_hinted_prompt([{"role": "system", "content": "x"}], "h", lead_in=" ")

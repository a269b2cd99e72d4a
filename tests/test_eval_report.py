"""Outputs: per-sample records, the per-benchmark result, the markdown table, the comparison of two runs."""

from __future__ import annotations

import json

import pytest

from ghpo.eval.benchmarks import Problem
from ghpo.eval.generation import Generation
from ghpo.eval.report import (
    average_label,
    benchmark_result,
    build_summary,
    compare_markdown,
    compare_rows,
    markdown_report,
    sample_records,
    write_outputs,
)


PROBLEMS = [Problem("amc23", "p0", "q0", "27"), Problem("amc23", "p1", "q1", "36")]
GENERATIONS = [[Generation(r"\boxed{27}", 5, True), Generation("no idea", 9, False)],
               [Generation(r"\boxed{35}", 4, True), Generation(r"\boxed{35}", 4, True)]]
SCORES = [[1.0, 0.0], [0.0, 0.0]]


def test_sample_records():
    records = sample_records(PROBLEMS, ["prompt0", "prompt1"], GENERATIONS, SCORES)
    assert len(records) == 4
    assert records[1] == dict(benchmark="amc23", problem_id="p0", sample=1, prompt="prompt0", completion="no idea",
                              extracted_answer=None, gold="27", correct=False, num_tokens=9, finished=False)
    assert records[2]["extracted_answer"] == "35" and records[2]["sample"] == 0


def test_benchmark_result_avg_at_2():
    result = benchmark_result(PROBLEMS, GENERATIONS, SCORES, resamples=200)
    # per problem: (1 + 0) / 2 = 0.5 and 0.0 -> avg@2 = 0.25; 1 of 4 samples truncated; tokens (5+9+4+4)/4 = 5.5
    assert (result["metric"], result["accuracy"], result["problems"]) == ("avg@2", 0.25, 2)
    assert result["per_problem"] == {"p0": 0.5, "p1": 0.0}
    assert (result["truncated"], result["mean_completion_tokens"]) == (0.25, 5.5)
    assert result["ci_low"] <= 0.25 <= result["ci_high"]


def test_average_label():
    assert average_label(["math500", "aime24", "amc23", "minerva", "olympiadbench", "gpqa_diamond"]) == \
        "six-benchmark average"
    assert average_label(["amc23"]) == "average of 1 benchmark (amc23)"


def result(per_problem: dict, low=0.0, high=1.0) -> dict:
    accuracy = sum(per_problem.values()) / len(per_problem)
    return dict(metric="avg@1", samples_per_problem=1, problems=len(per_problem), accuracy=accuracy, ci_low=low,
                ci_high=high, stderr=0.1, interval="binomial (Wilson)", truncated=0.0, mean_completion_tokens=12.0,
                per_problem=per_problem)


def summary(model: str, **results) -> dict:
    return build_summary(results, dict(model=model, protocol={"name": "greedy"}, limit=None,
                                       timing_s={"total": 1.0}))


def test_markdown_report_shows_every_benchmark_with_its_interval_and_the_average():
    text = markdown_report(summary("m", math500=result({"a": 1.0, "b": 0.0}, 0.1, 0.9),
                                   amc23=result({"c": 0.0}, 0.0, 0.8)))
    assert "| math500 | avg@1 | 50.0 | [10.0, 90.0] | 2 | 0.0 | 12 |" in text
    assert "| amc23 | avg@1 | 0.0 | [0.0, 80.0] | 1 | 0.0 | 12 |" in text
    # average (0.5 + 0) / 2 = 25.0 %; low = 0.25 - sqrt(0.4^2 + 0^2) / 2 = 0.05;
    # high = 0.25 + sqrt(0.4^2 + 0.8^2) / 2 = 0.25 + 0.4472 = 0.697
    assert "| **average of 2 benchmarks (math500, amc23)** | mean | **25.0** | [5.0, 69.7] |" in text
    assert '- name: "greedy"' in text and "- time total: 1.0 s" in text


def test_markdown_report_says_how_answers_were_read():
    strict = markdown_report(summary("m", amc23=result({"c": 0.0})))
    assert "Answers read: strict, as the training reward reads them" in strict
    lenient = {**summary("m", amc23=result({"c": 0.0})), "protocol": {"name": "greedy", "answer_extraction": "lenient"}}
    text = markdown_report(lenient)
    assert "Answers read: lenient (evaluation only)" in text and '- answer_extraction: "lenient"' in text


def test_sample_records_extract_as_the_protocol_reads():
    generations = [[Generation(r"So the count is \(27\).", 6, True)]]
    strict = sample_records(PROBLEMS[:1], ["p"], generations, [[0.0]])
    lenient = sample_records(PROBLEMS[:1], ["p"], generations, [[1.0]], "lenient")
    assert (strict[0]["extracted_answer"], lenient[0]["extracted_answer"]) == (None, "27")


def test_markdown_report_of_one_benchmark_has_no_average_row():
    assert "average" not in markdown_report(summary("m", amc23=result({"c": 0.0})))


def test_write_outputs(tmp_path):
    records = sample_records(PROBLEMS, ["p", "p"], GENERATIONS, SCORES)
    run = summary("m", amc23=benchmark_result(PROBLEMS, GENERATIONS, SCORES, resamples=100))
    paths = write_outputs(tmp_path / "out", records, run)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["results.md", "samples.jsonl", "summary.json"]
    assert [json.loads(line)["correct"] for line in paths["samples.jsonl"].read_text().splitlines()] == \
        [True, False, False, False]
    assert json.loads(paths["summary.json"].read_text())["benchmarks"]["amc23"]["accuracy"] == 0.25


def test_compare_pairs_problems_by_id_and_skips_unshared_ones():
    a = summary("A", math500=result({"p1": 0.0, "p2": 0.0, "p3": 1.0, "only_a": 1.0}),
                amc23=result({"q1": 1.0, "q2": 0.0}))
    b = summary("B", math500=result({"p3": 1.0, "p2": 1.0, "p1": 1.0}), amc23=result({"q1": 1.0, "q2": 0.0}),
                aime24=result({"r1": 1.0}))
    rows = compare_rows(a, b, resamples=200)
    assert [row["benchmark"] for row in rows] == ["math500", "amc23", "average of 2 benchmarks (math500, amc23)"]
    # math500 on p1..p3: A 1/3, B 3/3 -> +2/3; amc23 identical -> 0; average +1/3
    assert [row["shared"] for row in rows] == [3, 2, 5]
    assert [row["difference"] for row in rows] == pytest.approx([2 / 3, 0.0, 1 / 3])
    assert rows[1]["excludes_zero"] is False


def test_compare_reads_a_summary_without_answer_extraction_as_strict():
    """A summary written before the field existed was scored strict: no false warning against a new strict run."""
    old = summary("A", amc23=result({"q1": 1.0}))
    new = {**summary("B", amc23=result({"q1": 1.0})), "protocol": {"name": "greedy", "answer_extraction": "strict"}}
    assert "different protocols" not in compare_markdown(old, new, resamples=50)
    lenient = {**new, "protocol": {"name": "greedy", "answer_extraction": "lenient"}}
    assert "different protocols" in compare_markdown(old, lenient, resamples=50)


def test_compare_markdown_warns_when_protocols_differ():
    a = summary("A", amc23=result({"q1": 1.0}))
    b = {**summary("B", amc23=result({"q1": 1.0})), "protocol": {"name": "paper"}}
    text = compare_markdown(a, b, "a.json", "b.json", resamples=50)
    assert "| amc23 | 1 | 100.0 | 100.0 | +0.0 | [+0.0, +0.0] | no |" in text
    assert "different protocols" in text

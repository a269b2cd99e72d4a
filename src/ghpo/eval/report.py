"""The three outputs of a run, and the comparison of two runs.

    samples.jsonl   one line per sample: benchmark, problem_id, sample, prompt, completion,
                    extracted_answer, gold, correct, num_tokens, finished
    summary.json    settings, timings, and per benchmark: accuracy, 95 % interval, per-problem scores
    results.md      the table people read: accuracy +- interval per benchmark, the average, the settings

`compare_markdown(a, b)` sets two summaries side by side: B - A with a paired-bootstrap 95 %
interval over the problems both runs answered, and whether that interval excludes zero.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .benchmarks import ALL_BENCHMARKS, Problem
from .generation import Generation
from .scoring import extracted_answer
from .stats import RESAMPLES, accuracy_with_interval, average_with_interval, paired_difference

SUMMARY_FORMAT = "ghpo-eval/1"


def sample_records(problems: list[Problem], prompts: list[str], generations: list[list[Generation]],
                   scores: list[list[float]], answer_extraction: str = "strict") -> list[dict]:
    """The per-sample lines of samples.jsonl, problem by problem, sample by sample; `extracted_answer` is read
    the way the protocol's `answer_extraction` reads it."""
    records = []
    for problem, prompt, samples, sample_scores in zip(problems, prompts, generations, scores, strict=True):
        for index, (generation, score) in enumerate(zip(samples, sample_scores, strict=True)):
            records.append(dict(
                benchmark=problem.benchmark, problem_id=problem.problem_id, sample=index, prompt=prompt,
                completion=generation.text,
                extracted_answer=extracted_answer(problem, generation.text, answer_extraction),
                gold=problem.gold, correct=bool(score), num_tokens=generation.num_tokens, finished=generation.finished,
            ))
    return records


def benchmark_result(problems: list[Problem], generations: list[list[Generation]], scores: list[list[float]],
                     resamples: int = RESAMPLES, seed: int = 0) -> dict:
    """One benchmark's entry of summary.json: avg@k with its interval, and what the samples looked like."""
    k = len(scores[0])
    per_problem = [float(np.mean(sample_scores)) for sample_scores in scores]
    flat = [generation for samples in generations for generation in samples]
    return dict(
        metric=f"avg@{k}",
        samples_per_problem=k,
        problems=len(problems),
        **accuracy_with_interval(per_problem, k, resamples, seed),
        truncated=sum(not g.finished for g in flat) / len(flat),
        mean_completion_tokens=float(np.mean([g.num_tokens for g in flat])),
        per_problem={p.problem_id: score for p, score in zip(problems, per_problem, strict=True)},
    )


def average_label(names: list[str]) -> str:
    """'six-benchmark average' for the paper's six, else what it averages.

    >>> average_label(["math500", "amc23"])
    'average of 2 benchmarks (math500, amc23)'
    """
    if sorted(names) == sorted(ALL_BENCHMARKS):
        return "six-benchmark average"
    return f"average of {len(names)} benchmark{'s' * (len(names) != 1)} ({', '.join(names)})"


def build_summary(results: dict[str, dict], run_info: dict) -> dict:
    """summary.json: `run_info` (model, protocol, timings, ...) plus per-benchmark results and their average."""
    names = list(results)
    average = average_with_interval(list(results.values())) if names else {}
    return {"format": SUMMARY_FORMAT, **run_info, "benchmarks": results,
            "average": {"label": average_label(names), "benchmarks": names, **average}}


def _percent(value: float) -> str:
    return f"{100 * value:.1f}"


def _extraction_note(answer_extraction: str) -> str:
    """One line for results.md: how the answers in the table were read."""
    if answer_extraction == "lenient":
        return ("lenient (evaluation only): the <answer> block or last \\boxed{}, else a final answer stated without "
                "a box (\"final answer is ...\", a last displayed expression)")
    return ("strict, as the training reward reads them (<answer> block, else the last \\boxed{}, "
            "else math-verify's search)")


def markdown_report(summary: dict) -> str:
    """results.md: the table, then the settings that produced it."""
    lines = [f"# ghpo eval: {summary.get('model', '?')}", "",
             "| benchmark | metric | accuracy (%) | 95 % interval | problems | truncated (%) | mean tokens |",
             "|---|---|---|---|---|---|---|"]
    for name, result in summary["benchmarks"].items():
        lines.append(f"| {name} | {result['metric']} | {_percent(result['accuracy'])} | "
                     f"[{_percent(result['ci_low'])}, {_percent(result['ci_high'])}] | {result['problems']} | "
                     f"{_percent(result['truncated'])} | {result['mean_completion_tokens']:.0f} |")
    average = summary["average"]
    methods = sorted({f"{r['metric']}: {r['interval']}" for r in summary["benchmarks"].values()})
    if len(average.get("benchmarks", [])) > 1:  # the average of one benchmark is that benchmark
        lines.append(f"| **{average['label']}** | mean | **{_percent(average['accuracy'])}** | "
                     f"[{_percent(average['ci_low'])}, {_percent(average['ci_high'])}] | | | |")
        methods.append(f"average: {average['interval']}")
    lines += ["", f"95 % intervals: {'; '.join(methods)}.", "",
              f"Answers read: {_extraction_note(summary.get('protocol', {}).get('answer_extraction', 'strict'))}.",
              "", "## Settings", ""]
    for key in ("backend", "limit", "created", "ghpo_version"):
        if key in summary:
            lines.append(f"- {key}: {summary[key]}")
    for key, value in summary.get("protocol", {}).items():
        lines.append(f"- {key}: {json.dumps(value)}")
    for key, value in summary.get("timing_s", {}).items():
        lines.append(f"- time {key}: {value:.1f} s")
    if "checker" in summary:
        lines.append(f"- checker: {json.dumps(summary['checker'])}")
    return "\n".join(lines) + "\n"


def write_outputs(output_dir: str | Path, records: list[dict], summary: dict) -> dict[str, Path]:
    """Write samples.jsonl, summary.json and results.md under `output_dir`; returns their paths."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    paths = {name: output_dir / name for name in ("samples.jsonl", "summary.json", "results.md")}
    with open(paths["samples.jsonl"], "w") as file:
        file.writelines(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
    paths["summary.json"].write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    paths["results.md"].write_text(markdown_report(summary))
    return paths


def shared_scores(a: dict, b: dict) -> tuple[list[float], list[float]]:
    """The per-problem scores of two benchmark results on the problems both have, in one order.

    >>> shared_scores({"per_problem": {"p1": 1.0, "p2": 0.0}}, {"per_problem": {"p2": 1.0, "p3": 1.0}})
    ([0.0], [1.0])
    """
    ids = [problem_id for problem_id in a["per_problem"] if problem_id in b["per_problem"]]
    return [a["per_problem"][i] for i in ids], [b["per_problem"][i] for i in ids]


def compare_rows(a: dict, b: dict, resamples: int = RESAMPLES, seed: int = 0) -> list[dict]:
    """One row per benchmark in both summaries (then their average): A, B, B - A and its paired interval."""
    names = [name for name in a["benchmarks"] if name in b["benchmarks"]]
    rows, pairs = [], []
    for name in names:
        scores_a, scores_b = shared_scores(a["benchmarks"][name], b["benchmarks"][name])
        if not scores_a:
            continue
        pairs.append((scores_a, scores_b))
        rows.append(dict(benchmark=name, shared=len(scores_a), a=float(np.mean(scores_a)), b=float(np.mean(scores_b)),
                         **paired_difference([pairs[-1]], resamples, seed)))
    if len(pairs) > 1:
        label = average_label([row["benchmark"] for row in rows])
        rows.append(dict(benchmark=label, shared=sum(len(pair[0]) for pair in pairs),
                         a=float(np.mean([row["a"] for row in rows])), b=float(np.mean([row["b"] for row in rows])),
                         **paired_difference(pairs, resamples, seed)))
    return rows


def _protocol(summary: dict) -> dict | None:
    """A summary's protocol; one written before `answer_extraction` existed read strict, as it was."""
    protocol = summary.get("protocol")
    return None if protocol is None else {"answer_extraction": "strict", **protocol}


def compare_markdown(a: dict, b: dict, label_a: str = "A", label_b: str = "B", resamples: int = RESAMPLES) -> str:
    """Two runs side by side, with B - A and whether its 95 % interval excludes zero."""
    lines = [f"A = {label_a} ({a.get('model', '?')})", f"B = {label_b} ({b.get('model', '?')})", "",
             "| benchmark | shared problems | A (%) | B (%) | B - A (points) | 95 % interval | excludes 0 |",
             "|---|---|---|---|---|---|---|"]
    for row in compare_rows(a, b, resamples):
        lines.append(f"| {row['benchmark']} | {row['shared']} | {_percent(row['a'])} | {_percent(row['b'])} | "
                     f"{100 * row['difference']:+.1f} | [{100 * row['ci_low']:+.1f}, {100 * row['ci_high']:+.1f}] | "
                     f"{'yes' if row['excludes_zero'] else 'no'} |")
    if _protocol(a) != _protocol(b):
        lines += ["", "Warning: the two runs used different protocols; the difference mixes model and protocol."]
    lines += ["", f"Interval: paired bootstrap over shared problems ({resamples} resamples)."]
    return "\n".join(lines) + "\n"

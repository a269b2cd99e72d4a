"""`ghpo eval` end to end on the tiny model: the three outputs, the comparison, the real benchmark files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ghpo.cli import main as cli_main

BENCH = Path(__file__).resolve().parents[1] / "../shared/data/bench"


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """Two benchmarks in the layout of ../shared/data/bench, two rows each, in their real schemas."""
    rows = {
        "math500": [{"problem": "What is 3 + 4?", "solution": r"$\boxed{7}$", "answer": "7", "level": 1,
                     "subject": "Prealgebra", "unique_id": "test/prealgebra/1.json"},
                    {"problem": "Solve for x: 2x = 10.", "solution": r"$\boxed{5}$", "answer": "5", "level": 1,
                     "subject": "Algebra", "unique_id": "test/algebra/2.json"}],
        "amc23": [{"id": 0, "problem": "What is 12 + 30?", "answer": 42.0, "url": "u0"},
                  {"id": 1, "problem": "What is 2 + 5?", "answer": 7.0, "url": "u1"}],
    }
    for name, items in rows.items():
        (tmp_path / "bench" / name).mkdir(parents=True)
        (tmp_path / "bench" / name / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in items))
    return tmp_path / "bench"


def run_eval_cli(model_dir, data_dir, output_dir, *extra) -> int:
    # `--max_new_tokens`: the underscore spelling of `ghpo train` is accepted too
    return cli_main(["eval", "--model", model_dir, "--benchmarks", "math500,amc23", "--data-dir", str(data_dir),
                     "--output-dir", str(output_dir), "--max_new_tokens", "8", "--no-progress", *extra])


def test_eval_writes_the_three_outputs(tiny_model_dir, data_dir, tmp_path, capsys):
    assert run_eval_cli(tiny_model_dir, data_dir, tmp_path / "run", "--limit", "2", "--samples", "2",
                        "--temperature", "1.0") == 0
    samples = [json.loads(line) for line in (tmp_path / "run" / "samples.jsonl").read_text().splitlines()]
    assert len(samples) == 8  # 2 benchmarks x 2 problems x 2 samples
    assert set(samples[0]) == {"benchmark", "problem_id", "sample", "prompt", "completion", "extracted_answer",
                               "gold", "correct", "num_tokens", "finished"}
    assert [s["gold"] for s in samples if s["benchmark"] == "amc23"] == ["42", "42", "7", "7"]
    assert "<|im_start|>system\nYou are a helpful AI Assistant" in samples[0]["prompt"]  # the paper's prompt
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["protocol"]["samples"] == 2 and summary["limit"] == 2 and summary["backend"] == "transformers"
    assert summary["benchmarks"]["amc23"]["metric"] == "avg@2"
    assert summary["sources"]["amc23"].endswith("amc23/test.jsonl")
    table = (tmp_path / "run" / "results.md").read_text()
    assert "| math500 | avg@2 |" in table and "95 % interval" in table and "average of 2 benchmarks" in table
    assert "| math500 | avg@2 |" in capsys.readouterr().out  # the table is printed too


def test_lenient_answer_extraction_is_recorded_in_the_outputs(tiny_model_dir, data_dir, tmp_path):
    assert run_eval_cli(tiny_model_dir, data_dir, tmp_path / "run", "--limit", "1", "--preset", "greedy",
                        "--answer-extraction", "lenient") == 0
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["protocol"]["answer_extraction"] == "lenient"
    assert "Answers read: lenient (evaluation only)" in (tmp_path / "run" / "results.md").read_text()


def test_compare_two_runs(tiny_model_dir, data_dir, tmp_path, capsys):
    assert run_eval_cli(tiny_model_dir, data_dir, tmp_path / "a", "--preset", "greedy") == 0
    assert run_eval_cli(tiny_model_dir, data_dir, tmp_path / "b", "--preset", "greedy") == 0
    capsys.readouterr()
    assert cli_main(["eval", "--compare", str(tmp_path / "a" / "summary.json"),
                     str(tmp_path / "b" / "summary.json")]) == 0
    out = capsys.readouterr().out
    # Greedy twice: the same completions, so a difference of exactly zero on every benchmark.
    assert "| math500 | 2 |" in out and "| +0.0 | [+0.0, +0.0] | no |" in out
    assert "paired bootstrap" in out and "different protocols" not in out


def test_errors_are_one_line_and_exit_2(tiny_model_dir, data_dir, tmp_path, capsys):
    assert cli_main(["eval", "--benchmarks", "math500"]) == 2
    assert "--model is required" in capsys.readouterr().err
    assert run_eval_cli(tiny_model_dir, data_dir, tmp_path / "x", "--benchmarks", "gsm8k") == 2
    assert "unknown benchmark(s) ['gsm8k']" in capsys.readouterr().err


def test_help_lists_the_protocol_flags(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["eval", "--help"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0
    for flag in ("--preset", "--protocol", "--samples-per-benchmark", "--limit", "--compare", "--backend",
                 "--answer-extraction"):
        assert flag in out


def test_answer_extraction_flag_reaches_the_protocol():
    from ghpo.eval.cli import build_parser, hyphenate_flags, protocol_from_args

    def protocol(*argv):
        return protocol_from_args(build_parser().parse_args(hyphenate_flags(["--model", "m", *argv])))

    assert protocol().answer_extraction == "strict"
    assert protocol("--answer_extraction", "lenient").answer_extraction == "lenient"
    with pytest.raises(SystemExit):
        protocol("--answer-extraction", "loose")


def test_done_when_command_on_the_real_files(tiny_model_dir, tmp_path):
    """The issue's check, with 16 new tokens instead of 4,096 so the suite stays fast (the full
    command takes about 40 s on 2 CPU cores)."""
    if not BENCH.is_dir():
        pytest.skip(f"benchmark data not found at {BENCH} (shared data folder absent)")
    assert cli_main(["eval", "--model", tiny_model_dir, "--benchmarks", "math500,amc23", "--data-dir", str(BENCH),
                     "--limit", "5", "--max-new-tokens", "16", "--output-dir", str(tmp_path), "--no-progress"]) == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert {name: r["problems"] for name, r in summary["benchmarks"].items()} == {"math500": 5, "amc23": 5}
    assert summary["benchmarks"]["amc23"]["ci_high"] > 0  # an interval, even at 0 correct

"""In-training eval: a 2-step GHPO run on the tiny model logs `eval/...` at the chosen steps."""

from __future__ import annotations

import json

import pytest

from ghpo.eval.benchmarks import Problem
from ghpo.eval.callback import add_benchmark_eval, eval_metrics
from ghpo.testing import make_dataset, make_trainer


def test_eval_metrics_by_hand():
    # a: problems scored 1 and 0 -> 0.5; b: one problem, samples 1 and 0 -> 0.5; mean 0.5
    metrics = eval_metrics({"a": [], "b": []}, {"a": [[1.0], [0.0]], "b": [[1.0, 0.0]]}, [4, 6, 8, 10],
                           [True, False, True, True])
    assert metrics == {"eval/a/accuracy": 0.5, "eval/b/accuracy": 0.5, "eval/mean_accuracy": 0.5,
                       "eval/mean_completion_tokens": 7.0, "eval/truncated": 0.25}


@pytest.fixture
def bench_dir(tmp_path):
    rows = [{"id": i, "problem": f"What is {i} + {i}?", "answer": float(2 * i), "url": ""} for i in range(3)]
    (tmp_path / "bench" / "amc23").mkdir(parents=True)
    (tmp_path / "bench" / "amc23" / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return tmp_path / "bench"


def test_two_step_ghpo_run_logs_benchmark_accuracy(tiny_model_dir, bench_dir, tmp_path):
    trainer = make_trainer(tiny_model_dir, tmp_path / "out", make_dataset([0.0, 0.3, 2.0, 0.0]),
                           max_steps=2, per_device_eval_batch_size=4)
    callback = add_benchmark_eval(trainer, "amc23", every_n_steps=1, data_dir=bench_dir, limit=2,
                                  max_new_tokens=4, at_start=True)
    assert [p.problem_id for p in callback.problems["amc23"]] == ["0", "1"]
    trainer.train()
    assert [entry["step"] for entry in callback.history] == [0, 1, 2]
    logged = [entry for entry in trainer.state.log_history if "eval/amc23/accuracy" in entry]
    assert [entry["step"] for entry in logged] == [0, 1, 2]
    assert all(0.0 <= entry["eval/mean_accuracy"] <= 1.0 and entry["eval/seconds"] > 0 for entry in logged)
    # The training metrics are still logged on their own rows, untouched by the eval's logging.
    assert sum("loss" in entry for entry in trainer.state.log_history) == 2
    assert trainer.model.training  # the eval put the model back in training mode


def test_callback_uses_the_protocol_it_is_given(tiny_model_dir, tmp_path):
    from ghpo.eval.callback import BenchmarkEvalCallback
    from ghpo.eval.protocol import Protocol

    trainer = make_trainer(tiny_model_dir, tmp_path / "out", make_dataset([0.0]), max_steps=1)
    problems = {"math500": [Problem("math500", "0", "What is 3 + 4?", "7")]}
    callback = BenchmarkEvalCallback(trainer, problems, every_n_steps=5, protocol=Protocol(max_new_tokens=2))
    metrics = callback.evaluate(step=0)
    assert metrics["eval/math500/accuracy"] in (0.0, 1.0) and metrics["eval/mean_completion_tokens"] <= 2
    with pytest.raises(ValueError, match="every_n_steps must be >= 1"):
        BenchmarkEvalCallback(trainer, problems, every_n_steps=0, protocol=Protocol())

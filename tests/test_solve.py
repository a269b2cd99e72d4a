"""`ghpo data solve`: teacher solutions by rejection sampling. A scripted teacher makes the outcome exact: it
answers right exactly the problems the test says, so the checker's verdict, the shortest-correct choice, the kept
columns and the resume after a crash can be asserted; one run goes through the real transformers backend."""

import json

import pytest

from ghpo import solve
from ghpo.data import load_raw_dataset, prepare_dataset
from ghpo.eval.generation import Generation


def write_answer_only(path, count=10):
    rows = [{"question": f"What is {i} + {i}?", "answer": str(2 * i), "level": 1 + i % 2, "source": f"s{i}"}
            for i in range(count)]
    rows.append({"question": "No gold here", "answer": "", "level": 1, "source": "bad"})  # no usable gold
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return rows


class ScriptedTeacher:
    """Right (a stated \\boxed{} answer) on questions about even numbers, with a short and a long right sample;
    a wrong one elsewhere. `fail_after` batches, it raises (a crashed run)."""

    def __init__(self, fail_after=None):
        self.calls, self.fail_after = 0, fail_after

    def generate(self, prompts, n, sampling):
        self.calls += 1
        if self.fail_after is not None and self.calls > self.fail_after:
            raise RuntimeError("killed")
        out = []
        for prompt in prompts:
            number = int(prompt.split("What is ")[1].split(" ")[0]) if "What is " in prompt else -1
            if number >= 0 and number % 2 == 0:
                right = f"\\boxed{{{2 * number}}}"
                texts = [f"Adding at length: {number} + {number} = {2 * number}. {right}", f"So {right}"]
            else:
                texts = ["\\boxed{-1}", "I do not know"]
            out.append([Generation(text, len(text.split()), True) for text in (texts * n)[:n]])
        return out


@pytest.fixture
def scripted(monkeypatch, tiny_model_dir):
    from transformers import AutoTokenizer

    teachers = []

    def make_backend(name, model_path, protocol, dtype="auto", device=None, progress=True):
        teachers.append(teachers[0] if teachers else ScriptedTeacher())
        return teachers[-1], AutoTokenizer.from_pretrained(tiny_model_dir)

    monkeypatch.setattr("ghpo.eval.runner.make_backend", make_backend)
    return teachers


def run(data, output, *extra):
    return solve.main([str(data), "--model", "teacher", "--output", str(output), "--samples", "4", "--chunk", "3",
                       "--no_progress", *extra])


def test_solutions_are_checked_shortest_and_every_row_and_column_kept(tmp_path, scripted, capsys):
    rows = write_answer_only(tmp_path / "data.jsonl")
    assert run(tmp_path / "data.jsonl", tmp_path / "out.jsonl") == 0
    written = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [{k: v for k, v in row.items() if k != "solution"} for row in written] == rows  # every row and column
    assert [row["solution"] for row in written[:4]] == ["So \\boxed{0}", "", "So \\boxed{4}", ""]
    assert written[-1]["solution"] == ""  # the row without a gold answer is kept, unsolved
    summary = json.loads((tmp_path / "out.summary.json").read_text())
    assert summary["levels"]["all"]["problems"] == 10 and summary["levels"]["all"]["solved"] == 5
    assert summary["levels"]["1"]["solved"] == 5 and summary["levels"]["2"]["solved"] == 0  # even numbers: level 1
    assert summary["rows_without_gold"] == 1
    assert not (tmp_path / "out.partial.jsonl").exists()
    assert "| all | 10 | 5 | 50.0 |" in capsys.readouterr().out
    # ghpo train's data layer reads it unchanged: gold from `answer`, hints from the new `solution` column
    dataset, data_summary = prepare_dataset(load_raw_dataset(str(tmp_path / "out.jsonl")), "out.jsonl")
    assert data_summary.columns == ("question", "answer", "solution")
    assert sum(bool(row["solution"]) for row in dataset) == 5


def test_a_crashed_run_continues_where_it_stopped(tmp_path, scripted):
    write_answer_only(tmp_path / "data.jsonl")
    scripted.append(ScriptedTeacher(fail_after=2))  # 2 batches of 3 problems, then the crash
    with pytest.raises(RuntimeError, match="killed"):
        run(tmp_path / "data.jsonl", tmp_path / "out.jsonl")
    saved = (tmp_path / "out.partial.jsonl").read_text().splitlines()
    assert len(saved) == 1 + 6  # the settings, then the 6 problems sampled before the crash
    scripted[0] = ScriptedTeacher()
    assert run(tmp_path / "data.jsonl", tmp_path / "out.jsonl") == 0
    assert scripted[0].calls == 2  # only the remaining 4 problems: batches of 3 and 1
    written = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert sum(bool(row["solution"]) for row in written) == 5


def test_a_partial_file_from_other_settings_stops_the_run(tmp_path, scripted):
    write_answer_only(tmp_path / "data.jsonl")
    (tmp_path / "out.partial.jsonl").write_text(json.dumps({"settings": {"model": "other"}}) + "\n")
    with pytest.raises(SystemExit, match="other settings"):
        run(tmp_path / "data.jsonl", tmp_path / "out.jsonl")


@pytest.mark.parametrize("extra, message", [
    (["--samples", "0"], "--samples must be >= 1"),
    (["--output_column", "answer"], "already has a column 'answer'"),
])
def test_bad_options_stop_with_a_message(tmp_path, scripted, extra, message):
    write_answer_only(tmp_path / "data.jsonl")
    with pytest.raises(SystemExit, match=message):
        run(tmp_path / "data.jsonl", tmp_path / "out.jsonl", *extra)


def test_an_output_that_is_not_jsonl_is_refused(tmp_path):
    write_answer_only(tmp_path / "data.jsonl")
    with pytest.raises(SystemExit, match="must be a .jsonl file"):
        solve.main([str(tmp_path / "data.jsonl"), "--model", "m", "--output", str(tmp_path / "out.csv")])


def test_the_real_backend_on_the_tiny_model(tmp_path, tiny_model_dir):
    write_answer_only(tmp_path / "data.jsonl", count=3)
    assert solve.main([str(tmp_path / "data.jsonl"), "--model", tiny_model_dir, "--output",
                       str(tmp_path / "out.jsonl"), "--samples", "2", "--max_new_tokens", "8", "--backend",
                       "transformers", "--no_progress"]) == 0
    summary = json.loads((tmp_path / "out.summary.json").read_text())
    assert summary["levels"]["all"]["problems"] == 3 and summary["levels"]["all"]["tokens"] > 0
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 4

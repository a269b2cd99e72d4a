"""Options that could turn hints off without a word now either do what they say or stop the run; the column flags
are spelt the same way by every command."""

import json

import pytest

from ghpo.cli import data_check_parser, main as cli_main
from ghpo.reach import build_parser as reach_parser
from ghpo.testing import make_dataset, make_trainer
from ghpo.train import main as train_main


def test_ghpo_train_refuses_solution_column_and_names_the_flag_that_works(tmp_path):
    with pytest.raises(SystemExit, match=r"solution_column='worked'.*--dataset_solution_column worked"):
        train_main(["--config", "recipes/tiny_cpu.yaml", "--output_dir", str(tmp_path), "--solution_column", "worked"])


def test_ghpo_train_hints_from_a_dataset_column_named_by_dataset_solution_column(tmp_path):
    rows = [{"question": f"What is {i} + {i}?", "final": str(2 * i),
             "worked": f"{i} + {i}\n= {2 * i}\n\\boxed{{{2 * i}}}"} for i in range(16)]
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in rows))
    output = tmp_path / "out"
    train_main(["--config", "recipes/tiny_cpu.yaml", "--output_dir", str(output), "--dataset_name", str(data),
                "--dataset_problem_column", "question", "--dataset_answer_column", "final",
                "--dataset_solution_column", "worked", "--max_steps", "1", "--save_steps", "1"])
    logs = json.loads((output / "checkpoint-1" / "trainer_state.json").read_text())["log_history"]
    assert logs[0]["ghpo/hard_frac"] > 0 and logs[0]["ghpo/hinted_frac"] == logs[0]["ghpo/hard_frac"]


def test_a_trainer_whose_solution_column_is_not_in_the_dataset_stops(tiny_model_dir, tmp_path):
    dataset = make_dataset([0.5, 5.0]).rename_column("solution", "worked")
    with pytest.raises(ValueError, match=r"solution_column='solution' is not a column .*'worked'"):
        make_trainer(tiny_model_dir, tmp_path, dataset)


def test_a_trainer_hints_from_the_column_it_is_told(tiny_model_dir, tmp_path):
    dataset = make_dataset([5.0, 5.0]).rename_column("solution", "worked")
    trainer = make_trainer(tiny_model_dir, tmp_path, dataset, solution_column="worked", per_device_train_batch_size=8,
                           max_steps=1)
    trainer.train()
    assert trainer._last_ladder_record.final_ratio_per_group == [0.75, 0.75]  # hinted to the top rung


@pytest.mark.parametrize("parser", [data_check_parser, reach_parser], ids=["data check", "data reach"])
@pytest.mark.parametrize("role", ["problem", "answer", "solution"])
def test_column_flags_are_spelt_as_ghpo_train_spells_them_and_the_old_spelling_still_works(parser, role):
    extra = ["--model", "m"] if parser is reach_parser else []
    new = parser().parse_args(["data.jsonl", *extra, f"--dataset_{role}_column", "x"])
    old = parser().parse_args(["data.jsonl", *extra, f"--{role}_column", "x"])
    assert getattr(new, f"dataset_{role}_column") == getattr(old, f"dataset_{role}_column") == "x"


def test_data_checks_error_names_a_flag_data_check_accepts(tmp_path, capsys):
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps({"q": "What?", "answer": "1"}) + "\n")
    assert cli_main(["data", "check", str(data)]) == 2
    message = capsys.readouterr().err
    assert "--dataset_problem_column" in message
    assert data_check_parser().parse_args([str(data), "--dataset_problem_column", "q"]).dataset_problem_column == "q"

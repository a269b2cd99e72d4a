"""LoRA (`--use_peft true`) under the hint ladder: every way up the ladder trains the adapter and only the adapter;
`ghpo train` saves, checkpoints and resumes an adapter that `ghpo eval` loads; quantised loading stops on CPU.

The scripted reward of `ghpo.testing` makes the ladder's decisions known in advance (needs 0 -> solved bare,
0.25 / 0.75 -> leaves at that rung, 5 -> never solved, keeps the top rung), whatever the weights are.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # test_multiprocess and its script's helpers

import pytest
import torch
from peft import PeftModel
from safetensors.torch import load_file

from ghpo.eval.runner import is_adapter_folder, load_model_and_tokenizer
from ghpo.testing import MIXED, accuracy_reward, length_reward, make_dataset, make_trainer, tiny_lora_config
from ghpo.train import check_options, main as train_main, parse_args

ROOT = Path(__file__).resolve().parents[1]
NEEDS = [0.0, 0.25, 0.75, 5.0]  # 4 groups of G=4 in one batch of 16
EXPECTED_FINAL_RATIO = [0.0, 0.25, 0.75, 0.75]
VARIANTS = {  # each must run on the adapter model exactly as on the full one
    "paper": {},
    "speculative": {"ladder_mode": "speculative"},
    "imitation": {"hint_imitation_coef": 0.5},
    "resampling": {"zero_variance_resampling": True},
}


def weights(model) -> dict[str, torch.Tensor]:
    return {name: param.detach().clone() for name, param in model.named_parameters()}


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_ladder_variant_trains_the_adapter_only(tiny_model_dir, tmp_path, variant):
    needs = NEEDS if variant != "resampling" else [0.0, MIXED, MIXED, 5.0]
    # length_reward differs within a group: a non-zero gradient on every group (the ladder reads accuracy only)
    trainer = make_trainer(tiny_model_dir, tmp_path, make_dataset(needs), [accuracy_reward, length_reward],
                           peft_config=tiny_lora_config(), per_device_train_batch_size=16, max_steps=1,
                           learning_rate=1e-2, **VARIANTS[variant])
    assert isinstance(trainer.model, PeftModel)
    before = weights(trainer.model)
    trainer.train()
    after = weights(trainer.model)
    changed = {name for name in before if not torch.equal(before[name], after[name])}
    assert changed and all("lora_" in name for name in changed)  # the base model is frozen
    assert any("lora_B" in name for name in changed)  # B starts at 0: the adapter's output really moved
    record = trainer._last_ladder_record
    if variant == "resampling":  # the all-pass and never-solved groups were flat: refilled by fresh draws
        assert record.flat_before > 0
    else:
        assert record.final_ratio_per_group == EXPECTED_FINAL_RATIO  # the same decisions as the full model's


def test_ghpo_train_saves_checkpoints_resumes_and_evaluates_an_adapter(tmp_path, capsys):
    output = tmp_path / "run"
    command = ["--config", str(ROOT / "recipes" / "tiny_cpu.yaml"), "--output_dir", str(output), "--use_peft",
               "true", "--lora_r", "4", "--lora_alpha", "8", "--save_steps", "2", "--learning_rate", "1e-2"]
    train_main([*command, "--max_steps", "2"])
    assert is_adapter_folder(output) and not (output / "model.safetensors").exists()  # an adapter, not a full model
    config = json.loads((output / "adapter_config.json").read_text())
    assert config["r"] == 4 and config["lora_alpha"] == 8
    assert Path(config["base_model_name_or_path"]).is_absolute()  # loadable from any working directory
    first = load_file(output / "checkpoint-2" / "adapter_model.safetensors")

    train_main([*command, "--max_steps", "4"])  # resumes from checkpoint-2 (same output_dir)
    state = json.loads((output / "checkpoint-4" / "trainer_state.json").read_text())
    assert [entry["step"] for entry in state["log_history"] if "loss" in entry][:1] == [1]  # the first run's log kept
    second = load_file(output / "checkpoint-4" / "adapter_model.safetensors")
    assert first.keys() == second.keys() and any(not torch.equal(first[k], second[k]) for k in first)

    merged, _ = load_model_and_tokenizer(str(output), device="cpu")  # what `ghpo eval --model` does
    base, _ = load_model_and_tokenizer(config["base_model_name_or_path"], device="cpu")
    merged_weights, base_weights = dict(merged.named_parameters()), dict(base.named_parameters())
    assert merged_weights.keys() == base_weights.keys()  # an ordinary model: the adapter merged into its weights
    differs = {name for name in base_weights if not torch.equal(base_weights[name], merged_weights[name])}
    assert differs and all(name.endswith(("q_proj.weight", "v_proj.weight")) for name in differs)


def test_two_processes_train_a_lora_adapter_with_uneven_hard_groups(tiny_model_dir, tmp_path):
    from multiprocess_ladder import NEEDS as UNEVEN_NEEDS
    from test_multiprocess import EXPECTED, SCRIPT, TORCHRUN, run

    overrides = {"needs": UNEVEN_NEEDS, "lora_rank": 4}  # step 1: rank 0 holds two hard groups, rank 1 none
    decisions = run([*TORCHRUN, str(SCRIPT), tiny_model_dir, str(tmp_path), "8", "0", json.dumps(overrides)], tmp_path)
    assert decisions == EXPECTED


@pytest.mark.parametrize("flags, message", [
    (["--use_peft", "true", "--load_in_4bit", "true"], "need a CUDA GPU"),
    (["--use_peft", "true", "--load_in_8bit", "true"], "need a CUDA GPU"),
    (["--load_in_4bit", "true"], "cannot be fine-tuned in full: add --use_peft true"),
    (["--lora_r", "8"], "lora_r=8 needs use_peft"),
    (["--use_peft", "true", "--bnb_4bit_quant_type", "fp4"], "bnb_4bit_quant_type='fp4' needs load_in_4bit"),
])
def test_quantisation_and_orphan_lora_options_stop_clearly_on_cpu(flags, message):
    args = parse_args(["--config", str(ROOT / "recipes" / "tiny_cpu.yaml"), *flags])
    with pytest.raises(SystemExit, match=message):
        check_options(*args)


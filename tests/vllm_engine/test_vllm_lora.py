"""LoRA on a real CPU engine: TRL merges the adapter into the weights it hands over, ghpo.vllm_cpu reloads them,
and the engine then scores like the adapter policy — and the policy itself is unmerged again after the sync."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from engine_probe import colocated_engine_logprobs, engine_trainer, fixed_sequence, policy_logprobs
from ghpo.testing import accuracy_reward, length_reward, tiny_lora_config

pytestmark = pytest.mark.vllm
REPO = Path(__file__).resolve().parents[2]
IN_SYNC = 0.05  # bf16 rounding of the engine's weights (see test_vllm_sync.py)


def test_the_engine_follows_the_merged_adapter_after_optimizer_steps(engine_model_dir, tmp_path):
    trainer = engine_trainer(engine_model_dir, tmp_path, needs=[0.0] * 4, max_steps=3, learning_rate=1e-1,
                             reward_funcs=[accuracy_reward, length_reward], peft_config=tiny_lora_config())
    sequence, prompt_length = fixed_sequence(trainer.processing_class)
    before = colocated_engine_logprobs(trainer, sequence, prompt_length)
    trainer.train()
    policy = policy_logprobs(trainer.model, sequence, prompt_length)  # the adapter model, unmerged
    trainer.vllm_generation.sync_weights()
    synced = colocated_engine_logprobs(trainer, sequence, prompt_length)
    moved, gap = float((synced - before).abs().max()), float((synced - policy).abs().max())
    print(f"max |engine after - before| {moved:.3f}, |engine - adapter policy| {gap:.4f}")
    assert moved > 0.1  # the engine's outputs changed: the adapter's update reached it ...
    assert gap < IN_SYNC  # ... merged, as the policy computes it
    unmerged = policy_logprobs(trainer.model, sequence, prompt_length)
    assert float((unmerged - policy).abs().max()) < 1e-4  # the sync left the adapter unmerged (training goes on)
    assert not any(getattr(module, "merged", False) for module in trainer.model.modules())


def test_ghpo_train_with_lora_and_a_colocated_engine_saves_an_adapter(tmp_path):
    command = [sys.executable, "-m", "ghpo.cli", "train", "--config", "recipes/tiny_cpu.yaml", "--use_vllm", "true",
               "--vllm_mode", "colocate", "--vllm_gpu_memory_utilization", "0.1", "--use_peft", "true",
               "--lora_r", "4", "--output_dir", str(tmp_path), "--max_steps", "3", "--save_strategy", "no"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600,
                            env={**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    differences = [float(v) for v in re.findall(r"'sampling/sampling_logp_difference/max': '([^']+)'", output)]
    assert len(differences) == 3 and max(differences) < IN_SYNC  # engine and adapter policy agree every step
    assert (tmp_path / "adapter_config.json").is_file() and not (tmp_path / "model.safetensors").exists()

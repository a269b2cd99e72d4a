"""The README's command on a CPU box: `ghpo train --config recipes/tiny_cpu.yaml --use_vllm true --vllm_mode
colocate` trains with a real engine whose weights stay in sync, and exits cleanly."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.vllm
REPO = Path(__file__).resolve().parents[2]


def test_ghpo_train_with_a_colocated_engine_trains_in_sync_and_exits_cleanly(tmp_path):
    command = [sys.executable, "-m", "ghpo.cli", "train", "--config", "recipes/tiny_cpu.yaml", "--use_vllm", "true",
               "--vllm_mode", "colocate", "--output_dir", str(tmp_path), "--max_steps", "3", "--save_strategy", "no"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600,
                            env={**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "vLLM weight sync through vLLM's reload (colocate mode, CPU)" in output  # ghpo.vllm_cpu's adapter
    # TRL's per-step check: the engine's sampling log-probs vs the trainer's on the same rows (bf16 rounding only)
    differences = [float(v) for v in re.findall(r"'sampling/sampling_logp_difference/max': '([^']+)'", output)]
    assert len(differences) == 3 and max(differences) < 0.05
    assert (tmp_path / "model.safetensors").is_file()
    # GHPOTrainer.close() stopped the engine while its process groups existed (else vLLM's exit hook fails here)
    assert "Invalid process group" not in output

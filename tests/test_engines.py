"""Which engine a run got: an FSDP launch on a machine without an accelerator stops with a message instead of
running plain CPU processes (accelerate sets FSDP up only on accelerators). The DeepSpeed runs themselves are the
DeepSpeed tier's (tests/deepspeed_engine, `bash scripts/test_deepspeed.sh`)."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_an_fsdp_launch_on_a_cpu_machine_stops_and_says_fsdp_is_untested(tmp_path):
    command = [sys.executable, "-m", "accelerate.commands.launch", "--config_file", "recipes/accelerate/fsdp.yaml",
               "--num_processes", "2", "--mixed_precision", "no", "-m", "ghpo.cli", "train", "--config",
               "recipes/tiny_cpu.yaml", "--output_dir", str(tmp_path / "out"), "--max_steps", "1"]
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=REPO)
    assert result.returncode != 0
    assert "this launch asked for FSDP, but the run would get plain CPU processes" in result.stderr
    assert "FSDP is untested here" in result.stderr
    assert not (tmp_path / "out").exists()  # stopped before the model was built

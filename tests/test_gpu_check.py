"""scripts/gpu_check.sh, without a GPU: the dry run prints both commands and checks every flag against their --help."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
SCRIPT = ROOT / "scripts" / "gpu_check.sh"


def run(*args, tmp_path):
    return subprocess.run(["bash", str(SCRIPT), *args, str(tmp_path / "out")], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "WORK": str(tmp_path / "work"), "OMP_NUM_THREADS": "1",
                               "PYTHON": sys.executable})  # the venv running the tests, whatever its name


def test_dry_run_prints_both_gpu_commands_and_their_flags_exist(tmp_path):
    result = run("--dry-run", tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any("benchmarks/step_cost.py --gpu" in line and "(limit 210s)" in line for line in lines)
    assert any("ghpo.cli demo --device cuda --bf16" in line and "(limit 120s)" in line for line in lines)
    assert any("ghpo_lora_1gpu.yaml" in line and "(limit 180s" in line and "qwen2.5-math-1.5b-shape" in line
               for line in lines)
    assert "flags: ok" in lines
    # the three limits plus installing the wheels and reading the versions (~30 s) stay inside 9 minutes
    assert 210 + 120 + 180 + 30 <= 9 * 60
    assert not (tmp_path / "out" / "summary.txt").exists()  # a dry run runs nothing


def test_cpu_dry_run_and_a_wrong_device(tmp_path):
    result = run("--dry-run", "--device", "cpu", tmp_path=tmp_path)
    assert result.returncode == 0 and "flags: ok" in result.stdout and "--gpu" not in result.stdout
    result = run("--device", "tpu", tmp_path=tmp_path)
    assert result.returncode == 2 and "--device must be cuda or cpu" in result.stderr

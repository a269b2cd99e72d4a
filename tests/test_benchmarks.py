"""The benchmark scripts run end to end (small settings) and print their ratios last; they measure, these only
check that they still work and say what the README says they say."""

import json
import os
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def run(script: str, *args: str, cwd: Path) -> list[str]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    result = subprocess.run([sys.executable, str(BENCHMARKS / script), *args], env=env, cwd=cwd,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout.strip().splitlines()


def test_reward_throughput_prints_ratios_last_and_keeps_the_timeout(tmp_path):
    lines = run("reward_throughput.py", "--workers", "2", "--timeout", "1", "--output", "out.json", cwd=tmp_path)
    assert lines[-2].startswith("ratio: ours / naive (paper)") and lines[-1].startswith("ratio: ours / naive (math")
    assert any("pathological pair through ours: scored 0.0" in line for line in lines)
    result = json.loads((tmp_path / "out.json").read_text())
    assert result["items"] == 1000 and all(value > 0 for value in result["median_ratio"].values())


def test_step_cost_prints_a_ratio_per_variant_last(tmp_path):
    lines = run("step_cost.py", "--hard", "0.5", "--repeats", "1", "--problems", "4", "--batch", "8",
                "--completion_tokens", "16", "--output", "out.json", cwd=tmp_path)
    table = lines[-5:]  # one row per variant, GRPO first with ratio 1.00
    assert table[0].split()[1] == "grpo" and table[0].split()[3] == "1.00"
    assert all(float(row.split()[-5]) > 0 for row in table)  # the ÷ GRPO column
    assert json.loads((tmp_path / "out.json").read_text())["results"]

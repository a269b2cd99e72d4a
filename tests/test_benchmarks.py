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
    table = lines[-7:]  # one row per variant, GRPO first with time and tokens ratios 1.00
    # from the end (variant names hold spaces): ÷ GRPO, (its range over repeats), tokens ÷, rounds, tokens, tok/s, RSS
    assert table[0].split()[1] == "grpo" and table[0].split()[-7:-4] == ["1.00", "(1.00-1.00)", "1.00"]
    assert all(float(row.split()[-7]) > 0 and float(row.split()[-5]) > 0 for row in table)  # ÷ GRPO, tokens ÷
    speculative = next(row for row in table if "speculative" in row and "memory" not in row).split()
    assert float(speculative[-4]) == 1.0  # one generation round per step, whatever is hard
    assert json.loads((tmp_path / "out.json").read_text())["results"]


def test_padding_tax_prints_one_row_per_prompt_mix(tmp_path):
    lines = run("padding_tax.py", "--problems", "8", "--batch", "8", "--steps", "4", "--completion_tokens", "8",
                "--repeats", "2", cwd=tmp_path)
    rows = lines[-3:]
    assert [row.split(" | ")[0] for row in rows] == ["| all bare", "| half hinted (50 %)", "| all hinted (50 %)"]
    assert rows[0].count("(1.00x; 1.00-1.00)") >= 3 and "| 0% |" in rows[0]  # the bare run is the baseline, unpadded
    assert all(0 <= float(row.split(" | ")[1].rstrip("%")) < 100 for row in rows)  # padding share of prompt positions

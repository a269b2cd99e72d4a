"""`benchmarks/step_cost.py --vllm` at its smallest size: every variant through a colocated engine, each cell's
engine stopped before the next starts (else each one left behind keeps its memory: a full run was killed for it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_vllm_server import free_port

pytestmark = pytest.mark.vllm
REPO = Path(__file__).resolve().parents[2]


def test_step_cost_through_the_engine_measures_every_variant(tmp_path):
    output = tmp_path / "cost.json"
    command = [sys.executable, str(REPO / "benchmarks" / "step_cost.py"), "--vllm", "--hard", "0.5",
               "--problems", "4", "--batch", "8", "--completion_tokens", "8", "--repeats", "1",
               "--output", str(output)]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=900,
                            # this pytest process's own engines hold the default port 29500
                            env={**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1",
                                 "MASTER_PORT": str(free_port())})
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert "colocated vLLM engine" in result.stdout
    results = json.loads(output.read_text())["results"]
    assert len(results) == 7 and all(cell["median_step_s"] > 0 for cell in results.values())
    speculative = next(cell for key, cell in results.items() if key.endswith("|ghpo speculative"))
    assert speculative["rounds_per_step"] == 1.0  # one generation call per step, its hinted rows counted too
    assert speculative["tokens_per_step"] > results[next(k for k in results if k.endswith("|grpo"))]["tokens_per_step"]

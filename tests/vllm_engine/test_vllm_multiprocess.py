"""Two trainer processes under torchrun (gloo), each with its own colocated CPU engine (TRL's external launcher):
uneven hard groups per rank, the same hints as the scripted difficulty says, a clean exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.vllm
SCRIPT = Path(__file__).parents[1] / "multiprocess_ladder.py"
TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
ENGINE = {"use_vllm": True, "vllm_mode": "colocate", "vllm_gpu_memory_utilization": 0.1}


@pytest.mark.parametrize("seed, mode", [(1, {}), (2, {"ladder_mode": "parallel"})])
def test_two_ranks_with_colocated_engines_hint_the_scripted_groups(engine_model_dir, tmp_path, seed, mode):
    sys.path.insert(0, str(SCRIPT.parent))
    from multiprocess_ladder import needs_for

    result = subprocess.run([*TORCHRUN, str(SCRIPT), engine_model_dir, str(tmp_path), "8", str(seed),
                             json.dumps({**ENGINE, **mode})], capture_output=True, text=True, timeout=400,
                            env={**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    decisions, logs = {}, []
    for path in sorted(tmp_path.glob("decisions.rank*.json")):
        data = json.loads(path.read_text())
        decisions.update(data["decisions"])
        logs += data["logs"]
    decided = {int(question.split()[1].rstrip(":")): ratio for question, ratio in decisions.items()}
    # need 0 -> no hint; r <= 0.75 -> rung r; never (5.0) -> keeps the top rung, 0.75
    assert decided == {i: 0.0 if need == 0 else min(need, 0.75) for i, need in enumerate(needs_for(seed))}
    differences = [entry["sampling/sampling_logp_difference/max"] for entry in logs
                   if "sampling/sampling_logp_difference/max" in entry]
    assert differences and max(differences) < 0.05  # each rank's engine kept its weights in sync

"""How the DeepSpeed tier launches its runs (see conftest.py): the shipped ZeRO configs, 2 CPU processes."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TESTS = REPO / "tests"
LADDER_SCRIPT = TESTS / "multiprocess_ladder.py"
RESUME_SCRIPT = TESTS / "resume_run.py"
# What a CPU needs and a GPU machine would not: DeepSpeed's CPU accelerator (gloo when oneCCL is absent), no GPU.
CPU_ENV = {"DS_ACCELERATOR": "cpu", "LOCAL_SIZE": "2", "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1",
           "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "PYTHONUNBUFFERED": "1"}


def zero_launch_command(stage: int, config_file: str | None = None) -> list[str]:
    """`accelerate launch` with the shipped ZeRO config, overriding only the keys a 2-process CPU run needs."""
    config_file = config_file or str(REPO / "recipes" / "accelerate" / f"zero{stage}.yaml")
    return [sys.executable, "-m", "accelerate.commands.launch", "--config_file", config_file, "--num_processes", "2",
            "--mixed_precision", "no", "--main_process_port", str(free_port())]


def free_port() -> int:
    """A port no one listens on now: each launch gets its own, so a run still closing cannot block the next."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


DDP_COMMAND = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]


def launch(command: list[str], cwd: Path = REPO, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run to the end; no retry: a run that stalls (at start or exit) fails its test."""
    return subprocess.run(command, env={**os.environ, **CPU_ENV}, capture_output=True, text=True, timeout=timeout,
                          cwd=cwd)


def check(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return result


def rank_records(folder: Path) -> list[dict]:
    """What multiprocess_ladder.py wrote, one record per rank (rank 0 first)."""
    records = [json.loads(path.read_text()) for path in sorted(folder.glob("decisions.rank*.json"))]
    assert len(records) == 2, f"expected one record per rank in {folder}, found {len(records)}"
    return records


def assert_zero_engine(records: list[dict], stage: int) -> None:
    for record in records:
        assert record["engine"] == {"type": "DEEPSPEED", "processes": 2, "zero_stage": stage,
                                    "mixed_precision": "no"}, record["engine"]

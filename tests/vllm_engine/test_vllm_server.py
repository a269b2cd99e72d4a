"""Server mode on 127.0.0.1: a `vllm serve` started by the test (`ghpo.vllm_cpu.server_command`), the ladder's
rounds sent to it in whole groups, and the policy's weights reloaded into it from a folder every step."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import torch

from engine_probe import (
    FINAL_RATIO,
    engine_trainer,
    fixed_sequence,
    groups_and_ratios,
    policy_logprobs,
    server_logprobs,
)
from ghpo.testing import accuracy_reward, length_reward
from ghpo.vllm_cpu import SERVER_ENV, CPUVLLMGeneration, server_command

pytestmark = pytest.mark.vllm
STARTUP_S = 300  # measured 40-60 s on 2 busy cores


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server_url(engine_model_dir, tmp_path_factory):
    port, log_path = free_port(), tmp_path_factory.mktemp("server") / "server.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(server_command(engine_model_dir, port=port, extra=["--max-model-len", "512"]),
                                  env={**os.environ, **SERVER_ENV}, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)  # its own process group: the engine core goes with it
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_S
        while not healthy(url):
            assert server.poll() is None, "vLLM server exited:\n" + log_path.read_text()[-3000:]
            assert time.monotonic() < deadline, "vLLM server not up:\n" + log_path.read_text()[-3000:]
            time.sleep(2)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def healthy(url: str) -> bool:
    try:
        return requests.get(f"{url}/health", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def server_trainer(model_dir, output_dir, url, **overrides):
    return engine_trainer(model_dir, output_dir, vllm_mode="server", vllm_server_base_url=url, **overrides)


def test_ladder_rounds_go_through_the_server_in_whole_groups(engine_model_dir, tmp_path, server_url):
    trainer = server_trainer(engine_model_dir, tmp_path, server_url)
    client, sent = trainer.vllm_generation.vllm_client, []
    generate = client.generate

    def recording(prompts, **kwargs):  # TRL sends each group's prompt once, with n = G
        sent.append({"prompts": [p for p in prompts for _ in range(kwargs["n"])], "n": kwargs["n"]})
        return generate(prompts=prompts, **kwargs)

    client.generate = recording
    trainer.train()
    assert [call["n"] for call in sent] == [4, 4, 4, 4]
    assert [groups_and_ratios(trainer, call) for call in sent] == [  # as on the colocated engine
        [(g, 0.0) for g in range(8)],
        [(1, 0.25), (2, 0.25), (3, 0.25), (4, 0.25), (6, 0.25)],
        [(2, 0.5), (3, 0.5), (4, 0.5)],
        [(3, 0.75), (4, 0.75)],
    ]
    assert trainer._last_ladder_record.final_ratio_per_group == FINAL_RATIO


def test_server_weights_track_the_policy_after_optimizer_steps(engine_model_dir, tmp_path, server_url):
    trainer = server_trainer(engine_model_dir, tmp_path, server_url, needs=[0.0] * 4, max_steps=3,
                             learning_rate=3e-2, reward_funcs=[accuracy_reward, length_reward])
    assert isinstance(trainer.vllm_generation, CPUVLLMGeneration)  # TRL's NCCL communicator was never opened
    sequence, prompt_length = fixed_sequence(trainer.processing_class)
    trainer.vllm_generation.sync_weights()  # the server may hold another test's weights
    before = server_logprobs(trainer, sequence, prompt_length)
    trainer.train()
    policy = policy_logprobs(trainer.model, sequence, prompt_length)
    stale = server_logprobs(trainer, sequence, prompt_length)
    trainer.vllm_generation.sync_weights()
    synced = server_logprobs(trainer, sequence, prompt_length)
    gaps = {name: float((logps - policy).abs().max()) for name, logps in
            [("never synced", before), ("one step stale", stale), ("synced", synced)]}
    print("server: max |engine - policy| log-prob per token:", gaps,  # measured: 1.32, 0.73, 0.005
          f"sync {trainer.vllm_generation.last_sync_s:.3f} s")
    assert gaps["synced"] < 0.05
    assert gaps["never synced"] > 0.3 and gaps["one step stale"] > 0.1


def test_zero3_trainers_beside_the_server_train_sync_and_exit_0(engine_model_dir, tmp_path, server_url):
    """The paper's topology in miniature: `vllm serve` on one side, 2 ZeRO-3 trainer processes (`accelerate launch`
    with the shipped zero3.yaml, CPU overrides only) on the other. Hint rounds go to the server, every process
    gathers the sharded weights for each sync, the server ends up scoring like the trained policy, and the run exits
    0."""
    pytest.importorskip("deepspeed")
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl.generation.vllm_client import VLLMClient

    from ghpo.testing import MIXED

    repo = Path(__file__).resolve().parents[2]
    launch = [sys.executable, "-m", "accelerate.commands.launch", "--config_file",
              str(repo / "recipes" / "accelerate" / "zero3.yaml"), "--num_processes", "2", "--mixed_precision", "no",
              "--main_process_port", str(free_port())]  # this pytest process's own engines may hold 29500
    overrides = {"needs": [MIXED, 0.25, MIXED, 5.0, MIXED, 0.5, MIXED, 0.0], "use_vllm": True, "vllm_mode": "server",
                 "vllm_server_base_url": server_url, "max_steps": 3, "learning_rate": 3e-2, "bf16": False,
                 "save_and_answer": True, "sync_at_end": True}
    env = {**os.environ, "DS_ACCELERATOR": "cpu", "LOCAL_SIZE": "2", "CUDA_VISIBLE_DEVICES": "",
           "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    result = subprocess.run([*launch, str(repo / "tests" / "multiprocess_ladder.py"), engine_model_dir, str(tmp_path),
                             "8", "0", json.dumps(overrides)], env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    records = [json.loads(path.read_text()) for path in sorted(tmp_path.glob("decisions.rank*.json"))]
    assert [record["engine"]["type"] for record in records] == ["DEEPSPEED", "DEEPSPEED"]
    assert {record["engine"]["zero_stage"] for record in records} == {3}
    assert {record["engine"]["processes"] for record in records} == {2}
    steps = [entry for entry in records[0]["logs"] if "ghpo/generation_rounds" in entry]
    assert len(steps) == 3 and all(entry["ghpo/generation_rounds"] > 1 for entry in steps)  # hint rounds ran
    assert records[0]["vllm_syncs"] == 4  # one before each step's generation, one at the end
    # The server, asked directly, scores a fixed sequence as the saved (final) policy does, and not as the base did.
    tokenizer = AutoTokenizer.from_pretrained(engine_model_dir)
    sequence, prompt_length = fixed_sequence(tokenizer)
    client = VLLMClient(base_url=server_url, connection_timeout=60)
    scored = client.get_sequence_logprobs([sequence], [prompt_length], top_logprobs=1)
    server = torch.tensor(scored["actual_logprobs"][0]).flatten()
    trained = policy_logprobs(AutoModelForCausalLM.from_pretrained(tmp_path / "final"), sequence, prompt_length)
    base = policy_logprobs(AutoModelForCausalLM.from_pretrained(engine_model_dir), sequence, prompt_length)
    print("server vs trained policy:", float((server - trained).abs().max()),
          "trained vs base:", float((trained - base).abs().max()))
    assert float((server - trained).abs().max()) < 0.05
    assert float((trained - base).abs().max()) > 0.3

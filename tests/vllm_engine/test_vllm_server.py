"""Server mode on 127.0.0.1: a `vllm serve` started by the test (`ghpo.vllm_cpu.server_command`), the ladder's
rounds sent to it in whole groups, and the policy's weights reloaded into it from a folder every step."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time

import pytest
import requests

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

"""ghpo.vllm_cpu and ghpo.vllm_worker without vLLM: when the CPU adapter is used, what its syncs send, and the TRL
seams it wraps. The same code on a real engine: tests/vllm_engine (bash scripts/test_vllm.sh)."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from safetensors.torch import load_file
from torch import nn
from trl import GRPOTrainer
from trl.generation.vllm_client import VLLMClient
from trl.generation.vllm_generation import VLLMGeneration
from trl.trainer import grpo_trainer

from ghpo import vllm_cpu
from ghpo.vllm_cpu import (
    RELOAD_METHOD,
    WORKER_EXTENSION,
    CPUVLLMGeneration,
    cpu_vllm_generation,
    needs_cpu_adapter,
    server_command,
)
from ghpo.vllm_worker import layers_sharing_a_weight, refresh_shared_weight_layers, reload_on_worker

# --- when ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("use_vllm, mode, trainer_on_cuda, engine_on_cpu, expected", [
    (False, "colocate", False, True, False),  # no vLLM: nothing to sync
    (True, "colocate", False, True, True),  # a CPU box: TRL's load_weights fails on the repacked weights
    (True, "colocate", True, False, False),  # GPUs: TRL's own sync
    (True, "server", False, False, True),  # a CPU trainer: no NCCL to the server
    (True, "server", True, False, False),  # the paper's set-up (1 vLLM GPU + 7 training GPUs): TRL's own sync
])
def test_the_adapter_is_used_exactly_where_trls_sync_cannot_work(use_vllm, mode, trainer_on_cuda, engine_on_cpu,
                                                                  expected):
    assert needs_cpu_adapter(use_vllm, mode, trainer_on_cuda, engine_on_cpu) is expected


def test_trl_builds_the_adapter_only_inside_the_context(monkeypatch):
    original = grpo_trainer.VLLMGeneration
    cpu_server_run = SimpleNamespace(use_vllm=True, vllm_mode="server", device=torch.device("cpu"))
    with cpu_vllm_generation(cpu_server_run):
        assert grpo_trainer.VLLMGeneration is CPUVLLMGeneration
    assert grpo_trainer.VLLMGeneration is original
    with pytest.raises(RuntimeError), cpu_vllm_generation(cpu_server_run):  # a failing __init__ restores it too
        raise RuntimeError("GRPOTrainer.__init__ failed")
    assert grpo_trainer.VLLMGeneration is original
    monkeypatch.setattr(vllm_cpu, "vllm_platform_is_cpu", lambda: False)  # a colocated engine on GPUs
    for untouched in (None, SimpleNamespace(use_vllm=False), SimpleNamespace(use_vllm=True, vllm_mode="colocate",
                                                                             device=torch.device("cpu"))):
        with cpu_vllm_generation(untouched):
            assert grpo_trainer.VLLMGeneration is original


def test_trl_vllm_seams_keep_their_shape():
    """What the adapter relies on in TRL 1.16: fail here, loudly, not mid-training on a CPU box."""
    init_source = inspect.getsource(GRPOTrainer.__init__)
    assert "self.vllm_generation = VLLMGeneration(" in init_source  # the module-level name cpu_vllm_generation swaps
    assert grpo_trainer.VLLMGeneration is VLLMGeneration
    assert "self.vllm_generation.sync_weights()" in inspect.getsource(GRPOTrainer._generate_single_turn)
    sync_source = inspect.getsource(VLLMGeneration.sync_weights)  # the method CPUVLLMGeneration replaces
    assert "model_runner.model.load_weights([(name, param)])" in sync_source
    assert "self._iter_named_params()" in sync_source
    assert list(inspect.signature(VLLMGeneration._iter_named_params).parameters) == ["self"]
    init_vllm_source = inspect.getsource(VLLMGeneration._init_vllm)  # its server branch, mirrored minus NCCL
    assert "base_url=base_url, group_port=self.group_port, connection_timeout=self.server_timeout" in init_vllm_source
    assert "self.vllm_client.init_communicator(device=accelerator.device)" in init_vllm_source
    client_source = inspect.getsource(VLLMClient.__init__)
    assert "self.session = requests.Session()" in client_source and "self.base_url = " in client_source
    assert callable(VLLMClient.reset_prefix_cache)


# --- what a sync sends ---------------------------------------------------------------------------------------------

WEIGHTS = [("model.embed_tokens.weight", torch.arange(6.0).view(3, 2)), ("model.norm.weight", torch.ones(2))]


def adapter(mode: str, **fields) -> CPUVLLMGeneration:
    """A CPUVLLMGeneration without an engine: `_iter_named_params` yields WEIGHTS."""
    generation = object.__new__(CPUVLLMGeneration)
    generation.mode = mode
    generation._iter_named_params = lambda: iter(WEIGHTS)
    for name, value in fields.items():
        setattr(generation, name, value)
    return generation


class FakeLLM:
    def __init__(self):
        self.calls = []

    def collective_rpc(self, method, kwargs):
        self.calls.append(("collective_rpc", method, list(kwargs["weights_iterator"])))

    def reset_prefix_cache(self):
        self.calls.append(("reset_prefix_cache",))


def test_colocated_sync_reloads_on_the_worker_then_drops_the_prefix_cache():
    llm = FakeLLM()
    generation = adapter("colocate", llm=llm)
    generation.sync_weights()
    assert llm.calls == [("collective_rpc", reload_on_worker, WEIGHTS), ("reset_prefix_cache",)]
    assert generation.syncs == 1


class FakeClient:
    base_url = "http://127.0.0.1:8000"

    def __init__(self, status_code=200):
        self.calls, self.status_code = [], status_code
        self.session = SimpleNamespace(post=self.post)

    def post(self, url, json):
        self.calls.append(("post", url, json))
        return SimpleNamespace(status_code=self.status_code, text="Not Found")

    def reset_prefix_cache(self):
        self.calls.append(("reset_prefix_cache",))


def test_server_sync_writes_the_weights_then_asks_the_server_to_reload_them(tmp_path):
    client = FakeClient()
    generation = adapter("server", vllm_client=client, weights_folder=str(tmp_path),
                         accelerator=SimpleNamespace(is_main_process=True))
    generation.sync_weights()
    saved = load_file(tmp_path / "model.safetensors")
    assert set(saved) == {name for name, _ in WEIGHTS}
    assert all(torch.equal(saved[name], tensor) for name, tensor in WEIGHTS)
    assert [p.name for p in Path(tmp_path).iterdir()] == ["model.safetensors"]  # no half-written file left
    assert client.calls == [
        ("post", "http://127.0.0.1:8000/collective_rpc",
         {"method": RELOAD_METHOD, "kwargs": {"weights_path": str(tmp_path)}}),
        ("reset_prefix_cache",),
    ]


def test_server_sync_on_other_processes_only_takes_part_in_the_gathers(tmp_path):
    walked = []
    generation = adapter("server", weights_folder=str(tmp_path), accelerator=SimpleNamespace(is_main_process=False))
    generation._iter_named_params = lambda: (walked.append(name) or (name, t) for name, t in WEIGHTS)
    generation.sync_weights()
    assert walked == [name for name, _ in WEIGHTS] and not list(Path(tmp_path).iterdir())


def test_a_server_without_ghpos_worker_extension_fails_with_the_way_to_start_it(tmp_path):
    generation = adapter("server", vllm_client=FakeClient(status_code=404), weights_folder=str(tmp_path),
                         accelerator=SimpleNamespace(is_main_process=True))
    with pytest.raises(RuntimeError, match="python -m ghpo.vllm_cpu serve"):
        generation.sync_weights()


def test_server_command_has_trls_settings_and_ghpos_reload():
    command = server_command("/models/tiny", port=8123, extra=["--max-model-len", "512"])
    assert command[1:3] == ["-m", "vllm.entrypoints.openai.api_server"]
    text = " ".join(command)
    for flag in ("--model /models/tiny", "--port 8123", "--logprobs-mode processed_logprobs",
                 f"--worker-extension-cls {WORKER_EXTENSION}"):
        assert flag in text
    assert command[-2:] == ["--max-model-len", "512"]  # last: a flag given twice, the later wins
    module, _, name = WORKER_EXTENSION.rpartition(".")
    assert callable(getattr(getattr(importlib.import_module(module), name), RELOAD_METHOD))


# --- inside the worker: the tied lm_head ----------------------------------------------------------------------------


class RecordingQuantMethod:
    def __init__(self, log):
        self.log = log

    def process_weights_after_loading(self, layer):
        self.log.append(layer.tag)


def tied_model(log) -> nn.Module:
    """embed_tokens and lm_head share one weight Parameter (tie_word_embeddings); the MLP's own weight is its own."""
    model = nn.Module()
    model.embed_tokens, model.mlp, model.lm_head = nn.Embedding(5, 2), nn.Linear(2, 2), nn.Linear(2, 5, bias=False)
    model.lm_head.weight = model.embed_tokens.weight
    for tag in ("embed_tokens", "mlp", "lm_head"):
        getattr(model, tag).tag, getattr(model, tag).quant_method = tag, RecordingQuantMethod(log)
    return model


def test_the_layers_sharing_a_weight_are_the_tied_embedding_and_lm_head():
    model = tied_model([])
    assert layers_sharing_a_weight(model) == [model.embed_tokens, model.lm_head]


def test_a_reload_repacks_the_tied_layers_and_only_them():
    log, calls = [], []
    model = tied_model(log)
    worker = SimpleNamespace(reload_weights=lambda **kwargs: calls.append(kwargs),
                             model_runner=SimpleNamespace(get_model=lambda: model))
    assert reload_on_worker(worker, weights_path="/tmp/weights") == 2
    assert calls == [{"weights_iterator": None, "weights_path": "/tmp/weights", "is_checkpoint_format": True}]
    assert log == ["embed_tokens", "lm_head"]  # mlp loaded a tensor of its own: vLLM's reload repacked it already
    assert refresh_shared_weight_layers(nn.Sequential(nn.Linear(2, 2))) == 0  # an untied model: nothing to do

"""vLLM on a CPU box: TRL's weight sync, routed through vLLM's own reload path.

TRL 1.16 pushes the policy's new weights into vLLM before each step's first generation. Neither of its two ways
works when vLLM or the trainer runs on a CPU:

- colocate: `VLLMGeneration.sync_weights` calls the engine model's `load_weights` tensor by tensor. After loading,
  vLLM's CPU backend repacks every linear weight for its GEMM kernel and leaves an empty parameter behind, with no
  `weight_loader`: the first sync raises `AttributeError`. vLLM's `reload_weights` restores the checkpoint-format
  parameters, loads and repacks again; `ghpo.vllm_worker.reload_on_worker` calls it, then repacks a tied lm_head
  too (which vLLM's reload leaves stale), in-process through `LLM.collective_rpc`.
- server: `VLLMClient.init_communicator` builds an NCCL group, so a CPU trainer cannot even start. Here the main
  process writes the weights as one safetensors file into a folder, then asks the server, through vLLM's dev-mode
  `/collective_rpc` endpoint, to reload from it (`WeightReloadExtension.ghpo_reload_weights`). So the server must
  run with ghpo's worker extension (`python -m ghpo.vllm_cpu serve MODEL` starts it so) and share a filesystem with
  the trainer: always true on 127.0.0.1.

`CPUVLLMGeneration` is TRL's `VLLMGeneration` with `sync_weights` (and, in server mode, `_init_vllm`) changed;
`cpu_vllm_generation(args)` makes `GRPOTrainer.__init__` build it, and only when the run needs it
(`needs_cpu_adapter`): with vLLM on GPUs, TRL's code runs untouched.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import contextmanager

import torch
from trl.generation.vllm_client import VLLMClient
from trl.generation.vllm_generation import VLLMGeneration
from trl.trainer import grpo_trainer

logger = logging.getLogger("ghpo")
WEIGHTS_FILE = "model.safetensors"
WORKER_EXTENSION = "ghpo.vllm_worker.WeightReloadExtension"
RELOAD_METHOD = "ghpo_reload_weights"  # WeightReloadExtension's method
SERVER_ENV = {"VLLM_SERVER_DEV_MODE": "1"}  # exposes /collective_rpc and /reset_prefix_cache (TRL needs the latter)


def needs_cpu_adapter(use_vllm: bool, vllm_mode: str, trainer_on_cuda: bool, engine_on_cpu: bool) -> bool:
    """Whether TRL's weight sync cannot work here: a colocated engine on vLLM's CPU platform, or a server-mode run
    whose trainer is not on CUDA (NCCL). Pure, so that the GPU cases are tested without a GPU.

    >>> needs_cpu_adapter(True, "colocate", trainer_on_cuda=False, engine_on_cpu=True)
    True
    >>> needs_cpu_adapter(True, "server", trainer_on_cuda=True, engine_on_cpu=False)   # the paper's set-up
    False
    """
    if not use_vllm:
        return False
    if vllm_mode == "colocate":
        return engine_on_cpu
    return not trainer_on_cuda


def vllm_platform_is_cpu() -> bool:
    from vllm.platforms import current_platform  # imported only when vLLM is used: it takes seconds

    return current_platform.is_cpu()


@contextmanager
def cpu_vllm_generation(args):
    """While `GRPOTrainer.__init__` runs, make it build `CPUVLLMGeneration` if this run needs it; else do nothing."""
    needed = args is not None and args.use_vllm and needs_cpu_adapter(
        args.use_vllm, args.vllm_mode, trainer_on_cuda=args.device.type == "cuda",
        engine_on_cpu=args.vllm_mode == "colocate" and vllm_platform_is_cpu())
    if not needed:
        yield
        return
    original = grpo_trainer.VLLMGeneration
    grpo_trainer.VLLMGeneration = CPUVLLMGeneration  # the name GRPOTrainer.__init__ calls (see the seam test)
    try:
        yield
    finally:
        grpo_trainer.VLLMGeneration = original


class CPUVLLMGeneration(VLLMGeneration):
    """TRL's vLLM backend, with weights synced through vLLM's reload path (see the module docstring).

    Everything else — engine start, generation, prefix-cache reset — is TRL's. `syncs` and `last_sync_s` say that
    and how fast the weights were pushed.
    """

    syncs: int = 0
    last_sync_s: float = 0.0
    weights_folder: str | None = None  # server mode: where the main process writes the weights (a temp folder)

    def _init_vllm(self):
        if self.mode != "server":
            return super()._init_vllm()
        # TRL's server branch without `init_communicator` (NCCL only: it raises on a CPU trainer).
        if self.accelerator.is_main_process:
            base_url = self.server_base_url or f"http://{self.server_host}:{self.server_port}"
            self.vllm_client = VLLMClient(base_url=base_url, group_port=self.group_port,
                                          connection_timeout=self.server_timeout)
        self.accelerator.wait_for_everyone()

    def sync_weights(self):
        start = time.perf_counter()
        if self.mode == "colocate":
            reload_colocated_engine(self.llm, self._iter_named_params())
        else:
            self._reload_server_from_folder()
        self.syncs += 1
        self.last_sync_s = time.perf_counter() - start
        if self.syncs == 1:
            logger.info("vLLM weight sync through vLLM's reload (%s mode, CPU): %.3f s", self.mode,
                        self.last_sync_s)

    def _reload_server_from_folder(self):
        # Every process walks the parameters: under ZeRO-3 / FSDP each one is gathered collectively.
        is_main = self.accelerator.is_main_process
        tensors = {}
        for name, param in self._iter_named_params():
            if is_main:
                tensors[name] = param.detach().to("cpu", copy=True).contiguous()
        if not is_main:
            return
        if self.weights_folder is None:
            self.weights_folder = tempfile.mkdtemp(prefix="ghpo-vllm-weights-")
            atexit.register(shutil.rmtree, self.weights_folder, ignore_errors=True)
        write_weights(tensors, self.weights_folder)
        reload_server_from_folder(self.vllm_client, self.weights_folder)


def reload_colocated_engine(llm, named_params) -> None:
    """Load `(name, tensor)` pairs (checkpoint names and layout) into an in-process engine; drop stale prefixes."""
    from .vllm_worker import reload_on_worker

    llm.collective_rpc(reload_on_worker, kwargs={"weights_iterator": named_params})
    llm.reset_prefix_cache()  # cached KV blocks were computed with the old weights


def write_weights(tensors: dict[str, torch.Tensor], folder: str) -> str:
    """`tensors` as `folder/model.safetensors`, replaced atomically (a server never reads half a file)."""
    from safetensors.torch import save_file

    path = os.path.join(folder, WEIGHTS_FILE)
    save_file(tensors, path + ".partial")  # not `*.safetensors`: vLLM's loader ignores it
    os.replace(path + ".partial", path)
    return path


def reload_server_from_folder(client: VLLMClient, folder: str) -> None:
    """Ask a `vllm serve` (dev mode) to reload its weights from `folder`, then drop its stale prefix cache."""
    response = client.session.post(f"{client.base_url}/collective_rpc", json={
        "method": RELOAD_METHOD, "kwargs": {"weights_path": folder}})
    if response.status_code != 200:
        raise RuntimeError(f"vLLM server at {client.base_url} did not reload the weights from {folder}: "
                           f"{response.status_code} {response.text[:500]}. Start it with `python -m ghpo.vllm_cpu "
                           f"serve MODEL` (dev mode and --worker-extension-cls {WORKER_EXTENSION}).")
    client.reset_prefix_cache()


def server_command(model: str, host: str = "127.0.0.1", port: int = 8000, extra: Sequence[str] = ()) -> list[str]:
    """The vLLM server a CPU trainer can sync with (run it with SERVER_ENV): TRL's settings plus ghpo's reload."""
    return [
        # not `vllm serve`: in vllm-cpu 0.32 that CLI asks for the version of a package named "vllm" and fails
        sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", model, "--host", host,
        "--port", str(port),
        "--logprobs-mode", "processed_logprobs",  # as `trl vllm-serve`: importance sampling needs processed ones
        "--max-logprobs", "-1",
        "--worker-extension-cls", WORKER_EXTENSION,  # adds RELOAD_METHOD to the workers
        # On CPU: the fraction of RAM that must be free at start (vLLM's 0.9 fails on a busy box); the KV cache
        # itself is VLLM_CPU_KVCACHE_SPACE GB. A later flag in `extra` overrides it.
        "--gpu-memory-utilization", "0.1",
        *extra,
    ]


def shut_down_colocated_engine(generation: VLLMGeneration) -> None:
    """Stop a colocated engine while the process groups it built on still exist.

    Left to itself, the engine stops in an exit hook, after `accelerator.end_training()` destroyed the default
    process group, and its own teardown then fails (`ValueError: Invalid process group specified`, measured on CPU).
    It destroys the default group too, so call it last before `end_training`, which then finds nothing to destroy.
    """
    generation.llm.llm_engine.engine_core.shutdown()


def main(argv: list[str] | None = None) -> None:
    """`python -m ghpo.vllm_cpu serve MODEL [--host H] [--port P] [vLLM flags...]`: exec the server."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m ghpo.vllm_cpu", description=main.__doc__)
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("model", help="model folder or Hub id the server starts from")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args, extra = parser.parse_known_args(argv)
    command = server_command(args.model, args.host, args.port, extra)
    os.execve(sys.executable, command, {**os.environ, **SERVER_ENV})


if __name__ == "__main__":
    main()


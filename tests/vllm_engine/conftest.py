"""The vLLM tier: GHPO on a real vLLM engine (a CPU build), run by `bash scripts/test_vllm.sh` in its own venv.

Without vLLM installed nothing here is collected, so the default run (`bash scripts/test.sh`) is unchanged; every
test here is also marked `vllm`, which the default `addopts` deselects.
"""

from __future__ import annotations

import gc
import importlib.util
import os

import pytest

collect_ignore_glob = [] if importlib.util.find_spec("vllm") else ["test_*.py"]

# Read by vLLM when an engine starts (scripts/test_vllm.sh exports the same): a 1 GB KV cache instead of 4 GB; no
# warm-up (vLLM's CI setting); no torch.compile (vLLM runs eagerly: an engine starts in ~4 s, not ~20 s).
os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")
os.environ.setdefault("VLLM_CPU_CI_ENV", "1")
os.environ.setdefault("TORCH_COMPILE_DISABLE", "1")


@pytest.fixture(scope="session")
def engine_model_dir(tmp_path_factory) -> str:
    """The test model (ghpo.testing.build_test_model_dir) at 64 wide with 2 heads: vLLM's CPU attention kernel needs
    head_dim a multiple of 32."""
    from ghpo.testing import TEST_CORPUS
    from ghpo.tiny import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("engine-model"), TEST_CORPUS * 20, vocab_size=300,
                            hidden_size=64, num_layers=2, num_heads=2)


@pytest.fixture(autouse=True)
def stop_engines_after_each_test():
    """A live engine holds its KV cache, and the next engine's start (vLLM freezes the garbage collector) would keep
    an unreachable one alive for good: so every colocated engine a test started stops after it."""
    yield
    from engine_probe import STARTED_TRAINERS

    from ghpo.vllm_cpu import shut_down_colocated_engine

    while STARTED_TRAINERS:
        shut_down_colocated_engine(STARTED_TRAINERS.pop().vllm_generation)
    gc.collect()


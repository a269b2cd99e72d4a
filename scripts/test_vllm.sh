#!/usr/bin/env bash
# The vLLM tier: GHPO on a real vLLM engine (a CPU build), in its own environment (.venv-vllm; the default .venv
# and `bash scripts/test.sh` are untouched). Sets the environment up as a user would (scripts/setup_vllm.sh), then
# runs tests/vllm_engine offline: colocated engine, two processes under torchrun, and a `vllm serve` on 127.0.0.1
# (also beside 2 DeepSpeed ZeRO-3 trainer processes: the paper's topology in miniature).
set -euo pipefail
cd "$(dirname "$0")/.."
export VENV="${VENV:-.venv-vllm}"
bash scripts/setup_vllm.sh
export HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false
# vLLM on CPU: a 1 GB KV cache (default 4), no warm-up, no torch.compile (engines start in seconds).
export VLLM_CPU_KVCACHE_SPACE=1 VLLM_CPU_CI_ENV=1 TORCH_COMPILE_DISABLE=1
# The server-topology test launches ZeRO-3 trainers: build DeepSpeed's small C++ op once here (~1 min), not inside
# that test's launch (see scripts/test_deepspeed.sh).
DS_ACCELERATOR=cpu "$VENV/bin/python" -c "from deepspeed.ops.op_builder.cpu import ShareMemCommBuilder as B; B().load()"
"$VENV/bin/python" -m pytest -q -p no:cacheprovider -m vllm tests/vllm_engine "$@"

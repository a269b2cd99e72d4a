#!/usr/bin/env bash
# The DeepSpeed tier: GHPO under DeepSpeed ZeRO-2 / ZeRO-3 on 2 CPU processes (accelerate launch with the shipped
# recipes/accelerate/zero{2,3}.yaml), in its own environment (.venv-ds; the default .venv and `bash scripts/test.sh`
# are untouched). Sets the environment up as a user would (`pip install 'ghpo[deepspeed]'` after torch), then runs
# tests/deepspeed_engine offline.
set -euo pipefail
cd "$(dirname "$0")/.."
export VENV="${VENV:-.venv-ds}"
EXTRAS="test,deepspeed" bash scripts/setup.sh
export HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false
# DeepSpeed on a CPU: its CPU accelerator, gloo (no oneCCL here), and no GPU looked for.
export DS_ACCELERATOR=cpu LOCAL_SIZE=2 CUDA_VISIBLE_DEVICES=
# DeepSpeed JIT-builds a small C++ op (shared-memory collectives) on first use, ~1 min on 2 cores: build it here,
# once (cached in ~/.cache/torch_extensions), rather than inside the first test's launch.
"$VENV/bin/python" -c "from deepspeed.ops.op_builder.cpu import ShareMemCommBuilder; ShareMemCommBuilder().load()"
"$VENV/bin/python" -m pytest -q -p no:cacheprovider -m deepspeed tests/deepspeed_engine "$@"

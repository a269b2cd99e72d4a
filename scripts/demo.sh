#!/usr/bin/env bash
# Set up .venv and run the embedded default: `ghpo demo` (GRPO vs GHPO on a toy task, CPU). Extra args go to it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1
exec "${VENV:-.venv}/bin/ghpo" demo "$@"

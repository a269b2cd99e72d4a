#!/usr/bin/env bash
# Set up a fresh .venv exactly as a user would, then run the test suite offline on CPU.
# The default run skips tests marked `slow`; RUN_SLOW=1 (set by CI) runs them afterwards too.
set -euo pipefail
cd "$(dirname "$0")/.."
FRESH="${FRESH:-1}" bash scripts/setup.sh
export HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false
PY="${VENV:-.venv}/bin/python"
"$PY" -m pytest -q -p no:cacheprovider "$@"
if [ "${RUN_SLOW:-0}" = 1 ]; then
  status=0
  "$PY" -m pytest -q -p no:cacheprovider -m slow "$@" || status=$?
  [ "$status" = 0 ] || [ "$status" = 5 ] || exit "$status"  # 5: no test is marked slow
fi

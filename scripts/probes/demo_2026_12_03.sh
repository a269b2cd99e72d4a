#!/usr/bin/env bash
# The demo runs behind the README's 2026-12-03 paragraphs (2 cores of an AMD EPYC): the six arms of issue 12 on the
# first demo's length-ceiling world, and the carry-borrow world's warm-up (which did not converge). A lab notebook
# kept so the numbers can be rerun, not project code. Each (arm, seed) run is saved as it ends and reused when the
# same command runs again (<output_dir>/runs).
# From the repo root, after `bash scripts/setup.sh`:  bash scripts/probes/demo_2026_12_03.sh [ceiling|borrow|all]
set -euo pipefail
cd "$(dirname "$0")/../.."
export HF_HUB_OFFLINE=1
demo() { .venv/bin/ghpo demo --flaky_steps carry "$@"; }  # the default world when these ran
what="${1:-all}"

if [[ $what == ceiling || $what == all ]]; then
  # README "Which variant?": six arms x 3 seeds on --world ceiling (warm-up + ~70 min on 2 cores)
  demo --world ceiling --seeds 3 --arms grpo,ghpo,dapo,ghpo-dapo,ghpo-response,ghpo-imitation \
    --output_dir runs/ceiling-six
fi
if [[ $what == borrow || $what == all ]]; then
  # README "Carries and borrows": the warm-up of --flaky_steps carry-borrow and its convergence check (stopped by
  # hand after one extension: SFT loss 0.250 -> 0.237, other steps 3.8 -> 4.9 % right)
  demo --flaky_steps carry-borrow --check steps --warmup_examples 50000 --warmup_extensions 4 \
    --warmup_reading_examples 0 --base_only --output_dir runs/carry-borrow-base
fi

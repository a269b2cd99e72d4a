#!/usr/bin/env bash
# The demo runs behind the README's "RL learns to hack the answer check" and "Under the steps check, GRPO is
# starved" paragraphs (2026-12-02, 2 cores of an Intel Xeon). A lab notebook kept so the numbers can be rerun, not
# project code. Each run saves its (arm, seed) results as it ends and reuses them when run again (ghpo-demo/runs).
# From the repo root, after `bash scripts/setup.sh`:  bash scripts/probes/demo_steps_check.sh [hack|starved|all]
set -euo pipefail
cd "$(dirname "$0")/../.."
export HF_HUB_OFFLINE=1
demo() { .venv/bin/ghpo demo --flaky_steps carry "$@"; }  # the default world when these ran
what="${1:-all}"
common=(--pool_carry_share 1.0 --steps 60 --learning_rate 2e-4)

if [[ $what == hack || $what == all ]]; then
  # The answer check: both arms reach the box through wrong steps (q = 0.2 base: 1.7 + 2.8 min; q = 0.1: 1.7 + 2.7)
  demo "${common[@]}" --hard_levels 7-8 --output_dir runs/hack-q20
  demo "${common[@]}" --hard_levels 7-8 --carry_accuracy 0.1 --output_dir runs/hack-q10
  # The steps check on the same pool: carries sit early in a chain, the 75 % hint leaves the easy tail (both 0 %)
  demo "${common[@]}" --hard_levels 7-8 --carry_accuracy 0.1 --check steps --output_dir runs/steps-q10-l78
fi
if [[ $what == starved || $what == all ]]; then
  # The README's six-arm table: levels 5-6, steps check, 3 seeds (~50 min on 2 cores, warm-up cached)
  demo "${common[@]}" --hard_levels 5-6 --carry_accuracy 0.1 --check steps --seeds 3 \
    --arms grpo,ghpo,dapo,ghpo-dapo,ghpo-response,ghpo-imitation --output_dir runs/steps-q10-l56
fi

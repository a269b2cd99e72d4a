#!/usr/bin/env bash
# Question: under the steps check, on a carry-dense pool GRPO is starved on, which of the six arms moves the bare
#   pool?
# Command:  bash scripts/probes/variants_under_steps_check.sh   (repo root, after bash scripts/setup.sh)
# Result (Intel Xeon, 2 cores, 2026-12-02; carry world, --carry_accuracy 0.1 base, pool levels 5-6, 60 steps, lr
#   2e-4, 3 seeds; ~50 min, warm-up cached): only GHPO + imitation moves it, to 3.3 ± 1.9 % (sampled carries 6 ->
#   59 %, but other steps 85 -> 28 %); GRPO, paper GHPO, DAPO, GHPO + resampling and the hint in the response stay
#   at 0 % on every seed. docs/demo-earlier-worlds.md, *Under the steps check*.
# A lab notebook kept so the numbers can be rerun, not project code. Each (arm, seed) run is saved as it ends.
set -euo pipefail
cd "$(dirname "$0")/../.."
export HF_HUB_OFFLINE=1
.venv/bin/ghpo demo --flaky_steps carry --pool_carry_share 1.0 --steps 60 --learning_rate 2e-4 --hard_levels 5-6 \
  --carry_accuracy 0.1 --check steps --seeds 3 --arms grpo,ghpo,dapo,ghpo-dapo,ghpo-response,ghpo-imitation \
  --output_dir runs/steps-q10-l56

#!/usr/bin/env bash
# Question: on the first demo's length-ceiling world, does any variant beyond the paper (DAPO resampling, GHPO +
#   resampling, the hint in the response, imitation of solved hints) lift the RL pool above GRPO and paper GHPO?
# Command:  bash scripts/probes/variants_on_ceiling_world.sh      (from the repo root, after bash scripts/setup.sh)
# Result (AMD EPYC, 2 cores, 2026-12-03, 64.1 min with its 6.8-min warm-up; RL pool levels 4-6, 60 steps, 3 seeds):
#   no arm lifts the pool much above the base's 5.3 %; DAPO resampling +4.4 ± 2.5 points over GRPO (the only
#   interval that excludes 0), paper GHPO +2.0 ± 4.4, imitation -0.7 ± 4.6 (docs/variants.md).
# A lab notebook kept so the numbers can be rerun, not project code. Each (arm, seed) run is saved as it ends and
# reused when the same command runs again (<output_dir>/runs).
set -euo pipefail
cd "$(dirname "$0")/../.."
export HF_HUB_OFFLINE=1
# --flaky_steps carry: the default world when this ran (--world ceiling picks its own knobs)
.venv/bin/ghpo demo --flaky_steps carry --world ceiling --seeds 3 \
  --arms grpo,ghpo,dapo,ghpo-dapo,ghpo-response,ghpo-imitation --output_dir runs/ceiling-six

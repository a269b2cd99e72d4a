#!/usr/bin/env bash
# Question: on the converged carry-borrow base (no hint reading), with an RL pool of levels 5-7 where GRPO is nearly
#   but not fully starved, does GHPO beat GRPO - per RL step, and per generated token?
# Command:  bash scripts/probes/pool_5_7_lead.sh [seeds|token-matched|all]   (repo root, after bash scripts/setup.sh;
#   the base comes from bash scripts/probes/carry_borrow_warmup.sh 100k, cached)
# Result (Intel Xeon, 2 cores, 2026-12-04):
#   seeds: GHPO - GRPO +8.7 ± 8.4 points on the pool over 6 seeds (interval +0.3 to +17.1; seeds 0-2: +8.3 ± 26.2);
#     21.2 min for seeds 0-2, 21.9 min for seeds 3-5.
#   token-matched: GRPO for 200 steps (GHPO's token budget) catches up: 51.7 and 61.3 % on the pool (seeds 0, 1)
#     against GHPO's 47.3 and 39.7 % at 100 steps; GHPO at 200 steps, seed 0: 56.0 %. Stopped after GRPO seed 1
#     (4.4-4.5 min per GRPO run, 8.3 min per GHPO run). docs/demo-earlier-worlds.md, *Carries and borrows*.
# A lab notebook kept so the numbers can be rerun, not project code. Each (arm, seed) run is saved as it ends
# (<output_dir>/runs), so the same command run again resumes.
set -euo pipefail
cd "$(dirname "$0")/../.."
export HF_HUB_OFFLINE=1
# what --flaky_steps carry-borrow picks by itself otherwise (pool 7-8, hint reading) is pinned to what ran then
flags=(--flaky_steps carry-borrow --check steps --warmup_examples 100000 --warmup_extensions 10 --warmup_reading_examples 0)
what="${1:-all}"

if [[ $what == seeds || $what == all ]]; then
  # default RL recipe (pool levels 5-7, 100 steps, lr 1e-4, 8 x G = 8)
  .venv/bin/ghpo demo "${flags[@]}" --hard_levels 5-7 --arms grpo,ghpo --seeds 6 --output_dir runs/carry-borrow-100k
fi
if [[ $what == token-matched || $what == all ]]; then
  # 200 steps (GHPO runs too: grpo and ghpo always run)
  .venv/bin/ghpo demo "${flags[@]}" --hard_levels 5-7 --steps 200 --seeds 3 --output_dir runs/carry-borrow-100k-200steps
fi

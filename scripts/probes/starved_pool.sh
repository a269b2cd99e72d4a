#!/usr/bin/env bash
# Question: does GHPO's lead over GRPO depend on GRPO being starved (a pool the base solves 0-1 % of bare)?
# Command:  bash scripts/probes/starved_pool.sh [7-8|6-7|all]   (repo root, after bash scripts/setup.sh; the base
#   comes from bash scripts/probes/carry_borrow_warmup.sh 100k, cached; no hint reading)
# Result (Intel Xeon, 2 cores, 2026-12-04, 3 seeds each):
#   7-8 (GRPO starved): GHPO - GRPO +9.7 ± 3.8 points (interval +5.9 to +13.5; L7 +19.0 ± 6.6, L8 +0.3 ± 1.4), 24.3 min.
#   6-7 (not starved: L6 is 2 % bare): +4.3 ± 34.1 (GRPO 27.2 ± 26.2 %, GHPO 31.5 ± 8.7 %; per seed -1.5, +20.0,
#     -5.5), 21.1 min. So "GRPO starved" is the condition that decides (docs/demo.md, *How this default was chosen*).
# A lab notebook kept so the numbers can be rerun, not project code.
set -euo pipefail
cd "$(dirname "$0")/../.."
export HF_HUB_OFFLINE=1
flags=(--flaky_steps carry-borrow --check steps --warmup_examples 100000 --warmup_extensions 10 --warmup_reading_examples 0)
what="${1:-all}"

if [[ $what == 7-8 || $what == all ]]; then
  .venv/bin/ghpo demo "${flags[@]}" --hard_levels 7-8 --seeds 3 --output_dir runs/cb-pool78
fi
if [[ $what == 6-7 || $what == all ]]; then
  .venv/bin/ghpo demo "${flags[@]}" --hard_levels 6-7 --seeds 3 --output_dir runs/cb-pool67
fi

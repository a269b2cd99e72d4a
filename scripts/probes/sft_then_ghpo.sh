#!/usr/bin/env bash
# Question: SFT on the pool's solutions, then GRPO, beat GHPO on every pool (docs/baselines.md): does SFT, then
#   GHPO, do better still, or do the hints add nothing once the solutions were taught?
# Command:  bash scripts/probes/sft_then_ghpo.sh [SEEDS]   (repo root, after bash scripts/setup.sh; default 1 seed)
# Result (Intel Xeon, 2 cores, 2026-12-07; pool (a), seed 0, 28.6 min): SFT then GHPO 39.5 % on the pool (L7 67,
#   L8 12), GHPO 27.5 %, GRPO 0.5 %; SFT then GRPO has 32.5 +- 11.8 over 3 seeds (docs/baselines.md). One seed only.
# A lab notebook kept so the numbers can be rerun, not project code.
set -euo pipefail
cd "$(dirname "$0")/../.."
export HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1
seeds="${1:-1}"
# Pool (a), the default; (b) and (c) take --hard_levels 1-7 and --pool_carry_share 1.0 (docs/baselines.md).
.venv/bin/ghpo demo --arms sft-ghpo --seeds "$seeds" --output_dir runs/sft-ghpo-pool-a

#!/usr/bin/env bash
# Question: SFT on the pool's solutions, then GRPO, beat GHPO on every pool (docs/baselines.md): does SFT, then
#   GHPO, do better still, or do the hints add nothing once the solutions were taught?
# Command:  bash scripts/probes/sft_then_ghpo.sh   (repo root, after bash scripts/setup.sh)
# How it ran (Intel Xeon, 2 cores, 1 torch thread per run): seed 0 of pool (a) on 2026-12-07 (28.6 min, GRPO, GHPO
#   and SFT then GHPO); the other seeds and pools on 2026-12-08, one seed per job in its own folder, two jobs side by
#   side, copied back, then one report per pool that trains nothing. Result: docs/baselines.md, each pool's table.
# A lab notebook kept so the numbers can be rerun, not project code.
set -euo pipefail
cd "$(dirname "$0")/../.."
export HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1
job() {  # job POOL SEED FLAGS...: GRPO, GHPO and SFT then GHPO for one seed in runs/q/POOL-sSEED, copied back
  local pool=$1 seed=$2; shift 2
  mkdir -p "runs/q/$pool-s$seed/runs" "runs/$pool/runs"
  cp runs/"$pool"/runs/*-seed"$seed".json "runs/q/$pool-s$seed/runs/" 2>/dev/null || true
  .venv/bin/ghpo demo --threads 1 "$@" --arms sft-ghpo --seeds 1 --first_seed "$seed" --output_dir "runs/q/$pool-s$seed"
  cp -n "runs/q/$pool-s$seed"/runs/*.json "runs/$pool/runs/"
}
B="--hard_levels 1-7"                         # (b) mixed
C="--hard_levels 7-8 --pool_carry_share 1.0"  # (c) out of reach
job pool-a 0 & job pool-a 1 & wait; job pool-a 2 & job pool-b 0 $B & wait
job pool-b 1 $B & job pool-b 2 $B & wait; job pool-c 0 $C & job pool-c 1 $C & wait; job pool-c 2 $C
.venv/bin/ghpo demo --threads 1 --arms sft-ghpo --seeds 3 --output_dir runs/pool-a   # reports: train nothing
.venv/bin/ghpo demo --threads 1 $B --arms sft-ghpo --seeds 3 --output_dir runs/pool-b
.venv/bin/ghpo demo --threads 1 $C --arms sft-ghpo --seeds 3 --output_dir runs/pool-c

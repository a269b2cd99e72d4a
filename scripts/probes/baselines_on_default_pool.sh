#!/usr/bin/env bash
# Question: on the demo's default (starved) pool, does GHPO beat the strongest baselines — hint-free resampling
# (DAPO), the paper's curriculum baselines (GRPO-CL, GRPO-CL-H), SFT on the solutions hints are cut from, SFT then
# GRPO, and GRPO given GHPO's generated tokens?
# Command: the two runs below (2 Intel Xeon cores, 1 torch thread each, side by side, 2026-12-07; 81.2 + 31.9 min).
# Result (docs/baselines.md): no. DAPO 28.0 ± 11.8 % vs GHPO 22.7 ± 11.8 % (3 seeds), DAPO − GHPO +5.3 ± 1.4
# points; seed 0: SFT then GRPO 28.0 %, GHPO 27.5 %, SFT 13.5 %, token-matched GRPO 12.5 %, GRPO-CL-H 4.0 %,
# GRPO-CL 0.0 %, GRPO 0.5 %.
set -euo pipefail
cd "$(dirname "$0")/../.."
export HF_HUB_OFFLINE=1
.venv/bin/ghpo demo --arms grpo,ghpo,dapo --seeds 3 --threads 1 --output_dir runs/default-pool
# the other baselines on seed 0, reusing that run's GRPO, GHPO and DAPO (same settings: the saved runs' key matches)
mkdir -p runs/default-baselines/runs
cp runs/default-pool/runs/{grpo,ghpo,dapo}-seed0.json runs/default-baselines/runs/
.venv/bin/ghpo demo --arms dapo,grpo-cl,grpo-cl-h,sft,sft-grpo,grpo-matched --seeds 1 --threads 1 \
  --output_dir runs/default-baselines

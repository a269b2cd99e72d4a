#!/usr/bin/env bash
# Question: (issue "GHPO without worked solutions") on the demo's default pool (a), where bare successes are rare,
#   with the worked solutions withheld from training, what do self-hints (`hint_source: self`) and solutions the
#   base writes itself by rejection sampling (`ghpo data solve`'s method, DAPO's 48 samples a problem) buy, against
#   DAPO's resampling (the strongest hint-free arm there) and paper GHPO with the real solutions?
# Command:  bash scripts/probes/answer_only.sh   (repo root, after bash scripts/setup.sh)
# How it ran (2 Intel Xeon cores, 1 torch thread per run, two runs side by side, 2026-12-08): one seed per job in
#   its own folder, reusing that seed's GRPO and GHPO runs of runs/pool-a (sft_then_ghpo.sh), copied back, then one
#   report that trains nothing. Result: docs/baselines.md, "Answer-only data".
# A lab notebook kept so the numbers can be rerun, not project code.
set -euo pipefail
cd "$(dirname "$0")/../.."
export HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1
ARMS=dapo,ghpo-self,ghpo-solved
job() {  # job SEED: one seed of ARMS in runs/q/a39-sSEED, seeded with runs/pool-a's runs of that seed
  local seed=$1
  mkdir -p "runs/q/a39-s$seed/runs" runs/pool-a/runs
  cp runs/pool-a/runs/*-seed"$seed".json "runs/q/a39-s$seed/runs/" 2>/dev/null || true
  .venv/bin/ghpo demo --threads 1 --arms "$ARMS" --seeds 1 --first_seed "$seed" --output_dir "runs/q/a39-s$seed"
  cp -n "runs/q/a39-s$seed"/runs/*.json runs/pool-a/runs/
}
job 0 & job 1; wait; job 2
.venv/bin/ghpo demo --threads 1 --arms sft-ghpo,$ARMS --seeds 3 --output_dir runs/pool-a   # the report: trains nothing

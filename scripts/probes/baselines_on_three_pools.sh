#!/usr/bin/env bash
# Question: when is guidance worth its cost? GHPO against GRPO, the paper's curriculum baselines, hint-free
# resampling (DAPO), SFT on the pool's solutions and SFT then GRPO, on three pools chosen by measuring the base
# (scripts/probes/pool_reach.py), never by an RL result: (a) the default, starved (levels 7-8: rare bare
# successes), (b) mixed (levels 1-7: the widest range meeting the issue's criteria), (c) out of reach (levels 7-8,
# carry-dense: 0 bare successes in 4 800 draws, 70-74 % of groups solved at the 75 % rung).
# Command: this script (2 Intel Xeon cores, 1 torch thread per run, two runs side by side, 2026-12-07).
# Result: docs/baselines.md (tables per pool, minutes per run) and docs/images/guidance-map.png.
set -euo pipefail
cd "$(dirname "$0")/../.."
export HF_HUB_OFFLINE=1
demo() { .venv/bin/ghpo demo --threads 1 "$@"; }
ARMS=grpo,ghpo,dapo,sft-grpo,grpo-cl,sft

.venv/bin/python scripts/probes/pool_reach.py --output runs/pool-reach   # ~11 min: the pools' reach
# (a) the default pool: GRPO / GHPO / DAPO over 3 seeds and the other baselines on seed 0 are
# baselines_on_default_pool.sh's runs, copied here to be reused; this adds GRPO-CL on seeds 1-2
mkdir -p runs/default-all/runs
cp runs/default-pool/runs/*.json runs/default-baselines/runs/*.json runs/default-all/runs/
demo --arms grpo,ghpo,dapo,grpo-cl --seeds 3 --output_dir runs/default-all
# (b) mixed and (c) out of reach: seeds split with --first_seed (they ran side by side, one a core), then one report
split() {  # split NAME FLAGS...: seed 0 (and for (c) seed 1) in NAME, the others in NAME-seedN, then merged
  local name=$1; shift
  demo "$@" --arms $ARMS --seeds "$FIRST" --output_dir "runs/$name"
  for seed in $REST; do
    demo "$@" --arms $ARMS --seeds 1 --first_seed "$seed" --output_dir "runs/$name-seed$seed"
    cp "runs/$name-seed$seed"/runs/*.json "runs/$name/runs/"
  done
  demo "$@" --arms $ARMS --seeds 3 --output_dir "runs/$name"   # trains nothing: reuses every run, writes the report
}
FIRST=1 REST="1 2" split mixed-pool --hard_levels 1-7
FIRST=2 REST="2" split out-of-reach-pool --hard_levels 7-8 --pool_carry_share 1.0
# (c), seed 0: the paper's fixed-hint baseline and GRPO given GHPO's tokens, reusing that seed's GRPO and GHPO
mkdir -p runs/out-of-reach-extra/runs && cp runs/out-of-reach-pool/runs/{grpo,ghpo}-seed0.json runs/out-of-reach-extra/runs/
demo --hard_levels 7-8 --pool_carry_share 1.0 --arms grpo,ghpo,grpo-cl-h,grpo-matched --seeds 1 \
  --output_dir runs/out-of-reach-extra
.venv/bin/python -m ghpo.demo.guidance_map runs/out-of-reach-pool runs/default-all runs/mixed-pool \
  --output docs/images/guidance-map.png

# ---- 2026-12-07 afternoon: every baseline on 3 seeds on every pool, and the GHPO variants worth showing beside
# them: the ladder then resampling on (a) (DAPO beats GHPO there), imitation of the solved hints on (c) (SFT then
# GRPO beats GHPO there). Each job ran in its own folder, one seed, one a core (two side by side), reusing that
# seed's saved runs; then its runs were copied back and one report per pool trained nothing.
ALL=grpo,ghpo,dapo,grpo-cl,grpo-cl-h,sft,sft-grpo,grpo-matched
job() {  # job NAME POOL SEED ARMS FLAGS...: one seed of ARMS in runs/q/NAME, seeded with POOL's runs of that seed
  local name=$1 pool=$2 seed=$3 arms=$4; shift 4
  mkdir -p "runs/q/$name/runs" && cp runs/$pool/runs/*-seed$seed.json "runs/q/$name/runs/"
  demo "$@" --arms "$arms" --seeds 1 --first_seed "$seed" --output_dir "runs/q/$name"
  cp -n "runs/q/$name"/runs/*.json "runs/$pool/runs/"
}
C="--hard_levels 7-8 --pool_carry_share 1.0"
cp runs/out-of-reach-extra/runs/grpo-{cl-h,matched}-seed0.json runs/out-of-reach-pool/runs/
demo --hard_levels 1-7 --arms $ALL --seeds 3 --output_dir runs/mixed-pool            # (b): 34 min
demo $C --arms $ALL --seeds 3 --output_dir runs/out-of-reach-pool                    # (c), seeds 1-2: 42 min
for seed in 1 2; do job a-base-s$seed default-all $seed $ALL; done                   # (a): 23 + 26 min
for seed in 0 1 2; do
  job a-var-s$seed default-all $seed grpo,ghpo,ghpo-dapo                             # 13-16 min each
  job c-var-s$seed out-of-reach-pool $seed grpo,ghpo,ghpo-imitation $C               # 11-13 min each
done
demo --arms $ALL,ghpo-dapo --seeds 3 --output_dir runs/default-all                  # reports: trains nothing
demo $C --arms $ALL,ghpo-imitation --seeds 3 --output_dir runs/out-of-reach-pool
.venv/bin/python -m ghpo.demo.guidance_map runs/out-of-reach-pool runs/default-all runs/mixed-pool \
  --output docs/images/guidance-map.png

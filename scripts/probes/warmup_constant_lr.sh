#!/usr/bin/env bash
# Question: does a constant warm-up learning rate (with more hinted continuations and a shorter curriculum) bring
#   the default base to convergence sooner than the cosine schedule?
# Command:  bash scripts/probes/warmup_constant_lr.sh   (repo root, after bash scripts/setup.sh)
# Result (idle Intel Xeon, 2 cores, 2026-12-04): further sooner, then a plateau. 120 000 examples in 21.3 min:
#   other steps 51.0 % right, SFT loss 0.088; four extensions of 20 000 (the first two ran at a constant half rate,
#   before extensions were always annealed): 55.3, 55.2, 56.9 %, loss 0.084 -> 0.076; stopped short of the check
#   at 180 000 examples (~37 min). Not adopted (docs/demo.md, *Faster warm-ups, tried and not adopted*).
#   .venv/bin/python scripts/probes/warmup_speed.py --every 10000 -- <the same flags> shows the check every 10 000.
# A lab notebook kept so the numbers can be rerun, not project code.
set -euo pipefail
cd "$(dirname "$0")/../.."
export HF_HUB_OFFLINE=1
.venv/bin/ghpo demo --warmup_schedule constant --warmup_hinted_fraction 0.5 --warmup_curriculum 0.3 \
  --warmup_examples 120000 --warmup_extensions 4 --warmup_reading_examples 0 --seeds 3 --output_dir runs/constant-lr

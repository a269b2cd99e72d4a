#!/usr/bin/env bash
# Question: at what warm-up budget does the carry-borrow base (--flaky_steps carry-borrow) converge?
# Command:  bash scripts/probes/carry_borrow_warmup.sh [default|100k|all]   (repo root, after bash scripts/setup.sh)
# Result:
#   default (50 000 examples, AMD EPYC, 2 cores, 2026-12-03): does not converge. 13.7 min, SFT loss 0.250, sampled
#     flaky steps 0.7 % right, other steps 3.8 % (the check needs >= 80 %); one extension: 0.237, 0.9 %, 4.9 %, a
#     plateau (stopped by hand).
#   100k (100 000 examples + up to 10 extensions, Intel Xeon, 2 cores, 2026-12-03): converges after 7 extensions
#     (240 000 examples, 49.4 min): flaky steps 17.9 % right, other steps 89.4 %, SFT loss 0.036; the abrupt step
#     is at extension 4 (other steps 19.0, 19.7, 20.9, 50.1 %). docs/demo-earlier-worlds.md, *Carries and borrows*.
# A lab notebook kept so the numbers can be rerun, not project code. The warm-up is cached (~/.cache/ghpo/demo).
set -euo pipefail
cd "$(dirname "$0")/../.."
export HF_HUB_OFFLINE=1
what="${1:-all}"

if [[ $what == default || $what == all ]]; then
  # --flaky_steps carry was the default world then; the carry-borrow flags below pick the world under test
  .venv/bin/ghpo demo --flaky_steps carry-borrow --check steps --warmup_examples 50000 --warmup_extensions 4 \
    --warmup_reading_examples 0 --base_only --output_dir runs/carry-borrow-base
fi
if [[ $what == 100k || $what == all ]]; then
  # then the base's hint table (0.5 min)
  .venv/bin/ghpo demo --flaky_steps carry-borrow --check steps --warmup_examples 100000 --warmup_extensions 10 \
    --warmup_reading_examples 0 --base_only --output_dir runs/carry-borrow-100k
fi

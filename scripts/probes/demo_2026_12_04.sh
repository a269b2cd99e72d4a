#!/usr/bin/env bash
# The demo runs behind the README's carry-borrow paragraph (2026-12-03/04, 2 cores of an Intel Xeon): a warm-up
# budget at which the --flaky_steps carry-borrow base converges, then GRPO vs GHPO on it. A lab notebook kept so the
# numbers can be rerun, not project code. The warm-up is cached (~/.cache/ghpo/demo) and each (arm, seed) run is
# saved as it ends (<output_dir>/runs), so the same command run again resumes.
# From the repo root, after `bash scripts/setup.sh`:  bash scripts/probes/demo_2026_12_04.sh [base|rl|matched|all]
set -euo pipefail
cd "$(dirname "$0")/../.."
export HF_HUB_OFFLINE=1
flags=(--flaky_steps carry-borrow --check steps --warmup_examples 100000 --warmup_extensions 10)
what="${1:-all}"

if [[ $what == base || $what == all ]]; then
  # 100 000 examples (19.1 min) + 7 extensions of 20 000 (240 000 in all, 49.4 min): converged (flaky 17.9 %,
  # other steps 89.4 % right, SFT loss 0.036); then the base's hint table (0.5 min)
  .venv/bin/ghpo demo "${flags[@]}" --base_only --output_dir runs/carry-borrow-100k
fi
if [[ $what == rl || $what == all ]]; then
  # GRPO vs GHPO from that base, default RL recipe (pool levels 5-7, 100 steps, lr 1e-4, 8 x G = 8):
  # 3 seeds 21.2 min, seeds 3-5 another ~21 min
  .venv/bin/ghpo demo "${flags[@]}" --arms grpo,ghpo --seeds 6 --output_dir runs/carry-borrow-100k
fi
if [[ $what == matched || $what == all ]]; then
  # GRPO at GHPO's token budget: 200 steps (GHPO runs too: grpo and ghpo always run). Stopped after GRPO seed 1
  # (4.4-4.5 min per GRPO run, 8.3 min per GHPO run): GRPO 51.7, 61.3 % on the pool; GHPO seed 0 56.0 %
  .venv/bin/ghpo demo "${flags[@]}" --steps 200 --seeds 3 --output_dir runs/carry-borrow-100k-200steps
fi

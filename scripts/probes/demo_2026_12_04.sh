#!/usr/bin/env bash
# The demo runs behind the README's carry-borrow paragraph (2026-12-03/04, 2 cores of an Intel Xeon): a warm-up
# budget at which the --flaky_steps carry-borrow base converges, then GRPO vs GHPO on it. A lab notebook kept so the
# numbers can be rerun, not project code. The warm-up is cached (~/.cache/ghpo/demo) and each (arm, seed) run is
# saved as it ends (<output_dir>/runs), so the same command run again resumes.
# From the repo root, after `bash scripts/setup.sh`:  bash scripts/probes/demo_2026_12_04.sh [base|rl|matched|starved|reading|reading-matched|constant|all]
set -euo pipefail
cd "$(dirname "$0")/../.."
export HF_HUB_OFFLINE=1
# the earlier runs pin what --flaky_steps carry-borrow now picks by itself otherwise (pool 7-8, hint reading)
flags=(--flaky_steps carry-borrow --check steps --warmup_examples 100000 --warmup_extensions 10 --warmup_reading_examples 0)
what="${1:-all}"

if [[ $what == base || $what == all ]]; then
  # 100 000 examples (19.1 min) + 7 extensions of 20 000 (240 000 in all, 49.4 min): converged (flaky 17.9 %,
  # other steps 89.4 % right, SFT loss 0.036); then the base's hint table (0.5 min)
  .venv/bin/ghpo demo "${flags[@]}" --base_only --output_dir runs/carry-borrow-100k
fi
if [[ $what == rl || $what == all ]]; then
  # GRPO vs GHPO from that base, default RL recipe (pool levels 5-7, 100 steps, lr 1e-4, 8 x G = 8):
  # 3 seeds 21.2 min, seeds 3-5 another ~21 min
  .venv/bin/ghpo demo "${flags[@]}" --hard_levels 5-7 --arms grpo,ghpo --seeds 6 --output_dir runs/carry-borrow-100k
fi
if [[ $what == matched || $what == all ]]; then
  # GRPO at GHPO's token budget: 200 steps (GHPO runs too: grpo and ghpo always run). Stopped after GRPO seed 1
  # (4.4-4.5 min per GRPO run, 8.3 min per GHPO run): GRPO 51.7, 61.3 % on the pool; GHPO seed 0 56.0 %
  .venv/bin/ghpo demo "${flags[@]}" --hard_levels 5-7 --steps 200 --seeds 3 --output_dir runs/carry-borrow-100k-200steps
fi
if [[ $what == starved || $what == all ]]; then
  # A pool GRPO is starved on (levels 7-8: the base solves 0-1 % bare), same base, 3 seeds: 24.3 min
  .venv/bin/ghpo demo "${flags[@]}" --hard_levels 7-8 --seeds 3 --output_dir runs/cb-pool78
  # and one it is not (levels 6-7: L6's 2 % bare successes feed GRPO), 3 seeds: 21.1 min
  .venv/bin/ghpo demo "${flags[@]}" --hard_levels 6-7 --seeds 3 --output_dir runs/cb-pool67
fi
if [[ $what == reading || $what == all ]]; then
  # The converged base + 30 000 mostly hinted continuations (hint reading, 5.5 min, cached apart), then the
  # starved pool again, 3 seeds
  # (= bash scripts/demo.sh --seeds 3: these are the defaults)
  .venv/bin/ghpo demo "${flags[@]}" --warmup_reading_examples 30000 --hard_levels 7-8 --seeds 3 \
    --output_dir runs/cb-read-pool78
fi
if [[ $what == reading-matched || $what == all ]]; then
  # GRPO at about GHPO's token budget on the starved pool: 200 steps, seed 0 (GHPO runs too), 15.7 min:
  # GRPO 6.5 % on the pool (1.66 M tokens), GHPO 35.0 % (3.29 M); GHPO at 100 steps, seed 0: 27.5 %
  .venv/bin/ghpo demo --flaky_steps carry-borrow --steps 200 --output_dir runs/cb-read-pool78-200steps
fi
if [[ $what == constant ]]; then
  # A faster warm-up, tried and not adopted (2026-12-04, idle Xeon, 2 cores): a constant learning rate, 50 % hinted
  # continuations, curriculum 0.3. 120 000 examples in 21.3 min: other steps 51.0 % right, SFT loss 0.088; four
  # extensions of 20 000 (the first two ran at a constant half rate, before extensions were always annealed):
  # 55.3, 55.2, 56.9 %, loss 0.084 -> 0.076; stopped short of the check at 180 000 examples (~37 min). Per step:
  # .venv/bin/python scripts/probes/warmup_speed.py --every 10000 -- <the same flags> shows the check every 10 000.
  .venv/bin/ghpo demo --warmup_schedule constant --warmup_hinted_fraction 0.5 --warmup_curriculum 0.3 \
    --warmup_examples 120000 --warmup_extensions 4 --warmup_reading_examples 0 --seeds 3 --output_dir runs/constant-lr
fi

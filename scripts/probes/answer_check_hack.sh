#!/usr/bin/env bash
# Question: when only the last \boxed{} is checked, does RL learn to reach the right box through wrong steps - and
#   does the steps check (--check steps) close that?
# Command:  bash scripts/probes/answer_check_hack.sh   (repo root, after bash scripts/setup.sh)
# Result (Intel Xeon, 2 cores, 2026-12-02; carry world, carry-dense pool of levels 7-8, 60 steps, lr 2e-4, seed 0):
#   under the answer check the q = 0.2 base went from 0 % to GRPO L7 82 / L8 61 %, GHPO 77 / 62 % (1.7 + 2.8 min),
#   and the q = 0.1 base to GRPO 88 / 75 %, GHPO 86 / 76 % while its sampled carries stayed 4-6 % right: a reward
#   hack (left operands that jump so the chain lands on the box). Under the steps check on the same pool both arms
#   stay at 0 %. docs/demo-earlier-worlds.md, *RL learns to hack the answer check*.
# A lab notebook kept so the numbers can be rerun, not project code.
set -euo pipefail
cd "$(dirname "$0")/../.."
export HF_HUB_OFFLINE=1
demo() { .venv/bin/ghpo demo --flaky_steps carry "$@"; }  # the default world when these ran
common=(--pool_carry_share 1.0 --steps 60 --learning_rate 2e-4 --hard_levels 7-8)
demo "${common[@]}" --output_dir runs/hack-q20
demo "${common[@]}" --carry_accuracy 0.1 --output_dir runs/hack-q10
demo "${common[@]}" --carry_accuracy 0.1 --check steps --output_dir runs/steps-q10-l78

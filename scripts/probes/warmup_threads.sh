#!/usr/bin/env bash
# Question: trained from scratch on 1 torch thread instead of 2, does the default warm-up give the shipped base -
#   and the headline result?
# Command:  bash scripts/probes/warmup_threads.sh [base|rl|reading|reading-rl|all]   (repo root, after
#   bash scripts/setup.sh; ~90 min / 27 / 14 / 27 min on 2 cores)
# Result (Intel Xeon, 2026-12-04): no. base: converged after 5 extensions (200 000 examples; 2 threads needed 7),
#   bare row within ±5 points of the shipped base's, but it misreads long hints (75 % rung on levels 7-8 16 / 8 %,
#   shipped 45 / 47; the hint-reading check stops it: 61.4 % of other steps right after the top hint). rl (past the
#   check): GHPO - GRPO +3.2 on the pool (interval -1.5 to +7.9, 3 seeds). reading (twice the hint reading, 13.5 min):
#   passes the check (91.2 %), 75 % rung 44 / 47 %. reading-rl: +33.7 (interval +16.0 to +51.4, 3 seeds, 26.5 min).
#   docs/demo.md, *The warm-up from scratch*.
# A lab notebook kept so the numbers can be rerun, not project code.
set -euo pipefail
cd "$(dirname "$0")/../.."
export HF_HUB_OFFLINE=1
cache=runs/threads1-cache  # its own cache: ~/.cache/ghpo keeps the shipped base
what="${1:-all}"
if [[ $what == base || $what == all ]]; then
  # 100 000 examples, 5 extensions, 30 000 hint-reading examples, all on 1 thread; the hint-reading check then stops
  # it (after a 75 % hint the base writes 61.4 % of its other steps right), hence `|| true`
  OMP_NUM_THREADS=1 .venv/bin/ghpo demo --threads 1 --base_only --no-shipped_base --cache_dir "$cache" \
    --output_dir runs/threads1-base || true
fi
if [[ $what == rl || $what == all ]]; then
  # GRPO vs GHPO from that base, as the README's headline but past the check (2 threads)
  .venv/bin/ghpo demo --seeds 3 --no-shipped_base --no-check_warmup --cache_dir "$cache" --output_dir runs/threads1-rl
fi
if [[ $what == reading || $what == all ]]; then
  # Twice the hint reading from the same converged base (the converged base is cached; only the reading is redone)
  .venv/bin/ghpo demo --base_only --no-shipped_base --warmup_reading_examples 60000 --cache_dir "$cache" \
    --output_dir runs/threads1-reading60
fi
if [[ $what == reading-rl || $what == all ]]; then
  # GRPO vs GHPO from the base with twice the hint reading, which passes the check (~27 min)
  .venv/bin/ghpo demo --seeds 3 --no-shipped_base --warmup_reading_examples 60000 --cache_dir "$cache" \
    --output_dir runs/threads1-reading60-rl
fi

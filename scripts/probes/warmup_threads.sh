#!/usr/bin/env bash
# The runs behind the README's "the warm-up from scratch on 1 thread" (Intel Xeon, 2026-12-04): the default warm-up
# trained on 1 thread instead of the shipped base, its tables, GHPO vs GRPO on it, and more hint reading. A lab
# notebook kept so the numbers can be rerun, not project code. From the repo root, after `bash scripts/setup.sh`:
#   bash scripts/probes/warmup_threads.sh [base|rl|reading|reading-rl|all]   (~90 min / 27 / 14 / 27 min on 2 cores)
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

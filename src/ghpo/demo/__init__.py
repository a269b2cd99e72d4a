"""`ghpo demo`: GRPO vs GHPO on a toy world where the capacity–difficulty mismatch is real.

The run reads top to bottom in `ghpo.demo.run.run_demo`:
1. world      chained arithmetic (level = number of steps); RL pool = the hard levels; held-out sets per level
2. warm-up    a tiny Qwen2 + BPE built here, SFT on the easy levels and on hinted continuations (cached)
3. base       per-level accuracy without and with 25/50/75 % hints: the mismatch, measured before any RL
4. RL         GRPO and GHPO from the same base, with the same seed, data and budget (once per seed)
5. report     both evaluated per level without hints; report.md, PNG plots, metrics.json, the summary table
"""

from __future__ import annotations

import os


def main(argv: list[str]) -> int:
    from .settings import parse_settings

    settings = parse_settings(argv)
    if settings.threads > 0:  # before torch starts its thread pool
        os.environ["OMP_NUM_THREADS"] = str(settings.threads)
    from .run import run_demo

    run_demo(settings)
    return 0

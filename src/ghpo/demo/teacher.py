"""The `ghpo-solved` arm's first step: the base writes the RL pool's worked solutions itself, by rejection sampling
(what `ghpo data solve` does for an answer-only dataset), before paper GHPO trains on them.

The demo's pool has worked solutions; this arm withholds them. The base samples `--solve_samples` completions per
problem at temperature 1, as RL samples (default: DAPO's budget per pool problem, `solve_budget`); each is checked by
the run's own check (--check), and the shortest right one becomes the problem's hint text (`ghpo.solve`'s choice).
Problems with no right sample stay unhinted. The true solutions stay in the pool for the reward (--check steps reads
them) and are never shown: GHPO reads the teacher's column (`TEACHER_COLUMN`).
"""

from __future__ import annotations

import time
from pathlib import Path

from transformers import AutoModelForCausalLM, AutoTokenizer, set_seed

from ..solve import ROW, solve_rows
from .evaluate import generate, is_right, max_new_tokens
from .settings import DemoSettings

TEACHER_COLUMN = "teacher_solution"
DAPO_ROUNDS = 3  # DAPO in the demo: the first generation and up to 2 refill rounds (resample_max_rounds)


def solve_budget(settings: DemoSettings, pool_size: int) -> int:
    """Samples per pool problem: --solve_samples, or DAPO's most draws per problem (steps x prompts x G x rounds
    over the pool).

    >>> from ghpo.demo.settings import DemoSettings
    >>> solve_budget(DemoSettings(), 400)   # 100 x 8 x 8 x 3 / 400
    48
    """
    if settings.solve_samples > 0:
        return settings.solve_samples
    draws = settings.steps * settings.prompts_per_step * settings.num_generations * DAPO_ROUNDS
    return max(1, round(draws / pool_size))


def solve_pool(settings: DemoSettings, base_dir: Path, pool, seed: int):
    """(pool with TEACHER_COLUMN: the base's shortest right sample per problem, '' where none was right, and
    {"samples", "solved", "tokens": completion tokens generated, "seconds"})."""
    started = time.time()
    set_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(base_dir)
    model = AutoModelForCausalLM.from_pretrained(base_dir)
    samples = solve_budget(settings, len(pool))
    rows = list(pool)
    print(f"  seed {seed}: the base writes {samples} samples per pool problem (rejection sampling, as ghpo data "
          f"solve); the shortest right one is the problem's hint text", flush=True)
    results = {}
    for level in sorted({int(row["level"]) for row in rows}):
        def sample(prompts: list, n: int, level=level) -> list[list[tuple[str, int]]]:
            texts = generate(model, tokenizer, [p for p in prompts for _ in range(n)], max_new_tokens(level),
                             desc=f"solve L{level}", sample=True)
            lengths = [len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]]
            pairs = list(zip(texts, lengths, strict=True))
            return [pairs[k * n : (k + 1) * n] for k in range(len(prompts))]

        def score(batch: list[dict], texts: list[list[str]]) -> list[list[float]]:
            return [[float(is_right(row, text, settings.check)) for text in mine] for row, mine in zip(batch, texts)]

        subset = [{**row, ROW: index} for index, row in enumerate(rows) if int(row["level"]) == level]
        results.update(solve_rows(subset, sample, score, samples, chunk=len(subset), done={}, record=lambda _: None))
    by_row = {index: result["solution"] for index, result in results.items()}
    tokens = sum(result["tokens"] for result in results.values())
    solved = sum(bool(text) for text in by_row.values())
    print(f"  seed {seed}: the base solved {solved} of {len(rows)} pool problems in {samples} samples each "
          f"({tokens / 1e6:.2f} M tokens)", flush=True)
    taught = pool.add_column(TEACHER_COLUMN, [by_row[index] for index in range(len(rows))])
    return taught, {"samples": samples, "solved": solved, "tokens": tokens, "seconds": time.time() - started}

"""The demo's arms: GRPO, paper GHPO and the variants beyond the paper, each a `GHPOConfig` setting on the same
trainer; and the table that compares them (pool accuracy, paired differences, generated tokens). Pure."""

from __future__ import annotations

from .stats import mean_interval, paired_differences

# name -> (rl_type, GHPOConfig options). GRPO and GHPO are always run (the report compares them); the others on
# request (--arms).
ARMS = {
    "grpo": ("grpo", {}),
    "ghpo": ("ghpo", {}),
    "dapo": ("grpo", {"zero_variance_resampling": True}),  # DAPO's dynamic sampling, no hints
    "ghpo-dapo": ("ghpo", {"zero_variance_resampling": True}),  # the ladder first, then refills
    "ghpo-response": ("ghpo", {"hint_placement": "response"}),  # the hint opens the answer, no lead-in
    "ghpo-imitation": ("ghpo", {"hint_imitation_coef": 1.0}),  # + the NLL of solved hints after the bare question
}
LABELS = {"grpo": "GRPO", "ghpo": "GHPO (paper)", "dapo": "DAPO resampling", "ghpo-dapo": "GHPO + resampling",
          "ghpo-response": "GHPO, hint in response", "ghpo-imitation": "GHPO + imitation (λ = 1)"}


def parse_arms(text: str) -> list[str]:
    """'grpo,ghpo,dapo' -> ['grpo', 'ghpo', 'dapo']: GRPO and GHPO first (always), then the rest in order given.

    >>> parse_arms("dapo, ghpo"), parse_arms("grpo,ghpo")
    (['grpo', 'ghpo', 'dapo'], ['grpo', 'ghpo'])
    """
    names = [name.strip() for name in str(text).split(",") if name.strip()]
    unknown = [name for name in names if name not in ARMS]
    if unknown:
        raise ValueError(f"unknown arm(s) {unknown}; choose from {list(ARMS)}")
    return ["grpo", "ghpo"] + [name for name in dict.fromkeys(names) if name not in ("grpo", "ghpo")]


def run_tokens(log: list[dict]) -> float:
    """Completion tokens a run generated (every round: first call, hinted rungs, refills)."""
    return sum(entry.get("ghpo/generated_tokens", 0.0) for entry in log)


def arms_table(runs: list[dict], arms: list[str], hard: list[int], seeds: int) -> tuple[str, list[dict]]:
    """Markdown and rows: per arm, the RL-pool accuracy (no hints, held out), its paired difference with GRPO and
    with paper GHPO, generated tokens and accuracy gained over the base per million tokens.

    `runs[seed][arm]` holds "accuracy" ({level: accuracy}) and "log" (per-step dicts); runs[seed]["base"] the
    base's pool accuracy."""
    def pool(run_arm):
        return sum(run_arm["accuracy"][lv] for lv in hard) / len(hard)

    base = runs[0]["base_pool"]
    rows = []
    show = lambda pair: f"{100 * pair[0]:+.1f}" + (f" ± {100 * pair[1]:.1f}" if seeds > 1 else "")  # noqa: E731
    for arm in arms:
        accuracy = [pool(run[arm]) for run in runs]
        tokens = [run_tokens(run[arm]["log"]) for run in runs]
        gain_per_million = [(a - base) / max(t / 1e6, 1e-9) for a, t in zip(accuracy, tokens, strict=True)]
        rows.append({
            "arm": arm, "pool": mean_interval(accuracy),
            "minus_grpo": mean_interval(paired_differences([pool(r["grpo"]) for r in runs], accuracy)),
            "minus_ghpo": mean_interval(paired_differences([pool(r["ghpo"]) for r in runs], accuracy)),
            "million_tokens": sum(tokens) / len(tokens) / 1e6, "gain_per_million": mean_interval(gain_per_million),
        })
    unit = f"mean ± 95 % interval over {seeds} seeds" if seeds > 1 else "1 seed, no interval"
    lines = [f"| arm | RL pool, no hint (%) | − GRPO (points) | − GHPO (points) | generated tokens (M) | "
             f"points over the base per M tokens |  ({unit}; base {100 * base:.1f} %)",
             "|---|---|---|---|---|---|"]
    for row in rows:
        pool_text = f"{100 * row['pool'][0]:.1f}" + (f" ± {100 * row['pool'][1]:.1f}" if seeds > 1 else "")
        gain = row["gain_per_million"]
        gain_text = f"{100 * gain[0]:.1f}" + (f" ± {100 * gain[1]:.1f}" if seeds > 1 else "")
        lines.append(f"| {LABELS[row['arm']]} | {pool_text} | {show(row['minus_grpo'])} | {show(row['minus_ghpo'])} | "
                     f"{row['million_tokens']:.2f} | {gain_text} |")
    return "\n".join(lines), rows

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
    # the paper's baselines (its Table 2): the pool ordered by level, easiest first; and with a fixed 50 % hint
    "grpo-cl": ("grpo", {"curriculum_column": "level"}),
    "grpo-cl-h": ("grpo", {"curriculum_column": "level", "fixed_hint_ratio": 0.5}),
    # the solutions the hints are cut from, taught directly (TRL's SFTTrainer, `SFT_ARMS`), then GRPO or nothing
    "sft": ("grpo", {}),
    "sft-grpo": ("grpo", {}),
    "sft-ghpo": ("ghpo", {}),  # the same SFT, then paper GHPO: the question "and SFT, then GHPO?"
    # answer-only data (the pool's worked solutions withheld): hints from the model's own bare successes, or from
    # the solutions the base itself writes by rejection sampling before RL (`SOLVE_ARMS`, `teacher.solve_pool`)
    "ghpo-self": ("ghpo", {"hint_source": "self"}),
    "ghpo-solved": ("ghpo", {"solution_column": "teacher_solution"}),
    # GRPO trained until it has generated as many tokens as GHPO's run of the same seed (`TOKEN_MATCHED`)
    "grpo-matched": ("grpo", {}),
}
SFT_ARMS = {"sft": False, "sft-grpo": True, "sft-ghpo": True}  # arm -> whether RL follows the SFT
SOLVE_ARMS = ("ghpo-solved",)  # the base writes the pool's solutions first (its tokens count as generated)
TOKEN_MATCHED = "grpo-matched"
LABELS = {"grpo": "GRPO", "ghpo": "GHPO (paper)", "dapo": "DAPO resampling", "ghpo-dapo": "GHPO + resampling",
          "ghpo-response": "GHPO, hint in response", "ghpo-imitation": "GHPO + imitation (λ = 1)",
          "grpo-cl": "GRPO-CL (curriculum)", "grpo-cl-h": "GRPO-CL-H (curriculum + 50 % hint)",
          "sft": "SFT on the pool's solutions", "sft-grpo": "SFT, then GRPO", "sft-ghpo": "SFT, then GHPO",
          "ghpo-self": "GHPO, self-hints (no solutions)", "ghpo-solved": "GHPO on the base's own solutions",
          "grpo-matched": "GRPO, GHPO's tokens"}


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
        tokens = [run_tokens(run[arm]["log"]) + run[arm].get("teacher_tokens", 0) for run in runs]
        gain_per_million = [(a - base) / max(t / 1e6, 1e-9) for a, t in zip(accuracy, tokens, strict=True)]
        rows.append({
            "sft_million_tokens": sum(run[arm].get("sft_tokens", 0) for run in runs) / len(runs) / 1e6,
            "minutes": sum(run[arm].get("seconds", 0) for run in runs) / len(runs) / 60,
            "arm": arm, "pool": mean_interval(accuracy),
            "minus_grpo": mean_interval(paired_differences([pool(r["grpo"]) for r in runs], accuracy)),
            "minus_ghpo": mean_interval(paired_differences([pool(r["ghpo"]) for r in runs], accuracy)),
            "million_tokens": sum(tokens) / len(tokens) / 1e6, "gain_per_million": mean_interval(gain_per_million),
        })
    unit = f"mean ± 95 % interval over {seeds} seeds" if seeds > 1 else "1 seed, no interval"
    lines = [f"| arm | RL pool, no hint (%) | − GRPO (points) | − GHPO (points) | generated tokens (M) | "
             f"points over the base per M tokens | SFT tokens (M) | minutes |  ({unit}; base {100 * base:.1f} %)",
             "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        pool_text = f"{100 * row['pool'][0]:.1f}" + (f" ± {100 * row['pool'][1]:.1f}" if seeds > 1 else "")
        gain = row["gain_per_million"]
        gain_text = "—" if row["million_tokens"] == 0 else (  # SFT alone generates nothing
            f"{100 * gain[0]:.1f}" + (f" ± {100 * gain[1]:.1f}" if seeds > 1 else ""))
        lines.append(f"| {LABELS[row['arm']]} | {pool_text} | {show(row['minus_grpo'])} | {show(row['minus_ghpo'])} | "
                     f"{row['million_tokens']:.2f} | {gain_text} | {row['sft_million_tokens']:.2f} | "
                     f"{row['minutes']:.1f} |")
    return "\n".join(lines), rows


# arms whose prompts never carry a hint and that never see a solution: GRPO-type, no fixed hint, no SFT
HINT_FREE = tuple(arm for arm, (rl_type, options) in ARMS.items()
                  if rl_type == "grpo" and "fixed_hint_ratio" not in options and arm not in SFT_ARMS)


def ahead_verdict(diff: float, half: float, seeds: int, name: str) -> str:
    """Who leads on GHPO − `name` (fractions, paired by seed), by the 95 % interval; one seed: by the sign.

    >>> ahead_verdict(0.05, 0.02, 3, "DAPO"), ahead_verdict(-0.05, 0.0, 1, "DAPO"), ahead_verdict(0.01, 0.02, 3, "X")
    ('GHPO is ahead', 'DAPO is ahead of GHPO (1 seed: no interval)', 'a tie: the interval includes 0')
    """
    one_seed = "" if seeds > 1 else " (1 seed: no interval)"
    if seeds > 1 and diff - half > 0 or seeds == 1 and diff > 0:
        return "GHPO is ahead" + one_seed
    if seeds > 1 and diff + half < 0 or seeds == 1 and diff < 0:
        return f"{name} is ahead of GHPO" + one_seed
    return "a tie: the interval includes 0" if seeds > 1 else "equal (1 seed)"


def strongest_baseline_sentence(rows: list[dict], logs: dict[str, list[list[dict]]], bare_rate: float,
                                seeds: int) -> str:
    """The report's verdict against the strongest hint-free arm (by pool accuracy), from the numbers.

    `rows` are `arms_table`'s; `logs[arm]` each seed's per-step log; `bare_rate` the base's sampled no-hint pass
    rate on the pool. '' when no hint-free arm other than GRPO ran.

    >>> rows = [{"arm": "grpo", "pool": (0.01, 0.0), "minus_ghpo": (-0.27, 0.0)},
    ...         {"arm": "ghpo", "pool": (0.28, 0.0), "minus_ghpo": (0.0, 0.0)},
    ...         {"arm": "dapo", "pool": (0.33, 0.0), "minus_ghpo": (0.05, 0.0)}]
    >>> text = strongest_baseline_sentence(rows, {"dapo": [[{"ghpo/resample_refilled_frac": 0.25}]]}, 0.005, 1)
    >>> "GHPO − DAPO resampling -5.0 points, DAPO resampling is ahead of GHPO (1 seed: no interval)" in text
    True
    >>> "solves 0.5 % of the pool's problems per sample, and DAPO resampling refilled 25 % of its groups" in text
    True
    """
    by_arm = {row["arm"]: row for row in rows}
    candidates = [arm for arm in HINT_FREE if arm in by_arm and arm != "grpo"]
    if not candidates or "ghpo" not in by_arm:
        return ""
    best = max(candidates, key=lambda arm: by_arm[arm]["pool"][0])
    mean, half = by_arm[best]["minus_ghpo"]  # best - GHPO, paired by seed
    diff = -mean
    verdict = ahead_verdict(diff, half, seeds, LABELS[best])
    interval = f" ± {100 * half:.1f}" if seeds > 1 else ""
    text = (f"**Against the strongest hint-free baseline.** {LABELS[best]} reached {100 * by_arm[best]['pool'][0]:.1f}"
            f" % on the RL pool without hints, GHPO {100 * by_arm['ghpo']['pool'][0]:.1f} %: GHPO − "
            f"{LABELS[best]} {100 * diff:+.1f}{interval} points, {verdict}. The base solves "
            f"{100 * bare_rate:.1f} % of the pool's problems per sample")
    refilled = [entry.get("ghpo/resample_refilled_frac", 0.0) for seed in logs.get(best, []) for entry in seed]
    if refilled and ARMS[best][1].get("zero_variance_resampling"):  # other arms log the metric as 0
        text += (f", and {LABELS[best]} refilled {100 * sum(refilled) / len(refilled):.0f} % of its groups per step "
                 "with fresh problems whose samples differed")
        if not verdict.startswith("GHPO is ahead"):
            text += ": rare bare successes were signal enough for a resampler, without a hint"
    return text + "."


def strongest_arm_sentence(rows: list[dict], seeds: int) -> str:
    """The report's note on the best arm of all when it is not GHPO (SFT on the solutions, a curriculum with hints,
    ...): '' when GHPO leads or only hint-free arms beat it (`strongest_baseline_sentence` covers those).

    >>> rows = [{"arm": "ghpo", "pool": (0.38, 0.1), "minus_ghpo": (0.0, 0.0)},
    ...         {"arm": "sft-grpo", "pool": (0.45, 0.1), "minus_ghpo": (0.07, 0.03)}]
    >>> strongest_arm_sentence(rows, 3)
    '**The strongest arm.** SFT, then GRPO reached 45.0 % on the RL pool without hints: GHPO − SFT, then GRPO -7.0 ± 3.0 points (SFT, then GRPO is ahead of GHPO).'
    >>> strongest_arm_sentence(rows[:1], 3)
    ''
    """
    others = [row for row in rows if row["arm"] not in (*HINT_FREE, "ghpo")]
    ghpo = next((row for row in rows if row["arm"] == "ghpo"), None)
    if not others or ghpo is None:
        return ""
    best = max(others, key=lambda row: row["pool"][0])
    if best["pool"][0] <= ghpo["pool"][0]:
        return ""
    diff, half = -best["minus_ghpo"][0], best["minus_ghpo"][1]
    name = LABELS[best["arm"]]
    verdict, interval = ahead_verdict(diff, half, seeds, name), f" ± {100 * half:.1f}" if seeds > 1 else ""
    return (f"**The strongest arm.** {name} reached {100 * best['pool'][0]:.1f} % on the RL pool without hints: "
            f"GHPO − {name} {100 * diff:+.1f}{interval} points ({verdict}).")

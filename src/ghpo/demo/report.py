"""The demo's outputs: the summary table, the PNG plots, metrics.json and report.md. Data in, files out."""

from __future__ import annotations

import json
from pathlib import Path

from . import guidance_map, plots
from .arms import arms_table, parse_arms, strongest_arm_sentence, strongest_baseline_sentence
from .findings import ALIVE_WITH_HINT, findings_markdown
from .stats import aggregate_over_seeds, mean_interval, paired_differences


def fmt(mean: float, half: float | None = None) -> str:
    """'62.0' (no interval) or '62.0 ± 4.1' (percent); a zero half-width from several seeds is shown as ± 0.0.

    >>> fmt(0.62), fmt(0.62, 0.041), fmt(1.0, 0.0)
    ('62.0', '62.0 ± 4.1', '100.0 ± 0.0')
    """
    return f"{100 * mean:.1f}" if half is None else f"{100 * mean:.1f} ± {100 * half:.1f}"


def fmt_seeds(pair: tuple[float, float], seeds: int) -> str:
    """A (mean, half-width) pair over seeds: with its interval from 2 seeds on, the mean alone for one.

    >>> fmt_seeds((0.5, 0.1), 3), fmt_seeds((0.5, 0.0), 1)
    ('50.0 ± 10.0', '50.0')
    """
    return fmt(*pair) if seeds > 1 else fmt(pair[0])


def level_summary(base: dict[int, float], grpo: list[dict], ghpo: list[dict], hard: list[int]) -> list[dict]:
    """One row per level (and one for the mean over hard levels): base, GRPO, GHPO and GHPO − GRPO, over seeds."""
    levels = sorted(base)
    with_mean = lambda runs: [{**r, "hard": sum(r[lv] for lv in hard) / len(hard)} for r in runs]  # noqa: E731
    grpo_all, ghpo_all = with_mean(grpo), with_mean(ghpo)
    base_all = {**base, "hard": sum(base[lv] for lv in hard) / len(hard)}
    grpo_stats, ghpo_stats = aggregate_over_seeds(grpo_all), aggregate_over_seeds(ghpo_all)
    rows = []
    for key in [*levels, "hard"]:
        diff = paired_differences([r[key] for r in grpo_all], [r[key] for r in ghpo_all])
        rows.append({"level": key, "is_hard": key in hard or key == "hard", "base": base_all[key],
                     "grpo": grpo_stats[key], "ghpo": ghpo_stats[key], "ghpo_minus_grpo": mean_interval(diff)})
    return rows


def summary_table(rows: list[dict], seeds: int) -> str:
    """The per-level table as markdown (also printed)."""
    unit = f"mean ± 95 % interval over {seeds} seeds" if seeds > 1 else "1 seed, no interval"
    lines = [f"| level | base | GRPO | GHPO | GHPO − GRPO |  ({unit}, accuracy in %, no hints)",
             "|---|---|---|---|---|"]
    interval = (lambda pair: fmt(*pair)) if seeds > 1 else (lambda pair: fmt(pair[0]))  # noqa: E731
    for row in rows:
        name = "hard mean" if row["level"] == "hard" else f"{row['level']}{' (RL pool)' if row['is_hard'] else ''}"
        diff_mean, diff_half = row["ghpo_minus_grpo"]
        diff = f"{100 * diff_mean:+.1f}" + (f" ± {100 * diff_half:.1f}" if seeds > 1 else "")
        lines.append(f"| {name} | {fmt(row['base'])} | {interval(row['grpo'])} | {interval(row['ghpo'])} | {diff} |")
    return "\n".join(lines)


def hint_table_markdown(table: dict[float, dict[int, float]], hard: list[int]) -> str:
    """Base accuracy per level (columns) without and with each hint ratio (rows)."""
    levels = sorted(table[0.0])
    lines = ["| hint | " + " | ".join(f"L{lv}{'*' if lv in hard else ''}" for lv in levels) + " |",
             "|---|" + "---|" * len(levels)]
    for ratio, accuracy in table.items():
        label = "none" if ratio == 0 else f"{ratio:.0%}"
        cells = [fmt(accuracy[lv]) if lv in accuracy else "–" for lv in levels]  # –: hint empty or complete
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_metrics(path: Path, metrics: dict) -> None:
    path.write_text(json.dumps(metrics, indent=2, default=str))


def mean_of(logs: list[list[dict]], key: str, first: int | None = None) -> float:
    """Mean of `key` over the steps of every run in `logs` (the first `first` steps only, if given)."""
    values = [entry[key] for log in logs for entry in log[:first] if key in entry]
    return sum(values) / len(values) if values else float("nan")


def verdict(diff_mean: float, diff_half: float, seeds: int) -> str:
    """One sentence on GHPO − GRPO (hard-level mean, points): resolved or not by the 95 % interval.

    >>> verdict(0.08, 0.05, 3)
    'GHPO is ahead of GRPO on the RL-pool levels by +8.0 points (95 % interval +3.0 to +13.0 over 3 seeds).'
    >>> verdict(0.02, 0.05, 3)[:60]
    'GHPO and GRPO are not distinguishable on the RL-pool levels:'
    """
    points = f"{100 * diff_mean:+.1f} points"
    if seeds < 2:
        return f"GHPO − GRPO on the RL-pool levels: {points} from one seed, no interval (run --seeds 3 for one)."
    low, high = 100 * (diff_mean - diff_half), 100 * (diff_mean + diff_half)
    interval = f"95 % interval {low:+.1f} to {high:+.1f} over {seeds} seeds"
    if diff_mean - diff_half > 0:
        return f"GHPO is ahead of GRPO on the RL-pool levels by {points} ({interval})."
    if diff_mean + diff_half < 0:
        return f"GRPO is ahead of GHPO on the RL-pool levels by {-100 * diff_mean:.1f} points ({interval})."
    return f"GHPO and GRPO are not distinguishable on the RL-pool levels: {points} ({interval}, which includes 0)."


def within_reach(rungs: dict[float, float]) -> str:
    """What the ladder's rungs do for the pool (% right per hint ratio), e.g. {0.25: 0, 0.5: 2, 0.75: 41} ->
    'with 25 % / 50 % / 75 % of the solution as a hint it solves 0 / 2 / 41 % of them: out of reach alone, within
    reach from the 75 % rung.'"""
    ratios = sorted(rungs)
    shown = (f"with {' / '.join(f'{100 * r:.0f} %' for r in ratios)} of the solution as a hint it solves "
             f"{' / '.join(f'{rungs[r]:.0f}' for r in ratios)} % of them")
    alive = 100 * ALIVE_WITH_HINT
    reached = [r for r in ratios if rungs[r] >= alive]
    if not reached:
        return f"{shown}: no rung reaches {alive:.0f} %, so hints alone will not bring them within reach."
    return f"{shown}: out of reach alone, within reach from the {100 * reached[0]:.0f} % rung."


def percent_over_levels(table: dict[int, float], levels: list[int]) -> float:
    """Mean accuracy in % over the `levels` the table has: a hinted table lacks the levels whose hint is empty or
    the whole solution (level 1 at 25 %).

    >>> percent_over_levels({2: 0.25, 3: 0.75}, [1, 2, 3])
    50.0
    """
    present = [lv for lv in levels if lv in table]
    return 100 * sum(table[lv] for lv in present) / max(1, len(present))


def interpretation(rows: list[dict], base_table: dict, runs: list[dict], settings, base_extra: dict,
                   arm_rows: list[dict] | None = None) -> str:
    """The report's 'what the numbers mean' paragraph, written from the numbers (nothing hard-coded)."""
    easy, hard = settings.levels("easy_levels"), settings.levels("hard_levels")
    no_hint = base_table[0.0]
    grpo_logs, ghpo_logs = [r["grpo"]["log"] for r in runs], [r["ghpo"]["log"] for r in runs]
    hard_row = next(row for row in rows if row["level"] == "hard")
    avg = percent_over_levels
    reward, prehint = 100 * mean_of(ghpo_logs, "reward"), 100 * mean_of(ghpo_logs, "ghpo/prehint_accuracy")
    rungs = {ratio: avg(base_table[ratio], hard) for ratio in settings.ratios if ratio in base_table}
    text = [
        f"**The mismatch.** Before RL the base model solves {avg(no_hint, easy):.0f} % of the easy levels but "
        f"{avg(no_hint, hard):.0f} % of the RL-pool levels {settings.hard_levels} without hints; "
        + within_reach(rungs),
        f"**What GRPO saw.** {100 * mean_of(grpo_logs, 'ghpo/hard_frac'):.0f} % of GRPO's groups were all-fail "
        f"(zero advantage, no gradient) over training ({100 * mean_of(grpo_logs, 'ghpo/hard_frac', 10):.0f} % in "
        "the first 10 steps).",
        f"**What GHPO did with them.** GHPO hinted {100 * mean_of(ghpo_logs, 'ghpo/hinted_frac'):.0f} % of its "
        f"groups (mean ratio {mean_of(ghpo_logs, 'ghpo/mean_hint_ratio'):.2f}); "
        f"{100 * mean_of(ghpo_logs, 'ghpo/unsolved_after_ladder_frac'):.0f} % of groups stayed all-fail even at "
        f"the top rung. Its training reward (with hints) averaged {reward:.0f} % while its accuracy before hints "
        f"averaged {prehint:.0f} %: the reward curve overstates what the model can do alone; the pre-hint curve "
        "and the held-out table are the honest measures.",
        f"**Result.** {verdict(*hard_row['ghpo_minus_grpo'], settings.seeds)} On the RL-pool levels the base "
        f"model scores {100 * hard_row['base']:.1f} %, GRPO {fmt_seeds(hard_row['grpo'], settings.seeds)} % and "
        f"GHPO {fmt_seeds(hard_row['ghpo'], settings.seeds)} %.",
    ]
    if arm_rows:
        sampled = base_extra.get("sampled", {}).get(0.0, no_hint)  # sampled when measured, else greedy
        logs = {row["arm"]: [r[row["arm"]]["log"] for r in runs] for row in arm_rows}
        text.append(strongest_baseline_sentence(arm_rows, logs, avg(sampled, hard) / 100, settings.seeds))
        text.append(strongest_arm_sentence(arm_rows, settings.seeds))
    if base_extra:  # the misconception world
        hard_diff = hard_row["ghpo_minus_grpo"]
        won = settings.seeds > 1 and hard_diff[0] - hard_diff[1] > 0 or settings.seeds == 1 and hard_diff[0] > 0
        text.append(findings_markdown(runs, base_extra, settings, won))
    else:
        text += [transfer_sentence(base_table, runs, settings), retention_sentence(rows, settings)]
    return "\n\n".join(part for part in text if part)


def transfer_sentence(base_table: dict, runs: list[dict], settings) -> str:
    """Did what was learned with a hint carry over to the bare question? Compares the first-rung hint accuracy
    on the RL pool (base / GRPO / GHPO) with the no-hint accuracy."""
    hard, ratio = settings.levels("hard_levels"), settings.ratios[0]
    mean = lambda table: percent_over_levels(table, hard)  # noqa: E731

    base_hinted, base_bare = mean(base_table[ratio]), mean(base_table[0.0])
    grpo_hinted = sum(mean(r["grpo"]["accuracy_first_rung"]) for r in runs) / len(runs)
    ghpo_hinted = sum(mean(r["ghpo"]["accuracy_first_rung"]) for r in runs) / len(runs)
    ghpo_bare = sum(mean(r["ghpo"]["accuracy"]) for r in runs) / len(runs)
    return (f"**Did the hinted skill transfer?** With a {ratio:.0%} hint (the ladder's first rung, which leaves the "
            f"model more steps than it was warmed up on) the RL-pool accuracy went from {base_hinted:.0f} % (base) to "
            f"{grpo_hinted:.0f} % after GRPO and {ghpo_hinted:.0f} % after GHPO; without hints GHPO went from "
            f"{base_bare:.0f} % to {ghpo_bare:.0f} %. Where the hinted accuracy rises and the bare one does not, the "
            "runs learned to finish hinted problems but that skill did not carry over to the bare question in this "
            "budget (and where GRPO's hinted accuracy rises too, that gain is not specific to GHPO's hints).")


def retention_sentence(rows: list[dict], settings) -> str:
    """What RL on the hard levels did to the levels below them (never trained on in RL)."""
    below = [row for row in rows if row["level"] != "hard" and row["level"] < min(settings.levels("hard_levels"))]
    show = (lambda pair: fmt(*pair)) if settings.seeds > 1 else (lambda pair: fmt(pair[0]))  # noqa: E731
    parts = [f"L{row['level']} {fmt(row['base'])} → GRPO {show(row['grpo'])} / GHPO {show(row['ghpo'])}"
             for row in below]
    return ("**Side effects below the RL pool** (levels RL never trained on; base → after RL, %): " + "; ".join(parts)
            + ". GRPO's few rewarded samples on the pool can be right answers reached by a wrong, too-short chain (in "
            "the first demo's calibration all 77 of 77 were, docs/demo-earlier-worlds.md), so reinforcing them can "
            "damage what the warm-up taught; "
            "GHPO's batches are mostly hinted groups whose rewarded completions are step-by-step work.")


def settings_markdown(settings) -> str:
    lines = ["| setting | value |", "|---|---|"]
    for key, value in settings.to_dict().items():
        if key in ("output_dir", "cache_dir", "hint_lead_in"):
            continue
        lines.append(f"| {key} | {value} |")
    return "\n".join(lines)


def base_markdown(base_table: dict, base_extra: dict, hard: list[int]) -> str:
    """The base model's tables: greedy; in the misconception world also sampled, the student's, and its steps."""
    text = f"Greedy:\n\n{hint_table_markdown(base_table, hard)}"
    if not base_extra:
        return text
    steps = base_extra["steps"]
    return (f"{text}\n\nSampled (temperature 1, one sample per problem, as RL samples):\n\n"
            f"{hint_table_markdown(base_extra['sampled'], hard)}\n\nThe warm-up's own student on the same prompts "
            f"(what a base that learnt its world exactly scores sampled):\n\n"
            f"{hint_table_markdown(base_extra['student'], hard)}\n\nSampled steps of the base's bare completions "
            f"(all levels): carries {fmt(steps['flaky'])} % right ({steps['flaky_steps']} carries), other steps "
            f"{fmt(steps['other'])} % ({steps['other_steps']}).")


def reading_note(warmup: dict) -> str:
    """The hint-reading phase's share of the warm-up, if it ran (--warmup_reading_examples)."""
    if not warmup.get("reading_examples"):
        return ""
    return f"(the last {warmup['reading_examples']} of them mostly hinted continuations: hint reading) "


def warmup_line(warmup: dict) -> str:
    """What the run did about the warm-up, for the report's header.

    >>> warmup_line({"seconds": 2696.6, "source": "shipped", "cached": True})
    'warm-up skipped: the base shipped with ghpo (44.9 min of training when it was built)'
    >>> warmup_line({"seconds": 90.0, "cached": False})
    'warm-up 1.5 min (ran in this run)'
    """
    minutes = f"{warmup['seconds'] / 60:.1f} min"
    if warmup.get("source") == "shipped":
        return f"warm-up skipped: the base shipped with ghpo ({minutes} of training when it was built)"
    return f"warm-up {minutes} ({'cached, skipped' if warmup.get('cached') else 'ran in this run'})"


def report_markdown(settings, warmup: dict, base_table: dict, table: str, text: str, seconds: float,
                    runs: list[dict], base_extra: dict) -> str:
    hard = settings.levels("hard_levels")
    grpo_min = sum(r["grpo"]["seconds"] for r in runs) / 60
    ghpo_min = sum(r["ghpo"]["seconds"] for r in runs) / 60
    return f"""# GHPO vs GRPO on a toy world (`ghpo demo`)

Command: `ghpo demo {' '.join(settings.argv)}` — total {seconds / 60:.1f} min;
{warmup_line(warmup)};
RL: GRPO {grpo_min:.1f} min, GHPO {ghpo_min:.1f} min over {settings.seeds} seed(s).

## Result (held-out accuracy without hints, {settings.eval_per_level} problems per level)

{table}

![accuracy per level](accuracy_per_level.png)

## What the numbers mean

{text}

## Before RL: the base model with and without hints (% correct; * = RL pool)

{base_markdown(base_table, base_extra, hard)}

![hints](base_hints.png)

## Learning without hints (held-out, during RL)

{"![no-hint curves](no_hint_curves.png)" if runs[0]["grpo"]["curve"] else "(curves off: --curve_every 0)"}

## Training curves (the runs' own batches; GHPO's reward is measured with hints)

![training](training_curves.png)

## Settings

Base model: Qwen2, {warmup['parameters'] / 1e3:.0f} k parameters, warm-up on {warmup['examples']} examples
{reading_note(warmup)}(final SFT loss {warmup['final_loss']}).

{settings_markdown(settings)}
"""


def write_all(settings, output: Path, warmup: dict, base_table: dict, runs: list[dict], seconds: float,
              base_extra: dict | None = None) -> dict:
    """Write plots, report.md and metrics.json; returns the metrics (with the printed table)."""
    base_extra = base_extra or {}
    hard = settings.levels("hard_levels")
    grpo = [r["grpo"]["accuracy"] for r in runs]
    ghpo = [r["ghpo"]["accuracy"] for r in runs]
    rows = level_summary(base_table[0.0], grpo, ghpo, hard)
    table = summary_table(rows, settings.seeds)
    names = ["accuracy_per_level.png", "base_hints.png", "training_curves.png"]
    plots.plot_levels(rows, output / names[0], settings.seeds)
    plots.plot_hints(base_table, output / names[1])
    plots.plot_curves({arm: [r[arm]["log"] for r in runs] for arm in ("grpo", "ghpo")}, output / names[2])
    if runs[0]["grpo"]["curve"]:
        names.append("no_hint_curves.png")
        plots.plot_no_hint_curves({arm: [r[arm]["curve"] for r in runs] for arm in parse_arms(settings.arms)
                                   if all(r[arm]["curve"] for r in runs)}, hard,  # SFT alone has no RL curve
                                  output / names[-1], settings.reach_accuracy)
    arms = parse_arms(settings.arms)
    base_pool = sum(base_table[0.0][lv] for lv in hard) / len(hard)
    arms_md, arm_rows = arms_table([{**r, "base_pool": base_pool} for r in runs], arms, hard, settings.seeds)
    text = interpretation(rows, base_table, runs, settings, base_extra, arm_rows)
    table = f"{table}\n\nEvery arm on the RL pool:\n\n{arms_md}"
    metrics = {
        "settings": settings.to_dict(), "seconds": round(seconds, 1), "warmup": warmup,
        "base_hint_table": {str(ratio): acc for ratio, acc in base_table.items()},
        "base_extra": {key: ({str(k): v for k, v in value.items()} if key in ("sampled", "student") else value)
                       for key, value in base_extra.items()},
        "per_level": rows, "arms": arm_rows, "runs": runs, "table": table, "plots": names,
    }
    markdown = report_markdown(settings, warmup, base_table, table, text, seconds, runs, base_extra)
    if len(arms) > 2 and base_extra:  # this pool's point of the guidance map (several pools: ghpo.demo.guidance_map)
        names.append("guidance_map.png")
        guidance_map.plot_guidance_map([guidance_map.map_points(metrics, arms[1:])], arms[1:], output / names[-1])
        markdown += "\n\n## When are hints worth it? (this pool's point)\n\n![guidance map](guidance_map.png)\n"
    (output / "report.md").write_text(markdown)
    write_metrics(output / "metrics.json", metrics)
    return metrics

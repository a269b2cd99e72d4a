"""The demo's PNG plots. Data in, files out."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt  # noqa: E402

from .curves import pool_mean  # noqa: E402
from .stats import moving_average  # noqa: E402

# Training curves: (log key, y-axis label, runs that have it).
CURVES = [
    ("reward", "mean reward of the batch\n(GHPO: after hints)", ("grpo", "ghpo")),
    ("ghpo/prehint_accuracy", "accuracy before hints\n(the honest curve)", ("grpo", "ghpo")),
    ("ghpo/hard_frac", "fraction of all-fail groups\n(before hints)", ("grpo", "ghpo")),
    ("ghpo/hinted_frac", "fraction of groups hinted", ("ghpo",)),
    ("ghpo/mean_hint_ratio", "mean hint ratio of hinted groups", ("ghpo",)),
]
SMOOTHING = 10  # steps in the moving average of the thick curves
COLOURS = {"base": "tab:gray", "grpo": "tab:blue", "ghpo": "tab:orange", "dapo": "tab:green",
           "ghpo-dapo": "tab:red", "ghpo-response": "tab:purple", "ghpo-imitation": "tab:brown",
           "grpo-cl": "tab:cyan", "grpo-cl-h": "tab:olive", "sft": "tab:pink", "sft-grpo": "black",
           "sft-ghpo": "darkgoldenrod", "ghpo-self": "magenta", "ghpo-solved": "teal", "grpo-matched": "tab:gray"}
NAMES = {"base": "base (warm-up)", "grpo": "GRPO", "ghpo": "GHPO", "dapo": "DAPO resampling",
         "ghpo-dapo": "GHPO + resampling", "ghpo-response": "GHPO, hint in response",
         "ghpo-imitation": "GHPO + imitation", "grpo-cl": "GRPO-CL", "grpo-cl-h": "GRPO-CL-H (50 %)",
         "sft": "SFT", "sft-grpo": "SFT, then GRPO", "sft-ghpo": "SFT, then GHPO",
         "ghpo-self": "GHPO, self-hints", "ghpo-solved": "GHPO, base-solved", "grpo-matched": "GRPO, GHPO's tokens"}


def plot_levels(rows: list[dict], path: Path, seeds: int) -> None:
    """Grouped bars: accuracy per level for base, GRPO, GHPO, with 95 % intervals over seeds."""
    levels = [row for row in rows if row["level"] != "hard"]
    figure, axes = plt.subplots(figsize=(8, 4.5))
    width = 0.27
    for offset, run in zip((-width, 0, width), ("base", "grpo", "ghpo")):
        means = [row[run] if run == "base" else row[run][0] for row in levels]
        errors = [0 if run == "base" else row[run][1] for row in levels]
        xs = [i + offset for i in range(len(levels))]
        axes.bar(xs, [100 * m for m in means], width, yerr=[100 * e for e in errors] if seeds > 1 else None,
                 capsize=3, color=COLOURS[run], label=NAMES[run])
    axes.set_xticks(range(len(levels)), [f"L{r['level']}{chr(10) + 'RL pool' if r['is_hard'] else ''}"
                                          for r in levels])
    axes.set_xlabel("level (number of arithmetic steps)")
    axes.set_ylabel("accuracy without hints (%)")
    axes.set_ylim(0, 105)
    title = f"Held-out accuracy per level ({seeds} seed{'s' if seeds > 1 else ''}"
    axes.set_title(title + (", bars: 95 % interval)" if seeds > 1 else ")"))
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def plot_hints(table: dict[float, dict[int, float]], path: Path) -> None:
    """Base model: accuracy per level without and with each hint ratio."""
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for ratio, accuracy in table.items():
        levels = sorted(accuracy)
        label = "no hint" if ratio == 0 else f"{ratio:.0%} of the solution as hint"
        axes.plot(levels, [100 * accuracy[lv] for lv in levels], marker="o", label=label)
    axes.set_xlabel("level (number of arithmetic steps)")
    axes.set_ylabel("base model accuracy (%)")
    axes.set_ylim(-3, 103)
    axes.set_title("Before RL: hints make the hard levels reachable")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def plot_curves(logs: dict[str, list[list[dict]]], path: Path) -> None:
    """Training curves, one panel per metric: each seed thin, the mean over seeds smoothed and thick."""
    figure, panels = plt.subplots(len(CURVES), 1, figsize=(8, 2.4 * len(CURVES)), sharex=True)
    for panel, (key, label, runs) in zip(panels, CURVES):
        for run in runs:
            series = [[entry.get(key, float("nan")) for entry in log] for log in logs[run]]
            for values in series:
                panel.plot(range(1, len(values) + 1), values, color=COLOURS[run], alpha=0.25, linewidth=0.8)
            steps = min(len(values) for values in series)
            mean = [sum(values[i] for values in series) / len(series) for i in range(steps)]
            smooth = moving_average(mean, SMOOTHING)
            panel.plot(range(1, steps + 1), smooth, color=COLOURS[run], linewidth=2, label=NAMES[run])
        panel.set_ylabel(label, fontsize=8)
        panel.legend(fontsize=8, loc="best")
        panel.grid(alpha=0.3)
    panels[-1].set_xlabel("RL step")
    panels[0].set_title(f"RL on the hard levels\nthin: each seed; thick: mean over seeds, {SMOOTHING}-step moving "
                        "average", fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)




# No-hint curves: (point key, y-axis label); "flaky" and "other" are step accuracies, the rest pool accuracies.
NO_HINT_PANELS = [
    ("greedy", "held-out RL-pool accuracy,\nno hint, greedy (%)"),
    ("sampled", "held-out RL-pool accuracy,\nno hint, sampled (%)"),
    ("flaky", "carry steps right,\nsampled (%)"),
]


def plot_no_hint_curves(curves: dict[str, list[list[dict]]], levels: list[int], path: Path, threshold: float) -> None:
    """The learning curves on the fixed held-out set, one panel per measure: each seed thin, the mean thick."""
    figure, panels = plt.subplots(len(NO_HINT_PANELS), 1, figsize=(8, 2.6 * len(NO_HINT_PANELS)), sharex=True)
    for panel, (key, label) in zip(panels, NO_HINT_PANELS):
        for run, seeds in curves.items():
            series = []
            for points in seeds:
                steps = [point["step"] for point in points]
                values = [100 * (point[key] if key in ("flaky", "other") else pool_mean(point[key], levels))
                          for point in points]
                panel.plot(steps, values, color=COLOURS[run], alpha=0.3, linewidth=0.8)
                series.append((steps, values))
            length = min(len(values) for _, values in series)
            mean = [sum(values[i] for _, values in series) / len(series) for i in range(length)]
            panel.plot(series[0][0][:length], mean, color=COLOURS[run], linewidth=2.2, marker="o", markersize=3,
                       label=NAMES[run])
        if key == "greedy":
            panel.axhline(100 * threshold, color="gray", linestyle=":", linewidth=1, label=f"{threshold:.0%}")
        panel.set_ylabel(label, fontsize=8)
        panel.set_ylim(-3, 103)
        panel.legend(fontsize=8, loc="best")
        panel.grid(alpha=0.3)
    panels[-1].set_xlabel("RL step")
    panels[0].set_title("Learning without hints: a fixed held-out set of RL-pool problems, asked bare during RL\n"
                        "thin: each seed; thick: mean over seeds", fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)

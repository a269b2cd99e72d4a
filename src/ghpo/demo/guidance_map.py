"""The guidance map: when are hints worth paying for? One point per demo pool: x = the base model's sampled bare
pass rate on that pool (before RL), y = each arm's pool accuracy minus GRPO's (paired by seed, 95 % interval).

    python -m ghpo.demo.guidance_map runs/default-pool runs/mixed-pool ... --output docs/images/guidance-map.png

reads each folder's `metrics.json` (written by `ghpo demo`) and draws GHPO, DAPO and GRPO-CL (and any other arm
named with --arms) against the pool's bare pass rate. Pure reading in `map_points`; the plot is matplotlib's.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .plots import COLOURS, NAMES, plt


def pool_bare_rate(metrics: dict) -> float:
    """The base's sampled (temperature 1) no-hint accuracy, averaged over the RL pool's levels."""
    from .settings import DemoSettings

    hard = DemoSettings(**metrics["settings"]).levels("hard_levels")
    bare = metrics["base_extra"]["sampled"]["0.0"]
    return sum(bare[str(level)] if str(level) in bare else bare[level] for level in hard) / len(hard)  # file / memory


def map_points(metrics: dict, arms: list[str]) -> dict:
    """{"x": bare pass rate, "seeds": N, arm: (mean, half-width) of accuracy − GRPO} for the arms this run has."""
    rows = {row["arm"]: row for row in metrics["arms"]}
    point = {"x": pool_bare_rate(metrics), "seeds": metrics["settings"]["seeds"],
             "pools": metrics["settings"]["hard_levels"]}
    point.update({arm: tuple(rows[arm]["minus_grpo"]) for arm in arms if arm in rows})
    return point


def plot_guidance_map(points: list[dict], arms: list[str], path: Path) -> None:
    figure, axis = plt.subplots(figsize=(7, 4.2))
    offsets = {arm: (k - (len(arms) - 1) / 2) * 0.0015 for k, arm in enumerate(arms)}  # side by side at one x
    for arm in arms:
        shown = [p for p in points if arm in p]
        if not shown:
            continue
        axis.errorbar([100 * (p["x"] + offsets[arm]) for p in shown], [100 * p[arm][0] for p in shown],
                      yerr=[100 * p[arm][1] for p in shown], fmt="o", capsize=4, color=COLOURS.get(arm, "black"),
                      label=NAMES.get(arm, arm))
    for p in points:
        axis.annotate(f"levels {p['pools']} ({p['seeds']} seed{'s' if p['seeds'] > 1 else ''})",
                      (100 * p["x"], axis.get_ylim()[1]), fontsize=7, ha="center", va="top", color="gray")
    axis.axhline(0, color="gray", linewidth=1, linestyle=":")
    axis.set_xlabel("base model's sampled bare pass rate on the RL pool (%)")
    axis.set_ylabel("pool accuracy − GRPO (points)")
    axis.set_title("When are hints worth it? Gain over GRPO by how often the base solves the pool alone", fontsize=10)
    axis.legend(fontsize=8)
    axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ghpo.demo.guidance_map", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="+", help="ghpo demo output folders (each with a metrics.json)")
    parser.add_argument("--arms", default="ghpo,dapo,grpo-cl", help="arms to draw (comma-separated)")
    parser.add_argument("--output", default="guidance-map.png", help="the PNG to write")
    args = parser.parse_args(argv)
    arms = [arm.strip() for arm in args.arms.split(",") if arm.strip()]
    points = [map_points(json.loads((Path(run) / "metrics.json").read_text()), arms) for run in args.runs]
    for run, point in zip(args.runs, points, strict=True):
        shown = ", ".join(f"{arm} {100 * point[arm][0]:+.1f} ± {100 * point[arm][1]:.1f}" for arm in arms if arm in point)
        print(f"{run}: bare pass rate {100 * point['x']:.1f} %; − GRPO: {shown}")
    plot_guidance_map(points, arms, Path(args.output))
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

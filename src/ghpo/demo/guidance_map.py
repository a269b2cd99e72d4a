"""The guidance map: when are hints worth paying for? One point per demo pool: x = the base model's sampled bare
pass rate on that pool (before RL), y = each arm's pool accuracy minus GRPO's (paired by seed, 95 % interval).

    python -m ghpo.demo.guidance_map runs/default-pool runs/mixed-pool ... --output docs/images/guidance-map.png

reads each folder's `metrics.json` (written by `ghpo demo`) and draws GHPO, DAPO, GRPO-CL and SFT then GRPO (or
the arms named with --arms) against the pool's bare pass rate. Pure reading in `map_points`; the plot is matplotlib's.
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
    settings = metrics["settings"]
    share = settings.get("pool_carry_share", -1.0)
    point = {"x": pool_bare_rate(metrics), "seeds": settings["seeds"],
             "pools": settings["hard_levels"] + (f", carry share {share:g}" if share >= 0 else "")}
    point.update({arm: tuple(rows[arm]["minus_grpo"]) for arm in arms if arm in rows})
    return point


def plot_guidance_map(points: list[dict], arms: list[str], path: Path) -> None:
    figure, axis = plt.subplots(figsize=(7, 4.2))
    # side by side at one x: a few percent apart on the axis' log part, a few hundredths of a point near 0
    spread = {arm: (k - (len(arms) - 1) / 2) * 0.06 for k, arm in enumerate(arms)}
    place = lambda x, arm: 100 * x * (1 + spread[arm]) if x > 0 else spread[arm] * 0.3  # noqa: E731
    for arm in arms:
        shown = [p for p in points if arm in p]
        if not shown:
            continue
        axis.errorbar([place(p["x"], arm) for p in shown], [100 * p[arm][0] for p in shown],
                      yerr=[100 * p[arm][1] for p in shown], fmt="o", capsize=4, color=COLOURS.get(arm, "black"),
                      label=NAMES.get(arm, arm))
    for p in points:
        axis.annotate(f"levels {p['pools']}\n({p['seeds']} seed{'s' if p['seeds'] > 1 else ''})",
                      (100 * p["x"], axis.get_ylim()[1]), fontsize=7, ha="center", va="top", color="gray")
    axis.axhline(0, color="gray", linewidth=1, linestyle=":")
    axis.set_xscale("symlog", linthresh=0.1)  # the pools span 0 (out of reach) to tens of %: log beyond 0.1 %
    ticks = [0, 0.1, 1, 10, 100]
    axis.set_xticks(ticks, [f"{tick:g}" for tick in ticks])
    axis.set_xlim(-0.08, 100)
    axis.set_xlabel("base model's sampled bare pass rate on the RL pool (%, log beyond 0.1)")
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
    parser.add_argument("--arms", default="ghpo,dapo,grpo-cl,sft-grpo",
                        help="arms to draw (comma-separated; an arm a run lacks is left out of its pool)")
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

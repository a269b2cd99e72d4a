"""What the misconception world's numbers say: learning speed, the carry skill before and after, and the
conditions GHPO needs (see `ghpo.demo.world`). Pure: metrics in, numbers and markdown out.

The conditions, each checked on the base model's sampled, bare completions of the RL-pool levels:
1. no length ceiling — the base writes every step of a long chain (`complete` share >= 90 %);
2. a flaky step RL can fix — carries are right only part of the time (between 2 % and 60 %) while the other
   steps are mostly right (>= MIN_OTHER_STEPS): the right value is in the model's distribution, just not reliably
   chosen;
3. compounding — the pool is mostly dead bare (<= 5 %) but alive with a 50 % hint (>= 20 %).

And what GHPO's advantage needs of GRPO (measured null results: GRPO learns from its rare bare successes):
4. GRPO starved — at the base's bare rate s a group of G holds a success with probability 1 - (1 - s)^G, so GRPO's
   run of `steps` x `prompts_per_step` groups expects that share of them to carry a signal; starved means fewer
   than one such group every STARVED_EVERY steps (fewer than one in all, for a shorter run). In a world of pure
   compounding (success = p^k over k flaky steps) the 50 % rung solves about sqrt(s), so 3. and 4. pull against
   each other: 20 % with a 50 % hint means s ~ 4 %, and at G = 8, 8 prompts per step, ~28 % of GRPO's groups carry
   a signal.
"""

from __future__ import annotations

import math

from .curves import first_step_reaching, pool_mean
from .stats import mean_interval, paired_differences

NAMES = {"grpo": "GRPO", "ghpo": "GHPO"}
# A converged base (checked before RL): sampled carries right about as often as the warm-up's student, the other
# steps mostly right. Sampled at temperature 1 the ~0.6 M-parameter base still copies a wrong operator or operand
# from the question 10-17 % of the time (greedy it hardly does), hence 80 %, not 100 %.
CARRY_TOLERANCE, MIN_OTHER_STEPS = 0.08, 0.8
ALIVE_WITH_HINT = 0.2  # a hinted rung this good on the pool gives most groups of 8 a success (the target)
STARVED_EVERY = 10  # GRPO counts as starved with fewer than one group holding a success per this many steps


def expected_signal_groups(bare: float, group_size: int, prompts_per_step: int, steps: int) -> float:
    """Groups with at least one success that GRPO expects over a run, at the base's bare success rate.

    >>> round(expected_signal_groups(0.02, 8, 8, 100), 1), round(expected_signal_groups(0.001, 8, 8, 100), 1)
    (119.4, 6.4)
    """
    return steps * prompts_per_step * (1 - (1 - bare) ** group_size)


def fmt(mean: float, half: float | None = None) -> str:
    """Percent, with a 95 % half-width when one is given (and not from a single seed: pass None then)."""
    return f"{100 * mean:.1f}" if half is None else f"{100 * mean:.1f} ± {100 * half:.1f}"


def conditions(base_extra: dict, settings) -> list[tuple[str, str, bool]]:
    """[(condition, what was measured, holds)] for the four conditions of the module docstring.

    >>> extra = {"steps_pool": {"complete": 0.97, "flaky": 0.11, "other": 0.99},
    ...          "sampled": {0.0: {5: 0.04, 6: 0.02}, 0.5: {5: 0.35, 6: 0.25}}}
    >>> knobs = {"levels": lambda self, n: [5, 6], "num_generations": 8, "prompts_per_step": 8, "steps": 100}
    >>> [holds for _, _, holds in conditions(extra, type("S", (), knobs)())]
    [True, True, True, False]
    """
    hard, steps, sampled = settings.levels("hard_levels"), base_extra["steps_pool"], base_extra["sampled"]
    bare, half = pool_mean(sampled[0.0], hard), pool_mean(sampled.get(0.5, sampled[0.0]), hard)
    return [
        ("no length ceiling", f"{fmt(steps['complete'])} % of the base's bare completions write every step",
         steps["complete"] >= 0.9),
        flaky_step_condition(steps),
        ("compounding", f"RL pool {fmt(bare)} % bare, {fmt(half)} % with a 50 % hint (sampled)",
         bare <= 0.05 and half >= ALIVE_WITH_HINT),
        starved(bare, settings),
    ]


def flaky_step_condition(steps: dict) -> tuple[str, str, bool]:
    """Condition 2: the flaky steps fail often but not always, the others are reliable. A carry-dense pool
    (--pool_carry_share 1.0) has no other steps (their accuracy is nan): judged on the flaky steps alone.

    >>> flaky_step_condition({"flaky": 0.17, "other": float("nan")})
    ('a flaky step RL can fix', 'carries 17.0 % right, no other steps (every step is flaky)', True)
    """
    no_others = math.isnan(steps["other"])
    others = "no other steps (every step is flaky)" if no_others else f"other steps {fmt(steps['other'])} %"
    return ("a flaky step RL can fix", f"carries {fmt(steps['flaky'])} % right, {others}",
            0.02 <= steps["flaky"] <= 0.6 and (no_others or steps["other"] >= MIN_OTHER_STEPS))


def starved(bare: float, settings) -> tuple[str, str, bool]:
    """Condition 4 (module docstring): GRPO's expected groups with a signal over the run, at the bare rate."""
    expected = expected_signal_groups(bare, settings.num_generations, settings.prompts_per_step, settings.steps)
    fewest = max(1.0, settings.steps / STARVED_EVERY)  # a run shorter than STARVED_EVERY steps: one group in all
    shown = f"{expected:.1f}" if expected < 1 else f"{expected:.0f}"
    return ("GRPO starved", f"at {fmt(bare)} % bare, GRPO expects {shown} groups with a success in its "
            f"{settings.steps} steps × {settings.prompts_per_step} prompts (G = {settings.num_generations}; starved: "
            f"< {fewest:g})", expected < fewest)


def reach_table(runs: list[dict], settings) -> str:
    """Markdown: per run, the first curve step reaching `reach_accuracy` (greedy, no hint) in each seed, and the
    pool accuracy at the first and last curve points."""
    hard, threshold = settings.levels("hard_levels"), settings.reach_accuracy
    if not all(run[arm]["curve"] for run in runs for arm in ("grpo", "ghpo")):
        return "(no learning curves: --curve_every 0)"
    lines = [f"| run | first step at >= {threshold:.0%} (each seed) | held-out pool, step 0 → last (greedy, mean) |",
             "|---|---|---|"]
    for arm in ("grpo", "ghpo"):
        curves = [run[arm]["curve"] for run in runs]
        reached = [first_step_reaching(curve, hard, threshold) for curve in curves]
        first = sum(pool_mean(c[0]["greedy"], hard) for c in curves) / len(curves)
        last = sum(pool_mean(c[-1]["greedy"], hard) for c in curves) / len(curves)
        cells = ", ".join("not reached" if step is None else str(step) for step in reached)
        lines.append(f"| {NAMES[arm]} | {cells} | {fmt(first)} → {fmt(last)} (step {curves[0][-1]['step']}) |")
    return "\n".join(lines)


def carry_skill(runs: list[dict], base_extra: dict) -> dict:
    """Sampled carry accuracy on the held-out pool: the base's, and each run's after RL (mean, 95 % half-width),
    and GHPO − GRPO paired by seed."""
    after = {arm: [run[arm]["pool_sampled"]["flaky"] for run in runs] for arm in ("grpo", "ghpo")}
    return {"base": base_extra["steps_pool"]["flaky"], **{arm: mean_interval(v) for arm, v in after.items()},
            "ghpo_minus_grpo": mean_interval(paired_differences(after["grpo"], after["ghpo"]))}


def findings_markdown(runs: list[dict], base_extra: dict, settings, ghpo_won: bool) -> str:
    """The misconception world's part of the report: conditions, carry skill, learning speed."""
    checks = conditions(base_extra, settings)
    carry = carry_skill(runs, base_extra)
    lines = ["**The conditions GHPO needs** (base model, sampled, RL-pool levels):", ""]
    lines += [f"- {'holds' if ok else '**fails**'}: {name} — {measured}" for name, measured, ok in checks]
    failed = [name for name, _, ok in checks if not ok]
    if not ghpo_won:
        lines += ["", "GHPO did not beat GRPO here. " + (f"Conditions that failed: {', '.join(failed)}." if failed
                  else "All the conditions held, so the cause is the RL budget or recipe (steps, learning "
                  "rate, batch), not the world.")]
    show = (lambda pair: fmt(*pair)) if len(runs) > 1 else (lambda pair: fmt(pair[0]))  # noqa: E731
    diff_mean, diff_half = carry["ghpo_minus_grpo"]
    diff = f"{100 * diff_mean:+.1f}" + (f" ± {100 * diff_half:.1f}" if len(runs) > 1 else "")
    lines += ["", f"**The carry skill** (sampled, held-out RL-pool problems, no hint): base {fmt(carry['base'])} % "
              f"right → GRPO {show(carry['grpo'])} %, GHPO {show(carry['ghpo'])} % (GHPO − GRPO {diff} points, "
              "paired by seed).", "", "**Learning speed** (the fixed held-out set of the curves below):", "",
              reach_table(runs, settings)]
    return "\n".join(lines)

"""The demo, top to bottom: each stage named, its numbers printed. Called by `ghpo demo` (see `ghpo.demo`)."""

from __future__ import annotations

import copy
import dataclasses
import json
import shutil
import time
from pathlib import Path

import torch
from transformers import set_seed

from . import report
from .arms import parse_arms, run_tokens
from .curves import NoHintCurve, measure_no_hint
from .findings import CARRY_TOLERANCE, MIN_OTHER_STEPS
from .evaluate import (accuracy_of, complete_share, hint_table, hinted_steps, level_accuracy, level_completions,
                       step_accuracy, student_table)
from .rl import train_arm
from .saved import arm_key, load_run, run_key, run_path, save_run
from .settings import DemoSettings
from .shipped import install_shipped_base
from .warmup import DONE_FILE, cached_base, extend_warm_up, load_base, mark_checked, read_hints, warm_up
from .world import CURVE_SEED_OFFSET, eval_rows, rl_dataset

# measured at hidden 96 on 2 cores: 50 000 examples in 12.5 min (Intel Xeon), 23.4 min (AMD EPYC); the estimates
# printed before a warm-up use the slower machine's rate
WARMUP_EXAMPLES_PER_MINUTE = 2100


def stage(number: int, title: str) -> None:
    print(f"\n== {number}. {title} " + "=" * max(3, 72 - len(title)), flush=True)


def build_world(settings: DemoSettings):
    stage(1, f"world ({settings.world}): chained arithmetic, level = number of steps")
    hard, levels = settings.levels("hard_levels"), settings.levels("eval_levels")
    shares = {level: settings.task_carry_share(level in hard) for level in levels}
    evaluation = sorted((row for share in dict.fromkeys(shares.values())  # one draw per share, as before for one
                         for row in eval_rows([lv for lv in levels if shares[lv] == share], settings.eval_per_level,
                                              settings.task_seed, share, borrows=settings.borrows)),
                        key=lambda row: row["level"])
    pool = rl_dataset(hard, settings.rl_per_level, settings.task_seed, settings.task_carry_share(True),
                      settings.borrows)
    example = next(row for row in evaluation if row["level"] == 2)
    print(f"  example (level 2): {example['problem']}\n  " + example["solution"].replace("\n", "\n  "))
    warmup = (f"warm-up levels {settings.warmup_levels} (a student who gets {settings.flaky_name} right "
              f"{settings.carry_accuracy:.0%} of the time)" if settings.world == "misconception"
              else f"easy (warm-up) levels {settings.easy_levels}")
    print(f"  {warmup}, RL pool levels {settings.hard_levels} "
          f"({len(pool)} problems), evaluation levels {settings.eval_levels} ({settings.eval_per_level} each)")
    return evaluation, pool


def base_model(settings: DemoSettings, evaluation: list[dict]) -> tuple[Path, dict]:
    """The base both arms start from: the one shipped with ghpo (default warm-up settings), else warmed up here,
    extended until converged and taught to read hints, each step cached."""
    shown = "every level, written by the carry-forgetting student" if settings.world == "misconception" else \
        "the easy levels"
    stage(2, f"warm-up: tiny Qwen2 + SFT on {shown}, and hinted continuations")
    folder = install_shipped_base(settings)
    if folder is not None:
        summary = json.loads((folder / DONE_FILE).read_text())
        built = summary.get("built", {})
        print(f"  the base shipped with ghpo for these settings: {folder} (built by {built.get('command')} on "
              f"{built.get('machine')}, {summary['seconds'] / 60:.1f} min of training) - skipping the warm-up; "
              f"--no-shipped_base trains it here")
        return folder, {**summary, "cached": True}
    converged = dataclasses.replace(settings, warmup_reading_examples=0)  # hint reading starts from this base
    folder, summary = get_base(converged)
    summary = train_until_converged(converged, folder, summary, evaluation)
    return add_hint_reading(settings, folder, summary)


def get_base(settings: DemoSettings) -> tuple[Path, dict]:
    folder = cached_base(settings)
    if folder is not None:
        summary = json.loads((folder / DONE_FILE).read_text())
        print(f"  cached: {folder} (warm-up took {summary['seconds'] / 60:.1f} min when it ran) - skipping")
        return folder, {**summary, "cached": True}
    minutes = settings.warmup_examples * settings.warmup_epochs / WARMUP_EXAMPLES_PER_MINUTE
    print(f"  no cached base model for these settings: warming up now, up to ~{minutes:.0f} min on 2 CPU cores "
          f"(cached in {settings.warmup_dir()}, later runs skip this)")
    shutil.rmtree(settings.warmup_dir(), ignore_errors=True)  # an interrupted earlier attempt
    folder, summary = warm_up(settings)
    shutil.rmtree(folder / "sft", ignore_errors=True)
    print(f"  done in {summary['seconds'] / 60:.1f} min, final SFT loss {summary['final_loss']}")
    return folder, {**summary, "cached": False}


def train_until_converged(settings: DemoSettings, folder: Path, summary: dict, evaluation: list[dict]) -> dict:
    """Misconception world: check the base's sampled steps on the evaluation set; while it has not converged, extend
    its warm-up (at most --warmup_extensions times). A base that passed once is not checked again here."""
    if settings.world != "misconception" or "converged_steps" in summary or not settings.check_warmup:
        return summary
    extension = summary.get("extensions", 0)
    while True:
        model, tokenizer, _ = load_base(folder, settings)
        set_seed(settings.task_seed)
        pairs = level_completions(model, tokenizer, evaluation, 0.0, settings.hint_unit, settings.hint_lead_in,
                                  "convergence check", sample=True)
        steps = step_accuracy(pairs, borrows=settings.borrows)
        if not not_converged(settings, steps):
            mark_checked(folder, steps)
            return {**summary, "converged_steps": steps}
        if extension >= settings.warmup_extensions:
            return summary  # measure_base's check stops the run, saying what to change
        extension += 1
        minutes = settings.warmup_extension_examples / WARMUP_EXAMPLES_PER_MINUTE
        print(f"  not converged yet (sampled {settings.flaky_name} {report.fmt(steps['flaky'])} % right, other steps "
              f"{report.fmt(steps['other'])} %): extension {extension} of at most {settings.warmup_extensions}, "
              f"{settings.warmup_extension_examples} fresh examples (up to ~{minutes:.0f} min)", flush=True)
        summary = {**extend_warm_up(settings, folder, extension), "cached": summary.get("cached", False)}
        shutil.rmtree(folder / "sft", ignore_errors=True)
        print(f"  extension {extension} done: {summary['examples']} examples in all, final SFT loss "
              f"{summary['final_loss']}", flush=True)


def add_hint_reading(settings: DemoSettings, folder: Path, summary: dict) -> tuple[Path, dict]:
    """--warmup_reading_examples: the converged base in `folder`, fine-tuned on mostly hinted continuations, in its
    own cached folder (the converged one stays as it is). An unconverged base is left for measure_base to stop."""
    if settings.warmup_reading_examples <= 0 or ("converged_steps" not in summary and settings.check_warmup):
        return folder, summary
    target = cached_base(settings)
    if target is not None:
        print(f"  hint reading cached: {target} - skipping")
        return target, {**json.loads((target / DONE_FILE).read_text()), "cached": True}
    target, partial = settings.warmup_dir(), settings.warmup_dir().with_suffix(".partial")
    shutil.rmtree(partial, ignore_errors=True)  # an interrupted earlier attempt
    shutil.copytree(folder, partial)
    minutes = settings.warmup_reading_examples / WARMUP_EXAMPLES_PER_MINUTE
    print(f"  hint reading: {settings.warmup_reading_examples} more examples, mostly hinted continuations "
          f"(up to ~{minutes:.0f} min on 2 CPU cores; cached in {target})", flush=True)
    summary = {**read_hints(settings, partial), "cached": False}
    shutil.rmtree(partial / "sft", ignore_errors=True)
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    print(f"  hint reading done: final SFT loss {summary['final_loss']}", flush=True)
    return target, summary


def measure_base(settings: DemoSettings, folder: Path, evaluation: list[dict]) -> tuple[dict, dict]:
    """(greedy hint table, extras): the extras hold, in the misconception world, the sampled table, the student's
    own table and the sampled accuracy of flaky and other steps."""
    stage(3, "base model: per-level accuracy without and with hints")
    model, tokenizer, _ = load_base(folder, settings)
    ratios, unit, lead_in, hard = settings.ratios, settings.hint_unit, settings.hint_lead_in, settings.levels("hard_levels")
    table = hint_table(model, tokenizer, evaluation, ratios, unit, lead_in, desc="base", check=settings.check)
    print("  greedy:\n" + report.hint_table_markdown(table, hard))
    easy = settings.levels("easy_levels")
    no_hint = table[0.0]
    print(f"  mismatch: easy levels {report.fmt(sum(no_hint[lv] for lv in easy) / len(easy))} % vs "
          f"RL-pool levels {report.fmt(sum(no_hint[lv] for lv in hard) / len(hard))} % without hints (greedy)")
    if settings.world != "misconception":
        return table, {}
    set_seed(settings.task_seed)
    sampled, steps, steps_pool, read = {}, {}, {}, {}
    for ratio in [0.0, *ratios]:
        pairs = level_completions(model, tokenizer, evaluation, ratio, unit, lead_in, f"base sampled {ratio:.0%}",
                                  sample=True)
        sampled[ratio] = accuracy_of(pairs, settings.check)
        if ratio == 0.0:
            steps = step_accuracy(pairs, borrows=settings.borrows)
            pool_pairs = [pair for pair in pairs if pair[0]["level"] in hard]
            steps_pool = {**step_accuracy(pool_pairs, borrows=settings.borrows), "complete": complete_share(pool_pairs)}
        if ratio == ratios[-1]:  # the steps the base writes after the ladder's top rung: does it read a hint?
            first = [hinted_steps(row["solution"], ratio, unit) for row, _ in pairs]
            read = {**step_accuracy(pairs, first, borrows=settings.borrows), "ratio": ratio}
    student = student_table(evaluation, ratios, unit, settings.carry_accuracy, seed=settings.task_seed,
                            check=settings.check, borrows=settings.borrows)
    print("  sampled (temperature 1, one sample per problem):\n" + report.hint_table_markdown(sampled, hard))
    print("  the warm-up's student on the same prompts (what a converged base scores sampled):\n"
          + report.hint_table_markdown(student, hard))
    print(f"  sampled steps: {settings.flaky_name} {report.fmt(steps['flaky'])} % right of {steps['flaky_steps']} "
          f"(student: {report.fmt(settings.carry_accuracy)} %), other {report.fmt(steps['other'])} % of "
          f"{steps['other_steps']}; after a {read['ratio']:.0%} hint: other {report.fmt(read['other'])} % of "
          f"{read['other_steps']}")
    check_converged(settings, steps, folder)
    check_hint_reading(settings, read)
    return table, {"sampled": sampled, "student": student, "steps": steps, "steps_pool": steps_pool,
                   "steps_after_hint": read}


def not_converged(settings: DemoSettings, steps: dict) -> bool:
    return abs(steps["flaky"] - settings.carry_accuracy) > CARRY_TOLERANCE or not steps["other"] >= MIN_OTHER_STEPS


def check_converged(settings: DemoSettings, steps: dict, folder: Path) -> None:
    """Stop before RL, saying what to change, when the base did not learn its world."""
    if not not_converged(settings, steps) or not settings.check_warmup:
        return
    raise SystemExit(
        f"the warm-up did not converge: sampled flaky steps {report.fmt(steps['flaky'])} % right (the student's "
        f"{report.fmt(settings.carry_accuracy)} % ± {100 * CARRY_TOLERANCE:.0f}), other steps "
        f"{report.fmt(steps['other'])} % (needs >= {100 * MIN_OTHER_STEPS:.0f} %). "
        "RL on such a base measures its unfinished warm-up, not GHPO. Give it more to learn from: a higher "
        f"--warmup_extensions (now {settings.warmup_extensions}; each trains the cached base on "
        f"{settings.warmup_extension_examples} more examples), --warmup_epochs 2, more --warmup_examples or a wider "
        "model; or --no-check_warmup to go on anyway. The base stays cached in "
        f"{folder} (delete it to redo the same warm-up).")


def check_hint_reading(settings: DemoSettings, read: dict) -> None:
    """Stop before RL, saying what to change, when a base taught to read hints (--warmup_reading_examples) still
    misreads them. Measured: a base warmed up on 1 thread passed the bare check and read 30 000 hinted examples, yet
    after a 75 % hint on levels 7-8 wrote 16 % of its other steps right (the shipped base: 91 %), so its top rung
    solved 16 / 8 % of the pool where its student solves 54 / 52 %; twice the hint reading brought it to 91 %."""
    if settings.warmup_reading_examples <= 0 or not settings.check_warmup or read["other"] >= MIN_OTHER_STEPS:
        return
    raise SystemExit(
        f"the base misreads hints: after a {read['ratio']:.0%} hint the steps it writes are "
        f"{report.fmt(read['other'])} % right outside {settings.flaky_name} (needs >= {100 * MIN_OTHER_STEPS:.0f} "
        "%), so GHPO's ladder would hint prompts it cannot continue. Teach it longer: a higher "
        f"--warmup_reading_examples (now {settings.warmup_reading_examples}; twice as many fixed a base warmed up "
        "on 1 thread, docs/demo.md; the converged base stays cached, only the hint reading is redone); or "
        "--no-check_warmup "
        "to go on anyway.")


def run_seed(settings: DemoSettings, folder: Path, pool, evaluation: list[dict], curve_rows: list[dict],
             seed: int, key: str) -> dict:
    """GRPO, GHPO and any other --arms for one seed; each evaluated per level without hints (and, for the
    diagnostics, the pool with the ladder's first hint and, sampled, the pool's flaky steps). Each run is saved as
    it ends; one saved earlier under the same `key` (`saved.run_key`) is reused, not trained again."""
    results, output = {}, Path(settings.output_dir)
    for arm in parse_arms(settings.arms):
        saved = load_run(output, arm, seed, arm_key(key, settings, arm))
        if saved is not None:
            print(f"  seed {seed} {arm.upper()}: finished by an earlier run of these settings - reusing "
                  f"{run_path(output, arm, seed)}", flush=True)
            results[arm] = saved
            continue
        ghpo_tokens = run_tokens(results["ghpo"]["log"]) if "ghpo" in results else None  # for grpo-matched
        results[arm] = run_arm(settings, folder, pool, evaluation, curve_rows, seed, arm, ghpo_tokens)
        save_run(output, arm, seed, arm_key(key, settings, arm), results[arm])
    return results


def run_arm(settings: DemoSettings, folder: Path, pool, evaluation: list[dict], curve_rows: list[dict], seed: int,
            arm: str, ghpo_tokens: float | None = None) -> dict:
    """Train one arm of one seed and measure it: per level without hints, the pool with the first rung's hint, and
    (misconception world) the pool's sampled flaky steps."""
    hard_rows = [row for row in evaluation if row["level"] in settings.levels("hard_levels")]
    unit, lead_in, check = settings.hint_unit, settings.hint_lead_in, settings.check
    out = Path(settings.output_dir) / "models" / f"{arm}-seed{seed}"
    print(f"  seed {seed}: training {arm.upper()} for {settings.steps} steps", flush=True)
    curve = NoHintCurve(curve_rows, settings.curve_every, unit, lead_in, seed, check, settings.borrows) \
        if curve_rows else None
    run = train_arm(settings, folder, pool, arm, seed, out, [curve] if curve else None, ghpo_tokens)
    model, tokenizer = run["model"], run["tokenizer"]
    accuracy = level_accuracy(model, tokenizer, evaluation, 0.0, unit, lead_in, desc=f"{arm} eval", check=check)
    # Diagnostic: did the run learn *with* the ladder's first hint, and did that carry over to no hint?
    hinted = level_accuracy(model, tokenizer, hard_rows, settings.ratios[0], unit, lead_in,
                            desc=f"{arm} eval, hint {settings.ratios[0]:.0%}", check=check)
    after = measure_no_hint(model, tokenizer, hard_rows, unit, lead_in, seed, check, settings.borrows) \
        if settings.world == "misconception" else {}
    print(f"  seed {seed} {arm.upper()}: {run['seconds'] / 60:.1f} min; accuracy per level: "
          + ", ".join(f"L{lv} {report.fmt(acc)}" for lv, acc in accuracy.items())
          + f"; RL pool with a {settings.ratios[0]:.0%} hint: "
          + ", ".join(f"L{lv} {report.fmt(acc)}" for lv, acc in hinted.items())
          + (f"; sampled flaky steps {report.fmt(after['flaky'])} % right" if after else ""), flush=True)
    return {"accuracy": accuracy, "accuracy_first_rung": hinted, "log": run["log"], "seconds": run["seconds"],
            "sft_tokens": run["sft_tokens"], "teacher_tokens": run.get("teacher_tokens", 0),
            "teacher": run.get("teacher"),
            "model_dir": run["model_dir"], "curve": curve.points if curve else [], "pool_sampled": after}


def train_all(settings: DemoSettings, folder: Path, pool, evaluation: list[dict], after_seed=None) -> list[dict]:
    """Every arm for seeds first_seed..first_seed+N-1; `after_seed(runs so far)` is called when a seed's arms are all
    done."""
    arms = ", ".join(parse_arms(settings.arms)).upper()
    stage(4, f"RL: {arms} from the same base, {settings.seeds} seed(s), {settings.steps} steps each")
    group = settings.num_generations
    print(f"  batch: {settings.prompts_per_step} problems x G={group}, lr {settings.learning_rate}, "
          f"temperature {settings.temperature}, GHPO ladder {settings.ratios} ({settings.hint_unit} cut)")
    curve_rows = eval_rows(settings.levels("hard_levels"), settings.curve_per_level, settings.task_seed,
                           settings.task_carry_share(True), offset=CURVE_SEED_OFFSET,
                           borrows=settings.borrows) if settings.curve_every > 0 else []
    runs, key = [], run_key(settings, folder)  # the same for every seed: hashed once
    for seed in range(settings.first_seed, settings.first_seed + settings.seeds):
        runs.append(run_seed(settings, folder, pool, evaluation, curve_rows, seed, key))
        if after_seed is not None and len(runs) < settings.seeds:
            after_seed(runs)
    return runs


def run_demo(settings: DemoSettings) -> dict:
    started = time.time()
    if settings.threads > 0:
        torch.set_num_threads(settings.threads)
    set_seed(settings.task_seed)
    output = Path(settings.output_dir)
    output.mkdir(parents=True, exist_ok=True)
    evaluation, pool = build_world(settings)
    folder, warmup_summary = base_model(settings, evaluation)
    base_table, base_extra = measure_base(settings, folder, evaluation)
    if settings.base_only:
        print(f"\n--base_only: stopping before RL ({(time.time() - started) / 60:.1f} min)")
        return {"base": base_table, **base_extra}

    def report_so_far(runs: list[dict]) -> None:  # a stopped --seeds N run keeps a report of its finished seeds
        shown = copy.copy(settings)
        shown.seeds = len(runs)
        report.write_all(shown, output, warmup_summary, base_table, runs, time.time() - started, base_extra)
        print(f"  report of the {len(runs)} seed(s) so far: {output / 'report.md'}", flush=True)

    runs = train_all(settings, folder, pool, evaluation, after_seed=report_so_far)
    stage(5, "report")
    metrics = report.write_all(settings, output, warmup_summary, base_table, runs, time.time() - started,
                               base_extra)
    print(f"\n{metrics['table']}\n\n  wrote {output / 'report.md'}, {output / 'metrics.json'}, "
          f"{', '.join(metrics['plots'])}; models in {output / 'models'}")
    print(f"  total {(time.time() - started) / 60:.1f} min")
    return metrics

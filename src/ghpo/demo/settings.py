"""Every knob of `ghpo demo`, declared once with its help text, and the `--quick` preset.

`DemoSettings` is a plain dataclass; `parse_settings(argv)` builds it from the command line (one flag per field,
the help text is the field's). The warm-up cache key hashes only the fields that change the base model.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import yaml

from ..config import PAPER_HINT_LEAD_IN
from .arms import parse_arms


def _levels(text: str) -> list[int]:
    """'1,2,5-7' -> [1, 2, 5, 6, 7]."""
    levels = []
    for part in str(text).split(","):
        low, _, high = part.strip().partition("-")
        levels += list(range(int(low), int(high or low) + 1))
    return sorted(set(levels))


def _floats(text: str) -> list[float]:
    return [float(x) for x in str(text).split(",") if x.strip()]


def _knob(default, help_text: str, **extra):
    return field(default=default, metadata={"help": help_text, **extra})


@dataclass
class DemoSettings:
    # --- where ---
    output_dir: str = _knob("ghpo-demo", "Folder for report.md, plots, metrics.json and the trained models.")
    cache_dir: str = _knob("", "Warm-up cache root (default ~/.cache/ghpo/demo); the base model is cached under "
                           "<cache_dir>/<hash of the warm-up settings>, so a second run skips the warm-up.")
    quick: bool = _knob(False, "Smoke-test preset (~1 min, warm-up included): a small warm-up without hinted "
                        "continuations, levels 1-5, 3 RL steps. Shows the mismatch, not the result. Explicit "
                        "flags win.")
    shipped_base: bool = _knob(True, "Start from the base model that ships with ghpo when every warm-up knob is at "
                               "its default (it is what this warm-up built on 2 Intel Xeon cores; the first run "
                               "then takes ~20 min instead of ~65). --no-shipped_base trains it from scratch here "
                               "(~50 min on 2 cores; another CPU type or thread count may stop elsewhere, "
                               "docs/demo.md).")
    base_only: bool = _knob(False, "Stop after measuring the base model (warm-up + hint table): for calibration.")
    check_warmup: bool = _knob(True, "Stop before RL when the base model did not learn its world (misconception "
                               "world: sampled carries right within 8 points of --carry_accuracy, other steps "
                               ">= 80 % right; with hint reading, also >= 80 % of the other steps it writes after "
                               "the ladder's top hint), with what to change (--no-check_warmup: go on anyway).")
    # --- the task (ghpo.arithmetic: level = number of steps) ---
    world: str = _knob("misconception", "misconception: the warm-up shows every level, written by a student who "
                       "forgets a carry / borrow most of the time, so long chains fail by compounding slips that RL "
                       "can fix; ceiling: the first demo's world (easy levels in full, at most 2 steps after a "
                       "hint), whose length ceiling no hint teaches past. Picks that world's defaults for the "
                       "level, warm-up and RL knobs not given explicitly.", choices=["misconception", "ceiling"])
    carry_share: float = _knob(0.6, "misconception world: how often the generator asks for a carry step (the only "
                               "flaky kind; none is possible from a round value, so the share of carries is lower: "
                               "about 0.46 for 0.6). The other steps neither carry nor borrow.")
    flaky_steps: str = _knob("carry-borrow", "misconception world: which steps are flaky. carry-borrow: carries and "
                             "borrows, drawn as the value allows, so the values wander and a flaky step is as likely "
                             "late in a chain as early (the continuation after a hint exercises the bare question's "
                             "skill as often): the README's GHPO-vs-GRPO result (docs/demo.md). carry: additions "
                             "with a carry only "
                             "(the values climb, so carries come early in a chain and a prefix hint gives most of "
                             "them away), the earlier demo, where the two arms tie; it picks its own defaults for the "
                             "knobs not given: --check answer --warmup_examples 50000 --warmup_extensions 4 "
                             "--warmup_reading_examples 0 --hard_levels 5-7. The student forgets either.",
                             choices=["carry", "carry-borrow"])
    pool_carry_share: float = _knob(-1.0, "misconception world: --carry_share of the RL pool and of the hard levels' "
                                    "evaluation and learning-curve sets (-1: the warm-up's --carry_share). 1.0 makes "
                                    "the hard problems carry-dense: every step that can carry does, so a bare "
                                    "question holds more flaky steps than a hinted continuation. Not part of the "
                                    "warm-up: the cached base is reused.")
    carry_accuracy: float = _knob(0.2, "misconception world: probability that the warm-up's student gets a flaky "
                                  "step right (else it forgets the carry / borrow). The base model learns it.")
    check: str = _knob("steps", "What counts as right, in RL's reward and in every evaluation: answer, the last "
                       "\\boxed{} alone; steps, every step the model has to write is the worked solution's, and the "
                       "box: slips undone by later lines whose left operand does not follow from the line above, "
                       "which RL learns to write under the answer check, are wrong. steps needs "
                       "--hint_unit line (--hint_unit word / char pick answer).", choices=["answer", "steps"])
    easy_levels: str = _knob("1-2", "Levels called 'easy' in the report (ceiling world: also the levels the warm-up "
                             "shows as full worked solutions, the model's 'capacity').")
    hard_levels: str = _knob("7-8", "Levels of the RL pool, where GRPO sees mostly all-fail groups (the default "
                             "base solves 0-1 % of levels 7-8 bare: GRPO is starved there). 1-7: a mixed pool, "
                             "GRPO learns alone; with --pool_carry_share 1.0, 7-8 are out of reach bare and within "
                             "reach hinted (the three pools of docs/baselines.md).")
    eval_levels: str = _knob("1-8", "Levels evaluated before and after RL (no hints).")
    warmup_levels: str = _knob("1-8", "Levels of the warm-up's problems (misconception world: full solutions and "
                               "continuations of all of them; ceiling world: continuations up to the highest).")
    eval_per_level: int = _knob(100, "Held-out problems per level and evaluation (100 give about ±9 points at 50 %).")
    rl_per_level: int = _knob(200, "Problems per hard level in the RL pool.")
    task_seed: int = _knob(0, "Seed of the task generator (warm-up, RL pool and evaluation sets are independent "
                           "draws).")
    # --- the base model ---
    hidden_size: int = _knob(96, "Width of the tiny Qwen2 model.")
    num_layers: int = _knob(4, "Transformer layers of the tiny model.")
    num_heads: int = _knob(4, "Attention heads of the tiny model.")
    vocab_size: int = _knob(400, "Size of the locally trained byte-level BPE (digits are always one token each).")
    # --- warm-up SFT (TRL SFTTrainer) ---
    warmup_examples: int = _knob(100000, "Warm-up examples (each seen once per epoch).")
    warmup_epochs: int = _knob(1, "Passes over the warm-up examples.")
    warmup_curriculum: float = _knob(0.5, "misconception world: over this first fraction of the warm-up the levels "
                                     "widen from 1-2 to all (short chains first), in order; 0: all levels shuffled.")
    warmup_hinted_fraction: float = _knob(0.3, "Fraction of warm-up examples that continue from a solution prefix "
                                          "given in the prompt (teaches the model to read a hint and go on).")
    warmup_stretch_fraction: float = _knob(0.0, "Fraction of full (unhinted) warm-up solutions taken one level past "
                                           "the easy levels: a soft edge instead of a hard length ceiling.")
    warmup_max_remaining: int = _knob(2, "A hinted warm-up example leaves at most this many steps to the model.")
    warmup_extensions: int = _knob(10, "misconception world: when the warmed-up base fails the convergence check "
                                   "(see --check_warmup), go on training it on --warmup_extension_examples fresh "
                                   "examples at half the learning rate (cosine-annealed), then check again, at most "
                                   "this many times (0: never). Cached with the base.")
    warmup_extension_examples: int = _knob(20000, "Examples per warm-up extension.")
    warmup_reading_examples: int = _knob(30000, "misconception world: once the base converged, train it on this many "
                                         "more examples, 70 % of them hinted continuations, at half the warm-up "
                                         "learning rate (cached apart from the converged base, which is reused). A "
                                         "base can write bare solutions like its student and still read a hint in "
                                         "the prompt far worse (the report's sampled vs student tables); 30000 "
                                         "bring the carry-borrow base level with its student (~6 min, docs/demo.md). "
                                         "0: off.")
    warmup_lr: float = _knob(4e-3, "Warm-up learning rate (peak, after 5 % linear warm-up).")
    warmup_schedule: str = _knob("cosine", "Warm-up learning-rate schedule: cosine (decays to 0 over the warm-up) or "
                                 "constant (measured: further sooner, then a plateau short of the convergence "
                                 "check; docs/demo.md). Extensions and hint reading are always cosine.",
                                 choices=["cosine", "constant"])
    warmup_batch_size: int = _knob(32, "Warm-up batch size.")
    # --- RL (same for GRPO and GHPO) ---
    steps: int = _knob(100, "RL optimizer steps per run.")
    prompts_per_step: int = _knob(8, "Problems per RL step (each sampled num_generations times).")
    num_generations: int = _knob(8, "G: completions per problem (the group).")
    learning_rate: float = _knob(1e-4, "RL learning rate (constant).")
    temperature: float = _knob(1.0, "Sampling temperature during RL.")
    curve_every: int = _knob(10, "Every N RL steps, measure no-hint accuracy on a fixed held-out set of RL-pool "
                             "problems (greedy and sampled) and the sampled flaky-step accuracy: the learning curves "
                             "(0: off).")
    curve_per_level: int = _knob(40, "Held-out problems per RL-pool level in the learning-curve set.")
    reach_accuracy: float = _knob(0.5, "The report gives, per run, the first curve step at which the held-out "
                                  "no-hint pool accuracy (greedy) reaches this.")
    beta: float = _knob(0.0, "KL coefficient towards the base model (0: no reference model, TRL's default).")
    hint_ratios: str = _knob("0.25,0.5,0.75", "GHPO's hint ladder: fractions of the worked solution, tried in order.")
    hint_unit: str = _knob("line", "How hints are cut: line (whole solution steps), word or char (the paper's).",
                           choices=["line", "word", "char"])
    hint_lead_in: str = _knob(PAPER_HINT_LEAD_IN, "Text between question and hint (default: the paper's sentence).")
    ghpo_options: str = _knob("", "Extra GHPOConfig options for the GHPO run, comma-separated key=value (e.g. "
                              "'difficulty_memory=true,hint_first_generation=true' or 'ladder_mode=parallel').")
    arms: str = _knob("grpo,ghpo,dapo", "Runs per seed, comma-separated: grpo and ghpo (always run), and variants on "
                      "the same trainer: dapo (GRPO + zero-variance resampling, no hints; in the default: the "
                      "strongest hint-free baseline on the default pool, docs/baselines.md), ghpo-dapo (the ladder, then "
                      "resampling), ghpo-response (the hint opens the answer), ghpo-imitation (+ the NLL of "
                      "solved hints after the bare question, λ = 1); the paper's baselines grpo-cl (the pool by "
                      "level, easiest first) and grpo-cl-h (the same, every prompt with a 50 % hint); sft (TRL's "
                      "SFTTrainer on the pool's worked solutions, no RL), sft-grpo (that SFT, then GRPO), sft-ghpo "
                      "(that SFT, then paper GHPO); for answer-only data, the pool's solutions withheld: ghpo-self "
                      "(hint_source self: hints from the model's own bare successes) and ghpo-solved (the base "
                      "writes the pool's solutions first, --solve_samples each, then paper GHPO); and "
                      "grpo-matched (GRPO until it has generated GHPO's tokens of the same seed, at most 4 x "
                      "--steps). The report adds a table of every arm (pool accuracy, paired differences with GRPO "
                      "and GHPO, generated and SFT tokens, minutes).")
    sft_epochs: int = _knob(2, "The SFT arms (sft, sft-grpo, sft-ghpo): epochs of SFT on the RL pool's worked "
                            "solutions (the text hints are cut from), TRL's SFTTrainer from the same base, the "
                            "warm-up's batch.")
    sft_learning_rate: float = _knob(1e-4, "The SFT arms: constant SFT learning rate (default: RL's).")
    solve_samples: int = _knob(0, "The ghpo-solved arm: samples the base writes per RL-pool problem before RL, "
                               "temperature 1 (0: DAPO's most draws per problem, steps x prompts x G x 3 rounds / "
                               "pool size: 48 on the default pool).")
    seeds: int = _knob(1, "Repeat every arm with seeds 0..N-1 and report mean and 95 % interval per level.")
    first_seed: int = _knob(0, "Run seeds first_seed..first_seed+N-1 instead (N = --seeds): splits one --seeds run "
                            "over machines or processes. Copy their runs/ folders into one output_dir and run the "
                            "same command there with --seeds and no --first_seed: every finished run is reused and "
                            "the report covers them all.")
    # --- hardware ---
    device: str = _knob("cpu", "cpu or cuda.", choices=["cpu", "cuda"])
    bf16: bool = _knob(False, "bf16 training and generation (GPU).")
    threads: int = _knob(0, "torch CPU threads (0: torch's default, one per core).")

    def task_carry_share(self, hard: bool) -> float | None:
        """carry_share of the generated problems: None in the ceiling world; the RL pool's for the hard levels."""
        if self.world != "misconception":
            return None
        return self.pool_carry_share if hard and self.pool_carry_share >= 0 else self.carry_share

    @property
    def borrows(self) -> bool:
        """Whether borrows are flaky steps too (`--flaky_steps carry-borrow`)."""
        return self.world == "misconception" and self.flaky_steps == "carry-borrow"

    @property
    def flaky_name(self) -> str:
        """What the flaky steps are, for messages."""
        return "carries and borrows" if self.borrows else "carries"

    def levels(self, name: str) -> list[int]:
        return _levels(getattr(self, name))

    @property
    def ghpo_overrides(self) -> dict:
        """`ghpo_options` as GHPOConfig keyword arguments: 'a=true,b=3,c=0.5' -> {'a': True, 'b': 3, 'c': 0.5}."""
        pairs = (item.partition("=") for item in self.ghpo_options.split(",") if item.strip())
        return {key.strip(): yaml.safe_load(value) for key, _, value in pairs}  # YAML types: true, 3, 0.5, text

    @property
    def ratios(self) -> list[float]:
        return _floats(self.hint_ratios)

    def warmup_key(self) -> str:
        """Hash of everything that changes the warmed-up base model (not the RL or evaluation knobs)."""
        names = ["world", "warmup_levels", "task_seed", "hidden_size", "num_layers", "num_heads", "vocab_size",
                 "warmup_examples", "warmup_epochs", "warmup_hinted_fraction", "warmup_lr", "warmup_batch_size",
                 "hint_lead_in", "bf16"]
        names += (["carry_share", "carry_accuracy", "warmup_curriculum"] if self.world == "misconception" else
                  ["easy_levels", "warmup_stretch_fraction", "warmup_max_remaining"])
        names += ["flaky_steps"] if self.borrows else []  # left out at its default: earlier caches stay valid
        names += ["warmup_reading_examples"] if self.warmup_reading_examples > 0 else []  # likewise
        names += ["warmup_schedule"] if self.warmup_schedule != "cosine" else []
        payload = json.dumps({name: getattr(self, name) for name in names}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:12]

    def warmup_dir(self) -> Path:
        root = Path(self.cache_dir).expanduser() if self.cache_dir else Path.home() / ".cache" / "ghpo" / "demo"
        return root / self.warmup_key()

    def to_dict(self) -> dict:
        return asdict(self)


# --quick: small enough for a test (~2 min on 2 cores, warm-up included); only fields not given explicitly change.
# Its warm-up shows full easy solutions only (no hinted continuations, whose long prompts cost most of the time), so
# --quick measures the mismatch but its hints do not help: it is a smoke test, not the result.
QUICK = dict(eval_levels="1-5", hard_levels="4-5", warmup_levels="1-5", eval_per_level=30, rl_per_level=16,
             warmup_examples=5000, warmup_hinted_fraction=0.0, warmup_batch_size=8, steps=3, prompts_per_step=4,
             num_generations=4, curve_every=2, curve_per_level=8, check_warmup=False, warmup_extensions=0,
             hidden_size=64, warmup_reading_examples=0)

# --world ceiling: the first demo's world and recipe, kept reachable (docs/demo-earlier-worlds.md).
CEILING = dict(check="answer", warmup_reading_examples=0, hard_levels="4-6", eval_levels="1-6", warmup_levels="1-6",
               warmup_hinted_fraction=0.5, steps=60, warmup_examples=40000, hidden_size=64, learning_rate=1e-4)


# --flaky_steps carry: the earlier default world and recipe (carries only; GHPO and GRPO tie there,
# docs/demo-earlier-worlds.md), kept reachable with the budget its base converges at, no hint reading, and its pool.
CARRY = dict(check="answer", warmup_examples=50000, warmup_extensions=4, warmup_reading_examples=0, hard_levels="5-7")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ghpo demo",
        description="GRPO vs GHPO (and DAPO resampling) on a toy task, on CPU, with nothing to download: build a "
        "chained-arithmetic task and a tiny model, warm it up (cached), train GRPO, GHPO and DAPO on the hard "
        "levels from the same base, follow "
        "their no-hint accuracy on a held-out set during RL, evaluate per level and write report.md, plots and "
        "metrics.json. At the default settings the run starts from the base model that ships with ghpo (what "
        "this warm-up built; ~1 min of base tables before RL). Other warm-up settings, or --no-shipped_base, "
        "train and cache their base first: ~50 min on 2 CPU cores at the default (100 000 warm-up examples, then "
        "20 000 more at a time until the convergence check passes - 7 times on an Intel Xeon - and 30 000 "
        "hint-reading examples). Each seed then takes ~17 min on 2 cores for the default's three arms (a fresh "
        "clone's bash scripts/demo.sh on an Intel Xeon: GRPO 4.2, GHPO 7.3, DAPO 5.8 min; 19.5 min in all, setup "
        "included). Each finished (arm, seed) run is saved in "
        "<output_dir>/runs and reused when the same command runs again, so a stopped run loses only the run in "
        "progress. --flaky_steps carry and --world ceiling run the earlier worlds (docs/demo-earlier-worlds.md).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    for spec in fields(DemoSettings):
        flag, help_text = f"--{spec.name}", spec.metadata["help"].replace("%", "%%")  # argparse formats help with %
        if spec.type in ("bool", bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=spec.default, help=help_text)
            continue
        kind = {"int": int, "float": float}.get(spec.type if isinstance(spec.type, str) else spec.type.__name__, str)
        parser.add_argument(flag, type=kind, default=spec.default, help=help_text, choices=spec.metadata.get("choices"))
    return parser


def parse_settings(argv: list[str]) -> DemoSettings:
    parser = build_parser()
    namespace = parser.parse_args(argv)
    values = vars(namespace)
    given = {arg.split("=")[0].lstrip("-").removeprefix("no-") for arg in argv if arg.startswith("--")}
    carry_world = values["world"] == "misconception" and values["flaky_steps"] == "carry"
    presets = ([CEILING] if values["world"] == "ceiling" else []) + ([CARRY] if carry_world else []) + \
        ([QUICK] if values["quick"] else [])
    for preset in presets:  # explicit flags always win
        values.update({k: v for k, v in preset.items() if k not in given})
    if values["hint_unit"] != "line" and "check" not in given:  # the steps check reads whole lines
        values["check"] = "answer"
    settings = DemoSettings(**values)
    settings.argv = list(argv)  # for the report's "Command:" line; not a knob
    validate(settings)
    return settings


def validate(settings: DemoSettings) -> None:
    """Fail before any work on settings that cannot run."""
    easy, hard, evaluated = (settings.levels(name) for name in ("easy_levels", "hard_levels", "eval_levels"))
    if min(easy + hard + evaluated + settings.levels("warmup_levels")) < 1:
        raise SystemExit("levels start at 1 (level = number of steps)")
    missing = sorted(set(easy + hard) - set(evaluated))
    if missing:  # the report compares easy and RL-pool levels before and after RL: they must be evaluated
        raise SystemExit(f"--eval_levels {settings.eval_levels} leaves out level(s) {missing} of --easy_levels "
                         f"{settings.easy_levels} / --hard_levels {settings.hard_levels}: evaluate them too")
    if not 0 <= settings.carry_share <= 1 or not 0 <= settings.carry_accuracy <= 1:
        raise SystemExit("--carry_share and --carry_accuracy are probabilities in [0, 1]")
    if not (settings.pool_carry_share == -1 or 0 <= settings.pool_carry_share <= 1):
        raise SystemExit(f"--pool_carry_share is a probability in [0, 1] (or -1: the same as --carry_share), got "
                         f"{settings.pool_carry_share}")
    try:
        parse_arms(settings.arms)
    except ValueError as error:
        raise SystemExit(f"--arms: {error}") from None
    if settings.check == "steps" and settings.hint_unit != "line":
        raise SystemExit(f"--check steps judges whole solution lines: it needs --hint_unit line (got "
                         f"{settings.hint_unit}); use --check answer with word or char hints")
    ratios = settings.ratios
    if not ratios or any(not 0 < r <= 1 for r in ratios) or ratios != sorted(set(ratios)):
        raise SystemExit(f"--hint_ratios must be increasing fractions in (0, 1], got {settings.hint_ratios!r}")
    if settings.seeds < 1 or settings.steps < 1 or settings.num_generations < 2:
        raise SystemExit("--seeds and --steps must be >= 1 and --num_generations >= 2")
    if settings.first_seed < 0:
        raise SystemExit(f"--first_seed must be >= 0, got {settings.first_seed}")

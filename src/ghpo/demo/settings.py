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
    base_only: bool = _knob(False, "Stop after measuring the base model (warm-up + hint table): for calibration.")
    # --- the task (ghpo.arithmetic: level = number of steps) ---
    easy_levels: str = _knob("1-2", "Levels the warm-up shows as full worked solutions (the model's 'capacity').")
    hard_levels: str = _knob("4-6", "Levels of the RL pool: beyond the warm-up, where GRPO sees mostly all-fail "
                             "groups.")
    eval_levels: str = _knob("1-6", "Levels evaluated before and after RL (no hints).")
    eval_per_level: int = _knob(100, "Held-out problems per level and evaluation (100 give about ±9 points at 50 %).")
    rl_per_level: int = _knob(200, "Problems per hard level in the RL pool.")
    task_seed: int = _knob(0, "Seed of the task generator (warm-up, RL pool and evaluation sets are independent "
                           "draws).")
    # --- the base model ---
    hidden_size: int = _knob(64, "Width of the tiny Qwen2 model.")
    num_layers: int = _knob(4, "Transformer layers of the tiny model.")
    num_heads: int = _knob(4, "Attention heads of the tiny model.")
    vocab_size: int = _knob(400, "Size of the locally trained byte-level BPE (digits are always one token each).")
    # --- warm-up SFT (TRL SFTTrainer) ---
    warmup_examples: int = _knob(40000, "Warm-up examples (each seen once).")
    warmup_hinted_fraction: float = _knob(0.5, "Fraction of warm-up examples that continue from a solution prefix "
                                          "given in the prompt (teaches the model to read a hint and go on).")
    warmup_stretch_fraction: float = _knob(0.0, "Fraction of full (unhinted) warm-up solutions taken one level past "
                                           "the easy levels: a soft edge instead of a hard length ceiling.")
    warmup_max_remaining: int = _knob(2, "A hinted warm-up example leaves at most this many steps to the model.")
    warmup_lr: float = _knob(4e-3, "Warm-up learning rate (cosine schedule).")
    warmup_batch_size: int = _knob(32, "Warm-up batch size.")
    # --- RL (same for GRPO and GHPO) ---
    steps: int = _knob(60, "RL optimizer steps per run.")
    prompts_per_step: int = _knob(8, "Problems per RL step (each sampled num_generations times).")
    num_generations: int = _knob(8, "G: completions per problem (the group).")
    learning_rate: float = _knob(1e-4, "RL learning rate (constant).")
    temperature: float = _knob(1.0, "Sampling temperature during RL.")
    beta: float = _knob(0.0, "KL coefficient towards the base model (0: no reference model, TRL's default).")
    hint_ratios: str = _knob("0.25,0.5,0.75", "GHPO's hint ladder: fractions of the worked solution, tried in order.")
    hint_unit: str = _knob("line", "How hints are cut: line (whole solution steps), word or char (the paper's).",
                           choices=["line", "word", "char"])
    hint_lead_in: str = _knob(PAPER_HINT_LEAD_IN, "Text between question and hint (default: the paper's sentence).")
    ghpo_options: str = _knob("", "Extra GHPOConfig options for the GHPO run, comma-separated key=value (e.g. "
                              "'difficulty_memory=true,hint_first_generation=true' or 'ladder_mode=parallel').")
    seeds: int = _knob(1, "Repeat GRPO and GHPO with seeds 0..N-1 and report mean and 95 % interval per level.")
    # --- hardware ---
    device: str = _knob("cpu", "cpu or cuda.", choices=["cpu", "cuda"])
    bf16: bool = _knob(False, "bf16 training and generation (GPU).")
    threads: int = _knob(0, "torch CPU threads (0: torch's default, one per core).")

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
        names = ["easy_levels", "hard_levels", "eval_levels", "task_seed", "hidden_size", "num_layers", "num_heads",
                 "vocab_size", "warmup_examples", "warmup_hinted_fraction", "warmup_stretch_fraction",
                 "warmup_max_remaining", "warmup_lr",
                 "warmup_batch_size", "hint_lead_in", "bf16"]
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
QUICK = dict(eval_levels="1-5", hard_levels="4-5", eval_per_level=30, rl_per_level=16, warmup_examples=10000,
             warmup_hinted_fraction=0.0, warmup_batch_size=8, steps=3, prompts_per_step=4, num_generations=4)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ghpo demo",
        description="GRPO vs GHPO on a toy task, on CPU, with nothing to download: build a chained-arithmetic task "
        "and a tiny model, warm it up on the easy levels (cached), train GRPO and GHPO on the hard levels from the "
        "same base, evaluate per level and write report.md, plots and metrics.json. The first run spends ~7 min "
        "(one CPU core) on the warm-up and caches it; later runs take ~3 min per seed.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    for spec in fields(DemoSettings):
        flag, help_text = f"--{spec.name}", spec.metadata["help"].replace("%", "%%")  # argparse formats help with %
        if spec.type in ("bool", bool):
            parser.add_argument(flag, action="store_true", help=help_text)
            continue
        kind = {"int": int, "float": float}.get(spec.type if isinstance(spec.type, str) else spec.type.__name__, str)
        parser.add_argument(flag, type=kind, default=spec.default, help=help_text, choices=spec.metadata.get("choices"))
    return parser


def parse_settings(argv: list[str]) -> DemoSettings:
    parser = build_parser()
    namespace = parser.parse_args(argv)
    values = vars(namespace)
    if values["quick"]:
        given = {arg.split("=")[0].lstrip("-") for arg in argv if arg.startswith("--")}
        values.update({k: v for k, v in QUICK.items() if k not in given})
    settings = DemoSettings(**values)
    settings.argv = list(argv)  # for the report's "Command:" line; not a knob
    validate(settings)
    return settings


def validate(settings: DemoSettings) -> None:
    """Fail before any work on settings that cannot run."""
    easy, hard = settings.levels("easy_levels"), settings.levels("hard_levels")
    if min(easy + hard) < 1:
        raise SystemExit("levels start at 1 (level = number of steps)")
    ratios = settings.ratios
    if not ratios or any(not 0 < r <= 1 for r in ratios) or ratios != sorted(set(ratios)):
        raise SystemExit(f"--hint_ratios must be increasing fractions in (0, 1], got {settings.hint_ratios!r}")
    if settings.seeds < 1 or settings.steps < 1 or settings.num_generations < 2:
        raise SystemExit("--seeds and --steps must be >= 1 and --num_generations >= 2")

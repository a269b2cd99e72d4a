"""Each finished RL run of the demo, saved the moment it ends, so that nothing is lost when a long `--seeds 3` run
stops: the same command run again reuses every run it finds instead of training it again.

A saved run is `<output_dir>/runs/<arm>-seed<N>.json`: its result (accuracies, log, curve, ...) and a key. The key
hashes every knob that changes what one run produces, plus the base model's weights, so a run is reused only by a
command that would have trained the very same run; `--seeds`, `--first_seed`, `--arms` and the output folders are not in it (more
seeds or arms reuse the finished ones).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

# Knobs that do not change what one (arm, seed) run produces: where things go, how many runs, what the report or
# the warm-up check do with them, and where the base came from (its weights are hashed).
NOT_IN_KEY = {"output_dir", "cache_dir", "seeds", "first_seed", "arms", "threads", "base_only", "quick", "check_warmup",
              "reach_accuracy", "warmup_extensions", "warmup_extension_examples", "shipped_base"}
# Knobs that shape only some arms: in those arms' keys alone (so adding them kept every other saved run valid).
ARM_KNOBS = {**{arm: ("sft_epochs", "sft_learning_rate") for arm in ("sft", "sft-grpo", "sft-ghpo")},
             "ghpo-solved": ("solve_samples",)}


def run_key(settings, base_dir: Path) -> str:
    """Hash of the knobs that shape a run and of the base model's weights (an extended or rebuilt base differs)."""
    arm_knobs = {name for names in ARM_KNOBS.values() for name in names}
    knobs = {name: value for name, value in settings.to_dict().items() if name not in NOT_IN_KEY | arm_knobs}
    digest = hashlib.sha256(json.dumps(knobs, sort_keys=True).encode())
    for weights in sorted(Path(base_dir).glob("*.safetensors")):
        digest.update(weights.read_bytes())
    return digest.hexdigest()[:16]


def arm_key(key: str, settings, arm: str) -> str:
    """`key` for an arm whose own knobs (`ARM_KNOBS`) are hashed in too; `key` itself for every other arm."""
    if arm not in ARM_KNOBS:
        return key
    knobs = {name: getattr(settings, name) for name in ARM_KNOBS[arm]}
    return hashlib.sha256(json.dumps([key, knobs], sort_keys=True).encode()).hexdigest()[:16]


def run_path(output: Path, arm: str, seed: int) -> Path:
    return Path(output) / "runs" / f"{arm}-seed{seed}.json"


def save_run(output: Path, arm: str, seed: int, key: str, result: dict) -> Path:
    """Write one finished run (without the model objects), atomically: a crash mid-write leaves no half file."""
    path = run_path(output, arm, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    kept = {name: value for name, value in result.items() if name not in ("model", "tokenizer")}
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps({"key": key, "arm": arm, "seed": seed, "result": kept}, default=str))
    partial.replace(path)
    return path


def load_run(output: Path, arm: str, seed: int, key: str) -> dict | None:
    """The saved result of (arm, seed) if one was saved under this key, else None (missing, other settings or an
    unreadable file, which is then trained again)."""
    path = run_path(output, arm, seed)
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return levels_as_ints(saved["result"]) if saved.get("key") == key else None


def levels_as_ints(value):
    """JSON turns the level keys of {level: accuracy} into strings; turn them back, at any depth.

    >>> levels_as_ints({"accuracy": {"5": 0.1}, "curve": [{"step": 0, "greedy": {"7": 0.0}}]})
    {'accuracy': {5: 0.1}, 'curve': [{'step': 0, 'greedy': {7: 0.0}}]}
    """
    if isinstance(value, dict):
        return {int(k) if isinstance(k, str) and k.isdigit() else k: levels_as_ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [levels_as_ints(item) for item in value]
    return value

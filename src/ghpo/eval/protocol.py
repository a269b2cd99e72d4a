r"""An evaluation protocol: everything that decides what a model is asked and how it samples.

Two runs with the same protocol (and model, and backend) ask the same questions the same way.
Named presets, then an optional YAML protocol file, then command-line flags, each overriding
the one before:

| preset   | max new tokens | temperature | top_p | samples per problem        | where it comes from              |
|----------|----------------|-------------|-------|----------------------------|----------------------------------|
| paper    | 4,096          | 0.01        | 0.95  | 32 on aime24, 1 elsewhere  | the paper's token budget; the    |
|          |                |             |       |                            | temperature of the authors'      |
|          |                |             |       |                            | released lighteval command       |
| readme   | 8,192          | 0.01        | 0.95  | 32 on aime24, 1 elsewhere  | the authors' README, verbatim    |
| greedy   | 4,096          | 0 (greedy)  | 1.0   | 1 everywhere               | deterministic, cheapest          |

All presets use the paper's system prompt (<think>/<answer> format), the question alone as the
user message (no hint, ever), the model's own chat template, and the training checker's reading
of the answer (`answer_extraction: strict`; `lenient` also scores a final answer stated without a
box, see `ghpo.eval.extraction`).

    >>> resolve_protocol("greedy", overrides={"max_new_tokens": 256}).max_new_tokens
    256
    >>> resolve_protocol("paper").samples_for("aime24"), resolve_protocol("paper").samples_for("math500")
    (32, 1)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ghpo.data import PAPER_SYSTEM_PROMPT

from .extraction import ANSWER_EXTRACTIONS


@dataclass(frozen=True)
class Protocol:
    """How every benchmark is asked and sampled; see the module table for the presets."""

    name: str = "custom"
    system_prompt: str | None = PAPER_SYSTEM_PROMPT  # None or "": no system message
    user_template: str = "{question}"  # the user message; `{question}` is replaced by the question
    chat_template: str | None = None  # None: the tokenizer's own; "none": raw text, no template (base models)
    temperature: float = 0.0  # 0: greedy
    top_p: float = 1.0
    max_new_tokens: int = 4096
    samples: int = 1  # samples per problem (avg@k), unless samples_per_benchmark says otherwise
    samples_per_benchmark: dict[str, int] = field(default_factory=dict)
    seed: int = 0
    batch_size: int = 8  # sequences per `generate` call (transformers backend)
    answer_extraction: str = "strict"  # strict: as the training reward reads answers; lenient: also unboxed ones

    def __post_init__(self):
        if self.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")
        for name in ("max_new_tokens", "samples", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if any(k < 1 for k in self.samples_per_benchmark.values()):
            raise ValueError(f"samples_per_benchmark values must be >= 1, got {self.samples_per_benchmark}")
        if self.answer_extraction not in ANSWER_EXTRACTIONS:
            raise ValueError(f"answer_extraction must be one of {list(ANSWER_EXTRACTIONS)}, "
                             f"got {self.answer_extraction!r}")
        if "{question}" not in self.user_template:
            raise ValueError(f"user_template must contain '{{question}}', got {self.user_template!r}")

    def samples_for(self, benchmark: str) -> int:
        """Samples per problem on `benchmark` (k of avg@k)."""
        return self.samples_per_benchmark.get(benchmark, self.samples)

    @property
    def greedy(self) -> bool:
        return self.temperature == 0


PRESETS: dict[str, dict] = {
    "paper": dict(temperature=0.01, top_p=0.95, max_new_tokens=4096, samples=1, samples_per_benchmark={"aime24": 32}),
    "readme": dict(temperature=0.01, top_p=0.95, max_new_tokens=8192, samples=1, samples_per_benchmark={"aime24": 32}),
    "greedy": dict(temperature=0.0, top_p=1.0, max_new_tokens=4096, samples=1, samples_per_benchmark={}),
}
PROTOCOL_FIELDS = [f.name for f in dataclasses.fields(Protocol)]


def parse_samples_per_benchmark(text: str) -> dict[str, int]:
    """`"aime24=32,amc23=4"` -> `{"aime24": 32, "amc23": 4}`.

    >>> parse_samples_per_benchmark("aime24=32, amc23=4")
    {'aime24': 32, 'amc23': 4}
    """
    pairs = [item.split("=") for item in text.split(",") if item.strip()]
    if any(len(pair) != 2 for pair in pairs):
        raise ValueError(f"expected NAME=K[,NAME=K...], got {text!r}")
    return {name.strip(): int(k) for name, k in pairs}


def load_protocol_file(path: str | Path) -> dict:
    """A flat YAML mapping of Protocol fields; unknown keys are an error naming the valid ones."""
    values = yaml.safe_load(Path(path).read_text()) or {}
    if not isinstance(values, dict):
        raise ValueError(f"{path}: a protocol file is a flat YAML mapping of field: value")
    unknown = sorted(set(values) - set(PROTOCOL_FIELDS))
    if unknown:
        raise ValueError(f"{path}: unknown protocol field(s) {unknown}; valid: {PROTOCOL_FIELDS}")
    return values


def resolve_protocol(preset: str = "paper", file_values: dict | None = None, overrides: dict | None = None) -> Protocol:
    """Preset, then the protocol file's values, then explicit overrides (None values are ignored).

    Setting `samples` without `samples_per_benchmark` applies it everywhere (drops the preset's
    aime24 = 32), so `--samples 1` really means one sample per problem.

    >>> resolve_protocol("paper", overrides={"samples": 1}).samples_for("aime24")
    1
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose from {sorted(PRESETS)}")
    values = {"name": preset, **PRESETS[preset]}
    for layer in (file_values or {}, overrides or {}):
        layer = {key: value for key, value in layer.items() if value is not None}
        if "samples" in layer and "samples_per_benchmark" not in layer:
            values["samples_per_benchmark"] = {}
        values.update(layer)
    return Protocol(**values)

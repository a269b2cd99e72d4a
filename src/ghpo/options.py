"""Options `ghpo train` parses but cannot honour, and the stop that names them.

`ghpo train` parses three dataclasses: `GHPOScriptArguments` (data), `GHPOConfig` (training: ours plus every TRL
`GRPOConfig` / transformers `TrainingArguments` field) and TRL's `ModelConfig` (model loading). Each of their fields
is used — by ghpo's own code, or by TRL / transformers, to which the config is passed as it is — or listed here: a
value other than its default then stops the run with the reason, instead of being accepted and silently ignored.
`tests/test_options_audit.py` walks every field of the three and fails on one that is neither.
"""

from __future__ import annotations

import dataclasses

_NO_EVAL = ("ghpo train has no eval dataset, so TRL's evaluation loop never runs (eval_strategy stays 'no'); "
            "to follow benchmarks during training use eval_benchmarks and eval_benchmarks_steps")
_GRPO_SAMPLER = ("GRPO draws prompts with its own sampler (G completions per prompt, shuffled by seed), which "
                 "never reads it")

# Options read only by TRL's evaluation loop. A recipe with eval_strategy 'no' that sets them (the paper's sets
# do_eval and eval_steps) has them dropped with a warning (`drop_inert_eval_keys`); anywhere else they are refused.
EVAL_ONLY = (
    "eval_steps", "eval_delay", "per_device_eval_batch_size", "prediction_loss_only", "eval_on_start",
    "eval_do_concat_batches", "eval_use_gather_object", "eval_accumulation_steps", "batch_eval_metrics",
    "include_for_metrics", "load_best_model_at_end", "metric_for_best_model", "greater_is_better", "bf16_full_eval",
    "fp16_full_eval", "num_generations_eval", "do_eval", "do_predict")

# field -> why it does nothing under `ghpo train` (refused when set to anything but its default)
NOT_FOR_GHPO: dict[str, str] = {
    # TRL's ScriptArguments
    "dataset_test_split": _NO_EVAL,
    "dataset_streaming": "GHPO validates and maps every row before training (ghpo data check); streamed datasets "
                         "are not supported: download the split or pass a local file",
    "ignore_bias_buffers": "a DPO option of TRL's scripts; GRPO has no use for it",
    # transformers' TrainingArguments / TRL's GRPOConfig: evaluation
    "eval_strategy": _NO_EVAL,
    **{name: _NO_EVAL for name in EVAL_ONLY},
    "do_train": "ghpo train always trains; the flag is read by no code (transformers documents it as a script hint)",
    # ... the sampler and the loss, which GRPO replaces
    "train_sampling_strategy": _GRPO_SAMPLER,
    "length_column_name": _GRPO_SAMPLER,
    "label_smoothing_factor": "GRPO computes its own policy loss; transformers' label smoothing never applies",
    "label_names": "GRPO batches have no labels; its loss reads the completions",
    "remove_unused_columns": "GHPO needs every dataset column (the worked solution hints are cut from, the gold "
                             "answer the rewards read): TRL would drop them",
    "max_tool_calling_iterations": "ghpo train passes no tools (the hint ladder does not support them yet)",
}

# field -> (the option it only applies with, why): set without it, the field would do nothing
NEEDS: dict[str, tuple[str, str]] = {
    **{name: ("use_peft", "a LoRA setting, read only when use_peft is true") for name in (
        "lora_r", "lora_alpha", "lora_dropout", "lora_target_modules", "lora_target_parameters",
        "lora_modules_to_save", "lora_task_type", "use_rslora", "use_dora")},
    **{name: ("load_in_4bit", "a 4-bit (QLoRA) quantisation setting, read only with load_in_4bit") for name in (
        "bnb_4bit_quant_type", "use_bnb_nested_quant", "bnb_4bit_quant_storage")},
}


def field_default(config_field: dataclasses.Field):
    """A dataclass field's declared default (its factory's value for list / dict fields)."""
    if config_field.default is not dataclasses.MISSING:
        return config_field.default
    if config_field.default_factory is not dataclasses.MISSING:
        return config_field.default_factory()
    return dataclasses.MISSING


def _plain(value):
    return getattr(value, "value", value)  # transformers' str enums (IntervalStrategy.NO) compare as their value


def options_set(*configs) -> dict[str, object]:
    """{field: value} of every field of `configs` (dataclass instances) whose value is not its declared default.

    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class Example:
    ...     steps: int = 10
    ...     name: str = "a"
    >>> options_set(Example(steps=3))
    {'steps': 3}
    """
    changed = {}
    for config in configs:
        for config_field in dataclasses.fields(config):
            value = getattr(config, config_field.name)
            if _plain(value) != _plain(field_default(config_field)):
                changed[config_field.name] = value
    return changed


def unhonoured_options(*configs) -> list[str]:
    """One message per option that is set but would do nothing (see `NOT_FOR_GHPO` and `NEEDS`); [] if none.

    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class Model:
    ...     use_peft: bool = False
    ...     lora_r: int = 16
    >>> unhonoured_options(Model(lora_r=8))
    ['lora_r=8 needs use_peft: a LoRA setting, read only when use_peft is true']
    >>> unhonoured_options(Model(use_peft=True, lora_r=8))
    []
    """
    changed = {name: _plain(value) for name, value in options_set(*configs).items()}
    by_reason: dict[str, list[str]] = {}  # one line per reason: eval_strategy also sets eval_steps and do_eval
    for name, value in changed.items():
        if name in NOT_FOR_GHPO:
            by_reason.setdefault(NOT_FOR_GHPO[name], []).append(f"{name}={value!r}")
    messages = [f"{', '.join(names)}: not used by ghpo train: {why}" for why, names in by_reason.items()]
    for name, value in changed.items():
        if name in NEEDS and NEEDS[name][0] not in changed:
            needed, why = NEEDS[name]
            messages.append(f"{name}={value!r} needs {needed}: {why}")
    return messages


def drop_inert_eval_keys(recipe: dict) -> tuple[dict, list[str]]:
    """Recipe dict -> (without its evaluation-only keys when it leaves eval_strategy at 'no', warnings). Pure.

    >>> drop_inert_eval_keys({"do_eval": True, "eval_strategy": "no", "seed": 1})
    ({'eval_strategy': 'no', 'seed': 1}, ["recipe key 'do_eval' ignored: eval_strategy is 'no' (ghpo train has no eval dataset)"])
    """
    if str(recipe.get("eval_strategy", "no")) != "no":
        return dict(recipe), []  # eval_strategy itself is refused later, with the reason
    kept = {key: value for key, value in recipe.items() if key not in EVAL_ONLY}
    return kept, [f"recipe key {key!r} ignored: eval_strategy is 'no' (ghpo train has no eval dataset)"
                  for key in recipe if key in EVAL_ONLY]

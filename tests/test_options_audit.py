"""No option `ghpo train` accepts is silently ignored: every field of the three dataclasses it parses is used, or
refused with its reason (`ghpo.options`).

Who reads what: `GHPOScriptArguments` and TRL's `ModelConfig` are read by ghpo's train.py alone (and by TRL's
`get_peft_config` / `get_quantization_config`, which it calls); GHPO's own `GHPOConfig` fields by ghpo's trainer and
its mixins; the other `GHPOConfig` fields — TRL's `GRPOConfig` and transformers' `TrainingArguments` — by TRL and
transformers, to which `ghpo train` hands the config as it is. A new field in any of them (a TRL upgrade, a new
ghpo option) fails here until it is wired or listed in `ghpo.options`.
"""

import dataclasses
import inspect
import re
from pathlib import Path

import accelerate
import pytest
import transformers
import trl
from trl import GRPOConfig, ModelConfig, get_peft_config, get_quantization_config

import ghpo.train
from ghpo.config import GHPOConfig
from ghpo.options import NEEDS, NOT_FOR_GHPO, field_default, unhonoured_options
from ghpo.train import GHPOScriptArguments, check_options, parse_args

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--config", str(ROOT / "recipes" / "tiny_cpu.yaml")]
# what train.py reads, plus the TRL helpers it hands ModelConfig to (only those it really calls)
TRAIN_SOURCE = inspect.getsource(ghpo.train) + "".join(
    inspect.getsource(helper) for helper in (get_peft_config, get_quantization_config)
    if f"{helper.__name__}(model_args)" in inspect.getsource(ghpo.train))
CONFIG_SOURCE = (ROOT / "src" / "ghpo" / "config.py").read_text()
# config.py declares and validates every field (not a use), then derives properties from some (a use)
GHPO_SOURCE = "\n".join([*(path.read_text() for path in (ROOT / "src" / "ghpo").rglob("*.py")
                           if path.name != "config.py"), CONFIG_SOURCE[CONFIG_SOURCE.index("    @property"):]])
GRPO_FIELDS = {f.name for f in dataclasses.fields(GRPOConfig)}


def library_source() -> str:
    files = [*Path(trl.__file__).parent.rglob("*.py"), *Path(accelerate.__file__).parent.rglob("*.py"),
             *(path for path in Path(transformers.__file__).parent.rglob("*.py") if "models" not in path.parts)]
    return "\n".join(path.read_text(errors="ignore") for path in files)


LIBRARY_SOURCE = library_source()


def reads(source: str, name: str, owner: str = r"\w+") -> bool:
    """Whether `source` reads attribute `name` off an object (`args.name`, `self.name`, getattr(x, 'name'))."""
    return bool(re.search(rf"\b{owner}\.{name}\b", source) or re.search(rf"getattr\([^,]+, ['\"]{name}['\"]", source))


def all_fields():
    for cls in (GHPOScriptArguments, GHPOConfig, ModelConfig):
        for config_field in dataclasses.fields(cls):
            yield cls, config_field


def another_value(config_field: dataclasses.Field):
    """A value different from the field's default, of a plausible type (the check compares, never validates)."""
    default = field_default(config_field)
    if isinstance(default, bool):
        return not default
    if isinstance(default, (int, float)) and not isinstance(default, bool):
        return default + 1
    if isinstance(default, list):
        return [*default, "x"]
    return f"{default}-changed" if isinstance(default, str) else "set"


@pytest.mark.parametrize("cls, config_field", list(all_fields()),
                         ids=[f"{cls.__name__}.{f.name}" for cls, f in all_fields()])
def test_every_option_is_used_or_refused(cls, config_field):
    name = config_field.name
    if name in NOT_FOR_GHPO:
        return  # refused: see the next test
    if cls is GHPOScriptArguments:
        assert reads(TRAIN_SOURCE, name, "script_args"), f"ghpo train never reads --{name}: wire it or list it"
    elif cls is ModelConfig:
        assert reads(TRAIN_SOURCE, name, "model_args"), f"ghpo train never reads --{name}: wire it or list it"
    elif name not in GRPO_FIELDS:  # one of GHPO's own
        assert reads(GHPO_SOURCE, name), f"GHPOConfig.{name} is read by no ghpo code: wire it or list it"
    else:  # TRL's or transformers': the config reaches them as it is
        assert reads(LIBRARY_SOURCE, name), f"--{name} is read by neither TRL nor transformers: list it"


@pytest.fixture(scope="module")
def parsed():
    return parse_args(TINY)


@pytest.mark.parametrize("name", sorted(NOT_FOR_GHPO) + sorted(NEEDS))
def test_a_listed_option_set_alone_is_refused_with_its_reason(parsed, name):
    configs = list(parsed)
    (owner,) = [config for config in configs if name in {f.name for f in dataclasses.fields(config)}]
    config_field = next(f for f in dataclasses.fields(owner) if f.name == name)
    original = getattr(owner, name)
    setattr(owner, name, another_value(config_field))
    try:
        messages = unhonoured_options(*configs)
    finally:
        setattr(owner, name, original)
    assert any(name in message for message in messages), messages
    why = NOT_FOR_GHPO.get(name) or NEEDS[name][1]
    assert any(why in message for message in messages)


def test_the_listed_options_exist():
    names = {config_field.name for _, config_field in all_fields()}
    assert set(NOT_FOR_GHPO) | set(NEEDS) <= names
    assert {needed for needed, _ in NEEDS.values()} <= names


def test_the_tiny_recipe_and_the_papers_use_no_refused_option():
    check_options(*parse_args(TINY))  # raises SystemExit if it did
    paper = parse_args(["--config", str(ROOT / "tests" / "data" / "paper_config_ghpo.yaml"), "--bf16", "false"])
    assert unhonoured_options(*paper) == []  # its do_eval / eval_steps are dropped with a warning (eval is 'no')


@pytest.mark.parametrize("flags, message", [
    (["--eval_strategy", "steps"], "no eval dataset"),
    (["--dataset_streaming", "true"], "streamed datasets are not supported"),
    (["--remove_unused_columns", "true"], "GHPO needs every dataset column"),
    (["--train_sampling_strategy", "group_by_length"], "its own sampler"),
])
def test_refused_options_stop_ghpo_train_from_the_command_line(flags, message):
    with pytest.raises(SystemExit, match=message):
        check_options(*parse_args([*TINY, *flags]))


def test_model_init_kwargs_reach_from_pretrained(tmp_path):
    # TRL reads model_init_kwargs only when it loads the model itself; ghpo loads it, so ghpo must apply them
    args = parse_args([*TINY, "--output_dir", str(tmp_path), "--model_init_kwargs", '{"low_cpu_mem_usage": true}'])
    assert ghpo.train.model_load_kwargs(args[2], args[1])["low_cpu_mem_usage"] is True

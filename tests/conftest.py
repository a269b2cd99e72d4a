"""Shared fixtures: one tiny local model for every trainer test, and one helper that builds a trainer."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from ghpo.testing import build_test_model_dir  # noqa: E402


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> str:
    return build_test_model_dir(tmp_path_factory.mktemp("tiny-model"))

"""The examples in every `ghpo` module's docstrings are part of its documentation: keep them true."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import ghpo

MODULES = sorted(info.name for info in pkgutil.walk_packages(ghpo.__path__, "ghpo."))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    assert doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS).failed == 0


def test_the_modules_with_examples_are_found():
    assert {"ghpo.answers", "ghpo.arithmetic", "ghpo.demo.report", "ghpo.eval.stats", "ghpo.hints", "ghpo.reach"} <= set(MODULES)

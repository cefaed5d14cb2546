from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize("module", ["config", "detector", "novelty", "shift", "suppression", "surprisal"])
def test_it_keeps_the_docstring_examples_true(module: str) -> None:
    # given
    imported = importlib.import_module(f"kernels.regime.{module}")
    # when
    result = doctest.testmod(imported)
    # then
    assert result.failed == 0 and result.attempted > 0

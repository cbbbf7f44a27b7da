"""The ``>>>`` examples of every qnet_hardware module run (fake devices only, no network)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["cost", "credentials", "devices", "isa", "jobs", "layout", "report", "runner",
           "scale", "calibration", "columns"]


@pytest.mark.parametrize("name", MODULES)
def test_module_examples_run(name: str) -> None:
    module = importlib.import_module(f"qnet_hardware.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"qnet_hardware.{name} has no examples"
    assert result.failed == 0

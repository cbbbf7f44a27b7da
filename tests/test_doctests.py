"""Every ``>>>`` example in the package runs and prints what it says."""

import doctest
import importlib
import pkgutil

import pytest

import qnet_circuits

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(qnet_circuits.__path__, "qnet_circuits.")
    if not m.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_module_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"

"""Closed forms of qnet_circuits.physics: spot values of the reference implementation, limits and
docstring examples, against the reference tables (to their printed precision)."""

from __future__ import annotations

import math

import pytest

from qnet_circuits import physics as ph
from tests.physics.helpers import printed

# ---------------------------------------------------------------------------------------------
# 15. Spot values of the reference implementation, limits, docstring examples
# ---------------------------------------------------------------------------------------------


def test_reference_spot_values():
    assert ph.single_click(0.1, 0.01, 1e-5) == (printed("2.018940e-3"), printed("0.892431"))
    assert ph.double_click(0.01, 1e-5) == (printed("5.039638e-5"), printed("0.994081"))
    assert ph.swap_werner(0.95, 0.95, 0.02, 0.01) == printed("0.873278")
    assert ph.bbpssw(0.8) == (printed("0.838150"), printed("0.768889"))
    assert ph.storage_fidelity_both(0.3, 1, 1.5) == printed("0.739157")
    assert ph.key_rate_bbm92(0.05) == printed("0.427206")
    assert ph.key_rate_di(0.05, 2.545584) == printed("0.224950")
    assert ph.plob(0.01) == printed("0.0144996")
    assert ph.plob_chain(1e-10, 8) == printed("0.0834991")
    assert ph.expected_max_geometric(4, 0.1) == printed("20.273378")
    assert ph.ubqc_line_p0(math.pi / 2, math.pi / 4) == printed("0.853553")


def test_scaling_limits():
    # small p: E[max of N geometric] -> H_N / p (not the 3/2 rule)
    for n in (2, 4, 8):
        harmonic = sum(1 / k for k in range(1, n + 1))
        assert ph.expected_max_geometric(n, 1e-6) * 1e-6 == pytest.approx(harmonic, rel=1e-5)
    # section 2c comparison: MSM eta/4, Barrett-Kok eta/2, single-click ~ 2 alpha sqrt(eta)
    for length in (50, 100, 200):
        eta = ph.transmissivity(length)
        arm = ph.arm_efficiency(length)
        assert ph.midpoint_source(arm) == pytest.approx(eta / 4)
        assert ph.double_click(arm)[0] == pytest.approx(eta / 2)
        assert ph.single_click(0.1, arm)[0] == pytest.approx(0.2 * math.sqrt(eta), rel=0.1)


def test_docstring_examples_run():
    import doctest
    import importlib
    import pkgutil

    attempted = failed = 0
    for info in pkgutil.iter_modules(ph.__path__):
        module = importlib.import_module(f"{ph.__name__}.{info.name}")
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        attempted += result.attempted
        failed += result.failed
    assert attempted > 50
    assert failed == 0

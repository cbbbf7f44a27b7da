"""Closed forms of qnet_circuits.physics: fundamental bounds (section 9), against the reference tables
(to their printed precision) and independent numpy density-matrix cross-checks."""

from __future__ import annotations

import math

import pytest

from qnet_circuits import physics as ph
from tests.physics.helpers import printed

# ---------------------------------------------------------------------------------------------
# 9. Bounds
# ---------------------------------------------------------------------------------------------

PLOB_TABLE = [
    (10, "0.631", "1.4381", "0.9086", "2.1439", ("2.2816", "3.2009", "4.1600", "5.1394")),
    (50, "0.1", "0.15200", "0.14400", "0.28951", ("0.54841", "1.1921", "1.9994", "2.8993")),
    (100, "1e-2", "1.4500e-2", "1.44e-2", "2.8855e-2", ("0.15200", "0.54841", "1.1921", "1.9994")),
    (150, "1e-3", "1.4434e-3", "1.44e-3", "2.8854e-3",
     ("4.6359e-2", "0.28249", "0.79010", "1.5120")),
    (200, "1e-4", "1.4428e-4", "1.44e-4", "2.8854e-4",
     ("1.4500e-2", "0.15200", "0.54841", "1.1921")),
    (300, "1e-6", "1.4427e-6", "1.44e-6", "2.8854e-6",
     ("1.4434e-3", "4.6359e-2", "0.28249", "0.79010")),
    (400, "1e-8", "1.4427e-8", "1.44e-8", "2.8854e-8",
     ("1.4428e-4", "1.4500e-2", "0.15200", "0.54841")),
    (500, "1e-10", "1.4427e-10", "1.44e-10", "2.8854e-10",
     ("1.4427e-5", "4.5694e-3", "8.3499e-2", "0.39050")),
    (1000, "1e-20", "1.4427e-20", "1.44e-20", "2.8854e-20",
     ("1.4427e-10", "1.4427e-5", "4.5694e-3", "8.3499e-2")),
]


@pytest.mark.parametrize("length, eta, plob, approx, tgw, chain", PLOB_TABLE)
def test_plob_table(length, eta, plob, approx, tgw, chain):
    e = ph.transmissivity(length)
    assert e == printed(eta)
    assert ph.plob(e) == printed(plob)
    assert 1.44 * e == printed(approx)
    assert ph.tgw(e) == printed(tgw)
    assert ph.tgw(e) >= ph.plob(e)
    for n, v in zip((2, 4, 8, 16), chain, strict=True):
        assert ph.plob_chain(e, n) == printed(v)
        assert ph.plob_chain(e, n) == pytest.approx(ph.plob(ph.transmissivity(length / n)))


def test_plob_spot_values_and_rates():
    assert ph.plob(0.01) == printed("0.0144996")
    assert ph.plob_chain(1e-10, 8) == printed("0.0834991")
    assert ph.plob(1e-20) > 0  # the naive formula underflows to 0 here
    clock = 1e9
    assert clock * ph.plob(ph.transmissivity(100)) == printed("1.45e7")
    assert clock * ph.plob(ph.transmissivity(200)) == printed("1.44e5")
    assert clock * ph.plob(ph.transmissivity(300)) == printed("1.44e3")
    assert clock * ph.plob(ph.transmissivity(500)) == printed("0.144")
    assert ph.plob_chain(0.3, 1) == ph.plob(0.3)
    assert ph.plob(1.0) == math.inf
    with pytest.raises(ValueError, match="eta"):
        ph.plob(1.5)
    with pytest.raises(ValueError, match="n_segments"):
        ph.plob_chain(0.1, 0)

"""Closed forms of qnet_circuits.physics: GHZ sensing (section 12), against the reference tables
(to their printed precision) and independent numpy density-matrix cross-checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnet_circuits import physics as ph
from tests.physics.helpers import printed


@pytest.mark.parametrize("n, parity, sql, hl, gain", [
    (2, "0.980067", "0.5", "0.25", "1.414"), (3, "0.955336", "0.33333", "0.11111", "1.732"),
    (4, "0.921061", "0.25", "0.0625", "2"), (8, "0.696707", "0.125", "0.015625", "2.828"),
])
def test_ghz_table(n, parity, sql, hl, gain):
    assert ph.ghz_parity(n, 0.1) == printed(parity)
    assert ph.sql_variance(n) == printed(sql)
    assert ph.heisenberg_variance(n) == printed(hl)
    assert math.sqrt(ph.sql_variance(n) / ph.heisenberg_variance(n)) == printed(gain)
    # state check: P(phi)^N on GHZ_N, <X...X>
    dim = 2**n
    ghz = np.zeros(dim, complex)
    ghz[0] = ghz[-1] = 1 / math.sqrt(2)
    phases = np.array([np.exp(1j * 0.1 * bin(k).count("1")) for k in range(dim)])
    psi = phases * ghz
    xn = psi[::-1]  # X on every qubit reverses the computational basis
    assert float(np.real(psi.conj() @ xn)) == pytest.approx(ph.ghz_parity(n, 0.1), abs=1e-12)


@pytest.mark.parametrize("n, lam, contrast, v_ghz, v_prod", [
    (4, 0.99, "0.9606", "0.06773", "0.25508"), (4, 0.9, "0.6561", "0.14519", "0.30864"),
    (8, 0.95, "0.6634", "0.03550", "0.13850"), (8, 0.9, "0.4305", "0.08432", "0.15432"),
])
def test_dephased_sensing_table(n, lam, contrast, v_ghz, v_prod):
    assert lam**n == printed(contrast)
    assert ph.ghz_dephased_variance(n, lam) == printed(v_ghz)
    assert ph.product_dephased_variance(n, lam) == printed(v_prod)
    # parity estimator at N phi = pi/2 with contrast lambda^N gives the same variance
    phi = math.pi / (2 * n)
    assert ph.parity_estimator_variance(n, phi, lam**n) == pytest.approx(
        ph.ghz_dephased_variance(n, lam)
    )


def test_parity_estimator_variance():
    for phi in (0.05, 0.2, 0.33):
        assert ph.parity_estimator_variance(4, phi, 1.0, nu=10) == pytest.approx(
            ph.heisenberg_variance(4, nu=10)
        )
    with pytest.raises(ValueError, match="insensitive"):
        ph.parity_estimator_variance(4, 0.0)
    with pytest.raises(ValueError, match="nu"):
        ph.heisenberg_variance(4, nu=0)
    with pytest.raises(ValueError, match="contrast"):
        ph.parity_estimator_variance(4, 0.1, 1.2)

"""Closed forms of qnet_circuits.physics: blind quantum computation (section 11), against the reference tables
(to their printed precision) and independent numpy density-matrix cross-checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnet_circuits import physics as ph
from tests.physics.helpers import H, printed

# ---------------------------------------------------------------------------------------------
# 11-13. Blind QC, sensing, remote CNOT
# ---------------------------------------------------------------------------------------------


def test_ubqc_and_traps():
    pi = math.pi
    assert ph.ubqc_line_p0(pi / 2, pi / 2) == pytest.approx(1.0)
    assert ph.ubqc_line_p0(pi / 2, 3 * pi / 2) == pytest.approx(0.0)
    assert ph.ubqc_line_p0(pi / 2, pi / 4) == printed("0.853553")
    assert ph.ubqc_line_p0(pi / 4, pi / 4) == printed("0.75")
    assert ph.ubqc_line_p0(0.0, 1.234) == pytest.approx(0.5)
    # the ideal computation H P(-phi2) H P(-phi1)|+>, probability of |0>
    for phi1, phi2 in [(pi / 2, pi / 4), (pi / 4, pi / 4), (0.3, 2.1)]:
        def p_gate(t):
            return np.diag([1.0, np.exp(1j * t)])

        psi = H @ p_gate(-phi2) @ H @ p_gate(-phi1) @ np.array([1, 1]) / math.sqrt(2)
        assert abs(psi[0]) ** 2 == pytest.approx(ph.ubqc_line_p0(phi1, phi2), abs=1e-12)
    assert ph.trap_detection_probability(5, 1) == pytest.approx(0.2)
    assert ph.trap_detection_probability(5, 10) == printed("0.8926")
    assert ph.trap_detection_probability(5, 50) == printed("0.99999")
    with pytest.raises(ValueError, match="n_positions"):
        ph.trap_detection_probability(0, 3)
    with pytest.raises(ValueError, match="phi1"):
        ph.ubqc_line_p0(float("nan"), 0.0)

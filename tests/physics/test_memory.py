"""Closed forms of qnet_circuits.physics: memory decoherence (section 7), against the reference tables
(to their printed precision) and independent numpy density-matrix cross-checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnet_circuits import physics as ph
from tests.physics.helpers import printed

# ---------------------------------------------------------------------------------------------
# 7. Memory decoherence
# ---------------------------------------------------------------------------------------------

INF = math.inf

RELAX_AER_TABLE = [
    (1.0, 0.5, 0.1, "0.885575", "0.792107"),
    (1.0, 1.0, 0.3, "0.805614", "0.678403"),
    (1.0, 1.5, 0.3, "0.844570", "0.739157"),
    (1.0, 2.0, 0.5, "0.791033", "0.683940"),
    (INF, 1.0, 0.5, "0.803265", "0.683940"),
    (10.0, 1.0, 1.0, "0.660149", "0.524614"),
    (1.0, 0.1, 0.05, "0.791073", "0.660744"),
]


def _relaxed_pair(t_a, t_b, t1a, t2a, t1b, t2b, w=1.0):
    rho = ph.bell_diagonal_density_matrix(ph.werner_coefficients((1 + 3 * w) / 4))
    rho = ph.relax_density_matrix(rho, 0, t_a, t1a, t2a)
    return ph.relax_density_matrix(rho, 1, t_b, t1b, t2b)


@pytest.mark.parametrize("t1, t2, t, one, both", RELAX_AER_TABLE)
def test_storage_table(t1, t2, t, one, both):
    f1 = ph.storage_fidelity_one(t, t1, t2)
    f2 = ph.storage_fidelity_both(t, t1, t2)
    assert f1 == printed(one)
    assert f2 == printed(both)
    assert f1 == pytest.approx(ph.fidelity_phi_plus(_relaxed_pair(t, 0, t1, t2, t1, t2)), abs=1e-14)
    assert f2 == pytest.approx(ph.fidelity_phi_plus(_relaxed_pair(t, t, t1, t2, t1, t2)), abs=1e-14)


MORE_STORAGE = [
    # t (T2 = 1), one inf, both inf, one T1=1, both T1=1, one T1=10, both T1=10
    (0.001, ("0.999500", "0.999001", "0.999250", "0.998502", "0.999475", "0.998951")),
    (0.01, ("0.995025", "0.990099", "0.992537", "0.985174", "0.994775", "0.989600")),
    (0.1, ("0.952419", "0.909365", "0.928628", "0.866312", "0.949931", "0.904440")),
    (0.5, ("0.803265", "0.683940", "0.704898", "0.564614", "0.791073", "0.660744")),
    (1.0, ("0.683940", "0.567668", "0.525910", "0.451396", "0.660149", "0.524614")),
]


@pytest.mark.parametrize("t, values", MORE_STORAGE)
def test_storage_more_values(t, values):
    got = []
    for t1 in (INF, 1.0, 10.0):
        got += [ph.storage_fidelity_one(t, t1, 1.0), ph.storage_fidelity_both(t, t1, 1.0)]
    assert got == [printed(v) for v in values]
    # pure dephasing closed forms
    assert got[0] == pytest.approx((1 + math.exp(-t)) / 2, rel=1e-14)
    assert got[1] == pytest.approx((1 + math.exp(-2 * t)) / 2, rel=1e-14)


def test_storage_werner_input_and_general():
    assert ph.storage_fidelity(0.3, 0.0, 1.0, 1.5, 1.0, 1.5, w=0.9) == printed("0.785113")
    assert ph.storage_fidelity(0.3, 0.3, 1.0, 1.5, 1.0, 1.5, w=0.9) == printed("0.691920")
    rng = np.random.default_rng(11)
    for _ in range(6):
        t1a, t1b = rng.uniform(0.5, 3.0, 2)
        t2a, t2b = rng.uniform(0.1, 1.0, 2) * 2 * np.array([t1a, t1b])
        ta, tb = rng.uniform(0, 2, 2)
        w = rng.uniform(-1 / 3, 1)
        expected = ph.fidelity_phi_plus(_relaxed_pair(ta, tb, t1a, t2a, t1b, t2b, w))
        got = ph.storage_fidelity(ta, tb, t1a, t2a, t1b, t2b, w=w)
        assert got == pytest.approx(expected, abs=1e-14)
    # curiosity: pure T1 decay with T2 = 2 T1 on both equals pure dephasing with T2 = T1
    t = 0.37
    assert ph.storage_fidelity_both(t, 1.0, 2.0) == pytest.approx(
        ph.storage_fidelity_both(t, INF, 1.0), rel=1e-14
    )
    assert ph.storage_fidelity_both(t, 1.0, 2.0) == pytest.approx((1 + math.exp(-2 * t)) / 2)


def test_relax_single_qubit_sanity():
    one = np.kron(np.diag([1.0, 0.0]), np.diag([0.0, 1.0]))  # qubit 0 in |1>, qubit 1 in |0>
    out = ph.relax_density_matrix(one, 0, 0.4, 1.0, 1.0)
    assert out[1, 1].real == printed("0.670320")
    assert out[1, 1].real == pytest.approx(math.exp(-0.4), rel=1e-14)
    plus = np.kron(np.diag([1.0, 0.0]), np.full((2, 2), 0.5))  # qubit 0 in |+>
    out = ph.relax_density_matrix(plus, 0, 0.4, 1.0, 1.5)
    assert abs(out[0, 1]) == printed("0.382964")
    assert abs(out[0, 1]) == pytest.approx(0.5 * math.exp(-0.4 / 1.5), rel=1e-14)
    # trace preserving and positive for a random state
    rng = np.random.default_rng(3)
    g = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    rho = g @ g.conj().T
    rho /= np.trace(rho)
    for q in (0, 1):
        out = ph.relax_density_matrix(rho, q, 0.7, 1.3, 2.0)
        assert np.trace(out).real == pytest.approx(1.0, abs=1e-14)
        assert np.linalg.eigvalsh(out).min() > -1e-14


@pytest.mark.parametrize("t1, t2, t", [(1.0, 0.5, 0.1), (1.0, 1.5, 0.3), (1.0, 2.0, 0.5),
                                       (INF, 1.0, 0.5), (2.0, 0.3, 0.7)])
def test_relax_matches_aer_thermal_relaxation(t1, t2, t):
    """Exact agreement with qiskit-aer's thermal_relaxation_error on either qubit."""
    noise = pytest.importorskip("qiskit_aer.noise")
    qi = pytest.importorskip("qiskit.quantum_info")
    rng = np.random.default_rng(5)
    g = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    rho = g @ g.conj().T
    rho /= np.trace(rho)
    channel = noise.thermal_relaxation_error(t1, t2, t).to_quantumchannel()
    for q in (0, 1):
        expected = qi.DensityMatrix(rho).evolve(channel, qargs=[q]).data
        assert np.allclose(ph.relax_density_matrix(rho, q, t, t1, t2), expected, atol=1e-12)


def test_decoherence_bad_input():
    with pytest.raises(ValueError, match="T2 <= 2\\*T1"):
        ph.validate_t1_t2(1.0, 2.5)
    with pytest.raises(ValueError, match="t1_s"):
        ph.validate_t1_t2(0.0, 1.0)
    with pytest.raises(ValueError, match="t2_s"):
        ph.storage_fidelity_one(0.1, 1.0, -1.0)
    with pytest.raises(ValueError, match="t_s"):
        ph.relax_density_matrix(np.eye(4) / 4, 0, -0.1, 1.0, 1.0)
    with pytest.raises(ValueError, match="qubit"):
        ph.relax_density_matrix(np.eye(4) / 4, 2, 0.1, 1.0, 1.0)
    with pytest.raises(ValueError, match="t_b_s"):
        ph.storage_fidelity(0.1, -1.0, 1.0, 1.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="w must be"):
        ph.storage_fidelity(0.1, 0.1, 1.0, 1.0, 1.0, 1.0, w=1.5)
    assert ph.validate_t1_t2(INF, INF) == (INF, INF)

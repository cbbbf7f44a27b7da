"""Heralded Bell-pair generation: exact heralded states against reference section 2 (and 7)."""

import math

import numpy as np
import pytest
from qiskit.quantum_info import DensityMatrix

from qnet_circuits import physics
from qnet_circuits.library.generation import (
    bell_diagonal_pair,
    heralded_link,
    heralded_state,
    werner_pair,
)
from qnet_circuits.network import chain
from qnet_circuits.physics import link_theory
from qnet_circuits.run import heralded_density_matrix


def _exact(scheme, length_km, correction="deferred", **kw):
    net = chain(1, length_km, scheme=scheme, **kw)
    rho, p = heralded_density_matrix(heralded_link(net.links[0], correction=correction), net)
    return net, rho, p


# Reference section 2a per-link table: L, eta_det, alpha, p(pd=0), F(pd=0), p(pd=1e-6), F(pd=1e-6)
SINGLE_CLICK_ROWS = [
    (10, 1.0, 0.1, 1.5256e-1, 0.93722, 1.5256e-1, 0.93721),
    (50, 1.0, 0.05, 3.1373e-2, 0.95757, 3.1375e-2, 0.95751),
    (50, 0.3, 0.1, 1.8884e-2, 0.90429, 1.8886e-2, 0.90420),
    (100, 0.3, 0.05, 2.9978e-3, 0.95071, 2.9997e-3, 0.95011),
]


@pytest.mark.parametrize(("L", "eta_det", "alpha", "p0", "f0", "p6", "f6"), SINGLE_CLICK_ROWS)
def test_single_click_circuit_reproduces_reference_table(L, eta_det, alpha, p0, f0, p6, f6):
    for pd, p_ref, f_ref in ((0.0, p0, f0), (1e-6, p6, f6)):
        _, rho, p = _exact("single-click", L, alpha=alpha, detector_efficiency=eta_det,
                           dark_count_prob=pd)
        assert p == pytest.approx(p_ref, rel=5e-4)
        assert physics.fidelity_phi_plus(rho.data) == pytest.approx(f_ref, abs=1e-5)


# Reference section 2b per-link table: L, eta_det, p(pd=0), (p, F)(pd=1e-6), (p, F)(pd=1e-4)
DOUBLE_CLICK_ROWS = [
    (10, 1.0, 3.1548e-1, (3.1548e-1, 1.0), (3.1554e-1, 0.99964)),
    (50, 0.3, 4.5000e-3, (4.5003e-3, 0.99994), (4.5344e-3, 0.99412)),
    (100, 1.0, 5.0000e-3, (5.0004e-3, 0.99994), (5.0360e-3, 0.99444)),
]


@pytest.mark.parametrize(("L", "eta_det", "p0", "row6", "row4"), DOUBLE_CLICK_ROWS)
def test_double_click_circuit_reproduces_reference_table(L, eta_det, p0, row6, row4):
    for pd, (p_ref, f_ref) in ((0.0, (p0, 1.0)), (1e-6, row6), (1e-4, row4)):
        _, rho, p = _exact("double-click", L, detector_efficiency=eta_det, dark_count_prob=pd)
        assert p == pytest.approx(p_ref, rel=5e-4)
        assert physics.fidelity_phi_plus(rho.data) == pytest.approx(f_ref, abs=1e-5)


@pytest.mark.parametrize(("L", "p_ref"), [(50, 2.5e-2), (100, 2.5e-3), (200, 2.5e-5)])
def test_midpoint_source_reproduces_reference(L, p_ref):
    _, rho, p = _exact("midpoint", L)
    assert p == pytest.approx(p_ref, rel=1e-9)
    assert physics.fidelity_phi_plus(rho.data) == pytest.approx(1.0, abs=1e-12)


def test_heralded_state_is_exactly_the_closed_form_single_click_state():
    """Section 2a: the heralded state is F Psi + (1-F)|11>, i.e. (F, (1-F)/2, (1-F)/2, 0)."""
    _, rho, _ = _exact("single-click", 100, alpha=0.1)
    f = physics.fidelity_phi_plus(rho.data)
    coeffs = physics.bell_coefficients(rho.data)
    assert coeffs == pytest.approx((f, (1 - f) / 2, (1 - f) / 2, 0.0), abs=1e-12)


@pytest.mark.parametrize("correction", ["dynamic", "deferred"])
@pytest.mark.parametrize(
    ("scheme", "kw"),
    [
        ("single-click", {"alpha": 0.2, "dark_count_prob": 1e-3, "t1_s": 2e-3, "t2_s": 1e-3}),
        ("double-click", {"dark_count_prob": 1e-3, "detector_efficiency": 0.8}),
        ("double-click", {"t2_s": 1e-3}),
        ("double-click", {"t1_s": 1e-3, "t2_s": 2e-3, "dark_count_prob": 1e-2}),
        ("midpoint", {"t1_s": 1e-3, "t2_s": 1.5e-3, "detector_efficiency": 0.5}),
    ],
)
def test_photonic_and_heralded_state_levels_give_the_same_state(scheme, kw, correction):
    net, rho, p = _exact(scheme, 40.0, correction=correction, **kw)
    state_rho, _ = heralded_density_matrix(heralded_state(net.links[0]), net)
    assert np.allclose(rho.data, state_rho.data, atol=1e-10)
    theory = link_theory(net.links[0], net)
    assert p == pytest.approx(theory["p_success"], rel=1e-9)
    assert physics.fidelity_phi_plus(rho.data) == pytest.approx(theory["fidelity"], abs=1e-10)


def test_double_click_with_finite_t1_matches_relaxed_closed_form():
    net, rho, _ = _exact("double-click", 40.0, t1_s=1e-3, t2_s=1e-3)
    theory = link_theory(net.links[0], net)
    # both memories decay for L/c = 200 us after the second emission: Psi+ then X on b
    assert physics.fidelity_phi_plus(rho.data) == pytest.approx(theory["fidelity"], abs=1e-10)
    assert 0.5 < theory["fidelity"] < 0.9


def test_loss_makes_the_herald_fail():
    """Longer fiber lowers the success probability, not the heralded fidelity (double-click)."""
    _, rho_short, p_short = _exact("double-click", 10.0)
    _, rho_long, p_long = _exact("double-click", 100.0)
    assert p_long < p_short / 50
    assert physics.fidelity_phi_plus(rho_long.data) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize(
    "coeffs", [(1, 0, 0, 0), (0.7, 0.2, 0.06, 0.04), (0.25, 0.25, 0.25, 0.25), (0, 0, 0, 1)]
)
def test_bell_diagonal_pair_is_exact(coeffs):
    rho, p = heralded_density_matrix(bell_diagonal_pair(coeffs))
    assert p == pytest.approx(1.0)
    assert physics.bell_coefficients(rho.data) == pytest.approx(coeffs, abs=1e-12)
    # Bell-diagonal: no off-diagonal weight in the Bell basis
    assert np.allclose(rho.data, physics.bell_diagonal_density_matrix(coeffs), atol=1e-12)


def test_werner_pair_and_bad_input():
    rho, _ = heralded_density_matrix(werner_pair(0.85))
    assert physics.fidelity_phi_plus(rho.data) == pytest.approx(0.85)
    for bad in (1.2, -0.1):
        with pytest.raises(ValueError, match="fidelity"):
            werner_pair(bad)
    with pytest.raises(ValueError):
        bell_diagonal_pair((0.5, 0.5, 0.5, -0.5))
    with pytest.raises(ValueError):
        bell_diagonal_pair((0.5, 0.2, 0.2, 0.2))
    with pytest.raises(ValueError, match="correction"):
        heralded_link(chain(1, 1.0).links[0], correction="eventually")


# Reference section 7: Phi+ stored on both qubits for t (T1, T2, t, F_one, F_both)
STORAGE_ROWS = [
    (1.0, 0.5, 0.1, 0.885575, 0.792107),
    (1.0, 1.5, 0.3, 0.844570, 0.739157),
    (math.inf, 1.0, 0.5, 0.803265, 0.683940),
    (10.0, 1.0, 1.0, 0.660149, 0.524614),
]


@pytest.mark.parametrize(("t1", "t2", "t", "f_one", "f_both"), STORAGE_ROWS)
def test_stored_bell_pair_has_section7_fidelity(t1, t2, t, f_one, f_both):
    from qiskit import QuantumCircuit, QuantumRegister

    a, b = QuantumRegister(1, "alice_mem"), QuantumRegister(1, "bob_mem")
    net = chain(1, 1.0, t1_s=t1, t2_s=t2)
    for qubits, expected in (([a], f_one), ([a, b], f_both)):
        qc = QuantumCircuit(a, b, metadata={"nodes": {"alice_mem": "alice", "bob_mem": "bob"},
                                            "pair": [0, 1]})
        qc.h(0)
        qc.cx(0, 1)
        for reg in qubits:
            qc.delay(t, reg, unit="s")
        rho, _ = heralded_density_matrix(qc, net)
        assert physics.fidelity_phi_plus(DensityMatrix(rho).data) == pytest.approx(expected, abs=1e-6)

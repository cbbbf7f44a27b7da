"""Closed forms of qnet_circuits.physics: Werner and Bell-diagonal states (section 3),
against the reference tables
(to their printed precision) and independent numpy density-matrix cross-checks."""

from __future__ import annotations

import numpy as np
import pytest

from qnet_circuits import physics as ph
from tests.physics.helpers import I2, SDG, H, X, Y, Z, op_on, partial_trace, printed, random_bell_diagonal

# ---------------------------------------------------------------------------------------------
# 3. Werner and Bell-diagonal states
# ---------------------------------------------------------------------------------------------

WERNER_TABLE = [
    (1.0, "1.0", "0"),
    (0.99, "0.986667", "0.003333"),
    (0.95, "0.933333", "0.016667"),
    (0.9, "0.866667", "0.033333"),
    (0.85, "0.8", "0.05"),
    (0.8, "0.733333", "0.066667"),
    (0.75, "0.666667", "0.083333"),
    (0.7, "0.6", "0.1"),
    (0.5, "0.333333", "0.166667"),
    (0.25, "0", "0.25"),
]


@pytest.mark.parametrize("f, w, rest", WERNER_TABLE)
def test_werner_table(f, w, rest):
    assert ph.werner_w(f) == printed(w)
    assert ph.fidelity_from_w(ph.werner_w(f)) == pytest.approx(f, abs=1e-15)
    coeffs = ph.werner_coefficients(f)
    assert coeffs[0] == f
    assert coeffs[1:] == (printed(rest),) * 3
    rho = ph.bell_diagonal_density_matrix(coeffs)
    w_exact = (4 * f - 1) / 3
    expected = w_exact * np.outer(ph.PHI_PLUS, ph.PHI_PLUS.conj()) + (1 - w_exact) * np.eye(4) / 4
    assert np.allclose(rho, expected, atol=1e-15)
    assert ph.fidelity_phi_plus(rho) == pytest.approx(f, abs=1e-15)


def test_bell_states_are_paulis_on_phi_plus():
    """A <-> I, B <-> Y, C <-> X, D <-> Z on one qubit of Phi+ (either qubit, up to phase)."""
    for qubit in (0, 1):
        for k, pauli in enumerate((I2, Y, X, Z)):
            v = op_on(2, {qubit: pauli}) @ ph.PHI_PLUS
            coeffs = ph.bell_coefficients(np.outer(v, v.conj()))
            assert coeffs[k] == pytest.approx(1.0, abs=1e-15)
            assert ph.apply_pauli_label((1, 0, 0, 0), "IYXZ"[k])[k] == 1.0


def test_bell_coefficients_roundtrip_and_pauli_relabel():
    rng = np.random.default_rng(7)
    for _ in range(5):
        c = random_bell_diagonal(rng)
        rho = ph.bell_diagonal_density_matrix(c)
        assert np.allclose(rho, rho.conj().T)
        assert np.trace(rho).real == pytest.approx(1.0)
        assert ph.bell_coefficients(rho) == pytest.approx(c, abs=1e-15)
        for name, pauli in (("X", X), ("Y", Y), ("Z", Z)):
            u = op_on(2, {0: pauli})
            got = ph.bell_coefficients(u @ rho @ u.conj().T)
            assert got == pytest.approx(ph.apply_pauli_label(c, name), abs=1e-15)


def test_depolarizing_one_qubit_gives_werner():
    """Qiskit depolarizing_error(lam, 1) on one qubit of Phi+ gives w = 1 - lam."""
    lam = 0.3
    rho = ph.bell_diagonal_density_matrix((1, 0, 0, 0))
    out = (1 - lam) * rho + lam * np.kron(partial_trace(rho, 2, [1]), I2 / 2)
    assert ph.bell_coefficients(out) == pytest.approx(ph.werner_coefficients(1 - 3 * lam / 4))


def test_twirl_against_twelve_element_group():
    """U = P K^j, K = H S^dagger; Alice applies U, Bob U*; average over 12 elements."""
    coeffs = (0.7, 0.2, 0.06, 0.04)
    rho = ph.bell_diagonal_density_matrix(coeffs)
    k = H @ SDG
    # K cycles X -> Y -> Z -> X under conjugation
    assert np.allclose(k @ X @ k.conj().T, Y)
    assert np.allclose(k @ Y @ k.conj().T, Z)
    out = np.zeros((4, 4), complex)
    for pauli in (I2, X, Y, Z):
        for j in range(3):
            u = pauli @ np.linalg.matrix_power(k, j)
            full = op_on(2, {0: u, 1: u.conj()})
            out += full @ rho @ full.conj().T / 12
    assert ph.bell_coefficients(out) == pytest.approx((0.7, 0.1, 0.1, 0.1), abs=1e-15)
    assert ph.twirl(coeffs) == pytest.approx((0.7, 0.1, 0.1, 0.1), abs=1e-15)
    assert np.allclose(out, ph.bell_diagonal_density_matrix(ph.twirl(coeffs)), atol=1e-15)


def test_entanglement_criterion():
    assert ph.is_entangled_bell_diagonal(ph.werner_coefficients(0.51))
    assert not ph.is_entangled_bell_diagonal(ph.werner_coefficients(0.5))
    assert ph.is_entangled_bell_diagonal((0.1, 0.1, 0.7, 0.1))
    assert not ph.is_entangled_bell_diagonal((0.25, 0.25, 0.25, 0.25))
    # Peres-Horodecki: the partial transpose has a negative eigenvalue iff max > 1/2
    for c in [(0.6, 0.2, 0.1, 0.1), (0.5, 0.3, 0.1, 0.1), (0.3, 0.3, 0.4, 0.0)]:
        rho = ph.bell_diagonal_density_matrix(c).reshape(2, 2, 2, 2)
        pt = rho.transpose(0, 3, 2, 1).reshape(4, 4)
        negative = np.linalg.eigvalsh(pt).min() < -1e-12
        assert negative == ph.is_entangled_bell_diagonal(c)


def test_bell_diagonal_bad_input():
    with pytest.raises(ValueError, match="fidelity"):
        ph.werner_w(1.2)
    with pytest.raises(ValueError, match="fidelity"):
        ph.werner_coefficients(-0.1)
    with pytest.raises(ValueError, match="w must be a Werner parameter"):
        ph.fidelity_from_w(-0.5)
    with pytest.raises(ValueError, match="sum to 1"):
        ph.validate_bell_diagonal((0.5, 0.2, 0.2, 0.2))
    with pytest.raises(ValueError, match=">= 0"):
        ph.validate_bell_diagonal((1.1, -0.1, 0.0, 0.0))
    with pytest.raises(ValueError, match="4 entries"):
        ph.validate_bell_diagonal((0.5, 0.5))
    with pytest.raises(ValueError, match="coeffs"):
        ph.twirl("abcd")
    with pytest.raises(ValueError, match="4x4"):
        ph.bell_coefficients(np.eye(2) / 2)
    with pytest.raises(ValueError, match="trace 1"):
        ph.fidelity_phi_plus(np.eye(4))
    with pytest.raises(ValueError, match="Hermitian"):
        ph.bell_coefficients(np.triu(np.ones((4, 4))) / 4)
    with pytest.raises(ValueError, match="pauli"):
        ph.apply_pauli_label((1, 0, 0, 0), "W")
    # within 1e-9 is accepted
    assert ph.validate_bell_diagonal((0.7, 0.1, 0.1, 0.1 + 5e-10))[0] == 0.7

"""Closed forms of qnet_circuits.physics: entanglement swapping (section 4), against the reference tables
(to their printed precision) and independent numpy density-matrix cross-checks."""

from __future__ import annotations

import numpy as np
import pytest

from qnet_circuits import physics as ph
from tests.physics.helpers import (
    H,
    X,
    Z,
    cnot,
    evolve,
    op_on,
    partial_trace,
    printed,
    projector,
    random_bell_diagonal,
    simulate_swap,
)

# ---------------------------------------------------------------------------------------------
# 4. Entanglement swapping
# ---------------------------------------------------------------------------------------------

SWAP_TABLE = [
    (0.9, 0.9, 0, 0, "0.813333", None),
    (0.95, 0.8, 0, 0, "0.763333", None),
    (0.99, 0.99, 0, 0, "0.980133", None),
    (0.8, 0.8, 0, 0, "0.653333", None),
    (0.7, 0.7, 0, 0, "0.520000", None),
    (0.95, 0.95, 0.02, 0, "0.890267", ("0.890267", "0.036578", "0.036578", "0.036578")),
    (0.95, 0.95, 0, 0.01, "0.885998", ("0.885998", "0.032309", "0.040846", "0.040846")),
    (0.95, 0.95, 0.02, 0.01, "0.873278", ("0.873278", "0.036663", "0.045029", "0.045029")),
    (0.9, 0.9, 0.05, 0.02, "0.756910", ("0.75691", "0.071897", "0.085597", "0.085597")),
]


@pytest.mark.parametrize("f1, f2, lam, eps, f_out, coeffs", SWAP_TABLE)
def test_swap_table(f1, f2, lam, eps, f_out, coeffs):
    got = ph.swap_werner(f1, f2, lam, eps)
    assert got == printed(f_out)
    bd = ph.swap_bell_diagonal(ph.werner_coefficients(f1), ph.werner_coefficients(f2), lam, eps)
    assert bd[0] == pytest.approx(got, abs=1e-14)
    if coeffs is None:  # output is exactly Werner
        assert bd == pytest.approx(ph.werner_coefficients(got), abs=1e-14)
        assert got == pytest.approx(f1 * f2 + (1 - f1) * (1 - f2) / 3, abs=1e-14)
    else:
        assert bd == tuple(printed(c) for c in coeffs)
    # independent check: density-matrix simulation of the BSM circuit with the same noise
    rho = simulate_swap(ph.werner_coefficients(f1), ph.werner_coefficients(f2), lam, eps)
    assert ph.bell_coefficients(rho) == pytest.approx(bd, abs=1e-12)


def test_swap_bell_diagonal_examples_and_simulation():
    out = ph.swap_bell_diagonal((0.9, 0.05, 0.03, 0.02), (0.8, 0.1, 0.06, 0.04))
    assert out == tuple(printed(v) for v in ("0.7276", "0.1324", "0.082", "0.058"))
    # two single-click states F = 0.9: exact 0.815 (Werner assumption would give 0.81333)
    sc = (0.9, 0.05, 0.05, 0.0)
    assert ph.swap_bell_diagonal(sc, sc)[0] == printed("0.815")
    assert ph.swap_werner(0.9, 0.9) == printed("0.81333")
    # the heralded single-click state itself (not only its Bell part): F Psi+ + (1-F)|11>
    psi = np.outer(ph.PSI_PLUS, ph.PSI_PLUS.conj())
    k11 = np.diag([0, 0, 0, 1.0]).astype(complex)
    x0 = op_on(2, {0: X})
    rho_sc = evolve(0.9 * psi + 0.1 * k11, x0)
    n = 4
    rho = evolve(np.kron(rho_sc, rho_sc), op_on(n, {1: H}) @ cnot(n, 1, 2))
    out_rho = sum(
        evolve(evolve(rho, projector(n, 1, m1) @ projector(n, 2, m2)),
               op_on(n, {3: np.linalg.matrix_power(Z, m1) @ np.linalg.matrix_power(X, m2)}))
        for m1 in (0, 1) for m2 in (0, 1)
    )
    assert ph.fidelity_phi_plus(partial_trace(out_rho, n, [0, 3])) == pytest.approx(0.815)
    # random Bell-diagonal inputs with random noise against the circuit
    rng = np.random.default_rng(2024)
    for _ in range(4):
        c1, c2 = random_bell_diagonal(rng), random_bell_diagonal(rng)
        lam, eps = rng.uniform(0, 0.3), rng.uniform(0, 0.2)
        rho = simulate_swap(c1, c2, lam, eps)
        assert ph.bell_coefficients(rho) == pytest.approx(
            ph.swap_bell_diagonal(c1, c2, lam, eps), abs=1e-12
        )
        # the output is Bell-diagonal (no off-diagonal Bell-basis terms)
        assert np.allclose(rho, ph.bell_diagonal_density_matrix(ph.bell_coefficients(rho)))


CHAIN_TABLE = [
    ((0.95, 0.9, 0.93), 0.02, 0.01, "0.75064655", "0.75060145"),
    ((0.99,) * 4, 0.01, 0.005, "0.91257214", "0.91252773"),
    ((0.9,) * 3, 0, 0.03, "0.66465510", "0.66430999"),
]


@pytest.mark.parametrize("fs, lam, eps, exact, dur", CHAIN_TABLE)
def test_chain_table(fs, lam, eps, exact, dur):
    got = ph.chain_fidelity(fs, lam, eps)
    assert got == printed(exact)
    assert ph.chain_fidelity_dur_approx(fs, lam, eps) == printed(dur)
    coeffs = [ph.werner_coefficients(f) for f in fs]
    assert ph.chain_bell_diagonal(coeffs, lam, eps)[0] == pytest.approx(got, abs=1e-14)
    # swap order does not matter (right-to-left gives the same state)
    rev = ph.chain_bell_diagonal(coeffs[::-1], lam, eps)
    assert rev == pytest.approx(ph.chain_bell_diagonal(coeffs, lam, eps), abs=1e-14)


def test_chain_three_links_by_circuit():
    """Three links, two noisy swaps simulated as circuits (second swap on the first's output)."""
    fs, lam, eps = (0.95, 0.9, 0.93), 0.02, 0.01
    first = ph.bell_coefficients(
        simulate_swap(ph.werner_coefficients(fs[0]), ph.werner_coefficients(fs[1]), lam, eps)
    )
    second = simulate_swap(first, ph.werner_coefficients(fs[2]), lam, eps)
    assert ph.fidelity_phi_plus(second) == pytest.approx(ph.chain_fidelity(fs, lam, eps), abs=1e-12)
    assert ph.chain_fidelity(fs[:2], lam, eps) == pytest.approx(ph.swap_werner(*fs[:2], lam, eps))
    assert ph.chain_fidelity([0.93]) == pytest.approx(0.93)


IDEAL_CHAIN = [
    (0.99, ("0.990000", "0.980133", "0.960793", "0.923635", "0.855046")),
    (0.95, ("0.950000", "0.903333", "0.819126", "0.681872", "0.498685")),
    (0.9, ("0.900000", "0.813333", "0.673126", "0.488714", "0.325979")),
]


@pytest.mark.parametrize("f0, values", IDEAL_CHAIN)
def test_ideal_chain_table(f0, values):
    for n, v in zip((1, 2, 4, 8, 16), values, strict=True):
        assert ph.chain_fidelity([f0] * n) == printed(v)
        assert ph.chain_bell_diagonal([ph.werner_coefficients(f0)] * n)[0] == printed(v)


def test_swapping_bad_input():
    with pytest.raises(ValueError, match="f2"):
        ph.swap_werner(0.9, 1.1)
    with pytest.raises(ValueError, match="bsm_depolarizing"):
        ph.swap_werner(0.9, 0.9, bsm_depolarizing=-0.1)
    with pytest.raises(ValueError, match="readout_error"):
        ph.swap_bell_diagonal((1, 0, 0, 0), (1, 0, 0, 0), readout_error=1.5)
    with pytest.raises(ValueError, match="c2"):
        ph.swap_bell_diagonal((1, 0, 0, 0), (0.5, 0.5, 0.5, 0))
    with pytest.raises(ValueError, match="at least one"):
        ph.chain_fidelity([])
    with pytest.raises(ValueError, match=r"fidelities\[1\]"):
        ph.chain_fidelity([0.9, 2.0])
    with pytest.raises(ValueError, match="list_of_coeffs must be a non-empty"):
        ph.chain_bell_diagonal([])
    with pytest.raises(ValueError, match=r"list_of_coeffs\[1\]"):
        ph.chain_bell_diagonal([(1, 0, 0, 0), (1, 1, 0, 0)])

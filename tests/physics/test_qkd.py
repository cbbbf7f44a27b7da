"""Closed forms of qnet_circuits.physics: CHSH, QBER and key rates (section 8), against the reference tables
(to their printed precision) and independent numpy density-matrix cross-checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnet_circuits import physics as ph
from tests.physics.helpers import I2, X, Y, Z, evolve, op_on, printed

# ---------------------------------------------------------------------------------------------
# 8. CHSH, QBER, key rates
# ---------------------------------------------------------------------------------------------


def correlation(rho, a: float, b: float) -> float:
    """E(a, b) for observables cos(t) Z + sin(t) X on each qubit (X-Z plane)."""
    oa = math.cos(a) * Z + math.sin(a) * X
    ob = math.cos(b) * Z + math.sin(b) * X
    return float(np.real(np.trace(rho @ op_on(2, {0: oa, 1: ob}))))


def chsh_standard(rho) -> float:
    a0, a1, b0, b1 = 0.0, math.pi / 2, math.pi / 4, -math.pi / 4
    return (correlation(rho, a0, b0) + correlation(rho, a0, b1) + correlation(rho, a1, b0)
            - correlation(rho, a1, b1))


@pytest.mark.parametrize("coeffs, t, s_max", [
    ((0.9, 0.05, 0.03, 0.02), ("0.86", "-0.90", "0.84"), "2.489659"),
    ((0.85, 0, 0, 0.15), None, "2.441311"),
])
def test_correlations_and_horodecki(coeffs, t, s_max):
    got = ph.correlation_matrix_bell_diagonal(coeffs)
    if t is not None:
        assert got == tuple(printed(v) for v in t)
    rho = ph.bell_diagonal_density_matrix(coeffs)
    for k, s in enumerate((X, Y, Z)):
        assert got[k] == pytest.approx(np.trace(rho @ op_on(2, {0: s, 1: s})).real, abs=1e-14)
    smax = ph.chsh_max_bell_diagonal(coeffs)
    assert smax == printed(s_max)
    # brute-force maximum over measurement directions on a grid, refined by scipy
    from scipy.optimize import minimize

    def neg_s(v):
        dirs = [np.array([math.sin(th) * math.cos(fi), math.sin(th) * math.sin(fi), math.cos(th)])
                for th, fi in v.reshape(4, 2)]
        ops = [d[0] * X + d[1] * Y + d[2] * Z for d in dirs]

        def e(i, j):
            return np.trace(rho @ op_on(2, {0: ops[i], 1: ops[j]})).real

        return -(e(0, 2) + e(0, 3) + e(1, 2) - e(1, 3))

    rng = np.random.default_rng(1)
    best = max(-minimize(neg_s, rng.uniform(0, 3, 8)).fun for _ in range(4))
    assert best == pytest.approx(smax, abs=1e-5)


@pytest.mark.parametrize("f", [1.0, 0.95, 0.9, 0.8])
def test_chsh_werner_circuit(f):
    w = ph.werner_w(f)
    rho = ph.bell_diagonal_density_matrix(ph.werner_coefficients(f))
    assert chsh_standard(rho) == pytest.approx(ph.chsh_werner(w), abs=1e-12)
    assert ph.chsh_max_bell_diagonal(ph.werner_coefficients(f)) == pytest.approx(ph.chsh_werner(w))
    # QBER from the state: probability that ZZ (XX) outcomes differ
    qz = (1 - np.trace(rho @ op_on(2, {0: Z, 1: Z})).real) / 2
    qx = (1 - np.trace(rho @ op_on(2, {0: X, 1: X})).real) / 2
    assert (qz, qx) == pytest.approx((ph.qber_werner(w),) * 2, abs=1e-14)


def test_qber_bell_diagonal_from_state():
    c = (0.85, 0.05, 0.07, 0.03)
    rho = ph.bell_diagonal_density_matrix(c)
    qz = (1 - np.trace(rho @ op_on(2, {0: Z, 1: Z})).real) / 2
    qx = (1 - np.trace(rho @ op_on(2, {0: X, 1: X})).real) / 2
    assert ph.qber_bell_diagonal(c) == pytest.approx((qz, qx), abs=1e-14)
    assert ph.qber_bell_diagonal(c) == pytest.approx((0.12, 0.08))


KEY_TABLE = [
    (1.0, "1.0", "2.82843", "0", "1", "1"),
    (0.99, "0.98667", "2.79071", "0.00667", "0.88444", "0.83950"),
    (0.98, "0.97333", "2.75300", "0.01333", "0.79568", "0.71851"),
    (0.97, "0.96", "2.71529", "0.02", "0.71712", "0.61229"),
    (0.95, "0.93333", "2.63987", "0.03333", "0.57832", "0.42608"),
    (0.93, "0.90667", "2.56444", "0.04667", "0.45587", "0.26300"),
    (0.9, "0.86667", "2.45130", "0.06667", "0.29328", "0.04776"),
    (0.85, "0.8", "2.26274", "0.1", "0.06201", "0"),
    (0.8, "0.73333", "2.07418", "0.13333", "0", "0"),
    (0.75, "0.66667", "1.88562", "0.16667", "0", "0"),
]


@pytest.mark.parametrize("f, w, s, q, r_bbm92, r_di", KEY_TABLE)
def test_key_rate_table(f, w, s, q, r_bbm92, r_di):
    ww = ph.werner_w(f)
    assert ww == printed(w)
    assert ph.chsh_werner(ww) == printed(s)
    qq = ph.qber_werner(ww)
    assert qq == printed(q)
    assert qq == pytest.approx(2 * (1 - f) / 3, abs=1e-15)
    assert ph.key_rate_bbm92(qq) == printed(r_bbm92)
    assert ph.key_rate_di(qq, ph.chsh_werner(ww)) == printed(r_di)


def test_key_rate_thresholds_and_spot_values():
    from scipy.optimize import brentq

    q0 = brentq(lambda q: 1 - 2 * ph.binary_entropy(q), 0.05, 0.2)
    assert q0 == printed("0.11003")
    w0 = 1 - 2 * q0
    assert (w0, ph.fidelity_from_w(w0)) == (printed("0.77994"), printed("0.83496"))
    w_di = brentq(lambda w: 1 - ph.binary_entropy((1 - w) / 2)
                  - ph.binary_entropy((1 + math.sqrt(2 * w * w - 1)) / 2), 0.75, 0.99)
    assert w_di == printed("0.857016")
    assert ph.qber_werner(w_di) == printed("0.07149")
    assert ph.chsh_werner(w_di) == printed("2.424009")
    assert ph.fidelity_from_w(w_di) == printed("0.892762")
    # CHSH violation threshold
    assert 1 / math.sqrt(2) == printed("0.707107")
    assert ph.fidelity_from_w(1 / math.sqrt(2)) == printed("0.780330")
    assert ph.key_rate_bbm92(0.05) == printed("0.427206")
    assert ph.key_rate_di(0.05, 2.545584) == printed("0.224950")
    assert ph.key_rate_bbm92(0.02, 0.05) == pytest.approx(
        1 - ph.binary_entropy(0.02) - ph.binary_entropy(0.05)
    )
    assert ph.key_rate_di(0.0, 2.0) == 0.0
    assert ph.key_rate_di(0.0, 2.9) == pytest.approx(1.0)  # shot noise above Tsirelson clipped
    assert ph.binary_entropy(0.0) == ph.binary_entropy(1.0) == 0.0


@pytest.mark.parametrize("w", [1.0, 0.9])
def test_intercept_resend(w):
    rho = ph.bell_diagonal_density_matrix(ph.werner_coefficients(ph.fidelity_from_w(w)))
    attacked = np.zeros((4, 4), complex)
    for basis in (Z, X):  # Eve picks Z or X at random, measures Bob's qubit and resends
        for sign in (1, -1):
            proj = op_on(2, {1: (I2 + sign * basis) / 2})
            attacked += 0.5 * evolve(rho, proj)
    assert chsh_standard(attacked) == pytest.approx(ph.intercept_resend_chsh(w), abs=1e-12)
    coeffs = ph.bell_coefficients(attacked)
    assert ph.chsh_max_bell_diagonal(coeffs) == pytest.approx(ph.intercept_resend_chsh(w))
    assert ph.qber_bell_diagonal(coeffs) == pytest.approx((ph.intercept_resend_qber(w),) * 2)
    assert ph.intercept_resend_chsh(0.9) == printed("1.272792")
    assert ph.intercept_resend_qber(0.9) == printed("0.275")
    assert ph.intercept_resend_chsh(1.0) == printed("1.414214")
    # always-Z attack on Phi+: S = sqrt(2) at the fixed settings, max 2, Q_Z = 0, Q_X = 0.5
    z_only = ph.bell_coefficients(sum(
        evolve(ph.bell_diagonal_density_matrix((1, 0, 0, 0)), op_on(2, {1: (I2 + s * Z) / 2}))
        for s in (1, -1)))
    assert chsh_standard(ph.bell_diagonal_density_matrix(z_only)) == pytest.approx(math.sqrt(2))
    assert ph.chsh_max_bell_diagonal(z_only) == pytest.approx(2.0)
    assert ph.qber_bell_diagonal(z_only) == pytest.approx((0.0, 0.5))


def test_qkd_bad_input():
    with pytest.raises(ValueError, match="w must be"):
        ph.chsh_werner(1.5)
    with pytest.raises(ValueError, match="q_x"):
        ph.key_rate_bbm92(0.1, -0.1)
    with pytest.raises(ValueError, match="qber"):
        ph.key_rate_di(1.2, 2.5)
    with pytest.raises(ValueError, match="s must be"):
        ph.key_rate_di(0.1, 5.0)
    with pytest.raises(ValueError, match="p must be"):
        ph.binary_entropy(2.0)
    with pytest.raises(ValueError, match="coeffs"):
        ph.chsh_max_bell_diagonal((0.5, 0.5, 0.5, 0.5))

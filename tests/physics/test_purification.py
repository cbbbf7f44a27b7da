"""Closed forms of qnet_circuits.physics: purification (section 5), against the reference tables
(to their printed precision) and independent numpy density-matrix cross-checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnet_circuits import physics as ph
from tests.physics.helpers import printed, random_bell_diagonal, simulate_purification

# ---------------------------------------------------------------------------------------------
# 5. Purification
# ---------------------------------------------------------------------------------------------


def test_bbpssw_values():
    assert ph.bbpssw(0.8) == (printed("0.838150"), printed("0.768889"))
    f, n = ph.bbpssw(0.9, 0.7)
    assert (f, n) == (printed("0.833333"), printed("0.76"))
    assert ph.bbpssw(0.99, 0.6)[0] == printed("0.81406")
    assert ph.bbpssw(0.5) == (pytest.approx(0.5), pytest.approx(5 / 9))
    assert ph.bbpssw(0.4)[0] == printed("0.384615")
    assert ph.bbpssw(0.55)[0] == printed("0.560345")
    assert ph.bbpssw(0.25)[0] == pytest.approx(0.25)
    assert ph.bbpssw(1.0) == (1.0, 1.0)
    for f in np.linspace(0.26, 0.99, 30):
        assert (ph.bbpssw(f)[0] > f) == (f > 0.5 + 1e-12)


@pytest.mark.parametrize("f1, f2", [(0.8, 0.8), (0.9, 0.7), (0.99, 0.6), (0.6, 0.45)])
def test_bbpssw_against_circuit(f1, f2):
    """Bilateral CNOT on Werner pairs without rotations gives the BBPSSW formula."""
    rho, p = simulate_purification(ph.werner_coefficients(f1), ph.werner_coefficients(f2))
    f, n = ph.bbpssw(f1, f2)
    assert ph.fidelity_phi_plus(rho) == pytest.approx(f, abs=1e-12)
    assert p == pytest.approx(n, abs=1e-12)
    # the twirl does not change F, and round 1 of DEJMPS equals BBPSSW on Werner input
    c, pd = ph.dejmps(ph.werner_coefficients(f1), ph.werner_coefficients(f2))
    assert (c[0], pd) == pytest.approx((f, n), abs=1e-14)


DEJMPS_CHECKS = [
    ((0.9, 0.05, 0.03, 0.02), (0.7, 0.2, 0.06, 0.04),
     ("0.744186", "0.002791", "0.003023", "0.25"), "0.86"),
    ((0.7, 0.2, 0.06, 0.04), None, ("0.646341", "0.005854", "0.006341", "0.341463"), "0.82"),
    ((0.6, 0.05, 0.3, 0.05), None, ("0.665138", "0.055046", "0.169725", "0.110092"), "0.545"),
    ((0.8, 0, 0, 0.2), None, ("0.941176", "0", "0.058824", "0"), "0.68"),
]


@pytest.mark.parametrize("c1, c2, expected, n", DEJMPS_CHECKS)
def test_dejmps_table_and_circuit(c1, c2, expected, n):
    out, p = ph.dejmps(c1, c2)
    assert out == tuple(printed(v) for v in expected)
    assert p == printed(n)
    rho, p_sim = simulate_purification(c1, c1 if c2 is None else c2, math.pi / 2, -math.pi / 2)
    assert ph.bell_coefficients(rho) == pytest.approx(out, abs=1e-12)
    assert p_sim == pytest.approx(p, abs=1e-12)
    # opposite sign convention (Rx(-pi/2) at Alice, Rx(+pi/2) at Bob) gives the same output
    rho2, _ = simulate_purification(c1, c1 if c2 is None else c2, -math.pi / 2, math.pi / 2)
    assert ph.bell_coefficients(rho2) == pytest.approx(out, abs=1e-12)


@pytest.mark.parametrize("f", [0.6, 0.7, 0.9])
def test_dejmps_werner_circuit_rows(f):
    rows = {0.6: ("0.620438", "0.608889"), 0.7: ("0.735294", "0.680000"),
            0.9: ("0.926396", "0.875556")}
    c, p = ph.dejmps(ph.werner_coefficients(f))
    assert (c[0], p) == tuple(printed(v) for v in rows[f])
    rho, p_sim = simulate_purification(
        ph.werner_coefficients(f), ph.werner_coefficients(f), math.pi / 2, -math.pi / 2
    )
    assert (ph.fidelity_phi_plus(rho), p_sim) == pytest.approx((c[0], p), abs=1e-12)


def test_dejmps_same_direction_derivation():
    """Rx(+pi/2) on both sides: the output is the DEJMPS output with X on one qubit,
    (A, B, C, D) -> (C', D', A', B'): A' lands in C (Psi+ frame) and B', D' trade places."""
    rng = np.random.default_rng(99)
    inputs = [((0.7, 0.2, 0.06, 0.04), None)] + [
        (random_bell_diagonal(rng), random_bell_diagonal(rng)) for _ in range(3)
    ]
    for c1, c2 in inputs:
        cc2 = c1 if c2 is None else c2
        rho, p_sim = simulate_purification(c1, cc2, math.pi / 2, math.pi / 2)
        got, p = ph.dejmps_same_direction(c1, c2)
        assert ph.bell_coefficients(rho) == pytest.approx(got, abs=1e-12)
        assert p_sim == pytest.approx(p, abs=1e-12)
        ref, p_ref = ph.dejmps(c1, c2)
        assert got == pytest.approx((ref[2], ref[3], ref[0], ref[1]), abs=1e-15)
        assert p == pytest.approx(p_ref)


def test_dejmps_random_unequal_against_circuit():
    rng = np.random.default_rng(17)
    for _ in range(4):
        c1, c2 = random_bell_diagonal(rng), random_bell_diagonal(rng)
        rho, p_sim = simulate_purification(c1, c2, math.pi / 2, -math.pi / 2)
        out, p = ph.dejmps(c1, c2)
        assert ph.bell_coefficients(rho) == pytest.approx(out, abs=1e-12)
        assert p_sim == pytest.approx(p, abs=1e-12)
        # the output is Bell-diagonal
        assert np.allclose(rho, ph.bell_diagonal_density_matrix(out), atol=1e-12)


ITERATION = [
    # k, BBPSSW F, p, raw, DEJMPS coeffs, p, raw
    (1, "0.838150", "0.768889", "2.601", ("0.838150", "0.011561", "0.011561", "0.138728"),
     "0.768889", "2.601"),
    (2, "0.873585", "0.807485", "6.443", ("0.943639", "0.004308", "0.026026", "0.026026"),
     "0.744596", "6.987"),
    (3, "0.904540", "0.845651", "15.237", ("0.987974", "0.001503", "0.001503", "0.009020"),
     "0.901313", "15.504"),
    (4, "0.930048", "0.880820", "34.597", ("0.996854", "0.000028", "0.000085", "0.003033"),
     "0.979175", "31.666"),
    (5, "0.950008", "0.911081", None, ("0.999935", "0.000001", "0.000009", "0.000056"),
     "0.993782", None),
]


def test_iteration_table():
    bb = ph.bbpssw_rounds(0.8, 5)
    dj = ph.dejmps_rounds(ph.werner_coefficients(0.8), 5)
    bb_raw = ph.expected_raw_pairs([p for _, p in bb])
    dj_raw = ph.expected_raw_pairs([p for _, p in dj])
    for k, bf, bp, braw, dc, dp, draw in ITERATION:
        assert bb[k - 1] == (printed(bf), printed(bp))
        assert dj[k - 1][0] == tuple(printed(v) for v in dc)
        assert dj[k - 1][1] == printed(dp)
        if braw is not None:
            assert bb_raw[k - 1] == printed(braw)
            assert dj_raw[k - 1] == printed(draw)
    # DEJMPS iteration by circuit for two rounds
    c = ph.werner_coefficients(0.8)
    for k in range(2):
        rho, p = simulate_purification(c, c, math.pi / 2, -math.pi / 2)
        c = ph.bell_coefficients(rho)
        assert c == pytest.approx(dj[k][0], abs=1e-12)
        assert p == pytest.approx(dj[k][1], abs=1e-12)


NOISY_CNOT = [
    (0.005, ("0.834322", "0.934444", "0.978116", "0.988983"), "0.993628", ("0.512", "0.988")),
    (0.01, ("0.830486", "0.925236", "0.967988", "0.980625"), "0.986998", ("0.524", "0.976")),
    (0.02, ("0.822792", "0.906794", "0.946944", "0.962380"), "0.972867", ("0.552", "0.948")),
    (0.05, ("0.799543", "0.851423", "0.878062", "0.894501"), "0.920733",
     ("0.708391", "0.791609")),
]


@pytest.mark.parametrize("lam, rounds, limit, window", NOISY_CNOT)
def test_dejmps_noisy_cnot_table(lam, rounds, limit, window):
    """The reference's numerical anchor follows from the closed form: depolarizing after each
    local CNOT randomizes both pairs' Pauli labels with probability 1 - (1-lam)^2."""
    from scipy.optimize import brentq

    seq = ph.dejmps_rounds(ph.werner_coefficients(0.8), 40, cnot_depolarizing=lam)
    assert [c[0] for c, _ in seq[:4]] == [printed(v) for v in rounds]
    assert seq[-1][0][0] == printed(limit)

    def gain(f: float) -> float:
        return ph.dejmps(ph.werner_coefficients(f), cnot_depolarizing=lam)[0][0] - f

    lo = brentq(gain, 0.5, 0.75)
    hi = brentq(gain, 0.75, 0.9999)
    assert (lo, hi) == (printed(window[0]), printed(window[1]))
    # density-matrix simulation with the noisy CNOTs
    c = ph.werner_coefficients(0.8)
    rho, p = simulate_purification(c, c, math.pi / 2, -math.pi / 2, lam=lam)
    out, p_formula = ph.dejmps(c, cnot_depolarizing=lam)
    assert ph.bell_coefficients(rho) == pytest.approx(out, abs=1e-12)
    assert p == pytest.approx(p_formula, abs=1e-12)


def test_dejmps_converges_and_fixed_points():
    c = ph.dejmps_rounds((0.55, 0.05, 0.35, 0.05), 30)[-1][0]
    assert c[0] == pytest.approx(1.0, abs=1e-9)
    assert ph.dejmps((0.25,) * 4)[0] == pytest.approx((0.25,) * 4)
    assert ph.dejmps((0.5, 0, 0.5, 0))[0] == pytest.approx((0.5, 0, 0.5, 0))


def test_pumping():
    bb = ph.bbpssw_pumping(0.9, 0.7, 3)
    assert bb[0] == (printed("0.833333"), printed("0.76"))
    f = 0.9
    for got in bb:
        f, p = ph.bbpssw(f, 0.7)
        assert got == pytest.approx((f, p))
    dj = ph.dejmps_pumping((0.9, 0.05, 0.03, 0.02), (0.7, 0.2, 0.06, 0.04), 3)
    assert dj[0][0] == tuple(printed(v) for v in ("0.744186", "0.002791", "0.003023", "0.25"))
    # second round by circuit: kept output meets a fresh pair
    rho, p = simulate_purification(dj[0][0], (0.7, 0.2, 0.06, 0.04), math.pi / 2, -math.pi / 2)
    assert ph.bell_coefficients(rho) == pytest.approx(dj[1][0], abs=1e-12)
    assert p == pytest.approx(dj[1][1], abs=1e-12)
    # pumping with fresh pairs equal to the kept one is ordinary recurrence for round 1
    assert ph.bbpssw_pumping(0.8, 0.8, 1)[0] == pytest.approx(ph.bbpssw(0.8))


def test_purification_bad_input():
    with pytest.raises(ValueError, match="f1"):
        ph.bbpssw(1.2)
    with pytest.raises(ValueError, match="f must be"):
        ph.bbpssw_rounds(f=1.2, rounds=2)
    with pytest.raises(ValueError, match="rounds"):
        ph.bbpssw_rounds(0.8, -1)
    with pytest.raises(ValueError, match="rounds"):
        ph.dejmps_rounds((1, 0, 0, 0), 1.5)
    with pytest.raises(ValueError, match="c2"):
        ph.dejmps((1, 0, 0, 0), (0.6, 0.6, 0, 0))
    with pytest.raises(ValueError, match="success probability is 0"):
        ph.dejmps((1, 0, 0, 0), (0, 0, 1, 0))
    with pytest.raises(ValueError, match="cnot_depolarizing"):
        ph.dejmps((1, 0, 0, 0), cnot_depolarizing=2)
    with pytest.raises(ValueError, match=r"p_list\[1\]"):
        ph.expected_raw_pairs([0.5, 0.0])
    with pytest.raises(ValueError, match="c_fresh"):
        ph.dejmps_pumping((1, 0, 0, 0), (1, 0, 0), 2)
    with pytest.raises(ValueError, match="f_fresh"):
        ph.bbpssw_pumping(0.9, -0.1, 2)
    assert ph.bbpssw_rounds(0.8, 0) == []

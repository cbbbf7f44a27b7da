"""Closed forms of qnet_circuits.physics: repeater-chain waiting times and fidelity (section 10),
against the reference tables
(to their printed precision) and independent numpy density-matrix cross-checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnet_circuits import physics as ph
from tests.physics.helpers import Z, evolve, op_on, printed, simulate_swap

# ---------------------------------------------------------------------------------------------
# 10. Repeater chains
# ---------------------------------------------------------------------------------------------

MAX_GEOM = [
    (2, 0.5, "2.66667", "3", "3"), (2, 0.1, "14.7368", "15", "15"),
    (2, 0.01, "149.749", "150", "150"), (4, 0.5, "3.50476", "4.16667", "4.5"),
    (4, 0.1, "20.2734", "20.8333", "22.5"), (4, 0.01, "207.790", "208.333", "225"),
    (8, 0.5, "4.42108", "5.43571", "6.75"), (8, 0.1, "26.2958", "27.1786", "33.75"),
    (8, 0.01, "270.925", "271.786", "337.5"),
]


@pytest.mark.parametrize("n, p, exact, harmonic, rule", MAX_GEOM)
def test_max_geometric_table(n, p, exact, harmonic, rule):
    got = ph.expected_max_geometric(n, p)
    assert got == printed(exact)
    assert sum(1 / k for k in range(1, n + 1)) / p == printed(harmonic)
    levels = int(math.log2(n))
    assert ph.three_halves_rule(levels, p) == printed(rule)
    # direct sum of P(max > k)
    k = np.arange(0, 20000)
    direct = float(np.sum(1 - (1 - (1 - p) ** k) ** n))
    assert got == pytest.approx(direct, rel=1e-10)
    assert ph.doubling_expected_time(levels, p) == pytest.approx(got, rel=1e-10)
    if n == 2:
        assert ph.two_link_expected_time(p) == pytest.approx(got, rel=1e-12)


DOUBLING = [
    (0.1, 1, ("14.7368", "20.2734", "26.2958")),
    (0.1, 0.5, ("29.4737", "84.8176", "242.348")),
    (0.01, 1, ("149.749", "207.790", "270.925")),
    (0.01, 0.5, ("299.497", "864.882", "2472.89")),
]


@pytest.mark.parametrize("p, a, values", DOUBLING)
def test_doubling_table(p, a, values):
    got = [ph.doubling_expected_time(n, p, a) for n in (1, 2, 3)]
    assert got == [printed(v) for v in values]
    assert got[0] == pytest.approx((3 - 2 * p) / (a * p * (2 - p)), rel=1e-10)
    assert [ph.three_halves_rule(n, p, a) for n in (1, 2, 3)] == pytest.approx(
        [1.5**n / (p * a**n) for n in (1, 2, 3)]
    )


def _sample_doubling(rng, level, p, a, size):
    if level == 0:
        return rng.geometric(p, size)
    tries = rng.geometric(a, size)
    total = int(tries.sum())
    m = np.maximum(_sample_doubling(rng, level - 1, p, a, total),
                   _sample_doubling(rng, level - 1, p, a, total))
    starts = np.concatenate(([0], np.cumsum(tries)[:-1]))
    return np.add.reduceat(m, starts)


def test_doubling_monte_carlo():
    """Monte Carlo of the reset-on-failure doubling model, 4 standard errors."""
    rng = np.random.default_rng(12345)
    samples = _sample_doubling(rng, 2, 0.1, 0.5, 20000)
    se = samples.std(ddof=1) / math.sqrt(samples.size)
    assert abs(samples.mean() - ph.doubling_expected_time(2, 0.1, 0.5)) < 4 * se


def test_two_link_dephasing_and_difference_by_summation():
    """E[q^|N1-N2|] and E|N1-N2| from the distribution of N1 - N2 (truncated sums)."""
    for p, r in [(0.5, 0.01), (0.1, 0.01), (0.1, 0.1), (0.01, 0.01)]:
        q = math.exp(-2 * r)
        n = np.arange(1, int(40 / p))
        pmf = p * (1 - p) ** (n - 1)
        lag = np.correlate(pmf, pmf, mode="full")  # P(N1 - N2 = d), d = -(len-1) .. len-1
        d = np.abs(np.arange(-(n.size - 1), n.size))
        assert ph.two_link_mean_dephasing(p, q) == pytest.approx(float(lag @ q**d), rel=1e-9)
        assert ph.two_link_mean_abs_difference(p) == pytest.approx(float(lag @ d), rel=1e-9)


TWO_LINK = [
    (0.5, 0.01, "0.974111", "0.987055", "0.847015"),
    (0.1, 0.01, "0.840783", "0.920391", "0.793017"),
    (0.1, 0.1, "0.347392", "0.673696", "0.593194"),
    (0.01, 0.01, "0.334472", "0.667236", "0.587961"),
]


@pytest.mark.parametrize("p, r, lam, f1, f09", TWO_LINK)
def test_two_link_table(p, r, lam, f1, f09):
    assert ph.two_link_mean_dephasing(p, math.exp(-2 * r)) == printed(lam)
    assert ph.two_link_expected_fidelity(p, r) == printed(f1)
    assert ph.two_link_expected_fidelity(p, r, w=0.9) == printed(f09)


def test_pauli_chain_fidelity_by_state():
    """Werner links 0.9, 0.85 with dephasing e^-0.3, e^-0.2, e^-0.2 -> 0.631194."""
    assert ph.pauli_chain_fidelity(0.9 * 0.85, math.exp(-0.7)) == printed("0.631194")
    # explicit: swap two Werner pairs, then dephase stored qubits (Z channel with coherence)
    rho = simulate_swap(ph.werner_coefficients(ph.fidelity_from_w(0.9)),
                        ph.werner_coefficients(ph.fidelity_from_w(0.85)))
    for q, lam in ((0, math.exp(-0.3)), (1, math.exp(-0.2)), (1, math.exp(-0.2))):
        rho = (1 + lam) / 2 * rho + (1 - lam) / 2 * evolve(rho, op_on(2, {q: Z}))
    assert ph.fidelity_phi_plus(rho) == pytest.approx(0.631194, abs=5e-7)
    # pure dephasing is T1 = inf storage
    assert ph.pauli_chain_fidelity(1.0, math.exp(-2 * 0.3)) == pytest.approx(
        ph.storage_fidelity_both(0.3, math.inf, 1.0)
    )


def test_worked_example():
    eta = ph.arm_efficiency(50, detector_efficiency=0.3)
    p = ph.double_click(eta)[0]
    tau = ph.midpoint_cycle_time_s(50)
    assert (eta, p, tau) == (printed("0.094868"), printed("4.5000e-3"), pytest.approx(250e-6))
    n = ph.two_link_expected_time(p)
    assert n == printed("333.08")
    assert n * tau == printed("83.27e-3")
    assert 1 / (n * tau) == printed("12.01")
    assert ph.two_link_mean_abs_difference(p) == printed("221.7")
    assert ph.two_link_mean_abs_difference(p) * tau == printed("55.4e-3")
    eta100 = ph.arm_efficiency(100, detector_efficiency=0.3)
    p100 = ph.double_click(eta100)[0]
    assert (eta100, p100) == (printed("0.03"), printed("4.5e-4"))
    assert ph.expected_wait_time_s(p100, ph.midpoint_cycle_time_s(100)) == printed("1.11")
    rows = [
        (1.0, 10e-3, "0.08276", "0.90484", "0.53744"),
        (1.0, 100e-3, "0.47425", "0.99005", "0.73477"),
        (1.0, 1.0, "0.90020", "0.99900", "0.94965"),
        (1.0, 10.0, "0.98904", "0.99990", "0.99447"),
        (0.95, 1.0, "0.90020", "0.99900", "0.85947"),
    ]
    for f_link, t2, lam, herald, f_end in rows:
        r = tau / t2
        assert ph.two_link_mean_dephasing(p, math.exp(-2 * r)) == printed(lam)
        assert math.exp(-4 * r) == printed(herald)
        w = ph.werner_w(f_link)
        assert ph.two_link_expected_fidelity(p, r, w=w, herald_wait=True) == printed(f_end)
    assert ph.two_link_expected_fidelity(p, 0.0, w=ph.werner_w(0.95)) == printed("0.90333")


def test_repeater_bad_input():
    with pytest.raises(ValueError, match="n must be"):
        ph.expected_max_geometric(0, 0.1)
    with pytest.raises(ValueError, match="p must be > 0"):
        ph.two_link_expected_time(0.0)
    with pytest.raises(ValueError, match="q must be"):
        ph.two_link_mean_dephasing(0.1, 1.5)
    with pytest.raises(ValueError, match="tau_over_t2"):
        ph.two_link_expected_fidelity(0.1, -0.1)
    with pytest.raises(ValueError, match="levels"):
        ph.doubling_expected_time(-1, 0.1)
    with pytest.raises(ValueError, match="a must be"):
        ph.doubling_expected_time(2, 0.1, 0.0)
    with pytest.raises(ValueError, match="Lam"):
        ph.pauli_chain_fidelity(0.9, 1.5)
    with pytest.raises(ValueError, match="W must be"):
        ph.pauli_chain_fidelity(W=1.2, Lam=0.5)
    assert ph.expected_max_geometric(30, 0.2) == pytest.approx(
        float(np.sum(1 - (1 - 0.8 ** np.arange(400)) ** 30)), rel=1e-12
    )

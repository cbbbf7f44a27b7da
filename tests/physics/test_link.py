"""Closed forms of qnet_circuits.physics: fiber loss and delays, heralded generation (sections 1-2),
against the reference tables
(to their printed precision) and independent numpy density-matrix cross-checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnet_circuits import physics as ph
from tests.physics.helpers import X, op_on, printed

# ---------------------------------------------------------------------------------------------
# 1. Fiber
# ---------------------------------------------------------------------------------------------

FIBER_TABLE = [
    # L km, loss dB, eta, one-way s, round trip s
    (1, 0.2, "0.954993", 5e-6, 10e-6),
    (10, 2, "0.630957", 50e-6, 100e-6),
    (25, 5, "0.316228", 125e-6, 250e-6),
    (50, 10, "0.1", 250e-6, 500e-6),
    (100, 20, "1.0e-2", 0.5e-3, 1e-3),
    (150, 30, "1.0e-3", 0.75e-3, 1.5e-3),
    (200, 40, "1.0e-4", 1e-3, 2e-3),
    (300, 60, "1.0e-6", 1.5e-3, 3e-3),
    (500, 100, "1.0e-10", 2.5e-3, 5e-3),
    (1000, 200, "1.0e-20", 5e-3, 10e-3),
]


@pytest.mark.parametrize("length, loss_db, eta, one_way, round_trip", FIBER_TABLE)
def test_fiber_table(length, loss_db, eta, one_way, round_trip):
    got = ph.transmissivity(length)
    assert got == printed(eta)
    assert got == pytest.approx(10.0 ** (-loss_db / 10.0), rel=1e-12)
    assert got == pytest.approx(math.exp(-length / ph.attenuation_length_km()), rel=1e-12)
    assert ph.one_way_delay_s(length) == pytest.approx(one_way, rel=1e-12)
    assert 2 * ph.one_way_delay_s(length) == pytest.approx(round_trip, rel=1e-12)
    assert ph.midpoint_cycle_time_s(length) == pytest.approx(one_way, rel=1e-12)


def test_attenuation_length():
    assert ph.attenuation_length_km(0.2) == printed("21.715")
    assert ph.attenuation_length_km(0.2) == pytest.approx(22, abs=0.5)  # Sangouard's ~22 km
    assert ph.transmissivity(0.0) == 1.0
    assert ph.transmissivity(10.0, 0.0) == 1.0


def test_fiber_bad_input():
    with pytest.raises(ValueError, match="length_km"):
        ph.transmissivity(-1.0)
    with pytest.raises(ValueError, match="attenuation_db_per_km"):
        ph.transmissivity(1.0, -0.2)
    with pytest.raises(ValueError, match="attenuation_db_per_km"):
        ph.attenuation_length_km(0.0)
    with pytest.raises(ValueError, match="speed_km_per_s"):
        ph.one_way_delay_s(1.0, 0.0)
    with pytest.raises(ValueError, match="length_km"):
        ph.midpoint_cycle_time_s(float("nan"))

# ---------------------------------------------------------------------------------------------
# 2. Heralded generation
# ---------------------------------------------------------------------------------------------

SINGLE_CLICK_MODEL = [
    (0.1, 0.1, 0, "1.990000e-2", "0.904523"),
    (0.1, 0.01, 0, "1.999000e-3", "0.900450"),
    (0.1, 0.01, 1e-5, "2.018940e-3", "0.892431"),
    (0.05, 1e-3, 1e-5, "1.199943e-4", "0.799605"),
    (0.2, 0.5, 1e-3, "1.914284e-1", "0.835821"),
    (0.3, 0.05, 1e-4, "2.996605e-2", "0.702054"),
]


@pytest.mark.parametrize("alpha, eta, pd, p, f", SINGLE_CLICK_MODEL)
def test_single_click_model(alpha, eta, pd, p, f):
    got_p, got_f = ph.single_click(alpha, eta, pd)
    assert got_p == printed(p)
    assert got_f == printed(f)
    if pd == 0:
        assert got_p == pytest.approx(1 - (1 - alpha * eta) ** 2, rel=1e-12)
        assert got_f == pytest.approx((1 - alpha) / (1 - alpha * eta / 2), rel=1e-12)


SINGLE_CLICK_LINKS = [
    # L, eta_det, eta arm, alpha, p0, F0, p(1e-6), F(1e-6)
    (10, 1.0, "0.7943", 0.1, "1.5256e-1", "0.93722", "1.5256e-1", "0.93721"),
    (50, 1.0, "0.3162", 0.05, "3.1373e-2", "0.95757", "3.1375e-2", "0.95751"),
    (50, 1.0, "0.3162", 0.1, "6.2246e-2", "0.91446", "6.2247e-2", "0.91443"),
    (50, 0.3, "0.09487", 0.05, "9.4643e-3", "0.95226", "9.4663e-3", "0.95207"),
    (50, 0.3, "0.09487", 0.1, "1.8884e-2", "0.90429", "1.8886e-2", "0.90420"),
    (50, 0.3, "0.09487", 0.2, "3.7587e-2", "0.80766", "3.7589e-2", "0.80763"),
    (100, 1.0, "0.1", 0.1, "1.9900e-2", "0.90452", "1.9902e-2", "0.90444"),
    (100, 0.3, "0.03", 0.05, "2.9978e-3", "0.95071", "2.9997e-3", "0.95011"),
    (100, 0.3, "0.03", 0.1, "5.9910e-3", "0.90135", "5.9930e-3", "0.90108"),
]


@pytest.mark.parametrize("length, det, eta, alpha, p0, f0, p6, f6", SINGLE_CLICK_LINKS)
def test_single_click_links(length, det, eta, alpha, p0, f0, p6, f6):
    e = ph.arm_efficiency(length, detector_efficiency=det)
    assert e == printed(eta)
    assert ph.single_click(alpha, e) == (printed(p0), printed(f0))
    assert ph.single_click(alpha, e, 1e-6) == (printed(p6), printed(f6))


def test_single_click_components_and_bell_part():
    c = ph.single_click_components(0.2, 0.5, 1e-3)
    p, f = ph.single_click(0.2, 0.5, 1e-3)
    assert sum(c.values()) == pytest.approx(p, rel=1e-14)
    coeffs = ph.single_click_bell_diagonal(0.2, 0.5, 1e-3)
    assert sum(coeffs) == pytest.approx(1.0, abs=1e-14)
    assert coeffs[0] == pytest.approx(f, rel=1e-14)
    assert coeffs[3] == pytest.approx(c["mixed"] / (2 * p), rel=1e-14)
    # without dark counts the Phi+-frame Bell part is (F, (1-F)/2, (1-F)/2, 0)
    p, f = ph.single_click(0.1, 0.1)
    expected = (f, (1 - f) / 2, (1 - f) / 2, 0)
    assert ph.single_click_bell_diagonal(0.1, 0.1) == pytest.approx(expected)


def test_single_click_bell_part_from_states():
    """The heralded mixture, corrected by X on qubit 0, has the stated Bell diagonal."""
    alpha, eta, pd = 0.3, 0.05, 1e-2
    c = ph.single_click_components(alpha, eta, pd)
    p = sum(c.values())
    psi_plus = np.outer(ph.PSI_PLUS, ph.PSI_PLUS.conj())
    k01 = np.zeros((4, 4), complex)
    k01[1, 1] = k01[2, 2] = 0.5
    k11 = np.zeros((4, 4), complex)
    k11[3, 3] = 1.0
    k00 = np.zeros((4, 4), complex)
    k00[0, 0] = 1.0
    rho = (c["correct"] * psi_plus + c["mixed"] * k01 + c["both"] * k11 + c["none"] * k00) / p
    x0 = op_on(2, {0: X})
    rho = x0 @ rho @ x0.conj().T
    assert ph.bell_coefficients(rho) == pytest.approx(
        ph.single_click_bell_diagonal(alpha, eta, pd), abs=1e-14
    )


DOUBLE_CLICK_MODEL = [
    (0.1, 0, "5.000000e-3", "1.000000"),
    (0.1, 1e-4, "5.036025e-3", "0.994436"),
    (0.01, 1e-5, "5.039638e-5", "0.994081"),
    (0.3, 1e-3, "4.584014e-2", "0.984293"),
    (1e-3, 1e-6, "5.040000e-7", "0.994046"),
]


@pytest.mark.parametrize("eta, pd, p, f", DOUBLE_CLICK_MODEL)
def test_double_click_model(eta, pd, p, f):
    assert ph.double_click(eta, pd) == (printed(p), printed(f))


def test_double_click_limits():
    assert ph.double_click(0.2) == pytest.approx((0.02, 1.0), rel=1e-14)
    # leading order 1 - F ~ 6 p_d / eta for eta << 1
    eta, pd = 1e-3, 1e-9
    assert 1 - ph.double_click(eta, pd)[1] == pytest.approx(6 * pd / eta, rel=1e-2)
    c = ph.double_click_components(0.3, 1e-3)
    assert sum(c.values()) == pytest.approx(ph.double_click(0.3, 1e-3)[0], rel=1e-14)
    bd = ph.double_click_bell_diagonal(0.3, 1e-3)
    assert sum(bd) == pytest.approx(1.0, abs=1e-14)
    assert bd[0] == pytest.approx(ph.double_click(0.3, 1e-3)[1], rel=1e-14)


DOUBLE_CLICK_LINKS = [
    # L, eta_det, p0, (p, F) at 1e-6, (p, F) at 1e-4
    (10, 1.0, "3.1548e-1", "3.1548e-1", "1.00000", "3.1554e-1", "0.99964"),
    (50, 1.0, "5.0000e-2", "5.0001e-2", "0.99999", "5.0086e-2", "0.99851"),
    (50, 0.3, "4.5000e-3", "4.5003e-3", "0.99994", "4.5344e-3", "0.99412"),
    (100, 1.0, "5.0000e-3", "5.0004e-3", "0.99994", "5.0360e-3", "0.99444"),
    (100, 0.3, "4.5000e-4", "4.5012e-4", "0.99980", "4.6168e-4", "0.98084"),
]


@pytest.mark.parametrize("length, det, p0, p6, f6, p4, f4", DOUBLE_CLICK_LINKS)
def test_double_click_links(length, det, p0, p6, f6, p4, f4):
    e = ph.arm_efficiency(length, detector_efficiency=det)
    assert ph.double_click(e)[0] == printed(p0)
    assert ph.double_click(e, 1e-6) == (printed(p6), printed(f6))
    assert ph.double_click(e, 1e-4) == (printed(p4), printed(f4))


@pytest.mark.parametrize("length, p", [(50, "2.5e-2"), (100, "2.5e-3"), (200, "2.5e-5")])
def test_midpoint_source(length, p):
    got = ph.midpoint_source(ph.arm_efficiency(length))
    assert got == printed(p)
    assert got == pytest.approx(ph.transmissivity(length) / 4, rel=1e-12)
    assert ph.midpoint_source(0.5, 0.8, 0.4, 0.9) == pytest.approx(0.8 * (0.4 * 0.9 * 0.5) ** 2)


WAITING = [
    # L, scheme, p, E[N], SD[N], tau us, E[T] s, rate Hz
    (10, "single", "1.5256e-1", "6.555", "6.034", 50, "0.3277e-3", "3051"),
    (10, "bk", "3.1548e-1", "3.170", "2.623", 50, "0.1585e-3", "6310"),
    (50, "single", "6.2246e-2", "16.07", "15.56", 250, "4.016e-3", "249"),
    (50, "bk", "5.0000e-2", "20", "19.49", 250, "5e-3", "200"),
    (100, "single", "1.9900e-2", "50.25", "49.75", 500, "25.13e-3", "39.8"),
    (100, "bk", "5.0000e-3", "200", "199.5", 500, "100e-3", "10"),
]


@pytest.mark.parametrize("length, scheme, p, mean, sd, tau_us, t_mean, rate", WAITING)
def test_waiting_time_table(length, scheme, p, mean, sd, tau_us, t_mean, rate):
    eta = ph.arm_efficiency(length)
    got_p = ph.single_click(0.1, eta)[0] if scheme == "single" else ph.double_click(eta)[0]
    tau = ph.midpoint_cycle_time_s(length)
    assert got_p == printed(p)
    assert tau == pytest.approx(tau_us * 1e-6, rel=1e-12)
    assert ph.expected_attempts(got_p) == printed(mean)
    assert ph.attempts_std(got_p) == printed(sd)
    assert ph.expected_wait_time_s(got_p, tau) == printed(t_mean)
    assert ph.rate_hz(got_p, tau) == printed(rate)


def test_geometric_moments_match_sums():
    p = 0.3
    n = np.arange(1, 400)
    pmf = p * (1 - p) ** (n - 1)
    mean = float(np.sum(n * pmf))
    assert ph.expected_attempts(p) == pytest.approx(mean, rel=1e-12)
    assert ph.attempts_std(p) == pytest.approx(math.sqrt(np.sum(n**2 * pmf) - mean**2), rel=1e-10)


def test_generation_bad_input():
    with pytest.raises(ValueError, match="alpha"):
        ph.single_click(1.5, 0.1)
    with pytest.raises(ValueError, match="eta"):
        ph.single_click(0.1, -0.1)
    with pytest.raises(ValueError, match="dark_count"):
        ph.double_click(0.1, 2.0)
    with pytest.raises(ValueError, match="herald probability is 0"):
        ph.single_click(0.0, 0.5)
    with pytest.raises(ValueError, match="herald probability is 0"):
        ph.double_click(0.0)
    with pytest.raises(ValueError, match="detector_efficiency"):
        ph.arm_efficiency(10, detector_efficiency=1.2)
    with pytest.raises(ValueError, match="bsm_efficiency"):
        ph.midpoint_source(0.5, bsm_efficiency=-0.1)
    with pytest.raises(ValueError, match="p must be > 0"):
        ph.expected_attempts(0.0)
    with pytest.raises(ValueError, match="p must be a probability"):
        ph.attempts_std(1.1)
    with pytest.raises(ValueError, match="cycle_time_s"):
        ph.rate_hz(0.1, 0.0)

"""Tests for qnet_circuits.physics: reference tables (to their printed precision) and
independent numpy density-matrix cross-checks of the closed forms."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from qnet_circuits import physics as ph

# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def printed(text: str) -> object:
    """pytest.approx with the tolerance implied by the printed digits (half a last unit)."""
    s = text.strip().lower()
    mant, _, exp = s.partition("e")
    decimals = len(mant.split(".")[1]) if "." in mant else 0
    e = int(exp) if exp else 0
    tol = 0.5 * 10.0 ** (e - decimals)
    return pytest.approx(float(s), abs=tol * (1 + 1e-9) + 1e-300)


# real where possible: real matrix products stay fast on a loaded machine
I2 = np.eye(2)
X = np.array([[0.0, 1.0], [1.0, 0.0]])
Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
Z = np.diag([1.0, -1.0])
H = np.array([[1.0, 1.0], [1.0, -1.0]]) / math.sqrt(2)
SDG = np.diag([1.0, -1j])


def op_on(n: int, ops: dict[int, np.ndarray]) -> np.ndarray:
    """Tensor operator on n qubits, little-endian (qubit 0 is the rightmost kron factor)."""
    out = np.array([[1.0]])
    for q in reversed(range(n)):
        out = np.kron(out, ops.get(q, I2))
    return out


def cnot(n: int, control: int, target: int) -> np.ndarray:
    p0 = np.diag([1.0, 0.0])
    p1 = np.diag([0.0, 1.0])
    return op_on(n, {control: p0}) + op_on(n, {control: p1, target: X})


def projector(n: int, qubit: int, bit: int) -> np.ndarray:
    return op_on(n, {qubit: np.diag([1.0 - bit, float(bit)])})


def partial_trace(rho: np.ndarray, n: int, keep: list[int]) -> np.ndarray:
    """Trace out all qubits not in ``keep``; result in little-endian order of ``keep``."""
    t = rho.reshape([2] * (2 * n))  # axis k (k < n) is qubit n-1-k of the row index
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    rows = list(letters[:n])
    cols = list(letters[n : 2 * n])
    for q in range(n):
        if q not in keep:
            cols[n - 1 - q] = rows[n - 1 - q]
    out_rows = "".join(rows[n - 1 - q] for q in reversed(keep))
    out_cols = "".join(cols[n - 1 - q] for q in reversed(keep))
    spec = "".join(rows) + "".join(cols) + "->" + out_rows + out_cols
    d = 2 ** len(keep)
    return np.einsum(spec, t).reshape(d, d)


def pair_state(*coeffs: tuple[float, float, float, float]) -> np.ndarray:
    """Tensor product of Bell-diagonal pairs; pair k occupies qubits (2k, 2k+1)."""
    rho = np.array([[1.0 + 0j]])
    for c in coeffs:
        rho = np.kron(ph.bell_diagonal_density_matrix(c), rho)
    return rho


def random_bell_diagonal(rng: np.random.Generator) -> tuple[float, float, float, float]:
    v = rng.dirichlet(np.ones(4))
    return (float(v[0]), float(v[1]), float(v[2]), float(v[3]))


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


# ---------------------------------------------------------------------------------------------
# density-matrix simulators used as independent cross-checks (numpy only)
# ---------------------------------------------------------------------------------------------

PAULIS = (I2, X, Y, Z)


def rx(theta: float) -> np.ndarray:
    return np.cos(theta / 2) * I2 - 1j * np.sin(theta / 2) * X


def evolve(rho: np.ndarray, u: np.ndarray) -> np.ndarray:
    return u @ rho @ u.conj().T


def depolarize_two(rho: np.ndarray, n: int, qa: int, qb: int, lam: float) -> np.ndarray:
    """Qiskit depolarizing_error(lam, 2) on qubits qa, qb: (1-lam) rho + lam Tr_ab(rho) I/4."""
    if lam == 0:
        return rho
    twirled = sum(evolve(rho, op_on(n, {qa: p, qb: r})) for p in PAULIS for r in PAULIS) / 16
    return (1 - lam) * rho + lam * twirled


def simulate_swap(c1, c2, lam=0.0, eps=0.0) -> np.ndarray:
    """Pairs (0,1), (2,3); CNOT(1->2), H(1), measure 1 -> m1, 2 -> m2; X^m2 Z^m1 on 3.
    Readout: each reported bit is flipped with probability eps. Returns rho of (0, 3)."""
    n = 4
    rho = pair_state(c1, c2)
    rho = depolarize_two(rho, n, 1, 2, lam)
    rho = evolve(rho, op_on(n, {1: H}) @ cnot(n, 1, 2))
    out = np.zeros((16, 16), complex)
    for m1, m2, f1, f2 in itertools.product((0, 1), repeat=4):
        weight = (eps if f1 else 1 - eps) * (eps if f2 else 1 - eps)
        proj = projector(n, 1, m1) @ projector(n, 2, m2)
        r1, r2 = m1 ^ f1, m2 ^ f2
        corr = op_on(n, {3: np.linalg.matrix_power(Z, r1) @ np.linalg.matrix_power(X, r2)})
        out += weight * evolve(evolve(rho, proj), corr)
    return partial_trace(out, n, [0, 3])


def simulate_purification(c1, c2, alice_angle=None, bob_angle=None, lam=0.0):
    """Pairs (a1,b1)=(0,1) kept, (a2,b2)=(2,3) sacrificed; optional Rx on each side, bilateral
    CNOT, depolarizing lam on (a1,a2) and on (b1,b2) after the CNOTs, keep iff bits agree.
    Returns (normalized rho of (0,1), success probability)."""
    n = 4
    rho = pair_state(c1, c2)
    if alice_angle is not None:
        rho = evolve(rho, op_on(n, {0: rx(alice_angle), 2: rx(alice_angle)}))
    if bob_angle is not None:
        rho = evolve(rho, op_on(n, {1: rx(bob_angle), 3: rx(bob_angle)}))
    rho = evolve(rho, cnot(n, 1, 3) @ cnot(n, 0, 2))
    rho = depolarize_two(depolarize_two(rho, n, 0, 2, lam), n, 1, 3, lam)
    kept = sum(evolve(rho, projector(n, 2, m) @ projector(n, 3, m)) for m in (0, 1))
    p = float(np.trace(kept).real)
    return partial_trace(kept, n, [0, 1]) / p, p


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


# ---------------------------------------------------------------------------------------------
# 6. Teleportation
# ---------------------------------------------------------------------------------------------

CARDINAL = {
    "Z": [np.array([1, 0], complex), np.array([0, 1], complex)],
    "X": [np.array([1, 1], complex) / math.sqrt(2), np.array([1, -1], complex) / math.sqrt(2)],
    "Y": [np.array([1, 1j]) / math.sqrt(2), np.array([1, -1j]) / math.sqrt(2)],
}


def teleport_sim(coeffs, psi) -> float:
    """in=0, Alice=1, Bob=2; CNOT(0->1), H(0), measure 0 -> m1, 1 -> m2; X^m2 Z^m1 on Bob."""
    n = 3
    rho = np.kron(ph.bell_diagonal_density_matrix(coeffs), np.outer(psi, psi.conj()))
    rho = evolve(rho, op_on(n, {0: H}) @ cnot(n, 0, 1))
    out = sum(
        evolve(evolve(rho, projector(n, 0, m1) @ projector(n, 1, m2)),
               op_on(n, {2: np.linalg.matrix_power(Z, m1) @ np.linalg.matrix_power(X, m2)}))
        for m1 in (0, 1) for m2 in (0, 1)
    )
    bob = partial_trace(out, n, [2])
    return float(np.real(psi.conj() @ bob @ psi))


TELEPORT_TABLE = [(1.0, "1.000000"), (0.95, "0.966667"), (0.9, "0.933333"), (0.8, "0.866667"),
                  (0.75, "0.833333"), (0.5, "0.666667"), (0.25, "0.5")]


@pytest.mark.parametrize("f, expected", TELEPORT_TABLE)
def test_teleport_werner_table(f, expected):
    got = ph.teleport_fidelity_werner(f)
    assert got == printed(expected)
    for states in CARDINAL.values():
        for psi in states:
            assert teleport_sim(ph.werner_coefficients(f), psi) == pytest.approx(got, abs=1e-12)
    assert ph.teleport_fidelity_werner(0.5) == pytest.approx(ph.CLASSICAL_TELEPORT_FIDELITY)


@pytest.mark.parametrize(
    "coeffs, z, x, y, avg",
    [((0.9, 0, 0, 0.1), "1.0", "0.9", "0.9", "0.933333"),
     ((0.85, 0.05, 0.07, 0.03), "0.88", "0.92", "0.90", "0.9")],
)
def test_teleport_bell_diagonal(coeffs, z, x, y, avg):
    got = ph.teleport_fidelities_bell_diagonal(coeffs)
    assert (got["Z"], got["X"], got["Y"], got["average"]) == tuple(
        printed(v) for v in (z, x, y, avg)
    )
    sims = {b: [teleport_sim(coeffs, psi) for psi in states] for b, states in CARDINAL.items()}
    for b in "ZXY":
        assert sims[b] == pytest.approx([got[b]] * 2, abs=1e-12)
    assert np.mean([v for s in sims.values() for v in s]) == pytest.approx(got["average"])


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


# ---------------------------------------------------------------------------------------------
# 9. Bounds
# ---------------------------------------------------------------------------------------------

PLOB_TABLE = [
    (10, "0.631", "1.4381", "0.9086", "2.1439", ("2.2816", "3.2009", "4.1600", "5.1394")),
    (50, "0.1", "0.15200", "0.14400", "0.28951", ("0.54841", "1.1921", "1.9994", "2.8993")),
    (100, "1e-2", "1.4500e-2", "1.44e-2", "2.8855e-2", ("0.15200", "0.54841", "1.1921", "1.9994")),
    (150, "1e-3", "1.4434e-3", "1.44e-3", "2.8854e-3",
     ("4.6359e-2", "0.28249", "0.79010", "1.5120")),
    (200, "1e-4", "1.4428e-4", "1.44e-4", "2.8854e-4",
     ("1.4500e-2", "0.15200", "0.54841", "1.1921")),
    (300, "1e-6", "1.4427e-6", "1.44e-6", "2.8854e-6",
     ("1.4434e-3", "4.6359e-2", "0.28249", "0.79010")),
    (400, "1e-8", "1.4427e-8", "1.44e-8", "2.8854e-8",
     ("1.4428e-4", "1.4500e-2", "0.15200", "0.54841")),
    (500, "1e-10", "1.4427e-10", "1.44e-10", "2.8854e-10",
     ("1.4427e-5", "4.5694e-3", "8.3499e-2", "0.39050")),
    (1000, "1e-20", "1.4427e-20", "1.44e-20", "2.8854e-20",
     ("1.4427e-10", "1.4427e-5", "4.5694e-3", "8.3499e-2")),
]


@pytest.mark.parametrize("length, eta, plob, approx, tgw, chain", PLOB_TABLE)
def test_plob_table(length, eta, plob, approx, tgw, chain):
    e = ph.transmissivity(length)
    assert e == printed(eta)
    assert ph.plob(e) == printed(plob)
    assert 1.44 * e == printed(approx)
    assert ph.tgw(e) == printed(tgw)
    assert ph.tgw(e) >= ph.plob(e)
    for n, v in zip((2, 4, 8, 16), chain, strict=True):
        assert ph.plob_chain(e, n) == printed(v)
        assert ph.plob_chain(e, n) == pytest.approx(ph.plob(ph.transmissivity(length / n)))


def test_plob_spot_values_and_rates():
    assert ph.plob(0.01) == printed("0.0144996")
    assert ph.plob_chain(1e-10, 8) == printed("0.0834991")
    assert ph.plob(1e-20) > 0  # the naive formula underflows to 0 here
    clock = 1e9
    assert clock * ph.plob(ph.transmissivity(100)) == printed("1.45e7")
    assert clock * ph.plob(ph.transmissivity(200)) == printed("1.44e5")
    assert clock * ph.plob(ph.transmissivity(300)) == printed("1.44e3")
    assert clock * ph.plob(ph.transmissivity(500)) == printed("0.144")
    assert ph.plob_chain(0.3, 1) == ph.plob(0.3)
    assert ph.plob(1.0) == math.inf
    with pytest.raises(ValueError, match="eta"):
        ph.plob(1.5)
    with pytest.raises(ValueError, match="n_segments"):
        ph.plob_chain(0.1, 0)


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


def remote_cnot_channel(coeffs) -> tuple[float, float]:
    """Eisert et al. remote CNOT with a Bell-diagonal resource, simulated on the Choi state.

    Qubits: a=0 (control), b=1 (target), A'=2, B'=3, references ra=4, rb=5.
    Returns (process fidelity to CNOT, P(|c=1,t=1> | input |c=1,t=0>))."""
    n = 6
    # Phi+ on (a, ra) and on (b, rb): amplitude 1/2 on |a b 0 0 a b>
    psi = np.zeros(2**n)
    for a, b in itertools.product((0, 1), repeat=2):
        psi[a + 2 * b + 16 * a + 32 * b] = 0.5
    choi_in = np.outer(psi, psi.conj())

    def protocol(rho_ab_ref: np.ndarray) -> np.ndarray:
        res = ph.bell_diagonal_density_matrix(coeffs).real  # real for speed
        rho = _embed_resource(rho_ab_ref, res, n)
        rho = evolve(rho, cnot(n, 0, 2))
        out = np.zeros_like(rho)
        for m1 in (0, 1):
            fix = op_on(n, {3: np.linalg.matrix_power(X, m1)})
            r1 = evolve(evolve(rho, projector(n, 2, m1)), fix)
            r1 = evolve(r1, op_on(n, {3: H}) @ cnot(n, 3, 1))
            for m2 in (0, 1):
                out += evolve(evolve(r1, projector(n, 3, m2)),
                              op_on(n, {0: np.linalg.matrix_power(Z, m2)}))
        return out

    out = protocol(choi_in)
    target = cnot(n, 0, 1) @ psi
    # trace out A', B' implicitly via overlap with |target> (x) anything on 2, 3
    reduced = partial_trace(out, n, [0, 1, 4, 5])
    t_red = target.reshape([2] * n)
    # target has qubits 2, 3 in |0>: take that slice (axes: qubit q is axis n-1-q)
    t_vec = t_red[:, :, 0, 0, :, :].reshape(-1)
    f_pro = float(np.real(t_vec.conj() @ reduced @ t_vec))
    # |c=1, t=0> input: project references onto ra=1, rb=0 (Choi state -> that input)
    ref_proj = op_on(n, {4: np.diag([0.0, 1.0]), 5: np.diag([1.0, 0.0])})
    cond = evolve(out, ref_proj)
    one = np.diag([0.0, 1.0])
    p11 = float(np.real(np.trace(cond @ op_on(n, {0: one, 1: one}))))
    return f_pro, p11 / float(np.real(np.trace(cond)))


def _embed_resource(rho_other: np.ndarray, res: np.ndarray, n: int) -> np.ndarray:
    """rho_other acts on qubits (0,1,4,5) with 2,3 in |0>; replace qubits 2,3 by ``res``."""
    t = rho_other.reshape([2] * (2 * n))
    # keep the 2,3 = |0><0| block of rho_other (its qubits 2,3 are |00>)
    block = t[:, :, 0, 0, :, :, :, :, 0, 0, :, :]  # axes: q5 q4 (q3 q2) q1 q0 | same for cols
    r = res.reshape(2, 2, 2, 2)  # (q3, q2, q3', q2') little-endian: index q2 + 2*q3
    full = np.einsum("abcdefgh,ijkl->abijcdefklgh", block, r)
    return full.reshape(2**n, 2**n)


REMOTE_CNOT = [
    (1.0, "1.000000", "1.000000"), (0.95, "0.950000", "0.960000"),
    (0.9, "0.900000", "0.920000"), (0.8, "0.800000", "0.840000"), (0.5, "0.500000", "0.600000"),
]


@pytest.mark.parametrize("f, pro, avg", REMOTE_CNOT)
def test_remote_cnot_table(f, pro, avg):
    got = ph.remote_cnot_fidelities(f)
    assert got == (printed(pro), printed(avg))
    coeffs = ph.werner_coefficients(f)
    f_pro, p11 = remote_cnot_channel(coeffs)
    assert f_pro == pytest.approx(got[0], abs=1e-12)
    assert ph.remote_cnot_process_fidelity(coeffs) == pytest.approx(f)
    assert p11 == pytest.approx(ph.remote_cnot_flip_probability(coeffs), abs=1e-12)
    assert ph.remote_cnot_flip_probability(coeffs) == pytest.approx(f + (1 - f) / 3)


def test_remote_cnot_bell_diagonal_resource():
    c = (0.8, 0.05, 0.1, 0.05)
    f_pro, p11 = remote_cnot_channel(c)
    assert f_pro == pytest.approx(ph.remote_cnot_process_fidelity(c), abs=1e-12)
    assert p11 == pytest.approx(ph.remote_cnot_flip_probability(c), abs=1e-12)
    with pytest.raises(ValueError, match="fidelity"):
        ph.remote_cnot_fidelities(1.5)


# ---------------------------------------------------------------------------------------------
# 15. Spot values of the reference implementation, limits, docstring examples
# ---------------------------------------------------------------------------------------------


def test_reference_spot_values():
    assert ph.single_click(0.1, 0.01, 1e-5) == (printed("2.018940e-3"), printed("0.892431"))
    assert ph.double_click(0.01, 1e-5) == (printed("5.039638e-5"), printed("0.994081"))
    assert ph.swap_werner(0.95, 0.95, 0.02, 0.01) == printed("0.873278")
    assert ph.bbpssw(0.8) == (printed("0.838150"), printed("0.768889"))
    assert ph.storage_fidelity_both(0.3, 1, 1.5) == printed("0.739157")
    assert ph.key_rate_bbm92(0.05) == printed("0.427206")
    assert ph.key_rate_di(0.05, 2.545584) == printed("0.224950")
    assert ph.plob(0.01) == printed("0.0144996")
    assert ph.plob_chain(1e-10, 8) == printed("0.0834991")
    assert ph.expected_max_geometric(4, 0.1) == printed("20.273378")
    assert ph.ubqc_line_p0(math.pi / 2, math.pi / 4) == printed("0.853553")


def test_scaling_limits():
    # small p: E[max of N geometric] -> H_N / p (not the 3/2 rule)
    for n in (2, 4, 8):
        harmonic = sum(1 / k for k in range(1, n + 1))
        assert ph.expected_max_geometric(n, 1e-6) * 1e-6 == pytest.approx(harmonic, rel=1e-5)
    # section 2c comparison: MSM eta/4, Barrett-Kok eta/2, single-click ~ 2 alpha sqrt(eta)
    for length in (50, 100, 200):
        eta = ph.transmissivity(length)
        arm = ph.arm_efficiency(length)
        assert ph.midpoint_source(arm) == pytest.approx(eta / 4)
        assert ph.double_click(arm)[0] == pytest.approx(eta / 2)
        assert ph.single_click(0.1, arm)[0] == pytest.approx(0.2 * math.sqrt(eta), rel=0.1)


def test_docstring_examples_run():
    import doctest

    result = doctest.testmod(ph, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 50
    assert result.failed == 0

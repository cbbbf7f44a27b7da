"""Tests for qnet_circuits.physics: reference tables (to their printed precision) and
independent numpy density-matrix cross-checks of the closed forms."""

from __future__ import annotations

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


I2 = np.eye(2, dtype=complex)
X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
Z = np.diag([1.0, -1.0]).astype(complex)
H = np.array([[1, 1], [1, -1]], dtype=complex) / math.sqrt(2)
SDG = np.diag([1.0, -1j])


def op_on(n: int, ops: dict[int, np.ndarray]) -> np.ndarray:
    """Tensor operator on n qubits, little-endian (qubit 0 is the rightmost kron factor)."""
    out = np.array([[1.0 + 0j]])
    for q in reversed(range(n)):
        out = np.kron(out, ops.get(q, I2))
    return out


def cnot(n: int, control: int, target: int) -> np.ndarray:
    p0 = np.diag([1.0, 0.0]).astype(complex)
    p1 = np.diag([0.0, 1.0]).astype(complex)
    return op_on(n, {control: p0}) + op_on(n, {control: p1, target: X})


def projector(n: int, qubit: int, bit: int) -> np.ndarray:
    return op_on(n, {qubit: np.diag([1.0 - bit, float(bit)]).astype(complex)})


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

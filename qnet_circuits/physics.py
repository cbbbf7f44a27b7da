"""Closed-form physics for quantum networks (pure numpy/scipy, no qiskit).

Every function here is a formula that simulated circuits are checked against. Section numbers
follow ``physics-reference.md``. Units are in the argument names (``_km``, ``_s``,
``_db_per_km``, ``_hz``).

Conventions
-----------
* Bell-diagonal coefficients are a tuple ``(A, B, C, D)`` = (Phi+, Psi-, Psi+, Phi-), i.e. a
  Pauli on one qubit of Phi+: A <-> I, B <-> Y, C <-> X, D <-> Z.
* Fidelity ``F = <Phi+|rho|Phi+>``; Werner parameter ``w = (4F - 1)/3``.
* Two-qubit density matrices are 4x4 arrays in Qiskit's little-endian order (basis index
  ``q0 + 2*q1``; qubit 0 is the first qubit of the pair).

>>> round(transmissivity(50.0), 6)
0.1
>>> swap_werner(0.9, 0.9)  # doctest: +ELLIPSIS
0.81333...
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = [
    # 1 fiber
    "transmissivity",
    "attenuation_length_km",
    "one_way_delay_s",
    "midpoint_cycle_time_s",
    # 2 heralded generation
    "arm_efficiency",
    "single_click_components",
    "single_click",
    "single_click_bell_diagonal",
    "double_click_components",
    "double_click",
    "double_click_bell_diagonal",
    "midpoint_source",
    "expected_attempts",
    "attempts_std",
    "expected_wait_time_s",
    "rate_hz",
    # 3 Werner / Bell-diagonal
    "BellCoefficients",
    "PHI_PLUS",
    "PSI_MINUS",
    "PSI_PLUS",
    "PHI_MINUS",
    "BELL_STATES",
    "werner_w",
    "fidelity_from_w",
    "werner_coefficients",
    "validate_bell_diagonal",
    "bell_diagonal_density_matrix",
    "bell_coefficients",
    "fidelity_phi_plus",
    "twirl",
    "is_entangled_bell_diagonal",
    "apply_pauli_label",
    # 7 memory decoherence
    "validate_t1_t2",
    "relax_density_matrix",
    "storage_fidelity_one",
    "storage_fidelity_both",
    "storage_fidelity",
    # 4 swapping
    "swap_bell_diagonal",
    "swap_werner",
    "chain_fidelity",
    "chain_fidelity_dur_approx",
    "chain_bell_diagonal",
    # 5 purification
    "bbpssw",
    "bbpssw_rounds",
    "bbpssw_pumping",
    "dejmps",
    "dejmps_same_direction",
    "dejmps_rounds",
    "dejmps_pumping",
    "expected_raw_pairs",
    # 6 teleportation
    "CLASSICAL_TELEPORT_FIDELITY",
    "teleport_fidelity_werner",
    "teleport_fidelities_bell_diagonal",
    # 8 CHSH / QKD
    "TSIRELSON_BOUND",
    "chsh_werner",
    "correlation_matrix_bell_diagonal",
    "chsh_max_bell_diagonal",
    "qber_werner",
    "qber_bell_diagonal",
    "binary_entropy",
    "key_rate_bbm92",
    "key_rate_di",
    "intercept_resend_chsh",
    "intercept_resend_qber",
    # 9 bounds
    "plob",
    "tgw",
    "plob_chain",
    # 10 repeater chains
    "expected_max_geometric",
    "two_link_expected_time",
    "two_link_mean_abs_difference",
    "two_link_mean_dephasing",
    "pauli_chain_fidelity",
    "two_link_expected_fidelity",
    "three_halves_rule",
    "doubling_expected_time",
    # 11 blind QC
    "ubqc_line_p0",
    "trap_detection_probability",
    # 12 sensing
    "ghz_parity",
    "heisenberg_variance",
    "sql_variance",
    "parity_estimator_variance",
    "ghz_dephased_variance",
    "product_dephased_variance",
    # 13 remote CNOT
    "remote_cnot_fidelities",
    "remote_cnot_process_fidelity",
    "remote_cnot_flip_probability",
]

BellCoefficients = tuple[float, float, float, float]

_TOL = 1e-9


# ---------------------------------------------------------------------------------------------
# validation helpers
# ---------------------------------------------------------------------------------------------


def _real(name: str, value: float) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number, got {value!r}") from None
    if math.isnan(x):
        raise ValueError(f"{name} must be a real number, got NaN")
    return x


def _finite(name: str, value: float) -> float:
    x = _real(name, value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x}")
    return x


def _nonneg(name: str, value: float, allow_inf: bool = False) -> float:
    x = _real(name, value) if allow_inf else _finite(name, value)
    if x < 0:
        raise ValueError(f"{name} must be >= 0, got {x}; pass a non-negative value")
    return x


def _positive(name: str, value: float, allow_inf: bool = False) -> float:
    x = _real(name, value) if allow_inf else _finite(name, value)
    if x <= 0:
        raise ValueError(f"{name} must be > 0, got {x}; pass a positive value")
    return x


def _prob(name: str, value: float) -> float:
    x = _finite(name, value)
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"{name} must be a probability in [0, 1], got {x}")
    return x


def _prob_open_low(name: str, value: float) -> float:
    """Probability in (0, 1] (a success probability that has to be non-zero)."""
    x = _prob(name, value)
    if x == 0.0:
        raise ValueError(f"{name} must be > 0 (a success probability of 0 never succeeds)")
    return x


def _fidelity(name: str, value: float) -> float:
    x = _finite(name, value)
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"{name} must be a fidelity in [0, 1], got {x}")
    return x


def _werner_param(name: str, value: float) -> float:
    x = _finite(name, value)
    if not -1.0 / 3.0 - _TOL <= x <= 1.0 + _TOL:
        raise ValueError(
            f"{name} must be a Werner parameter in [-1/3, 1] (fidelity in [0, 1]), got {x}"
        )
    return min(max(x, -1.0 / 3.0), 1.0)


def _count(name: str, value: int, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


# ---------------------------------------------------------------------------------------------
# 1. Fiber: loss and delays
# ---------------------------------------------------------------------------------------------


def transmissivity(length_km: float, attenuation_db_per_km: float = 0.2) -> float:
    """Fiber transmissivity ``eta = 10**(-alpha L / 10)`` (dimensionless, in [0, 1]).

    >>> round(transmissivity(25.0), 6)
    0.316228
    """
    length = _nonneg("length_km", length_km)
    alpha = _nonneg("attenuation_db_per_km", attenuation_db_per_km)
    return 10.0 ** (-alpha * length / 10.0)


def attenuation_length_km(attenuation_db_per_km: float = 0.2) -> float:
    """Attenuation length ``L_att = 10 / (alpha ln 10)`` in km, so that ``eta = exp(-L/L_att)``.

    >>> round(attenuation_length_km(0.2), 3)
    21.715
    """
    alpha = _positive("attenuation_db_per_km", attenuation_db_per_km)
    return 10.0 / (alpha * math.log(10.0))


def one_way_delay_s(length_km: float, speed_km_per_s: float = 2e5) -> float:
    """One-way signal delay ``L / c_f`` in seconds (default c_f = 2e5 km/s = 5 us/km).

    >>> one_way_delay_s(100.0)
    0.0005
    """
    length = _nonneg("length_km", length_km)
    speed = _positive("speed_km_per_s", speed_km_per_s)
    return length / speed


def midpoint_cycle_time_s(length_km: float, speed_km_per_s: float = 2e5) -> float:
    """Heralding cycle of a midpoint station between nodes ``length_km`` apart, in seconds.

    Photon flight L/2 plus herald return L/2, so ``tau = L / c_f``.

    >>> midpoint_cycle_time_s(10.0)
    5e-05
    """
    return one_way_delay_s(length_km, speed_km_per_s)


# ---------------------------------------------------------------------------------------------
# 2. Heralded entanglement generation
# ---------------------------------------------------------------------------------------------


def arm_efficiency(
    length_km: float, attenuation_db_per_km: float = 0.2, detector_efficiency: float = 1.0
) -> float:
    """Per-arm efficiency of a midpoint link: fiber over ``length_km / 2`` times detector.

    ``length_km`` is the node-to-node distance.

    >>> round(arm_efficiency(50.0, detector_efficiency=0.3), 5)
    0.09487
    """
    det = _prob("detector_efficiency", detector_efficiency)
    length = _nonneg("length_km", length_km)
    return transmissivity(length / 2.0, attenuation_db_per_km) * det


def single_click_components(alpha: float, eta: float, dark_count: float = 0.0) -> dict[str, float]:
    """Herald probabilities of the single-click scheme, split by heralded state (section 2a).

    ``alpha``: bright-state population; ``eta``: per-arm efficiency; ``dark_count``: dark-count
    probability per detector per window. Keys: ``"correct"`` (P_c, Psi+-), ``"mixed"`` (P_m,
    incoherent |01>,|10>), ``"both"`` (P_11, |11>), ``"none"`` (P_00, |00>, dark counts only).

    >>> round(single_click_components(0.1, 0.1)["correct"], 6)
    0.018
    """
    a = _prob("alpha", alpha)
    e = _prob("eta", eta)
    pd = _prob("dark_count", dark_count)
    s0 = 2.0 * pd * (1.0 - pd)
    return {
        "correct": 2.0 * a * (1.0 - a) * e * (1.0 - pd),
        "mixed": 2.0 * a * (1.0 - a) * (1.0 - e) * s0,
        "both": a * a * ((1.0 - (1.0 - e) ** 2) * (1.0 - pd) + (1.0 - e) ** 2 * s0),
        "none": (1.0 - a) ** 2 * s0,
    }


def single_click(alpha: float, eta: float, dark_count: float = 0.0) -> tuple[float, float]:
    """Single-click (Cabrillo et al.) herald probability and fidelity to the heralded Psi+-.

    Returns ``(p_success, fidelity)``; ``F = (P_c + P_m/2) / p``.

    >>> p, f = single_click(0.1, 0.1)
    >>> round(p, 6), round(f, 6)
    (0.0199, 0.904523)
    """
    c = single_click_components(alpha, eta, dark_count)
    p = c["correct"] + c["mixed"] + c["both"] + c["none"]
    if p <= 0.0:
        raise ValueError(
            "single_click: herald probability is 0 (alpha, eta and dark_count all give no "
            "click); use alpha > 0 and eta > 0, or dark_count > 0"
        )
    return p, (c["correct"] + 0.5 * c["mixed"]) / p


def single_click_bell_diagonal(
    alpha: float, eta: float, dark_count: float = 0.0
) -> BellCoefficients:
    """Bell-diagonal part (A, B, C, D) of the heralded single-click state, in the Phi+ frame.

    After the X correction that maps Psi+ to Phi+: the mixed term contributes half to A and
    half to D, the |11> and |00> terms half to B and half to C.

    >>> tuple(round(x, 6) for x in single_click_bell_diagonal(0.1, 0.1))
    (0.904523, 0.047739, 0.047739, 0.0)
    """
    c = single_click_components(alpha, eta, dark_count)
    p, f = single_click(alpha, eta, dark_count)
    d = 0.5 * c["mixed"] / p
    bc = 0.5 * (c["both"] + c["none"]) / p
    return (f, bc, bc, d)


def double_click_components(eta: float, dark_count: float = 0.0) -> dict[str, float]:
    """Barrett-Kok (double-click) herald probabilities by heralded state (section 2b).

    Keys ``"correct"`` (P_g), ``"mixed"`` (P_m, incoherent |01>,|10>), ``"bad"`` (P_b, |00>
    or |11>). ``eta``: per-arm efficiency; ``dark_count``: per detector per window.

    >>> double_click_components(0.1)["correct"]  # doctest: +ELLIPSIS
    0.005000...
    """
    e = _prob("eta", eta)
    pd = _prob("dark_count", dark_count)
    s0 = 2.0 * pd * (1.0 - pd)
    s1 = e * (1.0 - pd) + (1.0 - e) * s0
    s2 = (1.0 - (1.0 - e) ** 2) * (1.0 - pd) + (1.0 - e) ** 2 * s0
    return {
        "correct": 0.5 * (e * (1.0 - pd)) ** 2,
        "mixed": 0.5 * e * (1.0 - pd) * (1.0 - e) * s0 + 0.5 * (1.0 - e) * s0 * s1,
        "bad": 0.5 * s0 * s2,
    }


def double_click(eta: float, dark_count: float = 0.0) -> tuple[float, float]:
    """Barrett-Kok herald probability and fidelity ``(p_success, F)``; ideal ``p = eta**2/2``.

    >>> p, f = double_click(0.01, 1e-5)
    >>> round(p * 1e5, 6), round(f, 6)
    (5.039638, 0.994081)
    """
    c = double_click_components(eta, dark_count)
    p = c["correct"] + c["mixed"] + c["bad"]
    if p <= 0.0:
        raise ValueError(
            "double_click: herald probability is 0; use eta > 0 or dark_count > 0"
        )
    return p, (c["correct"] + 0.5 * c["mixed"]) / p


def double_click_bell_diagonal(eta: float, dark_count: float = 0.0) -> BellCoefficients:
    """Bell-diagonal part (A, B, C, D) of the heralded Barrett-Kok state in the Phi+ frame.

    >>> double_click_bell_diagonal(0.1)
    (1.0, 0.0, 0.0, 0.0)
    """
    c = double_click_components(eta, dark_count)
    p, f = double_click(eta, dark_count)
    return (f, 0.5 * c["bad"] / p, 0.5 * c["bad"] / p, 0.5 * c["mixed"] / p)


def midpoint_source(
    eta_arm: float,
    pair_probability: float = 1.0,
    bsm_efficiency: float = 0.5,
    node_efficiency: float = 1.0,
) -> float:
    """Success probability of a midpoint-source (MSM) link, ideal fidelity 1.

    ``p = p_pair * (p_BSM * eta_node * eta_arm)**2``; ``eta_arm`` is fiber over L/2.

    >>> round(midpoint_source(transmissivity(25.0)), 6)
    0.025
    """
    e = _prob("eta_arm", eta_arm)
    pp = _prob("pair_probability", pair_probability)
    pb = _prob("bsm_efficiency", bsm_efficiency)
    pn = _prob("node_efficiency", node_efficiency)
    return pp * (pb * pn * e) ** 2


def expected_attempts(p: float) -> float:
    """Mean number of attempts ``1/p`` of a geometric process with success probability p.

    >>> expected_attempts(0.05)
    20.0
    """
    return 1.0 / _prob_open_low("p", p)


def attempts_std(p: float) -> float:
    """Standard deviation ``sqrt(1-p)/p`` of the number of attempts.

    >>> round(attempts_std(0.05), 2)
    19.49
    """
    x = _prob_open_low("p", p)
    return math.sqrt(1.0 - x) / x


def expected_wait_time_s(p: float, cycle_time_s: float) -> float:
    """Mean waiting time ``tau / p`` in seconds for cycle time ``cycle_time_s``.

    >>> expected_wait_time_s(0.05, 250e-6)
    0.005
    """
    tau = _positive("cycle_time_s", cycle_time_s)
    return tau / _prob_open_low("p", p)


def rate_hz(p: float, cycle_time_s: float) -> float:
    """Generation rate ``1 / E[T] = p / tau`` in Hz.

    >>> rate_hz(0.05, 250e-6)
    200.0
    """
    return 1.0 / expected_wait_time_s(p, cycle_time_s)


# ---------------------------------------------------------------------------------------------
# 3. Werner and Bell-diagonal states
# ---------------------------------------------------------------------------------------------

_S = 1.0 / math.sqrt(2.0)
#: Bell state vectors in little-endian order (index q0 + 2*q1).
PHI_PLUS = np.array([_S, 0.0, 0.0, _S], dtype=complex)
PSI_MINUS = np.array([0.0, _S, -_S, 0.0], dtype=complex)
PSI_PLUS = np.array([0.0, _S, _S, 0.0], dtype=complex)
PHI_MINUS = np.array([_S, 0.0, 0.0, -_S], dtype=complex)
#: Bell states in coefficient order (A, B, C, D) = (Phi+, Psi-, Psi+, Phi-).
BELL_STATES: tuple[np.ndarray, ...] = (PHI_PLUS, PSI_MINUS, PSI_PLUS, PHI_MINUS)

# Pauli labels (x, z) of the coefficient slots: A <-> I, B <-> Y, C <-> X, D <-> Z.
_LABELS: tuple[tuple[int, int], ...] = ((0, 0), (1, 1), (1, 0), (0, 1))
_INDEX = {lab: i for i, lab in enumerate(_LABELS)}


def werner_w(fidelity: float) -> float:
    """Werner parameter ``w = (4F - 1)/3`` of a Werner state with Phi+ fidelity F.

    >>> round(werner_w(0.85), 6)
    0.8
    """
    f = _fidelity("fidelity", fidelity)
    return (4.0 * f - 1.0) / 3.0


def fidelity_from_w(w: float) -> float:
    """Phi+ fidelity ``F = (1 + 3w)/4`` of a Werner state with parameter w in [-1/3, 1].

    >>> fidelity_from_w(0.6)
    0.7
    """
    x = _werner_param("w", w)
    return (1.0 + 3.0 * x) / 4.0


def werner_coefficients(fidelity: float) -> BellCoefficients:
    """Bell-diagonal coefficients ``(F, (1-F)/3, (1-F)/3, (1-F)/3)`` of a Werner state.

    >>> werner_coefficients(0.7)  # doctest: +ELLIPSIS
    (0.7, 0.1000..., 0.1000..., 0.1000...)
    """
    f = _fidelity("fidelity", fidelity)
    r = (1.0 - f) / 3.0
    return (f, r, r, r)


def validate_bell_diagonal(coeffs: Sequence[float], name: str = "coeffs") -> BellCoefficients:
    """Check that ``coeffs`` is (A, B, C, D) with entries >= 0 summing to 1 (within 1e-9).

    Returns the coefficients as a tuple of floats (tiny negatives from rounding are clipped
    to 0). Raises ValueError naming ``name`` otherwise.

    >>> validate_bell_diagonal([0.7, 0.1, 0.1, 0.1])
    (0.7, 0.1, 0.1, 0.1)
    """
    try:
        vals = [float(c) for c in coeffs]
    except (TypeError, ValueError):
        raise ValueError(
            f"{name} must be a sequence of 4 real numbers (A, B, C, D), got {coeffs!r}"
        ) from None
    if len(vals) != 4:
        raise ValueError(
            f"{name} must have 4 entries (A, B, C, D) = (Phi+, Psi-, Psi+, Phi-), got {len(vals)}"
        )
    if any(not math.isfinite(v) for v in vals):
        raise ValueError(f"{name} must be finite, got {vals}")
    if any(v < -_TOL for v in vals):
        raise ValueError(f"{name} entries must be >= 0, got {vals}")
    total = math.fsum(vals)
    if abs(total - 1.0) > _TOL:
        raise ValueError(f"{name} must sum to 1 (within 1e-9), got sum {total!r}; normalize it")
    a, b, c, d = (max(v, 0.0) for v in vals)
    return (a, b, c, d)


def bell_diagonal_density_matrix(coeffs: Sequence[float]) -> np.ndarray:
    """4x4 density matrix ``sum_k c_k |B_k><B_k|`` (little-endian, complex).

    >>> bool(np.allclose(bell_diagonal_density_matrix((1, 0, 0, 0))[0, 3], 0.5))
    True
    """
    a, b, c, d = validate_bell_diagonal(coeffs)
    rho = np.zeros((4, 4), dtype=complex)
    rho[0, 0] = rho[3, 3] = (a + d) / 2.0
    rho[0, 3] = rho[3, 0] = (a - d) / 2.0
    rho[1, 1] = rho[2, 2] = (b + c) / 2.0
    rho[1, 2] = rho[2, 1] = (c - b) / 2.0
    return rho


def _density_matrix(name: str, rho: np.ndarray, dim: int = 4) -> np.ndarray:
    arr = np.asarray(rho, dtype=complex)
    if arr.shape != (dim, dim):
        raise ValueError(f"{name} must be a {dim}x{dim} density matrix, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    if not np.allclose(arr, arr.conj().T, atol=1e-9):
        raise ValueError(f"{name} must be Hermitian")
    tr = np.trace(arr).real
    if abs(tr - 1.0) > 1e-9:
        raise ValueError(f"{name} must have trace 1, got {tr}; normalize it")
    return arr


def bell_coefficients(rho: np.ndarray) -> BellCoefficients:
    """Diagonal of a two-qubit density matrix in the Bell basis, as (A, B, C, D).

    >>> bell_coefficients(np.diag([0.5, 0, 0, 0.5]))
    (0.5, 0.0, 0.0, 0.5)
    """
    r = _density_matrix("rho", rho)
    phi = float(np.real(r[0, 0] + r[3, 3])) / 2.0
    phi_coh = float(np.real(r[0, 3]))
    psi = float(np.real(r[1, 1] + r[2, 2])) / 2.0
    psi_coh = float(np.real(r[1, 2]))
    return (phi + phi_coh, psi - psi_coh, psi + psi_coh, phi - phi_coh)


def fidelity_phi_plus(rho: np.ndarray) -> float:
    """Fidelity ``<Phi+|rho|Phi+>`` of a 4x4 two-qubit density matrix.

    >>> fidelity_phi_plus(np.eye(4) / 4)
    0.25
    """
    return bell_coefficients(rho)[0]


def twirl(coeffs: Sequence[float]) -> BellCoefficients:
    """Bilateral twirl to Werner form: keeps A, spreads ``1 - A`` equally over B, C, D.

    >>> twirl((0.7, 0.2, 0.06, 0.04))  # doctest: +ELLIPSIS
    (0.7, 0.1000..., 0.1000..., 0.1000...)
    """
    a = validate_bell_diagonal(coeffs)[0]
    r = (1.0 - a) / 3.0
    return (a, r, r, r)


def is_entangled_bell_diagonal(coeffs: Sequence[float]) -> bool:
    """A Bell-diagonal state is entangled iff its largest coefficient exceeds 1/2.

    >>> is_entangled_bell_diagonal((0.5, 0.5, 0, 0)), is_entangled_bell_diagonal((0.1, 0.6, 0.3, 0))
    (False, True)
    """
    return max(validate_bell_diagonal(coeffs)) > 0.5


def apply_pauli_label(coeffs: Sequence[float], pauli: str) -> BellCoefficients:
    """Coefficients after a Pauli ``"I"|"X"|"Y"|"Z"`` on one qubit (relabels the slots).

    X swaps A<->C and B<->D; Z swaps A<->D and B<->C; Y swaps A<->B and C<->D.

    >>> apply_pauli_label((0.7, 0.2, 0.06, 0.04), "X")
    (0.06, 0.04, 0.7, 0.2)
    """
    c = validate_bell_diagonal(coeffs)
    shifts = {"I": (0, 0), "X": (1, 0), "Y": (1, 1), "Z": (0, 1)}
    if pauli not in shifts:
        raise ValueError(f"pauli must be one of 'I', 'X', 'Y', 'Z', got {pauli!r}")
    sx, sz = shifts[pauli]
    out = [0.0] * 4
    for i, (x, z) in enumerate(_LABELS):
        out[_INDEX[(x ^ sx, z ^ sz)]] = c[i]
    return (out[0], out[1], out[2], out[3])


# ---------------------------------------------------------------------------------------------
# 7. Memory decoherence (Aer's thermal_relaxation_error, excited_state_population = 0)
# ---------------------------------------------------------------------------------------------


def validate_t1_t2(t1_s: float, t2_s: float) -> tuple[float, float]:
    """Check ``T1 > 0`` (``inf`` allowed), ``T2 > 0`` and ``T2 <= 2 T1`` (Aer's rule).

    T2 is the total coherence time (Aer convention), not the pure-dephasing time.

    >>> validate_t1_t2(float("inf"), 1.0)
    (inf, 1.0)
    """
    t1 = _positive("t1_s", t1_s, allow_inf=True)
    t2 = _positive("t2_s", t2_s, allow_inf=True)
    if t2 > 2.0 * t1 * (1.0 + 1e-12):
        raise ValueError(
            f"t2_s must satisfy T2 <= 2*T1 (got T2={t2}, T1={t1}); T2 is the total coherence "
            "time, 1/T2 = 1/(2 T1) + 1/T_phi"
        )
    return t1, t2


def _decay(t: float, tc: float) -> float:
    """``exp(-t/tc)`` with ``tc = inf`` allowed."""
    return 1.0 if math.isinf(tc) else math.exp(-t / tc)


def relax_density_matrix(
    rho: np.ndarray, qubit: int, t_s: float, t1_s: float, t2_s: float
) -> np.ndarray:
    """Apply Aer's ``thermal_relaxation_error(T1, T2, t)`` to one qubit of a 2-qubit state.

    Exact channel: ``rho11 -> e^{-t/T1} rho11``, ``rho00 -> rho00 + (1-e^{-t/T1}) rho11``,
    ``rho01 -> e^{-t/T2} rho01``. ``qubit`` is 0 or 1 (little-endian: index = q0 + 2*q1).
    Times in seconds (any common unit works).

    >>> r = relax_density_matrix(bell_diagonal_density_matrix((1, 0, 0, 0)), 0, 0.3, 1.0, 1.5)
    >>> round(fidelity_phi_plus(r), 6)
    0.84457
    """
    r = _density_matrix("rho", rho)
    if isinstance(qubit, bool) or qubit not in (0, 1):
        raise ValueError(f"qubit must be 0 or 1, got {qubit!r}")
    t = _nonneg("t_s", t_s)
    t1, t2 = validate_t1_t2(t1_s, t2_s)
    e1 = _decay(t, t1)
    e2 = _decay(t, t2)
    # amplitude damping gives coherence sqrt(e1); extra dephasing brings it to e2
    k0 = np.array([[1.0, 0.0], [0.0, math.sqrt(e1)]])
    k1 = np.array([[0.0, math.sqrt(1.0 - e1)], [0.0, 0.0]])
    lam = e2 / math.sqrt(e1) if e1 > 0.0 else 0.0
    lam = min(lam, 1.0)
    p_z = (1.0 - lam) / 2.0
    z = np.diag([1.0, -1.0])
    ident = np.eye(2)
    kraus = [k0, k1]
    kraus = [math.sqrt(1.0 - p_z) * k for k in kraus] + [math.sqrt(p_z) * z @ k for k in kraus]
    out = np.zeros((4, 4), dtype=complex)
    for k in kraus:
        full = np.kron(ident, k) if qubit == 0 else np.kron(k, ident)
        out += full @ r @ full.conj().T
    return out


def storage_fidelity_one(t_s: float, t1_s: float, t2_s: float) -> float:
    """Phi+ fidelity after one qubit is stored for ``t_s``: ``(1 + e^{-t/T1} + 2e^{-t/T2})/4``.

    >>> round(storage_fidelity_one(0.3, 1.0, 1.5), 6)
    0.84457
    """
    return storage_fidelity(t_s, 0.0, t1_s, t2_s, math.inf, math.inf)


def storage_fidelity_both(t_s: float, t1_s: float, t2_s: float) -> float:
    """Phi+ fidelity after both qubits are stored for ``t_s`` with the same T1, T2.

    ``(1 + g^2 + (1-g)^2 + 2 e^{-2t/T2})/4`` with ``g = 1 - e^{-t/T1}``.

    >>> round(storage_fidelity_both(0.3, 1.0, 1.5), 6)
    0.739157
    """
    return storage_fidelity(t_s, t_s, t1_s, t2_s, t1_s, t2_s)


def storage_fidelity(
    t_a_s: float,
    t_b_s: float,
    t1_a_s: float,
    t2_a_s: float,
    t1_b_s: float,
    t2_b_s: float,
    w: float = 1.0,
) -> float:
    """Phi+ fidelity of a Werner pair (parameter ``w``) after qubit a waits ``t_a_s`` and b
    waits ``t_b_s`` under Aer's thermal relaxation.

    ``F = w F_pure + (1-w)(1 + g_a g_b)/4`` with
    ``F_pure = [1 + g_a g_b + (1-g_a)(1-g_b) + 2 e^{-t_a/T2a - t_b/T2b}]/4``, ``g = 1-e^{-t/T1}``.
    The ``g_a g_b`` term is decay of |11> feeding |00>.

    >>> round(storage_fidelity(0.3, 0.3, 1.0, 1.5, 1.0, 1.5, w=0.9), 6)
    0.69192
    """
    ta = _nonneg("t_a_s", t_a_s)
    tb = _nonneg("t_b_s", t_b_s)
    t1a, t2a = validate_t1_t2(t1_a_s, t2_a_s)
    t1b, t2b = validate_t1_t2(t1_b_s, t2_b_s)
    ww = _werner_param("w", w)
    ga = 1.0 - _decay(ta, t1a)
    gb = 1.0 - _decay(tb, t1b)
    coh = _decay(ta, t2a) * _decay(tb, t2b)
    f_pure = (1.0 + ga * gb + (1.0 - ga) * (1.0 - gb) + 2.0 * coh) / 4.0
    return ww * f_pure + (1.0 - ww) * (1.0 + ga * gb) / 4.0


# ---------------------------------------------------------------------------------------------
# 4. Entanglement swapping
# ---------------------------------------------------------------------------------------------


def _convolve(p: BellCoefficients, q: BellCoefficients) -> BellCoefficients:
    """Group convolution over Pauli labels (Z2 x Z2): ``out_k = sum_{i xor j = k} p_i q_j``."""
    out = [0.0] * 4
    for i, (xi, zi) in enumerate(_LABELS):
        for j, (xj, zj) in enumerate(_LABELS):
            out[_INDEX[(xi ^ xj, zi ^ zj)]] += p[i] * q[j]
    return (out[0], out[1], out[2], out[3])


def _bsm_noise(c: BellCoefficients, lam: float, eps: float) -> BellCoefficients:
    """Depolarizing ``lam`` on the BSM qubits, then independent flips of the two outcome bits.

    Depolarizing the two measured qubits to I/4 leaves the output pair maximally mixed, so it
    mixes the coefficients toward 1/4. A flipped Z-parity bit applies a wrong X (A<->C, B<->D),
    a flipped X-phase bit a wrong Z (A<->D, B<->C); both flipped give Y (A<->B, C<->D).
    """
    d = tuple((1.0 - lam) * x + lam / 4.0 for x in c)
    dep: BellCoefficients = (d[0], d[1], d[2], d[3])
    if eps == 0.0:
        return dep
    flips: BellCoefficients = (
        (1.0 - eps) ** 2,  # I
        eps * eps,  # Y (both bits wrong)
        eps * (1.0 - eps),  # X (parity bit wrong)
        eps * (1.0 - eps),  # Z (phase bit wrong)
    )
    return _convolve(dep, flips)


def swap_bell_diagonal(
    c1: Sequence[float],
    c2: Sequence[float],
    bsm_depolarizing: float = 0.0,
    readout_error: float = 0.0,
) -> BellCoefficients:
    """Bell-diagonal output (A, B, C, D) of swapping two Bell-diagonal pairs.

    Ideal BSM: the Pauli-label convolution, ``A = A1A2 + B1B2 + C1C2 + D1D2``.
    ``bsm_depolarizing``: Qiskit two-qubit depolarizing lambda on the two BSM qubits;
    ``readout_error``: bit-flip probability of each of the two outcome bits.

    >>> tuple(round(x, 6) for x in swap_bell_diagonal((0.9, .05, .03, .02), (0.8, .1, .06, .04)))
    (0.7276, 0.1324, 0.082, 0.058)
    """
    p = validate_bell_diagonal(c1, "c1")
    q = validate_bell_diagonal(c2, "c2")
    lam = _prob("bsm_depolarizing", bsm_depolarizing)
    eps = _prob("readout_error", readout_error)
    return _bsm_noise(_convolve(p, q), lam, eps)


def swap_werner(
    f1: float, f2: float, bsm_depolarizing: float = 0.0, readout_error: float = 0.0
) -> float:
    """Phi+ fidelity after swapping Werner pairs F1, F2 (not F1*F2).

    ``F = W (1-eps)**2 + (1-W)/4`` with ``W = (1-lam) w1 w2``; ideal: F1F2 + (1-F1)(1-F2)/3.

    >>> round(swap_werner(0.95, 0.95, 0.02, 0.01), 6)
    0.873278
    """
    w1 = werner_w(_fidelity("f1", f1))
    w2 = werner_w(_fidelity("f2", f2))
    lam = _prob("bsm_depolarizing", bsm_depolarizing)
    eps = _prob("readout_error", readout_error)
    big_w = (1.0 - lam) * w1 * w2
    return big_w * (1.0 - eps) ** 2 + (1.0 - big_w) / 4.0


def chain_fidelity(
    fidelities: Sequence[float], bsm_depolarizing: float = 0.0, readout_error: float = 0.0
) -> float:
    """End-to-end Phi+ fidelity of n Werner links joined by n-1 noisy swaps (exact).

    ``F = W ((1 + (1-2 eps)**(n-1))/2)**2 + (1-W)/4``, ``W = prod(w_i) (1-lam)**(n-1)``.

    >>> round(chain_fidelity([0.95, 0.9, 0.93], 0.02, 0.01), 8)
    0.75064655
    """
    fs = _fidelity_list(fidelities)
    lam = _prob("bsm_depolarizing", bsm_depolarizing)
    eps = _prob("readout_error", readout_error)
    n = len(fs)
    big_w = math.prod(werner_w(f) for f in fs) * (1.0 - lam) ** (n - 1)
    keep = ((1.0 + (1.0 - 2.0 * eps) ** (n - 1)) / 2.0) ** 2
    return big_w * keep + (1.0 - big_w) / 4.0


def chain_fidelity_dur_approx(
    fidelities: Sequence[float], bsm_depolarizing: float = 0.0, readout_error: float = 0.0
) -> float:
    """Dur-Briegel-Cirac-Zoller style product ``(1 + 3 W [(4 eta^2 - 1)/3]^(n-1))/4``.

    ``eta = 1 - readout_error``. Exact for n <= 2, an approximation for n >= 3 (compare
    :func:`chain_fidelity`).

    >>> round(chain_fidelity_dur_approx([0.95, 0.9, 0.93], 0.02, 0.01), 8)
    0.75060145
    """
    fs = _fidelity_list(fidelities)
    lam = _prob("bsm_depolarizing", bsm_depolarizing)
    eta = 1.0 - _prob("readout_error", readout_error)
    n = len(fs)
    big_w = math.prod(werner_w(f) for f in fs) * (1.0 - lam) ** (n - 1)
    return (1.0 + 3.0 * big_w * ((4.0 * eta * eta - 1.0) / 3.0) ** (n - 1)) / 4.0


def chain_bell_diagonal(
    list_of_coeffs: Sequence[Sequence[float]],
    bsm_depolarizing: float = 0.0,
    readout_error: float = 0.0,
) -> BellCoefficients:
    """Bell-diagonal output of a chain of pairs swapped left to right (repeated convolution).

    The swap order does not matter: all maps are Pauli channels, which commute.

    >>> round(chain_bell_diagonal([werner_coefficients(0.9)] * 4)[0], 6)
    0.673126
    """
    if isinstance(list_of_coeffs, (str, bytes)) or len(list_of_coeffs) == 0:
        raise ValueError("list_of_coeffs must be a non-empty sequence of (A, B, C, D) tuples")
    lam = _prob("bsm_depolarizing", bsm_depolarizing)
    eps = _prob("readout_error", readout_error)
    out = validate_bell_diagonal(list_of_coeffs[0], "list_of_coeffs[0]")
    for k, c in enumerate(list_of_coeffs[1:], start=1):
        nxt = validate_bell_diagonal(c, f"list_of_coeffs[{k}]")
        out = _bsm_noise(_convolve(out, nxt), lam, eps)
    return out


def _fidelity_list(fidelities: Sequence[float]) -> list[float]:
    if isinstance(fidelities, (str, bytes)):
        raise ValueError("fidelities must be a sequence of link fidelities, got a string")
    try:
        fs = list(fidelities)
    except TypeError:
        raise ValueError("fidelities must be a sequence of link fidelities") from None
    if not fs:
        raise ValueError("fidelities must contain at least one link fidelity")
    return [_fidelity(f"fidelities[{i}]", f) for i, f in enumerate(fs)]


# ---------------------------------------------------------------------------------------------
# 5. Entanglement purification
# ---------------------------------------------------------------------------------------------


def bbpssw(f1: float, f2: float | None = None) -> tuple[float, float]:
    """One BBPSSW round on Werner pairs F1 (kept) and F2 (sacrificed): ``(F_out, p_success)``.

    ``F' = [F1F2 + (1-F1)(1-F2)/9] / N``,
    ``N = F1F2 + [F1(1-F2) + (1-F1)F2]/3 + 5(1-F1)(1-F2)/9``. F' is the Phi+ fidelity before
    (and, equally, after) the re-twirl.

    >>> tuple(round(x, 6) for x in bbpssw(0.8))
    (0.83815, 0.768889)
    """
    a = _fidelity("f1", f1)
    b = a if f2 is None else _fidelity("f2", f2)
    n = a * b + (a * (1.0 - b) + (1.0 - a) * b) / 3.0 + 5.0 * (1.0 - a) * (1.0 - b) / 9.0
    return (a * b + (1.0 - a) * (1.0 - b) / 9.0) / n, n


def bbpssw_rounds(f: float, rounds: int) -> list[tuple[float, float]]:
    """Iterated BBPSSW (twirl between rounds) on identical pairs: ``[(F_k, p_k), k=1..rounds]``.

    >>> [round(f, 6) for f, _ in bbpssw_rounds(0.8, 3)]
    [0.83815, 0.873585, 0.90454]
    """
    f = _fidelity("f", f)
    out = []
    for _ in range(_count("rounds", rounds)):
        f, p = bbpssw(f)
        out.append((f, p))
    return out


def bbpssw_pumping(f_kept: float, f_fresh: float, rounds: int) -> list[tuple[float, float]]:
    """Entanglement pumping with BBPSSW: the kept pair meets one fresh Werner pair per round.

    Returns ``[(F_k, p_k)]``; the kept pair is re-twirled between rounds.

    >>> round(bbpssw_pumping(0.9, 0.7, 1)[0][0], 6)
    0.833333
    """
    f = _fidelity("f_kept", f_kept)
    g = _fidelity("f_fresh", f_fresh)
    out = []
    for _ in range(_count("rounds", rounds)):
        f, p = bbpssw(f, g)
        out.append((f, p))
    return out


def _dejmps_parts(
    c1: BellCoefficients, c2: BellCoefficients
) -> tuple[tuple[float, float, float, float], float]:
    a1, b1, cc1, d1 = c1
    a2, b2, cc2, d2 = c2
    num = (a1 * a2 + b1 * b2, cc1 * d2 + d1 * cc2, cc1 * cc2 + d1 * d2, a1 * b2 + b1 * a2)
    n = (a1 + b1) * (a2 + b2) + (cc1 + d1) * (cc2 + d2)
    return num, n


def _normalize(num: Sequence[float], n: float, what: str) -> BellCoefficients:
    if n <= 0.0:
        raise ValueError(f"{what}: success probability is 0 for these inputs (nothing to keep)")
    return (num[0] / n, num[1] / n, num[2] / n, num[3] / n)


def dejmps(
    c1: Sequence[float], c2: Sequence[float] | None = None, cnot_depolarizing: float = 0.0
) -> tuple[BellCoefficients, float]:
    """One DEJMPS round (Rx(+pi/2) at Alice, Rx(-pi/2) at Bob, bilateral CNOT, keep if equal).

    ``A'=(A1A2+B1B2)/N, B'=(C1D2+D1C2)/N, C'=(C1C2+D1D2)/N, D'=(A1B2+B1A2)/N`` with
    ``N=(A1+B1)(A2+B2)+(C1+D1)(C2+D2)``. ``cnot_depolarizing``: two-qubit depolarizing lambda
    after each local CNOT; it replaces the Pauli labels of both pairs by uniform ones with
    probability ``1-(1-lam)**2``, giving ``num -> mu num + (1-mu)/8``, ``N -> mu N + (1-mu)/2``.

    >>> c, p = dejmps((0.7, 0.2, 0.06, 0.04))
    >>> tuple(round(x, 6) for x in c), round(p, 6)
    ((0.646341, 0.005854, 0.006341, 0.341463), 0.82)
    """
    p = validate_bell_diagonal(c1, "c1")
    q = p if c2 is None else validate_bell_diagonal(c2, "c2")
    lam = _prob("cnot_depolarizing", cnot_depolarizing)
    num, n = _dejmps_parts(p, q)
    mu = (1.0 - lam) ** 2
    num = tuple(mu * x + (1.0 - mu) / 8.0 for x in num)
    n = mu * n + (1.0 - mu) / 2.0
    return _normalize(num, n, "dejmps"), n


def dejmps_same_direction(
    c1: Sequence[float], c2: Sequence[float] | None = None
) -> tuple[BellCoefficients, float]:
    """What the DEJMPS circuit gives if both sides rotate Rx(+pi/2) (a common mistake).

    Rx(pi/2) x Rx(pi/2) equals the DEJMPS rotation followed by X on one qubit, so the output
    is the DEJMPS output with X applied: ``(C', D', A', B')``, same success probability.
    Derivation: on Pauli labels, Rx(t) x Rx(t) maps P -> Rx(t) P Rx(t)^T = Rx(t) P Rx(-t) X
    (up to phase) at t = pi/2: I -> X, X -> I, Y -> Y, Z -> Z.

    >>> c, p = dejmps_same_direction((0.7, 0.2, 0.06, 0.04))
    >>> tuple(round(x, 6) for x in c), round(p, 6)
    ((0.006341, 0.341463, 0.646341, 0.005854), 0.82)
    """
    out, n = dejmps(c1, c2)
    return apply_pauli_label(out, "X"), n


def dejmps_rounds(
    coeffs: Sequence[float], rounds: int, cnot_depolarizing: float = 0.0
) -> list[tuple[BellCoefficients, float]]:
    """Iterated DEJMPS on identical pairs (no twirl): ``[(coeffs_k, p_k), k=1..rounds]``.

    >>> round(dejmps_rounds(werner_coefficients(0.8), 2)[1][0][0], 6)
    0.943639
    """
    c = validate_bell_diagonal(coeffs)
    out = []
    for _ in range(_count("rounds", rounds)):
        c, p = dejmps(c, None, cnot_depolarizing)
        out.append((c, p))
    return out


def dejmps_pumping(
    c_kept: Sequence[float], c_fresh: Sequence[float], rounds: int
) -> list[tuple[BellCoefficients, float]]:
    """Entanglement pumping with DEJMPS: the kept pair meets one fresh pair per round.

    >>> round(dejmps_pumping((0.9, .05, .03, .02), (0.7, .2, .06, .04), 1)[0][0][0], 6)
    0.744186
    """
    c = validate_bell_diagonal(c_kept, "c_kept")
    fresh = validate_bell_diagonal(c_fresh, "c_fresh")
    out = []
    for _ in range(_count("rounds", rounds)):
        c, p = dejmps(c, fresh)
        out.append((c, p))
    return out


def expected_raw_pairs(p_list: Sequence[float]) -> list[float]:
    """Expected raw pairs per output after each round: ``n_k = 2 n_{k-1} / p_k``, ``n_0 = 1``.

    >>> [round(x, 3) for x in expected_raw_pairs([0.768889, 0.807485])]
    [2.601, 6.443]
    """
    n = 1.0
    out = []
    for k, p in enumerate(p_list):
        n = 2.0 * n / _prob_open_low(f"p_list[{k}]", p)
        out.append(n)
    return out


# ---------------------------------------------------------------------------------------------
# 6. Teleportation
# ---------------------------------------------------------------------------------------------

#: Best average fidelity of measure-and-prepare (classical) teleportation of a qubit.
CLASSICAL_TELEPORT_FIDELITY = 2.0 / 3.0


def teleport_fidelity_werner(f: float) -> float:
    """Teleportation fidelity ``(2F + 1)/3`` with a Werner resource (same for every input).

    >>> round(teleport_fidelity_werner(0.95), 6)
    0.966667
    """
    x = _fidelity("f", f)
    return (2.0 * x + 1.0) / 3.0


def teleport_fidelities_bell_diagonal(coeffs: Sequence[float]) -> dict[str, float]:
    """Per-basis teleportation fidelities with a Bell-diagonal resource (standard protocol).

    Keys: ``"Z"`` (|0>,|1>) = A + D, ``"X"`` (|+>,|->) = A + C, ``"Y"`` (|+-i>) = A + B,
    ``"average"`` = (2A + 1)/3 (Haar average = mean over the 6 cardinal states).

    >>> teleport_fidelities_bell_diagonal((0.9, 0, 0, 0.1))["Z"]
    1.0
    """
    a, b, c, d = validate_bell_diagonal(coeffs)
    return {"Z": a + d, "X": a + c, "Y": a + b, "average": (2.0 * a + 1.0) / 3.0}


# ---------------------------------------------------------------------------------------------
# 8. CHSH, QBER and key rates
# ---------------------------------------------------------------------------------------------

TSIRELSON_BOUND = 2.0 * math.sqrt(2.0)


def chsh_werner(w: float) -> float:
    """CHSH value ``S = 2 sqrt(2) w`` of a Werner state at the optimal settings.

    >>> round(chsh_werner(0.8), 5)
    2.26274
    """
    return TSIRELSON_BOUND * _werner_param("w", w)


def correlation_matrix_bell_diagonal(coeffs: Sequence[float]) -> tuple[float, float, float]:
    """Diagonal correlations ``(<XX>, <YY>, <ZZ>)`` of a Bell-diagonal state.

    ``tx = A-B+C-D``, ``ty = -A-B+C+D``, ``tz = A-B-C+D``.

    >>> tuple(round(x, 6) for x in correlation_matrix_bell_diagonal((0.9, .05, .03, .02)))
    (0.86, -0.9, 0.84)
    """
    a, b, c, d = validate_bell_diagonal(coeffs)
    return (a - b + c - d, -a - b + c + d, a - b - c + d)


def chsh_max_bell_diagonal(coeffs: Sequence[float]) -> float:
    """Maximal CHSH value (Horodecki): ``2 sqrt(t1^2 + t2^2)`` over the two largest ``|t_i|``.

    >>> round(chsh_max_bell_diagonal((0.85, 0, 0, 0.15)), 6)
    2.441311
    """
    t = sorted((abs(x) for x in correlation_matrix_bell_diagonal(coeffs)), reverse=True)
    return 2.0 * math.sqrt(t[0] ** 2 + t[1] ** 2)


def qber_werner(w: float) -> float:
    """QBER ``(1 - w)/2`` of a Werner state in either basis.

    >>> round(qber_werner(0.8), 12)
    0.1
    """
    return (1.0 - _werner_param("w", w)) / 2.0


def qber_bell_diagonal(coeffs: Sequence[float]) -> tuple[float, float]:
    """QBERs ``(Q_Z, Q_X) = (B + C, B + D)`` of a Bell-diagonal pair measured ZZ and XX.

    >>> qber_bell_diagonal((0.85, 0.05, 0.07, 0.03))
    (0.12000000000000001, 0.08)
    """
    a, b, c, d = validate_bell_diagonal(coeffs)
    return (b + c, b + d)


def binary_entropy(p: float) -> float:
    """Binary entropy ``h(p) = -p log2 p - (1-p) log2(1-p)`` in bits (h(0) = h(1) = 0).

    >>> binary_entropy(0.5)
    1.0
    """
    x = _prob("p", p)
    if x in (0.0, 1.0):
        return 0.0
    return -x * math.log2(x) - (1.0 - x) * math.log2(1.0 - x)


def key_rate_bbm92(q_z: float, q_x: float | None = None) -> float:
    """Asymptotic BBM92/BB84 (Shor-Preskill) key rate per sifted bit: ``1 - h(Q_Z) - h(Q_X)``,
    clipped at 0. ``q_x`` defaults to ``q_z``.

    >>> round(key_rate_bbm92(0.05), 6)
    0.427206
    """
    qz = _prob("q_z", q_z)
    qx = qz if q_x is None else _prob("q_x", q_x)
    return max(0.0, 1.0 - binary_entropy(qz) - binary_entropy(qx))


def key_rate_di(qber: float, s: float) -> float:
    """Device-independent key rate (Acin et al. 2007, collective attacks), clipped at 0:
    ``1 - h(Q) - h((1 + sqrt((S/2)^2 - 1))/2)``; 0 for ``S <= 2``; S above 2 sqrt(2) (shot
    noise) is clipped to 2 sqrt(2).

    >>> round(key_rate_di(0.05, 2.545584), 6)
    0.22495
    """
    q = _prob("qber", qber)
    sv = _finite("s", s)
    if not -4.0 <= sv <= 4.0:
        raise ValueError(f"s must be a CHSH value in [-4, 4], got {sv}")
    if sv <= 2.0:
        return 0.0
    sv = min(sv, TSIRELSON_BOUND)
    x = (1.0 + math.sqrt((sv / 2.0) ** 2 - 1.0)) / 2.0
    return max(0.0, 1.0 - binary_entropy(q) - binary_entropy(min(x, 1.0)))


def intercept_resend_chsh(w: float = 1.0) -> float:
    """CHSH value at the standard settings when Eve measures Bob's qubit in a random Z/X
    basis and resends: ``sqrt(2) w`` (source Werner parameter ``w``).

    >>> round(intercept_resend_chsh(0.9), 6)
    1.272792
    """
    return math.sqrt(2.0) * _werner_param("w", w)


def intercept_resend_qber(w: float = 1.0) -> float:
    """QBER (either basis) under random-basis Z/X intercept-resend: ``(2 - w)/4``.

    >>> intercept_resend_qber(0.9)
    0.275
    """
    return (2.0 - _werner_param("w", w)) / 4.0


# ---------------------------------------------------------------------------------------------
# 9. Fundamental bounds
# ---------------------------------------------------------------------------------------------


def plob(eta: float) -> float:
    """PLOB bound ``-log2(1 - eta)`` (bits per channel use) of the pure-loss channel.

    >>> round(plob(0.01), 7)
    0.0144996
    """
    e = _prob("eta", eta)
    if e == 1.0:
        return math.inf
    return -math.log1p(-e) / math.log(2.0)


def tgw(eta: float) -> float:
    """Takeoka-Guha-Wilde bound ``log2((1 + eta)/(1 - eta))`` (bits per channel use).

    >>> round(tgw(0.01), 6)
    0.028855
    """
    e = _prob("eta", eta)
    if e == 1.0:
        return math.inf
    return (math.log1p(e) - math.log1p(-e)) / math.log(2.0)


def plob_chain(eta_total: float, n_segments: int) -> float:
    """Capacity of a chain of ``n_segments`` equal lossy segments with ideal repeaters:
    ``-log2(1 - eta_total**(1/N))`` per use of each segment.

    >>> round(plob_chain(1e-10, 8), 7)
    0.0834991
    """
    e = _prob("eta_total", eta_total)
    n = _count("n_segments", n_segments, minimum=1)
    if e == 0.0:
        return 0.0
    return plob(math.exp(math.log(e) / n))


# ---------------------------------------------------------------------------------------------
# 10. Repeater chains: waiting time and delivered fidelity
# ---------------------------------------------------------------------------------------------


def expected_max_geometric(n: int, p: float) -> float:
    """``E[max]`` of n iid Geometric(p) variables (support 1, 2, ...), in attempts.

    Inclusion-exclusion ``sum_j C(n,j) (-1)^(j+1) / (1 - (1-p)^j)`` for n <= 20, otherwise
    the direct sum ``sum_k [1 - (1 - q^k)^n]``.

    >>> round(expected_max_geometric(4, 0.1), 6)
    20.273378
    """
    nn = _count("n", n, minimum=1)
    pp = _prob_open_low("p", p)
    q = 1.0 - pp
    if nn <= 20:
        return math.fsum(
            math.comb(nn, j) * (-1) ** (j + 1) / -math.expm1(j * math.log1p(-pp))
            if pp < 1.0
            else math.comb(nn, j) * (-1) ** (j + 1)
            for j in range(1, nn + 1)
        )
    if pp == 1.0:
        return 1.0
    kmax = int(math.ceil((math.log(1e-18) - math.log(nn)) / math.log(q))) + 1
    if kmax > 50_000_000:
        raise ValueError(f"p={pp} is too small for n={nn} > 20; use n <= 20 or a larger p")
    k = np.arange(1, kmax, dtype=float)
    return 1.0 + float(np.sum(-np.expm1(nn * np.log1p(-(q**k)))))  # k = 0 term is 1


def two_link_expected_time(p: float) -> float:
    """Mean attempts until both of two links succeed: ``(3 - 2p)/(p (2 - p))``.

    >>> round(two_link_expected_time(0.1), 4)
    14.7368
    """
    x = _prob_open_low("p", p)
    return (3.0 - 2.0 * x) / (x * (2.0 - x))


def two_link_mean_abs_difference(p: float) -> float:
    """``E|N1 - N2| = 2(1-p)/(p(2-p))`` for two iid Geometric(p) link times (attempts).

    >>> round(two_link_mean_abs_difference(0.0045), 1)
    221.7
    """
    x = _prob_open_low("p", p)
    return 2.0 * (1.0 - x) / (x * (2.0 - x))


def two_link_mean_dephasing(p: float, q: float) -> float:
    """``E[q^|N1-N2|] = p/(2-p) [1 + 2q(1-p)/(1 - q(1-p))]`` (q = per-attempt coherence factor).

    >>> round(two_link_mean_dephasing(0.5, math.exp(-0.02)), 6)
    0.974111
    """
    x = _prob_open_low("p", p)
    qq = _prob("q", q)
    val = x / (2.0 - x) * (1.0 + 2.0 * qq * (1.0 - x) / (1.0 - qq * (1.0 - x)))
    return min(max(val, 0.0), 1.0)  # an average of q**k in [0, 1]; clip rounding


def pauli_chain_fidelity(W: float, Lam: float) -> float:  # noqa: N803 (names of the formula)
    """Fidelity ``(1 - W)/4 + W (1 + Lam)/2`` of a Werner-parameter-W pair with total dephasing
    factor ``Lam = exp(-sum t/T2)`` over stored qubits (all noise Pauli).

    >>> round(pauli_chain_fidelity(0.9 * 0.85, math.exp(-0.7)), 6)
    0.631194
    """
    ww = _werner_param("W", W)
    la = _finite("Lam", Lam)
    if not -1.0 - _TOL <= la <= 1.0 + _TOL:
        raise ValueError(f"Lam (dephasing factor) must be in [-1, 1], got {la}")
    la = min(max(la, -1.0), 1.0)
    return (1.0 - ww) / 4.0 + ww * (1.0 + la) / 2.0


def two_link_expected_fidelity(
    p: float,
    tau_over_t2: float,
    w: float = 1.0,
    herald_wait: bool = False,
    w_b: float | None = None,
) -> float:
    """``E[F]`` of two Werner links (``w``, ``w_b``; default equal) swapped when both are ready,
    with pure dephasing: ``(1-W)/4 + W (1 + E[Lambda])/2``, ``W = w w_b``,
    ``E[Lambda] = E[q^|N1-N2|]``, ``q = exp(-2 tau/T2)``. ``herald_wait=True`` multiplies
    Lambda by ``exp(-4 tau/T2)`` (each of the four stored qubits waits tau for its herald).

    >>> round(two_link_expected_fidelity(0.5, 0.01, w=0.9), 6)
    0.847015
    """
    r = _nonneg("tau_over_t2", tau_over_t2)
    wa = _werner_param("w", w)
    wb = wa if w_b is None else _werner_param("w_b", w_b)
    lam = two_link_mean_dephasing(p, math.exp(-2.0 * r))
    if herald_wait:
        lam *= math.exp(-4.0 * r)
    return pauli_chain_fidelity(wa * wb, lam)


def three_halves_rule(levels: int, p: float, a: float = 1.0) -> float:
    """Sangouard et al.'s approximation ``(3/2)^n / (p a^n)`` of the doubling waiting time.

    >>> three_halves_rule(2, 0.1)
    22.5
    """
    n = _count("levels", levels)
    return 1.5**n / (_prob_open_low("p", p) * _prob_open_low("a", a) ** n)


def doubling_expected_time(levels: int, p: float, a: float = 1.0) -> float:
    """Mean completion time (attempts) of the doubling scheme with 2**levels links.

    Level 0 is Geometric(p). Level n waits for two iid level-(n-1) pairs, then swaps with
    success ``a``; a failure discards both and restarts them, so
    ``K_n = E[max(T_{n-1}, T'_{n-1})] / a``. Computed exactly by distribution arithmetic on a
    grid of attempts (the renewal equation for the retries solved by FFT); the grid is doubled
    until the probability mass in its last quarter is below 1e-13.

    >>> round(doubling_expected_time(2, 0.1, 0.5), 4)
    84.8176
    """
    n = _count("levels", levels)
    pp = _prob_open_low("p", p)
    aa = _prob_open_low("a", a)
    if n == 0:
        return 1.0 / pp
    size = 1 << max(10, math.ceil(math.log2(40.0 * three_halves_rule(n, pp, aa) + 64)))
    while True:
        pmf = _doubling_pmf(n, pp, aa, size)
        tail = math.fsum(pmf[-size // 4 :])  # mass near the grid end (and aliased by the FFT)
        if tail < 1e-13:
            lost = abs(1.0 - math.fsum(pmf))  # only rounding of the cumulative sums remains
            if lost > 1e-8:
                raise ValueError(
                    f"doubling_expected_time: lost probability {lost:.1e} for p={pp}, a={aa}, "
                    f"levels={n}; use a larger p or a, or fewer levels"
                )
            t = np.arange(size, dtype=float)
            return float(np.sum(t * pmf))
        if size >= 1 << 24:
            raise ValueError(
                f"doubling_expected_time: p={pp}, a={aa}, levels={n} need a grid beyond 2**24 "
                "attempts; use a larger p or a, or fewer levels"
            )
        size *= 2


def _doubling_pmf(levels: int, p: float, a: float, size: int) -> np.ndarray:
    t = np.arange(size, dtype=float)
    q = 1.0 - p
    with np.errstate(under="ignore"):
        cdf = np.where(t >= 1, -np.expm1(t * math.log1p(-p)) if q > 0 else 1.0, 0.0)
    pmf = np.diff(np.concatenate(([0.0], cdf)))
    for _ in range(levels):
        cdf = np.cumsum(pmf)
        cdf_max = cdf * cdf
        pmf_max = np.diff(np.concatenate(([0.0], cdf_max)))
        if a == 1.0:
            pmf = pmf_max
        else:
            fm = np.fft.rfft(pmf_max)
            pmf = np.fft.irfft(a * fm / (1.0 - (1.0 - a) * fm), n=size)
            pmf = np.where(np.abs(pmf) < 1e-18, 0.0, pmf)
    return pmf


# ---------------------------------------------------------------------------------------------
# 11. Blind quantum computation
# ---------------------------------------------------------------------------------------------


def ubqc_line_p0(phi1: float, phi2: float) -> float:
    """P(output 0) of the 3-qubit UBQC line measured at phi1, phi2 (radians):
    ``(1 + sin(phi1) sin(phi2))/2``.

    >>> round(ubqc_line_p0(math.pi / 2, math.pi / 4), 6)
    0.853553
    """
    f1 = _finite("phi1", phi1)
    f2 = _finite("phi2", phi2)
    return (1.0 + math.sin(f1) * math.sin(f2)) / 2.0


def trap_detection_probability(n_positions: int, runs: int) -> float:
    """Detection probability ``1 - (1 - 1/N)^k`` of the one-trap toy model after k runs.

    >>> round(trap_detection_probability(5, 10), 4)
    0.8926
    """
    n = _count("n_positions", n_positions, minimum=1)
    k = _count("runs", runs)
    return 1.0 - (1.0 - 1.0 / n) ** k


# ---------------------------------------------------------------------------------------------
# 12. GHZ-based distributed sensing
# ---------------------------------------------------------------------------------------------


def ghz_parity(n: int, phi: float) -> float:
    """Parity ``<X^{(x)N}> = cos(N phi)`` of an N-qubit GHZ state after phase phi per qubit.

    >>> round(ghz_parity(2, 0.1), 6)
    0.980067
    """
    nn = _count("n", n, minimum=1)
    return math.cos(nn * _finite("phi", phi))


def heisenberg_variance(n: int, nu: int = 1) -> float:
    """Heisenberg-limit phase variance ``1/(nu N^2)`` (rad^2).

    >>> heisenberg_variance(4)
    0.0625
    """
    return 1.0 / (_count("nu", nu, minimum=1) * _count("n", n, minimum=1) ** 2)


def sql_variance(n: int, nu: int = 1) -> float:
    """Standard-quantum-limit phase variance ``1/(nu N)`` (rad^2).

    >>> sql_variance(4)
    0.25
    """
    return 1.0 / (_count("nu", nu, minimum=1) * _count("n", n, minimum=1))


def parity_estimator_variance(n: int, phi: float, contrast: float = 1.0, nu: int = 1) -> float:
    """Variance of the GHZ parity estimator with contrast C:
    ``(1 - C^2 cos^2 N phi) / (nu C^2 N^2 sin^2 N phi)`` (rad^2).

    >>> parity_estimator_variance(4, math.pi / 8, 0.5)
    0.25
    """
    nn = _count("n", n, minimum=1)
    c = _prob("contrast", contrast)
    k = _count("nu", nu, minimum=1)
    x = nn * _finite("phi", phi)
    s2 = math.sin(x) ** 2
    if c == 0.0 or s2 < 1e-300:
        raise ValueError(
            "parity_estimator_variance: the parity is insensitive here (contrast 0 or "
            "sin(N phi) = 0); choose phi with N phi away from multiples of pi"
        )
    return (1.0 - c * c * math.cos(x) ** 2) / (k * c * c * nn * nn * s2)


def ghz_dephased_variance(n: int, coherence: float, nu: int = 1) -> float:
    """Best GHZ variance ``1/(nu (lambda^N N)^2)`` with per-qubit coherence lambda.

    >>> round(ghz_dephased_variance(4, 0.99), 5)
    0.06773
    """
    nn = _count("n", n, minimum=1)
    la = _prob_open_low("coherence", coherence)
    return 1.0 / (_count("nu", nu, minimum=1) * (la**nn * nn) ** 2)


def product_dephased_variance(n: int, coherence: float, nu: int = 1) -> float:
    """Product-state variance ``1/(nu lambda^2 N)`` with per-qubit coherence lambda.

    >>> round(product_dephased_variance(4, 0.99), 5)
    0.25508
    """
    nn = _count("n", n, minimum=1)
    la = _prob_open_low("coherence", coherence)
    return 1.0 / (_count("nu", nu, minimum=1) * la * la * nn)


# ---------------------------------------------------------------------------------------------
# 13. Remote CNOT
# ---------------------------------------------------------------------------------------------


def remote_cnot_fidelities(f: float) -> tuple[float, float]:
    """(process, average gate) fidelity of a remote CNOT with a Werner resource F:
    ``(F, (4F + 1)/5)``.

    >>> remote_cnot_fidelities(0.95)
    (0.95, 0.96)
    """
    x = _fidelity("f", f)
    return x, (4.0 * x + 1.0) / 5.0


def remote_cnot_process_fidelity(coeffs: Sequence[float]) -> float:
    """Process fidelity ``A`` of the remote CNOT with a Bell-diagonal resource.

    The resource gives CNOT followed by a Pauli channel: C -> X_t, D -> Z_c, B -> Z_c X_t.

    >>> remote_cnot_process_fidelity((0.9, 0.05, 0.03, 0.02))
    0.9
    """
    return validate_bell_diagonal(coeffs)[0]


def remote_cnot_flip_probability(coeffs: Sequence[float]) -> float:
    """Probability that input |c=1, t=0> gives |c=1, t=1>: ``A + D`` (X_t errors unflip).

    >>> round(remote_cnot_flip_probability(werner_coefficients(0.7)), 6)
    0.8
    """
    a, _, _, d = validate_bell_diagonal(coeffs)
    return a + d

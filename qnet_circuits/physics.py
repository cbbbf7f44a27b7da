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
>>> werner_coefficients(0.85)[0]
0.85
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

"""Memory decoherence: Aer's thermal relaxation channel on stored pairs (reference section 7)."""

from __future__ import annotations

import math

import numpy as np

from qnet_circuits.physics._checks import _nonneg, _positive, _werner_param
from qnet_circuits.physics.states import _density_matrix

__all__ = [
    "relax_density_matrix",
    "storage_fidelity",
    "storage_fidelity_both",
    "storage_fidelity_one",
    "validate_t1_t2",
]

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

    >>> from qnet_circuits.physics import bell_diagonal_density_matrix
    >>> r = relax_density_matrix(bell_diagonal_density_matrix((1, 0, 0, 0)), 0, 0.3, 1.0, 1.5)
    >>> from qnet_circuits.physics import fidelity_phi_plus
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

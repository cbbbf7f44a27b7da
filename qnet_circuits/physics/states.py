"""Werner and Bell-diagonal states: coefficients, density matrices, twirl (reference section 3)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from qnet_circuits.physics._checks import _TOL, _fidelity, _werner_param

__all__ = [
    "BELL_STATES",
    "BellCoefficients",
    "BellCoefficients",
    "PHI_MINUS",
    "PHI_PLUS",
    "PSI_MINUS",
    "PSI_PLUS",
    "apply_pauli_label",
    "bell_coefficients",
    "bell_diagonal_density_matrix",
    "fidelity_from_w",
    "fidelity_phi_plus",
    "is_entangled_bell_diagonal",
    "twirl",
    "validate_bell_diagonal",
    "werner_coefficients",
    "werner_w",
]

BellCoefficients = tuple[float, float, float, float]


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

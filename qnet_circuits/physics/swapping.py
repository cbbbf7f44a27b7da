"""Entanglement swapping of Bell-diagonal and Werner pairs, chains (reference section 4)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from qnet_circuits.physics._checks import _fidelity, _prob
from qnet_circuits.physics.states import (
    _INDEX,
    _LABELS,
    BellCoefficients,
    validate_bell_diagonal,
    werner_w,
)

__all__ = [
    "chain_bell_diagonal",
    "chain_fidelity",
    "chain_fidelity_dur_approx",
    "swap_bell_diagonal",
    "swap_werner",
]

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
    bsm_depolarizing: float | Sequence[float] = 0.0,
    readout_error: float | Sequence[float] = 0.0,
) -> BellCoefficients:
    """Bell-diagonal output of a chain of pairs swapped left to right (repeated convolution).

    The swap order does not matter: all maps are Pauli channels, which commute.
    ``bsm_depolarizing`` and ``readout_error``: one value for every swap, or one per swap
    (repeater ``k`` joins pairs ``k`` and ``k + 1``: nodes with unequal noise).

    >>> from qnet_circuits.physics import werner_coefficients
    >>> round(chain_bell_diagonal([werner_coefficients(0.9)] * 4)[0], 6)
    0.673126
    >>> round(chain_bell_diagonal([werner_coefficients(0.9)] * 3, [0.01, 0.03], [0.0, 0.02])[0], 6)
    0.694085
    """
    if isinstance(list_of_coeffs, (str, bytes)) or len(list_of_coeffs) == 0:
        raise ValueError("list_of_coeffs must be a non-empty sequence of (A, B, C, D) tuples")
    swaps = len(list_of_coeffs) - 1
    lams = _per_swap("bsm_depolarizing", bsm_depolarizing, swaps)
    epss = _per_swap("readout_error", readout_error, swaps)
    out = validate_bell_diagonal(list_of_coeffs[0], "list_of_coeffs[0]")
    for k, c in enumerate(list_of_coeffs[1:], start=1):
        nxt = validate_bell_diagonal(c, f"list_of_coeffs[{k}]")
        out = _bsm_noise(_convolve(out, nxt), lams[k - 1], epss[k - 1])
    return out


def _per_swap(name: str, value: float | Sequence[float], swaps: int) -> list[float]:
    """One probability per swap from one value or a sequence of ``swaps`` values."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [_prob(name, value)] * swaps
    if isinstance(value, (str, bytes)):
        raise ValueError(f"{name} must be a probability or one per swap, got {value!r}")
    try:
        values = list(value)
    except TypeError:
        raise ValueError(f"{name} must be a probability or one per swap, got {value!r}") from None
    if len(values) != swaps:
        raise ValueError(f"{name} must give one probability per swap ({swaps}), got {len(values)}")
    return [_prob(f"{name}[{i}]", v) for i, v in enumerate(values)]


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

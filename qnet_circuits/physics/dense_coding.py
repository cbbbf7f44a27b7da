"""Superdense coding over a Bell-diagonal pair: decoding success and classical capacity.

Alice encodes two bits (x, z) as ``X^x Z^z`` on her half of a pair (A, B, C, D) = (Phi+, Psi-,
Psi+, Phi-) and sends it; Bob decodes with a Bell measurement. A Bell-diagonal pair is Phi+ with
the Pauli I, Y, X, Z (probabilities A, B, C, D) on one qubit; that Pauli commutes with the
encoding up to a phase, so Bob reads the message XOR the error label: an additive noise channel
on Z2 x Z2 with error distribution (A, B, C, D).

* Decoding success: ``A`` (Werner pair: ``F``).
* Mutual information of the Bell-measurement channel with uniform input (which achieves the
  channel's capacity, the channel being additive): ``2 - H(A, B, C, D)`` bits per pair.
* Holevo quantity of the four Pauli-encoded states: their average is ``I/4`` (entropy 2) and
  each has entropy ``S(rho) = H(A, B, C, D)``, so ``chi = 2 - H(A, B, C, D)``: the Bell
  measurement attains it (the encoded states commute). The dense-coding capacity (Bowen, PRA 63,
  022302 (2001); Hiroshima, J. Phys. A 34, 6907 (2001)) is
  ``max(log2 d_A, log2 d_A + S(rho_B) - S(rho)) = max(1, 2 - H)``: the pair beats sending
  Alice's qubit alone only when ``H(A, B, C, D) < 1`` (Werner: ``F >`` :data:`WERNER_ADVANTAGE`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from qnet_circuits.physics.states import validate_bell_diagonal, werner_coefficients

__all__ = [
    "WERNER_ADVANTAGE",
    "dense_coding_capacity",
    "dense_coding_holevo",
    "dense_coding_success",
    "shannon_entropy",
]


def shannon_entropy(probabilities: Sequence[float]) -> float:
    """Shannon entropy in bits of a probability vector (0 log 0 = 0).

    >>> shannon_entropy((0.25, 0.25, 0.25, 0.25))
    2.0
    """
    total = 0.0
    for p in probabilities:
        p = float(p)
        if not (math.isfinite(p) and 0.0 <= p <= 1.0):
            raise ValueError(f"probabilities must lie in [0, 1], got {p!r}")
        if p > 0.0:
            total -= p * math.log2(p)
    return total + 0.0


def _coefficients(pair: float | Sequence[float]) -> tuple[float, float, float, float]:
    if isinstance(pair, (int, float)) and not isinstance(pair, bool):
        return werner_coefficients(float(pair))
    return validate_bell_diagonal(pair, name="pair")


def dense_coding_success(pair: float | Sequence[float]) -> float:
    """Probability that Bob's Bell measurement returns Alice's two bits: ``A`` (Werner: F).

    >>> dense_coding_success(0.9)
    0.9
    """
    return float(_coefficients(pair)[0])


def dense_coding_holevo(pair: float | Sequence[float]) -> float:
    """``2 - H(A, B, C, D)`` bits per pair: the Holevo quantity of the Pauli encoding, equal to
    the mutual information of the Bell-measurement channel with uniform input.

    >>> round(dense_coding_holevo(0.9), 6)
    1.372508
    >>> dense_coding_holevo(1.0)
    2.0
    """
    return 2.0 - shannon_entropy(_coefficients(pair))


def dense_coding_capacity(pair: float | Sequence[float]) -> float:
    """Dense-coding capacity ``max(1, 2 - H(A, B, C, D))`` bits per transmitted qubit.

    >>> dense_coding_capacity(0.7)
    1.0
    """
    return max(1.0, dense_coding_holevo(pair))


def _werner_advantage() -> float:
    """The Werner fidelity at which ``2 - H = 1`` (bisection; H decreases in F on [1/4, 1])."""
    lo, hi = 0.25, 1.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if dense_coding_holevo(mid) < 1.0 else (lo, mid)
    return 0.5 * (lo + hi)


#: Werner fidelity above which dense coding beats one plain qubit (2 - H(F, (1-F)/3 x3) = 1)
WERNER_ADVANTAGE: float = _werner_advantage()

"""Encoded memories (stage 5): a repetition code guards a stored Bell pair against dephasing.

A Werner pair of fidelity ``F`` is stored for a time ``t`` in memories that dephase with ``T2``:
each qubit suffers a Z flip with probability ``p = (1 - exp(-t / T2)) / 2``. Stored bare, the pair
is hit by an odd number of flips with probability ``q = 2 p (1 - p)`` (a Z swaps Phi+ with Phi-
and Psi+ with Psi-), so its fidelity becomes ``(1 - q) F + q (1 - F) / 3``.

Encoded, each node spreads its half over ``n`` qubits of the phase-flip repetition code
(``|0> -> |+...+>``, ``|1> -> |-...->``) right after the pair heralds, stores all ``n``, then
decodes by majority vote (syndrome measurement and a correction). The block fails when more than
half of its qubits flipped: ``p_L = sum_{k > n/2} C(n, k) p^k (1 - p)^(n - k)``
(``3 p^2 - 2 p^3`` for ``n = 3``), and the stored logical pair has the fidelity above with ``p_L``
in place of ``p``. With perfect gates the code wins for every ``0 < p < 1/2``; with a two-qubit
gate error ``eps`` on the ``2 (n - 1)`` CNOTs of encoding and decoding at each node it wins only
once storage errors outweigh gate errors: the threshold of
:mod:`qnet_circuits.protocols.encoded_storage` (found from the exact density matrix).

>>> round(dephasing_flip_probability(0.1, 1.0), 6)
0.047581
>>> round(repetition_failure(0.1, 3), 6)    # 3 p^2 - 2 p^3
0.028
>>> round(stored_werner_fidelity(0.95, 0.1), 6), round(encoded_werner_fidelity(0.95, 0.1), 6)
(0.782, 0.899197)
"""

from __future__ import annotations

import math

from qnet_circuits.physics._checks import _finite, _positive, _prob


def dephasing_flip_probability(wait_s: float, t2_s: float) -> float:
    """Z-flip probability ``(1 - exp(-t/T2)) / 2`` of one qubit stored ``wait_s`` (T1 = inf)."""
    t = _finite("wait_s", wait_s)
    if t < 0:
        raise ValueError(f"wait_s must be >= 0, got {t}")
    t2 = _positive("t2_s", t2_s, allow_inf=True)
    return 0.0 if math.isinf(t2) else -math.expm1(-t / t2) / 2.0


def repetition_failure(p: float, n: int = 3) -> float:
    """Probability that majority vote fails on an ``n``-qubit repetition block (odd ``n``)."""
    p = _prob("p", p)
    if not isinstance(n, int) or n < 1 or n % 2 == 0:
        raise ValueError(f"n must be an odd int >= 1 (repetition code size), got {n!r}")
    return sum(math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n // 2 + 1, n + 1))


def stored_werner_fidelity(fidelity: float, p: float) -> float:
    """Fidelity of a Werner pair after independent Z flips of probability ``p`` on both qubits."""
    f = _prob("fidelity", fidelity)
    q = 2.0 * _prob("p", p) * (1.0 - p)
    return (1.0 - q) * f + q * (1.0 - f) / 3.0


def encoded_werner_fidelity(fidelity: float, p: float, n: int = 3) -> float:
    """Fidelity of the logical pair: both halves stored in ``n``-qubit repetition blocks."""
    return stored_werner_fidelity(fidelity, repetition_failure(p, n))

"""GHZ states fused at a central node from Bell-diagonal pairs.

GHZ (issue 14 item 6). A centre holds one half of a Bell pair with each of n end nodes, fuses
its n halves (CX from the first onto the others, Z readout of those, X readout of the first)
and the end nodes apply X / Z corrections: the ends share ``(|0..0> + |1..1>)/sqrt 2``. A
Bell-diagonal pair (A, B, C, D) is Phi+ with the Pauli I, Y, X, Z on one qubit with
probabilities A, B, C, D; every operation after it is Clifford with Pauli corrections, so the
end state is the GHZ state with independent Pauli errors, one per end qubit. A Pauli string P
keeps ``<GHZ|P|GHZ> = +-1`` exactly when it is in the GHZ stabilizer group (only I/Z with an
even number of Z, or only X/Y with an even number of Y), else it maps GHZ to an orthogonal
GHZ-basis state. Summing over the error patterns:

    F = 1/2 [ prod(A_i + D_i) + prod(A_i - D_i) + prod(C_i + B_i) + prod(C_i - B_i) ]

Werner pairs (w_i = (4F_i - 1)/3): ``F = 1/2 [prod (1 + w_i)/2 + prod w_i + prod (1 - w_i)/2]``;
the Z-basis populations ``P(0..0) + P(1..1) = prod (1 + w_i)/2 + prod (1 - w_i)/2`` and the
coherence ``2 Re rho(0..0, 1..1) = prod w_i``; n = 2 gives the swapped pair ``(1 + 3 w1 w2)/4``.

>>> round(ghz_fidelity_werner([0.9, 0.9, 0.9]), 6)
0.732148
>>> round(ghz_fidelity_werner([0.95, 0.9]), 6) == round(swap_werner(0.95, 0.9), 6)
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from qnet_circuits.physics._checks import _prob
from qnet_circuits.physics.states import validate_bell_diagonal, werner_coefficients, werner_w
from qnet_circuits.physics.swapping import swap_werner

__all__ = [
    "ghz_coherence",
    "ghz_fidelity",
    "ghz_fidelity_werner",
    "ghz_populations",
    "ghz_x_parity",
]


def _links(links: Sequence[Sequence[float]]) -> list[tuple[float, float, float, float]]:
    if isinstance(links, (str, bytes)) or len(links) < 1:
        raise ValueError("links must be a non-empty sequence of (A, B, C, D) Bell coefficients")
    return [validate_bell_diagonal(c, name=f"links[{i}]") for i, c in enumerate(links)]


def ghz_fidelity(links: Sequence[Sequence[float]]) -> float:
    """GHZ fidelity of the n end qubits fused at a centre from n Bell-diagonal ``links``.

    >>> ghz_fidelity([(1, 0, 0, 0)] * 4)
    1.0
    >>> ghz_fidelity([(0.25,) * 4] * 3)
    0.125
    """
    cs = _links(links)
    terms = (math.prod(a + d for a, b, c, d in cs), math.prod(a - d for a, b, c, d in cs),
             math.prod(c + b for a, b, c, d in cs), math.prod(c - b for a, b, c, d in cs))
    return 0.5 * sum(terms)


def ghz_populations(links: Sequence[Sequence[float]]) -> float:
    """``P(0..0) + P(1..1)`` of the fused state (Z-basis readout of every end qubit).

    >>> round(ghz_populations([werner_coefficients(0.9)] * 3), 6)
    0.813333
    """
    cs = _links(links)
    return math.prod(a + d for a, b, c, d in cs) + math.prod(c + b for a, b, c, d in cs)


def ghz_coherence(links: Sequence[Sequence[float]]) -> float:
    """``2 Re rho(0..0, 1..1)`` of the fused state: ``prod(A - D) + prod(C - B)``.

    >>> round(ghz_coherence([werner_coefficients(0.9)] * 3), 6)
    0.650963
    """
    cs = _links(links)
    return math.prod(a - d for a, b, c, d in cs) + math.prod(c - b for a, b, c, d in cs)


def ghz_x_parity(links: Sequence[Sequence[float]]) -> float:
    """Stabilizer ``<X^(x)n>`` of the fused state: ``prod(A + C - B - D)`` (Werner: prod w_i).

    >>> round(ghz_x_parity([werner_coefficients(0.9)] * 2), 6)
    0.751111
    """
    return math.prod(a + c - b - d for a, b, c, d in _links(links))


def ghz_fidelity_werner(fidelities: Sequence[float]) -> float:
    """:func:`ghz_fidelity` for Werner pairs of fidelities F_i:
    ``1/2 [prod (1 + w_i)/2 + prod w_i + prod (1 - w_i)/2]``, ``w = (4F - 1)/3``.

    >>> round(ghz_fidelity_werner([1.0, 1.0, 0.25]), 6)
    0.25
    """
    if isinstance(fidelities, (str, bytes)) or len(fidelities) < 1:
        raise ValueError("fidelities must be a non-empty sequence of Werner fidelities")
    ws = [werner_w(_prob(f"fidelities[{i}]", f)) for i, f in enumerate(fidelities)]
    return 0.5 * (math.prod((1 + w) / 2 for w in ws) + math.prod(ws)
                  + math.prod((1 - w) / 2 for w in ws))


_ = werner_coefficients, swap_werner  # used by the doctests

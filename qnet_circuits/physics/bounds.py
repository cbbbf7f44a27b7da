"""Fundamental rate bounds: PLOB, TGW, ideal repeater chains (reference section 9)."""

from __future__ import annotations

import math

from qnet_circuits.physics._checks import _count, _prob

__all__ = [
    "plob",
    "plob_chain",
    "tgw",
]

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

"""Delivery-time distribution of a repeater chain: pmf, cdf and quantiles (cycles and seconds).

Without cutoff every strategy's delivery time is max-plus linear in the herald times
(:mod:`qnet_circuits.physics.chain_exact`): ``T = max_i (tau G_i + c_i)`` with independent
``G_i ~ Geometric(p_i)``, so ``P(T <= t) = prod_i (1 - q_i^{k_i(t)})``, ``k_i(t) =
max(0, floor((t - c_i) / tau))``, exact for any number of links; the support is the set of
``k tau + c_i``. With a cutoff the pmf comes from the Markov chain of
:func:`qnet_circuits.physics.chain_cutoff.cutoff_chain_oracle`.

>>> d = delivery_time_distribution([0.5, 0.5], [0.0, 0.0], 1.0)
>>> [round(float(x), 6) for x in d["pmf"][:3]], round(d["mean_s"], 9)  # (3 - 2p) / (p (2 - p))
([0.25, 0.3125, 0.203125], 2.666666667)
>>> delivery_quantile(d["times_s"], d["pmf"], 0.5)
2.0
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["delivery_quantile", "delivery_time_distribution"]


def delivery_time_distribution(p: Sequence[float], offsets_s: Sequence[float], cycle_time_s: float,
                               tol: float = 1e-14) -> dict[str, Any]:
    """pmf and cdf of ``T = max_i (tau G_i + c_i)`` (no cutoff) on its support.

    Args:
        p: per link, heralding probability per attempt in (0, 1].
        offsets_s: per link, classical offset ``c_i >= 0`` in s
            (:func:`qnet_circuits.protocols.chain.theory.classical_offsets`).
        cycle_time_s: ``tau > 0``, seconds per attempt.
        tol: the support stops where ``P(T > t) < tol``.

    Returns ``times_s``, ``cycles`` (``times_s / tau``), ``pmf``, ``cdf`` and ``mean_s``
    (``sum t pmf``; exact up to the dropped tail ``< tol``).
    """
    ps = np.asarray(p, dtype=float)
    c = np.asarray(offsets_s, dtype=float)
    if ps.size < 1 or c.shape != ps.shape:
        raise ValueError("p and offsets_s must be non-empty and of equal length")
    if not ((ps > 0) & (ps <= 1)).all():
        raise ValueError(f"p must be in (0, 1] per link, got {ps.tolist()}")
    if not (np.isfinite(c).all() and (c >= 0).all()):
        raise ValueError(f"offsets_s must be finite and >= 0 seconds, got {c.tolist()}")
    if not (math.isfinite(cycle_time_s) and cycle_time_s > 0):
        raise ValueError(f"cycle_time_s must be > 0 seconds, got {cycle_time_s!r}")
    tau = float(cycle_time_s)
    pmin = float(ps.min())
    kmax = 2 if pmin >= 1.0 else int(math.ceil(math.log(tol / ps.size) / math.log1p(-pmin))) + 2
    if kmax * len(set(np.round(c / tau % 1.0, 9))) > 20_000_000:
        raise ValueError(f"the delivery-time support is too large (p = {pmin}); raise p")
    fracs = np.unique(np.round(c / tau % 1.0, 9))
    grid = (np.arange(1, kmax + int(np.ceil(c.max() / tau)) + 2)[:, None] + fracs[None, :]).ravel()
    grid = np.unique(grid)  # in cycles
    k = np.floor((grid[:, None] - c[None, :] / tau) + 1e-9)
    k = np.clip(k, 0, None)
    with np.errstate(divide="ignore"):
        log_q = np.log1p(-ps)
    term = np.where(k > 0, -np.expm1(np.where(np.isfinite(log_q), k * log_q, -np.inf)), 0.0)
    cdf = np.prod(term, axis=1)
    pmf = np.diff(np.concatenate([[0.0], cdf]))
    keep = pmf > 0
    times = grid[keep] * tau
    pmf, cdf = pmf[keep], cdf[keep]
    return {"times_s": times, "cycles": times / tau, "pmf": pmf, "cdf": cdf,
            "mean_s": float(np.dot(times, pmf) + times[-1] * (1.0 - cdf[-1]))}


def delivery_quantile(times_s: Sequence[float], pmf: Sequence[float], q: float) -> float:
    """Smallest support point ``t`` with ``P(T <= t) >= q`` (the inverted-cdf quantile, as
    ``numpy.quantile(..., method="inverted_cdf")`` of a sample), in s."""
    if not 0.0 < q <= 1.0:
        raise ValueError(f"q must be a probability in (0, 1], got {q!r}")
    cdf = np.cumsum(np.asarray(pmf, dtype=float))
    idx = int(np.searchsorted(cdf, q * cdf[-1] - 1e-12))
    return float(np.asarray(times_s)[min(idx, len(cdf) - 1)])

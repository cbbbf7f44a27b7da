"""Exact mean delivery time of a repeater chain with geometric link generation and classical delays.

Without cutoff or purification every strategy of the scheduler (sequential, nested, asap) gives a
delivery time that is *max-plus linear* in the links' herald times ``R_i = tau G_i``:
``T = max_i (R_i + c_i)``, where ``c_i`` (s) is the classical-message offset of link ``i`` (the
hops its "segment ready" and swap-outcome messages travel before they reach the end nodes). Then
``P(T <= t) = prod_i (1 - q_i^{k_i(t)})`` with ``k_i(t) = max(0, floor((t - c_i) / tau))`` and
``q_i = 1 - p_i``, and ``E[T] = int_0^inf P(T > t) dt`` is a finite sum: after
``u0 = max_i (1 + c_i / tau)`` cycles, the unit interval of ``u = t / tau`` splits at the
fractional parts of ``c_i / tau``; on each piece ``k_i = m + e_i`` and the sum over ``m`` of the
inclusion-exclusion terms is geometric, ``sum_{S != {}} (-1)^(|S|+1) q_S^{e_S} / (1 - q_S)``.

This is exact (to floating point) for up to :data:`MAX_EXACT_LINKS` links (``2^N`` subsets). With
all offsets zero it reduces to ``tau E[max of N geometric]`` (physics-reference section 2d), and
for two links to ``tau (3 - 2p) / (p (2 - p))``.

>>> round(mean_delivery_time([0.5, 0.5], [0.0, 0.0], 1.0), 12)  # (3 - 2p) / (p (2 - p))
2.666666666667
>>> round(mean_delivery_time([1.0, 1.0], [0.25, 0.0], 1.0), 12)  # deterministic: 1 + max offset
1.25
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

#: links up to which :func:`mean_delivery_time` is exact (2^N inclusion-exclusion subsets)
MAX_EXACT_LINKS = 14


def mean_delivery_time(p: Sequence[float], offsets_s: Sequence[float], cycle_time_s: float) -> float:
    """``E[max_i (tau G_i + c_i)]`` in s for independent ``G_i ~ Geometric(p_i)`` (support 1, 2, ...).

    Args:
        p: per link, the heralding probability per attempt, in (0, 1].
        offsets_s: per link, the classical offset ``c_i >= 0`` in s.
        cycle_time_s: ``tau > 0``, seconds per attempt (equal for all links).
    """
    ps = np.asarray(p, dtype=float)
    c = np.asarray(offsets_s, dtype=float)
    n = ps.size
    if n < 1 or c.shape != ps.shape:
        raise ValueError("p and offsets_s must be non-empty and of equal length")
    if n > MAX_EXACT_LINKS:
        raise ValueError(f"exact mean delivery time is computed for at most {MAX_EXACT_LINKS} links, got {n}")
    if not ((ps > 0) & (ps <= 1)).all():
        raise ValueError(f"p must be in (0, 1], got {ps.tolist()}")
    if not (np.isfinite(c).all() and (c >= 0).all()):
        raise ValueError(f"offsets_s must be finite and >= 0, got {c.tolist()}")
    if not (math.isfinite(cycle_time_s) and cycle_time_s > 0):
        raise ValueError(f"cycle_time_s must be > 0, got {cycle_time_s!r}")
    d = c / cycle_time_s
    u0 = float(np.max(1.0 + d))
    g = u0 - d  # >= 1
    n_int = np.floor(g + 1e-12)
    phi = np.clip(g - n_int, 0.0, None)
    phi[phi < 1e-12] = 0.0
    # breakpoints in s in [0, 1): k_i jumps by one at s = 1 - phi_i (phi_i > 0)
    cuts = sorted({0.0, 1.0} | {1.0 - f for f in phi if f > 0})
    with np.errstate(divide="ignore"):
        log_q = np.log1p(-ps)  # -inf where p = 1
    masks = ((np.arange(1, 2**n)[:, None] >> np.arange(n)[None, :]) & 1).astype(bool)
    sign = np.where(masks.sum(axis=1) % 2 == 1, 1.0, -1.0)
    with np.errstate(invalid="ignore"):
        lq_s = np.where(masks, log_q[None, :], 0.0).sum(axis=1)  # log q_S
    denom = -np.expm1(lq_s)  # 1 - q_S > 0
    total = u0
    for lo, hi in zip(cuts[:-1], cuts[1:], strict=True):
        mid = 0.5 * (lo + hi)
        e = n_int + (phi > 0) * (mid >= 1.0 - phi)  # k_i = m + e_i, e_i >= 1
        with np.errstate(invalid="ignore"):
            expo = np.where(masks, (e * np.where(np.isfinite(log_q), log_q, 0.0))[None, :], 0.0).sum(1)
        zero = (masks & ~np.isfinite(log_q)[None, :]).any(axis=1)  # some q_i = 0: term vanishes
        terms = np.where(zero, 0.0, sign * np.exp(expo) / denom)
        total += (hi - lo) * math.fsum(terms.tolist())
    return float(cycle_time_s * total)


__all__ = ["MAX_EXACT_LINKS", "mean_delivery_time"]

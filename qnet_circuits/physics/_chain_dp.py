"""Exponential moments of repeater-chain waiting times on the attempt lattice (internal).

Times are in units of the cycle time ``tau``: link ``i`` heralds at ``R_i = G_i`` with
``G_i ~ Geometric(p_i)`` (support 1, 2, ...). Every link carries a 2x2 coefficient matrix
``C_i[k, l]``; the quantity computed is

    E[ prod_i sum_{k,l} C_i[k, l] exp(-k a_i u_i - l b_i v_i) ]

where ``u_i`` (``v_i``) is how long link i's left (right) memory waits between the herald and its
consumption (a swap at its node, or the delivery for the two end memories), and ``a_i`` (``b_i``)
is that memory's decay rate per cycle. A distribution over times is a dict ``offset -> array``:
entry ``m`` of the array is the (signed, weighted) mass at time ``m + offset``.

* sequential and nested swapping are max-plus *trees*: a segment completes at
  ``s = max(s_left + d_left, s_right + d_right)`` (``d``: the classical delay after which the
  swapping node knows the child is complete); children are independent, so the parent's weighted
  distribution follows from the children's by decaying prefix sums (:func:`combine`);
* asap swapping has pairwise waits ``(R_{i+1} - R_i)^+`` along the chain (a transfer operator)
  and a global delivery time ``T = max_i (R_i + c_i)``; ``exp(-E T)`` is integrated over the
  threshold ``t`` of ``P(T <= t)`` (:func:`asap_moment`).

Exact on the lattice; probability mass beyond ``M`` attempts (``q^M < 1e-17``) is dropped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

_TOL = 1e-9
Dist = dict[float, np.ndarray]


def _key(x: float) -> float:
    return round(float(x), 9)


def _decay_cumsum(x: np.ndarray, r: float, axis: int = -1, reverse: bool = False) -> np.ndarray:
    """``y[n] = x[n] + r y[n-1]`` (or ``y[n+1]`` with ``reverse``) along ``axis``."""
    from scipy.signal import lfilter  # lazy: importing qnet_circuits.physics stays scipy-free

    if reverse:
        x = np.flip(x, axis=axis)
    y = lfilter([1.0], [1.0, -r], x, axis=axis) if r > 0.0 else np.array(x, dtype=float)
    return np.flip(y, axis=axis) if reverse else y


def prefix_at(w: Dist, rate: float, target: float, strict: bool, size: int) -> np.ndarray:
    """``P[m] = sum_{(o, n): n + o <= m + target} w[o][n] exp(-rate (m + target - n - o))``
    (``<`` with ``strict``), for ``m = 0 .. size-1``."""
    out = np.zeros(size)
    r = math.exp(-rate)
    idx0 = np.arange(size)
    for o, arr in w.items():
        d = target - o
        k = math.floor(d + _TOL) if not strict else math.ceil(d - _TOL) - 1
        z = _decay_cumsum(arr, r)
        idx = idx0 + k
        ok = idx >= 0
        past = np.clip(idx - (size - 1), 0, None)
        vals = z[np.clip(idx, 0, size - 1)] * np.power(r, past)
        out += np.where(ok, vals, 0.0) * math.exp(-rate * max(d - k, 0.0))
    return out


def _add(dist: Dist, offset: float, arr: np.ndarray) -> None:
    k = _key(offset)
    dist[k] = dist[k] + arr if k in dist else arr


class Segment:
    """Weighted distribution of a segment's completion time per pair of outer-memory bits.

    Attributes:
        w: ``(k_left, k_right) -> Dist``.
        rate_left, rate_right: decay rate per cycle of the outer memories (bit 1 switches it on).
    """

    def __init__(self, w: dict[tuple[int, int], Dist], rate_left: float, rate_right: float):
        self.w, self.rate_left, self.rate_right = w, rate_left, rate_right

    @classmethod
    def leaf(cls, pmf: np.ndarray, coeffs: np.ndarray, rate_left: float, rate_right: float):
        w = {(k, j): {0.0: coeffs[k, j] * pmf} for k in (0, 1) for j in (0, 1) if coeffs[k, j] != 0}
        return cls(w, rate_left, rate_right)


def combine(left: Segment, right: Segment, d_left: float, d_right: float, size: int,
            window: float | None = None) -> Segment:
    """Swap joining ``left`` and ``right`` at ``s = max(s_l + d_left, s_r + d_right)``; the two
    inner memories are consumed at ``s``, the outer ones keep waiting (ties: left is last).
    With ``window``, only realizations where the earlier child completed less than ``window``
    before ``s`` count (a cutoff on the earlier child's wait)."""
    out: dict[tuple[int, int], Dist] = {}
    for (kl, x), wl in left.w.items():
        a_l = kl * left.rate_left + x * left.rate_right
        for (y, kr), wr in right.w.items():
            a_r = y * right.rate_left + kr * right.rate_right
            fac = math.exp(-a_l * d_left - a_r * d_right)
            dst = out.setdefault((kl, kr), {})
            for o, arr in wl.items():
                t = o + d_left
                pre = prefix_at(wr, a_r, t - d_right, False, size)
                if window is not None:
                    pre = pre - math.exp(-a_r * window) * prefix_at(wr, a_r, t - d_right - window,
                                                                    False, size)
                _add(dst, t, fac * arr * pre)
            for o, arr in wr.items():
                t = o + d_right
                pre = prefix_at(wl, a_l, t - d_left, True, size)
                if window is not None:
                    pre = pre - math.exp(-a_l * window) * prefix_at(wl, a_l, t - d_left - window,
                                                                    False, size)
                _add(dst, t, fac * arr * pre)
    return Segment(out, left.rate_left, right.rate_right)


def close(root: Segment, report: float) -> float:
    """Total weight when the end memories wait ``report`` cycles after the root completes."""
    total = 0.0
    for (kl, kr), dist in root.w.items():
        fac = math.exp(-(kl * root.rate_left + kr * root.rate_right) * report)
        total += fac * math.fsum(float(arr.sum()) for arr in dist.values())
    return total


def tree_moment(pmfs: Sequence[np.ndarray], coeffs: Sequence[np.ndarray], rates: np.ndarray,
                tree: Sequence[tuple[int, int, int]], delay, report: float, size: int,
                window: float | None = None) -> float:
    """Moment for a swap tree of ``(a, m, b)`` triples in bottom-up order; ``delay(i, j)`` is the
    classical delay between nodes in cycles, ``rates[i] = (a_i, b_i)``."""
    seg: dict[tuple[int, int], tuple[Segment, int | None]] = {
        (i, i + 1): (Segment.leaf(pmfs[i], coeffs[i], rates[i][0], rates[i][1]), None)
        for i in range(len(pmfs))
    }
    for a, m, b in tree:
        left, ml = seg.pop((a, m))
        right, mr = seg.pop((m, b))
        d_l = 0.0 if ml is None else delay(ml, m)
        d_r = 0.0 if mr is None else delay(mr, m)
        seg[(a, b)] = (combine(left, right, d_l, d_r, size, window), m)
    ((root, _),) = seg.values()
    return close(root, report)


def _kernel(x: np.ndarray, fwd: float, bwd: float) -> np.ndarray:
    """``y[n] = sum_{j<=n} x[j] e^{-fwd (n-j)} + sum_{j>n} x[j] e^{-bwd (j-n)}`` (last axis)."""
    return _decay_cumsum(x, math.exp(-fwd)) + _decay_cumsum(x, math.exp(-bwd), reverse=True) - x


def asap_moment(pmfs: Sequence[np.ndarray], coeffs: Sequence[np.ndarray], rates: np.ndarray,
                offsets: Sequence[float], size: int) -> float:
    """Moment for asap swapping: the memories of node ``v_j`` are consumed at ``max(R_{j-1}, R_j)``,
    the end memories at ``T = max_i (R_i + offsets[i])`` (offsets in cycles)."""
    n = len(pmfs)
    total = 0.0
    for k0 in (0, 1):
        for ln in (0, 1):
            alpha = k0 * rates[0][0]
            beta = ln * rates[n - 1][1]
            if n == 1:
                total += float(coeffs[0][k0, ln] * pmfs[0].sum())
                continue
            total += _asap_term(pmfs, coeffs, rates, offsets, size, k0, ln, alpha, beta)
    return total


def _asap_term(pmfs, coeffs, rates, offsets, size, k0, ln, alpha, beta) -> float:
    """One choice of the end-memory bits ``(k0, ln)`` of :func:`asap_moment`."""
    e = alpha + beta
    if e == 0.0:
        return float(_asap_rows(pmfs, coeffs, rates, offsets, size, k0, ln, alpha, beta,
                                np.array([np.inf]))[0])
    cs = sorted({_key(c) for c in offsets})
    grid = np.arange(1, size, dtype=float)
    thresholds = np.unique(np.concatenate([grid + c for c in cs]))
    gaps = np.append(np.diff(thresholds), np.inf)
    chunk = max(1, _CHUNK_CELLS // size)
    total = 0.0
    for lo in range(0, thresholds.size, chunk):
        rows = thresholds[lo:lo + chunk]
        g = _asap_rows(pmfs, coeffs, rates, offsets, size, k0, ln, alpha, beta, rows)
        total += float(np.sum(g * -np.expm1(-e * gaps[lo:lo + chunk])))
    return total


#: lattice cells per block of thresholds in :func:`_asap_term` (bounds the memory)
_CHUNK_CELLS = 400_000


def _asap_rows(pmfs, coeffs, rates, offsets, size, k0, ln, alpha, beta, thresholds) -> np.ndarray:
    """``G(t)`` for each threshold ``t``: the moment restricted to ``R_i <= t - offsets[i]`` with
    the end memories' weight ``exp(-alpha (t - R_0) - beta (t - R_{N-1}))``."""
    n = len(pmfs)
    grid = np.arange(size, dtype=float)
    rows = thresholds[:, None]
    finite = bool(np.isfinite(thresholds).all())

    def masked(i: int) -> np.ndarray:
        return pmfs[i][None, :] * (grid[None, :] <= rows - offsets[i] + _TOL)

    end0 = np.exp(-alpha * np.clip(rows - grid[None, :], 0.0, None)) if finite and alpha else 1.0
    v = [coeffs[0][k0, j] * masked(0) * end0 for j in (0, 1)]
    for i in range(1, n):
        base = masked(i)
        nxt = [np.zeros_like(base), np.zeros_like(base)]
        for lp in (0, 1):
            if not v[lp].any():
                continue
            for k in (0, 1):
                if not coeffs[i][k].any():
                    continue
                moved = _kernel(v[lp], lp * rates[i - 1][1], k * rates[i][0])
                for j in (0, 1):
                    if coeffs[i][k, j] != 0.0:
                        nxt[j] = nxt[j] + coeffs[i][k, j] * moved
        v = [x * base for x in nxt]
    last = v[ln]
    if finite and beta:
        last = last * np.exp(-beta * np.clip(rows - grid[None, :], 0.0, None))
    return last.sum(axis=1)


def lattice_size(p_min: float, n_links: int) -> int:
    """Attempts kept per link: ``q^M`` below ``1e-17 / n_links``."""
    if p_min >= 1.0:
        return 2
    return int(math.ceil(math.log(1e-17 / max(n_links, 1)) / math.log1p(-p_min))) + 2


def geometric_pmf(p: float, size: int) -> np.ndarray:
    """``P(G = m)`` for ``m = 0 .. size-1`` (zero at m = 0)."""
    pmf = np.zeros(size)
    if p >= 1.0:
        pmf[1] = 1.0
        return pmf
    m = np.arange(1, size, dtype=float)
    pmf[1:] = p * np.exp((m - 1.0) * math.log1p(-p))
    return pmf

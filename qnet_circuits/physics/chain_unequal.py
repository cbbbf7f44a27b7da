"""Expected end-to-end fidelity of a repeater chain whose links have unequal cycle times, no cutoff.

Model: :mod:`qnet_circuits.physics.chain_expected` (the scheduler's, no cutoff), except that link
``i`` heralds at ``R_i = tau_i G_i`` on its own lattice (``G_i ~ Geometric(p_i)``, ``tau_i`` its
cycle time: fiber links of 20/40/20 km, or commensurate or incommensurate cycle times). Swap
and delivery times stay max-plus linear in the ``R_i``, and ``E[F]`` is the same sum of
exponential moments of the memories' waits; they are computed here on *real* supports instead
of one integer lattice:

* sequential and nested: a segment's weighted completion-time law lives on the union of its
  links' lattices, shifted by the classical delays; the swap joining two segments at
  ``s = max(s_l + d_l, s_r + d_r)`` is a decaying prefix sum over the sorted support
  (:func:`_decay_at`), as in :func:`qnet_circuits.physics._chain_dp.combine`;
* asap: the pairwise waits ``(R_{i+1} - R_i)^+`` form a transfer operator from link ``i``'s lattice
  to link ``i+1``'s, and ``exp(-E T)`` of the end memories, ``T = max_i (R_i + c_i)``, is
  integrated over the thresholds of ``P(T <= t)`` (all ``R_i + c_i`` on the union lattice).

Truncation: link ``i``'s lattice stops at its own horizon ``K_i`` rounds, ``(1 - p_i)^{K_i} <= tol /
N`` (:func:`qnet_circuits.physics.max_plus.link_rounds`); the moments are normalized by the mass
kept, so the error is ``O(tol)``. Work grows with the points kept: ``sum_i K_i`` per swap for the
trees, and thresholds times points for asap (quadratic). Beyond :data:`MAX_WORK` the attempts
are grouped in blocks of ``b`` (success ``1 - (1 - p)^b`` per block of ``b tau_i``, as the
equal-cycle oracle does; ``method`` ``"approx"``, ``approx_error = |F(b) - F(2b)|``, the error
being ``O(b tau / T)``); beyond blocks of :data:`MAX_BLOCK` attempts a ValueError says so in one
line (the chain theory turns it into a note). With equal cycle times this reproduces
:func:`qnet_circuits.physics.chain_expected.expected_chain_fidelity` to 1e-10.

>>> from qnet_circuits.physics.chain_expected import pair_correlations_werner
>>> werner = pair_correlations_werner(0.925)
>>> out = unequal_chain_fidelity([werner] * 2, [0.5] * 2, [1e-3] * 2, [0.0] * 3,
...                              [float("inf")] * 3, [0.1] * 3, "sequential")
>>> out["method"], round(out["fidelity"], 6)  # = the equal-cycle exact oracle
('exact', 0.847015)
>>> out = unequal_chain_fidelity([werner] * 3, [0.5, 0.3, 0.5], [1e-3, 2e-3, 1e-3],
...                              [0.0, 1e-4, 3e-4, 4e-4], [1.0] * 4, [0.1] * 4, "asap")
>>> round(out["fidelity"], 6)  # a 2 ms link between two 1 ms links
0.731031
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from qnet_circuits.physics.chain_expected import _moment_inputs, _products, _validate, swap_layout
from qnet_circuits.physics.max_plus import link_rounds

__all__ = ["MAX_BLOCK", "MAX_WORK", "unequal_chain_fidelity"]

#: lattice work (points per swap times moments, asap: thresholds times points) up to which
#: :func:`unequal_chain_fidelity` is exact (about 1 s on one core); beyond, attempts are grouped
#: in blocks
MAX_WORK = 60_000_000
#: largest block of attempts; beyond, a ValueError
MAX_BLOCK = 1 << 16
_EPS = 1e-9  # instants equal on paper (in units of the shortest cycle time)
_SPAN = 200.0  # largest decay exponent inside one block of a decaying cumulative sum
Law = tuple[np.ndarray, np.ndarray]  # (sorted times, weights)


def _decay_cumsum(t: np.ndarray, w: np.ndarray, a: float) -> np.ndarray:
    """``y_j = sum_{i <= j} w_i exp(-a (t_j - t_i))`` along the last axis (``t`` sorted), in
    blocks whose decay span stays below ``exp(_SPAN)`` (no overflow, no cancellation)."""
    if a == 0.0 or t.size == 0:
        return np.cumsum(w, axis=-1)
    out = np.empty_like(w, dtype=float)
    start, n = 0, t.size
    while start < n:
        end = int(np.searchsorted(t, t[start] + _SPAN / a, side="right"))
        end = max(end, start + 1)
        s = np.exp(a * (t[start:end] - t[start]))
        blk = np.cumsum(w[..., start:end] * s, axis=-1) / s
        if start:
            blk = blk + out[..., start - 1:start] * np.exp(-a * (t[start:end] - t[start - 1]))
        out[..., start:end] = blk
        start = end
    return out


def _decay_at(law: Law, a: float, x: np.ndarray, strict: bool) -> np.ndarray:
    """``sum_{t_i <= x} w_i exp(-a (x - t_i))`` (``<`` with ``strict``) at each query ``x``; the
    weights may carry leading axes."""
    t, w = law
    y = _decay_cumsum(t, w, a)
    idx = np.searchsorted(t, x - _EPS if strict else x + _EPS, side="right") - 1
    ok = idx >= 0
    j = np.clip(idx, 0, None)
    vals = y[..., j] * np.exp(-a * np.clip(x - t[j], 0.0, None))
    return np.where(ok, vals, 0.0)


def _decay_after(law: Law, a: float, x: np.ndarray) -> np.ndarray:
    """``sum_{t_i > x} w_i exp(-a (t_i - x))`` at each query ``x`` (the reversed prefix)."""
    t, w = law
    return _decay_at((-t[::-1], w[..., ::-1]), a, -x, strict=True)


def _merge(pieces: list[Law]) -> Law:
    """One law from several (times equal within ``_EPS`` are one point)."""
    t = np.concatenate([p[0] for p in pieces])
    w = np.concatenate([p[1] for p in pieces])
    order = np.argsort(t, kind="stable")
    t, w = t[order], w[order]
    head = np.concatenate([[True], np.diff(t) > _EPS]) if t.size else np.zeros(0, dtype=bool)
    starts = np.flatnonzero(head)
    return t[starts], np.add.reduceat(w, starts) if t.size else w


class _Seg:
    """A segment's weighted completion-time laws per outer-memory bits ``(k_l, k_r)``."""

    def __init__(self, laws: dict[tuple[int, int], Law], rate_left: float, rate_right: float):
        self.laws, self.rate_left, self.rate_right = laws, rate_left, rate_right


def _combine(left: _Seg, right: _Seg, d_l: float, d_r: float) -> _Seg:
    """The swap at ``s = max(s_l + d_l, s_r + d_r)`` (ties: left last), as ``_chain_dp.combine``."""
    out: dict[tuple[int, int], list[Law]] = {}
    for (kl, x), (tl, wl) in left.laws.items():
        a_l = kl * left.rate_left + x * left.rate_right
        for (y, kr), (tr, wr) in right.laws.items():
            a_r = y * right.rate_left + kr * right.rate_right
            fac = math.exp(-a_l * d_l - a_r * d_r)
            dst = out.setdefault((kl, kr), [])
            dst.append((tl + d_l, fac * wl * _decay_at((tr, wr), a_r, tl + d_l - d_r, False)))
            dst.append((tr + d_r, fac * wr * _decay_at((tl, wl), a_l, tr + d_r - d_l, True)))
    return _Seg({k: _merge(v) for k, v in out.items()}, left.rate_left, right.rate_right)


def _tree_moment(lattices, pmfs, coeffs, rates, tree, delay, report) -> float:
    """Moment of a swap tree of ``(a, m, b)`` triples (bottom-up); ``delay(i, j)`` in units."""
    seg: dict[tuple[int, int], tuple[_Seg, int | None]] = {}
    for i, (t, pmf) in enumerate(zip(lattices, pmfs)):
        laws = {(k, j): (t, coeffs[i][k, j] * pmf) for k in (0, 1) for j in (0, 1)
                if coeffs[i][k, j] != 0}
        seg[(i, i + 1)] = (_Seg(laws, rates[i][0], rates[i][1]), None)
    for a, m, b in tree:
        left, ml = seg.pop((a, m))
        right, mr = seg.pop((m, b))
        d_l = 0.0 if ml is None else delay(ml, m)
        d_r = 0.0 if mr is None else delay(mr, m)
        seg[(a, b)] = (_combine(left, right, d_l, d_r), m)
    ((root, _),) = seg.values()
    total = 0.0
    for (kl, kr), (_, w) in root.laws.items():
        total += math.exp(-(kl * root.rate_left + kr * root.rate_right) * report) * math.fsum(w)
    return total


def _asap_rows(lattices, pmfs, coeffs, rates, offsets, k0, ln, alpha, beta, rows) -> np.ndarray:
    """``G(t)`` per threshold ``t`` (``rows``): the moment restricted to ``R_i <= t - c_i`` with the
    end memories' weight ``exp(-alpha (t - R_0) - beta (t - R_{N-1}))``."""
    n = len(pmfs)
    col = rows[:, None]
    finite = bool(np.isfinite(rows).all())

    def masked(i: int) -> np.ndarray:
        return pmfs[i][None, :] * (lattices[i][None, :] <= col - offsets[i] + _EPS)

    end0 = (np.exp(-alpha * np.clip(col - lattices[0][None, :], 0.0, None))
            if finite and alpha else 1.0)
    v = [coeffs[0][k0, j] * masked(0) * end0 for j in (0, 1)]
    for i in range(1, n):
        base = masked(i)
        nxt = [np.zeros_like(base), np.zeros_like(base)]
        for lp in (0, 1):
            if not v[lp].any():
                continue
            law, x = (lattices[i - 1], v[lp]), lattices[i]
            before = _decay_at(law, lp * rates[i - 1][1], x, False)  # the same for both k
            for k in (0, 1):
                if not coeffs[i][k].any():
                    continue
                moved = before + _decay_after(law, k * rates[i][0], x)
                for j in (0, 1):
                    if coeffs[i][k, j] != 0.0:
                        nxt[j] = nxt[j] + coeffs[i][k, j] * moved
        v = [z * base for z in nxt]
    last = v[ln]
    if finite and beta:
        last = last * np.exp(-beta * np.clip(col - lattices[n - 1][None, :], 0.0, None))
    return last.sum(axis=1)


#: thresholds times points per block of :func:`_asap_moment` (bounds the memory)
_CHUNK_CELLS = 400_000


def _asap_moment(lattices, pmfs, coeffs, rates, offsets) -> float:
    """Moment for asap: node ``v_j``'s memories are consumed at ``max(R_{j-1}, R_j)``, the end
    memories at ``T = max_i (R_i + offsets[i])``."""
    n = len(pmfs)
    thresholds = _merge([(lattices[i] + offsets[i], np.zeros(lattices[i].size))
                         for i in range(n)])[0]
    gaps = np.append(np.diff(thresholds), np.inf)
    points = sum(x.size for x in lattices)
    chunk = max(1, _CHUNK_CELLS // points)
    total = 0.0
    for k0 in (0, 1):
        for ln in (0, 1):
            alpha, beta = k0 * rates[0][0], ln * rates[n - 1][1]
            args = (lattices, pmfs, coeffs, rates, offsets, k0, ln, alpha, beta)
            if alpha + beta == 0.0:
                total += float(_asap_rows(*args, np.array([np.inf]))[0])
                continue
            for lo in range(0, thresholds.size, chunk):
                g = _asap_rows(*args, thresholds[lo:lo + chunk])
                total += float(np.sum(g * -np.expm1(-(alpha + beta) * gaps[lo:lo + chunk])))
    return total


def _lattices(p, taus, unit, tol, block: int = 1):
    """Per link, its herald times (in units of the shortest cycle) and their probabilities; with
    ``block`` > 1, blocks of that many attempts (success ``1 - (1 - p)^block``, at the block's end)."""
    n = len(p)
    lat, pmfs = [], []
    for x, tau in zip(p, taus):
        xb = _block_p(x, block)
        k = np.arange(1, link_rounds(xb, n, tol) + 1, dtype=float)
        lat.append(k * (block * tau / unit))
        pmfs.append(xb * np.exp((k - 1.0) * math.log1p(-xb)) if xb < 1.0 else np.ones(1))
    return lat, pmfs


def _block_p(x: float, block: int) -> float:
    """Success probability of a block of ``block`` attempts."""
    return 1.0 if x >= 1.0 else -math.expm1(block * math.log1p(-x))


def _work(p, tol: float, block: int, strategy: str) -> int:
    """Lattice cells of one evaluation (asap: thresholds times points, quadratic)."""
    n = len(p)
    points = sum(link_rounds(_block_p(x, block), n, tol) for x in p)
    if strategy == "asap" and n > 2:
        return points * points * n * 4
    return points * n * 128  # 3 moments x 16 bit pairs per swap, sorts and merges


def unequal_chain_fidelity(
    corr: Sequence[Sequence[float]],
    p: Sequence[float],
    cycle_time_s: Sequence[float],
    node_delay_s: Sequence[float],
    t1_s: Sequence[float],
    t2_s: Sequence[float],
    strategy: str,
    swap_factors: Sequence[Sequence[float]] | None = None,
    *,
    tol: float = 1e-16,
    max_work: int = MAX_WORK,
) -> dict[str, Any]:
    """``E[F]`` of the delivered pair, links with their own cycle times, no cutoff.

    Arguments as :func:`qnet_circuits.physics.chain_expected.expected_chain_fidelity`, except
    ``cycle_time_s``: one value per link (s). Returns ``fidelity``, ``method`` (``"exact"``, or
    ``"approx"`` beyond ``max_work``: attempts grouped in blocks of ``block``, with
    ``approx_error = |F(block) - F(2 block)|``), ``points`` (lattice points kept, all links) and
    ``mass_dropped`` (probability beyond the links' horizons, at most ``tol``). Raises
    ValueError when even blocks of :data:`MAX_BLOCK` attempts exceed ``max_work``.
    """
    taus = [float(x) for x in cycle_time_s]
    if len(taus) != len(p):
        raise ValueError(f"cycle_time_s must have one entry per link ({len(p)}), got {len(taus)}")
    n, factors = 0, []
    for x in taus:
        n, factors = _validate(corr, p, x, node_delay_s, t1_s, t2_s, strategy, swap_factors)
    strategy = "sequential" if n <= 2 else strategy  # one swap at max(R_0, R_1) for two links
    block = 1
    while _work(p, tol, block, strategy) > max_work:
        block *= 2
        if block > MAX_BLOCK:
            raise ValueError(f"unequal cycle times: the oracle needs more than {max_work:.2g} "
                             f"lattice cells even with blocks of {MAX_BLOCK} attempts (p down to "
                             f"{min(p):.3g}, {n} links): raise p or use fewer links")
    args = (corr, p, taus, node_delay_s, t1_s, t2_s, strategy, factors, tol)
    fid, norm, points = _evaluate(*args, block)
    out = {"fidelity": fid, "method": "exact" if block == 1 else "approx", "block": block,
           "points": points, "mass_dropped": float(max(0.0, 1.0 - norm))}
    if block > 1:
        out["approx_error"] = abs(fid - _evaluate(*args, 2 * block)[0])
    return out


def _evaluate(corr, p, taus, node_delay_s, t1_s, t2_s, strategy, factors, tol, block):
    """``(E[F], mass kept, points)`` on lattices of ``block`` attempts per step."""
    n, unit = len(p), min(taus)
    lattices, pmfs = _lattices(list(p), taus, unit, tol, block)
    cx, rx, cz, rz = _moment_inputs(corr, t1_s, t2_s, unit)
    delays = [d / unit for d in node_delay_s]
    unit_c = [np.array([[1.0, 0.0], [0.0, 0.0]])] * n
    mx = _moment(lattices, pmfs, cx, rx, delays, strategy)
    mz = _moment(lattices, pmfs, cz, rz, delays, strategy)
    norm = _moment(lattices, pmfs, unit_c, np.zeros((n, 2)), delays, strategy)
    px, py, pz = _products(corr, factors)
    fid = (1.0 + ((px + py) * mx + pz * mz) / norm) / 4.0
    return float(fid), float(norm), sum(x.size for x in lattices)


def _moment(lattices, pmfs, coeffs, rates, delays, strategy) -> float:
    if len(pmfs) == 1:
        return float(coeffs[0].sum() * pmfs[0].sum())
    kind, *layout = swap_layout(delays, strategy)
    if kind == "asap":
        return _asap_moment(lattices, pmfs, coeffs, rates, layout[0])
    return _tree_moment(lattices, pmfs, coeffs, rates, *layout)

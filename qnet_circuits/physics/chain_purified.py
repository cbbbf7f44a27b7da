"""Exact ``E[F]`` and delivery-time law of a repeater chain of purified links with decohering
memories (reference sections 5, 7, 10): the purified links' laws
(:func:`qnet_circuits.physics.purified_link.purified_link_law`) fed into the chain DP.

A purified link's herald time ``R_i`` is no longer geometric and its state depends on it, but the
chain DP of :mod:`qnet_circuits.physics._chain_dp` only ever multiplies a link's time weight by
its coefficient matrix, so the weighted state ``E[r ; R_i = t]`` is the leaf: the X moment
weights ``<XX>(t)``, the Y moment ``-<YY>(t)`` (X and Y no longer factor: each link's ``<XX>``
depends on its own time), the Z moment ``[[1, <IZ> - 1], [<ZI> - 1, 1 - <ZI> - <IZ> + <ZZ>]]``
times the pmf, ``F = (1 + (G_X M_X + G_Y M_Y + G_Z M_Z) / M_1) / 4``. Trees (sequential, nested)
use :func:`~qnet_circuits.physics._chain_dp.combine`; asap the transfer operator with
time-dependent coefficients (:func:`_asap_weighted`). The delivery time is max-plus linear in the
herald times, ``T = max_i (R_i + c_i)``, so ``P(T <= t) = prod_i P(R_i <= t - c_i)``.

Limits: no cutoff (with a cutoff a discarded purified pair restarts its whole purification:
:mod:`qnet_circuits.physics.chain_cutoff_purified`), up to
:data:`MAX_LINKS` links, lattices up to
:data:`~qnet_circuits.physics.purified_link.MAX_LATTICE` points, asap work up to
:data:`MAX_ASAP_CELLS`.

>>> from qnet_circuits.physics import bell_diagonal_density_matrix, werner_coefficients
>>> from qnet_circuits.physics.purified_link import purified_link_law
>>> rho = bell_diagonal_density_matrix(werner_coefficients(0.8))
>>> law = purified_link_law(rho, 0.5, 1, 1, [1e-2] * 2, [5e-3] * 2, "dejmps", 1, "recurrence",
...                         unit_s=1e-4)
>>> out = expected_purified_chain([law["measure"]] * 2, 1e-4, [0.0, 1e-4, 2e-4], [1e-2] * 3,
...                               [5e-3] * 3, "sequential", delivery_offsets_s=[1e-4, 1e-4])
>>> round(out["fidelity"], 6), round(out["mean_delivery_time_s"] * 1e4, 6)
(0.619926, 9.709728)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from qnet_circuits.physics import _chain_dp as dp

__all__ = ["MAX_ASAP_CELLS", "MAX_LINKS", "expected_purified_chain", "link_weights"]

#: links up to which :func:`expected_purified_chain` computes
MAX_LINKS = 16
#: asap work (lattice^2 x links x distinct offsets) up to which it computes (2.5e7, eight 50 km
#: links: about 7 s on a shared core; 6.7e7, four 75 km links, took 30 s)
MAX_ASAP_CELLS = 30_000_000
_STRATEGIES = ("sequential", "nested", "asap")


def link_weights(measure: np.ndarray) -> dict[str, np.ndarray]:
    """The leaf weights (2 x 2 x lattice) of one link's weighted state for the X, Y, Z moments
    and the norm (index ``[k, l]``: decay of the left memory on ``k``, the right on ``l``).

    >>> w = link_weights(np.array([[0.0] * 16, [1.0] + [0.0] * 4 + [1.0] + [0.0] * 9 + [1.0]]))
    >>> w["z"][:, :, 1].tolist(), float(w["x"][1, 1, 1])
    ([[1.0, -1.0], [-1.0, 2.0]], 1.0)
    """
    m = np.asarray(measure, dtype=float)
    size = m.shape[0]
    zero = np.zeros(size)
    pmf = m[:, 0]
    return {
        "x": np.array([[zero, zero], [zero, m[:, 5]]]),
        "y": np.array([[zero, zero], [zero, -m[:, 10]]]),
        "z": np.array([[pmf, m[:, 3] - pmf], [m[:, 12] - pmf, pmf - m[:, 3] - m[:, 12] + m[:, 15]]]),
        "norm": np.array([[pmf, zero], [zero, zero]]),
    }


def _rates(values: Sequence[float], unit: float) -> np.ndarray:
    return np.array([0.0 if math.isinf(v) else unit / v for v in values])


def _validate(measures, unit_s, node_delay_s, t1_s, t2_s, strategy, swap_factors, offsets):
    n = len(measures)
    if not 1 <= n <= MAX_LINKS:
        raise ValueError(f"purified chains are computed for 1 to {MAX_LINKS} links, got {n}")
    if len(node_delay_s) != n + 1 or len(t1_s) != n + 1 or len(t2_s) != n + 1:
        raise ValueError("node_delay_s, t1_s and t2_s must have one entry per node (links + 1)")
    if strategy not in _STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(_STRATEGIES)}, got {strategy!r}")
    if not (math.isfinite(unit_s) and unit_s > 0):
        raise ValueError(f"unit_s must be > 0 seconds, got {unit_s!r}")
    if offsets is not None and len(offsets) != n:
        raise ValueError(f"delivery_offsets_s must have one entry per link ({n})")
    factors = [(1.0, 1.0, 1.0)] * (n - 1) if swap_factors is None else list(swap_factors)
    if len(factors) != n - 1:
        raise ValueError(f"swap_factors must have one triple per repeater ({n - 1})")
    return n, factors


def expected_purified_chain(
    measures: Sequence[np.ndarray],
    unit_s: float,
    node_delay_s: Sequence[float],
    t1_s: Sequence[float],
    t2_s: Sequence[float],
    strategy: str,
    swap_factors: Sequence[Sequence[float]] | None = None,
    delivery_offsets_s: Sequence[float] | None = None,
) -> dict[str, Any]:
    """``E[F]`` of the delivered pair and, with ``delivery_offsets_s``, its delivery-time law.

    Args:
        measures: per link, ``measure`` of :func:`~qnet_circuits.physics.purified_link.purified_link_law`
            on one common lattice of ``unit_s`` seconds (padded with zeros to equal length).
        node_delay_s: per node, the cumulative one-way classical delay from ``v_0`` (s).
        t1_s, t2_s: per node, memory T1 and T2 (s; ``inf`` for none).
        strategy: ``"sequential"``, ``"nested"`` or ``"asap"``.
        swap_factors: per repeater, :func:`~qnet_circuits.physics.chain_expected.swap_noise_factors`.
        delivery_offsets_s: per link, ``c_i`` with ``T = max_i (R_i + c_i)``
            (:func:`qnet_circuits.protocols.chain.theory.classical_offsets`).

    Returns ``fidelity``, ``method`` (``"exact"``) and, with offsets, ``mean_delivery_time_s``,
    ``delivery_times_s``, ``delivery_pmf``.
    """
    n, factors = _validate(measures, unit_s, node_delay_s, t1_s, t2_s, strategy, swap_factors,
                           delivery_offsets_s)
    size = max(np.asarray(m).shape[0] for m in measures)
    weights = [link_weights(np.pad(np.asarray(m, dtype=float), ((0, size - len(m)), (0, 0))))
               for m in measures]
    g1, g2 = _rates(t1_s, unit_s), _rates(t2_s, unit_s)
    r2 = np.array([(g2[i], g2[i + 1]) for i in range(n)])
    r1 = np.array([(g1[i], g1[i + 1]) for i in range(n)])
    delays = [d / unit_s for d in node_delay_s]
    if n <= 2:
        strategy = "sequential"
    if strategy == "asap" and n > 2:
        cells = size * size * n * len({dp._key(c) for c in _asap_offsets(delays, n)})
        if cells > MAX_ASAP_CELLS:
            raise ValueError(f"asap with purified links needs {cells:.2g} lattice cells (at most "
                             f"{MAX_ASAP_CELLS:.2g}): shorter links or fewer rounds")
    mom = {}
    for key, rates in (("x", r2), ("y", r2), ("z", r1), ("norm", np.zeros((n, 2)))):
        mom[key] = _moment([w[key] for w in weights], rates, delays, strategy, size)
    gx, gy, gz = (math.prod(f[s] for f in factors) for s in range(3))
    fid = (1.0 + (gx * mom["x"] + gy * mom["y"] + gz * mom["z"]) / mom["norm"]) / 4.0
    out: dict[str, Any] = {"fidelity": float(fid), "method": "exact"}
    if delivery_offsets_s is not None:
        out.update(_delivery([w["norm"][0, 0] for w in weights], unit_s, delivery_offsets_s))
    return out


def _asap_offsets(delays: Sequence[float], n: int) -> list[float]:
    """Per link, the classical delay (lattice units) until both end nodes know its swaps."""
    def report(j: int) -> float:
        return max(abs(delays[j] - delays[0]), abs(delays[n] - delays[j]))

    return [max(report(j) for j in (i, i + 1) if 1 <= j <= n - 1) for i in range(n)]


def _moment(weights, rates, delays, strategy, size) -> float:
    n = len(weights)

    def delay(a: int, b: int) -> float:
        return abs(delays[b] - delays[a])

    def report(j: int) -> float:
        return max(delay(j, 0), delay(j, n))

    if n == 1:
        return float(weights[0].sum())
    if strategy == "asap":
        return _asap_weighted(weights, rates, _asap_offsets(delays, n), size)
    if strategy == "sequential":
        tree = [(0, j, j + 1) for j in range(1, n)]
    else:
        from qnet_circuits.physics.chain_expected import _nested_tree

        tree = _nested_tree(n)
    seg: dict[tuple[int, int], tuple[dp.Segment, int | None]] = {}
    for i, w in enumerate(weights):
        leaf = {(k, j): {0.0: w[k, j]} for k in (0, 1) for j in (0, 1) if w[k, j].any()}
        seg[(i, i + 1)] = (dp.Segment(leaf, rates[i][0], rates[i][1]), None)
    for a, m, b in tree:
        left, ml = seg.pop((a, m))
        right, mr = seg.pop((m, b))
        d_l = 0.0 if ml is None else delay(ml, m)
        d_r = 0.0 if mr is None else delay(mr, m)
        seg[(a, b)] = (dp.combine(left, right, d_l, d_r, size), m)
    ((root, _),) = seg.values()
    return dp.close(root, report(tree[-1][1]))


def _asap_weighted(weights, rates, offsets, size) -> float:
    """:func:`qnet_circuits.physics._chain_dp.asap_moment` with time-dependent coefficients."""
    n = len(weights)
    total = 0.0
    for k0 in (0, 1):
        for ln in (0, 1):
            alpha, beta = k0 * rates[0][0], ln * rates[n - 1][1]
            e = alpha + beta
            if e == 0.0:
                total += float(_asap_rows(weights, rates, offsets, size, k0, ln, 0.0, 0.0,
                                          np.array([np.inf]))[0])
                continue
            cs = sorted({dp._key(c) for c in offsets})
            grid = np.arange(1, size, dtype=float)
            thresholds = np.unique(np.concatenate([grid + c for c in cs]))
            gaps = np.append(np.diff(thresholds), np.inf)
            chunk = max(1, dp._CHUNK_CELLS // size)
            for lo in range(0, thresholds.size, chunk):
                rows = thresholds[lo:lo + chunk]
                g = _asap_rows(weights, rates, offsets, size, k0, ln, alpha, beta, rows)
                total += float(np.sum(g * -np.expm1(-e * gaps[lo:lo + chunk])))
    return total


def _asap_rows(weights, rates, offsets, size, k0, ln, alpha, beta, thresholds) -> np.ndarray:
    """``G(t)`` per threshold: the moment restricted to ``R_i <= t - offsets[i]``, the end
    memories weighted ``exp(-alpha (t - R_0) - beta (t - R_{N-1}))``."""
    n = len(weights)
    grid = np.arange(size, dtype=float)
    rows = thresholds[:, None]
    finite = bool(np.isfinite(thresholds).all())

    def mask(i: int) -> np.ndarray:
        return grid[None, :] <= rows - offsets[i] + dp._TOL

    end0 = np.exp(-alpha * np.clip(rows - grid[None, :], 0.0, None)) if finite and alpha else 1.0
    v = [weights[0][k0, j][None, :] * mask(0) * end0 for j in (0, 1)]
    for i in range(1, n):
        nxt = [np.zeros((rows.shape[0], size)), np.zeros((rows.shape[0], size))]
        for lp in (0, 1):
            if not v[lp].any():
                continue
            for k in (0, 1):
                if not weights[i][k].any():
                    continue
                moved = dp._kernel(v[lp], lp * rates[i - 1][1], k * rates[i][0])
                for j in (0, 1):
                    if weights[i][k, j].any():
                        nxt[j] = nxt[j] + weights[i][k, j][None, :] * moved
        m = mask(i)
        v = [x * m for x in nxt]
    last = v[ln]
    if finite and beta:
        last = last * np.exp(-beta * np.clip(rows - grid[None, :], 0.0, None))
    return last.sum(axis=1)


def _delivery(pmfs: Sequence[np.ndarray], unit_s: float, offsets_s: Sequence[float]) -> dict:
    """pmf of ``T = max_i (R_i + c_i)`` on its support, and ``E[T]`` (s)."""
    size = len(pmfs[0])
    c = np.asarray(offsets_s, dtype=float) / unit_s
    fracs = np.unique(np.round(c % 1.0, 9))
    grid = np.unique((np.arange(size + int(np.ceil(c.max())) + 1)[:, None] + fracs[None, :]).ravel())
    cdf = np.ones(grid.size)
    for pmf, ci in zip(pmfs, c):
        cum = np.concatenate([[0.0], np.cumsum(pmf)])
        k = np.floor(grid - ci + 1e-9).astype(np.int64)
        cdf *= np.where(k >= 0, cum[np.clip(k + 1, 0, size)], 0.0)
    pmf = np.diff(np.concatenate([[0.0], cdf]))
    keep = pmf > 1e-300
    times = grid[keep] * unit_s
    pmf = pmf[keep]
    return {"mean_delivery_time_s": float(np.dot(times, pmf) / pmf.sum()),
            "delivery_times_s": times, "delivery_pmf": pmf / pmf.sum()}

"""Law of ``T = max_l (tau_l G_l + c_l)`` for unequal cycle times (numpy only).

Link ``l`` heralds in round ``G_l ~ Geometric(p_l)`` (support 1, 2, ...) of its own cycle
``tau_l`` (s); ``c_l >= 0`` (s) is a classical offset. Independence gives the step function
``P(T <= t) = prod_l F_l(t)``, ``F_l(t) = 1 - q_l^{k_l(t)}``, ``k_l(t) = max(0, floor((t - c_l) /
tau_l))``, ``q_l = 1 - p_l``. Its steps sit on the union of the links' lattices ``c_l + k tau_l``.

Truncation. Link ``l``'s lattice stops at its own horizon ``K_l`` rounds, the least ``K`` with
``q_l^K <= tol / n`` (:func:`link_rounds`): beyond it ``F_l`` is 1 within ``tol / n``, so the
merged grid has ``sum_l K_l`` points, not ``n max_l (K_l tau_l) / min_l tau_l`` (a slow satellite
edge beside fast fiber edges needs its own rounds only). ``F_l`` is exact at every grid point;
past link ``l``'s horizon its later steps are not grid points, so on a grid interval
``[t_j, t_{j+1})`` beyond ``h_l = c_l + K_l tau_l`` the cdf uses ``F_l(t_j)``, low by at most
``q_l^{k_l(t_j)}``, and past the last grid point ``P(T > t)`` is taken as 0. Since
``|prod F - prod F'| <= sum |F_l - F'_l|`` and every grid gap is at most ``tau_max``, the error
of the mean is at most ``sum_l q_l^{K_l} (tau_max + tau_l / p_l) <= (tol / n) sum_l (tau_max +
tau_l / p_l) <= 2 tol E[T]`` (``E[T] >= tau_l / p_l >= tau_l`` for every ``l``): a relative
error of at most ``2 tol`` (``error_bound_s`` of :func:`max_plus_law`); the pmf misses at most
``tol`` of mass.

>>> law = max_plus_law([0.5, 0.5], [1.0, 2.0], [0.0, 0.0])
>>> law["times_s"][:3].tolist(), law["pmf"][:3].tolist()  # T = 1 needs G_2 <= 1/2: no mass
([2.0, 3.0, 4.0], [0.375, 0.0625, 0.265625])
>>> round(law["mean_s"], 9)  # E[max(G_1, 2 G_2)] = 30/7 (a sum over both counts)
4.285714286
>>> round(max_plus_mean([0.5, 1e-7], [1e-4, 1e-3], [0.0, 0.0]), 3)  # ~ tau_2 / p_2: one slow edge
10000.0

The mean alone needs less (:func:`max_plus_mean`): past the second largest horizon ``H_2`` every
link but the slowest one ``L`` is done within ``tol / n``, and ``int_{H_2}^inf q_L^{k_L(t)} dt``
is a geometric series in closed form, so the grid holds ``sum_{l != L} K_l`` points plus link
``L``'s rounds up to ``H_2``; the error bound is the same sum without ``L``'s term.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["link_rounds", "max_plus_law", "max_plus_mean", "max_plus_quantile"]


def link_rounds(p: float, n_links: int, tol: float) -> int:
    """Rounds after which a link with success probability ``p`` has heralded with probability
    ``>= 1 - tol / n_links``: the least ``K`` with ``(1 - p)^K <= tol / n_links`` (1 for p = 1).

    >>> link_rounds(0.5, 1, 1e-3), link_rounds(1.0, 4, 1e-13)
    (10, 1)
    """
    if p >= 1.0:
        return 1
    return max(1, math.ceil(math.log(tol / max(n_links, 1)) / math.log1p(-p) - 1e-9))


def _check(p, cycle_time_s, offsets_s, tol):
    ps = np.asarray(p, dtype=float)
    taus = np.asarray(cycle_time_s, dtype=float)
    cs = np.asarray(offsets_s, dtype=float)
    if ps.ndim != 1 or ps.size < 1 or ps.shape != taus.shape or ps.shape != cs.shape:
        raise ValueError("p, cycle_time_s and offsets_s must be non-empty and of equal length "
                         "(one entry per link)")
    if not ((ps > 0) & (ps <= 1)).all():
        raise ValueError(f"p must be in (0, 1] per link, got {ps.tolist()}")
    if not (np.isfinite(taus).all() and (taus > 0).all()):
        raise ValueError(f"cycle_time_s must be finite and > 0 (s), got {taus.tolist()}")
    if not (np.isfinite(cs).all() and (cs >= 0).all()):
        raise ValueError(f"offsets_s must be finite and >= 0 (s), got {cs.tolist()}")
    if not 0.0 < tol < 1.0:
        raise ValueError(f"tol must be in (0, 1), got {tol!r}")
    return ps, taus, cs


def _grid(taus, cs, rounds, upto: float):
    """Every link's lattice ``c_l + k tau_l`` (``k <= K_l``, and ``<= upto``), merged; the
    per-link point arrays and the merge tolerance."""
    pts = [cs[i] + taus[i] * np.arange(1, rounds[i] + 1, dtype=float) for i in range(len(taus))]
    eps = 1e-9 * float(taus.min())  # instants equal on paper, apart by float rounding
    grid = np.unique(np.concatenate([x[x <= upto + eps] for x in pts]))
    if grid.size > 1:
        grid = grid[np.concatenate([[True], np.diff(grid) > eps])]
    return grid, pts, eps


def _log_cdf(grid, ps, taus, pts, rounds, eps) -> np.ndarray:
    """``log P(T <= t)`` at the grid points, each ``F_l`` exact there."""
    with np.errstate(divide="ignore"):
        log_q = np.log1p(-ps)
    log_cdf = np.zeros(grid.size)
    for i in range(ps.size):
        last = pts[i][-1]
        inside = np.searchsorted(pts[i] - eps, grid, side="right")  # exact ties up to the horizon
        beyond = rounds[i] + np.floor((grid - last) / taus[i] + 1e-9)
        k = np.where(grid <= last + eps, inside, beyond)
        if ps[i] >= 1.0:
            log_cdf += np.where(k >= 1, 0.0, -np.inf)
        else:
            with np.errstate(divide="ignore"):
                log_cdf += np.where(k >= 1, np.log(-np.expm1(np.maximum(k, 1.0) * log_q[i])),
                                    -np.inf)
    return log_cdf


def _bound(ps, taus, rounds) -> float:
    """``sum_l q_l^{K_l} (tau_max + tau_l / p_l)`` (s)."""
    t_max = float(taus.max())
    return float(sum(math.exp(k * math.log1p(-x)) * (t_max + t / x)
                     for t, k, x in zip(taus, rounds, ps) if x < 1.0))


def _head(p, cycle_time_s, offsets_s, tol: float, max_points: int, caller: str):
    """The grid up to the second largest horizon ``H_2``: ``(grid, log cdf, H_2, (p_L, tau_L,
    c_L))`` with ``L`` the link of the largest horizon."""
    ps, taus, cs = _check(p, cycle_time_s, offsets_s, tol)
    n = ps.size
    rounds = [link_rounds(float(x), n, tol) for x in ps]
    horizon = cs + taus * np.asarray(rounds, dtype=float)
    last = int(np.argmax(horizon))
    h2 = float(np.max(np.delete(horizon, last))) if n > 1 else 0.0
    size = sum(r for i, r in enumerate(rounds) if i != last) + int(
        max(0.0, (h2 - cs[last]) / taus[last])) + 1
    if size > max_points:
        raise ValueError(f"{caller}: {size} grid points (links with p = {float(ps.min()):.3g} "
                         f"need that many rounds); at most {max_points}: raise p")
    grid, pts, eps = _grid(taus, cs, rounds, h2)
    log_cdf = _log_cdf(grid, ps, taus, pts, rounds, eps) if grid.size else np.zeros(0)
    h2 = float(grid[-1]) if grid.size else h2
    return grid, log_cdf, h2, (float(ps[last]), float(taus[last]), float(cs[last]))


def max_plus_mean(p: Sequence[float], cycle_time_s: Sequence[float], offsets_s: Sequence[float],
                  *, tol: float = 1e-13, max_points: int = 20_000_000,
                  caller: str = "max_plus_mean") -> float:
    """``E[max_l (tau_l G_l + c_l)]`` in s: the grid up to the second largest horizon and the
    slowest link's tail in closed form (module docstring); relative error at most ``2 tol``.

    >>> round(max_plus_mean([0.5, 0.2], [1.0, 3.0], [0.0, 0.0]), 6)
    15.055556
    """
    grid, log_cdf, h2, (x, t, c) = _head(p, cycle_time_s, offsets_s, tol, max_points, caller)
    head = 0.0
    if grid.size:
        head = float(grid[0] + np.sum(-np.expm1(log_cdf[:-1]) * np.diff(grid)))
    k0 = max(0, math.floor((h2 - c) / t + 1e-9))  # link L's rounds done by H_2
    if x >= 1.0:
        rest = max(c + t - h2, 0.0)
    else:
        lq = math.log1p(-x)
        rest = (c + (k0 + 1) * t - h2) * math.exp(k0 * lq) + t * math.exp((k0 + 1) * lq) / x
    return head + rest


def max_plus_quantile(p: Sequence[float], cycle_time_s: Sequence[float],
                      offsets_s: Sequence[float], q: float, *, tol: float = 1e-13,
                      max_points: int = 20_000_000) -> float:
    """Smallest support point ``t`` with ``P(T <= t) >= q`` (s), as
    :func:`qnet_circuits.physics.chain_delivery.delivery_quantile` of the law, without the law:
    on the grid up to ``H_2``, beyond it from the slowest link's geometric tail (the others are
    done within ``tol / n``).

    >>> max_plus_quantile([0.5, 1e-6], [1.0, 10.0], [0.0, 0.0], 0.5)  # 10 ceil(-ln 2 / ln(1 - 1e-6))
    6931470.0
    """
    if not 0.0 < q < 1.0:
        raise ValueError(f"q must be a probability in (0, 1), got {q!r}")
    grid, log_cdf, h2, (x, t, c) = _head(p, cycle_time_s, offsets_s, tol, max_points,
                                         "max_plus_quantile")
    hit = np.flatnonzero(log_cdf >= math.log(q) - 1e-12)
    if hit.size:
        return float(grid[hit[0]])
    k0 = max(0, math.floor((h2 - c) / t + 1e-9))
    k = k0 + 1 if x >= 1.0 else max(k0 + 1, math.ceil(math.log1p(-q) / math.log1p(-x) - 1e-9))
    return c + k * t


def max_plus_law(p: Sequence[float], cycle_time_s: Sequence[float], offsets_s: Sequence[float],
                 *, tol: float = 1e-13, max_points: int = 20_000_000,
                 caller: str = "max_plus_law") -> dict[str, Any]:
    """Support, pmf, cdf and mean of ``T = max_l (tau_l G_l + c_l)`` (module docstring).

    Args:
        p: per link, success probability per round, in (0, 1].
        cycle_time_s: per link, ``tau_l > 0`` (s).
        offsets_s: per link, ``c_l >= 0`` (s).
        tol: truncation: each link's lattice stops once it has heralded with probability
            ``1 - tol / n``; the mean's relative error is at most ``tol``.
        max_points: most merged grid points (``sum_l K_l``); beyond, ValueError.
        caller: the name the size error starts with.

    Returns ``times_s`` (the support), ``pmf``, ``cdf``, ``mean_s``, ``error_bound_s``
    (``sum_l q_l^{K_l} (tau_max + tau_l / p_l)``, s) and ``points``.
    """
    ps, taus, cs = _check(p, cycle_time_s, offsets_s, tol)
    n = ps.size
    rounds = [link_rounds(float(x), n, tol) for x in ps]
    size = int(sum(rounds))
    if size > max_points:
        raise ValueError(f"{caller}: {size} grid points (links with p = {float(ps.min()):.3g} "
                         f"need that many rounds); at most {max_points}: raise p")
    grid, pts, eps = _grid(taus, cs, rounds, math.inf)
    log_cdf = _log_cdf(grid, ps, taus, pts, rounds, eps)
    cdf = np.exp(log_cdf)
    tail = -np.expm1(log_cdf)  # P(T > t) on [grid_j, grid_j+1)
    mean = float(grid[0] + np.sum(tail[:-1] * np.diff(grid)))
    pmf = np.diff(np.concatenate([[0.0], cdf]))
    keep = pmf > 0
    bound = _bound(ps, taus, rounds)
    return {"times_s": grid[keep], "pmf": pmf[keep], "cdf": cdf[keep], "mean_s": mean,
            "error_bound_s": bound, "points": int(grid.size)}

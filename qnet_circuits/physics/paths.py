"""Closed forms of one path through a network: delivery time of a swap-as-soon-as-possible path
and the end-to-end fidelity of Werner links joined by noisy swaps.

Delivery time: link i succeeds in round ``G_i ~ Geometric(p_i)`` of its own cycle ``tau_i``; with
ideal memories every link holds its pair, so the path is ready at ``T = max_i tau_i G_i`` and
``E[T] = integral_0^inf [1 - prod_i (1 - q_i^floor(t/tau_i))] dt`` (q = 1 - p), summed exactly
over the merged grid of the cycle times, each link's lattice up to its own horizon
(:func:`qnet_circuits.physics.max_plus.max_plus_mean`: relative error at most ``2 tol``, so a slow
satellite edge beside fast fiber edges costs its own rounds only); the end-to-end rate is
``1 / E[T]``.

Fidelity: Werner links w_i, a swap at repeater r with two-qubit depolarizing lambda_r and
readout error eps_r on each of its two outcome bits: ``W = prod w_i prod (1 - lambda_r)`` and
``F = W ((1 + prod(1 - 2 eps_r))/2)^2 + (1 - W)/4`` (equal noise: ``physics.chain_fidelity``).

>>> round(expected_path_time_s([0.1] * 4, [1.0] * 4), 6)
20.273378
>>> round(path_fidelity([0.9, 0.9, 0.9], [0.02, 0.02], [0.01, 0.01]), 6)
0.694376
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from qnet_circuits.physics._checks import _prob, _prob_open_low
from qnet_circuits.physics.max_plus import link_rounds, max_plus_mean
from qnet_circuits.physics.states import werner_w

__all__ = ["expected_path_time_s", "path_fidelity", "path_werner"]

#: most grid points (``sum_l K_l`` rounds) of the delivery-time sum (beyond: ValueError)
MAX_GRID = 20_000_000


def expected_path_time_s(p: Sequence[float], cycle_time_s: Sequence[float], *,
                         tol: float = 1e-13) -> float:
    """``E[max_i tau_i G_i]`` in s (independent geometric link successes, ideal memories).

    >>> round(expected_path_time_s([0.5], [2.0]), 9)
    4.0
    >>> round(expected_path_time_s([0.5, 0.2], [1.0, 3.0]), 6)
    15.055556
    """
    ps = [_prob_open_low(f"p[{i}]", x) for i, x in enumerate(p)]
    taus = [float(t) for t in cycle_time_s]
    if not ps or len(ps) != len(taus):
        raise ValueError("p and cycle_time_s must be non-empty and of equal length (one per link)")
    if any(not (t > 0 and math.isfinite(t)) for t in taus):
        raise ValueError(f"cycle_time_s must be finite times > 0 (s), got {taus}")
    with np.errstate(divide="ignore"):
        return _expected_max(ps, taus, tol)


def _expected_max(ps: list[float], taus: list[float], tol: float) -> float:
    if len(set(taus)) == 1:  # common cycle: a sum over rounds up to the slowest link's horizon
        n = len(ps)
        rounds = max(link_rounds(x, n, tol) for x in ps)
        k = np.arange(0, rounds + 1, dtype=float)
        log_cdf = sum(np.log1p(-np.exp(k * math.log1p(-x))) if x < 1.0 else
                      np.where(k >= 1, 0.0, -np.inf) for x in ps)
        return taus[0] * float(np.sum(-np.expm1(log_cdf)))
    # unequal cycles: each link's lattice up to its own horizon (physics.max_plus)
    return max_plus_mean(ps, taus, [0.0] * len(ps), tol=tol, max_points=MAX_GRID,
                        caller="expected_path_time_s")


def path_werner(link_fidelities: Sequence[float], bsm_depolarizing: Sequence[float]) -> float:
    """``W = prod w_i prod (1 - lambda_r)`` (w = (4F - 1)/3) of a path's links and swaps.

    >>> round(path_werner([0.9, 0.9], [0.0]), 6)
    0.751111
    """
    w = math.prod(werner_w(_prob(f"link_fidelities[{i}]", f)) for i, f in enumerate(link_fidelities))
    return w * math.prod(1.0 - _prob(f"bsm_depolarizing[{i}]", x)
                         for i, x in enumerate(bsm_depolarizing))


def path_fidelity(link_fidelities: Sequence[float], bsm_depolarizing: Sequence[float] = (),
                  readout_error: Sequence[float] = ()) -> float:
    """End-to-end Phi+ fidelity of Werner links joined by swaps with per-repeater noise
    (``bsm_depolarizing`` and ``readout_error``: one value per repeater, or empty for ideal).

    >>> path_fidelity([1.0, 1.0])
    1.0
    """
    n = len(link_fidelities)
    lam = list(bsm_depolarizing) or [0.0] * (n - 1)
    eps = list(readout_error) or [0.0] * (n - 1)
    if n < 1 or len(lam) != n - 1 or len(eps) != n - 1:
        raise ValueError(f"a path of {n} links has {n - 1} repeaters: give that many "
                         "bsm_depolarizing and readout_error values (or none)")
    big_w = path_werner(link_fidelities, lam)
    keep = ((1.0 + math.prod(1.0 - 2.0 * _prob("readout_error", e) for e in eps)) / 2.0) ** 2
    return big_w * keep + (1.0 - big_w) / 4.0

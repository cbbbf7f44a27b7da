"""Closed forms for several requests sharing a network's memories (numpy only).

Model (:mod:`qnet_circuits.scheduler.network_schedule`). Request ``i`` wants ``N_i`` delivered
pairs on its path; each pair is one *session* that reserves the path's memories from the moment
its links start attempting until the pair is delivered, of mean duration ``E[T_i]``: the chain
delivery time ``T = max_l (tau_l G_l + c_l)`` (geometric herald counts ``G_l``, classical offsets
``c_l`` of the swapping strategy; :func:`max_plus_delivery_time_s`). Requests that cannot hold
their memories together *conflict*. When every two requests of a group conflict (an
*exclusive* group: at most one runs at a time) and the scheduler never idles while one waits,
the sessions are served back to back and the completion time ``C_i`` of request ``i`` (all
requests arrive at ``t = 0``) has the mean

* first come first served (requests in arrival order ``1..n``):
  ``E[C_k] = sum_{j <= k} N_j E[T_j]``;
* fair share (round robin, one session per turn, in arrival order within a turn):
  ``E[C_i] = sum_j E[T_j] min(N_j, N_i - 1) + sum_{j <= i, N_j >= N_i} E[T_j]``.

The rate of request ``i`` is ``N_i / C_i`` (pairs per second from the common start), estimated
by ``N_i / E[C_i]`` (the delta method; relative bias ``Var(C)/E[C]^2 = O(1/N)``). Time division:
with equal demands each of ``n`` requests on the same path gets ``1/n`` of the solo rate
``1 / E[T]`` under fair share, while FIFO gives the first request the solo rate, the second
half of it, the k-th ``1/k`` of it. Both policies are work conserving, so the group's total
``sum_i N_i / max_i C_i`` is the same: ``sum N / sum N E[T]``.

>>> exclusive_completion_s([1.0, 1.0], [10, 10], "fifo")
[10.0, 20.0]
>>> exclusive_completion_s([1.0, 1.0], [10, 10], "fair")
[19.0, 20.0]
>>> round(jain_index([1.0, 0.5]), 6)
0.9
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from qnet_circuits.physics.max_plus import max_plus_mean

#: the contention policies
POLICIES: tuple[str, ...] = ("fifo", "fair")
#: most grid points (``sum_l K_l`` rounds) of :func:`max_plus_delivery_time_s`
MAX_GRID = 4_000_000


def _check_policy(policy: str) -> None:
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {', '.join(POLICIES)}, got {policy!r}")


def max_plus_delivery_time_s(p: Sequence[float], cycle_time_s: Sequence[float],
                             offsets_s: Sequence[float], *, tol: float = 1e-13) -> float:
    """``E[max_l (tau_l G_l + c_l)]`` in s, ``G_l ~ Geometric(p_l)`` independent (support 1, 2,
    ...), for unequal cycle times ``tau_l`` (s) and classical offsets ``c_l >= 0`` (s).

    ``P(T <= t) = prod_l (1 - (1 - p_l)^floor((t - c_l) / tau_l))``, a step function whose steps
    sit at ``c_l + k tau_l``; the mean is the integral of ``P(T > t)`` over those steps, each
    link's up to its own horizon (:func:`qnet_circuits.physics.max_plus.max_plus_mean`; relative
    error at most ``2 tol``).

    >>> round(max_plus_delivery_time_s([0.5], [2.0], [0.0]), 9)
    4.0
    >>> round(max_plus_delivery_time_s([1.0, 1.0], [1.0, 3.0], [0.5, 0.0]), 9)
    3.0
    """
    return max_plus_mean(p, cycle_time_s, offsets_s, tol=tol, max_points=MAX_GRID,
                        caller="max_plus_delivery_time_s")


def _check_group(mean_times_s: Sequence[float], pairs: Sequence[int]) -> tuple[list, list]:
    means = [float(x) for x in mean_times_s]
    counts = [int(x) for x in pairs]
    if not means or len(means) != len(counts):
        raise ValueError("mean_times_s and pairs must be non-empty and of equal length")
    if any(not (m > 0 and math.isfinite(m)) for m in means):
        raise ValueError(f"mean_times_s must be finite and > 0 (s), got {means}")
    if any(c < 1 for c in counts):
        raise ValueError(f"pairs must be >= 1 per request, got {counts}")
    return means, counts


def exclusive_completion_s(mean_times_s: Sequence[float], pairs: Sequence[int],
                           policy: str) -> list[float]:
    """``E[C_i]`` in s of an exclusive group in arrival order (module docstring): request ``i``
    with ``pairs[i]`` sessions of mean ``mean_times_s[i]`` s."""
    _check_policy(policy)
    means, counts = _check_group(mean_times_s, pairs)
    if policy == "fifo":
        return [float(x) for x in np.cumsum([n * m for n, m in zip(counts, means)])]
    out = []
    for i, n_i in enumerate(counts):
        full = sum(m * min(n_j, n_i - 1) for m, n_j in zip(means, counts))
        last = sum(means[j] for j in range(i + 1) if counts[j] >= n_i)
        out.append(full + last)
    return out


def exclusive_rates_hz(mean_times_s: Sequence[float], pairs: Sequence[int],
                       policy: str) -> list[float]:
    """``N_i / E[C_i]`` in pairs/s of an exclusive group (:func:`exclusive_completion_s`).

    >>> [round(r, 6) for r in exclusive_rates_hz([0.01, 0.01], [100, 100], "fair")]
    [50.251256, 50.0]
    """
    done = exclusive_completion_s(mean_times_s, pairs, policy)
    return [n / c for n, c in zip(pairs, done)]


def jain_index(rates: Sequence[float]) -> float:
    """Jain's fairness index ``(sum x)^2 / (n sum x^2)`` in [1/n, 1] (1: all equal)."""
    x = np.asarray(rates, dtype=float)
    if x.size < 1 or not np.isfinite(x).all() or (x < 0).any():
        raise ValueError(f"rates must be finite and >= 0, got {x.tolist()}")
    total = float(np.sum(x * x))
    return 1.0 if total == 0 else float(np.sum(x)) ** 2 / (x.size * total)


__all__ = ["POLICIES", "exclusive_completion_s", "exclusive_rates_hz", "jain_index",
           "max_plus_delivery_time_s"]

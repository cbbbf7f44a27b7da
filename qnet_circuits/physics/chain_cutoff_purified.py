"""Exact ``E[F]`` and delivery-time law of a chain of purified links with a cutoff (sections 5, 7, 10).

Model: the scheduler's cutoff event loop (:func:`qnet_circuits.timeline.event_realization`) where
one generation of link ``i`` is its whole purification, failed trials included: the link starts
(at ``t = 0`` or when its stored pair is discarded) and delivers after a time ``T_i`` with the law
of :func:`qnet_circuits.physics.purified_link.purified_link_law`, in a state that depends on
``T_i``. Each link is a renewal process, so the Markov chain of
:mod:`qnet_circuits.physics.chain_cutoff` carries, per generating link, its age ``e`` (grid steps
since its start) instead of an attempt phase: it heralds at the next step with the hazard
``h(e) = P(T = e | T >= e)`` and its leaf is the conditional moment vector ``E[r | T = e]``
(:func:`qnet_circuits.physics.chain_purified.link_weights` divided by the pmf). Everything after
the herald is linear in the delivered pair's state, so the chain's moments are exact.

Truncation: each law is cut at the first age beyond which its mass is below ``tail`` (1e-12); a
link that reaches that age without delivering is dropped from the chain (``mass_dropped``, the
probability that any generation of any link in one realization was cut). As ``F`` lies in
``[0, 1]``, the fidelity is within ``fidelity_error_bound = mass_dropped`` of the untruncated one;
the mean delivery time is that of the realizations not cut (their share is ``1 - mass_dropped``).
``method`` is ``"exact"`` while ``mass_dropped <= 1e-9``.

Reach: the reachable states grow like ``(K den)^m`` with ``K`` the law's support in lattice
units, ``den`` the grid steps per unit and ``m`` the links generating at different ages: 1-2
links always within :data:`MAX_PURIFIED_CUTOFF_STATES` for short links, 3 links when ``K`` is a
few tens; beyond, a ValueError says so (no approximation: a coarser grid would move the
purification's own timing).

>>> from qnet_circuits.physics import bell_diagonal_density_matrix, werner_coefficients
>>> from qnet_circuits.physics.purified_link import purified_link_law
>>> rho = bell_diagonal_density_matrix(werner_coefficients(0.9))
>>> law = purified_link_law(rho, 0.7, 1, 1, [1e-2] * 2, [5e-3] * 2, "dejmps", 1, "recurrence",
...                         unit_s=1e-4)
>>> out = purified_cutoff_oracle([law["measure"]] * 2, 1e-4, [0.0, 1e-4, 2e-4], [1e-2] * 3,
...                              [5e-3] * 3, "sequential", 3e-4)
>>> out["method"], round(out["fidelity"], 6), round(out["mean_delivery_time_s"] * 1e4, 6)
('exact', 0.7773, 9.031145)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from qnet_circuits.physics import chain_cutoff as cc
from qnet_circuits.physics.chain_purified import _rates, _validate, link_weights

__all__ = ["MAX_PURIFIED_CUTOFF_STATES", "TAIL", "purified_cutoff_oracle", "renewal_link"]

#: reachable states beyond which :func:`purified_cutoff_oracle` refuses (30,275 states, two 10 km
#: links with a 0.5 ms cutoff, took 59 s on a shared core at load 2.4; 5,775 states 2.8 s)
MAX_PURIFIED_CUTOFF_STATES = 20_000
#: moment entries (5 per stored segment and state) beyond which it refuses
MAX_PURIFIED_CUTOFF_ENTRIES = 2_000_000
#: mass of a link's generation-time law beyond its last kept age
TAIL = 1e-12
_EXACT = 1e-9


def renewal_link(measure: np.ndarray, den: int, tail: float = TAIL):
    """Hazard per age (grid steps of ``1 / den`` lattice unit) and conditional leaf rows
    (ages x 5 per moment ``x``, ``y``, ``z``) of one purified link's law ``measure``
    (lattice x 16, column 0 the pmf), cut where the mass beyond is below ``tail``.

    >>> m = np.zeros((4, 16)); m[1, [0, 15]] = 0.5; m[3, [0, 15]] = 0.5
    >>> haz, leaf = renewal_link(m, 2)
    >>> haz.tolist(), leaf["z"][6].tolist()
    ([0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 1.0], [1.0, 1.0, -1.0, -1.0, 2.0])
    """
    m = np.asarray(measure, dtype=float)
    pmf = m[:, 0]
    beyond = np.concatenate([np.cumsum(pmf[::-1])[::-1][1:], [0.0]])  # P(T > k)
    last = int(np.argmax(beyond < tail)) if (beyond < tail).any() else len(pmf) - 1
    surv = pmf + beyond  # P(T >= k)
    haz = np.zeros(last * den + 1)
    k = np.arange(last + 1)
    ok = pmf[: last + 1] > 0
    haz[k[ok] * den] = pmf[k[ok]] / surv[k[ok]]
    w = link_weights(m)
    leaf = {}
    for key in ("x", "y", "z"):
        rows = np.zeros((last * den + 1, 5))
        rows[:, 0] = 1.0
        ww = w[key].reshape(4, -1)[:, : last + 1]  # (k_l, k_r) in the order 00, 01, 10, 11
        rows[k[ok] * den, 1:] = (ww[:, ok] / pmf[k[ok]][None, :]).T
        leaf[key] = rows
    return haz, leaf


def purified_cutoff_oracle(
    measures: Sequence[np.ndarray],
    unit_s: float,
    node_delay_s: Sequence[float],
    t1_s: Sequence[float],
    t2_s: Sequence[float],
    strategy: str,
    cutoff_s: float,
    swap_factors: Sequence[Sequence[float]] | None = None,
    *,
    tail: float = TAIL,
    tol: float = 1e-11,
    max_states: int = MAX_PURIFIED_CUTOFF_STATES,
    max_entries: int = MAX_PURIFIED_CUTOFF_ENTRIES,
) -> dict[str, Any]:
    """``E[F]`` and delivery-time pmf of the cutoff event loop over purified links.

    Arguments as :func:`qnet_circuits.physics.chain_purified.expected_purified_chain`
    (``measures`` on a lattice of ``unit_s`` seconds) and ``cutoff_s`` (s; a stored pair older
    than this is discarded and its links restart their purification). Returns ``fidelity``,
    ``mean_delivery_time_s``, ``delivery_times_s``, ``delivery_pmf``, ``grid_s``,
    ``mass_dropped``, ``fidelity_error_bound``, ``states`` and ``method``. ValueError when the
    cutoff or the delays are off the grid ``unit_s / 64``, or beyond ``max_states``.
    """
    n, factors = _validate(measures, unit_s, node_delay_s, t1_s, t2_s, strategy, swap_factors,
                           None)
    if not (isinstance(cutoff_s, (int, float)) and math.isfinite(cutoff_s) and cutoff_s > 0):
        raise ValueError(f"cutoff_s must be a number > 0 seconds, got {cutoff_s!r}")
    den = cc.grid_denominator(unit_s, [float(cutoff_s), *node_delay_s])
    if den is None:
        raise ValueError(f"cutoff_s and node_delay_s must be multiples of unit_s/{cc.MAX_DEN} "
                         "for the exact purified cutoff oracle; round them to the lattice")
    g = unit_s / den
    links = [renewal_link(m, den, tail) for m in measures]
    rates = {"x": _rates(t2_s, g), "y": _rates(t2_s, g), "z": _rates(t1_s, g)}
    leaf = {key: [lf[key] for _, lf in links] for key in ("x", "y", "z")}
    ch = cc._Chain([0.0] * n, [1] * n, int(round(cutoff_s / g)),
                   [int(round(d / g)) for d in node_delay_s], strategy, leaf, rates,
                   hazard=[h for h, _ in links])
    delivered, mom, mean, total, n_states = cc._solve_linear(ch, max_states, max_entries, tol)
    steps = np.array(sorted(delivered))
    pmf = np.array([delivered[k] for k in steps])
    gx, gy, gz = (math.prod(f[s] for f in factors) for s in range(3))
    fid = (1.0 + (gx * mom["x"] + gy * mom["y"] + gz * mom["z"]) / total) / 4.0
    dropped = max(0.0, 1.0 - total)
    return {"fidelity": float(fid), "mean_delivery_time_s": mean * g,
            "delivery_times_s": steps * g, "delivery_pmf": pmf / pmf.sum(), "grid_s": g,
            "mass_dropped": dropped, "fidelity_error_bound": dropped, "states": n_states,
            "method": "exact" if dropped <= _EXACT else "approx"}

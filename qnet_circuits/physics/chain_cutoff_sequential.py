"""The cutoff oracle for sequential swapping: the never-delivers check and a larger state limit.

:func:`qnet_circuits.physics.chain_cutoff.cutoff_chain_oracle` gives a moment axis (5 entries)
only to stored *merged* segments; a single link's entries are its leaf vector, multiplied in at
its swap. With sequential swapping the only merged segment is the frontier ``(0, j)`` that grows
from ``v_0``, so every state holds at most 5 moment entries and the chain is limited by its number
of states alone: this module runs that oracle with ``strategy="sequential"`` and
:data:`MAX_SEQUENTIAL_STATES`, after telling at once a chain that can never deliver. (It was a
separate implementation with one frontier vector per state; both gave the same numbers to 1e-12
before they were made one, and the tests keep those numbers.)

>>> from qnet_circuits.physics.chain_expected import pair_correlations_werner
>>> w = [pair_correlations_werner(0.95)] * 5
>>> out = sequential_cutoff_oracle(w, [0.5] * 5, 1.0, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0], [10.0] * 6,
...                                [5.0] * 6, None, 4.0)
>>> round(out["fidelity"], 6), round(out["mean_delivery_time_s"], 6)
(0.279279, 39.24093)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qnet_circuits.physics import chain_cutoff as cc

__all__ = ["MAX_SEQUENTIAL_STATES", "sequential_cutoff_oracle"]

#: reachable states beyond which :func:`sequential_cutoff_oracle` refuses (ValueError); 5,837
#: states (5 links, cutoff 5 tau, p = 0.5) take about 3 s on one busy core
MAX_SEQUENTIAL_STATES = 30_000


def sequential_cutoff_oracle(
    corr: Sequence[Sequence[float]],
    p: Sequence[float],
    cycle_time_s: float | Sequence[float],
    node_delay_s: Sequence[float],
    t1_s: Sequence[float],
    t2_s: Sequence[float],
    swap_factors: Sequence[Sequence[float]] | None,
    cutoff_s: float,
    *,
    tol: float = 1e-11,
    max_states: int = MAX_SEQUENTIAL_STATES,
) -> dict[str, Any]:
    """Exact ``E[F]`` and delivery-time pmf of the cutoff event loop with sequential swapping.

    Arguments and result as :func:`qnet_circuits.physics.chain_cutoff.cutoff_chain_oracle`
    (``strategy="sequential"``, a cutoff in s required), plus ``block`` 1; ValueError beyond
    ``max_states`` states, or at once when the pair from ``v_0`` would always expire before its
    last swap (the messages from ``v_1`` to ``v_{N-1}`` take the cutoff or longer).
    """
    if cutoff_s is None:
        raise ValueError("sequential_cutoff_oracle needs a cutoff_s (s)")
    n = len(p)
    if n > 2 and len(node_delay_s) == n + 1 and abs(node_delay_s[n - 1] - node_delay_s[1]) >= cutoff_s:
        raise ValueError(
            "with this cutoff the chain never delivers: with sequential swapping the pair from "
            f"v_0 has waited at least the messages from v_1 to v_{n - 1} "
            f"({abs(node_delay_s[n - 1] - node_delay_s[1]):g} s) at the last swap, at or beyond "
            f"the cutoff ({cutoff_s:g} s); raise the cutoff")
    out = cc.cutoff_chain_oracle(corr, p, cycle_time_s, node_delay_s, t1_s, t2_s, "sequential",
                                 swap_factors, cutoff_s, tol=tol, max_states=max_states,
                                 max_entries=5 * max_states)
    out["block"] = 1
    return out

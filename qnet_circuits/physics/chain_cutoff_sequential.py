"""The cutoff oracle for sequential swapping with one moment vector per state (long chains).

:func:`qnet_circuits.physics.chain_cutoff.cutoff_chain_oracle` carries, per state, a moment
tensor with a 5-entry axis per stored segment (``5^k`` entries for ``k`` segments), which is what
puts 5-6 links with a cutoff of a few cycles out of its reach (the states are few: 2,608 for 5
links, cutoff 4 tau, ``p = 0.5``, but 5 links took minutes). With sequential swapping only the
segment ``(0, j)`` that grows from ``v_0`` is ever a merged segment; every other stored segment is
a single link whose axis is its leaf vector until it is swapped or discarded (a discard keeps entry
0, which is 1; a swap contracts the leaf with the kernel). The tensor is therefore always
``frontier (x) leaf_{i1} (x) leaf_{i2} ...``: this module keeps only the frontier's 5 entries (entry 0
alone while no segment starts at ``v_0``) and multiplies the leaves in at the swap, so the linear
system has 5 entries per state. Same event loop, same state keys, same results (the tests compare
both oracles to 1e-10 where the tensor oracle fits).

>>> from qnet_circuits.physics.chain_expected import pair_correlations_werner
>>> w = [pair_correlations_werner(0.95)] * 5
>>> out = sequential_cutoff_oracle(w, [0.5] * 5, 1.0, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0], [10.0] * 6,
...                                [5.0] * 6, None, 4.0)
>>> round(out["fidelity"], 6), round(out["mean_delivery_time_s"], 6)
(0.279279, 39.24093)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from qnet_circuits.physics import chain_cutoff as cc

__all__ = ["MAX_SEQUENTIAL_STATES", "MAX_SEQUENTIAL_WORK", "sequential_cutoff_oracle"]

#: reachable states beyond which :func:`sequential_cutoff_oracle` refuses (ValueError); 5,837
#: states (5 links, cutoff 5 tau) take about 4 s, 6 links with a cutoff of 5 tau need more
MAX_SEQUENTIAL_STATES = 20_000
#: one-step outcomes (states times herald branches) beyond which it refuses (about 5 s)
MAX_SEQUENTIAL_WORK = 400_000
_E0 = np.array([1.0, 0.0, 0.0, 0.0, 0.0])


def _expire(ch, phases, segs, tens):
    """Discard every segment whose older memory reached the cutoff (its links restart)."""
    keep = [k for k, s in enumerate(segs) if max(s[2], s[3]) < ch.cutoff]
    if len(keep) == len(segs):
        return phases, segs, tens
    ph = list(phases)
    for k, s in enumerate(segs):
        if k not in keep:
            for i in range(s[0], s[1]):
                ph[i] = 0
            if s[0] == 0:  # the frontier: keep its entry 0 (the mass)
                tens = {m: t[:, :1] * _E0[None, :] for m, t in tens.items()}
    return tuple(ph), tuple(segs[k] for k in keep), tens


def _insert(ch, segs, tens, i: int):
    seg = (i, i + 1, 0, 0, 0, 0, 0)
    pos = sum(1 for s in segs if s[0] < i)
    if i == 0:  # link 0 starts the frontier: its leaf vector
        tens = {m: t[:, :1] * ch.leaf[m][0][None, :] for m, t in tens.items()}
    return segs[:pos] + (seg,) + segs[pos:], tens


def _swap(ch, segs, tens, k: int):
    """The frontier ``segs[k] = (0, j)`` swaps with the single link ``segs[k+1] = (j, j+1)``."""
    lft, rgt = segs[k], segs[k + 1]
    j = lft[1]
    if lft[0] != 0 or rgt != (j, j + 1, *rgt[2:]) or k != 0:
        raise RuntimeError("sequential swap off the frontier")  # pragma: no cover
    merged = (lft[0], rgt[1], lft[2], rgt[3], ch.delay(j, lft[0]), ch.delay(j, rgt[1]),
              max(lft[6], rgt[6], ch.report(j)))
    new = {}
    for m, t in tens.items():
        r = ch.rates[m][j]
        kern = cc._swap_kernel(math.exp(-r * lft[3]), math.exp(-r * rgt[2]))
        new[m] = t @ np.einsum("abe,b->ae", kern, ch.leaf[m][j])
    return segs[:k] + (merged,) + segs[k + 2:], new


def _outcomes(ch, key, tens):
    """:func:`qnet_circuits.physics.chain_cutoff._outcomes` on frontier vectors."""
    phases, segs = cc._age(key)
    herald_ok = [ph >= 0 and (ph + 1) % d == 0 for ph, d in zip(phases, ch.den, strict=True)]
    phases = tuple(ph if ph < 0 else (ph + 1) % d for ph, d in zip(phases, ch.den, strict=True))
    phases, segs, tens = _expire(ch, phases, segs, tens)
    for w, heralded in cc._branches(ch, phases, herald_ok):
        ph, sg, tn = list(phases), segs, tens
        for i in heralded:
            ph[i] = -1
            sg, tn = _insert(ch, sg, tn, i)
        while (k := cc._find_swap(ch, sg)) is not None:
            sg, tn = _swap(ch, sg, tn, k)
        if len(sg) == 1 and sg[0][:2] == (0, ch.n):
            yield w, None, tn, sg[0]
        else:
            yield w, (tuple(ph), sg), tn, None


def _explore(ch, max_states: int):
    """Reachable states and, per state, ``(probability, next or -1, {moment: 5x5 or 5}, delay,
    mass)`` of each outcome."""
    init = (tuple([0] * ch.n), ())
    index, order, moves = {init: 0}, [init], []
    eye = {m: np.eye(5) for m in ch.leaf}
    work = 0
    while len(moves) < len(order):
        out = []
        for w, new, tn, seg in _outcomes(ch, order[len(moves)], eye):
            work += 1
            if work > MAX_SEQUENTIAL_WORK:
                raise ValueError(f"the sequential cutoff oracle needs more than "
                                 f"{MAX_SEQUENTIAL_WORK} state updates ({ch.n} links, cutoff "
                                 f"{ch.cutoff} steps); fewer links or a shorter cutoff")
            if new is None:
                mass, mom = cc._deliver(ch, seg, tn)
                out.append((w, -1, mom, seg[6], mass))
                continue
            if new not in index:
                index[new] = len(order)
                order.append(new)
                if len(order) > max_states:
                    raise ValueError(
                        f"the sequential cutoff oracle needs more than {max_states} states "
                        f"({ch.n} links, cutoff {ch.cutoff} steps); fewer links or a shorter cutoff")
            out.append((w, index[new], tn, 0, None))
        moves.append(out)
    return order, moves


def _solve(ch, max_states: int, tol: float):
    """Moments, mean delivery time (steps), delivered mass and delivery pmf (every state holds
    one moment vector of 5 entries; :func:`~qnet_circuits.physics.chain_cutoff.solve_moves`)."""
    order, moves = _explore(ch, max_states)
    delivered, moments, mean, mass = cc.solve_moves(ch, [5] * len(order), moves, tol)
    return delivered, moments, mean, mass, len(order)


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
    (``strategy="sequential"``, a cutoff required); ValueError beyond ``max_states`` states.
    """
    from qnet_circuits.physics.chain_expected import _moment_inputs, _products, _validate

    if cutoff_s is None:
        raise ValueError("sequential_cutoff_oracle needs a cutoff_s (s)")
    taus = [float(x) for x in np.broadcast_to(np.asarray(cycle_time_s, dtype=float), (len(p),))]
    for x in taus:
        _validate(corr, p, x, node_delay_s, t1_s, t2_s, "sequential", swap_factors)
    n, factors = _validate(corr, p, taus[0], node_delay_s, t1_s, t2_s, "sequential", swap_factors)
    tau = min(taus)
    den = cc.grid_denominator(tau, [*taus, float(cutoff_s), *node_delay_s])
    if den is None:
        raise ValueError(f"cutoff_s, node_delay_s and the cycle times must be multiples of "
                         f"tau/{cc.MAX_DEN} for the exact cutoff oracle")
    g = tau / den
    cx, rx, cz, rz = _moment_inputs(corr, t1_s, t2_s, g)
    rates = {"x": [rx[0][0]] + [r[1] for r in rx], "z": [rz[0][0]] + [r[1] for r in rz]}
    ch = cc._Chain(list(p), [int(round(x / g)) for x in taus], int(round(cutoff_s / g)),
                   [int(round(d / g)) for d in node_delay_s], "sequential",
                   {"x": cc._leaf_vectors(cx), "z": cc._leaf_vectors(cz)}, rates)
    if n > 2 and ch.delay(1, n - 1) >= ch.cutoff:
        raise ValueError(
            "with this cutoff the chain never delivers: with sequential swapping the pair from "
            f"v_0 has waited at least the messages from v_1 to v_{n - 1} "
            f"({ch.delay(1, n - 1) * g:g} s) at the last swap, at or beyond the cutoff "
            f"({cutoff_s:g} s); raise the cutoff")
    delivered, mom, mean, total, n_states = _solve(ch, max_states, tol)
    steps = np.array(sorted(delivered))
    pmf = np.array([delivered[k] for k in steps])
    px, py, pz = _products(corr, factors)
    fid = (1.0 + ((px + py) * mom["x"] + pz * mom["z"]) / total) / 4.0
    return {"fidelity": float(fid), "mean_delivery_time_s": mean * g,
            "delivery_times_s": steps * g, "delivery_pmf": pmf / pmf.sum(), "grid_s": g,
            "mass_dropped": abs(1.0 - total), "state_updates": n_states, "method": "exact",
            "block": 1}

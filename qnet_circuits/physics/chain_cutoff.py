"""Exact repeater-chain oracle with a cutoff: a Markov chain over the scheduler's event loop.

Model: :func:`qnet_circuits.timeline.event_realization`, step for step. Links ``0..N-1`` attempt
every ``tau`` from their start (``t = 0``, or the moment their pair was discarded) and herald with
probability ``p_i``; a stored pair (a link or a swapped segment) is discarded when its older end
memory has waited ``cutoff`` (a wait of exactly ``cutoff`` is discarded: the event loop processes
an expiry before a swap at the same instant), and all of its links restart at that moment; swaps
follow the strategy with the classical "segment known" delays; the delivered pair is never
discarded and arrives once the end nodes know every swap outcome.

All times are multiples of a grid step ``g = tau / den`` (``tau`` the shortest cycle time,
``den <= MAX_DEN`` the smallest that puts every cycle time, the cutoff and every node delay on the
grid). The state after each step lists, per link, its
attempt phase, and per stored segment ``(a, b, age_left, age_right, known_left, known_right,
report)`` (ages and remaining delays in steps). Every state carries, per moment (X/Y with T2
rates, Z with T1 rates), a tensor with one axis of 5 entries per stored segment: entry 0 excludes
the segment's memories from the product, entries 1-4 are its outer-memory bits ``(k_l, k_r)`` of
the bit expansion of :mod:`qnet_circuits.physics._chain_dp`; a discard keeps entry 0 of its axis, a
swap contracts the inner bits with their decay factors. The delivered mass per step is the
delivery-time pmf, and the moments give ``E[F]`` exactly (mass below ``tol`` is dropped).

>>> from qnet_circuits.physics.chain_expected import pair_correlations_werner
>>> out = cutoff_chain_oracle([pair_correlations_werner(1.0)] * 2, [0.5] * 2, 1.0, [0.0] * 3,
...                           [float("inf")] * 3, [float("inf")] * 3, "asap", cutoff_s=1.0)
>>> round(out["mean_delivery_time_s"], 6)  # (1 + 2p) / p^2: see below
8.0

With ``cutoff = tau`` only simultaneous heralds are kept, but a pair heralded alone stays stored
until its expiry at the next attempt boundary, where the partner's herald at that very instant is
kept and the discarded link needs a full attempt again; from "both attempting" the mean is
``E = (1 + 2p) / p^2`` attempts, not the ``1 / p^2`` of step models in which a discarded link
attempts again within the step of its discard.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "MAX_DEN", "MAX_ORACLE_ENTRIES", "MAX_ORACLE_STATES", "MAX_ORACLE_WORK", "cutoff_chain_oracle",
    "grid_denominator",
]

#: largest number of grid steps per attempt (``tau / g``)
MAX_DEN = 64
#: reachable states (with a cutoff; states per step without) beyond which
#: :func:`cutoff_chain_oracle` refuses (ValueError)
MAX_ORACLE_STATES = 100_000
#: moment entries (5 per stored segment and state) beyond which it refuses, with a cutoff
MAX_ORACLE_ENTRIES = 3_000_000
#: total state updates (states summed over steps) beyond which it refuses, without a cutoff
MAX_ORACLE_WORK = 3_000_000
_BITS = ((0, 0), (0, 1), (1, 0), (1, 1))  # entries 1..4 of a segment axis


def grid_denominator(tau: float, values: Sequence[float], max_den: int = MAX_DEN) -> int | None:
    """Smallest ``den <= max_den`` with every ``value / tau * den`` an integer (1e-9), or None.

    >>> grid_denominator(1.0, [2.5, 0.25])
    4
    """
    for den in range(1, max_den + 1):
        if all(abs(v / tau * den - round(v / tau * den)) < 1e-9 for v in values):
            return den
    return None


class _Chain:
    """Constants of one oracle run (grid units)."""

    def __init__(self, p, den, cutoff, delays, strategy, leaf, rates, hazard=None,
                 all_axes=False):
        self.n = len(p)
        self.all_axes = all_axes
        self.p, self.den, self.cutoff, self.delays, self.strategy = p, den, cutoff, delays, strategy
        self.leaf = leaf  # moment -> per link 5-vector (renewal links: ages x 5)
        self.rates = rates  # moment -> per node decay per step (bit 1)
        # per link None (geometric: phase = attempt phase mod den) or, for a renewal link whose
        # generation time has a general law, the hazard per age in steps (phase = age since the
        # start; no continuation past the last age: that mass is dropped)
        self.hazard = hazard or [None] * self.n
        n = self.n
        self.tree = {}
        if strategy == "nested":
            from qnet_circuits.physics.chain_expected import _nested_tree

            self.tree = {m: (a, b) for a, m, b in _nested_tree(n)}

    def has_axis(self, seg) -> bool:
        """Whether a stored segment carries a moment axis: a merged one (or every one with
        ``all_axes``) or a renewal link (its leaf depends on its generation time); a geometric
        link's entries are its leaf vector until it is swapped."""
        return self.all_axes or seg[1] - seg[0] > 1 or self.hazard[seg[0]] is not None

    def delay(self, a: int, b: int) -> int:
        return abs(self.delays[b] - self.delays[a])

    def report(self, j: int) -> int:
        return max(self.delay(j, 0), self.delay(j, self.n))


def _age(state):
    """One step later: phases advance, ages grow, remaining delays shrink."""
    phases, segs = state
    segs = tuple((a, b, al + 1, ar + 1, max(kl - 1, 0), max(kr - 1, 0), max(rp - 1, 0))
                 for a, b, al, ar, kl, kr, rp in segs)
    return phases, segs


def _axis(ch: _Chain, segs, k: int) -> int:
    """Tensor axis of segment ``k`` (axis 0 is the batch): segments with an axis in ``a`` order."""
    return 1 + sum(1 for s in segs[:k] if ch.has_axis(s))


def _with_leaf(t: np.ndarray, v: np.ndarray, pos: int) -> np.ndarray:
    """``t`` with the leaf vector ``v`` as a new axis at ``pos``."""
    return np.moveaxis(np.multiply.outer(t, v), t.ndim, pos)


def _expire(ch: _Chain, phases, segs, tens):
    """Discard every segment whose older memory reached the cutoff; its links restart (phase 0).
    A discarded merged segment keeps entry 0 of its axis; a single link has no axis."""
    keep = [k for k, s in enumerate(segs) if max(s[2], s[3]) < ch.cutoff]
    if len(keep) == len(segs):
        return phases, segs, tens
    ph = list(phases)
    for k, s in enumerate(segs):
        if k not in keep:
            for i in range(s[0], s[1]):
                ph[i] = 0
    merged = [k for k, s in enumerate(segs) if ch.has_axis(s)]
    if any(k not in keep for k in merged):
        idx = (slice(None), *(slice(None) if k in keep else 0 for k in merged))
        tens = {m: t[idx] for m, t in tens.items()}
    return tuple(ph), tuple(segs[k] for k in keep), tens


def _insert_leaf(ch: _Chain, segs, tens, i: int, age: int = 0):
    """Add the fresh link ``i`` as a segment, keeping ``a`` order. A geometric link has no axis
    (its moment entries are its leaf vector, multiplied in at its swap); a renewal link's leaf
    depends on its generation time ``age``, so it gets its axis now (that row of its leaf)."""
    seg = (i, i + 1, 0, 0, 0, 0, 0)
    pos = sum(1 for s in segs if s[0] < i)
    if ch.has_axis(seg):
        ax = _axis(ch, segs, pos)
        new = {}
        for m, t in tens.items():
            v = ch.leaf[m][i]
            new[m] = _with_leaf(t, v[age] if v.ndim == 2 else v, ax)
        tens = new
    return segs[:pos] + (seg,) + segs[pos:], tens


def _find_swap(ch: _Chain, segs) -> int | None:
    """Index ``k`` such that segments ``k, k+1`` swap now at their common node, or None."""
    for k in range(len(segs) - 1):
        lft, rgt = segs[k], segs[k + 1]
        if lft[1] != rgt[0]:
            continue
        j = lft[1]
        if ch.strategy == "asap":
            return k
        if ch.strategy == "sequential":
            if lft[0] == 0 and rgt[1] == j + 1 and lft[5] == 0:
                return k
        elif ch.tree.get(j) == (lft[0], rgt[1]) and lft[5] == 0 and rgt[4] == 0:
            return k
    return None


def _swap_kernel(el: float, er: float) -> np.ndarray:
    """``K[i_l, i_r, e]``: entry ``e`` of the merged axis from entries ``i_l, i_r`` of the two
    swapped segments' axes (``el``, ``er``: decay of the consumed memories when their bit is 1)."""
    kern = np.zeros((5, 5, 5))
    kern[0, 0, 0] = 1.0
    for e, (kl, kr) in enumerate(_BITS, start=1):
        for x in (0, 1):
            for y in (0, 1):
                kern[1 + 2 * kl + x, 1 + 2 * y + kr, e] = (el if x else 1.0) * (er if y else 1.0)
    return kern


def _swap(ch: _Chain, segs, tens, k: int):
    """Swap segments ``k`` and ``k+1``: contract the inner bits with their decay factors (a single
    link's axis is its leaf vector, put in first)."""
    lft, rgt = segs[k], segs[k + 1]
    j = lft[1]
    merged = (lft[0], rgt[1], lft[2], rgt[3], ch.delay(j, lft[0]), ch.delay(j, rgt[1]),
              max(lft[6], rgt[6], ch.report(j)))
    ax = _axis(ch, segs, k)
    new = {}
    for m, t in tens.items():
        if not ch.has_axis(lft):
            t = _with_leaf(t, ch.leaf[m][lft[0]], ax)
        if not ch.has_axis(rgt):
            t = _with_leaf(t, ch.leaf[m][rgt[0]], ax + 1)
        r = ch.rates[m][j]
        kern = _swap_kernel(math.exp(-r * lft[3]), math.exp(-r * rgt[2]))
        out = np.tensordot(np.moveaxis(t, (ax, ax + 1), (-2, -1)), kern, axes=([-2, -1], [0, 1]))
        new[m] = np.moveaxis(out, -1, ax)
    return segs[:k] + (merged,) + segs[k + 2:], new


def _settle(ch: _Chain, segs, tens):
    """All swaps that happen now (cascades included)."""
    while True:
        k = _find_swap(ch, segs)
        if k is None:
            return segs, tens
        segs, tens = _swap(ch, segs, tens, k)


def _deliver(ch: _Chain, seg, tens) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Mass and end-memory-weighted moments (vectors over the batch axis) of a delivered
    ``(0, N)`` segment."""
    _, _, al, ar, _, _, rp = seg
    if not ch.has_axis(seg):  # one link: its leaf vector
        tens = {m: _with_leaf(t, ch.leaf[m][0], 1) for m, t in tens.items()}
    out = {}
    for m, t in tens.items():
        r0, rn = ch.rates[m][0], ch.rates[m][ch.n]
        weights = np.array([0.0] + [math.exp(-kl * r0 * (al + rp) - kr * rn * (ar + rp))
                                    for kl, kr in _BITS])
        out[m] = t @ weights
    return tens["x"][:, 0], out


def _add_state(store: dict, key, tens, w: float) -> None:
    if key in store:
        cur = store[key]
        for m in cur:
            cur[m] = cur[m] + w * tens[m]
    else:
        store[key] = {m: w * t for m, t in tens.items()}


def _branches(ch: _Chain, phases, herald_ok):
    """Herald outcomes of the links whose attempt ends now: (probability, heralded links)."""
    return _herald_branches([ch.p[i] if herald_ok[i] else 0.0 for i in range(ch.n)],
                            [True] * ch.n)


def _herald_branches(prob: Sequence[float], can_fail: Sequence[bool]):
    """(probability, heralded links) of independent heralds with probabilities ``prob``; a link
    that cannot fail (``can_fail`` False: past its last age) has no no-herald branch."""
    outs = [(1.0, ())]
    for i, pi in enumerate(prob):
        if pi <= 0.0 and can_fail[i]:
            continue
        nxt = [(w * pi, hs + (i,)) for w, hs in outs] if pi > 0.0 else []
        if pi < 1.0 and can_fail[i]:
            nxt += [(w * (1.0 - pi), hs) for w, hs in outs]
        outs = nxt
    return outs


def _advance(ch: _Chain, phases):
    """One step of every generating link: the next phases, the herald probabilities now and
    whether a link may go on without a herald (geometric links: the attempt ends every ``den``
    steps; renewal links: the hazard at the new age, none past the last age)."""
    nxt, prob, can_fail = [], [], []
    for i, ph in enumerate(phases):
        haz = ch.hazard[i]
        if ph < 0:
            nxt.append(ph)
            prob.append(0.0)
            can_fail.append(True)
        elif haz is None:
            nxt.append((ph + 1) % ch.den[i])
            prob.append(ch.p[i] if (ph + 1) % ch.den[i] == 0 else 0.0)
            can_fail.append(True)
        else:
            nxt.append(ph + 1)
            prob.append(float(haz[ph + 1]) if ph + 1 < len(haz) else 0.0)
            can_fail.append(ph + 2 < len(haz))
    return tuple(nxt), prob, can_fail


def _outcomes(ch: _Chain, key, tens):
    """Every outcome of one step from state ``key`` with tensors ``tens`` (leading batch axis):
    ``(probability, next key or None when delivered, tensors, delivered segment or None)``."""
    phases, segs = _age(key)
    phases, prob, can_fail = _advance(ch, phases)
    phases, segs, tens = _expire(ch, phases, segs, tens)
    for w, heralded in _herald_branches(prob, can_fail):
        ph, sg, tn = list(phases), segs, tens
        for i in heralded:
            age = ph[i]
            ph[i] = -1
            sg, tn = _insert_leaf(ch, sg, tn, i, age)
        sg, tn = _settle(ch, sg, tn)
        if len(sg) == 1 and sg[0][:2] == (0, ch.n):
            yield w, None, tn, sg[0]
        else:
            yield w, (tuple(ph), sg), tn, None


def _step(ch: _Chain, states: dict, t: int, delivered: dict, moments: dict) -> dict:
    """Advance every state by one grid step (expiries, heralds, swaps, delivery)."""
    nxt: dict = {}
    for key, tens in states.items():
        for w, new, tn, seg in _outcomes(ch, key, tens):
            if new is None:
                mass, mom = _deliver(ch, seg, tn)
                when = t + seg[6]
                delivered[when] = delivered.get(when, 0.0) + w * float(mass[0])
                for m in moments:
                    moments[m] += w * float(mom[m][0])
            else:
                _add_state(nxt, new, tn, w)
    return nxt


def _leaf_vectors(coeffs: Sequence[np.ndarray]) -> list[np.ndarray]:
    return [np.array([1.0, c[0, 0], c[0, 1], c[1, 0], c[1, 1]]) for c in coeffs]


def _run(ch: _Chain, tol: float, max_work: int, max_states: int):
    states = {(tuple([0] * ch.n), ()): {m: np.ones((1,)) for m in ch.leaf}}
    delivered: dict[int, float] = {}
    moments = {m: 0.0 for m in ch.leaf}
    t = work = 0
    while states:
        t += 1
        states = _step(ch, states, t, delivered, moments)
        work += len(states)
        if len(states) > max_states or work > max_work:
            raise ValueError(f"the cutoff oracle needs more than {max_states} states per step or "
                             f"{max_work} state updates ({ch.n} links, cutoff {ch.cutoff} steps); "
                             "fewer links or a shorter cutoff")
        rest = math.fsum(float(v["x"].flat[0]) for v in states.values())
        if rest < tol:
            return delivered, moments, rest, work
    return delivered, moments, 0.0, work


def cutoff_chain_oracle(
    corr: Sequence[Sequence[float]],
    p: Sequence[float],
    cycle_time_s: float,
    node_delay_s: Sequence[float],
    t1_s: Sequence[float],
    t2_s: Sequence[float],
    strategy: str,
    swap_factors: Sequence[Sequence[float]] | None = None,
    cutoff_s: float | None = None,
    *,
    tol: float = 1e-11,
    max_states: int = MAX_ORACLE_STATES,
    max_work: int = MAX_ORACLE_WORK,
    max_entries: int = MAX_ORACLE_ENTRIES,
    all_axes: bool = False,
) -> dict[str, Any]:
    """Exact ``E[F]`` and delivery-time pmf of the scheduler's cutoff event loop.

    Arguments as :func:`qnet_circuits.physics.chain_expected.expected_chain_fidelity`
    (``cutoff_s`` None: no discard), except that ``cycle_time_s`` may be one value per link
    (unequal cycle times: link i attempts every ``cycle_time_s[i]`` from its start). Returns
    ``fidelity``, ``mean_delivery_time_s``, ``delivery_times_s`` and ``delivery_pmf`` (arrays
    over the grid, pmf normalized), ``grid_s``, ``mass_dropped`` (probability beyond the last
    step) and ``method`` ``"exact"``.
    Moment axes (5 entries each) belong to the stored merged segments only; ``all_axes=True``
    gives every stored segment one (the earlier, larger representation, same numbers: a check).
    Raises ValueError when no grid step up to ``tau / MAX_DEN`` fits the cutoff and the delays,
    or when the state space exceeds ``max_states`` per step or ``max_work`` updates in all.
    """
    from qnet_circuits.physics.chain_expected import _moment_inputs, _products, _validate

    taus = [float(x) for x in np.broadcast_to(np.asarray(cycle_time_s, dtype=float), (len(p),))]
    for x in taus:
        _validate(corr, p, x, node_delay_s, t1_s, t2_s, strategy, swap_factors)
    n, factors = _validate(corr, p, taus[0], node_delay_s, t1_s, t2_s, strategy, swap_factors)
    tau = min(taus)
    extra = [] if cutoff_s is None else [float(cutoff_s)]
    den = grid_denominator(tau, [*taus, *extra, *node_delay_s])
    if den is None:
        raise ValueError(f"cutoff_s, node_delay_s and the cycle times must be multiples of "
                         f"tau/{MAX_DEN} (tau: the shortest cycle time) for the exact cutoff "
                         "oracle; round them to the attempt grid")
    g = tau / den
    cutoff = math.inf if cutoff_s is None else int(round(cutoff_s / g))
    delays = [int(round(d / g)) for d in node_delay_s]
    cx, rx, cz, rz = _moment_inputs(corr, t1_s, t2_s, g)
    node_rates = {"x": [rx[0][0]] + [r[1] for r in rx], "z": [rz[0][0]] + [r[1] for r in rz]}
    ch = _Chain(list(p), [int(round(x / g)) for x in taus], cutoff, delays, strategy,
                {"x": _leaf_vectors(cx), "z": _leaf_vectors(cz)}, node_rates, all_axes=all_axes)
    if cutoff_s is None:
        delivered, mom, rest, work = _run(ch, tol, max_work, max_states)
        mean = None
    else:
        delivered, mom, mean, total, work = _solve_linear(ch, max_states, max_entries, tol)
        rest = abs(1.0 - total)
    steps = np.array(sorted(delivered))
    pmf = np.array([delivered[k] for k in steps])
    norm = float(pmf.sum()) if mean is None else 1.0 - rest
    px, py, pz = _products(corr, factors)
    fid = (1.0 + ((px + py) * mom["x"] + pz * mom["z"]) / norm) / 4.0
    times = steps * g
    mean_s = float(np.dot(times, pmf) / pmf.sum()) if mean is None else mean * g
    return {"fidelity": float(fid), "mean_delivery_time_s": mean_s,
            "delivery_times_s": times, "delivery_pmf": pmf / pmf.sum(), "grid_s": g,
            "mass_dropped": rest, "state_updates": work, "method": "exact"}


def _n_axes(ch: _Chain, key) -> int:
    """Moment axes of a state: one per stored merged segment (every segment with ``all_axes``)."""
    return sum(1 for s in key[1] if ch.has_axis(s))


def _explore(ch: _Chain, max_states: int, max_entries: int):
    """Every reachable state (breadth first) with its one-step linear maps: per state, a list of
    ``(probability, next index or -1, {moment: matrix or vector}, delay, mass vector)``."""
    init = (tuple([0] * ch.n), ())
    index, order, moves = {init: 0}, [init], []
    entries = 1
    while len(moves) < len(order):
        key = order[len(moves)]
        n_ax = _n_axes(ch, key)
        size = 5 ** n_ax
        eye = {m: np.eye(size).reshape((size,) + (5,) * n_ax) for m in ch.leaf}
        out = []
        for w, new, tn, seg in _outcomes(ch, key, eye):
            if new is None:
                mass, mom = _deliver(ch, seg, tn)
                out.append((w, -1, mom, seg[6], mass))
                continue
            if new not in index:
                index[new] = len(order)
                order.append(new)
                entries += 5 ** _n_axes(ch, new)
                if len(order) > max_states or entries > max_entries:
                    raise ValueError(
                        f"the cutoff oracle needs more than {max_states} states or {max_entries} "
                        f"moment entries ({ch.n} links, cutoff {ch.cutoff} steps); fewer links or "
                        "a shorter cutoff")
            out.append((w, index[new], {m: t.reshape(size, -1) for m, t in tn.items()}, 0, None))
        moves.append(out)
    return order, moves


def _assemble(ch: _Chain, sizes: Sequence[int], moves):
    """Sparse one-step matrices per moment (row vectors: ``v' = v P``), delivery vectors per
    moment, and the mass chain (states only) with its delivery vectors per delay; state ``s``
    holds ``sizes[s]`` moment entries."""
    from scipy import sparse

    n_st = len(sizes)
    offs = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    big = int(offs[-1])
    trip = {m: ([], [], []) for m in ch.leaf}
    dvec = {m: np.zeros(big) for m in ch.leaf}
    mrow, mcol, mval, mdel = [], [], [], {}
    for s, out in enumerate(moves):
        o = offs[s]
        for w, nxt, maps, delay, mass in out:
            if nxt < 0:
                for m in ch.leaf:
                    dvec[m][o:o + sizes[s]] += w * maps[m]
                mdel.setdefault(delay, np.zeros(n_st))[s] += w * mass[0]
                continue
            mrow.append(s)
            mcol.append(nxt)
            mval.append(w)
            for m in ch.leaf:
                r, c = np.nonzero(maps[m])
                trip[m][0].append(r + o)
                trip[m][1].append(c + offs[nxt])
                trip[m][2].append(w * maps[m][r, c])
    def cat(parts):  # no move to another state at all (every outcome delivers or expires)
        return np.concatenate(parts) if parts else np.zeros(0, dtype=int)

    mats = {m: sparse.csr_matrix((cat(v[2]), (cat(v[0]), cat(v[1]))), shape=(big, big))
            for m, v in trip.items()}
    chain = sparse.csr_matrix((mval, (mrow, mcol)), shape=(n_st, n_st))
    return mats, dvec, chain, mdel


#: Multiply-adds allowed for the delivery-time law (one sparse step per grid step), ~10 s.
PMF_WORK = 2_000_000_000


def _every_state_can_deliver(chain, total: np.ndarray) -> bool:
    """Whether every state of ``chain`` (``chain[r, c]``: probability of ``r -> c``) reaches a
    state with delivery mass ``total > 0``: breadth-first search on the reversed graph from a
    super-source joined to the delivering states."""
    from scipy import sparse
    from scipy.sparse.csgraph import breadth_first_order

    n = chain.shape[0]
    coo = chain.tocoo()
    keep = coo.data > 0
    src = np.flatnonzero(total > 0)
    rows = np.concatenate([coo.col[keep], np.full(len(src), n)])
    cols = np.concatenate([coo.row[keep], src])
    graph = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n + 1, n + 1))
    return len(breadth_first_order(graph, n, directed=True, return_predecessors=False)) == n + 1


def solve_moves(ch: _Chain, sizes: Sequence[int], moves, tol: float):
    """Moments, delivery pmf (steps), mean delivery time (steps) and delivered mass of the finite
    Markov chain whose state ``s`` holds ``sizes[s]`` moment entries and moves as ``moves[s]``
    (shared by the tensor oracle here and :mod:`~qnet_circuits.physics.chain_cutoff_sequential`)."""
    from scipy import sparse
    from scipy.sparse.linalg import spsolve

    mats, dvec, chain, mdel = _assemble(ch, sizes, moves)
    n_st = len(sizes)
    total = sum(mdel.values(), np.zeros(n_st))
    if not _every_state_can_deliver(chain, total):
        # a closed set of states without delivery: I - P is singular and the pmf never decays
        raise ValueError(f"with this cutoff ({ch.cutoff} grid steps) the chain never delivers "
                         "from some of the states it reaches: a stored pair always expires "
                         "before the classical messages let it be swapped; raise the cutoff")
    moments = {}
    for m, mat in mats.items():
        rhs = np.zeros(mat.shape[0])
        rhs[0] = 1.0  # the initial state holds entry 0 (mass 1)
        y = spsolve((sparse.identity(mat.shape[0], format="csc") - mat.T.tocsc()), rhs)
        moments[m] = float(y @ dvec[m])
    eye = sparse.identity(n_st, format="csc")
    v0 = np.zeros(n_st)
    v0[0] = 1.0
    y = spsolve(eye - chain.T.tocsc(), v0)  # sum_t v_t
    z = spsolve(eye - chain.T.tocsc(), y)  # sum_t (t + 1) v_t
    mass = float(y @ total)
    if mass < 1e-9:
        raise ValueError(f"with this cutoff ({ch.cutoff} grid steps) the chain never delivers: a "
                         "stored pair always expires before the classical messages let it be "
                         "swapped; raise the cutoff")
    mean = (float(z @ total) + sum(d * float(y @ vec) for d, vec in mdel.items())) / mass
    if not (np.isfinite(mass) and np.isfinite(mean)):
        raise ValueError(f"the cutoff chain ({n_st} states) is numerically singular; "
                         "a longer cutoff or fewer links")
    delivered: dict[int, float] = {}
    v, t = v0, 0
    max_steps = max(1000, PMF_WORK // (chain.nnz + n_st))
    while v.sum() > tol:
        if t >= max_steps:
            raise ValueError(f"the delivery-time law of the cutoff chain ({n_st} states) needs "
                             f"more than {max_steps} grid steps to reach its tail; fewer links "
                             "or a shorter cutoff")
        t += 1
        for d, vec in mdel.items():
            delivered[t + d] = delivered.get(t + d, 0.0) + float(v @ vec)
        v = chain.T @ v
    return delivered, moments, mean, mass


def _solve_linear(ch: _Chain, max_states: int, max_entries: int, tol: float):
    """Moments, mean delivery time (steps) and delivery pmf from the finite Markov chain."""
    order, moves = _explore(ch, max_states, max_entries)
    delivered, moments, mean, mass = solve_moves(ch, [5 ** _n_axes(ch, k) for k in order], moves, tol)
    return delivered, moments, mean, mass, len(order)

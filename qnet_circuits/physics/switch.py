"""The quantum entanglement switch: capacity, stored qubits and delivered fidelity (numpy only).

Model of Vardoyan, Guha, Nain and Towsley ("On the stochastic analysis of a quantum entanglement
switch", ACM SIGMETRICS PER 47(2), 2019, and IEEE TQE 2 (2021) 4100116; bipartite part of "On the
capacity region of bipartite and tripartite entanglement switching", ACM TOMPECS 2023): k users,
each joined to the switch by a link that delivers Bell pairs as a Poisson process of rate
``mu_i`` (1/s) (or, slotted, with probability ``p`` per slot); the switch keeps its half in a
buffer of ``buffer`` memories per link (``inf`` allowed), every stored qubit is lost at rate
``alpha`` (1/s; an exponential lifetime, their decoherence model), and as soon as two different
links hold a qubit the switch performs a Bell-state measurement (BSM) that succeeds with
probability ``q`` (both qubits are used up either way). Every pair of users may be served
(saturated bipartite demand), so at most one link holds qubits at any time and the state is
"empty" or "link i holds j qubits": a tree of birth-death chains, hence reversible, with the
product-form stationary law (derived here for the model of the 2019 paper; the tests check it
against the generator built transition by transition, not against the paper's printed equations)

    pi(i, j) = pi_0 prod_{m=1..j} mu_i / (M - mu_i + m alpha),      M = sum_i mu_i,

and the capacity (successful swaps per second) ``C = q sum_i (M - mu_i) P_i``,
``P_i = sum_j pi(i, j)``; the pair (i, l) is served at ``q (mu_l P_i + mu_i P_l)``. For equal
rates the closed forms are ``C = q k mu / 2`` (infinite buffer, no decoherence, k >= 3) and
``C = q mu k (k - 1) / (2k - 1)`` (one memory per link, no decoherence).

Slotted links (:func:`slotted_capacity`): each slot every stored qubit survives with
``exp(-alpha)`` (alpha per slot), every link succeeds with ``p``, then the switch performs as
many swaps as the stored qubits allow; the one-dimensional Markov chain is solved exactly.

Delivered fidelity (:func:`delivered_coherence`): every swap pairs a freshly generated pair with
one stored pair (the freshest one: service is newest-first and a full buffer drops its oldest);
both halves of the stored pair dephase with the memories' T2 while it waits W, so the swapped
pair sees the coherence factor ``c = exp(-2 W / T2)``. ``E[c]`` over delivered pairs is the
probability that a tagged stored qubit is consumed before an independent clock of rate
``2 / T2`` rings, normalised by its probability of being consumed at all: an absorbing chain on
(stored count, tagged position), solved exactly. The swapped pair of two Werner pairs of
fidelity F, one dephased with ``c``, is :func:`switch_pair_fidelity` (affine in ``c``). For slotted
links :func:`slotted_delivered_coherence` does the same per slot, where two fresh pairs of one
slot may also be swapped together (wait 0).

>>> round(switch_capacity(4, 1.0, 1.0), 12)
2.0
>>> round(switch_capacity(4, 1.0, 1.0, buffer=1), 6), round(12 / 7, 6)
(1.714286, 1.714286)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qnet_circuits.physics._checks import _count, _finite, _nonneg, _positive, _prob, _prob_open_low
from qnet_circuits.physics.states import werner_coefficients
from qnet_circuits.physics.swapping import swap_bell_diagonal

__all__ = [
    "SwitchStationary",
    "capacity_region_ok",
    "delivered_coherence",
    "slotted_capacity",
    "slotted_delivered_coherence",
    "switch_capacity",
    "switch_capacity_closed_form",
    "switch_pair_fidelity",
    "switch_stationary",
]

#: the longest chain kept for an infinite buffer; the neglected tail mass must stay below TAIL
MAX_STATES = 20_000
TAIL = 1e-13


def _buffer(buffer: float) -> float:
    if isinstance(buffer, float) and math.isinf(buffer) and buffer > 0:
        return math.inf
    if isinstance(buffer, float) and buffer.is_integer():
        buffer = int(buffer)
    return float(_count("buffer", buffer, minimum=1))


def _rates(k: int, mu: float | Sequence[float]) -> np.ndarray:
    k = _count("users", k, minimum=2)
    if np.ndim(mu) == 0:
        return np.full(k, _positive("mu", mu))
    rates = np.array([_positive(f"mu[{i}]", m) for i, m in enumerate(mu)], dtype=float)
    if len(rates) != k:
        raise ValueError(f"mu must list one rate per user ({k}), got {len(rates)}")
    return rates


def _branch(mu_i: float, others: float, alpha: float, buffer: float) -> np.ndarray:
    """``pi(i, j) / pi_0`` for j = 1 .. (buffer or the truncation)."""
    n = int(buffer) if math.isfinite(buffer) else 256
    while True:
        m = np.arange(1, n + 1, dtype=float)
        logs = np.cumsum(np.log(mu_i) - np.log(others + m * alpha))
        if math.isfinite(buffer):
            return np.exp(logs)
        terms = np.exp(logs - max(logs.max(), 0.0))
        if terms[-1] < TAIL * terms.sum() and logs[-1] < logs[-2]:
            tail = np.cumsum(terms[::-1])[::-1]          # mass from j on
            keep = max(int(np.count_nonzero(tail >= TAIL * terms.sum())), 2)
            return np.exp(logs[:keep])
        if n >= MAX_STATES:
            raise ValueError(
                "the switch has no steady state: a link's rate is at least the others' total "
                "(mu_i >= M - mu_i) with an infinite buffer and no decoherence; give a finite "
                "buffer or alpha > 0")
        n *= 2


@dataclass(frozen=True)
class SwitchStationary:
    """Steady state of the continuous-time switch (see the module docstring).

    Attributes:
        empty: ``pi_0``, the probability that no link holds a qubit.
        held: ``P_i``, the probability that link i holds qubits.
        branches: ``pi(i, j)`` for j = 1, 2, ... per link (truncated for an infinite buffer).
        capacity: successful swaps per second.
        pair_rates: ``{(i, l): rate}`` for i < l (1/s).
        stored: expected number of qubits stored at the switch.
    """

    empty: float
    held: tuple[float, ...]
    branches: tuple[np.ndarray, ...]
    capacity: float
    pair_rates: dict[tuple[int, int], float]
    stored: float


def switch_stationary(k: int, mu: float | Sequence[float], q: float, *,
                      buffer: float = math.inf, alpha: float = 0.0) -> SwitchStationary:
    """The product-form steady state of the k-user switch (rates ``mu`` in 1/s, one or per
    link; BSM success ``q``; ``buffer`` memories per link; loss rate ``alpha`` per stored qubit,
    1/s).

    >>> s = switch_stationary(3, 1.0, 1.0, buffer=1)
    >>> round(s.empty, 6), round(s.capacity, 6)
    (0.4, 1.2)
    """
    rates = _rates(k, mu)
    q = _prob("q", q)
    alpha = _nonneg("alpha", alpha)
    buffer = _buffer(buffer)
    total = float(rates.sum())
    branches = tuple(_branch(m, total - m, alpha, buffer) for m in rates)
    z = 1.0 + sum(float(b.sum()) for b in branches)
    branches = tuple(b / z for b in branches)
    held = np.array([float(b.sum()) for b in branches])
    capacity = q * float(np.sum((total - rates) * held))
    pairs = {(i, j): q * float(rates[j] * held[i] + rates[i] * held[j])
             for i in range(len(rates)) for j in range(i + 1, len(rates))}
    stored = sum(float(np.dot(np.arange(1, len(b) + 1), b)) for b in branches)
    return SwitchStationary(1.0 / z, tuple(float(h) for h in held), branches, capacity, pairs,
                            stored)


def switch_capacity(k: int, mu: float | Sequence[float], q: float, *, buffer: float = math.inf,
                    alpha: float = 0.0) -> float:
    """Switch capacity (successful swaps per second) for saturated bipartite demand.

    >>> round(switch_capacity(5, 2.0, 0.5, buffer=2, alpha=0.1), 6)
    2.422515
    """
    return switch_stationary(k, mu, q, buffer=buffer, alpha=alpha).capacity


def switch_capacity_closed_form(k: int, mu: float, q: float, buffer: float = math.inf) -> float:
    """The equal-rate closed forms without decoherence: ``q k mu / 2`` (infinite buffer,
    k >= 3), ``q mu k (k-1) / (2k-1)`` (one memory), and in general
    ``q (k-1) mu (1 - pi_0)`` with ``1/pi_0 = 1 + k/(k-1) sum_{j<B} (k-1)^-j``.

    >>> switch_capacity_closed_form(3, 1.0, 1.0, buffer=1)
    1.2
    """
    k = _count("users", k, minimum=2)
    mu, q, buffer = _positive("mu", mu), _prob("q", q), _buffer(buffer)
    if math.isinf(buffer):
        if k == 2:
            raise ValueError("users = 2 with an infinite buffer has no steady state (a null-"
                             "recurrent random walk); give a finite buffer")
        return q * k * mu / 2.0
    r = 1.0 / (k - 1)
    geometric = sum(r ** j for j in range(int(buffer)))
    pi0 = 1.0 / (1.0 + k / (k - 1) * geometric)
    return q * (k - 1) * mu * (1.0 - pi0)


def capacity_region_ok(k: int, mu: float | Sequence[float], q: float,
                       demand: dict[tuple[int, int], float]) -> bool:
    """Whether pair demands (1/s) lie in the bipartite capacity region of an infinite-buffer
    switch without decoherence: ``sum_l lambda_il <= q mu_i`` for every user i (every served
    pair uses one link pair of each end; a failed BSM uses them too).

    >>> capacity_region_ok(3, 1.0, 1.0, {(0, 1): 0.5, (0, 2): 0.5, (1, 2): 0.5})
    True
    """
    rates = _rates(k, mu)
    q = _prob("q", q)
    load = np.zeros(len(rates))
    for (i, j), lam in demand.items():
        lam = _nonneg(f"demand{(i, j)}", lam)
        load[i] += lam
        load[j] += lam
    return bool(np.all(load <= q * rates * (1 + 1e-12)))


# ---------------------------------------------------------------------------------------------
# slotted links
# ---------------------------------------------------------------------------------------------


def _binomial(n: int, p: float) -> np.ndarray:
    j = np.arange(n + 1)
    coef = np.array([math.comb(n, int(x)) for x in j], dtype=float)
    return coef * p ** j * (1.0 - p) ** (n - j)


def _slot_transitions(k: int, p: float, n: int, buffer: float) -> tuple[np.ndarray, np.ndarray]:
    """Generation and swaps of one slot from each state j (after the losses): the matrix
    ``G[j, j']`` and the expected swaps ``r[j]``."""
    g = np.zeros((n + 1, n + 1))
    r = np.zeros(n + 1)
    all_links = _binomial(k, p)
    for m, pm in enumerate(all_links):                 # empty: m links succeed, m // 2 swaps
        g[0, m % 2] += pm
        r[0] += pm * (m // 2)
    others = _binomial(k - 1, p)
    cap = n if math.isinf(buffer) else int(buffer)
    for j in range(1, n + 1):
        for a, pa in ((0, 1.0 - p), (1, p)):           # the holding link itself succeeds?
            jj = min(j + a, cap, n)
            for m, pm in enumerate(others):
                w = pa * pm
                if jj >= m:
                    g[j, jj - m] += w
                    r[j] += w * m
                else:
                    g[j, (m - jj) % 2] += w
                    r[j] += w * (jj + (m - jj) // 2)
    return g, r


def slotted_capacity(k: int, p: float, q: float, *, buffer: float = math.inf,
                     alpha: float = 0.0) -> dict[str, float]:
    """Capacity of the slotted switch: successful swaps per slot, the probability that no
    link holds a qubit at the end of a slot, and the mean stored qubits. Each slot: every stored
    qubit survives with ``exp(-alpha)`` (alpha per slot), each of the k links succeeds with
    ``p``, the switch performs as many swaps as possible (BSM success ``q``).

    >>> round(slotted_capacity(4, 0.3, 1.0)["capacity"], 12)   # every qubit used: q k p / 2
    0.6
    """
    k = _count("users", k, minimum=2)
    p, q = _prob_open_low("p", p), _prob("q", q)
    alpha, buffer = _nonneg("alpha", alpha), _buffer(buffer)
    if math.isinf(buffer) and alpha == 0.0 and k == 2:
        raise ValueError("users = 2 with an infinite buffer and no decoherence has no steady "
                         "state; give a finite buffer or alpha > 0")
    n = int(buffer) if math.isfinite(buffer) else 64
    while True:
        loss = np.zeros((n + 1, n + 1))
        s = math.exp(-alpha)
        for j in range(n + 1):
            loss[j, : j + 1] = _binomial(j, s)
        g, r = _slot_transitions(k, p, n, buffer)
        t = loss @ g
        pi = _stationary(t)
        if math.isfinite(buffer) or pi[-1] < TAIL:
            break
        if n >= 4096:
            raise ValueError("the slotted switch did not settle within 4096 stored qubits; give "
                             "a finite buffer or alpha > 0")
        n *= 2
    before = pi @ loss                                  # the state after the losses of a slot
    return {"capacity": q * float(before @ r), "empty": float(pi[0]),
            "stored": float(pi @ np.arange(n + 1)), "distribution": pi}


def _stationary(t: np.ndarray) -> np.ndarray:
    """The stationary row vector of the stochastic matrix ``t``."""
    n = t.shape[0]
    a = np.vstack([t.T - np.eye(n), np.ones(n)])
    b = np.zeros(n + 1)
    b[-1] = 1.0
    pi = np.linalg.lstsq(a, b, rcond=None)[0]
    return np.clip(pi, 0.0, None) / np.clip(pi, 0.0, None).sum()


# ---------------------------------------------------------------------------------------------
# delivered fidelity
# ---------------------------------------------------------------------------------------------


def _tagged_absorption(k: int, mu: float, alpha: float, kill: float, n: int,
                       buffer: float, moment: bool = False) -> np.ndarray:
    """``h[j, r]``: probability that a tagged qubit at position r (1 = freshest) among j stored
    qubits of its link is consumed by a swap before it is lost or a clock of rate ``kill``
    rings. Newest-first service; a full buffer drops its oldest qubit. ``moment``: instead
    ``E[W; consumed]``, ``-d/ds (A + s)^-1 b = A^-1 h`` at ``kill`` (one more solve)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.linalg import spsolve

    index = {(j, r): (j - 1) * j // 2 + r - 1 for j in range(1, n + 1) for r in range(1, j + 1)}
    size = n * (n + 1) // 2
    rows, cols, vals = [], [], []
    b = np.zeros(size)
    other = (k - 1) * mu

    def add(s: int, target: tuple[int, int], rate: float) -> None:
        rows.append(s)
        cols.append(index[target])
        vals.append(-rate)

    for (j, r), s in index.items():
        rows.append(s)
        cols.append(s)
        vals.append(mu + other + j * alpha + kill)
        if j < n and j < buffer:
            add(s, (j + 1, r + 1), mu)
        elif r < j:                                 # full: the oldest (not the tagged) goes
            add(s, (j, r + 1), mu)
        if r == 1:
            b[s] += other
        else:
            add(s, (j - 1, r - 1), other + (r - 1) * alpha)
        if j - r > 0:
            add(s, (j - 1, r), (j - r) * alpha)
    a = coo_matrix((vals, (rows, cols)), shape=(size, size)).tocsc()
    h = np.atleast_1d(spsolve(a, b))
    if moment:
        h = np.atleast_1d(spsolve(a, h))
    out = np.zeros((n + 1, n + 1))
    for (j, r), s in index.items():
        out[j, r] = h[s]
    return out


def delivered_coherence(k: int, mu: float, *, t2_s: float, buffer: float = math.inf,
                        alpha: float = 0.0) -> dict[str, float]:
    """``E[exp(-2 W / T2)]`` over the stored pairs that swaps consume (equal rates ``mu``, 1/s),
    and the consumed pair's mean wait ``mean_wait_s``; see the module docstring.

    >>> round(delivered_coherence(3, 1.0, t2_s=math.inf)["coherence"], 12)
    1.0
    """
    k = _count("users", k, minimum=2)
    mu, alpha = _positive("mu", mu), _nonneg("alpha", alpha)
    t2 = _positive("t2_s", t2_s, allow_inf=True)
    buffer = _buffer(buffer)
    st = switch_stationary(k, mu, 1.0, buffer=buffer, alpha=alpha)
    pi = np.concatenate([[st.empty], k * st.branches[0]])    # stored count, any link
    n = len(pi) - 1
    # a fresh qubit at a given link is stored at (1, 1) when the switch is empty, at
    # (min(j + 1, buffer), 1) when its own link holds j (probability pi_j / k)
    start = np.zeros((n + 1, n + 1))
    start[1, 1] = pi[0]
    for j in range(1, n + 1):
        start[min(j + 1, n), 1] += pi[j] / k
    kill = 0.0 if math.isinf(t2) else 2.0 / t2
    h0 = _tagged_absorption(k, mu, alpha, 0.0, n, buffer)
    consumed = float(np.sum(start * h0))
    if consumed <= 0.0:
        raise ValueError("no stored pair is ever consumed; check mu and alpha")
    coherence = 1.0
    if kill > 0:
        coherence = float(np.sum(start * _tagged_absorption(k, mu, alpha, kill, n, buffer)))
        coherence /= consumed
    mean_wait = float(np.sum(start * _tagged_absorption(k, mu, alpha, 0.0, n, buffer,
                                                         moment=True))) / consumed
    return {"coherence": coherence, "consumed_per_qubit": consumed, "mean_wait_s": mean_wait}


def switch_pair_fidelity(fidelity: float, coherence: float, coherence_b: float = 1.0) -> float:
    """Phi+ fidelity of the swap of two Werner pairs of ``fidelity`` dephased to the coherence
    factors ``coherence`` and ``coherence_b`` (a Z error with probability ``(1 - c)/2`` each).

    >>> round(switch_pair_fidelity(0.9, 1.0), 6)
    0.813333
    """
    f = _prob("fidelity", fidelity)
    fresh = werner_coefficients(f)
    pairs = []
    for name, value in (("coherence", coherence), ("coherence_b", coherence_b)):
        c = _finite(name, value)
        if not 0.0 <= c <= 1.0:
            raise ValueError(f"{name} must be in [0, 1], got {c}")
        pz = (1.0 - c) / 2.0
        a, b, cc, d = fresh
        pairs.append(((1 - pz) * a + pz * d, (1 - pz) * b + pz * cc, (1 - pz) * cc + pz * b,
                      (1 - pz) * d + pz * a))
    return float(swap_bell_diagonal(pairs[0], pairs[1])[0])


def _slot_tagged(k: int, p: float, s: float, d: float, n: int, cap: float,
                 moment: bool = False) -> np.ndarray:
    """Slotted form of :func:`_tagged_absorption`: ``h[j, r]`` for a tagged stored qubit at
    position r among j at the end of a slot, each further slot discounted by ``d``; per slot:
    losses (survival ``s``), the link's own success (newest on top; a full buffer drops its
    oldest), the others' m successes consume the top m. ``moment``: ``E[slots waited; used]``
    (``(I - M)^-1 h`` at d = 1)."""
    size = n * (n + 1) // 2

    def flat(j, r):
        return (j - 1) * j // 2 + r - 1

    m_mat = np.zeros((size, size))
    used = np.zeros(size)
    others = _binomial(k - 1, p)
    for j in range(1, n + 1):
        for r in range(1, j + 1):
            row = flat(j, r)
            up = _binomial(r - 1, s)                      # survivors above the tagged
            down = _binomial(j - r, s)                    # and below it
            u, v = np.meshgrid(np.arange(r), np.arange(j - r + 1), indexing="ij")
            w = s * np.outer(up, down)
            for a, pa in ((0, 1.0 - p), (1, p)):
                r2, j2 = u + 1 + a, u + 1 + v + a
                alive = np.ones_like(w, dtype=bool)
                top = int(min(cap, n))                    # an infinite buffer: its truncation
                if a:
                    over = j2 > top
                    alive &= ~(over & (v == 0))           # the tagged was the oldest: dropped
                    j2 = np.where(over, top, j2).astype(int)
                for mm, pm in enumerate(others):
                    weight = w * pa * pm * alive
                    gone = r2 <= mm
                    used[row] += weight[gone].sum()
                    keep = ~gone & (weight > 0)
                    np.add.at(m_mat[row], flat(j2[keep] - mm, r2[keep] - mm), weight[keep])
    eye = np.eye(size)
    h = np.linalg.solve(eye - d * m_mat, d * used)
    if moment:
        h = np.linalg.solve(eye - m_mat, h)
    out = np.zeros((n + 1, n + 1))
    for j in range(1, n + 1):
        for r in range(1, j + 1):
            out[j, r] = h[flat(j, r)]
    return out


def _slot_births(k: int, p: float, s: float, pi: np.ndarray, cap: float
                 ) -> tuple[float, np.ndarray]:
    """Per slot in the steady state: expected swaps of two fresh pairs, and the probability
    that the slot ends with a newly stored qubit on top of j stored (``new[j]``)."""
    n = len(pi) - 1
    fresh_swaps, new = 0.0, np.zeros(n + 1)
    others, everyone = _binomial(k - 1, p), _binomial(k, p)
    for j0, p0 in enumerate(pi):
        for jd, pd in enumerate(_binomial(j0, s)):
            w0 = p0 * pd
            if jd == 0:
                for m, pm in enumerate(everyone):
                    fresh_swaps += w0 * pm * (m // 2)
                    new[1] += w0 * pm * (m % 2)
                continue
            for a, pa in ((0, 1.0 - p), (1, p)):
                jj = int(min(jd + a, cap, n))
                for m, pm in enumerate(others):
                    w = w0 * pa * pm
                    if jj >= m:
                        fresh_swaps += w * (a if m >= 1 else 0)
                        if a and m == 0:
                            new[jj] += w
                    else:
                        fresh_swaps += w * (a + (m - jj) // 2)
                        new[1] += w * ((m - jj) % 2)
    return fresh_swaps, new


def slotted_delivered_coherence(k: int, p: float, *, t2_slots: float, buffer: float = math.inf,
                                alpha: float = 0.0) -> dict[str, float]:
    """The slotted switch's ``E[exp(-2 W / T2)]`` over every swap (W: the longer wait of the two
    consumed pairs, in slots; ``t2_slots`` and ``alpha`` per slot), the mean W (slots) and the
    swaps per slot by kind. A swap pairs a fresh pair with a stored one (the tagged chain of
    :func:`_slot_tagged`) or two fresh pairs of the same slot (W = 0).

    >>> round(slotted_delivered_coherence(3, 0.3, t2_slots=math.inf)["coherence"], 12)
    1.0
    """
    k = _count("users", k, minimum=2)
    p, alpha = _prob_open_low("p", p), _nonneg("alpha", alpha)
    t2 = _positive("t2_slots", t2_slots, allow_inf=True)
    buffer = _buffer(buffer)
    pi = slotted_capacity(k, p, 1.0, buffer=buffer, alpha=alpha)["distribution"]
    tail = np.cumsum(pi[::-1])[::-1]                  # mass from j on; drop a negligible tail
    pi = pi[: max(int(np.count_nonzero(tail >= TAIL)), 3)]
    n = len(pi) - 1
    s = math.exp(-alpha)
    fresh, new = _slot_births(k, p, s, pi, buffer)
    h0 = _slot_tagged(k, p, s, 1.0, n, buffer)
    stored = float(new[1:] @ h0[1:, 1])
    total = fresh + stored
    d = 0.0 if t2 == 0 else math.exp(-2.0 / t2)
    hd = h0 if d == 1.0 else _slot_tagged(k, p, s, d, n, buffer)
    waits = _slot_tagged(k, p, s, 1.0, n, buffer, moment=True)
    return {"coherence": float((fresh + new[1:] @ hd[1:, 1]) / total),
            "mean_wait_slots": float(new[1:] @ waits[1:, 1] / total),
            "fresh_swaps_per_slot": float(fresh), "stored_swaps_per_slot": stored}

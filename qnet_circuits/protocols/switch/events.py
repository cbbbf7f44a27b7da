"""Classical event simulation of the entanglement switch: when pairs arrive, wait and are swapped.

Continuous time (:func:`simulate_continuous`): link i delivers a pair as a Poisson process of
rate ``mu_i`` (1/s); each stored qubit has an exponential lifetime of rate ``alpha`` (1/s, lost
when it ends); a link keeps at most ``buffer`` qubits (a new pair at a full link pushes out its
oldest); service is newest-first. Demand is saturated (every user pair always asks) or pair
requests arrive as Poisson processes of rate ``request_rate`` each and wait in a queue per pair.
When a new pair (or request) makes several user pairs servable, the policy picks one:
``"oldest"`` (the oldest waiting request; saturated: the oldest stored qubit), ``"longest"``
(the longest request queue; saturated: the link with most stored qubits) or ``"random"``.
The BSM succeeds with ``q``; success or not, both qubits are used up (a failed request stays).

Slotted time (:func:`simulate_slotted`): per slot of ``slot_s`` seconds the stored qubits
survive with ``exp(-alpha slot_s)``, every link succeeds with ``p``, a link keeps at most
``buffer`` qubits, and the switch makes as many swaps as possible (saturated demand), the link
with most qubits first, its partner chosen by the policy.

Both return a :class:`SwitchTrace`: every successful swap's time, user pair and the waits of the
two consumed pairs, plus the time-averaged number of stored qubits.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass

import numpy as np

#: policies for choosing which user pair to serve
POLICIES = ("oldest", "longest", "random")


@dataclass(frozen=True)
class SwitchTrace:
    """What the switch did over ``[warmup_s, duration_s]``.

    Attributes:
        times_s: time of each successful swap (s), sorted.
        pairs: ``(n, 2)`` user indices (i < l) of each successful swap.
        waits_s: ``(n, 2)`` how long each of the two consumed pairs waited in memory (s).
        attempts: BSMs attempted (successful or not).
        stored: time-averaged number of qubits held at the switch.
        warmup_s, duration_s: the measured window is ``duration_s - warmup_s`` long.
        requests: requests that arrived in the window (request-driven demand; else 0).
        backlog: requests still waiting at the end.
    """

    times_s: np.ndarray
    pairs: np.ndarray
    waits_s: np.ndarray
    attempts: int
    stored: float
    warmup_s: float
    duration_s: float
    requests: int = 0
    backlog: int = 0

    @property
    def window_s(self) -> float:
        """Length of the measured window (s)."""
        return self.duration_s - self.warmup_s


class _Switch:
    """Stored qubits per link (oldest first) and the swap record.

    Each link's qubits are ``[birth, alive]`` entries in a deque; a used, dropped or lost qubit
    is marked dead and skipped later, and expiry times sit in one heap, so every operation costs
    O(log n) however many qubits pile up."""

    def __init__(self, k: int, buffer: float, alpha: float, q: float, policy: str,
                 rng: np.random.Generator, warmup_s: float) -> None:
        self.k, self.buffer, self.alpha, self.q = k, buffer, alpha, q
        self.policy, self.rng, self.warmup = policy, rng, warmup_s
        self.mem: list[deque[list]] = [deque() for _ in range(k)]
        self.live = [0] * k
        self.expiry: list[tuple[float, int, int, list]] = []
        self.count, self.serial = 0, 0
        self.area, self.last = 0.0, 0.0
        self.swaps: list[tuple[float, int, int, float, float]] = []
        self.attempts = 0

    def _kill(self, link: int, entry: list) -> None:
        entry[1] = False
        self.live[link] -= 1
        self.count -= 1

    def advance(self, t: float) -> None:
        """Move the clock to ``t``: integrate the stored count, drop expired qubits."""
        lo = max(self.last, self.warmup)
        if t > lo:
            self.area += self.count * (t - lo)
        self.last = t
        while self.expiry and self.expiry[0][0] <= t:
            end, _, link, entry = heapq.heappop(self.expiry)
            if entry[1]:
                self._kill(link, entry)
                if t > lo:                       # an expired qubit counted only to its end
                    self.area -= t - max(end, lo)

    def _edge(self, link: int, newest: bool) -> list:
        """The newest (or oldest) live entry of ``link``, dead ones cleared on the way."""
        d = self.mem[link]
        while not d[-1 if newest else 0][1]:
            d.pop() if newest else d.popleft()
        return d[-1 if newest else 0]

    def oldest(self, link: int) -> float:
        """Birth time of the oldest live qubit of ``link``."""
        return self._edge(link, False)[0]

    def newest(self, link: int) -> float:
        """Birth time of the newest live qubit of ``link``."""
        return self._edge(link, True)[0]

    def store(self, link: int, t: float) -> None:
        """Keep a new pair at ``link`` (a full buffer drops its oldest)."""
        entry = [t, True]
        if self.alpha > 0:
            life = self.rng.exponential(1.0 / self.alpha)
            heapq.heappush(self.expiry, (t + life, self.serial, link, entry))
            self.serial += 1
        self.mem[link].append(entry)
        self.live[link] += 1
        self.count += 1
        if self.live[link] > self.buffer:
            self._kill(link, self._edge(link, False))

    def pick(self, candidates: list[int], key) -> int:
        """The candidate the policy serves (``key(c)`` orders them: smaller first)."""
        if len(candidates) == 1:
            return candidates[0]
        if self.policy == "random":
            return candidates[int(self.rng.integers(len(candidates)))]
        return min(candidates, key=key)

    def swap(self, t: float, a: int, b: int, wait_a: float, wait_b: float) -> bool:
        """One BSM between links a and b; True when it succeeds."""
        ok = bool(self.rng.random() < self.q)
        if t >= self.warmup:
            self.attempts += 1
            if ok:
                i, j = (a, b) if a < b else (b, a)
                wi, wj = (wait_a, wait_b) if a < b else (wait_b, wait_a)
                self.swaps.append((t, i, j, wi, wj))
        return ok

    def take(self, link: int, t: float) -> float:
        """Use the newest qubit of ``link``; its wait (s)."""
        entry = self._edge(link, True)
        self._kill(link, entry)
        return t - entry[0]

    def trace(self, duration_s: float, requests: int = 0, backlog: int = 0) -> SwitchTrace:
        self.advance(duration_s)
        rec = np.array(self.swaps, dtype=float).reshape(-1, 5)
        return SwitchTrace(rec[:, 0], rec[:, 1:3].astype(int), rec[:, 3:5], self.attempts,
                           self.area / (duration_s - self.warmup), self.warmup, duration_s,
                           requests, backlog)


def _pair(i: int, j: int) -> tuple[int, int]:
    return (i, j) if i < j else (j, i)


def _events(rng: np.random.Generator, total: float, weights: np.ndarray, duration_s: float):
    """(time, kind) of a merged Poisson process of rate ``total`` up to ``duration_s``; kind
    ``i`` with probability ``weights[i]``, drawn in chunks."""
    t = 0.0
    chunk = 4096
    while True:
        gaps = np.cumsum(rng.exponential(1.0 / total, chunk)) + t
        kinds = rng.choice(len(weights), size=chunk, p=weights)
        for when, what in zip(gaps.tolist(), kinds.tolist()):
            if when >= duration_s:
                return
            yield when, what
        t = float(gaps[-1])


def _policy_key(policy: str, sw: _Switch, pending, link: int, saturated: bool):
    """The ordering of candidate partners of ``link`` (smaller is served first)."""
    if policy == "random":
        return None
    if saturated:
        return sw.oldest if policy == "oldest" else (lambda m: -sw.live[m])
    if policy == "oldest":
        return lambda m: pending[_pair(link, m)][0]
    return lambda m: -len(pending[_pair(link, m)])


def simulate_continuous(mu: np.ndarray, q: float, *, buffer: float, alpha: float, policy: str,
                        duration_s: float, warmup_s: float, rng: np.random.Generator,
                        request_rate: float | None = None) -> SwitchTrace:
    """The continuous-time switch over ``duration_s`` seconds (module docstring)."""
    k = len(mu)
    sw = _Switch(k, buffer, alpha, q, policy, rng, warmup_s)
    pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
    req_total = 0.0 if request_rate is None else request_rate * len(pairs)
    total = float(np.sum(mu)) + req_total
    weights = np.concatenate([mu, [req_total]]) / total
    pending: dict[tuple[int, int], deque[float]] = {p: deque() for p in pairs}
    arrivals = 0
    for t, what in _events(rng, total, weights, duration_s):
        sw.advance(t)
        if what == k:                                   # a request
            i, j = pairs[int(rng.integers(len(pairs)))]
            arrivals += t >= warmup_s
            pending[(i, j)].append(t)
            while pending[(i, j)] and sw.live[i] and sw.live[j]:
                if sw.swap(t, i, j, sw.take(i, t), sw.take(j, t)):
                    pending[(i, j)].popleft()
            continue
        others = [m for m in range(k) if m != what and sw.live[m]]
        if request_rate is not None:
            others = [m for m in others if pending[_pair(what, m)]]
        if not others:
            sw.store(what, t)
            continue
        m = sw.pick(others, _policy_key(policy, sw, pending, what, request_rate is None))
        if sw.swap(t, what, m, 0.0, sw.take(m, t)) and request_rate is not None:
            pending[_pair(what, m)].popleft()
    backlog = sum(len(v) for v in pending.values())
    return sw.trace(duration_s, arrivals, backlog)


def simulate_slotted(k: int, p: float, q: float, *, slot_s: float, buffer: float, alpha: float,
                     policy: str, slots: int, warmup_slots: int,
                     rng: np.random.Generator) -> SwitchTrace:
    """The slotted switch over ``slots`` slots (module docstring); times in seconds, ``alpha``
    in 1/s (a stored qubit survives a slot with ``exp(-alpha slot_s)``)."""
    sw = _Switch(k, buffer, alpha, q, policy, rng, warmup_slots * slot_s)
    stored_sum, counted = 0.0, 0
    chunk = 1 << 14
    for start in range(0, slots, chunk):
        gen = rng.random((min(chunk, slots - start), k)) < p
        busy = gen.any(axis=1)
        for n in range(gen.shape[0]):
            s = start + n
            t = s * slot_s
            if busy[n] or sw.count:
                sw.advance(t)
                if busy[n]:
                    for link in np.flatnonzero(gen[n]):
                        sw.store(int(link), t)
                    _match(sw, t)
            if s >= warmup_slots:
                stored_sum += sw.count
                counted += 1
    trace = sw.trace(slots * slot_s)
    return SwitchTrace(trace.times_s, trace.pairs, trace.waits_s, trace.attempts,
                       stored_sum / max(counted, 1), trace.warmup_s, trace.duration_s)


def _match(sw: _Switch, t: float) -> None:
    """As many swaps as the stored qubits allow: the fullest link first (among equals the one
    with the oldest qubit), then its partner by the policy (the oldest newest-qubit, the
    fullest, or at random)."""
    while True:
        held = [m for m in range(sw.k) if sw.live[m]]
        if len(held) < 2:
            return
        # the fullest link; among equals the one holding the oldest qubit (a stored one
        # before this slot's fresh ones), so stored pairs are used before fresh ones pair up
        a = max(held, key=lambda m: (sw.live[m], -sw.oldest(m)))
        rest = [m for m in held if m != a]
        key = {"oldest": sw.newest, "longest": lambda m: -sw.live[m]}.get(sw.policy)
        b = sw.pick(rest, key)
        sw.swap(t, a, b, sw.take(a, t), sw.take(b, t))

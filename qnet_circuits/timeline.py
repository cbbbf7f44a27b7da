"""Repeater-chain timelines: when each link is heralded, when each node swaps, how long every
memory qubit waits, and when the end-to-end pair is delivered. Pure numpy, no circuits.

Model (physics-reference sections 2d and 10). Links ``1..N`` join nodes ``v_0 .. v_N``. All links
start attempting at ``t = 0``; link ``i`` succeeds on attempt ``n`` (a geometric count) and both of
its nodes know at ``R_i = n * cycle_time_s``. Classical messages (swap outcomes, "segment ready")
travel at fiber speed: node-to-node delay is the fiber's one-way delay. A swap (Bell-state
measurement at a repeater) is instantaneous; the strategy says when it may happen:

* ``"asap"``: node ``v_j`` swaps as soon as both of its memories hold a pair:
  ``t_j = max(R_j, R_{j+1})``.
* ``"sequential"``: swaps run along the path; ``v_j`` swaps once the pair ``v_0 - v_j`` exists and
  ``v_j`` has heard so from ``v_{j-1}``: ``t_j = max(t_{j-1} + d(v_{j-1}, v_j), R_j, R_{j+1})``.
* ``"nested"``: doubling; the segment ``[a, b]`` splits at ``m = a + (b - a + 1) // 2`` (halves for
  2^n links); ``v_m`` swaps when both halves are complete and it has heard so.

The end nodes need every swap outcome (Pauli frame), so the pair is delivered at
``T = max_j (t_j + max(d(v_j, v_0), d(v_j, v_N)))`` (``T = R_1`` for one link). Link ``i``'s left
memory waits from ``R_i`` until its node swaps (or until ``T`` at the end node); its right memory
likewise. With a ``cutoff_s``, a stored pair (a link or a swapped segment) whose older end memory
has waited ``cutoff_s`` for its partner is discarded and all of its links start again; that case
runs an event loop per realization.

>>> import numpy as np
>>> ready = np.array([[3.0, 1.0, 2.0]])
>>> g = ChainGeometry.uniform(3, cycle_time_s=1.0, hop_delay_s=0.0)
>>> tl = chain_timeline(ready, g, "asap")
>>> tl.swap_s.tolist(), tl.delivery_s.tolist(), tl.left_wait_s.tolist()
([[3.0, 2.0]], [3.0], [[0.0, 2.0, 0.0]])
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

Strategy = Literal["sequential", "nested", "asap"]
STRATEGIES: tuple[str, ...] = ("sequential", "nested", "asap")


def check_strategy(strategy: str) -> None:
    """ValueError unless ``strategy`` is one of :data:`STRATEGIES`."""
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}, got {strategy!r}")


def check_cutoff(cutoff_s: float | None) -> None:
    """ValueError unless ``cutoff_s`` is None or a number > 0 (seconds)."""
    if cutoff_s is None:
        return
    if (
        not isinstance(cutoff_s, (int, float))
        or isinstance(cutoff_s, bool)
        or math.isnan(cutoff_s)
        or cutoff_s <= 0
    ):
        raise ValueError(
            f"cutoff_s must be > 0 seconds (or None for no cutoff), got {cutoff_s!r}; a stored pair "
            "is discarded after waiting this long"
        )


@dataclass(frozen=True)
class ChainGeometry:
    """Timing constants of a path of N links.

    Attributes:
        cycle_time_s: per link, seconds per attempt (photon flight plus herald return).
        node_delay_s: per node ``v_0..v_N``, the one-way classical delay from ``v_0`` in s
            (cumulative fiber delays), so ``d(v_a, v_b) = |node_delay_s[b] - node_delay_s[a]|``.
    """

    cycle_time_s: tuple[float, ...]
    node_delay_s: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.cycle_time_s) < 1:
            raise ValueError("a chain needs at least one link (cycle_time_s is empty)")
        if len(self.node_delay_s) != len(self.cycle_time_s) + 1:
            raise ValueError("node_delay_s must have one entry per node (links + 1)")

    @classmethod
    def uniform(cls, n_links: int, cycle_time_s: float, hop_delay_s: float) -> ChainGeometry:
        """N equal links: each attempt takes ``cycle_time_s``, each hop ``hop_delay_s`` one way."""
        return cls(
            tuple([float(cycle_time_s)] * n_links),
            tuple(float(hop_delay_s) * k for k in range(n_links + 1)),
        )

    @property
    def n_links(self) -> int:
        return len(self.cycle_time_s)

    def delay(self, a: int, b: int) -> float:
        """One-way classical delay between nodes ``v_a`` and ``v_b``, in s."""
        return abs(self.node_delay_s[b] - self.node_delay_s[a])

    def report_delay(self, j: int) -> float:
        """Delay from node ``v_j`` to the farther end node, in s."""
        return max(self.delay(j, 0), self.delay(j, self.n_links))


@dataclass(frozen=True)
class Timeline:
    """Timeline of R realizations of an N-link chain (all times in s, arrays over realizations).

    Attributes:
        ready_s: (R, N) when each link's delivered pair was heralded.
        swap_s: (R, N-1) when node ``v_j`` (j = 1..N-1) performed its Bell-state measurement.
        delivery_s: (R,) when both end nodes hold the pair and know every swap outcome.
        left_wait_s: (R, N) how long link i's memory at ``v_{i-1}`` held its qubit after the herald.
        right_wait_s: (R, N) the same for the memory at ``v_i``.
        attempts: (R, N) attempts of each link, including attempts for discarded pairs.
        discards: (R, N) how many of each link's pairs were discarded by the cutoff.
        records: per realization, per link, the generation record of the delivered pair
            (the attempt count, or a purification record); None when not kept.
    """

    ready_s: np.ndarray
    swap_s: np.ndarray
    delivery_s: np.ndarray
    left_wait_s: np.ndarray
    right_wait_s: np.ndarray
    attempts: np.ndarray
    discards: np.ndarray
    records: list[list[Any]] | None = None

    @property
    def realizations(self) -> int:
        return int(self.delivery_s.shape[0])


def sample_attempts(p: float, size: int | tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Geometric attempt counts (support 1, 2, ...) with success probability ``p`` per attempt."""
    if not 0.0 < p <= 1.0:
        raise ValueError(
            f"heralding probability must be in (0, 1], got {p!r}: the link never succeeds; "
            "shorten the link or raise the detector efficiency"
        )
    return rng.geometric(p, size=size).astype(np.int64)


# ---------------------------------------------------------------------------------------------
# vectorized timelines (no cutoff)
# ---------------------------------------------------------------------------------------------


def _split(a: int, b: int) -> int:
    return a + (b - a + 1) // 2


def nested_tree(n_links: int) -> list[tuple[int, int, int]]:
    """The doubling tree as ``(a, m, b)`` triples (segment [a, b] split at node m), bottom-up.

    >>> nested_tree(4)
    [(0, 1, 2), (2, 3, 4), (0, 2, 4)]
    """
    out: list[tuple[int, int, int]] = []

    def rec(a: int, b: int) -> None:
        if b - a <= 1:
            return
        m = _split(a, b)
        rec(a, m)
        rec(m, b)
        out.append((a, m, b))

    rec(0, n_links)
    return out


def swap_times(ready_s: np.ndarray, geometry: ChainGeometry, strategy: str) -> np.ndarray:
    """Swap times (R, N-1) of node ``v_1..v_{N-1}`` for links ready at ``ready_s`` (R, N)."""
    check_strategy(strategy)
    r = np.asarray(ready_s, dtype=float)
    n = r.shape[1]
    if n != geometry.n_links:
        raise ValueError(f"ready_s has {n} links but the geometry has {geometry.n_links}")
    swaps = np.zeros((r.shape[0], max(n - 1, 0)))
    if n == 1:
        return swaps
    if strategy == "asap":
        return np.maximum(r[:, :-1], r[:, 1:])
    if strategy == "sequential":
        prev = r[:, 0]
        for j in range(1, n):
            hop = geometry.delay(j - 1, j) if j > 1 else 0.0
            t = np.maximum(np.maximum(prev + hop, r[:, j - 1]), r[:, j])
            swaps[:, j - 1] = t
            prev = t
        return swaps
    # nested: known_left / known_right of every segment
    known: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {
        (i, i + 1): (r[:, i], r[:, i]) for i in range(n)
    }
    for a, m, b in nested_tree(n):
        t = np.maximum(known[(a, m)][1], known[(m, b)][0])
        swaps[:, m - 1] = t
        known[(a, b)] = (t + geometry.delay(m, a), t + geometry.delay(m, b))
    return swaps


def delivery_times(ready_s: np.ndarray, swap_s: np.ndarray, geometry: ChainGeometry) -> np.ndarray:
    """``T = max_j (t_j + report delay of v_j)``; the herald time for one link."""
    n = geometry.n_links
    if n == 1:
        return np.asarray(ready_s, dtype=float)[:, 0].copy()
    report = np.array([geometry.report_delay(j) for j in range(1, n)])
    return (np.asarray(swap_s) + report[None, :]).max(axis=1)


def waits(
    ready_s: np.ndarray, swap_s: np.ndarray, delivery_s: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Storage time after the herald of each link's left and right memory (R, N) each."""
    r = np.asarray(ready_s, dtype=float)
    consume_left = np.concatenate([delivery_s[:, None], swap_s], axis=1)
    consume_right = np.concatenate([swap_s, delivery_s[:, None]], axis=1)
    left = consume_left - r
    right = consume_right - r
    if (left < -1e-12).any() or (right < -1e-12).any():
        raise RuntimeError("timeline error: a memory is consumed before its link was heralded")
    return np.maximum(left, 0.0), np.maximum(right, 0.0)


def chain_timeline(
    ready_s: np.ndarray,
    geometry: ChainGeometry,
    strategy: str,
    attempts: np.ndarray | None = None,
    records: list[list[Any]] | None = None,
) -> Timeline:
    """Timeline of realizations whose links are ready at ``ready_s`` (R, N), without cutoff."""
    r = np.asarray(ready_s, dtype=float)
    if r.ndim != 2:
        raise ValueError("ready_s must be a (realizations, links) array")
    swaps = swap_times(r, geometry, strategy)
    deliver = delivery_times(r, swaps, geometry)
    left, right = waits(r, swaps, deliver)
    att = np.zeros(r.shape, dtype=np.int64) if attempts is None else np.asarray(attempts)
    return Timeline(r, swaps, deliver, left, right, att, np.zeros(r.shape, dtype=np.int64), records)


# ---------------------------------------------------------------------------------------------
# event loop (cutoff)
# ---------------------------------------------------------------------------------------------

#: draws one fresh generation of link i started at time t: (ready_time_s, attempts, record)
Generator = Callable[[int, float], tuple[float, int, Any]]


@dataclass
class _Segment:
    a: int
    b: int
    store_left: float  # herald time of the memory at v_a (storage start)
    store_right: float
    known_left: float  # when v_a knows the segment is complete
    known_right: float
    version: int


#: most events (heralds, expiries, swaps) the cutoff event loop processes in one run, and in one
#: realization (about 0.3 s): a cutoff so short that pairs keep expiring before the classical
#: messages allow a swap never delivers, and one that delivers once in 10^5 events is unusable
MAX_CUTOFF_EVENTS = 20_000_000
MAX_REALIZATION_EVENTS = 100_000


def event_realization(
    generate: Generator, geometry: ChainGeometry, strategy: str, cutoff_s: float,
    max_events: int = MAX_CUTOFF_EVENTS,
) -> tuple[np.ndarray, np.ndarray, float, np.ndarray, np.ndarray, list[Any]]:
    """One realization with a cutoff. Returns (ready, swaps, delivery, attempts, discards, records).

    A stored pair (elementary or swapped) whose older end memory has waited ``cutoff_s`` without
    being used is discarded at that moment; its links restart attempts immediately. The delivered
    pair ``v_0 - v_N`` is never discarded. More than ``max_events`` events without a delivery
    raise ValueError (the cutoff is too short for the chain to deliver in bounded time).
    """
    check_strategy(strategy)
    check_cutoff(cutoff_s)
    loop = _CutoffLoop(generate, geometry, strategy, cutoff_s)
    delivered = loop.run(max_events)
    return loop.ready, loop.swaps, delivered, loop.attempts, loop.discards, loop.records


class _CutoffLoop:
    """The event loop of :func:`event_realization`: heralds, expiries and swaps in time order."""

    def __init__(self, generate: Generator, geometry: ChainGeometry, strategy: str,
                 cutoff_s: float) -> None:
        n = geometry.n_links
        self.generate, self.geometry, self.strategy, self.cutoff_s, self.n = (
            generate, geometry, strategy, cutoff_s, n)
        self.tree = {m: (a, b) for a, m, b in nested_tree(n)} if strategy == "nested" else {}
        self.ready = np.zeros(n)
        self.attempts = np.zeros(n, dtype=np.int64)
        self.discards = np.zeros(n, dtype=np.int64)
        self.records: list[Any] = [None] * n
        self.swaps = np.full(max(n - 1, 0), np.nan)
        self.heap: list[tuple[float, int, str, tuple]] = []
        self.quantum = min(geometry.cycle_time_s) * 2.0 ** -24
        self.counter = 0
        self.link_version = [0] * n
        self.by_left: dict[int, _Segment] = {}
        self.by_right: dict[int, _Segment] = {}
        self.next_version = 0

    def push(self, t: float, kind: str, data: tuple) -> None:
        # times are sums of cycle times, cutoffs and delays: snap them to a grid of
        # min(cycle time) / 2^24 so that instants equal on paper are equal here and the counter
        # (not float rounding) orders ties. A grid commensurate with the cycle time keeps the
        # lattice instants k tau on grid points, far from rounding midpoints (a fixed 1e-12 s
        # grid put every k 2^-13 s exactly on a midpoint, where float error split real ties)
        heapq.heappush(self.heap, (round(t / self.quantum) * self.quantum, self.counter, kind, data))
        self.counter += 1

    def start(self, i: int, t: float) -> None:
        self.link_version[i] += 1
        t_ready, k, rec = self.generate(i, t)
        self.attempts[i] += k
        self.push(t_ready, "herald", (i, self.link_version[i], rec))

    def new_version(self) -> int:
        self.next_version += 1
        return self.next_version

    def add(self, seg: _Segment, now: float) -> None:
        self.by_left[seg.a] = seg
        self.by_right[seg.b] = seg
        if not (seg.a == 0 and seg.b == self.n):
            self.push(min(seg.store_left, seg.store_right) + self.cutoff_s, "expire",
                      (seg.a, seg.version))
        for j in (seg.a, seg.b):
            if 0 < j < self.n:
                self.try_swap(j, now)

    def remove(self, seg: _Segment) -> None:
        self.by_left.pop(seg.a, None)
        self.by_right.pop(seg.b, None)

    def try_swap(self, j: int, now: float) -> None:
        left = self.by_right.get(j)
        right = self.by_left.get(j)
        if left is None or right is None:
            return
        if self.strategy == "asap":
            t = max(left.store_right, right.store_left)
        elif self.strategy == "sequential":
            if left.a != 0 or right.b != j + 1:
                return
            t = max(left.known_right, right.store_left)
        else:
            a, b = self.tree[j]
            if left.a != a or right.b != b:
                return
            t = max(left.known_right, right.known_left)
        self.push(max(t, now), "swap", (j, left.version, right.version))

    def on_herald(self, t: float, data: tuple) -> None:
        i, version, rec = data
        if version != self.link_version[i]:
            return
        self.ready[i] = t
        self.records[i] = rec
        self.add(_Segment(i, i + 1, t, t, t, t, self.new_version()), t)

    def on_expire(self, t: float, data: tuple) -> None:
        a, version = data
        seg = self.by_left.get(a)
        if seg is None or seg.version != version:
            return
        self.remove(seg)
        for i in range(seg.a, seg.b):
            self.discards[i] += 1
            self.start(i, t)
        for j in range(seg.a + 1, seg.b):
            self.swaps[j - 1] = np.nan

    def on_swap(self, t: float, data: tuple) -> None:
        j, v_left, v_right = data
        left = self.by_right.get(j)
        right = self.by_left.get(j)
        if left is None or right is None or left.version != v_left or right.version != v_right:
            return
        self.remove(left)
        self.remove(right)
        self.swaps[j - 1] = t
        delay = self.geometry.delay
        self.add(_Segment(left.a, right.b, left.store_left, right.store_right,
                          t + delay(j, left.a), t + delay(j, right.b), self.new_version()), t)

    def run(self, max_events: int = MAX_CUTOFF_EVENTS) -> float:
        """Process events until the end-to-end pair exists; return its delivery time (s)."""
        n = self.n
        for i in range(n):
            self.start(i, 0.0)
        handlers = {"herald": self.on_herald, "expire": self.on_expire, "swap": self.on_swap}
        while self.heap:
            if self.counter > max_events:
                raise ValueError(
                    f"--cutoff {self.cutoff_s:g} s: no pair delivered after {max_events:.0e} "
                    f"events ({int(self.discards.sum())} discarded pairs): the chain delivers "
                    "too rarely or never (stored pairs expire before the swaps' classical "
                    "messages arrive); raise --cutoff, shorten the links, use --strategy asap "
                    "or fewer --shots")
            t, _, kind, data = heapq.heappop(self.heap)
            handlers[kind](t, data)
            whole = self.by_left.get(0)
            if whole is not None and whole.b == n:
                if n == 1:
                    return float(self.ready[0])
                return max(self.swaps[j - 1] + self.geometry.report_delay(j) for j in range(1, n))
        raise RuntimeError("timeline event loop ended without delivering a pair")


def chain_timeline_cutoff(
    generate: Generator,
    geometry: ChainGeometry,
    strategy: str,
    cutoff_s: float,
    realizations: int,
) -> Timeline:
    """Timeline of ``realizations`` independent realizations with a cutoff (event loop each).
    Under a progress monitor a Ctrl-C stops it after a multiple of 256 realizations: inside
    :func:`~qnet_circuits.run.progress.partial_ok` the timeline holds those (fewer rows than
    asked; the caller marks its result partial), else it raises ``progress.Interrupted``."""
    n = geometry.n_links
    ready = np.zeros((realizations, n))
    swaps = np.zeros((realizations, max(n - 1, 0)))
    deliver = np.zeros(realizations)
    att = np.zeros((realizations, n), dtype=np.int64)
    disc = np.zeros((realizations, n), dtype=np.int64)
    records: list[list[Any]] = []
    budget = MAX_CUTOFF_EVENTS
    from qnet_circuits.run import progress

    done = realizations
    with progress.task(realizations, unit="timings"), progress.polling():
        for r in range(realizations):
            if r and r % 256 == 0 and progress.stop_requested():  # Ctrl-C
                if not progress.partial_allowed():
                    raise progress.Interrupted(f"after {r} of {realizations} timings")
                done = r  # the finished ones, for a caller inside partial_ok
                break
            if budget <= 0:
                raise ValueError(f"the cutoff event loop needed more than {MAX_CUTOFF_EVENTS:.0e} "
                                 f"events for {r} of {realizations} realizations; use fewer "
                                 "--shots or a longer --cutoff")
            rd, sw, dv, at, dc, rec = event_realization(
                generate, geometry, strategy, cutoff_s,
                max_events=min(budget, MAX_REALIZATION_EVENTS))
            # events pushed: a herald per link start (n, plus one per discarded link), and per
            # stored pair at most an expiry and two swap tries: at most 4 (2n + discards)
            budget -= 4 * (2 * n + int(dc.sum()))
            ready[r], swaps[r], deliver[r], att[r], disc[r] = rd, sw, dv, at, dc
            records.append(rec)
            if (r + 1) % 256 == 0 or r + 1 == realizations:
                progress.advance((r % 256) + 1)  # the realizations since the last report
    ready, swaps, deliver, att, disc = (a[:done] for a in (ready, swaps, deliver, att, disc))
    left, right = waits(ready, swaps, deliver)
    return Timeline(ready, swaps, deliver, left, right, att, disc, records)


def summarize_times(values_s: Sequence[float] | np.ndarray) -> dict[str, float]:
    """Mean, standard error, standard deviation and percentiles (50, 90, 99) of times in s."""
    v = np.asarray(values_s, dtype=float)
    if v.size == 0:
        raise ValueError("no delivery times to summarize")
    sd = float(v.std(ddof=1)) if v.size > 1 else 0.0
    return {
        "mean_s": float(v.mean()),
        "stderr_s": sd / math.sqrt(v.size),
        "std_s": sd,
        "p50_s": float(np.percentile(v, 50)),
        "p90_s": float(np.percentile(v, 90)),
        "p99_s": float(np.percentile(v, 99)),
    }

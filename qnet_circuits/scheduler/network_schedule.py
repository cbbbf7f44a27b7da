"""Many requests on one network: memory reservations, conflicts and the session schedule.

A :class:`Request` asks for entangled pairs between two nodes (optionally with a fidelity
target, a rate demand in pairs/s, an explicit path). Each delivered pair is a **session**: the
request reserves the memories of its whole path (``slots`` qubits at each end, ``2 slots`` at
every node it passes through; ``slots`` = 1, or the purification's, see
:attr:`~qnet_circuits.scheduler.ChainPlan.slots`) when its links start attempting, and
releases them when the pair is delivered (the chain's delivery time). A node with
``memories = m`` never holds more than ``m`` reserved qubits. Reserving the whole path for the
session (as reservation-based protocols do) means a waiting request holds nothing and its
pairs' fidelity is the solo chain's: contention costs time, not fidelity.

:func:`allocate` replays the sessions of every request in time: whenever memories are released
it starts, in priority order, every waiting request whose path fits; a request that does not
fit *claims* what it needs so that lower-priority requests cannot take it (no starvation).
Priorities: ``"fifo"`` (first come first served: arrival order) or ``"fair"`` (round robin:
fewest sessions started first, ties in arrival order) -- time division of the contended memories
one session per turn. The closed forms are in :mod:`qnet_circuits.physics.contention`.

>>> import numpy as np
>>> needs = [{"a": 1, "r": 2, "b": 1}, {"c": 1, "r": 2, "d": 1}]
>>> cap = {"a": 1, "b": 1, "c": 1, "d": 1, "r": 2}
>>> durations = [np.ones(3), np.ones(3)]
>>> allocate(durations, needs, cap, "fifo").completion_s.tolist()
[3.0, 6.0]
>>> allocate(durations, needs, cap, "fair").completion_s.tolist()
[5.0, 6.0]
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from qnet_circuits.network import Network
from qnet_circuits.physics.contention import POLICIES

__all__ = ["POLICIES", "Allocation", "Request", "allocate", "check_capacity", "conflict_groups",
           "memory_needs"]


@dataclass(frozen=True)
class Request:
    """Pairs wanted between ``source`` and ``destination``.

    Attributes:
        source, destination: node names (different).
        fidelity_target: the least end-to-end fidelity accepted (routing picks a path and the
            fewest DEJMPS rounds that reach it by the closed form), or None.
        rate_hz: the rate demand in pairs/s (reported as met or not), or None.
        pairs: delivered pairs wanted (>= 1), or None for the run's default.
        path: an explicit node path (no routing), or None.
    """

    source: str
    destination: str
    fidelity_target: float | None = None
    rate_hz: float | None = None
    pairs: int | None = None
    path: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        for name in ("source", "destination"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"request {name} must be a node name, got {getattr(self, name)!r}")
        if self.source == self.destination:
            raise ValueError(f"request between identical nodes {self.source!r}: pick two "
                             "different nodes")
        f = self.fidelity_target
        if f is not None and (isinstance(f, bool) or not isinstance(f, (int, float))
                              or not 0.0 < f <= 1.0):
            raise ValueError(f"request fidelity_target must be in (0, 1], got {f!r}")
        r = self.rate_hz
        if r is not None and (isinstance(r, bool) or not isinstance(r, (int, float))
                              or not (r >= 0 and math.isfinite(r))):
            raise ValueError(f"request rate_hz (demand, pairs/s) must be finite and >= 0, got {r!r}")
        if self.pairs is not None and (isinstance(self.pairs, bool) or not isinstance(
                self.pairs, int) or self.pairs < 1):
            raise ValueError(f"request pairs must be an integer >= 1, got {self.pairs!r}")
        if self.path is not None:
            path = tuple(str(x) for x in self.path)
            if len(path) < 2 or path[0] != self.source or path[-1] != self.destination:
                raise ValueError(f"request path {list(path)} must run from {self.source!r} to "
                                 f"{self.destination!r}")
            object.__setattr__(self, "path", path)

    @property
    def name(self) -> str:
        """``"<source>-<destination>"``."""
        return f"{self.source}-{self.destination}"


def memory_needs(path: Sequence[str], slots: int = 1) -> dict[str, int]:
    """Memory qubits a session on ``path`` reserves per node: ``slots`` at each end, ``2 slots``
    at each node it passes through.

    >>> memory_needs(["a", "r", "b"])
    {'a': 1, 'r': 2, 'b': 1}
    """
    needs = {name: 2 * slots for name in path[1:-1]}
    needs[path[0]] = slots
    needs[path[-1]] = slots
    return {name: needs[name] for name in path}


def check_capacity(network: Network, needs: Mapping[str, int], what: str) -> None:
    """ValueError naming the node when a single session needs more memories than it has."""
    for name, k in needs.items():
        have = network.node(name).memories
        if have < k:
            raise ValueError(f"{what}: node {name!r} has memories={have} but one session on this "
                             f"path needs {k} there; give it memories >= {k} or route elsewhere")


def conflict_groups(needs: Sequence[Mapping[str, int]], capacity: Mapping[str, int]
                    ) -> tuple[list[list[int]], list[bool]]:
    """Groups of requests that contend for memories, and whether each group is *exclusive*.

    A node is contended when the sessions of all requests through it need more memories than it
    has; requests through a contended node share a group (joined transitively). A group is
    exclusive when every two members conflict (some shared node cannot hold both sessions), so
    at most one of them runs at a time. A group of one runs alone.

    >>> cap = {"a": 1, "b": 1, "c": 1, "r": 4}
    >>> conflict_groups([{"a": 1, "r": 2}, {"b": 1, "r": 2}, {"c": 1, "r": 2}], cap)
    ([[0, 1, 2]], [False])
    """
    n = len(needs)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    users: dict[str, list[int]] = {}
    for i, nd in enumerate(needs):
        for v in nd:
            users.setdefault(v, []).append(i)
    for v, members in users.items():
        if sum(needs[i][v] for i in members) > capacity[v]:
            for i in members[1:]:
                parent[find(i)] = find(members[0])
    by_root: dict[int, list[int]] = {}
    for i in range(n):
        by_root.setdefault(find(i), []).append(i)
    groups = sorted(by_root.values())

    def conflict(i: int, j: int) -> bool:
        return any(needs[i][v] + needs[j][v] > capacity[v] for v in set(needs[i]) & set(needs[j]))

    exclusive = [all(conflict(a, b) for a in g for b in g if a < b) for g in groups]
    return groups, exclusive


@dataclass(frozen=True)
class Allocation:
    """The replayed schedule (all times in s from the common start).

    Attributes:
        start_s, end_s: per request, each session's start and delivery time.
        completion_s: per request, its last delivery.
        makespan_s: the last delivery of all.
        reserved_mean, reserved_max: per node, time-averaged reserved memory qubits over
            ``[0, makespan]`` and the most held at once.
        policy: the policy used.
    """

    start_s: tuple[np.ndarray, ...]
    end_s: tuple[np.ndarray, ...]
    completion_s: np.ndarray
    makespan_s: float
    reserved_mean: dict[str, float]
    reserved_max: dict[str, int]
    policy: str


def _priority(policy: str, started: list[int]):
    if policy == "fifo":
        return lambda i: (i,)
    return lambda i: (started[i], i)


def allocate(durations: Sequence[np.ndarray], needs: Sequence[Mapping[str, int]],
             capacity: Mapping[str, int], policy: str) -> Allocation:
    """Replay every request's sessions (``durations[i]``: its sessions' lengths in s, in order)
    on memories of ``capacity`` (qubits per node) under ``policy`` (module docstring)."""
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {', '.join(POLICIES)}, got {policy!r}")
    n = len(durations)
    if len(needs) != n:
        raise ValueError("durations and needs must have one entry per request")
    for i, nd in enumerate(needs):
        for v, k in nd.items():
            if k > capacity.get(v, 0):
                raise ValueError(f"request {i} needs {k} memories at {v!r}, which has "
                                 f"{capacity.get(v, 0)}")
    durs = [np.asarray(d, dtype=float) for d in durations]
    starts = [np.empty(d.size) for d in durs]
    free = {v: int(c) for v, c in capacity.items()}
    used = dict.fromkeys(free, 0)
    peak = dict.fromkeys(free, 0)
    started, running, heap = [0] * n, set(), []
    key = _priority(policy, started)
    t = 0.0
    while True:
        avail = dict(free)
        waiting = [i for i in range(n) if i not in running and started[i] < durs[i].size]
        for i in sorted(waiting, key=key):
            fits = all(avail[v] >= k for v, k in needs[i].items())
            for v, k in needs[i].items():
                avail[v] -= k  # taken, or claimed by a blocked request of higher priority
            if not fits:
                continue
            for v, k in needs[i].items():
                free[v] -= k
                used[v] += k
                peak[v] = max(peak[v], used[v])
            s = started[i]
            starts[i][s] = t
            started[i] += 1
            running.add(i)
            heapq.heappush(heap, (t + float(durs[i][s]), i))
        if not heap:
            break
        t, i = heapq.heappop(heap)
        finished = [i]
        while heap and heap[0][0] == t:
            finished.append(heapq.heappop(heap)[1])
        for j in finished:
            running.discard(j)
            for v, k in needs[j].items():
                free[v] += k
                used[v] -= k
    ends = [s + d for s, d in zip(starts, durs)]
    completion = np.array([float(e.max()) if e.size else 0.0 for e in ends])
    makespan = float(completion.max()) if n else 0.0
    held = dict.fromkeys(free, 0.0)
    for nd, d in zip(needs, durs):
        for v, k in nd.items():
            held[v] += k * float(d.sum())
    mean = {v: (h / makespan if makespan > 0 else 0.0) for v, h in held.items()}
    return Allocation(tuple(starts), tuple(ends), completion, makespan, mean, peak, policy)

"""The session scheduler of many requests (scheduler.network_schedule): memory needs, capacity
never exceeded, FIFO and round-robin orders, claims against starvation, conflict groups."""

from __future__ import annotations

import numpy as np
import pytest

from qnet_circuits.network import grid
from qnet_circuits.scheduler.network_schedule import (
    Request,
    allocate,
    check_capacity,
    conflict_groups,
    memory_needs,
)


def _peak_use(alloc, needs):
    """Most qubits held at once per node, recomputed from the start/end times."""
    events = []
    for starts, ends, nd in zip(alloc.start_s, alloc.end_s, needs):
        for s, e in zip(starts, ends):
            events.append((s, 1, nd))
            events.append((e, 0, nd))  # releases sort before starts at the same time
    used, peak = {}, {}
    for _, kind, nd in sorted(events, key=lambda x: (x[0], x[1])):
        for v, k in nd.items():
            used[v] = used.get(v, 0) + (k if kind else -k)
            peak[v] = max(peak.get(v, 0), used[v])
    return peak


def test_memory_needs_and_capacity_check():
    assert memory_needs(["a", "r1", "r2", "b"], 2) == {"a": 2, "r1": 4, "r2": 4, "b": 2}
    net = grid(2, 2, 10.0, memories=2)
    with pytest.raises(ValueError, match="node 'n0_1' has memories=2 .* needs 4"):
        check_capacity(net, memory_needs(["alice", "n0_1", "bob"], 2), "request alice-bob")


@pytest.mark.parametrize("policy", ["fifo", "fair"])
def test_random_requests_never_exceed_any_capacity(policy):
    rng = np.random.default_rng(5)
    nodes = [f"v{k}" for k in range(8)]
    capacity = {v: int(rng.integers(2, 5)) for v in nodes}
    needs = []
    for _ in range(7):
        path = list(rng.choice(nodes, size=int(rng.integers(2, 5)), replace=False))
        needs.append(memory_needs(path))
    durations = [rng.exponential(1.0, size=int(rng.integers(3, 12))) for _ in needs]
    alloc = allocate(durations, needs, capacity, policy)
    peak = _peak_use(alloc, needs)
    assert all(peak[v] <= capacity[v] for v in peak)
    assert alloc.reserved_max == {v: peak.get(v, 0) for v in nodes}
    for starts, ends, d in zip(alloc.start_s, alloc.end_s, durations):
        assert np.all(np.diff(starts) >= d[:-1] - 1e-12)  # one session of a request at a time
        assert ends == pytest.approx(starts + d)


def test_disjoint_requests_run_in_parallel():
    needs = [memory_needs(["a", "r", "b"]), memory_needs(["c", "s", "d"])]
    cap = dict.fromkeys("arbcsd", 2)
    d = [np.full(4, 1.0), np.full(3, 2.0)]
    for policy in ("fifo", "fair"):
        alloc = allocate(d, needs, cap, policy)
        assert alloc.completion_s.tolist() == [4.0, 6.0]
        assert alloc.reserved_mean["r"] == pytest.approx(2 * 4.0 / 6.0)
    groups, exclusive = conflict_groups(needs, cap)
    assert groups == [[0], [1]] and exclusive == [True, True]


def test_fifo_serves_in_arrival_order_and_fair_alternates():
    needs = [memory_needs(["a", "r", "b"]), memory_needs(["c", "r", "d"])]
    cap = {**dict.fromkeys("abcd", 1), "r": 2}
    d = [np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.5])]
    fifo = allocate(d, needs, cap, "fifo")
    assert fifo.start_s[1].tolist() == [6.0, 6.5]
    fair = allocate(d, needs, cap, "fair")
    assert fair.start_s[0].tolist() == [0.0, 1.5, 4.0] and fair.start_s[1].tolist() == [1.0, 3.5]


def test_a_blocked_request_claims_its_memories():
    # 0 holds y; 1 (before 2) needs x and y; 2 needs only x: 2 must not jump ahead of 1 on x
    needs = [{"y": 1, "w": 1}, {"x": 1, "y": 1}, {"x": 1, "z": 1}]
    cap = {"x": 1, "y": 1, "z": 1, "w": 1}
    d = [np.array([2.0]), np.array([1.0]), np.array([1.0])]
    alloc = allocate(d, needs, cap, "fifo")
    assert alloc.start_s[1].tolist() == [2.0] and alloc.start_s[2].tolist() == [3.0]


def test_conflict_groups_and_exclusivity():
    cap = {"a": 1, "b": 1, "c": 1, "r": 4, "s": 2}
    needs = [{"a": 1, "r": 2, "b": 1}, {"c": 1, "r": 2, "s": 2}, {"b": 1, "s": 2}]
    groups, exclusive = conflict_groups(needs, cap)
    # 0-2 share b (1 memory), 1-2 share s (2 memories), 0-1 fit together at r (4 memories)
    assert groups == [[0, 1, 2]] and exclusive == [False]
    # three through a 4-memory repeater: no two conflict, all three together do
    three = [{"a": 1, "r": 2}, {"b": 1, "r": 2}, {"c": 1, "r": 2}]
    assert conflict_groups(three, cap) == ([[0, 1, 2]], [False])
    assert conflict_groups(three[:2], cap) == ([[0], [1]], [True, True])


def test_a_request_outside_every_group_never_waits():
    rng = np.random.default_rng(2)
    nodes = [f"v{k}" for k in range(10)]
    capacity = {v: 4 for v in nodes}
    needs = [memory_needs(list(rng.choice(nodes, size=4, replace=False))) for _ in range(9)]
    durations = [rng.exponential(1.0, size=6) for _ in needs]
    for policy in ("fifo", "fair"):
        alloc = allocate(durations, needs, capacity, policy)
        groups, _ = conflict_groups(needs, capacity)
        for g in groups:
            if len(g) == 1:
                (i,) = g
                assert alloc.completion_s[i] == pytest.approx(durations[i].sum())


@pytest.mark.parametrize("kwargs,match", [
    ({"source": "a", "destination": "a"}, "identical nodes"),
    ({"source": "a", "destination": "b", "fidelity_target": 1.5}, "fidelity_target"),
    ({"source": "a", "destination": "b", "rate_hz": -1.0}, "rate_hz"),
    ({"source": "a", "destination": "b", "pairs": 0}, "pairs"),
    ({"source": "a", "destination": "b", "path": ("a", "c")}, "must run from"),
])
def test_bad_requests(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Request(**kwargs)


def test_allocate_refuses_a_session_that_can_never_fit():
    with pytest.raises(ValueError, match="needs 2 memories at 'r'"):
        allocate([np.ones(1)], [{"r": 2}], {"r": 1}, "fifo")
    with pytest.raises(ValueError, match="policy"):
        allocate([np.ones(1)], [{"r": 1}], {"r": 1}, "lifo")

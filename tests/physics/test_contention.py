"""Closed forms of requests sharing memories (physics.contention): the session time against the
existing exact forms and sampling, the FIFO / round-robin completion times against a direct
replay, Jain's index."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnet_circuits.physics import (
    exclusive_completion_s,
    exclusive_rates_hz,
    expected_path_time_s,
    jain_index,
    max_plus_delivery_time_s,
)
from qnet_circuits.physics.chain_exact import mean_delivery_time


@pytest.mark.parametrize("ps,offsets", [([0.3, 0.2, 0.5], [0.2, 0.7, 0.1]), ([0.05], [1.5]),
                                        ([0.9, 0.01], [0.0, 3.0])])
def test_equal_cycle_times_match_the_exact_chain_form(ps, offsets):
    tau = 1.0
    got = max_plus_delivery_time_s(ps, [tau] * len(ps), offsets)
    assert got == pytest.approx(mean_delivery_time(ps, offsets, tau), rel=1e-10)


def test_zero_offsets_match_the_path_time():
    ps, taus = [0.5, 0.2, 0.35], [1.0, 3.0, 0.4]
    got = max_plus_delivery_time_s(ps, taus, [0.0] * 3)
    assert got == pytest.approx(expected_path_time_s(ps, taus), rel=1e-10)


def test_unequal_cycle_times_and_offsets_against_sampling():
    rng = np.random.default_rng(11)
    ps, taus, cs = [0.3, 0.1, 0.6], [1.3, 0.7, 2.1], [0.2, 0.9, 0.0]
    n = 400_000
    t = np.max([tau * rng.geometric(p, n) + c for p, tau, c in zip(ps, taus, cs)], axis=0)
    expected = max_plus_delivery_time_s(ps, taus, cs)
    assert abs(t.mean() - expected) <= 5 * t.std() / math.sqrt(n)


def _replay(means, pairs, policy):
    """Deterministic sessions served back to back by the policy's order."""
    left, t, done = list(pairs), 0.0, [0.0] * len(pairs)
    served = [0] * len(pairs)
    while any(left):
        cand = [i for i in range(len(pairs)) if left[i]]
        i = min(cand) if policy == "fifo" else min(cand, key=lambda j: (served[j], j))
        t += means[i]
        left[i] -= 1
        served[i] += 1
        done[i] = t
    return done


@pytest.mark.parametrize("policy", ["fifo", "fair"])
@pytest.mark.parametrize("means,pairs", [([1.0, 2.0], [5, 5]), ([0.5, 1.0, 0.3], [4, 7, 2]),
                                         ([1.0], [3]), ([2.0, 1.0, 1.0, 3.0], [1, 6, 6, 2])])
def test_completion_times_equal_a_direct_replay(policy, means, pairs):
    assert exclusive_completion_s(means, pairs, policy) == pytest.approx(
        _replay(means, pairs, policy))


def test_time_division_shares_and_work_conservation():
    solo, n = 0.01, 1000
    fair = exclusive_rates_hz([solo, solo], [n, n], "fair")
    fifo = exclusive_rates_hz([solo, solo], [n, n], "fifo")
    assert fair == pytest.approx([0.5 / solo, 0.5 / solo], rel=2e-3)  # half the solo rate each
    assert fifo == pytest.approx([1 / solo, 0.5 / solo])  # the first gets it all, then the second
    for policy in ("fifo", "fair"):  # the group's total over its makespan does not depend on it
        done = exclusive_completion_s([solo, 2 * solo], [n, n], policy)
        assert 2 * n / max(done) == pytest.approx(2 / (3 * solo))


def test_jain_index():
    assert jain_index([3.0, 3.0, 3.0]) == pytest.approx(1.0)
    assert jain_index([1.0, 0.0, 0.0, 0.0]) == pytest.approx(0.25)
    assert jain_index([1.0, 0.5]) == pytest.approx(0.9)
    with pytest.raises(ValueError, match="rates"):
        jain_index([-1.0])


@pytest.mark.parametrize("call", [
    lambda: max_plus_delivery_time_s([0.0], [1.0], [0.0]),
    lambda: max_plus_delivery_time_s([0.5], [0.0], [0.0]),
    lambda: max_plus_delivery_time_s([0.5], [1.0], [-1.0]),
    lambda: exclusive_completion_s([1.0], [1], "lifo"),
    lambda: exclusive_completion_s([1.0], [0], "fifo"),
])
def test_bad_input(call):
    with pytest.raises(ValueError):
        call()

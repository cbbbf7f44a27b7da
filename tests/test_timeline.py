"""Timelines: delivery times against section 10, message delays, cutoffs (the dilated T1/T2
channel of templates: tests/test_noise.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnet_circuits import physics
from qnet_circuits.network import Detector, Fiber, Link, Memory, Network, Node
from qnet_circuits.scheduler import ChainPlan, link_models, sample_timeline
from qnet_circuits.timeline import (
    ChainGeometry,
    chain_timeline,
    chain_timeline_cutoff,
    event_realization,
    nested_tree,
)


def zero_length_chain(n: int, p: float, tau: float = 1e-3, t2: float = math.inf) -> Network:
    """N links of length 0 with double-click detectors tuned to heralding probability p = eta^2/2
    and cycle time tau (preparation time): no herald wait, no message delay (section 10 model)."""
    names = ["alice", *[f"r{i}" for i in range(1, n)], "bob"]
    eff = math.sqrt(2 * p)
    mem = Memory(math.inf, t2)
    nodes = tuple(Node(nm, "end" if k in (0, n) else "repeater", mem) for k, nm in enumerate(names))
    links = tuple(
        Link(names[k], names[k + 1], Fiber(0.0), "double-click", detector=Detector(eff),
             preparation_time_s=tau)
        for k in range(n)
    )
    return Network(nodes, links)


def mean_within(values: np.ndarray, expected: float, k: float = 4.0) -> tuple[bool, float, float]:
    mean = float(values.mean())
    se = float(values.std(ddof=1)) / math.sqrt(values.size)
    return abs(mean - expected) <= k * se, mean, se


@pytest.mark.parametrize("p", [0.5, 0.1, 0.01])
def test_two_link_delivery_time(p):
    """E[T] = tau (3 - 2p) / (p (2 - p)) for two links swapped when both are ready."""
    net = zero_length_chain(2, p)
    models = link_models(net, ["alice", "r1", "bob"], ChainPlan())
    assert models[0].p == pytest.approx(p)
    tl = sample_timeline(models, ChainPlan(strategy="asap"), 40000, np.random.default_rng(11))
    expected = 1e-3 * (3 - 2 * p) / (p * (2 - p))
    assert expected == pytest.approx(1e-3 * physics.two_link_expected_time(p))
    ok, mean, se = mean_within(tl.delivery_s, expected)
    assert ok, (mean, expected, se)
    # the early link's two memories wait |N1 - N2| attempts (section 10)
    early = np.minimum(tl.left_wait_s[:, 0] + tl.right_wait_s[:, 0],
                       tl.left_wait_s[:, 1] + tl.right_wait_s[:, 1])
    assert early.max() == 0.0
    ok, mean, se = mean_within(tl.right_wait_s[:, 0] + tl.left_wait_s[:, 1],
                               1e-3 * physics.two_link_mean_abs_difference(p))
    assert ok, (mean, se)


@pytest.mark.parametrize("n", [4, 8])
@pytest.mark.parametrize("strategy", ["sequential", "nested", "asap"])
def test_delivery_time_max_of_geometric(n, strategy):
    """Without message delays every strategy delivers at the max of N geometric counts."""
    p = 0.1
    net = zero_length_chain(n, p)
    models = link_models(net, [nd.name for nd in net.nodes], ChainPlan())
    tl = sample_timeline(models, ChainPlan(strategy=strategy), 30000, np.random.default_rng(5 + n))
    ok, mean, se = mean_within(tl.delivery_s / 1e-3, physics.expected_max_geometric(n, p))
    assert ok, (mean, se)
    assert physics.expected_max_geometric(n, p) == pytest.approx({4: 20.2734, 8: 26.2958}[n], abs=1e-4)


def test_message_delays_order_strategies():
    """With fiber delays, sequential waits for each swap message: it is never faster than asap."""
    g = ChainGeometry.uniform(4, cycle_time_s=1.0, hop_delay_s=0.3)
    ready = np.random.default_rng(2).geometric(0.3, size=(2000, 4)).astype(float)
    asap = chain_timeline(ready, g, "asap")
    seq = chain_timeline(ready, g, "sequential")
    nest = chain_timeline(ready, g, "nested")
    assert (seq.delivery_s >= asap.delivery_s - 1e-12).all()
    assert (nest.delivery_s >= asap.delivery_s - 1e-12).all()
    # hand check of one realization: links ready at 1, 4, 2, 3; hop 0.3
    one = chain_timeline(np.array([[1.0, 4.0, 2.0, 3.0]]), g, "sequential")
    assert one.swap_s.tolist() == [[4.0, 4.3, 4.6]]
    assert one.delivery_s[0] == pytest.approx(4.6 + 0.9)  # r3 to alice is 3 hops
    nested = chain_timeline(np.array([[1.0, 4.0, 2.0, 3.0]]), g, "nested")
    assert nested.swap_s.tolist() == [[4.0, 4.3, 3.0]]  # r2 hears r1 at 4.3 and r3 at 3.3
    assert nested_tree(3) == [(0, 1, 2), (0, 2, 3)]


@pytest.mark.parametrize("strategy", ["sequential", "nested", "asap"])
def test_event_loop_without_effective_cutoff_equals_vectorized(strategy):
    g = ChainGeometry.uniform(5, cycle_time_s=1.0, hop_delay_s=0.2)
    rng = np.random.default_rng(9)
    ready = rng.geometric(0.2, size=(50, 5)).astype(float)
    vec = chain_timeline(ready, g, strategy)
    for r in range(50):
        rd, sw, dv, *_ = event_realization(lambda i, t, r=r: (t + ready[r, i], 1, None), g, strategy, 1e9)
        assert np.allclose(rd, ready[r])
        assert np.allclose(sw, vec.swap_s[r])
        assert dv == pytest.approx(vec.delivery_s[r])


@pytest.mark.parametrize("strategy", ["sequential", "nested", "asap"])
def test_cutoff_bounds_storage(strategy):
    """With a cutoff no repeater memory waits longer than it; discarded links are regenerated."""
    g = ChainGeometry.uniform(4, cycle_time_s=1.0, hop_delay_s=0.1)
    rng = np.random.default_rng(3)

    def generate(i, t):
        k = int(rng.geometric(0.2))
        return t + k, k, k

    cutoff = 4.0
    tl = chain_timeline_cutoff(generate, g, strategy, cutoff, 400)
    assert tl.discards.sum() > 0
    assert (tl.left_wait_s[:, 1:] <= cutoff + 1e-9).all()
    assert (tl.right_wait_s[:, :-1] <= cutoff + 1e-9).all()
    end_bound = cutoff + max(g.report_delay(j) for j in range(1, 4)) + 1e-9
    assert (tl.left_wait_s[:, 0] <= end_bound).all() and (tl.right_wait_s[:, -1] <= end_bound).all()
    assert (tl.attempts >= np.array([[r[i] for i in range(4)] for r in tl.records])).all()


@pytest.mark.parametrize("tau", [2.0**-13, 1e-4, 3.7e-5])
def test_cutoff_event_loop_is_scale_invariant(tau):
    """The same chain in cycles gives the same delivery times (same seed) whatever the cycle time:
    ties (a wait of exactly the cutoff, a herald at a swap's instant) must stay ties. A fixed
    1e-12 s rounding grid split them for tau = 2^-13 s (every k tau a rounding midpoint): the
    5-link sequential mean came out 9.656 cycles against 9.938 at tau = 1."""
    from qnet_circuits.timeline import chain_timeline_cutoff

    def run(scale):
        rng = np.random.default_rng(5)

        def gen(i, t):
            k = int(rng.geometric(0.5))
            return t + k * scale, k, k

        g = ChainGeometry.uniform(5, scale, 0.5 * scale)
        return chain_timeline_cutoff(gen, g, "sequential", 4 * scale, 600).delivery_s / scale

    np.testing.assert_allclose(run(tau), run(1.0), rtol=1e-9)

"""Exact mean delivery time (classical messages included) against the sampled scheduler."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnet_circuits import physics
from qnet_circuits.network import chain
from qnet_circuits.physics.chain_exact import mean_delivery_time
from qnet_circuits.protocols.chain.theory import classical_offsets
from qnet_circuits.scheduler import ChainPlan, link_models, sample_timeline
from qnet_circuits.scheduler.sample import geometry_of

K = 5.0  # standard errors


def test_two_links_known_value():
    for p in (0.05, 0.3, 0.9, 1.0):
        assert mean_delivery_time([p, p], [0.0, 0.0], 1.0) == pytest.approx((3 - 2 * p) / (p * (2 - p)),
                                                                           rel=1e-12)


@pytest.mark.parametrize("n", [1, 2, 4, 8, 12])
def test_zero_offsets_is_expected_max(n):
    for p in (0.01, 0.2, 0.7):
        got = mean_delivery_time([p] * n, [0.0] * n, 2.0)
        assert got == pytest.approx(2.0 * physics.expected_max_geometric(n, p), rel=1e-10)


def test_against_direct_sum_with_offsets():
    # direct evaluation of int P(T > t) dt on the jump grid
    ps, c, tau = np.array([0.3, 0.5, 0.2]), np.array([0.7, 2.3, 0.0]), 1.0
    ks = np.arange(0, 400)
    pts = np.unique(np.concatenate([c_i + tau * ks for c_i in c]))
    k = np.maximum(0, np.floor((pts[:, None] - c[None, :]) / tau + 1e-12))
    surv = 1 - np.prod(1 - (1 - ps[None, :]) ** k, axis=1)
    direct = pts[0] + float(np.sum(surv[:-1] * np.diff(pts)))
    assert mean_delivery_time(ps, c, tau) == pytest.approx(direct, rel=1e-10)


@pytest.mark.parametrize("strategy", ["sequential", "nested", "asap"])
@pytest.mark.parametrize("n", [2, 3, 5, 8])
@pytest.mark.parametrize("seed", [1, 2])
def test_sampled_delivery_agrees(strategy, n, seed):
    net = chain(n, 20.0)
    path = [nd.name for nd in net.nodes]
    plan = ChainPlan(strategy=strategy)
    models = link_models(net, path, plan)
    r = 40_000
    tl = sample_timeline(models, plan, r, np.random.default_rng(seed))
    exact = mean_delivery_time([m.p for m in models], classical_offsets(geometry_of(models), strategy),
                               models[0].cycle_time_s)
    no_msgs = models[0].cycle_time_s * physics.expected_max_geometric(n, models[0].p)
    mean, se = float(tl.delivery_s.mean()), float(tl.delivery_s.std(ddof=1)) / math.sqrt(r)
    assert abs(mean - exact) < K * se, (mean, exact, se)
    assert exact > no_msgs  # the messages take time (the old closed form missed them)

"""The chain's closed forms for links with unequal cycle times and no cutoff (issue 13 item 6):
``theory`` always has the fidelity with memory T1/T2 and the delivery-time law (mean, p50, p90),
and they agree with the scheduler's sampled timeline (2 to 4 links, every strategy, several
seeds, K standard errors) and with the simulated circuits."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from qnet_circuits.network import chain
from qnet_circuits.physics.chain_expected import chain_fidelity_from_waits, swap_noise_factors
from qnet_circuits.protocols.chain import simulate
from qnet_circuits.protocols.chain.theory import expected_fidelity, stored_link_correlations
from qnet_circuits.scheduler import ChainPlan, link_models, sample_timeline

K = 5.0  # tolerance in standard errors


def _net(lengths_km, **kw):
    """A chain whose links have the given lengths (so their own cycle times)."""
    base = chain(len(lengths_km), 20.0, **kw)
    links = tuple(dataclasses.replace(lk, fiber=dataclasses.replace(lk.fiber, length_km=float(x)))
                  for lk, x in zip(base.links, lengths_km))
    return dataclasses.replace(base, links=links)


@pytest.mark.parametrize("lengths,strategy,seed", [
    ((20, 40), "sequential", 11),                        # two links, 1 : 2
    ((20, 20 * math.sqrt(2)), "asap", 2027),             # incommensurate cycle times
    ((20, 40, 20), "sequential", 303),
    ((20, 40, 20), "asap", 4444),
    ((15, 25, 35), "nested", 5),
    ((10, 25, 15, 30), "nested", 6060),
    ((10, 25, 15, 30), "asap", 77),
    ((30, 20, 20 * math.sqrt(3), 10), "sequential", 818),
])
def test_theory_matches_the_sampled_timeline(lengths, strategy, seed):
    th, _ = _timeline_check(_net(lengths, t1_s=4e-3, t2_s=2e-3, gate_error=0.01), strategy, seed)
    assert th["fidelity_method"] == "exact" and th["delivery_time_method"] == "exact"


def _timeline_check(net, strategy, seed, realizations=4000):
    """The theory against the sampled timeline: E[F] (within K sigma plus any block-approximation
    error), the mean delivery time and its p50 / p90."""
    path = [nd.name for nd in net.nodes]
    plan = ChainPlan(strategy=strategy, link_fidelity=0.97)
    models = link_models(net, path, plan)
    assert len({m.cycle_time_s for m in models}) > 1
    th = expected_fidelity(models, plan, net.nodes, None)
    tl = sample_timeline(models, plan, realizations, np.random.default_rng(seed))
    nodes = list(net.nodes)
    corr = [stored_link_correlations(m, nodes[i], nodes[i + 1]) for i, m in enumerate(models)]
    factors = [swap_noise_factors(nd.gate_error, nd.readout_error) for nd in nodes[1:-1]]
    t1, t2 = [nd.memory.t1_s for nd in nodes], [nd.memory.t2_s for nd in nodes]
    f = np.array([chain_fidelity_from_waits(corr, tl.left_wait_s[r], tl.right_wait_s[r], t1, t2,
                                            factors) for r in range(realizations)])
    t = tl.delivery_s
    slack = th.get("fidelity_approx_error", 0.0)
    assert abs(f.mean() - th["fidelity_expected"]) < K * f.std(ddof=1) / math.sqrt(f.size) + slack
    assert abs(t.mean() - th["mean_delivery_time_s"]) < K * t.std(ddof=1) / math.sqrt(t.size)
    for q, key in ((0.5, "delivery_time_p50_s"), (0.9, "delivery_time_p90_s")):
        spread = K * math.sqrt(q * (1 - q) / t.size)
        lo, hi = np.quantile(t, [q - spread, q + spread], method="inverted_cdf")
        assert lo - 1e-12 <= th[key] <= hi + 1e-12
    return th, f


@pytest.mark.parametrize("strategy,seed", [("asap", 8), ("sequential", 515)])
def test_theory_matches_the_simulated_circuits(strategy, seed):
    """Links of 20, 40 and 20 km (cycle times 1 : 2 : 1), no cutoff: circuits on Aer."""
    net = _net((20, 40, 20), t1_s=4e-3, t2_s=2e-3)
    res = simulate(net, ChainPlan(strategy=strategy, link_fidelity=0.97), realizations=1500,
                   seed=seed)
    th = res.theory
    assert len(set(th["cycle_time_s"])) == 2
    assert th["fidelity_method"] == "exact" and th["fidelity"] == th["fidelity_expected"]
    assert "fidelity_note" not in th
    assert abs(res.fidelity.value - th["fidelity"]) <= K * res.fidelity.stderr
    d = res.delivery
    assert abs(d["mean_s"] - th["mean_delivery_time_s"]) <= K * d["stderr_s"]
    assert th["fidelity_ideal_memories"] - th["fidelity"] > 2 * K * res.fidelity.stderr


def test_beyond_the_exact_limit_blocks_of_attempts():
    """Four long links (p ~ 0.03 to 0.1), asap: beyond the exact work limit, blocks of attempts
    with an error estimate; still within statistics of the sampled timeline."""
    th, f = _timeline_check(_net((60, 80, 70, 90), t1_s=0.05, t2_s=0.02), "asap", 919)
    assert th["fidelity_method"] == "approx" and th["fidelity_block_attempts"] > 1
    assert 0 < th["fidelity_approx_error"] < 0.2 * f.std(ddof=1) / math.sqrt(f.size) * K
    assert th["delivery_time_method"] == "exact"


def test_a_fiber_plus_satellite_chain_has_every_closed_form(tmp_path):
    """25 km of fiber beside a satellite edge (p ~ 7e-7, 4.6 ms cycles): blocks of attempts for
    E[F], the delivery law from the satellite's geometric tail, both against the sampled timeline."""
    from qnet_circuits.network import io

    f = tmp_path / "mixed.yaml"
    f.write_text("nodes: {alice: {role: end}, r1: {role: repeater, memories: 2}, bob: {role: end}}\n"
                 "links:\n  - {a: alice, b: r1, length_km: 25}\n"
                 "  - {a: r1, b: bob, channel: free_space, altitude_km: 600, elevation_deg: 60,\n"
                 "     receiver_aperture_m: 1.8}\n")
    net = io.load(f)
    nodes = tuple(dataclasses.replace(nd, memory=dataclasses.replace(nd.memory, t1_s=2e4,
                                                                     t2_s=5e3))
                  for nd in net.nodes)
    th, _ = _timeline_check(dataclasses.replace(net, nodes=nodes), "sequential", 31337)
    assert th["fidelity_method"] == "approx" and th["fidelity_approx_error"] < 1e-3
    assert th["delivery_time_method"] == "exact" and th["mean_delivery_time_s"] > 1e3

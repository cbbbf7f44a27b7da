"""The chain's closed forms with a cutoff on 2 to 5 links (issue 13 item 6): fidelity with memory
T1/T2, mean delivery time and its quantiles, from the Markov chain of the event loop, against the
scheduler's sampled timeline (several seeds, K standard errors) and the simulated circuits."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnet_circuits.network import chain
from qnet_circuits.physics.chain_delivery import delivery_quantile
from qnet_circuits.physics.chain_expected import chain_fidelity_from_waits, swap_noise_factors
from qnet_circuits.protocols.chain import simulate
from qnet_circuits.protocols.chain.theory import expected_fidelity, stored_link_correlations
from qnet_circuits.scheduler import ChainPlan, link_models, sample_timeline

K = 5.0  # tolerance in standard errors
TAU = 2.0**-13  # dyadic cycle time (s): herald times, cutoffs and delays exact in floating point


def _tau(net, plan):
    path = [nd.name for nd in net.nodes]
    return link_models(net, path, ChainPlan())[0].cycle_time_s


def _timeline_check(n, strategy, cycles, seed, realizations=3000):
    net = chain(n, 20.0, t1_s=4e-3, t2_s=2e-3, gate_error=0.01)
    path = [nd.name for nd in net.nodes]
    tau = _tau(net, None)
    plan = ChainPlan(strategy=strategy, link_fidelity=0.97, cutoff_s=cycles * tau)
    models = link_models(net, path, plan)
    th = expected_fidelity(models, plan, net.nodes, None)
    assert th["fidelity_method"] == "exact"
    tl = sample_timeline(models, plan, realizations, np.random.default_rng(seed))
    nodes = list(net.nodes)
    corr = [stored_link_correlations(m, nodes[i], nodes[i + 1]) for i, m in enumerate(models)]
    factors = [swap_noise_factors(nd.gate_error, nd.readout_error) for nd in nodes[1:-1]]
    t1 = [nd.memory.t1_s for nd in nodes]
    t2 = [nd.memory.t2_s for nd in nodes]
    f = np.array([chain_fidelity_from_waits(corr, tl.left_wait_s[r], tl.right_wait_s[r], t1, t2,
                                            factors) for r in range(realizations)])
    t = tl.delivery_s
    what = f"{n} links {strategy} cutoff {cycles} tau seed {seed}"
    assert abs(f.mean() - th["fidelity_expected"]) < K * f.std(ddof=1) / math.sqrt(f.size), what
    assert abs(t.mean() - th["mean_delivery_time_s"]) < K * t.std(ddof=1) / math.sqrt(t.size), what
    return th, t


@pytest.mark.parametrize("n,strategy,cycles,seed", [
    (2, "asap", 3, 101), (2, "sequential", 5, 20202),
    (3, "asap", 4, 7), (3, "sequential", 6, 3333), (3, "nested", 4, 424242),
    (4, "asap", 4, 99), (4, "nested", 6, 8080),
])
def test_cutoff_theory_matches_the_sampled_timeline(n, strategy, cycles, seed):
    th, t = _timeline_check(n, strategy, cycles, seed)
    # quantiles: the sample's inverted-cdf quantile lies where the pmf's cdf crosses q, within
    # the binomial spread of the crossing (K standard errors of the empirical cdf)
    for q, key in ((0.5, "delivery_time_p50_s"), (0.9, "delivery_time_p90_s")):
        spread = K * math.sqrt(q * (1 - q) / t.size)
        lo, hi = np.quantile(t, [max(q - spread, 0.0), min(q + spread, 1.0)], method="inverted_cdf")
        assert lo - 1e-12 <= th[key] <= hi + 1e-12


@pytest.mark.slow  # about 13 s at load 4 on 2 cores
def test_nested_four_links_cutoff_ten_cycles_is_exact():
    """Out of the exact reach before the moment axes were kept for merged segments only (the
    block approximation gave 0.4956 +- 0.071 at p = 0.5); now exact, against the timeline."""
    _timeline_check(4, "nested", 10, 31337)


@pytest.mark.slow
@pytest.mark.parametrize("n,strategy,cycles,seed", [
    (4, "sequential", 8, 5), (5, "asap", 4, 61), (5, "nested", 4, 1717), (3, "asap", 4, 90001),
])
def test_cutoff_theory_matches_the_sampled_timeline_long(n, strategy, cycles, seed):
    _timeline_check(n, strategy, cycles, seed, realizations=6000)


@pytest.mark.parametrize("strategy,seed", [("asap", 31), ("nested", 4747)])
def test_cutoff_theory_matches_the_simulated_circuits(strategy, seed):
    net = chain(3, 20.0, t1_s=4e-3, t2_s=2e-3)
    tau = _tau(net, None)
    res = simulate(net, ChainPlan(strategy=strategy, link_fidelity=0.97, cutoff_s=4 * tau),
                   realizations=1500, seed=seed)
    th = res.theory
    assert th["fidelity_method"] == "exact" and th["fidelity"] == th["fidelity_expected"]
    assert abs(res.fidelity.value - th["fidelity"]) <= K * res.fidelity.stderr
    d = res.delivery
    assert abs(d["mean_s"] - th["mean_delivery_time_s"]) <= K * d["stderr_s"]
    ideal = th["fidelity_ideal_memories"]
    assert abs(ideal - th["fidelity"]) > 2 * K * res.fidelity.stderr  # the memories matter


def test_quantile_helper_on_a_point_mass():
    assert delivery_quantile([2.0, 3.0], [0.0, 1.0], 0.5) == 3.0


@pytest.mark.parametrize("scheme,cutoff_cycles,seed", [("double-click", None, 17),
                                                       ("single-click", 4, 2600)])
def test_photonic_links_with_memories_beyond_two_links(scheme, cutoff_cycles, seed):
    """Photonic attempts (circuit runs) on 3 links with T1/T2: the same closed forms apply."""
    net = chain(3, 10.0, scheme=scheme, t1_s=3e-3, t2_s=1.5e-3)
    tau = _tau(net, None)
    cutoff = None if cutoff_cycles is None else cutoff_cycles * tau
    res = simulate(net, ChainPlan(strategy="asap", link_level="photonic", cutoff_s=cutoff),
                   realizations=1200, seed=seed)
    th = res.theory
    assert th["fidelity_method"] == "exact"
    assert abs(res.fidelity.value - th["fidelity"]) <= K * res.fidelity.stderr
    d = res.delivery
    assert abs(d["mean_s"] - th["mean_delivery_time_s"]) <= K * d["stderr_s"]
    assert th["fidelity_ideal_memories"] - th["fidelity"] > 2 * K * res.fidelity.stderr


@pytest.mark.parametrize("strategy,cutoff_cycles,seed", [("asap", 6, 8), ("sequential", 8, 515)])
def test_unequal_cycle_times(strategy, cutoff_cycles, seed):
    """Links of 20, 40 and 20 km (cycle times 1 : 2 : 1): the Markov chain on a common grid."""
    import dataclasses

    base = chain(3, 20.0, t1_s=4e-3, t2_s=2e-3)
    links = list(base.links)
    links[1] = dataclasses.replace(links[1], fiber=dataclasses.replace(links[1].fiber,
                                                                       length_km=40.0))
    net = dataclasses.replace(base, links=tuple(links))
    tau = _tau(base, None)
    cutoff = None if cutoff_cycles is None else cutoff_cycles * tau
    res = simulate(net, ChainPlan(strategy=strategy, link_fidelity=0.97, cutoff_s=cutoff),
                   realizations=1500, seed=seed)
    th = res.theory
    assert len(set(th["cycle_time_s"])) == 2
    assert th["fidelity_method"] == "exact"
    assert abs(res.fidelity.value - th["fidelity"]) <= K * res.fidelity.stderr
    d = res.delivery
    assert abs(d["mean_s"] - th["mean_delivery_time_s"]) <= K * d["stderr_s"]
    assert th["fidelity_ideal_memories"] - th["fidelity"] > 2 * K * res.fidelity.stderr

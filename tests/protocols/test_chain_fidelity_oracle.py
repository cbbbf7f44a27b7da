"""The chain's closed-form fidelity with decohering memories (theory ``fidelity_expected``,
physics.chain_expected) against the simulated circuits: exactly per realization (Aer density
matrix, short chains), and within K standard errors of the parity estimate for 2, 3, 5 and 8 links
with every strategy, T1/T2, noisy swaps, and a cutoff (two links), several seeds."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnet_circuits.network import chain
from qnet_circuits.physics.chain_expected import chain_fidelity_from_waits, swap_noise_factors
from qnet_circuits.protocols.chain import simulate
from qnet_circuits.protocols.chain.theory import stored_link_correlations
from qnet_circuits.scheduler import ChainPlan, link_models

K = 5.0  # tolerance in standard errors


def check(res, what):
    th = res.theory
    assert th["fidelity_method"] == "exact", what
    assert th["fidelity"] == th["fidelity_expected"], what
    est = res.fidelity
    assert est.stderr > 0, what
    assert abs(est.value - th["fidelity"]) <= K * est.stderr, (
        f"{what}: {est.value:.5f} +- {est.stderr:.5f} vs {th['fidelity']:.5f} "
        f"({est.sigmas_from(th['fidelity']):.1f} sigma)")
    # the test can fail: decoherence moves the fidelity many standard errors from ideal memories
    ideal = th.get("fidelity_ideal_memories")
    if ideal is not None:
        assert abs(ideal - th["fidelity"]) > 2 * K * est.stderr, what


@pytest.mark.parametrize("strategy,n,kw", [
    ("asap", 3, {"scheme": "single-click"}),
    ("nested", 4, {"gate_error": 0.02}),
    ("sequential", 3, {"scheme": "single-click", "t1_s": 1e-3}),
])
def test_per_realization_fidelity_equals_the_density_matrix(strategy, n, kw):
    kw = {"t1_s": 2e-3, "t2_s": 1.5e-3, **kw}
    net = chain(n, 20.0, **kw)
    plan = ChainPlan(strategy=strategy)
    res = simulate(net, plan, realizations=32, seed=5, estimator="density_matrix")
    tl = res.timeline
    by = {nd.name: nd for nd in net.nodes}
    nodes = [by[x] for x in res.path]
    models = link_models(net, list(res.path), plan)
    corr = [stored_link_correlations(m, nodes[i], nodes[i + 1]) for i, m in enumerate(models)]
    factors = [swap_noise_factors(nd.gate_error, nd.readout_error) for nd in nodes[1:-1]]
    t1 = [nd.memory.t1_s for nd in nodes]
    t2 = [nd.memory.t2_s for nd in nodes]
    f = [chain_fidelity_from_waits(corr, tl.left_wait_s[r], tl.right_wait_s[r], t1, t2, factors)
         for r in range(tl.realizations)]
    np.testing.assert_allclose(f, res.fidelity_per_realization, atol=1e-9)
    assert np.ptp(f) > 0.05  # the waits matter


@pytest.mark.parametrize("seed", [11, 2024])
def test_single_click_links_with_amplitude_damping_and_readout_error(seed):
    net = chain(3, 20.0, scheme="single-click", t1_s=1.5e-3, t2_s=1.5e-3, readout_error=0.02)
    res = simulate(net, ChainPlan(strategy="asap"), realizations=1800, seed=seed)
    check(res, f"single-click seed {seed}")


@pytest.mark.parametrize("strategy,cycles,seed", [("sequential", 1, 7), ("nested", 2, 3001),
                                                 ("asap", 3, 90210)])
def test_two_links_with_cutoff(strategy, cycles, seed):
    # a dyadic cycle time (2^-13 s) makes herald times and cutoff exact multiples in floating
    # point, so a pair whose wait reaches the cutoff is discarded (the event loop's tie rule)
    net = chain(2, 25.0, speed_km_per_s=204800.0, t1_s=4e-3, t2_s=2e-3)
    tau = net.links[0].cycle_time_s
    assert tau == 2.0**-13
    res = simulate(net, ChainPlan(strategy=strategy, link_fidelity=0.97, cutoff_s=cycles * tau),
                   realizations=1800, seed=seed)
    assert res.timeline.discards.sum() > 100
    check(res, f"cutoff {strategy} seed {seed}")
    no_cut = simulate(net, ChainPlan(strategy=strategy, link_fidelity=0.97), realizations=3,
                      seed=seed).theory["fidelity"]
    assert res.theory["fidelity"] - no_cut > K * res.fidelity.stderr  # the cutoff matters


def test_long_chain_prints_a_closed_form_fidelity():
    from qnet_circuits.protocols.chain import ChainParams, run

    res = run(ChainParams(links=8, t1_s=1.0, t2_s=1.0), shots=300, seed=1)
    th = res.theory
    assert th["fidelity_method"] == "exact" and 0.25 <= th["fidelity"] <= 1.0
    assert th["fidelity"] < th["fidelity_ideal_memories"]
    assert not math.isnan(th["fidelity"])


def test_deterministic_timing_uses_the_one_realization():
    net = chain(4, 20.0, t1_s=3e-3, t2_s=2e-3)
    res = simulate(net, ChainPlan(strategy="nested", timing="deterministic", link_fidelity=0.98),
                   realizations=3000, seed=44)
    check(res, "deterministic nested")

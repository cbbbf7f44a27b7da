"""The entanglement switch: simulated capacity against the closed forms for 3 to 6 users, with
and without decoherence (continuous and slotted), per-pair rates, request-driven demand under
every policy, the delivered pairs' waits and fidelity, the swap circuit exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnet_circuits import physics
from qnet_circuits.protocols import switch
from qnet_circuits.protocols.switch.params import fidelity_of_waits

K = 5          # standard errors: batch means over 20 windows


def _batch_mean(values: np.ndarray, batches: int = 20) -> tuple[float, float]:
    parts = np.array_split(values, batches)
    means = np.array([p.mean() for p in parts])
    return float(values.mean()), float(means.std(ddof=1) / math.sqrt(batches))


@pytest.mark.parametrize(("buffer", "alpha_hz"), [(math.inf, 0.0), (2, 0.0), (math.inf, 60.0),
                                                  (3, 80.0)])
def test_capacity_against_users_matches_the_ctmc(buffer, alpha_hz):
    rows = switch.capacity_curve([3, 4, 5, 6], seed=11, mu_hz=100.0, q=0.8, buffer=buffer,
                                 alpha_hz=alpha_hz, swaps=15_000)
    for row in rows:
        k = row["users"]
        assert abs(row["capacity_hz"] - row["theory_capacity_hz"]) < K * row["stderr"], row
        if alpha_hz == 0 and math.isinf(buffer):
            assert row["theory_capacity_hz"] == pytest.approx(0.8 * k * 100 / 2, rel=1e-10)
    # decoherence costs capacity, and the curve grows with the number of users
    caps = [r["theory_capacity_hz"] for r in rows]
    assert caps == sorted(caps)
    for r in rows:           # decoherence costs capacity, visibly beyond the statistics
        lossless = physics.switch_capacity(r["users"], 100.0, 0.8, buffer=buffer)
        if alpha_hz > 0:
            assert lossless - r["theory_capacity_hz"] > K * r["stderr"], r


@pytest.mark.parametrize("alpha_hz", [0.0, 200.0])
def test_slotted_capacity_against_users(alpha_hz):
    rows = switch.capacity_curve([3, 4, 5, 6], seed=12, p=0.2, slot_s=1e-3, q=0.9, buffer=2,
                                 alpha_hz=alpha_hz, swaps=15_000)
    for row in rows:
        assert abs(row["capacity_hz"] - row["theory_capacity_hz"]) < K * row["stderr"], row
        lossless = physics.slotted_capacity(row["users"], 0.2, 0.9, buffer=2)["capacity"] / 1e-3
        if alpha_hz > 0:     # the losses are visible: this test tells the two apart
            assert lossless - row["theory_capacity_hz"] > K * row["stderr"]


def test_unequal_links_pair_rates_match_the_product_form():
    params = switch.SwitchParams(users=4, mu_hz=(50.0, 100.0, 150.0, 80.0), buffer=3,
                                 alpha_hz=10.0, q=0.7, swaps=30_000)
    trace = switch.simulate(params, np.random.default_rng(5))
    th = switch.theory(params)
    for pair in params.pairs:
        name = params.pair_name(pair)
        mask = (trace.pairs[:, 0] == pair[0]) & (trace.pairs[:, 1] == pair[1])
        est = switch.rate_estimate(trace.times_s[mask], trace)
        assert est.within(th["pair_rates_hz"][name], k=K), (name, est, th["pair_rates_hz"][name])
    # the slowest link's pairs are served least
    rates = th["pair_rates_hz"]
    assert rates["u1-u2"] < rates["u2-u3"]


@pytest.mark.parametrize("policy", switch.POLICIES)
def test_requests_inside_the_capacity_region_are_all_served(policy):
    params = switch.SwitchParams(users=4, mu_hz=100.0, q=0.9, request_rate_hz=25.0,
                                 policy=policy, swaps=12_000)
    th = switch.theory(params)
    assert th["demand_in_capacity_region"]
    trace = switch.simulate(params, np.random.default_rng(21))
    for pair in params.pairs:
        mask = (trace.pairs[:, 0] == pair[0]) & (trace.pairs[:, 1] == pair[1])
        est = switch.rate_estimate(trace.times_s[mask], trace)
        assert est.within(25.0, k=K), (policy, pair, est)
    assert trace.backlog < 50


def test_overload_serves_less_than_the_demand():
    params = switch.SwitchParams(users=3, mu_hz=100.0, request_rate_hz=200.0, swaps=5_000)
    th = switch.theory(params)
    assert not th["demand_in_capacity_region"] and th["pair_rates_hz"] is None
    trace = switch.simulate(params, np.random.default_rng(2))
    served = switch.rate_estimate(trace.times_s, trace)
    # at most what the links make: every swap uses two of the 300 pairs per second
    assert served.value < 150.0 + K * served.stderr
    assert trace.backlog > 1000


def test_delivered_waits_and_fidelity_of_all_pairs():
    params = switch.SwitchParams(users=4, mu_hz=100.0, buffer=3, alpha_hz=20.0, q=0.6,
                                 t2_s=0.02, link_fidelity=0.97, swaps=20_000)
    trace = switch.simulate(params, np.random.default_rng(8))
    th = switch.theory(params)
    wait, wait_se = _batch_mean(trace.waits_s.max(axis=1))
    assert abs(wait - th["mean_wait_s"]) < K * wait_se
    fid, fid_se = _batch_mean(fidelity_of_waits(params, trace.waits_s))
    assert abs(fid - th["fidelity"]) < K * fid_se
    # every saturated continuous-time swap pairs a stored pair with a fresh one
    assert np.all(trace.waits_s.min(axis=1) == 0.0)


@pytest.mark.parametrize(("buffer", "alpha_hz"), [(math.inf, 0.0), (2, 100.0)])
def test_slotted_waits_and_fidelity_of_all_pairs(buffer, alpha_hz):
    params = switch.SwitchParams(users=4, p=0.2, slot_s=1e-3, buffer=buffer, alpha_hz=alpha_hz,
                                 t2_s=0.02, link_fidelity=0.97, swaps=20_000)
    trace = switch.simulate(params, np.random.default_rng(9))
    th = switch.theory(params)
    wait, wait_se = _batch_mean(trace.waits_s.max(axis=1))
    assert abs(wait - th["mean_wait_s"]) < K * wait_se
    fid, fid_se = _batch_mean(fidelity_of_waits(params, trace.waits_s))
    assert abs(fid - th["fidelity"]) < K * fid_se


def test_swap_circuit_exactly_matches_the_closed_form():
    from qnet_circuits.library.switching import switch_swap_circuit
    from qnet_circuits.run import heralded_density_matrix

    params = switch.SwitchParams(users=3, t2_s=0.05, link_fidelity=0.9)
    for wa, wb in [(0.0, 0.0), (0.01, 0.0), (0.02, 0.035)]:
        qc = switch_swap_circuit(0.9, wa, wb, correction="deferred")
        rho, _ = heralded_density_matrix(qc, switch.network(params))
        want = physics.switch_pair_fidelity(0.9, math.exp(-2 * wa / 0.05), math.exp(-2 * wb / 0.05))
        assert physics.fidelity_phi_plus(np.asarray(rho)) == pytest.approx(want, abs=1e-9)
        assert fidelity_of_waits(params, np.array([[wa, wb]]))[0] == pytest.approx(want, abs=1e-12)


def test_run_compares_everything_with_theory():
    params = switch.SwitchParams(users=4, mu_hz=100.0, q=0.8, buffer=2, t2_s=0.01,
                                 link_fidelity=0.95, swaps=4000, fidelity_samples=12)
    result = switch.run(params, shots=400, seed=4)
    th = result.theory
    assert result.capacity.within(th["capacity_hz"], k=K)
    assert result.fidelity.within(th["fidelity"], k=4)
    assert result.fidelity.within(result.fidelity_at_waits, k=4)
    d = result.to_dict()
    assert d["command"] == "switch" and d["buffer"] == 2 and set(d["pair_rates_hz"]) == {
        "u1-u2", "u1-u3", "u1-u4", "u2-u3", "u2-u4", "u3-u4"}
    assert d["theory_capacity_hz"] == pytest.approx(physics.switch_capacity(4, 100.0, 0.8,
                                                                            buffer=2))
    assert result.plot() is not None


def test_bad_parameters_name_the_flag():
    for kwargs, match in [({"users": 1}, "--users"), ({"buffer": 0}, "--buffer"),
                          ({"buffer": "x"}, "--buffer"), ({"q": 0.0}, "--q"),
                          ({"mu_hz": (1.0, 2.0)}, "--mu"), ({"mu_hz": -1.0}, "--mu"),
                          ({"p": 0.1, "request_rate_hz": 1.0}, "--request-rate"),
                          ({"users": 2}, "no steady state"), ({"t2_s": 0.0}, "--t2"),
                          ({"policy": "fifo"}, "--policy"), ({"swaps": 10}, "--swaps")]:
        with pytest.raises(ValueError, match=match):
            switch.SwitchParams(**kwargs)
    # a run that would take too long is refused before it starts
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="events"):
        switch.simulate(switch.SwitchParams(request_rate_hz=0.001, swaps=1000), rng)
    with pytest.raises(ValueError, match="slots"):
        switch.simulate(switch.SwitchParams(p=1e-4, swaps=100_000), rng)


def test_switch_from_a_network_router():
    from qnet_circuits.network import Memory, star
    from qnet_circuits.physics import link_theory

    net = star(["ann", "bo", "cy", "di"], 10.0, center="sw", center_role="router",
               center_memories=9, memory=Memory(1.0, 0.02))
    params = switch.from_network(net, "sw", q=0.5, policy="random")
    rate = link_theory(net.link("sw", "ann"), net)["rate_hz"]
    assert params.names == ["ann", "bo", "cy", "di"] and params.buffer == 2
    assert params.mu_hz == (rate,) * 4 and params.t2_s == 0.02 and params.q == 0.5
    assert params.pair_name((0, 3)) == "ann-di"
    with pytest.raises(ValueError, match="at least 2 users"):
        switch.from_network(star(["solo"], 5.0, center="sw", center_role="router"), "sw")
    with pytest.raises(ValueError, match="user_names"):
        switch.SwitchParams(users=3, user_names=("a", "a", "b"))


def test_policies_pick_the_pair_they_name():
    from collections import deque

    from qnet_circuits.protocols.switch.events import _policy_key, _Switch

    def fresh(policy):
        sw = _Switch(4, math.inf, 0.0, 1.0, policy, np.random.default_rng(0), 0.0)
        for link, t in ((1, 0.5), (2, 0.1), (2, 0.2), (3, 0.3)):
            sw.store(link, t)
        return sw

    # a new pair at link 0; requests wait for (0, 1) since 0.7 (two of them), (0, 2) since 0.9,
    # (0, 3) since 0.2
    pending = {(0, 1): deque([0.7, 0.8]), (0, 2): deque([0.9]), (0, 3): deque([0.2])}
    sw = fresh("oldest")
    assert sw.pick([1, 2, 3], _policy_key("oldest", sw, pending, 0, False)) == 3
    sw = fresh("longest")
    assert sw.pick([1, 2, 3], _policy_key("longest", sw, pending, 0, False)) == 1
    # saturated demand: the oldest stored qubit, or the link holding most
    sw = fresh("oldest")
    assert sw.pick([1, 2, 3], _policy_key("oldest", sw, pending, 0, True)) == 2
    sw = fresh("longest")
    assert sw.pick([1, 3, 2], _policy_key("longest", sw, pending, 0, True)) == 2
    sw = fresh("random")
    picks = {sw.pick([1, 2, 3], _policy_key("random", sw, pending, 0, False)) for _ in range(60)}
    assert picks == {1, 2, 3}
    # service is newest-first: link 2 gives its pair stored at 0.2, then the one at 0.1
    assert sw.take(2, 1.0) == pytest.approx(0.8) and sw.take(2, 1.0) == pytest.approx(0.9)
    assert sw.live[2] == 0 and sw.count == 2

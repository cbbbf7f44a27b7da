"""Many requests at once (protocols.network_requests): a request alone on its path is the chain
scheduler on that path (several topologies); two requests sharing a repeater that holds one
request get the time-division rates of physics.contention (fair: half the solo rate each;
FIFO: solo, then half) within k standard errors; occupancy and Jain's index; bad input."""

from __future__ import annotations

import networkx as nx
import pytest

from qnet_circuits.network import line, random_geometric, ring, star
from qnet_circuits.network.topologies import from_spec
from qnet_circuits.protocols import network_requests as nr
from qnet_circuits.protocols.chain import simulate
from qnet_circuits.scheduler import ChainPlan

K = 5
MEM = {"t1_s": 0.05, "t2_s": 0.02}


def _far_pair(net):
    g = net.graph
    part = max(nx.connected_components(g), key=len)
    lengths = dict(nx.all_pairs_shortest_path_length(g.subgraph(part)))
    return max(((u, v) for u in lengths for v in lengths[u]), key=lambda uv: lengths[uv[0]][uv[1]])


TOPOLOGIES = {
    "line": (lambda: line(4, 15.0, **MEM), ("alice", "bob"), "hops", "sequential"),
    "ring": (lambda: ring(6, 10.0, **MEM), ("alice", "bob"), "rate", "nested"),
    "grid": (lambda: from_spec("grid:3x3", 10.0, **MEM), ("alice", "bob"), "fidelity", "asap"),
    "star": (lambda: from_spec("star:3", 20.0, **MEM), ("u1", "u3"), "hops", "sequential"),
    "random": (lambda: random_geometric(25, 0.35, size_km=60.0, seed=4, **MEM), None, "rate",
               "asap"),
}


@pytest.mark.parametrize("name", sorted(TOPOLOGIES))
def test_a_request_alone_is_the_chain_on_its_path(name):
    make, ends, metric, strategy = TOPOLOGIES[name]
    net = make()
    src, dst = ends or _far_pair(net)
    res = nr.schedule_network(net, [(src, dst)], metric=metric, strategy=strategy, pairs=150,
                              seed=21)
    (r,) = res.requests
    plan = ChainPlan(strategy=strategy)
    chain = simulate(net, plan, path=r.path, realizations=150, seed=nr.request_seeds(21, 1)[0],
                     block=nr.session_block(len(r.path) - 1, 150, plan))
    assert r.pairs == chain.realizations == 150
    assert r.fidelity == chain.fidelity  # same seed, same circuits, same shots
    assert r.rate_hz.value == pytest.approx(chain.rate_hz.value, rel=1e-12)
    assert r.rate_hz.stderr == pytest.approx(chain.rate_hz.stderr, rel=1e-9)
    assert r.waiting_s == pytest.approx(0.0, abs=1e-15) and r.group == (0,)
    if "mean_delivery_time_s" in chain.theory:  # equal links: the chain's exact form
        assert r.theory["mean_delivery_time_s"] == pytest.approx(
            chain.theory["mean_delivery_time_s"], rel=1e-9)
    assert r.rate_hz.within(r.theory["solo_rate_hz"], k=K)
    assert r.rate_hz.value == pytest.approx(r.theory["rate_hz"], rel=K * r.rate_hz.stderr
                                            / r.rate_hz.value)
    if "fidelity" in chain.theory:
        assert r.theory["fidelity"] == chain.theory["fidelity"]
        assert r.fidelity.within(chain.theory["fidelity"], k=K)
    assert len(r.path) >= 3 and res.jain_index == 1.0


def _cross(center_memories):
    """a - hub - b and c - hub - d: both requests pass the hub."""
    return star(["a", "b", "c", "d"], 10.0, center_memories=center_memories)


@pytest.mark.parametrize("policy", ["fair", "fifo"])
def test_two_requests_share_a_repeater_that_holds_one(policy):
    res = nr.schedule_network(_cross(2), [("a", "b"), ("c", "d")], policy=policy, pairs=300,
                              seed=8)
    first, second = res.requests
    solo = first.theory["solo_rate_hz"]
    assert second.theory["solo_rate_hz"] == pytest.approx(solo)
    assert res.groups == [[0, 1]] and first.exclusive
    for r in res.requests:
        assert r.rate_hz.within(r.theory["rate_hz"], k=K), (r.rate_hz, r.theory["rate_hz"])
        assert r.service_rate_hz.within(solo, k=K)  # a session is the solo chain's
    if policy == "fair":
        assert [r.theory["rate_hz"] / solo for r in res.requests] == pytest.approx([0.5, 0.5],
                                                                                   abs=3e-3)
        assert res.jain_index == pytest.approx(1.0, abs=1e-3)
        assert res.jain_index_groups == [pytest.approx(res.jain_index)]
    else:
        assert first.theory["rate_hz"] == pytest.approx(solo)
        assert second.theory["rate_hz"] == pytest.approx(solo / 2)
        assert first.waiting_s == pytest.approx(0.0, abs=1e-12) and second.waiting_s > 1e-3
        assert res.jain_index_theory == pytest.approx(0.9)
        assert abs(res.jain_index - 0.9) < 0.02
    # the total: every pair over the makespan, 2 / (E[T_a] + E[T_c]) = the solo rate
    last = max(res.requests, key=lambda r: r.completion_s)
    rel = last.rate_hz.stderr / last.rate_hz.value
    assert abs(res.total_rate_hz / solo - 1.0) <= K * rel
    hub = res.occupancy["hub"]
    assert hub["reserved_max"] == 2 and hub["reserved_mean"] == pytest.approx(2.0)


def test_a_repeater_with_room_for_both_serves_them_in_parallel():
    res = nr.schedule_network(_cross(4), [("a", "b"), ("c", "d")], policy="fifo", pairs=300,
                              seed=9)
    assert res.groups == [[0], [1]]
    for r in res.requests:
        assert r.rate_hz.within(r.theory["solo_rate_hz"], k=K)
        assert r.waiting_s == pytest.approx(0.0, abs=1e-12)
    assert res.occupancy["hub"]["reserved_max"] == 4


def test_contention_costs_rate_not_fidelity():
    from dataclasses import replace

    from qnet_circuits.network import Network

    mem_net = from_spec("star:4", 10.0, t1_s=0.02, t2_s=0.01)
    hub = mem_net.node("hub")
    mem_net = Network((replace(hub, memories=2), *mem_net.nodes[1:]), mem_net.links)
    res = nr.schedule_network(mem_net, [("u1", "u2"), ("u3", "u4")], policy="fair", pairs=240,
                              seed=3, link_fidelity=0.95)
    for r in res.requests:
        assert r.theory["fidelity"] < 0.95  # memory decay during the sessions
        assert r.fidelity.within(r.theory["fidelity"], k=K)
        assert r.rate_hz.within(r.theory["rate_hz"], k=K)


def test_fidelity_target_adds_purification_and_memories():
    net = line(3, 10.0, scheme="single-click", memories=4)
    res = nr.schedule_network(net, [("alice", "bob", 0.92, 100.0)], metric="fidelity", pairs=90,
                              seed=2)
    (r,) = res.requests
    assert r.route.purification_rounds >= 1 and r.theory["target_met"]
    assert res.occupancy["r1"]["reserved_max"] == 4  # two pumping slots per side
    assert r.demand_met is (r.rate_hz.value >= 100.0)
    assert r.fidelity.value >= 0.92 - K * r.fidelity.stderr
    with pytest.raises(ValueError, match="node 'r1' has memories=2 but one session .* needs 4"):
        nr.schedule_network(line(3, 10.0, scheme="single-click"), [("alice", "bob", 0.92)],
                            metric="fidelity", pairs=10)


def test_result_json_and_drawing(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    res = nr.run(nr.NetworkRequestsParams(_cross(2), (("a", "b"), ("c", "d")), policy="fair"),
                 shots=30, seed=1)
    d = res.to_dict()
    assert {"requests", "occupancy", "jain_index", "link_rates_hz", "provenance"} <= set(d)
    assert d["requests"][0]["theory"]["rate_hz"] > 0 and d["link_rates_hz"]["a_hub"] > 0
    ax = res.plot()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0].startswith("a-b: ") and labels[0].endswith(
        f"{res.requests[0].rate_hz.value:.3g} Hz, F {res.requests[0].fidelity.value:.3f}")
    edge_text = [t.get_text() for t in ax.texts if "km" in t.get_text()]
    assert f"{d['link_rates_hz']['a_hub']:.3g} Hz" in "".join(edge_text)
    (c1, c2) = nr.circuits(nr.NetworkRequestsParams(_cross(2), (("a", "b"), ("c", "d"))), seed=1)
    assert c1.metadata["path"] == ["a", "hub", "b"] and c2.metadata["path"] == ["c", "hub", "d"]


@pytest.mark.parametrize("net,requests,kwargs,match", [
    (_cross(2), [("a", "zed")], {}, "unknown node 'zed'"),
    (_cross(2), [("a", "a")], {}, "identical nodes"),
    (ring(4, 10.0), [("alice", "bob", 0.999999)], {"metric": "fidelity"}, None),
    (line(3, 10.0), [nr.Request("alice", "bob", path=("alice", "r1", "bob"))], {}, None),
    (_cross(2), [("a", "b", 0.9)], {"link_fidelity": 0.95}, "drop link_fidelity"),
    (_cross(2), [], {}, "at least one request"),
    (_cross(2), [("a", "b")], {"policy": "lifo"}, "policy"),
])
def test_bad_input(net, requests, kwargs, match):
    if match is None and requests and isinstance(requests[0], nr.Request):
        from dataclasses import replace

        from qnet_circuits.network import Network

        r1 = replace(net.node("r1"), memories=0)
        net = Network(tuple(r1 if n.name == "r1" else n for n in net.nodes), net.links)
        match = "node 'r1' on the path has memories=0"
    elif match is None:
        net = from_spec("ring:4", 10.0, scheme="single-click")
        match = "fidelity target 0.999999 cannot be met"
    with pytest.raises(ValueError, match=match):
        nr.schedule_network(net, requests, pairs=10, **kwargs)


def test_disconnected_network_is_refused():
    from qnet_circuits.network import Network

    a, b = line(2, 10.0), line(2, 10.0)
    nodes = (*a.nodes, *(type(n)(f"x_{n.name}", n.role) for n in b.nodes))
    net = Network(nodes, a.links)
    with pytest.raises(ValueError, match="disconnected"):
        nr.schedule_network(net, [("alice", "x_bob")], pairs=10)


@pytest.mark.parametrize("policy", ["fair", "fifo"])
def test_a_shared_one_memory_end_node_and_unequal_demands(policy):
    from dataclasses import replace

    from qnet_circuits.network import Network

    net = from_spec("star:3", 15.0)  # hub has 3 memories: both sessions fit there ...
    nodes = tuple(replace(n, memories=1) if n.name == "u2" else
                  replace(n, memories=4) if n.name == "hub" else n for n in net.nodes)
    net = Network(nodes, net.links)  # ... but u2 holds one qubit: an exclusive pair
    reqs = [nr.Request("u1", "u2", pairs=120), nr.Request("u3", "u2", pairs=240)]
    res = nr.schedule_network(net, reqs, policy=policy, pairs=999, seed=12)
    assert res.groups == [[0, 1]] and res.requests[0].exclusive
    assert [r.pairs for r in res.requests] == [120, 240]
    assert res.occupancy["u2"]["reserved_max"] == 1
    assert res.occupancy["u2"]["reserved_mean"] == pytest.approx(1.0)
    solo = res.requests[0].theory["solo_rate_hz"]
    first, second = (r.theory["rate_hz"] / solo for r in res.requests)
    if policy == "fair":  # turns alternate until u1 is done; then u3 has the memory alone
        assert first == pytest.approx(120 / 239, rel=1e-9)
        assert second == pytest.approx(240 / 360, rel=1e-9)
    else:
        assert (first, second) == pytest.approx((1.0, 240 / 360))
    for r in res.requests:
        assert r.rate_hz.within(r.theory["rate_hz"], k=K), (r.rate_hz, r.theory["rate_hz"])

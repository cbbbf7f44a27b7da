"""Routing by closed-form metrics: hops, rate, fidelity, user functions, k alternatives, the
batched link physics against link_theory, multiplexed links against simulated circuits, and
every bad request as a ValueError that says why."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnet_circuits import physics
from qnet_circuits.analysis import heralded_mask
from qnet_circuits.library.generation import heralded_link
from qnet_circuits.network import Fiber, Link, Memory, Network, Node, chain, grid, line, random_geometric
from qnet_circuits.run import AerRunner
from qnet_circuits.scheduler.routing import _link_figures, check_path, path_figures, route

K = 4


def _diamond(r1: dict, r2: dict, l1: float = 10.0, l2: float = 10.0, direct: float | None = None,
             t2_s: float = math.inf) -> Network:
    mem = Memory(t2_s=t2_s, t1_s=math.inf)
    nodes = (Node("alice", "end", mem), Node("r1", "repeater", mem, **r1),
             Node("r2", "repeater", mem, **r2), Node("bob", "end", mem))
    links = [Link("alice", "r1", Fiber(l1)), Link("r1", "bob", Fiber(l1)),
             Link("alice", "r2", Fiber(l2)), Link("r2", "bob", Fiber(l2))]
    if direct is not None:
        links.append(Link("alice", "bob", Fiber(direct)))
    return Network(nodes, tuple(links))


def test_batched_link_physics_is_link_theory():
    for scheme in ("single-click", "double-click", "midpoint"):
        net = random_geometric(40, 0.3, size_km=100.0, seed=3, t1_s=0.003, t2_s=0.002, scheme=scheme)
        figs = _link_figures(list(net.links), {n.name: n for n in net.nodes})
        for (p, tau, f), lk in zip(figs, net.links):
            th = physics.link_theory(lk, net)
            assert p == pytest.approx(th["p_round"], abs=1e-14)
            assert f == pytest.approx(th["fidelity"], abs=1e-12)
            assert tau == lk.cycle_time_s


def test_hops_and_k_alternatives_on_a_grid():
    net = grid(3, 3, 10.0)
    routes = route(net, "alice", "bob", metric="hops", k=6)
    assert len(routes) == 6 and len({r.path for r in routes}) == 6  # the 6 monotone lattice paths
    assert all(r.hops == 4 and r.score == 4 for r in routes)
    more = route(net, "alice", "bob", metric="hops", k=7)
    assert more[-1].hops == 6


def test_path_figures_are_the_chain_closed_forms():
    net = line(4, 25.0, scheme="double-click")
    (r,) = route(net, "alice", "bob", metric="rate")
    th = physics.link_theory(net.links[0], net)
    t = th["cycle_time_s"] * physics.expected_max_geometric(3, th["p_success"])
    assert r.expected_time_s == pytest.approx(t, rel=1e-10) and r.rate_hz == pytest.approx(1 / t)
    noisy = chain(3, 25.0, gate_error=0.02, readout_error=0.01, t2_s=0.01, t1_s=1.0)
    (r,) = route(noisy, "alice", "bob", metric="fidelity")
    fs = [physics.link_theory(lk, noisy)["fidelity"] for lk in noisy.links]
    assert r.fidelity == pytest.approx(physics.chain_fidelity(fs, 0.02, 0.01), abs=1e-12)
    assert r.werner == pytest.approx(math.prod(physics.werner_w(f) for f in fs) * 0.98 ** 2)


def test_fidelity_prefers_the_quieter_repeater_and_rate_the_shorter_links():
    net = _diamond({"gate_error": 0.1}, {"gate_error": 0.0})
    best = route(net, "alice", "bob", metric="fidelity", k=2)
    assert best[0].path == ("alice", "r2", "bob") and best[0].fidelity > best[1].fidelity
    assert best[0].fidelity == pytest.approx(1.0)
    assert best[1].fidelity == pytest.approx(physics.swap_werner(1.0, 1.0, 0.1))
    fast = _diamond({}, {}, l1=20.0, l2=40.0, direct=60.0)
    (r,) = route(fast, "alice", "bob", metric="rate")
    assert r.path == ("alice", "r1", "bob")
    alts = route(fast, "alice", "bob", metric="rate", k=3)
    assert [a.rate_hz for a in alts] == sorted((a.rate_hz for a in alts), reverse=True)
    direct = physics.link_theory(fast.link("alice", "bob"), fast)["rate_hz"]
    assert any(a.hops == 1 and a.rate_hz == pytest.approx(direct) for a in alts)
    (longest,) = route(fast, "alice", "bob", metric=lambda f: f["length_km"])
    assert longest.path == ("alice", "r2", "bob") and longest.metric == "<lambda>"


def test_fidelity_target_with_purification_and_without_hope():
    net = chain(2, 20.0, scheme="single-click", t2_s=0.05, t1_s=1.0)
    (plain,) = route(net, "alice", "bob", metric="fidelity")
    (r,) = route(net, "alice", "bob", metric="fidelity", fidelity_target=plain.fidelity + 0.01)
    assert r.purification_rounds >= 1 and r.purified_fidelity >= plain.fidelity + 0.01
    noisy = chain(2, 20.0, scheme="single-click", t2_s=0.05, t1_s=1.0, gate_error=0.03)
    with pytest.raises(ValueError, match=r"cannot be met .* reaches 0\.\d+, and with up to 3 DEJMPS"):
        route(noisy, "alice", "bob", fidelity_target=0.99)
    with pytest.raises(ValueError, match="fidelity_target"):
        route(net, "alice", "bob", fidelity_target=1.5)


def _two_islands() -> Network:
    nodes = tuple(Node(n, "end") for n in ("a", "b", "c", "d"))
    return Network(nodes, (Link("a", "b", Fiber(1.0)), Link("c", "d", Fiber(1.0))))


@pytest.mark.parametrize(("net", "src", "dst", "kw", "match"), [
    (chain(2, 10.0), "alice", "carol", {}, "unknown node 'carol'"),
    (chain(2, 10.0), "alice", "alice", {}, "same node"),
    (_two_islands(), "a", "d", {}, "disconnected"),
    (chain(2, 10.0), "alice", "bob", {"metric": "latency"}, "unknown metric"),
    (chain(2, 10.0), "alice", "bob", {"k": 0}, "k must be"),
])
def test_bad_requests(net, src, dst, kw, match):
    with pytest.raises(ValueError, match=match):
        route(net, src, dst, **kw)


def test_memories_block_paths_and_end_nodes_do_not_relay():
    net = _diamond({"memories": 0}, {"memories": 1})
    with pytest.raises(ValueError, match=r"fewer than 2 memories block every path \(r1, r2\)"):
        route(net, "alice", "bob")
    ok = _diamond({"memories": 0}, {})
    assert route(ok, "alice", "bob")[0].path == ("alice", "r2", "bob")
    with pytest.raises(ValueError, match="memories=0"):
        check_path(net, ["alice", "r1", "bob"])
    lonely = Network((Node("a", "end", memories=0), Node("b", "end")),
                     (Link("a", "b", Fiber(1.0)),))
    with pytest.raises(ValueError, match="'a' has memories=0"):
        route(lonely, "a", "b")
    ends = Network((Node("a"), Node("m", "end"), Node("b")),
                   (Link("a", "m", Fiber(1.0)), Link("m", "b", Fiber(1.0))))
    with pytest.raises(ValueError, match="end node, which does not relay"):
        route(ends, "a", "b")
    with pytest.raises(ValueError, match="not connected by a link"):
        path_figures(chain(2, 1.0), ["alice", "bob"])


def test_multiplexed_link_against_the_link_circuit():
    """m modes per round = m independent heralded attempts (the link's circuit, Aer): the fraction
    of rounds with at least one herald is 1 - (1 - p)^m within k standard errors."""
    net = chain(1, 60.0, scheme="double-click")
    lk = net.links[0]
    p = physics.link_theory(lk, net)["p_success"]
    rounds = 2000
    for m in (1, 5):
        (data,) = AerRunner().run([heralded_link(lk)], shots=rounds * m, seed=11 + m, network=net)
        hit = heralded_mask(data).reshape(rounds, m).any(axis=1)
        s = physics.multiplexed_success(p, m)
        assert abs(hit.mean() - s) < K * math.sqrt(s * (1 - s) / rounds), (m, hit.mean(), s)
    multi = Network(net.nodes, (Link("alice", "bob", lk.fiber, modes=5),))
    th = physics.link_theory(multi.links[0], multi)
    assert th["p_round"] == pytest.approx(1 - (1 - p) ** 5)
    assert th["rate_hz"] == pytest.approx(th["p_round"] / th["cycle_time_s"])
    (r,) = route(multi, "alice", "bob", metric="rate")
    assert r.rate_hz == pytest.approx(th["rate_hz"], rel=1e-9)


def test_chain_scheduler_refuses_multiplexed_links():
    from qnet_circuits.scheduler import ChainPlan
    from qnet_circuits.scheduler.links import link_models

    net = Network(chain(1, 10.0).nodes, (Link("alice", "bob", Fiber(10.0), modes=3),))
    with pytest.raises(ValueError, match="modes=3"):
        link_models(net, ["alice", "bob"], ChainPlan())
    assert np.isfinite(physics.link_theory(net.links[0], net)["rate_hz"])

"""Network specs: validation with clear errors, factories, paths."""

import math

import networkx as nx
import pytest

from qnet_circuits.network import Detector, Fiber, Link, Memory, Network, Node, chain, from_networkx, star


@pytest.mark.parametrize(
    ("length_km", "eta"),
    [(1, 0.954993), (10, 0.630957), (25, 0.316228), (50, 0.1), (100, 1e-2), (200, 1e-4)],
)
def test_fiber_transmissivity_matches_reference_table(length_km, eta):
    fiber = Fiber(length_km)
    assert fiber.transmissivity == pytest.approx(eta, rel=1e-5)
    assert fiber.delay_s == pytest.approx(length_km * 5e-6)


@pytest.mark.parametrize(
    ("factory", "field"),
    [
        (lambda: Fiber(-1.0), "length_km"),
        (lambda: Fiber(1.0, attenuation_db_per_km=-0.1), "attenuation_db_per_km"),
        (lambda: Fiber(1.0, speed_km_per_s=0), "speed_km_per_s"),
        (lambda: Memory(t1_s=1.0, t2_s=2.5), "t2_s"),
        (lambda: Memory(t1_s=-1.0), "t1_s"),
        (lambda: Detector(efficiency=1.2), "efficiency"),
        (lambda: Detector(dark_count_prob=-0.1), "dark_count_prob"),
        (lambda: Node("alice", gate_error=1.5), "gate_error"),
        (lambda: Node("alice", readout_error=-0.5), "readout_error"),
        (lambda: Node("not an identifier"), "identifier"),
        (lambda: Link("a", "b", Fiber(1), scheme="triple-click"), "scheme"),
        (lambda: Link("a", "b", Fiber(1), scheme="single-click", alpha=0.0), "alpha"),
        (lambda: Link("a", "b", Fiber(1), alpha=1.0), "alpha"),
        (lambda: Link("a", "a", Fiber(1)), "two different nodes"),
        (lambda: chain(0, 10.0), "n_links"),
        (lambda: Network((Node("a"),), (Link("a", "b", Fiber(1)),)), "unknown node"),
        (lambda: Network((Node("a"), Node("a")), ()), "unique"),
    ],
)
def test_bad_input_names_the_field(factory, field):
    with pytest.raises(ValueError, match=field):
        factory()


def test_t2_equal_to_twice_t1_and_infinite_times_are_allowed():
    assert Memory(t1_s=1.0, t2_s=2.0).t2_s == 2.0
    assert Memory(t1_s=math.inf, t2_s=0.5).t1_s == math.inf
    assert Memory().ideal


def test_chain_names_roles_and_paths():
    net = chain(3, 10.0, scheme="single-click", alpha=0.05, t1_s=1.0, t2_s=0.5)
    assert [n.name for n in net.nodes] == ["alice", "r1", "r2", "bob"]
    assert [n.role for n in net.nodes] == ["end", "repeater", "repeater", "end"]
    assert net.path("alice", "bob") == ["alice", "r1", "r2", "bob"]
    assert [link.name for link in net.links_on(net.path("alice", "bob"))] == [
        "alice_r1", "r1_r2", "r2_bob",
    ]
    assert net.link("r1", "alice").name == "alice_r1"
    assert net.node("r2").memory.t2_s == 0.5
    link = net.links[0]
    assert link.arm_efficiency == pytest.approx(10 ** (-0.2 * 5 / 10))
    assert link.cycle_time_s == pytest.approx(10 * 5e-6)
    # Barrett-Kok's two rounds are microseconds apart: one herald time per attempt (ref. 2d)
    assert chain(1, 10.0, scheme="double-click").links[0].cycle_time_s == pytest.approx(10 * 5e-6)


def test_unknown_and_unconnected_nodes_are_clear_errors():
    g = nx.Graph()
    g.add_edge("a", "b", length_km=5.0)
    g.add_node("c")
    net = from_networkx(g)
    with pytest.raises(ValueError, match="not connected"):
        net.path("a", "c")
    with pytest.raises(ValueError, match="unknown node 'zed'"):
        net.path("a", "zed")
    with pytest.raises(ValueError, match="not connected by a link"):
        net.link("a", "c")
    with pytest.raises(ValueError, match="length_km"):
        g2 = nx.Graph()
        g2.add_edge("a", "b")
        from_networkx(g2)


def test_star_and_graph():
    net = star(["alice", "bob", "carol"], 12.0)
    assert net.path("alice", "carol") == ["alice", "hub", "carol"]
    assert set(net.graph.edges) == {("hub", "alice"), ("hub", "bob"), ("hub", "carol")} or len(
        net.graph.edges
    ) == 3


def test_midpoint_refuses_dark_counts():
    with pytest.raises(ValueError, match="dark_count_prob"):
        chain(1, 10.0, scheme="midpoint", dark_count_prob=1e-6)

"""Networks from and to files (node-link JSON, GraphML, YAML), built-in topologies, drawing."""

from __future__ import annotations

import json
import math

import matplotlib
import networkx as nx
import pytest

from qnet_circuits.network import (
    LINK_DEFAULTS,
    Memory,
    Network,
    Node,
    chain,
    draw,
    from_networkx,
    grid,
    line,
    load,
    random_geometric,
    ring,
    save,
    star,
    to_networkx,
)

matplotlib.use("Agg")

FORMATS = ("json", "graphml", "yaml")


def _rich() -> Network:
    base = grid(2, 3, 12.5, scheme="single-click", t1_s=2.0, t2_s=1.5, gate_error=0.01,
                readout_error=0.02, memories=3)
    nodes = list(base.nodes)
    nodes[1] = Node(nodes[1].name, "router", Memory(), 0.0, 0.0, memories=0)
    return Network(tuple(nodes), base.links)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("make", [_rich, lambda: chain(3, 25.0, t2_s=0.5),
                                  lambda: random_geometric(25, 0.35, seed=4, t2_s=0.1)])
def test_round_trip_every_format(tmp_path, fmt, make):
    net = make()
    path = save(net, tmp_path / f"net.{fmt}")
    assert load(path) == net


def test_defaults_for_missing_attributes(tmp_path):
    (tmp_path / "n.yaml").write_text("nodes: {alice: {}, hub: {}, bob: {}}\n"
                                     "links:\n - {a: alice, b: hub, length_km: 10}\n"
                                     " - {a: hub, b: bob, length_km: 20}\n")
    net = load(tmp_path / "n.yaml")
    assert [n.role for n in net.nodes] == ["end", "repeater", "end"]
    assert all(n.memories == 2 and n.memory.ideal and n.gate_error == 0 for n in net.nodes)
    lk = net.link("hub", "bob")
    assert lk.fiber.attenuation_db_per_km == LINK_DEFAULTS["attenuation_db_per_km"]
    assert lk.scheme == "double-click" and lk.fiber.length_km == 20


def test_node_link_json_written_by_networkx(tmp_path):
    g = nx.path_graph(["a", "m", "b"])
    nx.set_edge_attributes(g, 7.5, "length_km")
    g.nodes["m"]["memories"] = 4
    (tmp_path / "g.json").write_text(json.dumps(nx.node_link_data(g, edges="edges")))
    net = load(tmp_path / "g.json")
    assert net.node("m").memories == 4 and net.link("a", "m").fiber.length_km == 7.5


@pytest.mark.parametrize("text, needle", [
    ("nodes: {a: {}, b: {}}\nlinks: [{a: a, b: b, length_km: -3}]", "length_km"),
    ("nodes: {a: {gate_error: 1.5}, b: {}}\nlinks: [{a: a, b: b, length_km: 3}]", "gate_error"),
    ("nodes: {a: {role: satellite}, b: {}}\nlinks: [{a: a, b: b, length_km: 3}]", "role"),
    ("nodes: {a: {}, b: {}}\nlinks: [{a: a, b: b, lenght_km: 3}]", "length_km"),
    ("nodes: {a: {memories: -1}, b: {}}\nlinks: [{a: a, b: b, length_km: 3}]", "memories"),
    ("nodes: {a: {}, b: {}}\nlinks: [{a: a, b: c, length_km: 3}]", "unknown node 'c'"),
    ("nodes: {a: {}\nlinks: [", "line"),
    ("just text", "'nodes' and 'links'"),
])
def test_bad_yaml_names_the_field_or_line(tmp_path, text, needle):
    (tmp_path / "bad.yaml").write_text(text)
    with pytest.raises(ValueError, match="bad.yaml") as info:
        load(tmp_path / "bad.yaml")
    assert needle in str(info.value)


def test_file_not_in_the_format_of_its_extension(tmp_path):
    save(chain(1, 5.0), tmp_path / "net.yaml")
    (tmp_path / "net.json").write_text((tmp_path / "net.yaml").read_text())
    with pytest.raises(ValueError, match=r"not valid JSON: line 1 column 1"):
        load(tmp_path / "net.json")
    (tmp_path / "net.graphml").write_text("<graphml><graph>\n<node id='a'>\n</graphml>")
    with pytest.raises(ValueError, match=r"not valid GraphML XML: line 3"):
        load(tmp_path / "net.graphml")
    with pytest.raises(ValueError, match="unknown extension '.txt'"):
        load(tmp_path / "net.txt")


def test_negative_probability_in_graphml(tmp_path):
    g = to_networkx(chain(1, 5.0))
    g.edges["alice", "bob"]["dark_count_prob"] = -0.1
    nx.write_graphml(g, tmp_path / "n.graphml")
    with pytest.raises(ValueError, match=r"edge \('alice', 'bob'\).*dark_count_prob"):
        load(tmp_path / "n.graphml")


def test_from_networkx_keeps_old_behaviour():
    g = nx.Graph()
    g.add_edge("a", "b", length_km=3.0)
    net = from_networkx(g, scheme="single-click")
    assert net.links[0].scheme == "single-click" and net.node("a").role == "end"
    with pytest.raises(ValueError, match="length_km"):
        from_networkx(nx.path_graph(["a", "b"]))


def test_topologies():
    assert line(5, 10.0) == line(5, 10.0)
    assert [n.name for n in line(3, 1.0).nodes] == [n.name for n in chain(2, 1.0).nodes]
    r = ring(6, 10.0)
    assert len(r.links) == 6 and len(r.path("alice", "bob")) == 4
    g = grid(3, 3, 10.0)
    assert len(g.links) == 12 and len(g.path("alice", "bob")) == 5
    assert all(n.role == "repeater" for n in g.nodes if n.name not in ("alice", "bob"))
    a, b = random_geometric(40, 0.3, seed=7), random_geometric(40, 0.3, seed=7)
    assert a == b and a != random_geometric(40, 0.3, seed=8)
    s = star(["u1", "u2", "u3"], 5.0, center_role="router")
    assert s.node("hub").memories == 3 and s.node("hub").role == "router"
    with pytest.raises(ValueError, match="n_nodes"):
        ring(2, 1.0)
    with pytest.raises(ValueError, match="unknown topology option"):
        line(3, 1.0, t3_s=1.0)


def test_draw_lengths_rates_and_paths():
    net = grid(2, 2, 10.0)
    ax = draw(net, rates={("n0_1", "alice"): 5.0}, paths=[["alice", "n0_1", "bob"],
                                                          ["alice", "n1_0", "bob"]])
    texts = sorted(t.get_text() for t in ax.texts if "km" in t.get_text())
    assert texts == ["10 km", "10 km", "10 km", "10 km\n5 Hz"]
    assert len(ax.get_legend().get_texts()) == 2
    with pytest.raises(ValueError, match="not connected"):
        draw(net, paths=[["alice", "bob"]])
    assert math.isfinite(ax.get_xlim()[0])

"""Built-in topologies: line, ring, grid and a seeded random geometric graph (lengths in km).

Every factory takes the same node and link physics keywords (:func:`_physics`): ``scheme``,
``attenuation_db_per_km``, ``memories`` (per node), ``t1_s``, ``t2_s`` (s), ``gate_error``,
``readout_error``. Nodes of degree <= 1 are end nodes, the others repeaters, except where a
factory names its users ``alice`` and ``bob``.

>>> [n.name for n in line(4, 10.0).nodes]
['alice', 'r1', 'r2', 'bob']
>>> [n.name for n in ring(4, 10.0).nodes]
['alice', 'r1', 'bob', 'r3']
>>> net = grid(2, 3, 5.0)
>>> [n.name for n in net.nodes][:3], len(net.links)
(['alice', 'n0_1', 'n0_2'], 7)
>>> g = random_geometric(30, 0.3, size_km=100.0, seed=1)
>>> len(g.nodes), all(0 < lk.fiber.length_km <= 30.0 * 2 ** 0.5 for lk in g.links)
(30, True)
"""

from __future__ import annotations

import math
from typing import Any

from qnet_circuits.network.core import Fiber, Link, Memory, Network, Node, chain


def _count(name: str, value: Any, minimum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return value


def _physics(kw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    known = {"scheme", "attenuation_db_per_km", "memories", "t1_s", "t2_s", "gate_error",
             "readout_error"}
    unknown = set(kw) - known
    if unknown:
        raise ValueError(f"unknown topology option(s) {sorted(unknown)}; choose from "
                         f"{sorted(known)}")
    node = {"memory": Memory(kw.get("t1_s", math.inf), kw.get("t2_s", math.inf)),
            "gate_error": kw.get("gate_error", 0.0), "readout_error": kw.get("readout_error", 0.0),
            "memories": kw.get("memories", 2)}
    link = {"scheme": kw.get("scheme", "double-click"),
            "attenuation": kw.get("attenuation_db_per_km", 0.2)}
    return node, link


def _build(names: list[str], edges: list[tuple[int, int, float]], kw: dict[str, Any],
           ends: set[str] | None = None) -> Network:
    node_kw, link_kw = _physics(kw)
    degree = [0] * len(names)
    for i, j, _ in edges:
        degree[i] += 1
        degree[j] += 1
    def role(k: int) -> str:
        if ends is not None:
            return "end" if names[k] in ends else "repeater"
        return "end" if degree[k] <= 1 else "repeater"
    nodes = tuple(Node(nm, role(k), node_kw["memory"], node_kw["gate_error"],
                       node_kw["readout_error"], memories=node_kw["memories"])
                  for k, nm in enumerate(names))
    links = tuple(Link(names[i], names[j], Fiber(length, link_kw["attenuation"]),
                       scheme=link_kw["scheme"]) for i, j, length in edges)
    return Network(nodes, links)


def line(n_nodes: int, length_km: float, **physics: Any) -> Network:
    """``alice - r1 - ... - bob``: ``n_nodes`` >= 2 nodes, links of ``length_km``."""
    n = _count("n_nodes", n_nodes, 2)
    names = ["alice", *[f"r{i}" for i in range(1, n - 1)], "bob"]
    return _build(names, [(i, i + 1, length_km) for i in range(n - 1)], physics,
                  ends={"alice", "bob"})


def ring(n_nodes: int, length_km: float, **physics: Any) -> Network:
    """A ring of ``n_nodes`` >= 3 nodes: ``alice`` at 0, ``bob`` opposite (n // 2), ``r<k>``."""
    n = _count("n_nodes", n_nodes, 3)
    names = [f"r{k}" for k in range(n)]
    names[0], names[n // 2] = "alice", "bob"
    return _build(names, [(k, (k + 1) % n, length_km) for k in range(n)], physics,
                  ends={"alice", "bob"})


def grid(rows: int, cols: int, length_km: float, **physics: Any) -> Network:
    """A ``rows`` x ``cols`` square grid, spacing ``length_km``: ``alice`` at corner (0, 0),
    ``bob`` at (rows - 1, cols - 1), ``n<r>_<c>`` repeaters elsewhere."""
    r, c = _count("rows", rows, 1), _count("cols", cols, 1)
    if r * c < 2:
        raise ValueError("a grid needs at least 2 nodes (rows * cols >= 2)")
    names = [f"n{i}_{j}" for i in range(r) for j in range(c)]
    names[0], names[-1] = "alice", "bob"
    edges = [(i * c + j, i * c + j + 1, length_km) for i in range(r) for j in range(c - 1)]
    edges += [(i * c + j, (i + 1) * c + j, length_km) for i in range(r - 1) for j in range(c)]
    return _build(names, edges, physics, ends={"alice", "bob"})


def random_geometric(n_nodes: int, radius: float, *, size_km: float = 100.0, seed: int = 0,
                     **physics: Any) -> Network:
    """``n_nodes`` nodes ``n<k>`` uniform in a ``size_km`` square, linked when closer than
    ``radius * size_km`` (networkx's random geometric graph, seeded); link length = distance."""
    import networkx as nx

    n = _count("n_nodes", n_nodes, 2)
    if not isinstance(radius, (int, float)) or not radius > 0:
        raise ValueError(f"radius must be > 0 (fraction of size_km), got {radius!r}")
    if not isinstance(size_km, (int, float)) or not size_km > 0:
        raise ValueError(f"size_km must be > 0, got {size_km!r}")
    g = nx.random_geometric_graph(n, radius, seed=seed)
    pos = nx.get_node_attributes(g, "pos")
    edges = [(u, v, size_km * math.dist(pos[u], pos[v])) for u, v in g.edges()]
    return _build([f"n{k}" for k in range(n)], edges, physics)


def geometric_positions(n_nodes: int, seed: int = 0) -> dict[str, tuple[float, float]]:
    """The unit-square positions :func:`random_geometric` used (for drawing)."""
    import networkx as nx

    g = nx.random_geometric_graph(n_nodes, 0.0, seed=seed)
    return {f"n{k}": tuple(p) for k, p in nx.get_node_attributes(g, "pos").items()}


__all__ = ["chain", "from_spec", "geometric_positions", "grid", "line", "random_geometric", "ring"]


def from_spec(spec: str, length_km: float, *, seed: int = 0, **physics: Any) -> Network:
    """A built-in topology from a short spec: ``line:N``, ``ring:N``, ``grid:RxC``, ``star:N``
    (leaves ``u1..uN`` around ``hub``) or ``random:N[:radius]`` (seeded; radius 0.3 default).

    >>> len(from_spec("grid:3x3", 10.0).links), len(from_spec("star:4", 5.0).nodes)
    (12, 5)
    """
    from qnet_circuits.network.core import star

    kind, _, rest = str(spec).partition(":")
    try:
        if kind == "grid":
            rows, _, cols = rest.lower().partition("x")
            return grid(int(rows), int(cols), length_km, **physics)
        if kind == "random":
            n, _, radius = rest.partition(":")
            return random_geometric(int(n), float(radius or 0.3), size_km=length_km * 10,
                                    seed=seed, **physics)
        n = int(rest)
    except ValueError as exc:
        if "invalid literal" not in str(exc) and "could not convert" not in str(exc):
            raise
        raise ValueError(f"--topology {spec!r}: give line:N, ring:N, grid:RxC, star:N or "
                         "random:N[:radius]") from None
    if kind == "line":
        return line(n, length_km, **physics)
    if kind == "ring":
        return ring(n, length_km, **physics)
    if kind == "star":
        _count("star leaves", n, 1)
        net = line(2, length_km, **physics)  # validates the physics options
        mem = net.nodes[0].memory
        return star([f"u{j}" for j in range(1, n + 1)], length_km, memory=mem,
                    scheme=physics.get("scheme", "double-click"))
    raise ValueError(f"--topology {spec!r}: unknown kind {kind!r}; give line:N, ring:N, grid:RxC, "
                     "star:N or random:N[:radius]")

"""Measurement patterns with flow: the graph state the server holds, the measurement order, the
angles, and the X/Z byproduct dependencies the flow implies (physics-reference section 11).

>>> p = path_pattern((1, 2, 3), (2, 1), "line3")
>>> p.order, p.outputs, p.x_dep(1), p.z_deps(1)
((1, 2), (3,), 0, ())
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx

from qnet_circuits.library.blind.base import angle_index


@dataclass(frozen=True)
class MeasurementPattern:
    """A measurement pattern with flow: graph, measurement order, outputs, angles (k pi/4).

    Attributes:
        order: measured vertices, in measurement order.
        outputs: output vertices (measured in Z at the end), in output-bit order.
        edges: graph edges (CZ on each).
        flow: f(v) for each vertex of ``order`` (aligned with it).
        angles: phi of each vertex of ``order`` as k, phi = k pi/4 (aligned with it).
        name: a label.

    Vertices are any hashable labels; node index i means ``nodes[i]`` with
    ``nodes = order + outputs``. The flow conditions are checked: v ~ f(v), f injective, f(v)
    after v, and every other neighbour of f(v) after v.
    """

    order: tuple[Hashable, ...]
    outputs: tuple[Hashable, ...]
    edges: tuple[tuple[Hashable, Hashable], ...]
    flow: tuple[Hashable, ...]
    angles: tuple[int, ...]
    name: str = "pattern"
    _x_deps: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _z_deps: tuple[tuple[int, ...], ...] = field(init=False, repr=False, compare=False)
    _neighbours: tuple[tuple[int, ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        order, outputs = tuple(self.order), tuple(self.outputs)
        if not order:
            raise ValueError(
                "empty program: a pattern needs at least one measured vertex (order is empty)"
            )
        nodes = order + outputs
        if len(set(nodes)) != len(nodes):
            raise ValueError("order and outputs must list distinct vertices, each once")
        index = {v: i for i, v in enumerate(nodes)}
        if len(self.flow) != len(order) or len(self.angles) != len(order):
            raise ValueError("flow and angles must have one entry per vertex of order")
        nbrs: list[set[int]] = [set() for _ in nodes]
        for e in self.edges:
            if len(e) != 2 or e[0] not in index or e[1] not in index:
                raise ValueError(f"edge {e!r} must join two vertices of order/outputs")
            a, b = index[e[0]], index[e[1]]
            if a == b:
                raise ValueError(f"edge {e!r} is a self-loop; remove it")
            nbrs[a].add(b)
            nbrs[b].add(a)
        x_deps = [-1] * len(nodes)
        z_deps: list[list[int]] = [[] for _ in nodes]
        for i, (v, f) in enumerate(zip(order, self.flow)):
            if f not in index:
                raise ValueError(f"flow of {v!r} is {f!r}, which is not a vertex of the pattern")
            fi = index[f]
            if fi not in nbrs[i]:
                raise ValueError(f"flow of {v!r} must be a neighbour of it, got {f!r}")
            if fi <= i:
                raise ValueError(f"flow of {v!r} ({f!r}) must come after it in the order")
            if x_deps[fi] != -1:
                raise ValueError(f"flow must be injective: {f!r} is the flow of two vertices")
            x_deps[fi] = i
            for k in nbrs[fi]:
                if k == i:
                    continue
                if k < i:
                    raise ValueError(
                        f"flow condition violated: {nodes[k]!r}, a neighbour of f({v!r}) = {f!r}, "
                        f"is measured before {v!r}; reorder the measurements"
                    )
                z_deps[k].append(i)
        object.__setattr__(self, "order", order)
        object.__setattr__(self, "outputs", outputs)
        object.__setattr__(self, "angles", tuple(int(k) % 8 for k in self.angles))
        object.__setattr__(self, "_x_deps", tuple(x_deps))
        object.__setattr__(self, "_z_deps", tuple(tuple(z) for z in z_deps))
        object.__setattr__(self, "_neighbours", tuple(tuple(sorted(n)) for n in nbrs))

    @classmethod
    def from_graph(
        cls,
        graph: nx.Graph,
        angles: Mapping[Hashable, float],
        flow: Mapping[Hashable, Hashable],
        order: Sequence[Hashable],
        outputs: Sequence[Hashable],
        name: str = "pattern",
    ) -> MeasurementPattern:
        """Build from a networkx graph; ``angles`` in radians (multiples of pi/4).

        >>> import math
        >>> p = MeasurementPattern.from_graph(nx.path_graph(3), {0: 0.0, 1: math.pi / 2},
        ...                                   {0: 1, 1: 2}, [0, 1], [2])
        >>> p.x_dep(2), p.z_deps(2)
        (1, (0,))
        """
        missing = set(graph.nodes) - set(order) - set(outputs)
        if missing:
            raise ValueError(f"graph vertices {sorted(map(str, missing))} are neither in order nor outputs")
        for v in order:
            if v not in angles:
                raise ValueError(f"angles has no entry for measured vertex {v!r}")
            if v not in flow:
                raise ValueError(f"flow has no entry for measured vertex {v!r}")
        return cls(
            order=tuple(order),
            outputs=tuple(outputs),
            edges=tuple(tuple(e) for e in graph.edges),
            flow=tuple(flow[v] for v in order),
            angles=tuple(angle_index(angles[v], f"angles[{v!r}]") for v in order),
            name=name,
        )

    @property
    def nodes(self) -> tuple[Hashable, ...]:
        """All vertices: measured ones in order, then the outputs."""
        return self.order + self.outputs

    @property
    def num_nodes(self) -> int:
        return len(self.order) + len(self.outputs)

    @property
    def num_measured(self) -> int:
        return len(self.order)

    def graph(self) -> nx.Graph:
        """The graph as networkx (vertex labels as given)."""
        g = nx.Graph()
        g.add_nodes_from(self.nodes)
        g.add_edges_from(self.edges)
        return g

    def neighbours(self, i: int) -> tuple[int, ...]:
        """Node indices adjacent to node index ``i``."""
        return self._neighbours[i]

    def x_dep(self, i: int) -> int:
        """The measured node index j with f(j) = node i, or -1 (X byproduct source)."""
        return self._x_deps[i]

    def z_deps(self, i: int) -> tuple[int, ...]:
        """Measured node indices j with node i in N(f(j)), i != j (Z byproduct sources)."""
        return self._z_deps[i]

    def with_angles(self, angles: Sequence[float]) -> MeasurementPattern:
        """Same graph and flow, new angles (radians, multiples of pi/4, aligned with order)."""
        if len(angles) != len(self.order):
            raise ValueError(f"angles must have {len(self.order)} entries, got {len(angles)}")
        ks = tuple(angle_index(a, f"angles[{i}]") for i, a in enumerate(angles))
        return MeasurementPattern(self.order, self.outputs, self.edges, self.flow, ks, self.name)


def path_pattern(labels: Sequence[Hashable], angles: Sequence[int], name: str) -> MeasurementPattern:
    """A path graph labels[0] - ... - labels[-1], flow along it, last vertex the output."""
    labels = tuple(labels)
    return MeasurementPattern(
        order=labels[:-1],
        outputs=labels[-1:],
        edges=tuple(zip(labels[:-1], labels[1:])),
        flow=labels[1:],
        angles=tuple(angles),
        name=name,
    )


def z_dep_slots(pattern: MeasurementPattern) -> list[list[tuple[int, int]]]:
    """For each measured node i: [(Z-dependency node j, index of its ``w`` parameter)].

    The server's circuit has one ``w`` parameter per (i, j) pair, numbered in this order.

    >>> z_dep_slots(path_pattern((0, 1, 2, 3), (0, 0, 0), "path"))
    [[], [], [(0, 0)]]
    """
    out: list[list[tuple[int, int]]] = []
    w = 0
    for i in range(pattern.num_measured):
        row = []
        for j in pattern.z_deps(i):
            row.append((j, w))
            w += 1
        out.append(row)
    return out


__all__ = ["MeasurementPattern", "path_pattern", "z_dep_slots"]

"""Network physics: fibers, memories, detectors, nodes, links and the network graph.

Every spec is a frozen dataclass validated on construction. Units are in the field names:
lengths in km, attenuation in dB/km, speeds in km/s, times in seconds.

>>> net = chain(2, 25.0)
>>> [n.name for n in net.nodes]
['alice', 'r1', 'bob']
>>> net.path("alice", "bob")
['alice', 'r1', 'bob']
>>> round(net.link("alice", "r1").fiber.transmissivity, 6)
0.316228
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # networkx loads on first use (graph, path, from_networkx): fast `qnet --help`
    import networkx as nx

Scheme = Literal["single-click", "double-click", "midpoint"]
SCHEMES: tuple[str, ...] = ("single-click", "double-click", "midpoint")
#: node roles: end nodes (users), repeaters (swap along a path), routers (switch between links)
ROLES: tuple[str, ...] = ("end", "repeater", "router")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _check_finite_nonneg(name: str, value: float, *, allow_inf: bool = False) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if math.isnan(value) or value < 0 or (math.isinf(value) and not allow_inf):
        extra = " (inf allowed)" if allow_inf else ""
        raise ValueError(f"{name} must be a finite number >= 0{extra}, got {value!r}")


def _check_probability(name: str, value: float) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a probability in [0, 1], got {value!r}")


@dataclass(frozen=True)
class Fiber:
    """Optical fiber between two nodes.

    Attributes:
        length_km: node-to-node length in km (>= 0).
        attenuation_db_per_km: loss in dB/km (0.2 for standard fiber at 1550 nm).
        speed_km_per_s: signal speed in km/s (2e5, i.e. 5 us/km).
    """

    length_km: float
    attenuation_db_per_km: float = 0.2
    speed_km_per_s: float = 2e5

    def __post_init__(self) -> None:
        _check_finite_nonneg("length_km", self.length_km)
        _check_finite_nonneg("attenuation_db_per_km", self.attenuation_db_per_km)
        if not self.speed_km_per_s > 0 or math.isinf(self.speed_km_per_s):
            raise ValueError(f"speed_km_per_s must be > 0 and finite, got {self.speed_km_per_s!r}")

    def transmissivity_over(self, length_km: float) -> float:
        """Transmissivity over ``length_km`` of this fiber type (dimensionless)."""
        return 10.0 ** (-self.attenuation_db_per_km * length_km / 10.0)

    @property
    def transmissivity(self) -> float:
        """Transmissivity over the whole length."""
        return self.transmissivity_over(self.length_km)

    @property
    def delay_s(self) -> float:
        """One-way signal delay over the whole length, in s."""
        return self.length_km / self.speed_km_per_s


@dataclass(frozen=True)
class Memory:
    """Quantum memory with Aer's T1/T2 semantics (T2 is the total coherence time, T2 <= 2*T1).

    ``math.inf`` means no decay of that kind; the default memory is ideal.
    """

    t1_s: float = math.inf
    t2_s: float = math.inf

    def __post_init__(self) -> None:
        for name in ("t1_s", "t2_s"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or math.isnan(value) or value <= 0:
                raise ValueError(f"{name} must be > 0 seconds (math.inf for no decay), got {value!r}")
        if self.t2_s > 2 * self.t1_s:
            raise ValueError(
                f"t2_s={self.t2_s} exceeds 2*t1_s={2 * self.t1_s}: T2 is the total coherence time "
                "and cannot exceed 2*T1; lower t2_s or raise t1_s"
            )

    @property
    def ideal(self) -> bool:
        """True when the memory never decays."""
        return math.isinf(self.t1_s) and math.isinf(self.t2_s)


@dataclass(frozen=True)
class Detector:
    """Threshold single-photon detector.

    Attributes:
        efficiency: detection efficiency in [0, 1] (acts as loss before the detector).
        dark_count_prob: probability of a dark count per detector per detection window, in [0, 1].
    """

    efficiency: float = 1.0
    dark_count_prob: float = 0.0

    def __post_init__(self) -> None:
        _check_probability("efficiency", self.efficiency)
        _check_probability("dark_count_prob", self.dark_count_prob)


@dataclass(frozen=True)
class Node:
    """A network node: an end node or a repeater, with its memory and local noise.

    Attributes:
        name: identifier (used in register names, e.g. ``alice_mem``).
        role: ``"end"``, ``"repeater"`` or ``"router"`` (a switch serving several links).
        memory: the node's quantum memory.
        gate_error: two-qubit depolarizing parameter (Qiskit's lambda) after each local
            two-qubit gate, in [0, 1].
        readout_error: probability that a measured bit at this node is flipped, in [0, 1].
        memories: number of memory qubits the node holds at once (>= 0; default 2, the two
            halves a repeater holds before it swaps; a path needs 1 at its ends and 2 at every
            node it passes through).
        coupler_error: two-qubit depolarizing lambda after each two-qubit gate between this
            node's qubits and another node's, in [0, 1]; such a gate gets the mean of its two
            nodes' values. 0 (default): gates across nodes, which stand in for an ideal link or
            pair source, stay noiseless. A device chip makes them real gates on couplers
            (``qnet_hardware.network_from_backend`` sets it from the calibration).
    """

    name: str
    role: Literal["end", "repeater", "router"] = "end"
    memory: Memory = field(default_factory=Memory)
    gate_error: float = 0.0
    readout_error: float = 0.0
    memories: int = 2
    coupler_error: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _IDENTIFIER.match(self.name):
            raise ValueError(
                f"node name must be a Python identifier (letters, digits, _), got {self.name!r}"
            )
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, got {self.role!r}")
        if (not isinstance(self.memories, int) or isinstance(self.memories, bool)
                or self.memories < 0):
            raise ValueError(f"memories must be an integer >= 0 (memory qubits at node "
                             f"{self.name!r}), got {self.memories!r}")
        _check_probability("gate_error", self.gate_error)
        _check_probability("readout_error", self.readout_error)
        _check_probability("coupler_error", self.coupler_error)


@dataclass(frozen=True)
class Link:
    """A heralded entanglement link between two nodes, with a midpoint station.

    Attributes:
        a, b: node names (order fixes which memory is the first qubit of the pair).
        fiber: the node-to-node fiber; the station sits halfway.
        scheme: ``"single-click"``, ``"double-click"`` (Barrett-Kok) or ``"midpoint"`` (source).
        alpha: bright-state population for single-click, in (0, 1).
        detector: the station's detectors (midpoint: the nodes' heralding detectors).
        pair_probability: midpoint source's pair-emission probability per attempt, in (0, 1].
        bsm_efficiency: midpoint scheme's linear-optics BSM success probability (1/2).
        preparation_time_s: per-attempt preparation time added to the cycle time, in s.
        modes: memory modes attempting in parallel each round (multiplexing, >= 1): a round
            succeeds with ``1 - (1 - p)^modes`` (``physics.multiplexed_success``).
    """

    a: str
    b: str
    fiber: Fiber
    scheme: Scheme = "double-click"
    alpha: float = 0.1
    detector: Detector = field(default_factory=Detector)
    pair_probability: float = 1.0
    bsm_efficiency: float = 0.5
    preparation_time_s: float = 0.0
    modes: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.modes, int) or isinstance(self.modes, bool) or self.modes < 1:
            raise ValueError(f"modes must be an integer >= 1 (parallel memory modes), got "
                             f"{self.modes!r}")
        if self.a == self.b:
            raise ValueError(f"a link needs two different nodes, got {self.a!r} twice")
        if self.scheme not in SCHEMES:
            raise ValueError(f"unknown scheme {self.scheme!r}; choose one of {', '.join(SCHEMES)}")
        if not isinstance(self.alpha, (int, float)) or not 0.0 < self.alpha < 1.0:
            raise ValueError(f"alpha must be in (0, 1) (bright-state population), got {self.alpha!r}")
        if not 0.0 < self.pair_probability <= 1.0:
            raise ValueError(f"pair_probability must be in (0, 1], got {self.pair_probability!r}")
        if not 0.0 < self.bsm_efficiency <= 1.0:
            raise ValueError(f"bsm_efficiency must be in (0, 1], got {self.bsm_efficiency!r}")
        _check_finite_nonneg("preparation_time_s", self.preparation_time_s)
        if self.scheme == "midpoint" and self.detector.dark_count_prob > 0:
            raise ValueError(
                "dark_count_prob > 0 is not modeled for the midpoint-source scheme (no closed form "
                "in the reference); set the detector's dark_count_prob to 0 or use single-click or "
                "double-click"
            )

    @property
    def name(self) -> str:
        """Identifier of the link, ``"<a>_<b>"``."""
        return f"{self.a}_{self.b}"

    @property
    def arm_length_km(self) -> float:
        """Distance from each node to the midpoint station, in km."""
        return self.fiber.length_km / 2.0

    @property
    def arm_efficiency(self) -> float:
        """Per-arm efficiency: fiber over half the length times detector efficiency."""
        return self.fiber.transmissivity_over(self.arm_length_km) * self.detector.efficiency

    @property
    def cycle_time_s(self) -> float:
        """Time per attempt: photon flight to the station plus herald return (L/c), plus preparation.

        The same for every scheme: Barrett-Kok's second round is emitted right after the first
        (microseconds), and both heralds come back together (reference section 2d, tau = L/c).
        """
        return self.fiber.delay_s + self.preparation_time_s

    def other(self, node: str) -> str:
        """The node at the other end from ``node``."""
        if node == self.a:
            return self.b
        if node == self.b:
            return self.a
        raise ValueError(f"node {node!r} is not an end of link {self.name}")


@dataclass(frozen=True)
class Network:
    """Nodes and links. Validated: unique node names, links between known nodes, one link per pair."""

    nodes: tuple[Node, ...]
    links: tuple[Link, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "nodes", tuple(self.nodes))
        object.__setattr__(self, "links", tuple(self.links))
        names = [n.name for n in self.nodes]
        if len(set(names)) != len(names):
            raise ValueError(f"node names must be unique, got {names}")
        known = set(names)
        pairs: set[frozenset[str]] = set()
        for link in self.links:
            for end in (link.a, link.b):
                if end not in known:
                    raise ValueError(f"link {link.name} names unknown node {end!r}; add the node first")
            key = frozenset((link.a, link.b))
            if key in pairs:
                raise ValueError(f"two links between {link.a!r} and {link.b!r}; keep one")
            pairs.add(key)

    def node(self, name: str) -> Node:
        """The node called ``name`` (ValueError if unknown)."""
        for n in self.nodes:
            if n.name == name:
                return n
        raise ValueError(f"unknown node {name!r}; known nodes: {', '.join(n.name for n in self.nodes)}")

    def link(self, a: str, b: str) -> Link:
        """The link between nodes ``a`` and ``b`` in either order (ValueError if none)."""
        self.node(a)
        self.node(b)
        for link in self.links:
            if {link.a, link.b} == {a, b}:
                return link
        raise ValueError(f"nodes {a!r} and {b!r} are not connected by a link")

    def link_by_name(self, name: str) -> Link:
        """The link whose ``name`` is ``name``."""
        for link in self.links:
            if link.name == name:
                return link
        raise ValueError(f"unknown link {name!r}")

    @property
    def graph(self) -> nx.Graph:
        """The network as an undirected networkx graph (edge attribute ``link``)."""
        import networkx as nx

        g = nx.Graph()
        g.add_nodes_from(n.name for n in self.nodes)
        for link in self.links:
            g.add_edge(link.a, link.b, link=link, length_km=link.fiber.length_km)
        return g

    def path(self, source: str, target: str) -> list[str]:
        """Shortest path (by fiber length) from ``source`` to ``target`` as node names."""
        self.node(source)
        self.node(target)
        if source == target:
            raise ValueError(f"source and target are the same node {source!r}; pick two nodes")
        import networkx as nx

        try:
            return list(nx.shortest_path(self.graph, source, target, weight="length_km"))
        except nx.NetworkXNoPath:
            raise ValueError(
                f"nodes {source!r} and {target!r} are not connected: no path of links joins them"
            ) from None

    def links_on(self, path: Sequence[str]) -> list[Link]:
        """The links along ``path`` (consecutive nodes must be linked)."""
        if len(path) < 2:
            raise ValueError("a path needs at least two nodes")
        return [self.link(u, v) for u, v in zip(path[:-1], path[1:])]


def chain(
    n_links: int,
    length_km: float | Sequence[float],
    *,
    scheme: Scheme = "double-click",
    alpha: float = 0.1,
    detector_efficiency: float = 1.0,
    dark_count_prob: float = 0.0,
    attenuation_db_per_km: float = 0.2,
    speed_km_per_s: float = 2e5,
    t1_s: float = math.inf,
    t2_s: float = math.inf,
    gate_error: float = 0.0,
    readout_error: float = 0.0,
    end_names: tuple[str, str] = ("alice", "bob"),
) -> Network:
    """A linear network ``alice - r1 - ... - r{n-1} - bob`` of ``n_links`` equal links.

    Args:
        n_links: number of links (>= 1).
        length_km: node-to-node length of each link, in km, or one length per link.

    >>> [lk.fiber.length_km for lk in chain(3, [20.0, 40.0, 20.0]).links]
    [20.0, 40.0, 20.0]
    """
    if not isinstance(n_links, int) or isinstance(n_links, bool) or n_links < 1:
        raise ValueError(f"n_links must be an integer >= 1, got {n_links!r}")
    if isinstance(length_km, (list, tuple)):
        if len(length_km) != n_links:
            raise ValueError(f"length_km has {len(length_km)} lengths for {n_links} links: give "
                             "one length per link (or one number for all)")
        lengths = list(length_km)
    else:
        lengths = [length_km] * n_links
    memory = Memory(t1_s=t1_s, t2_s=t2_s)
    names = [end_names[0], *[f"r{i}" for i in range(1, n_links)], end_names[1]]
    nodes = tuple(
        Node(
            name=name,
            role="end" if i in (0, n_links) else "repeater",
            memory=memory,
            gate_error=gate_error,
            readout_error=readout_error,
        )
        for i, name in enumerate(names)
    )
    detector = Detector(detector_efficiency, dark_count_prob)
    links = tuple(
        Link(names[i], names[i + 1], Fiber(lengths[i], attenuation_db_per_km, speed_km_per_s),
             scheme=scheme, alpha=alpha, detector=detector)
        for i in range(n_links)
    )
    return Network(nodes, links)


def star(
    leaves: Iterable[str],
    length_km: float,
    *,
    center: str = "hub",
    scheme: Scheme = "double-click",
    memory: Memory | None = None,
    center_role: Literal["repeater", "router"] = "repeater",
    center_memories: int | None = None,
) -> Network:
    """A star network: every leaf linked to ``center`` with fibers of ``length_km``.

    ``center_memories`` (default: one per leaf, at least 2) memory qubits at the centre.
    """
    leaves = list(leaves)
    if not leaves:
        raise ValueError("leaves must name at least one node")
    mem = memory or Memory()
    hub_memories = max(len(leaves), 2) if center_memories is None else center_memories
    nodes = (Node(center, center_role, mem, memories=hub_memories),
             *(Node(leaf, "end", mem) for leaf in leaves))
    links = tuple(Link(leaf, center, Fiber(length_km), scheme=scheme) for leaf in leaves)
    return Network(nodes, links)

"""Routing: choose paths through a network by a metric computed from the closed forms.

Metrics (:data:`METRICS`, or a function ``f(figures) -> float``, larger is better, of the
:class:`Route` figures of a candidate path):

* ``hops``: fewest links (ties: shorter fiber).
* ``rate``: highest end-to-end rate ``1 / E[max_i tau_i G_i]`` of a path whose links all attempt
  at once and hold their pairs (ideal memories; ``G_i`` geometric with the link's per-round
  success ``1 - (1 - p_i)^modes``; :func:`~qnet_circuits.physics.expected_path_time_s`).
* ``fidelity``: highest end-to-end fidelity: every link's heralded state (memory decay during
  its herald wait included, :func:`~qnet_circuits.physics.link_theory`) twirled to Werner form,
  joined by swaps with each repeater's gate and readout error
  (:func:`~qnet_circuits.physics.path_fidelity`: ``W = prod w_i prod (1 - lambda_r)``).

Search: candidates come from ``networkx.shortest_simple_paths`` on an additive weight (hops: 1;
fidelity: ``-log w_i - log(1 - lambda)`` at every repeater, exact for the Werner parameter
``W``; rate: the link's mean time ``tau_i / p_i``, an upper bound of the link's share of
``E[max]``); the first ``max(k, candidates)`` are scored with the exact closed form and the best
``k`` returned (hops, and fidelity without readout errors, are exact with ``k`` alone).
Paths never pass through end nodes or nodes with fewer than 2 memories; their ends need 1.
A fidelity target no path meets, even with up to ``max_purification_rounds`` DEJMPS
recurrence rounds on every link, is a ValueError that says what the best path reaches.
(Purification is the closed-form DEJMPS recurrence with each link's node gate error as CNOT
noise; it leaves out memory decay while the 2^r raw pairs wait, and ``rate_hz`` stays the
unpurified path's.)

>>> from qnet_circuits.network import grid
>>> net = grid(3, 3, 10.0)
>>> [(r.hops, r.length_km) for r in route(net, "alice", "bob", metric="hops", k=2)]
[(4, 40.0), (4, 40.0)]
>>> r = route(net, "alice", "bob", metric="fidelity")[0]
>>> r.hops, round(r.fidelity, 6)
(4, 1.0)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from qnet_circuits import physics
from qnet_circuits.network import Link, Network, Node

__all__ = ["METRICS", "Route", "check_path", "path_figures", "route"]

#: the named metrics (larger is better after scoring; hops is minimised)
METRICS: tuple[str, ...] = ("hops", "rate", "fidelity")
#: candidates scored by the exact closed form when the search weight is only a proxy
DEFAULT_CANDIDATES = 8
#: graphs up to this many nodes get DEFAULT_CANDIDATES exact scorings by default (larger: k)
SMALL_GRAPH = 2000


@dataclass(frozen=True)
class Route:
    """One path and its closed-form figures.

    Attributes:
        path: node names from source to target.
        metric: the metric it was chosen by; ``score``: its value (hops: the count, rate: Hz,
            fidelity, or the user function's value).
        hops, length_km: links and total fiber length (km).
        rate_hz, expected_time_s: ``1 / E[T]`` and ``E[T]`` (s) of the unpurified path.
        fidelity: end-to-end fidelity without purification; ``werner``: its ``W``.
        link_fidelities: each link's heralded fidelity.
        purification_rounds: DEJMPS rounds per link the fidelity target needs (0: none), and
            ``purified_fidelity`` the end-to-end fidelity with them.
    """

    path: tuple[str, ...]
    metric: str
    score: float
    hops: int
    length_km: float
    rate_hz: float
    expected_time_s: float
    fidelity: float
    werner: float
    link_fidelities: tuple[float, ...]
    purification_rounds: int = 0
    purified_fidelity: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able figures."""
        out = asdict(self)
        out["path"] = list(self.path)
        out["link_fidelities"] = list(self.link_fidelities)
        return out


class _Physics:
    """Per-link closed forms, computed for all links at once on first use (large graphs stay
    fast): per-round success, cycle time and heralded fidelity (link_theory's, batched)."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.nodes: dict[str, Node] = {n.name: n for n in network.nodes}
        self.links: dict[frozenset, Link] = {frozenset((lk.a, lk.b)): lk for lk in network.links}
        self._cache: dict[frozenset, tuple[float, float, float]] | None = None

    def prepare(self) -> None:
        """Compute every link's figures at once (for a search weight)."""
        if self._cache is None:
            self._cache = dict(zip(self.links, _link_figures(list(self.links.values()),
                                                             self.nodes)))

    def link(self, u: str, v: str) -> tuple[float, float, float]:
        """(per-round success, cycle time s, heralded fidelity) of the link u - v."""
        key = frozenset((u, v))
        if self._cache is None:
            return _link_figures([self.links[key]], self.nodes)[0]
        return self._cache[key]


def _relax(rho: np.ndarray, qubit: int, e1: np.ndarray, e2: np.ndarray) -> np.ndarray:
    """Batched ``physics.relax_density_matrix``: rho (L, 4, 4), per-state decay factors
    ``e1 = exp(-t/T1)``, ``e2 = exp(-t/T2)`` on ``qubit`` (little-endian)."""
    t = rho.reshape(-1, 2, 2, 2, 2).copy()  # axes: row q1, row q0, col q1, col q0
    ra, ca = (2, 4) if qubit == 0 else (1, 3)

    def at(r: int, c: int) -> tuple:
        return tuple(r if ax == ra else c if ax == ca else slice(None) for ax in range(5))

    e1b, e2b = e1[:, None, None], e2[:, None, None]
    t11 = t[at(1, 1)].copy()
    t[at(0, 0)] += (1.0 - e1b) * t11
    t[at(1, 1)] = e1b * t11
    t[at(0, 1)] *= e2b
    t[at(1, 0)] *= e2b
    return t.reshape(-1, 4, 4)


def _decay(t: np.ndarray, tau: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.isinf(tau), 1.0, np.exp(-t / tau))


def _link_figures(links: list[Link], nodes: dict[str, Node]) -> list[tuple[float, float, float]]:
    if not links:
        return []
    ps, rho = physics.raw_heralded_states(links)
    rho = rho.astype(complex)
    wait = np.array([lk.fiber.delay_s for lk in links])
    for q, end in ((0, "a"), (1, "b")):
        mems = [nodes[getattr(lk, end)].memory for lk in links]
        e1 = _decay(wait, np.array([m.t1_s for m in mems]))
        e2 = _decay(wait, np.array([m.t2_s for m in mems]))
        rho = _relax(rho, q, e1, e2)
    framed = np.array([lk.scheme != "midpoint" for lk in links])
    f_psi = 0.5 * (rho[:, 1, 1] + rho[:, 2, 2]).real + rho[:, 1, 2].real  # X on b: Psi+ -> Phi+
    f_phi = 0.5 * (rho[:, 0, 0] + rho[:, 3, 3]).real + rho[:, 0, 3].real
    fid = np.where(framed, f_psi, f_phi)
    return [(physics.multiplexed_success(p, lk.modes), lk.cycle_time_s, float(f))
            for p, lk, f in zip(ps, links, fid)]


def check_path(network: Network, path: Sequence[str], *, _phys: _Physics | None = None) -> None:
    """ValueError unless ``path`` is a simple path of links whose ends hold >= 1 memory and whose
    inner nodes are repeaters or routers with >= 2 memories."""
    ph = _phys or _Physics(network)
    if len(path) < 2:
        raise ValueError("a path needs at least two nodes")
    if len(set(path)) != len(path):
        raise ValueError(f"path visits a node twice: {list(path)}")
    for name in path:
        if name not in ph.nodes:
            network.node(name)
    for u, v in zip(path[:-1], path[1:]):
        if frozenset((u, v)) not in ph.links:
            raise ValueError(f"nodes {u!r} and {v!r} on the path are not connected by a link")
    for name in (path[0], path[-1]):
        if ph.nodes[name].memories < 1:
            raise ValueError(f"node {name!r} has memories=0: it cannot hold its half of the pair; "
                             "give it memories >= 1")
    for name in path[1:-1]:
        node = ph.nodes[name]
        if node.role == "end":
            raise ValueError(f"node {name!r} is an end node: it does not relay; route around it "
                             "or make it a repeater")
        if node.memories < 2:
            raise ValueError(f"node {name!r} on the path has memories={node.memories}: a repeater "
                             "holds both halves before it swaps; give it memories >= 2")


def path_figures(network: Network, path: Sequence[str], *, _phys: _Physics | None = None
                 ) -> dict[str, Any]:
    """Closed-form figures of ``path`` (validated by :func:`check_path`)."""
    ph = _phys or _Physics(network)
    check_path(network, path, _phys=ph)
    figs = [ph.link(u, v) for u, v in zip(path[:-1], path[1:])]
    ps, taus, fids = zip(*figs)
    if min(ps) <= 0:
        raise ValueError(f"a link on path {list(path)} never heralds (success probability 0)")
    inner = [ph.nodes[n] for n in path[1:-1]]
    lam = [n.gate_error for n in inner]
    eps = [n.readout_error for n in inner]
    taus = [t if t > 0 else 1e-12 for t in taus]
    time_s = physics.expected_path_time_s(ps, taus)
    return {"path": tuple(path), "hops": len(path) - 1,
            "length_km": sum(ph.links[frozenset(e)].fiber.length_km
                             for e in zip(path[:-1], path[1:])),
            "rate_hz": 1.0 / time_s, "expected_time_s": time_s,
            "fidelity": physics.path_fidelity(fids, lam, eps),
            "werner": physics.path_werner(fids, lam), "link_fidelities": tuple(fids)}


def _weight(metric: str, ph: _Physics) -> Callable[[str, str, dict], float | None] | None:
    if metric == "hops":
        return None  # breadth-first search; ties are broken by fiber length among the candidates
    ph.prepare()

    def rate(u: str, v: str, d: dict) -> float | None:
        p, tau, _ = ph.link(u, v)
        return None if p <= 0 else max(tau, 1e-12) / p

    def fidelity(u: str, v: str, d: dict) -> float | None:
        w = physics.werner_w(ph.link(u, v)[2])
        if w <= 0:
            return None  # a separable link: no path through it carries entanglement
        cost = -math.log(w)
        for node in (u, v):  # half of each end's swap noise: inner nodes count once in total
            lam = ph.nodes[node].gate_error
            cost += math.inf if lam >= 1 else -0.5 * math.log1p(-lam)
        return cost

    return fidelity if metric == "fidelity" else rate


def _graph(network: Network, ph: _Physics, source: str, target: str):
    """The routable graph: inner nodes need role repeater/router and >= 2 memories."""
    g = network.graph
    blocked = [n for n, node in ph.nodes.items() if n not in (source, target)
               and (node.role == "end" or node.memories < 2)]
    g.remove_nodes_from(blocked)
    return g, blocked


def _no_path(network: Network, source: str, target: str, blocked: list[str]) -> ValueError:
    import networkx as nx

    full = network.graph
    if not nx.has_path(full, source, target):
        parts = nx.number_connected_components(full)
        return ValueError(f"no path from {source!r} to {target!r}: the network is disconnected "
                          f"({parts} components); link their components")
    few = [n for n in blocked if network.node(n).role != "end"]
    why = (f"nodes with fewer than 2 memories block every path ({', '.join(few[:5])}"
           f"{', ...' if len(few) > 5 else ''}); give them memories >= 2" if few else
           "every path passes through an end node, which does not relay")
    return ValueError(f"no usable path from {source!r} to {target!r}: {why}")


def _check_request(network: Network, ph: _Physics, source: str, target: str, k: int) -> None:
    for name in (source, target):
        if name not in ph.nodes:
            network.node(name)  # the unknown-node error with the known names
    if source == target:
        raise ValueError(f"source and target are the same node {source!r}; pick two nodes")
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k must be an integer >= 1 (alternatives to return), got {k!r}")
    for name in (source, target):
        if ph.nodes[name].memories < 1:
            raise ValueError(f"node {name!r} has memories=0: it cannot hold its half of the "
                             "pair; give it memories >= 1")


def _score(metric: str | Callable, figs: dict[str, Any]) -> float:
    if callable(metric):
        value = metric(figs)
        if not isinstance(value, (int, float)) or math.isnan(value):
            raise ValueError(f"the metric function must return a number, got {value!r}")
        return float(value)
    if metric == "hops":
        return float(figs["hops"])
    return float(figs["rate_hz"] if metric == "rate" else figs["fidelity"])


def route(network: Network, source: str, target: str, *, metric: str | Callable = "fidelity",
          k: int = 1, fidelity_target: float | None = None, max_purification_rounds: int = 3,
          candidates: int | None = None) -> list[Route]:
    """The ``k`` best paths from ``source`` to ``target`` by ``metric`` (module docstring).

    ``fidelity_target``: keep only paths whose fidelity reaches it, with the fewest DEJMPS rounds
    per link (at most ``max_purification_rounds``); ValueError saying why when none does.
    ``candidates``: how many paths of the search weight to score exactly when that weight is a
    proxy (rate, a user function, readout errors, a target; default
    :data:`DEFAULT_CANDIDATES` for graphs up to :data:`SMALL_GRAPH` nodes, else k).
    """
    import networkx as nx

    if not callable(metric) and metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose one of {', '.join(METRICS)} or pass a "
                         "function of the path figures")
    ph = _Physics(network)
    _check_request(network, ph, source, target, k)
    g, blocked = _graph(network, ph, source, target)
    weight = _weight(metric if isinstance(metric, str) else "rate", ph)
    noisy_readout = any(n.readout_error > 0 for n in network.nodes)
    if candidates is None:
        candidates = DEFAULT_CANDIDATES if len(ph.nodes) <= SMALL_GRAPH else k
    exact = fidelity_target is None and (metric == "hops" or (metric == "fidelity"
                                                               and not noisy_readout))
    n_cand = k if exact else max(k, candidates)
    try:
        paths = list(itertools.islice(nx.shortest_simple_paths(g, source, target, weight=weight),
                                      n_cand))
    except nx.NetworkXNoPath:
        raise _no_path(network, source, target, blocked) from None
    if not paths:
        raise _no_path(network, source, target, blocked)
    figs = [path_figures(network, p, _phys=ph) for p in paths]
    if fidelity_target is not None:
        figs = _meet_target(figs, fidelity_target, max_purification_rounds, ph, source, target)
    reverse = metric != "hops"
    figs.sort(key=lambda f: (_score(metric, f), -f["length_km"]) if reverse else
              (f["hops"], f["length_km"]), reverse=reverse)
    name = metric if isinstance(metric, str) else getattr(metric, "__name__", "custom")
    return [Route(metric=name, score=_score(metric, f), **f) for f in figs[:k]]


def _purified(figs: dict[str, Any], rounds: int, ph: _Physics) -> float:
    path = figs["path"]
    coeffs = []
    for (u, v), f in zip(zip(path[:-1], path[1:]), figs["link_fidelities"]):
        lam = max(ph.nodes[u].gate_error, ph.nodes[v].gate_error)
        c = physics.werner_coefficients(f)
        if rounds:
            c = physics.purification_rounds("dejmps", [c] * 2 ** rounds, rounds, False, lam)[-1][0][0]
        coeffs.append(c)
    out = coeffs[0]
    for node, c in zip(path[1:-1], coeffs[1:]):
        n = ph.nodes[node]
        out = physics.swap_bell_diagonal(out, c, n.gate_error, n.readout_error)
    return float(out[0])


def _meet_target(figs: list[dict], target_f: float, max_rounds: int, ph: _Physics, source: str,
                 target: str) -> list[dict]:
    if not (isinstance(target_f, (int, float)) and 0.0 < target_f <= 1.0):
        raise ValueError(f"fidelity_target must be in (0, 1], got {target_f!r}")
    if not isinstance(max_rounds, int) or isinstance(max_rounds, bool) or max_rounds < 0:
        raise ValueError(f"max_purification_rounds must be an integer >= 0, got {max_rounds!r}")
    kept, best_raw, best_purified = [], max(figs, key=lambda f: f["fidelity"]), 0.0
    for f in figs:
        for r in range(max_rounds + 1):
            fid = f["fidelity"] if r == 0 else _purified(f, r, ph)
            best_purified = max(best_purified, fid)
            if fid >= target_f:
                kept.append({**f, "purification_rounds": r, "purified_fidelity": fid})
                break
    if not kept:
        raise ValueError(
            f"fidelity target {target_f} cannot be met from {source!r} to {target!r}: the best of "
            f"{len(figs)} candidate paths ({' -> '.join(best_raw['path'])}) reaches "
            f"{best_raw['fidelity']:.4f}, and with up to {max_rounds} DEJMPS rounds per link at most "
            f"{best_purified:.4f}; lower the target, shorten "
            "the links or improve the memories and gates")
    return kept

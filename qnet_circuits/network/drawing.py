"""A picture of a network on a matplotlib axis: link lengths, optional per-link rates and paths.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from qnet_circuits.network import grid
>>> net = grid(2, 2, 10.0)
>>> ax = draw(net, rates={("alice", "n0_1"): 812.5}, paths=[["alice", "n0_1", "bob"]])
>>> sorted(t.get_text() for t in ax.texts)[:2]
['10 km', '10 km']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from qnet_circuits.network.core import Network

ROLE_COLORS = {"end": "tab:green", "repeater": "tab:blue", "router": "tab:orange"}


def _edge_labels(network: Network, rates: Mapping | None) -> dict[tuple[str, str], str]:
    rate_of = {frozenset(k): v for k, v in (rates or {}).items()}
    for key in rate_of:
        if len(key) != 2 or not all(any(n.name == x for n in network.nodes) for x in key):
            raise ValueError(f"rates: {tuple(key)!r} is not a pair of the network's nodes")
    labels = {}
    for lk in network.links:
        text = f"{lk.fiber.length_km:.3g} km"
        rate = rate_of.get(frozenset((lk.a, lk.b)))
        if rate is not None:
            text += f"\n{rate:.3g} Hz"
        labels[(lk.a, lk.b)] = text
    return labels


def draw(network: Network, ax: Any = None, *, pos: Mapping[str, Sequence[float]] | None = None,
         rates: Mapping[tuple[str, str], float] | None = None,
         paths: Sequence[Sequence[str]] | None = None, seed: int = 0,
         lengths: bool = True, path_labels: Sequence[str] | None = None) -> Any:
    """Draw ``network`` on ``ax`` (a new figure's axis if None); returns the axis.

    Args:
        pos: node positions (default: networkx spring layout weighted by 1/length, seeded).
        rates: per-link rates in Hz, keyed by node pairs, written under the link lengths.
        paths: per-request paths (node lists), each drawn in its own colour.
        seed: layout seed.
        lengths: write each link's length (km).
        path_labels: one legend entry per path (e.g. a request's simulated rate and fidelity;
            default ``path k: source -> target``).
    """
    import matplotlib.pyplot as plt
    import networkx as nx

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    g = network.graph
    if pos is None:
        for _, _, d in g.edges(data=True):
            d["closeness"] = 1.0 / max(d["length_km"], 1e-9)
        pos = nx.spring_layout(g, seed=seed, weight="closeness")
    colors = [ROLE_COLORS[network.node(n).role] for n in g.nodes]
    nx.draw_networkx_edges(g, pos, ax=ax, edge_color="0.6")
    cmap = plt.get_cmap("tab10")
    if path_labels is not None and len(path_labels) != len(paths or ()):
        raise ValueError(f"path_labels: give one label per path ({len(paths or ())}), got "
                         f"{len(path_labels)}")
    for k, path in enumerate(paths or ()):
        network.links_on(path)  # every consecutive pair must be linked
        edges = list(zip(path[:-1], path[1:]))
        nx.draw_networkx_edges(g, pos, edgelist=edges, ax=ax, width=3.0 + 2.0 * (len(paths) - k - 1),
                               edge_color=[cmap(k % 10)], alpha=0.7,
                               label=(path_labels[k] if path_labels is not None
                                      else f"path {k}: {path[0]} -> {path[-1]}"))
    nx.draw_networkx_nodes(g, pos, ax=ax, node_color=colors, node_size=300)
    nx.draw_networkx_labels(g, pos, ax=ax, font_size=8)
    if lengths or rates:
        labels = _edge_labels(network, rates)
        if not lengths:
            labels = {k: v.split("\n", 1)[-1] for k, v in labels.items() if "\n" in v}
        nx.draw_networkx_edge_labels(g, pos, edge_labels=labels, ax=ax, font_size=7)
    if paths:
        ax.legend(loc="best", fontsize=8)
    ax.set_axis_off()
    return ax

"""Network physics (``core``), files (``io``), built-in topologies (``topologies``), pictures (``drawing``).

Every name of the former ``network.py`` module is importable from here, as before:

>>> from qnet_circuits.network import chain, grid
>>> [n.name for n in chain(2, 25.0).nodes]
['alice', 'r1', 'bob']
>>> len(grid(3, 3, 10.0).links)
12
"""

from __future__ import annotations

from qnet_circuits.network.core import (
    ROLES,
    SCHEMES,
    Detector,
    Fiber,
    Link,
    Memory,
    Network,
    Node,
    Scheme,
    chain,
    star,
)
from qnet_circuits.network.io import (
    LINK_DEFAULTS,
    NODE_DEFAULTS,
    from_networkx,
    load,
    save,
    to_networkx,
)
from qnet_circuits.network.topologies import grid, line, random_geometric, ring

__all__ = [
    "LINK_DEFAULTS",
    "NODE_DEFAULTS",
    "ROLES",
    "SCHEMES",
    "Detector",
    "Fiber",
    "Link",
    "Memory",
    "Network",
    "Node",
    "Scheme",
    "chain",
    "draw",
    "from_networkx",
    "grid",
    "line",
    "load",
    "random_geometric",
    "ring",
    "save",
    "star",
    "to_networkx",
]


def __getattr__(name: str):
    if name == "draw":  # matplotlib loads on first use
        from qnet_circuits.network.drawing import draw

        return draw
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

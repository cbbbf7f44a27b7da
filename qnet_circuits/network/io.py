"""Networks to and from networkx graphs and files: node-link JSON, GraphML and YAML.

Node attributes and their defaults (:data:`NODE_DEFAULTS`): ``role`` (``end`` for a node of
degree <= 1, else ``repeater``; or ``router``), ``memories`` = 2 (memory qubits held at once),
``t1_s`` = ``t2_s`` = inf (s; ideal memory), ``gate_error`` = 0, ``readout_error`` = 0,
``coupler_error`` = 0 (two-qubit depolarizing lambda of gates to other nodes' qubits; a
calibrated network of ``qnet_hardware.network_from_backend`` sets it, and saving writes it only
when it is not 0).
Edge attributes (:data:`LINK_DEFAULTS`): ``length_km`` (required), ``attenuation_db_per_km`` =
0.2, ``scheme`` = ``double-click``, ``speed_km_per_s`` = 2e5, ``alpha`` = 0.1,
``detector_efficiency`` = 1, ``dark_count_prob`` = 0, ``pair_probability`` = 1,
``bsm_efficiency`` = 0.5, ``preparation_time_s`` = 0, ``modes`` = 1 (multiplexing). Infinite
times are left out on saving (they are the default). Other attributes (``pos``, ``label``)
are ignored; one that looks like a misspelt known name is a ValueError.

Free-space edges: ``channel: free_space`` (the default ``channel`` is ``fiber``) makes the edge a
satellite link (:class:`~qnet_circuits.network.free_space.SatelliteDownlinks`): the pair source
flies on a satellite at ``altitude_km`` (500), seen from both nodes at ``elevation_deg`` (30,
in (0, 90]), each node receiving one photon over a downlink of the Gaussian-beam model of
:mod:`qnet_circuits.physics.free_space`. The optics default to the Micius downlink
(:data:`~qnet_circuits.physics.free_space.MICIUS_2017`, :data:`FREE_SPACE_DEFAULTS`):
``wavelength_nm`` 810, ``transmitter_aperture_m`` 0.3, ``receiver_aperture_m`` 1.2,
``beam_quality`` 2.91 (M2 of the measured 5 urad half-angle divergence), ``pointing_error_urad``
1.2, ``zenith_transmittance`` 0.8, ``optics_efficiency`` 0.02 (fitted; it holds detection, so
``detector_efficiency`` stays 1). Such an edge has no ``length_km``, ``attenuation_db_per_km`` or
``speed_km_per_s`` (the arms are the slant ranges, light travels at c) and its scheme is
``midpoint``::

    links:
      - {a: alice, b: bob, channel: free_space, altitude_km: 500, elevation_deg: 45}

The YAML layout::

    nodes:
      alice: {role: end, memories: 2, t2_s: 0.5}
      r1: {role: repeater}
      bob: {}
    links:
      - {a: alice, b: r1, length_km: 25}
      - {a: r1, b: bob, length_km: 30, scheme: single-click}

>>> import tempfile, pathlib
>>> from qnet_circuits.network import chain
>>> net = chain(2, 25.0, t2_s=0.5)
>>> with tempfile.TemporaryDirectory() as d:
...     for ext in ("json", "graphml", "yaml"):
...         _ = save(net, pathlib.Path(d) / f"net.{ext}")
...         assert load(pathlib.Path(d) / f"net.{ext}") == net
>>> NODE_DEFAULTS["memories"], LINK_DEFAULTS["attenuation_db_per_km"]
(2, 0.2)
"""

from __future__ import annotations

import difflib
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qnet_circuits.network.core import Detector, Fiber, Link, Memory, Network, Node

if TYPE_CHECKING:
    import networkx as nx

#: node attributes and their defaults (``role`` None: ``end`` at degree <= 1, else ``repeater``)
NODE_DEFAULTS: dict[str, Any] = {"role": None, "memories": 2, "t1_s": math.inf, "t2_s": math.inf,
                                 "gate_error": 0.0, "readout_error": 0.0, "coupler_error": 0.0}
#: edge attributes and their defaults (``length_km`` has none: it is required)
LINK_DEFAULTS: dict[str, Any] = {"length_km": None, "attenuation_db_per_km": 0.2,
                                 "scheme": "double-click", "speed_km_per_s": 2e5, "alpha": 0.1,
                                 "detector_efficiency": 1.0, "dark_count_prob": 0.0,
                                 "pair_probability": 1.0, "bsm_efficiency": 0.5,
                                 "preparation_time_s": 0.0, "modes": 1}
#: attributes of a ``channel: free_space`` edge and their defaults (the Micius downlink)
FREE_SPACE_DEFAULTS: dict[str, Any] = {
    "altitude_km": 500.0, "elevation_deg": 30.0, "wavelength_nm": 810.0,
    "transmitter_aperture_m": 0.3, "receiver_aperture_m": 1.2, "beam_quality": None,
    "pointing_error_urad": 1.2, "zenith_transmittance": 0.8, "optics_efficiency": 0.02}
#: edge channels
CHANNELS = ("fiber", "free_space")
#: file extensions and their formats
FORMATS = {".json": "json", ".graphml": "graphml", ".xml": "graphml", ".yaml": "yaml",
           ".yml": "yaml"}


def _number(where: str, key: str, value: Any) -> float:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ValueError(f"{where}: field {key!r} must be a number, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise ValueError(f"{where}: field {key!r} must be a number, got {value!r}")
    return value


def _check_keys(where: str, data: dict, known: dict) -> None:
    for key in data:
        if key in known:
            continue
        close = difflib.get_close_matches(str(key), list(known), n=1, cutoff=0.8)
        if close:
            raise ValueError(f"{where}: unknown field {key!r}; did you mean {close[0]!r}?")


def _node(name: Any, data: dict, degree: int, where: str) -> Node:
    _check_keys(where, data, NODE_DEFAULTS)
    if not str(name).isidentifier():
        raise ValueError(f"{where}: node names must be identifiers (they name registers, e.g. "
                         f"alice_mem), got {str(name)!r}; rename the nodes, e.g. "
                         "networkx.relabel_nodes(g, lambda n: f'n{n}')")
    role = data.get("role") or ("end" if degree <= 1 else "repeater")
    vals = {k: _number(where, k, data.get(k, NODE_DEFAULTS[k]))
            for k in ("t1_s", "t2_s", "gate_error", "readout_error", "coupler_error")}
    memories = _number(where, "memories", data.get("memories", NODE_DEFAULTS["memories"]))
    if memories != int(memories):
        raise ValueError(f"{where}: field 'memories' must be a whole number, got {memories!r}")
    try:
        return Node(str(name), role, Memory(vals["t1_s"], vals["t2_s"]), vals["gate_error"],
                    vals["readout_error"], memories=int(memories),
                    coupler_error=vals["coupler_error"])
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def _free_space(data: dict, where: str) -> Any:
    """The :class:`SatelliteDownlinks` channel of a ``channel: free_space`` edge."""
    from qnet_circuits.network.free_space import SatelliteDownlinks
    from qnet_circuits.physics.free_space import MICIUS_2017, Downlink

    for key in ("length_km", "attenuation_db_per_km", "speed_km_per_s"):
        if key in data:
            raise ValueError(f"{where}: field {key!r} describes fiber; a free_space edge's arms are "
                             "the slant ranges of altitude_km and elevation_deg: drop it")
    defaults = {**FREE_SPACE_DEFAULTS, "beam_quality": MICIUS_2017.beam_quality}
    num = {k: _number(where, k, data.get(k, d)) for k, d in defaults.items()}
    for key in ("altitude_km", "elevation_deg"):
        try:
            SatelliteDownlinks.check(key, num[key])
        except ValueError as exc:
            raise ValueError(f"{where}: field {key!r}: {exc}") from None
    optics = {k: num[k] for k in defaults if k not in ("altitude_km", "elevation_deg")}
    for key, value in optics.items():
        try:
            Downlink(**{key: value})
        except ValueError as exc:
            raise ValueError(f"{where}: field {key!r}: {exc}") from None
    try:
        return SatelliteDownlinks(num["altitude_km"], num["elevation_deg"], Downlink(**optics))
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def _link(u: Any, v: Any, data: dict, scheme: str, where: str) -> Link:
    _check_keys(where, data, {**LINK_DEFAULTS, **FREE_SPACE_DEFAULTS, "channel": None})
    channel = data.get("channel", "fiber")
    if channel not in CHANNELS:
        raise ValueError(f"{where}: field 'channel' must be one of {', '.join(CHANNELS)}, got "
                         f"{channel!r}")
    if channel == "fiber":
        extra = [k for k in FREE_SPACE_DEFAULTS if k in data]
        if extra:
            raise ValueError(f"{where}: field {extra[0]!r} describes a free-space link: add "
                             "channel: free_space")
    elif data.get("scheme", "midpoint") != "midpoint":
        raise ValueError(f"{where}: field 'scheme' must be midpoint for a free_space edge (the "
                         f"pair source flies on the satellite), got {data['scheme']!r}")
    if channel == "free_space":
        return _free_space_link(u, v, data, where)
    if "length_km" not in data:
        raise ValueError(f"{where}: field 'length_km' is required (fiber length in km)")
    num = {k: _number(where, k, data.get(k, d)) for k, d in LINK_DEFAULTS.items()
           if k not in ("length_km", "scheme", "modes")}
    modes = _number(where, "modes", data.get("modes", 1))
    if modes != int(modes):
        raise ValueError(f"{where}: field 'modes' must be a whole number, got {modes!r}")
    try:
        fiber = Fiber(_number(where, "length_km", data["length_km"]),
                      num["attenuation_db_per_km"], num["speed_km_per_s"])
        return Link(str(u), str(v), fiber, scheme=data.get("scheme", scheme), alpha=num["alpha"],
                    detector=Detector(num["detector_efficiency"], num["dark_count_prob"]),
                    pair_probability=num["pair_probability"], bsm_efficiency=num["bsm_efficiency"],
                    preparation_time_s=num["preparation_time_s"], modes=int(modes))
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def _free_space_link(u: Any, v: Any, data: dict, where: str) -> Link:
    sat = _free_space(data, where)
    num = {k: _number(where, k, data.get(k, LINK_DEFAULTS[k]))
           for k in ("alpha", "detector_efficiency", "dark_count_prob", "pair_probability",
                     "bsm_efficiency", "preparation_time_s")}
    modes = _number(where, "modes", data.get("modes", 1))
    if modes != int(modes):
        raise ValueError(f"{where}: field 'modes' must be a whole number, got {modes!r}")
    try:
        return Link(str(u), str(v), sat, scheme="midpoint", alpha=num["alpha"],  # type: ignore[arg-type]
                    detector=Detector(num["detector_efficiency"], num["dark_count_prob"]),
                    pair_probability=num["pair_probability"], bsm_efficiency=num["bsm_efficiency"],
                    preparation_time_s=num["preparation_time_s"], modes=int(modes))
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def from_networkx(graph: nx.Graph, *, scheme: str = "double-click", source: str = "graph",
                  edge_order: list[tuple[Any, Any]] | None = None) -> Network:
    """Build a network from a networkx graph with the attributes of the module docstring.

    ``scheme`` is the default of edges without a ``scheme``; ``source`` names the origin in
    error messages (a file name); ``edge_order`` lists the edges (u, v) in the order and
    orientation of the links (default: the graph's edge order).
    """
    if graph.is_directed():
        graph = graph.to_undirected()
    nodes = [_node(n, dict(d), graph.degree[n], f"{source}: node {n!r}")
             for n, d in graph.nodes(data=True)]
    order = list(graph.edges()) if edge_order is None else edge_order
    links = [_link(u, v, dict(graph.edges[u, v]), scheme, f"{source}: edge ({u!r}, {v!r})")
             for u, v in order]
    try:
        return Network(tuple(nodes), tuple(links))
    except ValueError as exc:
        raise ValueError(f"{source}: {exc}") from None


def node_attributes(node: Node) -> dict[str, Any]:
    """The file attributes of ``node`` (infinite times and a ``coupler_error`` of 0 left out:
    they are the defaults)."""
    out: dict[str, Any] = {"role": node.role, "memories": node.memories,
                           "t1_s": node.memory.t1_s, "t2_s": node.memory.t2_s,
                           "gate_error": node.gate_error, "readout_error": node.readout_error}
    if node.coupler_error != 0:
        out["coupler_error"] = node.coupler_error
    return {k: v for k, v in out.items() if not (isinstance(v, float) and math.isinf(v))}


def link_attributes(link: Link) -> dict[str, Any]:
    """The file attributes of ``link`` (a free-space link: ``channel`` and its optics)."""
    f, d = link.fiber, link.detector
    if not isinstance(f, Fiber):
        o = f.downlink
        return {"channel": "free_space", "altitude_km": f.altitude_km,
                "elevation_deg": f.elevation_deg, "wavelength_nm": o.wavelength_nm,
                "transmitter_aperture_m": o.transmitter_aperture_m,
                "receiver_aperture_m": o.receiver_aperture_m, "beam_quality": o.beam_quality,
                "pointing_error_urad": o.pointing_error_urad,
                "zenith_transmittance": o.zenith_transmittance,
                "optics_efficiency": o.optics_efficiency, "scheme": link.scheme,
                "alpha": link.alpha, "detector_efficiency": d.efficiency,
                "dark_count_prob": d.dark_count_prob, "pair_probability": link.pair_probability,
                "bsm_efficiency": link.bsm_efficiency,
                "preparation_time_s": link.preparation_time_s, "modes": link.modes}
    return {"length_km": f.length_km, "attenuation_db_per_km": f.attenuation_db_per_km,
            "scheme": link.scheme, "speed_km_per_s": f.speed_km_per_s, "alpha": link.alpha,
            "detector_efficiency": d.efficiency, "dark_count_prob": d.dark_count_prob,
            "pair_probability": link.pair_probability, "bsm_efficiency": link.bsm_efficiency,
            "preparation_time_s": link.preparation_time_s, "modes": link.modes}


def to_networkx(network: Network) -> nx.Graph:
    """The network as a networkx graph carrying every attribute (floats and strings only)."""
    import networkx as nx

    g = nx.Graph()
    for node in network.nodes:
        g.add_node(node.name, **node_attributes(node))
    for link in network.links:
        g.add_edge(link.a, link.b, **link_attributes(link))
    return g


def _format(path: Path, fmt: str | None) -> str:
    if fmt is not None:
        if fmt not in set(FORMATS.values()):
            raise ValueError(f"format must be one of json, graphml, yaml, got {fmt!r}")
        return fmt
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise ValueError(f"network file {str(path)!r}: unknown extension {path.suffix!r}; use "
                         f"{', '.join(FORMATS)} (or pass format=)") from None


def _read_json(text: str, name: str) -> tuple[nx.Graph, list]:
    import networkx as nx

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{name} is not valid JSON: line {exc.lineno} column {exc.colno}: "
                         f"{exc.msg}") from None
    if not isinstance(data, dict) or "nodes" not in data:
        raise ValueError(f"{name}: a node-link JSON object needs a 'nodes' field "
                         "(networkx.node_link_data)")
    edges = "edges" if "edges" in data else "links"
    try:
        g = nx.node_link_graph(data, edges=edges)
        return g, [(e["source"], e["target"]) for e in data.get(edges, [])]
    except (KeyError, TypeError, nx.NetworkXError) as exc:
        raise ValueError(f"{name}: not a node-link graph ({exc!s}); write it with "
                         "networkx.node_link_data") from None


def _read_graphml(text: str, name: str) -> tuple[nx.Graph, list]:
    import xml.etree.ElementTree as ET

    import networkx as nx

    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        line, col = exc.position
        raise ValueError(f"{name} is not valid GraphML XML: line {line} column {col}") from None
    try:
        g = nx.parse_graphml(text)
        order = [(e.get("source"), e.get("target")) for e in root.iter()
                 if e.tag.rsplit("}", 1)[-1] == "edge"]
        return g, order
    except (nx.NetworkXError, KeyError, ValueError) as exc:
        raise ValueError(f"{name}: not a GraphML graph ({exc!s})") from None


def _yaml_graph(data: Any, name: str) -> tuple[nx.Graph, list]:
    import networkx as nx

    if not isinstance(data, dict) or "nodes" not in data or "links" not in data:
        raise ValueError(f"{name}: a network YAML file needs top-level 'nodes' and 'links'")
    nodes, links = data["nodes"], data["links"]
    g = nx.Graph()
    if isinstance(nodes, dict):
        items = [(k, v or {}) for k, v in nodes.items()]
    elif isinstance(nodes, list):
        items = [(n, {}) if not isinstance(n, dict) else
                 (n.get("name"), {k: v for k, v in n.items() if k != "name"}) for n in nodes]
    else:
        raise ValueError(f"{name}: field 'nodes' must be a mapping name -> attributes or a list")
    for node, attrs in items:
        if node is None or not isinstance(attrs, dict):
            raise ValueError(f"{name}: node {node!r} needs a name and a mapping of attributes")
        g.add_node(node, **attrs)
    if not isinstance(links, list):
        raise ValueError(f"{name}: field 'links' must be a list of {{a, b, length_km, ...}}")
    for i, link in enumerate(links):
        if not isinstance(link, dict) or "a" not in link or "b" not in link:
            raise ValueError(f"{name}: links[{i}] needs fields 'a' and 'b' (node names)")
        for end in (link["a"], link["b"]):
            if end not in g:
                raise ValueError(f"{name}: links[{i}] names unknown node {end!r}; list it "
                                 "under 'nodes'")
        g.add_edge(link["a"], link["b"], **{k: v for k, v in link.items() if k not in ("a", "b")})
    return g, [(lk["a"], lk["b"]) for lk in links]


def _read_yaml(text: str, name: str) -> tuple[nx.Graph, list]:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f": line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise ValueError(f"{name} is not valid YAML{where}: "
                         f"{getattr(exc, 'problem', None) or exc}") from None
    return _yaml_graph(data, name)


def load(path: str | Path, *, format: str | None = None, scheme: str = "double-click"
         ) -> Network:
    """Read a network from ``path`` (format from the extension: .json, .graphml, .yaml/.yml).

    Bad files are a ValueError naming the file and the line or field.
    """
    path = Path(path)
    fmt = _format(path, format)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ValueError(f"cannot read network file {str(path)!r}: {exc.strerror}") from None
    name = f"network file {path.name!r}"
    reader = {"json": _read_json, "graphml": _read_graphml, "yaml": _read_yaml}[fmt]
    graph, order = reader(text, name)
    return from_networkx(graph, scheme=scheme, source=name, edge_order=order)


def _write_graphml(network: Network, g: nx.Graph, path: Path) -> None:
    """networkx's GraphML with the edges put back in the network's link order and orientation."""
    import xml.etree.ElementTree as ET

    import networkx as nx

    ns = "http://graphml.graphdrawing.org/xmlns"
    ET.register_namespace("", ns)
    ET.register_namespace("xsi", "http://www.w3.org/2001/XMLSchema-instance")
    root = ET.fromstring("\n".join(nx.generate_graphml(g)))
    graph = root.find(f"{{{ns}}}graph")
    edges = {frozenset((e.get("source"), e.get("target"))): e for e in graph.findall(f"{{{ns}}}edge")}
    for e in edges.values():
        graph.remove(e)
    for lk in network.links:
        e = edges[frozenset((lk.a, lk.b))]
        e.set("source", lk.a)
        e.set("target", lk.b)
        graph.append(e)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def save(network: Network, path: str | Path, *, format: str | None = None) -> Path:
    """Write ``network`` to ``path`` in the format its extension names; returns the path."""
    import networkx as nx

    path = Path(path)
    fmt = _format(path, format)
    g = to_networkx(network)
    if fmt == "json":
        data = nx.node_link_data(g, edges="links")
        data["links"] = [{"source": lk.a, "target": lk.b, **link_attributes(lk)}
                         for lk in network.links]  # the network's link order and orientation
        path.write_text(json.dumps(data, indent=1) + "\n")
    elif fmt == "graphml":
        _write_graphml(network, g, path)
    else:
        import yaml

        data = {"nodes": {n.name: node_attributes(n) for n in network.nodes},
                "links": [{"a": lk.a, "b": lk.b, **link_attributes(lk)} for lk in network.links]}
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path

"""Node-aware layout: lay a repeater chain on a line of physical qubits.

A protocol circuit from :mod:`qnet_circuits.library` names the node of each quantum register in
``metadata["nodes"]`` (``alice_mem -> alice``, ``r1_mem -> r1``, ...; in chain order). When the
circuit's two-qubit interaction graph is a set of paths (links and Bell measurements of a chain
with dynamic corrections), its qubits are ordered along those paths, node by node, and laid on a
simple path of physically coupled qubits chosen for low error: every two-qubit gate then acts on
neighbours and routing adds no SWAP.

>>> from qiskit import QuantumCircuit
>>> qc = QuantumCircuit(4); _ = qc.cx(0, 1); _ = qc.cx(2, 3); _ = qc.cx(1, 2)
>>> line_order(qc)
[0, 1, 2, 3]
>>> from qiskit.transpiler import CouplingMap
>>> find_line(CouplingMap.from_line(6), 4)
[0, 1, 2, 3]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from qiskit.circuit import ControlFlowOp, QuantumCircuit, Qubit
from qiskit.transpiler import CouplingMap, Target

__all__ = [
    "active_qubits",
    "find_line",
    "interaction_edges",
    "layout_for_line",
    "line_order",
    "measurement_counts",
    "node_ranks",
    "qubit_errors",
    "two_qubit_count",
]

_NOT_GATES = frozenset({"barrier", "measure", "reset", "delay", "store"})


def _walk(circuit: QuantumCircuit, outer: Sequence[int] | None = None):
    """Yield (operation, top-level qubit indices) for every non-control-flow instruction."""
    index = (
        {q: circuit.find_bit(q).index for q in circuit.qubits}
        if outer is None
        else dict(zip(circuit.qubits, outer))
    )
    for inst in circuit.data:
        op = inst.operation
        tops = [index[q] for q in inst.qubits]
        if isinstance(op, ControlFlowOp):
            for block in op.blocks:
                yield from _walk(block, tops)
        else:
            yield op, tops


def interaction_edges(circuit: QuantumCircuit) -> dict[tuple[int, int], int]:
    """``{(i, j): count}`` (i < j) of gates acting on qubits i and j, control-flow bodies included.

    A gate on k > 2 qubits contributes every pair of its qubits.
    """
    edges: dict[tuple[int, int], int] = {}
    for op, qubits in _walk(circuit):
        if op.name in _NOT_GATES or len(qubits) < 2:
            continue
        for a in range(len(qubits)):
            for b in range(a + 1, len(qubits)):
                key = (min(qubits[a], qubits[b]), max(qubits[a], qubits[b]))
                edges[key] = edges.get(key, 0) + 1
    return edges


def active_qubits(circuit: QuantumCircuit) -> set[int]:
    """Indices of the qubits that any instruction (barriers aside) touches, bodies included."""
    return {q for op, qubits in _walk(circuit) if op.name != "barrier" for q in qubits} | {
        circuit.find_bit(q).index
        for inst in circuit.data
        if isinstance(inst.operation, ControlFlowOp)
        for q in inst.qubits
    }


def two_qubit_count(circuit: QuantumCircuit) -> int:
    """Number of two-qubit gates, counting every branch of every control-flow body once."""
    return sum(
        1 for op, qubits in _walk(circuit) if op.name not in _NOT_GATES and len(qubits) == 2
    )


def node_ranks(circuit: QuantumCircuit) -> dict[int, int]:
    """Position along the chain of the node holding each qubit (from ``metadata["nodes"]``).

    Nodes are ranked in the order they first appear in ``metadata["nodes"]`` (builders list them
    along the chain: ``alice, r1, ..., bob``); qubits of unlisted registers are absent.
    """
    nodes: Mapping[str, str] = (circuit.metadata or {}).get("nodes", {}) or {}
    order: dict[str, int] = {}
    for node in nodes.values():
        order.setdefault(node, len(order))
    registers = {reg.name: reg for reg in circuit.qregs}
    ranks: dict[int, int] = {}
    for reg_name, node in nodes.items():
        reg = registers.get(reg_name)
        if reg is None:
            raise ValueError(
                f"metadata['nodes'] names register {reg_name!r}, which the circuit does not have"
            )
        for qubit in reg:
            ranks[circuit.find_bit(qubit).index] = order[node]
    return ranks


def _components(n: int, adjacency: Mapping[int, set[int]]) -> list[list[int]]:
    seen: set[int] = set()
    out: list[list[int]] = []
    for start in range(n):
        if start in seen:
            continue
        stack, comp = [start], []
        seen.add(start)
        while stack:
            v = stack.pop()
            comp.append(v)
            for w in adjacency[v]:
                if w not in seen:
                    seen.add(w)
                    stack.append(w)
        out.append(sorted(comp))
    return out


def _walk_path(comp: list[int], adjacency: Mapping[int, set[int]]) -> list[int]:
    ends = [v for v in comp if len(adjacency[v]) <= 1]
    path = [min(ends)]
    prev = -1
    while len(path) < len(comp):
        nxt = [w for w in adjacency[path[-1]] if w != prev]
        prev = path[-1]
        path.append(nxt[0])
    return path


def line_order(circuit: QuantumCircuit) -> list[int] | None:
    """Qubit indices in the order to lay on a physical line, or None if no line avoids SWAPs.

    The interaction graph (:func:`interaction_edges`) must be a union of simple paths (every
    qubit interacts with at most two others, no cycle). Each path is oriented so that the node
    rank (:func:`node_ranks`) grows along it, and the paths (isolated qubits included) are
    concatenated by their lowest node rank, unlisted registers last.
    """
    n = circuit.num_qubits
    adjacency: dict[int, set[int]] = {q: set() for q in range(n)}
    for a, b in interaction_edges(circuit):
        adjacency[a].add(b)
        adjacency[b].add(a)
    if any(len(nb) > 2 for nb in adjacency.values()):
        return None
    ranks = node_ranks(circuit)
    big = n + len(ranks) + 1
    paths: list[list[int]] = []
    for comp in _components(n, adjacency):
        n_edges = sum(len(adjacency[v]) for v in comp) // 2
        if n_edges >= len(comp):  # a cycle: a line cannot hold it without a SWAP
            return None
        path = _walk_path(comp, adjacency)
        known = [ranks[v] for v in path if v in ranks]
        if known and (known[0], path[0]) > (known[-1], path[-1]):
            path.reverse()
        paths.append(path)
    paths.sort(key=lambda p: (min((ranks.get(v, big) for v in p), default=big), p[0]))
    return [v for p in paths for v in p]


def qubit_errors(target: Target) -> tuple[dict[int, float], dict[tuple[int, int], float]]:
    """Per-qubit readout error and per-edge two-qubit gate error from ``target`` (0 if unknown).

    Qubits without a calibrated measurement are left out (they are not usable).
    """
    readout: dict[int, float] = {}
    if "measure" in target.operation_names:
        for qargs, props in target["measure"].items():
            if qargs is None:
                continue
            err = getattr(props, "error", None) if props is not None else None
            readout[qargs[0]] = float(err) if err is not None else 0.0
    else:
        readout = {q: 0.0 for q in range(target.num_qubits)}
    edge_error: dict[tuple[int, int], float] = {}
    for name in target.operation_names:
        try:
            entries = target[name]
        except KeyError:  # pragma: no cover - defensive
            continue
        for qargs, props in entries.items():
            if qargs is None or len(qargs) != 2:
                continue
            err = getattr(props, "error", None) if props is not None else None
            key = (min(qargs), max(qargs))
            value = float(err) if err is not None else 0.0
            edge_error[key] = min(edge_error.get(key, value), value)
    return readout, edge_error


def find_line(
    coupling: CouplingMap | Target,
    length: int,
    *,
    qubit_weights: Sequence[float] | None = None,
    edge_weights: Sequence[float] | None = None,
    beam_width: int = 64,
    exclude: Iterable[int] = (),
) -> list[int] | None:
    """A simple path of ``length`` coupled physical qubits with low weighted error, or None.

    Beam search over paths grown one qubit at a time. With a :class:`~qiskit.transpiler.Target`
    the cost of a path ``p`` is ``sum_i qubit_weights[i] * readout_error(p[i]) +
    sum_i edge_weights[i] * gate_error(p[i], p[i+1])`` (weights default to 1: pass the number of
    measurements of the qubit laid at position i and of gates between positions i and i+1, so
    only errors the circuit meets count). A bare coupling map gives every path the same cost.
    """
    if not isinstance(length, int) or length < 1:
        raise ValueError(f"length must be a positive integer (qubits on the line), got {length!r}")
    qw = [1.0] * length if qubit_weights is None else [float(w) for w in qubit_weights]
    ew = [1.0] * (length - 1) if edge_weights is None else [float(w) for w in edge_weights]
    if len(qw) != length or len(ew) != length - 1:
        raise ValueError("qubit_weights needs length entries and edge_weights length - 1")
    if isinstance(coupling, Target):
        readout, edge_error = qubit_errors(coupling)
        cmap = coupling.build_coupling_map()
        if cmap is None:  # all-to-all device
            return list(range(length)) if length <= coupling.num_qubits else None
    else:
        cmap = coupling
        readout = {q: 0.0 for q in cmap.physical_qubits}
        edge_error = {}
    banned = set(exclude)
    neighbours: dict[int, set[int]] = {q: set() for q in readout if q not in banned}
    for a, b in cmap.get_edges():
        if a in neighbours and b in neighbours:
            if edge_error.get((min(a, b), max(a, b)), 0.0) >= 1.0:  # a broken coupler
                continue
            neighbours[a].add(b)
            neighbours[b].add(a)
    usable = sorted(q for q in neighbours if readout[q] < 0.5)
    if len(usable) < length:
        return None
    for width in (beam_width, beam_width * 16):
        beam = sorted((qw[0] * readout[q], (q,)) for q in usable)
        for step in range(1, length):
            grown: dict[tuple[int, ...], float] = {}
            for cost, path in beam:
                for nxt in neighbours[path[-1]]:
                    if nxt in path or readout[nxt] >= 0.5:
                        continue
                    key = (min(path[-1], nxt), max(path[-1], nxt))
                    grown[path + (nxt,)] = (
                        cost + qw[step] * readout[nxt] + ew[step - 1] * edge_error.get(key, 0.0)
                    )
            beam = sorted(((c, p) for p, c in grown.items()))[:width]
            if not beam:
                break
        if beam and len(beam[0][1]) == length:
            return list(beam[0][1])
    return None


def measurement_counts(circuit: QuantumCircuit) -> dict[int, int]:
    """``{qubit index: number of measurements}``, control-flow bodies included."""
    counts: dict[int, int] = {}
    for op, qubits in _walk(circuit):
        if op.name == "measure":
            counts[qubits[0]] = counts.get(qubits[0], 0) + 1
    return counts


def layout_for_line(
    order: Sequence[int], line: Sequence[int], num_qubits: int, num_physical: int
) -> list[int]:
    """``initial_layout`` (virtual index -> physical qubit) placing ``order`` on ``line``; the
    virtual qubits not in ``order`` (idle ones) go to the lowest free physical qubits."""
    if len(set(order)) != len(order) or len(line) < len(order):
        raise ValueError("order must list distinct qubits and line must hold at least as many")
    layout = [-1] * num_qubits
    for pos, virtual in enumerate(order):
        layout[virtual] = int(line[pos])
    used = set(layout)
    free = (p for p in range(num_physical) if p not in used)
    for virtual in range(num_qubits):
        if layout[virtual] < 0:
            layout[virtual] = next(free)
    return layout


def qubit_labels(circuit: QuantumCircuit) -> list[str]:
    """``register[index]`` label of every qubit, in circuit order."""
    labels: list[str] = []
    for qubit in circuit.qubits:
        loc = circuit.find_bit(qubit)
        labels.append(f"{loc.registers[0][0].name}[{loc.registers[0][1]}]" if loc.registers else
                      f"q{loc.index}")
    return labels


def register_layout(circuit: QuantumCircuit, physical: Mapping[Qubit, int]) -> dict[str, list[int]]:
    """``{register name: [physical qubit of each of its qubits]}``."""
    return {reg.name: [int(physical[q]) for q in reg] for reg in circuit.qregs}

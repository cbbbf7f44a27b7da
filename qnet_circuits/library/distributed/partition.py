"""Place circuit qubits on network nodes, minimising non-local two-qubit gates.

The interaction graph has one vertex per qubit and an edge weighted by the number of two-qubit
gates between the pair. Nodes are found by recursive Kernighan-Lin bisection (networkx) with
balanced part sizes (sizes differ by at most one qubit).
"""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx
from networkx.algorithms.community import kernighan_lin_bisection


def interaction_graph(circuit) -> nx.Graph:
    """Weighted graph of two-qubit interactions (weight = number of gates on the pair)."""
    graph = nx.Graph()
    graph.add_nodes_from(range(circuit.num_qubits))
    for inst in circuit.data:
        qs = [circuit.find_bit(q).index for q in inst.qubits]
        for i in range(len(qs)):
            for j in range(i + 1, len(qs)):
                a, b = qs[i], qs[j]
                w = graph.get_edge_data(a, b, {"weight": 0})["weight"]
                graph.add_edge(a, b, weight=w + 1)
    return graph


def nonlocal_count(circuit, placement: Mapping[int, int]) -> int:
    """Number of multi-qubit operations whose qubits sit on more than one node."""
    count = 0
    for inst in circuit.data:
        nodes = {placement[circuit.find_bit(q).index] for q in inst.qubits}
        count += len(nodes) > 1
    return count


def _split(graph: nx.Graph, qubits: list[int], n_parts: int, seed: int) -> list[list[int]]:
    if n_parts == 1:
        return [sorted(qubits)]
    left_parts = n_parts // 2
    n_left = round(len(qubits) * left_parts / n_parts)
    ordered = sorted(qubits)
    init = (set(ordered[:n_left]), set(ordered[n_left:]))
    sub = graph.subgraph(qubits)
    if 0 < n_left < len(qubits):
        left, right = kernighan_lin_bisection(sub, partition=init, weight="weight", seed=seed)
        if len(left) != n_left:   # networkx may return the two sides in either order
            left, right = right, left
    else:
        left, right = init
    return (_split(graph, list(left), left_parts, seed)
            + _split(graph, list(right), n_parts - left_parts, seed))


def place(circuit, n_nodes: int, placement: Mapping[int, int] | None = None,
          seed: int = 0) -> dict[int, int]:
    """Map every qubit index to a node index in ``range(n_nodes)``.

    A given ``placement`` is validated and returned; otherwise recursive Kernighan-Lin bisection
    of the interaction graph (deterministic for a fixed ``seed``).

    >>> from qiskit import QuantumCircuit
    >>> qc = QuantumCircuit(4); _ = qc.cx(0, 1); _ = qc.cx(2, 3)
    >>> p = place(qc, 2); p[0] == p[1] and p[2] == p[3] and p[0] != p[2]
    True
    """
    if not isinstance(n_nodes, int) or n_nodes < 1:
        raise ValueError(f"--nodes must be a positive integer, got {n_nodes!r}")
    n = circuit.num_qubits
    if n_nodes > n:
        raise ValueError(f"--nodes ({n_nodes}) exceeds the circuit's {n} qubits; use at most {n} nodes")
    if placement is not None:
        missing = set(range(n)) - set(placement)
        if missing:
            raise ValueError(f"placement misses qubits {sorted(missing)}; give a node for every qubit")
        bad = {q: v for q, v in placement.items() if not (isinstance(v, int) and 0 <= v < n_nodes)}
        if bad:
            raise ValueError(f"placement nodes {bad} outside range(0, {n_nodes})")
        return {int(q): int(placement[q]) for q in range(n)}
    parts = _split(interaction_graph(circuit), list(range(n)), n_nodes, seed)
    return {q: node for node, part in enumerate(parts) for q in part}

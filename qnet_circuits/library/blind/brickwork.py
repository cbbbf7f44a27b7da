"""The BFK brickwork state: its graph, its measurement pattern, and the unitary circuit a
brickwork pattern implements (Broadbent-Fitzsimons-Kashefi, arXiv:0807.4154).

>>> brickwork_pattern(2, 5).num_measured, brickwork_logical_circuit(2, 5, {}).num_qubits
(8, 2)
"""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx
from qiskit.circuit import QuantumCircuit

from qnet_circuits.library.blind.base import angle_index
from qnet_circuits.library.blind.pattern import MeasurementPattern


def _check_brickwork_size(rows: int, columns: int) -> None:
    if not isinstance(rows, int) or isinstance(rows, bool) or rows < 1:
        raise ValueError(f"rows must be a positive integer, got {rows!r}")
    if not isinstance(columns, int) or isinstance(columns, bool) or columns < 5 or columns % 8 != 5:
        raise ValueError(
            f"columns must be 5 mod 8 (5, 13, 21, ...) for the BFK brickwork, got {columns!r}"
        )


def _brick_columns(rows: int, columns: int) -> list[tuple[int, int]]:
    """(column, upper row) of every vertical edge, 0-indexed (BFK: j = 3, 5 mod 8 odd rows...)."""
    out = []
    for c in range(columns):
        for r in range(rows - 1):
            # BFK (1-indexed): j = 3 mod 8 with odd i, j = 7 mod 8 with even i; edges at j, j+2
            start = 2 if r % 2 == 0 else 6
            off = (c - start) % 8
            if off in (0, 2) and c - off >= start and c - off + 2 < columns:
                out.append((c, r))
    return out


def brickwork_graph(rows: int, columns: int) -> nx.Graph:
    """The BFK brickwork graph: vertices (row, column), 0-indexed; ``columns`` = 5 mod 8.

    Rows are chains; vertical edges join rows r, r+1 at columns c and c+2 with c = 2 mod 8 for
    even r and c = 6 mod 8 for odd r (BFK's j = 3, 7 mod 8, 1-indexed).

    >>> g = brickwork_graph(2, 5)
    >>> g.number_of_nodes(), sorted(e for e in g.edges if e[0][1] == e[1][1])
    (10, [((0, 2), (1, 2)), ((0, 4), (1, 4))])
    """
    _check_brickwork_size(rows, columns)
    g = nx.Graph()
    for r in range(rows):
        for c in range(columns):
            g.add_node((r, c))
            if c:
                g.add_edge((r, c - 1), (r, c))
    for c, r in _brick_columns(rows, columns):
        g.add_edge((r, c), (r + 1, c))
    return g


def brickwork_pattern(
    rows: int, columns: int, angles: Mapping[tuple[int, int], float] | None = None
) -> MeasurementPattern:
    """The brickwork as a pattern: column-major order, flow (r, c) -> (r, c + 1), outputs the
    last column (row order). ``angles`` maps (r, c) to radians (multiples of pi/4; default 0).
    """
    g = brickwork_graph(rows, columns)
    angles = dict(angles or {})
    order = [(r, c) for c in range(columns - 1) for r in range(rows)]
    extra = set(angles) - set(order)
    if extra:
        raise ValueError(f"angles given for vertices that are not measured: {sorted(extra)}")
    return MeasurementPattern(
        order=tuple(order),
        outputs=tuple((r, columns - 1) for r in range(rows)),
        edges=tuple(g.edges),
        flow=tuple((r, c + 1) for (r, c) in order),
        angles=tuple(angle_index(angles.get(v, 0.0), f"angles[{v}]") for v in order),
        name=f"brickwork_{rows}x{columns}",
    )


def brickwork_logical_circuit(
    rows: int, columns: int, angles: Mapping[tuple[int, int], float]
) -> QuantumCircuit:
    """The unitary circuit a brickwork pattern implements on |0>... (exact check of a compile).

    Inputs are |+> (``h``); at each column the vertical CZs act, then measuring (r, c) at alpha
    applies ``J(-alpha) = H P(-alpha)`` to row r (reference section 11). The last column's CZs
    act on the output.
    """
    _check_brickwork_size(rows, columns)
    qc = QuantumCircuit(rows, name="brickwork_logical")
    qc.h(range(rows))
    verticals = _brick_columns(rows, columns)
    for c in range(columns):
        for cc, r in verticals:
            if cc == c:
                qc.cz(r, r + 1)
        if c < columns - 1:
            for r in range(rows):
                qc.p(-angles.get((r, c), 0.0), r)
                qc.h(r)
    return qc


__all__ = ["brickwork_graph", "brickwork_logical_circuit", "brickwork_pattern"]

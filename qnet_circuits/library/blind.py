"""Universal blind quantum computation (Broadbent-Fitzsimons-Kashefi) with trap verification.

The client/server split of BFK (FOCS 2009, arXiv:0807.4154), physics-reference section 11:

1. the client holds a measurement pattern (graph, angles phi_i in {k pi/4}, flow f);
2. for every vertex it draws theta_i in {k pi/4} and sends ``|+_theta> = P(theta)|+>``
   (here: ``ry(alpha)`` then ``p(beta)``, which is ``h`` then ``p(theta)`` for alpha = pi/2);
3. the server applies CZ on every edge;
4. in the measurement order the client sends ``delta_i = phi'_i + theta_i + r_i pi`` with
   ``phi'_i = (-1)^{s^X_i} phi_i + s^Z_i pi`` (flow corrections from earlier results
   ``s_j = b_j xor r_j``), the server measures in ``|+-_delta>`` (``p(-delta)``, ``h``,
   ``measure``) and reports ``b_i``;
5. output vertices are measured in Z; the client decodes ``out = m xor s^X``.

Trap verification (Fitzsimons-Kashefi, PRA 96, 012303): vertices outside the computation hold
either traps ``|+_theta>`` or dummies ``|d>``; every neighbour of a trap is a dummy, so an honest
trap outcome is ``b = r`` (the client adds ``d pi`` for each dummy neighbour to delta).

Circuits are *role-independent*: the server's instructions are the same for every run, the
client's secrets (theta, r, trap positions, dummy bits, and the flow corrections it will apply)
are circuit Parameters, so one compiled circuit runs thousands of random secret draws with
Aer ``parameter_binds`` (see :mod:`qnet_circuits.analysis_blind`). The measurement rotation
``p(-delta)`` is split into ``p(-base)``, ``p(+flip)`` if the flow X-dependency reported 1, and
``p(-pi w_j)`` for each Z-dependency j that reported 1, where ``w_j`` is 1 when the client counts
that dependency (``delta = base - flip b_x + pi sum_j w_j b_j``).

Programs: a :class:`MeasurementPattern` (any graph with flow), the 3-qubit line, or a small
1-2 qubit circuit compiled onto the BFK brickwork state (:func:`compile_to_brickwork`).

>>> prog = line_program(math.pi / 2, math.pi / 4)
>>> qc = blind_circuit(prog.pattern)
>>> qc.num_qubits, [r.name for r in qc.cregs]
(2, ['server_b'])
>>> prog.pattern.order, prog.pattern.outputs
((1, 2), (3,))
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import networkx as nx
import numpy as np
from qiskit.circuit import (
    ClassicalRegister,
    ParameterVector,
    QuantumCircuit,
    QuantumRegister,
)

from qnet_circuits.library.options import BLIND_ATTACKS

__all__ = [
    "ATTACKS",
    "BlindProgram",
    "ClientRuns",
    "Gate",
    "MeasurementPattern",
    "angle_index",
    "blind_circuit",
    "brickwork_graph",
    "brickwork_logical_circuit",
    "brickwork_pattern",
    "brickwork_program",
    "compile_to_brickwork",
    "delta_multiset",
    "draw_runs",
    "line_program",
    "parse_angle",
    "parse_program",
    "place_traps",
    "program_circuit",
]

QUARTER = math.pi / 4
#: Server deviations: a Pauli on one position just before its measurement, or a flipped report.
ATTACKS = BLIND_ATTACKS
Attack = Literal["x", "y", "z", "misreport"]
Correction = Literal["dynamic", "deferred"]

ROLE_COMPUTE, ROLE_TRAP, ROLE_DUMMY = 0, 1, 2


# ---------------------------------------------------------------------------------------------
# angles
# ---------------------------------------------------------------------------------------------


def angle_index(value: float, name: str = "angle") -> int:
    """The k in ``value = k pi/4 (mod 2 pi)``, k in 0..7; ``ValueError`` if not such a multiple.

    UBQC needs every measurement angle in {k pi/4}: only then is delta uniform on that set.

    >>> angle_index(3 * math.pi / 4), angle_index(-math.pi / 2)
    (3, 6)
    """
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number (radians), got {value!r}") from None
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {value!r}")
    k = round(x / QUARTER)
    if abs(x - k * QUARTER) > 1e-9 * max(1.0, abs(x)):
        raise ValueError(
            f"{name} must be a multiple of pi/4 (UBQC angles lie in {{k pi/4}}), got {x!r}; "
            f"use e.g. {k}*pi/4"
        )
    return k % 8


_ANGLE_RE = re.compile(
    r"^\s*(?P<sign>[+-])?\s*(?P<num>\d+(\.\d*)?|\.\d+)?\s*\*?\s*pi\s*(/\s*(?P<den>\d+(\.\d*)?))?\s*$"
)


def parse_angle(text: str) -> float:
    """Parse ``"pi/4"``, ``"3pi/4"``, ``"-3*pi/2"``, ``"pi"``, ``"0"`` or a float (radians).

    >>> round(parse_angle("3pi/4"), 6), parse_angle("0.5")
    (2.356194, 0.5)
    """
    if not isinstance(text, str):
        raise ValueError(f"angle must be a string like 'pi/4' or '0.785', got {text!r}")
    m = _ANGLE_RE.match(text.lower())
    if m:
        num = float(m.group("num")) if m.group("num") else 1.0
        den = float(m.group("den")) if m.group("den") else 1.0
        if den == 0:
            raise ValueError(f"angle {text!r} divides by zero")
        value = num * math.pi / den
        return -value if m.group("sign") == "-" else value
    try:
        return float(text)
    except ValueError:
        raise ValueError(
            f"cannot parse angle {text!r}; use radians or forms like 'pi/4', '3pi/4', '-pi/2'"
        ) from None


# ---------------------------------------------------------------------------------------------
# measurement patterns
# ---------------------------------------------------------------------------------------------


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


def _path_pattern(labels: Sequence[Hashable], angles: Sequence[int], name: str) -> MeasurementPattern:
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


# ---------------------------------------------------------------------------------------------
# brickwork (BFK): graph, pattern, and the circuit it implements
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# programs: 1-2 qubit circuits compiled onto the brickwork
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gate:
    """A program gate: name, qubits, and an angle in radians for rotations."""

    name: str
    qubits: tuple[int, ...]
    angle: float | None = None


#: One-qubit gates as J-sequences: J(x) = H P(x), in application order, x in units of pi/4.
_FIXED_J: dict[str, tuple[int, ...]] = {
    "id": (),
    "h": (0,),
    "x": (0, 4),
    "y": (4, 4),
    "z": (4, 0),
    "s": (2, 0),
    "sdg": (6, 0),
    "t": (1, 0),
    "tdg": (7, 0),
    "sx": (0, 2),
    "sxdg": (0, 6),
}
_ROTATIONS = ("p", "rz", "rx", "ry", "u1")
_TWO_QUBIT = ("cx", "cnot", "cz")


def _gate_j(gate: Gate) -> tuple[int, ...]:
    if gate.name in _FIXED_J:
        return _FIXED_J[gate.name]
    k = angle_index(gate.angle, f"angle of {gate.name} on qubit {gate.qubits[0]}")
    if gate.name in ("p", "rz", "u1"):
        return (k, 0)
    if gate.name == "rx":
        return (0, k)
    return (6, k, 2, 0)  # ry(a) = S rx(a) S^dagger


def parse_program(text: str) -> tuple[Gate, ...]:
    """Parse ``"h 0; t 0; cx 0 1; rz(pi/4) 1"`` (``;`` or newlines; qubits as ``0`` or ``q0``).

    Gates: id h x y z s sdg t tdg sx sxdg, p/rz/rx/ry(angle), cx (cnot), cz.

    >>> parse_program("h 0; rz(pi/2) q1; cx 0 1")[1]
    Gate(name='rz', qubits=(1,), angle=1.5707963267948966)
    """
    if not isinstance(text, str):
        raise ValueError(f"program must be a string of gates like 'h 0; cx 0 1', got {text!r}")
    gates: list[Gate] = []
    for raw in re.split(r"[;\n]", text):
        stmt = raw.strip()
        if not stmt:
            continue
        m = re.match(r"^([a-z0-9_]+)\s*(\(([^)]*)\))?\s*(.*)$", stmt.lower())
        if not m:
            raise ValueError(f"cannot parse program statement {stmt!r}; write e.g. 'cx 0 1'")
        name, arg, rest = m.group(1), m.group(3), m.group(4)
        try:
            qubits = tuple(int(q.lstrip("q")) for q in rest.replace(",", " ").split())
        except ValueError:
            raise ValueError(f"qubits in {stmt!r} must be integers like 0 or q0") from None
        angle = parse_angle(arg) if arg is not None else None
        gates.append(_make_gate(name, qubits, angle, stmt))
    if not gates:
        raise ValueError("empty program: give at least one gate, e.g. --program 'h 0'")
    return tuple(gates)


def _make_gate(name: str, qubits: tuple[int, ...], angle: float | None, where: str) -> Gate:
    name = "cx" if name == "cnot" else name
    if name in _FIXED_J:
        arity, needs_angle = 1, False
    elif name in _ROTATIONS:
        arity, needs_angle = 1, True
    elif name in _TWO_QUBIT:
        arity, needs_angle = 2, False
    else:
        raise ValueError(
            f"unsupported gate {name!r} in {where!r}; use id h x y z s sdg t tdg sx sxdg, "
            "p/rz/rx/ry(k pi/4), cx, cz"
        )
    if len(qubits) != arity or any(q < 0 for q in qubits):
        raise ValueError(f"{name} takes {arity} non-negative qubit index(es), got {qubits} in {where!r}")
    if arity == 2 and qubits[0] == qubits[1]:
        raise ValueError(f"{name} needs two different qubits, got {qubits} in {where!r}")
    if needs_angle:
        if angle is None:
            raise ValueError(f"{name} needs an angle, e.g. {name}(pi/4), in {where!r}")
        angle_index(angle, f"angle of {name} in {where!r}")
    elif angle is not None:
        raise ValueError(f"{name} takes no angle, in {where!r}")
    return Gate(name, qubits, angle)


def _gates_from_circuit(qc: QuantumCircuit) -> tuple[Gate, ...]:
    gates = []
    for inst in qc.data:
        op = inst.operation
        if op.name == "barrier":
            continue
        qs = tuple(qc.find_bit(q).index for q in inst.qubits)
        angle = float(op.params[0]) if op.params else None
        gates.append(_make_gate(op.name, qs, angle, f"{op.name} on {qs}"))
    if not gates:
        raise ValueError("empty program: the circuit has no gates")
    return tuple(gates)


def program_circuit(gates: Sequence[Gate], num_qubits: int) -> QuantumCircuit:
    """The program as an ideal Qiskit circuit on |0...0> (no measurement): the reference."""
    qc = QuantumCircuit(num_qubits, name="program")
    for g in gates:
        if g.name in ("cx", "cz"):
            getattr(qc, g.name)(*g.qubits)
        elif g.name in _ROTATIONS:
            getattr(qc, "p" if g.name == "u1" else g.name)(g.angle, g.qubits[0])
        else:
            getattr(qc, g.name)(g.qubits[0])
    return qc


def _cancel(seq: Sequence[int]) -> list[int]:
    """Remove adjacent J(0) J(0) pairs (H H = I)."""
    out: list[int] = []
    for x in seq:
        if x == 0 and out and out[-1] == 0:
            out.pop()
        else:
            out.append(x)
    return out


def _filler(length: int) -> list[int] | None:
    """An identity of exactly ``length`` J's (J(0)^2 = I, J(pi/2)^3 ~ I), None for length 1."""
    if length < 0 or length == 1:
        return None
    if length % 2 == 0:
        return [0] * length
    return [2, 2, 2] + [0] * (length - 3)


def _fit(items: list[tuple[int, ...]], length: int) -> tuple[int, list[int]]:
    """Place the longest prefix of ``items`` into ``length`` J's: (count placed, J's)."""
    for n in range(len(items), -1, -1):
        seq = _cancel([x for it in items[:n] for x in it])
        fill = _filler(length - len(seq))
        if fill is not None:
            return n, seq + fill
    raise AssertionError("the empty prefix always fits a segment of length >= 2")


def _j_matrix(seq: Sequence[int]) -> np.ndarray:
    """Matrix of J(x_last) ... J(x_first) (application order), J(x) = H P(x), x in pi/4 units."""
    h = np.array([[1, 1], [1, -1]]) / math.sqrt(2)
    u = np.eye(2, dtype=complex)
    for x in seq:
        u = h @ np.diag([1, np.exp(1j * x * QUARTER)]) @ u
    return u


_PLUS = np.array([1, 1]) / math.sqrt(2)


def _prep_word(items: Sequence[tuple[int, ...]], length: int) -> list[int] | None:
    """A J-word of ``length`` whose action on the input |+> gives the same state as ``items``
    (possible only at the start of a row, where the input is known)."""
    target = _j_matrix([x for it in items for x in it]) @ _PLUS
    for word in np.ndindex(*([8] * length)):
        if abs(np.vdot(_j_matrix(word) @ _PLUS, target)) > 1 - 1e-9:
            return [int(x) for x in word]
    return None


def _program_gates(program, num_qubits: int | None) -> tuple[tuple, int | None]:
    """The gate list of a program given as text, a QuantumCircuit or gates (non-empty)."""
    if isinstance(program, str):
        gates = parse_program(program)
    elif isinstance(program, QuantumCircuit):
        gates = _gates_from_circuit(program)
        num_qubits = num_qubits or program.num_qubits
    else:
        gates = tuple(program)
    if not gates:
        raise ValueError("empty program: give at least one gate")
    return tuple(gates), num_qubits


def compile_to_brickwork(
    program: str | Sequence[Gate] | QuantumCircuit, num_qubits: int | None = None
) -> tuple[int, int, dict[tuple[int, int], float]]:
    """Compile a 1-2 qubit program (starting from |0...0>) to brickwork angles.

    Returns (rows, columns, angles) with angles[(r, c)] in radians. Each one-qubit gate becomes a
    few J(x) = H P(x) steps on its row (H = J(0), P(a) = J(0)J(a), Rx(a) ~ J(a)J(0)); unused
    slots get identities (J(0)^2 = I, J(pi/2)^3 ~ I). A CNOT uses one brick: CZ, then J(0)^2 on
    the control row and ``H S H`` on the target row, then CZ, which is (S x Rx(pi/2)) CNOT up
    to phase; S^dagger and Rx(-pi/2) follow on the rows. CZ = (I x H) CNOT (I x H). Checked
    exactly against the program by :func:`brickwork_logical_circuit`.

    >>> compile_to_brickwork("x 0; cx 0 1")[:2]
    (2, 13)
    """
    gates, num_qubits = _program_gates(program, num_qubits)
    n = max(q for g in gates for q in g.qubits) + 1
    if num_qubits is not None:
        if num_qubits < n:
            raise ValueError(f"num_qubits={num_qubits} but the program uses qubit {n - 1}")
        n = num_qubits
    if n > 2:
        raise ValueError(
            f"compile_to_brickwork supports programs on 1 or 2 qubits, got {n}; for wider "
            "computations give brickwork_pattern(rows, columns, angles) directly"
        )
    # per-row streams of items: tuple (J sequence) or ("cx", id, role)
    streams: list[list] = [[(0,)] for _ in range(n)]  # J(0)|+> = |0>
    for gid, g in enumerate(gates):
        if g.name in ("cx", "cz"):
            c, t = g.qubits
            if g.name == "cz":
                streams[t].append((0,))
            streams[c].append(("cx", gid, "c"))
            streams[t].append(("cx", gid, "t"))
            if g.name == "cz":
                streams[t].append((0,))
        else:
            streams[g.qubits[0]].append(_gate_j(g))
    if n == 1:
        seq = _cancel([x for it in streams[0] for x in it])
        layers = 0
        while _filler(8 * layers + 4 - len(seq)) is None:
            layers += 1
        seq = seq + (_filler(8 * layers + 4 - len(seq)) or [])
        columns = 8 * layers + 5
        return 1, columns, {(0, c): (-x % 8) * QUARTER for c, x in enumerate(seq)}
    rows_j: list[list[int]] = [[], []]
    pos = [0, 0]
    brick = 0
    while True:
        seg = 2 if brick == 0 else 6
        pend = []
        nxt = []
        for r in range(2):
            items = []
            k = pos[r]
            while k < len(streams[r]) and streams[r][k][0] != "cx":
                items.append(streams[r][k])
                k += 1
            pend.append(items)
            nxt.append(streams[r][k] if k < len(streams[r]) else None)
        cx_ready = nxt[0] is not None and nxt[1] is not None and nxt[0][1] == nxt[1][1]
        placed = [_fit(pend[r], seg) for r in range(2)]
        if brick == 0:  # the rows still hold a product state prepared from |+>: any 2-J word
            for r in range(2):
                word = _prep_word(pend[r], seg)
                if word is not None:
                    placed[r] = (len(pend[r]), word)
        if cx_ready and all(placed[r][0] == len(pend[r]) for r in range(2)):
            for r in range(2):
                rows_j[r] += placed[r][1]
                rows_j[r] += [0, 0] if nxt[r][2] == "c" else [0, 2]
                pos[r] += len(pend[r]) + 1
                streams[r].insert(pos[r], (6, 0) if nxt[r][2] == "c" else (0, 6))
            brick += 1
            continue
        for r in range(2):
            rows_j[r] += placed[r][1] + [0, 0]
            pos[r] += placed[r][0]
        done = all(pos[r] == len(streams[r]) for r in range(2))
        if done:
            break
        if brick > 8 * (len(gates) + 4):
            raise RuntimeError("brickwork compilation did not converge")  # pragma: no cover
        brick += 1
    columns = 8 * brick + 5
    angles = {
        (r, c): (-x % 8) * QUARTER for r in range(2) for c, x in enumerate(rows_j[r])
    }
    return 2, columns, angles


# ---------------------------------------------------------------------------------------------
# the client's program on the server's graph
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BlindProgram:
    """A computation placed on the server's graph, with room for traps.

    Attributes:
        pattern: the server's graph with flow; angles of the computation's vertices.
        computation: per node index, True if the vertex belongs to the computation.
        reference: the ideal computation as a unitary circuit on |0...0> (None if unknown).
        rows, columns: brickwork size when the graph is a brickwork, else None.
        name: a label.
    """

    pattern: MeasurementPattern
    computation: tuple[bool, ...]
    reference: QuantumCircuit | None = None
    rows: int | None = None
    columns: int | None = None
    name: str = "program"

    def __post_init__(self) -> None:
        p = self.pattern
        if len(self.computation) != p.num_nodes:
            raise ValueError(f"computation must have {p.num_nodes} entries (one per vertex)")
        object.__setattr__(self, "computation", tuple(bool(x) for x in self.computation))
        index = {v: i for i, v in enumerate(p.nodes)}
        for i, f in enumerate(p.flow):
            if self.computation[i] and not self.computation[index[f]]:
                raise ValueError(
                    f"the computation must be closed under the flow: {p.order[i]!r} computes "
                    f"but its flow {f!r} does not"
                )

    @property
    def output_nodes(self) -> tuple[int, ...]:
        """Node indices of the computation's outputs, in output-bit order (bit 0 first)."""
        m = self.pattern.num_measured
        return tuple(m + j for j in range(len(self.pattern.outputs)) if self.computation[m + j])

    @property
    def num_outputs(self) -> int:
        return len(self.output_nodes)

    def trap_candidates(self) -> tuple[int, ...]:
        """Measured node indices that may hold a trap: outside the computation, not adjacent
        to it (a trap's neighbours must all be dummies)."""
        p = self.pattern
        return tuple(
            i
            for i in range(p.num_measured)
            if not self.computation[i] and not any(self.computation[k] for k in p.neighbours(i))
        )

    @classmethod
    def test_only(cls, pattern: MeasurementPattern, name: str = "test") -> BlindProgram:
        """A pure test run: no computation, every measured vertex may hold a trap."""
        return cls(pattern, (False,) * pattern.num_nodes, None, name=name)

    def with_trap_region(self, size: int) -> BlindProgram:
        """Room for traps. Brickwork programs get ``size`` extra brickwork rows (the server sees
        a taller brickwork); other programs get a disjoint path with ``size`` measured vertices
        measured after the computation (the server then sees two components)."""
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ValueError(f"trap region size must be a positive integer, got {size!r}")
        p = self.pattern
        if self.rows is not None and self.columns is not None:
            rows = self.rows + size
            full = brickwork_pattern(rows, self.columns)
            comp_set = {v for v, c in zip(p.nodes, self.computation) if c}
            angle_of = dict(zip(p.order, p.angles))
            angles = tuple(angle_of.get(v, 0) if v in comp_set else 0 for v in full.order)
            full = MeasurementPattern(full.order, full.outputs, full.edges, full.flow, angles, full.name)
            comp = tuple(v in comp_set for v in full.nodes)
            return BlindProgram(full, comp, self.reference, rows, self.columns, self.name)
        labels = [("trap_region", j) for j in range(size + 1)]
        region = _path_pattern(labels, [0] * size, "trap_region")
        merged = MeasurementPattern(
            order=p.order + region.order,
            outputs=p.outputs + region.outputs,
            edges=p.edges + region.edges,
            flow=p.flow + region.flow,
            angles=p.angles + region.angles,
            name=f"{p.name}+trap_region",
        )
        m = p.num_measured
        comp = (
            self.computation[:m]
            + (False,) * region.num_measured
            + self.computation[m:]
            + (False,) * len(region.outputs)
        )
        return BlindProgram(merged, comp, self.reference, None, None, self.name)


def line_program(phi1: float, phi2: float) -> BlindProgram:
    """The 3-qubit line 1-2-3 (reference section 11): measure 1 at phi1, 2 at phi2, 3 in Z.

    Ideal computation ``H P(-phi2) H P(-phi1)|+>``; P(out = 0) = (1 + sin phi1 sin phi2)/2.
    """
    k1, k2 = angle_index(phi1, "phi1"), angle_index(phi2, "phi2")
    pattern = _path_pattern((1, 2, 3), (k1, k2), "line3")
    ref = QuantumCircuit(1, name="line3_reference")
    ref.h(0)
    ref.p(-k1 * QUARTER, 0)
    ref.h(0)
    ref.p(-k2 * QUARTER, 0)
    ref.h(0)
    return BlindProgram(pattern, (True, True, True), ref, name="line3")


def brickwork_program(
    program: str | Sequence[Gate] | QuantumCircuit,
    num_qubits: int | None = None,
    *,
    trap_rows: int = 0,
) -> BlindProgram:
    """Compile a 1-2 qubit program to the brickwork; ``trap_rows`` extra rows host traps.

    >>> prog = brickwork_program("x 0; cx 0 1", trap_rows=2)
    >>> prog.rows, prog.columns, prog.num_outputs, len(prog.trap_candidates()) > 0
    (4, 13, 2, True)
    """
    gates, num_qubits = _program_gates(program, num_qubits)
    rows, columns, angles = compile_to_brickwork(gates, num_qubits)
    pattern = brickwork_pattern(rows, columns, angles)
    ref = program_circuit(gates, rows)
    prog = BlindProgram(pattern, (True,) * pattern.num_nodes, ref, rows, columns, "brickwork")
    if trap_rows:
        prog = prog.with_trap_region(trap_rows)
    return prog


# ---------------------------------------------------------------------------------------------
# the server's circuit
# ---------------------------------------------------------------------------------------------


def _z_dep_slots(pattern: MeasurementPattern) -> list[list[tuple[int, int]]]:
    """For each measured node i: [(dep node j, w-parameter index)]."""
    out: list[list[tuple[int, int]]] = []
    w = 0
    for i in range(pattern.num_measured):
        row = []
        for j in pattern.z_deps(i):
            row.append((j, w))
            w += 1
        out.append(row)
    return out


def _cphase(qc: QuantumCircuit, lam, control, target) -> None:
    """Controlled phase as p/cx (Aer 0.18.2 drops ``parameter_binds`` for a parameterized cp)."""
    qc.p(lam / 2, control)
    qc.cx(control, target)
    qc.p(-lam / 2, target)
    qc.cx(control, target)
    qc.p(lam / 2, target)


def blind_circuit(
    pattern: MeasurementPattern,
    *,
    correction: Correction = "dynamic",
    reuse: bool = True,
    link_fidelity: float | None = None,
    deviating: bool = False,
    measure: bool = True,
    nodes: tuple[str, str] = ("client", "server"),
) -> QuantumCircuit:
    """The server's circuit for ``pattern``, with the client's secrets as Parameters.

    Parameters (ParameterVectors, one entry per node index): ``alpha``, ``beta`` (the client's
    state ``p(beta) ry(alpha)|0>``: alpha = pi/2 for |+_theta>, pi d for a dummy |d>), ``base``
    and ``flip`` (measurement angle, radians), ``w`` (one per flow Z-dependency, 0 or 1); with
    ``deviating`` also ``dev_x``, ``dev_z`` (Pauli X^x Z^z just before the measurement) and
    ``dev_m`` (flip of the reported bit). :class:`ClientRuns` computes their values.

    Args:
        pattern: the server's graph and flow (angles are not used: they are the client's).
        correction: ``"dynamic"`` (``if_test`` on reported bits) or ``"deferred"`` (controlled
            phases from the measured qubits, no control flow).
        reuse: measure-and-reset qubits as soon as the pattern allows (width ~ a few columns).
        link_fidelity: None: the client's states reach the server ideally; else each state is
            teleported over a Werner pair of this fidelity (the link's noise acts).
        deviating: include the dishonest-server gates (parameterized; zero = honest).
        measure: False only with deferred correction, no reuse and no link: no measurements,
            for exact Statevector checks (qubit of node i = ``metadata["node_qubit"][i]``).
        nodes: network node names of (client, server) for ``metadata["nodes"]``: run with a
            :class:`~qnet_circuits.network.Network`, the server's gate and readout errors act.

    Registers: ``server`` (qubits), ``server_b`` (bit i = node i's reported outcome), and with a
    link ``client_q``, ``client_mem``, ``link_anc``, ``link_bsm``.
    """
    if correction not in ("dynamic", "deferred"):
        raise ValueError(f"correction must be 'dynamic' or 'deferred', got {correction!r}")
    if len(nodes) != 2 or not all(isinstance(x, str) and x for x in nodes):
        raise ValueError(f"nodes must be two node names (client, server), got {nodes!r}")
    if not measure and (correction != "deferred" or reuse or link_fidelity is not None):
        raise ValueError("measure=False needs correction='deferred', reuse=False and no link")
    if link_fidelity is not None:
        link_fidelity = float(link_fidelity)
        if not 0.25 <= link_fidelity <= 1.0:
            raise ValueError(f"link_fidelity must be in [0.25, 1] (Werner), got {link_fidelity!r}")
    n = pattern.num_nodes
    m = pattern.num_measured
    zslots = _z_dep_slots(pattern)
    n_w = sum(len(z) for z in zslots)
    # ---- plan: slot allocation (measure-and-reset reuse) ----
    consumers: list[set[int]] = [set() for _ in range(n)]  # measured nodes whose rotation reads i
    for i in range(m):
        if pattern.x_dep(i) >= 0:
            consumers[pattern.x_dep(i)].add(i)
        for j in pattern.z_deps(i):
            consumers[j].add(i)
    plan: list[tuple] = []
    slot_of: dict[int, int] = {}
    free: list[int] = []
    n_slots = 0
    prepared: set[int] = set()
    measured: set[int] = set()
    rotated: set[int] = set()
    held: set[int] = set()  # measured but still needed as control (deferred)

    def prepare(u: int) -> None:
        nonlocal n_slots
        if u in prepared:
            return
        if reuse and free:
            slot, fresh = free.pop(0), False
        else:
            slot, fresh = n_slots, True
            n_slots += 1
        slot_of[u] = slot
        prepared.add(u)
        plan.append(("prep", u, slot, fresh))
        for k in pattern.neighbours(u):
            if k in prepared:
                if k in measured:  # cannot happen for a valid flow order
                    raise RuntimeError(f"vertex {k} measured before its neighbour {u} was prepared")
                plan.append(("cz", slot_of[k], slot))

    def release(i: int) -> None:
        if reuse:
            free.append(slot_of[i])
            free.sort()

    for i in range(m):
        prepare(i)
        for k in pattern.neighbours(i):
            prepare(k)
        plan.append(("measure", i))
        measured.add(i)
        rotated.add(i)
        if correction == "dynamic":
            release(i)
        else:
            held.add(i)
            for j in sorted(held):
                if consumers[j] <= rotated:
                    held.discard(j)
                    release(j)
    for o in range(m, n):
        prepare(o)
    # ---- emit ----
    server = QuantumRegister(max(n_slots, 1), "server")
    bits = ClassicalRegister(n, "server_b")
    regs: list = [server, bits]
    link = link_fidelity is not None
    if link:
        client_q = QuantumRegister(1, "client_q")
        client_mem = QuantumRegister(1, "client_mem")
        link_anc = QuantumRegister(2, "link_anc")
        link_bsm = ClassicalRegister(2, "link_bsm")
        regs = [server, client_q, client_mem, link_anc, bits, link_bsm]
    qc = QuantumCircuit(*regs, name=f"ubqc_{pattern.name}")
    alpha = ParameterVector("alpha", n)
    beta = ParameterVector("beta", n)
    base = ParameterVector("base", m)
    flip = ParameterVector("flip", m)
    wvec = ParameterVector("w", n_w) if n_w else None
    if deviating:
        dev_x = ParameterVector("dev_x", m)
        dev_z = ParameterVector("dev_z", m)
        dev_m = ParameterVector("dev_m", m)
    if link:
        from qnet_circuits.library.generation import prepare_bell_diagonal
        from qnet_circuits.library.teleportation import append_teleport
        from qnet_circuits.physics import werner_coefficients

        coeffs = werner_coefficients(link_fidelity)
    for step in plan:
        kind = step[0]
        if kind == "prep":
            _, u, slot, fresh = step
            q = server[slot]
            if not fresh:
                qc.reset(q)
            if link:
                qc.ry(alpha[u], client_q[0])
                qc.p(beta[u], client_q[0])
                prepare_bell_diagonal(qc, client_mem[0], q, list(link_anc), coeffs)
                append_teleport(qc, client_q[0], client_mem[0], q, link_bsm, correction, reset=True)
            else:
                qc.ry(alpha[u], q)
                qc.p(beta[u], q)
        elif kind == "cz":
            qc.cz(server[step[1]], server[step[2]])
        else:
            i = step[1]
            q = server[slot_of[i]]
            if deviating:
                qc.rx(math.pi * dev_x[i], q)
                qc.rz(math.pi * dev_z[i], q)
            qc.p(-base[i], q)
            xd = pattern.x_dep(i)
            if xd >= 0:
                if correction == "dynamic":
                    with qc.if_test((bits[xd], 1)):
                        qc.p(flip[i], q)
                else:
                    _cphase(qc, flip[i], server[slot_of[xd]], q)
            for j, widx in zslots[i]:
                if correction == "dynamic":
                    with qc.if_test((bits[j], 1)):
                        qc.p(-math.pi * wvec[widx], q)
                else:
                    _cphase(qc, -math.pi * wvec[widx], server[slot_of[j]], q)
            qc.h(q)
            if deviating:
                qc.rx(math.pi * dev_m[i], q)
            if measure:
                qc.measure(q, bits[i])
    if measure:
        for o in range(m, n):
            qc.measure(server[slot_of[o]], bits[o])
    client_node, server_node = nodes
    nodes_meta = {"server": server_node}
    if link:
        nodes_meta.update({"client_q": client_node, "client_mem": client_node})
    qc.metadata = {
        "protocol": "ubqc",
        "pattern": pattern.name,
        "nodes": nodes_meta,
        "heralds": [],
        "correction": correction,
        "reuse": reuse,
        "link_fidelity": link_fidelity,
        "deviating": deviating,
        "node_qubit": [slot_of[i] for i in range(n)],
        "num_nodes": n,
        "num_measured": m,
    }
    return qc


# ---------------------------------------------------------------------------------------------
# the client: secrets, parameter values, decoding, traps, the server's view
# ---------------------------------------------------------------------------------------------


def place_traps(program: BlindProgram, n_traps: int, rng: np.random.Generator) -> tuple[int, ...]:
    """``n_traps`` pairwise non-adjacent trap positions among the program's candidates, drawn
    at random (random greedy order); ``ValueError`` when they do not fit."""
    if not isinstance(n_traps, int) or isinstance(n_traps, bool) or n_traps < 0:
        raise ValueError(f"traps must be a non-negative integer, got {n_traps!r}")
    if n_traps == 0:
        return ()
    cand = program.trap_candidates()
    p = program.pattern
    for _ in range(64):
        chosen: list[int] = []
        blocked: set[int] = set()
        for i in rng.permutation(cand):
            i = int(i)
            if i in blocked:
                continue
            chosen.append(i)
            blocked.add(i)
            blocked.update(p.neighbours(i))
            if len(chosen) == n_traps:
                return tuple(sorted(chosen))
    raise ValueError(
        f"traps={n_traps} do not fit the graph: {len(cand)} candidate positions (measured, "
        "outside the computation and not adjacent to it) and traps must not be adjacent to each "
        "other; use fewer traps or a larger trap region"
    )


@dataclass(frozen=True)
class ClientRuns:
    """The client's secrets for a batch of runs (arrays over runs x node index).

    Attributes:
        program: the program.
        theta: k of theta = k pi/4 (int, shape (R, n)).
        r: one-time-pad bits (shape (R, n)).
        role: 0 computation, 1 trap, 2 dummy (shape (R, n)).
        d: dummy bits (shape (R, n); 0 where not a dummy).
        dummy_delta: k of the random delta sent for dummies (shape (R, n)).
        attack: the server's deviation (None, "x", "y", "z", "misreport").
        attack_node: attacked node index per run (shape (R,), -1 for none).
    """

    program: BlindProgram
    theta: np.ndarray
    r: np.ndarray
    role: np.ndarray
    d: np.ndarray
    dummy_delta: np.ndarray
    attack: str | None = None
    attack_node: np.ndarray | None = None

    @property
    def runs(self) -> int:
        return int(self.theta.shape[0])

    def traps(self, run: int) -> tuple[int, ...]:
        """Trap node indices of one run."""
        return tuple(int(i) for i in np.flatnonzero(self.role[run] == ROLE_TRAP))

    def angle_values(self) -> dict[str, np.ndarray]:
        """k-valued (units of pi/4) base, flip per measured node and w per Z-dependency."""
        p = self.program.pattern
        n, m, runs = p.num_nodes, p.num_measured, self.runs
        comp = self.role == ROLE_COMPUTE
        dummy = self.role == ROLE_DUMMY
        # D_i: xor of d over dummy neighbours
        dsum = np.zeros((runs, n), dtype=np.int64)
        for i in range(n):
            for k in p.neighbours(i):
                dsum[:, i] ^= self.d[:, k] & dummy[:, k]
        base = np.zeros((runs, m), dtype=np.int64)
        flip = np.zeros((runs, m), dtype=np.int64)
        zslots = _z_dep_slots(p)
        n_w = sum(len(z) for z in zslots)
        w = np.zeros((runs, n_w), dtype=np.int64)
        for i in range(m):
            phi = p.angles[i]
            xd = p.x_dep(i)
            x_comp = comp[:, xd] if xd >= 0 else np.zeros(runs, dtype=bool)
            xr = np.where(x_comp, self.r[:, xd] if xd >= 0 else 0, 0)
            zr = np.zeros(runs, dtype=np.int64)
            for j, widx in zslots[i]:
                use = comp[:, i] & comp[:, j]
                w[:, widx] = use
                zr ^= np.where(use, self.r[:, j], 0)
            c = np.where(xr == 1, -phi, phi) % 8
            pad = (self.r[:, i] + zr + dsum[:, i]) % 2
            b_comp = (self.theta[:, i] + 4 * pad + c) % 8
            b_trap = (self.theta[:, i] + 4 * ((self.r[:, i] + dsum[:, i]) % 2)) % 8
            base[:, i] = np.where(
                comp[:, i], b_comp, np.where(dummy[:, i], self.dummy_delta[:, i], b_trap)
            )
            flip[:, i] = np.where(comp[:, i] & x_comp, (2 * c) % 8, 0)
        return {"base": base, "flip": flip, "w": w}

    def parameter_values(self) -> dict[str, np.ndarray]:
        """Values (radians or 0/1) of every ParameterVector of :func:`blind_circuit`."""
        p = self.program.pattern
        m = p.num_measured
        dummy = self.role == ROLE_DUMMY
        ang = self.angle_values()
        out = {
            "alpha": np.where(dummy, math.pi * self.d, math.pi / 2),
            "beta": np.where(dummy, 0.0, self.theta * QUARTER),
            "base": ang["base"] * QUARTER,
            "flip": ang["flip"] * QUARTER,
            "w": ang["w"].astype(float),
        }
        runs = self.runs
        dx = np.zeros((runs, m))
        dz = np.zeros((runs, m))
        dm = np.zeros((runs, m))
        if self.attack is not None and self.attack_node is not None:
            rows = np.flatnonzero(self.attack_node >= 0)
            cols = self.attack_node[rows]
            if self.attack in ("x", "y"):
                dx[rows, cols] = 1.0
            if self.attack in ("z", "y"):
                dz[rows, cols] = 1.0
            if self.attack == "misreport":
                dm[rows, cols] = 1.0
        out.update({"dev_x": dx, "dev_z": dz, "dev_m": dm})
        return out

    def bindings(self, circuit: QuantumCircuit) -> dict:
        """``{Parameter: [value per run]}`` for Aer ``parameter_binds`` (every circuit parameter)."""
        values = self.parameter_values()
        out = {}
        for param in circuit.parameters:
            vec = param.vector.name
            if vec not in values:
                raise ValueError(f"circuit parameter {param.name} is not a UBQC client parameter")
            out[param] = values[vec][:, param.index].astype(float).tolist()
        return out

    # ---- decoding (b: reported bits, shape (R, S, n) or (R, n)) ----

    def _bits(self, b: np.ndarray) -> np.ndarray:
        b = np.asarray(b, dtype=np.int64)
        if b.ndim == 2:
            b = b[:, None, :]
        if b.shape[0] != self.runs or b.shape[2] != self.program.pattern.num_nodes:
            raise ValueError(
                f"bits must have shape (runs={self.runs}, shots, nodes="
                f"{self.program.pattern.num_nodes}), got {b.shape}"
            )
        return b

    def decode(self, b: np.ndarray) -> np.ndarray:
        """Output bits (R, S, num_outputs): m_o xor s^X_o with s_j = b_j xor r_j."""
        b = self._bits(b)
        p = self.program.pattern
        outs = []
        for o in self.program.output_nodes:
            bit = b[:, :, o].copy()
            xd = p.x_dep(o)
            if xd >= 0:
                bit ^= b[:, :, xd] ^ self.r[:, None, xd]
            outs.append(bit)
        if not outs:
            return np.zeros(b.shape[:2] + (0,), dtype=np.uint8)
        return np.stack(outs, axis=-1).astype(np.uint8)

    def trap_failures(self, b: np.ndarray) -> np.ndarray:
        """Number of failed traps per shot (R, S): trap outcome != r."""
        b = self._bits(b)
        trap = (self.role == ROLE_TRAP)[:, None, :]
        wrong = (b != self.r[:, None, :]) & trap
        return wrong[:, :, : self.program.pattern.num_measured].sum(axis=-1)

    def accepted(self, b: np.ndarray) -> np.ndarray:
        """Boolean (R, S): the client accepts (every trap gave b = r)."""
        return self.trap_failures(b) == 0

    def deltas(self, b: np.ndarray) -> np.ndarray:
        """The server's view: delta_i as k (units of pi/4) per shot, shape (R, S, measured)."""
        b = self._bits(b)
        p = self.program.pattern
        ang = self.angle_values()
        m = p.num_measured
        out = np.zeros((b.shape[0], b.shape[1], m), dtype=np.int64)
        for i, zs in enumerate(_z_dep_slots(p)):
            delta = np.repeat(ang["base"][:, i : i + 1], b.shape[1], axis=1)
            xd = p.x_dep(i)
            if xd >= 0:
                delta -= ang["flip"][:, i : i + 1] * b[:, :, xd]
            for j, widx in zs:
                delta += 4 * ang["w"][:, widx : widx + 1] * b[:, :, j]
            out[:, :, i] = delta % 8
        return out


def draw_runs(
    program: BlindProgram,
    runs: int,
    rng: np.random.Generator | int | None = None,
    *,
    traps: int = 0,
    attack: Attack | None = None,
    attack_on: Literal["uniform", "trap"] | int = "uniform",
) -> ClientRuns:
    """Draw the client's secrets for ``runs`` runs (theta, r, trap positions, dummy bits).

    Args:
        program: the program on the server's graph.
        runs: number of runs (independent secret draws).
        rng: numpy Generator or seed.
        traps: traps per run, at random candidate positions; every other non-computation vertex
            is a dummy.
        attack: the server's deviation on one position (None = honest).
        attack_on: ``"uniform"`` (a uniformly random measured position), ``"trap"`` (a random
            trap of the run; per-hit statistics) or a node index.
    """
    if not isinstance(runs, int) or isinstance(runs, bool) or runs < 1:
        raise ValueError(f"runs must be a positive integer, got {runs!r}")
    if attack is not None and attack not in ATTACKS:
        raise ValueError(f"attack must be None or one of {', '.join(ATTACKS)}, got {attack!r}")
    rng = np.random.default_rng(rng)
    p = program.pattern
    n, m = p.num_nodes, p.num_measured
    if traps:
        place_traps(program, traps, np.random.default_rng(0))  # fail fast if they do not fit
    comp = np.array(program.computation)
    theta = rng.integers(0, 8, size=(runs, n))
    r = rng.integers(0, 2, size=(runs, n))
    role = np.where(comp, ROLE_COMPUTE, ROLE_DUMMY)[None, :].repeat(runs, axis=0)
    for k in range(runs):
        for t in place_traps(program, traps, rng):
            role[k, t] = ROLE_TRAP
    d = np.where(role == ROLE_DUMMY, rng.integers(0, 2, size=(runs, n)), 0)
    dummy_delta = rng.integers(0, 8, size=(runs, n))
    attack_node = None
    if attack is not None:
        if attack_on == "uniform":
            attack_node = rng.integers(0, m, size=runs)
        elif attack_on == "trap":
            if not traps:
                raise ValueError("attack_on='trap' needs traps >= 1")
            attack_node = np.array(
                [rng.choice(np.flatnonzero(role[k, :m] == ROLE_TRAP)) for k in range(runs)]
            )
        elif isinstance(attack_on, (int, np.integer)) and 0 <= attack_on < m:
            attack_node = np.full(runs, int(attack_on))
        else:
            raise ValueError(
                f"attack_on must be 'uniform', 'trap' or a measured node index < {m}, "
                f"got {attack_on!r}"
            )
    return ClientRuns(program, theta, r, role, d, dummy_delta, attack, attack_node)


def delta_multiset(phi: float, s_x: int = 0, s_z: int = 0) -> dict[int, int]:
    """Exact multiset of delta = phi' + theta + r pi over the 16 (theta, r): {k: count}.

    Blindness: every k in 0..7 occurs exactly twice, whatever phi and the corrections.

    >>> delta_multiset(math.pi / 4, s_x=1) == {k: 2 for k in range(8)}
    True
    """
    k = angle_index(phi, "phi")
    if s_x not in (0, 1) or s_z not in (0, 1):
        raise ValueError("s_x and s_z must be 0 or 1")
    phi_prime = ((-k if s_x else k) + 4 * s_z) % 8
    out = {j: 0 for j in range(8)}
    for theta in range(8):
        for r in range(2):
            out[(phi_prime + theta + 4 * r) % 8] += 1
    return out

"""The compiler from gate programs to the brickwork: parse 1-2 qubit programs, turn each gate
into J(x) = H P(x) steps on its row, place CNOTs on bricks, fill the rest with identities.

>>> rows, columns, angles = compile_to_brickwork("h 0; t 0; h 0")
>>> rows, columns, sorted(angles)[:2]
(1, 5, [(0, 0), (0, 1)])
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from qiskit.circuit import QuantumCircuit

from qnet_circuits.library.blind.base import QUARTER, angle_index, parse_angle


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


def program_gates(program, num_qubits: int | None) -> tuple[tuple, int | None]:
    """The gate list of a program given as text, a QuantumCircuit or gates (non-empty), and the
    qubit count (a circuit's own when ``num_qubits`` is None)."""
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
    exactly against the program by :func:`~qnet_circuits.library.blind.brickwork_logical_circuit`.

    >>> compile_to_brickwork("x 0; cx 0 1")[:2]
    (2, 13)
    """
    gates, num_qubits = program_gates(program, num_qubits)
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
    streams = _streams(gates, n)
    if n == 1:
        seq = _cancel([x for it in streams[0] for x in it])
        layers = 0
        while _filler(8 * layers + 4 - len(seq)) is None:
            layers += 1
        seq = seq + (_filler(8 * layers + 4 - len(seq)) or [])
        columns = 8 * layers + 5
        return 1, columns, {(0, c): (-x % 8) * QUARTER for c, x in enumerate(seq)}
    brick, rows_j = _two_rows(streams, len(gates))
    columns = 8 * brick + 5
    angles = {
        (r, c): (-x % 8) * QUARTER for r in range(2) for c, x in enumerate(rows_j[r])
    }
    return 2, columns, angles


def _streams(gates: Sequence[Gate], n: int) -> list[list]:
    """Per-row streams of items: a tuple (J sequence) or ("cx", gate id, "c" | "t")."""
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
    return streams


def _pending(streams: list[list], pos: list[int]) -> tuple[list[list], list]:
    """Per row: the one-qubit items before the next CNOT, and that CNOT item (or None)."""
    pend, nxt = [], []
    for r in range(2):
        items = []
        k = pos[r]
        while k < len(streams[r]) and streams[r][k][0] != "cx":
            items.append(streams[r][k])
            k += 1
        pend.append(items)
        nxt.append(streams[r][k] if k < len(streams[r]) else None)
    return pend, nxt


def _two_rows(streams: list[list], n_gates: int) -> tuple[int, list[list[int]]]:
    """Place two rows' streams brick by brick: (number of bricks, J-sequence per row)."""
    rows_j: list[list[int]] = [[], []]
    pos = [0, 0]
    brick = 0
    while True:
        seg = 2 if brick == 0 else 6
        pend, nxt = _pending(streams, pos)
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
            return brick, rows_j
        if brick > 8 * (n_gates + 4):
            raise RuntimeError("brickwork compilation did not converge")  # pragma: no cover
        brick += 1

__all__ = ["Gate", "compile_to_brickwork", "parse_program", "program_circuit", "program_gates"]

"""The client's program on the server's graph: which vertices compute, the reference circuit,
room for traps; the 3-qubit line and brickwork programs compiled from gates.

>>> import math
>>> prog = line_program(math.pi / 2, math.pi / 4)
>>> prog.pattern.order, prog.pattern.outputs, prog.output_nodes
((1, 2), (3,), (2,))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qiskit.circuit import QuantumCircuit

from qnet_circuits.library.blind.base import QUARTER, angle_index
from qnet_circuits.library.blind.brickwork import brickwork_pattern
from qnet_circuits.library.blind.compiler import (
    Gate,
    compile_to_brickwork,
    program_circuit,
    program_gates,
)
from qnet_circuits.library.blind.pattern import MeasurementPattern, path_pattern


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
        region = path_pattern(labels, [0] * size, "trap_region")
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
    pattern = path_pattern((1, 2, 3), (k1, k2), "line3")
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
    gates, num_qubits = program_gates(program, num_qubits)
    rows, columns, angles = compile_to_brickwork(gates, num_qubits)
    pattern = brickwork_pattern(rows, columns, angles)
    ref = program_circuit(gates, rows)
    prog = BlindProgram(pattern, (True,) * pattern.num_nodes, ref, rows, columns, "brickwork")
    if trap_rows:
        prog = prog.with_trap_region(trap_rows)
    return prog


__all__ = ["BlindProgram", "brickwork_program", "line_program"]

"""Rewrite non-local CX/CZ gates into Eisert et al. cat-entangler / cat-disentangler blocks.

Eisert, Jacobs, Papadopoulos, Plenio, PRA 62, 052317 (2000): a CX (or CZ) whose control sits on
node A and target on node B costs one ebit (qubits a on A, b on B, prepared in |Phi+>) and two
classical bits:  CX(c, a); m1 = measure(a); if m1: X(b)   [cat-entangler: b copies c]
                 CX(b, t) (or CZ(b, t)) for every target on B
                 H(b); m2 = measure(b); if m2: Z(c)       [cat-disentangler]
Consecutive non-local gates with the same control and targets on the same remote node share one
ebit as long as no other operation touches the control in between.

The input is first transpiled (optimization_level=0) to {u, cx, measure, reset, barrier}, so any
multi-qubit unitary becomes CX + local gates. Unsupported (ValueError): control-flow operations
(``if_test``, loops) already in the input, and any multi-qubit non-unitary operation.

Every ebit uses fresh qubits (no reuse), so ``deferred=True`` yields a unitary circuit
(measure + classically-controlled correction replaced by the quantum-controlled correction:
deferred-measurement principle) that can be checked exactly with ``Statevector``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister, transpile

from qnet_circuits.library.distributed.partition import place

BASIS = ("u", "cx", "cz", "measure", "reset")


@dataclass(frozen=True)
class DistributedCircuit:
    """A distributed circuit and its resource counts."""

    circuit: QuantumCircuit
    placement: Mapping[int, int]
    n_data_qubits: int
    ebits: int
    classical_bits: int
    nonlocal_gates: int
    depth: int
    ebit_nodes: tuple[tuple[int, int], ...]   # (node of a, node of b) per ebit, in order

    def to_dict(self) -> dict:
        return {"ebits": self.ebits, "classical_bits": self.classical_bits,
                "nonlocal_gates": self.nonlocal_gates, "depth": self.depth,
                "data_qubits": self.n_data_qubits,
                "placement": {str(q): n for q, n in self.placement.items()}}


def _lower(circuit: QuantumCircuit) -> QuantumCircuit:
    for inst in circuit.data:
        if inst.operation.name in ("if_else", "while_loop", "for_loop", "switch_case", "box"):
            raise ValueError(f"operation {inst.operation.name!r} (control flow) cannot be distributed; "
                             "remove classical conditionals from the input circuit")
    low = transpile(circuit, basis_gates=list(BASIS), optimization_level=0)
    for inst in low.data:
        if len(inst.qubits) > 1 and inst.operation.name not in ("cx", "cz", "barrier"):
            raise ValueError(f"operation {inst.operation.name!r} on {len(inst.qubits)} qubits cannot be "
                             "teleported; only CX/CZ-decomposable gates are supported")
    return low


class _Builder:
    def __init__(self, low: QuantumCircuit, placement: Mapping[int, int], deferred: bool):
        self.low, self.placement, self.deferred = low, placement, deferred
        self.data = QuantumRegister(low.num_qubits, "q")
        self.out = QuantumCircuit(self.data, *low.cregs)
        self.open: dict[int, tuple[int, object, int]] = {}   # control -> (remote node, b qubit, ebit index)
        self.ebit_nodes: list[tuple[int, int]] = []
        self.nonlocal_gates = 0

    def q(self, bit):
        return self.data[self.low.find_bit(bit).index]

    def close(self, c: int) -> None:
        _node, b, k = self.open.pop(c)
        self.out.h(b)
        if self.deferred:
            self.out.cz(b, self.data[c])
        else:
            m2 = ClassicalRegister(1, f"e{k}d")
            self.out.add_register(m2)
            self.out.measure(b, m2[0])
            with self.out.if_test((m2[0], 1)):
                self.out.z(self.data[c])

    def open_cat(self, c: int, node: int):
        k = len(self.ebit_nodes)
        pair = QuantumRegister(2, f"ebit{k}")
        self.out.add_register(pair)
        a, b = pair[0], pair[1]
        self.ebit_nodes.append((self.placement[c], node))
        self.out.h(a)
        self.out.cx(a, b)   # ideal |Phi+>: the network delivers this pair
        self.out.cx(self.data[c], a)
        if self.deferred:
            self.out.cx(a, b)
        else:
            m1 = ClassicalRegister(1, f"e{k}e")
            self.out.add_register(m1)
            self.out.measure(a, m1[0])
            with self.out.if_test((m1[0], 1)):
                self.out.x(b)
        self.open[c] = (node, b, k)
        return b

    def gate(self, inst) -> None:
        qs = [self.low.find_bit(q).index for q in inst.qubits]
        name = inst.operation.name
        if name in ("cx", "cz") and self.placement[qs[0]] != self.placement[qs[1]]:
            c, t = qs
            node = self.placement[t]
            for other in [o for o in self.open if o != c and o in qs]:
                self.close(other)
            if c in self.open and self.open[c][0] != node:
                self.close(c)
            b = self.open[c][1] if c in self.open else self.open_cat(c, node)
            getattr(self.out, name)(b, self.data[t])
            self.nonlocal_gates += 1
            return
        for c in [o for o in self.open if o in qs]:
            self.close(c)
        self.out.append(inst.operation, [self.data[i] for i in qs],
                        [self.out.clbits[self.low.find_bit(x).index] for x in inst.clbits])


def distribute(circuit: QuantumCircuit, n_nodes: int, placement: Mapping[int, int] | None = None, *,
               seed: int = 0, deferred: bool = False) -> DistributedCircuit:
    """Distribute ``circuit`` over ``n_nodes`` nodes (placement given or found by partitioning).

    >>> from qiskit import QuantumCircuit
    >>> qc = QuantumCircuit(3); _ = qc.h(0); _ = qc.cx(0, 1); _ = qc.cx(0, 2)
    >>> d = distribute(qc, 2, {0: 0, 1: 1, 2: 1})
    >>> (d.ebits, d.classical_bits, d.nonlocal_gates)
    (1, 2, 2)
    """
    low = _lower(circuit)
    where = place(low, n_nodes, placement, seed=seed)
    builder = _Builder(low, where, deferred)
    for inst in low.data:
        builder.gate(inst)
    for c in list(builder.open):
        builder.close(c)
    ebits = len(builder.ebit_nodes)
    return DistributedCircuit(builder.out, where, low.num_qubits, ebits, 2 * ebits,
                              builder.nonlocal_gates, builder.out.depth(), tuple(builder.ebit_nodes))

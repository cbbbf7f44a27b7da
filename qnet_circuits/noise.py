"""Aer-side noise: turn the network's physics into channels inside a copy of an ideal circuit.

This is the only module that turns physics into Aer channels (DESIGN.md, modeling rules):

* :class:`~qnet_circuits.library.markers.FiberTransit` on a photon -> amplitude damping with
  ``1 - eta``, ``eta`` = fiber transmissivity over the marked length times the link's detector
  efficiency (loss commutes with the passive beam splitter, so detector inefficiency is loss).
* ``Delay`` on a qubit of a node -> ``thermal_relaxation_error(T1, T2, t)`` of that node's memory.
* a two-qubit gate whose qubits all sit at one node -> ``depolarizing_error(gate_error, 2)`` after it.
* a measurement at a node -> a bit flip with ``readout_error`` before it (exact for the recorded
  bit; protocol qubits are reset or discarded after measurement).
* a measurement of a detector qubit -> a dark count (|0> -> |1> with the link's dark-count
  probability) before it.

Which register sits where comes from ``circuit.metadata["nodes"]`` and ``["detectors"]``.
Measurements into the classical registers listed in ``metadata["ideal_measurements"]`` (the
verification readout added by :func:`~qnet_circuits.library.measurement.pauli_basis_circuits`) get
no readout error: they estimate the state, they are not part of the protocol. The pass
recurses into control flow (``if_test``, ``while_loop``, ...), unlike Aer's stock
``RelaxationNoisePass``.

>>> from qiskit import QuantumCircuit, QuantumRegister
>>> from qnet_circuits.network import chain
>>> reg = QuantumRegister(1, "alice_mem")
>>> qc = QuantumCircuit(reg, metadata={"nodes": {"alice_mem": "alice"}})
>>> _ = qc.delay(0.1, 0, unit="s")
>>> noisy = noisy_circuit(qc, chain(1, 1.0, t1_s=1.0, t2_s=0.5))
>>> [inst.operation.name for inst in noisy.data]
['delay', 'quantum_channel']
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from qiskit.circuit import ControlFlowOp, Delay, QuantumCircuit, Qubit
from qiskit_aer.noise import (
    amplitude_damping_error,
    depolarizing_error,
    kraus_error,
    pauli_error,
    thermal_relaxation_error,
)

from qnet_circuits.library.markers import FIBER_TRANSIT, FiberTransit
from qnet_circuits.network import Link, Network, Node

_TIME_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9, "ps": 1e-12}
_NON_GATES = {"measure", "reset", "barrier", "delay", "save_density_matrix", "save_statevector"}


def delay_seconds(delay: Delay) -> float:
    """Duration of a Delay instruction in seconds (``dt`` units are refused: no clock is known)."""
    unit = delay.unit
    if unit not in _TIME_UNITS:
        raise ValueError(
            f"Delay unit {unit!r} cannot be converted to seconds; build waits with unit='s'"
        )
    return float(delay.duration) * _TIME_UNITS[unit]


def dark_count_error(probability: float):
    """Threshold-detector dark count before a Z measurement: |0> -> |1> with ``probability``."""
    k0 = np.array([[math.sqrt(1.0 - probability), 0.0], [0.0, 1.0]])
    k1 = np.array([[0.0, 0.0], [math.sqrt(probability), 0.0]])
    return kraus_error([k0, k1])


def _register_owner(circuit: QuantumCircuit, key: str) -> dict[Qubit, str]:
    owners: dict[Qubit, str] = {}
    mapping: Mapping[str, str] = (circuit.metadata or {}).get(key, {}) or {}
    registers = {reg.name: reg for reg in circuit.qregs}
    for reg_name, owner in mapping.items():
        if reg_name not in registers:
            raise ValueError(
                f"metadata[{key!r}] names register {reg_name!r}, which the circuit does not have"
            )
        for qubit in registers[reg_name]:
            owners[qubit] = owner
    return owners


class _NoiseRewriter:
    def __init__(self, circuit: QuantumCircuit, network: Network | None) -> None:
        self.network = network
        self.node_of: dict[Qubit, Node] = {}
        self.detector_of: dict[Qubit, Link] = {}
        ideal = set((circuit.metadata or {}).get("ideal_measurements", []))
        self.ideal_clbits = {bit for reg in circuit.cregs if reg.name in ideal for bit in reg}
        if network is not None:
            for qubit, name in _register_owner(circuit, "nodes").items():
                self.node_of[qubit] = network.node(name)
            for qubit, name in _register_owner(circuit, "detectors").items():
                self.detector_of[qubit] = network.link_by_name(name)

    def rewrite(self, circuit: QuantumCircuit, outer: list[Qubit] | None = None) -> QuantumCircuit:
        """Rewrite ``circuit``; ``outer[i]`` is the top-level qubit behind ``circuit.qubits[i]``."""
        outer = list(circuit.qubits) if outer is None else outer
        to_outer = dict(zip(circuit.qubits, outer))
        out = circuit.copy_empty_like()
        for inst in circuit.data:
            op, qargs, cargs = inst.operation, inst.qubits, inst.clbits
            if isinstance(op, ControlFlowOp):
                blocks = [
                    self.rewrite(block, [to_outer[q] for q in qargs]) for block in op.blocks
                ]
                out.append(op.replace_blocks(blocks), qargs, cargs)
                continue
            tops = [to_outer[q] for q in qargs]
            if op.name == FIBER_TRANSIT:
                if self.network is not None:
                    self._loss(out, op, qargs)
                continue
            if op.name == "measure" and self.network is not None:
                ideal = self._is_ideal_clbit(circuit, cargs[0])
                self._before_measure(out, qargs[0], tops[0], readout=not ideal)
            out.append(op, qargs, cargs)
            if self.network is None:
                continue
            if isinstance(op, Delay):
                self._relax(out, op, qargs[0], tops[0])
            elif len(qargs) == 2 and op.name not in _NON_GATES:
                self._gate_error(out, qargs, tops)
        return out

    def _loss(self, out: QuantumCircuit, op: FiberTransit, qargs) -> None:
        assert self.network is not None
        link = self.network.link_by_name(op.link)
        eta = link.fiber.transmissivity_over(op.length_km) * link.detector.efficiency
        if eta < 1.0:
            out.append(amplitude_damping_error(1.0 - eta), qargs)

    def _is_ideal_clbit(self, circuit: QuantumCircuit, clbit) -> bool:
        if clbit in self.ideal_clbits:
            return True
        # inside a control-flow block the clbit objects are the outer ones
        return any(clbit is bit for bit in self.ideal_clbits)

    def _before_measure(self, out: QuantumCircuit, qubit: Qubit, top: Qubit, readout: bool) -> None:
        link = self.detector_of.get(top)
        if link is not None and link.detector.dark_count_prob > 0:
            out.append(dark_count_error(link.detector.dark_count_prob), [qubit])
        node = self.node_of.get(top)
        if readout and node is not None and node.readout_error > 0:
            eps = node.readout_error
            out.append(pauli_error([("X", eps), ("I", 1.0 - eps)]), [qubit])

    def _relax(self, out: QuantumCircuit, op: Delay, qubit: Qubit, top: Qubit) -> None:
        node = self.node_of.get(top)
        if node is None or node.memory.ideal:
            return
        t = delay_seconds(op)
        if t > 0:
            out.append(thermal_relaxation_error(node.memory.t1_s, node.memory.t2_s, t), [qubit])

    def _gate_error(self, out: QuantumCircuit, qargs, tops) -> None:
        nodes = {self.node_of.get(t) for t in tops}
        if len(nodes) != 1:
            return
        node = nodes.pop()
        if node is not None and node.gate_error > 0:
            out.append(depolarizing_error(node.gate_error, 2), qargs)


def noisy_circuit(circuit: QuantumCircuit, network: Network | None) -> QuantumCircuit:
    """A copy of ``circuit`` with the network's channels inserted (markers removed).

    With ``network=None`` the markers are only removed (an ideal, Aer-runnable circuit).
    """
    return _NoiseRewriter(circuit, network).rewrite(circuit)


def strip_markers(circuit: QuantumCircuit) -> QuantumCircuit:
    """The ideal circuit without FiberTransit markers (for hardware and exact simulation)."""
    return noisy_circuit(circuit, None)

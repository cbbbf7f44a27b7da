"""Sensor-network circuits: a GHZ state fused from chain Bell pairs, and independent sensors.

:func:`network_ghz_circuit`: nodes ``n_1 .. n_N`` on a chain; link j (Bell-diagonal, prepared by
:func:`~qnet_circuits.library.swapping.prepare_pair` on two shared ancillas that are reset) joins
node j's outgoing memory and node j+1's incoming one. Every inner node fuses its two memories:
CX(incoming -> outgoing), Z readout of the outgoing one into ``fuse``, and X on the next node's
incoming memory when the bit is 1 (``if_test``), which grows the GHZ state by one node (the
next link's qubits pick up the fused qubit's value). Then each sensor memory waits ``wait_s``
(a ``Delay``: the network's T1/T2 dephases it), picks up its phase P(theta_j) and is read in X
(H, Z readout into ``parity``): the parity of ``parity`` has mean ``C cos(sum theta_j)``.

>>> from qiskit.quantum_info import Statevector
>>> qc = network_ghz_circuit([(1, 0, 0, 0)] * 2, ["a", "b", "c"], phases=[0.0] * 3, readout=False)
>>> qc.num_qubits, [r.name for r in qc.cregs]
(6, ['fuse'])
"""

from __future__ import annotations

from collections.abc import Sequence

from qiskit.circuit import ClassicalRegister, Parameter, ParameterExpression, QuantumCircuit, QuantumRegister

from qnet_circuits.library.swapping import prepare_pair

__all__ = ["network_ghz_circuit", "product_sensors_circuit", "sensor_qubits"]

Angle = float | Parameter | ParameterExpression


def _check(names: Sequence[str], phases: Sequence[Angle], wait_s: float) -> None:
    if len(names) < 2:
        raise ValueError(f"a sensor network needs at least 2 nodes, got {len(names)}")
    if len(phases) != len(names):
        raise ValueError(f"phases must give one phase per node ({len(names)}), got {len(phases)}")
    if not (wait_s >= 0.0):
        raise ValueError(f"wait_s must be >= 0, got {wait_s!r}")


def sensor_qubits(qc: QuantumCircuit) -> list:
    """The sensor memory of every node, in node order (``metadata["sensors"]``)."""
    return [qc.qubits[i] for i in qc.metadata["sensors"]]


def network_ghz_circuit(links: Sequence[Sequence[float]], names: Sequence[str], *,
                        phases: Sequence[Angle], wait_s: float = 0.0,
                        readout: bool = True) -> QuantumCircuit:
    """N-node GHZ from the N - 1 ``links`` (Bell-diagonal coefficients), phases, X readout.

    Args:
        links: coefficients (A, B, C, D) of each chain link, node j to node j + 1.
        names: the N node names (registers ``<name>_mem``; the network's node names).
        phases: the phase (rad, float or Parameter) each node's sensor picks up.
        wait_s: memory wait of each sensor qubit before sensing (a Delay, seconds).
        readout: add the X readout into ``parity`` (False: leave the sensors unmeasured).
    """
    _check(names, phases, wait_s)
    if len(links) != len(names) - 1:
        raise ValueError(f"an {len(names)}-node chain needs {len(names) - 1} links, got {len(links)}")
    n = len(names)
    regs = [QuantumRegister(1 if j in (0, n - 1) else 2, f"{name}_mem") for j, name in enumerate(names)]
    anc = QuantumRegister(2, "link_anc")
    qc = QuantumCircuit(*regs, anc, name=f"network_ghz_{n}")
    # link j: node j's outgoing memory (its last qubit) and node j+1's incoming one (its first)
    for j, coeffs in enumerate(links):
        prepare_pair(qc, regs[j][-1], regs[j + 1][0], anc, coeffs)
    if n > 2:
        fuse = ClassicalRegister(n - 2, "fuse")
        qc.add_register(fuse)
        for j in range(1, n - 1):
            incoming, outgoing = regs[j][0], regs[j][1]
            qc.cx(incoming, outgoing)
            qc.measure(outgoing, fuse[j - 1])
            with qc.if_test((fuse[j - 1], 1)):
                qc.x(regs[j + 1][0])
    sensors = [reg[0] for reg in regs]
    _sense(qc, sensors, phases, wait_s, readout)
    qc.metadata = {"protocol": "network_ghz", "heralds": [], "nodes_order": list(names),
                   "nodes": {**{r.name: nm for r, nm in zip(regs, names, strict=True)},
                             anc.name: names[0]},
                   "sensors": [qc.find_bit(q).index for q in sensors]}
    return qc


def product_sensors_circuit(names: Sequence[str], *, phases: Sequence[Angle],
                            readout: bool = True) -> QuantumCircuit:
    """N independent sensors: |+> at each node, its phase, X readout into ``parity`` (bit j =
    node j)."""
    _check(names, phases, 0.0)
    regs = [QuantumRegister(1, f"{name}_mem") for name in names]
    qc = QuantumCircuit(*regs, name=f"product_sensors_{len(names)}")
    sensors = [r[0] for r in regs]
    qc.h(sensors)
    _sense(qc, sensors, phases, 0.0, readout)
    qc.metadata = {"protocol": "product_sensors", "heralds": [], "nodes_order": list(names),
                   "nodes": {r.name: nm for r, nm in zip(regs, names, strict=True)},
                   "sensors": list(range(len(names)))}
    return qc


def _sense(qc: QuantumCircuit, sensors: list, phases: Sequence[Angle], wait_s: float,
           readout: bool) -> None:
    qc.barrier()
    if wait_s > 0.0:
        for q in sensors:
            qc.delay(wait_s, q, unit="s")
    for q, theta in zip(sensors, phases, strict=True):
        qc.p(theta, q)
    if readout:
        out = ClassicalRegister(len(sensors), "parity")
        qc.add_register(out)
        qc.h(sensors)
        qc.measure(sensors, out)

"""Aer-side noise: turn the network's physics into channels inside a copy of an ideal circuit.

This is the only module that turns physics into Aer channels (DESIGN.md, modeling rules):

* :class:`~qnet_circuits.library.markers.FiberTransit` on a photon -> amplitude damping with
  ``1 - eta``, ``eta`` = fiber transmissivity over the marked length times the link's detector
  efficiency (loss commutes with the passive beam splitter, so detector inefficiency is loss).
* ``Delay`` on a qubit of a node -> ``thermal_relaxation_error(T1, T2, t)`` of that node's memory.
* a two-qubit gate whose qubits all sit at one node -> ``depolarizing_error(gate_error, 2)`` after it;
  one across two nodes -> ``depolarizing_error`` with the mean of their ``coupler_error`` (0 by default).
* a measurement at a node -> a bit flip with ``readout_error`` before it (exact for the recorded
  bit; protocol qubits are reset or discarded after measurement).
* a measurement of a detector qubit -> a dark count (|0> -> |1> with the link's dark-count
  probability) before it.

Which register sits where comes from ``circuit.metadata["nodes"]`` and ``["detectors"]``;
``metadata["memories"]`` (``{qubit index: node}``) gives single qubits a node's memory for their
Delays only (no gate or readout noise: the distributed circuit's data qubits).
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

Memory waits whose durations are Parameters (one template circuit for many sampled
realizations, :mod:`qnet_circuits.scheduler`): Aer's noise instructions have fixed parameters, so
a template whose waits differ per realization cannot carry ``thermal_relaxation_error(T1, T2, t)``
directly. :func:`dilate_memory_waits` replaces every parameterized ``Delay`` on a memory qubit by
an exact Stinespring dilation of that same channel (physics-reference section 7) on a noiseless
ancilla that is reset afterwards:

* amplitude damping ``gamma = 1 - exp(-t/T1)``: an exchange rotation ``RXX(theta) RYY(theta)``
  between the memory and the ancilla (|10> -> cos(theta)|10> - i sin(theta)|01>), then reset, with
  ``sin^2(theta) = gamma``;
* the remaining dephasing down to ``exp(-t/T2)``: the ancilla rotated by ``phi`` and a ``CZ``, reset,
  a Z flip with probability ``sin^2(phi/2) = (1 - exp(-t (1/T2 - 1/(2 T1))))/2``.

The angles are new Parameters whose values :func:`angle_table` computes from the wait values, so
one transpiled circuit serves every realization (Aer ``parameter_binds``). Delays with float
durations become the same ``thermal_relaxation_error`` as in :func:`noisy_circuit` (cached, since
long chains repeat the same waits; a ``kraus`` instruction inside a loop body, issue 13) and every
Delay is removed. :func:`template_noise` runs both
passes, the dilation first: what the local runner's
:meth:`~qnet_circuits.run.AerRunner.run_bindings` does.

>>> import math
>>> from qiskit.circuit import Parameter
>>> mem, anc = QuantumRegister(1, "alice_mem"), QuantumRegister(2, "src_anc")
>>> qc = QuantumCircuit(mem, anc, metadata={"nodes": {"alice_mem": "alice"}, "dilation_ancilla": 1})
>>> _ = qc.delay(Parameter("w0"), 0, unit="s")
>>> out, maps = dilate_memory_waits(qc, chain(1, 1.0, t1_s=1.0, t2_s=0.5))
>>> [i.operation.name for i in out.data]
['rxx', 'ryy', 'reset', 'ry', 'cz', 'reset']
>>> table = angle_table(maps, {"w0": [0.1]})
>>> round(math.sin(table["w0_ad"][0]) ** 2, 6)  # 1 - exp(-0.1)
0.095163
"""


from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from qiskit.circuit import ControlFlowOp, Delay, Parameter, ParameterExpression, QuantumCircuit, Qubit
from qiskit.quantum_info import Kraus
from qiskit_aer.noise import (
    QuantumError,
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
_LOOPS = {"while_loop", "for_loop"}


class _KrausAppender:
    """A circuit whose ``append`` writes Aer QuantumErrors as ``kraus`` instructions.

    Measured with qiskit-aer 0.18.2 (statevector, matrix-product-state and stabilizer methods):
    a QuantumError that is a mixture of circuits (``pauli_error``, ``depolarizing_error``,
    ``thermal_relaxation_error`` with T2 <= T1, pure dephasing included, whose branches are
    I, Z and resets) inside a ``while_loop`` body, an ``if_test`` in one included, is sampled
    once per shot and the same sample is replayed on every iteration: two iterations of a
    Z-mixture give Z^2 = I, <X> = 1 instead of (1 - 2p)^2, and a rejection loop whose flags such
    an error flips never resamples the flip (a loop of ``reset; X-flip with p = 1/2; measure``
    until the bit is 1 never ends). A ``kraus`` instruction is applied (and sampled) each time it
    runs; it is the same channel. Errors that already are one Kraus channel (loss, dark counts,
    T2 > T1) are left as they are. Noise instructions already in the circuit
    (``quantum_channel``, e.g. written by :func:`dilate_memory_waits`) are converted too (issue 13).
    """

    in_loop = True

    def __init__(self, circuit: QuantumCircuit) -> None:
        self.circuit = circuit

    def append(self, op, qargs, cargs=()):
        error = op if isinstance(op, QuantumError) else (
            getattr(op, "_quantum_error", None) if getattr(op, "name", "") == "quantum_channel"
            else None)
        if isinstance(error, QuantumError) and len(error.circuits) > 1:
            op = _as_kraus(error)
        return self.circuit.append(op, qargs, cargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.circuit, name)


_KRAUS_CACHE: dict[int, tuple[QuantumError, Any]] = {}


def _as_kraus(error: QuantumError):
    """``error`` as one ``kraus`` instruction (cached per error object: the relaxation channels
    of long chains are shared, see :func:`_relaxation`)."""
    hit = _KRAUS_CACHE.get(id(error))
    if hit is not None and hit[0] is error:
        return hit[1]
    if len(_KRAUS_CACHE) > 4096:
        _KRAUS_CACHE.clear()
    inst = Kraus(error.to_quantumchannel()).to_instruction()
    _KRAUS_CACHE[id(error)] = (error, inst)
    return inst


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
        self.memory_of: dict[Qubit, Node] = {}
        self.detector_of: dict[Qubit, Link] = {}
        ideal = set((circuit.metadata or {}).get("ideal_measurements", []))
        self.ideal_clbits = {bit for reg in circuit.cregs if reg.name in ideal for bit in reg}
        if network is not None:
            for qubit, name in _register_owner(circuit, "nodes").items():
                self.node_of[qubit] = network.node(name)
            for qubit, name in _register_owner(circuit, "detectors").items():
                self.detector_of[qubit] = network.link_by_name(name)
            for index, name in ((circuit.metadata or {}).get("memories") or {}).items():
                self.memory_of[circuit.qubits[int(index)]] = network.node(name)

    def rewrite(self, circuit: QuantumCircuit, outer: list[Qubit] | None = None,
                in_loop: bool = False) -> QuantumCircuit:
        """Rewrite ``circuit``; ``outer[i]`` is the top-level qubit behind ``circuit.qubits[i]``;
        ``in_loop``: the circuit is (inside) the body of a ``while_loop`` or ``for_loop``, where
        every channel is appended as a ``kraus`` instruction (see :func:`noisy_circuit`)."""
        outer = list(circuit.qubits) if outer is None else outer
        to_outer = dict(zip(circuit.qubits, outer))
        result = circuit.copy_empty_like()
        out: Any = _KrausAppender(result) if in_loop else result
        for inst in circuit.data:
            op, qargs, cargs = inst.operation, inst.qubits, inst.clbits
            if isinstance(op, ControlFlowOp):
                loop = in_loop or op.name in _LOOPS
                blocks = [
                    self.rewrite(block, [to_outer[q] for q in qargs], loop) for block in op.blocks
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
        return result

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
        node = self.node_of.get(top) or self.memory_of.get(top)
        if node is None or node.memory.ideal:
            return
        t = delay_seconds(op)
        if t > 0:
            out.append(thermal_relaxation_error(node.memory.t1_s, node.memory.t2_s, t), [qubit])

    def _gate_error(self, out: QuantumCircuit, qargs, tops) -> None:
        nodes = {self.node_of.get(t) for t in tops}
        if len(nodes) == 2 and None not in nodes:  # a gate across two nodes (a device coupler)
            lam = sum(n.coupler_error for n in nodes) / 2.0  # type: ignore[union-attr]
            if lam > 0:
                out.append(depolarizing_error(lam, 2), qargs)
            return
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


# ---------------------------------------------------------------------------------------------
# memory waits with Parameter durations (templates)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DilationMap:
    """One replaced wait: its Parameter name, the angle Parameters and the memory's T1, T2 (s)."""

    wait: str
    amplitude: str | None
    dephasing: str | None
    t1_s: float
    t2_s: float


def _owners(circuit: QuantumCircuit, network: Network) -> dict[Qubit, Node]:
    regs = {r.name: r for r in circuit.qregs}
    out: dict[Qubit, Node] = {}
    for reg_name, node in (circuit.metadata or {}).get("nodes", {}).items():
        if reg_name not in regs:
            raise ValueError(f"metadata['nodes'] names register {reg_name!r}, not in the circuit")
        for q in regs[reg_name]:
            out[q] = network.node(node)
    return out


def dilate_memory_waits(
    circuit: QuantumCircuit, network: Network | None
) -> tuple[QuantumCircuit, list[DilationMap]]:
    """Replace parameterized Delays by dilated T1/T2 channels (see the module docstring).

    Parameterized Delays on ideal memories (or with ``network=None``) are removed.
    Only gates whose bound values Aer honours after the core noise pass re-appends them are used:
    measured with qiskit-aer 0.18.2, ``parameter_binds`` values are silently ignored for a
    re-appended ``CUGate`` and for ``cry``/``crx`` in any form, but honoured for ``ry``, ``rxx``
    and ``ryy`` on the statevector, density-matrix and MPS methods. Needs
    ``metadata["dilation_ancilla"]``: the index of a noiseless qubit that is |0> whenever a wait
    starts (and is in the scope of every control-flow block that holds such a wait).
    """
    meta = circuit.metadata or {}
    owners = _owners(circuit, network) if network is not None else {}
    anc_index = meta.get("dilation_ancilla")
    anc = circuit.qubits[anc_index] if anc_index is not None else None
    maps: list[DilationMap] = []

    def visit(out: QuantumCircuit, inst: Any, to_outer: dict, from_outer: dict) -> bool:
        op = inst.operation
        if not isinstance(op, Delay):
            return False
        node = owners.get(to_outer[inst.qubits[0]])
        if not isinstance(op.duration, ParameterExpression):
            seconds = delay_seconds(op)
            if node is not None and not node.memory.ideal and seconds > 0:
                out.append(_relaxation(node.memory.t1_s, node.memory.t2_s, seconds), inst.qubits)
            return True  # Aer ignores delays; the channel (if any) stands in its place
        if op.unit != "s":
            raise ValueError("parameterized waits must be in seconds (unit='s')")
        if node is None or node.memory.ideal:
            return True
        if anc is None or anc not in from_outer:
            raise ValueError(
                "a parameterized wait needs the dilation ancilla in scope "
                "(metadata['dilation_ancilla'])"
            )
        a = from_outer[anc]
        q = inst.qubits[0]
        name = str(op.duration)
        t1, t2 = node.memory.t1_s, node.memory.t2_s
        amp = deph = None
        if not math.isinf(t1):
            amp = Parameter(f"{name}_ad")
            out.rxx(amp, q, a)
            out.ryy(amp, q, a)
            out.reset(a)
        if not math.isinf(t2) and not (not math.isinf(t1) and t2 >= 2 * t1):
            deph = Parameter(f"{name}_z")
            out.ry(deph, a)
            out.cz(a, q)
            out.reset(a)
        maps.append(DilationMap(name, amp.name if amp else None,
                                deph.name if deph else None, t1, t2))
        return True

    return rewrite_instructions(circuit, visit), maps


def rewrite_instructions(
    circuit: QuantumCircuit,
    visit: Callable[[QuantumCircuit, Any, dict, dict], bool],
) -> QuantumCircuit:
    """``circuit`` rebuilt instruction by instruction, recursing into control-flow blocks.

    ``visit(out, inst, to_outer, from_outer)`` sees every non-control-flow instruction of a block
    with ``out`` (the block being built) and the maps between the block's qubits and the outer
    circuit's; it appends whatever replaces ``inst`` and returns True, or returns False to keep
    ``inst`` as it is. Inside a ``while_loop`` or ``for_loop`` body ``out`` writes the Aer
    QuantumErrors appended to it as ``kraus`` instructions and has ``out.in_loop`` True (Aer
    replays one sample per shot of a mixture in a loop body; issue 13).
    """

    def rewrite(block: QuantumCircuit, outer: list[Qubit], in_loop: bool) -> QuantumCircuit:
        to_outer = dict(zip(block.qubits, outer))
        from_outer = {v: k for k, v in to_outer.items()}
        out = block.copy_empty_like()
        target: Any = _KrausAppender(out) if in_loop else out
        for inst in block.data:
            op = inst.operation
            if isinstance(op, ControlFlowOp):
                loop = in_loop or op.name in _LOOPS
                blocks = [rewrite(b, [to_outer[q] for q in inst.qubits], loop) for b in op.blocks]
                out.append(op.replace_blocks(blocks), inst.qubits, inst.clbits)
            elif not visit(target, inst, to_outer, from_outer):
                out.append(op, inst.qubits, inst.clbits)
        return out

    return rewrite(circuit, list(circuit.qubits), False)


def memory_wait_error(network: Network, node: str, seconds: float):
    """The channel a ``Delay`` of ``seconds`` on a memory of ``node`` becomes in this pass
    (``thermal_relaxation_error(T1, T2, t)``), or None for an ideal memory or no wait: for
    circuits whose qubit changes node over time (a moved qubit; an ebit-half slot reused across
    nodes), where ``metadata["memories"]`` cannot name one node per qubit."""
    memory = network.node(node).memory
    if memory.ideal or seconds <= 0:
        return None
    return thermal_relaxation_error(memory.t1_s, memory.t2_s, seconds)


@lru_cache(maxsize=4096)
def _relaxation(t1_s: float, t2_s: float, t_s: float):
    """Aer's ``thermal_relaxation_error`` (cached: long chains repeat the same waits)."""
    return thermal_relaxation_error(t1_s, t2_s, t_s)


def amplitude_angle(t_s: np.ndarray, t1_s: float) -> np.ndarray:
    """``theta`` with ``sin^2(theta) = 1 - exp(-t/T1)`` (the exchange rotation's angle)."""
    gamma = -np.expm1(-np.asarray(t_s, dtype=float) / t1_s)
    return np.arcsin(np.sqrt(np.clip(gamma, 0.0, 1.0)))


def dephasing_angle(t_s: np.ndarray, t1_s: float, t2_s: float) -> np.ndarray:
    """``phi`` with ``sin^2(phi/2)`` = the Z-flip probability completing T2 after T1 damping."""
    rate = 1.0 / t2_s - (0.0 if math.isinf(t1_s) else 1.0 / (2.0 * t1_s))
    p_z = -np.expm1(-np.asarray(t_s, dtype=float) * max(rate, 0.0)) / 2.0
    return 2.0 * np.arcsin(np.sqrt(np.clip(p_z, 0.0, 0.5)))


def angle_table(
    maps: Sequence[DilationMap], waits: Mapping[str, np.ndarray | Sequence[float]]
) -> dict[str, np.ndarray]:
    """Angle values (by Parameter name) for wait values ``waits`` (by wait Parameter name, s)."""
    out: dict[str, np.ndarray] = {}
    for m in maps:
        t = np.asarray(waits[m.wait], dtype=float)
        if m.amplitude is not None:
            out[m.amplitude] = amplitude_angle(t, m.t1_s)
        if m.dephasing is not None:
            out[m.dephasing] = dephasing_angle(t, m.t1_s, m.t2_s)
    return out


def op_names(circuit: QuantumCircuit) -> set[str]:
    """Names of every operation in ``circuit``, control-flow blocks included."""
    names = set()
    for inst in circuit.data:
        names.add(inst.operation.name)
        for block in getattr(inst.operation, "blocks", ()):
            names |= op_names(block)
    return names


def _core_noise_needed(circuit: QuantumCircuit, network: Network | None) -> bool:
    """False when :func:`noisy_circuit` would add nothing to a dilated circuit: no gate, readout
    or detector noise and no fiber markers."""
    if network is None:
        return FIBER_TRANSIT in op_names(circuit)
    if any(n.gate_error > 0 or n.readout_error > 0 or n.coupler_error > 0 for n in network.nodes):
        return True
    if any(lk.detector.dark_count_prob > 0 or lk.detector.efficiency < 1 for lk in network.links):
        return True
    return FIBER_TRANSIT in op_names(circuit)


def template_noise(
    circuit: QuantumCircuit, network: Network | None
) -> tuple[QuantumCircuit, list[DilationMap]]:
    """The noisy copy of a template: memory waits through :func:`dilate_memory_waits`, the rest
    through :func:`noisy_circuit` (skipped when it would add nothing). Returns the circuit and the
    dilation maps for :func:`angle_table`."""
    dilated, maps = dilate_memory_waits(circuit, network)
    if _core_noise_needed(dilated, network):
        return noisy_circuit(dilated, network), maps
    return dilated, maps


__all__ = [
    "DilationMap",
    "amplitude_angle",
    "angle_table",
    "dark_count_error",
    "delay_seconds",
    "memory_wait_error",
    "dephasing_angle",
    "dilate_memory_waits",
    "noisy_circuit",
    "op_names",
    "strip_markers",
    "template_noise",
]

"""Memory decoherence for Delays whose durations are Parameters (Aer side, one template for many
realizations).

Aer's noise instructions have fixed parameters, so a template whose waits differ per realization
cannot carry ``thermal_relaxation_error(T1, T2, t)`` directly. This pass replaces every
parameterized ``Delay`` on a memory qubit by an exact Stinespring dilation of that same channel
(physics-reference section 7) on a noiseless ancilla that is reset afterwards:

* amplitude damping ``gamma = 1 - exp(-t/T1)``: an exchange rotation ``RXX(theta) RYY(theta)``
  between the memory and the ancilla (|10> -> cos(theta)|10> - i sin(theta)|01>), then reset, with
  ``sin^2(theta) = gamma``;
* the remaining dephasing down to ``exp(-t/T2)``: the ancilla rotated by ``phi`` and a ``CZ``, reset,
  a Z flip with probability ``sin^2(phi/2) = (1 - exp(-t (1/T2 - 1/(2 T1))))/2``.

The angles are new Parameters whose values :func:`angle_table` computes from the wait values, so
one transpiled circuit serves every realization (Aer ``parameter_binds``). Delays with float
durations become the same ``thermal_relaxation_error`` as in the core pass (cached, since long
chains repeat the same waits) and every Delay is removed. Everything else (gate and readout
errors, fiber markers, dark counts) is left to :func:`qnet_circuits.noise.noisy_circuit`
afterwards. The owning node of a memory comes from ``metadata["nodes"]`` as in the core pass.

>>> import math
>>> from qiskit import QuantumCircuit, QuantumRegister
>>> from qiskit.circuit import Parameter
>>> from qnet_circuits.network import chain
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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from qiskit.circuit import ControlFlowOp, Delay, Parameter, ParameterExpression, QuantumCircuit, Qubit
from qiskit_aer.noise import thermal_relaxation_error

from qnet_circuits.network import Network, Node
from qnet_circuits.noise import delay_seconds


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

    def rewrite(block: QuantumCircuit, outer: list[Qubit]) -> QuantumCircuit:
        to_outer = dict(zip(block.qubits, outer))
        from_outer = {v: k for k, v in to_outer.items()}
        out = block.copy_empty_like()
        for inst in block.data:
            op = inst.operation
            if isinstance(op, ControlFlowOp):
                blocks = [rewrite(b, [to_outer[q] for q in inst.qubits]) for b in op.blocks]
                out.append(op.replace_blocks(blocks), inst.qubits, inst.clbits)
                continue
            if isinstance(op, Delay) and not isinstance(op.duration, ParameterExpression):
                node = owners.get(to_outer[inst.qubits[0]])
                seconds = delay_seconds(op)
                if node is not None and not node.memory.ideal and seconds > 0:
                    out.append(_relaxation(node.memory.t1_s, node.memory.t2_s, seconds), inst.qubits)
                continue  # Aer ignores delays; the channel (if any) stands in its place
            if isinstance(op, Delay) and isinstance(op.duration, ParameterExpression):
                if op.unit != "s":
                    raise ValueError("parameterized waits must be in seconds (unit='s')")
                node = owners.get(to_outer[inst.qubits[0]])
                if node is None or node.memory.ideal:
                    continue
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
                continue
            out.append(op, inst.qubits, inst.clbits)
        return out

    return rewrite(circuit, list(circuit.qubits)), maps


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


__all__ = ["DilationMap", "amplitude_angle", "angle_table", "dephasing_angle", "dilate_memory_waits"]

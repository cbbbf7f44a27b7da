"""The network's memories as explicit operations in a device circuit (``qnet chain --memory injected``).

A network's waits are micro- to milliseconds and its memories' T2 can be seconds; a device qubit's
T2 is ~100 us. :func:`inject_memory` replaces every memory wait (a ``Delay`` on a qubit of a node
with a finite T1 or T2) by the network memory's own channel, built from gates a device runs, and
removes every Delay, so a device run carries the network's memories on top of the device's noise:

* amplitude damping ``gamma = 1 - exp(-t/T1)``: a controlled-RY(theta) from the memory onto the
  fresh dilation ancilla (``metadata["dilation_ancilla"]``, |0> whenever a wait starts), a CX from
  the ancilla back onto the memory, and a reset of the ancilla: |0>|0> -> |0>|0>,
  |1>|0> -> cos(theta/2)|1>|0> + sin(theta/2)|0>|1>, so tracing the ancilla out leaves exactly the
  amplitude-damping channel with ``sin^2(theta/2) = gamma`` (the controlled-RY is written as
  RY(theta/2) CX RY(-theta/2) CX on the ancilla: gates every IBM target takes, and whose bound
  values Aer honours, see :func:`qnet_circuits.noise.dilate_memory_waits`);
* the dephasing left over down to ``exp(-t/T2)``: a Pauli Z sampled per realization (one binding
  row) with probability ``p_z = (1 - exp(-t (1/T2 - 1/(2 T1))))/2``, as an ``RZ`` bound to 0 or pi
  (a virtual gate on IBM devices). For pure dephasing this is exact: the channel is the
  probabilistic mixture over rows of Z frames (physics-reference section 7). Z commutes with the
  amplitude-damping channel, so the order does not matter.

Photonic links (``--link-level photonic``): :func:`inject_fiber` replaces every fiber marker by the
same dilation with a fixed angle, ``gamma = 1 - eta`` (``eta`` = the fiber's transmissivity over the
marked length times the detector efficiency, as the Aer noise pass does): on a photon qubit
(|0> vacuum, |1> one photon) that is exactly a beam splitter of transmissivity eta whose other
input is the vacuum mode (the ancilla), so the heralds on a device follow the closed-form herald
probability. Dark counts stay classical: each detector bit is OR-ed with a click of probability
``dark_count_prob``, which is the threshold detector's click exactly. Without control flow
(``correction="frame"``: the herald's correction is coherent) the OR is applied after the run
(:func:`dark_count_sites`, :func:`add_dark_counts`). With ``if_test`` corrections (``"dynamic"``)
the click that a correction conditions on must be the detector's record, so
:func:`inject_dark_counts` samples the dark count of each realization in the circuit: an
``RX`` bound to 0 or pi on the (reset) dilation ancilla, measured into a ``dark`` register bit,
and every ``if_test`` on the detector bit conditions on ``expr.bit_or(click, dark)`` instead
(classical expressions on bits run on IBM targets with ``if_else``); :func:`or_dark_counts`
then ORs the same dark bits into the recorded detector bits, so post-selection and feed-forward
read the same click.

Each wait gets its own angle Parameter ``<wait>_ad`` (theta/2) and frame Parameter ``<wait>_z``;
the values come from the wait durations (Parameter waits: the binding table's column; fixed waits:
constant) and from ``rng`` for the Z frames.

>>> import math
>>> from qiskit import QuantumCircuit, QuantumRegister
>>> from qnet_circuits.network import chain
>>> mem, anc = QuantumRegister(1, "alice_mem"), QuantumRegister(1, "src_anc")
>>> qc = QuantumCircuit(mem, anc, metadata={"nodes": {"alice_mem": "alice"}, "dilation_ancilla": 1})
>>> _ = qc.delay(0.1, 0, unit="s")
>>> out, table = inject_memory(qc, chain(1, 1.0, t1_s=1.0, t2_s=0.5), {}, rows=4,
...                            rng=np.random.default_rng(1))
>>> [i.operation.name for i in out.data]
['ry', 'cx', 'ry', 'cx', 'cx', 'reset', 'rz']
>>> round(math.sin(table["d0_ad"][0]) ** 2, 6)  # 1 - exp(-0.1 s / 1 s)
0.095163
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from qiskit.circuit import (
    ClassicalRegister,
    Clbit,
    ControlFlowOp,
    Delay,
    IfElseOp,
    Parameter,
    ParameterExpression,
    QuantumCircuit,
)
from qiskit.circuit.classical import expr

from qnet_circuits.library.markers import FIBER_TRANSIT
from qnet_circuits.network import Network
from qnet_circuits.noise import amplitude_angle, delay_seconds, rewrite_instructions
from qnet_circuits.scheduler.links import node_map


def z_flip_probability(t_s: np.ndarray, t1_s: float, t2_s: float) -> np.ndarray:
    """Probability of the sampled Z completing T2 after T1 damping over waits ``t_s`` (s):
    ``(1 - exp(-t (1/T2 - 1/(2 T1))))/2`` (0 where T2 is infinite or T2 = 2 T1).

    >>> float(z_flip_probability(np.array([0.1]), math.inf, 0.1)[0])  # (1 - e^-1)/2
    0.31606027941427883
    """
    rate = (0.0 if math.isinf(t2_s) else 1.0 / t2_s) - (0.0 if math.isinf(t1_s) else 0.5 / t1_s)
    return -np.expm1(-np.asarray(t_s, dtype=float) * max(rate, 0.0)) / 2.0


def _owners(circuit: QuantumCircuit, network: Network) -> dict:
    nodes = node_map(network)
    regs = {r.name: r for r in circuit.qregs}
    out = {}
    for reg, node in (circuit.metadata or {}).get("nodes", {}).items():
        if reg in regs and node in nodes:
            for q in regs[reg]:
                out[q] = nodes[node]
    return out


def inject_memory(circuit: QuantumCircuit, network: Network,
                  table: Mapping[str, np.ndarray], *, rows: int,
                  rng: np.random.Generator) -> tuple[QuantumCircuit, dict[str, np.ndarray]]:
    """``circuit`` with every memory wait replaced by its explicit channel and every Delay removed
    (see the module docstring), and the binding table (by Parameter name, ``rows`` values each):
    the columns of ``table`` the new circuit still uses, plus the angle and frame columns.

    ``table`` holds the values (s) of Parameter wait durations; fixed waits are read from the
    circuit. Raises ValueError when a decaying wait has no dilation ancilla in scope, or when a
    dephasing wait sits inside a loop body (its per-row Z frame would be replayed on every
    iteration; issue 13)."""
    owners = _owners(circuit, network)
    meta = circuit.metadata or {}
    anc_index = meta.get("dilation_ancilla")
    anc = circuit.qubits[anc_index] if anc_index is not None else None
    columns: dict[str, np.ndarray] = {}
    count = [0]

    def wait_values(op: Delay) -> tuple[str, np.ndarray]:
        if isinstance(op.duration, ParameterExpression):
            if op.unit != "s" or not isinstance(op.duration, Parameter):
                raise ValueError("injected memory needs waits that are one Parameter in seconds")
            name = op.duration.name
            if name not in table:
                raise ValueError(f"no binding values for the wait {name!r}")
            return name, np.asarray(table[name], dtype=float)
        name = f"d{count[0]}"
        count[0] += 1
        return name, np.full(rows, delay_seconds(op))

    def visit(out: QuantumCircuit, inst, to_outer: dict, from_outer: dict) -> bool:
        op = inst.operation
        if not isinstance(op, Delay):
            return False
        node = owners.get(to_outer[inst.qubits[0]])
        if node is None or node.memory.ideal:
            return True
        name, t = wait_values(op)
        if t.shape != (rows,):
            raise ValueError(f"the wait {name!r} has {t.size} values, expected {rows}")
        q = inst.qubits[0]
        t1, t2 = node.memory.t1_s, node.memory.t2_s
        if not math.isinf(t1):
            if anc is None or anc not in from_outer:
                raise ValueError("injected amplitude damping needs the dilation ancilla in "
                                 "scope (metadata['dilation_ancilla'])")
            half = Parameter(f"{name}_ad")
            columns[half.name] = amplitude_angle(t, t1)  # theta/2: sin^2(theta/2) = gamma
            _damp(out, q, from_outer[anc], half)
        p_z = z_flip_probability(t, t1, t2)
        if np.any(p_z > 0):
            if getattr(out, "in_loop", False):  # one frame per row would repeat every iteration
                raise ValueError(
                    f"the wait {name!r} dephases inside a while_loop/for_loop body, where a Z "
                    "frame sampled per row would be the same on every iteration; inject memories "
                    "into the device form (no loops) or run the simulator form with the network's "
                    "noise passes (AerRunner.run_bindings)")
            frame = Parameter(f"{name}_z")
            columns[frame.name] = np.pi * (rng.random(rows) < p_z)
            out.rz(frame, q)
        return True

    result = rewrite_instructions(circuit, visit)
    kept = {p.name for p in result.parameters}
    for name, values in table.items():
        if name in kept and name not in columns:
            columns[name] = np.asarray(values, dtype=float)
    return result, {k: v for k, v in columns.items() if k in kept}


def _damp(out: QuantumCircuit, q, a, half) -> None:
    """Amplitude damping with sin^2(half) = gamma: controlled-RY(2 half) q -> a, CX a -> q, reset a."""
    out.ry(half, a)
    out.cx(q, a)
    out.ry(-half, a)
    out.cx(q, a)
    out.cx(a, q)
    out.reset(a)


def inject_fiber(circuit: QuantumCircuit, network: Network) -> QuantumCircuit:
    """``circuit`` with every fiber marker replaced by its exact loss dilation on the dilation
    ancilla (see the module docstring); markers of lossless fibers are removed."""
    meta = circuit.metadata or {}
    anc_index = meta.get("dilation_ancilla")
    anc = circuit.qubits[anc_index] if anc_index is not None else None

    def visit(out: QuantumCircuit, inst, to_outer: dict, from_outer: dict) -> bool:
        op = inst.operation
        if op.name != FIBER_TRANSIT:
            return False
        link = network.link_by_name(op.link)
        eta = link.fiber.transmissivity_over(op.length_km) * link.detector.efficiency
        if eta >= 1.0:
            return True
        if anc is None or anc not in from_outer:
            raise ValueError("injected fiber loss needs the dilation ancilla in scope "
                             "(metadata['dilation_ancilla'])")
        _damp(out, inst.qubits[0], from_outer[anc], math.asin(math.sqrt(1.0 - eta)))
        return True

    return rewrite_instructions(circuit, visit)


def dark_count_sites(circuit: QuantumCircuit, network: Network) -> list[tuple[str, int, float]]:
    """``(register, bit, dark_count_prob)`` of every detector measurement in ``circuit`` (the
    registers ``metadata["detectors"]`` maps to links) whose detector has dark counts."""
    detectors = (circuit.metadata or {}).get("detectors", {}) or {}
    regs = {r.name: r for r in circuit.qregs}
    link_of = {q: network.link_by_name(name) for reg, name in detectors.items() if reg in regs
               for q in regs[reg]}
    sites: list[tuple[str, int, float]] = []

    def walk(block: QuantumCircuit, outer: list) -> None:
        to_outer = dict(zip(block.qubits, outer))
        for inst in block.data:
            op = inst.operation
            if isinstance(op, ControlFlowOp):
                for b in op.blocks:
                    walk(b, [to_outer[q] for q in inst.qubits])
            elif op.name == "measure" and to_outer[inst.qubits[0]] in link_of:
                p = link_of[to_outer[inst.qubits[0]]].detector.dark_count_prob
                loc = circuit.find_bit(inst.clbits[0])
                if p > 0 and loc.registers:
                    reg, index = loc.registers[0]
                    sites.append((reg.name, index, float(p)))

    walk(circuit, list(circuit.qubits))
    return sites


def add_dark_counts(bits: Mapping[str, np.ndarray], sites: list[tuple[str, int, float]],
                    rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Copies of the measured ``bits`` (register -> (shots, size)) with each detector bit of
    ``sites`` OR-ed with a dark click of its probability (independent per shot and detector).

    >>> out = add_dark_counts({"h": np.zeros((4, 1), dtype=np.uint8)}, [("h", 0, 1.0)],
    ...                       np.random.default_rng(0))
    >>> out["h"][:, 0].tolist()
    [1, 1, 1, 1]
    """
    out = {k: np.array(v, copy=True) for k, v in bits.items()}
    for reg, index, p in sites:
        column = out[reg][:, index]
        out[reg][:, index] = column | (rng.random(column.shape[0]) < p)
    return out


def inject_dark_counts(circuit: QuantumCircuit, network: Network, table: Mapping[str, np.ndarray],
                       *, rows: int, rng: np.random.Generator
                       ) -> tuple[QuantumCircuit, dict[str, np.ndarray]]:
    """``circuit`` with each detector measurement that has dark counts followed by its sampled
    dark count (an ``RX`` Parameter ``dark<k>`` bound to pi with probability ``dark_count_prob``
    per row, on the dilation ancilla, measured into bit k of a register ``dark`` and reset), and
    every later ``if_test`` on that detector bit conditioned on ``expr.bit_or(bit, dark[k])``;
    the binding table is ``table`` plus the ``dark<k>`` columns. ``metadata["dark_counts"]``
    lists ``[register, bit, "dark", k]`` for :func:`or_dark_counts`. Detector measurements must
    sit at the top level (the device form has no loops)."""
    sites = dark_count_sites(circuit, network)
    if not sites:
        return circuit, dict(table)
    anc_index = (circuit.metadata or {}).get("dilation_ancilla")
    if anc_index is None:
        raise ValueError("injected dark counts need the dilation ancilla "
                         "(metadata['dilation_ancilla'])")
    anc = circuit.qubits[anc_index]
    wanted = {(reg, bit): p for reg, bit, p in sites}
    out = circuit.copy_empty_like()
    dark = ClassicalRegister(len(sites), "dark")
    out.add_register(dark)
    columns, partner, listed = dict(table), {}, []
    for inst in circuit.data:
        op = inst.operation
        if isinstance(op, IfElseOp) and _conditioned_on(op, partner):
            _or_condition(out, op, inst, partner)
            continue
        out.append(op, inst.qubits, inst.clbits)
        if op.name != "measure":
            continue
        loc = circuit.find_bit(inst.clbits[0]).registers
        key = (loc[0][0].name, loc[0][1]) if loc else None
        if key not in wanted:
            continue
        k = len(listed)
        theta = Parameter(f"dark{k}")
        columns[theta.name] = np.pi * (rng.random(rows) < wanted[key])
        out.rx(theta, anc)
        out.measure(anc, dark[k])
        out.reset(anc)
        partner[inst.clbits[0]] = dark[k]
        listed.append([key[0], key[1], dark.name, k])
    if len(listed) != len(sites):
        raise ValueError("injected dark counts need the detector measurements at the top level "
                         "of the circuit (no control flow around them)")
    out.metadata = {**(circuit.metadata or {}), "dark_counts": listed}
    return out, columns


def _conditioned_on(op: IfElseOp, partner: dict) -> bool:
    target, value = op.condition if isinstance(op.condition, tuple) else (None, None)
    if isinstance(target, Clbit) and target in partner:
        if value != 1 or (len(op.blocks) > 1 and op.blocks[1] is not None):
            raise ValueError("injected dark counts handle if_test((click, 1)) without else only")
        return True
    return False


def _or_condition(out: QuantumCircuit, op: IfElseOp, inst, partner: dict) -> None:
    """``op`` (``if_test((click, 1))``) appended to ``out`` conditioned on click OR dark."""
    click, body = op.condition[0], op.blocks[0]
    qmap = dict(zip(body.qubits, inst.qubits))
    cmap = dict(zip(body.clbits, inst.clbits))
    with out.if_test(expr.bit_or(click, partner[click])):
        for sub in body.data:
            if isinstance(sub.operation, ControlFlowOp):
                raise ValueError("injected dark counts: nested control flow in a correction")
            out.append(sub.operation, [qmap[q] for q in sub.qubits], [cmap[c] for c in sub.clbits])


def or_dark_counts(bits: Mapping[str, np.ndarray], listed: list) -> dict[str, np.ndarray]:
    """Copies of ``bits`` with each detector bit OR-ed with its in-circuit dark-count bit
    (``metadata["dark_counts"]`` of :func:`inject_dark_counts`).

    >>> out = or_dark_counts({"h": np.array([[0], [1], [0]]), "dark": np.array([[1], [0], [0]])},
    ...                      [["h", 0, "dark", 0]])
    >>> out["h"][:, 0].tolist()
    [1, 1, 0]
    """
    out = {k: np.array(v, copy=True) for k, v in bits.items()}
    for reg, index, dark, k in listed:
        out[reg][:, index] = out[reg][:, index] | np.asarray(bits[dark])[:, k]
    return out


__all__ = ["add_dark_counts", "dark_count_sites", "inject_dark_counts", "inject_fiber",
           "inject_memory", "or_dark_counts", "z_flip_probability"]

"""Exact cross-check: the heralded density matrix by the deferred-measurement principle.

Small circuits only (about 12 qubits with the records): the noisy circuit runs once on Aer's
density-matrix method, measurements deferred to record qubits, and the herald rules of
``metadata["heralds"]`` are applied as projectors.

>>> from qnet_circuits.library.generation import werner_pair
>>> rho, p = heralded_density_matrix(werner_pair(0.9))
>>> round(float(rho.data[0, 0].real + rho.data[3, 3].real), 6), round(p, 9)
(0.933333, 1.0)
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from qiskit import transpile
from qiskit.circuit import ControlFlowOp, IfElseOp, QuantumCircuit, QuantumRegister
from qiskit.quantum_info import DensityMatrix, partial_trace

from qnet_circuits.network import Network
from qnet_circuits.noise import noisy_circuit
from qnet_circuits.run.aer import AerRunner


def _herald_ok(rule: str, bits: tuple[int, ...]) -> bool:
    if rule == "one_hot":
        return sum(bits) == 1
    if rule == "all_ones":
        return all(bits)
    if rule == "all_zeros":
        return not any(bits)
    if rule == "equal":
        return len(set(bits)) <= 1
    raise ValueError(f"unknown herald rule {rule!r}; use one_hot, all_ones, all_zeros or equal")


def defer_measurements(circuit: QuantumCircuit) -> tuple[QuantumCircuit, dict]:
    """Remove measurements by the deferred-measurement principle.

    A measured qubit that is used again later is first copied by a CNOT onto a fresh record qubit;
    a qubit never touched after its measurement is its own record. Each ``if_test`` on a single
    clbit becomes its body controlled on that record. Returns the new circuit and the map
    ``clbit -> record qubit index``. Bodies must be unitary; else-branches and loops are refused.
    """
    out = QuantumCircuit(*circuit.qregs, name=circuit.name)
    last_use: dict = {}
    for i, inst in enumerate(circuit.data):
        for q in inst.qubits:
            last_use[q] = i
    record_of: dict = {}
    n_records = 0
    for i, inst in enumerate(circuit.data):
        op = inst.operation
        if op.name == "measure":
            qubit = inst.qubits[0]
            if last_use[qubit] == i:
                record_of[inst.clbits[0]] = qubit
            else:
                reg = QuantumRegister(1, f"record{n_records}")
                n_records += 1
                out.add_register(reg)
                out.cx(qubit, reg[0])
                record_of[inst.clbits[0]] = reg[0]
        elif isinstance(op, IfElseOp):
            target, value = op.condition
            if target not in record_of:
                raise ValueError("defer_measurements supports if_test on measured single clbits only")
            if len(op.blocks) > 1 and op.blocks[1] is not None and op.blocks[1].size():
                raise ValueError("defer_measurements does not support else branches")
            body = op.blocks[0]
            unitary = QuantumCircuit(body.qubits)
            for binst in body.data:
                if binst.clbits or isinstance(binst.operation, ControlFlowOp):
                    raise ValueError("defer_measurements needs unitary if_test bodies")
                unitary.append(binst.operation, binst.qubits)
            gate = unitary.to_gate().control(1, ctrl_state=int(value))
            out.append(gate, [record_of[target], *inst.qubits])
        elif isinstance(op, ControlFlowOp):
            raise ValueError(f"defer_measurements cannot defer {op.name!r}")
        else:
            out.append(op, inst.qubits, [])
    index = {clbit: out.find_bit(rec).index for clbit, rec in record_of.items()}
    return out, index


def heralded_density_matrix(
    circuit: QuantumCircuit,
    network: Network | None = None,
    qubits: Sequence[int] | None = None,
) -> tuple[DensityMatrix, float]:
    """Exact heralded state of ``qubits`` (default ``metadata["pair"]``) and the herald probability.

    The noisy circuit is simulated once with Aer's density-matrix method after deferring all
    measurements; the herald rules of ``metadata["heralds"]`` are then applied as projectors.
    Intended for small circuits (cross-checks), at most ~12 qubits including records.
    """
    meta = circuit.metadata or {}
    keep = list(meta.get("pair", []) if qubits is None else qubits)
    noisy = noisy_circuit(circuit, network)
    deferred, record = defer_measurements(noisy)
    deferred.save_density_matrix()
    sim = AerRunner(method="density_matrix").simulator("density_matrix", deferred.num_qubits)
    result = sim.run(transpile(deferred, sim, optimization_level=0), shots=1).result()
    if not result.success:
        raise RuntimeError(f"density-matrix simulation failed: {result.status}")
    rho = np.asarray(result.data()["density_matrix"])
    n = deferred.num_qubits
    cregs = {reg.name: reg for reg in circuit.cregs}
    constraints: list[tuple[list[int], str]] = []
    for herald in meta.get("heralds", []):
        reg = cregs[herald["register"]]
        constraints.append(([record[bit] for bit in reg], herald["rule"]))
    herald_qubits = sorted({q for qs, _ in constraints for q in qs})
    # keep only herald patterns allowed by every rule: project the diagonal blocks
    tensor = rho.reshape([2] * (2 * n))  # axes: bra/ket bits in big-endian order of qubit index
    kept = np.zeros((2 ** len(keep), 2 ** len(keep)), dtype=complex)
    total = 0.0
    rest = [q for q in range(n) if q not in keep and q not in herald_qubits]
    for pattern in itertools.product((0, 1), repeat=len(herald_qubits)):
        value = dict(zip(herald_qubits, pattern))
        if not all(_herald_ok(rule, tuple(value[q] for q in qs)) for qs, rule in constraints):
            continue
        index: list = [slice(None)] * (2 * n)
        for q, bit in value.items():
            axis = n - 1 - q
            index[axis] = bit
            index[n + axis] = bit
        block = tensor[tuple(index)]
        sub_n = n - len(herald_qubits)
        sub_qubits = [q for q in range(n) if q not in herald_qubits]
        block = block.reshape(2**sub_n, 2**sub_n)
        dm = DensityMatrix(block)
        traced = partial_trace(dm, [sub_qubits.index(q) for q in rest]) if rest else dm
        order = [q for q in sub_qubits if q not in rest]
        perm = [order.index(q) for q in keep]
        traced = _permute(traced, perm)
        kept += traced.data
        total += float(np.trace(traced.data).real)
    if total <= 0:
        raise ValueError("the herald never succeeds for these parameters")
    return DensityMatrix(kept / total), total


def _permute(dm: DensityMatrix, perm: list[int]) -> DensityMatrix:
    """Reorder subsystems so that new qubit i is old qubit ``perm[i]``."""
    if perm == list(range(len(perm))):
        return dm
    n = len(perm)
    t = dm.data.reshape([2] * (2 * n))
    # big-endian axes: axis (n-1-q) is qubit q
    src_axes = [n - 1 - perm[n - 1 - a] for a in range(n)]
    t = np.transpose(t, src_axes + [n + a for a in src_axes])
    return DensityMatrix(t.reshape(2**n, 2**n))


__all__ = ["defer_measurements", "heralded_density_matrix"]
